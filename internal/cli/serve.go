package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/app"
	"github.com/gatehouse-dev/gatehouse/internal/config"
	"github.com/gatehouse-dev/gatehouse/internal/server"
)

func init() {
	register("serve", "run the gatehouse server (IAM, STS, API Gateway, Lambda, execute-api)", serve)
}

// serveFlags binds every serve flag to cfg; each flag's default comes from
// its GATEHOUSE_* environment variable when set.
func serveFlags(fs *flag.FlagSet, cfg *config.Config, getenv func(string) string) func() error {
	var errs []error
	str := func(p *string, name, usage string) {
		if v := getenv(envName(name)); v != "" {
			*p = v
		}
		fs.StringVar(p, name, *p, usage+" (env "+envName(name)+")")
	}
	boolean := func(p *bool, name, usage string) {
		if v := getenv(envName(name)); v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s=%q: not a boolean", envName(name), v))
			}
			*p = b
		}
		fs.BoolVar(p, name, *p, usage+" (env "+envName(name)+")")
	}
	str(&cfg.Listen, "listen", "address to serve every surface on")
	str(&cfg.TLSListen, "tls-listen", "second address serving every surface over TLS (e.g. 127.0.0.1:4567); off when empty")
	str(&cfg.TLSCert, "tls-cert", "PEM certificate chain for --tls-listen; without it a local CA in DATA-DIR/tls issues one")
	str(&cfg.TLSKey, "tls-key", "PEM private key of --tls-cert")
	tlsNames := strings.Join(cfg.TLSHostnames, ",")
	if v := getenv("GATEHOUSE_TLS_HOSTNAMES"); v != "" {
		tlsNames = v
	}
	cfg.TLSHostnames = splitList(tlsNames)
	fs.Func("tls-hostnames", "comma-separated extra host names or IP addresses the generated certificate covers (env GATEHOUSE_TLS_HOSTNAMES)", func(v string) error {
		cfg.TLSHostnames = splitList(v)
		return nil
	})
	str(&cfg.URLSuffix, "url-suffix", "domain[:port] of the URLs gatehouse gives out and CloudFormation's AWS::URLSuffix (default localhost:PORT of --tls-listen, else amazonaws.com)")
	str(&cfg.DataDir, "data-dir", "directory for the embedded store, keys and generated credentials")
	str(&cfg.Store, "store", `store backend: empty for the embedded SQLite store in --data-dir, or postgres://... to share state between nodes`)
	str(&cfg.Region, "region", "default region for gatehouse's own CLI and examples (every region is served)")
	str(&cfg.AccountID, "account-id", "the default account, bootstrapped at first start")
	str(&cfg.LogFormat, "log-format", "log format: text or json")
	str(&cfg.LogLevel, "log-level", "log level: debug, info, warn or error")
	str(&cfg.DecisionLog, "decision-log", `authorization decision log: "" (off), "-" (stdout) or a file path`)
	boolean(&cfg.HideCanonical, "hide-canonical", "omit the canonical request from signature-mismatch errors (hardened deployments)")
	boolean(&cfg.LegacyDenyMessages, "legacy-deny-messages", "use AWS's pre-2023 access-denied wording (no policy-type suffix)")
	boolean(&cfg.EncodeDenials, "encode-denials", "append an encoded authorization message to access denials (sts decode-authorization-message reads it)")
	if v := getenv("GATEHOUSE_APIGW_MAX_RESOURCES"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("GATEHOUSE_APIGW_MAX_RESOURCES=%q: not an integer", v))
		}
		cfg.APIGWMaxResources = n
	}
	fs.IntVar(&cfg.APIGWMaxResources, "apigw-max-resources", cfg.APIGWMaxResources, "most resources of one REST API, root included (AWS's default quota; env GATEHOUSE_APIGW_MAX_RESOURCES)")
	envDomains := false
	if v := getenv("GATEHOUSE_DOMAIN_NAMES"); v != "" {
		cfg.DomainNames, envDomains = strings.Fields(v), true
	}
	fs.Func("domain-names", "custom domain names an account may claim without a certificate: ACCOUNT=NAME[,NAME]..., a NAME may be *.domain; repeatable (env GATEHOUSE_DOMAIN_NAMES, space-separated)", func(v string) error {
		if envDomains { // flags replace the environment, as for every flag
			cfg.DomainNames, envDomains = nil, false
		}
		cfg.DomainNames = append(cfg.DomainNames, v)
		return nil
	})
	str(&cfg.DomainCA, "domain-ca", "PEM file of the CAs whose certificates prove control of a custom domain name")
	str(&cfg.HTTPServer, "http-server", "what serves HTTP: gatehouse (its HTTP/1.1 front, net/http for the rest) or net/http")
	str(&cfg.UpstreamClient, "upstream-client", "what calls HTTP integrations: gatehouse (its HTTP/1.1 client) or net/http (http.Transport)")
	str(&cfg.LambdaIsolation, "lambda-isolation", "how functions run: sandbox (each instance in its own bubblewrap sandbox) or none (unsafe: child processes with the server's user, which can read its data dir and secrets)")
	roots := strings.Join(cfg.LambdaCodeRoots, ",")
	if v := getenv("GATEHOUSE_LAMBDA_CODE_ROOTS"); v != "" {
		roots = v
	}
	cfg.LambdaCodeRoots = splitList(roots)
	fs.Func("lambda-code-roots", "comma-separated directories under which functions may use a local directory as code (S3Bucket=gatehouse-local-dir); default none (env GATEHOUSE_LAMBDA_CODE_ROOTS)", func(v string) error {
		cfg.LambdaCodeRoots = splitList(v)
		return nil
	})
	uid := ""
	if cfg.LambdaSandboxUID != 0 {
		uid = strconv.FormatUint(uint64(cfg.LambdaSandboxUID), 10)
	}
	str(&uid, "lambda-sandbox-uid", "first host uid (and gid) of function sandboxes when gatehouse runs as root: instances use UID..UID+65535 (default 1879048192)")
	if v := getenv("GATEHOUSE_SHUTDOWN_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("GATEHOUSE_SHUTDOWN_TIMEOUT=%q: %v", v, err))
		}
		cfg.ShutdownTimeout = d
	}
	fs.DurationVar(&cfg.ShutdownTimeout, "shutdown-timeout", cfg.ShutdownTimeout, "how long to drain in-flight requests on SIGINT/SIGTERM (env GATEHOUSE_SHUTDOWN_TIMEOUT)")
	if v := getenv("GATEHOUSE_BODY_BUDGET"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			errs = append(errs, fmt.Errorf("GATEHOUSE_BODY_BUDGET=%q: not a number of bytes", v))
		}
		cfg.BodyBudget = n
	}
	fs.Int64Var(&cfg.BodyBudget, "body-budget", cfg.BodyBudget, "bytes of request bodies buffered at once across all requests; more gets a throttling error (env GATEHOUSE_BODY_BUDGET)")
	if v := getenv("GATEHOUSE_BODY_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("GATEHOUSE_BODY_TIMEOUT=%q: %v", v, err))
		}
		cfg.BodyTimeout = d
	}
	fs.DurationVar(&cfg.BodyTimeout, "body-timeout", cfg.BodyTimeout, "time a request body has to arrive, plus its length at 64 KiB/s (env GATEHOUSE_BODY_TIMEOUT)")
	duration := func(p *time.Duration, name, usage string) {
		if v := getenv(envName(name)); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s=%q: %v", envName(name), v, err))
			}
			*p = d
		}
		fs.DurationVar(p, name, *p, usage+" (env "+envName(name)+")")
	}
	duration(&cfg.MaxStaleness, "max-staleness", "longest a node serves from snapshots it cannot confirm current (store unreachable, rebuild failing) before answering ServiceUnavailable")
	str(&cfg.OIDCIssuerURL, "oidc-issuer-url", "public base URL of the outbound web identity federation issuers (an account's issuer is URL/_gatehouse/oidc/ACCOUNT); default the scheme and host of the request that enabled the account's federation")
	duration(&cfg.OIDCKeyRotation, "oidc-key-rotation", "age at which an account's outbound federation signing keys are replaced; retired keys stay in the JWKS until the tokens they signed expire")
	duration(&cfg.StoreTimeout, "store-timeout", "bound on each store operation; a write that runs out of time is rolled back and answered ServiceUnavailable")
	// Secrets come only from the environment, never from flags (which show in ps).
	cfg.RootAccessKeyID = getenv("GATEHOUSE_ROOT_ACCESS_KEY_ID")
	cfg.RootSecretAccessKey = getenv("GATEHOUSE_ROOT_SECRET_ACCESS_KEY")
	cfg.MasterKey = getenv("GATEHOUSE_MASTER_KEY")
	return func() error {
		if uid != "" {
			n, err := strconv.ParseUint(uid, 10, 32)
			if err != nil {
				errs = append(errs, fmt.Errorf("--lambda-sandbox-uid %q: not a uid", uid))
			}
			cfg.LambdaSandboxUID = uint32(n)
		}
		return errors.Join(errs...)
	}
}

