package sigv4

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"
	"time"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// sdkSignedOver is sdkSigned with the body's hash declared in
// x-amz-content-sha256 and signed over, as the JavaScript SDK does.
func sdkSignedOver(t *testing.T, url string, body []byte) *Request {
	t.Helper()
	req, err := http.NewRequest("POST", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	h := bodyHash(body)
	req.Header.Set("X-Amz-Content-Sha256", h)
	creds := benchCreds
	creds.SessionToken = ""
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, h, propSvc, propRegion, propNow); err != nil {
		t.Fatal(err)
	}
	r := FromHTTP(req, nil)
	return &r
}

func bodyHash(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// headThenFinish is the two-step verification a server runs: the head
// before reading the body, then the body's hash.
func headThenFinish(v *Verifier, req Request) (*Result, error) {
	body := req.Body
	req.Body = nil
	hd, err := v.VerifyHead(&req)
	if err != nil {
		return nil, err
	}
	return hd.Finish(bodyHash(body))
}

// sameOutcome fails unless a and b are the same success or the same error.
func sameOutcome(t *testing.T, what string, ra *Result, ea error, rb *Result, eb error) {
	t.Helper()
	if (ea == nil) != (eb == nil) {
		t.Fatalf("%s: Verify err = %v, VerifyHead+Finish err = %v", what, ea, eb)
	}
	if ea != nil {
		var a, b *Error
		if !errors.As(ea, &a) || !errors.As(eb, &b) || a.Kind != b.Kind || a.Message != b.Message {
			t.Fatalf("%s: Verify err = %v, VerifyHead+Finish err = %v", what, ea, eb)
		}
		return
	}
	if *ra != *rb {
		t.Fatalf("%s: Verify = %+v, VerifyHead+Finish = %+v", what, ra, rb)
	}
}

// TestVerifyHeadThenFinishEqualsVerify is the property the body-reading
// surfaces rely on: verifying the head before the body and the body's hash
// after it accepts exactly what Verify accepts over the whole request, with
// the same errors, for SDK-signed requests and every mutation of them,
// including bodies that differ from a declared x-amz-content-sha256.
func TestVerifyHeadThenFinishEqualsVerify(t *testing.T) {
	n := 1500
	if testing.Short() {
		n = 500
	}
	r := rand.New(rand.NewPCG(seedFor(t), 3))
	v := propVerifier()
	for i := 0; i < n; i++ {
		c := genCase(t, r, "api.example.com")
		base := FromHTTP(c.req, c.body)
		req := base
		ra, ea := v.Verify(&req)
		rb, eb := headThenFinish(v, base)
		sameOutcome(t, "signed", ra, ea, rb, eb)
		for _, m := range mutations {
			mreq := base
			if !m.apply(r, &mreq) {
				continue
			}
			mv := mreq
			ra, ea := v.Verify(&mv)
			rb, eb := headThenFinish(v, mreq)
			sameOutcome(t, m.name, ra, ea, rb, eb)
		}
		// The body differs from the hash the head declares.
		if base.Header.Get("X-Amz-Content-Sha256") != "" || strings.Contains(base.RawQuery, "X-Amz-Content-Sha256") {
			mreq := base
			mreq.Body = append(append([]byte(nil), base.Body...), 'x')
			mv := mreq
			ra, ea := v.Verify(&mv)
			rb, eb := headThenFinish(v, mreq)
			sameOutcome(t, "body unlike declared hash", ra, ea, rb, eb)
			var e *Error
			if !errors.As(eb, &e) || e.Kind != InvalidSignature {
				t.Fatalf("body unlike declared hash: err = %v, want InvalidSignature", eb)
			}
		}
	}
}

// TestVerifyHeadRefusesWithoutBody: every failure that does not depend on
// the body is reported by VerifyHead, with Verify's error, and a signature
// over a declared payload hash is checked there too.
func TestVerifyHeadRefusesWithoutBody(t *testing.T) {
	now := propNow
	tests := []struct {
		name     string
		req      *Request
		wantKind Kind // KindUnknown: VerifyHead passes
		verified bool
	}{
		{"unknown key", func() *Request {
			r := sdkSigned(t, "POST", "https://api.example.com/x", nil, now, "")
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), propAKID, "AKIAUNKNOWNKEY000000", 1))
			return r
		}(), UnknownAccessKey, false},
		{"invalid session token", sdkSigned(t, "POST", "https://api.example.com/x", nil, now, "bad"), InvalidToken, false},
		{"expired session token", sdkSigned(t, "POST", "https://api.example.com/x", nil, now, "expired"), ExpiredToken, false},
		{"store down", sdkSigned(t, "POST", "https://api.example.com/x", nil, now, "storedown"), Internal, false},
		{"date too old", sdkSigned(t, "POST", "https://api.example.com/x", nil, now.Add(-6*time.Minute), ""), SignatureExpired, false},
		{"date in the future", sdkSigned(t, "POST", "https://api.example.com/x", nil, now.Add(6*time.Minute), ""), SignatureNotYetCurrent, false},
		{"bad date", func() *Request {
			r := sdkSigned(t, "POST", "https://api.example.com/x", nil, now, "")
			r.Header.Set("X-Amz-Date", "yesterday")
			return r
		}(), IncompleteSignature, false},
		{"wrong scope", func() *Request {
			r := sdkSigned(t, "POST", "https://api.example.com/x", nil, now, "")
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "/us-west-2/", "/eu-west-1/", 1))
			return r
		}(), InvalidScope, false},
		{"no authorization", hdrReq("", nil), MissingAuthenticationToken, false},
		{"malformed query", func() *Request {
			r := sdkSigned(t, "POST", "https://api.example.com/x", nil, now, "")
			r.RawQuery = "a=%zz"
			return r
		}(), MalformedQuery, false},
		{"declared hash, bad signature", func() *Request {
			r := sdkSignedOver(t, "https://api.example.com/x", []byte("payload"))
			a := r.Header.Get("Authorization")
			r.Header.Set("Authorization", a[:len(a)-4]+"0000")
			return r
		}(), InvalidSignature, false},
		{"declared hash, good signature", sdkSignedOver(t, "https://api.example.com/x", []byte("payload")), KindUnknown, true},
		{"no declared hash: the body decides", func() *Request {
			r := sdkSigned(t, "POST", "https://api.example.com/x", nil, now, "")
			a := r.Header.Get("Authorization")
			r.Header.Set("Authorization", a[:len(a)-4]+"0000")
			return r
		}(), KindUnknown, false},
		{"uppercase declared hash is not a hash", sdkSigned(t, "POST", "https://api.example.com/x",
			map[string]string{"X-Amz-Content-Sha256": strings.ToUpper(bodyHash(nil))}, now, ""), KindUnknown, false},
	}
	v := testVerifier(nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hd, err := v.VerifyHead(tt.req)
			if tt.wantKind == KindUnknown {
				if err != nil {
					t.Fatalf("VerifyHead: %v", err)
				}
				if hd.Verified() != tt.verified {
					t.Errorf("Verified() = %v, want %v", hd.Verified(), tt.verified)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) || e.Kind != tt.wantKind {
				t.Fatalf("VerifyHead err = %v, want kind %v", err, tt.wantKind)
			}
			full := *tt.req
			_, ferr := v.Verify(&full)
			var fe *Error
			if !errors.As(ferr, &fe) || fe.Kind != e.Kind || fe.Message != e.Message {
				t.Errorf("VerifyHead err %v; Verify err %v", err, ferr)
			}
		})
	}
}

