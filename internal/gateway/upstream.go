package gateway

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// upstream is a small HTTP/1.1 client for plain-http backends, used by the
// HTTP_PROXY fast path instead of http.Transport. It writes the request and
// reads the response on the handler's own goroutine over pooled keep-alive
// connections: no per-connection read/write goroutines, no channel
// hand-offs, no per-request context timer (the integration timeout is a
// connection deadline). Anything it does not handle (https, bodies of
// unknown length) goes through the http.Transport.
type upstream struct {
	mu      sync.Mutex
	idle    map[string][]*upConn
	maxIdle int
	dialer  net.Dialer
}

type upConn struct {
	idle time.Time // when it was put back
	// deadline is the read/write deadline last set on c (see setDeadline).
	deadline time.Time
	c        net.Conn
	br       *bufio.Reader
	bw       *bufio.Writer
	key      string
	keys     map[string]string // interned canonical header names
	head     headScratch
}

func newUpstream() *upstream {
	return &upstream{idle: map[string][]*upConn{}, maxIdle: 1024,
		dialer: net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}}
}

// Idle connections older than this are not reused: backends close idle
// keep-alive connections (Node.js after 5 s, nginx after 75 s), and a
// request that is not idempotent cannot be retried on a fresh connection.
const (
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

func (u *upstream) get(addr string, deadline time.Time, maxAge time.Duration) (*upConn, bool, error) {
	now := time.Now()
	u.mu.Lock()
	for l := u.idle[addr]; len(l) > 0; l = u.idle[addr] {
		pc := l[len(l)-1]
		l[len(l)-1] = nil
		u.idle[addr] = l[:len(l)-1]
		if now.Sub(pc.idle) <= maxAge {
			u.mu.Unlock()
			return pc, true, nil
		}
		_ = pc.c.Close()
	}
	u.mu.Unlock()
	d := u.dialer
	d.Deadline = deadline
	c, err := d.Dial("tcp", addr)
	if err != nil {
		return nil, false, err
	}
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetNoDelay(true)
	}
	return &upConn{c: c, br: bufio.NewReaderSize(c, 16<<10), bw: bufio.NewWriterSize(c, 16<<10), key: addr,
		keys: make(map[string]string, 16)}, false, nil
}

func (u *upstream) put(pc *upConn) {
	pc.idle = time.Now()
	u.mu.Lock()
	if l := u.idle[pc.key]; len(l) < u.maxIdle {
		u.idle[pc.key] = append(l, pc)
		u.mu.Unlock()
		return
	}
	u.mu.Unlock()
	_ = pc.c.Close()
}

// upRequest is what the fast path sends.
type upRequest struct {
	method  string
	host    string // Host header and dial address (host:port)
	uri     string // request target: escaped path and query
	header  http.Header
	body    io.Reader // nil for none
	bodyLen int64
	replay  []byte // body bytes when they can be sent again (retry)
}

var errStale = errors.New("upstream: stale keep-alive connection")

// roundTrip sends req, parses the response head into h (the client's
// response headers, proxy rules applied) and returns it with the
// connection; finish must be called to stream the body and release the
// connection.
func (u *upstream) roundTrip(req *upRequest, deadline time.Time, h http.Header, rh *respHead) (*upConn, error) {
	safe := idempotent(req.method)
	maxAge := maxIdleAge
	if !safe {
		maxAge = maxIdleAgeUnsafeVerb
	}
	slack := time.Until(deadline) / 32
	for attempt := 0; ; attempt++ {
		pc, reused, err := u.get(req.host, deadline, maxAge)
		if err != nil {
			return nil, err
		}
		pc.setDeadline(deadline, slack)
		err = pc.send(req)
		if err == nil {
			if err = readHead(pc.br, req.method, h, pc.keys, rh, &pc.head); err == nil {
				return pc, nil
			}
			rh.undo(h)
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

// finish streams the body to w and returns the connection to the pool
// when it ended cleanly.
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

func (pc *upConn) send(req *upRequest) error {
	w := pc.bw
	w.WriteString(req.method)
	w.WriteByte(' ')
	w.WriteString(req.uri)
	w.WriteString(" HTTP/1.1\r\nHost: ")
	w.WriteString(req.host)
	w.WriteString("\r\n")
	for k, vv := range req.header {
		for _, v := range vv {
			w.WriteString(k)
			w.WriteString(": ")
			writeHeaderValue(w, v)
			w.WriteString("\r\n")
		}
	}
	if req.body != nil {
		w.WriteString("Content-Length: ")
		w.WriteString(strconv.FormatInt(req.bodyLen, 10))
		w.WriteString("\r\n\r\n")
		if _, err := io.CopyN(w, req.body, req.bodyLen); err != nil {
			return err
		}
	} else {
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
