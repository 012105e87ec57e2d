package sigv4

import (
	"net/http"
	"strings"
)

// Scope reads the credential scope of r without verifying anything, so a
// router can pick a service cheaply (DESIGN: requests are routed by the
// service they are signed for). It handles the header and query forms; ok
// is false when r carries no parseable credential.
func Scope(r *http.Request) (service, region string, ok bool) {
	c, ok := ParseScope(r)
	return c.Service, c.Region, ok
}

// ParseScope is Scope returning the whole credential (access key id, date,
// region, service, terminator). Nothing is verified.
func ParseScope(r *http.Request) (Credential, bool) {
	var cred string
	if h := strings.TrimSpace(r.Header.Get("Authorization")); h != "" {
		a, err := parseAuthorization(h, true)
		if err != nil {
			return Credential{}, false
		}
		cred = a.Credential
	} else if r.URL != nil && strings.Contains(r.URL.RawQuery, "X-Amz-") {
		var buf []byte
		found := false
		rest := r.URL.RawQuery
		for len(rest) > 0 && !found {
			var piece string
			if i := strings.IndexByte(rest, '&'); i >= 0 {
				piece, rest = rest[:i], rest[i+1:]
			} else {
				piece, rest = rest, ""
			}
			name, value, _ := strings.Cut(piece, "=")
			if queryNameIs(name, "X-Amz-Credential", false, &buf) {
				d, ok := unescapeQuery(value)
				if !ok {
					return Credential{}, false
				}
				cred, found = d, true
			}
		}
		if !found {
			return Credential{}, false
		}
	} else {
		return Credential{}, false
	}
	return parseCredential(cred)
}

// RoutingScope is ParseScope for a router: it reads the Credential of an
// Authorization header even when the rest of the header is malformed, so
// that a request signed for a service reaches that service and gets that
// service's own error for its bad signature, in that service's wire
// format. Nothing is verified; ok is false when no five-part credential
// can be read.
func RoutingScope(r *http.Request) (Credential, bool) {
	if a := r.Header.Get("Authorization"); a != "" {
		return credentialOf(a)
	}
	if r.URL != nil && strings.Contains(r.URL.RawQuery, "X-Amz-Credential=") {
		return ParseScope(r)
	}
	return Credential{}, false
}

// credentialOf finds "Credential=" in an Authorization header value and
// parses the credential that follows, up to the next comma or space.
func credentialOf(h string) (Credential, bool) {
	i := strings.Index(h, "Credential=")
	if i < 0 {
		return Credential{}, false
	}
	cred := h[i+len("Credential="):]
	if j := strings.IndexAny(cred, ", "); j >= 0 {
		cred = cred[:j]
	}
	return parseCredential(cred)
}
