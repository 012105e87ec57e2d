package e2e_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/gatehousetest"
)

// TestTerraform applies testdata/terraform (users, inline and managed
// policies, access key, group membership, OIDC provider, IRSA role) with
// the Terraform AWS provider, checks that a second plan shows no drift, and
// destroys everything. It needs terraform and a local provider mirror.
func TestTerraform(t *testing.T) {
	if testing.Short() {
		t.Skip("runs terraform")
	}
	t.Parallel() // mostly waiting on terraform and its provider: overlap it with the CLI test
	mirror := "/opt/tf-plugins"
	if _, err := exec.LookPath("terraform"); err != nil {
		t.Skip("terraform not installed")
	}
	if _, err := os.Stat(filepath.Join(mirror, "registry.terraform.io/hashicorp/aws")); err != nil {
		t.Skip("no local hashicorp/aws provider mirror")
	}
	srv := gatehousetest.Start(t)
	dir := t.TempDir()
	main, err := os.ReadFile(filepath.Join("testdata", "terraform", "main.tf"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "main.tf"), main, 0o644)
	rc := filepath.Join(dir, "tfrc")
	os.WriteFile(rc, []byte(`provider_installation {
  filesystem_mirror {
    path    = "`+mirror+`"
    include = ["registry.terraform.io/hashicorp/*"]
  }
  direct { exclude = ["registry.terraform.io/hashicorp/*"] }
}
`), 0o644)
	env := append(gatehousetest.ClientEnv(srv.URL, gatehousetest.AccessKeyID, gatehousetest.SecretAccessKey),
		"TF_CLI_CONFIG_FILE="+rc, "TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1", "TF_VAR_endpoint="+srv.URL)
	run := func(args ...string) (string, error) {
		cmd := exec.Command("terraform", args...)
		cmd.Dir, cmd.Env = dir, env
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	for _, step := range [][]string{
		{"init", "-input=false", "-no-color"},
		{"apply", "-auto-approve", "-input=false", "-no-color"},
		{"plan", "-detailed-exitcode", "-input=false", "-no-color"}, // exit 2 would mean drift
		{"destroy", "-auto-approve", "-input=false", "-no-color"},
	} {
		if out, err := run(step...); err != nil {
			t.Fatalf("terraform %s: %v\n%s", step[0], err, out)
		}
	}
}
