package cfn_test

import (
	"encoding/json"
	"io"
	"net/http"
	"os/exec"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/gatehousetest"
)

func outputsOf(st map[string]any) map[string]string {
	out := map[string]string{}
	for _, o := range st["Outputs"].([]any) {
		m := o.(map[string]any)
		out[m["OutputKey"].(string)] = m["OutputValue"].(string)
	}
	return out
}

// TestCLIUpdateReplacesAndUpdatesInPlace: a changed Path replaces the
// role (new physical id, old one deleted in cleanup); the function that
// refers to it, and whose environment changed, is updated in place.
func TestCLIUpdateReplacesAndUpdatesInPlace(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	id := c.must("cloudformation", "create-stack", "--stack-name", "upd", "--template-body", testdata("update.yaml"),
		"--capabilities", "CAPABILITY_IAM")["StackId"].(string)
	c.wait(id)
	before := outputsOf(c.stack("upd"))
	c.must("cloudformation", "update-stack", "--stack-name", "upd", "--use-previous-template", "--capabilities", "CAPABILITY_IAM",
		"--parameters", "ParameterKey=RolePath,ParameterValue=/svc/", "ParameterKey=Greeting,ParameterValue=bonjour")
	c.wait(id)
	st := c.stack("upd")
	if st["StackStatus"] != "UPDATE_COMPLETE" {
		t.Fatalf("status %v %v\n%s", st["StackStatus"], st["StackStatusReason"], strings.Join(c.events("upd"), "\n"))
	}
	after := outputsOf(st)
	if after["Fn"] != before["Fn"] {
		t.Errorf("function replaced: %s -> %s", before["Fn"], after["Fn"])
	}
	if after["Role"] == before["Role"] {
		t.Errorf("role not replaced")
	}
	evs := strings.Join(c.events("upd"), "\n")
	for _, want := range []string{
		"upd UPDATE_IN_PROGRESS User Initiated",
		"FnRole UPDATE_IN_PROGRESS Requested update requires the creation of a new physical resource; hence creating one.",
		"Fn UPDATE_COMPLETE",
		"upd UPDATE_COMPLETE_CLEANUP_IN_PROGRESS",
		"FnRole DELETE_COMPLETE",
		"upd UPDATE_COMPLETE",
	} {
		if !strings.Contains(evs, want) {
			t.Errorf("no event %q in\n%s", want, evs)
		}
	}
	fn := c.must("lambda", "get-function-configuration", "--function-name", after["Fn"])
	if !strings.HasSuffix(fn["Role"].(string), "role/svc/"+after["Role"]) || fn["Environment"].(map[string]any)["Variables"].(map[string]any)["GREETING"] != "bonjour" {
		t.Errorf("function after update: %v", fn)
	}
	if _, _, err := c.run("iam", "get-role", "--role-name", before["Role"]); err == nil {
		t.Errorf("replaced role %s still exists", before["Role"])
	}
	// Nothing to change: AWS's ValidationError.
	if _, stderr, err := c.run("cloudformation", "update-stack", "--stack-name", "upd", "--use-previous-template", "--capabilities", "CAPABILITY_IAM",
		"--parameters", "ParameterKey=RolePath,UsePreviousValue=true", "ParameterKey=Greeting,UsePreviousValue=true"); err == nil || !strings.Contains(stderr, "No updates are to be performed.") {
		t.Errorf("no-op update: %v %s", err, stderr)
	}
}

// TestCLIDeploySAMChangeSets runs `aws cloudformation deploy` (change
// sets: CREATE, then UPDATE) on a SAM template, and calls the API.
func TestCLIDeploySAMChangeSets(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node not installed")
	}
	if _, err := c.srv.App.LambdaIsolation(); err != nil {
		t.Skipf("skipped: %v", err)
	}
	deploy := func(greeting string) {
		t.Helper()
		cmd := exec.Command("aws", "cloudformation", "deploy", "--template-file", "testdata/sam_inline.yaml", "--stack-name", "samcs",
			"--capabilities", "CAPABILITY_IAM", "--parameter-overrides", "Greeting="+greeting)
		cmd.Env = c.env
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("aws cloudformation deploy: %v\n%s\n%s", err, out, strings.Join(c.events("samcs"), "\n"))
		}
	}
	get := func(api string) string {
		t.Helper()
		resp, err := http.Get(c.srv.URL + "/restapis/" + api + "/Prod/_user_request_/hello")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	deploy("hello")
	api := outputsOf(c.stack("samcs"))["ApiId"]
	if got := get(api); got != `{"greeting":"hello"}` {
		t.Errorf("after create: %s", got)
	}
	deploy("salut")
	st := c.stack("samcs")
	if st["StackStatus"] != "UPDATE_COMPLETE" {
		t.Fatalf("status %v", st["StackStatus"])
	}
	if got := get(api); got != `{"greeting":"salut"}` {
		t.Errorf("after update: %s", got)
	}
	tpl := c.must("cloudformation", "get-template", "--stack-name", "samcs", "--template-stage", "Processed")
	if b := tpl["TemplateBody"]; !strings.Contains(toJSON(b), "ServerlessRestApiProdStage") {
		t.Errorf("processed template lacks the expansion: %v", b)
	}
	if cs := c.must("cloudformation", "list-change-sets", "--stack-name", "samcs"); len(cs["Summaries"].([]any)) != 0 {
		t.Errorf("change sets left after execution: %v", cs)
	}
}

