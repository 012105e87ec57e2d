package gateway

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/http"
	"net/http/httptrace"
	"sync"
)

// NetHTTPTransport is the --upstream-client=net/http client: net/http's
// Transport (NewTransport) with a guard on each connection.
//
// net/http's Transport returns a connection to its pool before its read
// loop looks for bytes that follow a response, so a request can be written
// on a connection that still holds a backend's stray bytes, and read them
// as its response: a HEAD answered with a body (Python's http.server with
// do_HEAD = do_GET), a 204 or 304 with a body, more bytes than
// Content-Length. The guard sees the bytes the Transport reads; it parses
// each response head as gatehouse's own client does (response.go) and
// retires the connection (refuses the next request's write, which the
// Transport retries on a new connection when the request can be replayed,
// and closes it) when the response has no body to frame it (HEAD, 1xx,
// 204, 304), when its framing is in doubt, or when more bytes arrive than
// its Content-Length. A chunked body is framed by the Transport alone.
func NetHTTPTransport() http.RoundTripper {
	t := NewTransport()
	dial := t.DialContext
	t.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return &guardConn{Conn: c}, nil
	}
	t.DialTLSContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		host, _, _ := net.SplitHostPort(addr)
		tc := tls.Client(c, &tls.Config{ServerName: host, NextProtos: []string{"http/1.1"}})
		if err := tc.HandshakeContext(ctx); err != nil {
			_ = c.Close()
			return nil, err
		}
		return &guardConn{Conn: tc}, nil
	}
	return &guardedTransport{t: t}
}

type guardedTransport struct{ t *http.Transport }

func (g *guardedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	var gc *guardConn
	trace := &httptrace.ClientTrace{GotConn: func(info httptrace.GotConnInfo) {
		if c, ok := info.Conn.(*guardConn); ok {
			c.begin(r.Method)
			gc = c
		}
	}}
	r = r.WithContext(httptrace.WithClientTrace(r.Context(), trace))
	for k := range r.Header {
		if framingField(k) && !reqWriteSets(k) {
			// A field that a backend could read as framing (see
			// framingField) does not go out.
			r.Header = r.Header.Clone()
			for k := range r.Header {
				if framingField(k) && !reqWriteSets(k) {
					delete(r.Header, k)
				}
			}
			break
		}
	}
	resp, err := g.t.RoundTrip(r)
	if err == nil && gc != nil && resp.Body == http.NoBody {
		// No body to wait for: a retired connection closes now, so that
		// the Transport drops it from its pool.
		gc.closeIfRetired()
	}
	return resp, err
}

var errRetired = errors.New("upstream: connection retired: its last response was not framed beyond doubt")

// guardConn watches one connection of net/http's Transport.
type guardConn struct {
	net.Conn
	mu      sync.Mutex
	retired bool
	active  bool // between begin and the end of a Content-Length response
	method  string
	head    []byte // the response head so far
	scan    int    // where the next line of head starts
	left    int64  // body bytes still expected; -1 when the Transport frames it
	keys    map[string]string
	rh      respHead
	sc      headScratch
}

// begin marks the start of a request on the connection.
func (g *guardConn) begin(method string) {
	g.mu.Lock()
	g.active, g.method, g.head, g.scan, g.left = true, method, g.head[:0], 0, 0
	g.mu.Unlock()
}

func (g *guardConn) closeIfRetired() {
	g.mu.Lock()
	retired := g.retired
	g.mu.Unlock()
	if retired {
		_ = g.Conn.Close()
	}
}

func (g *guardConn) Write(p []byte) (int, error) {
	g.mu.Lock()
	retired := g.retired
	g.mu.Unlock()
	if retired {
		return 0, errRetired
	}
	return g.Conn.Write(p)
}

func (g *guardConn) Read(p []byte) (int, error) {
	n, err := g.Conn.Read(p)
	if n > 0 {
		g.mu.Lock()
		g.observe(p[:n])
		g.mu.Unlock()
	}
	return n, err
}

// observe follows the bytes of the current response.
func (g *guardConn) observe(p []byte) {
	switch {
	case g.retired || g.left < 0: // retired, or a chunked body
		return
	case !g.active:
		g.retired = true // bytes where no response belongs
		return
	case g.left > 0: // in a Content-Length body
		if int64(len(p)) > g.left {
			g.retired = true // more than Content-Length
			return
		}
		g.left -= int64(len(p))
		g.active = g.left > 0
		return
	}
	// In the head: look for the blank line that ends it.
	g.head = append(g.head, p...)
	end := -1
	for end < 0 {
		i := bytes.IndexByte(g.head[g.scan:], '\n')
		if i < 0 {
			break
		}
		line := g.head[g.scan : g.scan+i]
		g.scan += i + 1
		if len(line) == 0 || len(line) == 1 && line[0] == '\r' {
			end = g.scan
		}
	}
	if end < 0 {
		if len(g.head) > maxHeadBytes {
			g.retired = true
		}
		return
	}
	if g.keys == nil {
		g.keys = make(map[string]string, 16)
	}
	g.rh = respHead{}
	br := bufio.NewReaderSize(bytes.NewReader(g.head[:end]), 16<<10)
	// One response: an interim one retires the connection too.
	if err := parseHeadOnce(br, g.method, g.keys, &g.rh, &g.sc); err != nil || !g.rh.keep {
		g.retired = true
		return
	}
	body := int64(len(g.head) - end)
	g.head, g.scan = g.head[:0], 0
	switch {
	case g.rh.framing != bodyLength:
		g.left = -1 // chunked: the Transport frames it
	case body > g.rh.length:
		g.retired = true
	default:
		g.left = g.rh.length - body
		g.active = g.left > 0
	}
}

// parseHeadOnce parses one response head (an interim response is refused)
// with the framing rules of parseHead.
func parseHeadOnce(br *bufio.Reader, method string, keys map[string]string, rh *respHead, sc *headScratch) error {
	budget := maxHeadBytes
	line, err := readLine(br, &budget)
	if err != nil {
		return err
	}
	status, minor, ok := parseStatusLine(line)
	if !ok || status < 200 {
		return errBadResponse
	}
	rh.status, rh.minor = status, minor
	sc.reset()
	if err := parseFields(br, &budget, keys, rh, sc); err != nil {
		return err
	}
	return rh.frame(method)
}

// reqWriteSets: fields net/http's request writer ignores in Header and
// writes itself.
func reqWriteSets(k string) bool {
	switch k {
	case "Host", "Content-Length", "Transfer-Encoding", "Trailer":
		return true
	}
	return false
}
