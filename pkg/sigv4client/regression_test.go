package sigv4client

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// An *os.File body that is a pipe (stdin of `cmd | gatehouse curl -d @-`)
// implements io.Seeker but cannot seek: it must be spooled, not rejected.
func TestPipeFileBodyIsSpooled(t *testing.T) {
	srv, last := newVerifyingServer(t, "us-east-1", "execute-api")
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	data := bytes.Repeat([]byte("pipe"), 1000)
	go func() { pw.Write(data); pw.Close() }()
	tr, err := New(Config{Credentials: credentials.StaticCredentialsProvider{Value: longTerm}, Region: "us-east-1"})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/p", pr)
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	got := last()
	if resp.StatusCode != 200 || got.err != nil || !bytes.Equal(got.body, data) {
		t.Fatalf("status %d, verify error %v, body %d bytes", resp.StatusCode, got.err, len(got.body))
	}
}

type expiringProvider struct{ expires time.Time }

func (p expiringProvider) Retrieve(context.Context) (aws.Credentials, error) {
	c := longTerm
	c.CanExpire, c.Expires = true, p.expires
	return c, nil
}

// A caller's own cache is used as is: wrapping it in a second cache would
// subtract its ExpiryWindow twice and refresh (and report) too early.
func TestCallersCacheIsNotWrappedAgain(t *testing.T) {
	expires := time.Now().Add(time.Hour).Round(time.Second)
	cache := aws.NewCredentialsCache(expiringProvider{expires}, func(o *aws.CredentialsCacheOptions) { o.ExpiryWindow = 10 * time.Minute })
	tr, err := New(Config{Credentials: cache, Region: "us-east-1",
		CacheOptions: func(o *aws.CredentialsCacheOptions) { o.ExpiryWindow = 10 * time.Minute }})
	if err != nil {
		t.Fatal(err)
	}
	if tr.Credentials() != aws.CredentialsProvider(cache) {
		t.Fatalf("Credentials() = %T %p, want the caller's cache %p", tr.Credentials(), tr.Credentials(), cache)
	}
	c, err := tr.Credentials().Retrieve(context.Background())
	if err != nil || !c.Expires.Equal(expires.Add(-10*time.Minute)) {
		t.Fatalf("expires %v (%v), want %v", c.Expires, err, expires.Add(-10*time.Minute))
	}
}

// The signer rewrites the query into canonical order; the caller's order
// is sent instead when it is the same pairs, so the values of a repeated
// parameter keep their order. A query the signer had to re-encode is sent
// as signed.
func TestQueryOrderKept(t *testing.T) {
	srv, last := newVerifyingServer(t, "us-east-1", "execute-api")
	tr, err := New(Config{Credentials: credentials.StaticCredentialsProvider{Value: longTerm}, Region: "us-east-1"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ query, sent string }{
		{"b=2&a=1&a=0", "b=2&a=1&a=0"},
		{"sort=name&sort=date", "sort=name&sort=date"},
		{"flag&a=1", "a=1&flag="},
		{"q=a b", "q=a%20b"},
	} {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/q", nil)
		req.URL.RawQuery = tc.query
		resp, err := (&http.Client{Transport: tr}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		got := last()
		if resp.StatusCode != 200 || got.err != nil || got.query != tc.sent {
			t.Errorf("query %q: status %d, verify error %v, sent %q, want %q", tc.query, resp.StatusCode, got.err, got.query, tc.sent)
		}
	}
}

func TestSamePairs(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{"", "", true},
		{"a=1&b=2", "b=2&a=1", true},
		{"a=1&a=0", "a=0&a=1", true},
		{"flag", "flag=", false},
		{"a=1&a=1&b=2", "a=1&b=2&b=2", false},
		{"a=1", "a=2", false},
	} {
		if got := samePairs(tc.a, tc.b); got != tc.want {
			t.Errorf("samePairs(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}
