package apigw

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/arn"
	"github.com/gatehouse-dev/gatehouse/internal/authn"
	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/awsproto"
	"github.com/gatehouse-dev/gatehouse/internal/pipeline"
	"github.com/gatehouse-dev/gatehouse/internal/policy"
	"github.com/gatehouse-dev/gatehouse/internal/reqbody"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// Caller is the authenticated caller of a control-plane request.
type Caller struct {
	// Account is the caller's account; the APIs it sees are that account's.
	Account string
	// Region is the credential-scope region the request was signed for: APIs
	// live in the region their creating call was signed for.
	Region string
	// ARN names the caller in logs.
	ARN string
	// Identity is the authenticator's principal, handed back to Authorizer.
	Identity any
	// Operator: the caller is the root user of the default account, who
	// may claim any custom domain name (the operator sets the flags that
	// allow names to other accounts anyway).
	Operator bool
}

// Authenticator verifies a control-plane request's SigV4 signature (service
// "apigateway") and reads its body, at most limit bytes, the head before the
// body (authn.ReadVerified). It returns the caller and the body, which the
// Service releases when the request is done, or an error: reqbody.ErrTooLarge
// or a reqbody read error, which the Service words, or any other error to
// render as is.
type Authenticator interface {
	Authenticate(w http.ResponseWriter, r *http.Request, limit int64) (Caller, *reqbody.Body, error)
}

// Authorizer decides whether c may perform action ("apigateway:GET", ...) on
// resource ("arn:aws:apigateway:REGION::/restapis/ID"); nil error = allowed.
// keys, when not nil, adds the operation's own condition keys
// (aws:RequestTag/…, aws:TagKeys) after the request's global ones.
type Authorizer interface {
	Authorize(r *http.Request, c Caller, action, resource string, keys func(*policy.Context)) error
}

// Config configures a Service.
type Config struct {
	Store *store.Store
	Auth  Authenticator
	// Authz decides every operation. Nil denies every operation: a
	// missing authorizer is a wiring mistake, never a reason to allow.
	Authz Authorizer
	Log   *slog.Logger
	Now   func() time.Time
	// MaxResources bounds the resources of one API, its root included
	// (AWS's default quota: 300 per API); 0 means DefaultMaxResources.
	MaxResources int
	// Domains decides who may claim which custom domain names; nil lets
	// only the operator (Caller.Operator) claim names.
	Domains *DomainPolicy
	// Secrets seals the private keys of client certificates under the
	// master key. Nil refuses GenerateClientCertificate (fail closed).
	Secrets *authn.SecretBox
	// Objects reads mutual-TLS truststores from gatehouse's S3 as the
	// caller; nil refuses every truststore.
	Objects ObjectReader
}

// DefaultMaxResources is AWS's default quota of resources per REST API.
const DefaultMaxResources = 300

// Service is the API Gateway control plane. It implements http.Handler.
type Service struct {
	st           *store.Store
	auth         Authenticator
	authz        Authorizer
	log          *slog.Logger
	now          func() time.Time
	maxResources int
	domains      *DomainPolicy
	secrets      *authn.SecretBox
	objects      ObjectReader
	x            extState // data-plane hooks (ext.go)
	// testInv is the data plane TestInvokeMethod uses (SetTestInvoker).
	testInv atomic.Pointer[testInvokerBox]
	// urlSuffix is the domain of invoke URLs (SetURLSuffix).
	urlSuffix atomic.Pointer[string]
}

// SetURLSuffix sets the domain (with its port, if any) of the invoke URLs
// the service writes (GetExport's host); "" is amazonaws.com.
func (s *Service) SetURLSuffix(suffix string) { s.urlSuffix.Store(&suffix) }

// domain is the invoke URLs' domain.
func (s *Service) domain() string {
	if p := s.urlSuffix.Load(); p != nil && *p != "" {
		return *p
	}
	return "amazonaws.com"
}

// New returns a Service.
func New(cfg Config) *Service {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.MaxResources <= 0 {
		cfg.MaxResources = DefaultMaxResources
	}
	return &Service{st: cfg.Store, auth: cfg.Auth, authz: cfg.Authz, log: cfg.Log, now: cfg.Now,
		maxResources: cfg.MaxResources, domains: cfg.Domains, secrets: cfg.Secrets, objects: cfg.Objects}
}

