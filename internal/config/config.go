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
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Config is the whole configuration of a gatehouse server.
type Config struct {
	// Listen is the one address every surface is served on.
	Listen string
	// TLSListen, when set, is a second address serving the same surfaces
	// over TLS (HTTP/1.1 and h2 by ALPN, TLS 1.2 minimum); requests on it
	// carry aws:SecureTransport=true. Off by default: a fixed default port
	// would collide between servers started on --listen 127.0.0.1:0.
	TLSListen string
	// TLSCert and TLSKey are the operator's PEM certificate chain and key
	// for TLSListen. Both empty: gatehouse keeps a local CA in DataDir
	// (tls/ca.pem, tls/ca-key.pem 0600) and issues itself a certificate.
	TLSCert string
	TLSKey  string
	// TLSHostnames are extra names (or IP addresses) the generated
	// certificate covers, besides localhost, the loopback addresses and
	// the URL suffix's service hosts.
	TLSHostnames []string
	// URLSuffix is the domain of the URLs gatehouse gives out (API Gateway
	// invoke URLs, function URLs) and CloudFormation's AWS::URLSuffix. It
	// may carry a port ("localhost:4567"). Empty: "localhost:PORT" of the
	// TLS listener when there is one (*.localhost is loopback, RFC 6761),
	// else "amazonaws.com" as on AWS.
	URLSuffix string
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
	// EncodeDenials appends "Encoded authorization failure message: …" to
	// access denials, decodable with sts:DecodeAuthorizationMessage.
	EncodeDenials bool
	// ShutdownTimeout bounds the drain of in-flight requests on SIGTERM.
	ShutdownTimeout time.Duration
	// BodyBudget bounds the request-body bytes buffered at once across all
	// requests (bodies are read whole to check their signature or parse
	// them); a body that does not fit gets the surface's throttling error.
	BodyBudget int64
	// BodyTimeout is the time a request body has to arrive, plus its
	// length at 64 KiB/s: a client trickling its body is cut off.
	BodyTimeout time.Duration

	// APIGWMaxResources bounds the resources of one REST API, its root
	// included (AWS's default quota is 300).
	APIGWMaxResources int
	// DomainNames are the custom domain names the operator allows other
	// accounts to claim, each "ACCOUNT=PATTERN[,PATTERN]..." where a
	// pattern is a host name or "*." and a host name.
	DomainNames []string
	// DomainCA is a PEM file of the certificate authorities whose
	// certificates prove control of a custom domain name ("" trusts none).
	DomainCA string

	// MaxStaleness bounds fail-static: a node whose snapshots (keys,
	// policies, routes, functions) were last confirmed current longer ago
	// than this (the store unreachable, a rebuild failing) answers
	// ServiceUnavailable on every authenticated surface instead of deciding
	// from state that may miss a revocation (GATEHOUSE_MAX_STALENESS).
	MaxStaleness time.Duration
	// StoreTimeout bounds every store operation (a write transaction, a
	// read, a snapshot rebuild, a poll of the change feed); a write that
	// runs out of time is rolled back and answered ServiceUnavailable
	// (GATEHOUSE_STORE_TIMEOUT).
	StoreTimeout time.Duration
	// HTTPServer serves the listener: "gatehouse" (its HTTP/1.1 front,
	// net/http for everything else) or "net/http" alone.
	HTTPServer string
	// UpstreamClient calls HTTP integrations: "gatehouse" (its HTTP/1.1
	// client) or "net/http" (http.Transport).
	UpstreamClient string

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

	// OIDCIssuerURL is the public base URL (scheme://host[:port][/path])
	// under which relying parties reach gatehouse's outbound web identity
	// federation issuers: an account's issuer is
	// OIDCIssuerURL/_gatehouse/oidc/ACCOUNT (GATEHOUSE_OIDC_ISSUER_URL).
	// Empty: the scheme and Host of the request that first enabled the
	// account's federation.
	OIDCIssuerURL string
	// OIDCKeyRotation is the age at which an account's outbound federation
	// signing keys are replaced (GATEHOUSE_OIDC_KEY_ROTATION; default 90
	// days, gatehouse's choice: AWS does not publish its period). Retired
	// keys stay in the JWKS until every token they signed has expired.
	OIDCKeyRotation time.Duration

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

		APIGWMaxResources: 300,
		BodyBudget:        128 << 20,
		BodyTimeout:       20 * time.Second,
		MaxStaleness:      30 * time.Second,
		StoreTimeout:      5 * time.Second,
		HTTPServer:        ImplGatehouse,
		UpstreamClient:    ImplGatehouse,
		LambdaIsolation:   "sandbox",
		OIDCKeyRotation:   90 * 24 * time.Hour,
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
	// A DNS name of letters, digits and hyphens, optionally "*." first.
	tlsNameRE = regexp.MustCompile(`^(\*\.)?([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)*[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$`)
)

