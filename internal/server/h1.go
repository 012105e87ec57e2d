package server

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Front serves the listener. It answers plain HTTP/1.1 and HTTP/1.0
// requests itself and hands every connection whose next request it does
// not fully understand to net/http, with the bytes it has read, so that all
// HTTP semantics it does not implement (chunked request bodies, Expect,
// Upgrade, HEAD, malformed requests and their 400s) stay net/http's.
//
// Why it exists: on the proxy path net/http's per-request work (a
// background reader goroutine per request, about 25 allocations, header
// sorting, deadline changes) cost as much CPU as gatehouse's own work
// (SigV4, policy, routing, the upstream round trip). The fast path parses
// a request head from the connection's buffer into one string, builds a
// fresh *http.Request (handlers may keep it) and writes the response head
// once, with Content-Length when the handler's output is known.
type Front struct {
	h                 http.Handler
	std               *http.Server // serves handed-off connections
	fallback          *handoffListener
	readHeaderTimeout time.Duration
	idleTimeout       time.Duration
	errorLog          *log.Logger

	mu       sync.Mutex
	ln       net.Listener
	conns    map[*h1Conn]struct{}
	shutting atomic.Bool
	wg       sync.WaitGroup
}

// NewFront serves srv.Handler with srv's ReadHeaderTimeout, IdleTimeout
// and ErrorLog; srv itself serves the connections handed to net/http.
func NewFront(srv *http.Server) *Front {
	f := &Front{h: srv.Handler, std: srv, readHeaderTimeout: srv.ReadHeaderTimeout, idleTimeout: srv.IdleTimeout,
		errorLog: srv.ErrorLog, conns: map[*h1Conn]struct{}{}}
	if f.readHeaderTimeout <= 0 {
		f.readHeaderTimeout = 10 * time.Second
	}
	if f.idleTimeout <= 0 {
		f.idleTimeout = 120 * time.Second
	}
	return f
}

func (f *Front) logf(format string, args ...any) {
	if f.errorLog != nil {
		f.errorLog.Printf(format, args...)
	} else {
		log.Printf(format, args...)
	}
}

// Serve accepts connections on ln until it is closed.
func (f *Front) Serve(ln net.Listener) error {
	f.mu.Lock()
	f.ln = ln
	f.mu.Unlock()
	if f.shutting.Load() {
		_ = ln.Close()
	}
	f.fallback = newHandoffListener(ln.Addr())
	stdDone := make(chan error, 1)
	go func() { stdDone <- f.std.Serve(f.fallback) }()
	var delay time.Duration
	for {
		c, err := ln.Accept()
		if err != nil {
			if f.shutting.Load() {
				return http.ErrServerClosed
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, errTooManyFiles) {
				// As net/http: back off on EMFILE and the like.
				delay = min(max(2*delay, 5*time.Millisecond), time.Second)
				f.logf("http: Accept error: %v; retrying in %v", err, delay)
				time.Sleep(delay)
				continue
			}
			_ = f.fallback.Close()
			return err
		}
		delay = 0
		hc := &h1Conn{f: f, c: c}
		f.mu.Lock()
		if f.shutting.Load() {
			f.mu.Unlock()
			_ = c.Close()
			continue
		}
		f.conns[hc] = struct{}{}
		f.wg.Add(1)
		f.mu.Unlock()
		go hc.serve()
	}
}

// Shutdown closes the listener, wakes idle
// connections so they close, lets requests in flight finish, and closes
// whatever is left when ctx ends.
func (f *Front) Shutdown(ctx context.Context) error {
	f.shutting.Store(true)
	stdErr := make(chan error, 1)
	go func() { stdErr <- f.std.Shutdown(ctx) }()
	f.mu.Lock()
	if f.ln != nil {
		_ = f.ln.Close()
	}
	for hc := range f.conns {
		if hc.state.Load() == stateIdle {
			_ = hc.c.SetReadDeadline(aLongTimeAgo)
		}
	}
	f.mu.Unlock()
	done := make(chan struct{})
	go func() { f.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		f.mu.Lock()
		for hc := range f.conns {
			_ = hc.c.Close()
		}
		f.mu.Unlock()
		// No <-done here. A handler blocked on something other than
		// its connection never returns, and Shutdown must still end with
		// ctx (as net/http's does).
		return ctx.Err()
	}
	return <-stdErr
}

