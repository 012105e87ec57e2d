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
	c   net.Conn
	br  *bufio.Reader
	bw  *bufio.Writer
	key string
}

func newUpstream() *upstream {
	return &upstream{idle: map[string][]*upConn{}, maxIdle: 1024,
		dialer: net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}}
}

func (u *upstream) get(addr string, deadline time.Time) (*upConn, bool, error) {
	u.mu.Lock()
	if l := u.idle[addr]; len(l) > 0 {
		pc := l[len(l)-1]
		l[len(l)-1] = nil
		u.idle[addr] = l[:len(l)-1]
		u.mu.Unlock()
		return pc, true, nil
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
	return &upConn{c: c, br: bufio.NewReaderSize(c, 16<<10), bw: bufio.NewWriterSize(c, 16<<10), key: addr}, false, nil
}

func (u *upstream) put(pc *upConn) {
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

// roundTrip sends req and returns the response; release must be called
// with whether the body was read to EOF without error.
func (u *upstream) roundTrip(req *upRequest, deadline time.Time) (*http.Response, func(ok bool), error) {
	for attempt := 0; ; attempt++ {
		pc, reused, err := u.get(req.host, deadline)
		if err != nil {
			return nil, nil, err
		}
		_ = pc.c.SetDeadline(deadline)
		resp, err := pc.exchange(req)
		if err == nil {
			release := func(ok bool) {
				if ok && !resp.Close {
					_ = pc.c.SetDeadline(time.Time{})
					u.put(pc)
					return
				}
				_ = pc.c.Close()
			}
			return resp, release, nil
		}
		_ = pc.c.Close()
		// A kept-alive connection the backend closed meanwhile fails
		// before any response byte: try once more on a fresh one when the
		// body can be replayed.
		if reused && errors.Is(err, errStale) && attempt == 0 && (req.body == nil || req.replay != nil) {
			if req.replay != nil {
				req.body = bytesReader(req.replay)
			}
			continue
		}
		return nil, nil, err
	}
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

func (pc *upConn) exchange(req *upRequest) (*http.Response, error) {
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
			return nil, err
		}
	} else {
		w.WriteString("\r\n")
	}
	if err := w.Flush(); err != nil {
		return nil, errStale
	}
	if _, err := pc.br.Peek(1); err != nil {
		if errors.Is(err, io.EOF) || isReset(err) {
			return nil, errStale
		}
		return nil, err
	}
	return http.ReadResponse(pc.br, &http.Request{Method: req.method})
}

func isReset(err error) bool {
	s := err.Error()
	return strings.Contains(s, "connection reset") || strings.Contains(s, "broken pipe")
}

// writeHeaderValue drops CR and LF so that a mapped value cannot split the
// request (header injection).
func writeHeaderValue(w *bufio.Writer, v string) {
	if !strings.ContainsAny(v, "\r\n") {
		w.WriteString(v)
		return
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; c != '\r' && c != '\n' {
			w.WriteByte(c)
		}
	}
}
