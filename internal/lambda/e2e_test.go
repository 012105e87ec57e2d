package lambda_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/smithy-go"

	"github.com/gatehouse-dev/gatehouse/internal/app"
	"github.com/gatehouse-dev/gatehouse/internal/config"
	"github.com/gatehouse-dev/gatehouse/internal/gatehousetest"
)

const trustLambda = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`

func awsConfig(url, key, secret, token string) aws.Config {
	return aws.Config{
		Region:           gatehousetest.Region,
		Credentials:      credentials.NewStaticCredentialsProvider(key, secret, token),
		BaseEndpoint:     aws.String(url),
		RetryMaxAttempts: 1,
	}
}

// env is a running gatehouse (in-process or the binary) with root clients
// and an execution role for functions.
type env struct {
	url     string
	dataDir string
	cliEnv  []string // environment for AWS CLI processes
	lc      *lambda.Client
	ic      *iam.Client
	role    string
}

func setup(t *testing.T) *env {
	t.Helper()
	srv := startServer(t)
	return newEnv(t, srv.URL, srv.DataDir)
}

// startServer starts gatehouse in-process with functions in their
// sandboxes (skipping, or failing in CI, where there are none) and local
// code allowed from the test data and the temp dir.
func startServer(tb testing.TB, opts ...gatehousetest.Option) *gatehousetest.Server {
	tb.Helper()
	srv := gatehousetest.Start(tb, append([]gatehousetest.Option{codeRoots(tb)}, opts...)...)
	needSandbox(tb, srv.App)
	return srv
}

// codeRoots allows local-directory code under testdata, runtime/testdata,
// examples/ and the temp dir (where buildGoDir builds).
func codeRoots(tb testing.TB) gatehousetest.Option {
	roots := []string{absPath(tb, "testdata"), absPath(tb, "runtime/testdata"), absPath(tb, "../../examples"), os.TempDir()}
	return func(c *config.Config) { c.LambdaCodeRoots = roots }
}

// needSandbox skips the test where functions cannot run isolated, except
// in CI (GATEHOUSE_REQUIRE_SANDBOX or CI set), where that is a failure.
func needSandbox(tb testing.TB, a *app.App) {
	tb.Helper()
	if _, err := a.LambdaIsolation(); err != nil {
		if os.Getenv("GATEHOUSE_REQUIRE_SANDBOX") != "" || os.Getenv("CI") != "" {
			tb.Fatalf("the Lambda sandbox is required here: %v", err)
		}
		tb.Skipf("skipped: %v", err)
	}
}

// binaryArgs lets the binary's functions use local code like startServer's.
func binaryArgs(tb testing.TB) []string {
	roots := []string{absPath(tb, "testdata"), absPath(tb, "runtime/testdata"), absPath(tb, "../../examples"), os.TempDir()}
	return []string{"--lambda-code-roots", strings.Join(roots, ",")}
}

// setupBinary runs the real gatehouse binary.
func setupBinary(t *testing.T) (*env, *gatehousetest.Process) {
	t.Helper()
	p := gatehousetest.StartBinary(t, t.TempDir(), []string{
		"GATEHOUSE_ROOT_ACCESS_KEY_ID=" + gatehousetest.AccessKeyID,
		"GATEHOUSE_ROOT_SECRET_ACCESS_KEY=" + gatehousetest.SecretAccessKey,
	}, binaryArgs(t)...)
	if strings.Contains(p.Stdout.String(), "Lambda functions will NOT run") {
		if os.Getenv("GATEHOUSE_REQUIRE_SANDBOX") != "" || os.Getenv("CI") != "" {
			t.Fatalf("the Lambda sandbox is required here:\n%s", p.Stdout)
		}
		t.Skipf("skipped:\n%s", p.Stdout)
	}
	return newEnv(t, p.URL, p.DataDir), p
}

func newEnv(t *testing.T, url, dataDir string) *env {
	t.Helper()
	cfg := awsConfig(url, gatehousetest.AccessKeyID, gatehousetest.SecretAccessKey, "")
	e := &env{url: url, dataDir: dataDir, cliEnv: gatehousetest.ClientEnv(url, gatehousetest.AccessKeyID, gatehousetest.SecretAccessKey),
		lc: lambda.NewFromConfig(cfg), ic: iam.NewFromConfig(cfg)}
	out, err := e.ic.CreateRole(context.Background(), &iam.CreateRoleInput{RoleName: aws.String("fn-role"), AssumeRolePolicyDocument: aws.String(trustLambda)})
	if err != nil {
		t.Fatalf("create role: %v", err)
	}
	e.role = *out.Role.Arn
	return e
}

var (
	goZipOnce sync.Once
	goZip     []byte
	goZipErr  error
)

// goFunctionZip builds the aws-lambda-go test function as a
// provided.al2023 zip (bootstrap, mode 0755).
func goFunctionZip(t testing.TB) []byte {
	t.Helper()
	goZipOnce.Do(func() {
		dir, err := os.MkdirTemp("", "gofn-")
		if err != nil {
			goZipErr = err
			return
		}
		defer os.RemoveAll(dir)
		cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", filepath.Join(dir, "bootstrap"), "./runtime/testdata/gofn")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux")
		if out, err := cmd.CombinedOutput(); err != nil {
			goZipErr = errors.New(string(out))
			return
		}
		goZip, goZipErr = zipDir(dir)
	})
	if goZipErr != nil {
		t.Fatalf("build go function: %v", goZipErr)
	}
	return goZip
}

// zipDir zips a directory keeping Unix modes.
func zipDir(dir string) ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		h, err := zip.FileInfoHeader(info)
		if err != nil {
			return err
		}
		h.Name = filepath.ToSlash(rel)
		h.Method = zip.Deflate
		w, err := zw.CreateHeader(h)
		if err != nil {
			return err
		}
		if info.Mode()&fs.ModeSymlink != 0 {
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			_, err = io.WriteString(w, target)
			return err
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = io.Copy(w, f)
		return err
	})
	if err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func apiErr(t *testing.T, err error) (string, string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("not an API error: %v", err)
	}
	return ae.ErrorCode(), ae.ErrorMessage()
}

func TestGoFunctionLifecycle(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	zipBytes := goFunctionZip(t)
	out, err := e.lc.CreateFunction(ctx, &lambda.CreateFunctionInput{
		FunctionName: aws.String("gofn"),
		Role:         aws.String(e.role),
		Runtime:      types.RuntimeProvidedal2023,
		Handler:      aws.String("bootstrap"),
		Code:         &types.FunctionCode{ZipFile: zipBytes},
		Environment:  &types.Environment{Variables: map[string]string{"GREETING": "hi"}},
	})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	if *out.FunctionArn != "arn:aws:lambda:us-east-1:000000000000:function:gofn" || out.State != types.StatePending ||
		*out.Timeout != 3 || *out.MemorySize != 128 || out.CodeSize != int64(len(zipBytes)) || !strings.HasSuffix(*out.CodeSha256, "=") {
		t.Errorf("create output: arn %s state %s timeout %d mem %d size %d sha %s", *out.FunctionArn, out.State, *out.Timeout, *out.MemorySize, out.CodeSize, *out.CodeSha256)
	}

	inv, err := e.lc.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("gofn"), Payload: []byte(`{}`), LogType: types.LogTypeTail})
	if err != nil {
		t.Fatalf("invoke: %v", err)
	}
	var got map[string]any
	_ = json.Unmarshal(inv.Payload, &got)
	if inv.StatusCode != 200 || inv.FunctionError != nil || got["arn"] != "arn:aws:lambda:us-east-1:000000000000:function:gofn" || *inv.ExecutedVersion != "$LATEST" {
		t.Errorf("invoke: %d %v %s", inv.StatusCode, inv.FunctionError, inv.Payload)
	}
	logs, _ := base64.StdEncoding.DecodeString(*inv.LogResult)
	if !strings.Contains(string(logs), "START RequestId: "+got["requestId"].(string)+" Version: $LATEST") || !strings.Contains(string(logs), "REPORT RequestId: ") {
		t.Errorf("tail log:\n%s", logs)
	}

	// The environment: role credentials from gatehouse's STS, the endpoint,
	// the user's variables, no leak of the server's.
	envTests := []struct{ name, want string }{
		{"GREETING", "hi"},
		{"AWS_ENDPOINT_URL", e.url},
		{"AWS_LAMBDA_FUNCTION_NAME", "gofn"},
		{"AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128"},
		{"AWS_REGION", "us-east-1"},
		{"AWS_EXECUTION_ENV", ""},
		{"_LAMBDA_SERVER_PORT", ""},
		{"HOME", ""},
		{"TZ", ":UTC"},
	}
	for _, tc := range envTests {
		inv, err := e.lc.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("gofn"), Payload: []byte(`{"do":"env","env":"` + tc.name + `"}`)})
		if err != nil {
			t.Fatal(err)
		}
		if want := `{"value":"` + tc.want + `"}`; string(inv.Payload) != want {
			t.Errorf("%s: got %s want %s", tc.name, inv.Payload, want)
		}
	}
	inv, _ = e.lc.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("gofn"), Payload: []byte(`{"do":"env","env":"AWS_ACCESS_KEY_ID"}`)})
	if !strings.Contains(string(inv.Payload), `"ASIA`) {
		t.Errorf("role credentials: %s", inv.Payload)
	}

	// Handler error, verbatim.
	inv, _ = e.lc.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("gofn"), Payload: []byte(`{"do":"error"}`)})
	if inv.FunctionError == nil || *inv.FunctionError != "Unhandled" || string(inv.Payload) != `{"errorMessage":"boom","errorType":"errorString"}` {
		t.Errorf("function error: %v %s", inv.FunctionError, inv.Payload)
	}

	// Crash.
	inv, _ = e.lc.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("gofn"), Payload: []byte(`{"do":"exit"}`)})
	if inv.FunctionError == nil || !strings.Contains(string(inv.Payload), `{"errorType":"Runtime.ExitError","errorMessage":"RequestId: `) || !strings.HasSuffix(string(inv.Payload), ` Error: Runtime exited with error: exit status 3"}`) {
		t.Errorf("crash: %s", inv.Payload)
	}

	// Timeout after update-function-configuration.
	up, err := e.lc.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{FunctionName: aws.String("gofn"), Timeout: aws.Int32(1)})
	if err != nil || *up.Timeout != 1 || up.LastUpdateStatus != types.LastUpdateStatusInProgress || up.Environment == nil {
		t.Fatalf("update: %v %+v", err, up)
	}
	inv, _ = e.lc.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("gofn"), Payload: []byte(`{"do":"sleep","sleep":3000}`)})
	if inv.FunctionError == nil || !strings.Contains(string(inv.Payload), `{"errorType":"Sandbox.Timedout","errorMessage":"RequestId: `) || !strings.Contains(string(inv.Payload), " Error: Task timed out after 1.0") {
		t.Errorf("timeout: %s", inv.Payload)
	}

	// Event and DryRun.
	ev, err := e.lc.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("gofn"), InvocationType: types.InvocationTypeEvent, Payload: []byte(`{}`)})
	if err != nil || ev.StatusCode != 202 {
		t.Errorf("event: %v %+v", err, ev)
	}
	dr, err := e.lc.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("gofn"), InvocationType: types.InvocationTypeDryRun})
	if err != nil || dr.StatusCode != 204 {
		t.Errorf("dry run: %v %+v", err, dr)
	}

	// Read APIs.
	gf, err := e.lc.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("gofn")})
	if err != nil || gf.Configuration.State != types.StateActive || *gf.Code.RepositoryType != "S3" {
		t.Fatalf("get: %v", err)
	}
	if resp, err := httpGet(*gf.Code.Location); err != nil || !bytes.Equal(resp, zipBytes) {
		t.Errorf("code location: %v (%d bytes)", err, len(resp))
	}
	lf, err := e.lc.ListFunctions(ctx, &lambda.ListFunctionsInput{})
	if err != nil || len(lf.Functions) != 1 || *lf.Functions[0].FunctionName != "gofn" || lf.Functions[0].State != "" {
		t.Errorf("list: %v %+v", err, lf)
	}
	lf, err = e.lc.ListFunctions(ctx, &lambda.ListFunctionsInput{FunctionVersion: types.FunctionVersionAll})
	if err != nil || len(lf.Functions) != 1 || *lf.Functions[0].FunctionArn != "arn:aws:lambda:us-east-1:000000000000:function:gofn:$LATEST" {
		t.Errorf("list ALL: %v %+v", err, lf)
	}
	gq, err := e.lc.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String("gofn"), Qualifier: aws.String("$LATEST")})
	if err != nil || *gq.FunctionArn != "arn:aws:lambda:us-east-1:000000000000:function:gofn:$LATEST" {
		t.Errorf("get $LATEST: %v", err)
	}
	_, err = e.lc.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("gofn"), Qualifier: aws.String("7")})
	if code, msg := apiErr(t, err); code != "ResourceNotFoundException" || msg != "Function not found: arn:aws:lambda:us-east-1:000000000000:function:gofn:7" {
		t.Errorf("get version 7: %s %s", code, msg)
	}

	// Delete.
	if _, err := e.lc.DeleteFunction(ctx, &lambda.DeleteFunctionInput{FunctionName: aws.String("gofn")}); err != nil {
		t.Fatal(err)
	}
	_, err = e.lc.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("gofn")})
	if code, msg := apiErr(t, err); code != "ResourceNotFoundException" || msg != "Function not found: arn:aws:lambda:us-east-1:000000000000:function:gofn" {
		t.Errorf("after delete: %s %s", code, msg)
	}
}

