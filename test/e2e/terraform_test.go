package e2e_test

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
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
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/gatehouse-dev/gatehouse/internal/gatehousetest"
	"github.com/gatehouse-dev/gatehouse/internal/sts/samltest"
	"github.com/gatehouse-dev/gatehouse/pkg/sigv4client"
)

// tfMirror is the local provider mirror the Terraform tests install from.
const tfMirror = "/opt/tf-plugins"

// terraformDir prepares a Terraform working directory holding
// testdata/<name>/*.tf, and returns a runner of terraform commands
// against srv (provider from the local mirror).
func terraformDir(t *testing.T, srv *gatehousetest.Server, name string) (string, func(args ...string) (string, error)) {
	t.Helper()
	if _, err := exec.LookPath("terraform"); err != nil {
		t.Skip("terraform not installed")
	}
	if _, err := os.Stat(filepath.Join(tfMirror, "registry.terraform.io/hashicorp/aws")); err != nil {
		t.Skip("no local hashicorp/aws provider mirror")
	}
	dir := t.TempDir()
	tfs, err := filepath.Glob(filepath.Join("testdata", name, "*.tf"))
	if err != nil || len(tfs) == 0 {
		t.Fatalf("no configuration in testdata/%s: %v", name, err)
	}
	for _, f := range tfs {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, filepath.Base(f)), b, 0o644)
	}
	rc := filepath.Join(dir, "tfrc")
	os.WriteFile(rc, []byte(`provider_installation {
  filesystem_mirror {
    path    = "`+tfMirror+`"
    include = ["registry.terraform.io/hashicorp/*"]
  }
  direct { exclude = ["registry.terraform.io/hashicorp/*"] }
}
`), 0o644)
	env := append(gatehousetest.ClientEnv(srv.URL, gatehousetest.AccessKeyID, gatehousetest.SecretAccessKey),
		"TF_CLI_CONFIG_FILE="+rc, "TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1", "TF_VAR_endpoint="+srv.URL)
	var reattach string
	return dir, func(args ...string) (string, error) {
		if reattach == "" && len(args) > 0 && args[0] != "init" {
			reattach = startProvider(t, dir, env)
		}
		cmd := exec.Command("terraform", args...)
		cmd.Dir, cmd.Env = dir, env
		if reattach != "" {
			cmd.Env = append(env[:len(env):len(env)], "TF_REATTACH_PROVIDERS="+reattach)
		}
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
}

// startProvider starts the AWS provider that init installed in dir once,
// in the provider's debug mode, and returns the TF_REATTACH_PROVIDERS value
// with which every later terraform command uses it instead of starting its
// own. The provider is the same binary: only its start-up and the first
// schema build (~5 s of CPU per command on this 2-core machine) are shared.
// The provider gets the environment terraform would give it.
func startProvider(t *testing.T, dir string, env []string) string {
	t.Helper()
	bins, _ := filepath.Glob(filepath.Join(dir, ".terraform/providers/registry.terraform.io/hashicorp/aws/*/*/terraform-provider-aws_*"))
	if len(bins) != 1 {
		t.Fatalf("the AWS provider installed by terraform init: found %v", bins)
	}
	cmd := exec.Command(bins[0], "-debug")
	cmd.Dir, cmd.Env = dir, env
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if _, v, ok := strings.Cut(sc.Text(), "TF_REATTACH_PROVIDERS='"); ok {
			go func() { _, _ = io.Copy(io.Discard, stdout) }()
			return strings.TrimSuffix(strings.TrimSpace(v), "'")
		}
	}
	t.Fatalf("the AWS provider in debug mode printed no TF_REATTACH_PROVIDERS: %v", sc.Err())
	return ""
}

// pythonZip is a deployment package whose index.handler returns body.
func pythonZip(t *testing.T, body string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.Create("index.py")
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("import os\n\ndef handler(event, context):\n    return " + body + "\n"))
	zw.Close()
	return buf.Bytes()
}

// fnPy is tf-fn's code: called directly it returns its greeting and
// version; behind API Gateway (a proxy event) or its function URL it
// answers with the authorizer's principal or the caller's ARN.
const fnPy = `import json, os
import greet

def handler(event, context):
    out = {"greeting": os.environ["GREETING"] + " " + greet.WHO, "version": context.function_version}
    rc = event.get("requestContext")
    if rc is None:
        return out
    a = rc.get("authorizer") or {}
    out["who"] = a.get("principalId") or (a.get("iam") or {}).get("userArn")
    out["tier"] = a.get("tier")
    return {"statusCode": 200, "body": json.dumps(out)}
`

