package gateway

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/apigw"
	"github.com/gatehouse-dev/gatehouse/internal/arn"
	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/policy"
)

// Lambda (CUSTOM) authorizers on the data plane.
//
// Fail closed: a missing or broken authorizer, an invocation that is
// refused, times out or fails, an answer that is not a policy with a
// principalId, a policy that does not parse (an unknown Effect included)
// or a context value that is not a string, number or boolean all deny with
// 500 AuthorizerConfigurationException; a policy that does not allow the
// method ARN denies with 403; only an explicit Allow lets the request on.
//
// Caching: with a TTL, the parsed result (principal, policy, context) is
// cached under the stage, the authorizer, a fingerprint of its
// configuration and the exact identity values (the token for TOKEN, every
// identity source's value for REQUEST), length-prefixed so that no two
// different value lists share a key. The cached policy is evaluated again
// for every request's method ARN, as AWS does.

// RoleInvoker invokes a function as an IAM role that API Gateway assumes
// (authorizerCredentials): the role must trust apigateway.amazonaws.com
// and allow lambda:InvokeFunction on the function; the function's resource
// policy is then not consulted. internal/app implements it over STS, IAM
// and Lambda.
type RoleInvoker interface {
	InvokeAsRole(ctx context.Context, roleARN, functionARN string, event []byte) (payload []byte, functionError string, err error)
	// InvokeAuthorized runs a function the gateway has already found the
	// caller allowed to invoke (integration credentials
	// arn:aws:iam::*:user/*: the caller's own identity).
	InvokeAuthorized(ctx context.Context, functionARN string, event []byte) (payload []byte, functionError string, err error)
}

// SetRoleInvoker installs the invoker of authorizers with credentials.
func (g *Gateway) SetRoleInvoker(ri RoleInvoker) { g.roles.Store(&ri) }

var (
	errAuthorizerConfig = awserr.Code{Name: "AuthorizerConfigurationException", Status: 500}
	// AWS words the two 403s of a Lambda authorizer's policy this way.
	msgNotAuthorized         = "User is not authorized to access this resource"
	msgNotAuthorizedExplicit = "User is not authorized to access this resource with an explicit deny"
)

// authorizerEntry is a compiled authorizer of an API.
type authorizerEntry struct {
	id, typ    string
	api        *apiEntry
	fnARN      string
	role       string
	sources    []string
	validation *regexp.Regexp
	ttl        time.Duration
	// fingerprint changes with any setting, so a cached result of an
	// older configuration is never served.
	fingerprint string
	// sourceARN is arn:aws:execute-api:REGION:ACCOUNT:API/authorizers/ID,
	// the X-Amz-Source-Arn a function policy grants API Gateway.
	sourceARN string
	broken    error
}

func compileAuthorizer(api *apiEntry, rec *apigw.AuthorizerRecord) *authorizerEntry {
	a := &rec.Authorizer
	e := &authorizerEntry{id: a.ID, typ: a.Type, api: api, role: a.AuthorizerCredentials}
	e.sourceARN = arn.ExecuteAPIPrefix(api.region, api.account, api.id) + "authorizers/" + a.ID
	b, _ := json.Marshal(a)
	sum := sha256.Sum256(b)
	e.fingerprint = hex.EncodeToString(sum[:8])
	ttl := apigw.DefaultAuthorizerTTL
	if a.AuthorizerResultTTLInSeconds != nil {
		ttl = *a.AuthorizerResultTTLInSeconds
	}
	e.ttl = time.Duration(ttl) * time.Second
	fn, ok := arn.ParseLambdaIntegrationURI(a.AuthorizerURI)
	if !ok {
		e.broken = fmt.Errorf("authorizer %s: invalid authorizerUri", a.ID)
		return e
	}
	e.fnARN = fn
	srcs, ok := apigw.ParseIdentitySources(a.IdentitySource)
	if !ok {
		e.broken = fmt.Errorf("authorizer %s: invalid identitySource", a.ID)
		return e
	}
	e.sources = srcs
	if a.Type == "TOKEN" && a.IdentityValidationExpression != "" {
		re, err := regexp.Compile("^(?:" + a.IdentityValidationExpression + ")$")
		if err != nil {
			e.broken = fmt.Errorf("authorizer %s: invalid identityValidationExpression", a.ID)
			return e
		}
		e.validation = re
	}
	switch a.Type {
	case "TOKEN":
		if len(srcs) != 1 {
			e.broken = fmt.Errorf("authorizer %s: TOKEN needs one identity source", a.ID)
		}
	case "REQUEST":
		if e.ttl > 0 && len(srcs) == 0 {
			// A cache key without identity values would serve one
			// caller's result to every caller: refuse (the control plane
			// does too, as AWS; this guards a store written otherwise).
			e.broken = fmt.Errorf("authorizer %s: REQUEST with caching needs identity sources", a.ID)
		}
	default:
		e.broken = fmt.Errorf("authorizer %s: unsupported type %s", a.ID, a.Type)
	}
	return e
}

