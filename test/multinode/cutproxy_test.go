package multinode

import (
	"errors"
	"io"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
)

// cutProxy forwards TCP connections to PostgreSQL and can cut them the way
// a network partition does: while cut, nothing passes in either direction
// (bytes, new connections, closes) and nothing is refused; on restore
// whatever was held goes through, as a healed network delivers what TCP
// was retransmitting.
type cutProxy struct {
	ln   net.Listener
	dial func() (net.Conn, error)

	mu    sync.Mutex
	cond  *sync.Cond
	cut   bool
	conns []net.Conn
	done  bool
}

// newCutProxy listens on a loopback port and forwards to the server of
// the PostgreSQL URL base (a Unix socket or TCP).
func newCutProxy(t *testing.T, base string) *cutProxy {
	t.Helper()
	cfg, err := pgconn.ParseConfig(base)
	if err != nil {
		t.Fatal(err)
	}
	network, addr := "tcp", net.JoinHostPort(cfg.Host, strconv.Itoa(int(cfg.Port)))
	if strings.HasPrefix(cfg.Host, "/") {
		network, addr = "unix", cfg.Host+"/.s.PGSQL."+strconv.Itoa(int(cfg.Port))
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cutProxy{ln: ln, dial: func() (net.Conn, error) { return net.Dial(network, addr) }}
	p.cond = sync.NewCond(&p.mu)
	go p.serve()
	t.Cleanup(p.close)
	return p
}

// url rewrites the database URL db to go through the proxy.
func (p *cutProxy) url(t *testing.T, db string) string {
	t.Helper()
	u, err := url.Parse(db)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Del("host")
	q.Del("port")
	u.RawQuery = q.Encode()
	u.Host = p.ln.Addr().String()
	return u.String()
}

// Cut stops all traffic; Restore lets it flow again.
func (p *cutProxy) Cut() { p.set(true) }

func (p *cutProxy) Restore() { p.set(false) }

func (p *cutProxy) set(cut bool) {
	p.mu.Lock()
	p.cut = cut
	p.cond.Broadcast()
	p.mu.Unlock()
}

// wait blocks while the proxy is cut.
func (p *cutProxy) wait() {
	p.mu.Lock()
	for p.cut && !p.done {
		p.cond.Wait()
	}
	p.mu.Unlock()
}

func (p *cutProxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.done {
		c.Close()
		return false
	}
	p.conns = append(p.conns, c)
	return true
}

func (p *cutProxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		if !p.track(c) {
			return
		}
		go func() {
			p.wait() // a connection attempt hangs while cut
			up, err := p.dial()
			if err != nil || !p.track(up) {
				c.Close()
				return
			}
			go p.pipe(up, c)
			p.pipe(c, up)
		}()
	}
}

// pipe copies src to dst, holding every read (and the final close) while
// the proxy is cut.
func (p *cutProxy) pipe(dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		p.wait()
		if n > 0 {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				err = werr
			}
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				if tc, ok := dst.(interface{ CloseWrite() error }); ok {
					_ = tc.CloseWrite()
					return
				}
			}
			dst.Close()
			src.Close()
			return
		}
	}
}

func (p *cutProxy) close() {
	p.mu.Lock()
	p.done = true
	p.cond.Broadcast()
	conns := p.conns
	p.conns = nil
	p.mu.Unlock()
	p.ln.Close()
	for _, c := range conns {
		c.Close()
	}
}
