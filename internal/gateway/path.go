package gateway

import (
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// reqPath is a request path in the canonical form of canonicalPath. dec and
// enc have the same segments; in the common case (a path that is already
// canonical) they are the same string, the raw path itself.
type reqPath struct {
	// dec is the decoded path: "/" or "/s1/s2/…", each segment non-empty,
	// never "." or "..", without "/", "\", ";", "?", "#", control or
	// format characters, valid UTF-8 in NFKC (canonicalPath rule 3). Routing, the method ARN, the
	// policy engine and the decision log see this form.
	dec string
	// enc is dec percent-encoded in one normal form (RFC 3986 §6.2.2):
	// unreserved characters (A-Z a-z 0-9 - . _ ~) and the sub-delimiters
	// ! $ & ' ( ) * + , = : @ as themselves, every other byte as %XX with
	// upper-case hex. Percent-decoding enc gives exactly dec. What an
	// integration receives (HTTP backend path, {proxy}/{id} values, the
	// Lambda event's path and pathParameters) is built from enc.
	enc string
}

// rootPath is the canonical form of "", "/" and "//…".
var rootPath = reqPath{dec: "/", enc: "/"}

// canonicalPath computes the one canonical form of a raw request path (the
// path of the request target exactly as received, before '?'). Every later
// step of the request — stage and API resolution, routing, the method ARN,
// the authorization decision and its log line, the SigV4 check (which runs
// on the raw spelling of this same path only after it canonicalized) and
// whatever the integration receives — uses its result, so that what is
// authorized is what is served. The rule:
//
//  1. Split the raw path on '/'. Empty segments are dropped: "//a", "/a//b"
//     and a trailing "/" name the same resource as "/a", "/a/b" (API
//     Gateway ignores a trailing slash when matching, spec §3.2; collapsing
//     "//" is what botocore and smithy do before signing, sigv4.md §7.2).
//  2. Each segment is percent-decoded exactly once; hex digits of either
//     case; a '%' not followed by two hex digits refuses the request.
//  3. A decoded segment is refused when a backend could read it as a
//     different resource than the one authorized:
//     - "." or ".." or any segment made only of dots and spaces (dot
//     segments, in any encoding: "%2e%2e", ".%2E"; Windows trims trailing
//     dots and spaces, so "... " and ". ." are dot segments there);
//     - '/' or '\' (from %2F, %5C or a raw '\': nginx decodes %2F before
//     resolving dot segments, Windows and Tomcat read '\' as '/');
//     - ';' (Tomcat, Jetty and Spring strip ";params" from a segment, so
//     "..;x" is ".." and "/admin;x/secret" is "/admin/secret" to them);
//     - '?' or '#' (from %3F, %23: a backend that decodes the target before
//     splitting it reads "/admin%3Fx" as /admin with a query);
//     - a leading or trailing space (Windows trims trailing spaces; some
//     routers trim both);
//     - '%' followed by two hex digits or 'u' (a second decoding, as some
//     frameworks do, would change it: "%252e%252e" decodes to "%2e%2e");
//     - a control or format character (NUL, C0, DEL, C1, soft hyphen,
//     zero-width and bidi marks, which some stacks drop);
//     - invalid UTF-8 (overlong "%c0%ae" is not '.'), or text not in NFKC
//     (a backend that applies compatibility normalization reads fullwidth
//     "．．" as ".." and "ſecret" as "secret").
//     API Gateway resource path parts can only hold alphanumerics and
//     "_-.,:" (spec §1), so refusing these characters never hides a
//     literal resource; it only refuses {param} and {proxy+} values.
//  4. dec is "/" + the decoded segments joined by "/" ("/" for none); enc
//     is the same segments in the one percent-encoding of reqPath.enc.
//
// A refused path does not route: the caller answers it as API Gateway
// answers any request that names no resource, 403 Missing Authentication
// Token (what AWS does with dot segments, encoded slashes and the rest is
// undocumented [unconfirmed]; refusing them is gatehouse's choice, since
// no answer AWS documents could serve them safely).
//
// When the raw path is already canonical (the usual case) both forms are
// the raw string itself and nothing is allocated.
func canonicalPath(raw string) (reqPath, bool) {
	if p, ok := canonicalFast(raw); ok {
		return p, true
	}
	return canonicalSlow(raw)
}

// canonicalFast accepts a raw path that canonicalSlow would return
// unchanged: a leading '/', no empty segment, no trailing '/', only
// characters that stand for themselves in enc, and no segment made only of
// dots. Anything else goes to canonicalSlow.
func canonicalFast(raw string) (reqPath, bool) {
	if raw == "/" {
		return rootPath, true
	}
	if len(raw) < 2 || raw[0] != '/' || raw[len(raw)-1] == '/' {
		return reqPath{}, false
	}
	dots := true // the current segment is all dots so far
	for i := 1; i < len(raw); i++ {
		c := raw[i]
		if c == '/' {
			if dots { // "//" or a dot segment
				return reqPath{}, false
			}
			dots = true
			continue
		}
		if !keepRaw(c) {
			return reqPath{}, false
		}
		if c != '.' {
			dots = false
		}
	}
	if dots {
		return reqPath{}, false
	}
	return reqPath{dec: raw, enc: raw}, true
}

// canonicalSlow is canonicalPath for paths that need decoding, collapsing
// or refusing.
func canonicalSlow(raw string) (reqPath, bool) {
	if raw != "" && raw[0] != '/' {
		return reqPath{}, false // "*", or not a path at all
	}
	dec := make([]byte, 0, 2*len(raw)+8) // dec, then enc appended: one string for both
	enc := make([]byte, 0, len(raw)+16)
	for rest := raw; rest != ""; {
		var seg string
		seg, rest, _ = strings.Cut(rest, "/")
		if seg == "" {
			continue
		}
		dec = append(dec, '/')
		enc = append(enc, '/')
		start := len(dec)
		for i := 0; i < len(seg); i++ {
			c := seg[i]
			if c == '%' {
				if i+2 >= len(seg) || !isHex(seg[i+1]) || !isHex(seg[i+2]) {
					return reqPath{}, false
				}
				c = unhex(seg[i+1])<<4 | unhex(seg[i+2])
				i += 2
				dec = append(dec, c)
				if unreserved(c) {
					enc = append(enc, c)
				} else {
					enc = append(enc, '%', upperHex[c>>4], upperHex[c&15])
				}
				continue
			}
			dec = append(dec, c)
			if keepRaw(c) {
				enc = append(enc, c)
			} else {
				enc = append(enc, '%', upperHex[c>>4], upperHex[c&15])
			}
		}
		if !validSegment(dec[start:]) {
			return reqPath{}, false
		}
	}
	if len(dec) == 0 {
		return rootPath, true
	}
	n := len(dec)
	both := string(append(dec, enc...))
	return reqPath{dec: both[:n], enc: both[n:]}, true
}

// validSegment reports whether a decoded segment names one resource to
// every backend (canonicalPath rule 3).
func validSegment(s []byte) bool {
	if len(s) == 0 {
		return false
	}
	dotsOnly, ascii := true, true
	for i, c := range s {
		switch {
		case c < 0x20 || c == 0x7f || c == '/' || c == '\\' || c == ';' || c == '?' || c == '#':
			return false
		case c == '%':
			if i+1 < len(s) && (s[i+1] == 'u' || s[i+1] == 'U') || i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
				return false
			}
		case c >= utf8.RuneSelf:
			ascii = false
		}
		if c != '.' && c != ' ' {
			dotsOnly = false
		}
	}
	if dotsOnly || s[0] == ' ' || s[len(s)-1] == ' ' {
		return false
	}
	if ascii {
		return true
	}
	if !utf8.Valid(s) {
		return false
	}
	if first, _ := utf8.DecodeRune(s); unicode.IsSpace(first) {
		return false
	}
	if last, _ := utf8.DecodeLastRune(s); unicode.IsSpace(last) {
		return false
	}
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRune(s[i:])
		if unicode.Is(unicode.Cc, r) || unicode.Is(unicode.Cf, r) {
			return false
		}
		i += n
	}
	return norm.NFKC.IsNormal(s)
}