// TestCLIAuthorization: cloudformation:* calls are authorized like every
// other call, and the stack's changes are made with the caller's
// permissions (or its RoleARN's).
func TestCLIAuthorization(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	c.must("iam", "create-user", "--user-name", "dev")
	c.must("iam", "put-user-policy", "--user-name", "dev", "--policy-name", "cfn", "--policy-document",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["cloudformation:*"],"Resource":"*"},
		 {"Effect":"Allow","Action":"iam:PassRole","Resource":"arn:aws:iam::000000000000:role/cfn-exec"}]}`)
	c.must("iam", "create-user", "--user-name", "nobody")
	key := c.must("iam", "create-access-key", "--user-name", "dev")["AccessKey"].(map[string]any)
	nkey := c.must("iam", "create-access-key", "--user-name", "nobody")["AccessKey"].(map[string]any)
	c.must("iam", "create-role", "--role-name", "cfn-exec", "--assume-role-policy-document",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"cloudformation.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)
	c.must("iam", "put-role-policy", "--role-name", "cfn-exec", "--policy-name", "iam", "--policy-document",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*"}]}`)

	nobody := &cli{t: t, srv: c.srv, env: gatehousetest.ClientEnv(c.srv.URL, nkey["AccessKeyId"].(string), nkey["SecretAccessKey"].(string))}
	if _, stderr, err := nobody.run("cloudformation", "list-stacks"); err == nil ||
		!strings.Contains(stderr, "User: arn:aws:iam::000000000000:user/nobody is not authorized to perform: cloudformation:ListStacks") {
		t.Errorf("list-stacks without permission: %v %s", err, stderr)
	}

	dev := &cli{t: t, srv: c.srv, env: gatehousetest.ClientEnv(c.srv.URL, key["AccessKeyId"].(string), key["SecretAccessKey"].(string))}
	// As the caller: dev may not create roles, so the stack fails.
	id := dev.must("cloudformation", "create-stack", "--stack-name", "asme", "--template-body", testdata("failing.yaml"), "--capabilities", "CAPABILITY_IAM")["StackId"].(string)
	dev.wait(id)
	evs := strings.Join(dev.events(id), "\n")
	if !strings.Contains(evs, "GoodRole CREATE_FAILED") || !strings.Contains(evs, "user/dev is not authorized to perform: iam:CreateRole") {
		t.Errorf("stack as the caller:\n%s", evs)
	}
	// With RoleARN: the role's permissions decide.
	id = dev.must("cloudformation", "create-stack", "--stack-name", "asrole", "--template-body", testdata("role_only.yaml"),
		"--capabilities", "CAPABILITY_IAM", "--role-arn", "arn:aws:iam::000000000000:role/cfn-exec")["StackId"].(string)
	dev.wait(id)
	if st := dev.stack(id); st["StackStatus"] != "CREATE_COMPLETE" || st["RoleARN"] != "arn:aws:iam::000000000000:role/cfn-exec" {
		t.Errorf("stack with RoleARN: %v %v\n%s", st["StackStatus"], st["RoleARN"], strings.Join(dev.events(id), "\n"))
	}
	// Passing a role dev may not pass is denied.
	if _, stderr, err := dev.run("cloudformation", "create-stack", "--stack-name", "other", "--template-body", testdata("role_only.yaml"),
		"--capabilities", "CAPABILITY_IAM", "--role-arn", "arn:aws:iam::000000000000:role/other"); err == nil || !strings.Contains(stderr, "iam:PassRole") {
		t.Errorf("PassRole: %v %s", err, stderr)
	}
}

func toJSON(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}
