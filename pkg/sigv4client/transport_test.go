package sigv4client

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

var (
	longTerm = aws.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"}
	session  = aws.Credentials{AccessKeyID: "ASIAEXAMPLE", SecretAccessKey: "c2VjcmV0LXNlc3Npb24ta2V5", SessionToken: "FwoGZXIvYXdzEXAMPLETOKEN"}
)

type received struct {
	method, path, query string
	body                []byte
	header              http.Header
	principal           string
	err                 error
}

// newVerifyingServer answers 200 with the caller's key id when the request
// verifies, 403 with the reason otherwise, and records what it got.
func newVerifyingServer(t *testing.T, region, service string) (*httptest.Server, func() received) {
	t.Helper()
	v := &testVerifier{
		keys:    map[string]aws.Credentials{longTerm.AccessKeyID: longTerm, session.AccessKeyID: session},
		region:  region,
		service: service,
		now:     time.Now,
	}
	var mu sync.Mutex
	var last received
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			t.Errorf("read body: %v", err)
		}
		p, verr := v.verify(r, body)
		mu.Lock()
		last = received{r.Method, r.URL.EscapedPath(), r.URL.RawQuery, body, r.Header.Clone(), p, verr}
		mu.Unlock()
		if verr != nil {
			http.Error(w, verr.Error(), http.StatusForbidden)
			return
		}
		io.WriteString(w, p)
	}))
	t.Cleanup(srv.Close)
	return srv, func() received {
		mu.Lock()
		defer mu.Unlock()
		return last
	}
}

// oneShot hides every interface but io.Reader, like a network body.
type oneShot struct{ r io.Reader }

func (o oneShot) Read(p []byte) (int, error) { return o.r.Read(p) }

func TestRoundTripSignsVerifiably(t *testing.T) {
	srv, last := newVerifyingServer(t, "eu-west-1", "execute-api")
	big := bytes.Repeat([]byte("0123456789abcdef"), 20000) // 320 KB, above the test threshold

	file := filepath.Join(t.TempDir(), "body.json")
	if err := os.WriteFile(file, []byte(`{"from":"file"}`), 0o600); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name  string
		creds aws.Credentials
		req   func() *http.Request
		want  []byte
	}{
		{"get no body", longTerm, func() *http.Request {
			r, _ := http.NewRequest("GET", srv.URL+"/prod/pets?b=2&a=1&a=0", nil)
			return r
		}, nil},
		{"session token", session, func() *http.Request {
			r, _ := http.NewRequest("GET", srv.URL+"/prod/pets", nil)
			return r
		}, nil},
		{"escaped path and query", longTerm, func() *http.Request {
			r, _ := http.NewRequest("GET", srv.URL+"/prod/a%20b/c%2Fd/%C3%A9?q=x+y&r=%2B&empty=", nil)
			return r
		}, nil},
		{"bytes body with GetBody", session, func() *http.Request {
			r, _ := http.NewRequest("POST", srv.URL+"/prod/items", bytes.NewReader([]byte(`{"a":1}`)))
			r.Header.Set("Content-Type", "application/json")
			return r
		}, []byte(`{"a":1}`)},
		{"one-shot small body", longTerm, func() *http.Request {
			r, _ := http.NewRequest("PUT", srv.URL+"/prod/items/1", oneShot{strings.NewReader("small")})
			return r
		}, []byte("small")},
		{"one-shot large body spooled", longTerm, func() *http.Request {
			r, _ := http.NewRequest("PUT", srv.URL+"/prod/blob", oneShot{bytes.NewReader(big)})
			return r
		}, big},
		{"chunked one-shot body as forwarded by a reverse proxy", longTerm, func() *http.Request {
			r, _ := http.NewRequest("POST", srv.URL+"/prod/fwd", oneShot{bytes.NewReader(big)})
			r.ContentLength = -1
			r.TransferEncoding = []string{"chunked"}
			return r
		}, big},
		{"file body seeker", longTerm, func() *http.Request {
			f, err := os.Open(file)
			if err != nil {
				t.Fatal(err)
			}
			r, _ := http.NewRequest("POST", srv.URL+"/prod/upload", f)
			return r
		}, []byte(`{"from":"file"}`)},
		{"extra headers signed", longTerm, func() *http.Request {
			r, _ := http.NewRequest("DELETE", srv.URL+"/prod/items/1", nil)
			r.Header.Set("X-Custom", "  a   b  ")
			r.Header.Add("Accept", "application/json")
			r.Header.Add("Accept", "text/plain")
			return r
		}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			spoolDir := t.TempDir()
			tr, err := New(Config{
				Credentials:    credentials.StaticCredentialsProvider{Value: tc.creds},
				Region:         "eu-west-1",
				SpoolThreshold: 64 << 10,
				SpoolDir:       spoolDir,
			})
			if err != nil {
				t.Fatal(err)
			}
			resp, err := (&http.Client{Transport: tr}).Do(tc.req())
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			rec := last()
			if resp.StatusCode != 200 {
				t.Fatalf("status %d: %s", resp.StatusCode, got)
			}
			if string(got) != tc.creds.AccessKeyID {
				t.Errorf("principal = %q, want %q", got, tc.creds.AccessKeyID)
			}
			if !bytes.Equal(rec.body, tc.want) {
				t.Errorf("server got %d body bytes, want %d", len(rec.body), len(tc.want))
			}
			if len(tc.want) > 0 && rec.header.Get("Transfer-Encoding") != "" {
				t.Errorf("body sent with Transfer-Encoding %q, want a Content-Length", rec.header.Get("Transfer-Encoding"))
			}
			if ents, _ := os.ReadDir(spoolDir); len(ents) != 0 {
				t.Errorf("spool dir not cleaned: %v", ents)
			}
		})
	}
}

