package e2e_test

import (
	"archive/zip"
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/gatehouse-dev/gatehouse/internal/gatehousetest"
)

// tfMirror is the local provider mirror the Terraform tests install from.
const tfMirror = "/opt/tf-plugins"

// terraformDir prepares a Terraform working directory holding
// testdata/<name>/main.tf, and returns a runner of terraform commands
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
	main, err := os.ReadFile(filepath.Join("testdata", name, "main.tf"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "main.tf"), main, 0o644)
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
	return dir, func(args ...string) (string, error) {
		cmd := exec.Command("terraform", args...)
		cmd.Dir, cmd.Env = dir, env
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
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

// TestTerraformLambda: the Terraform AWS provider manages a function
// (publish = true) with a layer, an alias on its version, permissions (one on the
// alias) and the alias's AWS_IAM function URL with CORS: apply, an invocation of the alias, a plan with no changes
// (-detailed-exitcode), destroy — after which the function is gone.
func TestTerraformLambda(t *testing.T) {
	if testing.Short() {
		t.Skip("runs terraform")
	}
	t.Parallel()
	srv := gatehousetest.Start(t)
	dir, run := terraformDir(t, srv, "terraform-lambda")
	os.WriteFile(filepath.Join(dir, "fn.zip"), pythonZip(t, `{"greeting": os.environ["GREETING"] + " " + __import__("greet").WHO, "version": context.function_version}`), 0o644)
	var lz bytes.Buffer
	zw := zip.NewWriter(&lz)
	w, _ := zw.Create("python/greet.py")
	w.Write([]byte("WHO = 'from the layer'\n"))
	zw.Close()
	os.WriteFile(filepath.Join(dir, "layer.zip"), lz.Bytes(), 0o644)
	for _, step := range [][]string{
		{"init", "-input=false", "-no-color"},
		{"apply", "-auto-approve", "-input=false", "-no-color"},
	} {
		if out, err := run(step...); err != nil {
			t.Fatalf("terraform %s: %v\n%s", step[0], err, out)
		}
	}
	aliasARN, err := run("output", "-raw", "alias_arn")
	if err != nil || aliasARN != "arn:aws:lambda:us-east-1:"+gatehousetest.AccountID+":function:tf-fn:live" {
		t.Fatalf("alias_arn = %q %v", aliasARN, err)
	}
	if v, err := run("output", "-raw", "version"); err != nil || v != "1" {
		t.Fatalf("version = %q %v", v, err)
	}
	if u, err := run("output", "-raw", "url"); err != nil || !regexp.MustCompile(`^https://[a-z0-9]{32}\.lambda-url\.us-east-1\.on\.aws/$`).MatchString(u) {
		t.Fatalf("url = %q %v", u, err)
	}
	lc := lambda.NewFromConfig(aws.Config{Region: gatehousetest.Region, BaseEndpoint: aws.String(srv.URL), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider(gatehousetest.AccessKeyID, gatehousetest.SecretAccessKey, "")})
	if _, err := srv.App.LambdaIsolation(); err == nil {
		out, err := lc.Invoke(context.Background(), &lambda.InvokeInput{FunctionName: aws.String(aliasARN)})
		if err != nil || out.FunctionError != nil || *out.ExecutedVersion != "1" || string(out.Payload) != `{"greeting": "hello from the layer", "version": "1"}` {
			t.Fatalf("invoke %s: %v %+v %s", aliasARN, err, out, out.Payload)
		}
	} else {
		t.Logf("not invoked: %v", err)
	}
	for _, step := range [][]string{
		{"plan", "-detailed-exitcode", "-input=false", "-no-color"}, // exit 2 would mean drift
		{"destroy", "-auto-approve", "-input=false", "-no-color"},
	} {
		if out, err := run(step...); err != nil {
			t.Fatalf("terraform %s: %v\n%s", step[0], err, out)
		}
	}
	_, err = lc.GetFunction(context.Background(), &lambda.GetFunctionInput{FunctionName: aws.String("tf-fn")})
	if err == nil || !strings.Contains(err.Error(), "ResourceNotFoundException") {
		t.Fatalf("after destroy: %v", err)
	}
}
