package sigv4

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

func testVerifier(mod func(*Config)) *Verifier {
	cfg := Config{
		Service: propSvc, Region: propRegion,
		Now:      func() time.Time { return propNow },
		Resolver: ResolverFunc(testResolve),
	}
	if mod != nil {
		mod(&cfg)
	}
	return New(cfg)
}

// selfSign fills in the signature of a request whose Authorization header
// has a placeholder, from the string to sign the verifier reports. Used
// only for features the SDK signer cannot produce (Date header, unsigned
// payload); the canonicalization itself is checked against independent
// signers elsewhere.
func selfSign(t *testing.T, v *Verifier, r *Request, secret string) {
	t.Helper()
	_, err := v.Verify(r)
	var e *Error
	if !errors.As(err, &e) || e.Kind != InvalidSignature {
		t.Fatalf("selfSign: %v", err)
	}
	lines := strings.Split(e.StringToSign, "\n")
	scope := strings.Split(lines[2], "/")
	key := deriveKey(secret, scope[0], scope[1], scope[2])
	m := hmac.New(sha256.New, key[:])
	m.Write([]byte(e.StringToSign))
	sig := hex.EncodeToString(m.Sum(nil))
	a := r.Header.Get("Authorization")
	r.Header.Set("Authorization", a[:strings.LastIndex(a, "=")+1]+sig)
}

func TestDateHeader(t *testing.T) {
	// botocore signs with a Date header when the request has one (§4.1).
	for _, date := range []string{
		"Sat, 14 Mar 2026 15:09:26 GMT",
		"Sat, 14 Mar 2026 15:09:26 -0000",
		"Saturday, 14-Mar-26 15:09:26 GMT",
		"Sat Mar 14 15:09:26 2026",
		"2026-03-14T15:09:26Z",
		"20260314T150926Z",
	} {
		t.Run(date, func(t *testing.T) {
			v := testVerifier(nil)
			r := hdrReq(strings.Replace(goodAuthz, "host;x-amz-date", "date;host", 1), map[string]string{"Date": date})
			selfSign(t, v, r, propSecret)
			res, err := v.Verify(r)
			if err != nil {
				t.Fatal(err)
			}
			if !res.Date.Equal(propNow) {
				t.Errorf("date = %v", res.Date)
			}
		})
	}
}

func TestPayloadHashHeader(t *testing.T) {
	body := []byte(`{"a":1}`)
	sum := sha256.Sum256(body)
	real := hex.EncodeToString(sum[:])
	sign := func(t *testing.T, hash string) *Request {
		req, _ := http.NewRequest("POST", "https://api.example.com/x", strings.NewReader(string(body)))
		req.Header.Set("X-Amz-Content-Sha256", hash)
		if err := v4.NewSigner().SignHTTP(context.Background(), benchCreds, req, hash, propSvc, propRegion, propNow); err != nil {
			t.Fatal(err)
		}
		r := FromHTTP(req, body)
		return &r
	}
	tests := []struct {
		name     string
		hash     string
		allow    bool
		wantErr  bool
		unsigned bool
	}{
		{"real hash", real, false, false, false},
		{"lying hash", strings.Repeat("0", 64), false, true, false},
		{"unsigned payload refused", unsignedPayload, false, true, false},
		{"unsigned payload allowed", unsignedPayload, true, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := testVerifier(func(c *Config) { c.AllowUnsignedPayload = tt.allow })
			res, err := v.Verify(sign(t, tt.hash))
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if err == nil && res.UnsignedPayload != tt.unsigned {
				t.Errorf("UnsignedPayload = %v", res.UnsignedPayload)
			}
		})
	}
	// A caller-computed PayloadHash is used instead of hashing Body.
	r := sign(t, real)
	r.Body, r.PayloadHash = nil, real
	if _, err := testVerifier(nil).Verify(r); err != nil {
		t.Errorf("PayloadHash: %v", err)
	}
}

func TestUnsignedSessionToken(t *testing.T) {
	// §6.2: the API Gateway-generated JS SDK adds the token after signing.
	var got string
	v := testVerifier(func(c *Config) {
		c.Resolver = ResolverFunc(func(akid, token string) (Credentials, error) {
			got = token
			return Credentials{SecretAccessKey: propSecret}, nil
		})
	})
	r := sdkSigned(t, "GET", "https://api.example.com/x", nil, propNow, "")
	r.Header.Set("X-Amz-Security-Token", "tok")
	res, err := v.Verify(r)
	if err != nil {
		t.Fatal(err)
	}
	if got != "tok" || res.SessionToken != "tok" {
		t.Errorf("token passed %q, result %q", got, res.SessionToken)
	}
}