// splitList splits a comma-separated flag value, dropping empty items.
func splitList(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func serve(ctx context.Context, args []string, env Env) int {
	getenv := env.Getenv
	if env.Process {
		// Secrets given in the environment are read, then the process
		// replaces itself without them (same pid), so that
		// /proc/PID/environ never shows them again.
		g, err := hideSecretEnv()
		if err != nil {
			fmt.Fprintf(env.Stderr, "gatehouse serve: %v\n", err)
			return 1
		}
		getenv = g
	}
	cfg := config.Default()
	fs := flag.NewFlagSet("gatehouse serve", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	envErr := serveFlags(fs, &cfg, getenv)
	printUsage := func(w io.Writer) {
		fs.SetOutput(w)
		fmt.Fprint(w, `Usage: gatehouse serve [flags]

Runs IAM, STS, API Gateway and Lambda control planes and the execute-api data
plane on one listener, with state in --data-dir.

The default account's root credentials come from GATEHOUSE_ROOT_ACCESS_KEY_ID
and GATEHOUSE_ROOT_SECRET_ACCESS_KEY; without them they are generated once and
written (0600) to DATA-DIR/credentials as an AWS shared-credentials file.
GATEHOUSE_MASTER_KEY (base64, 32 bytes) encrypts secrets at rest; without it a
key is generated once into DATA-DIR/master.key (0600). Secrets given in the
environment are removed from it at start; the data dir is kept 0700.

Lambda functions run each in its own bubblewrap sandbox (install bubblewrap);
where that is impossible, serve starts but refuses to run functions and says
why, unless --lambda-isolation=none (unsafe) is given.

Flags:
`)
		fs.PrintDefaults()
	}
	fs.Usage = func() {} // printed below, to stdout for --help and stderr for mistakes
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printUsage(env.Stdout)
			return 0
		}
		printUsage(env.Stderr)
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(env.Stderr, "gatehouse serve: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	if err := envErr(); err != nil {
		fmt.Fprintf(env.Stderr, "gatehouse serve: %v\n", err)
		return 2
	}
	log := newLogger(env.Stderr, cfg.LogFormat, cfg.LogLevel)
	if getenv("GOGC") == "" {
		// The request path allocates little but often and the live heap is
		// small (snapshots, pooled buffers), so trading memory for fewer
		// collections pays: ~15-25% more proxied requests/s in bench/.
		// GOGC in the environment still wins.
		debug.SetGCPercent(400)
	}
	if cfg.DataDir != "" {
		// Before anything secret is written into it.
		tightened, err := config.PrivateDir(cfg.DataDir)
		if err != nil {
			fmt.Fprintf(env.Stderr, "gatehouse serve: %v\n", err)
			return 1
		}
		if tightened {
			log.Warn("data dir was readable by others: its mode is now 0700", "data_dir", cfg.DataDir)
		}
	}
	credsPath, generated, err := bootstrapRoot(&cfg)
	if err != nil {
		fmt.Fprintf(env.Stderr, "gatehouse serve: %v\n", err)
		return 1
	}
	if err := cfg.Validate(); err != nil {
		fmt.Fprintf(env.Stderr, "gatehouse serve: %v\n", err)
		return 2
	}
	a, err := app.New(ctx, cfg, log)
	if err != nil {
		fmt.Fprintf(env.Stderr, "gatehouse serve: %v\n", err)
		return 1
	}
	defer a.Close()
	if getenv("GOGC") == "" && getenv("GOMEMLIMIT") == "" {
		// After the start-up build, which a limit would only slow down:
		// bounds GOGC=400's headroom on a large heap (heaplimit.go).
		heapLimit(ctx)
	}

	srv := server.HTTPServer(cfg.Listen, a.Handler, log)
	bound, tlsURL, caPath, err := listenAll(cfg, a, srv, log)
	if err != nil {
		fmt.Fprintf(env.Stderr, "gatehouse serve: %v\n", err)
		if errors.Is(err, syscall.EADDRINUSE) {
			fmt.Fprintf(env.Stderr, "(is another gatehouse already serving there? choose other addresses with --listen/GATEHOUSE_LISTEN and --tls-listen/GATEHOUSE_TLS_LISTEN)\n")
		}
		return 1
	}
	{
		url := "http://" + bound[0].Listener.Addr().String()
		log.Info("gatehouse listening", "url", url, "data_dir", cfg.DataDir, "account", cfg.AccountID, "version", Version)
		fmt.Fprintf(env.Stdout, "gatehouse %s listening on %s (account %s, data in %s)\n", Version, url, cfg.AccountID, cfg.DataDir)
		if tlsURL != "" {
			log.Info("gatehouse listening over TLS", "url", tlsURL, "ca", caPath)
			fmt.Fprintf(env.Stdout, "TLS on %s", tlsURL)
			if caPath != "" {
				shown := caPath
				if abs, err := filepath.Abs(caPath); err == nil {
					shown = abs
				}
				fmt.Fprintf(env.Stdout, " (certificate from the local CA %s: trust it with AWS_CA_BUNDLE=%s or curl --cacert; see gatehouse ca)", shown, shown)
			}
			fmt.Fprintf(env.Stdout, "; URLs use the suffix %s\n", cfg.EffectiveURLSuffix(bound[1].Listener.Addr().String()))
		}
		switch mode, err := a.LambdaIsolation(); {
		case err != nil:
			fmt.Fprintf(env.Stdout, "Lambda functions will NOT run: %v\n", err)
		case mode == "none":
			fmt.Fprintf(env.Stdout, "WARNING: --lambda-isolation=none: functions run unisolated with this server's user; function code can read its data dir and secrets.\n")
		}
		if credsPath != "" {
			verb := "are in"
			if generated {
				verb = "were generated into"
			}
			// The hint is pasted into another shell, maybe elsewhere: an
			// absolute path works from any directory.
			shown := credsPath
			if abs, err := filepath.Abs(credsPath); err == nil {
				shown = abs
			}
			fmt.Fprintf(env.Stdout, "Root credentials %s %s. Try:\n", verb, shown)
			fmt.Fprintf(env.Stdout, "  AWS_SHARED_CREDENTIALS_FILE=%s AWS_DEFAULT_REGION=%s aws sts get-caller-identity --endpoint-url %s\n", shown, cfg.Region, url)
		} else {
			fmt.Fprintf(env.Stdout, "Root credentials are the ones in GATEHOUSE_ROOT_ACCESS_KEY_ID. Try:\n  aws sts get-caller-identity --endpoint-url %s\n", url)
		}
	}
	err = server.ServeAll(ctx, cfg.ShutdownTimeout, bound...)
	if err != nil {
		fmt.Fprintf(env.Stderr, "gatehouse serve: %v\n", err)
		if errors.Is(err, syscall.EADDRINUSE) {
			fmt.Fprintf(env.Stderr, "(is another gatehouse already serving there? choose another address with --listen or GATEHOUSE_LISTEN)\n")
		}
		return 1
	}
	log.Info("gatehouse stopped")
	return 0
}

func newLogger(w io.Writer, format, level string) *slog.Logger {
	var lv slog.Level
	_ = lv.UnmarshalText([]byte(level))
	opts := &slog.HandlerOptions{Level: lv}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// CredentialsFile is the name of the generated root credentials file in the
// data dir.
const CredentialsFile = "credentials"

// bootstrapRoot fills cfg's root credentials: from the environment if set
// (nothing written), else from DATA-DIR/credentials, else freshly generated
// and written there with mode 0600. It returns the file's path ("" when the
// environment supplied the keys) and whether it was generated now.
func bootstrapRoot(cfg *config.Config) (path string, generated bool, err error) {
	if cfg.RootAccessKeyID != "" || cfg.RootSecretAccessKey != "" {
		return "", false, nil
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return "", false, fmt.Errorf("create data dir: %w", err)
	}
	path = filepath.Join(cfg.DataDir, CredentialsFile)
	if b, err := os.ReadFile(path); err == nil {
		id, secret := parseCredentials(string(b))
		if id == "" || secret == "" {
			return "", false, fmt.Errorf("%s: no aws_access_key_id / aws_secret_access_key in [default]", path)
		}
		cfg.RootAccessKeyID, cfg.RootSecretAccessKey = id, secret
		return path, false, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return "", false, err
	}
	cfg.RootAccessKeyID, cfg.RootSecretAccessKey = NewAccessKeyID(), NewSecretAccessKey()
	content := fmt.Sprintf("# gatehouse root credentials of account %s (generated %s).\n# Use with AWS_SHARED_CREDENTIALS_FILE=%s\n[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n",
		cfg.AccountID, time.Now().UTC().Format(time.RFC3339), path, cfg.RootAccessKeyID, cfg.RootSecretAccessKey)
	if err := server.WriteFileAtomic(path, []byte(content), 0o600); err != nil {
		return "", false, err
	}
	return path, true, nil
}

func parseCredentials(s string) (id, secret string) {
	section := ""
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]") {
			section = strings.TrimSpace(line[1 : len(line)-1])
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok || section != "default" {
			continue
		}
		switch strings.TrimSpace(k) {
		case "aws_access_key_id":
			id = strings.TrimSpace(v)
		case "aws_secret_access_key":
			secret = strings.TrimSpace(v)
		}
	}
	return id, secret
}

