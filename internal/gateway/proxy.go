package gateway

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/apigw"
	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/pipeline"
)

// proxyTarget is a compiled HTTP integration uri.
type proxyTarget struct {
	raw    string
	static *url.URL // parsed once when the uri has no placeholders
	// staticURI is static's request target (escaped path and query).
	staticURI string
}

func compileTarget(uri string) *proxyTarget {
	t := &proxyTarget{raw: uri}
	if !strings.ContainsAny(uri, "{$") {
		if u, err := url.Parse(uri); err == nil {
			t.static = u
			t.staticURI = u.EscapedPath()
			if t.staticURI == "" {
				t.staticURI = "/"
			}
			if u.RawQuery != "" {
				t.staticURI += "?" + u.RawQuery
			}
		}
	}
	return t
}

// hasQueryMappings reports whether the integration maps querystring
// parameters (which need the URL built per request).
func hasQueryMappings(in *apigw.Integration) bool {
	for k := range in.RequestParameters {
		if strings.HasPrefix(k, "integration.request.querystring.") {
			return true
		}
	}
	return false
}

// integrate runs the method's integration.
func (g *Gateway) integrate(rq *request) {
	in := rq.m.in
	if in == nil {
		g.fail(rq, awserr.GatewayInternalError.New(""))
		return
	}
	switch in.Type {
	case "HTTP_PROXY":
		g.httpProxy(rq)
	case "HTTP":
		g.httpIntegration(rq)
	case "MOCK":
		g.mock(rq)
	case "AWS_PROXY":
		g.lambdaProxy(rq)
	case "AWS":
		g.lambdaIntegration(rq)
	default:
		g.fail(rq, awserr.GatewayInternalError.New("").WithCause(errors.New("unsupported integration type "+in.Type)))
	}
}

// Request headers never forwarded (spec §7): hop-by-hop and the ones API
// Gateway recomputes.
var dropRequest = map[string]bool{
	"Connection": true, "Content-Length": true, "Content-Md5": true, "Expect": true, "Max-Forwards": true,
	"Proxy-Authenticate": true, "Server": true, "Te": true, "Transfer-Encoding": true, "Trailer": true,
	"Upgrade": true, "Www-Authenticate": true, "Via": true, "Keep-Alive": true, "Proxy-Connection": true,
	"Proxy-Authorization": true, "Host": true,
}

// errUnplaceable: a client-chosen value cannot be put into the
// integration uri without changing its shape (expandURI).
var errUnplaceable = errors.New("a request value does not fit its place in the integration uri")

// targetURL builds the backend URL for this request; withQuery appends the
// client's query (minus presigned-URL credentials, forwardQuery).
func (rq *request) targetURL(withQuery bool) (*url.URL, error) {
	pt := rq.m.proxy
	var u url.URL
	if pt.static != nil {
		u = *pt.static
	} else {
		s, ok := rq.expandURI(pt.raw)
		if !ok {
			return nil, errUnplaceable
		}
		p, err := url.Parse(s)
		if err != nil {
			return nil, err
		}
		u = *p
	}
	if q := rq.r.URL.RawQuery; withQuery && q != "" {
		if q = forwardQuery(q); u.RawQuery == "" {
			u.RawQuery = q
		} else if q != "" {
			u.RawQuery += "&" + q
		}
	}
	return &u, nil
}

// urlError answers a targetURL failure: 400 for a request value that does
// not fit (BAD_REQUEST_PARAMETERS; AWS's wording for this case is
// undocumented [unconfirmed]), else 500 (an integration uri that does not
// parse is the API's configuration error).
func (g *Gateway) urlError(rq *request, err error) {
	if errors.Is(err, errUnplaceable) {
		g.fail(rq, awserr.GatewayBadRequestParameters.New("Invalid request input").WithCause(err))
		return
	}
	g.fail(rq, awserr.GatewayInternalError.New("").WithCause(err))
}

// addMappedParams applies integration.request.{header,querystring}
// mappings (added to the pass-through ones for HTTP_PROXY).
func (rq *request) addMappedParams(h http.Header, u *url.URL) {
	in := rq.m.in
	if len(in.RequestParameters) == 0 {
		return
	}
	var q url.Values
	for k, expr := range in.RequestParameters {
		switch {
		case strings.HasPrefix(k, "integration.request.header."):
			if v, ok := rq.value(expr); ok {
				h.Set(k[len("integration.request.header."):], v)
			}
		case strings.HasPrefix(k, "integration.request.querystring.") && u != nil:
			if v, ok := rq.value(expr); ok {
				if q == nil {
					q = u.Query()
				}
				q.Set(k[len("integration.request.querystring."):], v)
			}
		}
	}
	if q != nil {
		u.RawQuery = q.Encode()
	}
}

