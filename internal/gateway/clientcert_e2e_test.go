package gateway_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io"
	"io/fs"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	apitypes "github.com/aws/aws-sdk-go-v2/service/apigateway/types"

	"github.com/gatehouse-dev/gatehouse/internal/gatehousetest"
)

// TestClientCertificateE2E runs the gatehouse binary (trusting the test
// backend's CA through SSL_CERT_FILE) in front of an HTTPS backend that
// requires a client certificate: a stage with clientCertificateId reaches
// it presenting the certificate GenerateClientCertificate made; a stage
// without one is refused by the backend's handshake (500).
func TestClientCertificateE2E(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	var clientCAs atomic.Pointer[x509.CertPool]
	var seen atomic.Pointer[string]
	be := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cn := r.TLS.PeerCertificates[0].Subject.CommonName
		seen.Store(&cn)
		_, _ = io.WriteString(w, "hello "+cn)
	}))
	be.TLS = &tls.Config{ClientAuth: tls.RequireAndVerifyClientCert,
		GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) {
			return &tls.Config{Certificates: be.TLS.Certificates, ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: clientCAs.Load()}, nil
		}}
	clientCAs.Store(x509.NewCertPool())
	be.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes are expected
	be.StartTLS()
	t.Cleanup(be.Close)
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: be.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	dataDir := t.TempDir()
	p := gatehousetest.StartBinary(t, dataDir, []string{
		"GATEHOUSE_ROOT_ACCESS_KEY_ID=" + gatehousetest.AccessKeyID,
		"GATEHOUSE_ROOT_SECRET_ACCESS_KEY=" + gatehousetest.SecretAccessKey,
		"SSL_CERT_FILE=" + caFile, "SSL_CERT_DIR=/nonexistent",
	})
	root := aws.Credentials{AccessKeyID: gatehousetest.AccessKeyID, SecretAccessKey: gatehousetest.SecretAccessKey}
	apig := apigateway.NewFromConfig(awsConfig(root), func(o *apigateway.Options) { o.BaseEndpoint = aws.String(p.URL) })
	ctx := context.Background()

	cc, err := apig.GenerateClientCertificate(ctx, &apigateway.GenerateClientCertificateInput{Description: aws.String("to backend")})
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode([]byte(aws.ToString(cc.PemEncodedCertificate)))
	if blk == nil {
		t.Fatalf("pemEncodedCertificate: %q", aws.ToString(cc.PemEncodedCertificate))
	}
	crt, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(crt)
	clientCAs.Store(pool)

	doc := fmt.Sprintf(`{"openapi": "3.0.1", "info": {"title": "mtls-backend", "version": "1"},
 "paths": {"/x": {"get": {"x-amazon-apigateway-integration": {"type": "http_proxy", "httpMethod": "GET", "uri": "%s/x"}}},
  "/h": {"get": {"x-amazon-apigateway-integration": {"type": "http", "httpMethod": "GET", "uri": "%s/h",
     "responses": {"default": {"statusCode": "200"}}}}}}}`, be.URL, be.URL)
	imp, err := apig.ImportRestApi(ctx, &apigateway.ImportRestApiInput{Body: []byte(doc)})
	if err != nil {
		t.Fatal(err)
	}
	id := *imp.Id
	for _, stage := range []string{"plain", "signed"} {
		if _, err := apig.CreateDeployment(ctx, &apigateway.CreateDeploymentInput{RestApiId: aws.String(id), StageName: aws.String(stage)}); err != nil {
			t.Fatal(err)
		}
	}
	st, err := apig.UpdateStage(ctx, &apigateway.UpdateStageInput{RestApiId: aws.String(id), StageName: aws.String("signed"),
		PatchOperations: []apitypes.PatchOperation{{Op: apitypes.OpReplace, Path: aws.String("/clientCertificateId"), Value: cc.ClientCertificateId}}})
	if err != nil || aws.ToString(st.ClientCertificateId) != *cc.ClientCertificateId {
		t.Fatalf("update stage: %v %+v", err, st)
	}
	get := func(stage, path string) (int, string) {
		t.Helper()
		resp, err := http.Get(p.URL + "/restapis/" + id + "/" + stage + "/_user_request_" + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for _, path := range []string{"/x", "/h", "/x"} {
		code, body := get("signed", path)
		if code != 200 || body != "hello "+*cc.ClientCertificateId {
			t.Fatalf("signed stage %s: %d %s", path, code, body)
		}
		// A stage without the certificate never rides the connection the
		// other stage authenticated.
		if code, body := get("plain", path); code != 500 || strings.Contains(body, "hello") {
			t.Fatalf("plain stage %s: %d %s", path, code, body)
		}
	}
	// The certificate in use cannot be deleted; removed from the stage,
	// it is no longer presented.
	if _, err := apig.DeleteClientCertificate(ctx, &apigateway.DeleteClientCertificateInput{ClientCertificateId: cc.ClientCertificateId}); err == nil {
		t.Fatal("deleted a certificate in use")
	}
	if _, err := apig.UpdateStage(ctx, &apigateway.UpdateStageInput{RestApiId: aws.String(id), StageName: aws.String("signed"),
		PatchOperations: []apitypes.PatchOperation{{Op: apitypes.OpRemove, Path: aws.String("/clientCertificateId")}}}); err != nil {
		t.Fatal(err)
	}
	if code, _ := get("signed", "/x"); code != 500 {
		t.Fatalf("after removal: %d", code)
	}
	// The private key is sealed under the master key: no PEM key in any
	// file of the data dir (store, WAL, ...).
	_ = filepath.WalkDir(dataDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		if b, _ := os.ReadFile(path); bytes.Contains(b, []byte("PRIVATE KEY")) {
			t.Errorf("%s holds a plaintext private key", path)
		}
		return nil
	})
}