func TestRoundTripDoesNotModifyRequestAndDropsOldAuth(t *testing.T) {
	srv, last := newVerifyingServer(t, "us-east-1", "execute-api")
	tr, err := New(Config{Credentials: credentials.StaticCredentialsProvider{Value: longTerm}, Region: "us-east-1"})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", srv.URL+"/x", nil)
	req.Header.Set("Authorization", "Bearer stale")
	req.Header.Set("X-Amz-Security-Token", "foreign")
	before := req.Header.Clone()
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("status %d (%v)", resp.StatusCode, last().err)
	}
	if got := last().header.Get("X-Amz-Security-Token"); got != "" {
		t.Errorf("foreign security token forwarded: %q", got)
	}
	if len(req.Header) != len(before) || req.Header.Get("Authorization") != "Bearer stale" {
		t.Errorf("caller's request modified: %v", req.Header)
	}
}

func TestUnsignedPayloadStreams(t *testing.T) {
	srv, last := newVerifyingServer(t, "us-east-1", "s3")
	spoolDir := t.TempDir()
	tr, err := New(Config{
		Credentials:     credentials.StaticCredentialsProvider{Value: longTerm},
		Region:          "us-east-1",
		Service:         "s3",
		UnsignedPayload: true,
		SpoolThreshold:  -1,
		SpoolDir:        spoolDir,
	})
	if err != nil {
		t.Fatal(err)
	}
	pr, pw := io.Pipe()
	go func() {
		pw.Write([]byte("streamed"))
		pw.Close()
	}()
	req, _ := http.NewRequest("PUT", srv.URL+"/bucket/key", pr)
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	rec := last()
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %v", resp.StatusCode, rec.err)
	}
	if got := rec.header.Get("X-Amz-Content-Sha256"); got != UnsignedPayload {
		t.Errorf("X-Amz-Content-Sha256 = %q, want %q", got, UnsignedPayload)
	}
	if string(rec.body) != "streamed" {
		t.Errorf("body = %q", rec.body)
	}
}

func TestContentSHA256Header(t *testing.T) {
	srv, last := newVerifyingServer(t, "us-east-1", "execute-api")
	tr, _ := New(Config{Credentials: credentials.StaticCredentialsProvider{Value: longTerm}, Region: "us-east-1", ContentSHA256Header: true})
	req, _ := http.NewRequest("POST", srv.URL+"/p", strings.NewReader("abc"))
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	want := "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
	if got := last().header.Get("X-Amz-Content-Sha256"); got != want || resp.StatusCode != 200 {
		t.Errorf("status %d, X-Amz-Content-Sha256 = %q, want %q", resp.StatusCode, got, want)
	}
}

