package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestStalenessBounds(t *testing.T) {
	tests := []struct {
		name          string
		max, timeout  time.Duration
		wantErrSubstr string
	}{
		{"defaults", 30 * time.Second, 5 * time.Second, ""},
		{"tight but valid", 2 * time.Second, time.Second, ""},
		{"zero bound", 0, 5 * time.Second, "--max-staleness"},
		{"under a second", 500 * time.Millisecond, 100 * time.Millisecond, "--max-staleness"},
		{"not longer than the store timeout", 5 * time.Second, 5 * time.Second, "--max-staleness"},
		{"zero store timeout", 30 * time.Second, 0, "--store-timeout"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := Default()
			c.MaxStaleness, c.StoreTimeout = tc.max, tc.timeout
			err := c.Validate()
			switch {
			case tc.wantErrSubstr == "" && err != nil:
				t.Errorf("Validate = %v, want nil", err)
			case tc.wantErrSubstr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErrSubstr)):
				t.Errorf("Validate = %v, want an error about %s", err, tc.wantErrSubstr)
			}
		})
	}
	if d := Default(); d.MaxStaleness != 30*time.Second || d.StoreTimeout != 5*time.Second {
		t.Errorf("defaults = %s, %s; want 30s, 5s", d.MaxStaleness, d.StoreTimeout)
	}
}

func TestPrivateDir(t *testing.T) {
	base := t.TempDir()
	tests := []struct {
		name      string
		mode      os.FileMode // 0: does not exist
		tightened bool
	}{
		{"created", 0, false},
		{"private already", 0o700, false},
		{"world-readable", 0o755, true},
		{"group-writable", 0o770, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(base, strings.ReplaceAll(tc.name, " ", "-"), "data")
			if tc.mode != 0 {
				if err := os.MkdirAll(dir, 0o700); err != nil {
					t.Fatal(err)
				}
				if err := os.Chmod(dir, tc.mode); err != nil {
					t.Fatal(err)
				}
			}
			tightened, err := PrivateDir(dir)
			if err != nil || tightened != tc.tightened {
				t.Fatalf("got %v %v, want tightened %v", tightened, err, tc.tightened)
			}
			if st, err := os.Stat(dir); err != nil || st.Mode().Perm() != 0o700 {
				t.Errorf("mode %v, want 0700 (%v)", st.Mode().Perm(), err)
			}
		})
	}
}

func TestValidateLambda(t *testing.T) {
	tests := []struct {
		name string
		mut  func(*Config)
		want string
	}{
		{"defaults", func(*Config) {}, ""},
		{"none", func(c *Config) { c.LambdaIsolation = "none" }, ""},
		{"unknown isolation", func(c *Config) { c.LambdaIsolation = "auto" }, "--lambda-isolation \"auto\": must be sandbox or none"},
		{"empty isolation", func(c *Config) { c.LambdaIsolation = "" }, "--lambda-isolation"},
		{"relative root", func(c *Config) { c.LambdaCodeRoots = []string{"code"} }, "--lambda-code-roots \"code\": must be an absolute path"},
		{"uid too low", func(c *Config) { c.LambdaSandboxUID = 1000 }, "--lambda-sandbox-uid 1000"},
		{"uid ok", func(c *Config) { c.LambdaSandboxUID = 200000 }, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := Default()
			tc.mut(&c)
			err := c.Validate()
			if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
				t.Errorf("got %v, want %q", err, tc.want)
			}
		})
	}
}

func TestTLSSettings(t *testing.T) {
	tests := []struct {
		name string
		set  func(*Config)
		want string // "" valid, else a substring of the error
	}{
		{"off", func(c *Config) {}, ""},
		{"listen", func(c *Config) { c.TLSListen = "127.0.0.1:4567" }, ""},
		{"bad listen", func(c *Config) { c.TLSListen = "4567" }, "--tls-listen"},
		{"cert without key", func(c *Config) { c.TLSListen, c.TLSCert = "127.0.0.1:4567", "/c.pem" }, "together"},
		{"cert without listener", func(c *Config) { c.TLSCert, c.TLSKey = "/c.pem", "/k.pem" }, "needs --tls-listen"},
		{"hostnames", func(c *Config) { c.TLSHostnames = []string{"gh.example.com", "*.gh.example.com", "10.0.0.1", "::1"} }, ""},
		{"bad hostname", func(c *Config) { c.TLSHostnames = []string{"a b"} }, "--tls-hostnames"},
		{"suffix", func(c *Config) { c.URLSuffix = "aws.example.internal" }, ""},
		{"suffix with port", func(c *Config) { c.URLSuffix = "localhost:4567" }, ""},
		{"suffix bad port", func(c *Config) { c.URLSuffix = "localhost:0" }, "--url-suffix"},
		{"suffix wildcard", func(c *Config) { c.URLSuffix = "*.localhost" }, "--url-suffix"},
		{"suffix path", func(c *Config) { c.URLSuffix = "localhost/x" }, "--url-suffix"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := Default()
			tc.set(&c)
			err := c.Validate()
			if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
				t.Errorf("Validate = %v, want %q", err, tc.want)
			}
		})
	}
	for _, tc := range []struct{ suffix, tlsAddr, want string }{
		{"", "", "amazonaws.com"},
		{"", "127.0.0.1:4567", "localhost:4567"},
		{"", "[::]:443", "localhost"},
		{"aws.example.internal", "127.0.0.1:4567", "aws.example.internal"},
	} {
		c := Default()
		c.URLSuffix = tc.suffix
		if got := c.EffectiveURLSuffix(tc.tlsAddr); got != tc.want {
			t.Errorf("EffectiveURLSuffix(%q) with %q = %q, want %q", tc.tlsAddr, tc.suffix, got, tc.want)
		}
	}
}
