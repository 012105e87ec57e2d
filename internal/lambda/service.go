package lambda

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/arn"
	"github.com/gatehouse-dev/gatehouse/internal/authn"
	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/awsproto"
	"github.com/gatehouse-dev/gatehouse/internal/lambda/runtime"
	"github.com/gatehouse-dev/gatehouse/internal/pipeline"
	"github.com/gatehouse-dev/gatehouse/internal/policy"
	"github.com/gatehouse-dev/gatehouse/internal/reqbody"
	"github.com/gatehouse-dev/gatehouse/internal/sigv4"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// Authenticator verifies a request's SigV4 signature and reads its body,
// the head before the body (an *authn.Authenticator).
type Authenticator interface {
	ReadRequest(w http.ResponseWriter, r *http.Request, service string, limit int64) (*authn.Principal, *sigv4.Result, *reqbody.Body, error)
	// Bodies reads the bodies of unauthenticated requests (NONE function
	// URLs) under the server's budget.
	Bodies() *reqbody.Reader
}

// Authorizer decides Lambda actions and iam:PassRole (an *iam.Service).
type Authorizer = pipeline.Authorizer

// RoleIssuer issues execution-role credentials for the service principal
// lambda.amazonaws.com (an adapter over *sts.Service).
type RoleIssuer interface {
	RoleCredentials(ctx context.Context, roleARN, sessionName string, d time.Duration) (runtime.Credentials, error)
}

// Config configures a Service.
type Config struct {
	Store   *store.Store
	DataDir string
	Log     *slog.Logger
	// Authn and Authz are required to serve the control plane; Roles is
	// optional (functions then start without credentials).
	Authn Authenticator
	Authz Authorizer
	Roles RoleIssuer
	// Endpoint is the server's URL (AWS_ENDPOINT_URL of functions); it can
	// be set later with SetEndpoint.
	Endpoint string
	// MaxInstances is the account-wide concurrency (default 1000).
	MaxInstances int
	// IdleTimeout reaps idle instances (default 10 minutes).
	IdleTimeout time.Duration
	// CredentialDuration is the execution-role session lifetime (default
	// 12 h, spec §2.4).
	CredentialDuration time.Duration
	// EventRetryDelays are the waits before the retries of a failed Event
	// invocation (default 1 min, 2 min).
	EventRetryDelays []time.Duration
	// LegacyDenyMessages drops the "because no … policy allows" suffix.
	LegacyDenyMessages bool
	// Now is the clock of aws:CurrentTime (default time.Now).
	Now func() time.Time
	// Sandbox configures how functions are isolated (sandbox.go).
	Sandbox SandboxConfig
	// Objects reads Code.S3Bucket/S3Key packages from gatehouse's S3 as
	// the caller; nil: every S3 location is a missing bucket.
	Objects ObjectReader
}

// Service is the Lambda service.
type Service struct {
	cfg        Config
	surface    pipeline.Surface // authorizes through the shared pipeline
	log        *slog.Logger
	store      *store.Store
	dataDir    string
	runtimeDir string
	view       *store.View[snapshot]
	mgr        *runtime.Manager
	endpoint   atomic.Pointer[string]
	tls        atomic.Pointer[tlsState] // SetTLS (tls.go)
	urlSuffix  atomic.Pointer[string]   // SetURLSuffix
	codeRoots  []string                 // resolved --lambda-code-roots
	dataDirs   []string                 // the data dir, as given and resolved

	logsMu sync.Mutex
	logs   map[string]*runtime.LogFile

	bg      sync.WaitGroup // Event invocations
	closing chan struct{}
	closed  sync.Once

	picker atomic.Pointer[func() float64] // tests only: see pick
}

// snapshot is the immutable set of functions the hot path reads.
type snapshot struct {
	fns map[string]*entry
	// urls are the function URLs by id: the function's $LATEST entry and
	// the URL's configuration.
	urls map[string]urlTarget
}

// urlTarget is what a function URL id names.
type urlTarget struct {
	fn  *entry // the function's $LATEST entry
	cfg *urlConfig
}

