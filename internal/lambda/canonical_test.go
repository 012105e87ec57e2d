package lambda_test

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
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

// lambdaDo sends method rawPath exactly as written (escapes, slashes),
// signed for the Lambda control plane.
func lambdaDo(t *testing.T, url string, creds aws.Credentials, method, rawPath, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url+rawPath, bytes.NewReader([]byte(body)))
	if err != nil {
		t.Fatal(err)
	}
	if got := req.URL.RequestURI(); got != rawPath {
		t.Fatalf("the client would send %q, not %q", got, rawPath)
	}
	req.Header.Set("Content-Type", "application/json")
	sum := sha256.Sum256([]byte(body))
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), "lambda", "us-east-1", time.Now()); err != nil {
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

// TestDenyHoldsForEveryFunctionSpelling is issue #12 item 4 on the Lambda
// control plane: a caller allowed lambda:* but denied
// UpdateFunctionConfiguration on one function cannot change it through
// another name form, a qualifier or another spelling of the path. Each
// attempt is refused: denied on the function's unqualified ARN, or refused
// as a request that names no function.
func TestDenyHoldsForEveryFunctionSpelling(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	if _, err := e.lc.CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String("victim"), Role: aws.String(e.role),
		Runtime: types.RuntimeNodejs20x, Handler: aws.String("index.handler"), Code: &types.FunctionCode{ZipFile: nodeZip(t, "hello")},
		Description: aws.String("orig")}); err != nil {
		t.Fatal(err)
	}
	const fnARN = "arn:aws:lambda:us-east-1:000000000000:function:victim"
	if _, err := e.ic.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("dev")}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.ic.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("dev"), PolicyName: aws.String("p"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[
			{"Effect":"Allow","Action":["lambda:*","iam:PassRole"],"Resource":"*"},
			{"Effect":"Deny","Action":["lambda:UpdateFunctionConfiguration","lambda:UpdateFunctionCode","lambda:TagResource","lambda:PutFunctionConcurrency","lambda:GetFunction"],"Resource":"` + fnARN + `"}]}`)}); err != nil {
		t.Fatal(err)
	}
	k, err := e.ic.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("dev")})
	if err != nil {
		t.Fatal(err)
	}
	dev := aws.Credentials{AccessKeyID: *k.AccessKey.AccessKeyId, SecretAccessKey: *k.AccessKey.SecretAccessKey}

	const update = `{"Description":"changed"}`
	names := []string{
		"victim",
		"victim%3A%24LATEST",
		"victim:$LATEST",
		"victim:%24LATEST",
		"victim%3A1",
		"000000000000%3Afunction%3Avictim",
		"000000000000:function:victim:$LATEST",
		"arn:aws:lambda:us-east-1:000000000000:function:victim",
		"arn%3Aaws%3Alambda%3Aus-east-1%3A000000000000%3Afunction%3Avictim%3A%24LATEST",
		"arn:aws-cn:lambda:us-east-1:000000000000:function:victim",
		"arn:aws:lambda:us-east-1:0:function:victim",
		"arn:aws:lambda:us-east-1:000000000000:function:victim:",
		"victim%2F",
		"victim%2F..%2Fvictim",
		"x%2F..%2Fvictim",
		"victim%00",
		"Victim",
		"victim:$LATEST:$LATEST",
	}
	for _, name := range names {
		for _, p := range []string{
			"/2015-03-31/functions/" + name + "/configuration",
			"/2015-03-31/functions/" + name + "/configuration?Qualifier=%24LATEST",
		} {
			t.Run(p, func(t *testing.T) {
				st, body := lambdaDo(t, e.url, dev, "PUT", p, update)
				if st < 400 {
					t.Fatalf("PUT %s: got %d %s, want a refusal", p, st, body)
				}
				if st == 403 && !strings.Contains(body, "on resource: "+fnARN+" ") {
					t.Errorf("PUT %s: denied on another ARN: %s", p, body)
				}
			})
		}
	}
	for _, p := range []string{
		"/2015-03-31/functions/victim/configuration/",
		"//2015-03-31/functions/victim/configuration",
		"/2015-03-31//functions/victim/configuration",
		"/2015-03-31/functions//victim/configuration",
		"/2015-03-31/functions/victim//configuration",
		"/2015-03-31/functions/x/../victim/configuration",
		"/2015-03-31/functions/./victim/configuration",
		"/2015-03-31/functions/victim/configuration/.",
		"/2015-03-31/functions/victim/%63onfiguration",
		"/2015-03-31/functions/victim%2Fconfiguration",
	} {
		t.Run(p, func(t *testing.T) {
			st, body := lambdaDo(t, e.url, dev, "PUT", p, update)
			if st < 400 {
				t.Fatalf("PUT %s: got %d %s, want a refusal", p, st, body)
			}
			if st == 403 && !strings.Contains(body, "on resource: "+fnARN+" ") {
				t.Errorf("PUT %s: denied on another ARN: %s", p, body)
			}
		})
	}
	// The other operations that change the function itself.
	for _, c := range []struct{ method, path, body string }{
		{"PUT", "/2015-03-31/functions/victim%3A%24LATEST/code", `{"ZipFile":"UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA=="}`},
		{"POST", "/2017-03-31/tags/" + fnARN + ":$LATEST", `{"Tags":{"k":"v"}}`},
		{"POST", "/2017-03-31/tags/" + fnARN + "/x", `{"Tags":{"k":"v"}}`},
		{"PUT", "/2017-10-31/functions/victim%3A%24LATEST/concurrency", `{"ReservedConcurrentExecutions":1}`},
		// $LATEST is the unqualified function under another spelling, for
		// the operations that take a qualifier too.
		{"GET", "/2015-03-31/functions/victim%3A%24LATEST", ""},
		{"GET", "/2015-03-31/functions/victim?Qualifier=%24LATEST", ""},
		{"GET", "/2015-03-31/functions/" + fnARN + ":$LATEST", ""},
	} {
		t.Run(c.method+" "+c.path, func(t *testing.T) {
			st, body := lambdaDo(t, e.url, dev, c.method, c.path, c.body)
			if st < 400 {
				t.Fatalf("%s %s: got %d %s, want a refusal", c.method, c.path, st, body)
			}
			if st == 403 && !strings.Contains(body, "on resource: "+fnARN+" ") {
				t.Errorf("%s %s: denied on another ARN: %s", c.method, c.path, body)
			}
		})
	}
	got, err := e.lc.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("victim")})
	if err != nil || aws.ToString(got.Configuration.Description) != "orig" || len(got.Tags) != 0 || got.Concurrency != nil {
		t.Fatalf("after the attempts: %v %+v", err, got)
	}
	// What is allowed still works under every name form.
	for _, name := range []string{"victim", "victim:$LATEST", fnARN, fnARN + ":$LATEST", "000000000000:function:victim"} {
		if _, err := e.lc.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String(name)}); err != nil {
			t.Errorf("GetFunctionConfiguration %s: %v", name, err)
		}
	}
}