func TestKeyRotation(t *testing.T) {
	secret := propSecret
	v := testVerifier(func(c *Config) {
		c.Resolver = ResolverFunc(func(akid, token string) (Credentials, error) {
			return Credentials{SecretAccessKey: secret}, nil
		})
	})
	old := sdkSigned(t, "GET", "https://api.example.com/x", nil, propNow, "")
	if _, err := v.Verify(old); err != nil {
		t.Fatal(err)
	}
	secret = "rotatedSecretrotatedSecretrotatedSecret1"
	if _, err := v.Verify(old); err == nil {
		t.Fatal("request signed with the old secret verified after rotation")
	}
}

func TestKeyCacheBounded(t *testing.T) {
	c := newKeyCache(32)
	for i := 0; i < 1000; i++ {
		c.signingKey(strings.Repeat("K", i%50+1), "s", "20260314", "r", "svc")
	}
	n := 0
	for i := range c.shards {
		n += len(c.shards[i].m)
	}
	if n > 32 {
		t.Errorf("cache holds %d entries, bound 32", n)
	}
	want := deriveKey("s", "20260314", "r", "svc")
	if got := c.signingKey("K", "s", "20260314", "r", "svc"); got != want {
		t.Error("cached key differs from derived key")
	}
	if got := (*keyCache)(nil).signingKey("K", "s", "20260314", "r", "svc"); got != want {
		t.Error("uncached key differs")
	}
}

func TestUnnormalizedPathRetry(t *testing.T) {
	// aws-sdk-go-v2 does not normalize; §7.2 retries with the path as sent.
	r := sdkSigned(t, "GET", "https://api.example.com/dev//a/./b/../c", nil, propNow, "")
	if _, err := testVerifier(nil).Verify(r); err != nil {
		t.Fatal(err)
	}
	// The error reports the normalized form.
	r.Method = "PUT"
	_, err := testVerifier(nil).Verify(r)
	var e *Error
	if !errors.As(err, &e) || !strings.HasPrefix(e.CanonicalRequest, "PUT\n/dev/a/c\n") {
		t.Errorf("err = %v", err)
	}
}

func TestScope(t *testing.T) {
	signed := sdkSigned(t, "GET", "https://api.example.com/x", nil, propNow, "")
	hreq, _ := http.NewRequest("GET", "https://api.example.com/x", nil)
	hreq.Header = signed.Header
	presigned := sdkPresigned(t, "https://api.example.com/x", propNow)
	qreq, _ := http.NewRequest("GET", "https://api.example.com/x?"+presigned.RawQuery, nil)
	plain, _ := http.NewRequest("GET", "https://api.example.com/x?a=b", nil)
	bearer, _ := http.NewRequest("GET", "https://api.example.com/x", nil)
	bearer.Header.Set("Authorization", "Bearer x")
	tests := []struct {
		name                  string
		r                     *http.Request
		service, region, akid string
		ok                    bool
	}{
		{"header", hreq, propSvc, propRegion, propAKID, true},
		{"query", qreq, propSvc, propRegion, propAKID, true},
		{"unsigned", plain, "", "", "", false},
		{"bearer", bearer, "", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, r, ok := Scope(tt.r)
			if s != tt.service || r != tt.region || ok != tt.ok {
				t.Errorf("Scope = %q, %q, %v; want %q, %q, %v", s, r, ok, tt.service, tt.region, tt.ok)
			}
			c, _ := ParseScope(tt.r)
			if c.AccessKeyID != tt.akid {
				t.Errorf("access key = %q", c.AccessKeyID)
			}
		})
	}
}

func TestFromHTTP(t *testing.T) {
	tests := []struct {
		name, requestURI, url, wantPath, wantQuery string
	}{
		{"server origin form", "/dev/a%2Fb/./c?x=1+2", "http://h/dev/a%2Fb/./c?x=1+2", "/dev/a%2Fb/./c", "x=1+2"},
		{"server absolute form", "http://h/dev/x?y", "http://h/dev/x?y", "/dev/x", "y"},
		{"client", "", "http://h/a%20b/c?q=1", "/a%20b/c", "q=1"},
		{"client empty path", "", "http://h", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := http.NewRequest("GET", tt.url, nil)
			if err != nil {
				t.Fatal(err)
			}
			r.RequestURI = tt.requestURI
			got := FromHTTP(r, []byte("b"))
			if got.RawPath != tt.wantPath || got.RawQuery != tt.wantQuery || got.Host != "h" || string(got.Body) != "b" {
				t.Errorf("FromHTTP = %+v", got)
			}
		})
	}
}

