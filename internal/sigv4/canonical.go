package sigv4

import (
	"bytes"
	"net/http"
	"sort"
	"strconv"
	"strings"
)

// unreserved is RFC 3986's unreserved set, the only bytes SigV4 leaves
// unescaped (§7.2 step 3, §7.3 step 4).
var unreserved [256]bool

func init() {
	for c := 0; c < 256; c++ {
		unreserved[c] = c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' ||
			c == '-' || c == '.' || c == '_' || c == '~'
	}
}

const upperHex = "0123456789ABCDEF"

func appendEscapedByte(dst []byte, c byte) []byte {
	if unreserved[c] {
		return append(dst, c)
	}
	return append(dst, '%', upperHex[c>>4], upperHex[c&15])
}

// appendEscapedPath escapes every byte of s but unreserved ones and '/'.
func appendEscapedPath(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '/' {
			dst = append(dst, c)
		} else {
			dst = appendEscapedByte(dst, c)
		}
	}
	return dst
}

// appendCanonicalURI appends the canonical URI for the raw (wire) path p.
//
// Non-S3 (§7.2): normalize (dot segments, repeated slashes) when normalize
// is set, then escape once more, so every '%' of the wire becomes "%25".
// S3: no normalization; the path is decoded once and escaped once.
func appendCanonicalURI(dst []byte, p string, normalize, s3 bool) []byte {
	if s3 {
		return appendS3URI(dst, p)
	}
	if p == "" {
		return append(dst, '/')
	}
	if !normalize {
		return appendEscapedPath(dst, p)
	}
	base := len(dst)
	rest := p
	for len(rest) > 0 {
		i := strings.IndexByte(rest, '/')
		var seg string
		if i < 0 {
			seg, rest = rest, ""
		} else {
			seg, rest = rest[:i], rest[i+1:]
		}
		switch seg {
		case "", ".":
		case "..":
			// Escaped segments never contain '/', so the last '/' written
			// starts the segment to pop; never above the root.
			j := len(dst) - 1
			for j >= base && dst[j] != '/' {
				j--
			}
			if j >= base {
				dst = dst[:j]
			}
		default:
			dst = append(dst, '/')
			dst = appendEscapedPath(dst, seg)
		}
	}
	if len(dst) == base {
		return append(dst, '/')
	}
	if p[len(p)-1] == '/' {
		dst = append(dst, '/')
	}
	return dst
}

// appendS3URI decodes valid %XX escapes in p once and escapes the result
// once (S3's single encoding). Invalid escapes are kept literally.
func appendS3URI(dst []byte, p string) []byte {
	if p == "" {
		return append(dst, '/')
	}
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c == '%' && i+2 < len(p) && isHex(p[i+1]) && isHex(p[i+2]) {
			c = unhex(p[i+1])<<4 | unhex(p[i+2])
			i += 2
		}
		if c == '/' {
			dst = append(dst, c)
		} else {
			dst = appendEscapedByte(dst, c)
		}
	}
	return dst
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

// querySpan locates one encoded pair in queryBuf: name q[ns:ne], value
// q[ne:ve].
type querySpan struct{ ns, ne, ve int }

// queryPairs sorts spans of an encoded query; a named type so that sorting
// through sort.Interface does not allocate.
type queryPairs struct {
	buf   []byte
	spans []querySpan
}

func (q *queryPairs) Len() int      { return len(q.spans) }
func (q *queryPairs) Swap(i, j int) { q.spans[i], q.spans[j] = q.spans[j], q.spans[i] }
func (q *queryPairs) Less(i, j int) bool {
	a, b := q.spans[i], q.spans[j]
	if c := compareBytes(q.buf[a.ns:a.ne], q.buf[b.ns:b.ne]); c != 0 {
		return c < 0
	}
	return compareBytes(q.buf[a.ne:a.ve], q.buf[b.ne:b.ve]) < 0
}

func compareBytes(a, b []byte) int { return bytes.Compare(a, b) }

// appendEncodedComponent percent-decodes s ('+' is a space, §7.3 step 3) and
// re-encodes it with SigV4's rules (§7.3 step 4). It reports a malformed
// escape as a MalformedQuery error.
func appendEncodedComponent(dst []byte, s string) ([]byte, *Error) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '+':
			dst = append(dst, '%', '2', '0')
			continue
		case '%':
			if i+2 >= len(s) {
				return dst, newError(MalformedQuery, "Incomplete trailing escape % sequence")
			}
			if !isHex(s[i+1]) || !isHex(s[i+2]) {
				return dst, newError(MalformedQuery, "Illegal hex character in escape % pattern: %"+s[i+1:i+3])
			}
			c = unhex(s[i+1])<<4 | unhex(s[i+2])
			i += 2
		}
		dst = appendEscapedByte(dst, c)
	}
	return dst, nil
}

