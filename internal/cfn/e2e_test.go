package cfn_test

import (
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/gatehousetest"
)

// cli runs the AWS CLI v1 against srv and decodes its JSON output.
type cli struct {
	t   *testing.T
	srv *gatehousetest.Server
	env []string
}

func newCLI(t *testing.T) *cli {
	t.Helper()
	if testing.Short() {
		t.Skip("end-to-end: runs the AWS CLI")
	}
	if _, err := exec.LookPath("aws"); err != nil {
		t.Skip("aws CLI not installed")
	}
	srv := gatehousetest.Start(t)
	return &cli{t: t, srv: srv, env: srv.Env()}
}

func (c *cli) run(args ...string) (map[string]any, string, error) {
	c.t.Helper()
	cmd := exec.Command("aws", append([]string{"--output", "json"}, args...)...)
	cmd.Env = c.env
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var m map[string]any
	if err == nil && len(strings.TrimSpace(string(out))) > 0 {
		if jerr := json.Unmarshal(out, &m); jerr != nil {
			c.t.Fatalf("aws %v: output not JSON: %v\n%s", args, jerr, out)
		}
	}
	return m, stderr.String(), err
}

func (c *cli) must(args ...string) map[string]any {
	c.t.Helper()
	m, stderr, err := c.run(args...)
	if err != nil {
		c.t.Fatalf("aws %v: %v\n%s", args, err, stderr)
	}
	return m
}

// wait blocks until the stack's operation has ended (the service's own
// completion signal, no polling).
func (c *cli) wait(stackID string) {
	c.srv.App.CloudFormation.Wait(stackID[strings.LastIndexByte(stackID, '/')+1:])
}

func (c *cli) stack(name string) map[string]any {
	c.t.Helper()
	m := c.must("cloudformation", "describe-stacks", "--stack-name", name)
	return m["Stacks"].([]any)[0].(map[string]any)
}

// events returns "LogicalId STATUS [reason]" lines, oldest first.
func (c *cli) events(name string) []string {
	c.t.Helper()
	m := c.must("cloudformation", "describe-stack-events", "--stack-name", name)
	var out []string
	evs := m["StackEvents"].([]any)
	for i := len(evs) - 1; i >= 0; i-- {
		e := evs[i].(map[string]any)
		line := e["LogicalResourceId"].(string) + " " + e["ResourceStatus"].(string)
		if r, ok := e["ResourceStatusReason"].(string); ok {
			line += " " + r
		}
		out = append(out, line)
	}
	return out
}

func testdata(name string) string { return "file://" + filepath.Join("testdata", name) }

func TestCLICreateDescribeDelete(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	// IAM resources need a capability.
	_, stderr, err := c.run("cloudformation", "create-stack", "--stack-name", "basic", "--template-body", testdata("basic.yaml"))
	if err == nil || !strings.Contains(stderr, "InsufficientCapabilitiesException") || !strings.Contains(stderr, "Requires capabilities : [CAPABILITY_IAM]") {
		t.Fatalf("create without capabilities: %v %s", err, stderr)
	}
	out := c.must("cloudformation", "create-stack", "--stack-name", "basic", "--template-body", testdata("basic.yaml"),
		"--capabilities", "CAPABILITY_IAM", "--parameters", "ParameterKey=Greeting,ParameterValue=hello")
	id := out["StackId"].(string)
	if !strings.HasPrefix(id, "arn:aws:cloudformation:us-east-1:000000000000:stack/basic/") {
		t.Fatalf("StackId %q", id)
	}
	c.wait(id)
	st := c.stack("basic")
	if st["StackStatus"] != "CREATE_COMPLETE" {
		t.Fatalf("status %v: %v\n%s", st["StackStatus"], st["StackStatusReason"], strings.Join(c.events("basic"), "\n"))
	}
	outputs := map[string]string{}
	for _, o := range st["Outputs"].([]any) {
		m := o.(map[string]any)
		outputs[m["OutputKey"].(string)] = m["OutputValue"].(string)
	}
	if !strings.HasPrefix(outputs["FnArn"], "arn:aws:lambda:us-east-1:000000000000:function:basic-Fn-") {
		t.Errorf("FnArn output %q", outputs["FnArn"])
	}
	for _, p := range st["Parameters"].([]any) {
		m := p.(map[string]any)
		if m["ParameterKey"] == "Secret" && m["ParameterValue"] != "****" {
			t.Errorf("NoEcho parameter shown: %v", m)
		}
	}
	// The resources exist in the services, as the AWS CLI sees them.
	fnName := outputs["FnArn"][strings.LastIndexByte(outputs["FnArn"], ':')+1:]
	fn := c.must("lambda", "get-function-configuration", "--function-name", fnName)
	env := fn["Environment"].(map[string]any)["Variables"].(map[string]any)
	if env["GREETING"] != "hello world" || env["STACK"] != "basic" || fn["MemorySize"].(float64) != 256 {
		t.Errorf("function configuration: %v", fn)
	}
	ex := c.must("cloudformation", "list-exports")
	if e := ex["Exports"].([]any); len(e) != 1 || e[0].(map[string]any)["Name"] != "basic-FnArn" {
		t.Errorf("exports: %v", ex)
	}
	res := c.must("cloudformation", "list-stack-resources", "--stack-name", "basic")
	if n := len(res["StackResourceSummaries"].([]any)); n != 4 {
		t.Errorf("%d resources, want 4", n)
	}
	tpl := c.must("cloudformation", "get-template", "--stack-name", "basic")
	if !strings.Contains(tpl["TemplateBody"].(string), "IAM role + Lambda function + RestApi") {
		t.Errorf("get-template: %v", tpl)
	}

	// Delete: the Retain role stays, everything else goes.
	c.must("cloudformation", "delete-stack", "--stack-name", "basic")
	c.wait(id)
	st = c.stack(id)
	if st["StackStatus"] != "DELETE_COMPLETE" {
		t.Fatalf("after delete: %v %v", st["StackStatus"], st["StackStatusReason"])
	}
	evs := strings.Join(c.events(id), "\n")
	if !strings.Contains(evs, "Retained DELETE_SKIPPED") || !strings.Contains(evs, "Fn DELETE_COMPLETE") {
		t.Errorf("delete events:\n%s", evs)
	}
	if _, _, err := c.run("iam", "get-role", "--role-name", outputs["RetainedRole"]); err != nil {
		t.Errorf("retained role is gone: %v", err)
	}
	if _, stderr, err := c.run("lambda", "get-function", "--function-name", fnName); err == nil || !strings.Contains(stderr, "ResourceNotFoundException") {
		t.Errorf("function still there after delete: %v %s", err, stderr)
	}
	if _, stderr, err := c.run("cloudformation", "describe-stacks", "--stack-name", "basic"); err == nil || !strings.Contains(stderr, "Stack with id basic does not exist") {
		t.Errorf("describe deleted stack by name: %v %s", err, stderr)
	}
}