func (g *Gateway) timeoutCtx(rq *request) (context.Context, context.CancelFunc) {
	d := rq.m.timeout
	if d <= 0 || d > g.cfg.MaxTimeout {
		d = g.cfg.MaxTimeout
	}
	return context.WithTimeout(withClientCert(rq.r.Context(), rq.stage.clientCert), d)
}

// httpProxy streams the request to the backend and its answer back
// unchanged (spec §7.2).
func (g *Gateway) httpProxy(rq *request) {
	r := rq.r
	method := rq.m.in.HTTPMethod
	if method == "" || method == "ANY" {
		method = r.Method
	}
	hdr := rq.outHeader()
	rq.copyRequestHeaders(hdr, r.Header)
	rq.addIntegrationHeaders(hdr)
	// The fast path takes bodiless requests and bodies already read; a
	// streamed body goes through http.Transport.
	fast := g.up != nil && (rq.bodyRead || r.ContentLength == 0 || r.Body == nil || r.Body == http.NoBody)
	if pt := rq.m.proxy; fast && pt.static != nil && pt.static.Scheme == "http" && !rq.m.queryMaps {
		// Static target: no URL to build.
		rq.addMappedParams(hdr, nil)
		g.httpProxyFast(rq, pt.static, pt.staticURI, method, hdr)
		return
	}
	u, err := rq.targetURL(true)
	if err != nil {
		g.urlError(rq, err)
		return
	}
	rq.addMappedParams(hdr, u)
	if fast && u.Scheme == "http" {
		g.httpProxyFast(rq, u, "", method, hdr)
		return
	}
	ctx, cancel := g.timeoutCtx(rq)
	defer cancel()
	out := &http.Request{
		Method:     method,
		URL:        u,
		Proto:      "HTTP/1.1",
		ProtoMajor: 1,
		ProtoMinor: 1,
		Header:     hdr,
		Host:       u.Host,
	}
	switch {
	case rq.bodyRead:
		if len(rq.body) > 0 {
			out.Body = io.NopCloser(bytes.NewReader(rq.body))
			out.ContentLength = int64(len(rq.body))
		}
	case r.ContentLength != 0 && r.Body != nil && r.Body != http.NoBody:
		out.Body = &limitedBody{rc: r.Body, n: MaxPayload}
		out.ContentLength = r.ContentLength
	}
	out = out.WithContext(ctx)
	resp, err := g.transport.RoundTrip(out)
	if err != nil {
		g.backendError(rq, ctx, err)
		return
	}
	defer resp.Body.Close()
	_ = rq.writeProxyResponse(resp)
}

// httpProxyFast is httpProxy over the upstream client (plain http, body
// of known length).
func (g *Gateway) httpProxyFast(rq *request, u *url.URL, staticURI, method string, hdr http.Header) {
	r := rq.r
	ureq := &rq.up
	*ureq = upRequest{method: method, host: u.Host, header: hdr}
	if ureq.host != "" && u.Port() == "" {
		ureq.host += ":80"
	}
	if staticURI != "" {
		// u is the static target: append the client's query.
		ureq.uri = staticURI
		if q := forwardQuery(r.URL.RawQuery); q != "" {
			if u.RawQuery == "" {
				ureq.uri += "?" + q
			} else {
				ureq.uri += "&" + q
			}
		}
	} else {
		ureq.uri = u.EscapedPath()
		if ureq.uri == "" {
			ureq.uri = "/"
		}
		if u.RawQuery != "" {
			ureq.uri += "?" + u.RawQuery
		}
	}
	switch {
	case rq.bodyRead:
		if len(rq.body) > 0 {
			ureq.body, ureq.bodyLen, ureq.replay = bytesReader(rq.body), int64(len(rq.body)), rq.body
		}
	}
	d := rq.m.timeout
	if d <= 0 || d > g.cfg.MaxTimeout {
		d = g.cfg.MaxTimeout
	}
	h := rq.w.Header()
	rh := &rq.rh
	pc, err := g.up.roundTrip(ureq, time.Now().Add(d), h, rh)
	if err != nil {
		g.backendError(rq, rq.r.Context(), err)
		return
	}
	if _, ok := h["Content-Type"]; !ok && !rh.noBody {
		h["Content-Type"] = []string{"application/json"}
	}
	rq.w.WriteHeader(rh.status)
	bp := bufPool.Get().(*[]byte)
	rq.wo = writerOnly{rq.w}
	_ = g.up.finish(pc, &rq.wo, rh, *bp)
	bufPool.Put(bp)
}

