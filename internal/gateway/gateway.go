package gateway

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/authn"
	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/awsproto"
	"github.com/gatehouse-dev/gatehouse/internal/pipeline"
	"github.com/gatehouse-dev/gatehouse/internal/reqbody"
	"github.com/gatehouse-dev/gatehouse/internal/sigv4"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// Authorizer is the IAM engine as the gateway uses it; *iam.Service
// implements it.
type Authorizer = pipeline.Explainer

// FunctionInvoker runs a Lambda-style function for an AWS_PROXY
// integration. functionError non-empty is the X-Amz-Function-Error of the
// invocation (the function failed: 502); err means the invocation was
// rejected (unknown function, no permission: 500).
type FunctionInvoker interface {
	InvokeFromGateway(ctx context.Context, functionARN, sourceARN string, event []byte) (payload []byte, functionError string, err error)
}

// Config configures a Gateway.
type Config struct {
	// Resolver resolves access keys for SigV4 (an *authn.Authenticator);
	// Result.Identity must be an *authn.Principal.
	Resolver sigv4.Resolver
	// Bodies reads the request bodies the gateway buffers (the server's
	// one budget); default a Reader of its own.
	Bodies *reqbody.Reader
	// Authorizer decides execute-api:Invoke. Nil denies every AWS_IAM call.
	Authorizer Authorizer
	// SigError maps a SigV4 failure to its gateway response; default
	// authn.GatewayError.
	SigError func(error) error
	// Invoker runs AWS_PROXY functions; nil answers 500 until set.
	Invoker FunctionInvoker
	// DecisionLog receives one JSON line per authorization decision; nil
	// for none.
	DecisionLog io.Writer
	// LegacyDenyMessages selects AWS's pre-2023 denial wording.
	LegacyDenyMessages bool
	// HideCanonical keeps the canonical request out of signature errors.
	HideCanonical bool
	// NoFallthrough disables backtracking from a resource without the verb
	// to a less specific one (spec §3.5 is unconfirmed; default on).
	NoFallthrough bool
	// Transport is used for HTTP integrations; nil means gatehouse's own
	// HTTP/1.1 client (upstream.go). NewTransport is net/http's.
	Transport http.RoundTripper
	// Secrets opens the sealed private keys of client certificates
	// (clientcert.go); nil presents no client certificate.
	Secrets *authn.SecretBox
	// ResponseCacheBytes bounds the stage response caches together
	// (cache.go); default DefaultResponseCacheBytes.
	ResponseCacheBytes int64
	// MaxTimeout caps integration timeouts; default 29 s.
	MaxTimeout time.Duration
	Log        *slog.Logger
	Now        func() time.Time
}

// MaxPayload is the REST API payload limit (spec §10.1).
const MaxPayload = 10 << 20

// maxLambdaPayload is Lambda's synchronous invocation limit.
const maxLambdaPayload = 6 << 20

// Gateway is the execute-api handler.
type Gateway struct {
	cfg       Config
	view      *store.View[Table]
	verifiers sync.Map // region -> *sigv4.Verifier
	probe     *sigv4.Verifier
	transport http.RoundTripper
	throttles sync.Map // throttle key -> *bucket
	dlog      *decisionLog
	invoker   atomicInvoker
	up        *upstream                   // nil when Config.Transport overrides the client
	acache    authzCache                  // Lambda authorizer results (authorizer.go)
	usage     *usageCounters              // usage plan counters (usage.go)
	roles     atomic.Pointer[RoleInvoker] // invoker of authorizers with credentials
	rcache    *responseCaches             // stage response caches (cache.go)
}

