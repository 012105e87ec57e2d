package iam

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/authn"
	"github.com/gatehouse-dev/gatehouse/internal/store"
	"github.com/gatehouse-dev/gatehouse/internal/store/sqlite"
)

// FuzzOIDCHandler feeds arbitrary paths and methods to the unauthenticated
// issuer endpoints of an account with outbound federation enabled: only
// GET or HEAD of exactly the two documents answers 200, nothing answers
// 5xx, and no answer carries a private key parameter.
func FuzzOIDCHandler(f *testing.F) {
	for _, seed := range []string{
		"/_gatehouse/oidc/000000000000/.well-known/jwks.json",
		"/_gatehouse/oidc/000000000000/.well-known/openid-configuration",
		"/_gatehouse/oidc/000000000000/.well-known/../jwks.json",
		"/_gatehouse/oidc/111111111111/.well-known/jwks.json",
		"/_gatehouse/oidc//.well-known/jwks.json",
		"/_gatehouse/oidc/000000000000",
	} {
		f.Add("GET", seed)
	}
	f.Add("POST", "/_gatehouse/oidc/000000000000/.well-known/jwks.json")
	ctx := context.Background()
	b, err := sqlite.Open(ctx, filepath.Join(f.TempDir(), "db"))
	if err != nil {
		f.Fatal(err)
	}
	s, err := New(ctx, Config{Store: store.New(b), MasterKey: bytes.Repeat([]byte{1}, 32), DefaultAccount: "000000000000"})
	if err != nil {
		f.Fatal(err)
	}
	if err := s.Bootstrap(ctx, "000000000000", "", "", ""); err != nil {
		f.Fatal(err)
	}
	root := &authn.Principal{Kind: authn.Root, ARN: authn.RootARN("000000000000"), AccountID: "000000000000", UserID: "000000000000"}
	op := operationIndex()["EnableOutboundWebIdentityFederation"]
	c := &call{s: s, ctx: ctx, r: httptest.NewRequest("POST", "http://gh.test/", nil), p: root, snap: s.view.Load(),
		op: &op.Operation, action: op.Name}
	if _, err := c.serve(op, nil); err != nil {
		f.Fatal(err)
	}
	h := s.OIDCHandler()
	f.Fuzz(func(t *testing.T, method, path string) {
		if !strings.HasPrefix(path, "/") || strings.ContainsAny(path, " \r\n\t?#%") {
			return
		}
		req, err := http.NewRequest(method, "http://gh.test"+path, nil)
		if err != nil {
			return
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		want := (method == "GET" || method == "HEAD") && (path == "/_gatehouse/oidc/000000000000/.well-known/jwks.json" ||
			path == "/_gatehouse/oidc/000000000000/.well-known/openid-configuration")
		if (w.Code == 200) != want || w.Code >= 500 {
			t.Fatalf("%s %s: %d", method, path, w.Code)
		}
		if strings.Contains(w.Body.String(), `"d":`) {
			t.Fatalf("%s %s serves a private key", method, path)
		}
	})
}