func TestS3Mode(t *testing.T) {
	// S3 signs the path once, without normalization.
	req, _ := http.NewRequest("GET", "https://bucket.s3.amazonaws.com/my-object//example//photo.user", nil)
	signer := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
	req.Header.Set("X-Amz-Content-Sha256", emptyHash)
	if err := signer.SignHTTP(context.Background(), benchCreds, req, emptyHash, "s3", propRegion, propNow); err != nil {
		t.Fatal(err)
	}
	r := FromHTTP(req, nil)
	if _, err := testVerifier(func(c *Config) { c.S3, c.Service = true, "s3" }).Verify(&r); err != nil {
		t.Fatal(err)
	}
}

func TestConcurrentVerify(t *testing.T) {
	// Many keys and dates through a small shared cache, under -race.
	secrets := map[string]string{}
	for i := 0; i < 20; i++ {
		secrets[fmt.Sprintf("AKIA%016d", i)] = fmt.Sprintf("secret-%d-%s", i, strings.Repeat("x", 30))
	}
	v := New(Config{
		Service: propSvc, Region: propRegion, CacheSize: 8, Skew: 72 * time.Hour,
		Now: func() time.Time { return propNow },
		Resolver: ResolverFunc(func(akid, token string) (Credentials, error) {
			s, ok := secrets[akid]
			if !ok {
				return Credentials{}, ErrUnknownKey
			}
			return Credentials{SecretAccessKey: s, Identity: akid}, nil
		}),
	})
	var reqs []*Request
	for akid, secret := range secrets {
		for d := 0; d < 3; d++ {
			req, _ := http.NewRequest("GET", "https://api.example.com/x", nil)
			creds := benchCreds
			creds.AccessKeyID, creds.SecretAccessKey, creds.SessionToken = akid, secret, ""
			if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, emptyHash, propSvc, propRegion, propNow.Add(-time.Duration(d)*24*time.Hour)); err != nil {
				t.Fatal(err)
			}
			r := FromHTTP(req, nil)
			reqs = append(reqs, &r)
		}
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				r := *reqs[(g*31+i)%len(reqs)]
				res, err := v.Verify(&r)
				if err != nil {
					errs <- err
					return
				}
				if !strings.Contains(r.Header.Get("Authorization"), res.AccessKeyID) {
					errs <- fmt.Errorf("identity %v for %s", res.Identity, r.Header.Get("Authorization"))
					return
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestCanonicalHeaderEdges(t *testing.T) {
	tests := []struct {
		name      string
		signed    string
		hdr       map[string]string
		wantLines string // canonical headers block + signed headers line
	}{
		{
			// §2.7: unsorted, mixed-case, duplicated names are normalized.
			name: "unsorted signed headers", signed: "X-Amz-Date;host;x-amz-date",
			hdr:       map[string]string{"X-Amz-Date": "20260314T150926Z"},
			wantLines: "host:api.example.com\nx-amz-date:20260314T150926Z\n\nhost;x-amz-date\n",
		},
		{
			// §6.2: a signed header that is absent is an empty value.
			name: "absent signed header", signed: "host;x-absent;x-amz-date",
			hdr:       map[string]string{"X-Amz-Date": "20260314T150926Z"},
			wantLines: "host:api.example.com\nx-absent:\nx-amz-date:20260314T150926Z\n\nhost;x-absent;x-amz-date\n",
		},
		{
			// HTTP/2 clients may sign :authority.
			name: "authority", signed: ":authority;x-amz-date",
			hdr:       map[string]string{"X-Amz-Date": "20260314T150926Z"},
			wantLines: ":authority:api.example.com\nx-amz-date:20260314T150926Z\n\n:authority;x-amz-date\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := testVerifier(nil)
			r := hdrReq(strings.Replace(goodAuthz, "SignedHeaders=host;x-amz-date", "SignedHeaders="+tt.signed, 1), tt.hdr)
			_, err := v.Verify(r)
			var e *Error
			if !errors.As(err, &e) || e.Kind != InvalidSignature {
				t.Fatalf("err = %v", err)
			}
			if !strings.Contains(e.CanonicalRequest, "\n"+tt.wantLines) {
				t.Errorf("canonical request:\n%s\nwant it to contain:\n%s", e.CanonicalRequest, tt.wantLines)
			}
			selfSign(t, v, r, propSecret)
			if _, err := v.Verify(r); err != nil {
				t.Errorf("after signing: %v", err)
			}
		})
	}
}