type countingProvider struct {
	n      atomic.Int32
	expiry time.Duration
	err    error
}

func (p *countingProvider) Retrieve(context.Context) (aws.Credentials, error) {
	p.n.Add(1)
	if p.err != nil {
		return aws.Credentials{}, p.err
	}
	c := longTerm
	if p.expiry > 0 {
		c.CanExpire, c.Expires = true, time.Now().Add(p.expiry)
	}
	return c, nil
}

func TestCredentialsCachedAndRefreshed(t *testing.T) {
	srv, _ := newVerifyingServer(t, "us-east-1", "execute-api")
	p := &countingProvider{expiry: time.Hour}
	tr, _ := New(Config{Credentials: p, Region: "us-east-1", CacheOptions: func(o *aws.CredentialsCacheOptions) {
		o.ExpiryWindow = time.Hour - 300*time.Millisecond
	}})
	get := func() {
		t.Helper()
		req, _ := http.NewRequest("GET", srv.URL+"/", nil)
		resp, err := tr.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("status %d", resp.StatusCode)
		}
	}
	get()
	get()
	get()
	if n := p.n.Load(); n != 1 {
		t.Fatalf("provider called %d times for 3 requests, want 1 (cached)", n)
	}
	time.Sleep(400 * time.Millisecond)
	get()
	if n := p.n.Load(); n != 2 {
		t.Fatalf("provider called %d times after expiry window, want 2 (refreshed)", n)
	}
}

type closeRecorder struct {
	io.Reader
	closed atomic.Bool
}

func (c *closeRecorder) Close() error { c.closed.Store(true); return nil }

func TestRoundTripErrors(t *testing.T) {
	secret := "SECRET-MUST-NOT-LEAK"
	p := &countingProvider{err: errors.New("no credentials configured")}
	tr, _ := New(Config{Credentials: p, Region: "us-east-1"})
	body := &closeRecorder{Reader: strings.NewReader("x")}
	req, _ := http.NewRequest("POST", "http://127.0.0.1:1/", body)
	_, err := tr.RoundTrip(req)
	if err == nil || !strings.Contains(err.Error(), "retrieve credentials") {
		t.Fatalf("err = %v, want a credentials error", err)
	}
	if !body.closed.Load() {
		t.Error("request body not closed on error")
	}

	tr2, _ := New(Config{Credentials: credentials.StaticCredentialsProvider{Value: aws.Credentials{AccessKeyID: "AK", SecretAccessKey: secret}}, Region: "us-east-1"})
	req2, _ := http.NewRequest("GET", "http://127.0.0.1:1/", nil)
	req2.Header.Set("X-Amz-Content-Sha256", "not-a-hash")
	if _, err := tr2.RoundTrip(req2); err == nil || strings.Contains(err.Error(), secret) {
		t.Errorf("err = %v, want an error without the secret", err)
	}

	for _, cfg := range []Config{{Region: "us-east-1"}, {Credentials: p}} {
		if _, err := New(cfg); err == nil {
			t.Errorf("New(%+v) succeeded, want error", cfg)
		}
	}
}