// authzResult is an authorizer's parsed answer.
type authzResult struct {
	principalID string
	policy      *policy.Policy
	raw         string         // the policy document as returned
	context     map[string]any // string, json.Number or bool values
	usageKey    string
}

// authzCache is the authorizer result cache: shards with their own locks,
// so the request path never takes one global lock.
type authzCache struct {
	shards [32]authzShard
}

// authzSeed spreads cache keys over the shards (the zero authzCache is
// ready to use).
var authzSeed = maphash.MakeSeed()

type authzShard struct {
	mu sync.Mutex
	m  map[string]authzCached
}

type authzCached struct {
	res     *authzResult
	expires time.Time
}

// maxCachedPerShard bounds the cache; a full shard drops its expired
// entries, then everything (a cache, not a store).
const maxCachedPerShard = 4096

func (c *authzCache) shard(key string) *authzShard {
	return &c.shards[maphash.String(authzSeed, key)%uint64(len(c.shards))]
}

func (c *authzCache) get(key string, now time.Time) *authzResult {
	s := c.shard(key)
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.m[key]
	if !ok {
		return nil
	}
	if !now.Before(e.expires) {
		delete(s.m, key)
		return nil
	}
	return e.res
}

func (c *authzCache) put(key string, res *authzResult, expires time.Time, now time.Time) {
	s := c.shard(key)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[string]authzCached{}
	}
	if len(s.m) >= maxCachedPerShard {
		for k, e := range s.m {
			if !now.Before(e.expires) {
				delete(s.m, k)
			}
		}
		if len(s.m) >= maxCachedPerShard {
			clear(s.m)
		}
	}
	s.m[key] = authzCached{res: res, expires: expires}
}

// cacheKey is stage, authorizer, fingerprint and the length-prefixed
// identity values: distinct value lists never share a key.
func (a *authorizerEntry) cacheKey(stage *stageEntry, gen int64, vals []string) string {
	var b strings.Builder
	b.WriteString(stage.api.id)
	b.WriteByte('/')
	b.WriteString(stage.name)
	b.WriteByte(0)
	b.WriteString(strconv.FormatInt(gen, 10))
	b.WriteByte(0)
	b.WriteString(a.id)
	b.WriteByte(0)
	b.WriteString(a.fingerprint)
	var n [binary.MaxVarintLen64]byte
	for _, v := range vals {
		b.WriteByte(0)
		b.Write(n[:binary.PutUvarint(n[:], uint64(len(v)))])
		b.WriteString(v)
	}
	return b.String()
}

// identity reads the identity sources; ok=false when one is missing or
// empty (401 without calling the function, as AWS does) or a TOKEN fails
// its validation expression.
func (a *authorizerEntry) identity(rq *request) ([]string, bool) {
	vals := make([]string, 0, len(a.sources))
	for _, src := range a.sources {
		v, ok := rq.identityValue(src)
		if !ok || v == "" {
			return nil, false
		}
		vals = append(vals, v)
	}
	if a.validation != nil && !a.validation.MatchString(vals[0]) {
		return nil, false
	}
	return vals, true
}

