package gateway

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// upstream is gatehouse's HTTP/1.1 client for integrations. The HTTP_PROXY
// fast path (roundTrip, finish) writes the request and reads the response
// on the handler's own goroutine over pooled keep-alive connections: no
// per-connection read/write goroutines, no channel hand-offs, no
// per-request context timer (the integration timeout is a connection
// deadline). RoundTrip serves everything else (https, streamed bodies, the
// HTTP integration) over the same pool as an http.RoundTripper.
//
// A pooled connection is shared by callers of different identities, so it
// is reused only when it provably sits at a message boundary with nothing
// unread: see response.go for the framing rules, and get for the check of
// bytes that arrived while it was idle.
type upstream struct {
	mu        sync.Mutex
	idle      map[string][]*upConn
	nidle     int // connections in idle, all keys
	maxIdle   int // per key
	maxTotal  int
	dialer    net.Dialer
	tlsConfig *tls.Config // for https backends; nil: system roots
}

type upConn struct {
	idle time.Time // when it was put back
	// deadline is the read/write deadline last set on c (see setDeadline).
	deadline time.Time
	c        net.Conn        // the TCP connection, or TLS over it
	raw      syscall.RawConn // the TCP socket, for the idle check
	tls      *tls.Conn       // c when it is TLS
	br       *bufio.Reader
	bw       *bufio.Writer
	key      string
	keys     map[string]string // interned canonical header names
	head     headScratch
	peek     peeker
}

func newUpstream() *upstream {
	return &upstream{idle: map[string][]*upConn{}, maxIdle: 1024, maxTotal: 4096,
		dialer: net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}}
}

// Idle connections older than this are not reused: backends close idle
// keep-alive connections (Node.js after 5 s, nginx after 75 s), and a
// request that is not idempotent cannot be retried on a fresh connection.
const (
	maxIdleKeys          = 256
	maxIdleAge           = 30 * time.Second
	maxIdleAgeUnsafeVerb = time.Second
)

func idempotent(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
		return true
	}
	return false
}

// pooled returns an idle connection to key that is young enough and
// quiet, or nil. A connection on which anything arrived while it was idle
// (bytes the backend sent beyond its last response, or its close) is
// closed: net/http's Transport does the same from its per-connection read
// loop. Bytes that arrive after this check are read as the response to the
// next request, which no HTTP/1.1 client can tell apart; that is why
// response.go closes every connection whose last response could be
// followed by a late body (HEAD, 204, 304, close-delimited, TE with CL).
func (u *upstream) pooled(key string, maxAge time.Duration) *upConn {
	now := time.Now()
	for {
		u.mu.Lock()
		l := u.idle[key]
		if len(l) == 0 {
			u.mu.Unlock()
			return nil
		}
		pc := l[len(l)-1]
		l[len(l)-1] = nil
		if len(l) == 1 && len(u.idle) > maxIdleKeys {
			delete(u.idle, key) // many backends: do not keep an empty list for each
		} else {
			u.idle[key] = l[:len(l)-1] // its array serves the next put
		}
		u.nidle--
		u.mu.Unlock()
		if now.Sub(pc.idle) <= maxAge && pc.quiet() {
			return pc
		}
		_ = pc.c.Close()
	}
}

// dial opens a connection to addr, with TLS for serverName when it is not
// "".
func (u *upstream) dial(ctx context.Context, key, addr, serverName string, cert *clientCert, deadline time.Time) (*upConn, error) {
	d := u.dialer
	d.Deadline = deadline
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	pc := &upConn{c: c, key: key, keys: make(map[string]string, 16)}
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetNoDelay(true)
		pc.raw, _ = tc.SyscallConn()
	}
	if serverName != "" {
		cfg := &tls.Config{}
		if u.tlsConfig != nil {
			cfg = u.tlsConfig.Clone()
		}
		cfg.ServerName = serverName
		cfg.NextProtos = []string{"http/1.1"}
		if cert != nil {
			cfg.Certificates = []tls.Certificate{*cert.cert}
		}
		tc := tls.Client(c, cfg)
		_ = c.SetDeadline(deadline)
		if err := tc.HandshakeContext(ctx); err != nil {
			_ = c.Close()
			return nil, err
		}
		pc.c, pc.tls = tc, tc
	}
	pc.br = bufio.NewReaderSize(pc.c, 16<<10)
	pc.bw = bufio.NewWriterSize(pc.c, 16<<10)
	pc.peek = newPeeker()
	return pc, nil
}

