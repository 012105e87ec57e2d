package lambda_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/gatehouse-dev/gatehouse/pkg/sigv4client"
)

// buildGoDir builds a Go function package as <dir>/bootstrap, for the
// local-directory code form (a multi-megabyte zip upload is slow under
// the race detector; TestGoFunctionLifecycle covers the zip form).
func buildGoDir(t testing.TB, pkg string) string {
	t.Helper()
	dir := t.TempDir()
	// The sandbox user reads the task root, as on AWS.
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", filepath.Join(dir, "bootstrap"), pkg)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build %s: %s", pkg, out)
	}
	return dir
}

const proxyAPI = `{"openapi": "3.0.1", "info": {"title": "fn", "version": "1"},
 "paths": {
  "/whoami": {"get": {"security": [{"sigv4": []}], "x-amazon-apigateway-integration": {"type": "aws_proxy", "httpMethod": "POST", "uri": "URI_WHOAMI"}}},
  "/{proxy+}": {"x-amazon-apigateway-any-method": {"security": [{"sigv4": []}], "x-amazon-apigateway-integration": {"type": "aws_proxy", "httpMethod": "POST", "uri": "URI_WHOAMI"}}},
  "/noperm": {"get": {"security": [{"sigv4": []}], "x-amazon-apigateway-integration": {"type": "aws_proxy", "httpMethod": "POST", "uri": "URI_NOPERM"}}}
 },
 "components": {"securitySchemes": {"sigv4": {"type": "apiKey", "name": "Authorization", "in": "header", "x-amazon-apigateway-authtype": "awsSigv4"}}}}`

func uri(fnARN string) string {
	return "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/" + fnARN + "/invocations"
}

// TestAWSProxy: an aws-lambda-go function behind an AWS_IAM route gets the
// caller's identity, and AWS's answers for a malformed response, a
// timeout, a crash and a missing permission.
func TestAWSProxy(t *testing.T) { runProxy(t, setup(t)) }

func runProxy(t *testing.T, e *env) {
	t.Helper()
	ctx := context.Background()
	dir := buildGoDir(t, "./testdata/whoami")
	for _, name := range []string{"whoami", "noperm"} {
		if _, err := e.lc.CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String(name), Role: aws.String(e.role),
			Runtime: types.RuntimeProvidedal2023, Handler: aws.String("bootstrap"), Timeout: aws.Int32(2),
			Code: &types.FunctionCode{S3Bucket: aws.String("gatehouse-local-dir"), S3Key: aws.String(dir)}}); err != nil {
			t.Fatal(err)
		}
	}
	apig := apigateway.NewFromConfig(awsConfig(e.url, "AKIAGATEHOUSETEST001", "gatehouse/test/secret/key/0000000000000A", ""))
	doc := strings.ReplaceAll(proxyAPI, "URI_WHOAMI", uri("arn:aws:lambda:us-east-1:000000000000:function:whoami"))
	doc = strings.ReplaceAll(doc, "URI_NOPERM", uri("arn:aws:lambda:us-east-1:000000000000:function:noperm"))
	api, err := apig.ImportRestApi(ctx, &apigateway.ImportRestApiInput{Body: []byte(doc)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := apig.CreateDeployment(ctx, &apigateway.CreateDeploymentInput{RestApiId: api.Id, StageName: aws.String("prod")}); err != nil {
		t.Fatal(err)
	}
	// The permission CDK's LambdaIntegration adds: any stage, any method, any path.
	if _, err := e.lc.AddPermission(ctx, &lambda.AddPermissionInput{FunctionName: aws.String("whoami"), StatementId: aws.String("apigw"),
		Action: aws.String("lambda:InvokeFunction"), Principal: aws.String("apigateway.amazonaws.com"),
		SourceArn: aws.String("arn:aws:execute-api:us-east-1:000000000000:" + *api.Id + "/*/*/*")}); err != nil {
		t.Fatal(err)
	}
	// alice may invoke the API.
	if _, err := e.ic.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("alice")}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.ic.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("p"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"*"}]}`)}); err != nil {
		t.Fatal(err)
	}
	k, err := e.ic.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("alice")})
	if err != nil {
		t.Fatal(err)
	}
	tr, err := sigv4client.New(sigv4client.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider(*k.AccessKey.AccessKeyId, *k.AccessKey.SecretAccessKey, "")})
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Transport: tr}
	base := e.url + "/restapis/" + *api.Id + "/prod/_user_request_"

	tests := []struct {
		path   string
		status int
		body   string // exact, or a substring when prefixed with "~"
	}{
		{"/whoami", 200, `~"userArn":"arn:aws:iam::000000000000:user/alice"`},
		{"/a/b?x=1&x=2", 200, `~"resource":"/{proxy+}"`},
		{"/a/b?x=1&x=2", 200, `~"query":{"x":["1","2"]}`},
		{"/malformed", 502, `{"message":"Internal server error"}`},
		{"/sleep", 502, `{"message":"Internal server error"}`},
		{"/crash", 502, `{"message":"Internal server error"}`},
		{"/whoami", 200, `~"caller":"AIDA`},
		{"/noperm", 500, `{"message":"Internal server error"}`},
	}
	for _, tc := range tests {
		resp, err := client.Get(base + tc.path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		body := string(b)
		ok := body == tc.body
		if strings.HasPrefix(tc.body, "~") {
			ok = strings.Contains(body, tc.body[1:])
		}
		if resp.StatusCode != tc.status || !ok {
			t.Errorf("GET %s: %d %s\nwant %d %s", tc.path, resp.StatusCode, body, tc.status, tc.body)
		}
		if tc.status == 200 {
			var m map[string]any
			if json.Unmarshal(b, &m) != nil || resp.Header.Get("X-Fn") != "whoami" {
				t.Errorf("GET %s: headers %v body %s", tc.path, resp.Header, b)
			}
		}
	}
}

// TestFunctionCallsGatehouse: SDK calls from a function reach gatehouse
// (AWS_ENDPOINT_URL) as the execution role's session, named after the
// function.
func TestFunctionCallsGatehouse(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	dir := buildGoDir(t, "./testdata/sdkfn")
	if _, err := e.lc.CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String("sdkfn"), Role: aws.String(e.role),
		Runtime: types.RuntimeProvidedal2023, Handler: aws.String("bootstrap"), Timeout: aws.Int32(10),
		Code: &types.FunctionCode{S3Bucket: aws.String("gatehouse-local-dir"), S3Key: aws.String(dir)}}); err != nil {
		t.Fatal(err)
	}
	inv, err := e.lc.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("sdkfn")})
	if err != nil || inv.FunctionError != nil || string(inv.Payload) != `"arn:aws:sts::000000000000:assumed-role/fn-role/sdkfn"` {
		t.Errorf("%v %s", err, inv.Payload)
	}
}