var aLongTimeAgo = time.Unix(1, 0)

const (
	stateActive int32 = iota
	stateIdle
)

// h1Conn is one client connection on the fast path.
type h1Conn struct {
	f      *Front
	c      net.Conn
	br     *bufio.Reader
	bw     *bufio.Writer
	remote string
	state  atomic.Int32
	// readDeadline is the idle deadline last set; it is refreshed only when
	// it would expire within a few seconds, to save a timer update per
	// request.
	readDeadline time.Time
	// headDeadline bounds the head being read: ReadHeaderTimeout from
	// the accept for the first request (net/http's rule: a connection
	// that sends nothing is closed then), from its first byte for the
	// next ones; zero when no head is being read.
	headDeadline  time.Time
	keys          map[string]string // raw header name -> canonical, bounded
	proto         *http.Request     // carries the connection's context
	scratch       []byte            // response head and unsized body
	broken        bool              // the connection cannot be reused
	writeDeadline bool              // a handler set a write deadline (reset after the exchange)
	linger        bool              // close with lingerClose
}

const (
	readBufSize  = 8 << 10 // the largest head served on the fast path (net/http takes larger ones)
	writeBufSize = 4 << 10
	// A response body up to this size is sent with a Content-Length; a
	// larger one (or a flushed one) is chunked, as net/http does.
	maxBuffered = 4 << 10
	// Unread request body up to this size is discarded to keep the
	// connection; more and the connection is closed (net/http: 256 KB).
	maxDiscard = 256 << 10
	maxKeys    = 256
	sniffLen   = 512 // what http.DetectContentType reads
)

var (
	readerPool = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, readBufSize) }}
	writerPool = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, writeBufSize) }}
)

func (hc *h1Conn) serve() {
	f := hc.f
	handedOff := false
	defer func() {
		f.mu.Lock()
		delete(f.conns, hc)
		f.mu.Unlock()
		f.wg.Done()
		if !handedOff {
			if hc.linger {
				hc.lingerClose()
			}
			_ = hc.c.Close()
			hc.br.Reset(nil)
			readerPool.Put(hc.br)
		}
		hc.bw.Reset(nil)
		writerPool.Put(hc.bw)
	}()
	hc.br = readerPool.Get().(*bufio.Reader)
	hc.br.Reset(hc.c)
	hc.bw = writerPool.Get().(*bufio.Writer)
	hc.bw.Reset(hc.c)
	hc.remote = hc.c.RemoteAddr().String()
	hc.keys = make(map[string]string, 16)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ctx = context.WithValue(ctx, http.ServerContextKey, f.std)
	ctx = context.WithValue(ctx, http.LocalAddrContextKey, hc.c.LocalAddr())
	hc.proto = new(http.Request).WithContext(ctx)
	// The first head, and the wait for it, get ReadHeaderTimeout from now;
	// the idle timeout applies between requests.
	hc.headDeadline = time.Now().Add(f.readHeaderTimeout)
	hc.readDeadline = hc.headDeadline
	_ = hc.c.SetReadDeadline(hc.headDeadline)

	for first := true; ; first = false {
		if hc.br.Buffered() == 0 && !first {
			now := time.Now()
			// Refreshed only when it is within min(5 s, half the
			// timeout) of now: a timer update saved per request, and a
			// busy connection stays open even with a short timeout.
			if hc.readDeadline.Sub(now) < f.idleTimeout-min(5*time.Second, f.idleTimeout/2) {
				hc.readDeadline = now.Add(f.idleTimeout)
				_ = hc.c.SetReadDeadline(hc.readDeadline)
			}
		}
		hc.state.Store(stateIdle)
		if f.shutting.Load() {
			return
		}
		if _, err := hc.br.Peek(1); err != nil {
			return
		}
		hc.state.Store(stateActive)
		n, ok := hc.readHead()
		if !ok {
			if hc.br.Buffered() == 0 {
				return
			}
			handedOff = true
			f.fallback.handoff(hc.handoffConn())
			return
		}
		head, _ := hc.br.Peek(n)
		req, ok := hc.parse(head)
		if !ok {
			handedOff = true
			f.fallback.handoff(hc.handoffConn())
			return
		}
		_, _ = hc.br.Discard(n)
		if req.ContentLength > 0 && !hc.readDeadline.IsZero() {
			// The idle deadline is still set when the whole head
			// came in one read; net/http reads bodies without a
			// deadline (no ReadTimeout). The next wait sets it again.
			hc.readDeadline = time.Time{}
			_ = hc.c.SetReadDeadline(time.Time{})
		}
		if !hc.exchange(req) {
			return
		}
	}
}

