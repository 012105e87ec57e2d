package cfn_test

import (
	"regexp"
	"strings"
	"testing"
)

// TestCLIAPIGatewayAccount deploys AWS::ApiGateway::Account with the
// AWS CLI: API Gateway's GetAccount names the stack's role, Ref is AWS's
// stack-unique id form, and deleting the stack leaves the setting.
func TestCLIAPIGatewayAccount(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	out := c.must("cloudformation", "create-stack", "--stack-name", "MyStack", "--capabilities", "CAPABILITY_IAM",
		"--template-body", testdata("apigw_account.yaml"))
	c.wait(out["StackId"].(string))
	st := c.stack("MyStack")
	if st["StackStatus"] != "CREATE_COMPLETE" {
		t.Fatalf("status %v\n%s", st["StackStatus"], strings.Join(c.events("MyStack"), "\n"))
	}
	outs := map[string]string{}
	for _, o := range st["Outputs"].([]any) {
		m := o.(map[string]any)
		outs[m["OutputKey"].(string)] = m["OutputValue"].(string)
	}
	if !regexp.MustCompile(`^mysta-accou-[a-z0-9]{12}$`).MatchString(outs["AccountRef"]) {
		t.Errorf("Ref of the account: %q", outs["AccountRef"])
	}
	if a := c.must("apigateway", "get-account"); a["cloudwatchRoleArn"] != outs["RoleArn"] {
		t.Errorf("get-account %v, want role %s", a, outs["RoleArn"])
	}
	c.must("cloudformation", "delete-stack", "--stack-name", "MyStack")
	c.wait(out["StackId"].(string))
	if a := c.must("apigateway", "get-account"); a["cloudwatchRoleArn"] != outs["RoleArn"] {
		t.Errorf("get-account after delete-stack %v: the setting stays, as on AWS", a)
	}
}