// quiet reports whether nothing is waiting to be read on an idle
// connection: not in its buffer, not in TLS's, not in the socket (no
// byte, no end of stream).
func (pc *upConn) quiet() bool {
	if pc.br.Buffered() > 0 {
		return false
	}
	if pc.tls != nil {
		// Records TLS has already read from the socket are invisible to
		// the socket check; a read that must not wait shows them.
		pc.deadline = time.Time{}
		_ = pc.c.SetReadDeadline(aLongTimeAgo)
		_, err := pc.br.Peek(1)
		var ne net.Error
		if !errors.As(err, &ne) || !ne.Timeout() {
			return false
		}
	}
	return pc.peek.quiet(pc.raw)
}

var aLongTimeAgo = time.Unix(1, 0)

func (u *upstream) put(pc *upConn) {
	pc.idle = time.Now()
	u.mu.Lock()
	if l := u.idle[pc.key]; len(l) < u.maxIdle && u.nidle < u.maxTotal {
		u.idle[pc.key] = append(l, pc)
		u.nidle++
		u.mu.Unlock()
		return
	}
	u.mu.Unlock()
	_ = pc.c.Close()
}

// upRequest is what the client sends.
type upRequest struct {
	method string
	host   string // Host header; also the dial address when addr is ""
	addr   string // host:port to dial
	uri    string // request target: escaped path and query
	header http.Header
	body   io.Reader // nil for none
	// bodyLen is the body's length; -1 sends it chunked.
	bodyLen int64
	replay  []byte // body bytes when they can be sent again (retry)
	close   bool   // ask the backend to close (and do not reuse)
	tls     string // server name for https; "" for plain http
	// cert is the stage's client certificate for https; nil for none.
	cert *clientCert
	ctx  context.Context
	// watch, when set, is shown each connection before it is used; false
	// ends the exchange (the request's context ended).
	watch func(*upConn) bool
}

var errStale = errors.New("upstream: stale keep-alive connection")

// exchange sends req and parses the final response head into rh and the
// connection's scratch space; the caller reads the body (bodyReader,
// endBody) and releases the connection.
func (u *upstream) exchange(req *upRequest, deadline time.Time, rh *respHead) (*upConn, error) {
	safe := idempotent(req.method)
	maxAge := maxIdleAge
	if !safe {
		maxAge = maxIdleAgeUnsafeVerb
	}
	addr := req.addr
	if addr == "" {
		addr = req.host
	}
	key := addr
	if req.tls != "" {
		key = "tls " + addr
		if req.cert != nil {
			// A connection authenticated with one stage's certificate
			// serves only requests presenting the same one.
			key = "tls " + req.cert.id + " " + addr
		}
	}
	ctx := req.ctx
	if ctx == nil {
		ctx = context.Background()
	}
	slack := time.Until(deadline) / 32
	for attempt := 0; ; attempt++ {
		pc := u.pooled(key, maxAge)
		reused := pc != nil
		if !reused {
			var err error
			if pc, err = u.dial(ctx, key, addr, req.tls, req.cert, deadline); err != nil {
				return nil, err
			}
		}
		if req.watch != nil && !req.watch(pc) {
			_ = pc.c.Close()
			return nil, context.Canceled
		}
		pc.setDeadline(deadline, slack)
		err := pc.send(req)
		if err == nil {
			if err = parseHead(pc.br, req.method, pc.keys, rh, &pc.head); err == nil {
				if req.close {
					rh.keep = false
				}
				return pc, nil
			}
		}
		_ = pc.c.Close()
		// A kept-alive connection the backend closed meanwhile fails
		// before any response byte: an idempotent request is tried once
		// more on a fresh connection (as net/http does).
		if reused && safe && errors.Is(err, errStale) && attempt == 0 && (req.body == nil || req.replay != nil) {
			if req.replay != nil {
				req.body = bytesReader(req.replay)
			}
			*rh = respHead{}
			continue
		}
		return nil, err
	}
}