// nodeZip zips a directory under testdata.
func nodeZip(t testing.TB, name string) []byte {
	t.Helper()
	dir, _ := filepath.Abs(filepath.Join("testdata", name))
	z, err := zipDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	return z
}

func TestControlPlaneErrors(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	zipBytes := nodeZip(t, "hello")
	create := func(name, rt string, mut func(*lambda.CreateFunctionInput)) error {
		in := &lambda.CreateFunctionInput{FunctionName: aws.String(name), Role: aws.String(e.role), Runtime: types.Runtime(rt),
			Handler: aws.String("index.handler"), Code: &types.FunctionCode{ZipFile: zipBytes}}
		if mut != nil {
			mut(in)
		}
		_, err := e.lc.CreateFunction(ctx, in)
		return err
	}
	if err := create("ok", "nodejs16.x", nil); err != nil {
		t.Fatalf("nodejs16.x refused: %v", err)
	}
	tests := []struct {
		name     string
		err      error
		code     string
		contains string
	}{
		{"duplicate", create("ok", "nodejs20.x", nil), "ResourceConflictException", "Function already exist: ok"},
		{"dotnet", create("d", "dotnet8", nil), "InvalidParameterValueException", "The runtime parameter of dotnet8 is not supported by gatehouse"},
		{"unknown runtime", create("d", "cobol", nil), "InvalidParameterValueException", "Value cobol at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: ["},
		{"reserved env", create("d", "nodejs20.x", func(in *lambda.CreateFunctionInput) {
			in.Environment = &types.Environment{Variables: map[string]string{"AWS_REGION": "x", "AWS_ACCESS_KEY_ID": "y"}}
		}), "InvalidParameterValueException", "Reserved keys used in this request: AWS_REGION, AWS_ACCESS_KEY_ID"},
		{"bad role", create("d", "nodejs20.x", func(in *lambda.CreateFunctionInput) { in.Role = aws.String("r1") }), "ValidationException",
			"1 validation error detected: Value 'r1' at 'role' failed to satisfy constraint: Member must satisfy regular expression pattern"},
		{"unassumable role", create("d", "nodejs20.x", func(in *lambda.CreateFunctionInput) {
			in.Role = aws.String("arn:aws:iam::000000000000:role/missing")
		}), "InvalidParameterValueException", "The role defined for the function cannot be assumed by Lambda."},
		{"cross-account role", create("d", "nodejs20.x", func(in *lambda.CreateFunctionInput) {
			in.Role = aws.String("arn:aws:iam::111122223333:role/theirs")
		}), "InvalidParameterValueException", "Cross-account pass role is not allowed."},
		{"timeout", create("d", "nodejs20.x", func(in *lambda.CreateFunctionInput) { in.Timeout = aws.Int32(3000) }), "ValidationException",
			"Value '3000' at 'timeout' failed to satisfy constraint: Member must have value less than or equal to 900"},
		{"not a zip", create("d", "nodejs20.x", func(in *lambda.CreateFunctionInput) { in.Code.ZipFile = []byte("nope") }), "InvalidParameterValueException",
			"Could not unzip uploaded file. Please check your file, then try to upload again."},
		{"long name", create(strings.Repeat("a", 65), "nodejs20.x", nil), "InvalidParameterValueException", "Member must have length less than or equal to 64"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.err == nil {
				t.Fatal("no error")
			}
			code, msg := apiErr(t, tc.err)
			if code != tc.code || !strings.Contains(msg, tc.contains) {
				t.Errorf("got %s %q\nwant %s containing %q", code, msg, tc.code, tc.contains)
			}
		})
	}

	// Updates are validated like creates.
	_, err := e.lc.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{FunctionName: aws.String("ok"),
		Role: aws.String("arn:aws:iam::000000000000:role/missing")})
	if code, msg := apiErr(t, err); code != "InvalidParameterValueException" || msg != "The role defined for the function cannot be assumed by Lambda." {
		t.Errorf("update role: %s %s", code, msg)
	}
	_, err = e.lc.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{FunctionName: aws.String("ok"), RevisionId: aws.String("stale")})
	if code, _ := apiErr(t, err); code != "PreconditionFailedException" {
		t.Errorf("stale revision: %s", code)
	}
	_, err = e.lc.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{FunctionName: aws.String("ok"), Runtime: types.RuntimeJava21})
	if code, _ := apiErr(t, err); code != "InvalidParameterValueException" {
		t.Errorf("update runtime java21: %s", code)
	}

	// Permissions: add, conflict, get (strings), remove.
	ap, err := e.lc.AddPermission(ctx, &lambda.AddPermissionInput{FunctionName: aws.String("ok"), StatementId: aws.String("apigw"),
		Action: aws.String("lambda:InvokeFunction"), Principal: aws.String("apigateway.amazonaws.com"),
		SourceArn: aws.String("arn:aws:execute-api:us-east-1:000000000000:abc/*/GET/"), SourceAccount: aws.String("000000000000")})
	if err != nil {
		t.Fatal(err)
	}
	wantSt := `{"Sid":"apigw","Effect":"Allow","Principal":{"Service":"apigateway.amazonaws.com"},"Action":"lambda:InvokeFunction","Resource":"arn:aws:lambda:us-east-1:000000000000:function:ok","Condition":{"StringEquals":{"AWS:SourceAccount":"000000000000"},"ArnLike":{"AWS:SourceArn":"arn:aws:execute-api:us-east-1:000000000000:abc/*/GET/"}}}`
	if *ap.Statement != wantSt {
		t.Errorf("statement:\n%s\nwant\n%s", *ap.Statement, wantSt)
	}
	_, err = e.lc.AddPermission(ctx, &lambda.AddPermissionInput{FunctionName: aws.String("ok"), StatementId: aws.String("apigw"),
		Action: aws.String("lambda:InvokeFunction"), Principal: aws.String("123456789012")})
	if code, msg := apiErr(t, err); code != "ResourceConflictException" || msg != "The statement id (apigw) provided already exists. Please provide a new statement id, or remove the existing statement." {
		t.Errorf("dup sid: %s %s", code, msg)
	}
	gp, err := e.lc.GetPolicy(ctx, &lambda.GetPolicyInput{FunctionName: aws.String("ok")})
	if err != nil || *gp.Policy != `{"Version":"2012-10-17","Id":"default","Statement":[`+wantSt+`]}` {
		t.Errorf("get policy: %v %v", err, gp)
	}
	gf, _ := e.lc.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String("ok")})
	if *gf.RevisionId != *gp.RevisionId {
		t.Errorf("policy revision %s != function revision %s", *gp.RevisionId, *gf.RevisionId)
	}
	if _, err := e.lc.RemovePermission(ctx, &lambda.RemovePermissionInput{FunctionName: aws.String("ok"), StatementId: aws.String("apigw")}); err != nil {
		t.Fatal(err)
	}
	_, err = e.lc.GetPolicy(ctx, &lambda.GetPolicyInput{FunctionName: aws.String("ok")})
	if code, msg := apiErr(t, err); code != "ResourceNotFoundException" || msg != "The resource you requested does not exist." {
		t.Errorf("get policy after remove: %s %s", code, msg)
	}
	_, err = e.lc.RemovePermission(ctx, &lambda.RemovePermissionInput{FunctionName: aws.String("ok"), StatementId: aws.String("apigw")})
	if code, msg := apiErr(t, err); code != "ResourceNotFoundException" || msg != "No policy is associated with the given resource." {
		t.Errorf("remove again: %s %s", code, msg)
	}

	// Invoke authorization: a user without permissions is denied.
	if _, err := e.ic.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("bob")}); err != nil {
		t.Fatal(err)
	}
	k, err := e.ic.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("bob")})
	if err != nil {
		t.Fatal(err)
	}
	bob := lambda.NewFromConfig(awsConfig(e.url, *k.AccessKey.AccessKeyId, *k.AccessKey.SecretAccessKey, ""))
	_, err = bob.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("ok")})
	if code, msg := apiErr(t, err); code != "AccessDeniedException" || msg != "User: arn:aws:iam::000000000000:user/bob is not authorized to perform: lambda:InvokeFunction on resource: arn:aws:lambda:us-east-1:000000000000:function:ok because no identity-based policy allows the lambda:InvokeFunction action" {
		t.Errorf("bob: %s %s", code, msg)
	}
	// A function policy naming bob allows him.
	if _, err := e.lc.AddPermission(ctx, &lambda.AddPermissionInput{FunctionName: aws.String("ok"), StatementId: aws.String("bob"),
		Action: aws.String("lambda:InvokeFunction"), Principal: aws.String("arn:aws:iam::000000000000:user/bob")}); err != nil {
		t.Fatal(err)
	}
	if _, err := bob.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("ok"), InvocationType: types.InvocationTypeDryRun}); err != nil {
		t.Errorf("bob with function policy: %v", err)
	}
	// Reserved concurrency 0 throttles every invocation.
	if _, err := e.lc.PutFunctionConcurrency(ctx, &lambda.PutFunctionConcurrencyInput{FunctionName: aws.String("ok"), ReservedConcurrentExecutions: aws.Int32(0)}); err != nil {
		t.Fatal(err)
	}
	_, err = e.lc.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("ok")})
	var tm *types.TooManyRequestsException
	if !errors.As(err, &tm) || tm.Reason != types.ThrottleReasonReservedFunctionConcurrentInvocationLimitExceeded || *tm.Message != "Rate Exceeded." {
		t.Errorf("throttle: %v", err)
	}
	gc, err := e.lc.GetFunctionConcurrency(ctx, &lambda.GetFunctionConcurrencyInput{FunctionName: aws.String("ok")})
	if err != nil || gc.ReservedConcurrentExecutions == nil || *gc.ReservedConcurrentExecutions != 0 {
		t.Errorf("get concurrency: %v %+v", err, gc)
	}
	if _, err := e.lc.DeleteFunctionConcurrency(ctx, &lambda.DeleteFunctionConcurrencyInput{FunctionName: aws.String("ok")}); err != nil {
		t.Fatal(err)
	}
	_, err = e.lc.PutFunctionConcurrency(ctx, &lambda.PutFunctionConcurrencyInput{FunctionName: aws.String("ok"), ReservedConcurrentExecutions: aws.Int32(950)})
	if code, msg := apiErr(t, err); code != "InvalidParameterValueException" || msg != "Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [100]." {
		t.Errorf("too much reserved: %s %s", code, msg)
	}

	// Invalid payload.
	_, err = e.lc.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("ok"), Payload: []byte(`{nope`)})
	if code, msg := apiErr(t, err); code != "InvalidRequestContentException" || !strings.HasPrefix(msg, "Could not parse request body into json: Could not parse payload into json: ") {
		t.Errorf("bad payload: %s %s", code, msg)
	}
}

