package apigw

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"strings"
	"testing"
	"time"
)

// FuzzParseDefinition: any input is either refused with an error or
// translated into methods whose integrations passed validation.
func FuzzParseDefinition(f *testing.F) {
	for _, p := range []string{"testdata/terraform.json", "testdata/swagger.yaml"} {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"openapi":"3.0.1","info":{"title":"x","version":"1"},"paths":{"/{a+}":{"x-amazon-apigateway-any-method":{}}}}`))
	// YAML anchors, aliases, merge keys and a self-referencing anchor.
	f.Add([]byte("openapi: 3.0.1\ninfo: &i {title: x, version: '1'}\nx-a: *i\npaths:\n  /a: &p {get: {}}\n  /b: *p\n  /c: {<<: *p, put: {}}\n"))
	f.Add([]byte("a: &a\n  b: *a\n"))
	f.Add([]byte("openapi: 3.0.1\npaths: {a: 1, a: 2}\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		type res struct {
			im  *Import
			err error
		}
		done := make(chan res, 1)
		go func() {
			im, err := ParseDefinition(context.Background(), b)
			done <- res{im, err}
		}()
		var r res
		select {
		case r = <-done:
		case <-time.After(5 * time.Second):
			t.Fatalf("ParseDefinition hangs on %q", b)
		}
		im, err := r.im, r.err
		if err != nil {
			return
		}
		for p, ms := range im.Paths {
			for verb, m := range ms {
				if m.HTTPMethod != verb {
					t.Fatalf("%s %s: method %q", verb, p, m.HTTPMethod)
				}
				if in := m.MethodIntegration; in != nil && !validIntegrationTypes[in.Type] {
					t.Fatalf("%s %s: integration type %q", verb, p, in.Type)
				}
			}
		}
	})
}

// FuzzNormalizePolicy: a normalized policy normalizes to itself.
func FuzzNormalizePolicy(f *testing.F) {
	f.Add(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*"}]}`)
	f.Add(`{\"Version\":\"2012-10-17\",\"Statement\":[]}`)
	f.Fuzz(func(t *testing.T, s string) {
		out, err := NormalizePolicy(s, "us-east-1", "123456789012", "abcdefghij")
		if err != nil || out == "" {
			return
		}
		again, err := NormalizePolicy(out, "us-east-1", "123456789012", "abcdefghij")
		if err != nil || again != out {
			t.Fatalf("not idempotent: %q -> %q (%v)", out, again, err)
		}
		back, err := NormalizePolicy(EscapePolicy(out), "us-east-1", "123456789012", "abcdefghij")
		if err != nil || back != out {
			t.Fatalf("escaped form does not round-trip: %q -> %q (%v)", out, back, err)
		}
	})
}

// FuzzMatchRoute: the router refuses or routes to one operation whose
// canonical segments are themselves a canonical path: routing them again
// gives the same operation and the same segments, and the ARN built from
// them holds no empty segment, dot segment or wildcard (issue #12 item 4).
func FuzzMatchRoute(f *testing.F) {
	for _, s := range []struct{ method, path string }{
		{"PATCH", "/restapis/abcdefghij"},
		{"PATCH", "/restapis/abcdefghij/"},
		{"PATCH", "//restapis/abcdefghij"},
		{"PATCH", "/restapis/abcdefghij%2F"},
		{"GET", "/restapis/abcdefghij/resources/abc123/methods/get"},
		{"PUT", "/restapis/abcdefghij/resources/abc123/methods/GET/integration/responses/200"},
		{"DELETE", "/domainnames/API.Example.com/basepathmappings/%28none%29"},
		{"GET", "/restapis/abcdefghij/stages/prod/exports/oas30"},
		{"POST", "/restapis/%61bcdefghij/resources/x%2e%2e"},
	} {
		f.Add(s.method, s.path, false)
	}
	f.Fuzz(func(t *testing.T, method, path string, importMode bool) {
		rt, seg, p, err := matchRoute(method, path, importMode, "000000000000")
		if err != nil {
			return
		}
		// The handler's named parameters are the authorized resource's.
		var want pathIn
		for k, sp := range rt.segs {
			if sp.field != nil {
				*sp.field(&want) = seg[k]
			}
		}
		if p != want {
			t.Fatalf("%s %s: path parameters %+v, segments %v", method, path, p, seg)
		}
		for _, s := range seg {
			if s == "" || s == "." || s == ".." || strings.ContainsAny(s, "/*?%") {
				t.Fatalf("%s %s: canonical segment %q", method, path, s)
			}
		}
		rt2, seg2, p2, err := matchRoute(method, "/"+strings.Join(seg, "/"), importMode, "000000000000")
		if err != nil || rt2 != rt || strings.Join(seg2, "/") != strings.Join(seg, "/") || p2 != p {
			t.Fatalf("%s %s: routed to %s %v, its canonical form to %v %v (%v)", method, path, rt.h.Name, seg, rt2, seg2, err)
		}
	})
}

