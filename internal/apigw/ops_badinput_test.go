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

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/gatehouse-dev/gatehouse/internal/gatehousetest"
)

// signedDoQuery is signedDo for a path that may carry a query.
func signedDoQuery(t *testing.T, s *gatehousetest.Server, method, target string, body []byte) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, s.URL+target, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(context.Background(), root, req, hex.EncodeToString(sum[:]), "apigateway", "us-east-1", time.Now()); err != nil {
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

// TestIssue14BadInput: malformed paths and bodies of the issue #14
// operations get a 4xx with an AWS error type, never a 5xx.
func TestIssue14BadInput(t *testing.T) {
	s := gatehousetest.Start(t)
	c := client(s, "us-east-1", root)
	api, res := deployedAPI(t, c)
	a := "/restapis/" + *api.Id
	m := a + "/resources/" + *res.Id + "/methods/GET"
	for _, tc := range []struct {
		method, path, body string
		status             int
		errType            string
	}{
		{"PUT", "/tags/not-an-arn", `{"tags":{"a":"b"}}`, 400, "BadRequestException"},
		{"PUT", "/tags/arn%3Aaws%3Aapigateway%3Aus-east-1%3A%3A%2Frestapis%2F" + *api.Id, `{"tags":"x"}`, 400, "BadRequestException"},
		{"PUT", "/tags/arn%3Aaws%3Aapigateway%3Aus-east-1%3A%3A%2Frestapis%2F" + *api.Id, `{}`, 400, "BadRequestException"},
		{"PUT", "/tags/arn%3Aaws%3Aapigateway%3Aus-east-1%3A%3Arestapis", `{"tags":{}}`, 404, "NotFoundException"},
		{"DELETE", "/tags/arn%3Aaws%3Aapigateway%3Aus-east-1%3A%3A%2Frestapis%2F" + *api.Id, ``, 400, "BadRequestException"},
		{"POST", a + "/models", `{"name":"A","contentType":"application/json","schema":{"type":"object"}}`, 400, "BadRequestException"},
		{"POST", a + "/models", `{"name":"A"}`, 400, "BadRequestException"},
		{"GET", a + "/models/a%2Fb", ``, 404, "NotFoundException"},
		{"GET", a + "/models/Empty/default_template", ``, 200, ""},
		{"PATCH", a + "/models/Empty", `{"patchOperations":[{"op":"replace","path":"/name","value":"X"}]}`, 400, "BadRequestException"},
		{"PATCH", a + "/models/Empty", `{"patchOperations":[{"op":"replace","path":"/schema","value":"{\"type\":5}"}]}`, 400, "BadRequestException"},
		{"POST", a + "/requestvalidators", `[]`, 400, "BadRequestException"},
		{"PATCH", a + "/requestvalidators/nope", `{}`, 404, "NotFoundException"},
		{"PATCH", a + "/stages/dev", `{"patchOperations":[{"op":"replace","path":"/*/*/throttling/rateLimit","value":"fast"}]}`, 400, "BadRequestException"},
		{"PATCH", a + "/stages/dev", `{"patchOperations":[{"op":"replace","path":"/","value":"x"}]}`, 400, "BadRequestException"},
		{"PATCH", a + "/stages/dev", `{"patchOperations":[{"op":"replace","path":"","value":"x"}]}`, 400, "BadRequestException"},
		{"PATCH", a + "/stages/dev", `{"patchOperations":[{"op":"remove","path":"/GET"}]}`, 400, "BadRequestException"},
		{"PATCH", a + "/stages/dev", `{"patchOperations":[{"op":"replace","path":"/clientCertificateId","value":"nope"}]}`, 404, "NotFoundException"},
		{"PATCH", m + "/responses/200", `{"patchOperations":[]}`, 404, "NotFoundException"},
		{"POST", m, `{"pathWithQueryString":"/%zz"}`, 400, "BadRequestException"},
		{"POST", m, `{"pathWithQueryString":"/pets/1","stageVariables":{"a b":"c"}}`, 400, "BadRequestException"},
		{"POST", a + "/documentation/parts", `{"location":{"type":"API"},"properties":"[]"}`, 400, "BadRequestException"},
		{"POST", a + "/documentation/parts", `{"location":{"type":"METHOD","path":"pets"},"properties":"{}"}`, 400, "BadRequestException"},
		{"PUT", a + "/documentation/parts?mode=replace", `{}`, 400, "ValidationException"},
		{"PUT", a + "/documentation/parts", `not: [yaml`, 400, "BadRequestException"},
		{"POST", a + "/documentation/versions", `{"documentationVersion":"a/b"}`, 400, "BadRequestException"},
		{"GET", a + "/documentation/parts?type=NOPE", ``, 400, "ValidationException"},
		{"POST", "/clientcertificates", `{"tags":{"aws:x":"y"}}`, 400, "BadRequestException"},
		{"POST", "/vpclinks", `{"name":"x","targetArns":[]}`, 400, "BadRequestException"},
		{"PATCH", "/account", `{"patchOperations":[{"op":"replace","path":"/throttle/rateLimit","value":"1"}]}`, 400, "BadRequestException"},
		{"PATCH", "/account", `{"patchOperations":[{"op":"replace","path":"/cloudwatchRoleArn","value":"role"}]}`, 400, "BadRequestException"},
		{"GET", a + "/stages/dev/sdks/Java", ``, 404, "NotFoundException"},
		{"GET", "/sdktypes?limit=0", ``, 400, "BadRequestException"},
		{"DELETE", "/domainnameaccessassociations/arn%3Aaws%3As3%3A%3A%3Ab", ``, 404, "NotFoundException"},
		{"POST", "/rejectdomainnameaccessassociations", ``, 400, "BadRequestException"},
		{"GET", "/domainnameaccessassociations?resourceOwner=ME", ``, 400, "ValidationException"},
		{"PATCH", "/domainnames/none.example.test/basepathmappings/v1", `{"patchOperations":[]}`, 404, "NotFoundException"},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			status, body := signedDoQuery(t, s, tc.method, tc.path, []byte(tc.body))
			if status != tc.status || tc.errType != "" && !strings.HasPrefix(body, tc.errType+" ") {
				t.Fatalf("%d %s, want %d %s", status, body, tc.status, tc.errType)
			}
		})
	}
}
