package e2e_test

import (
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/gatehouse-dev/gatehouse/internal/gatehousetest"
)

// TestServerlessSeed004 runs seed 004's service (test/serverless/seed004:
// the tutorial's serverless.yml, only the serverless-localstack plugin
// block added, since Framework v3 ignores AWS_ENDPOINT_URL) with the real
// Serverless Framework v3 against gatehouse's TLS listener: `serverless
// deploy` (deployment bucket whose policy denies aws:SecureTransport
// false, change sets CREATE then UPDATE, function, version, API with
// AWS_IAM), then a user holding the tutorial's `.../*/user/*` policy gets
// 200 on GET /user/{id} and one without gets the denial, then `serverless
// remove` (ECR DescribeRepositories, emptying the bucket, DeleteStack).
func TestServerlessSeed004(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("end-to-end: runs the Serverless Framework")
	}
	sls, err := filepath.Abs("../serverless/node_modules/.bin/serverless")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(sls); err != nil {
		t.Skip("the Serverless Framework is not installed: run `make deps` (needs npm)")
	}
	for _, tool := range []string{"node", "aws"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed", tool)
		}
	}
	p, tlsURL, ca := startTLS(t)
	// The service directory, copied: the Framework writes .serverless/.
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS("../serverless/seed004")); err != nil {
		t.Fatal(err)
	}
	os.RemoveAll(filepath.Join(dir, ".serverless"))
	home := t.TempDir()
	run := func(env []string, name string, args ...string) (string, error) {
		cmd := exec.Command(name, args...)
		cmd.Dir, cmd.Env = dir, env
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	must := func(env []string, name string, args ...string) string {
		t.Helper()
		out, err := run(env, name, args...)
		if err != nil {
			t.Fatalf("%s %s: %v\n%s\nserver log:\n%s", name, strings.Join(args, " "), err, out, p.Stderr)
		}
		return strings.TrimSpace(out)
	}
	rootEnv := append(gatehousetest.ClientEnv(tlsURL, gatehousetest.AccessKeyID, gatehousetest.SecretAccessKey), "AWS_CA_BUNDLE="+ca)
	newUser := func(name, policy string) []string {
		must(rootEnv, "aws", "iam", "create-user", "--user-name", name)
		if policy != "" {
			must(rootEnv, "aws", "iam", "put-user-policy", "--user-name", name, "--policy-name", "p", "--policy-document", policy)
		}
		k := strings.Fields(must(rootEnv, "aws", "iam", "create-access-key", "--user-name", name,
			"--query", "AccessKey.[AccessKeyId,SecretAccessKey]", "--output", "text"))
		return k
	}
	deployer := newUser("deployer", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`)
	slsEnv := append(gatehousetest.ClientEnv(tlsURL, deployer[0], deployer[1]), "NODE_EXTRA_CA_CERTS="+ca, "HOME="+home,
		"SLS_TELEMETRY_DISABLED=1", "SLS_NOTIFICATIONS_MODE=off", "SLS_DEPRECATION_DISABLE=*", "CI=1")

	start := time.Now()
	out := must(slsEnv, sls, "deploy", "--stage", "dev")
	t.Logf("serverless deploy: %v\n%s", time.Since(start).Round(time.Millisecond), out)
	st := must(rootEnv, "aws", "cloudformation", "describe-stacks", "--stack-name", "users-dev", "--query", "Stacks[0].StackStatus", "--output", "text")
	if st != "UPDATE_COMPLETE" {
		t.Fatalf("users-dev is %s", st)
	}
	api := must(rootEnv, "aws", "cloudformation", "describe-stack-resource", "--stack-name", "users-dev", "--logical-resource-id", "ApiGatewayRestApi",
		"--query", "StackResourceDetail.PhysicalResourceId", "--output", "text")

	// The tutorial's policy, as a user's: GET on any API's /user/* in
	// the dev stage.
	allowed := newUser("caller", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["execute-api:Invoke","execute-api:GET"],
		"Resource":["arn:aws:execute-api:us-east-1:`+gatehousetest.AccountID+`:*/dev/*/user/*"]}]}`)
	denied := newUser("stranger", "")
	url := p.URL + "/restapis/" + api + "/dev/_user_request_/user/42"
	call := func(keys []string) (int, string) {
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		if keys != nil {
			err := v4.NewSigner().SignHTTP(context.Background(), awsCreds(keys), req, emptySHA256, "execute-api", gatehousetest.Region, time.Now())
			if err != nil {
				t.Fatal(err)
			}
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := call(allowed); code != 200 || !strings.Contains(body, "42") {
		t.Errorf("with the tutorial's policy: %d %s", code, body)
	}
	if code, body := call(denied); code != 403 || !strings.Contains(body, "is not authorized to perform: execute-api:Invoke") {
		t.Errorf("without it: %d %s", code, body)
	}
	if code, body := call(nil); code != 403 || !strings.Contains(body, "Missing Authentication Token") {
		t.Errorf("unsigned: %d %s", code, body)
	}

	start = time.Now()
	out = must(slsEnv, sls, "remove", "--stage", "dev")
	t.Logf("serverless remove: %v\n%s", time.Since(start).Round(time.Millisecond), out)
	if out, err := run(rootEnv, "aws", "cloudformation", "describe-stacks", "--stack-name", "users-dev"); err == nil || !strings.Contains(out, "does not exist") {
		t.Errorf("stack after remove: %v\n%s", err, out)
	}
	if b := must(rootEnv, "aws", "s3api", "list-buckets", "--query", "Buckets[].Name", "--output", "text"); regexp.MustCompile(`users-dev`).MatchString(b) {
		t.Errorf("buckets after remove: %s", b)
	}
}

const emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

func awsCreds(keys []string) aws.Credentials {
	return aws.Credentials{AccessKeyID: keys[0], SecretAccessKey: keys[1]}
}