// checkURLSuffix accepts a DNS name with an optional port.
func checkURLSuffix(s string) error {
	host := s
	if h, p, err := net.SplitHostPort(s); err == nil {
		n, perr := strconv.Atoi(p)
		if perr != nil || n < 1 || n > 65535 {
			return errors.New("bad port")
		}
		host = h
	}
	if strings.HasPrefix(host, "*") || !tlsNameRE.MatchString(host) || len(host) > 200 {
		return errors.New("not a domain name (optionally with :PORT)")
	}
	return nil
}

// EffectiveURLSuffix is c.URLSuffix, or its default given the address the
// TLS listener is bound to ("" when there is none).
func (c Config) EffectiveURLSuffix(tlsAddr string) string {
	if c.URLSuffix != "" {
		return c.URLSuffix
	}
	if tlsAddr == "" {
		return "amazonaws.com"
	}
	_, port, err := net.SplitHostPort(tlsAddr)
	if err != nil || port == "443" {
		return "localhost"
	}
	return "localhost:" + port
}

// Validate reports every problem with c at once.
func (c Config) Validate() error {
	var errs []error
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		errs = append(errs, fmt.Errorf("--listen %q: %v", c.Listen, err))
	}
	if c.TLSListen != "" {
		if _, _, err := net.SplitHostPort(c.TLSListen); err != nil {
			errs = append(errs, fmt.Errorf("--tls-listen %q: %v", c.TLSListen, err))
		}
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		errs = append(errs, errors.New("--tls-cert and --tls-key must be given together"))
	}
	if c.TLSCert != "" && c.TLSListen == "" {
		errs = append(errs, errors.New("--tls-cert needs --tls-listen"))
	}
	for _, h := range c.TLSHostnames {
		if !tlsNameRE.MatchString(h) && net.ParseIP(h) == nil {
			errs = append(errs, fmt.Errorf("--tls-hostnames %q: not a host name, *.name or IP address", h))
		}
	}
	if c.URLSuffix != "" {
		if err := checkURLSuffix(c.URLSuffix); err != nil {
			errs = append(errs, fmt.Errorf("--url-suffix %q: %v", c.URLSuffix, err))
		}
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
	if c.APIGWMaxResources < 1 {
		errs = append(errs, fmt.Errorf("--apigw-max-resources %d: must be at least 1", c.APIGWMaxResources))
	}
	if c.BodyBudget < 0 {
		errs = append(errs, errors.New("--body-budget must not be negative"))
	}
	if c.BodyTimeout < 0 {
		errs = append(errs, errors.New("--body-timeout must not be negative"))
	}
	if c.StoreTimeout <= 0 {
		errs = append(errs, fmt.Errorf("--store-timeout %s: must be positive", c.StoreTimeout))
	}
	// One poll of the change feed may take up to StoreTimeout; a bound
	// below that would turn one slow poll into refused requests.
	if c.OIDCIssuerURL != "" {
		if err := checkIssuerURL(c.OIDCIssuerURL); err != nil {
			errs = append(errs, fmt.Errorf("--oidc-issuer-url %q: %v", c.OIDCIssuerURL, err))
		}
	}
	if c.OIDCKeyRotation < time.Hour {
		errs = append(errs, fmt.Errorf("--oidc-key-rotation %s: must be at least 1h", c.OIDCKeyRotation))
	}
	if c.MaxStaleness < time.Second || c.MaxStaleness <= c.StoreTimeout {
		errs = append(errs, fmt.Errorf("--max-staleness %s: must be at least 1s and longer than --store-timeout (%s)", c.MaxStaleness, c.StoreTimeout))
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

// checkIssuerURL accepts an absolute http(s) URL with a host, no user
// information, query or fragment, and no trailing slash (an OIDC issuer is
// compared as a string: the discovery document's issuer must equal it).
func checkIssuerURL(s string) error {
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return err
	case u.Scheme != "https" && u.Scheme != "http":
		return errors.New("must be an https:// (or http://) URL")
	case u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" || strings.HasSuffix(s, "?") || strings.HasSuffix(s, "#"):
		return errors.New("must be scheme://host[:port][/path] with no user, query or fragment")
	case strings.HasSuffix(u.Path, "/"):
		return errors.New("must not end with /")
	case len(s) > 1000:
		return errors.New("longer than 1000 characters")
	}
	return nil
}
