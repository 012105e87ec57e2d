package sigv4

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"hash"
	"strconv"
	"strings"
	"sync"
	"time"
)

const emptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

const unsignedPayload = "UNSIGNED-PAYLOAD"

// maxPresignExpiry is the S3/SDK cap on X-Amz-Expires (§6.3).
const maxPresignExpiry = 604800

// scratch is the per-call working memory, pooled so that a verification
// with a warm key cache allocates only its Result.
type scratch struct {
	creq  []byte // canonical request (normalized path)
	creq2 []byte // canonical request with the un-normalized path (§7.2)
	sts   []byte
	sts2  []byte
	key   []byte // canonical MIME header key
	alt   []byte
	dec   []byte
	q     queryPairs
	h     hash.Hash
	hm    hmacState
	sum   [32]byte
	phash [64]byte
}

var scratchPool = sync.Pool{New: func() any {
	return &scratch{
		creq: make([]byte, 0, 1024),
		sts:  make([]byte, 0, 256),
		key:  make([]byte, 0, 64),
		h:    sha256.New(),
		hm:   newHMACState(),
	}
}}

// maxPooled bounds the buffers kept in the pool, so that one huge request
// does not pin its canonical request in memory for good.
const maxPooled = 64 << 10

func (s *scratch) release() {
	if cap(s.creq) > maxPooled || cap(s.creq2) > maxPooled || cap(s.q.buf) > maxPooled ||
		cap(s.alt) > maxPooled || cap(s.dec) > maxPooled || cap(s.key) > maxPooled ||
		cap(s.sts) > maxPooled || cap(s.sts2) > maxPooled || cap(s.q.spans) > maxPooled/8 {
		return // let the GC have it
	}
	scratchPool.Put(s)
}

// authParams are the signature elements, from either form.
type authParams struct {
	credential, signedHeaders, signature, date, token, contentHash string
	expires                                                        string
	hasExpires                                                     bool
}

// Verify checks req's signature and returns who signed it. On failure the
// error is an *Error. The pipeline order is spec §14 steps 3–8.
func (v *Verifier) Verify(req *Request) (*Result, error) {
	res, err := v.verify(req)
	if err != nil {
		return nil, err
	}
	return res, nil
}

// head is a verification's state after the checks that need only the
// request head (§1–§6, §10).
type head struct {
	p         authParams
	signed    string // SignedHeaders, normalized
	t         time.Time
	expires   time.Duration
	cred      Credential
	creds     Credentials
	presigned bool
}

func (v *Verifier) verify(req *Request) (*Result, *Error) {
	s := scratchPool.Get().(*scratch)
	defer s.release()
	var h head
	if err := v.checkHead(req, s, &h); err != nil {
		return nil, err
	}

	// §7.6: payload hash.
	payload, unsigned := v.payloadHash(req, s, h.p.contentHash)
	if decl := declaredHash(&h); !unsigned && decl != "" && decl != payload {
		// The head declares another payload than the body's: refused
		// whatever the signature covers, with the error VerifyHead and
		// Finish give for the same request.
		ok, err := v.sign(req, s, &h, decl)
		if err != nil {
			return nil, err
		}
		if ok {
			v.sign(req, s, &h, payload)
		}
		return nil, v.mismatch(string(s.creq), string(s.sts))
	}
	ok, err := v.sign(req, s, &h, payload)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, v.mismatch(string(s.creq), string(s.sts))
	}
	return h.result(unsigned), nil
}

