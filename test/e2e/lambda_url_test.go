package e2e_test

import (
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/gatehouse-dev/gatehouse/internal/gatehousetest"
)

// botocoreCall signs a request to a function URL with botocore's SigV4
// (service lambda) and prints the status and body.
const botocoreCall = `
import sys, urllib.request, urllib.error
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
url, host, body = sys.argv[1], sys.argv[2], sys.argv[3].encode()
headers = {"Content-Type": "application/json"}
if host:
    headers["Host"] = host
req = AWSRequest(method="POST", url=url, data=body, headers=headers)
SigV4Auth(Credentials(sys.argv[4], sys.argv[5]), "lambda", "us-east-1").add_auth(req)
r = urllib.request.Request(url, data=body, headers=dict(req.headers), method="POST")
try:
    resp = urllib.request.urlopen(r)
    print(resp.status, resp.read().decode())
except urllib.error.HTTPError as e:
    print(e.code, e.read().decode())
`

// TestFunctionURLClients: an AWS_IAM function URL answers 200 to
// `gatehouse curl --service lambda` (path form and Host form) and to a
// request botocore signs, and 403 {"Message":"Forbidden"} unsigned, as
// AWS answers.
func TestFunctionURLClients(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("runs functions")
	}
	srv := gatehousetest.Start(t)
	if _, err := srv.App.LambdaIsolation(); err != nil {
		if os.Getenv("GATEHOUSE_REQUIRE_SANDBOX") != "" || os.Getenv("CI") != "" {
			t.Fatalf("the Lambda sandbox is required here: %v", err)
		}
		t.Skipf("skipped: %v", err)
	}
	ctx := context.Background()
	cfg := aws.Config{Region: gatehousetest.Region, BaseEndpoint: aws.String(srv.URL), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider(gatehousetest.AccessKeyID, gatehousetest.SecretAccessKey, "")}
	role, err := iam.NewFromConfig(cfg).CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("url-fn"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	lc := lambda.NewFromConfig(cfg)
	if _, err := lc.CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String("urlfn"), Role: role.Role.Arn, Runtime: types.RuntimePython312,
		Handler: aws.String("index.handler"),
		Code:    &types.FunctionCode{ZipFile: pythonZip(t, `{"statusCode": 200, "body": event["requestContext"]["authorizer"]["iam"]["userArn"] + " " + event["rawPath"] + " " + event.get("body", "")}`)}}); err != nil {
		t.Fatal(err)
	}
	u, err := lc.CreateFunctionUrlConfig(ctx, &lambda.CreateFunctionUrlConfigInput{FunctionName: aws.String("urlfn"), AuthType: types.FunctionUrlAuthTypeAwsIam})
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`^https://([a-z0-9]{32})\.lambda-url\.us-east-1\.on\.aws/$`).FindStringSubmatch(*u.FunctionUrl)
	if m == nil {
		t.Fatalf("FunctionUrl %s", *u.FunctionUrl)
	}
	id, host := m[1], m[1]+".lambda-url.us-east-1.on.aws"
	rootARN := "arn:aws:iam::" + gatehousetest.AccountID + ":root"

	bin := gatehousetest.Binary(t)
	env := append(gatehousetest.ClientEnv(srv.URL, gatehousetest.AccessKeyID, gatehousetest.SecretAccessKey), "AWS_REGION=us-east-1")
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"path form", []string{srv.URL + "/_lambda_url/" + id + "/hello?x=1"}, rootARN + " /hello "},
		{"host form", []string{"-H", "Host: " + host, "-d", `{"a":1}`, srv.URL + "/post"}, rootARN + ` /post {"a":1}`},
	} {
		cmd := exec.Command(bin, append([]string{"curl", "--service", "lambda"}, tc.args...)...)
		cmd.Env = env
		out, err := cmd.Output()
		if err != nil || string(out) != tc.want {
			t.Errorf("gatehouse curl %s: %v\n%s\nwant %s", tc.name, err, out, tc.want)
		}
	}

	if _, err := exec.LookPath("python3"); err == nil {
		for _, tc := range []struct{ url, host, want string }{
			{srv.URL + "/_lambda_url/" + id + "/boto", "", "200 " + rootARN + ` /boto {"b":2}`},
			{srv.URL + "/boto", host, "200 " + rootARN + ` /boto {"b":2}`},
		} {
			cmd := exec.Command("python3", "-c", botocoreCall, tc.url, tc.host, `{"b":2}`, gatehousetest.AccessKeyID, gatehousetest.SecretAccessKey)
			out, err := cmd.CombinedOutput()
			if err != nil || strings.TrimSpace(string(out)) != tc.want {
				t.Errorf("botocore %s %s: %v\n%s", tc.url, tc.host, err, out)
			}
		}
	} else {
		t.Log("python3 not installed: botocore case not run")
	}

	resp, err := http.Get(srv.URL + "/_lambda_url/" + id + "/hello")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 403 || string(b) != `{"Message":"Forbidden"}` {
		t.Fatalf("unsigned: %d %s", resp.StatusCode, b)
	}
}
