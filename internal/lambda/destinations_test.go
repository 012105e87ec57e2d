package lambda_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

// waitLog waits (up to a deadline) until the function's log holds every
// one of want, polling the file: the record arrives asynchronously.
func waitLog(t *testing.T, dataDir, fn string, want ...string) string {
	t.Helper()
	path := filepath.Join(dataDir, "lambda", "logs", "000000000000", "us-east-1", fn+".log")
	deadline := time.Now().Add(30 * time.Second)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		b, _ := os.ReadFile(path)
		ok := true
		for _, w := range want {
			ok = ok && strings.Contains(string(b), w)
		}
		if ok {
			return string(b)
		}
		if time.Now().After(deadline) {
			t.Fatalf("log of %s lacks %q:\n%s", fn, want, b)
		}
		<-tick.C
	}
}

// TestEventDestinations: an Event invocation's record goes to the
// OnSuccess or OnFailure destination function of the event invoke
// config (no retries: MaximumRetryAttempts 0), authorized as the source
// function's execution role, in AWS's record format.
func TestEventDestinations(t *testing.T) {
	srv := startServer(t)
	e := newEnv(t, srv.URL, srv.DataDir)
	ctx := context.Background()
	if _, err := e.ic.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("fn-role"), PolicyName: aws.String("dest"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"lambda:InvokeFunction","Resource":"` + fnARNPrefix + `dst"}]}`)}); err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string]string{
		"src": "def handler(event, context):\n    if event.get('fail'):\n        raise Exception('boom')\n    return {'done': event['n']}\n",
		"dst": "import json\ndef handler(event, context):\n    print('RECORD ' + json.dumps(event, sort_keys=True))\n",
	} {
		if _, err := e.lc.CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String(name), Role: aws.String(e.role), Runtime: types.RuntimePython312,
			Handler: aws.String("index.handler"), Code: &types.FunctionCode{ZipFile: zipFiles(t, map[string]string{"index.py": body})}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.lc.PutFunctionEventInvokeConfig(ctx, &lambda.PutFunctionEventInvokeConfigInput{FunctionName: aws.String("src"), MaximumRetryAttempts: aws.Int32(0),
		DestinationConfig: &types.DestinationConfig{OnSuccess: &types.OnSuccess{Destination: aws.String(fnARNPrefix + "dst")}, OnFailure: &types.OnFailure{Destination: aws.String(fnARNPrefix + "dst")}}}); err != nil {
		t.Fatal(err)
	}
	for _, payload := range []string{`{"n": 1}`, `{"n": 2, "fail": true}`} {
		if _, err := e.lc.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("src"), InvocationType: types.InvocationTypeEvent, Payload: []byte(payload)}); err != nil {
			t.Fatal(err)
		}
	}
	waitLog(t, srv.DataDir, "dst",
		`"condition": "Success"`, `"functionArn": "`+fnARNPrefix+`src:$LATEST"`, `"responsePayload": {"done": 1}`, `"requestPayload": {"n": 1}`,
		`"condition": "RetriesExhausted"`, `"functionError": "Unhandled"`, `"approximateInvokeCount": 1`, `"errorMessage": "boom"`)
}
