package e2e_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/gatehousetest"
)

// cdkEnv is a gatehouse (binary, TLS listener) with an IAM admin user and
// the environment the CDK CLI runs with against it: nothing but
// AWS_ENDPOINT_URL (the TLS listener: the bootstrap bucket's policy
// refuses requests without TLS) and the CA to trust.
type cdkEnv struct {
	t        *testing.T
	p        *gatehousetest.Process
	cdk, dir string
	env      []string
	keys     []string // the admin user's access key id and secret
}

// startCDK skips where the CDK, node or the aws CLI are missing, else
// starts gatehouse and bootstraps the account.
func startCDK(t *testing.T) *cdkEnv {
	t.Helper()
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
	c := &cdkEnv{t: t, p: p, cdk: cdk, dir: t.TempDir()}
	rootEnv := append(gatehousetest.ClientEnv(tlsURL, gatehousetest.AccessKeyID, gatehousetest.SecretAccessKey), "AWS_CA_BUNDLE="+ca)
	// cdk deploy assumes the bootstrap roles, which AWS refuses to root.
	c.must(rootEnv, "", "aws", "iam", "create-user", "--user-name", "cdk-admin")
	c.must(rootEnv, "", "aws", "iam", "attach-user-policy", "--user-name", "cdk-admin", "--policy-arn", "arn:aws:iam::aws:policy/AdministratorAccess")
	keys := strings.Fields(c.must(rootEnv, "", "aws", "iam", "create-access-key", "--user-name", "cdk-admin",
		"--query", "AccessKey.[AccessKeyId,SecretAccessKey]", "--output", "text"))
	if len(keys) != 2 {
		t.Fatalf("access key: %q", keys)
	}
	c.keys = keys
	c.env = append(gatehousetest.ClientEnv(tlsURL, keys[0], keys[1]), "AWS_CA_BUNDLE="+ca, "NODE_EXTRA_CA_CERTS="+ca,
		"CDK_DISABLE_VERSION_CHECK=1", "CDK_CLI_TELEMETRY=false", "CDK_DISABLE_CLI_TELEMETRY=true", "HOME="+c.dir,
		"npm_config_update_notifier=false")
	if out := c.timed("cdk bootstrap", "", cdk, "bootstrap", "--no-color", "aws://"+gatehousetest.AccountID+"/"+gatehousetest.Region); !strings.Contains(out, "bootstrapped") {
		t.Fatalf("cdk bootstrap:\n%s", out)
	}
	return c
}