// identityValue reads one identity source of the request.
func (rq *request) identityValue(src string) (string, bool) {
	switch {
	case strings.HasPrefix(src, "method.request.header."):
		vv := rq.r.Header.Values(src[len("method.request.header."):])
		if len(vv) == 0 {
			return "", false
		}
		return vv[len(vv)-1], true
	case strings.HasPrefix(src, "method.request.multivalueheader."):
		vv := rq.r.Header.Values(src[len("method.request.multivalueheader."):])
		return strings.Join(vv, ","), len(vv) > 0
	case strings.HasPrefix(src, "method.request.querystring."):
		q := decodeQuery(rq.r.URL.RawQuery)[src[len("method.request.querystring."):]]
		if len(q) == 0 {
			return "", false
		}
		return q[len(q)-1], true
	case strings.HasPrefix(src, "method.request.multivaluequerystring."):
		q := decodeQuery(rq.r.URL.RawQuery)[src[len("method.request.multivaluequerystring."):]]
		return strings.Join(q, ","), len(q) > 0
	case strings.HasPrefix(src, "stageVariables."):
		v, ok := rq.stage.variables[src[len("stageVariables."):]]
		return v, ok
	case strings.HasPrefix(src, "context."):
		return rq.contextVar(src[len("context."):])
	}
	return "", false
}

// authorizeCustom runs the method's Lambda authorizer; false = answered.
func (g *Gateway) authorizeCustom(rq *request) bool {
	a := rq.api.authorizer(rq.m.m.AuthorizerID)
	if a == nil || a.broken != nil {
		var cause error = errors.New("method's authorizer not found")
		if a != nil {
			cause = a.broken
		}
		g.fail(rq, errAuthorizerConfig.New("").WithCause(cause))
		return false
	}
	vals, ok := a.identity(rq)
	if !ok {
		g.fail(rq, awserr.GatewayUnauthorized.New(""))
		return false
	}
	now := g.cfg.Now()
	var key string
	var res *authzResult
	if a.ttl > 0 {
		key = a.cacheKey(rq.stage, rq.flushGen, vals)
		res = g.acache.get(key, now)
	}
	if res == nil {
		ev, err := g.authorizerEvent(rq, a, vals)
		if err != nil {
			g.fail(rq, errAuthorizerConfig.New("").WithCause(err))
			return false
		}
		ctx, cancel := context.WithTimeout(rq.r.Context(), g.cfg.MaxTimeout)
		res, err = g.runAuthorizer(ctx, a, ev)
		cancel()
		if err != nil {
			g.fail(rq, err)
			return false
		}
		if a.ttl > 0 {
			g.acache.put(key, res, now.Add(a.ttl), now)
		}
	}
	rq.authz = res
	return g.evaluateAuthorizerPolicy(rq, res)
}

