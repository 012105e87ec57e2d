package callers

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/gatehouse-dev/gatehouse/pkg/sigv4client"
)

// HealthPath is answered by the sign-proxy itself and never forwarded.
const HealthPath = "/_signproxy/health"

// defaultRefreshWindow is how long before expiry the proxy fetches new
// temporary credentials, so that a request signed just before the expiry
// does not reach the server after it.
const defaultRefreshWindow = time.Minute

const signProxyHelp = `Usage: gatehouse sign-proxy --target URL [flags]

Run a local HTTP proxy (a sidecar) that signs every request it forwards to
--target with AWS Signature Version 4, so that an application without an AWS
SDK can call IAM-protected APIs with plain HTTP. A request to
http://LISTEN/PATH?QUERY goes to TARGET/PATH?QUERY (TARGET's path is prefixed).

Proxy:
  --listen ADDR            address to listen on (default 127.0.0.1:8080); keep it on
                           loopback: anyone who can reach it can call as this identity
  --target URL             base URL requests are forwarded to (required), e.g.
                           https://abc123.execute-api.us-east-1.amazonaws.com/prod or
                           http://127.0.0.1:4566/restapis/abc123/prod/_user_request_
  --unsigned-payload       sign UNSIGNED-PAYLOAD instead of hashing bodies (only for
                           services that accept it, e.g. s3; execute-api does not)

Incoming Authorization, X-Amz-Date, X-Amz-Security-Token and
X-Amz-Content-Sha256 headers (and X-Amz-* signature query parameters) are
dropped and replaced by the proxy's own signature; Host becomes the target's
host. Bodies are hashed as they stream in: up to 1 MiB in memory, larger ones
spooled to a temporary file in $TMPDIR, never held whole in memory.
Temporary credentials (--assume-role, web identity, role_arn profiles) are
refreshed shortly before they expire, without a restart.

GET /_signproxy/health answers 200 with JSON {"status":"ok", ...,
"credentials":{"source":..., "expires":...}} when credentials can be
obtained, 503 with {"status":"unavailable","error":...} otherwise.

` + credHelp + `
The proxy stops gracefully on SIGINT/SIGTERM (in-flight requests get 10s).
Exit status: 0 after a graceful stop, 1 on errors, 2 for usage errors.
`

// proxyOptions are knobs that tests turn; the CLI uses the zero value.
type proxyOptions struct {
	refreshWindow time.Duration       // default defaultRefreshWindow
	ready         func(addr net.Addr) // called once listening
	spoolDir      string              // default os.TempDir()
	base          http.RoundTripper   // default: a clone of http.DefaultTransport
}

// SignProxy runs `gatehouse sign-proxy` with args (without the command name)
// until ctx is cancelled, then shuts down gracefully and returns the exit
// code. It prints the listening address to stdout and errors to stderr.
func SignProxy(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return signProxy(ctx, args, stdout, stderr, proxyOptions{})
}

// SignProxyOptions are knobs for running the proxy embedded in another
// program, chiefly end-to-end tests; the CLI uses the zero value.
type SignProxyOptions struct {
	// RefreshWindow is how long before expiry temporary credentials are
	// replaced (default one minute). A window close to the session length
	// makes credentials "expire" within seconds, to test refreshing.
	RefreshWindow time.Duration
	// Ready is called with the listening address once the proxy serves
	// (useful with --listen 127.0.0.1:0).
	Ready func(addr net.Addr)
	// SpoolDir is where large bodies are spooled (default os.TempDir()).
	SpoolDir string
}

// SignProxyWithOptions is [SignProxy] with opt applied.
func SignProxyWithOptions(ctx context.Context, args []string, stdout, stderr io.Writer, opt SignProxyOptions) int {
	return signProxy(ctx, args, stdout, stderr, proxyOptions{refreshWindow: opt.RefreshWindow, ready: opt.Ready, spoolDir: opt.SpoolDir})
}

