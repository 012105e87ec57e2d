package cfn_test

import (
	"strings"
	"testing"
)

// TestCLIECRRepositoryStack: AWS::ECR::Repository creates the repository
// in gatehouse's ECR (DescribeRepositories sees it with its settings) and
// delete-stack removes it.
func TestCLIECRRepositoryStack(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	out := c.must("cloudformation", "create-stack", "--stack-name", "repo", "--template-body", testdata("ecr_repo.yaml"))
	c.wait(out["StackId"].(string))
	st := c.stack("repo")
	if st["StackStatus"] != "CREATE_COMPLETE" {
		t.Fatalf("status %v\n%s", st["StackStatus"], strings.Join(c.events("repo"), "\n"))
	}
	name := "cdk-hnb659fds-container-assets-000000000000-us-east-1"
	d := c.must("ecr", "describe-repositories", "--repository-names", name)
	r := d["repositories"].([]any)[0].(map[string]any)
	if r["imageTagMutability"] != "IMMUTABLE" || r["imageScanningConfiguration"].(map[string]any)["scanOnPush"] != true ||
		st["Outputs"].([]any)[0].(map[string]any)["OutputValue"] != r["repositoryUri"] {
		t.Errorf("repository %v, outputs %v", r, st["Outputs"])
	}
	c.must("cloudformation", "delete-stack", "--stack-name", "repo")
	c.wait(out["StackId"].(string))
	if _, stderr, err := c.run("ecr", "describe-repositories", "--repository-names", name); err == nil || !strings.Contains(stderr, "RepositoryNotFoundException") {
		t.Errorf("after delete-stack: %v %s", err, stderr)
	}
}