// authzPy is tf-authz's code, a TOKEN and REQUEST authorizer: "deny..."
// gets a Deny policy, "unauth" is refused with "Unauthorized", anything
// else is allowed on the whole API with a context.
const authzPy = `def handler(event, context):
    if event["type"] == "TOKEN":
        who = event["authorizationToken"].replace("Bearer ", "")
    else:
        who = {k.lower(): v for k, v in (event.get("headers") or {}).items()}.get("x-user", "")
    if who == "unauth":
        raise Exception("Unauthorized")
    api = "/".join(event["methodArn"].split("/")[:2]) + "/*"
    effect = "Deny" if who.startswith("deny") else "Allow"
    return {"principalId": "user-" + who, "context": {"tier": "gold"},
            "policyDocument": {"Version": "2012-10-17", "Statement": [{"Action": "execute-api:Invoke", "Effect": effect, "Resource": api}]}}
`

func zipFiles(t *testing.T, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range files {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(body))
	}
	zw.Close()
	return buf.Bytes()
}

type httpAnswer struct {
	status int
	header http.Header
	body   string
}

func do(t *testing.T, c *http.Client, method, u string, h map[string]string, body string) httpAnswer {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range h {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return httpAnswer{resp.StatusCode, resp.Header, string(b)}
}

// TestTerraform: the Terraform AWS provider (5.100) manages one
// configuration (testdata/terraform) for issues #14 and #15 — IAM (users,
// groups, inline, customer and AWS managed policies, an MFA-conditioned
// policy, an access key, an OIDC provider and IRSA role, an instance
// profile, a SAML provider), Lambda (a function with publish = true, a
// layer, an alias, permissions, the alias's AWS_IAM function URL) and API
// Gateway (TOKEN and REQUEST Lambda authorizers in front of the alias, an
// API key with a usage plan, a model and request validator, a customized
// ACCESS_DENIED response, tags, method settings; and in apigw.tf a second
// REST API with most of the control plane: documentation, a client
// certificate, a custom domain with a base path mapping, a VPC link).
// After apply, real calls: the alias invoked, the function URL signed and
// unsigned, the API through each authorizer with and without its
// identity, with and without the API key (then counted in GetUsage); then
// a plan shows no changes (-detailed-exitcode), day-2 edits update
// settings in place and plan clean again, and destroy leaves nothing.
//
// One configuration, so one init, apply, plan and destroy for all of it:
// each terraform command pays the provider's start-up (~7 s of CPU on the
// 2-core machine), the bulk of the cost.
func TestTerraform(t *testing.T) {
	if testing.Short() {
		t.Skip("runs terraform")
	}
	t.Parallel()
	srv := gatehousetest.Start(t)
	dir, run := terraformDir(t, srv, "terraform")
	os.WriteFile(filepath.Join(dir, "fn.zip"), zipFiles(t, map[string]string{"index.py": fnPy, "authz.py": authzPy}), 0o644)
	os.WriteFile(filepath.Join(dir, "layer.zip"), zipFiles(t, map[string]string{"python/greet.py": "WHO = 'from the layer'\n"}), 0o644)
	idp, err := samltest.New("https://idp.example.com/saml")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "idp.xml"), []byte(idp.Metadata()), 0o644)
	step := func(args ...string) string {
		t.Helper()
		start := time.Now()
		out, err := run(append(args, "-input=false", "-no-color")...)
		if err != nil {
			t.Fatalf("terraform %s: %v\n%s", args[0], err, out)
		}
		t.Logf("terraform %s: %s", args[0], time.Since(start).Round(100*time.Millisecond))
		return out
	}
	step("init")
	step("apply", "-auto-approve")

	outJSON, err := run("output", "-json")
	if err != nil {
		t.Fatalf("terraform output: %v\n%s", err, outJSON)
	}
	var outs map[string]struct{ Value string }
	if err := json.Unmarshal([]byte(outJSON), &outs); err != nil {
		t.Fatalf("terraform output: %v\n%s", err, outJSON)
	}
	out := func(name string) string { return outs[name].Value }
	account := gatehousetest.AccountID
	if got := out("alias_arn"); got != "arn:aws:lambda:us-east-1:"+account+":function:tf-fn:live" {
		t.Fatalf("alias_arn = %q", got)
	}
	if v := out("version"); v != "1" {
		t.Fatalf("version = %q", v)
	}
	m := regexp.MustCompile(`^https://([a-z0-9]{32})\.lambda-url\.us-east-1\.on\.aws/$`).FindStringSubmatch(out("url"))
	if m == nil {
		t.Fatalf("url = %q", out("url"))
	}
	cfg := aws.Config{Region: gatehousetest.Region, BaseEndpoint: aws.String(srv.URL), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider(gatehousetest.AccessKeyID, gatehousetest.SecretAccessKey, "")}
	lc := lambda.NewFromConfig(cfg)
	ctx := context.Background()

	if _, err := srv.App.LambdaIsolation(); err != nil {
		if os.Getenv("GATEHOUSE_REQUIRE_SANDBOX") != "" || os.Getenv("CI") != "" {
			t.Fatalf("the Lambda sandbox is required here: %v", err)
		}
		t.Logf("functions not invoked: %v", err)
	} else {
		inv, err := lc.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String(out("alias_arn"))})
		if err != nil || inv.FunctionError != nil || *inv.ExecutedVersion != "1" || string(inv.Payload) != `{"greeting": "hello from the layer", "version": "1"}` {
			t.Fatalf("invoke alias: %v %+v", err, inv)
		}
		signer, err := sigv4client.New(sigv4client.Config{Region: "us-east-1", Service: "lambda", Credentials: cfg.Credentials})
		if err != nil {
			t.Fatal(err)
		}
		rootARN := "arn:aws:iam::" + account + ":root"
		api := srv.URL + "/restapis/" + out("api_id") + "/prod/_user_request_"
		const key = "tf-key-0123456789abcdefghij"
		ok := func(who, tier string) string {
			return `{"greeting": "hello from the layer", "version": "1", "who": "` + who + `", "tier": ` + tier + `}`
		}
		unauthorized := `{"message":"Unauthorized"}`
		for _, tc := range []struct {
			name          string
			client        *http.Client
			method, url   string
			header        map[string]string
			body          string
			status        int
			want, header2 string
		}{
			{"function URL signed", &http.Client{Transport: signer}, "GET", srv.URL + "/_lambda_url/" + m[1] + "/x", nil, "", 200, ok(rootARN, "null"), ""},
			{"function URL unsigned", http.DefaultClient, "GET", srv.URL + "/_lambda_url/" + m[1] + "/x", nil, "", 403, `{"Message":"Forbidden"}`, ""},
			{"TOKEN with token and key", http.DefaultClient, "GET", api + "/tok", map[string]string{"Authorization": "Bearer alice", "x-api-key": key}, "", 200, ok("user-alice", `"gold"`), ""},
			{"TOKEN without token", http.DefaultClient, "GET", api + "/tok", map[string]string{"x-api-key": key}, "", 401, unauthorized, ""},
			{"TOKEN not matching the validation expression", http.DefaultClient, "GET", api + "/tok", map[string]string{"Authorization": "alice", "x-api-key": key}, "", 401, unauthorized, ""},
			{"TOKEN refused by the authorizer", http.DefaultClient, "GET", api + "/tok", map[string]string{"Authorization": "Bearer unauth", "x-api-key": key}, "", 401, unauthorized, ""},
			{"TOKEN denied", http.DefaultClient, "GET", api + "/tok", map[string]string{"Authorization": "Bearer deny", "x-api-key": key}, "", 403,
				`{"denied":"User is not authorized to access this resource with an explicit deny"}`, "platform"},
			{"TOKEN without the API key", http.DefaultClient, "GET", api + "/tok", map[string]string{"Authorization": "Bearer alice"}, "", 403, `{"message":"Forbidden"}`, ""},
			{"REQUEST with its header", http.DefaultClient, "GET", api + "/req", map[string]string{"X-User": "bob"}, "", 200, ok("user-bob", `"gold"`), ""},
			{"REQUEST without its header", http.DefaultClient, "GET", api + "/req", nil, "", 401, unauthorized, ""},
			{"validator rejects a body", http.DefaultClient, "POST", api + "/req", map[string]string{"Content-Type": "application/json"}, `{"age": 3}`, 400, `{"message":"Invalid request body"}`, ""},
		} {
			a := do(t, tc.client, tc.method, tc.url, tc.header, tc.body)
			if a.status != tc.status || a.body != tc.want || a.header.Get("X-Team") != tc.header2 {
				t.Errorf("%s: %d %s (X-Team %q)\nwant %d %s", tc.name, a.status, a.body, a.header.Get("X-Team"), tc.status, tc.want)
			}
		}
		// The one call that got past the authorizer with the API key is
		// counted against the key's quota (used, remaining).
		today := time.Now().UTC().Format("2006-01-02")
		u, err := apigateway.NewFromConfig(cfg).GetUsage(ctx, &apigateway.GetUsageInput{UsagePlanId: aws.String(out("usage_plan_id")),
			KeyId: aws.String(out("api_key_id")), StartDate: aws.String(today), EndDate: aws.String(today)})
		if err != nil || fmt.Sprint(u.Items[out("api_key_id")]) != "[[1 99]]" {
			t.Errorf("GetUsage: %v %v", err, u.Items)
		}
	}

	step("plan", "-detailed-exitcode") // exit 2 would mean drift

	// Day 2: change API Gateway settings in place (UpdateStage,
	// UpdateModel, UpdateRequestValidator, UpdateDocumentationPart,
	// tags), then plan clean again.
	apigw, err := os.ReadFile(filepath.Join(dir, "apigw.tf"))
	if err != nil {
		t.Fatal(err)
	}
	day2 := string(apigw)
	edits := [][2]string{
		{`variables             = { color = "blue" }`, `variables             = { color = "green" }`},
		{`logging_level          = "ERROR"`, `logging_level          = "INFO"`},
		{`cache_ttl_in_seconds   = 60`, `cache_ttl_in_seconds   = 120`},
		{`tags = { team = "blue", env = "test" }`, `tags = { team = "red" }`},
		{`validate_request_parameters = true`, `validate_request_parameters = false`},
		{`properties = jsonencode({ description = "Add a pet" })`, `properties = jsonencode({ description = "Add one pet" })`},
		{`description = "first"
  triggers`, `description = "second"
  triggers`},
	}
	// UpdateDomainName makes the AWS provider wait a fixed minute
	// (waitDomainNameUpdated: Delay 1m) whatever the server answers: that
	// edit runs when asked for (GATEHOUSE_TF_SLOW=1); internal/apigw's SDK
	// test covers UpdateDomainName.
	if os.Getenv("GATEHOUSE_TF_SLOW") != "" {
		edits = append(edits, [2]string{`security_policy = "TLS_1_2"`, `security_policy = "TLS_1_0"`})
	}
	for _, r := range edits {
		day2 = replaceOnce(t, day2, r[0], r[1])
	}
	if err := os.WriteFile(filepath.Join(dir, "apigw.tf"), []byte(day2), 0o644); err != nil {
		t.Fatal(err)
	}
	// The plan before the edits refreshed every resource, and so does the
	// plan after the update: neither the update nor destroy need refresh
	// again (each refresh reads every resource through the provider).
	step("apply", "-auto-approve", "-refresh=false")
	step("plan", "-detailed-exitcode")
	step("destroy", "-auto-approve", "-refresh=false")
	_, err = lc.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("tf-fn")})
	if err == nil || !strings.Contains(err.Error(), "ResourceNotFoundException") {
		t.Fatalf("after destroy: %v", err)
	}
	ic := iam.NewFromConfig(cfg)
	if r, err := ic.ListUsers(ctx, &iam.ListUsersInput{}); err != nil || len(r.Users) != 0 {
		t.Errorf("after destroy, users: %v %+v", err, r)
	}
	if r, err := ic.ListInstanceProfiles(ctx, &iam.ListInstanceProfilesInput{}); err != nil || len(r.InstanceProfiles) != 0 {
		t.Errorf("after destroy, instance profiles: %v %+v", err, r)
	}
	if r, err := ic.ListSAMLProviders(ctx, &iam.ListSAMLProvidersInput{}); err != nil || len(r.SAMLProviderList) != 0 {
		t.Errorf("after destroy, SAML providers: %v %+v", err, r)
	}
	if r, err := apigateway.NewFromConfig(cfg).GetRestApis(ctx, &apigateway.GetRestApisInput{}); err != nil || len(r.Items) != 0 {
		t.Errorf("after destroy, REST APIs: %v %+v", err, r)
	}
}

func replaceOnce(t *testing.T, s, old, new string) string {
	t.Helper()
	if !strings.Contains(s, old) {
		t.Fatalf("day-2 edit: %q not in apigw.tf", old)
	}
	return strings.Replace(s, old, new, 1)
}