func TestCLIFailedCreateRollsBack(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	out := c.must("cloudformation", "create-stack", "--stack-name", "failing", "--template-body", testdata("failing.yaml"), "--capabilities", "CAPABILITY_IAM")
	id := out["StackId"].(string)
	c.wait(id)
	st := c.stack(id)
	if st["StackStatus"] != "ROLLBACK_COMPLETE" {
		t.Fatalf("status %v", st["StackStatus"])
	}
	evs := c.events(id)
	want := []string{
		"failing CREATE_IN_PROGRESS User Initiated",
		"GoodRole CREATE_IN_PROGRESS",
		"GoodRole CREATE_IN_PROGRESS Resource creation Initiated",
		"GoodRole CREATE_COMPLETE",
		"BadFn CREATE_IN_PROGRESS",
		"BadFn CREATE_FAILED Resource handler returned message:",
		"failing ROLLBACK_IN_PROGRESS The following resource(s) failed to create: [BadFn]. Rollback requested by user.",
		"BadFn DELETE_IN_PROGRESS",
		"BadFn DELETE_COMPLETE",
		"GoodRole DELETE_IN_PROGRESS",
		"GoodRole DELETE_COMPLETE",
		"failing ROLLBACK_COMPLETE",
	}
	if len(evs) != len(want) {
		t.Fatalf("events:\n%s", strings.Join(evs, "\n"))
	}
	for i, w := range want {
		if !strings.HasPrefix(evs[i], w) {
			t.Errorf("event %d = %q, want prefix %q", i, evs[i], w)
		}
	}
}

// TestCLIDeleteMissingChangeSet: as on AWS, deleting a change set that
// does not exist succeeds when the stack exists (the CDK does this before
// every deploy) and is a ValidationError when the stack does not.
func TestCLIDeleteMissingChangeSet(t *testing.T) {
	c := newCLI(t)
	t.Parallel()
	c.must("cloudformation", "create-change-set", "--stack-name", "cs", "--change-set-name", "first",
		"--change-set-type", "CREATE", "--template-body", testdata("role_only.yaml"), "--capabilities", "CAPABILITY_IAM")
	c.must("cloudformation", "delete-change-set", "--stack-name", "cs", "--change-set-name", "cdk-deploy-change-set")
	if _, stderr, err := c.run("cloudformation", "delete-change-set", "--stack-name", "nostack", "--change-set-name", "x"); err == nil ||
		!strings.Contains(stderr, "ValidationError") || !strings.Contains(stderr, "Stack with id nostack does not exist") {
		t.Fatalf("missing stack: %v %s", err, stderr)
	}
	if _, stderr, err := c.run("cloudformation", "describe-change-set", "--stack-name", "cs", "--change-set-name", "cdk-deploy-change-set"); err == nil ||
		!strings.Contains(stderr, "ChangeSetNotFound") {
		t.Fatalf("describe of a missing change set: %v %s", err, stderr)
	}
}

// TestCLISSMParameterType: an AWS::SSM::Parameter::Value<String>
// parameter resolves to the Parameter Store value (the CDK's bootstrap
// version check); a missing one is AWS's ValidationError.
func TestCLISSMParameterType(t *testing.T) {
	c := newCLI(t)
	t.Parallel()
	if _, stderr, err := c.run("cloudformation", "create-stack", "--stack-name", "ssm", "--template-body", testdata("ssm_param.yaml")); err == nil ||
		!strings.Contains(stderr, "Unable to fetch parameters [/cdk-bootstrap/hnb659fds/version] from parameter store for this account.") {
		t.Fatalf("missing parameter: %v %s", err, stderr)
	}
	c.must("ssm", "put-parameter", "--name", "/cdk-bootstrap/hnb659fds/version", "--type", "String", "--value", "34")
	id := c.must("cloudformation", "create-stack", "--stack-name", "ssm", "--template-body", testdata("ssm_param.yaml"))["StackId"].(string)
	c.wait(id)
	st := c.stack("ssm")
	if st["StackStatus"] != "CREATE_COMPLETE" {
		t.Fatalf("stack: %v", st)
	}
	par := st["Parameters"].([]any)[0].(map[string]any)
	if par["ParameterValue"] != "/cdk-bootstrap/hnb659fds/version" || par["ResolvedValue"] != "34" {
		t.Fatalf("parameter: %v", par)
	}
	if out := st["Outputs"].([]any); !strings.Contains(fmt.Sprint(out), "OutputValue:34") {
		t.Fatalf("outputs: %v", out)
	}
}