// evaluateAuthorizerPolicy decides the request with the authorizer's
// policy (and the API's resource policy, whose explicit deny wins).
func (g *Gateway) evaluateAuthorizerPolicy(rq *request, res *authzResult) bool {
	if rq.stage.policyBroken {
		g.deny(rq, policy.Decision{Effect: policy.ExplicitDeny, Type: policy.TypeResource, Statement: -1}, "resource policy does not compile")
		return false
	}
	g.fillContext(rq)
	in := policy.Input{Identity: []policy.Named{{Name: "authorizer", Policy: res.policy}}, ResourceAccount: rq.stage.api.account}
	// The policy is the authorizer's statement about this caller: it is
	// evaluated as an identity policy of a principal of the API's account.
	preq := policy.Request{Principal: policy.Principal{Kind: policy.PrincipalUser, AccountID: rq.stage.api.account},
		Action: invokeAction, Resource: rq.methodARN, Context: &rq.pctx}
	d := policy.Evaluate(&in, &preq)
	g.record(rq, d, nil)
	switch d.Effect {
	case policy.ExplicitDeny:
		g.fail(rq, awserr.GatewayAccessDenied.New(msgNotAuthorizedExplicit))
		return false
	case policy.Allowed:
	default:
		g.fail(rq, awserr.GatewayAccessDenied.New(msgNotAuthorized))
		return false
	}
	if rq.stage.policy != nil {
		// AWS: with a Lambda authorizer, the resource policy's explicit
		// deny denies; otherwise the authorizer decides.
		rin := policy.Input{ResourcePolicy: &policy.Named{Name: rq.stage.policyName(), Policy: rq.stage.policy}, ResourceAccount: rq.stage.api.account}
		rreq := policy.Request{Principal: policy.Principal{Kind: policy.PrincipalAnonymous}, Action: invokeAction, Resource: rq.methodARN, Context: &rq.pctx}
		if rd := policy.Evaluate(&rin, &rreq); rd.Effect == policy.ExplicitDeny {
			g.deny(rq, rd, "")
			return false
		}
	}
	return true
}

// tokenEvent and requestEvent are the authorizer inputs (AWS's "input to
// an API Gateway Lambda authorizer").
type tokenEvent struct {
	Type               string `json:"type"`
	AuthorizationToken string `json:"authorizationToken"`
	MethodARN          string `json:"methodArn"`
}

type requestEvent struct {
	Type                            string              `json:"type"`
	MethodARN                       string              `json:"methodArn"`
	Resource                        string              `json:"resource"`
	Path                            string              `json:"path"`
	HTTPMethod                      string              `json:"httpMethod"`
	Headers                         map[string]string   `json:"headers"`
	MultiValueHeaders               map[string][]string `json:"multiValueHeaders"`
	QueryStringParameters           map[string]string   `json:"queryStringParameters"`
	MultiValueQueryStringParameters map[string][]string `json:"multiValueQueryStringParameters"`
	PathParameters                  map[string]string   `json:"pathParameters"`
	StageVariables                  map[string]string   `json:"stageVariables"`
	RequestContext                  ProxyRequestContext `json:"requestContext"`
}

func (g *Gateway) authorizerEvent(rq *request, a *authorizerEntry, vals []string) ([]byte, error) {
	if a.typ == "TOKEN" {
		return json.Marshal(tokenEvent{Type: "TOKEN", AuthorizationToken: vals[0], MethodARN: rq.methodARN})
	}
	saved := rq.body
	rq.body = nil // the authorizer never sees the body
	ev := rq.event()
	rq.body = saved
	return json.Marshal(requestEvent{Type: "REQUEST", MethodARN: rq.methodARN, Resource: ev.Resource, Path: ev.Path,
		HTTPMethod: ev.HTTPMethod, Headers: ev.Headers, MultiValueHeaders: ev.MultiValueHeaders,
		QueryStringParameters: ev.QueryStringParameters, MultiValueQueryStringParameters: ev.MultiValueQueryStringParameters,
		PathParameters: ev.PathParameters, StageVariables: ev.StageVariables, RequestContext: ev.RequestContext})
}

