package cli

import (
	"flag"
	"io"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/config"
)

func TestStalenessFlagsAndEnvironment(t *testing.T) {
	env := map[string]string{"GATEHOUSE_MAX_STALENESS": "45s", "GATEHOUSE_STORE_TIMEOUT": "2s"}
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
	cfg, err := parse()
	if err != nil || cfg.MaxStaleness != 45*time.Second || cfg.StoreTimeout != 2*time.Second {
		t.Errorf("from the environment: %s, %s, %v; want 45s, 2s", cfg.MaxStaleness, cfg.StoreTimeout, err)
	}
	cfg, err = parse("--max-staleness=1m", "--store-timeout=3s")
	if err != nil || cfg.MaxStaleness != time.Minute || cfg.StoreTimeout != 3*time.Second {
		t.Errorf("flags over the environment: %s, %s, %v; want 1m, 3s", cfg.MaxStaleness, cfg.StoreTimeout, err)
	}
	env["GATEHOUSE_MAX_STALENESS"] = "forever"
	if _, err := parse(); err == nil {
		t.Error("GATEHOUSE_MAX_STALENESS=forever accepted")
	}
}