// TestFinishFailsClosed: a verified head is not a verified request.
func TestFinishFailsClosed(t *testing.T) {
	v := testVerifier(nil)
	body := []byte("payload")
	req := sdkSignedOver(t, "https://api.example.com/x", body)
	hd, err := v.VerifyHead(req)
	if err != nil || !hd.Verified() {
		t.Fatalf("VerifyHead = %v, %v", hd, err)
	}
	for _, h := range []string{bodyHash([]byte("other")), bodyHash(nil), "", strings.ToUpper(bodyHash(body))} {
		if res, err := hd.Finish(h); err == nil {
			t.Errorf("Finish(%q) = %+v, want an error", h, res)
		}
	}
	if res, err := hd.Finish(bodyHash(body)); err != nil || res.AccessKeyID != propAKID {
		t.Errorf("Finish(real) = %+v, %v", res, err)
	}
	// UNSIGNED-PAYLOAD, where allowed, is decided by the head.
	uv := testVerifier(func(c *Config) { c.AllowUnsignedPayload = true })
	ureq := &Request{Method: "POST", RawPath: "/x", Host: "api.example.com", Header: req.Header.Clone()}
	ureq.Header.Set("X-Amz-Content-Sha256", unsignedPayload)
	ureq.Header.Set("Authorization", strings.Replace(req.Header.Get("Authorization"), "SignedHeaders=", "SignedHeaders=", 1))
	selfSign(t, uv, ureq, propSecret)
	uh, err := uv.VerifyHead(ureq)
	if err != nil || !uh.Verified() {
		t.Fatalf("unsigned payload: VerifyHead = %v, %v", uh, err)
	}
	if res, err := uh.Finish(bodyHash([]byte("anything"))); err != nil || !res.UnsignedPayload {
		t.Errorf("unsigned payload: Finish = %+v, %v", res, err)
	}
}

