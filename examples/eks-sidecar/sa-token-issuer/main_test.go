package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// TestTokenVerifiesIndependently checks the issuer with go-jose, as an OIDC
// relying party would: discovery, JWKS, signature, issuer, audience, expiry.
func TestTokenVerifiesIndependently(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dir := t.TempDir()
	tokenFile := filepath.Join(dir, "token")
	caFile := filepath.Join(dir, "ca.pem")
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"--token-file", tokenFile, "--ca-cert", caFile, "--ca-key", filepath.Join(dir, "ca-key.pem"),
			"--sub", "system:serviceaccount:apps:myclient-sa"}, pw)
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	go io.Copy(io.Discard, pr)
	issuer := strings.TrimSpace(strings.TrimPrefix(line, "issuer "))
	if !strings.HasPrefix(issuer, "https://127.0.0.1:") {
		t.Fatalf("issuer %q, want https on loopback", issuer)
	}
	// Trust only the CA the issuer wrote, as gatehouse would via SSL_CERT_FILE.
	caPEM, err := os.ReadFile(caFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		t.Fatal("CA file has no certificate")
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}

	var disc struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	getJSON(t, client, issuer+"/.well-known/openid-configuration", &disc)
	if disc.Issuer != issuer {
		t.Fatalf("discovery issuer %q, want %q", disc.Issuer, issuer)
	}
	var keys jose.JSONWebKeySet
	getJSON(t, client, disc.JWKSURI, &keys)

	raw, err := os.ReadFile(tokenFile)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := jwt.ParseSigned(string(raw), []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	found := keys.Key(tok.Headers[0].KeyID)
	if len(found) != 1 {
		t.Fatalf("kid %q not in JWKS", tok.Headers[0].KeyID)
	}
	var std jwt.Claims
	var k8s struct {
		K8s struct {
			Namespace string `json:"namespace"`
		} `json:"kubernetes.io"`
	}
	if err := tok.Claims(found[0].Key, &std, &k8s); err != nil {
		t.Fatalf("signature: %v", err)
	}
	if err := std.Validate(jwt.Expected{Issuer: issuer, AnyAudience: jwt.Audience{"sts.amazonaws.com"}, Time: time.Now()}); err != nil {
		t.Errorf("claims: %v", err)
	}
	if std.Subject != "system:serviceaccount:apps:myclient-sa" || time.Until(std.Expiry.Time()) < 59*time.Minute || k8s.K8s.Namespace != "apps" {
		t.Errorf("claims: sub %q exp %v namespace %q", std.Subject, std.Expiry.Time(), k8s.K8s.Namespace)
	}
	if err := std.Validate(jwt.Expected{AnyAudience: jwt.Audience{"other"}, Time: time.Now()}); err == nil {
		t.Error("token valid for the wrong audience")
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("run: %v", err)
	}
}

func TestRunRequiresTokenFile(t *testing.T) {
	if err := run(context.Background(), nil, io.Discard); err == nil || !strings.Contains(err.Error(), "--token-file, --ca-cert and --ca-key are required") {
		t.Errorf("err = %v", err)
	}
}

func getJSON(t *testing.T, client *http.Client, url string, v any) {
	t.Helper()
	resp, err := client.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d", url, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
}

func TestCAIsReused(t *testing.T) {
	dir := t.TempDir()
	cert, key := filepath.Join(dir, "ca.pem"), filepath.Join(dir, "ca-key.pem")
	c1, _, err := loadOrCreateCA(cert, key)
	if err != nil {
		t.Fatal(err)
	}
	c2, _, err := loadOrCreateCA(cert, key)
	if err != nil {
		t.Fatal(err)
	}
	if !c1.Equal(c2) {
		t.Error("second start made a new CA; a server trusting the first would reject the issuer")
	}
	os.Remove(key)
	if _, _, err := loadOrCreateCA(cert, key); err == nil {
		t.Error("cert without key accepted")
	}
}