// checkHead runs §1–§6 and §10 on req into h.
func (v *Verifier) checkHead(req *Request, s *scratch, h *head) *Error {
	now := v.cfg.Now()

	// §1: which form.
	authz := strings.TrimSpace(firstHeader(req.Header, &s.key, "authorization"))
	presigned := hasQueryParam(req.RawQuery, "X-Amz-Algorithm", &s.key)
	if authz != "" && presigned {
		return newError(AmbiguousSignature, msgBothForms)
	}
	if authz == "" && !presigned {
		return newError(MissingAuthenticationToken, msgMissingToken)
	}
	h.presigned = presigned

	p := &h.p
	if presigned {
		var err *Error
		if *p, err = queryParams(req, &s.key, &s.dec); err != nil {
			return err
		}
		if v.cfg.S3 && p.contentHash == "" {
			// S3's presigned URLs sign no payload: the canonical request
			// ends in UNSIGNED-PAYLOAD unless the URL names a hash.
			p.contentHash = unsignedPayload
		}
	} else {
		p.date = firstHeader(req.Header, &s.key, "x-amz-date")
		if p.date == "" {
			p.date = firstHeader(req.Header, &s.key, "date")
		}
		a, err := parseAuthorization(authz, p.date != "")
		if err != nil {
			return err
		}
		p.credential, p.signedHeaders, p.signature = a.Credential, a.SignedHeaders, a.Signature
		p.token = firstHeader(req.Header, &s.key, "x-amz-security-token")
		p.contentHash = firstHeader(req.Header, &s.key, "x-amz-content-sha256")
	}

	// §6.1: host must be signed.
	signed := p.signedHeaders
	if !signedHeadersOK(signed) {
		signed = normalizeSignedHeaders(signed)
	}
	if !hasHost(signed) {
		return newError(HostNotSigned, msgHostNotSigned)
	}
	h.signed = signed

	// §4: date, skew, presigned expiry.
	t, ok := parseDate(p.date)
	if !ok {
		return newError(IncompleteSignature, "Date must be in ISO-8601 'basic format'. Got '"+p.date+"'. See http://en.wikipedia.org/wiki/ISO_8601")
	}
	var expires time.Duration
	if p.hasExpires {
		n, err := strconv.Atoi(p.expires)
		switch {
		case err != nil && !errors.Is(err, strconv.ErrRange):
			return newError(IncompleteSignature, "X-Amz-Expires should be a number")
		case err != nil || n > maxPresignExpiry:
			return newError(IncompleteSignature, "X-Amz-Expires must be less than a week (in seconds) that is 604800")
		case n <= 0:
			return newError(IncompleteSignature, "X-Amz-Expires must be non-negative")
		}
		expires = time.Duration(n) * time.Second
	}
	if t.After(now.Add(v.cfg.Skew)) {
		return notYetCurrent(t, now, v.cfg.Skew)
	}
	if p.hasExpires {
		if now.After(t.Add(expires)) {
			return expired(t, now, expires)
		}
	} else if t.Before(now.Add(-v.cfg.Skew)) {
		return expired(t, now, v.cfg.Skew)
	}
	h.t, h.expires = t, expires

	// §5: credential scope.
	cred, ok := parseCredential(p.credential)
	if !ok {
		return credentialCountError(p.credential)
	}
	var dayBuf [16]byte
	day := appendBasic(dayBuf[:0], t)
	if err := v.checkScope(&cred, day); err != nil {
		return err
	}
	h.cred = cred

	// §10: session token and access key.
	if v.cfg.Resolver == nil {
		return &Error{Kind: Internal, Message: msgInternal, Cause: errors.New("sigv4: no Resolver configured")}
	}
	creds, rerr := v.cfg.Resolver.Resolve(cred.AccessKeyID, p.token)
	if rerr != nil {
		return resolverError(rerr)
	}
	if creds.SecretAccessKey == "" {
		return &Error{Kind: Internal, Message: msgInternal, Cause: errors.New("sigv4: resolver returned an empty secret")}
	}
	h.creds = creds
	return nil
}

// sign builds the canonical request (§7) over payload and the string to
// sign (§8) into s.creq and s.sts and reports whether the request's
// signature matches (§9), trying the path as sent once (§7.2). On a
// mismatch s.creq and s.sts hold the normalized-path forms for §11. The
// error is a malformed query (§7.3).
func (v *Verifier) sign(req *Request, s *scratch, h *head, payload string) (bool, *Error) {
	c := s.creq[:0]
	c = append(c, req.Method...)
	c = append(c, '\n')
	uriStart := len(c)
	c = appendCanonicalURI(c, req.RawPath, !v.cfg.S3, v.cfg.S3)
	uriEnd := len(c)
	c = append(c, '\n')
	var qerr *Error
	c, qerr = buildCanonicalQuery(c, &s.q, req.RawQuery, h.presigned)
	if qerr != nil {
		s.creq = c
		return false, qerr
	}
	c = append(c, '\n')
	c = appendCanonicalHeaders(c, &s.key, req, h.signed)
	c = append(c, '\n')
	c = append(c, h.signed...)
	c = append(c, '\n')
	c = append(c, payload...)
	s.creq = c

	key := v.cache.signingKey(h.cred.AccessKeyID, h.creds.SecretAccessKey, h.cred.Date, h.cred.Region, h.cred.Service)
	var given [32]byte
	validSig := decodeSignature(&given, h.p.signature)

	s.sts = v.stringToSign(s, s.sts[:0], c, h.t, &h.cred)
	mac := s.hm.sumTo(&key, s.sts)
	match := subtle.ConstantTimeCompare(mac[:], given[:]) == 1 && validSig

	if !match && !v.cfg.S3 {
		// §7.2: aws-sdk-go-v2 and curl do not normalize; try the path as
		// sent. Only the URI differs, so the signature still covers the
		// exact resource the client named.
		s.alt = appendCanonicalURI(s.alt[:0], req.RawPath, false, false)
		if string(s.alt) != string(c[uriStart:uriEnd]) {
			c2 := append(s.creq2[:0], c[:uriStart]...)
			c2 = append(c2, s.alt...)
			c2 = append(c2, c[uriEnd:]...)
			s.creq2 = c2
			sts2 := v.stringToSign(s, s.sts2[:0], c2, h.t, &h.cred)
			s.sts2 = sts2
			mac2 := s.hm.sumTo(&key, sts2)
			match = subtle.ConstantTimeCompare(mac2[:], given[:]) == 1 && validSig
		}
	}
	return match, nil
}

