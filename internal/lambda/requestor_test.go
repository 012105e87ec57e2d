package lambda_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"golang.org/x/sys/unix"

	"github.com/gatehouse-dev/gatehouse/internal/gatehousetest"
)

const requestorAPI = `{"openapi": "3.0.1", "info": {"title": "iam-backed-api", "version": "1"},
 "paths": {"/": {"get": {"security": [{"sigv4": []}], "x-amazon-apigateway-integration": {"type": "aws_proxy", "httpMethod": "POST", "uri": "URI"}}}},
 "components": {"securitySchemes": {"sigv4": {"type": "apiKey", "name": "Authorization", "in": "header", "x-amazon-apigateway-authtype": "awsSigv4"}}}}`

// TestRequestorTutorial runs the CDK cross-account tutorial (seed 002):
// a Node function bundled with its node_modules signs a call to an
// AWS_IAM API with @aws-sdk/signature-v4 using its role's environment
// credentials, and is invoked with `aws lambda invoke`.
func TestRequestorTutorial(t *testing.T) {
	if testing.Short() {
		t.Skip("long: zips node_modules")
	}
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node not installed")
	}
	dir, _ := filepath.Abs("../../examples/lambda-requestor")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@aws-sdk", "signature-v4")); err != nil {
		t.Skip("examples/lambda-requestor/node_modules is missing: run `npm ci --prefix examples/lambda-requestor`")
	}
	runRequestor(t, setup(t), dir)
}

// TestBinary runs the tutorials' scenarios against the real gatehouse
// binary, and checks that stopping it stops the function processes.
func TestBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("long: builds and runs the gatehouse binary")
	}
	e, p := setupBinary(t)
	dir, _ := filepath.Abs("../../examples/lambda-requestor")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@aws-sdk", "signature-v4")); err == nil {
		runRequestor(t, e, dir)
	} else {
		t.Log("examples/lambda-requestor/node_modules is missing: requestor scenario skipped (run `npm ci --prefix examples/lambda-requestor`)")
	}
	runProxy(t, e)
	ctx := context.Background()
	marker := "GATEHOUSE_TEST_MARKER_" + strconv.FormatInt(time.Now().UnixNano(), 36)
	if _, err := e.lc.CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String("gofn"), Role: aws.String(e.role),
		Runtime: types.RuntimeProvidedal2023, Handler: aws.String("bootstrap"), Code: &types.FunctionCode{ZipFile: goFunctionZip(t)},
		Environment: &types.Environment{Variables: map[string]string{"MARKER": marker}}}); err != nil {
		t.Fatal(err)
	}
	inv, err := e.lc.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("gofn")})
	if err != nil || inv.FunctionError != nil {
		t.Fatalf("invoke: %v %s", err, inv.Payload)
	}
	var got struct{ Pid int }
	if err := json.Unmarshal(inv.Payload, &got); err != nil || got.Pid == 0 {
		t.Fatalf("payload %s", inv.Payload)
	}
	// In its sandbox the function has its own pids: find its processes on
	// the host by a marker in their environment.
	pids := markedProcesses(marker)
	if len(pids) == 0 {
		t.Fatalf("no process of the function found on the host")
	}
	// A pidfd becomes readable when its process exits: the kernel tells
	// the test, no polling of /proc.
	var fds []int
	for _, pid := range pids {
		fd, err := unix.PidfdOpen(pid, 0)
		if err != nil {
			continue // already gone
		}
		defer unix.Close(fd)
		fds = append(fds, fd)
	}
	if err := p.Stop(); err != nil {
		t.Fatalf("stop: %v\n%s", err, p.Stderr)
	}
	deadline := time.Now().Add(5 * time.Second)
	for _, fd := range fds {
		pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		for {
			n, err := unix.Poll(pfd, int(max(time.Until(deadline), 0)/time.Millisecond))
			if err == unix.EINTR {
				continue
			}
			if err != nil {
				t.Fatalf("poll pidfd: %v", err)
			}
			if n == 0 {
				t.Fatalf("function processes %v survived the server's shutdown", markedProcesses(marker))
			}
			break
		}
	}
	// Nothing new of the function's started meanwhile either.
	if left := markedProcesses(marker); len(left) > 0 {
		t.Fatalf("function processes %v survived the server's shutdown", left)
	}
}