// roundTrip sends req, parses the response head into h (the client's
// response headers, proxy rules applied) and returns it with the
// connection; finish must be called to stream the body and release the
// connection.
func (u *upstream) roundTrip(req *upRequest, deadline time.Time, h http.Header, rh *respHead) (*upConn, error) {
	pc, err := u.exchange(req, deadline, rh)
	if err != nil {
		return nil, err
	}
	rh.apply(h, &pc.head)
	return pc, nil
}

// finish streams the body to w and returns the connection to the pool
// when it ended exactly at a message boundary.
func (u *upstream) finish(pc *upConn, w io.Writer, rh *respHead, buf []byte) error {
	ok, err := copyBody(w, pc.br, rh, buf)
	if ok && err == nil {
		// The deadline stays: an idle connection does no I/O, and the next
		// request moves it.
		u.put(pc)
		return nil
	}
	_ = pc.c.Close()
	return err
}

// setDeadline makes the connection's deadline d, or up to slack later:
// moving a deadline is a runtime timer update, so a connection reused soon
// after its last request keeps the one it has. The integration timeout is
// thus enforced within 1/32 of itself (~0.9 s of 29 s, 1.6 ms of 50 ms).
func (pc *upConn) setDeadline(d time.Time, slack time.Duration) {
	if !pc.deadline.Before(d) && pc.deadline.Sub(d) <= slack {
		return
	}
	pc.deadline = d.Add(slack)
	_ = pc.c.SetDeadline(pc.deadline)
}

func bytesReader(b []byte) io.Reader { return &sliceReader{b: b} }

type sliceReader struct{ b []byte }

func (s *sliceReader) Read(p []byte) (int, error) {
	if len(s.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p, s.b)
	s.b = s.b[n:]
	return n, nil
}

var errBadRequest = errors.New("upstream: request cannot be sent")

// framingFields are the request fields the client writes itself from the
// request's framing, or that change how a backend frames the exchange
// (hop by hop): a caller's or a mapped value never goes out under them.
var framingFields = [...]string{"host", "content-length", "transfer-encoding", "trailer", "connection",
	"upgrade", "expect", "keep-alive", "proxy-connection", "te"}

// framingField reports whether k names a framing field, ignoring ASCII
// case and reading '_' as '-': servers behind CGI-style interfaces (WSGI,
// PHP, many Ruby and Python servers) do, so "Transfer_Encoding: chunked"
// would frame their request differently from the Content-Length sent, and
// the surplus would be read as another request whose response waits on
// the connection.
func framingField(k string) bool {
	for _, f := range framingFields {
		if len(k) != len(f) {
			continue
		}
		i := 0
		for ; i < len(k); i++ {
			c := k[i]
			switch {
			case 'A' <= c && c <= 'Z':
				c += 'a' - 'A'
			case c == '_':
				c = '-'
			}
			if c != f[i] {
				break
			}
		}
		if i == len(k) {
			return true
		}
	}
	return false
}

