package lambda

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gatehouse-dev/gatehouse/internal/authn"
	"github.com/gatehouse-dev/gatehouse/internal/awsproto"
	"github.com/gatehouse-dev/gatehouse/internal/lambda/runtime"
	"github.com/gatehouse-dev/gatehouse/internal/pipeline"
	"github.com/gatehouse-dev/gatehouse/internal/policy"
	"github.com/gatehouse-dev/gatehouse/internal/reqbody"
)

// The function URL data plane. A request reaches a function URL by
//
//   - its Host: <url-id>.lambda-url.<region>.<anything> (on.aws as AWS
//     names it, or e.g. localhost), the path being the function's, or
//   - the path form /_lambda_url/<url-id>/<path>, for clients that
//     cannot set a Host header; the function sees /<path>.
//
// AWS_IAM URLs verify SigV4 for service "lambda" in the function's region
// and decide lambda:InvokeFunctionUrl and lambda:InvokeFunction through
// the shared pipeline (identity policies and the URL's function or alias
// policy, lambda:FunctionUrlAuthType AWS_IAM, lambda:InvokedViaFunctionUrl
// true); NONE URLs decide the same actions for the anonymous caller from
// the resource policy alone, so a NONE URL answers only when that policy
// allows Principal "*". Every refusal is AWS's 403 {"Message":"Forbidden"}.

// URLPathPrefix is the path form's prefix.
const URLPathPrefix = "/_lambda_url/"

// maxURLRequest is the request payload limit of a function URL (6 MB,
// as Invoke).
const maxURLRequest = maxInvokeRequest

// IsURLRequest reports whether r is addressed to a function URL (its Host
// or the path form), for the server's classification.
func IsURLRequest(r *http.Request) bool {
	_, _, _, ok := urlAddress(r)
	return ok
}

// urlAddress returns the URL id, the region the host names ("" for the
// path form) and the path the function sees.
func urlAddress(r *http.Request) (id, region, path string, ok bool) {
	host := r.Host
	if i := strings.IndexByte(host, '.'); i > 0 && strings.HasPrefix(host[i+1:], "lambda-url.") {
		rest := host[i+1+len("lambda-url."):]
		j := strings.IndexByte(rest, '.')
		if j <= 0 {
			return "", "", "", false
		}
		return host[:i], rest[:j], r.URL.EscapedPath(), true
	}
	p := r.URL.EscapedPath()
	if !strings.HasPrefix(p, URLPathPrefix) {
		return "", "", "", false
	}
	rest := p[len(URLPathPrefix):]
	id, path, _ = strings.Cut(rest, "/")
	if id == "" {
		return "", "", "", false
	}
	return id, "", "/" + path, true
}

// writeURLMessage writes a function URL's error answer: {"Message": msg}.
func writeURLMessage(w http.ResponseWriter, status int, msg string, errType string) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	if errType != "" {
		h.Set("x-amzn-ErrorType", errType)
	}
	w.WriteHeader(status)
	_, _ = w.Write(compact(map[string]string{"Message": msg}))
}

// forbidden is a function URL's one refusal.
func forbidden(w http.ResponseWriter) {
	writeURLMessage(w, http.StatusForbidden, "Forbidden", "AccessDeniedException")
}

