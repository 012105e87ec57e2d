package e2e_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/gatehouse-dev/gatehouse/internal/gatehousetest"
)

// testCA makes a self-signed CA and a leaf certificate for 127.0.0.1 and
// localhost, and writes the CA to dir/ca.pem.
func testCA(t *testing.T, dir string) (tls.Certificate, string) {
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "gatehouse test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour), IsCA: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature, BasicConstraintsValid: true}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	leafKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	leafTmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "localhost"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	leafDER, err := x509.CreateCertificate(rand.Reader, leafTmpl, ca, &leafKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caFile := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{leafDER}, PrivateKey: leafKey}, caFile
}

// TestE2ECLIAndBoto3 runs test/e2e/iam_sts.sh (AWS CLI v1 and boto3)
// against the gatehouse binary, with an HTTPS OIDC issuer whose CA the
// server trusts only through SSL_CERT_FILE.
func TestE2ECLIAndBoto3(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: builds the binary and runs the AWS CLI and boto3")
	}
	for _, tool := range []string{"aws", "python3", "bash"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed", tool)
		}
	}
	if err := exec.Command("python3", "-c", "import boto3").Run(); err != nil {
		t.Skip("boto3 not installed")
	}
	t.Parallel()
	dir := t.TempDir()
	cert, caFile := testCA(t, dir)

	// The OIDC issuer.
	jwtKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	var issuerURL string
	mux := http.NewServeMux()
	mux.HandleFunc("/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]string{"issuer": issuerURL, "jwks_uri": issuerURL + "/keys"})
	})
	mux.HandleFunc("/keys", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &jwtKey.PublicKey, KeyID: "e2e", Algorithm: "RS256", Use: "sig"}}})
	})
	is := httptest.NewUnstartedServer(mux)
	is.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	is.StartTLS()
	defer is.Close()
	issuerURL = is.URL
	sig, _ := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jwtKey}, (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", "e2e"))
	sub := "system:serviceaccount:default:app"
	tok, err := jwt.Signed(sig).Claims(jwt.Claims{Issuer: issuerURL, Subject: sub, Audience: jwt.Audience{"sts.amazonaws.com"},
		Expiry: jwt.NewNumericDate(time.Now().Add(time.Hour)), IssuedAt: jwt.NewNumericDate(time.Now())}).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	tokFile := filepath.Join(dir, "token")
	os.WriteFile(tokFile, []byte(tok), 0o600)

	env := []string{"GATEHOUSE_ROOT_ACCESS_KEY_ID=" + gatehousetest.AccessKeyID, "GATEHOUSE_ROOT_SECRET_ACCESS_KEY=" + gatehousetest.SecretAccessKey,
		"SSL_CERT_FILE=" + caFile}
	p := gatehousetest.StartBinary(t, filepath.Join(dir, "data"), env)

	cmd := exec.Command("bash", filepath.Join(gatehousetest.ModuleRoot(), "test", "e2e", "iam_sts.sh"))
	cmd.Env = append(gatehousetest.ClientEnv(p.URL, gatehousetest.AccessKeyID, gatehousetest.SecretAccessKey),
		"ACCOUNT_A=000000000000", "GATEHOUSE_BIN="+gatehousetest.Binary(t),
		"OIDC_PROVIDER_URL="+issuerURL, "WEB_TOKEN_FILE="+tokFile, "WEB_SUB="+sub)
	res, err := cmd.CombinedOutput()
	t.Logf("%s", res)
	if err != nil {
		t.Fatalf("iam_sts.sh: %v\nserver log:\n%s", err, p.Stderr)
	}
	if !bytes.Contains(res, []byte("e2e ok")) || !bytes.Contains(res, []byte("boto3 ok")) {
		t.Fatal("script did not finish")
	}
}
