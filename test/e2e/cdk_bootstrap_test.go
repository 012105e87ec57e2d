package e2e_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/gatehousetest"
)

// TestCDKBootstrap runs the CDK's own `cdk bootstrap` (test/cdk, installed
// by `make deps` from its lockfile) against gatehouse as an IAM admin
// user, with nothing changed but AWS_ENDPOINT_URL: the bootstrap template
// (13 parameters, 12 conditions, resource-level Condition, Fn::If with
// AWS::NoValue, an export) deploys its S3 bucket + policy, ECR repository
// record, IAM roles and SSM parameter; the bucket policy's
// AllowSSLRequestsOnly statement is enforced on plain-HTTP requests.
func TestCDKBootstrap(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: runs the CDK CLI")
	}
	cdk, err := filepath.Abs("../cdk/node_modules/.bin/cdk")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(cdk); err != nil {
		t.Skip("the CDK CLI is not installed: run `make deps` (needs npm)")
	}
	for _, tool := range []string{"node", "aws"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed", tool)
		}
	}
	t.Parallel()
	srv := gatehousetest.Start(t)
	dir := t.TempDir()
	run := func(env []string, name string, args ...string) (string, error) {
		cmd := exec.Command(name, args...)
		cmd.Dir, cmd.Env = dir, env
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	rootEnv := gatehousetest.ClientEnv(srv.URL, gatehousetest.AccessKeyID, gatehousetest.SecretAccessKey)
	must := func(env []string, name string, args ...string) string {
		t.Helper()
		out, err := run(env, name, args...)
		if err != nil {
			t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
		}
		return strings.TrimSpace(out)
	}
	// The CDK assumes its bootstrap roles later on, which AWS refuses to
	// root: bootstrap as an IAM user with AdministratorAccess.
	must(rootEnv, "aws", "iam", "create-user", "--user-name", "cdk-admin")
	must(rootEnv, "aws", "iam", "attach-user-policy", "--user-name", "cdk-admin", "--policy-arn", "arn:aws:iam::aws:policy/AdministratorAccess")
	keys := strings.Fields(must(rootEnv, "aws", "iam", "create-access-key", "--user-name", "cdk-admin",
		"--query", "AccessKey.[AccessKeyId,SecretAccessKey]", "--output", "text"))
	if len(keys) != 2 {
		t.Fatalf("access key: %q", keys)
	}
	env := append(gatehousetest.ClientEnv(srv.URL, keys[0], keys[1]), "CDK_DISABLE_VERSION_CHECK=1", "CDK_CLI_TELEMETRY=false",
		"CDK_DISABLE_CLI_TELEMETRY=true", "HOME="+dir)

	out := must(env, cdk, "bootstrap", "--no-color", "aws://"+gatehousetest.AccountID+"/"+gatehousetest.Region)
	if !strings.Contains(out, "bootstrapped") {
		t.Fatalf("cdk bootstrap:\n%s", out)
	}
	if st := must(env, "aws", "cloudformation", "describe-stacks", "--stack-name", "CDKToolkit", "--query", "Stacks[0].StackStatus", "--output", "text"); st != "CREATE_COMPLETE" {
		t.Fatalf("CDKToolkit is %s", st)
	}
	if v := must(env, "aws", "ssm", "get-parameter", "--name", "/cdk-bootstrap/hnb659fds/version", "--query", "Parameter.Value", "--output", "text"); v == "" {
		t.Fatal("no bootstrap version parameter")
	}
	if ex := must(env, "aws", "cloudformation", "list-exports", "--query", "Exports[].Name", "--output", "text"); ex != "CdkBootstrap-hnb659fds-FileAssetKeyArn" {
		t.Fatalf("exports: %q", ex)
	}
	// The bucket policy denies every request not made over TLS, the
	// administrator's included, as on AWS.
	bucket := "cdk-hnb659fds-assets-" + gatehousetest.AccountID + "-" + gatehousetest.Region
	os.WriteFile(filepath.Join(dir, "f.txt"), []byte("x"), 0o600)
	out, err = run(env, "aws", "s3api", "put-object", "--bucket", bucket, "--key", "f.txt", "--body", "f.txt")
	if err == nil || !strings.Contains(out, "with an explicit deny in a resource-based policy") {
		t.Fatalf("plain-HTTP PutObject into the bootstrap bucket: %v\n%s", err, out)
	}

	// Not deleted here: the stack's own S3 calls are plain HTTP too, so
	// the same statement refuses DeleteBucketPolicy (DELETE_FAILED) until
	// gatehouse serves TLS (doc/cloudformation.md).
}