// serveURL serves a request to a function URL.
func (s *Service) serveURL(w http.ResponseWriter, r *http.Request) {
	awsproto.SetOperation(r.Context(), urlOperation.Name)
	w.Header().Set("x-amzn-RequestId", awsproto.MetaFrom(r.Context()).RequestID)
	id, hostRegion, path, _ := urlAddress(r)
	t, ok := s.view.Load().urls[id]
	if !ok || hostRegion != "" && hostRegion != t.fn.fn.Region {
		// No such URL here: the same answer as a refusal, so that ids
		// cannot be probed.
		forbidden(w)
		return
	}
	cfg := t.cfg
	res := resolved{account: t.fn.fn.Account, region: t.fn.fn.Region, name: t.fn.fn.Name, qualifier: cfg.Qualifier}
	named := t.fn.qualified(cfg.Qualifier)
	if named == nil {
		forbidden(w)
		return
	}
	origin := r.Header.Get("Origin")
	if r.Method == http.MethodOptions && origin != "" && r.Header.Get("Access-Control-Request-Method") != "" && cfg.Cors != nil {
		// A CORS preflight carries no credentials (browsers never sign
		// it): Lambda answers it from the URL's CORS configuration
		// without invoking the function.
		preflight(w, r, cfg.Cors)
		return
	}

	var caller *authn.Principal
	var body []byte
	switch cfg.AuthType {
	case "AWS_IAM":
		if r.Header.Get("Authorization") == "" && r.URL.Query().Get("X-Amz-Algorithm") == "" || s.cfg.Authn == nil {
			forbidden(w)
			return
		}
		p, vr, b, err := s.cfg.Authn.ReadRequest(w, r, "lambda", maxURLRequest)
		switch {
		case errors.Is(err, reqbody.ErrTooLarge):
			writeURLMessage(w, http.StatusRequestEntityTooLarge, "Request must be smaller than 6291456 bytes for the InvokeFunction operation", "RequestTooLargeException")
			return
		case err != nil:
			s.log.Debug("lambda: function URL signature refused", "url_id", id, "err", err)
			forbidden(w)
			return
		}
		defer b.Release()
		if vr.Region != res.region {
			forbidden(w)
			return
		}
		caller, body = p, b.Bytes()
		awsproto.MetaFrom(r.Context()).Principal = p.ARN
		q := &request{r: r, caller: caller, region: vr.Region, op: urlOperation}
		for _, action := range []string{"lambda:InvokeFunctionUrl", "lambda:InvokeFunction"} {
			if err := s.authorizeKeys(q, action, res.arn(), named, res.account, urlKeys(cfg.AuthType, action)); err != nil {
				s.log.Debug("lambda: function URL call denied", "url_id", id, "caller", caller.ARN, "err", err)
				forbidden(w)
				return
			}
		}
	case "NONE":
		if !s.anonymousAllowed(r, named, res) {
			forbidden(w)
			return
		}
		if s.cfg.Authn == nil {
			forbidden(w)
			return
		}
		b, err := s.cfg.Authn.Bodies().ReadAnonymous(w, r, maxURLRequest)
		switch {
		case errors.Is(err, reqbody.ErrTooLarge):
			writeURLMessage(w, http.StatusRequestEntityTooLarge, "Request must be smaller than 6291456 bytes for the InvokeFunction operation", "RequestTooLargeException")
			return
		case err != nil:
			writeURLMessage(w, http.StatusBadRequest, "Could not read request body", "InvalidRequestContentException")
			return
		}
		defer b.Release()
		body = b.Bytes()
	default:
		forbidden(w) // fail closed on a stored value this code does not know
		return
	}

	if _, err := s.mgr.Isolation(); err != nil {
		writeURLMessage(w, http.StatusBadGateway, "Internal Server Error", "")
		return
	}
	event := urlEvent(r, id, res, path, body, caller, awsproto.MetaFrom(r.Context()).RequestID, s.now())
	target := named.route(s.pick)
	spec, err := s.spec(target)
	if err != nil {
		writeURLMessage(w, http.StatusBadGateway, "Internal Server Error", "")
		return
	}
	var sink *urlStreamSink
	inv := runtime.Invocation{
		RequestID:  awsproto.MetaFrom(r.Context()).RequestID,
		Payload:    event,
		InvokedARN: res.arn(),
		TraceID:    r.Header.Get("X-Amzn-Trace-Id"),
	}
	if cfg.InvokeMode == "RESPONSE_STREAM" {
		sink = &urlStreamSink{w: w, rc: http.NewResponseController(w)}
		if origin != "" && cfg.Cors != nil {
			sink.cors = func(h http.Header) { corsHeaders(h, origin, cfg.Cors) }
		}
		inv.Stream = sink
	}
	out, err := s.mgr.Invoke(context.WithoutCancel(r.Context()), spec, inv)
	if sink != nil && sink.end(err != nil || out.FunctionError != "") {
		// The response went out as the function streamed it; a failure
		// after the head can only cut the body short, as on AWS.
		if err == nil && out.FunctionError != "" {
			s.log.Debug("lambda: function URL stream ended in an error", "url_id", id, "error_type", out.ErrorType)
		}
		return
	}
	var te *runtime.ThrottleError
	switch {
	case errors.As(err, &te):
		writeURLMessage(w, http.StatusTooManyRequests, "Rate Exceeded.", "TooManyRequestsException")
		return
	case err != nil || out.FunctionError != "":
		if err != nil {
			s.log.Debug("lambda: function URL invocation failed", "url_id", id, "err", err)
		}
		writeURLMessage(w, http.StatusBadGateway, "Internal Server Error", "")
		return
	}
	if origin != "" && cfg.Cors != nil {
		corsHeaders(w.Header(), origin, cfg.Cors)
	}
	writeURLResponse(w, out.Payload)
}

// urlKeys are the condition keys of a function URL call's action.
func urlKeys(authType, action string) func(*policy.Context) {
	return func(c *policy.Context) {
		c.Set("lambda:FunctionUrlAuthType", authType)
		if action == "lambda:InvokeFunction" {
			c.Set("lambda:InvokedViaFunctionUrl", "true")
		}
	}
}