func (h *head) result(unsigned bool) *Result {
	return &Result{
		AccessKeyID:     h.cred.AccessKeyID,
		SessionToken:    h.p.token,
		Identity:        h.creds.Identity,
		Region:          h.cred.Region,
		Service:         h.cred.Service,
		Date:            h.t,
		SignedHeaders:   h.p.signedHeaders,
		Presigned:       h.presigned,
		Expires:         h.expires,
		UnsignedPayload: unsigned,
	}
}

// declaredHash returns the payload hash the head declares
// (x-amz-content-sha256, or X-Amz-Content-Sha256 in a presigned query),
// when it has the form of one: 64 lowercase hex digits. Signers put that
// value verbatim in the canonical request (§7.6), so a signature can be
// checked against it before the body arrives; the body must then hash to
// it. Any other value is not a hash and the body's own hash is used.
func declaredHash(h *head) string {
	d := h.p.contentHash
	if len(d) != 64 {
		return ""
	}
	for i := 0; i < len(d); i++ {
		if c := d[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return ""
		}
	}
	return d
}

// stringToSign appends §8's string to sign for canonical request c to dst.
func (v *Verifier) stringToSign(s *scratch, dst, c []byte, t time.Time, cred *Credential) []byte {
	s.h.Reset()
	s.h.Write(c)
	sum := s.h.Sum(s.sum[:0])
	dst = append(dst, Algorithm...)
	dst = append(dst, '\n')
	dst = appendBasic(dst, t)
	dst = append(dst, '\n')
	dst = append(dst, cred.Date...)
	dst = append(dst, '/')
	dst = append(dst, cred.Region...)
	dst = append(dst, '/')
	dst = append(dst, cred.Service...)
	dst = append(dst, "/aws4_request\n"...)
	for _, b := range sum {
		dst = append(dst, lowerHex[b>>4], lowerHex[b&15])
	}
	return dst
}

const lowerHex = "0123456789abcdef"

// payloadHash returns the payload line of the canonical request (§7.6). A
// client-supplied x-amz-content-sha256 is honoured only for
// UNSIGNED-PAYLOAD (when allowed); otherwise the server's own hash of the
// body is used, so a header that lies about the body makes the signature
// fail instead of leaving the body unauthenticated.
func (v *Verifier) payloadHash(req *Request, s *scratch, header string) (string, bool) {
	if header == unsignedPayload && v.cfg.AllowUnsignedPayload {
		return unsignedPayload, true
	}
	if req.PayloadHash != "" {
		return req.PayloadHash, false
	}
	if len(req.Body) == 0 {
		return emptyHash, false
	}
	s.h.Reset()
	s.h.Write(req.Body)
	sum := s.h.Sum(s.sum[:0])
	for i, b := range sum {
		s.phash[2*i], s.phash[2*i+1] = lowerHex[b>>4], lowerHex[b&15]
	}
	// The string aliases pooled memory only until the canonical request
	// has been built, within this call.
	return unsafeString(s.phash[:]), false
}

func decodeSignature(dst *[32]byte, sig string) bool {
	if len(sig) != 64 {
		return false
	}
	ok := true
	for i := 0; i < 32; i++ {
		hi, lo := sig[2*i], sig[2*i+1]
		ok = ok && isHex(hi) && isHex(lo)
		dst[i] = unhex(hi)<<4 | unhex(lo)
	}
	return ok
}