func (pc *upConn) send(req *upRequest) error {
	if !validMethod(req.method) || !validTarget(req.uri) {
		return errBadRequest
	}
	w := pc.bw
	w.WriteString(req.method)
	w.WriteByte(' ')
	w.WriteString(req.uri)
	w.WriteString(" HTTP/1.1\r\nHost: ")
	writeHeaderValue(w, req.host)
	w.WriteString("\r\n")
	for k, vv := range req.header {
		if framingField(k) || !validName(k) {
			continue
		}
		for _, v := range vv {
			w.WriteString(k)
			w.WriteString(": ")
			writeHeaderValue(w, v)
			w.WriteString("\r\n")
		}
	}
	if req.close {
		w.WriteString("Connection: close\r\n")
	}
	switch {
	case req.body != nil && req.bodyLen < 0:
		w.WriteString("Transfer-Encoding: chunked\r\n\r\n")
		cw := httputil.NewChunkedWriter(w)
		if _, err := io.Copy(cw, req.body); err != nil {
			return err
		}
		_ = cw.Close()
		w.WriteString("\r\n")
	case req.body != nil && req.bodyLen > 0:
		w.WriteString("Content-Length: ")
		w.WriteString(strconv.FormatInt(req.bodyLen, 10))
		w.WriteString("\r\n\r\n")
		if _, err := io.CopyN(w, req.body, req.bodyLen); err != nil {
			return err
		}
	case req.method == http.MethodPost || req.method == http.MethodPut || req.method == http.MethodPatch:
		// As net/http: servers expect a length on these methods.
		w.WriteString("Content-Length: 0\r\n\r\n")
	default:
		w.WriteString("\r\n")
	}
	if err := w.Flush(); err != nil {
		return errStale
	}
	if _, err := pc.br.Peek(1); err != nil {
		if errors.Is(err, io.EOF) || isReset(err) {
			return errStale
		}
		return err
	}
	return nil
}

func isReset(err error) bool {
	s := err.Error()
	return strings.Contains(s, "connection reset") || strings.Contains(s, "broken pipe")
}

// writeHeaderValue drops CR and LF so that a mapped value cannot split the
// request (header injection).
func writeHeaderValue(w *bufio.Writer, v string) {
	// Two IndexByte scans: ContainsAny builds a byte set on every call.
	if strings.IndexByte(v, '\r') < 0 && strings.IndexByte(v, '\n') < 0 {
		w.WriteString(v)
		return
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; c != '\r' && c != '\n' {
			w.WriteByte(c)
		}
	}
}

func validName(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		if !isTokenByte(k[i]) {
			return false
		}
	}
	return true
}

func validMethod(m string) bool { return validName(m) }

// validTarget: a request target has no whitespace or control character
// (it would end the request line early).
func validTarget(uri string) bool {
	if uri == "" {
		return false
	}
	for i := 0; i < len(uri); i++ {
		if c := uri[i]; c <= ' ' || c == 0x7f {
			return false
		}
	}
	return true
}