// listenAll binds the listeners (the TLS one when configured), tells the
// app its endpoints and URL suffix, and returns what to serve: the plain
// listener first. caPath is the local CA's certificate ("" with the
// operator's certificate or without TLS).
func listenAll(cfg config.Config, a *app.App, srv *http.Server, log *slog.Logger) (bound []server.Bound, tlsURL, caPath string, err error) {
	ln, err := server.Listen(cfg.Listen)
	if err != nil {
		return nil, "", "", err
	}
	bound = append(bound, server.Bound{Frontend: server.NewFrontend(cfg.HTTPServer, srv), Listener: ln})
	a.SetEndpoint("http://" + ln.Addr().String())
	if cfg.TLSListen == "" {
		a.SetURLSuffix(cfg.EffectiveURLSuffix(""))
		return bound, "", "", nil
	}
	tln, err := server.Listen(cfg.TLSListen)
	if err != nil {
		ln.Close()
		return nil, "", "", err
	}
	suffix := cfg.EffectiveURLSuffix(tln.Addr().String())
	tcfg, caPath, err := server.TLSConfig(server.TLSOptions{DataDir: cfg.DataDir, CertFile: cfg.TLSCert, KeyFile: cfg.TLSKey,
		Names: server.ServerNames(suffix, cfg.Region, cfg.TLSHostnames), Now: cfg.Now})
	if err != nil {
		ln.Close()
		tln.Close()
		return nil, "", "", err
	}
	var caPEM []byte
	if caPath != "" {
		if caPEM, err = os.ReadFile(caPath); err != nil {
			ln.Close()
			tln.Close()
			return nil, "", "", err
		}
	}
	tlsURL = "https://" + tln.Addr().String()
	if err := a.SetTLS(app.TLSListener{URL: tlsURL, CACert: caPEM, Config: tcfg}); err != nil {
		ln.Close()
		tln.Close()
		return nil, "", "", err
	}
	a.SetURLSuffix(suffix)
	tsrv := server.HTTPServer(cfg.TLSListen, a.Handler, log)
	// Handshake failures (a client that does not trust the CA) are the
	// client's to report; they stay out of the server's warnings.
	tsrv.ErrorLog = slog.NewLogLogger(log.Handler(), slog.LevelDebug)
	bound = append(bound, server.Bound{Frontend: server.NewTLSFrontend(tsrv, tcfg), Listener: tln})
	return bound, tlsURL, caPath, nil
}