// entry is one function, published version or alias with what
// invocations need, built once per revision.
type entry struct {
	fn     *function
	policy *policy.Policy // resource policy, nil when none
	// base is the function's $LATEST entry (the entry itself for $LATEST):
	// its tags are every qualifier's aws:ResourceTag.
	base *entry
	// alias is set on an alias's entry, whose fn is then base.fn and
	// whose policy is the alias's own.
	alias *alias
	// versions and aliases, on the $LATEST entry: by number and name.
	versions map[string]*entry
	aliases  map[string]*entry

	specOnce sync.Once
	spec     *runtime.Spec
	specErr  error
}

// New builds the Service: it loads the functions' snapshot and writes the
// Node/Python bootstrap programs under DataDir.
func New(ctx context.Context, cfg Config) (*Service, error) {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.CredentialDuration <= 0 {
		cfg.CredentialDuration = 12 * time.Hour
	}
	if cfg.EventRetryDelays == nil {
		cfg.EventRetryDelays = []time.Duration{time.Minute, 2 * time.Minute}
	}
	s := &Service{
		cfg:        cfg,
		log:        cfg.Log,
		store:      cfg.Store,
		dataDir:    cfg.DataDir,
		runtimeDir: filepath.Join(cfg.DataDir, "lambda", "runtime"),
		logs:       map[string]*runtime.LogFile{},
		closing:    make(chan struct{}),
	}
	s.surface = pipeline.Surface{Authz: cfg.Authz, Now: cfg.Now, Denied: awserr.LambdaAccessDeniedException, Legacy: cfg.LegacyDenyMessages}
	ep := cfg.Endpoint
	s.endpoint.Store(&ep)
	if err := runtime.WriteRuntimeDir(s.runtimeDir); err != nil {
		return nil, fmt.Errorf("lambda: write runtime dir: %w", err)
	}
	s.dataDirs = dataDirPaths(cfg.DataDir)
	roots, err := resolveRoots(cfg.Sandbox.CodeRoots, s.dataDirs)
	if err != nil {
		return nil, err
	}
	s.codeRoots = roots
	v, err := store.NewView(ctx, cfg.Store, "lambda", []string{"lambda/"}, cfg.Log, buildSnapshot)
	if err != nil {
		return nil, err
	}
	s.view = v
	s.collectCode()
	s.mgr = runtime.NewManager(s.managerConfig())
	s.logIsolation()
	return s, nil
}

func buildSnapshot(ctx context.Context, r store.Reader) (*snapshot, error) {
	recs, err := r.List(kindFunction, "")
	if err != nil {
		return nil, err
	}
	snap := &snapshot{fns: make(map[string]*entry, len(recs)), urls: map[string]urlTarget{}}
	for _, rec := range recs {
		var f function
		if err := json.Unmarshal(rec.Value, &f); err != nil {
			return nil, fmt.Errorf("lambda: function %s: %w", rec.Key, err)
		}
		e := &entry{fn: &f, policy: parsePolicy(f.Policy)}
		e.base = e
		if len(f.Versions) > 0 {
			e.versions = make(map[string]*entry, len(f.Versions))
			for _, v := range f.Versions {
				e.versions[v.Version] = &entry{fn: v, policy: parsePolicy(v.Policy), base: e}
			}
		}
		if len(f.Aliases) > 0 {
			e.aliases = make(map[string]*entry, len(f.Aliases))
			for _, a := range f.Aliases {
				e.aliases[a.Name] = &entry{fn: &f, policy: parsePolicy(a.Policy), base: e, alias: a}
			}
		}
		snap.fns[rec.Key] = e
		for _, u := range f.URLs {
			snap.urls[u.ID] = urlTarget{fn: e, cfg: u}
		}
	}
	return snap, nil
}

// parsePolicy parses the statements of a resource policy; nil when there
// are none. A policy that does not parse allows nothing (fail closed).
func parsePolicy(stmts []json.RawMessage) *policy.Policy {
	if len(stmts) == 0 {
		return nil
	}
	p, _ := policy.Parse(evalDocument(stmts), policy.ParseOptions{Type: policy.TypeResource, AllowSidSpaces: true})
	return p
}

// qualified returns the entry qualifier q names within the function e:
// e itself for "" and $LATEST, a published version by number, or an
// alias. nil when there is none.
func (e *entry) qualified(q string) *entry {
	switch {
	case q == "" || q == "$LATEST":
		return e
	case isVersionNumber(q):
		return e.versions[q]
	}
	return e.aliases[q]
}

