package cli

import (
	"flag"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/config"
)

// TestOIDCFlagsAndEnvironment: --oidc-issuer-url and --oidc-key-rotation
// come from the environment, flags win, and Validate refuses bad values.
func TestOIDCFlagsAndEnvironment(t *testing.T) {
	env := map[string]string{"GATEHOUSE_OIDC_ISSUER_URL": "https://id.example.com", "GATEHOUSE_OIDC_KEY_ROTATION": "720h"}
	parse := func(args ...string) (config.Config, error) {
		cfg := config.Default()
		fs := flag.NewFlagSet("serve", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		envErr := serveFlags(fs, &cfg, func(k string) string { return env[k] })
		if err := fs.Parse(args); err != nil {
			return cfg, err
		}
		return cfg, envErr()
	}
	if d := config.Default().OIDCKeyRotation; d != 90*24*time.Hour {
		t.Errorf("default rotation %s, want 90 days", d)
	}
	cfg, err := parse()
	if err != nil || cfg.OIDCIssuerURL != "https://id.example.com" || cfg.OIDCKeyRotation != 720*time.Hour || cfg.Validate() != nil {
		t.Errorf("from the environment: %q %s %v %v", cfg.OIDCIssuerURL, cfg.OIDCKeyRotation, err, cfg.Validate())
	}
	cfg, err = parse("--oidc-issuer-url=https://gw.example.com:8443/ids", "--oidc-key-rotation=48h")
	if err != nil || cfg.OIDCIssuerURL != "https://gw.example.com:8443/ids" || cfg.OIDCKeyRotation != 48*time.Hour || cfg.Validate() != nil {
		t.Errorf("flags over the environment: %q %s %v", cfg.OIDCIssuerURL, cfg.OIDCKeyRotation, err)
	}
	for _, bad := range []string{"id.example.com", "ftp://id.example.com", "https://id.example.com/", "https://id.example.com?x=1",
		"https://u@id.example.com", "https://id.example.com#f", "https://"} {
		cfg, _ := parse("--oidc-issuer-url=" + bad)
		if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "--oidc-issuer-url") {
			t.Errorf("--oidc-issuer-url=%s: %v", bad, err)
		}
	}
	cfg, _ = parse("--oidc-key-rotation=30m")
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "--oidc-key-rotation") {
		t.Errorf("30m rotation accepted: %v", err)
	}
}