// New builds a Gateway over the store's apigw records.
func New(ctx context.Context, st *store.Store, cfg Config) (*Gateway, error) {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.SigError == nil {
		cfg.SigError = authn.GatewayError
	}
	if cfg.MaxTimeout <= 0 {
		cfg.MaxTimeout = 29 * time.Second
	}
	if cfg.Bodies == nil {
		cfg.Bodies = reqbody.New(reqbody.Limits{})
	}
	g := &Gateway{cfg: cfg, transport: cfg.Transport, rcache: newResponseCaches(cfg.ResponseCacheBytes)}
	if g.transport == nil {
		// One client for every integration: its pool reuses a connection
		// only at a provable message boundary (see upstream.go).
		g.up = newUpstream()
		g.transport = g.up
	}
	if cfg.DecisionLog != nil {
		g.dlog = &decisionLog{w: cfg.DecisionLog}
	}
	g.invoker.set(cfg.Invoker)
	g.usage = &usageCounters{now: cfg.Now, tbl: func() *Table {
		if g.view == nil {
			return nil
		}
		return g.view.Load()
	}}
	// probe only parses: it refuses every key, so a malformed Authorization
	// header on an unmatched route can be reported as AWS does (§12.1 rows
	// 3–4) without resolving anything.
	g.probe = sigv4.New(sigv4.Config{Service: "execute-api", Now: cfg.Now, CacheSize: -1,
		Resolver: sigv4.ResolverFunc(func(string, string) (sigv4.Credentials, error) {
			return sigv4.Credentials{}, sigv4.ErrUnknownKey
		})})
	v, err := store.NewView(ctx, st, "gateway-routes", []string{"apigw/"}, cfg.Log,
		func(ctx context.Context, r store.Reader) (*Table, error) { return loadTable(ctx, r, cfg.Secrets) })
	if err != nil {
		return nil, err
	}
	g.view = v
	return g, nil
}

// SetInvoker installs the AWS_PROXY function invoker (the Lambda service,
// wired after the gateway).
func (g *Gateway) SetInvoker(inv FunctionInvoker) { g.invoker.set(inv) }

// NewTransport returns the HTTP transport tuned for proxying to a few
// backends at high rates: many idle keep-alive connections per host, no
// transparent compression (bodies pass through untouched), HTTP/1.1.
func NewTransport() *http.Transport {
	return &http.Transport{
		Proxy:                 nil,
		DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:          4096,
		MaxIdleConnsPerHost:   1024,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
		DisableCompression:    true,
		WriteBufferSize:       16 << 10,
		ReadBufferSize:        16 << 10,
		ForceAttemptHTTP2:     false,
	}
}

func (g *Gateway) verifier(region string) *sigv4.Verifier {
	if v, ok := g.verifiers.Load(region); ok {
		return v.(*sigv4.Verifier)
	}
	v := sigv4.New(sigv4.Config{Service: "execute-api", Region: region, Skew: 5 * time.Minute,
		Now: g.cfg.Now, Resolver: g.cfg.Resolver, HideCanonical: g.cfg.HideCanonical})
	actual, _ := g.verifiers.LoadOrStore(region, v)
	return actual.(*sigv4.Verifier)
}

// target is what the request addresses.
type target struct {
	apiID    string
	stage    string  // stage name (decoded; it equals the stage's name)
	rest     reqPath // canonical resource path after the stage or base path
	custom   bool    // via a custom domain
	basePath string  // custom domain base path, encoded ("" for none)
}

// resolve finds API, stage and resource path (spec §2) in the canonical
// path p: every form (host, /restapis/…/_user_request_, /_aws/execute-api,
// custom domain) is read from p's decoded segments, never from the raw
// path.
func (t *Table) resolve(host string, p reqPath) (target, bool) {
	var tg target
	h := host
	if i := strings.LastIndexByte(h, ':'); i >= 0 && !strings.Contains(h[i:], "]") {
		h = h[:i]
	}
	if i := strings.IndexByte(h, '.'); i > 0 && strings.HasPrefix(h[i+1:], "execute-api.") {
		tg.apiID = strings.ToLower(h[:i])
		return tg.stageAndRest(p)
	}
	if !p.isRoot() {
		first, _, rest := p.pop()
		switch first {
		case "restapis":
			var id, stage, marker string
			if !rest.isRoot() {
				id, _, rest = rest.pop()
			}
			if !rest.isRoot() {
				stage, _, rest = rest.pop()
			}
			if !rest.isRoot() {
				marker, _, rest = rest.pop()
			}
			if marker != "_user_request_" {
				return tg, false
			}
			tg.apiID, tg.stage, tg.rest = id, stage, rest
			return tg, tg.apiID != "" && tg.stage != ""
		case "_aws":
			var second string
			if !rest.isRoot() {
				second, _, rest = rest.pop()
			}
			if second == "execute-api" && !rest.isRoot() {
				tg.apiID, _, rest = rest.pop()
				return tg.stageAndRest(rest)
			}
		}
	}
	if d := t.domains[strings.ToLower(h)]; d != nil {
		tg.custom = true
		if !p.isRoot() {
			seg, enc, rest := p.pop()
			if m := d.mappings[seg]; m != nil && seg != "(none)" {
				tg.apiID, tg.stage, tg.basePath, tg.rest = m.api, m.stage, enc, rest
				return tg, true
			}
		}
		if m := d.mappings["(none)"]; m != nil {
			tg.apiID, tg.stage, tg.rest = m.api, m.stage, p
			return tg, true
		}
	}
	return tg, false
}

