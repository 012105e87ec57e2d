package authn

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// BenchmarkAuthenticateSession is a whole request authentication with
// temporary credentials: SigV4 verification (canonical request, signing key,
// HMAC) plus the session token (cached after the first request).
func BenchmarkAuthenticateSession(b *testing.B) {
	s, _ := NewSealer([]TokenKey{testKey(b, 1)})
	sess := testSession()
	tok, _ := s.Seal(sess)
	a := New(keys{}, s, Options{})
	body := "Action=GetCallerIdentity&Version=2011-06-15"
	req, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1:4566/", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	sum := sha256.Sum256([]byte(body))
	creds := aws.Credentials{AccessKeyID: sess.AccessKeyID, SecretAccessKey: sess.Secret, SessionToken: tok}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), "sts", "us-east-1", time.Now()); err != nil {
		b.Fatal(err)
	}
	req.RequestURI = "/"
	bb := []byte(body)
	if _, err := a.Authenticate(req, bb, "sts"); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := a.Authenticate(req, bb, "sts"); err != nil {
			b.Fatal(err)
		}
	}
}
