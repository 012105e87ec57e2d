package apigw_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/gatehouse-dev/gatehouse/internal/gatehousetest"
)

// signedDo sends method rawPath (sent exactly as written, escapes and all)
// signed for the apigateway control plane with creds.
func signedDo(t *testing.T, s *gatehousetest.Server, creds aws.Credentials, method, rawPath string, body []byte) (int, string) {
	t.Helper()
	// url.Parse keeps the escapes as written (RawPath) and cleans nothing;
	// the client sends EscapedPath, which the signer signs.
	req, err := http.NewRequest(method, s.URL+rawPath, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if got := req.URL.EscapedPath(); got != rawPath {
		t.Fatalf("the client would send %q, not %q", got, rawPath)
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

// userWithPolicy creates an IAM user with one inline policy and returns its
// keys.
func userWithPolicy(t *testing.T, s *gatehousetest.Server, name, policy string) aws.Credentials {
	t.Helper()
	ctx := context.Background()
	iamc := awsiam.New(awsiam.Options{Region: "us-east-1", BaseEndpoint: aws.String(s.URL),
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) { return root, nil })})
	if _, err := iamc.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String(name)}); err != nil {
		t.Fatal(err)
	}
	if _, err := iamc.PutUserPolicy(ctx, &awsiam.PutUserPolicyInput{UserName: aws.String(name), PolicyName: aws.String("p"), PolicyDocument: aws.String(policy)}); err != nil {
		t.Fatal(err)
	}
	k, err := iamc.CreateAccessKey(ctx, &awsiam.CreateAccessKeyInput{UserName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	return aws.Credentials{AccessKeyID: *k.AccessKey.AccessKeyId, SecretAccessKey: *k.AccessKey.SecretAccessKey}
}

// TestDenyHoldsForEverySpelling is issue #12 item 4: a caller allowed
// apigateway:* but denied PATCH on one API (and on one method) cannot
// change them through another spelling of the path. Every spelling either
// reaches the same operation with the same resource ARN (and is denied) or
// is refused before any operation runs.
func TestDenyHoldsForEverySpelling(t *testing.T) {
	s := gatehousetest.Start(t)
	ctx := context.Background()
	c := client(s, "us-east-1", root)
	api, err := c.CreateRestApi(ctx, &apigateway.CreateRestApiInput{Name: aws.String("orig")})
	if err != nil {
		t.Fatal(err)
	}
	id, rid := *api.Id, *api.RootResourceId
	if _, err := c.PutMethod(ctx, &apigateway.PutMethodInput{RestApiId: api.Id, ResourceId: api.RootResourceId,
		HttpMethod: aws.String("GET"), AuthorizationType: aws.String("NONE"), OperationName: aws.String("orig")}); err != nil {
		t.Fatal(err)
	}
	apiARN := "arn:aws:apigateway:us-east-1::/restapis/" + id
	methodARN := apiARN + "/resources/" + rid + "/methods/GET"
	dev := userWithPolicy(t, s, "dev", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"apigateway:*","Resource":"*"},
		{"Effect":"Deny","Action":"apigateway:PATCH","Resource":["`+apiARN+`","`+methodARN+`"]}]}`)

	// The baseline: the canonical spelling is denied on the canonical ARN.
	st, body := signedDo(t, s, dev, "PATCH", "/restapis/"+id, []byte(`{"patchOperations":[{"op":"replace","path":"/name","value":"x"}]}`))
	if st != 403 || !strings.Contains(body, "on resource: "+apiARN+" ") {
		t.Fatalf("canonical PATCH: got %d %s, want 403 on %s", st, body, apiARN)
	}

	upper := strings.ToUpper(id[:1]) + id[1:]
	enc := "%" + hex.EncodeToString([]byte{id[0]}) + id[1:]
	apiPaths := []string{
		"/restapis/" + id + "/",
		"//restapis/" + id,
		"/restapis//" + id,
		"/restapis/" + id + "//",
		"/restapis/" + id + "%2F",
		"/restapis/" + id + "%2f",
		"/restapis/" + id + "%2F.",
		"/restapis/" + id + "/.",
		"/restapis/./" + id,
		"/restapis/x/../" + id,
		"/restapis/x%2F..%2F" + id,
		"/restapis/" + id + "/resources/..",
		"/restapis/" + id + "%00",
		"/restapis/" + id + "%20",
		"/restapis/" + id + ";",
		"/restapis/" + enc,
		"/restapis/" + upper,
		"/RESTAPIS/" + id,
		"/%72estapis/" + id,
		"/restapis%2F" + id,
	}
	for _, p := range apiPaths {
		t.Run("api "+p, func(t *testing.T) {
			st, body := signedDo(t, s, dev, "PATCH", p, []byte(`{"patchOperations":[{"op":"replace","path":"/name","value":"changed"}]}`))
			if st < 400 {
				t.Fatalf("PATCH %s: got %d %s, want a refusal", p, st, body)
			}
			if st == 403 && !strings.Contains(body, "on resource: "+apiARN+" ") {
				t.Errorf("PATCH %s: denied on another ARN: %s", p, body)
			}
		})
	}
	got, err := c.GetRestApi(ctx, &apigateway.GetRestApiInput{RestApiId: api.Id})
	if err != nil || *got.Name != "orig" {
		t.Fatalf("API after the attempts: %v %+v, want name orig", err, got)
	}

	methodPaths := []string{
		"/restapis/" + id + "/resources/" + rid + "/methods/get",
		"/restapis/" + id + "/resources/" + rid + "/methods/Get",
		"/restapis/" + id + "/resources/" + rid + "/methods/GET/",
		"/restapis/" + id + "/resources/" + rid + "/methods/%47ET",
		"/restapis/" + id + "/resources/" + rid + "%2Fmethods%2FGET",
		"/restapis/" + id + "/resources/" + rid + "/methods//GET",
	}
	for _, p := range methodPaths {
		t.Run("method "+p, func(t *testing.T) {
			st, body := signedDo(t, s, dev, "PATCH", p, []byte(`{"patchOperations":[{"op":"replace","path":"/operationName","value":"changed"}]}`))
			if st < 400 {
				t.Fatalf("PATCH %s: got %d %s, want a refusal", p, st, body)
			}
			if st == 403 && !strings.Contains(body, "on resource: "+methodARN+" ") {
				t.Errorf("PATCH %s: denied on another ARN: %s", p, body)
			}
		})
	}
	m, err := c.GetMethod(ctx, &apigateway.GetMethodInput{RestApiId: api.Id, ResourceId: api.RootResourceId, HttpMethod: aws.String("GET")})
	if err != nil || aws.ToString(m.OperationName) != "orig" {
		t.Fatalf("method after the attempts: %v %+v, want operationName orig", err, m)
	}

	// What is allowed still works, with the ARN of the canonical form.
	st, body = signedDo(t, s, dev, "GET", "/restapis/"+id, nil)
	if st != 200 {
		t.Fatalf("GET: got %d %s", st, body)
	}
	var out struct{ Name string }
	if err := json.Unmarshal([]byte(strings.TrimSpace(body)), &out); err != nil || out.Name != "orig" {
		t.Fatalf("GET body %s (%v)", body, err)
	}
}

// TestGetRestApisTrailingSlash: GetRestApi with an empty id is GET
// /restapis/, which AWS answers as GetRestApis (aws/aws-cli#2534). It is
// routed and authorized as GET /restapis: a deny on ::/restapis holds.
func TestGetRestApisTrailingSlash(t *testing.T) {
	s := gatehousetest.Start(t)
	ctx := context.Background()
	if _, err := client(s, "us-east-1", root).CreateRestApi(ctx, &apigateway.CreateRestApiInput{Name: aws.String("one")}); err != nil {
		t.Fatal(err)
	}
	st, body := signedDo(t, s, root, "GET", "/restapis/", nil)
	if st != 200 || !strings.Contains(body, `"name":"one"`) {
		t.Fatalf("GET /restapis/: got %d %s, want the GetRestApis list", st, body)
	}
	collection := "arn:aws:apigateway:us-east-1::/restapis"
	dev := userWithPolicy(t, s, "dev", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"apigateway:*","Resource":"*"},
		{"Effect":"Deny","Action":"apigateway:GET","Resource":"`+collection+`"}]}`)
	st, body = signedDo(t, s, dev, "GET", "/restapis/", nil)
	if st != 403 || !strings.Contains(body, "on resource: "+collection+" ") {
		t.Fatalf("denied GET /restapis/: got %d %s, want 403 on %s", st, body, collection)
	}
	if st, _ := signedDo(t, s, root, "POST", "/restapis/", []byte(`{"name":"x"}`)); st < 400 {
		t.Fatalf("POST /restapis/: got %d, want a refusal (only GET has the alias)", st)
	}
}