// MaxBody bounds control-plane request bodies (OpenAPI definitions are at
// most 6 MB on AWS, spec §9).
const MaxBody = 6 << 20

// Error messages AWS uses (as mirrored by LocalStack, spec §11).
func errAPI(account, id string) error {
	return awserr.NotFoundException.Errorf("Invalid API identifier specified %s:%s", account, id)
}

var (
	errResource    = awserr.NotFoundException.New("Invalid Resource identifier specified")
	errMethod      = awserr.NotFoundException.New("Invalid Method identifier specified")
	errIntegration = awserr.NotFoundException.New("Invalid Integration identifier specified")
	errStage       = awserr.NotFoundException.New("Invalid stage identifier specified")
	errDeployment  = awserr.NotFoundException.New("Invalid Deployment identifier specified")
	errResponse    = awserr.NotFoundException.New("Invalid Response status code specified")
)

type call struct {
	s      *Service
	r      *http.Request
	ctx    context.Context
	caller Caller
	body   []byte
	// path is the routed path's parameters by name, decoded, validated
	// and canonical (the values the authorization resource names).
	path pathIn
}

// ServeHTTP authenticates, routes and runs one control-plane operation.
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.auth == nil {
		awsproto.WriteJSONError(w, r, awserr.MissingAuthenticationTokenException.New(""))
		return
	}
	caller, b, err := s.auth.Authenticate(w, r, MaxBody)
	switch {
	case errors.Is(err, reqbody.ErrTooLarge):
		awsproto.WriteJSONError(w, r, awserr.BadRequestException.New("Request body exceeds the maximum size of 6291456 bytes"))
		return
	case reqbody.IsReadError(err):
		awsproto.WriteJSONError(w, r, awserr.BadRequestException.New("Could not read request body"))
		return
	case err != nil:
		awsproto.WriteJSONError(w, r, err)
		return
	}
	defer b.Release()
	c := &call{s: s, r: r, ctx: r.Context(), body: b.Bytes(), caller: caller}
	if m := awsproto.MetaFrom(r.Context()); m != nil {
		m.Principal = c.caller.ARN
	}
	rt, seg, path, err := matchRoute(r.Method, r.URL.EscapedPath(), r.URL.Query().Get("mode") == "import", c.caller.Account)
	if err != nil {
		awsproto.WriteJSONError(w, r, err)
		return
	}
	c.path = path
	awsproto.SetOperation(r.Context(), rt.h.Name)
	// The resource is built from the routed operation and its validated
	// parameters, never from the request's path: a path that spells the
	// same operation differently gets the same ARN (issue #12 item 4).
	action := "apigateway:" + rt.method
	res := arn.APIGateway(c.caller.Region, "/"+strings.Join(seg, "/"))
	if s.authz == nil {
		// No authorizer wired is a configuration error, not a licence:
		// deny, as the gateway and Lambda do (issue #12 item 17).
		p, _ := c.caller.Identity.(*authn.Principal)
		if p == nil {
			p = &authn.Principal{ARN: c.caller.ARN}
		}
		awsproto.WriteJSONError(w, r, awserr.AccessDeniedException.New(pipeline.DenyMessage(p, action, res,
			policy.Decision{Effect: policy.ImplicitDeny, Type: policy.TypeIdentity, Statement: -1}, false)))
		return
	}
	resTags, err := s.resourceTagKeys(c.ctx, c.caller, seg)
	if err != nil {
		s.log.Error("apigateway: read resource tags", "operation", rt.h.Name, "err", err)
		awsproto.WriteJSONError(w, r, err)
		return
	}
	if err := s.authz.Authorize(r, c.caller, action, res, withKeys(resTags, operationKeys(rt, c.body))); err != nil {
		awsproto.WriteJSONError(w, r, err)
		return
	}
	out, err := rt.h.Serve(c.invocation(&rt.h.Operation), c)
	if err != nil {
		var ae *awserr.Error
		if c.ctx.Err() != nil && errors.Is(err, c.ctx.Err()) {
			// The client went away and the operation stopped for it.
			s.log.Debug("apigateway operation abandoned by its client", "operation", rt.h.Name, "err", err)
		} else if !errors.As(err, &ae) {
			s.log.Error("apigateway operation failed", "operation", rt.h.Name, "err", err)
		}
		awsproto.WriteJSONError(w, r, err)
		return
	}
	render(w, r, rt.status, out)
}

