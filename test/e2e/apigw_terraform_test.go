package e2e_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/gatehousetest"
)

// TestTerraformAPIGateway applies testdata/terraform-apigw (a REST API
// with tags, a model, a request validator, method and integration
// responses, a deployment and a tagged stage with a client certificate,
// method settings for "*/*" and one method, documentation parts and a
// version, a custom domain with a base path mapping, a VPC link) with the
// Terraform AWS provider, then changes the stage and method settings
// (day-2 updates), checks that a plan shows no drift, and destroys
// everything: issue #14's Terraform failures.
func TestTerraformAPIGateway(t *testing.T) {
	if testing.Short() {
		t.Skip("runs terraform")
	}
	t.Parallel()
	mirror := "/opt/tf-plugins"
	if _, err := exec.LookPath("terraform"); err != nil {
		t.Skip("terraform not installed")
	}
	if _, err := os.Stat(filepath.Join(mirror, "registry.terraform.io/hashicorp/aws")); err != nil {
		t.Skip("no local hashicorp/aws provider mirror")
	}
	srv := gatehousetest.Start(t)
	dir := t.TempDir()
	main, err := os.ReadFile(filepath.Join("testdata", "terraform-apigw", "main.tf"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), main, 0o644); err != nil {
		t.Fatal(err)
	}
	rc := filepath.Join(dir, "tfrc")
	if err := os.WriteFile(rc, []byte(`provider_installation {
  filesystem_mirror {
    path    = "`+mirror+`"
    include = ["registry.terraform.io/hashicorp/*"]
  }
  direct { exclude = ["registry.terraform.io/hashicorp/*"] }
}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	env := append(gatehousetest.ClientEnv(srv.URL, gatehousetest.AccessKeyID, gatehousetest.SecretAccessKey),
		"TF_CLI_CONFIG_FILE="+rc, "TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1", "TF_VAR_endpoint="+srv.URL)
	run := func(args ...string) (string, error) {
		cmd := exec.Command("terraform", args...)
		cmd.Dir, cmd.Env = dir, env
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	step := func(args ...string) {
		t.Helper()
		start := time.Now()
		out, err := run(args...)
		if err != nil {
			t.Fatalf("terraform %v: %v\n%s", args, err, out)
		}
		t.Logf("terraform %s: %s", args[0], time.Since(start).Round(time.Second))
		if os.Getenv("GATEHOUSE_TF_VERBOSE") != "" {
			t.Log(out)
		}
	}
	step("init", "-input=false", "-no-color")
	step("apply", "-auto-approve", "-input=false", "-no-color")
	step("plan", "-detailed-exitcode", "-input=false", "-no-color") // exit 2 would mean drift
	// Day 2: change settings in place (UpdateStage,
	// UpdateModel, UpdateRequestValidator, UpdateDocumentationPart,
	// tags), then plan clean again.
	day2 := main
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
	// (waitDomainNameUpdated: Delay 1m) whatever the server answers, half
	// of this test's time: that edit runs when asked for
	// (GATEHOUSE_TF_SLOW=1); internal/apigw's SDK test covers UpdateDomainName.
	if os.Getenv("GATEHOUSE_TF_SLOW") != "" {
		edits = append(edits, [2]string{`security_policy = "TLS_1_2"`, `security_policy = "TLS_1_0"`})
	}
	for _, r := range edits {
		before := string(day2)
		day2 = []byte(replaceOnce(t, before, r[0], r[1]))
	}
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), day2, 0o644); err != nil {
		t.Fatal(err)
	}
	// The plan before the edits refreshed every resource, and so does the
	// plan after the update: neither the update nor destroy need refresh
	// again (each refresh reads every resource through the provider).
	step("apply", "-auto-approve", "-refresh=false", "-input=false", "-no-color")
	step("plan", "-detailed-exitcode", "-input=false", "-no-color")
	step("destroy", "-auto-approve", "-refresh=false", "-input=false", "-no-color")
}

func replaceOnce(t *testing.T, s, old, new string) string {
	t.Helper()
	if !strings.Contains(s, old) {
		t.Fatalf("day-2 edit: %q not in main.tf", old)
	}
	return strings.Replace(s, old, new, 1)
}
