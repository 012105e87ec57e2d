package cfn_test

import (
	"strings"
	"testing"
)

// TestCLIInstanceProfile: AWS::IAM::InstanceProfile is created with its
// role (Ref the name, Fn::GetAtt Arn), a change of Roles updates it in
// place, and deleting the stack removes role and profile.
func TestCLIInstanceProfile(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	id := c.must("cloudformation", "create-stack", "--stack-name", "ip", "--template-body", testdata("instance_profile.yaml"),
		"--capabilities", "CAPABILITY_NAMED_IAM")["StackId"].(string)
	c.wait(id)
	st := c.stack("ip")
	if st["StackStatus"] != "CREATE_COMPLETE" {
		t.Fatalf("status %v %v\n%s", st["StackStatus"], st["StackStatusReason"], strings.Join(c.events("ip"), "\n"))
	}
	out := outputsOf(st)
	if !strings.HasPrefix(out["Profile"], "ip-Profile-") || out["ProfileArn"] != "arn:aws:iam::000000000000:instance-profile/app/"+out["Profile"] ||
		out["NamedArn"] != "arn:aws:iam::000000000000:instance-profile/named-profile" {
		t.Fatalf("outputs %v", out)
	}
	roleOf := func(name string) string {
		t.Helper()
		ip := c.must("iam", "get-instance-profile", "--instance-profile-name", name)["InstanceProfile"].(map[string]any)
		roles := ip["Roles"].([]any)
		if len(roles) != 1 {
			t.Fatalf("%s roles %v", name, roles)
		}
		return roles[0].(map[string]any)["RoleName"].(string)
	}
	if r := roleOf(out["Profile"]); r != out["RoleA"] {
		t.Fatalf("profile role %s, want %s", r, out["RoleA"])
	}

	// Another role: updated in place (same name and ARN).
	c.must("cloudformation", "update-stack", "--stack-name", "ip", "--use-previous-template", "--capabilities", "CAPABILITY_NAMED_IAM",
		"--parameters", "ParameterKey=Which,ParameterValue=B")
	c.wait(id)
	st = c.stack("ip")
	if st["StackStatus"] != "UPDATE_COMPLETE" {
		t.Fatalf("update %v %v\n%s", st["StackStatus"], st["StackStatusReason"], strings.Join(c.events("ip"), "\n"))
	}
	if after := outputsOf(st); after["ProfileArn"] != out["ProfileArn"] {
		t.Fatalf("profile replaced: %v", after)
	}
	if r := roleOf(out["Profile"]); r != out["RoleB"] {
		t.Fatalf("profile role after update %s, want %s", r, out["RoleB"])
	}

	c.must("cloudformation", "delete-stack", "--stack-name", "ip")
	c.wait(id)
	if st := c.stack(id); st["StackStatus"] != "DELETE_COMPLETE" {
		t.Fatalf("delete %v %v\n%s", st["StackStatus"], st["StackStatusReason"], strings.Join(c.events(id), "\n"))
	}
	for _, name := range []string{out["Profile"], "named-profile"} {
		if _, stderr, err := c.run("iam", "get-instance-profile", "--instance-profile-name", name); err == nil || !strings.Contains(stderr, "NoSuchEntity") {
			t.Errorf("profile %s after delete: %v %s", name, err, stderr)
		}
	}
}