// target is the entry whose configuration and code a call acts on: an
// alias's (primary) version, else e itself.
func (e *entry) target() *entry {
	if e.alias == nil {
		return e
	}
	if t := e.base.qualified(e.alias.FunctionVersion); t != nil {
		return t
	}
	return e.base
}

// route is the entry an invocation of e runs: target, except for the
// share of an alias's invocations its RoutingConfig sends to the
// additional version. pick returns a uniform number in [0, 1).
func (e *entry) route(pick func() float64) *entry {
	if e.alias != nil {
		for v, w := range e.alias.Weights { // at most one (validated)
			if t := e.base.versions[v]; t != nil && pick() < w {
				return t
			}
		}
	}
	return e.target()
}

// now is the service's clock.
func (s *Service) now() time.Time {
	if s.cfg.Now != nil {
		return s.cfg.Now()
	}
	return time.Now()
}

// pick draws the weighted routing of alias invocations: a uniform number
// in [0, 1), from math/rand unless a test set its own source (SetPick in
// export_test.go), so that a split can be checked exactly.
func (s *Service) pick() float64 {
	if f := s.picker.Load(); f != nil {
		return (*f)()
	}
	return rand.Float64()
}

// collectCode removes stored packages no function uses any more (left by
// updates and deletes). It runs at start, when no instance can be using
// them.
func (s *Service) collectCode() {
	base := filepath.Join(s.dataDir, "lambda", "code")
	// Layer versions' zips are in the same store; when they cannot be
	// listed, nothing is removed.
	used := s.layerZipsInUse(context.Background())
	if used == nil {
		return
	}
	for _, e := range s.view.Load().fns {
		for _, f := range append([]*function{e.fn}, e.fn.Versions...) {
			if !f.LocalDir {
				used[filepath.Base(f.CodeDir)] = true
			}
			for _, l := range f.Layers {
				used[strings.TrimSuffix(filepath.Base(l.Zip), ".zip")] = true
			}
		}
	}
	ents, err := os.ReadDir(base)
	if err != nil {
		return
	}
	for _, d := range ents {
		name := strings.TrimSuffix(d.Name(), ".zip")
		if used[name] {
			continue
		}
		if err := os.RemoveAll(filepath.Join(base, d.Name())); err != nil {
			s.log.Warn("lambda: remove unused code", "path", filepath.Join(base, d.Name()), "err", err)
		}
	}
}

// SetEndpoint sets the URL functions reach gatehouse at (AWS_ENDPOINT_URL).
// Instances started before keep the old value.
func (s *Service) SetEndpoint(u string) { s.endpoint.Store(&u) }

// Close stops every function instance.
func (s *Service) Close() error {
	s.closed.Do(func() { close(s.closing) })
	err := s.mgr.Close()
	s.bg.Wait()
	s.logsMu.Lock()
	for _, l := range s.logs {
		l.Close()
	}
	s.logs = map[string]*runtime.LogFile{}
	s.logsMu.Unlock()
	return err
}

// LogPath is where the log of a function is kept under dataDir.
func LogPath(dataDir, account, region, name string) string {
	return filepath.Join(dataDir, "lambda", "logs", account, region, name+".log")
}

func (s *Service) logFile(f *function) (*runtime.LogFile, error) {
	s.logsMu.Lock()
	defer s.logsMu.Unlock()
	if l := s.logs[f.key()]; l != nil {
		return l, nil
	}
	l, err := runtime.OpenLog(LogPath(s.dataDir, f.Account, f.Region, f.Name))
	if err != nil {
		return nil, err
	}
	s.logs[f.key()] = l
	return l, nil
}

// request is one control-plane call being served.
type request struct {
	s      *Service
	r      *http.Request
	caller *authn.Principal
	region string
	op     *pipeline.Operation // the operation's table entry
	// qualifier is the call's Qualifier query parameter (nil: absent),
	// from its input, for resolveName.
	qualifier []string
	// keysFor and keys: the condition keys the operation adds to the
	// authorization of action keysFor (aws:RequestTag/… for TagResource),
	// set by the operation before it authorizes.
	keysFor string
	keys    func(*policy.Context)
}