// render writes an operation's output (outputs.go) with the route's
// success status: the one place a control-plane answer is written.
func render(w http.ResponseWriter, r *http.Request, status int, out any) {
	reqID := awsproto.MetaFrom(r.Context()).RequestID
	switch o := out.(type) {
	case interface{ raw() *rawOutput }:
		raw := o.raw()
		h := w.Header()
		raw.headers(h)
		h.Set("x-amzn-RequestId", reqID)
		h.Set("Content-Length", strconv.Itoa(len(raw.Body)))
		w.WriteHeader(status)
		_, _ = w.Write(raw.Body)
	case interface{ bodyless() }:
		w.Header().Set("x-amzn-RequestId", reqID)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
	default:
		awsproto.WriteJSON(w, r, status, out)
	}
}

// ---- helpers ----

const idChars = "abcdefghijklmnopqrstuvwxyz0123456789"

// newID returns n random lowercase alphanumerics.
func newID(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = idChars[int(b[i])%len(idChars)]
	}
	return string(b)
}

// decodeJSON reads a JSON body into v; an empty body leaves v as it is.
func decodeJSON(body []byte, v any) error {
	if len(body) == 0 {
		return nil
	}
	if err := json.Unmarshal(body, v); err != nil {
		return awserr.BadRequestException.New("Invalid JSON in request body")
	}
	return nil
}

// loadAPI reads an API of the caller's account and region.
func loadAPI(r store.Reader, c *call, id string) (*APIRecord, error) {
	rec, err := r.Get(KindRestAPI, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errAPI(c.caller.Account, id)
	}
	if err != nil {
		return nil, err
	}
	var a APIRecord
	if err := json.Unmarshal(rec.Value, &a); err != nil {
		return nil, fmt.Errorf("decode api %s: %w", id, err)
	}
	if a.Account != c.caller.Account || a.Region != c.caller.Region {
		return nil, errAPI(c.caller.Account, id)
	}
	if a.Resources == nil {
		a.Resources = map[string]*Resource{}
	}
	return &a, nil
}

func putJSON(tx store.Tx, kind, key string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return tx.Put(kind, key, b)
}

// viewAPI runs fn over the caller's API read-only.
func (s *Service) viewAPI(c *call, fn func(a *APIRecord) error) error {
	_, err := s.st.View(c.ctx, func(r store.Reader) error {
		a, err := loadAPI(r, c, c.path.API)
		if err != nil {
			return err
		}
		return fn(a)
	})
	return err
}

// updateAPI runs fn over the caller's API and stores the result.
func (s *Service) updateAPI(c *call, fn func(tx store.Tx, a *APIRecord) error) error {
	_, err := s.st.Update(c.ctx, func(tx store.Tx) error {
		a, err := loadAPI(tx, c, c.path.API)
		if err != nil {
			return err
		}
		if err := fn(tx, a); err != nil {
			return err
		}
		return putJSON(tx, KindRestAPI, a.API.ID, a)
	})
	return err
}

// paging applies the input's limit/position to a sorted list.
func paging[T any](p *pageIn, items []T) ([]T, string, error) {
	limit := 25
	if v := p.Limit; v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			return nil, "", awserr.BadRequestException.New("Invalid limit value")
		}
		limit = n
	}
	start := 0
	if v := p.Position; v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return nil, "", awserr.BadRequestException.New("Invalid position value")
		}
		start = n
	}
	if start > len(items) {
		start = len(items)
	}
	end := start + limit
	pos := ""
	if end < len(items) {
		pos = strconv.Itoa(end)
	} else {
		end = len(items)
	}
	return items[start:end], pos, nil
}

type listOut[T any] struct {
	Item     []T    `json:"item"`
	Position string `json:"position,omitempty"`
}

func sortedResources(a *APIRecord) []*Resource {
	out := make([]*Resource, 0, len(a.Resources))
	for _, r := range a.Resources {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Path != out[j].Path {
			return out[i].Path < out[j].Path
		}
		return out[i].ID < out[j].ID
	})
	return out
}