// keepRaw reports whether c stands for itself in the encoded form: the
// unreserved characters and the sub-delimiters but ';', plus ':' and '@'
// (RFC 3986 pchar). Every other byte is percent-encoded.
func keepRaw(c byte) bool {
	if unreserved(c) {
		return true
	}
	switch c {
	case '!', '$', '&', '\'', '(', ')', '*', '+', ',', '=', ':', '@':
		return true
	}
	return false
}

func unreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~'
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}

const upperHex = "0123456789ABCDEF"

// pop splits off the first segment of p: its decoded and encoded forms and
// the rest of the path ("/" when none is left). p must not be the root.
func (p reqPath) pop() (dec, enc string, rest reqPath) {
	dec, _, more := strings.Cut(p.dec[1:], "/")
	enc, _, _ = strings.Cut(p.enc[1:], "/")
	if !more {
		return dec, enc, rootPath
	}
	// Both rests keep their leading '/'.
	return dec, enc, reqPath{dec: p.dec[1+len(dec):], enc: p.enc[1+len(enc):]}
}

// isRoot reports whether p is "/".
func (p reqPath) isRoot() bool { return len(p.dec) == 1 }

// escapeSegment percent-encodes a decoded value for one path segment in
// the encoded form of reqPath.enc (and so refuses nothing: the caller
// validates first).
func escapeSegment(s string) string {
	n := 0
	for i := 0; i < len(s); i++ {
		if !keepRaw(s[i]) {
			n++
		}
	}
	if n == 0 {
		return s
	}
	b := make([]byte, 0, len(s)+2*n)
	for i := 0; i < len(s); i++ {
		if c := s[i]; keepRaw(c) {
			b = append(b, c)
		} else {
			b = append(b, '%', upperHex[c>>4], upperHex[c&15])
		}
	}
	return string(b)
}

// decodeEnc decodes a value in the encoded form of reqPath.enc.
func decodeEnc(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	d, err := url.PathUnescape(s)
	if err != nil {
		return s // enc forms are always valid; unreachable
	}
	return d
}

// standardMethod reports whether m is one of the HTTP methods API Gateway
// has (spec §1): the verbs ANY stands for. Methods are case-sensitive
// tokens (RFC 9110 §9.1): "get" is not GET, and neither it nor TRACE,
// CONNECT or any other token routes anywhere.
func standardMethod(m string) bool {
	switch m {
	case "GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS":
		return true
	}
	return false
}