func (c *cdkEnv) run(env []string, dir, name string, args ...string) (string, error) {
	cmd := exec.Command(name, args...)
	cmd.Dir, cmd.Env = dir, env
	if dir == "" {
		cmd.Dir = c.dir
	}
	out, err := cmd.CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

func (c *cdkEnv) must(env []string, dir, name string, args ...string) string {
	c.t.Helper()
	out, err := c.run(env, dir, name, args...)
	if err != nil {
		c.t.Fatalf("%s %s: %v\n%s\ngatehouse:\n%s", name, strings.Join(args, " "), err, out, c.p.Stderr)
	}
	return out
}

// timed runs a command with the CDK environment and logs its wall time.
func (c *cdkEnv) timed(what, dir, name string, args ...string) string {
	c.t.Helper()
	start := time.Now()
	out := c.must(c.env, dir, name, args...)
	c.t.Logf("%s: %.1f s", what, time.Since(start).Seconds())
	return out
}

// aws runs the AWS CLI as the CDK's user.
func (c *cdkEnv) aws(args ...string) string {
	c.t.Helper()
	return c.must(c.env, "", "aws", args...)
}

// physical is a stack resource's physical id.
func (c *cdkEnv) physical(stack, logical string) string {
	c.t.Helper()
	return c.aws("cloudformation", "describe-stack-resource", "--stack-name", stack, "--logical-resource-id", logical,
		"--query", "StackResourceDetail.PhysicalResourceId", "--output", "text")
}

// invoke runs `aws lambda invoke` and returns the payload and the output.
func (c *cdkEnv) invoke(fn string) (payload, meta string) {
	c.t.Helper()
	out := filepath.Join(c.dir, "out.json")
	meta = c.aws("lambda", "invoke", "--function-name", fn, "--cli-read-timeout", "90", out)
	b, err := os.ReadFile(out)
	if err != nil {
		c.t.Fatal(err)
	}
	return string(b), meta
}

// destroy runs cdk destroy and checks that no stack is left.
func (c *cdkEnv) destroy(app, out, stack string) {
	c.t.Helper()
	// The assembly cdk deploy synthesized: no second synth.
	c.timed("cdk destroy", app, c.cdk, "destroy", "--no-color", "--force", "--app", out, stack)
	if out, err := c.run(c.env, "", "aws", "cloudformation", "describe-stacks", "--stack-name", stack); err == nil ||
		!strings.Contains(out, "does not exist") {
		c.t.Errorf("after cdk destroy, describe-stacks %s: %v\n%s", stack, err, out)
	}
}

// TestCDK drives the CDK CLI against one gatehouse (the binary, TLS
// listener: AWS_ENDPOINT_URL https, AWS_CA_BUNDLE the local CA), as an IAM
// admin user, in the order a team would: `cdk bootstrap` (startCDK), then
// `cdk deploy` and `cdk destroy` of the tutorials' apps, `gatehouse deploy`
// of a cloud assembly, and finally deleting the bootstrap stack. One
// server and one bootstrap for all of it: each bootstrap is seconds of
// node and CloudFormation, and the steps share nothing else.
func TestCDK(t *testing.T) {
	t.Parallel()
	c := startCDK(t)
	t.Run("bootstrap", func(t *testing.T) { c.withT(t).checkBootstrap() })
	// The two apps deploy side by side (different stacks, as two teams
	// would); gatehouse deploy reuses seed 002's cloud assembly.
	t.Run("apps", func(t *testing.T) {
		t.Run("seed002", func(t *testing.T) {
			t.Parallel()
			seed002 := filepath.Join(c.dir, "seed002.out")
			t.Run("cdk", func(t *testing.T) { c.withT(t).deploySeed002(seed002) })
			t.Run("gatehouse-deploy", func(t *testing.T) { c.withT(t).gatehouseDeploy(seed002) })
		})
		t.Run("seed001", func(t *testing.T) {
			t.Parallel()
			c.withT(t).deploySeed001()
		})
	})
	// Last: deleting the stack works, since CloudFormation's own calls
	// (DeleteBucketPolicy among them, which the bucket's policy would
	// refuse over plain HTTP) go over TLS.
	t.Run("delete-bootstrap", func(t *testing.T) {
		c := c.withT(t)
		c.aws("cloudformation", "delete-stack", "--stack-name", "CDKToolkit")
		c.aws("cloudformation", "wait", "stack-delete-complete", "--stack-name", "CDKToolkit")
	})
}

// withT is c for a subtest, with a directory of its own (files such as
// invoke's output must not be shared by the subtests that run in
// parallel).
func (c *cdkEnv) withT(t *testing.T) *cdkEnv {
	d := *c
	d.t, d.dir = t, t.TempDir()
	return &d
}

// needSandbox skips a step whose functions run, where they cannot.
func (c *cdkEnv) needSandbox() {
	if strings.Contains(c.p.Stdout.String(), "Lambda functions will NOT run") {
		if os.Getenv("GATEHOUSE_REQUIRE_SANDBOX") != "" || os.Getenv("CI") != "" {
			c.t.Fatalf("the Lambda sandbox is required here:\n%s", c.p.Stdout)
		}
		c.t.Skip("no Lambda sandbox on this host: the apps' functions cannot run")
	}
}

// checkBootstrap: the bootstrap template (13 parameters, 12 conditions,
// resource-level Condition, Fn::If with AWS::NoValue, an export) deployed
// its S3 bucket + policy, ECR repository record, IAM roles and SSM
// parameter; the bucket policy's AllowSSLRequestsOnly statement (deny
// aws:SecureTransport=false) refuses a plain-HTTP upload, the
// administrator's included, as on AWS, and takes an HTTPS one.
func (c *cdkEnv) checkBootstrap() {
	t := c.t
	if st := c.aws("cloudformation", "describe-stacks", "--stack-name", "CDKToolkit", "--query", "Stacks[0].StackStatus", "--output", "text"); st != "CREATE_COMPLETE" {
		t.Fatalf("CDKToolkit is %s", st)
	}
	if v := c.aws("ssm", "get-parameter", "--name", "/cdk-bootstrap/hnb659fds/version", "--query", "Parameter.Value", "--output", "text"); v == "" {
		t.Fatal("no bootstrap version parameter")
	}
	if ex := c.aws("cloudformation", "list-exports", "--query", "Exports[].Name", "--output", "text"); ex != "CdkBootstrap-hnb659fds-FileAssetKeyArn" {
		t.Fatalf("exports: %q", ex)
	}
	os.WriteFile(filepath.Join(c.dir, "f.txt"), []byte("x"), 0o600)
	httpEnv := gatehousetest.ClientEnv(c.p.URL, c.keys[0], c.keys[1])
	if out, err := c.run(httpEnv, "", "aws", "s3api", "put-object", "--bucket", bootstrapBucket, "--key", "f.txt", "--body", "f.txt"); err == nil ||
		!strings.Contains(out, "with an explicit deny in a resource-based policy") {
		t.Errorf("HTTP PutObject into the bootstrap bucket: %v\n%s", err, out)
	}
	c.aws("s3api", "put-object", "--bucket", bootstrapBucket, "--key", "f.txt", "--body", "f.txt")
	c.aws("s3api", "delete-object", "--bucket", bootstrapBucket, "--key", "f.txt")
}

const bootstrapBucket = "cdk-hnb659fds-assets-" + gatehousetest.AccountID + "-" + gatehousetest.Region

// deploySeed002 deploys seed 002's CDK app (test/cdk/seed002, the
// tutorial's code) with `cdk deploy`: NodejsFunction bundled by esbuild,
// RestApi with a resource policy, AWS_IAM default method options and a
// LambdaIntegration, and a requestor function that fetches the api.url
// CloudFormation gave it, unsigned and then SigV4-signed. Its answer is
// the tutorial's, byte for byte. cdk destroy leaves no stack. The cloud
// assembly stays in out.
func (c *cdkEnv) deploySeed002(out string) {
	t := c.t
	c.needSandbox()
	app, _ := filepath.Abs("../cdk/seed002")
	const stack = "IamApigatewayLambdaStack"
	c.timed("cdk deploy", app, c.cdk, "deploy", "--no-color", "--require-approval", "never", "--output", out, stack)

	// The URL CloudFormation gave the requestor is the stack's output.
	url := c.aws("cloudformation", "describe-stacks", "--stack-name", stack,
		"--query", "Stacks[0].Outputs[?starts_with(OutputKey,'iambackedapiEndpoint')].OutputValue", "--output", "text")
	if !strings.HasPrefix(url, "https://") || !strings.Contains(url, ".execute-api.us-east-1.localhost:") || !strings.HasSuffix(url, "/prod/") {
		t.Errorf("api.url output: %q", url)
	}
	fn := c.physical(stack, "requestorFn15B8813B")
	env := c.aws("lambda", "get-function-configuration", "--function-name", fn, "--query", "Environment.Variables.IAM_API", "--output", "text")
	if env != url {
		t.Errorf("requestor's IAM_API %q, output %q", env, url)
	}
	payload, meta := c.invoke(fn)
	if want := `{"without":{"message":"Missing Authentication Token"},"with":{"hello":"world"}}`; payload != want {
		t.Errorf("requestor answered %s (%s)\nwant %s", payload, meta, want)
	}
	c.destroy(app, out, stack)
}

// petstore is the sample PetStore's GET /petstore/pets answer, which
// seed 001's HttpIntegration proxies.
const petstore = `[{"id":1,"type":"dog","price":249.99},{"id":2,"type":"cat","price":124.99},{"id":3,"type":"fish","price":0.99}]`

// deploySeed001 deploys seed 001's CDK app (test/cdk/seed001, the
// tutorial's code) with `cdk deploy`: a RestApi whose GET /pets is an
// AWS_IAM HttpIntegration (pointed at a local petstore), and AllowedFn,
// bundled by esbuild with the tutorial's options, whose role may invoke
// GET /pets: it signs its axios request with @aws-sdk/signature-v4 and
// returns the pets. DeniedFn, the same code without that permission, gets
// API Gateway's denial. Both functions' logRetention is a
// Custom::LogRetention resource: the CDK's provider function (with the
// runtime's @aws-sdk/client-cloudwatch-logs, which `gatehouse runtimes
// install` puts there) calls CreateLogGroup and PutRetentionPolicy and
// answers CloudFormation with https.request on port 443. cdk destroy
// leaves no stack.
func (c *cdkEnv) deploySeed001() {
	t := c.t
	c.needSandbox()
	if os.Geteuid() != 0 {
		t.Skip("gatehouse serves port 443 inside function sandboxes (where the LogRetention provider answers) only when it runs as root")
	}
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || r.URL.Path != "/petstore/pets" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(petstore))
	}))
	defer backend.Close()
	app, _ := filepath.Abs("../cdk/seed001")
	const stack = "PetsApiStack"
	start := time.Now()
	if out, err := exec.Command(gatehousetest.Binary(t), "runtimes", "install", "--data-dir", c.p.DataDir, "node",
		"@aws-sdk/client-cloudwatch-logs@3.1178.0").CombinedOutput(); err != nil {
		t.Fatalf("gatehouse runtimes install: %v\n%s", err, out)
	}
	t.Logf("gatehouse runtimes install node @aws-sdk/client-cloudwatch-logs: %.1f s", time.Since(start).Seconds())
	c.env = append(c.env[:len(c.env):len(c.env)], "PETSTORE_URL="+backend.URL+"/petstore/pets")
	out := filepath.Join(c.dir, "seed001.out")
	c.timed("cdk deploy", app, c.cdk, "deploy", "--no-color", "--require-approval", "never", "--output", out, stack)

	payload, meta := c.invoke("AllowedFn")
	if payload != petstore {
		t.Errorf("AllowedFn answered %s (%s)\nwant %s", payload, meta, petstore)
	}
	payload, meta = c.invoke("DeniedFn")
	if !strings.Contains(meta, `"FunctionError": "Unhandled"`) || !strings.Contains(payload, "Request failed with status code 403") {
		t.Errorf("DeniedFn answered %s (%s), want axios's 403 error", payload, meta)
	}
	// The function logged the response API Gateway gave it: AWS's denial.
	logged := c.aws("logs", "filter-log-events", "--log-group-name", "/aws/lambda/DeniedFn", "--filter-pattern", "execute-api:Invoke",
		"--query", "events[].message", "--output", "text")
	if !strings.Contains(logged, "is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:") ||
		!strings.Contains(logged, "/prod/GET/pets") {
		t.Errorf("DeniedFn's log does not show the denial:\n%s", logged)
	}
	// The provider set each function's group to one day, and its own.
	groups := c.aws("logs", "describe-log-groups", "--log-group-name-prefix", "/aws/lambda/", "--query",
		"logGroups[].[logGroupName,retentionInDays]", "--output", "text")
	for _, g := range []string{"/aws/lambda/AllowedFn\t1", "/aws/lambda/DeniedFn\t1", "/aws/lambda/PetsApiStack-LogRetention"} {
		if !strings.Contains(groups, g) {
			t.Errorf("log groups after deploy: want %q in\n%s", g, groups)
		}
	}
	c.destroy(app, out, stack)
}