func TestNodeHelloWorld(t *testing.T) {
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node not installed")
	}
	e := setup(t)
	ctx := context.Background()
	dir, _ := filepath.Abs("testdata/hello")
	z, err := zipDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.lc.CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String("hello"), Role: aws.String(e.role),
		Runtime: types.RuntimeNodejs16x, Handler: aws.String("index.handler"), Code: &types.FunctionCode{ZipFile: z}}); err != nil {
		t.Fatal(err)
	}
	inv, err := e.lc.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("hello"), LogType: types.LogTypeTail})
	if err != nil || string(inv.Payload) != `{"statusCode":200,"body":"{\"hello\":\"world\"}"}` {
		t.Errorf("hello: %v %s", err, inv.Payload)
	}
	if logs, _ := base64.StdEncoding.DecodeString(*inv.LogResult); !strings.Contains(string(logs), "START RequestId: ") {
		t.Errorf("hello log:\n%s", logs)
	}
	// Python, through the same control plane.
	if _, err := exec.LookPath("python3"); err == nil {
		pdir, _ := filepath.Abs("runtime/testdata/python")
		pz, err := zipDir(pdir)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.lc.CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String("py"), Role: aws.String(e.role),
			Runtime: types.RuntimePython312, Handler: aws.String("app.handler"), Code: &types.FunctionCode{ZipFile: pz}}); err != nil {
			t.Fatal(err)
		}
		inv, err = e.lc.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("py"), Payload: []byte(`{"x":7}`)})
		if err != nil || !strings.HasPrefix(string(inv.Payload), `{"x": 7, "requestId": "`) || !strings.HasSuffix(string(inv.Payload), `", "fn": "py", "region": "us-east-1"}`) {
			t.Errorf("python: %v %s", err, inv.Payload)
		}
	}
	// The local-directory extension runs the same code in place.
	if _, err := e.lc.CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String("hello-dir"), Role: aws.String(e.role),
		Runtime: types.RuntimeNodejs20x, Handler: aws.String("index.handler"),
		Code: &types.FunctionCode{S3Bucket: aws.String("gatehouse-local-dir"), S3Key: aws.String(dir)}}); err != nil {
		t.Fatal(err)
	}
	inv, err = e.lc.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("hello-dir")})
	if err != nil || string(inv.Payload) != `{"statusCode":200,"body":"{\"hello\":\"world\"}"}` {
		t.Errorf("hello-dir: %v %s", err, inv.Payload)
	}
}

func httpGet(u string) ([]byte, error) {
	c := &httpClient
	resp, err := c.Get(u)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return nil, errors.New(resp.Status)
	}
	return io.ReadAll(resp.Body)
}

var _ = time.Second
