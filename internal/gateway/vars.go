package gateway

import (
	"encoding/json"
	"net/url"
	"strconv"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/pipeline"
)

// value resolves a mapping expression of a requestParameters entry
// (spec §9): 'static', method.request.{path|querystring|header}.N,
// stageVariables.N, context.X (incl. context.identity.*).
func (rq *request) value(expr string) (string, bool) {
	switch {
	case len(expr) >= 2 && expr[0] == '\'' && expr[len(expr)-1] == '\'':
		return expr[1 : len(expr)-1], true
	case strings.HasPrefix(expr, "method.request.path."):
		// Percent-encoded, as AWS passes path parameters (spec §3.7).
		return rq.param(expr[len("method.request.path."):])
	case strings.HasPrefix(expr, "method.request.querystring."):
		q := rq.r.URL.Query()
		if v, ok := q[expr[len("method.request.querystring."):]]; ok && len(v) > 0 {
			return v[len(v)-1], true
		}
	case strings.HasPrefix(expr, "method.request.multivaluequerystring."):
		q := rq.r.URL.Query()
		if v, ok := q[expr[len("method.request.multivaluequerystring."):]]; ok && len(v) > 0 {
			return strings.Join(v, ","), true
		}
	case strings.HasPrefix(expr, "method.request.header."):
		if v := rq.r.Header.Values(expr[len("method.request.header."):]); len(v) > 0 {
			return v[len(v)-1], true
		}
	case strings.HasPrefix(expr, "method.request.multivalueheader."):
		if v := rq.r.Header.Values(expr[len("method.request.multivalueheader."):]); len(v) > 0 {
			return strings.Join(v, ","), true
		}
	case expr == "method.request.body":
		return string(rq.body), rq.bodyRead
	case strings.HasPrefix(expr, "method.request.body."):
		return jsonPath(rq.body, expr[len("method.request.body."):])
	case strings.HasPrefix(expr, "stageVariables."):
		v, ok := rq.stage.variables[expr[len("stageVariables."):]]
		return v, ok
	case strings.HasPrefix(expr, "context."):
		return rq.contextVar(expr[len("context."):])
	}
	return "", false
}

// contextVar returns $context.NAME (spec §7.4 requestContext).
func (rq *request) contextVar(name string) (string, bool) {
	p := rq.caller
	switch name {
	case "requestId", "awsEndpointRequestId":
		return rq.reqID, true
	case "extendedRequestId":
		return rq.apigwID, true
	case "apiId":
		return rq.stage.api.id, true
	case "accountId":
		return rq.stage.api.account, true
	case "stage":
		return rq.stage.name, true
	case "deploymentId":
		return rq.stage.deploymentID, true
	case "isCanaryRequest":
		// Defined only on a stage with canary settings (canary.go).
		if !rq.stage.hasCanary {
			return "", false
		}
		return strconv.FormatBool(rq.stage.isCanary), true
	case "resourceId":
		return rq.m.res.ID, true
	case "resourcePath":
		return rq.m.res.Path, true
	case "httpMethod":
		return rq.r.Method, true
	case "path":
		return rq.contextPath(), true
	case "protocol":
		return "HTTP/1.1", true
	case "domainName":
		return rq.r.Host, true
	case "domainPrefix":
		h, _, _ := strings.Cut(rq.r.Host, ".")
		return h, true
	case "requestTime":
		return rq.start.UTC().Format("02/Jan/2006:15:04:05 +0000"), true
	case "requestTimeEpoch":
		return strconv.FormatInt(rq.start.UnixMilli(), 10), true
	case "identity.sourceIp":
		return pipeline.ClientIP(rq.r), true
	case "identity.userAgent":
		return rq.r.Header.Get("User-Agent"), true
	case "identity.apiKey", "identity.apiKeyId":
		if rq.apiKey == nil {
			return "", true
		}
		if name == "identity.apiKey" {
			return rq.apiKey.value, true
		}
		return rq.apiKey.id, true
	}
	if c, ok := strings.CutPrefix(name, "identity.clientCert."); ok {
		return rq.clientCertVar(c)
	}
	if a, ok := strings.CutPrefix(name, "authorizer."); ok {
		return rq.authorizerVar(a)
	}
	if p == nil {
		return "", strings.HasPrefix(name, "identity.")
	}
	switch name {
	case "identity.accessKey":
		return p.AccessKeyID, true
	case "identity.accountId":
		return p.AccountID, true
	case "identity.caller", "identity.user":
		return p.UserID, true
	case "identity.userArn":
		return p.ARN, true
	case "identity.principalOrgId":
		return "", true
	}
	return "", false
}

// contextPath is $context.path: "/{stage}{path}" on the default endpoint,
// the base path and path on a custom domain; the path in its canonical
// encoded form.
func (rq *request) contextPath() string {
	if rq.tg.custom {
		if rq.tg.basePath != "" {
			return "/" + rq.tg.basePath + rq.tg.rest.enc
		}
		return rq.tg.rest.enc
	}
	return "/" + rq.stage.name + rq.tg.rest.enc
}

// eventPath is the proxy event's path: the resource path without the
// stage, with the base path on a custom domain, canonical and encoded.
func (rq *request) eventPath() string {
	if rq.tg.custom && rq.tg.basePath != "" {
		return "/" + rq.tg.basePath + rq.tg.rest.enc
	}
	return rq.tg.rest.enc
}

// Where a {name} placeholder of an integration uri lands.
const (
	inAuthority = iota
	inPath
	inQuery
)