// lingerClose half-closes the connection and reads what the client is
// still sending, for a while, before the close: closing a socket with
// unread data sends an RST, which can destroy the response on its way (a
// 413 to an upload). net/http's closeWriteAndWait does the same.
func (hc *h1Conn) lingerClose() {
	if cw, ok := hc.c.(interface{ CloseWrite() error }); ok {
		_ = cw.CloseWrite()
	}
	_ = hc.c.SetReadDeadline(time.Now().Add(lingerTime))
	_, _ = io.Copy(io.Discard, hc.c)
}

const lingerTime = 500 * time.Millisecond

// handoffConn gives net/http the connection with the bytes already read.
func (hc *h1Conn) handoffConn() net.Conn {
	// The idle deadline set here must not cut net/http short; it sets its
	// own. A head already being read keeps its deadline: net/http's first
	// one is clamped to it, so that a head handed over half-way does not
	// get a second ReadHeaderTimeout.
	_ = hc.c.SetReadDeadline(time.Time{})
	return &prefixConn{Conn: hc.c, r: hc.br, clamp: hc.headDeadline}
}

// readHead returns the length of the request head (through the blank
// line) once it is in the buffer, reading more as needed; false when the
// head is larger than the buffer or the connection fails or times out.
// The head must be complete by hc.headDeadline when it is set (the first
// request), else by ReadHeaderTimeout after its first byte: a head that
// trickles in does not move its deadline.
func (hc *h1Conn) readHead() (int, bool) {
	for {
		buf, _ := hc.br.Peek(hc.br.Buffered())
		if i := bytes.Index(buf, crlfcrlf); i >= 0 {
			if !hc.headDeadline.IsZero() {
				// Back to the idle deadline: a body is read without one,
				// and the next wait sets its own.
				hc.headDeadline, hc.readDeadline = time.Time{}, time.Time{}
				_ = hc.c.SetReadDeadline(time.Time{})
			}
			return i + len(crlfcrlf), true
		}
		if len(buf) >= readBufSize {
			return 0, false
		}
		// A head ended by bare LFs (which net/http accepts) never
		// shows CRLFCRLF: hand it over now, not after ReadHeaderTimeout.
		// In a CRLF head "\n\r\n" occurs only within CRLFCRLF and
		// "\n\n" never.
		if bytes.Contains(buf, lflf) || bytes.Contains(buf, lfcrlf) {
			return 0, false
		}
		if hc.headDeadline.IsZero() {
			hc.headDeadline = time.Now().Add(hc.f.readHeaderTimeout)
			hc.readDeadline = hc.headDeadline
			_ = hc.c.SetReadDeadline(hc.headDeadline)
		}
		if _, err := hc.br.Peek(len(buf) + 1); err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				// The client had its ReadHeaderTimeout. Dropping the
				// partial head makes serve() close the connection, as
				// net/http does on a timeout; handing it off would give
				// the client a second ReadHeaderTimeout.
				_, _ = hc.br.Discard(hc.br.Buffered())
			}
			// net/http answers what it can of a partial head (or closes).
			return 0, false
		}
	}
}

var (
	crlfcrlf = []byte("\r\n\r\n")
	lflf     = []byte("\n\n")
	lfcrlf   = []byte("\n\r\n")
)

// exchange serves one request and reports whether the connection can take
// another.
func (hc *h1Conn) exchange(req *http.Request) (keep bool) {
	w := &h1Writer{c: hc, req: req, h: make(http.Header, 8), declared: -1}
	if body, ok := req.Body.(*h1Body); ok {
		w.body = body
	}
	w.closeAfter = req.Close
	defer func() {
		if w.body != nil {
			// A handler that kept r.Body must not read the next
			// request, or the pooled reader once the connection is gone
			// (net/http: ErrBodyReadAfterClose).
			_ = w.body.Close()
		}
		if v := recover(); v != nil {
			keep = false
			if v == http.ErrAbortHandler {
				return
			}
			buf := make([]byte, 64<<10)
			buf = buf[:runtime.Stack(buf, false)]
			hc.f.logf("http: panic serving %v: %v\n%s", hc.remote, v, buf)
		}
	}()
	hc.f.h.ServeHTTP(w, req)
	keep = w.finish() && !hc.broken
	if hc.writeDeadline {
		hc.writeDeadline = false
		_ = hc.c.SetWriteDeadline(time.Time{})
	}
	return keep
}