func TestSignInPlace(t *testing.T) {
	srv, last := newVerifyingServer(t, "us-east-1", "execute-api")
	tr, _ := New(Config{Credentials: credentials.StaticCredentialsProvider{Value: session}, Region: "us-east-1"})
	req, _ := http.NewRequest("POST", srv.URL+"/prod/x", oneShot{strings.NewReader("payload")})
	req.TransferEncoding = []string{"chunked"}
	if err := tr.Sign(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	if req.Header.Get("Authorization") == "" || req.ContentLength != 7 || req.TransferEncoding != nil {
		t.Fatalf("not signed in place: %v, ContentLength %d", req.Header, req.ContentLength)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || string(last().body) != "payload" {
		t.Errorf("status %d body %q err %v", resp.StatusCode, last().body, last().err)
	}
}

func TestPresign(t *testing.T) {
	srv, last := newVerifyingServer(t, "us-east-1", "execute-api")
	tr, _ := New(Config{Credentials: credentials.StaticCredentialsProvider{Value: session}, Region: "us-east-1"})
	req, _ := http.NewRequest("GET", srv.URL+"/prod/pets?limit=5", nil)
	u, hdr, err := tr.Presign(context.Background(), req, 90*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if len(hdr) != 0 {
		t.Errorf("extra signed headers %v, want none", hdr)
	}
	pu, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	q := pu.Query()
	for k, want := range map[string]string{"X-Amz-Expires": "90", "X-Amz-Algorithm": "AWS4-HMAC-SHA256", "X-Amz-SignedHeaders": "host", "limit": "5", "X-Amz-Security-Token": session.SessionToken} {
		if got := q.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if req.URL.RawQuery != "limit=5" {
		t.Errorf("caller's URL modified: %s", req.URL)
	}
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("presigned GET: status %d: %v", resp.StatusCode, last().err)
	}

	for _, d := range []time.Duration{0, 500 * time.Millisecond, MaxPresignExpiry + time.Second} {
		if _, _, err := tr.Presign(context.Background(), req, d); err == nil {
			t.Errorf("Presign(%s) succeeded, want error", d)
		}
	}
	post, _ := http.NewRequest("POST", srv.URL+"/", oneShot{strings.NewReader("x")})
	if _, _, err := tr.Presign(context.Background(), post, time.Minute); err == nil {
		t.Error("Presign of a non-replayable body succeeded, want error")
	}
}

func TestSpoolFileRemovedOnClose(t *testing.T) {
	dir := t.TempDir()
	data := bytes.Repeat([]byte{7}, 5000)
	req, _ := http.NewRequest("PUT", "http://x/", oneShot{bytes.NewReader(data)})
	hash, err := hashBody(req, 10, dir)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	if hash != hexString(sum[:]) {
		t.Errorf("hash = %s", hash)
	}
	got, _ := io.ReadAll(req.Body)
	if !bytes.Equal(got, data) || req.ContentLength != 5000 {
		t.Errorf("spooled body: %d bytes, ContentLength %d", len(got), req.ContentLength)
	}
	req.Body.Close()
	req.Body.Close() // idempotent
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("temp file left: %v", ents)
	}
}

// TestVerifierRejectsTampering keeps the independent verifier honest: a
// verifier that accepted anything would make every other test meaningless.
func TestVerifierRejectsTampering(t *testing.T) {
	srv, last := newVerifyingServer(t, "us-east-1", "execute-api")
	tests := []struct {
		name   string
		region string
		mutate func(*http.Request)
		want   string
	}{
		{"wrong region", "eu-west-1", nil, "credential scope"},
		{"body changed after signing", "us-east-1", func(r *http.Request) {
			r.Body = io.NopCloser(strings.NewReader("PAYLOAD"))
		}, "signature mismatch"},
		{"signed header changed", "us-east-1", func(r *http.Request) { r.Header.Set("X-Custom", "other") }, "signature mismatch"},
		{"path changed", "us-east-1", func(r *http.Request) { r.URL.Path = "/prod/y" }, "signature mismatch"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr, _ := New(Config{Credentials: credentials.StaticCredentialsProvider{Value: longTerm}, Region: tc.region})
			req, _ := http.NewRequest("POST", srv.URL+"/prod/x", strings.NewReader("payload"))
			req.Header.Set("X-Custom", "v")
			if err := tr.Sign(context.Background(), req); err != nil {
				t.Fatal(err)
			}
			if tc.mutate != nil {
				tc.mutate(req)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 403 || last().err == nil || !strings.Contains(last().err.Error(), tc.want) {
				t.Errorf("status %d, verifier error %v, want 403 with %q", resp.StatusCode, last().err, tc.want)
			}
		})
	}
}

func BenchmarkRoundTripSmallBody(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.Copy(io.Discard, r.Body) }))
	defer srv.Close()
	tr, _ := New(Config{Credentials: credentials.StaticCredentialsProvider{Value: longTerm}, Region: "us-east-1"})
	payload := []byte(`{"hello":"world"}`)
	b.ReportAllocs()
	for b.Loop() {
		req, _ := http.NewRequest("POST", srv.URL+"/prod/x", bytes.NewReader(payload))
		resp, err := tr.RoundTrip(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}
