package gateway

import (
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/vtl"
)

// Mapping templates (spec §7.3): request and integration response
// templates are API Gateway's Velocity dialect, evaluated by internal/vtl
// under its budgets.

// templateLimits bound one evaluation: API Gateway's 1000 #foreach
// iterations, output no larger than a payload.
var templateLimits = vtl.Limits{MaxSteps: 1_000_000, MaxOutput: MaxPayload, MaxBytes: 4 * MaxPayload, MaxIteration: 1000, MaxRange: 10000}

// Parsed templates, keyed by their text. Templates come from deployed
// APIs (bounded by their 300 KB limit); the cache is dropped when full.
var templates struct {
	sync.Mutex
	m map[string]parsedTemplate
}

type parsedTemplate struct {
	t   *vtl.Template
	err error
}

const maxCachedTemplates = 4096

func parseTemplate(src string) (*vtl.Template, error) {
	templates.Lock()
	p, ok := templates.m[src]
	templates.Unlock()
	if ok {
		return p.t, p.err
	}
	t, err := vtl.Parse(src)
	templates.Lock()
	if templates.m == nil || len(templates.m) >= maxCachedTemplates {
		templates.m = make(map[string]parsedTemplate)
	}
	templates.m[src] = parsedTemplate{t, err}
	templates.Unlock()
	return t, err
}