// stageAndRest reads the stage (first segment) and resource path of p.
func (tg target) stageAndRest(p reqPath) (target, bool) {
	if p.isRoot() {
		return tg, false
	}
	tg.stage, _, tg.rest = p.pop()
	return tg, tg.apiID != "" && tg.stage != ""
}

// rawPath returns the path exactly as received.
func rawPath(r *http.Request) string {
	uri := r.RequestURI
	if uri == "" {
		return r.URL.EscapedPath()
	}
	if i := strings.IndexByte(uri, '?'); i >= 0 {
		uri = uri[:i]
	}
	if !strings.HasPrefix(uri, "/") {
		if i := strings.Index(uri, "://"); i >= 0 {
			rest := uri[i+3:]
			if j := strings.IndexByte(rest, '/'); j >= 0 {
				return rest[j:]
			}
			return "/"
		}
	}
	return uri
}

// ServeHTTP runs the pipeline: route, authenticate and authorize (AWS_IAM),
// resource policy (other methods), throttle, integration.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := g.cfg.Now()
	meta := awsproto.MetaFrom(r.Context())
	rq := getRequest()
	defer putRequest(rq)
	rq.g, rq.w, rq.r, rq.start, rq.reqID = g, w, r, start, meta.RequestID
	rq.apigwID, rq.traceID = newIDs(start)
	h := w.Header()
	ids := []string{rq.reqID, rq.apigwID, rq.traceID}
	h["X-Amzn-Requestid"] = ids[0:1:1]
	h["X-Amz-Apigw-Id"] = ids[1:2:2]
	h["X-Amzn-Trace-Id"] = ids[2:3:3]
	awsproto.SetOperation(r.Context(), "Invoke")

	// The one canonical path of this request (canonicalPath); a path with
	// no single meaning, or a method that is not one of the standard
	// tokens, names no resource.
	rq.rawPath = rawPath(r)
	p, ok := canonicalPath(rq.rawPath)
	if !ok || !standardMethod(r.Method) {
		g.noRoute(rq)
		return
	}
	tbl := g.view.Load()
	if !g.checkMTLS(rq, tbl) {
		return
	}
	tg, ok := tbl.resolve(r.Host, p)
	if !ok {
		g.noRoute(rq)
		return
	}
	api := tbl.apis[tg.apiID]
	rq.api = api
	var st *stageEntry
	if api != nil {
		st = api.stages[tg.stage]
	}
	if st == nil {
		g.noRoute(rq)
		return
	}
	st = st.pick()
	rq.tg, rq.stage = tg, st
	var m *methodEntry
	if g.cfg.NoFallthrough {
		m = st.matchStrict(tg.rest, r.Method, &rq.params)
	} else {
		m = st.match(tg.rest, r.Method, &rq.params)
	}
	if m == nil {
		g.noRoute(rq)
		return
	}
	rq.m = m
	if st.disableDefault && !tg.custom {
		g.fail(rq, awserr.GatewayForbidden.New(""))
		return
	}
	// Only authorization uses the method ARN (a NONE route without a
	// resource policy never builds it). It holds the canonical decoded
	// path in AWS's resource-path form: no leading slash after the verb,
	// "…/GET/" for the root (spec §5). Whether AWS decodes the path in
	// the ARN is undocumented [unconfirmed]; gatehouse decodes, so that
	// "adm%69n" and "admin" are one resource to a policy as they are to
	// the backend.
	if m.iam || st.policy != nil || st.policyBroken || m.authType == "CUSTOM" {
		rq.methodARN = st.arnPrefix.Method(r.Method, tg.rest.dec[1:])
		if len(rq.methodARN) > 1600 && (m.iam || st.policy != nil) {
			g.fail(rq, awserr.GatewayURITooLong.New(""))
			return
		}
	}
	if r.ContentLength > MaxPayload {
		g.tooLarge(rq)
		return
	}

	switch {
	case m.iam:
		if !g.authorizeIAM(rq) {
			return
		}
	case m.authType == "NONE" || m.authType == "":
		if st.policy != nil || st.policyBroken {
			if !g.authorizeAnonymous(rq) {
				return
			}
		}
	case m.authType == "CUSTOM":
		rq.flushGen = tbl.x.flushGen[tg.apiID+"/"+st.name]
		if !g.authorizeCustom(rq) {
			return
		}
	default:
		// COGNITO_USER_POOLS (refused by the control plane, but possibly
		// in an older deployment) and unknown types: fail closed.
		g.fail(rq, awserr.GatewayUnauthorized.New(""))
		return
	}
	if m.m.APIKeyRequired && !g.checkAPIKey(rq, tbl) {
		return
	}
	if !g.allow(m.throttle, start) {
		g.fail(rq, awserr.GatewayThrottled.New(""))
		return
	}
	if m.check != nil && !g.validateRequest(rq) {
		return
	}
	// The response cache is read only here, after every check above.
	if m.cache != nil && g.serveCached(rq, tbl) {
		return
	}
	g.integrate(rq)
}