// FuzzCanonicalDomainName: the canonical form is lower-case LDH, the input
// up to ASCII case, and canonical itself.
func FuzzCanonicalDomainName(f *testing.F) {
	for _, s := range []string{"api.example.com", "API.Example.COM", "a.example.com.", "\u212a.example.com", "xn--bcher-kva.example", "-a.example", "a..b", "*.example.com"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, ok := CanonicalDomainName(s)
		if !ok {
			return
		}
		if len(d) != len(s) || !strings.EqualFold(d, s) || strings.Trim(d, "abcdefghijklmnopqrstuvwxyz0123456789.-") != "" {
			t.Fatalf("%q -> %q", s, d)
		}
		if again, ok := CanonicalDomainName(d); !ok || again != d {
			t.Fatalf("%q -> %q -> %q %v", s, d, again, ok)
		}
	})
}

// FuzzDomainCertificate: whatever the certificate material, a claim that
// verifies is for the name, by a certificate that verifies again.
func FuzzDomainCertificate(f *testing.F) {
	p, body, key, chain := fuzzCA(f)
	f.Add("api.example.com", body, key, chain)
	f.Add("other.example.com", body, key, chain)
	f.Add("api.example.com", body, key, "")
	f.Add("api.example.com", chain, key, body)
	f.Add("api.example.com", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n", "")
	now := time.Now()
	f.Fuzz(func(t *testing.T, name, body, key, chain string) {
		d, ok := CanonicalDomainName(name)
		if !ok {
			return
		}
		cert, err := p.verifyCertificate(d, body, key, chain, now)
		if err != nil {
			return
		}
		if err := p.reverify(d, cert, now); err != nil {
			t.Fatalf("claim of %s verified, its stored certificate does not: %v", d, err)
		}
	})
}

// fuzzCA returns a policy trusting a fresh root, and a certificate for
// api.example.com issued through an intermediate: body, key and chain.
func fuzzCA(f *testing.F) (p *DomainPolicy, body, key, chain string) {
	f.Helper()
	mk := func(tmpl, parent *x509.Certificate, pub, signer any) (*x509.Certificate, string) {
		der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, signer)
		if err != nil {
			f.Fatal(err)
		}
		c, _ := x509.ParseCertificate(der)
		return c, string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	}
	gen := func() *ecdsa.PrivateKey {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			f.Fatal(err)
		}
		return k
	}
	now := time.Now()
	ca := func(n int64, cn string) *x509.Certificate {
		return &x509.Certificate{SerialNumber: big.NewInt(n), Subject: pkix.Name{CommonName: cn}, NotBefore: now.Add(-time.Hour),
			NotAfter: now.Add(time.Hour), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	}
	rk, ik, lk := gen(), gen(), gen()
	root, rootPEM := mk(ca(1, "root"), ca(1, "root"), &rk.PublicKey, rk)
	inter, interPEM := mk(ca(2, "inter"), root, &ik.PublicKey, rk)
	_, leafPEM := mk(&x509.Certificate{SerialNumber: big.NewInt(3), DNSNames: []string{"api.example.com"}, NotBefore: now.Add(-time.Hour),
		NotAfter: now.Add(time.Hour), ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}, inter, &lk.PublicKey, ik)
	der, _ := x509.MarshalECPrivateKey(lk)
	p, err := NewDomainPolicy("000000000000", nil, []byte(rootPEM))
	if err != nil {
		f.Fatal(err)
	}
	return p, leafPEM, string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der})), interPEM
}