// FuzzVerifyHeadFinish: for any body, any x-amz-content-sha256 value and
// any payload hash the client signed over, in either form, verifying the
// head and then the body's hash gives exactly Verify's answer over the
// whole request, and an accepted request's signature covers the body as
// received.
func FuzzVerifyHeadFinish(f *testing.F) {
	f.Add([]byte(`{"a":1}`), "", uint8(0), false)
	f.Add([]byte(`{"a":1}`), bodyHash([]byte(`{"a":1}`)), uint8(1), false)
	f.Add([]byte(`{"a":1}`), bodyHash([]byte(`{"a":2}`)), uint8(1), false)
	f.Add([]byte(`{"a":1}`), bodyHash([]byte(`{"a":2}`)), uint8(0), true)
	f.Add([]byte{}, unsignedPayload, uint8(1), false)
	f.Add([]byte("x"), strings.ToUpper(bodyHash([]byte("x"))), uint8(1), true)
	v := propVerifier()
	f.Fuzz(func(t *testing.T, body []byte, declared string, over uint8, presign bool) {
		for i := 0; i < len(declared); i++ {
			if c := declared[i]; c < ' ' || c > '~' {
				return // not a header value a client can send
			}
		}
		real := bodyHash(body)
		// The payload hash the client signs over.
		signedOver := map[uint8]string{0: real, 1: declared, 2: bodyHash(append([]byte("y"), body...))}[over%3]
		req, err := http.NewRequest("POST", "https://api.example.com/x", nil)
		if err != nil {
			t.Fatal(err)
		}
		if declared != "" {
			req.Header.Set("X-Amz-Content-Sha256", declared)
		}
		creds := benchCreds
		creds.SessionToken = ""
		s := v4.NewSigner()
		if presign {
			u, _, err := s.PresignHTTP(context.Background(), creds, req, signedOver, propSvc, propRegion, propNow)
			if err != nil {
				return
			}
			if req, err = http.NewRequest("POST", u, nil); err != nil {
				return
			}
			if declared != "" {
				req.Header.Set("X-Amz-Content-Sha256", declared)
			}
		} else if err := s.SignHTTP(context.Background(), creds, req, signedOver, propSvc, propRegion, propNow); err != nil {
			return
		}
		base := FromHTTP(req, body)
		full := base
		ra, ea := v.Verify(&full)
		rb, eb := headThenFinish(v, base)
		sameOutcome(t, "fuzz", ra, ea, rb, eb)
		if eb == nil && signedOver != real {
			t.Fatalf("accepted a body (hash %s) the signature does not cover (signed over %q)", real, signedOver)
		}
	})
}
