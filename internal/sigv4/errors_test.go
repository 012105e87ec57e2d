package sigv4

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// sdkSigned returns a request signed by aws-sdk-go-v2 at signedAt.
func sdkSigned(t *testing.T, method, url string, hdr map[string]string, signedAt time.Time, token string) *Request {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	creds := benchCreds
	creds.SessionToken = token
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, emptyHash, propSvc, propRegion, signedAt); err != nil {
		t.Fatal(err)
	}
	r := FromHTTP(req, nil)
	return &r
}

func sdkPresigned(t *testing.T, url string, signedAt time.Time) *Request {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	u, _, err := v4.NewSigner().PresignHTTP(context.Background(), benchCreds, req, emptyHash, propSvc, propRegion, signedAt)
	if err != nil {
		t.Fatal(err)
	}
	req, _ = http.NewRequest("GET", u, nil)
	r := FromHTTP(req, nil)
	return &r
}

func hdrReq(authz string, hdr map[string]string) *Request {
	h := http.Header{}
	if authz != "" {
		h.Set("Authorization", authz)
	}
	for k, v := range hdr {
		h.Set(k, v)
	}
	return &Request{Method: "GET", RawPath: "/", Host: "api.example.com", Header: h}
}

const goodAuthz = "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260314/us-west-2/execute-api/aws4_request, SignedHeaders=host;x-amz-date, Signature=0000000000000000000000000000000000000000000000000000000000000000"

