package sigv4

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestRoutingScope(t *testing.T) {
	for _, tc := range []struct {
		name, auth, query string
		service, region   string
		ok                bool
	}{
		{"header", "AWS4-HMAC-SHA256 Credential=AKID/20260101/eu-west-1/lambda/aws4_request, SignedHeaders=host, Signature=ab", "", "lambda", "eu-west-1", true},
		{"malformed header still routes", "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/iam/aws4_request", "", "iam", "us-east-1", true},
		{"no credential", "AWS4-HMAC-SHA256 SignedHeaders=host", "", "", "", false},
		{"four parts", "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/iam", "", "", "", false},
		{"six parts", "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/iam/aws4_request/x", "", "", "", false},
		{"query", "", "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20260101%2Fus-east-1%2Fsts%2Faws4_request", "sts", "us-east-1", true},
		{"nothing", "", "", "", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/?"+tc.query, nil)
			if tc.auth != "" {
				r.Header.Set("Authorization", tc.auth)
			}
			c, ok := RoutingScope(r)
			if ok != tc.ok || c.Service != tc.service || c.Region != tc.region {
				t.Errorf("got %+v %v, want %s/%s %v", c, ok, tc.service, tc.region, tc.ok)
			}
		})
	}
}

func FuzzRoutingScope(f *testing.F) {
	for _, s := range []string{
		"AWS4-HMAC-SHA256 Credential=AKID/20260101/eu-west-1/lambda/aws4_request, SignedHeaders=host, Signature=ab",
		"Credential=a/b/c/d/e", "Credential=", "Credential=////", "x Credential=a/b/c/d/e/",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, auth string) {
		r := &http.Request{Header: http.Header{"Authorization": {auth}}}
		c, ok := RoutingScope(r)
		if !ok {
			return
		}
		// What it routes on was in the header, and has no separator in it.
		for _, part := range []string{c.AccessKeyID, c.Date, c.Region, c.Service, c.Terminator} {
			if strings.ContainsAny(part, "/, ") || !strings.Contains(auth, part) {
				t.Fatalf("RoutingScope(%q) = %+v", auth, c)
			}
		}
	})
}
