package lambda_test

import (
	"archive/zip"
	"bytes"
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/gatehouse-dev/gatehouse/internal/gatehousetest"
)

// pyZip is a Python function's package: index.handler returns body.
func pyZip(t testing.TB, body string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.Create("index.py")
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("def handler(event, context):\n    return " + body + "\n"))
	zw.Close()
	return buf.Bytes()
}

// controlEnv is a server for control-plane tests: functions are created
// and described, never run, so no sandbox is needed.
func controlEnv(t *testing.T) *env {
	t.Helper()
	srv := gatehousetest.Start(t)
	return newEnv(t, srv.URL, srv.DataDir)
}

func createPy(t *testing.T, e *env, name string, publish bool) *lambda.CreateFunctionOutput {
	t.Helper()
	out, err := e.lc.CreateFunction(context.Background(), &lambda.CreateFunctionInput{
		FunctionName: aws.String(name), Role: aws.String(e.role), Runtime: types.RuntimePython312,
		Handler: aws.String("index.handler"), Code: &types.FunctionCode{ZipFile: pyZip(t, `{"v": 1}`)}, Publish: publish,
	})
	if err != nil {
		t.Fatalf("create %s: %v", name, err)
	}
	return out
}

func wantErr(t *testing.T, err error, code, msg string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %s", code)
	}
	c, m := apiErr(t, err)
	if c != code || (msg != "" && m != msg) {
		t.Fatalf("error %s: %s\nwant %s: %s", c, m, code, msg)
	}
}

func TestListVersionsAndCodeSigning(t *testing.T) {
	e := controlEnv(t)
	ctx := context.Background()
	createPy(t, e, "fv", false)
	arn := "arn:aws:lambda:us-east-1:" + gatehousetest.AccountID + ":function:fv"

	out, err := e.lc.ListVersionsByFunction(ctx, &lambda.ListVersionsByFunctionInput{FunctionName: aws.String("fv")})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Versions) != 1 || *out.Versions[0].Version != "$LATEST" || *out.Versions[0].FunctionArn != arn+":$LATEST" || out.NextMarker != nil {
		t.Fatalf("versions = %+v", out)
	}
	_, err = e.lc.ListVersionsByFunction(ctx, &lambda.ListVersionsByFunctionInput{FunctionName: aws.String("nope")})
	wantErr(t, err, "ResourceNotFoundException", "Function not found: arn:aws:lambda:us-east-1:"+gatehousetest.AccountID+":function:nope")
	_, err = e.lc.ListVersionsByFunction(ctx, &lambda.ListVersionsByFunctionInput{FunctionName: aws.String("fv"), MaxItems: aws.Int32(0)})
	wantErr(t, err, "ValidationException", "1 validation error detected: Value '0' at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1")

	// A function without a code signing config: 200, neither member.
	cs, err := e.lc.GetFunctionCodeSigningConfig(ctx, &lambda.GetFunctionCodeSigningConfigInput{FunctionName: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	if cs.CodeSigningConfigArn != nil || cs.FunctionName != nil {
		t.Fatalf("code signing config = %+v", cs)
	}
	_, err = e.lc.GetFunctionCodeSigningConfig(ctx, &lambda.GetFunctionCodeSigningConfigInput{FunctionName: aws.String("nope")})
	wantErr(t, err, "ResourceNotFoundException", "")
}

func TestEphemeralStorageRange(t *testing.T) {
	e := controlEnv(t)
	ctx := context.Background()
	createPy(t, e, "eph", false)
	for _, tc := range []struct {
		size int32
		msg  string
	}{
		{10241, "1 validation error detected: Value '10241' at 'ephemeralStorage.size' failed to satisfy constraint: Member must have value less than or equal to 10240"},
		{511, "1 validation error detected: Value '511' at 'ephemeralStorage.size' failed to satisfy constraint: Member must have value greater than or equal to 512"},
	} {
		_, err := e.lc.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{FunctionName: aws.String("eph"), EphemeralStorage: &types.EphemeralStorage{Size: aws.Int32(tc.size)}})
		wantErr(t, err, "ValidationException", tc.msg)
		_, err = e.lc.CreateFunction(ctx, &lambda.CreateFunctionInput{
			FunctionName: aws.String("eph2"), Role: aws.String(e.role), Runtime: types.RuntimePython312, Handler: aws.String("index.handler"),
			Code: &types.FunctionCode{ZipFile: pyZip(t, "1")}, EphemeralStorage: &types.EphemeralStorage{Size: aws.Int32(tc.size)},
		})
		wantErr(t, err, "ValidationException", tc.msg)
	}
	out, err := e.lc.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{FunctionName: aws.String("eph"), EphemeralStorage: &types.EphemeralStorage{Size: aws.Int32(10240)}})
	if err != nil || *out.EphemeralStorage.Size != 10240 {
		t.Fatalf("update 10240: %v %+v", err, out)
	}
}