func TestErrorMessages(t *testing.T) {
	amzDate := map[string]string{"X-Amz-Date": "20260314T150926Z"}
	tests := []struct {
		name string
		cfg  func(*Config)
		req  func(t *testing.T) *Request
		kind Kind
		msg  string
	}{
		{
			name: "no authentication",
			req:  func(*testing.T) *Request { return hdrReq("", nil) },
			kind: MissingAuthenticationToken, msg: "Missing Authentication Token",
		},
		{
			name: "bearer token",
			req:  func(*testing.T) *Request { return hdrReq("Bearer x", nil) },
			kind: IncompleteSignature, msg: "'x' not a valid key=value pair (missing equal-sign) in Authorization header: 'Bearer x'.",
		},
		{
			name: "header name inside the value",
			req: func(*testing.T) *Request {
				return hdrReq("Authorization: AWS4-HMAC-SHA256 Credential=a/b/c/d/e", nil)
			},
			kind: IncompleteSignature, msg: "'AWS4-HMAC-SHA256' not a valid key=value pair (missing equal-sign) in Authorization header: 'Authorization: AWS4-HMAC-SHA256 Credential=a/b/c/d/e'.",
		},
		{
			name: "bare JWT",
			req:  func(*testing.T) *Request { return hdrReq("eyJ0eXAiOiJKV1Qi.x.y", nil) },
			kind: IncompleteSignature,
			msg:  "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=eyJ0eXAiOiJKV1Qi.x.y",
		},
		{
			name: "missing signature only",
			req: func(*testing.T) *Request {
				return hdrReq("AWS4-HMAC-SHA256 Credential=a/b/c/d/e, SignedHeaders=host", amzDate)
			},
			kind: IncompleteSignature,
			msg:  "Authorization header requires 'Signature' parameter. Authorization=AWS4-HMAC-SHA256 Credential=a/b/c/d/e, SignedHeaders=host",
		},
		{
			name: "unsupported algorithm (SigV4a)",
			req: func(*testing.T) *Request {
				return hdrReq(strings.Replace(goodAuthz, "AWS4-HMAC-SHA256", "AWS4-ECDSA-P256-SHA256", 1), amzDate)
			},
			kind: IncompleteSignature, msg: "Unsupported AWS 'algorithm': 'AWS4-ECDSA-P256-SHA256' (only AWS4-HMAC-SHA256 for now). ",
		},
		{
			name: "query form missing parameters",
			req: func(*testing.T) *Request {
				return &Request{Method: "GET", RawPath: "/", RawQuery: "X-Amz-Algorithm=AWS4-HMAC-SHA256", Host: "h"}
			},
			kind: IncompleteSignature,
			msg:  "AWS query-string parameters must include 'X-Amz-Credential'. AWS query-string parameters must include 'X-Amz-Signature'. AWS query-string parameters must include 'X-Amz-SignedHeaders'. AWS query-string parameters must include 'X-Amz-Date'. Re-examine the query-string parameters.",
		},
		{
			name: "query form unsupported algorithm",
			req: func(t *testing.T) *Request {
				r := sdkPresigned(t, "https://h/x", propNow)
				r.RawQuery = strings.Replace(r.RawQuery, "X-Amz-Algorithm=AWS4-HMAC-SHA256", "X-Amz-Algorithm=AWS4-HMAC-SHA1", 1)
				return r
			},
			kind: IncompleteSignature, msg: "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA1' (only AWS4-HMAC-SHA256 for now). ",
		},
		{
			name: "both forms",
			req: func(t *testing.T) *Request {
				r := sdkPresigned(t, "https://h/x", propNow)
				r.Header = http.Header{"Authorization": {goodAuthz}}
				return r
			},
			kind: AmbiguousSignature, msg: "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header.",
		},
		{
			name: "host not signed",
			req: func(*testing.T) *Request {
				return hdrReq(strings.Replace(goodAuthz, "host;x-amz-date", "x-amz-date", 1), amzDate)
			},
			kind: HostNotSigned, msg: "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
		},
		{
			name: "bad date",
			req: func(*testing.T) *Request {
				return hdrReq(goodAuthz, map[string]string{"X-Amz-Date": "yesterday"})
			},
			kind: IncompleteSignature, msg: "Date must be in ISO-8601 'basic format'. Got 'yesterday'. See http://en.wikipedia.org/wiki/ISO_8601",
		},
		{
			// The real capture of spec §4.2 (gh-android-253).
			name: "signature expired",
			cfg: func(c *Config) {
				c.Now = func() time.Time { return time.Date(2017, 2, 15, 15, 0, 34, 0, time.UTC) }
			},
			req: func(*testing.T) *Request {
				return hdrReq(goodAuthz, map[string]string{"X-Amz-Date": "20170212T175938Z"})
			},
			kind: SignatureExpired, msg: "Signature expired: 20170212T175938Z is now earlier than 20170215T145534Z (20170215T150034Z - 5 min.)",
		},
		{
			name: "signature expired, STS 15 minutes",
			cfg: func(c *Config) {
				c.Skew = 15 * time.Minute
				c.Now = func() time.Time { return time.Date(2022, 1, 27, 1, 59, 28, 0, time.UTC) }
			},
			req: func(*testing.T) *Request {
				return hdrReq(goodAuthz, map[string]string{"X-Amz-Date": "20220127T001427Z"})
			},
			kind: SignatureExpired, msg: "Signature expired: 20220127T001427Z is now earlier than 20220127T014428Z (20220127T015928Z - 15 min.)",
		},
		{
			name: "signature not yet current",
			req: func(*testing.T) *Request {
				return hdrReq(goodAuthz, map[string]string{"X-Amz-Date": "20260314T151527Z"})
			},
			kind: SignatureNotYetCurrent, msg: "Signature not yet current: 20260314T151527Z is still later than 20260314T151426Z (20260314T150926Z + 5 min.)",
		},
		{
			name: "skew boundary is accepted (then the signature is checked)",
			req: func(*testing.T) *Request {
				return hdrReq(goodAuthz, map[string]string{"X-Amz-Date": "20260314T150426Z"})
			},
			kind: InvalidSignature,
		},
		{
			name: "credential with 4 elements",
			req: func(*testing.T) *Request {
				return hdrReq(strings.Replace(goodAuthz, "/aws4_request", "", 1), amzDate)
			},
			kind: IncompleteSignature,
			msg:  "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got 'AKIAIOSFODNN7EXAMPLE/20260314/us-west-2/execute-api'",
		},
		{
			name: "wrong service",
			req: func(*testing.T) *Request {
				return hdrReq(strings.Replace(goodAuthz, "/execute-api/", "/s3/", 1), amzDate)
			},
			kind: InvalidScope, msg: "Credential should be scoped to correct service: 'execute-api'. ",
		},
		{
			name: "wrong region, terminator and date",
			req: func(*testing.T) *Request {
				return hdrReq(strings.Replace(goodAuthz, "20260314/us-west-2/execute-api/aws4_request", "20260313/eu-west-1/execute-api/aws4_req", 1), amzDate)
			},
			kind: InvalidScope,
			msg:  "Credential should be scoped to a valid region, not 'eu-west-1'. Credential should be scoped with a valid terminator: 'aws4_request', not 'aws4_req'. Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20260313' != '20260314', from '20260314T150926Z'. ",
		},
		{
			name: "any region accepted when Region is empty",
			cfg:  func(c *Config) { c.Region = "" },
			req: func(*testing.T) *Request {
				return hdrReq(strings.Replace(goodAuthz, "/us-west-2/", "/eu-west-1/", 1), amzDate)
			},
			kind: InvalidSignature,
		},
		{
			name: "one of several services",
			cfg:  func(c *Config) { c.Service, c.Services = "", []string{"iam", "sts"} },
			req: func(*testing.T) *Request {
				return hdrReq(goodAuthz, amzDate)
			},
			kind: InvalidScope, msg: "Credential should be scoped to correct service: 'iam'. ",
		},
		{
			name: "unknown access key",
			req: func(*testing.T) *Request {
				return hdrReq(strings.Replace(goodAuthz, "AKIAIOSFODNN7EXAMPLE", "AKIAUNKNOWN", 1), amzDate)
			},
			kind: UnknownAccessKey, msg: "The security token included in the request is invalid.",
		},
		{
			name: "invalid session token",
			req: func(*testing.T) *Request {
				return hdrReq(goodAuthz, map[string]string{"X-Amz-Date": "20260314T150926Z", "X-Amz-Security-Token": "bad"})
			},
			kind: InvalidToken, msg: "The security token included in the request is invalid.",
		},
		{
			name: "expired session token",
			req: func(*testing.T) *Request {
				return hdrReq(goodAuthz, map[string]string{"X-Amz-Date": "20260314T150926Z", "X-Amz-Security-Token": "expired"})
			},
			kind: ExpiredToken, msg: "The security token included in the request is expired",
		},
		{
			name: "resolver failure fails closed",
			req: func(*testing.T) *Request {
				return hdrReq(goodAuthz, map[string]string{"X-Amz-Date": "20260314T150926Z", "X-Amz-Security-Token": "storedown"})
			},
			kind: Internal, msg: "Internal server error",
		},
		{
			name: "presigned URL past X-Amz-Expires",
			req: func(t *testing.T) *Request {
				return sdkPresigned(t, "https://h/x?X-Amz-Expires=60", propNow.Add(-61*time.Second))
			},
			kind: SignatureExpired, msg: "Signature expired: 20260314T150825Z is now earlier than 20260314T150826Z (20260314T150926Z - 1 min.)",
		},
		{
			name: "presigned X-Amz-Expires over a week",
			req: func(t *testing.T) *Request {
				return sdkPresigned(t, "https://h/x?X-Amz-Expires=604801", propNow)
			},
			kind: IncompleteSignature, msg: "X-Amz-Expires must be less than a week (in seconds) that is 604800",
		},
		{
			name: "presigned X-Amz-Expires not a number",
			req: func(t *testing.T) *Request {
				return sdkPresigned(t, "https://h/x?X-Amz-Expires=soon", propNow)
			},
			kind: IncompleteSignature, msg: "X-Amz-Expires should be a number",
		},
		{
			name: "malformed query escape",
			req: func(t *testing.T) *Request {
				r := sdkSigned(t, "GET", "https://h/x", nil, propNow, "")
				r.RawQuery = "a=%zz"
				return r
			},
			kind: MalformedQuery, msg: "Illegal hex character in escape % pattern: %zz",
		},
		{
			name: "incomplete trailing escape",
			req: func(t *testing.T) *Request {
				r := sdkSigned(t, "GET", "https://h/x", nil, propNow, "")
				r.RawQuery = "a=b%4"
				return r
			},
			kind: MalformedQuery, msg: "Incomplete trailing escape % sequence",
		},
		{
			name: "hardened mismatch message",
			cfg:  func(c *Config) { c.HideCanonical = true },
			req:  func(*testing.T) *Request { return hdrReq(goodAuthz, amzDate) },
			kind: InvalidSignature, msg: msgMismatch,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := Config{
				Service: propSvc, Region: propRegion,
				Now:      func() time.Time { return propNow },
				Resolver: ResolverFunc(testResolve),
			}
			if tt.cfg != nil {
				tt.cfg(&cfg)
			}
			_, err := New(cfg).Verify(tt.req(t))
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v, want *Error", err)
			}
			if e.Kind != tt.kind {
				t.Errorf("kind = %v, want %v (%s)", e.Kind, tt.kind, e.Message)
			}
			if tt.msg != "" && e.Message != tt.msg {
				t.Errorf("message:\n got %q\nwant %q", e.Message, tt.msg)
			}
			if strings.Contains(e.Message, propSecret) || strings.Contains(e.Error(), propSecret) {
				t.Errorf("message leaks the secret")
			}
		})
	}
}

