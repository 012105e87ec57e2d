package server

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestLocalCA(t *testing.T) {
	dir := t.TempDir()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	names := ServerNames("localhost:4567", "us-east-1", []string{"gatehouse.internal", "10.1.2.3"})
	cfg, caPath, err := TLSConfig(TLSOptions{DataDir: dir, Names: names, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	if caPath != filepath.Join(dir, "tls", "ca.pem") {
		t.Errorf("CA path = %s", caPath)
	}
	if cfg.MinVersion != tls.VersionTLS12 {
		t.Errorf("MinVersion = %x, want TLS 1.2", cfg.MinVersion)
	}
	for _, f := range []string{"ca-key.pem", "server-key.pem"} {
		st, err := os.Stat(filepath.Join(dir, "tls", f))
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("%s mode %o, want 0600", f, st.Mode().Perm())
		}
	}
	if st, _ := os.Stat(filepath.Join(dir, "tls")); st.Mode().Perm() != 0o700 {
		t.Errorf("tls dir mode %o, want 0700", st.Mode().Perm())
	}

	// The leaf verifies, against the CA alone, for every host form
	// gatehouse routes by name, and for nothing outside its constraints.
	caPEM, _ := os.ReadFile(caPath)
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	leaf, err := x509.ParseCertificate(cfg.Certificates[0].Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range []string{"localhost", "127.0.0.1", "::1", "abc123defg.execute-api.us-east-1.localhost",
		"abc123defg.execute-api.eu-west-3.localhost", "urlid.lambda-url.us-west-2.localhost", "s3.localhost",
		"bucket.s3.localhost", "bucket.s3.us-east-1.localhost", "gatehouse.internal", "10.1.2.3"} {
		if _, err := leaf.Verify(x509.VerifyOptions{DNSName: h, Roots: pool, CurrentTime: now}); err != nil {
			t.Errorf("verify %s: %v", h, err)
		}
	}
	for _, h := range []string{"example.com", "abc.execute-api.us-east-1.amazonaws.com", "10.1.2.4"} {
		if _, err := leaf.Verify(x509.VerifyOptions{DNSName: h, Roots: pool, CurrentTime: now}); err == nil {
			t.Errorf("verify %s: succeeded, want a mismatch", h)
		}
	}

	// A restart reuses the CA and the leaf.
	cfg2, _, err := TLSConfig(TLSOptions{DataDir: dir, Names: names, Now: func() time.Time { return now.Add(24 * time.Hour) }})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(cfg2.Certificates[0].Certificate[0], cfg.Certificates[0].Certificate[0]) {
		t.Error("restart issued a new leaf for the same names")
	}
	// New names: a new leaf, same CA.
	names3 := ServerNames("localhost:4568", "us-east-1", []string{"other.gatehouse.internal"})
	cfg3, _, err := TLSConfig(TLSOptions{DataDir: dir, Names: names3, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(cfg3.Certificates[0].Certificate[0], cfg.Certificates[0].Certificate[0]) {
		t.Error("changed names kept the old leaf")
	}
	if caPEM2, _ := os.ReadFile(caPath); !bytes.Equal(caPEM, caPEM2) {
		t.Error("the CA changed")
	}
	// Near expiry: a new leaf.
	late := now.Add(leafValidity - 10*24*time.Hour)
	cfg4, _, err := TLSConfig(TLSOptions{DataDir: dir, Names: names3, Now: func() time.Time { return late }})
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(cfg4.Certificates[0].Certificate[0], cfg3.Certificates[0].Certificate[0]) {
		t.Error("a leaf 10 days from expiry was kept")
	}
	// A name outside the CA's constraints is refused with what to do.
	_, _, err = TLSConfig(TLSOptions{DataDir: dir, Names: ServerNames("example.com", "us-east-1", nil), Now: func() time.Time { return now }})
	if err == nil || !strings.Contains(err.Error(), "may not issue for") || !strings.Contains(err.Error(), "--tls-cert") {
		t.Errorf("out-of-constraint names: err = %v", err)
	}
}

func TestOperatorCertificate(t *testing.T) {
	// Another data dir's CA stands in for the operator's PKI.
	other := t.TempDir()
	if _, _, err := TLSConfig(TLSOptions{DataDir: other, Names: []string{"localhost"}}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cfg, caPath, err := TLSConfig(TLSOptions{DataDir: dir, CertFile: filepath.Join(other, "tls", "server.pem"), KeyFile: filepath.Join(other, "tls", "server-key.pem")})
	if err != nil {
		t.Fatal(err)
	}
	if caPath != "" || len(cfg.Certificates) != 1 {
		t.Errorf("caPath %q, %d certificates", caPath, len(cfg.Certificates))
	}
	if _, err := os.Stat(filepath.Join(dir, "tls")); !os.IsNotExist(err) {
		t.Errorf("a CA was created beside the operator's certificate: %v", err)
	}
	if _, _, err := TLSConfig(TLSOptions{DataDir: dir, CertFile: "/nonexistent", KeyFile: "/nonexistent"}); err == nil {
		t.Error("missing files accepted")
	}
}