// addKeys makes fill add the operation's condition keys whenever action is
// authorized during q.
func (q *request) addKeys(action string, fill func(*policy.Context)) {
	q.keysFor, q.keys = action, fill
}

// Request body limits: CreateFunction/UpdateFunctionCode carry the zip.
const (
	maxCodeRequest   = 70167211
	maxInvokeRequest = 6291456
	maxOtherRequest  = 1 << 20
)

// ServeHTTP serves the Lambda REST-JSON API.
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if IsURLRequest(r) {
		s.serveURL(w, r)
		return
	}
	if err := s.serve(w, r); err != nil {
		awsproto.WriteJSONError(w, r, err)
	}
}

func (s *Service) serve(w http.ResponseWriter, r *http.Request) error {
	segs, ok := splitPath(r.URL.EscapedPath())
	if !ok {
		return awserr.UnknownOperation.New("")
	}
	rt, params := selectRoute(r.Method, segs, r.URL.Query())
	if rt == nil {
		return awserr.UnknownOperation.New("")
	}
	awsproto.SetOperation(r.Context(), rt.Name)
	if rt.anonymous {
		q := &request{s: s, r: r, op: &rt.Operation}
		out, err := rt.Serve(&pipeline.Invocation{Request: r, Op: &rt.Operation, Surface: &s.surface,
			Decode: func(v any) error { return decodeInput(v, r, params, nil) }}, q)
		if err != nil {
			return err
		}
		return render(w, r, rt.status, out)
	}

	limit := int64(maxOtherRequest)
	switch rt.limit {
	case bodyCode:
		limit = maxCodeRequest
	case bodyInvoke, bodyAsync:
		limit = maxInvokeRequest
	}
	if s.cfg.Authn == nil {
		return awserr.ServiceException.New("The Lambda service is not configured.")
	}
	// The head is authenticated before the body is read (issue #12 item 8).
	caller, vr, b, err := s.cfg.Authn.ReadRequest(w, r, "lambda", limit)
	switch {
	case errors.Is(err, reqbody.ErrTooLarge):
		switch rt.limit {
		case bodyInvoke:
			return awserr.RequestEntityTooLarge.New("Request must be smaller than 6291456 bytes for the InvokeFunction operation")
		case bodyCode:
			return awserr.RequestEntityTooLarge.Errorf("Request must be smaller than 70167211 bytes for the %s operation", rt.Name)
		}
		return awserr.RequestEntityTooLarge.New("")
	case reqbody.IsReadError(err):
		return awserr.InvalidRequestContentException.New("Could not read request body").WithCause(err)
	case err != nil:
		return authn.JSONError(err)
	}
	defer b.Release()
	awsproto.MetaFrom(r.Context()).Principal = caller.ARN
	body := b.Bytes()
	// Functions live in the region the request is signed for, which is
	// also its aws:RequestedRegion.
	q := &request{s: s, r: r, caller: caller, region: vr.Region, op: &rt.Operation}
	out, err := rt.Serve(&pipeline.Invocation{Request: r, Op: &rt.Operation, Caller: caller, Region: vr.Region, Surface: &s.surface,
		Decode: func(v any) error { return decodeInput(v, r, params, body) }}, q)
	if err != nil {
		return err
	}
	return render(w, r, rt.status, out)
}

// splitPath splits an escaped request path into decoded segments. The
// Lambda API has one spelling of each path: no empty segment (a leading
// "//", "a//b" or a trailing '/'), except the trailing slash botocore
// sends for ListFunctions (GET /2015-03-31/functions/), and no segment
// whose escapes do not decode. A segment decodes once, so an encoded '/'
// stays inside its segment, where every parameter's charset refuses it
// (issue #12 item 4).
func splitPath(escaped string) ([]string, bool) {
	if len(escaped) < 2 || escaped[0] != '/' {
		return nil, false
	}
	segs := strings.SplitN(escaped[1:], "/", 8)
	if len(segs) > 7 {
		return nil, false
	}
	for k, seg := range segs {
		if seg == "" {
			if k == len(segs)-1 && k == 2 {
				continue // the ListFunctions collection's trailing slash
			}
			if k == 4 && len(segs) == 5 && segs[0] == "2014-11-13" && segs[3] == "invoke-async" {
				continue // InvokeAsync's URI ends in a slash
			}
			return nil, false
		}
		u, err := url.PathUnescape(seg)
		if err != nil {
			return nil, false
		}
		segs[k] = u
	}
	return segs, true
}