// gatehouseDeploy: `gatehouse deploy` of the cloud assembly `cdk deploy`
// synthesized for seed 002 (the same files `cdk synth` writes) on the
// plain listener as root — no bootstrap needed, no S3: the functions'
// assets go inline, no bucket is made — and the requestor
// answers as after cdk deploy; `gatehouse delete` removes the stack.
func (c *cdkEnv) gatehouseDeploy(out string) {
	t := c.t
	c.needSandbox()
	if _, err := os.Stat(filepath.Join(out, "manifest.json")); err != nil {
		t.Skipf("no cloud assembly from the seed002 step: %v", err)
	}
	root := gatehousetest.ClientEnv(c.p.URL, gatehousetest.AccessKeyID, gatehousetest.SecretAccessKey)
	bin := gatehousetest.Binary(t)
	start := time.Now()
	deployed := c.must(root, "", bin, "deploy", out)
	t.Logf("gatehouse deploy: %.1f s", time.Since(start).Seconds())
	if !strings.Contains(deployed, "Stack IamApigatewayLambdaStack: CREATE_COMPLETE") {
		t.Fatalf("gatehouse deploy:\n%s", deployed)
	}
	if b := c.aws("s3api", "list-buckets", "--query", "Buckets[].Name", "--output", "text"); b != bootstrapBucket {
		t.Errorf("buckets after gatehouse deploy: %q", b)
	}
	payload, meta := c.invoke(c.physical("IamApigatewayLambdaStack", "requestorFn15B8813B"))
	if want := `{"without":{"message":"Missing Authentication Token"},"with":{"hello":"world"}}`; payload != want {
		t.Errorf("requestor answered %s (%s)\nwant %s", payload, meta, want)
	}
	c.must(root, "", bin, "delete", "IamApigatewayLambdaStack")
	if out, err := c.run(root, "", "aws", "cloudformation", "describe-stacks", "--stack-name", "IamApigatewayLambdaStack"); err == nil ||
		!strings.Contains(out, "does not exist") {
		t.Errorf("after gatehouse delete: %v\n%s", err, out)
	}
}