// anonymousAllowed decides a NONE URL's call: the anonymous caller needs
// the resource policy of the URL's function or alias to allow both
// actions (an identity cannot, there is none).
func (s *Service) anonymousAllowed(r *http.Request, e *entry, res resolved) bool {
	if e.policy == nil {
		return false
	}
	for _, action := range []string{"lambda:InvokeFunctionUrl", "lambda:InvokeFunction"} {
		var pc policy.Context
		pipeline.FillRequest(&pc, r, s.now(), res.region)
		if tags := e.base.fn.Tags; len(tags) > 0 {
			pipeline.ResourceTags(&pc, pipeline.TagsFromMap(tags))
		}
		urlKeys("NONE", action)(&pc)
		pc.SetPrincipal(policy.Principal{Kind: policy.PrincipalAnonymous})
		d := policy.Evaluate(&policy.Input{
			ResourcePolicy:  &policy.Named{Name: "function policy", Policy: e.policy},
			ResourceAccount: res.account,
		}, &policy.Request{Principal: policy.Principal{Kind: policy.PrincipalAnonymous}, Action: action, Resource: res.arn(), Context: &pc})
		if d.Effect != policy.Allowed {
			return false
		}
	}
	return true
}

// textType reports whether a request body of this Content-Type reaches
// the function as text; any other body is base64-encoded
// (isBase64Encoded), as Lambda does.
func textType(ct string) bool {
	if ct == "" {
		return true
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return false
	}
	if strings.HasPrefix(mt, "text/") {
		return true
	}
	for _, s := range []string{"json", "xml", "javascript", "x-www-form-urlencoded", "yaml", "graphql"} {
		if strings.Contains(mt, s) {
			return true
		}
	}
	return false
}

// urlEvent builds the payload format 2.0 event of a function URL call.
func urlEvent(r *http.Request, id string, res resolved, path string, body []byte, caller *authn.Principal, reqID string, now time.Time) []byte {
	headers := map[string]string{}
	var cookies []string
	for k, vs := range r.Header {
		lk := strings.ToLower(k)
		if lk == "cookie" {
			for _, v := range vs {
				for _, c := range strings.Split(v, ";") {
					if c = strings.TrimSpace(c); c != "" {
						cookies = append(cookies, c)
					}
				}
			}
			continue
		}
		headers[lk] = strings.Join(vs, ",")
	}
	host := r.Host
	headers["host"] = host
	domain := id + ".lambda-url." + res.region + ".on.aws"
	if strings.Contains(host, ".lambda-url.") {
		domain, _, _ = strings.Cut(host, ":")
	}
	rawPath, _ := url.PathUnescape(path)
	ev := map[string]any{
		"version":         "2.0",
		"routeKey":        "$default",
		"rawPath":         rawPath,
		"rawQueryString":  r.URL.RawQuery,
		"headers":         headers,
		"isBase64Encoded": false,
	}
	if len(cookies) > 0 {
		ev["cookies"] = cookies
	}
	if r.URL.RawQuery != "" {
		qs := map[string]string{}
		vals, _ := url.ParseQuery(r.URL.RawQuery)
		keys := make([]string, 0, len(vals))
		for k := range vals {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			qs[k] = strings.Join(vals[k], ",")
		}
		ev["queryStringParameters"] = qs
	}
	if len(body) > 0 {
		if textType(r.Header.Get("Content-Type")) && utf8.Valid(body) {
			ev["body"] = string(body)
		} else {
			ev["body"] = base64.StdEncoding.EncodeToString(body)
			ev["isBase64Encoded"] = true
		}
	}
	rc := map[string]any{
		"accountId":    "anonymous",
		"apiId":        id,
		"domainName":   domain,
		"domainPrefix": id,
		"http": map[string]string{
			"method":    r.Method,
			"path":      rawPath,
			"protocol":  r.Proto,
			"sourceIp":  pipeline.ClientIP(r),
			"userAgent": r.Header.Get("User-Agent"),
		},
		"requestId": reqID,
		"routeKey":  "$default",
		"stage":     "$default",
		"time":      now.UTC().Format("02/Jan/2006:15:04:05 -0700"),
		"timeEpoch": now.UnixMilli(),
	}
	if caller != nil {
		rc["accountId"] = caller.AccountID
		rc["authorizer"] = map[string]any{"iam": map[string]any{
			"accessKey":       caller.AccessKeyID,
			"accountId":       caller.AccountID,
			"callerId":        caller.UserID,
			"cognitoIdentity": nil,
			"principalOrgId":  nil,
			"userArn":         caller.ARN,
			"userId":          caller.UserID,
		}}
	}
	ev["requestContext"] = rc
	return compact(ev)
}