// runAuthorizer invokes the function and parses its answer. Errors are
// the gateway's answers: 401 for a function that failed with
// "Unauthorized", 500 AuthorizerConfigurationException otherwise.
func (g *Gateway) runAuthorizer(ctx context.Context, a *authorizerEntry, event []byte) (*authzResult, error) {
	var payload []byte
	var fnErr string
	var err error
	if a.role != "" {
		ri := g.roles.Load()
		if ri == nil || *ri == nil {
			return nil, errAuthorizerConfig.New("").WithCause(errors.New("no role invoker for authorizerCredentials"))
		}
		payload, fnErr, err = (*ri).InvokeAsRole(ctx, a.role, a.fnARN, event)
	} else {
		inv := g.invoker.get()
		if inv == nil {
			return nil, errAuthorizerConfig.New("").WithCause(errors.New("no function invoker"))
		}
		payload, fnErr, err = inv.InvokeFromGateway(ctx, a.fnARN, a.sourceARN, event)
	}
	switch {
	case err != nil:
		return nil, errAuthorizerConfig.New("").WithCause(err)
	case fnErr != "":
		var fe struct {
			ErrorMessage string `json:"errorMessage"`
		}
		if json.Unmarshal(payload, &fe) == nil && fe.ErrorMessage == "Unauthorized" {
			return nil, awserr.GatewayUnauthorized.New("")
		}
		return nil, errAuthorizerConfig.New("").WithCause(fmt.Errorf("authorizer function error %s: %.200s", fnErr, payload))
	}
	res, perr := parseAuthorizerOutput(payload)
	if perr != nil {
		return nil, errAuthorizerConfig.New("").WithCause(perr)
	}
	return res, nil
}

// parseAuthorizerOutput reads {"principalId", "policyDocument", "context",
// "usageIdentifierKey"} strictly.
func parseAuthorizerOutput(payload []byte) (*authzResult, error) {
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.UseNumber()
	var out struct {
		PrincipalID        *string         `json:"principalId"`
		PolicyDocument     json.RawMessage `json:"policyDocument"`
		Context            map[string]any  `json:"context"`
		UsageIdentifierKey *string         `json:"usageIdentifierKey"`
	}
	if err := dec.Decode(&out); err != nil {
		return nil, fmt.Errorf("authorizer output is not a JSON object: %w", err)
	}
	if out.PrincipalID == nil {
		return nil, errors.New("authorizer output has no principalId")
	}
	doc := bytes.TrimSpace(out.PolicyDocument)
	if len(doc) > 0 && doc[0] == '"' {
		// A policy document sent as a JSON string is accepted too.
		var s string
		if json.Unmarshal(doc, &s) != nil {
			return nil, errors.New("authorizer policyDocument is not valid")
		}
		doc = []byte(s)
	}
	if len(doc) == 0 || string(doc) == "null" {
		return nil, errors.New("authorizer output has no policyDocument")
	}
	p, err := policy.Parse(doc, policy.ParseOptions{Type: policy.TypeIdentity, AllowSidSpaces: true})
	if err != nil {
		return nil, fmt.Errorf("authorizer policy: %w", err)
	}
	res := &authzResult{principalID: *out.PrincipalID, policy: p, raw: string(doc), context: out.Context}
	for k, v := range out.Context {
		switch v.(type) {
		case string, json.Number, bool:
		default:
			return nil, fmt.Errorf("authorizer context value %q is not a string, number or boolean", k)
		}
	}
	if out.UsageIdentifierKey != nil {
		res.usageKey = *out.UsageIdentifierKey
	}
	return res, nil
}

// contextString renders a context value as $context.authorizer.x does.
func contextString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return x.String()
	case bool:
		return strconv.FormatBool(x)
	}
	return ""
}

// authorizerVar is $context.authorizer.NAME.
func (rq *request) authorizerVar(name string) (string, bool) {
	if rq.authz == nil {
		return "", false
	}
	if name == "principalId" {
		return rq.authz.principalID, true
	}
	v, ok := rq.authz.context[name]
	return contextString(v), ok
}

// authorizerContext is requestContext.authorizer of a proxy event: the
// context values with principalId (and integrationLatency, as AWS adds).
func (rq *request) authorizerContext() map[string]any {
	if rq.authz == nil {
		return nil
	}
	m := make(map[string]any, len(rq.authz.context)+2)
	for k, v := range rq.authz.context {
		m[k] = contextString(v) // AWS passes context values as strings
	}
	m["principalId"] = rq.authz.principalID
	m["integrationLatency"] = 0
	return m
}