// noRoute answers an unmatched request: Missing Authentication Token, or
// the IncompleteSignature text when a malformed Authorization header came
// with it (spec sigv4.md §12.1 rows 1, 3, 4).
func (g *Gateway) noRoute(rq *request) {
	if err := g.malformedAuthorization(rq.r); err != nil {
		g.fail(rq, g.cfg.SigError(err))
		return
	}
	g.fail(rq, awserr.GatewayMissingAuthenticationToken.New(""))
}

// malformedAuthorization returns the §2 parse failure of r's Authorization
// header, or nil when there is none or it parses. Only the header grammar
// counts (spec sigv4.md §14 step 1): a well-formed header whose date,
// credential scope or signature is wrong gets row 1 on an unmatched route,
// so the probe runs only when the parse (with the date-header presence of
// §2.5) is known to fail, and stops there.
func (g *Gateway) malformedAuthorization(r *http.Request) error {
	v := r.Header.Get("Authorization")
	if strings.TrimSpace(v) == "" {
		return nil
	}
	hasDate := r.Header.Get("X-Amz-Date") != "" || r.Header.Get("Date") != ""
	if _, err := sigv4.ParseAuthorization(v); err == nil && hasDate {
		return nil
	}
	req := sigv4.FromHTTP(r, nil)
	req.PayloadHash = emptySHA256
	_, err := g.probe.Verify(&req)
	var se *sigv4.Error
	if errors.As(err, &se) && se.Kind == sigv4.IncompleteSignature {
		return err
	}
	return nil
}

const emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// fail writes a gateway response.
func (g *Gateway) fail(rq *request, err error) {
	rq.noStore = true
	e := awserr.From(err)
	if e.Cause != nil {
		g.cfg.Log.Debug("gateway error", "request_id", rq.reqID, "code", e.Code, "status", e.Status, "err", e.Cause)
	}
	g.writeGatewayResponse(rq, e)
}

// tooLarge is the front end's answer to a payload over 10 MB (spec §10.1):
// plain text, no x-amzn headers.
func (g *Gateway) tooLarge(rq *request) {
	rq.noStore = true
	h := rq.w.Header()
	delete(h, "X-Amzn-Requestid")
	delete(h, "X-Amz-Apigw-Id")
	h.Set("Content-Type", "text; charset=utf-8")
	h.Set("Connection", "close")
	rq.w.WriteHeader(http.StatusRequestEntityTooLarge)
	_, _ = io.WriteString(rq.w, "HTTP content length exceeded 10485760 bytes.")
}
