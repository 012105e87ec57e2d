// Package config holds gatehouse's typed configuration: one struct, its
// defaults, the GATEHOUSE_* environment overrides and validation. Flags and
// environment variables both land here; nothing reads os.Getenv elsewhere
// for settings.
package config

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
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

	// LambdaIsolation is how functions run: "sandbox" (default: each
	// instance in its own bubblewrap sandbox) or "none" (child processes
	// with the server's user and filesystem; unsafe).
	LambdaIsolation string
	// LambdaCodeRoots are the directories under which the local-directory
	// code source (S3Bucket gatehouse-local-dir) may point; empty disables
	// it. Never inside the data dir.
	LambdaCodeRoots []string
	// LambdaSandboxUID is the first host uid of function sandboxes when
	// gatehouse runs as root (0: the default, 1879048192).
	LambdaSandboxUID uint32

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
		LambdaIsolation: "sandbox",
	}
}

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
	if c.ShutdownTimeout <= 0 {
		errs = append(errs, errors.New("shutdown timeout must be positive"))
	}
	switch c.LambdaIsolation {
	case "sandbox", "none":
	default:
		errs = append(errs, fmt.Errorf("--lambda-isolation %q: must be sandbox or none", c.LambdaIsolation))
	}
	for _, r := range c.LambdaCodeRoots {
		if !filepath.IsAbs(r) {
			errs = append(errs, fmt.Errorf("--lambda-code-roots %q: must be an absolute path", r))
		}
	}
	if c.LambdaSandboxUID != 0 && (c.LambdaSandboxUID < 65536 || c.LambdaSandboxUID > 1<<31-65536) {
		errs = append(errs, fmt.Errorf("--lambda-sandbox-uid %d: must be between 65536 and %d (a range of 65536 uids no user has)", c.LambdaSandboxUID, 1<<31-65536))
	}
	return errors.Join(errs...)
}

// PrivateDir creates dir with mode 0700, or tightens an existing one to
// 0700: the data dir holds the master key, the root credentials and the
// store, and nothing of it is for other users (or function sandboxes). It
// reports whether it had to tighten the mode.
func PrivateDir(dir string) (tightened bool, err error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return false, fmt.Errorf("create data dir: %w", err)
	}
	st, err := os.Stat(dir)
	if err != nil {
		return false, err
	}
	if !st.IsDir() {
		return false, fmt.Errorf("data dir %s: not a directory", dir)
	}
	if st.Mode().Perm()&0o077 == 0 {
		return false, nil
	}
	if err := os.Chmod(dir, st.Mode().Perm()&^fs.FileMode(0o077)); err != nil {
		return false, fmt.Errorf("data dir %s: tighten to 0700: %w", dir, err)
	}
	return true, nil
}