var errStoreDown = errors.New("store unavailable")

func testResolve(akid, token string) (Credentials, error) {
	if akid != propAKID {
		return Credentials{}, fmt.Errorf("key %q: %w", akid, ErrUnknownKey)
	}
	switch token {
	case "bad":
		return Credentials{}, fmt.Errorf("token: %w", ErrInvalidToken)
	case "expired":
		return Credentials{}, fmt.Errorf("token: %w", ErrExpiredToken)
	case "storedown":
		return Credentials{}, errStoreDown
	}
	return Credentials{SecretAccessKey: propSecret, Identity: "alice"}, nil
}

func TestErrorUnwrap(t *testing.T) {
	v := New(Config{Service: propSvc, Now: func() time.Time { return propNow }, Resolver: ResolverFunc(testResolve)})
	_, err := v.Verify(hdrReq(goodAuthz, map[string]string{"X-Amz-Date": "20260314T150926Z", "X-Amz-Security-Token": "expired"}))
	if !errors.Is(err, ErrExpiredToken) {
		t.Errorf("errors.Is(%v, ErrExpiredToken) = false", err)
	}
	_, err = v.Verify(hdrReq(goodAuthz, map[string]string{"X-Amz-Date": "20260314T150926Z", "X-Amz-Security-Token": "storedown"}))
	if !errors.Is(err, errStoreDown) {
		t.Errorf("errors.Is(%v, errStoreDown) = false", err)
	}
	_, err = v.Verify(hdrReq("", nil))
	var e *Error
	if !errors.As(err, &e) || e.Cause != nil {
		t.Errorf("missing token: %#v", err)
	}
	// Expiry carries the pieces other surfaces need for their wording.
	_, err = v.Verify(hdrReq(goodAuthz, map[string]string{"X-Amz-Date": "20260314T140000Z"}))
	if !errors.As(err, &e) || e.Kind != SignatureExpired || !e.RequestTime.Equal(time.Date(2026, 3, 14, 14, 0, 0, 0, time.UTC)) ||
		!e.ServerTime.Equal(propNow) || e.Window != 5*time.Minute {
		t.Errorf("expired: %+v", e)
	}
}

