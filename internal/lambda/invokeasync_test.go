package lambda_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

// TestInvokeAsync: the deprecated InvokeAsync API, still served by AWS,
// queues an Event invocation of its body and answers 202 (Status); it
// needs lambda:InvokeFunction, refuses a body that is not JSON and names
// a missing function as Invoke does.
func TestInvokeAsync(t *testing.T) {
	srv := startServer(t)
	e := newEnv(t, srv.URL, srv.DataDir)
	ctx := context.Background()
	if _, err := e.lc.CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String("async"), Role: aws.String(e.role), Runtime: types.RuntimePython312,
		Handler: aws.String("index.handler"), Code: &types.FunctionCode{ZipFile: zipFiles(t, map[string]string{"index.py": "import json\ndef handler(event, context):\n    print('GOT ' + json.dumps(event))\n"})}}); err != nil {
		t.Fatal(err)
	}
	//lint:ignore SA1019 InvokeAsync is deprecated, and still served
	out, err := e.lc.InvokeAsync(ctx, &lambda.InvokeAsyncInput{FunctionName: aws.String("async"), InvokeArgs: bytes.NewReader([]byte(`{"n": 7}`))})
	if err != nil || out.Status != 202 {
		t.Fatalf("InvokeAsync: %v %+v", err, out)
	}
	waitLog(t, srv.DataDir, "async", `GOT {"n": 7}`)

	//lint:ignore SA1019 deprecated API under test
	_, err = e.lc.InvokeAsync(ctx, &lambda.InvokeAsyncInput{FunctionName: aws.String("async"), InvokeArgs: bytes.NewReader([]byte(`not json`))})
	wantErr(t, err, "InvalidRequestContentException", "")
	//lint:ignore SA1019 deprecated API under test
	_, err = e.lc.InvokeAsync(ctx, &lambda.InvokeAsyncInput{FunctionName: aws.String("nope"), InvokeArgs: bytes.NewReader([]byte(`{}`))})
	wantErr(t, err, "ResourceNotFoundException", "Function not found: "+fnARNPrefix+"nope")
}
