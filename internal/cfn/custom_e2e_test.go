package cfn_test

import (
	"strings"
	"testing"
)

// TestCLICustomResource: a Custom:: resource backed by a Node function
// that PUTs its answer to the ResponseURL: GetAtt returns its Data (as
// strings), Ref its PhysicalResourceId; Delete is answered too; a FAILED
// answer fails the resource with AWS's reason and rolls the stack back.
func TestCLICustomResource(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	out := c.must("cloudformation", "create-stack", "--stack-name", "cr", "--capabilities", "CAPABILITY_IAM",
		"--template-body", testdata("custom.yaml"))
	c.wait(out["StackId"].(string))
	st := c.stack("cr")
	if st["StackStatus"] != "CREATE_COMPLETE" {
		t.Fatalf("status %v\n%s", st["StackStatus"], strings.Join(c.events("cr"), "\n"))
	}
	outs := map[string]string{}
	for _, o := range st["Outputs"].([]any) {
		m := o.(map[string]any)
		outs[m["OutputKey"].(string)] = m["OutputValue"].(string)
	}
	if outs["Value"] != "hello" || outs["Count"] != "3" || outs["Type"] != "Custom::Echo" || outs["Ref"] != "echo-hello" {
		t.Errorf("outputs %v", outs)
	}
	c.must("cloudformation", "delete-stack", "--stack-name", "cr")
	c.wait(out["StackId"].(string))
	if st := c.stack(out["StackId"].(string)); st["StackStatus"] != "DELETE_COMPLETE" {
		t.Errorf("delete: %v\n%s", st["StackStatus"], strings.Join(c.events(out["StackId"].(string)), "\n"))
	}

	out = c.must("cloudformation", "create-stack", "--stack-name", "crfail", "--capabilities", "CAPABILITY_IAM",
		"--template-body", testdata("custom.yaml"), "--parameters", "ParameterKey=Fail,ParameterValue=yes")
	c.wait(out["StackId"].(string))
	st = c.stack("crfail")
	ev := strings.Join(c.events("crfail"), "\n")
	if st["StackStatus"] != "ROLLBACK_COMPLETE" ||
		!strings.Contains(ev, "Received response status [FAILED] from custom resource. Message returned: asked to fail") {
		t.Errorf("failed create: %v\n%s", st["StackStatus"], ev)
	}
}
