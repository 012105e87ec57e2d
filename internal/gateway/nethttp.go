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
// loop looks for bytes that follow a response, and reads whatever its
// buffer holds as the next response: a HEAD answered with a body (Python's
// http.server with do_HEAD = do_GET), a 204 or 304 with a body, or more
// bytes than Content-Length went to the next caller in tests. The guard
// sits under the Transport and frames each response as gatehouse's own
// client does (response.go): it hands the Transport the bytes of the
// response to the request in flight and nothing more. A byte beyond a
// response, or one that arrives before the request went out, retires the
// connection: its reads fail (the Transport closes it, or retries the
// request on a new connection when it can be replayed) and so do its
// writes. So do the end of a response that HEAD, 1xx, 204, 304, a close,
// or any doubt about its framing leave without a provable end.
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
	trace := &httptrace.ClientTrace{GotConn: func(info httptrace.GotConnInfo) {
		if c, ok := info.Conn.(*guardConn); ok {
			c.begin(r.Method)
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
	return g.t.RoundTrip(r)
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

var errRetired = errors.New("upstream: connection retired: bytes beyond a response, or a response without a provable end")

// Phases of a guarded connection.
const (
	gIdle    = iota // no request in flight: any byte is unsolicited
	gBegun          // a request is about to be written: any byte is unsolicited
	gHead           // the response head
	gLength         // a Content-Length body
	gChunked        // a chunked body
	gClose          // a body that ends with the connection
)

// guardConn frames the responses on one connection of net/http's
// Transport. Read runs on the Transport's read loop; begin and Write on
// the request's goroutine and its write loop.
type guardConn struct {
	net.Conn
	mu      sync.Mutex
	retired bool
	noReuse bool // retire at the end of this response
	phase   int
	method  string
	n1xx    int
	head    []byte // the response head so far
	scan    int    // where the next line of head starts
	left    int64  // Content-Length bytes still to come
	chunks  chunkScan
	pend    []byte // bytes read and not yet handed over
	readErr error  // the connection's read error, after pend
	keys    map[string]string
	rh      respHead
	sc      headScratch
	hr      bytes.Reader  // over head, for hbr
	hbr     *bufio.Reader // reads a head with the client's parser
}

// begin is called (from the Transport's GotConn hook) before a request is
// written on the connection.
func (g *guardConn) begin(method string) {
	g.mu.Lock()
	g.phase, g.method, g.n1xx, g.head, g.scan, g.noReuse = gBegun, method, 0, g.head[:0], 0, false
	g.mu.Unlock()
}

func (g *guardConn) Write(p []byte) (int, error) {
	g.mu.Lock()
	switch {
	case g.retired || g.phase == gIdle:
		g.retired = true
		g.mu.Unlock()
		return 0, errRetired
	case g.phase == gBegun:
		// From now on bytes may be the response; before, none could be.
		g.phase = gHead
	}
	g.mu.Unlock()
	return g.Conn.Write(p)
}

func (g *guardConn) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	for {
		g.mu.Lock()
		if g.retired {
			g.mu.Unlock()
			return 0, errRetired
		}
		if len(g.pend) > 0 {
			k := g.allow(g.pend[:min(len(p), len(g.pend))])
			copy(p, g.pend[:k])
			g.pend = g.pend[k:]
			g.mu.Unlock()
			if k > 0 {
				return k, nil
			}
			continue // nothing of it belongs to a response: retired
		}
		if g.readErr != nil {
			err := g.readErr
			g.mu.Unlock()
			return 0, err
		}
		g.mu.Unlock()
		n, err := g.Conn.Read(p)
		g.mu.Lock()
		if err != nil {
			g.readErr = err
		}
		k := 0
		if n > 0 && !g.retired {
			k = g.allow(p[:n])
			// What does not belong to this response waits for the next
			// call (where it retires the connection).
			g.pend = append(g.pend[:0], p[k:n]...)
		}
		g.mu.Unlock()
		if k > 0 {
			return k, nil
		}
		if n == 0 && err != nil {
			return 0, err
		}
	}
}

// allow advances the framing over b and returns how many of its bytes
// belong to the response in flight. It retires the connection when none
// do, or when the framing is in doubt.
func (g *guardConn) allow(b []byte) int {
	k := 0
	for k < len(b) && !g.retired {
		switch g.phase {
		case gIdle, gBegun:
			g.retired = true // unsolicited
			return k
		case gHead:
			k += g.headBytes(b[k:])
		case gLength:
			n := min(int64(len(b)-k), g.left)
			k += int(n)
			if g.left -= n; g.left == 0 {
				g.end()
			}
		case gChunked:
			n, done, err := g.chunks.feed(b[k:])
			k += n
			if err != nil {
				g.retired = true
				return k
			}
			if done {
				g.end()
			}
		case gClose:
			k = len(b)
		}
	}
	return k
}

// headBytes takes the bytes of b that belong to the response head; at its
// end it decides the body's framing.
func (g *guardConn) headBytes(b []byte) int {
	start := len(g.head)
	if start+len(b) > maxHeadBytes+1 {
		b = b[:maxHeadBytes+1-start]
	}
	g.head = append(g.head, b...)
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
		return len(b)
	}
	taken := end - start
	if g.keys == nil {
		g.keys = make(map[string]string, 16)
	}
	g.rh = respHead{}
	g.hr.Reset(g.head[:end])
	if g.hbr == nil {
		g.hbr = bufio.NewReaderSize(&g.hr, 16<<10)
	} else {
		g.hbr.Reset(&g.hr)
	}
	err := parseOneHead(g.hbr, g.method, g.keys, &g.rh, &g.sc)
	g.head, g.scan = g.head[:0], 0
	switch {
	case err != nil:
		g.retired = true
	case g.rh.status < 200:
		// An interim response: the final one follows; the connection is
		// not reused (as with gatehouse's client, on any doubt).
		if g.n1xx++; g.n1xx > max1xx {
			g.retired = true
		}
		g.noReuse = true
	case g.rh.framing == bodyNone:
		g.noReuse = true
		g.end()
	case g.rh.framing == bodyLength:
		g.noReuse = g.noReuse || !g.rh.keep
		g.left = g.rh.length
		if g.phase = gLength; g.left == 0 {
			g.end()
		}
	case g.rh.framing == bodyChunked:
		g.noReuse = g.noReuse || !g.rh.keep
		g.phase, g.chunks = gChunked, chunkScan{}
	default:
		g.phase, g.noReuse = gClose, true
	}
	return taken
}

// end is the end of the response in flight.
func (g *guardConn) end() {
	g.phase = gIdle
	if g.noReuse {
		g.retired = true
	}
}

// parseOneHead parses one response head, interim or final, with the
// rules of parseHead.
func parseOneHead(br *bufio.Reader, method string, keys map[string]string, rh *respHead, sc *headScratch) error {
	budget := maxHeadBytes
	line, err := readLine(br, &budget)
	if err != nil {
		return err
	}
	status, minor, ok := parseStatusLine(line)
	if !ok || status == http.StatusSwitchingProtocols {
		return errBadResponse
	}
	rh.status, rh.minor = status, minor
	sc.reset()
	if err := parseFields(br, &budget, keys, rh, sc); err != nil {
		return err
	}
	if status < 200 {
		return nil
	}
	return rh.frame(method)
}

// chunkScan finds the end of a chunked body (and its trailer section) as
// net/http's chunked reader and trailer reader read it: chunk-size lines
// end in CRLF with no other CR and are shorter than 4096 bytes, extensions
// are cut at ';', data is followed by CRLF, the trailer ends at its first
// empty line.
type chunkScan struct {
	state   uint8
	line    []byte
	left    uint64
	trailer int // trailer bytes so far
}

const (
	csSize = iota
	csData
	csCR
	csLF
	csTrailer
)

var errChunked = errors.New("upstream: malformed chunked body")

// feed consumes from b what belongs to the body; done reports its end.
func (c *chunkScan) feed(b []byte) (n int, done bool, err error) {
	for n < len(b) {
		switch c.state {
		case csSize, csTrailer:
			i := bytes.IndexByte(b[n:], '\n')
			if i < 0 {
				c.line = append(c.line, b[n:]...)
				n = len(b)
				if c.state == csSize && len(c.line) >= 4096 || c.state == csTrailer && c.trailer+len(c.line) > maxHeadBytes {
					return n, false, errChunked
				}
				continue
			}
			c.line = append(c.line, b[n:n+i+1]...)
			n += i + 1
			line := c.line
			c.line = c.line[:0]
			if c.state == csTrailer {
				if c.trailer += len(line); c.trailer > maxHeadBytes {
					return n, false, errChunked
				}
				if len(line) == 1 || len(line) == 2 && line[0] == '\r' {
					return n, true, nil
				}
				continue
			}
			size, ok := chunkSize(line)
			if !ok {
				return n, false, errChunked
			}
			if size == 0 {
				c.state = csTrailer
			} else {
				c.state, c.left = csData, size
			}
		case csData:
			k := min(uint64(len(b)-n), c.left)
			n += int(k)
			if c.left -= k; c.left == 0 {
				c.state = csCR
			}
		case csCR, csLF:
			want := byte('\r')
			if c.state == csLF {
				want = '\n'
			}
			if b[n] != want {
				return n, false, errChunked
			}
			n++
			if c.state++; c.state > csLF {
				c.state = csSize
			}
		}
	}
	return n, false, nil
}

// chunkSize parses a chunk-size line with its CRLF, as net/http does.
func chunkSize(line []byte) (uint64, bool) {
	if len(line) < 2 || len(line) > 4096 || bytes.IndexByte(line, '\r') != len(line)-2 {
		return 0, false
	}
	p := line[:len(line)-2]
	for len(p) > 0 && (p[len(p)-1] == ' ' || p[len(p)-1] == '\t') {
		p = p[:len(p)-1]
	}
	if i := bytes.IndexByte(p, ';'); i >= 0 {
		p = p[:i]
	}
	if len(p) == 0 || len(p) > 16 {
		return 0, false
	}
	var n uint64
	for _, c := range p {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		n = n<<4 | uint64(c)
	}
	return n, true
}