// templateVars builds $input (over body), $context and $stageVariables.
func (rq *request) templateVars(body []byte) vtl.Vars {
	in := &vtl.Input{Body: body, Path: vtl.NewMap(), QueryString: vtl.NewMap(), Header: vtl.NewMap()}
	if rq.m != nil {
		for _, p := range rq.params {
			in.Path.Set(p.name, p.value)
		}
	}
	// Query parameters in the order received, the last value of each; the
	// caller's SigV4 material (headers, presigned-URL parameters, session
	// token) is withheld as from every integration (withheldHeader).
	q := rq.r.URL.Query()
	for _, kv := range strings.Split(rq.r.URL.RawQuery, "&") {
		k, _, _ := strings.Cut(kv, "=")
		name, err := url.QueryUnescape(k)
		if err != nil || name == "" || sigv4QueryParam(name) {
			continue
		}
		if _, seen := in.QueryString.Get(name); seen {
			continue
		}
		if v := q[name]; len(v) > 0 {
			in.QueryString.Set(name, v[len(v)-1])
		}
	}
	signed := rq.signed()
	names := make([]string, 0, len(rq.r.Header))
	for k := range rq.r.Header {
		if !withheldHeader(k, signed) {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	for _, k := range names {
		if v := rq.r.Header[k]; len(v) > 0 {
			in.Header.Set(k, v[len(v)-1])
		}
	}
	sv := vtl.NewMap()
	if rq.stage != nil {
		keys := make([]string, 0, len(rq.stage.variables))
		for k := range rq.stage.variables {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			sv.Set(k, rq.stage.variables[k])
		}
	}
	return vtl.Vars{Input: in, Context: rq.templateContext(), StageVariables: sv}
}

// contextNames are the $context variables a template sees (contextVar).
var contextNames = []string{"requestId", "awsEndpointRequestId", "extendedRequestId", "apiId", "accountId",
	"stage", "deploymentId", "resourceId", "resourcePath", "httpMethod", "path", "protocol", "domainName",
	"domainPrefix", "requestTime", "requestTimeEpoch"}

var identityNames = []string{"sourceIp", "userAgent", "apiKey", "apiKeyId", "accessKey", "accountId", "caller",
	"user", "userArn", "principalOrgId", "cognitoAuthenticationProvider", "cognitoAuthenticationType",
	"cognitoIdentityId", "cognitoIdentityPoolId"}

func (rq *request) templateContext() *vtl.Map {
	c := vtl.NewMap()
	if rq.m != nil && rq.stage != nil {
		for _, n := range contextNames {
			if v, ok := rq.contextVar(n); ok {
				if n == "requestTimeEpoch" {
					if i, err := strconv.ParseInt(v, 10, 64); err == nil {
						c.Set(n, i)
						continue
					}
				}
				c.Set(n, v)
			}
		}
	}
	id := vtl.NewMap()
	for _, n := range identityNames {
		v, _ := rq.contextVar("identity." + n)
		id.Set(n, v)
	}
	// The client certificate of a mutual-TLS custom domain, when the
	// request presented one (contextVar knows it).
	cert, validity := vtl.NewMap(), vtl.NewMap()
	for _, n := range []string{"clientCertPem", "subjectDN", "issuerDN", "serialNumber"} {
		if v, ok := rq.contextVar("identity.clientCert." + n); ok {
			cert.Set(n, v)
		}
	}
	for _, n := range []string{"notBefore", "notAfter"} {
		if v, ok := rq.contextVar("identity.clientCert.validity." + n); ok {
			validity.Set(n, v)
		}
	}
	if cert.Len() > 0 {
		if validity.Len() > 0 {
			cert.Set("validity", validity)
		}
		id.Set("clientCert", cert)
	}
	c.Set("identity", id)
	if rq.tg.custom {
		cd := vtl.NewMap()
		cd.Set("basePathMatched", rq.tg.basePath)
		c.Set("customDomain", cd)
	}
	if rq.authz != nil {
		a := vtl.NewMap()
		a.Set("principalId", rq.authz.principalID)
		keys := make([]string, 0, len(rq.authz.context))
		for k := range rq.authz.context {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			a.Set(k, contextString(rq.authz.context[k]))
		}
		c.Set("authorizer", a)
	}
	// Overrides may be applied once each (a second #set is a 5XX on AWS).
	ro := vtl.NewMap()
	for _, sec := range []string{"header", "path", "querystring"} {
		m := vtl.NewMap()
		m.SetOnce()
		ro.Set(sec, m)
	}
	ro.SetOnce()
	c.Set("requestOverride", ro)
	so := vtl.NewMap()
	sh := vtl.NewMap()
	sh.SetOnce()
	so.Set("header", sh)
	so.SetOnce()
	c.Set("responseOverride", so)
	return c
}

// render evaluates template src over body. The returned context holds
// what the template set (requestOverride, responseOverride).
func (rq *request) render(src string, body []byte) (string, *vtl.Map, error) {
	t, err := parseTemplate(src)
	if err != nil {
		return "", nil, err
	}
	vars := rq.templateVars(body)
	out, err := t.Render(vars, templateLimits)
	if err == nil && overridden(vars.Context) {
		err = errOverriddenTwice
	}
	return out, vars.Context, err
}

var errOverriddenTwice = errors.New("a request or response override was set twice")

// overridden reports whether the template set one override twice.
func overridden(ctx *vtl.Map) bool {
	for _, which := range []string{"requestOverride", "responseOverride"} {
		o, _ := ctx.Get(which)
		om, _ := o.(*vtl.Map)
		if om == nil {
			continue
		}
		if om.Duplicated() {
			return true
		}
		for _, k := range om.Keys() {
			v, _ := om.Get(k)
			if m, ok := v.(*vtl.Map); ok && m.Duplicated() {
				return true
			}
		}
	}
	return false
}

// templateError answers a template that failed: a request body that is
// not JSON is the caller's 400 as on AWS; anything else (a template that
// does not parse, a method that throws, a budget exceeded) is API
// Gateway's 500 "Internal server error".
func (g *Gateway) templateError(rq *request, err error, request bool) {
	var be *vtl.BodyError
	if request && errors.As(err, &be) {
		g.fail(rq, awserr.GatewayBadRequestParameters.New(be.Error()))
		return
	}
	g.fail(rq, awserr.GatewayInternalError.New("").WithCause(err))
}

// overrides reads $context.requestOverride/responseOverride.SECTION.
func overrides(ctx *vtl.Map, which, section string) *vtl.Map {
	if ctx == nil {
		return nil
	}
	o, _ := ctx.Get(which)
	om, _ := o.(*vtl.Map)
	if om == nil {
		return nil
	}
	s, _ := om.Get(section)
	sm, _ := s.(*vtl.Map)
	return sm
}

func overrideString(m *vtl.Map, k string) string {
	v, _ := m.Get(k)
	switch x := v.(type) {
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	case nil:
		return ""
	}
	return ""
}

// applyPathOverrides puts $context.requestOverride.path.X into the path
// parameters the integration uri uses; a value that is not one safe
// segment is refused (ok=false).
func (rq *request) applyPathOverrides(ctx *vtl.Map) bool {
	m := overrides(ctx, "requestOverride", "path")
	if m == nil {
		return true
	}
	for _, k := range m.Keys() {
		v := overrideString(m, k)
		if !validSegment([]byte(v)) {
			return false
		}
		enc := escapeSegment(v)
		found := false
		for i := range rq.params {
			if rq.params[i].name == k {
				rq.params[i].value, found = enc, true
			}
		}
		if !found {
			rq.params = append(rq.params, pathParam{name: k, value: enc})
		}
	}
	return true
}

// applyRequestOverrides sets the header and query overrides on the
// integration request.
func applyRequestOverrides(ctx *vtl.Map, h http.Header, u *url.URL) {
	if m := overrides(ctx, "requestOverride", "header"); m != nil {
		for _, k := range m.Keys() {
			h.Set(k, overrideString(m, k))
		}
	}
	if m := overrides(ctx, "requestOverride", "querystring"); m != nil && m.Len() > 0 {
		q := u.Query()
		for _, k := range m.Keys() {
			q.Set(k, overrideString(m, k))
		}
		u.RawQuery = q.Encode()
	}
}

// responseOverride applies $context.responseOverride: headers onto h, and
// the status (when set and valid) in place of code.
func responseOverride(ctx *vtl.Map, h http.Header, code int) int {
	if m := overrides(ctx, "responseOverride", "header"); m != nil {
		for _, k := range m.Keys() {
			h.Set(k, overrideString(m, k))
		}
	}
	if ctx == nil {
		return code
	}
	o, _ := ctx.Get("responseOverride")
	om, _ := o.(*vtl.Map)
	if om == nil {
		return code
	}
	if s := overrideString(om, "status"); s != "" {
		if n, err := strconv.Atoi(s); err == nil && n >= 100 && n <= 599 {
			return n
		}
	}
	return code
}

// convertContent applies contentHandling to a payload: CONVERT_TO_TEXT
// base64-encodes a binary one, CONVERT_TO_BINARY base64-decodes a text
// one. ok=false: the text is not base64.
func convertContent(handling string, body []byte, binary bool) ([]byte, bool) {
	switch {
	case handling == "CONVERT_TO_TEXT" && binary:
		return []byte(base64.StdEncoding.EncodeToString(body)), true
	case handling == "CONVERT_TO_BINARY" && !binary:
		b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(body)))
		return b, err == nil
	}
	return body, true
}