// expandURI fills an HTTP integration uri: ${stageVariables.x} with the
// stage's value (the operator's, as is) and {name} with this request's value
// for it, made safe for where it lands (placeValue). ok=false: a value
// chosen by the client cannot be placed there without changing the shape
// of the URL (an extra path segment, a dot segment, another host).
func (rq *request) expandURI(uri string) (string, bool) {
	if !strings.ContainsAny(uri, "{$") {
		return uri, true
	}
	// The template's authority ends at the first '/', '?' or '#' after
	// "://"; its query starts at the first '?' after that.
	authEnd, queryAt := 0, len(uri)
	if i := strings.Index(uri, "://"); i >= 0 {
		authEnd = len(uri)
		if j := strings.IndexAny(uri[i+3:], "/?#"); j >= 0 {
			authEnd = i + 3 + j
		}
	}
	if j := strings.IndexByte(uri[authEnd:], '?'); j >= 0 {
		queryAt = authEnd + j
	}
	var b strings.Builder
	for i := 0; i < len(uri); i++ {
		c := uri[i]
		if c == '$' && strings.HasPrefix(uri[i:], "${stageVariables.") {
			if j := strings.IndexByte(uri[i:], '}'); j > 0 {
				b.WriteString(rq.stage.variables[uri[i+len("${stageVariables."):i+j]])
				i += j
				continue
			}
		}
		if c == '{' {
			if j := strings.IndexByte(uri[i:], '}'); j > 0 {
				v, src, found := rq.pathValue(uri[i+1 : i+j])
				if found {
					where := inPath
					if i < authEnd {
						where = inAuthority
					} else if i > queryAt {
						where = inQuery
					}
					s, ok := placeValue(v, src, where)
					if !ok {
						return "", false
					}
					b.WriteString(s)
					i += j
					continue
				}
			}
		}
		b.WriteByte(c)
	}
	return b.String(), true
}

// expandStageVariables replaces ${stageVariables.x} in s (a Lambda
// function ARN: API Gateway allows stage variables there, not path
// parameters).
func (rq *request) expandStageVariables(s string) string {
	if !strings.Contains(s, "${stageVariables.") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '$' && strings.HasPrefix(s[i:], "${stageVariables.") {
			if j := strings.IndexByte(s[i:], '}'); j > 0 {
				b.WriteString(rq.stage.variables[s[i+len("${stageVariables."):i+j]])
				i += j
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// Where a placeholder's value comes from.
const (
	fromPath    = iota // a path parameter, in the canonical encoded form
	fromOwner          // a 'static' value or a stage variable: the API owner's
	fromRequest        // anything else (query, header, body, context): decoded text
)

// placeValue renders v for where it lands in the integration uri:
//   - in the path, a path parameter as its canonical encoded segments (they
//     decode to what the method ARN holds); a value from elsewhere in the
//     request must be one segment that canonicalPath would accept, and is
//     encoded as one;
//   - in the query, query-escaped (it cannot add parameters);
//   - in the authority, only host characters (letters, digits, '-', '.').
//
// Values of the API owner's ('static', stage variables) are placed as they
// are, as AWS does.
func placeValue(v string, src, where int) (string, bool) {
	if src == fromOwner {
		return v, true
	}
	switch where {
	case inPath:
		if src == fromPath {
			return v, v != ""
		}
		if !validSegment([]byte(v)) {
			return "", false
		}
		return escapeSegment(v), true
	case inQuery:
		if src == fromPath {
			v = decodeEnc(v)
		}
		return url.QueryEscape(v), true
	}
	if src == fromPath {
		v = decodeEnc(v)
	}
	if v == "" {
		return "", false
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.') {
			return "", false
		}
	}
	return v, true
}

// pathValue is the value of the uri placeholder {name}: its
// integration.request.path.name mapping, else the path parameter of that
// name; src says where the value comes from (placeValue).
func (rq *request) pathValue(name string) (v string, src int, ok bool) {
	if in := rq.m.in; in != nil {
		if expr, mapped := in.RequestParameters["integration.request.path."+name]; mapped {
			switch {
			case strings.HasPrefix(expr, "method.request.path."):
				v, ok = rq.param(expr[len("method.request.path."):])
				return v, fromPath, ok
			case strings.HasPrefix(expr, "stageVariables."),
				len(expr) >= 2 && expr[0] == '\'' && expr[len(expr)-1] == '\'':
				v, ok = rq.value(expr)
				return v, fromOwner, ok
			}
			v, ok = rq.value(expr)
			return v, fromRequest, ok
		}
	}
	v, ok = rq.param(name)
	return v, fromPath, ok
}

// param returns the path parameter name (encoded form).
func (rq *request) param(name string) (string, bool) {
	for _, p := range rq.params {
		if p.name == name {
			return p.value, true
		}
	}
	return "", false
}

// decodeQuery parses the raw query; AWS decodes names and values (§3.8).
func decodeQuery(raw string) url.Values {
	v, _ := url.ParseQuery(raw)
	return v
}

// jsonPath evaluates the dotted JSONPath subset mappings use
// ("a.b.c", array indexes "items.0") over body; strings come back raw,
// other values as JSON.
func jsonPath(body []byte, path string) (string, bool) {
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return "", false
	}
	for _, part := range strings.Split(strings.TrimPrefix(path, "$."), ".") {
		switch x := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = x[part]; !ok {
				return "", false
			}
		case []any:
			i, err := strconv.Atoi(part)
			if err != nil || i < 0 || i >= len(x) {
				return "", false
			}
			v = x[i]
		default:
			return "", false
		}
	}
	if s, ok := v.(string); ok {
		return s, true
	}
	b, err := json.Marshal(v)
	return string(b), err == nil
}
