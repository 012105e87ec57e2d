package gateway_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/gatehousetest"
)

// tfPlugins is where this machine's Terraform AWS provider is mirrored.
const tfPlugins = "/opt/tf-plugins"

// TestTerraformAuthorizersKeysPlans: the Terraform AWS provider (5.100)
// applies a configuration with a TOKEN authorizer, a CUSTOM method with
// apiKeyRequired, an API key, a usage plan with quota and throttle, a
// usage plan key and a customized ACCESS_DENIED gateway response; the plan
// is then clean; an update of the authorizer TTL, the quota and the
// gateway response status applies and plans clean; destroy removes all.
func TestTerraformAuthorizersKeysPlans(t *testing.T) {
	// Opt-in: about a minute on an idle 2-core machine, several when loaded.
	if testing.Short() || os.Getenv("GATEHOUSE_TERRAFORM_TEST") == "" {
		t.Skip("slow: runs terraform; set GATEHOUSE_TERRAFORM_TEST=1")
	}
	tf, err := exec.LookPath("terraform")
	if err != nil {
		t.Skip("terraform not installed")
	}
	if _, err := os.Stat(filepath.Join(tfPlugins, "registry.terraform.io/hashicorp/aws")); err != nil {
		t.Skip("no local mirror of the Terraform AWS provider")
	}
	s := gatehousetest.Start(t)
	dir := t.TempDir()
	tmpl, err := os.ReadFile("testdata/terraform-authz/main.tf.tmpl")
	if err != nil {
		t.Fatal(err)
	}
	write := func(ttl string) {
		cfg := strings.NewReplacer("GATEHOUSE_URL", s.URL, "GATEHOUSE_KEY", gatehousetest.AccessKeyID,
			"GATEHOUSE_SECRET", gatehousetest.SecretAccessKey, "VAR_TTL", ttl).Replace(string(tmpl))
		if ttl == "0" {
			cfg = strings.Replace(strings.Replace(cfg, "limit  = 100", "limit  = 200", 1), `status_code   = "403"`, `status_code   = "401"`, 1)
		}
		if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(cfg), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	rc := filepath.Join(dir, "tfrc")
	if err := os.WriteFile(rc, []byte(`provider_installation {
  filesystem_mirror {
    path    = "`+tfPlugins+`"
    include = ["registry.terraform.io/hashicorp/aws"]
  }
  direct { exclude = ["registry.terraform.io/hashicorp/aws"] }
}
`), 0o600); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (string, int) {
		t.Helper()
		cmd := exec.Command(tf, append(args, "-input=false", "-no-color")...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "TF_CLI_CONFIG_FILE="+rc, "TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1")
		start := time.Now()
		out, err := cmd.CombinedOutput()
		t.Logf("terraform %s: %s", args[0], time.Since(start).Round(time.Millisecond))
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return string(out), code
	}
	write("60")
	if out, code := run("init"); code != 0 {
		t.Fatalf("init: %s", out)
	}
	for _, ttl := range []string{"60", "0"} {
		write(ttl)
		if out, code := run("apply", "-auto-approve"); code != 0 {
			t.Fatalf("apply (ttl %s): %s", ttl, out)
		}
		if out, code := run("plan", "-detailed-exitcode"); code != 0 {
			t.Fatalf("plan after apply (ttl %s) not clean (exit %d): %s", ttl, code, out)
		}
	}
	if out, code := run("destroy", "-auto-approve"); code != 0 || !strings.Contains(out, "Resources: 11 destroyed") {
		t.Fatalf("destroy: %s", out)
	}
}
