package lambda_test

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestAWSCLI drives the control plane with the AWS CLI, as the tutorials
// do.
func TestAWSCLI(t *testing.T) {
	if testing.Short() {
		t.Skip("long: about 20 AWS CLI runs")
	}
	if _, err := exec.LookPath("aws"); err != nil {
		t.Skip("aws CLI not installed")
	}
	e := setup(t)
	dir := t.TempDir()
	zipPath := filepath.Join(dir, "fn.zip")
	if err := os.WriteFile(zipPath, goFunctionZip(t), 0o600); err != nil {
		t.Fatal(err)
	}
	helloDir, _ := filepath.Abs("testdata/hello")
	hz, err := zipDir(helloDir)
	if err != nil {
		t.Fatal(err)
	}
	helloZip := filepath.Join(dir, "hello.zip")
	os.WriteFile(helloZip, hz, 0o600)

	run := func(args ...string) (map[string]any, string, error) {
		t.Helper()
		cmd := exec.Command("aws", append(append([]string{}, args...), "--endpoint-url", e.url, "--output", "json")...)
		cmd.Env = e.cliEnv
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		var m map[string]any
		_ = json.Unmarshal(out, &m)
		return m, string(out), err
	}
	must := func(args ...string) map[string]any {
		t.Helper()
		m, out, err := run(args...)
		if err != nil {
			t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return m
	}

	m := must("lambda", "create-function", "--function-name", "clifn", "--runtime", "provided.al2023", "--handler", "bootstrap",
		"--role", e.role, "--zip-file", "fileb://fn.zip", "--environment", "Variables={AA=1}")
	if m["State"] != "Pending" || m["FunctionArn"] != "arn:aws:lambda:us-east-1:000000000000:function:clifn" {
		t.Errorf("create-function: %v", m)
	}
	m = must("lambda", "invoke", "--function-name", "clifn", "--log-type", "Tail",
		"--payload", `{"do":"env","env":"AA"}`, "out.json")
	logs, _ := base64.StdEncoding.DecodeString(m["LogResult"].(string))
	payload, _ := os.ReadFile(filepath.Join(dir, "out.json"))
	if m["StatusCode"] != float64(200) || string(payload) != `{"value":"1"}` || !strings.Contains(string(logs), "START RequestId: ") || !strings.Contains(string(logs), "REPORT RequestId: ") {
		t.Errorf("invoke: %v %s\n%s", m, payload, logs)
	}
	m = must("lambda", "update-function-configuration", "--function-name", "clifn", "--timeout", "10", "--memory-size", "256",
		"--environment", "Variables={BB=2}")
	if m["Timeout"] != float64(10) || m["MemorySize"] != float64(256) || m["Environment"].(map[string]any)["Variables"].(map[string]any)["BB"] != "2" {
		t.Errorf("update-function-configuration: %v", m)
	}
	// The environment map is replaced: AA is gone.
	must("lambda", "invoke", "--function-name", "clifn", "--payload", `{"do":"env","env":"AA"}`, "out.json")
	if payload, _ := os.ReadFile(filepath.Join(dir, "out.json")); string(payload) != `{"value":""}` {
		t.Errorf("after update: %s", payload)
	}
	// Replace the code with the Node hello-world.
	m = must("lambda", "update-function-code", "--function-name", "clifn", "--zip-file", "fileb://hello.zip")
	if m["CodeSize"] != float64(len(hz)) {
		t.Errorf("update-function-code: %v", m)
	}
	must("lambda", "update-function-configuration", "--function-name", "clifn", "--runtime", "nodejs16.x", "--handler", "index.handler")
	must("lambda", "invoke", "--function-name", "clifn", "out.json")
	if payload, _ := os.ReadFile(filepath.Join(dir, "out.json")); string(payload) != `{"statusCode":200,"body":"{\"hello\":\"world\"}"}` {
		t.Errorf("after code update: %s", payload)
	}
	m = must("lambda", "get-function", "--function-name", "clifn")
	if m["Configuration"].(map[string]any)["Runtime"] != "nodejs16.x" {
		t.Errorf("get-function: %v", m)
	}
	m = must("lambda", "list-functions")
	if fns := m["Functions"].([]any); len(fns) != 1 {
		t.Errorf("list-functions: %v", m)
	}
	m = must("lambda", "add-permission", "--function-name", "clifn", "--statement-id", "apigateway-test",
		"--action", "lambda:InvokeFunction", "--principal", "apigateway.amazonaws.com",
		"--source-arn", "arn:aws:execute-api:us-east-1:000000000000:abc123/*/GET/hello")
	if st, _ := m["Statement"].(string); !strings.HasPrefix(st, `{"Sid":"apigateway-test","Effect":"Allow"`) {
		t.Errorf("add-permission: %v", m)
	}
	m = must("lambda", "get-policy", "--function-name", "clifn")
	if p, _ := m["Policy"].(string); !strings.HasPrefix(p, `{"Version":"2012-10-17","Id":"default","Statement":[{"Sid":"apigateway-test"`) {
		t.Errorf("get-policy: %v", m)
	}
	must("lambda", "remove-permission", "--function-name", "clifn", "--statement-id", "apigateway-test")

	// Errors as the CLI prints them.
	_, out, err := run("lambda", "get-function", "--function-name", "nothere")
	if err == nil || !strings.Contains(out, "An error occurred (ResourceNotFoundException) when calling the GetFunction operation: Function not found: arn:aws:lambda:us-east-1:000000000000:function:nothere") {
		t.Errorf("get-function nothere: %s", out)
	}
	_, out, err = run("lambda", "create-function", "--function-name", "dotnet", "--runtime", "dotnet8", "--handler", "A::B.C::D",
		"--role", e.role, "--zip-file", "fileb://fn.zip")
	if err == nil || !strings.Contains(out, "An error occurred (InvalidParameterValueException) when calling the CreateFunction operation: The runtime parameter of dotnet8 is not supported by gatehouse") {
		t.Errorf("dotnet8: %s", out)
	}
	must("lambda", "delete-function", "--function-name", "clifn")
}