// writeProxyResponse copies the backend's answer to the client (spec §7
// response header rules) and reports whether the whole body was copied.
func (rq *request) writeProxyResponse(resp *http.Response) error {
	h := rq.w.Header()
	for k, vv := range resp.Header {
		switch k {
		case "Connection", "Date", "Server":
			h["X-Amzn-Remapped-"+k] = vv
		case "Transfer-Encoding", "Keep-Alive", "Trailer", "Upgrade", "Proxy-Connection":
		case "Content-Length":
			h[k] = vv
			h["X-Amzn-Remapped-Content-Length"] = vv
		default:
			h[k] = vv
		}
	}
	if _, ok := h["Content-Type"]; !ok {
		h["Content-Type"] = []string{"application/json"}
	}
	rq.w.WriteHeader(resp.StatusCode)
	bp := bufPool.Get().(*[]byte)
	_, err := io.CopyBuffer(writerOnly{rq.w}, resp.Body, *bp)
	bufPool.Put(bp)
	return err
}

var bufPool = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

// writerOnly hides ReaderFrom so CopyBuffer uses the pooled buffer.
type writerOnly struct{ io.Writer }

// limitedBody fails the upload past n bytes (chunked bodies over 10 MB).
type limitedBody struct {
	rc io.ReadCloser
	n  int64
}

var errTooLarge = errors.New("request body over 10 MB")

func (l *limitedBody) Read(p []byte) (int, error) {
	if l.n <= 0 {
		return 0, errTooLarge
	}
	if int64(len(p)) > l.n+1 {
		p = p[:l.n+1]
	}
	n, err := l.rc.Read(p)
	l.n -= int64(n)
	if l.n < 0 {
		return n, errTooLarge
	}
	return n, err
}

func (l *limitedBody) Close() error { return l.rc.Close() }

// addIntegrationHeaders sets the headers API Gateway adds (spec §7).
// The values share one backing array, in the request: no allocation.
func (rq *request) addIntegrationHeaders(h http.Header) {
	id := rq.stage.api.id
	// The values live in the pooled request: h is rq.hdr, cleared with it.
	v := rq.integ[:]
	set := func(i int, k, val string) {
		v[i] = val
		h[k] = v[i : i+1 : i+1]
	}
	if _, ok := h["Accept"]; !ok {
		set(0, "Accept", "application/json")
	}
	if _, ok := h["User-Agent"]; !ok {
		set(1, "User-Agent", rq.stage.integrationUserAgent())
	}
	set(2, "X-Amzn-Apigateway-Api-Id", id)
	set(3, "X-Amzn-Trace-Id", rq.traceID)
	set(4, "X-Amzn-Requestid", rq.reqID)
	ip := pipeline.ClientIP(rq.r)
	if prior, ok := h["X-Forwarded-For"]; ok && len(prior) > 0 {
		// Several X-Forwarded-For lines are one list (RFC 9110 §5.3).
		ip = strings.Join(prior, ", ") + ", " + ip
	}
	set(5, "X-Forwarded-For", ip)
}

// backendError maps a transport failure to its gateway response.
func (g *Gateway) backendError(rq *request, ctx context.Context, err error) {
	if errors.Is(err, errTooLarge) {
		g.tooLarge(rq)
		return
	}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) {
		g.fail(rq, awserr.GatewayTimeout.New("").WithCause(err))
		return
	}
	if errors.Is(rq.r.Context().Err(), context.Canceled) {
		return // the client went away
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		g.fail(rq, awserr.GatewayTimeout.New("").WithCause(err))
		return
	}
	// Connection refused, DNS failure...: API_CONFIGURATION_ERROR (§7.2).
	g.fail(rq, awserr.GatewayInternalError.New("").WithCause(err))
}
