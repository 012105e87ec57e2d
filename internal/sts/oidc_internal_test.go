package sts

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestSameIssuer(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"https://example.com", "https://example.com/", true},
		{"https://Example.COM", "https://example.com", true},
		{"https://example.com/id/ABC", "https://EXAMPLE.com/id/ABC/", true},
		{"https://example.com/id/ABC", "https://example.com/id/abc", false},
		{"https://example.com", "https://example.com.evil", false},
		{"https://example.com/a", "https://example.com", false},
		{"https://example.com:8443", "https://example.com", false},
	}
	for _, tt := range tests {
		if got := sameIssuer(tt.a, tt.b); got != tt.want {
			t.Errorf("sameIssuer(%q, %q): got %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
	if cacheKey("https://EXAMPLE.com/", []string{"AB", "cd"}) != cacheKey("https://example.com", []string{"CD", "ab"}) {
		t.Error("got distinct cache keys for one issuer and one thumbprint set")
	}
	if cacheKey("https://example.com", []string{"ab"}) == cacheKey("https://example.com", []string{"cd"}) {
		t.Error("got one cache key for two thumbprint sets")
	}
}

func TestCheckRedirect(t *testing.T) {
	req := func(raw string) *http.Request {
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		return &http.Request{URL: u}
	}
	first := []*http.Request{req("https://idp.example.com/.well-known/openid-configuration")}
	tests := []struct {
		to   string
		via  []*http.Request
		want bool
	}{
		{"https://idp.example.com/other", first, true},
		{"https://IDP.example.com:443/other", first, true},
		{"http://idp.example.com/other", first, false},
		{"https://idp.example.com:8443/other", first, false},
		{"https://keys.example.com/jwks", first, false},
		{"ftp://idp.example.com/x", first, false},
		{"https://idp.example.com/again", []*http.Request{first[0], first[0], first[0], first[0], first[0]}, false},
	}
	for _, tt := range tests {
		if err := checkRedirect(req(tt.to), tt.via); (err == nil) != tt.want {
			t.Errorf("redirect to %s after %d: got %v, want allowed=%v", tt.to, len(tt.via), err, tt.want)
		}
	}
}

// FuzzSameIssuer: issuer comparison is an equivalence (canonicalIssuer is
// idempotent), never equates issuers on different hosts, and a redirect
// it allows stays on HTTPS and on the first request's host.
func FuzzSameIssuer(f *testing.F) {
	for _, s := range [][2]string{
		{"https://example.com", "https://EXAMPLE.com/"},
		{"https://example.com/id/ABC", "https://example.com/id/abc"},
		{"https://a.example/x", "http://a.example/x"},
		{"https://a@b.example/", "https://b.example"},
		{"https://b.example:443/p", "https://b.example/p"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		ca := canonicalIssuer(a)
		if canonicalIssuer(ca) != ca {
			t.Fatalf("canonicalIssuer(%q) = %q is not canonical", a, ca)
		}
		if !sameIssuer(a, a) || sameIssuer(a, b) != sameIssuer(b, a) {
			t.Fatalf("sameIssuer is not reflexive and symmetric on %q, %q", a, b)
		}
		ua, errA := httpsURL(a)
		ub, errB := httpsURL(b)
		if errA != nil || errB != nil {
			return
		}
		if sameIssuer(a, b) && !strings.EqualFold(ua.Host, ub.Host) && ua.Port() == ub.Port() && !strings.ContainsAny(a+b, "@?#\\%") {
			t.Fatalf("sameIssuer(%q, %q) across hosts %q and %q", a, b, ua.Host, ub.Host)
		}
		if checkRedirect(&http.Request{URL: ub}, []*http.Request{{URL: ua}}) == nil &&
			(ub.Scheme != "https" || !strings.EqualFold(ua.Hostname(), ub.Hostname())) {
			t.Fatalf("redirect from %q to %q allowed", a, b)
		}
	})
}