func (v *Verifier) checkScope(c *Credential, day []byte) *Error {
	regionOK := v.cfg.Region == "" || c.Region == v.cfg.Region
	serviceOK := len(v.services) == 0
	for _, s := range v.services {
		if c.Service == s {
			serviceOK = true
			break
		}
	}
	termOK := c.Terminator == "aws4_request"
	dateOK := c.Date == string(day[:8])
	if regionOK && serviceOK && termOK && dateOK {
		return nil
	}
	var b strings.Builder
	if !regionOK {
		b.WriteString("Credential should be scoped to a valid region, not '" + c.Region + "'. ")
	}
	if !serviceOK {
		b.WriteString("Credential should be scoped to correct service: '" + v.services[0] + "'. ")
	}
	if !termOK {
		b.WriteString("Credential should be scoped with a valid terminator: 'aws4_request', not '" + c.Terminator + "'. ")
	}
	if !dateOK {
		b.WriteString("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '" + c.Date + "' != '" + string(day[:8]) + "', from '" + string(day) + "'. ")
	}
	return newError(InvalidScope, b.String())
}

func resolverError(err error) *Error {
	switch {
	case errors.Is(err, ErrExpiredToken):
		return &Error{Kind: ExpiredToken, Message: msgExpiredToken, Cause: err}
	case errors.Is(err, ErrInvalidToken):
		return &Error{Kind: InvalidToken, Message: msgInvalidToken, Cause: err}
	case errors.Is(err, ErrUnknownKey):
		return &Error{Kind: UnknownAccessKey, Message: msgInvalidToken, Cause: err}
	}
	return &Error{Kind: Internal, Message: msgInternal, Cause: err}
}

func (v *Verifier) mismatch(creq, sts string) *Error {
	e := &Error{Kind: InvalidSignature, Message: msgMismatch, CanonicalRequest: creq, StringToSign: sts}
	if !v.cfg.HideCanonical {
		// §11: AWS's exact layout.
		e.Message = msgMismatch + "\n\nThe Canonical String for this request should have been\n'" + creq +
			"'\n\nThe String-to-Sign should have been\n'" + sts + "'\n"
	}
	return e
}

// expired is §4.2's (and §6.3's) "Signature expired" error.
func expired(t, now time.Time, window time.Duration) *Error {
	return &Error{
		Kind:        SignatureExpired,
		Message:     "Signature expired: " + formatBasic(t) + " is now earlier than " + formatBasic(now.Add(-window)) + " (" + formatBasic(now) + " - " + formatWindow(window) + ".)",
		RequestTime: t, ServerTime: now, Window: window,
	}
}

func notYetCurrent(t, now time.Time, window time.Duration) *Error {
	return &Error{
		Kind:        SignatureNotYetCurrent,
		Message:     "Signature not yet current: " + formatBasic(t) + " is still later than " + formatBasic(now.Add(window)) + " (" + formatBasic(now) + " + " + formatWindow(window) + ".)",
		RequestTime: t, ServerTime: now, Window: window,
	}
}

// formatWindow renders "5 min" (AWS's wording); windows that are not whole
// minutes (presigned X-Amz-Expires) are rendered in seconds.
func formatWindow(d time.Duration) string {
	if d%time.Minute == 0 {
		return strconv.FormatInt(int64(d/time.Minute), 10) + " min"
	}
	return strconv.FormatInt(int64(d/time.Second), 10) + " sec"
}

// Query form (§3).

var queryAuthNames = [...]string{
	"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires",
	"X-Amz-SignedHeaders", "X-Amz-Signature", "X-Amz-Security-Token", "X-Amz-Content-Sha256",
}

const (
	qAlgorithm = iota
	qCredential
	qDate
	qExpires
	qSignedHeaders
	qSignature
	qToken
	qContentHash
	qCount
)