// buildCanonicalQuery encodes raw into q (§7.3) and appends the sorted result
// to dst. With presigned set, X-Amz-Signature is dropped (§6.3).
func buildCanonicalQuery(dst []byte, q *queryPairs, raw string, presigned bool) ([]byte, *Error) {
	q.buf = q.buf[:0]
	q.spans = q.spans[:0]
	sorted := true
	for len(raw) > 0 {
		var piece string
		if i := strings.IndexByte(raw, '&'); i >= 0 {
			piece, raw = raw[:i], raw[i+1:]
		} else {
			piece, raw = raw, ""
		}
		if piece == "" {
			continue
		}
		name, value := piece, ""
		if i := strings.IndexByte(piece, '='); i >= 0 {
			name, value = piece[:i], piece[i+1:]
		}
		var err *Error
		sp := querySpan{ns: len(q.buf)}
		q.buf, err = appendEncodedComponent(q.buf, name)
		if err != nil {
			return dst, err
		}
		sp.ne = len(q.buf)
		if presigned && string(q.buf[sp.ns:sp.ne]) == "X-Amz-Signature" {
			q.buf = q.buf[:sp.ns]
			// Still validate its escapes, as the service would.
			if _, err := appendEncodedComponent(q.buf, value); err != nil {
				return dst, err
			}
			q.buf = q.buf[:sp.ns]
			continue
		}
		q.buf, err = appendEncodedComponent(q.buf, value)
		if err != nil {
			return dst, err
		}
		sp.ve = len(q.buf)
		q.spans = append(q.spans, sp)
		if n := len(q.spans); sorted && n > 1 && q.Less(n-1, n-2) {
			sorted = false
		}
	}
	if !sorted {
		sort.Stable(q)
	}
	for i, sp := range q.spans {
		if i > 0 {
			dst = append(dst, '&')
		}
		dst = append(dst, q.buf[sp.ns:sp.ne]...)
		dst = append(dst, '=')
		dst = append(dst, q.buf[sp.ne:sp.ve]...)
	}
	return dst, nil
}

// signedHeadersOK reports whether s is already lowercase, sorted and free of
// duplicates and empty names, which is what every SDK sends.
func signedHeadersOK(s string) bool {
	prev := ""
	for len(s) > 0 {
		name := s
		if i := strings.IndexByte(s, ';'); i >= 0 {
			name, s = s[:i], s[i+1:]
			if s == "" {
				return false
			}
		} else {
			s = ""
		}
		if name == "" || name <= prev {
			return false
		}
		for i := 0; i < len(name); i++ {
			if c := name[i]; c >= 'A' && c <= 'Z' {
				return false
			}
		}
		prev = name
	}
	return true
}

// normalizeSignedHeaders lowercases, sorts and de-duplicates a SignedHeaders
// list (§2.7). Off the hot path: SDKs send it normalized.
func normalizeSignedHeaders(s string) string {
	names := strings.Split(strings.ToLower(s), ";")
	sort.Strings(names)
	out := names[:0]
	for i, n := range names {
		if n == "" || i > 0 && n == names[i-1] {
			continue
		}
		out = append(out, n)
	}
	return strings.Join(out, ";")
}

// hasHost reports whether the normalized SignedHeaders list names host or
// :authority (§6.1).
func hasHost(s string) bool {
	for len(s) > 0 {
		name := s
		if i := strings.IndexByte(s, ';'); i >= 0 {
			name, s = s[:i], s[i+1:]
		} else {
			s = ""
		}
		if name == "host" || name == ":authority" {
			return true
		}
	}
	return false
}

// appendCanonicalHeaders appends one "name:value\n" line per signed header
// (§7.4). keyBuf is scratch space for canonical MIME keys.
func appendCanonicalHeaders(dst []byte, keyBuf *[]byte, req *Request, signed string) []byte {
	for len(signed) > 0 {
		name := signed
		if i := strings.IndexByte(signed, ';'); i >= 0 {
			name, signed = signed[:i], signed[i+1:]
		} else {
			signed = ""
		}
		dst = append(dst, name...)
		dst = append(dst, ':')
		if name == "host" || name == ":authority" {
			host := req.Host
			if host == "" {
				host = firstHeader(req.Header, keyBuf, "host")
			}
			dst = appendTrimmed(dst, host)
			dst = append(dst, '\n')
			continue
		}
		vals := lookupHeader(req.Header, keyBuf, name)
		if len(vals) == 0 && name == "content-length" && req.ContentLength > 0 {
			dst = strconv.AppendInt(dst, req.ContentLength, 10)
		}
		for i, v := range vals {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendTrimmed(dst, v)
		}
		dst = append(dst, '\n')
	}
	return dst
}

const maxHeaderScan = 64

func firstHeader(h http.Header, keyBuf *[]byte, lower string) string {
	if v := lookupHeader(h, keyBuf, lower); len(v) > 0 {
		return v[0]
	}
	return ""
}

// lookupHeader finds the values of a lowercase header name without
// allocating: the canonical MIME form is built in keyBuf and the map index
// with string(bytes) does not copy. Headers stored under a non-canonical key
// (hand-built http.Header) are found by a case-insensitive scan.
func lookupHeader(h http.Header, keyBuf *[]byte, lower string) []string {
	if h == nil {
		return nil
	}
	k := (*keyBuf)[:0]
	upper := true
	for i := 0; i < len(lower); i++ {
		c := lower[i]
		if upper && c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		upper = c == '-'
		k = append(k, c)
	}
	*keyBuf = k
	if v, ok := h[string(k)]; ok {
		return v
	}
	// Servers store every key in canonical form (net/http rejects names it
	// cannot canonicalize), so the scan only serves small hand-built
	// headers; bounding it keeps a request that signs thousands of absent
	// names from costing quadratic time.
	if len(h) > maxHeaderScan {
		return nil
	}
	for key, v := range h {
		if strings.EqualFold(key, lower) {
			return v
		}
	}
	return nil
}

// appendTrimmed appends v with leading and trailing whitespace removed and
// runs of spaces collapsed to one (§7.4; the AWS SDKs' "trimall").
func appendTrimmed(dst []byte, v string) []byte {
	i, j := 0, len(v)
	for i < j && isTrimSpace(v[i]) {
		i++
	}
	for j > i && isTrimSpace(v[j-1]) {
		j--
	}
	space := false
	for ; i < j; i++ {
		c := v[i]
		if c == ' ' {
			if space {
				continue
			}
			space = true
		} else {
			space = false
		}
		dst = append(dst, c)
	}
	return dst
}

func isTrimSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}