// authorize decides action on resource for the caller, with the function's
// resource policy when there is one.
func (s *Service) authorize(q *request, action, resource string, e *entry, account string) error {
	var keys func(*policy.Context)
	if q.keys != nil && q.keysFor == action {
		keys = q.keys
	}
	return s.authorizeKeys(q, action, resource, e, account, keys)
}

// authorizeKeys is authorize with the operation's own condition keys: the
// shared pipeline sets the request's global keys, then the function's tags
// (aws:ResourceTag/…) when the resource is a function that has them, then
// the operation's keys.
func (s *Service) authorizeKeys(q *request, action, resource string, e *entry, account string, keys func(*policy.Context)) error {
	req := pipeline.AuthzRequest{Action: action, Resource: resource, ResourceAccount: account}
	if e != nil && e.policy != nil {
		req.ResourcePolicy = e.policy
		req.ResourcePolicyName = "function policy"
	}
	fill := keys
	if e != nil && e.base != nil {
		e = e.base // tags are the function's, whichever qualifier is named
	}
	if e != nil && len(e.fn.Tags) > 0 {
		tags := pipeline.TagsFromMap(e.fn.Tags)
		fill = func(c *policy.Context) {
			pipeline.ResourceTags(c, tags)
			if keys != nil {
				keys(c)
			}
		}
	}
	_, err := s.surface.Authorize(&pipeline.Call{Request: q.r, Region: q.region, Caller: q.caller, AuthzRequest: req, Keys: fill, Op: q.op})
	return err
}

// resolved is a FunctionName path parameter resolved against the caller.
type resolved struct {
	account, region, name, qualifier string
}

func (r resolved) arn() string {
	return arn.FunctionQualified(r.region, r.account, r.name, r.qualifier)
}

var (
	regionRE    = regexp.MustCompile(`^[a-z]{2}(-gov)?-[a-z]+-\d$`)
	accountIDRE = regexp.MustCompile(`^\d{12}$`)
	qualifierRE = regexp.MustCompile(`^(\$LATEST|[a-zA-Z0-9-_]{1,128})$`)
)

// errFunctionName is the pattern failure of a FunctionName.
func errFunctionName(raw string) error {
	return awserr.ValidationException.Errorf("1 validation error detected: Value '%s' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?", raw)
}

func errQualifier(q string) error {
	return awserr.ValidationException.Errorf("1 validation error detected: Value '%s' at 'qualifier' failed to satisfy constraint: Member must satisfy regular expression pattern: (|[a-zA-Z0-9$_-]+)", q)
}

// resolveName parses the accepted FunctionName forms (spec §4.1) into one
// canonical (account, region, name, qualifier): every form that names the
// same function yields the same ARN, and every part is checked against its
// pattern, so nothing of the raw parameter reaches an ARN unchecked (issue
// #12 item 4). qualifierParam: the operation also takes ?Qualifier=.
func (s *Service) resolveName(q *request, raw string, qualifierParam bool) (resolved, error) {
	res := resolved{account: q.caller.AccountID, region: q.region}
	if len(raw) > 140 {
		return res, errFunctionName(raw)
	}
	name := raw
	ref, ok := arn.ParseFunctionName(raw)
	switch {
	case !ok:
		return res, errFunctionName(raw)
	case ref.Form == arn.FormARN:
		if ref.Partition != arn.Partition || !regionRE.MatchString(ref.Region) || !accountIDRE.MatchString(ref.Account) {
			return res, errFunctionName(raw)
		}
		if ref.Region != q.region {
			return res, awserr.ResourceNotFoundException.Errorf("Functions from '%s' are not reachable in this region ('%s')", ref.Region, q.region)
		}
		res.account = ref.Account
	case ref.Form == arn.FormPartial:
		if !accountIDRE.MatchString(ref.Account) {
			return res, errFunctionName(raw)
		}
		res.account = ref.Account
	}
	name, res.qualifier = ref.Name, ref.Qualifier
	if res.qualifier != "" && !qualifierRE.MatchString(res.qualifier) {
		return res, errFunctionName(raw)
	}
	if err := validateName(name); err != nil {
		return res, err
	}
	res.name = name
	if qp := q.qualifier; qp != nil && qualifierParam {
		if len(qp) != 1 || !qualifierRE.MatchString(qp[0]) {
			return res, errQualifier(strings.Join(qp, ","))
		}
		if res.qualifier != "" && res.qualifier != qp[0] {
			return res, awserr.InvalidParameterValueException.New("The derived qualifier from the function name does not match the specified qualifier.")
		}
		res.qualifier = qp[0]
	}
	return res, nil
}

