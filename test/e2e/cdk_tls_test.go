package e2e_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/gatehousetest"
)

// TestCDKBootstrapTLS: `cdk bootstrap` through gatehouse's TLS listener
// (NODE_EXTRA_CA_CERTS = the local CA): the bootstrap bucket's
// SecureTransport statement lets HTTPS uploads through, and the
// CDKToolkit stack deletes (its own S3 calls go over TLS), leaving the
// Retain bucket as on AWS.
func TestCDKBootstrapTLS(t *testing.T) {
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
	p, tlsURL, ca := startTLS(t)
	dir := t.TempDir()
	must := func(env []string, name string, args ...string) string {
		t.Helper()
		cmd := exec.Command(name, args...)
		cmd.Dir, cmd.Env = dir, env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s %s: %v\n%s\nserver log:\n%s", name, strings.Join(args, " "), err, out, p.Stderr)
		}
		return strings.TrimSpace(string(out))
	}
	rootEnv := append(gatehousetest.ClientEnv(tlsURL, gatehousetest.AccessKeyID, gatehousetest.SecretAccessKey), "AWS_CA_BUNDLE="+ca)
	must(rootEnv, "aws", "iam", "create-user", "--user-name", "cdk-admin")
	must(rootEnv, "aws", "iam", "attach-user-policy", "--user-name", "cdk-admin", "--policy-arn", "arn:aws:iam::aws:policy/AdministratorAccess")
	keys := strings.Fields(must(rootEnv, "aws", "iam", "create-access-key", "--user-name", "cdk-admin",
		"--query", "AccessKey.[AccessKeyId,SecretAccessKey]", "--output", "text"))
	env := append(gatehousetest.ClientEnv(tlsURL, keys[0], keys[1]), "AWS_CA_BUNDLE="+ca, "NODE_EXTRA_CA_CERTS="+ca,
		"CDK_DISABLE_VERSION_CHECK=1", "CDK_CLI_TELEMETRY=false", "CDK_DISABLE_CLI_TELEMETRY=true", "HOME="+dir)
	if out := must(env, cdk, "bootstrap", "--no-color", "aws://"+gatehousetest.AccountID+"/"+gatehousetest.Region); !strings.Contains(out, "bootstrapped") {
		t.Fatalf("cdk bootstrap:\n%s", out)
	}
	bucket := "cdk-hnb659fds-assets-" + gatehousetest.AccountID + "-" + gatehousetest.Region
	os.WriteFile(filepath.Join(dir, "f.txt"), []byte("x"), 0o600)
	must(env, "aws", "s3api", "put-object", "--bucket", bucket, "--key", "f.txt", "--body", "f.txt")
	must(env, "aws", "s3api", "delete-object", "--bucket", bucket, "--key", "f.txt")
	must(env, "aws", "cloudformation", "delete-stack", "--stack-name", "CDKToolkit")
	must(env, "aws", "cloudformation", "wait", "stack-delete-complete", "--stack-name", "CDKToolkit")
	// DeletionPolicy Retain: the bucket stays; the repository is gone.
	must(env, "aws", "s3api", "head-bucket", "--bucket", bucket)
	if out := must(env, "aws", "ecr", "describe-repositories", "--query", "length(repositories)"); out != "0" {
		t.Errorf("repositories after delete: %s", out)
	}
}
