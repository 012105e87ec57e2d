package gateway

import (
	"net/http"
	"net/url"
	"strings"
)

// Header names are compared as backends may compare them: ignoring ASCII
// case, and with '_' and '-' the same character. CGI and WSGI servers
// (and PHP, Rack and others after them) turn both "X-Caller-Arn" and
// "X_Caller_Arn" into HTTP_X_CALLER_ARN, so a client header that folds to
// the name of a header the gateway sets would reach such a backend beside
// (or instead of) the gateway's.

// headerEq reports whether a and b are the same header name to a backend
// that folds case and '_' / '-'.
func headerEq(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		if foldByte(a[i]) != foldByte(b[i]) {
			return false
		}
	}
	return true
}

func foldByte(c byte) byte {
	switch {
	case 'A' <= c && c <= 'Z':
		return c + 'a' - 'A'
	case c == '_':
		return '-'
	}
	return c
}

// gatewayHeaders are the integration request headers the gateway itself
// sets (addIntegrationHeaders): a client's header of one of these names, in
// any spelling, never reaches a backend. X-Forwarded-For is the exception
// in its exact (canonical) spelling: the gateway extends the client's list
// with the peer address, as AWS does.
var gatewayHeaders = [...]string{"X-Amzn-Apigateway-Api-Id", "X-Amzn-Trace-Id", "X-Amzn-Requestid", "X-Forwarded-For"}

// methodOverrideHeaders make many frameworks (Express method-override,
// Symfony, Laravel, ASP.NET, Google's APIs) run a POST as the method they
// name: the method a backend runs would not be the verb of the method ARN
// that was authorized, so they are not forwarded (gatehouse's choice; AWS
// forwards them).
var methodOverrideHeaders = [...]string{"X-Http-Method-Override", "X-Http-Method", "X-Method-Override"}

// sigv4Headers carry a request's SigV4 signature: the gateway consumes them
// on an AWS_IAM method (or whenever the request carries a SigV4
// signature), and they are not forwarded — a backend holding them could
// replay the signed request within its five minutes. X-Amz-Security-Token
// (a session credential) is never forwarded at all.
var sigv4Headers = [...]string{"Authorization", "X-Amz-Date", "X-Amz-Security-Token", "X-Amz-Content-Sha256"}

// sigv4QueryParams are the presigned-URL parameters (sigv4.md §3): never
// forwarded (a presigned URL is a bearer credential until it expires).
var sigv4QueryParams = [...]string{"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires",
	"X-Amz-SignedHeaders", "X-Amz-Signature", "X-Amz-Security-Token"}

// signed reports whether the request's SigV4 material is the gateway's:
// the method is AWS_IAM (the gateway verified, or would have verified, the
// signature), or the request carries a SigV4 Authorization header or
// presigned query (signed for execute-api, so for this gateway).
func (rq *request) signed() bool {
	if rq.sigv4 || rq.m != nil && rq.m.iam {
		return true
	}
	r := rq.r
	if a := r.Header.Get("Authorization"); strings.HasPrefix(strings.TrimSpace(a), "AWS4-") {
		return true
	}
	return strings.Contains(r.URL.RawQuery, "X-Amz-Signature") || strings.Contains(r.URL.RawQuery, "X-Amz-Credential")
}

// withheldHeader reports whether the client header k (in any spelling) is
// kept from every integration: the caller's AWS credentials (spec §7: the
// SigV4 Authorization header is dropped; gatehouse drops the whole
// signature and the session token, see doc/security.md §2–3, §9, §18) and
// the method-override headers.
func withheldHeader(k string, signed bool) bool {
	if headerEq(k, "X-Amz-Security-Token") {
		return true
	}
	for _, n := range methodOverrideHeaders {
		if headerEq(k, n) {
			return true
		}
	}
	if !signed {
		return false
	}
	for _, n := range sigv4Headers {
		if headerEq(k, n) {
			return true
		}
	}
	return false
}

// sigv4QueryParam reports whether a decoded query parameter name is one of
// the presigned-URL parameters (case and '_' / '-' folded, as for headers).
func sigv4QueryParam(name string) bool {
	for _, n := range sigv4QueryParams {
		if headerEq(name, n) {
			return true
		}
	}
	return false
}

// forwardQuery is the client's raw query minus the presigned-URL
// parameters, every other byte as received. Parameters are split on '&'
// and ';' (AWS splits on both, spec §3.8, and so do some backends) and
// their names decoded before they are compared; a name that cannot be
// decoded and might spell one is dropped too.
func forwardQuery(raw string) string {
	if raw == "" || !strings.Contains(raw, "%") && !containsAmz(raw) {
		return raw
	}
	drop := func(pair string) bool {
		name, _, _ := strings.Cut(pair, "=")
		n, err := url.QueryUnescape(name)
		if err != nil {
			return containsAmz(name) || strings.Contains(name, "%")
		}
		return sigv4QueryParam(n)
	}
	dropped := false
	for rest := raw; rest != "" && !dropped; {
		pair, tail, _ := cutQuery(rest)
		dropped, rest = drop(pair), tail
	}
	if !dropped {
		return raw
	}
	out := make([]byte, 0, len(raw))
	var sep byte
	for rest := raw; ; {
		pair, tail, more := cutQuery(rest)
		if !drop(pair) {
			if len(out) > 0 {
				out = append(out, sep)
			}
			out = append(out, pair...)
		}
		if !more {
			break
		}
		sep, rest = rest[len(pair)], tail
	}
	return string(out)
}

// cutQuery splits the first parameter off a raw query.
func cutQuery(s string) (pair, rest string, more bool) {
	if i := strings.IndexAny(s, "&;"); i >= 0 {
		return s[:i], s[i+1:], true
	}
	return s, "", false
}

// containsAmz reports whether s contains "amz" in any case.
func containsAmz(s string) bool {
	for i := 0; i+3 <= len(s); i++ {
		if foldByte(s[i]) == 'a' && foldByte(s[i+1]) == 'm' && foldByte(s[i+2]) == 'z' {
			return true
		}
	}
	return false
}

// copyRequestHeaders copies the client's headers that an HTTP_PROXY
// integration forwards (spec §7.2): not the hop-by-hop and recomputed ones
// (dropRequest), not the caller's credentials or a method override
// (withheldHeader), and not
// any spelling of a header the gateway sets itself — the integration's
// mapped headers (integration.request.header.*) and gatewayHeaders — so
// that only the gateway's value of those can reach the backend.
func (rq *request) copyRequestHeaders(dst, src http.Header) {
	signed := rq.signed()
	for k, vv := range src {
		if dropRequest[k] || withheldHeader(k, signed) || rq.m.ownsHeader(k) {
			continue
		}
		if strings.IndexByte(k, '_') >= 0 && dropRequest[http.CanonicalHeaderKey(strings.ReplaceAll(k, "_", "-"))] {
			continue // e.g. Transfer_Encoding, read as Transfer-Encoding by some backends
		}
		dst[k] = vv
	}
}

// ownsHeader reports whether the gateway sets the header k (in any
// spelling a backend could fold to it) on this method's integration
// requests; the client's exact X-Forwarded-For is kept to be extended.
func (m *methodEntry) ownsHeader(k string) bool {
	for _, n := range gatewayHeaders {
		if headerEq(k, n) {
			return k != "X-Forwarded-For"
		}
	}
	for _, n := range m.mappedHeaders {
		if headerEq(k, n) {
			return true
		}
	}
	return false
}
