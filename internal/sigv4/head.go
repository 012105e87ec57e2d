package sigv4

// Head is a request whose head has passed verification: form, host
// signed, date and skew, credential scope, session token and access key
// (§1–§6, §10). It is what can be known before the body is read. When the
// head also declares the payload hash (x-amz-content-sha256, or
// X-Amz-Content-Sha256 in a presigned query) the signature itself has been
// checked against that hash too, and only the body's conformance to it
// remains.
//
// A Head is not an authentication: only Finish, given the hash of the body
// as received, returns a Result. Nothing of the request may be acted on
// before it.
type Head struct {
	v        *Verifier
	req      Request
	h        head
	declared string // payload hash the signature was checked against
	unsigned bool   // UNSIGNED-PAYLOAD accepted: the body is not covered
	stream   *Stream
}

// VerifyHead runs every check of Verify that does not depend on the body,
// in Verify's order, and returns the same error Verify would for a failure
// among them. It ignores req.Body and req.PayloadHash. When the head
// declares the payload hash, a signature that does not cover it fails
// here, before the body is read. req's strings and Header must stay
// unchanged until Finish.
func (v *Verifier) VerifyHead(req *Request) (*Head, error) {
	s := scratchPool.Get().(*scratch)
	defer s.release()
	hd := &Head{v: v, req: *req}
	hd.req.Body, hd.req.PayloadHash = nil, ""
	if err := v.checkHead(&hd.req, s, &hd.h); err != nil {
		return nil, err
	}
	var payload string
	switch ch := hd.h.p.contentHash; {
	case v.cfg.AllowUnsignedPayload && ch == unsignedPayload:
		payload, hd.unsigned = unsignedPayload, true
	case v.cfg.AllowStreaming && !hd.h.presigned && (ch == StreamingPayload || ch == StreamingPayloadTrailer ||
		ch == StreamingUnsignedTrailer && v.cfg.AllowUnsignedPayload):
		// The head signs the declaration; the chunks are verified as
		// they arrive (Stream).
		payload = ch
		hd.declared = ch
	default:
		payload = declaredHash(&hd.h)
		hd.declared = payload
	}
	if payload == "" {
		// The signature needs the body's hash. Check what else the
		// canonical request can refuse (a malformed query, §7.3).
		c, err := buildCanonicalQuery(s.creq[:0], &s.q, hd.req.RawQuery, hd.h.presigned)
		s.creq = c
		if err != nil {
			return nil, err
		}
		return hd, nil
	}
	ok, err := v.sign(&hd.req, s, &hd.h, payload)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, v.mismatch(string(s.creq), string(s.sts))
	}
	if isStreaming(payload) {
		hd.stream = newStream(payload, v.cache.signingKey(hd.h.cred.AccessKeyID, hd.h.creds.SecretAccessKey, hd.h.cred.Date, hd.h.cred.Region, hd.h.cred.Service),
			hd.h.t, &hd.h.cred, hd.h.p.signature)
	}
	return hd, nil
}

// Identity is the Resolver's identity for the signing key, and Region the
// signing region, of a head whose signature is already checked (Verified,
// or a Stream). A server may authorize the request with them before it
// reads the body (S3 refuses a denied upload before accepting its bytes),
// but must act on nothing before Finish or FinishStream says the body is
// the one signed. Nil for a head whose signature awaits the body.
func (hd *Head) Identity() any {
	if !hd.Verified() && hd.stream == nil {
		return nil
	}
	return hd.h.creds.Identity
}

// Region is the credential-scope region of the head.
func (hd *Head) Region() string { return hd.h.cred.Region }

// Presigned reports whether the head is a presigned (query) request.
func (hd *Head) Presigned() bool { return hd.h.presigned }

// Stream returns the chunk verifier of a head that declared an aws-chunked
// payload (Config.AllowStreaming), or nil. The body must then be decoded
// and every chunk verified through it before FinishStream.
func (hd *Head) Stream() *Stream { return hd.stream }

// FinishStream returns the Result of a streaming request once the caller
// has decoded the whole body and every chunk (and the trailer) passed
// Stream's checks. It fails for a head that is not streaming.
func (hd *Head) FinishStream() (*Result, error) {
	if hd.stream == nil || !hd.stream.done {
		return nil, &Error{Kind: Internal, Message: msgInternal}
	}
	return hd.h.result(hd.stream.Mode == StreamingUnsignedTrailer), nil
}

// Verified reports whether the signature has been checked from the head
// alone (against the declared payload hash, or UNSIGNED-PAYLOAD).
func (hd *Head) Verified() bool { return hd.declared != "" || hd.unsigned }

// Finish completes the verification with the lowercase hex SHA-256 of the
// body as received and returns what Verify returns for the request with
// that body: the Result, or the signature mismatch when the signature does
// not cover the body (including a body that differs from the hash its head
// declared).
func (hd *Head) Finish(payloadHash string) (*Result, error) {
	if hd.stream != nil {
		// A streaming body is not hashed whole: FinishStream.
		return nil, &Error{Kind: Internal, Message: msgInternal}
	}
	if hd.unsigned {
		return hd.h.result(true), nil
	}
	if hd.declared != "" && payloadHash == hd.declared {
		return hd.h.result(false), nil
	}
	s := scratchPool.Get().(*scratch)
	defer s.release()
	ok, err := hd.v.sign(&hd.req, s, &hd.h, payloadHash)
	if err != nil {
		return nil, err
	}
	if !ok || hd.declared != "" {
		// A declared hash that the body does not match fails like a
		// signature over the wrong body: AWS's text, with the canonical
		// request over the body's real hash (§7.6, §11).
		return nil, hd.v.mismatch(string(s.creq), string(s.sts))
	}
	return hd.h.result(false), nil
}