// markedProcesses lists the live (not zombie) processes whose environment
// contains marker.
func markedProcesses(marker string) []int {
	ents, _ := os.ReadDir("/proc")
	var out []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		env, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pid))
		if err != nil || !bytes.Contains(env, []byte(marker)) {
			continue
		}
		if st, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid)); err == nil && strings.Contains(string(st), ") Z ") {
			continue
		}
		out = append(out, pid)
	}
	return out
}

func runRequestor(t *testing.T, e *env, dir string) {
	t.Helper()
	ctx := context.Background()
	z, err := zipDir(dir)
	if err != nil {
		t.Fatal(err)
	}

	// The API: GET / (AWS_IAM) → the hello-world function (its own small
	// bundle, as NodejsFunction would build it).
	apiDir := t.TempDir()
	src, err := os.ReadFile(filepath.Join(dir, "api-lambda.mjs"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(apiDir, "api-lambda.mjs"), src, 0o644)
	apiZip, err := zipDir(apiDir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.lc.CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String("iamApiFn"), Role: aws.String(e.role),
		Runtime: types.RuntimeNodejs16x, Handler: aws.String("api-lambda.handler"), Code: &types.FunctionCode{ZipFile: apiZip}}); err != nil {
		t.Fatal(err)
	}
	apig := apigateway.NewFromConfig(awsConfig(e.url, gatehousetest.AccessKeyID, gatehousetest.SecretAccessKey, ""))
	api, err := apig.ImportRestApi(ctx, &apigateway.ImportRestApiInput{Body: []byte(strings.ReplaceAll(requestorAPI, "URI", uri("arn:aws:lambda:us-east-1:000000000000:function:iamApiFn")))})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := apig.CreateDeployment(ctx, &apigateway.CreateDeploymentInput{RestApiId: api.Id, StageName: aws.String("prod")}); err != nil {
		t.Fatal(err)
	}
	// LambdaIntegration's permission for GET /.
	if _, err := e.lc.AddPermission(ctx, &lambda.AddPermissionInput{FunctionName: aws.String("iamApiFn"), StatementId: aws.String("apigw-get"),
		Action: aws.String("lambda:InvokeFunction"), Principal: aws.String("apigateway.amazonaws.com"),
		SourceArn: aws.String("arn:aws:execute-api:us-east-1:000000000000:" + *api.Id + "/prod/GET/")}); err != nil {
		t.Fatal(err)
	}

	// The requestor's role may execute-api:Invoke the API (api.arnForExecuteApi()).
	role, err := e.ic.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("requestorFnRole"), AssumeRolePolicyDocument: aws.String(trustLambda)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.ic.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("requestorFnRole"), PolicyName: aws.String("invoke"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:us-east-1:000000000000:` + *api.Id + `/*/*/*"}]}`)}); err != nil {
		t.Fatal(err)
	}
	apiURL := e.url + "/restapis/" + *api.Id + "/prod/_user_request_/"
	if _, err := e.lc.CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String("requestorFn"), Role: role.Role.Arn,
		Runtime: types.RuntimeNodejs16x, Handler: aws.String("requestor.handler"), Code: &types.FunctionCode{ZipFile: z},
		Environment: &types.Environment{Variables: map[string]string{"IAM_API": apiURL}}}); err != nil {
		t.Fatal(err)
	}

	const want = `{"without":{"message":"Missing Authentication Token"},"with":{"hello":"world"}}`
	if _, err := exec.LookPath("aws"); err == nil {
		out := filepath.Join(t.TempDir(), "out.json")
		cmd := exec.Command("aws", "lambda", "invoke", "--endpoint-url", e.url, "--function-name", "requestorFn", out)
		cmd.Env = e.cliEnv
		meta, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("aws lambda invoke: %v\n%s", err, meta)
		}
		got, _ := os.ReadFile(out)
		if string(got) != want || !strings.Contains(string(meta), `"StatusCode": 200`) || !strings.Contains(string(meta), `"ExecutedVersion": "$LATEST"`) {
			t.Errorf("aws lambda invoke: %s\n%s\nwant %s", got, meta, want)
		}
	} else {
		t.Log("aws CLI not installed: invoking with aws-sdk-go-v2")
	}
	inv, err := e.lc.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("requestorFn")})
	if err != nil || string(inv.Payload) != want {
		t.Errorf("invoke: %v %s\nwant %s", err, inv.Payload, want)
	}
}