// prefixConn reads first what the fast path had buffered.
type prefixConn struct {
	net.Conn
	r *bufio.Reader
	// clamp, when set, is the latest deadline net/http's first
	// SetReadDeadline (its ReadHeaderTimeout for the head) may set.
	clamp time.Time
}

// SetReadDeadline clamps net/http's first deadline, the one for the head
// the Front started reading (see handoffConn). Only net/http's connection
// goroutine sets it before the head is read.
func (p *prefixConn) SetReadDeadline(t time.Time) error {
	if !p.clamp.IsZero() {
		if t.IsZero() || t.After(p.clamp) {
			t = p.clamp
		}
		p.clamp = time.Time{}
	}
	return p.Conn.SetReadDeadline(t)
}

// SetDeadline goes through SetReadDeadline's clamp.
func (p *prefixConn) SetDeadline(t time.Time) error {
	if err := p.SetReadDeadline(t); err != nil {
		return err
	}
	return p.Conn.SetWriteDeadline(t)
}

func (p *prefixConn) Read(b []byte) (int, error) { return p.r.Read(b) }

// CloseWrite lets net/http half-close a handed-off connection as it does
// its own (closeWriteAndWait).
func (p *prefixConn) CloseWrite() error {
	if cw, ok := p.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// handoffListener feeds handed-off connections to net/http's Serve.
type handoffListener struct {
	addr   net.Addr
	ch     chan net.Conn
	closed chan struct{}
	once   sync.Once
}

func newHandoffListener(addr net.Addr) *handoffListener {
	return &handoffListener{addr: addr, ch: make(chan net.Conn), closed: make(chan struct{})}
}

func (l *handoffListener) handoff(c net.Conn) {
	select {
	case l.ch <- c:
	case <-l.closed:
		_ = c.Close()
	}
}

func (l *handoffListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.ch:
		return c, nil
	case <-l.closed:
		return nil, net.ErrClosed
	}
}

func (l *handoffListener) Close() error {
	l.once.Do(func() { close(l.closed) })
	return nil
}

func (l *handoffListener) Addr() net.Addr { return l.addr }

// h1Body is a request body of known length read from the connection.
type h1Body struct {
	// mu serializes the handler's reads with discard and the close
	// after the handler. A handler may leave the body to another
	// goroutine (http.Transport's write loop reads a proxied body even
	// after RoundTrip returned), whose reads raced with the connection's
	// reader. net/http's body has the same lock.
	mu     sync.Mutex
	hc     *h1Conn
	n      int64 // left to read
	closed bool
}

func (b *h1Body) Read(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return 0, http.ErrBodyReadAfterClose
	}
	if b.n <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > b.n {
		p = p[:b.n]
	}
	n, err := b.hc.br.Read(p)
	b.n -= int64(n)
	if err != nil {
		b.hc.broken = true
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return n, err
	}
	if b.n == 0 {
		return n, io.EOF
	}
	return n, nil
}

func (b *h1Body) Close() error {
	b.mu.Lock()
	b.closed = true
	b.mu.Unlock()
	return nil
}

func (b *h1Body) unread() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.n
}

// discard drops what the handler left unread, when it is small enough.
func (b *h1Body) discard() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.n == 0 {
		return true
	}
	if b.n > maxDiscard {
		return false
	}
	n, err := b.hc.br.Discard(int(b.n))
	b.n -= int64(n)
	return err == nil
}