// queryParams extracts the auth parameters of a presigned request; for
// each, the first occurrence wins (§3).
func queryParams(req *Request, buf, decBuf *[]byte) (authParams, *Error) {
	var raw [qCount]string
	var seen [qCount]bool
	rest := req.RawQuery
	for len(rest) > 0 {
		var piece string
		if i := strings.IndexByte(rest, '&'); i >= 0 {
			piece, rest = rest[:i], rest[i+1:]
		} else {
			piece, rest = rest, ""
		}
		name, value := piece, ""
		if i := strings.IndexByte(piece, '='); i >= 0 {
			name, value = piece[:i], piece[i+1:]
		}
		for k, want := range queryAuthNames {
			if !seen[k] && queryNameIs(name, want, k == qContentHash, buf) {
				raw[k], seen[k] = value, true
				break
			}
		}
	}
	var b strings.Builder
	for _, k := range [...]int{qCredential, qSignature, qSignedHeaders, qDate} {
		if !seen[k] {
			b.WriteString("AWS query-string parameters must include '" + queryAuthNames[k] + "'. ")
		}
	}
	if b.Len() > 0 {
		b.WriteString("Re-examine the query-string parameters.")
		return authParams{}, newError(IncompleteSignature, b.String())
	}
	// Decode every value into one buffer and convert it once, so the
	// query form costs one allocation however many values are escaped.
	var dec [qCount]string
	var span [qCount][2]int
	d := (*decBuf)[:0]
	escaped := false
	for k := range raw {
		if strings.IndexByte(raw[k], '%') < 0 && strings.IndexByte(raw[k], '+') < 0 {
			dec[k] = raw[k]
			span[k] = [2]int{-1, -1}
			continue
		}
		escaped = true
		start := len(d)
		var ok bool
		if d, ok = appendUnescaped(d, raw[k]); !ok {
			*decBuf = d
			return authParams{}, malformedEscape(raw[k])
		}
		span[k] = [2]int{start, len(d)}
	}
	*decBuf = d
	if escaped {
		all := string(d)
		for k := range span {
			if span[k][0] >= 0 {
				dec[k] = all[span[k][0]:span[k][1]]
			}
		}
	}
	if dec[qAlgorithm] != Algorithm {
		return authParams{}, unsupportedAlgorithm(dec[qAlgorithm])
	}
	p := authParams{
		credential:    dec[qCredential],
		signedHeaders: dec[qSignedHeaders],
		signature:     dec[qSignature],
		date:          dec[qDate],
		token:         dec[qToken],
		contentHash:   dec[qContentHash],
		expires:       dec[qExpires],
		hasExpires:    seen[qExpires],
	}
	if !seen[qToken] {
		p.token = firstHeader(req.Header, buf, "x-amz-security-token")
	}
	if !seen[qContentHash] {
		p.contentHash = firstHeader(req.Header, buf, "x-amz-content-sha256")
	}
	return p, nil
}

func malformedEscape(s string) *Error {
	_, err := appendEncodedComponent(nil, s)
	if err != nil {
		return err
	}
	return newError(MalformedQuery, "Incomplete trailing escape % sequence")
}

// queryNameIs reports whether the raw (encoded) query name decodes to want.
func queryNameIs(raw, want string, fold bool, buf *[]byte) bool {
	if strings.IndexByte(raw, '%') < 0 && strings.IndexByte(raw, '+') < 0 {
		if fold {
			return strings.EqualFold(raw, want)
		}
		return raw == want
	}
	b := (*buf)[:0]
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c == '+' {
			c = ' '
		} else if c == '%' && i+2 < len(raw) && isHex(raw[i+1]) && isHex(raw[i+2]) {
			c = unhex(raw[i+1])<<4 | unhex(raw[i+2])
			i += 2
		}
		b = append(b, c)
	}
	*buf = b
	if fold {
		return strings.EqualFold(string(b), want)
	}
	return string(b) == want
}

// hasQueryParam reports whether the raw query has a parameter named name.
func hasQueryParam(raw, name string, buf *[]byte) bool {
	for len(raw) > 0 {
		var piece string
		if i := strings.IndexByte(raw, '&'); i >= 0 {
			piece, raw = raw[:i], raw[i+1:]
		} else {
			piece, raw = raw, ""
		}
		if i := strings.IndexByte(piece, '='); i >= 0 {
			piece = piece[:i]
		}
		if queryNameIs(piece, name, false, buf) {
			return true
		}
	}
	return false
}

// unescapeQuery decodes a query component ('+' is a space). It allocates
// only when s contains an escape.
func unescapeQuery(s string) (string, bool) {
	if strings.IndexByte(s, '%') < 0 && strings.IndexByte(s, '+') < 0 {
		return s, true
	}
	b, ok := appendUnescaped(make([]byte, 0, len(s)), s)
	return string(b), ok
}

// appendUnescaped appends the decoded query component s to dst.
func appendUnescaped(dst []byte, s string) ([]byte, bool) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '+':
			c = ' '
		case '%':
			if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
				return dst, false
			}
			c = unhex(s[i+1])<<4 | unhex(s[i+2])
			i += 2
		}
		dst = append(dst, c)
	}
	return dst, true
}
