package pipeline

import (
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/policy"
)

// The request-level global condition keys this package sets. The
// principal's keys (aws:PrincipalArn, aws:userid, aws:PrincipalTag/…) are
// added by the Authorizer, which knows the principal's entity.
const (
	KeyCurrentTime     = "aws:CurrentTime"
	KeyEpochTime       = "aws:EpochTime"
	KeySecureTransport = "aws:SecureTransport"
	KeySourceIP        = "aws:SourceIp"
	KeyUserAgent       = "aws:UserAgent"
	KeyReferer         = "aws:Referer"
	KeyRequestedRegion = "aws:RequestedRegion"
	KeyViaAWSService   = "aws:ViaAWSService"
	KeyRequestTag      = "aws:RequestTag/"
	KeyTagKeys         = "aws:TagKeys"
	KeyResourceTag     = "aws:ResourceTag/"
)

// RequestKeys lists the request-level keys FillRequest may set, in the
// order it sets them. Which are present depends on the request: see
// FillRequest.
var RequestKeys = []string{KeyCurrentTime, KeyEpochTime, KeySecureTransport, KeySourceIP,
	KeyUserAgent, KeyReferer, KeyRequestedRegion, KeyViaAWSService}

// ClientIP is the address of the TCP peer of r, as aws:SourceIp and the
// gateway's $context.identity.sourceIp and X-Forwarded-For report it. It
// is never taken from a header: a client chooses its headers. It is ""
// when the peer is not an IP address (a Unix socket, a test that sets no
// RemoteAddr), so that aws:SourceIp is then absent rather than a value no
// IpAddress condition can parse. It does not allocate.
func ClientIP(r *http.Request) string {
	host := r.RemoteAddr
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	} else if len(host) > 1 && host[0] == '[' && host[len(host)-1] == ']' {
		host = host[1 : len(host)-1] // "[::1]" without a port
	}
	if _, err := netip.ParseAddr(host); err != nil {
		return ""
	}
	return host
}

// FillRequest sets the request-level global condition keys of r into c.
// now is the request's time (the surface's clock); region is the region
// of the request's SigV4 credential scope ("" for an unsigned request:
// the caller passes the region it serves instead, when it has one).
//
// What AWS documents for each key, and what gatehouse does:
//   - aws:CurrentTime (RFC 3339, UTC) and aws:EpochTime (seconds) are
//     always present.
//   - aws:SecureTransport is always present: "true" for TLS.
//   - aws:SourceIp is the peer's address; absent when the peer has none.
//   - aws:UserAgent and aws:Referer are present only when the request
//     carries the header (AWS: "this key is included … only if" the
//     header is sent), with the header's value as sent.
//   - aws:RequestedRegion is the region the request was made to: for a
//     SigV4 request the region of its credential scope. A global service
//     such as IAM is signed for us-east-1, and AWS documents that "all
//     requests to these services are made to the us-east-1 Region".
//   - aws:ViaAWSService is always present: "false", since every request
//     gatehouse authorizes comes from the principal itself, never from a
//     service acting with the principal's credentials (forward access
//     sessions). For the same reason aws:CalledVia, aws:CalledViaFirst
//     and aws:CalledViaLast, which AWS includes only for requests a
//     service makes on a principal's behalf, are never set.
//
// It allocates nothing beyond c's own growth: the time strings are
// formatted once a second and shared.
func FillRequest(c *policy.Context, r *http.Request, now time.Time, region string) {
	ts := timeStringsAt(now)
	c.Set(KeyCurrentTime, ts.current)
	c.Set(KeyEpochTime, ts.epoch)
	if r.TLS != nil {
		c.Set(KeySecureTransport, "true")
	} else {
		c.Set(KeySecureTransport, "false")
	}
	if ip := ClientIP(r); ip != "" {
		c.Set(KeySourceIP, ip)
	}
	if ua := headerValue(r.Header, "User-Agent"); ua != "" {
		c.Set(KeyUserAgent, ua)
	}
	if ref := headerValue(r.Header, "Referer"); ref != "" {
		c.Set(KeyReferer, ref)
	}
	if region != "" {
		c.Set(KeyRequestedRegion, region)
	}
	c.Set(KeyViaAWSService, "false")
}

// headerValue is h.Get for a key already in canonical form, without
// canonicalizing it again.
func headerValue(h http.Header, key string) string {
	if v := h[key]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// timeStrings are the aws:CurrentTime and aws:EpochTime values of one
// second; both have second resolution, so they are formatted once a second
// rather than once a request.
type timeStrings struct {
	sec            int64
	current, epoch string
}

var lastTimeStrings atomic.Pointer[timeStrings]

func timeStringsAt(t time.Time) *timeStrings {
	sec := t.Unix()
	if ts := lastTimeStrings.Load(); ts != nil && ts.sec == sec {
		return ts
	}
	ts := &timeStrings{sec: sec, current: t.UTC().Format(time.RFC3339), epoch: strconv.FormatInt(sec, 10)}
	lastTimeStrings.Store(ts)
	return ts
}
