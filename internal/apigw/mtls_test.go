package apigw

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"strings"
	"testing"
	"time"
)

func testCertPEM(t testing.TB, cn string, ca bool, notAfter time.Time) []byte {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn},
		NotBefore: notAfter.Add(-48 * time.Hour), NotAfter: notAfter, BasicConstraintsValid: true, IsCA: ca}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

func TestParseTruststore(t *testing.T) {
	now := time.Now()
	ca := testCertPEM(t, "ca", true, now.Add(time.Hour))
	expired := testCertPEM(t, "old", true, now.Add(-time.Hour))
	leaf := testCertPEM(t, "leaf", false, now.Add(time.Hour))
	for _, tc := range []struct {
		name     string
		in       string
		err      string
		nCerts   int
		warnings []string
	}{
		{"one CA", string(ca), "", 1, nil},
		{"two with text around", "comment\n" + string(ca) + "\n" + string(leaf) + "\n", "", 2, []string{"Certificate CN=leaf is not a CA certificate."}},
		{"expired", string(expired), "", 1, []string{"Certificate CN=old has expired."}},
		{"empty", "", "The truststore is invalid", 0, nil},
		{"not PEM", "hello", "The truststore is invalid", 0, nil},
		{"trailing garbage", string(ca) + "-----BEGIN CERT", "The truststore is invalid", 0, nil},
		{"a key", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", "The truststore is invalid", 0, nil},
		{"bad DER", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "The truststore is invalid", 0, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, warnings, err := ParseTruststore([]byte(tc.in), now)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if n := strings.Count(out, "-----BEGIN CERTIFICATE-----"); n != tc.nCerts || strings.Contains(out, "comment") {
				t.Errorf("%d certificates in %q", n, out)
			}
			if strings.Join(warnings, ";") != strings.Join(tc.warnings, ";") {
				t.Errorf("warnings %q, want %q", warnings, tc.warnings)
			}
			if TruststorePool(out) == nil {
				t.Error("no pool")
			}
		})
	}
}

func TestParseS3URI(t *testing.T) {
	for _, tc := range []struct {
		in, bucket, key string
		ok              bool
	}{
		{"s3://b/k.pem", "b", "k.pem", true},
		{"s3://b/dir/k.pem", "b", "dir/k.pem", true},
		{"s3://b/", "", "", false},
		{"s3://b", "", "", false},
		{"s3:///k", "", "", false},
		{"https://b/k", "", "", false},
	} {
		b, k, ok := parseS3URI(tc.in)
		if ok != tc.ok || ok && (b != tc.bucket || k != tc.key) {
			t.Errorf("%q: %q %q %v", tc.in, b, k, ok)
		}
	}
}

// FuzzParseTruststore: any input is refused or yields a bundle of
// certificates only, which parses again to the same bundle.
func FuzzParseTruststore(f *testing.F) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f.Add(testCertPEM(f, "ca", true, now.Add(time.Hour)))
	f.Add([]byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"))
	f.Add([]byte("-----BEGIN CERTIFICATE-----\nk: v\n\nAAAA\n-----END CERTIFICATE-----\n"))
	f.Add([]byte("x"))
	f.Fuzz(func(t *testing.T, b []byte) {
		out, _, err := ParseTruststore(b, now)
		if err != nil {
			return
		}
		again, _, err := ParseTruststore([]byte(out), now)
		if err != nil || again != out || TruststorePool(out) == nil {
			t.Fatalf("re-parse: %v", err)
		}
	})
}