func TestMismatchMessageLayout(t *testing.T) {
	r := sdkSigned(t, "GET", "https://api.example.com/dev/mypath%2Fnext", nil, propNow, "")
	r.Method = "POST"
	_, err := New(Config{Service: propSvc, Now: func() time.Time { return propNow }, Resolver: ResolverFunc(testResolve)}).Verify(r)
	var e *Error
	if !errors.As(err, &e) || e.Kind != InvalidSignature {
		t.Fatalf("err = %v", err)
	}
	want := msgMismatch + "\n\nThe Canonical String for this request should have been\n'" + e.CanonicalRequest +
		"'\n\nThe String-to-Sign should have been\n'" + e.StringToSign + "'\n"
	if e.Message != want {
		t.Errorf("message:\n%q\nwant\n%q", e.Message, want)
	}
	// spec §7.2: API Gateway's expected canonical URI for /dev/mypath%2Fnext.
	if !strings.HasPrefix(e.CanonicalRequest, "POST\n/dev/mypath%252Fnext\n\n") {
		t.Errorf("canonical request = %q", e.CanonicalRequest)
	}
	if !strings.HasPrefix(e.StringToSign, "AWS4-HMAC-SHA256\n20260314T150926Z\n20260314/us-west-2/execute-api/aws4_request\n") {
		t.Errorf("string to sign = %q", e.StringToSign)
	}
}