// parse builds the request from its head, or reports false for anything
// the fast path leaves to net/http. One string holds the whole head; the
// request's strings are slices of it.
func (hc *h1Conn) parse(head []byte) (*http.Request, bool) {
	line, rest, ok := bytes.Cut(head, crlf)
	if !ok {
		return nil, false
	}
	method := knownMethod(line)
	if method == "" {
		return nil, false
	}
	line = line[len(method)+1:]
	// HTTP/1.0 is served too (ApacheBench's keep-alive runs speak it).
	is11 := bytes.HasSuffix(line, http11)
	if !is11 && !bytes.HasSuffix(line, http10) || len(line) < len(http11)+1 || line[0] != '/' {
		return nil, false
	}
	lines := bytes.Count(rest, crlf) - 1 // the last one is the blank line
	if lines > 100 {
		return nil, false
	}
	s := string(head)
	off := len(s) - len(rest)
	uri := s[len(method)+1 : off-len(http11)-2]
	for i := 0; i < len(uri); i++ {
		if c := uri[i]; c <= ' ' || c == 0x7f || c == '#' {
			return nil, false
		}
	}
	u, err := url.ParseRequestURI(uri)
	if err != nil {
		return nil, false
	}
	r := new(http.Request)
	*r = *hc.proto
	r.Method, r.URL, r.RequestURI = method, u, uri
	if is11 {
		r.Proto, r.ProtoMajor, r.ProtoMinor = "HTTP/1.1", 1, 1
	} else {
		r.Proto, r.ProtoMajor, r.ProtoMinor = "HTTP/1.0", 1, 0
	}
	keepAlive := false
	r.RemoteAddr = hc.remote
	r.Body = http.NoBody
	h := make(http.Header, lines)
	vals := make([]string, lines)
	hosts, lengths := 0, 0
	for i := 0; i < lines; i++ {
		end := off + bytes.Index(head[off:], crlf)
		kv := s[off:end]
		off = end + 2
		colon := -1
		for j := 0; j < len(kv); j++ {
			c := kv[j]
			if c == ':' {
				colon = j
				break
			}
			if !isTokenChar(c) {
				return nil, false
			}
		}
		if colon <= 0 {
			return nil, false
		}
		v := trimOWS(kv[colon+1:])
		for j := 0; j < len(v); j++ {
			if c := v[j]; c < ' ' && c != '\t' || c == 0x7f {
				return nil, false
			}
		}
		key := hc.canonical(kv[:colon])
		switch key {
		case "Host":
			hosts++
			if !validHost(v) {
				return nil, false
			}
			r.Host = v
			continue
		case "Content-Length":
			lengths++
			n, ok := parseLength(v)
			if !ok {
				return nil, false
			}
			r.ContentLength = n
		case "Transfer-Encoding", "Expect", "Upgrade", "Pragma", "Te", "Trailer", "Http2-Settings":
			return nil, false
		case "Connection":
			switch {
			case asciiEqualFold(v, "close"):
				r.Close = true
			case asciiEqualFold(v, "keep-alive"):
				keepAlive = true
			default:
				return nil, false
			}
		}
		if old, ok := h[key]; ok {
			h[key] = append(old, v)
		} else {
			vals[i] = v
			h[key] = vals[i : i+1 : i+1]
		}
	}
	if hosts != 1 || lengths > 1 {
		return nil, false
	}
	if !is11 && !keepAlive {
		// HTTP/1.0 closes unless the client asked to keep the connection.
		r.Close = true
	}
	r.Header = h
	if r.ContentLength > 0 {
		r.Body = &h1Body{hc: hc, n: r.ContentLength}
	}
	return r, true
}

var (
	crlf   = []byte("\r\n")
	http11 = []byte(" HTTP/1.1")
	http10 = []byte(" HTTP/1.0")
)

// knownMethod returns the method's constant string (no allocation) for the
// methods served on the fast path; HEAD, CONNECT, TRACE and extension
// methods go to net/http.
func knownMethod(line []byte) string {
	for _, m := range [...]string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch, http.MethodOptions} {
		if len(line) > len(m) && line[len(m)] == ' ' && string(line[:len(m)]) == m {
			return m
		}
	}
	return ""
}

// canonical returns the canonical form of a header name, remembering the
// connection's names so that repeated requests do not allocate.
func (hc *h1Conn) canonical(name string) string {
	if k, ok := hc.keys[name]; ok {
		return k
	}
	k := http.CanonicalHeaderKey(name)
	if len(hc.keys) < maxKeys {
		if k == name {
			k = string([]byte(name)) // do not keep the whole head alive
		}
		hc.keys[string([]byte(name))] = k
	}
	return k
}