// writeURLResponse turns the function's result into the HTTP response as
// Lambda does: an object with statusCode is a response (headers, cookies,
// body, isBase64Encoded); any other JSON value is a 200
// application/json body of that JSON text.
func writeURLResponse(w http.ResponseWriter, payload []byte) {
	var resp struct {
		StatusCode      *json.RawMessage  `json:"statusCode"`
		Headers         map[string]string `json:"headers"`
		Cookies         []string          `json:"cookies"`
		Body            *string           `json:"body"`
		IsBase64Encoded bool              `json:"isBase64Encoded"`
	}
	h := w.Header()
	if len(payload) == 0 || payload[0] != '{' || json.Unmarshal(payload, &resp) != nil || resp.StatusCode == nil {
		h.Set("Content-Type", "application/json")
		h.Set("Content-Length", strconv.Itoa(len(payload)))
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(payload)
		return
	}
	status, err := strconv.Atoi(string(*resp.StatusCode))
	if err != nil || status < 100 || status > 599 {
		writeURLMessage(w, http.StatusBadGateway, "Internal Server Error", "")
		return
	}
	var body []byte
	if resp.Body != nil {
		body = []byte(*resp.Body)
		if resp.IsBase64Encoded {
			if body, err = base64.StdEncoding.DecodeString(*resp.Body); err != nil {
				writeURLMessage(w, http.StatusBadGateway, "Internal Server Error", "")
				return
			}
		}
	}
	setURLHeaders(h, resp.Headers, resp.Cookies)
	if h.Get("Content-Type") == "" {
		h.Set("Content-Type", "application/json")
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// setURLHeaders sets the headers and cookies a function's response names.
func setURLHeaders(h http.Header, headers map[string]string, cookies []string) {
	for k, v := range headers {
		if strings.HasPrefix(strings.ToLower(k), "access-control-") && h.Get(k) != "" {
			continue // the URL's CORS configuration overrides the function's
		}
		if !httpHeaderName(k) || strings.ContainsAny(v, "\r\n") {
			continue
		}
		h.Set(k, v)
	}
	for _, c := range cookies {
		if !strings.ContainsAny(c, "\r\n") {
			h.Add("Set-Cookie", c)
		}
	}
}

func httpHeaderName(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte("()<>@,;:\\\"/[]?={}", c) >= 0 {
			return false
		}
	}
	return true
}

// allowedOrigin returns the Access-Control-Allow-Origin for origin, or ""
// when the configuration does not allow it.
func allowedOrigin(origin string, c *corsConfig) string {
	for _, o := range c.AllowOrigins {
		if o == "*" {
			if c.AllowCredentials != nil && *c.AllowCredentials {
				return origin // "*" cannot be used with credentials
			}
			return "*"
		}
		if strings.EqualFold(o, origin) {
			return origin
		}
	}
	return ""
}

// corsHeaders adds the CORS response headers of an actual request.
func corsHeaders(h http.Header, origin string, c *corsConfig) {
	ao := allowedOrigin(origin, c)
	if ao == "" {
		return
	}
	h.Set("Access-Control-Allow-Origin", ao)
	if ao != "*" {
		h.Add("Vary", "Origin")
	}
	if c.AllowCredentials != nil && *c.AllowCredentials {
		h.Set("Access-Control-Allow-Credentials", "true")
	}
	if len(c.ExposeHeaders) > 0 {
		h.Set("Access-Control-Expose-Headers", strings.Join(c.ExposeHeaders, ","))
	}
}

// preflight answers a CORS preflight from the configuration.
func preflight(w http.ResponseWriter, r *http.Request, c *corsConfig) {
	h := w.Header()
	origin := r.Header.Get("Origin")
	if ao := allowedOrigin(origin, c); ao != "" {
		h.Set("Access-Control-Allow-Origin", ao)
		if ao != "*" {
			h.Add("Vary", "Origin")
		}
		method := r.Header.Get("Access-Control-Request-Method")
		for _, m := range c.AllowMethods {
			if m == "*" || strings.EqualFold(m, method) {
				h.Set("Access-Control-Allow-Methods", strings.Join(c.AllowMethods, ","))
				break
			}
		}
		if len(c.AllowHeaders) > 0 {
			h.Set("Access-Control-Allow-Headers", strings.Join(c.AllowHeaders, ","))
		}
		if c.AllowCredentials != nil && *c.AllowCredentials {
			h.Set("Access-Control-Allow-Credentials", "true")
		}
		if c.MaxAge != nil {
			h.Set("Access-Control-Max-Age", strconv.Itoa(*c.MaxAge))
		}
	}
	w.WriteHeader(http.StatusOK)
}
