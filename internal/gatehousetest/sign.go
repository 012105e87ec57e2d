package gatehousetest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// RootCredentials are the test servers' root user's access key.
var RootCredentials = aws.Credentials{AccessKeyID: AccessKeyID, SecretAccessKey: SecretAccessKey}

// Sign signs req, whose body is body, with SigV4 as creds for service in
// Region at the current time: the SDKs' signer, for tests that send raw
// requests.
func Sign(t testing.TB, req *http.Request, creds aws.Credentials, service string, body []byte) {
	t.Helper()
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), service, Region, time.Now()); err != nil {
		t.Fatal(err)
	}
}
