package apigw_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/gatehouse-dev/gatehouse/internal/gatehousetest"
)

// TestTypedInputOrder: through the typed table, the frame authorizes before
// the binding decodes the input (a denied caller never learns its body or
// query is malformed), and the input is decoded before the handler reads
// the store, as the handlers did when they decoded it themselves.
func TestTypedInputOrder(t *testing.T) {
	s := gatehousetest.Start(t)
	deny := userWithPolicy(t, s, "nobody", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetUser","Resource":"*"}]}`)
	for _, tc := range []struct {
		name         string
		denied       bool
		method, path string
		body         string
		status       int
		want         string
	}{
		{"denied, bad JSON", true, http.MethodPost, "/restapis", "{", 403, "AccessDeniedException"},
		{"denied, bad limit", true, http.MethodGet, "/restapis?limit=0", "", 403, "AccessDeniedException"},
		{"denied, bad patch op", true, http.MethodPatch, "/restapis/nosuchapi", `{"patchOperations":[{"op":"x"}]}`, 403, "AccessDeniedException"},
		{"bad JSON", false, http.MethodPost, "/restapis", "{", 400, "Invalid JSON in request body"},
		{"bad JSON before not found", false, http.MethodPatch, "/restapis/nosuchapi", "{", 400, "Invalid JSON in request body"},
		{"bad patch op before not found", false, http.MethodPatch, "/restapis/nosuchapi", `{"patchOperations":[{"op":"x"}]}`, 400, "ValidationException"},
		{"not found", false, http.MethodPatch, "/restapis/nosuchapi", `{"patchOperations":[]}`, 404, "Invalid API identifier specified"},
		{"bad limit", false, http.MethodGet, "/restapis?limit=0", "", 400, "Invalid limit value"},
		{"not found before bad limit", false, http.MethodGet, "/restapis/nosuchapi/resources?limit=0", "", 404, "Invalid API identifier specified"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			creds := root
			if tc.denied {
				creds = deny
			}
			status, body := signedAs(t, s, creds, tc.method, tc.path, []byte(tc.body))
			if status != tc.status || !strings.Contains(body, tc.want) {
				t.Fatalf("%s %s: %d %s, want %d %s", tc.method, tc.path, status, body, tc.status, tc.want)
			}
		})
	}
}

// signedAs sends method target (a path and query) signed with creds.
func signedAs(t *testing.T, s *gatehousetest.Server, creds aws.Credentials, method, target string, body []byte) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, s.URL+target, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), "apigateway", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("X-Amzn-Errortype") + " " + string(b)
}
