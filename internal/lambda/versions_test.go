package lambda_test

import (
	"archive/zip"
	"bytes"
	"context"
	"strings"
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

func TestPublishVersion(t *testing.T) {
	e := controlEnv(t)
	ctx := context.Background()
	arn := "arn:aws:lambda:us-east-1:" + gatehousetest.AccountID + ":function:pv"
	c := createPy(t, e, "pv", true)
	// AWS answers Version "1" under the unqualified ARN.
	if *c.Version != "1" || *c.FunctionArn != arn {
		t.Fatalf("create with Publish: version %s arn %s", *c.Version, *c.FunctionArn)
	}
	// FunctionVersion=ALL lists $LATEST and every version, qualified, in
	// pages of MaxItems items.
	var got []string
	in := &lambda.ListFunctionsInput{FunctionVersion: types.FunctionVersionAll, MaxItems: aws.Int32(1)}
	for pages := 0; ; pages++ {
		lf, err := e.lc.ListFunctions(ctx, in)
		if err != nil || pages > 3 {
			t.Fatalf("list ALL: %v", err)
		}
		for _, f := range lf.Functions {
			got = append(got, *f.Version+" "+*f.FunctionArn)
		}
		if lf.NextMarker == nil {
			break
		}
		in.Marker = lf.NextMarker
	}
	if want := []string{"$LATEST " + arn + ":$LATEST", "1 " + arn + ":1"}; strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("list ALL: %q, want %q", got, want)
	}
	// Unchanged: no new version.
	p, err := e.lc.PublishVersion(ctx, &lambda.PublishVersionInput{FunctionName: aws.String("pv")})
	if err != nil || *p.Version != "1" {
		t.Fatalf("publish unchanged: %v %+v", err, p)
	}
	_, err = e.lc.PublishVersion(ctx, &lambda.PublishVersionInput{FunctionName: aws.String("pv"), CodeSha256: aws.String("abc")})
	wantErr(t, err, "InvalidParameterValueException", "CodeSHA256 (abc) is different from current CodeSHA256 in $LATEST ("+*c.CodeSha256+"). Please try again with the CodeSHA256 in $LATEST.")
	_, err = e.lc.PublishVersion(ctx, &lambda.PublishVersionInput{FunctionName: aws.String("pv"), RevisionId: aws.String("stale")})
	wantErr(t, err, "PreconditionFailedException", "")

	// A change, then a publish: version 2 snapshots it; $LATEST changes
	// again and version 2 does not.
	if _, err := e.lc.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{FunctionName: aws.String("pv"), Timeout: aws.Int32(7)}); err != nil {
		t.Fatal(err)
	}
	p, err = e.lc.PublishVersion(ctx, &lambda.PublishVersionInput{FunctionName: aws.String("pv"), Description: aws.String("second"), CodeSha256: c.CodeSha256})
	if err != nil || *p.Version != "2" || *p.FunctionArn != arn+":2" || *p.Timeout != 7 || *p.Description != "second" {
		t.Fatalf("publish 2: %v %+v", err, p)
	}
	if _, err := e.lc.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{FunctionName: aws.String("pv"), Timeout: aws.Int32(9)}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, version string
		timeout       int32
	}{{"pv:2", "2", 7}, {"pv:1", "1", 3}, {arn + ":2", "2", 7}, {"pv", "$LATEST", 9}, {"pv:$LATEST", "$LATEST", 9}} {
		g, err := e.lc.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String(tc.name)})
		if err != nil || *g.Version != tc.version || *g.Timeout != tc.timeout {
			t.Fatalf("get %s: %v %+v", tc.name, err, g)
		}
	}
	g, err := e.lc.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("pv"), Qualifier: aws.String("1")})
	if err != nil || *g.Configuration.FunctionArn != arn+":1" || *g.Configuration.Version != "1" {
		t.Fatalf("get function :1: %v %+v", err, g)
	}
	_, err = e.lc.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("pv"), Qualifier: aws.String("7")})
	wantErr(t, err, "ResourceNotFoundException", "Function not found: "+arn+":7")

	// Pagination: $LATEST, 1, 2 in pages of two.
	l, err := e.lc.ListVersionsByFunction(ctx, &lambda.ListVersionsByFunctionInput{FunctionName: aws.String("pv"), MaxItems: aws.Int32(2)})
	if err != nil || len(l.Versions) != 2 || *l.Versions[0].Version != "$LATEST" || *l.Versions[1].Version != "1" || l.NextMarker == nil {
		t.Fatalf("page 1: %v %+v", err, l)
	}
	l, err = e.lc.ListVersionsByFunction(ctx, &lambda.ListVersionsByFunctionInput{FunctionName: aws.String("pv"), MaxItems: aws.Int32(2), Marker: l.NextMarker})
	if err != nil || len(l.Versions) != 1 || *l.Versions[0].Version != "2" || *l.Versions[0].FunctionArn != arn+":2" || l.NextMarker != nil {
		t.Fatalf("page 2: %v %+v", err, l)
	}

	// Permissions on a version are the version's own.
	if _, err := e.lc.AddPermission(ctx, &lambda.AddPermissionInput{FunctionName: aws.String("pv"), Qualifier: aws.String("1"), StatementId: aws.String("s1"),
		Action: aws.String("lambda:InvokeFunction"), Principal: aws.String("apigateway.amazonaws.com")}); err != nil {
		t.Fatal(err)
	}
	pol, err := e.lc.GetPolicy(ctx, &lambda.GetPolicyInput{FunctionName: aws.String("pv:1")})
	if err != nil || !bytes.Contains([]byte(*pol.Policy), []byte(`"Resource":"`+arn+`:1"`)) {
		t.Fatalf("policy of :1: %v %+v", err, pol)
	}
	_, err = e.lc.GetPolicy(ctx, &lambda.GetPolicyInput{FunctionName: aws.String("pv")})
	wantErr(t, err, "ResourceNotFoundException", "")
	if _, err := e.lc.RemovePermission(ctx, &lambda.RemovePermissionInput{FunctionName: aws.String("pv"), Qualifier: aws.String("1"), StatementId: aws.String("s1")}); err != nil {
		t.Fatal(err)
	}

	// DeleteFunction with a Qualifier deletes that version only; numbers
	// are not reused.
	if _, err := e.lc.DeleteFunction(ctx, &lambda.DeleteFunctionInput{FunctionName: aws.String("pv"), Qualifier: aws.String("2")}); err != nil {
		t.Fatal(err)
	}
	_, err = e.lc.DeleteFunction(ctx, &lambda.DeleteFunctionInput{FunctionName: aws.String("pv"), Qualifier: aws.String("$LATEST")})
	wantErr(t, err, "InvalidParameterValueException", "Deletion of $LATEST version is not allowed.")
	p, err = e.lc.PublishVersion(ctx, &lambda.PublishVersionInput{FunctionName: aws.String("pv")})
	if err != nil || *p.Version != "3" {
		t.Fatalf("publish after delete: %v %+v", err, p)
	}
	if _, err := e.lc.DeleteFunction(ctx, &lambda.DeleteFunctionInput{FunctionName: aws.String("pv")}); err != nil {
		t.Fatal(err)
	}
	_, err = e.lc.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("pv:1")})
	wantErr(t, err, "ResourceNotFoundException", "")
}
