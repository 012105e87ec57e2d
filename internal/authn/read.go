package authn

import (
	"errors"
	"net/http"

	"github.com/gatehouse-dev/gatehouse/internal/reqbody"
	"github.com/gatehouse-dev/gatehouse/internal/sigv4"
)

// ReadVerified is the one way a surface authenticates a SigV4 request that
// carries a body. It verifies everything the head can prove (v.VerifyHead:
// the key is known and active, the date within the skew, the scope right,
// and the signature itself when the head declares the payload hash) before
// a byte of the body is read, so a refused request never gets "100
// Continue" and costs no buffer; then it reads the body through rd (at
// most limit bytes, under rd's deadline and byte budget) and finishes the
// verification over the body's hash. Nothing is returned to act on before
// the signature covers the body as received.
//
// Errors are *sigv4.Error (render with QueryError, JSONError or
// GatewayError, which also render reqbody.ErrBusy) or the reqbody errors
// ErrTooLarge and read errors (reqbody.IsReadError), which each surface
// answers in its own words. On success the caller owns the Body (nil for
// an empty body) and must Release it when the request is done.
func ReadVerified(w http.ResponseWriter, r *http.Request, v *sigv4.Verifier, rd *reqbody.Reader, limit int64) (*sigv4.Result, *reqbody.Body, error) {
	req := sigv4.FromHTTP(r, nil)
	if noBody(r) {
		// Nothing to read: the head is the whole request.
		req.PayloadHash = reqbody.EmptyHash
		res, err := v.Verify(&req)
		return res, nil, err
	}
	hd, err := v.VerifyHead(&req)
	if err != nil {
		rd.Unread(w)
		return nil, nil, err
	}
	b, err := rd.Read(w, r, limit)
	if err != nil {
		return nil, nil, err
	}
	res, err := hd.Finish(b.Hash())
	if err != nil {
		b.Release()
		return nil, nil, err
	}
	return res, b, nil
}

// noBody reports whether r has no body to read.
func noBody(r *http.Request) bool {
	return r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0
}

// UseBodies makes rd the Reader that ReadRequest reads bodies with (the
// server's one budget). It must be called before the Authenticator serves.
func (a *Authenticator) UseBodies(rd *reqbody.Reader) { a.bodies = rd }

// Bodies returns the Reader the Authenticator reads bodies with.
func (a *Authenticator) Bodies() *reqbody.Reader { return a.bodies }

// ReadRequest authenticates r for service ("iam", "sts", "apigateway",
// "lambda") and reads its body, at most limit bytes: ReadVerified with the
// service's verifier and the Authenticator's body Reader.
func (a *Authenticator) ReadRequest(w http.ResponseWriter, r *http.Request, service string, limit int64) (*Principal, *sigv4.Result, *reqbody.Body, error) {
	v, ok := a.verifiers[service]
	if !ok {
		return nil, nil, nil, errors.New("authn: unknown service " + service)
	}
	res, b, err := ReadVerified(w, r, v, a.bodies, limit)
	if err != nil {
		return nil, nil, nil, err
	}
	p, ok := res.Identity.(*Principal)
	if !ok || p == nil {
		b.Release()
		return nil, nil, nil, &sigv4.Error{Kind: sigv4.Internal, Message: "Internal server error"}
	}
	return p, res, b, nil
}