func signProxy(ctx context.Context, args []string, stdout, stderr io.Writer, opt proxyOptions) int {
	fs := flag.NewFlagSet("gatehouse sign-proxy", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, signProxyHelp) }
	var (
		listen, target string
		unsigned       bool
		cred           credFlags
	)
	fs.StringVar(&listen, "listen", "127.0.0.1:8080", "")
	fs.StringVar(&target, "target", "", "")
	fs.BoolVar(&unsigned, "unsigned-payload", false, "")
	cred.register(fs)
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		return ExitOK
	}
	if err != nil {
		return ExitUsage
	}
	fail := func(code int, format string, v ...any) int {
		fmt.Fprintf(stderr, "gatehouse sign-proxy: "+format+"\n", v...)
		return code
	}
	if fs.NArg() > 0 {
		return fail(ExitUsage, "unexpected argument %q (see --help)", fs.Arg(0))
	}
	tu, err := url.Parse(target)
	if target == "" || err != nil || (tu.Scheme != "http" && tu.Scheme != "https") || tu.Host == "" {
		return fail(ExitUsage, "--target must be an absolute http(s) URL, got %q", target)
	}
	if tu.RawQuery != "" || tu.Fragment != "" {
		return fail(ExitUsage, "--target must not have a query or fragment")
	}
	if cred.region == "" {
		cred.region = regionFromHost(tu.Hostname())
	}

	window := opt.refreshWindow
	if window == 0 {
		window = defaultRefreshWindow
	}
	cacheOpts := func(o *aws.CredentialsCacheOptions) { o.ExpiryWindow = window }
	creds, region, err := loadCredentials(ctx, cred, "sign-proxy", cacheOpts)
	if err != nil {
		return fail(ExitFailure, "%v", err)
	}
	base := opt.base
	if base == nil {
		base = http.DefaultTransport.(*http.Transport).Clone()
	}
	tr, err := sigv4client.New(sigv4client.Config{
		Credentials:     creds,
		CacheOptions:    cacheOpts,
		Region:          region,
		Service:         cred.service,
		Base:            base,
		UnsignedPayload: unsigned,
		SpoolDir:        opt.spoolDir,
	})
	if err != nil {
		return fail(ExitFailure, "%v", err)
	}

	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return fail(ExitFailure, "listen: %v", err)
	}
	logger := log.New(stderr, "gatehouse sign-proxy: ", log.LstdFlags)
	h := newProxyHandler(tu, tr, logger)
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 30 * time.Second,
		ErrorLog:          logger,
	}
	fmt.Fprintf(stdout, "gatehouse sign-proxy: listening on http://%s, signing for %s in %s, forwarding to %s\n",
		ln.Addr(), tr.Service(), tr.Region(), tu.Redacted())

	// Fetch credentials once now so a misconfiguration shows at start, but
	// keep serving: a web-identity token file may appear later (and health
	// reports 503 until then).
	wctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	if _, err := tr.Credentials().Retrieve(wctx); err != nil {
		logger.Printf("warning: cannot obtain credentials yet: %s", explainCredentialsError(err))
	}
	cancel()
	if opt.ready != nil {
		opt.ready(ln.Addr())
	}

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fail(ExitFailure, "serve: %v", err)
	case <-ctx.Done():
	}
	sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer scancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fail(ExitFailure, "shutdown: %v", err)
	}
	return ExitOK
}

type proxyHandler struct {
	target    *url.URL
	transport *sigv4client.Transport
	log       *log.Logger
	proxy     *httputil.ReverseProxy
}

func newProxyHandler(target *url.URL, tr *sigv4client.Transport, logger *log.Logger) *proxyHandler {
	h := &proxyHandler{target: target, transport: tr, log: logger}
	h.proxy = &httputil.ReverseProxy{
		Rewrite:       h.rewrite,
		Transport:     tr,
		FlushInterval: -1, // stream responses (SSE, chunked) as they come
		ErrorLog:      logger,
		ErrorHandler:  h.proxyError,
	}
	return h
}

func (h *proxyHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == HealthPath {
		h.health(w, r)
		return
	}
	h.proxy.ServeHTTP(w, r)
}

// authHeaders are the signature-bearing headers a client may have set
// (e.g. signed for the proxy's own address); they are replaced, never
// forwarded. Other X-Amz-* headers (X-Amz-Target, X-Amz-Invocation-Type,
// ...) carry request semantics for some services and pass through, signed.
var authHeaders = []string{"Authorization", "X-Amz-Date", "X-Amz-Security-Token", "X-Amz-Content-Sha256"}

var authParams = []string{"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires",
	"X-Amz-SignedHeaders", "X-Amz-Signature", "X-Amz-Security-Token"}

func (h *proxyHandler) rewrite(pr *httputil.ProxyRequest) {
	pr.SetURL(h.target) // also sets the outgoing Host to the target's host
	for _, k := range authHeaders {
		pr.Out.Header.Del(k)
	}
	if strings.Contains(pr.Out.URL.RawQuery, "X-Amz-") {
		q := pr.Out.URL.Query()
		for _, k := range authParams {
			q.Del(k)
		}
		pr.Out.URL.RawQuery = q.Encode()
	}
}

func (h *proxyHandler) proxyError(w http.ResponseWriter, r *http.Request, err error) {
	status := http.StatusBadGateway
	if errors.Is(err, context.Canceled) {
		status = 499 // the client went away; nobody reads this answer
	}
	h.log.Printf("%s %s: %v", r.Method, r.URL.Path, err)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-ErrorType", "SignProxyError")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"message": "sign-proxy: " + err.Error()})
}

type healthCredentials struct {
	Source    string     `json:"source"`
	CanExpire bool       `json:"canExpire"`
	Expires   *time.Time `json:"expires,omitempty"` // when the proxy stops using them (refresh point)
}

type healthBody struct {
	Status      string             `json:"status"`
	Target      string             `json:"target"`
	Service     string             `json:"service"`
	Region      string             `json:"region"`
	Credentials *healthCredentials `json:"credentials,omitempty"`
	Error       string             `json:"error,omitempty"`
}

func (h *proxyHandler) health(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	body := healthBody{Status: "ok", Target: h.target.Redacted(), Service: h.transport.Service(), Region: h.transport.Region()}
	status := http.StatusOK
	c, err := h.transport.Credentials().Retrieve(r.Context())
	if err != nil {
		status, body.Status, body.Error = http.StatusServiceUnavailable, "unavailable", err.Error()
	} else {
		hc := &healthCredentials{Source: c.Source, CanExpire: c.CanExpire}
		if c.CanExpire {
			t := c.Expires.UTC()
			hc.Expires = &t
		}
		body.Credentials = hc
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if r.Method == http.MethodGet {
		json.NewEncoder(w).Encode(body)
	}
}
