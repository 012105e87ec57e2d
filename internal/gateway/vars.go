package gateway

import (
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
)

// value resolves a mapping expression of a requestParameters entry
// (spec §9): 'static', method.request.{path|querystring|header}.N,
// stageVariables.N, context.X (incl. context.identity.*).
func (rq *request) value(expr string) (string, bool) {
	switch {
	case len(expr) >= 2 && expr[0] == '\'' && expr[len(expr)-1] == '\'':
		return expr[1 : len(expr)-1], true
	case strings.HasPrefix(expr, "method.request.path."):
		n := expr[len("method.request.path."):]
		for _, p := range rq.params {
			if p.name == n {
				return p.value, true
			}
		}
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
		return sourceIP(rq.r), true
	case "identity.userAgent":
		return rq.r.Header.Get("User-Agent"), true
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
// the base path and path on a custom domain.
func (rq *request) contextPath() string {
	if rq.tg.custom {
		if rq.tg.basePath != "" {
			return "/" + rq.tg.basePath + rq.tg.rest
		}
		return rq.tg.rest
	}
	return "/" + rq.tg.stage + rq.tg.rest
}

// expand replaces {name} (from integration.request.path mappings, else the
// method path parameter of that name) and ${stageVariables.x} in uri.
func (rq *request) expandURI(uri string) string {
	if !strings.ContainsAny(uri, "{$") {
		return uri
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
				name := uri[i+1 : i+j]
				v, ok := rq.pathValue(name)
				if ok {
					b.WriteString(v)
					i += j
					continue
				}
			}
		}
		b.WriteByte(c)
	}
	return b.String()
}

func (rq *request) pathValue(name string) (string, bool) {
	if in := rq.m.in; in != nil {
		if expr, ok := in.RequestParameters["integration.request.path."+name]; ok {
			return rq.value(expr)
		}
	}
	for _, p := range rq.params {
		if p.name == name {
			return p.value, true
		}
	}
	return "", false
}

// template renders a mapping template: static text with $context.X,
// $stageVariables.X and $input.params('x') substituted (full VTL is not
// implemented).
func (rq *request) template(t string) string {
	if !strings.Contains(t, "$") {
		return t
	}
	var b strings.Builder
	for i := 0; i < len(t); i++ {
		if t[i] != '$' {
			b.WriteByte(t[i])
			continue
		}
		rest := t[i+1:]
		brace := strings.HasPrefix(rest, "{")
		if brace {
			rest = rest[1:]
		}
		switch {
		case strings.HasPrefix(rest, "context.") || strings.HasPrefix(rest, "stageVariables."):
			n := 0
			for n < len(rest) && (isIdent(rest[n]) || rest[n] == '.') {
				n++
			}
			name := strings.TrimRight(rest[:n], ".")
			var v string
			if strings.HasPrefix(name, "context.") {
				v, _ = rq.contextVar(name[len("context."):])
			} else {
				v = rq.stage.variables[name[len("stageVariables."):]]
			}
			b.WriteString(v)
			i += len(name)
			if brace && i+2 < len(t) && t[i+2] == '}' {
				i += 2
			}
		case strings.HasPrefix(rest, "input.params('"):
			end := strings.Index(rest, "')")
			if end < 0 {
				b.WriteByte('$')
				continue
			}
			name := rest[len("input.params('"):end]
			v, ok := rq.value("method.request.path." + name)
			if !ok {
				if v, ok = rq.value("method.request.querystring." + name); !ok {
					v, _ = rq.value("method.request.header." + name)
				}
			}
			b.WriteString(v)
			i += end + 2
		default:
			b.WriteByte('$')
		}
	}
	return b.String()
}

func isIdent(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
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