func isTokenChar(c byte) bool {
	return c < 0x80 && tokenChars[c]
}

var tokenChars = func() (t [128]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
		t[c-'a'+'A'] = true
	}
	for _, c := range "!#$%&'*+-.^_`|~" {
		t[c] = true
	}
	return
}()

func trimOWS(s string) string {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}

// validHost accepts the host forms clients send (name, IPv4, [IPv6], with
// a port); anything else goes to net/http, which judges it.
func validHost(h string) bool {
	if h == "" {
		return false
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == ':' || c == '[' || c == ']' || c == '_') {
			return false
		}
	}
	return true
}

// parseLength accepts digits only: strconv also takes a sign, which
// net/http refuses in a request; anything unusual goes to net/http.
func parseLength(v string) (int64, bool) {
	if v == "" || len(v) > 15 {
		return 0, false
	}
	var n int64
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// asciiEqualFold compares b (lower-case ASCII) with a, ignoring ASCII case
// only: strings.EqualFold also folds Unicode (the Kelvin sign matches 'k'),
// which would read a Connection header differently from net/http.
func asciiEqualFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// h1Writer is the fast path's http.ResponseWriter.
type h1Writer struct {
	c    *h1Conn
	req  *http.Request
	body *h1Body
	h    http.Header

	status      int
	wroteHeader bool // the status is decided
	headSent    bool // the head is in the write buffer
	chunked     bool
	declared    int64 // Content-Length the handler set, or -1
	written     int64
	pending     []byte // body held back to size it (in c.scratch)
	headLen     int    // length of the serialized head in pending's array
	closeAfter  bool
	done        bool
}

var errWriteAfterHandler = errors.New("http: write after the handler returned")

func (w *h1Writer) Header() http.Header { return w.h }

func (w *h1Writer) WriteHeader(code int) {
	if w.done {
		return
	}
	if w.wroteHeader {
		w.c.f.logf("http: superfluous response.WriteHeader call with status %d", code)
		return
	}
	if code < 100 || code > 999 {
		panic(fmt.Sprintf("invalid WriteHeader code %v", code))
	}
	if code >= 100 && code <= 199 && code != http.StatusSwitchingProtocols {
		// An informational response goes out at once; the final one follows.
		bw := w.c.bw
		bw.Write(appendStatusLine(nil, w.req.ProtoMinor == 0, code))
		for k, vv := range w.h {
			writeHeaderLines(bw, k, vv)
		}
		bw.WriteString("\r\n")
		_ = bw.Flush()
		return
	}
	w.wroteHeader = true
	w.status = code
	// Direct lookups: Header.Get canonicalizes its argument on every call.
	if cl := firstValue(w.h["Content-Length"]); cl != "" {
		if n, ok := parseLength(cl); ok {
			w.declared = n
		} else {
			w.c.f.logf("http: invalid Content-Length of %q", cl)
			w.h.Del("Content-Length")
		}
	}
	if v := firstValue(w.h["Connection"]); v != "" && asciiEqualFold(v, "close") {
		w.closeAfter = true
	}
	// The head is the header map as it is now (later changes have no
	// effect, as with net/http); the framing lines are added when it is
	// sent.
	head := w.c.scratch[:0]
	head = appendStatusLine(head, w.req.ProtoMinor == 0, code)
	for k, vv := range w.h {
		switch k {
		case "Content-Length", "Transfer-Encoding":
			continue
		case "Content-Type":
			// net/http drops it from a 304 (RFC 7232, 4.1).
			if code == http.StatusNotModified {
				continue
			}
		}
		head = appendHeaderLines(head, k, vv)
	}
	w.headLen = len(head)
	w.pending = head[len(head):]
	w.c.scratch = head
}

func firstValue(vv []string) string {
	if len(vv) == 0 {
		return ""
	}
	return vv[0]
}

func (w *h1Writer) bodyAllowed() bool {
	return !(w.status >= 100 && w.status <= 199 || w.status == http.StatusNoContent || w.status == http.StatusNotModified)
}

func (w *h1Writer) Write(p []byte) (int, error) {
	if w.done {
		return 0, errWriteAfterHandler
	}
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if len(p) == 0 {
		return 0, nil
	}
	if !w.bodyAllowed() {
		return 0, http.ErrBodyNotAllowed
	}
	w.written += int64(len(p))
	if w.declared >= 0 && w.written > w.declared {
		return 0, http.ErrContentLength
	}
	if !w.headSent {
		if w.declared < 0 && len(w.pending)+len(p) <= maxBuffered {
			w.pending = append(w.pending, p...)
			return len(p), nil
		}
		w.sendHead(p, false)
	}
	bw := w.c.bw
	if w.chunked {
		bw.WriteString(strconv.FormatInt(int64(len(p)), 16))
		bw.WriteString("\r\n")
		bw.Write(p)
		_, err := bw.WriteString("\r\n")
		return w.result(len(p), err)
	}
	_, err := bw.Write(p)
	return w.result(len(p), err)
}

func (w *h1Writer) result(n int, err error) (int, error) {
	if err != nil {
		w.c.broken = true
		return 0, err
	}
	return n, nil
}

// Flush sends the head and what was written so far.
func (w *h1Writer) Flush() {
	if w.done {
		return
	}
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if !w.headSent {
		w.sendHead(nil, false)
	}
	if err := w.c.bw.Flush(); err != nil {
		w.c.broken = true
	}
}

// SetReadDeadline lets http.ResponseController bound the handler's reads
// of the body (package reqbody). readDeadline follows it, so the next wait
// for a request sets the idle deadline again and the next body is read
// without this one's deadline.
func (w *h1Writer) SetReadDeadline(t time.Time) error {
	if w.done {
		return errWriteAfterHandler
	}
	w.c.readDeadline = t
	return w.c.c.SetReadDeadline(t)
}

// SetWriteDeadline lets http.ResponseController bound a streaming
// handler's writes (a caller that stops reading must not hold the handler
// forever). The deadline ends with the exchange.
func (w *h1Writer) SetWriteDeadline(t time.Time) error {
	if w.done {
		return errWriteAfterHandler
	}
	w.c.writeDeadline = !t.IsZero()
	return w.c.c.SetWriteDeadline(t)
}

// sendHead writes the head with its framing: Content-Length when the body
// is known (final) or declared, chunked otherwise; then any held-back
// body. first is the write that caused it, for content sniffing.
func (w *h1Writer) sendHead(first []byte, final bool) {
	w.headSent = true
	c := w.c
	buf := c.scratch[:w.headLen] // the head; pending follows it in the array
	body := w.pending
	if b := w.body; b != nil {
		b.mu.Lock() // n may be changing under another goroutine's Read.
		large := b.n > maxDiscard
		b.mu.Unlock()
		if large {
			// The rest of a large unread body is not worth reading.
			w.closeAfter = true
		}
	}
	if c.f.shutting.Load() {
		w.closeAfter = true
	}
	hasBody := w.bodyAllowed()
	is10 := w.req.ProtoMinor == 0
	bw := c.bw
	bw.Write(buf)
	if _, ok := w.h["Date"]; !ok {
		bw.WriteString("Date: ")
		bw.Write(httpDate())
		bw.WriteString("\r\n")
	}
	if hasBody {
		sniff := body
		if len(sniff) == 0 {
			sniff = first
		} else if len(sniff) < sniffLen && len(first) > 0 {
			// Sniff the body's first 512 bytes, not only the part
			// held back before this write (net/http sniffs its 2 KB
			// buffer). Copies only when a short write is followed by a
			// large one.
			sniff = append(sniff[:len(sniff):len(sniff)], first[:min(len(first), sniffLen-len(sniff))]...)
		}
		// As net/http, an encoded body (Content-Encoding set) is
		// not sniffed: its bytes say nothing of the content's type.
		if _, ok := w.h["Content-Type"]; !ok && len(sniff) > 0 && firstValue(w.h["Content-Encoding"]) == "" {
			bw.WriteString("Content-Type: ")
			bw.WriteString(http.DetectContentType(sniff))
			bw.WriteString("\r\n")
		}
		switch {
		case w.declared >= 0:
			bw.WriteString("Content-Length: ")
			bw.WriteString(strconv.FormatInt(w.declared, 10))
			bw.WriteString("\r\n")
		case final:
			bw.WriteString("Content-Length: ")
			bw.WriteString(strconv.Itoa(len(body)))
			bw.WriteString("\r\n")
		case is10:
			// No chunked encoding in HTTP/1.0: the body ends with the
			// connection.
			w.closeAfter = true
		default:
			w.chunked = true
			bw.WriteString("Transfer-Encoding: chunked\r\n")
		}
	} else if w.declared >= 0 && w.status != http.StatusNoContent && w.status != http.StatusNotModified {
		bw.WriteString("Content-Length: ")
		bw.WriteString(strconv.FormatInt(w.declared, 10))
		bw.WriteString("\r\n")
	}
	_, connSet := w.h["Connection"]
	switch {
	case is10 && !w.closeAfter && !w.req.Close:
		// An HTTP/1.0 client keeps the connection only when told so.
		if !connSet {
			bw.WriteString("Connection: keep-alive\r\n")
		}
	case is10:
		w.closeAfter = true
	case w.closeAfter && !connSet:
		bw.WriteString("Connection: close\r\n")
	}
	bw.WriteString("\r\n")
	if len(body) > 0 {
		if w.chunked {
			bw.WriteString(strconv.FormatInt(int64(len(body)), 16))
			bw.WriteString("\r\n")
			bw.Write(body)
			bw.WriteString("\r\n")
		} else {
			bw.Write(body)
		}
	}
	w.pending = nil
}

// finish completes the response after the handler returned and reports
// whether the connection stays open.
func (w *h1Writer) finish() bool {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if !w.headSent {
		w.sendHead(nil, true)
	}
	if w.chunked {
		w.c.bw.WriteString("0\r\n\r\n")
	}
	w.done = true
	// != rather than <: written also counts a write refused with
	// ErrContentLength, after which fewer bytes than declared went out
	// (net/http compares the same way).
	if w.declared >= 0 && w.written != w.declared && w.bodyAllowed() {
		// The client waits for bytes that will never come.
		w.closeAfter = true
	}
	if err := w.c.bw.Flush(); err != nil {
		return false
	}
	if cap(w.c.scratch) > 64<<10 {
		w.c.scratch = nil
	}
	if w.body != nil && (w.closeAfter || !w.body.discard()) {
		// The client may still be sending what the handler did not read.
		w.c.linger = w.body.unread() > 0
		return false
	}
	return !w.closeAfter
}

func appendStatusLine(b []byte, is10 bool, code int) []byte {
	if is10 {
		b = append(b, "HTTP/1.0 "...)
	} else {
		b = append(b, "HTTP/1.1 "...)
	}
	b = strconv.AppendInt(b, int64(code), 10)
	b = append(b, ' ')
	if t := http.StatusText(code); t != "" {
		b = append(b, t...)
	} else {
		b = append(b, "status code "...)
		b = strconv.AppendInt(b, int64(code), 10)
	}
	return append(b, "\r\n"...)
}

func writeHeaderLines(bw *bufio.Writer, k string, vv []string) {
	bw.Write(appendHeaderLines(nil, k, vv))
}

// appendHeaderLines writes k's values as net/http does: names that are not
// tokens are dropped, CR and LF in values become spaces, values are
// trimmed.
func appendHeaderLines(b []byte, k string, vv []string) []byte {
	if k == "" {
		return b
	}
	for i := 0; i < len(k); i++ {
		if !isTokenChar(k[i]) {
			return b
		}
	}
	for _, v := range vv {
		b = append(b, k...)
		b = append(b, ": "...)
		// CR and LF are trimmed too, as net/http turns them into
		// spaces before trimming ("x\r\n" was sent as "x  ").
		v = strings.Trim(v, " \t\r\n")
		for i := 0; i < len(v); i++ {
			c := v[i]
			if c == '\r' || c == '\n' {
				c = ' '
			}
			b = append(b, c)
		}
		b = append(b, "\r\n"...)
	}
	return b
}

// httpDate is the Date header value, formatted once a second.
func httpDate() []byte {
	now := time.Now()
	sec := now.Unix()
	if d := cachedDate.Load(); d != nil && d.sec == sec {
		return d.v
	}
	d := &dateValue{sec: sec, v: now.UTC().AppendFormat(nil, http.TimeFormat)}
	cachedDate.Store(d)
	return d.v
}

type dateValue struct {
	sec int64
	v   []byte
}

var cachedDate atomic.Pointer[dateValue]
