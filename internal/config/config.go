// Package config holds gatehouse's typed configuration: one struct, its
// defaults, the GATEHOUSE_* environment overrides and validation. Flags and
// environment variables both land here; nothing reads os.Getenv elsewhere
// for settings.
package config

import (
	"errors"
	"fmt"
	"net"
	"regexp"
	"time"
)

// Config is the whole configuration of a gatehouse server.
type Config struct {
	// Listen is the one address every surface is served on.
	Listen string
	// DataDir holds the embedded store, the master key and the generated
	// root credentials.
	DataDir string
	// Store selects the backend: "" or "sqlite" for the embedded store in
	// DataDir, or a postgres:// URL (several nodes).
	Store string
	// Region is the default region for gatehouse's own CLI and examples.
	// Every region is served.
	Region string
	// AccountID is the default account, bootstrapped at first start.
	AccountID string
	// LogFormat is "text" or "json"; LogLevel "debug", "info", "warn", "error".
	LogFormat string
	LogLevel  string

	// RootAccessKeyID and RootSecretAccessKey, when both set, are the default
	// account's root credentials (GATEHOUSE_ROOT_ACCESS_KEY_ID /
	// GATEHOUSE_ROOT_SECRET_ACCESS_KEY). Otherwise they are generated once.
	RootAccessKeyID     string
	RootSecretAccessKey string
	// MasterKey (base64, 32 bytes; GATEHOUSE_MASTER_KEY) encrypts secrets at
	// rest. Empty: generated once into DataDir/master.key (0600).
	MasterKey string

	// DecisionLog is where authorization decisions go, one JSON line each:
	// "" (off), "-" (stdout) or a file path.
	DecisionLog string
	// HideCanonical drops the canonical request and string to sign from
	// signature-mismatch messages (hardened deployments).
	HideCanonical bool
	// LegacyDenyMessages uses AWS's pre-2023 denial wording (no "because no
	// identity-based policy allows ..." suffix).
	LegacyDenyMessages bool
	// ShutdownTimeout bounds the drain of in-flight requests on SIGTERM.
	ShutdownTimeout time.Duration
	// HTTPServer serves the listener: "gatehouse" (its HTTP/1.1 front,
	// net/http for everything else) or "net/http" alone.
	HTTPServer string
	// UpstreamClient calls HTTP integrations: "gatehouse" (its HTTP/1.1
	// client) or "net/http" (http.Transport).
	UpstreamClient string

	// Now is the server's clock, for tests (session expiry, signature
	// skew, aws:CurrentTime); nil means time.Now. It is deliberately not
	// settable from flags or the environment.
	Now func() time.Time
}

// Default returns the configuration with every default filled in.
func Default() Config {
	return Config{
		Listen:          "127.0.0.1:4566",
		DataDir:         "./.gatehouse",
		Region:          "us-east-1",
		AccountID:       "000000000000",
		LogFormat:       "text",
		LogLevel:        "info",
		ShutdownTimeout: 30 * time.Second,
		HTTPServer:      ImplGatehouse,
		UpstreamClient:  ImplGatehouse,
	}
}

// The implementations HTTPServer and UpstreamClient choose from.
const (
	ImplGatehouse = "gatehouse"
	ImplNetHTTP   = "net/http"
)

var (
	accountRE = regexp.MustCompile(`^[0-9]{12}$`)
	regionRE  = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)
	akidRE    = regexp.MustCompile(`^AKIA[A-Z0-9]{16}$`)
)

// Validate reports every problem with c at once.
func (c Config) Validate() error {
	var errs []error
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		errs = append(errs, fmt.Errorf("--listen %q: %v", c.Listen, err))
	}
	if c.DataDir == "" {
		errs = append(errs, errors.New("--data-dir must not be empty"))
	}
	if !accountRE.MatchString(c.AccountID) {
		errs = append(errs, fmt.Errorf("--account-id %q: must be 12 digits", c.AccountID))
	}
	if !regionRE.MatchString(c.Region) {
		errs = append(errs, fmt.Errorf("--region %q: not a region name like us-east-1", c.Region))
	}
	switch c.LogFormat {
	case "text", "json":
	default:
		errs = append(errs, fmt.Errorf("--log-format %q: must be text or json", c.LogFormat))
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("--log-level %q: must be debug, info, warn or error", c.LogLevel))
	}
	if (c.RootAccessKeyID == "") != (c.RootSecretAccessKey == "") {
		errs = append(errs, errors.New("GATEHOUSE_ROOT_ACCESS_KEY_ID and GATEHOUSE_ROOT_SECRET_ACCESS_KEY must be set together"))
	}
	if c.RootAccessKeyID != "" && !akidRE.MatchString(c.RootAccessKeyID) {
		errs = append(errs, errors.New("GATEHOUSE_ROOT_ACCESS_KEY_ID: must be AKIA followed by 16 uppercase letters or digits"))
	}
	if c.RootSecretAccessKey != "" && len(c.RootSecretAccessKey) != 40 {
		errs = append(errs, errors.New("GATEHOUSE_ROOT_SECRET_ACCESS_KEY: must be 40 characters"))
	}
	for _, f := range []struct{ flag, v string }{{"--http-server", c.HTTPServer}, {"--upstream-client", c.UpstreamClient}} {
		if f.v != ImplGatehouse && f.v != ImplNetHTTP {
			errs = append(errs, fmt.Errorf("%s %q: must be gatehouse or net/http", f.flag, f.v))
		}
	}
	if c.ShutdownTimeout <= 0 {
		errs = append(errs, errors.New("shutdown timeout must be positive"))
	}
	return errors.Join(errs...)
}