// RoundTrip implements http.RoundTripper over the pool, for integrations
// that build an *http.Request: the HTTP (non-proxy) integration,
// HTTP_PROXY with a streamed body or an https backend. The request's
// context bounds it: its deadline becomes the connection's, and its end
// closes the connection.
func (u *upstream) RoundTrip(r *http.Request) (*http.Response, error) {
	closeBody := func() {
		if r.Body != nil {
			_ = r.Body.Close()
		}
	}
	var serverName, port string
	switch r.URL.Scheme {
	case "http":
		port = "80"
	case "https":
		port, serverName = "443", r.URL.Hostname()
	default:
		closeBody()
		return nil, fmt.Errorf("upstream: unsupported protocol scheme %q", r.URL.Scheme)
	}
	if r.URL.Host == "" {
		closeBody()
		return nil, errors.New("upstream: no host in request URL")
	}
	addr := r.URL.Host
	if r.URL.Port() == "" {
		addr = net.JoinHostPort(r.URL.Hostname(), port)
	}
	host := r.Host
	if host == "" {
		host = r.URL.Host
	}
	ctx := r.Context()
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(29 * time.Second)
	}
	req := &upRequest{method: r.Method, host: host, addr: addr, uri: r.URL.RequestURI(), header: r.Header,
		close: r.Close, tls: serverName, ctx: ctx}
	if serverName != "" {
		req.cert = clientCertFrom(ctx)
	}
	if req.method == "" {
		req.method = http.MethodGet
	}
	if r.Body != nil && r.Body != http.NoBody {
		// As net/http: a length of 0 with a body means unknown.
		req.body, req.bodyLen = r.Body, r.ContentLength
		if req.bodyLen == 0 {
			req.bodyLen = -1
		}
	}
	// The context's end closes the connection, which ends any read or
	// write in progress.
	var (
		mu      sync.Mutex
		current *upConn
		ended   bool
	)
	stop := context.AfterFunc(ctx, func() {
		mu.Lock()
		ended = true
		if current != nil {
			_ = current.c.Close()
		}
		mu.Unlock()
	})
	var rh respHead
	req.watch = func(pc *upConn) bool {
		mu.Lock()
		defer mu.Unlock()
		current = pc
		return !ended
	}
	pc, err := u.exchange(req, deadline, &rh)
	closeBody()
	if err != nil {
		stop()
		if cerr := ctx.Err(); cerr != nil {
			return nil, cerr
		}
		return nil, err
	}
	resp := &http.Response{
		Status:        strconv.Itoa(rh.status) + " " + http.StatusText(rh.status),
		StatusCode:    rh.status,
		Proto:         "HTTP/1." + string(rh.minor),
		ProtoMajor:    1,
		ProtoMinor:    int(rh.minor - '0'),
		Header:        rh.header(&pc.head),
		ContentLength: rh.length,
		Close:         !rh.keep,
		Request:       r,
	}
	if rh.framing == bodyChunked {
		resp.TransferEncoding = []string{"chunked"}
	}
	b := &upBody{u: u, pc: pc, rh: rh, stop: stop, ctx: ctx}
	b.r = bodyReader(pc.br, &b.rh)
	switch {
	case b.r == nil:
		// HEAD's length is the backend's word; 204 and 304 have none.
		if r.Method != http.MethodHead {
			resp.ContentLength = -1
		}
		resp.Body = http.NoBody
		b.end(false, nil)
	case rh.framing == bodyLength && rh.length == 0:
		resp.Body = http.NoBody
		b.end(endBody(pc.br, &b.rh))
	default:
		resp.Body = b
	}
	return resp, nil
}

// upBody is a RoundTrip response body: the connection goes back to the
// pool when the body was read to its exact end. Like net/http's, it is
// read by one goroutine at a time.
type upBody struct {
	u    *upstream
	pc   *upConn
	rh   respHead
	r    io.Reader
	stop func() bool
	ctx  context.Context
	done bool
	err  error
}

func (b *upBody) Read(p []byte) (int, error) {
	if b.done {
		if b.err != nil {
			return 0, b.err
		}
		return 0, io.EOF
	}
	n, err := b.r.Read(p)
	switch {
	case err == io.EOF:
		reusable, err := endBody(b.pc.br, &b.rh)
		b.end(reusable, err)
		if err != nil {
			return n, err
		}
		return n, io.EOF
	case err != nil:
		if cerr := b.ctx.Err(); cerr != nil {
			err = cerr
		}
		b.end(false, err)
		return n, err
	}
	return n, nil
}

// Close releases the connection; a body not read to its end closes it.
func (b *upBody) Close() error {
	if !b.done {
		b.end(false, errors.New("upstream: body closed"))
	}
	return nil
}

// end releases the connection: to the pool when reusable and the
// request's context has not ended, else closed.
func (b *upBody) end(reusable bool, err error) {
	b.done, b.err = true, err
	if !b.stop() {
		reusable = false // the context ended: its hook closes the connection
	}
	if reusable && err == nil {
		b.u.put(b.pc)
	} else {
		_ = b.pc.c.Close()
	}
}