// lookup finds a resolved function in the snapshot: $LATEST, a published
// version or an alias, as the qualifier names.
func (s *Service) lookup(res resolved) (*entry, error) {
	e := s.view.Load().fns[fnKey(res.account, res.region, res.name)]
	if e != nil {
		e = e.qualified(res.qualifier)
	}
	if e == nil {
		return nil, awserr.ResourceNotFoundException.New("Function not found: " + res.arn())
	}
	return e, nil
}

// named returns the entry whose resource policy and tags authorize a
// call naming res: the qualified version or alias when it exists, else
// the function (its tags still apply), nil when there is no function.
func (s *Service) named(res resolved) *entry {
	e := s.view.Load().fns[fnKey(res.account, res.region, res.name)]
	if e == nil {
		return nil
	}
	if t := e.qualified(res.qualifier); t != nil {
		return t
	}
	return e
}

// find resolves, authorizes and looks up a function for an operation that
// takes a qualifier (in the name or ?Qualifier=): the resource is the
// function ARN as named, qualified when a qualifier was given (spec §4.7).
// $LATEST and the unqualified name are one function under two spellings,
// so a call naming $LATEST needs both ARNs: a Deny on function:f holds for
// "f:$LATEST" too (issue #12 item 4). Other qualifiers name versions and
// aliases, which are resources of their own.
func (s *Service) find(q *request, raw, action string) (resolved, *entry, error) {
	res, err := s.resolveName(q, raw, true)
	if err != nil {
		return res, nil, err
	}
	if err := s.authorizeNamed(q, action, res, s.named(res)); err != nil {
		return res, nil, err
	}
	e, err := s.lookup(res)
	return res, e, err
}

// authorizeNamed authorizes action on the function ARN as named and, for
// $LATEST, on the unqualified ARN first.
func (s *Service) authorizeNamed(q *request, action string, res resolved, e *entry) error {
	if res.qualifier == "$LATEST" {
		unq := res
		unq.qualifier = ""
		if err := s.authorize(q, action, unq.arn(), e, res.account); err != nil {
			return err
		}
	}
	return s.authorize(q, action, res.arn(), e, res.account)
}

// findLatest is find for an operation on the function itself (its code,
// configuration, concurrency, tags), which has no Qualifier parameter and
// acts on $LATEST whatever the name says. A qualifier in the name other
// than $LATEST is refused, as AWS does; with $LATEST it is dropped, so the
// resource authorized is the unqualified function ARN, the thing changed
// (a Deny on function:f holds for "f:$LATEST"), and, when the caller named
// $LATEST, the qualified ARN as well (a Deny on function:f:$LATEST holds
// too). ?Qualifier= is not a parameter of these operations and is ignored.
func (s *Service) findLatest(q *request, raw, action string) (resolved, *entry, error) {
	res, err := s.resolveName(q, raw, false)
	if err != nil {
		return res, nil, err
	}
	named := res
	switch res.qualifier {
	case "":
	case "$LATEST":
		res.qualifier = ""
	default:
		return res, nil, awserr.InvalidParameterValueException.New("Current operation does not support versions other than $LATEST. Please set the version to $LATEST or do not set a version in your request.")
	}
	e := s.view.Load().fns[fnKey(res.account, res.region, res.name)]
	if err := s.authorizeNamed(q, action, named, e); err != nil {
		return res, nil, err
	}
	e, err = s.lookup(res)
	return res, e, err
}
