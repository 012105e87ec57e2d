package gateway

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// scripted is a raw backend: answer(n, req) gives the bytes to write for
// the n-th request it reads (over all connections, from 0) and whether to
// close the connection after them. It counts accepted connections.
type scripted struct {
	ln    net.Listener
	conns atomic.Int32
	reqs  atomic.Int32
	// written receives each connection after a response was written, for
	// tests that wait until the bytes reached the client (sentAll).
	written chan net.Conn
}

func newScripted(t testing.TB, answer func(n int, req *http.Request) (resp string, closeAfter bool)) *scripted {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &scripted{ln: ln, written: make(chan net.Conn, 64)}
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		open []net.Conn
	)
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range open {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.conns.Add(1)
			mu.Lock()
			open = append(open, c)
			mu.Unlock()
			wg.Add(1)
			go func(c net.Conn) {
				defer wg.Done()
				defer c.Close()
				br := bufio.NewReader(c)
				for {
					req, err := http.ReadRequest(br)
					if err != nil {
						return
					}
					_, _ = io.Copy(io.Discard, req.Body)
					resp, closeAfter := answer(int(s.reqs.Add(1)-1), req)
					if _, err := io.WriteString(c, resp); err != nil {
						return
					}
					select {
					case s.written <- c:
					default:
					}
					if closeAfter {
						return
					}
				}
			}(c)
		}
	}()
	return s
}

func (s *scripted) addr() string { return s.ln.Addr().String() }

const second = "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecond"

// forged is what a misbehaving backend sends where no response belongs.
const forged = "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nforged"

func TestUpstreamResponses(t *testing.T) {
	for _, c := range []struct {
		name, method, resp string
		closeAfter         bool
		status             int
		body               string
		header             map[string]string
		reuse              bool
		bad                bool
	}{
		{name: "content-length", method: "GET", resp: "HTTP/1.1 201 Created\r\nContent-Length: 5\r\nServer: be\r\nX-A: 1\r\nX-A: 2\r\n\r\nhello",
			status: 201, body: "hello", header: map[string]string{"X-Amzn-Remapped-Server": "be", "Content-Length": "5", "X-Amzn-Remapped-Content-Length": "5"}, reuse: true},
		{name: "chunked with trailer", method: "GET", resp: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\nX-T: 1\r\n\r\n",
			status: 200, body: "abcde", reuse: true},
		{name: "chunked and content-length", method: "GET", resp: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n" + forged,
			status: 200, body: "abc", header: map[string]string{"Content-Length": ""}},
		{name: "close delimited 1.0", method: "GET", resp: "HTTP/1.0 200 OK\r\n\r\nuntil eof", closeAfter: true, status: 200, body: "until eof"},
		{name: "close delimited 1.1", method: "GET", resp: "HTTP/1.1 200 OK\r\n\r\nuntil eof", closeAfter: true, status: 200, body: "until eof"},
		{name: "1.0 keep-alive", method: "GET", resp: "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok", status: 200, body: "ok", reuse: true},
		{name: "no content", method: "DELETE", resp: "HTTP/1.1 204 No Content\r\n\r\n", status: 204},
		{name: "no content with a body", method: "DELETE", resp: "HTTP/1.1 204 No Content\r\n\r\n" + forged, status: 204},
		{name: "not modified with a body", method: "GET", resp: "HTTP/1.1 304 Not Modified\r\nContent-Length: 53\r\n\r\n" + forged, status: 304},
		{name: "head", method: "HEAD", resp: "HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n", status: 200, header: map[string]string{"Content-Length": "99"}},
		{name: "head with a body", method: "HEAD", resp: "HTTP/1.1 200 OK\r\nContent-Length: 53\r\n\r\n" + forged, status: 200},
		{name: "more than content-length", method: "GET", resp: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok" + forged, status: 200, body: "ok"},
		{name: "continue first", method: "GET", resp: "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", status: 200, body: "ok", reuse: true},
		{name: "connection close", method: "GET", resp: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok", status: 200, body: "ok",
			header: map[string]string{"X-Amzn-Remapped-Connection": "close"}},
		{name: "garbage", method: "GET", resp: "SMTP ready\r\n\r\n", bad: true},
		{name: "conflicting lengths", method: "GET", resp: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok", bad: true},
		{name: "length list", method: "GET", resp: "HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\n\r\nok", bad: true},
		{name: "negative length", method: "GET", resp: "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\nok", bad: true},
		{name: "gzip coding", method: "GET", resp: "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", bad: true},
		{name: "te on 1.0", method: "GET", resp: "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", bad: true},
		{name: "folded header", method: "GET", resp: "HTTP/1.1 200 OK\r\nX-A: 1\r\n 2\r\n\r\n", bad: true},
		{name: "switching protocols", method: "GET", resp: "HTTP/1.1 101 Switching Protocols\r\n\r\n", bad: true},
		{name: "six interim responses", method: "GET", resp: strings.Repeat("HTTP/1.1 100 Continue\r\n\r\n", 6) + second, bad: true},
		{name: "status 600", method: "GET", resp: "HTTP/1.1 600 What\r\nContent-Length: 0\r\n\r\n", bad: true},
		{name: "HTTP/1.2", method: "GET", resp: "HTTP/1.2 200 OK\r\nContent-Length: 0\r\n\r\n", bad: true},
		{name: "huge head", method: "GET", resp: "HTTP/1.1 200 OK\r\n" + strings.Repeat("X-Big: "+strings.Repeat("b", 1000)+"\r\n", 70) + "\r\n", bad: true},
		{name: "chunked trailer without colon", method: "GET", resp: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\nnot a field\r\n\r\n", status: 200, body: "a"},
	} {
		t.Run(c.name, func(t *testing.T) {
			be := newScripted(t, func(n int, _ *http.Request) (string, bool) {
				if n == 0 {
					return c.resp, c.closeAfter
				}
				return second, false
			})
			u := newUpstream()
			h := http.Header{}
			var rh respHead
			req := &upRequest{method: c.method, host: be.addr(), uri: "/", header: http.Header{"X-In": {"v\r\nInjected: x"}}}
			pc, err := u.roundTrip(req, time.Now().Add(5*time.Second), h, &rh)
			if c.bad {
				if err == nil {
					t.Fatal("malformed response accepted")
				}
				if len(h) != 0 {
					t.Errorf("headers left behind: %v", h)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			_ = u.finish(pc, &out, &rh, make([]byte, 8))
			if rh.status != c.status || out.String() != c.body {
				t.Errorf("got %d %q, want %d %q", rh.status, out.String(), c.status, c.body)
			}
			for k, v := range c.header {
				if got := h.Get(k); got != v {
					t.Errorf("header %s = %q, want %q (%v)", k, got, v, h)
				}
			}
			if c.name == "content-length" && strings.Join(h["X-A"], ",") != "1,2" {
				t.Errorf("X-A = %v", h["X-A"])
			}
			// The next request reuses the connection only when the first
			// ended exactly at its framing with keep-alive; it never reads
			// what the backend sent beyond the first response.
			var rh2 respHead
			pc2, err := u.roundTrip(&upRequest{method: "GET", host: be.addr(), uri: "/"}, time.Now().Add(5*time.Second), http.Header{}, &rh2)
			if err != nil {
				t.Fatal(err)
			}
			out.Reset()
			_ = u.finish(pc2, &out, &rh2, make([]byte, 8))
			if out.String() != "second" {
				t.Errorf("next request got %d %q, want its own response", rh2.status, out.String())
			}
			if want := map[bool]int32{true: 1, false: 2}[c.reuse]; be.conns.Load() != want {
				t.Errorf("%d connections, want %d", be.conns.Load(), want)
			}
		})
	}
}

// TestUpstreamIdleBytes: bytes that arrive on a pooled connection while it
// is idle (a late body, a response nobody asked for, the backend's close)
// retire it; the next request goes on a fresh connection and gets its own
// answer.
func TestUpstreamIdleBytes(t *testing.T) {
	for _, c := range []struct {
		name  string
		extra string // written after the first response; "" closes instead
	}{
		{"late response", forged},
		{"late byte", "x"},
		{"close", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			be := newScripted(t, func(n int, _ *http.Request) (string, bool) {
				if n == 0 {
					return "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirst", false
				}
				return second, false
			})
			u := newUpstream()
			get := func(method string) string {
				var rh respHead
				pc, err := u.roundTrip(&upRequest{method: method, host: be.addr(), uri: "/"}, time.Now().Add(5*time.Second), http.Header{}, &rh)
				if err != nil {
					t.Fatal(err)
				}
				var out bytes.Buffer
				if err := u.finish(pc, &out, &rh, make([]byte, 64)); err != nil {
					t.Fatal(err)
				}
				return out.String()
			}
			if got := get("GET"); got != "first" {
				t.Fatalf("first request got %q", got)
			}
			bc := <-be.written
			if c.extra == "" {
				_ = bc.(*net.TCPConn).CloseWrite()
			} else if _, err := io.WriteString(bc, c.extra); err != nil {
				t.Fatal(err)
			}
			WaitDelivered(t, bc)
			// A POST cannot be retried, so it must not be sent on a
			// connection known to be dead or dirty.
			if got := get("POST"); got != "second" {
				t.Fatalf("next request got %q, want its own response", got)
			}
			if n := be.conns.Load(); n != 2 {
				t.Errorf("%d connections, want 2", n)
			}
		})
	}
}

// TestUpstreamStaleRetry: a connection the backend closes after the idle
// check fails before any response byte; an idempotent request is tried
// again on a fresh connection.
func TestUpstreamStaleRetry(t *testing.T) {
	be := newScripted(t, func(n int, _ *http.Request) (string, bool) {
		if n == 1 {
			return "", true // reads the request, closes without a word
		}
		return second, false
	})
	u := newUpstream()
	for i := 0; i < 2; i++ {
		var rh respHead
		pc, err := u.roundTrip(&upRequest{method: "GET", host: be.addr(), uri: "/"}, time.Now().Add(5*time.Second), http.Header{}, &rh)
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		var out bytes.Buffer
		if err := u.finish(pc, &out, &rh, make([]byte, 64)); err != nil || out.String() != "second" {
			t.Fatalf("request %d: %q %v", i, out.String(), err)
		}
	}
}

// TestUpstreamRequestFraming: what a mapped header or target cannot do to
// the request line and framing.
func TestUpstreamRequestFraming(t *testing.T) {
	got := make(chan *http.Request, 4)
	be := newScripted(t, func(n int, r *http.Request) (string, bool) {
		got <- r
		return second, false
	})
	u := newUpstream()
	send := func(req *upRequest) error {
		var rh respHead
		pc, err := u.roundTrip(req, time.Now().Add(5*time.Second), http.Header{}, &rh)
		if err != nil {
			return err
		}
		return u.finish(pc, io.Discard, &rh, make([]byte, 64))
	}
	hdr := http.Header{"Content-Length": {"100"}, "Transfer-Encoding": {"chunked"}, "Host": {"evil"}, "Connection": {"close"},
		"X-Ok": {"a\r\nX-Injected: 1"}, "Bad Name": {"x"}, "X-Colon:": {"x"}}
	if err := send(&upRequest{method: "POST", host: be.addr(), uri: "/p", header: hdr, body: strings.NewReader("abc"), bodyLen: 3}); err != nil {
		t.Fatal(err)
	}
	r := <-got
	if r.ContentLength != 3 || len(r.TransferEncoding) != 0 || r.Host != be.addr() || r.Close ||
		r.Header.Get("X-Ok") != "aX-Injected: 1" || r.Header.Get("X-Injected") != "" || len(r.Header["Bad Name"]) != 0 {
		t.Errorf("backend got length %d TE %q host %q close %v header %q", r.ContentLength, r.TransferEncoding, r.Host, r.Close, r.Header)
	}
	for _, bad := range []*upRequest{
		{method: "GET", host: be.addr(), uri: "/a b"},
		{method: "GET", host: be.addr(), uri: "/a\r\nX: y"},
		{method: "GE T", host: be.addr(), uri: "/"},
		{method: "GET", host: be.addr(), uri: ""},
	} {
		if err := send(bad); !errors.Is(err, errBadRequest) {
			t.Errorf("%q %q: %v, want errBadRequest", bad.method, bad.uri, err)
		}
	}
	// Fields a CGI-style backend would read as framing ('_' as '-') do
	// not go out, through either client.
	for _, rt := range []http.RoundTripper{newUpstream(), NetHTTPTransport()} {
		req, _ := http.NewRequest("POST", "http://"+be.addr()+"/u", strings.NewReader("abc"))
		req.Header = http.Header{"Transfer_encoding": {"chunked"}, "content_length": {"0"}, "CONNECTION": {"close"},
			"Upgrade": {"h2c"}, "Te": {"trailers"}, "X_forwarded_for": {"kept"}}
		resp, err := rt.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		r := <-got
		for k := range r.Header {
			if framingField(k) && k != "Content-Length" {
				t.Errorf("%T sent %s: %q", rt, k, r.Header[k])
			}
		}
		if r.Header.Get("X_forwarded_for") != "kept" || r.ContentLength != 3 {
			t.Errorf("%T sent %q, length %d", rt, r.Header, r.ContentLength)
		}
	}
	// Unknown length: chunked, as net/http.
	if err := send(&upRequest{method: "PUT", host: be.addr(), uri: "/c", body: strings.NewReader("chunky"), bodyLen: -1}); err != nil {
		t.Fatal(err)
	}
	if r := <-got; len(r.TransferEncoding) != 1 || r.ContentLength != -1 {
		t.Errorf("unknown length sent with TE %q length %d", r.TransferEncoding, r.ContentLength)
	}
	// No body on a POST: Content-Length: 0, as net/http.
	if err := send(&upRequest{method: "POST", host: be.addr(), uri: "/e"}); err != nil {
		t.Fatal(err)
	}
	if r := <-got; r.Header.Get("Content-Length") != "0" {
		t.Errorf("empty POST sent with Content-Length %q", r.Header.Get("Content-Length"))
	}
}

// TestUpstreamRoundTrip: the http.RoundTripper face of the client, over
// plain http and TLS, with the pool rules of the fast path.
func TestUpstreamRoundTrip(t *testing.T) {
	var conns atomic.Int32
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		switch r.URL.Path {
		case "/nc":
			w.WriteHeader(204)
			return
		case "/slow":
			<-r.Context().Done()
			return
		}
		w.Header().Set("X-Method", r.Method)
		_, _ = io.WriteString(w, "body="+string(b)+" te="+strings.Join(r.TransferEncoding, ","))
	})
	plain := httptest.NewUnstartedServer(h)
	plain.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	plain.Start()
	defer plain.Close()
	secure := httptest.NewTLSServer(h)
	defer secure.Close()
	u := newUpstream()
	pool := x509.NewCertPool()
	pool.AddCert(secure.Certificate())
	u.tlsConfig = &tls.Config{RootCAs: pool}

	do := func(method, url string, body io.Reader) (*http.Response, string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, method, url, body)
		resp, err := u.RoundTrip(req)
		if err != nil {
			return nil, "", err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return resp, string(b), err
	}
	for _, base := range []string{plain.URL, secure.URL} {
		for i := 0; i < 3; i++ {
			resp, body, err := do("POST", base+"/x?q=1", strings.NewReader("abc"))
			if err != nil || resp.StatusCode != 200 || body != "body=abc te=" || resp.Header.Get("X-Method") != "POST" {
				t.Fatalf("%s: %v %v %q", base, err, resp, body)
			}
		}
		// A body of unknown length goes chunked.
		resp, body, err := do("PUT", base+"/x", io.MultiReader(strings.NewReader("a"), strings.NewReader("b")))
		if err != nil || body != "body=ab te=chunked" {
			t.Fatalf("%s chunked upload: %v %v %q", base, err, resp, body)
		}
		resp, body, err = do("HEAD", base+"/x", nil)
		if err != nil || resp.StatusCode != 200 || body != "" || resp.ContentLength != int64(len("body= te=")) {
			t.Fatalf("%s HEAD: %v %v %q", base, err, resp, body)
		}
	}
	// Keep-alive: the POSTs, the PUT and the HEAD share one connection,
	// which HEAD closes; the next request opens a new one, which its 204
	// closes too.
	for i := 0; i < 2; i++ {
		if resp, _, err := do("GET", plain.URL+"/nc", nil); err != nil || resp.StatusCode != 204 {
			t.Fatal(resp, err)
		}
	}
	if n := conns.Load(); n != 3 {
		t.Errorf("%d connections to the plain backend, want 3", n)
	}
	// The context's end ends the exchange.
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", plain.URL+"/slow", nil)
	if _, err := u.RoundTrip(req); !errors.Is(err, context.DeadlineExceeded) {
		var ne net.Error
		if !errors.As(err, &ne) || !ne.Timeout() {
			t.Errorf("slow backend: %v, want a timeout", err)
		}
	}
	if _, err := u.RoundTrip(httptestRequest("ftp://x/")); err == nil {
		t.Error("ftp:// accepted")
	}
}

func httptestRequest(url string) *http.Request {
	r, _ := http.NewRequest("GET", url, nil)
	return r
}

// TestReadHeadValues: the values of a head share one string and one
// backing array; a repeated header must not overwrite its neighbour, a
// backend header replaces the gateway's value, and the scratch space of a
// connection is reused from one head to the next without leaking values.
func TestReadHeadValues(t *testing.T) {
	cases := []struct {
		name, resp string
		prior      http.Header
		want       http.Header
	}{
		{name: "repeated between others",
			resp:  "HTTP/1.1 200 OK\r\nX-A: 1\r\nX-B: b\r\nX-A: 2\r\nDate: d\r\nContent-Length: 0\r\n\r\n",
			prior: http.Header{"X-Amzn-Requestid": {"gw"}},
			want: http.Header{"X-A": {"1", "2"}, "X-B": {"b"}, "X-Amzn-Remapped-Date": {"d"}, "Content-Length": {"0"},
				"X-Amzn-Remapped-Content-Length": {"0"}, "X-Amzn-Requestid": {"gw"}}},
		{name: "backend replaces gateway value",
			resp:  "HTTP/1.1 204 No Content\r\nX-Amzn-Requestid: be\r\nServer: s\r\nConnection: keep-alive\r\n\r\n",
			prior: http.Header{"X-Amzn-Requestid": {"gw"}},
			want:  http.Header{"X-Amzn-Requestid": {"be"}, "X-Amzn-Remapped-Server": {"s"}, "X-Amzn-Remapped-Connection": {"keep-alive"}}},
		{name: "chunked drops lengths",
			resp: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\nX-C:  spaced  \r\n\r\n",
			want: http.Header{"X-C": {"spaced"}}},
		{name: "equal lengths forwarded once",
			resp: "HTTP/1.1 200 OK\r\nContent-Length: 0\r\ncontent-length: 0\r\n\r\n",
			want: http.Header{"Content-Length": {"0"}, "X-Amzn-Remapped-Content-Length": {"0"}}},
	}
	keys := map[string]string{}
	var sc headScratch
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := http.Header{}
			for k, v := range c.prior {
				h[k] = v
			}
			var rh respHead
			if err := readHead(bufio.NewReader(strings.NewReader(c.resp)), "GET", h, keys, &rh, &sc); err != nil {
				t.Fatal(err)
			}
			h["X-A"] = append(h["X-A"], "appended") // must not clobber X-B
			if xa := c.want["X-A"]; xa != nil {
				c.want["X-A"] = append(xa, "appended")
			} else {
				c.want["X-A"] = []string{"appended"}
			}
			if len(h) != len(c.want) {
				t.Fatalf("got %v, want %v", h, c.want)
			}
			for k, v := range c.want {
				if strings.Join(h[k], "|") != strings.Join(v, "|") {
					t.Errorf("%s = %q, want %q", k, h[k], v)
				}
			}
		})
	}
}

// transportResult is what one client made of a response and the request
// after it.
type transportResult struct {
	err    error
	status int
	header http.Header
	body   string
	next   string // the next request's body
	conns  int32
	got    []string // request line and framing fields the backend saw
}

// exchangeTwice sends method with body, then a GET, through rt to a fresh
// backend whose first answer is resp.
func exchangeTwice(t *testing.T, rt http.RoundTripper, method, body, resp string, closeAfter bool) transportResult {
	t.Helper()
	var res transportResult
	var mu sync.Mutex
	var be *scripted
	be = newScripted(t, func(n int, r *http.Request) (string, bool) {
		mu.Lock()
		res.got = append(res.got, fmt.Sprintf("%s %s host=%v cl=%q te=%q close=%v", r.Method, r.RequestURI, r.Host == be.addr(),
			r.Header.Get("Content-Length"), r.TransferEncoding, r.Close))
		mu.Unlock()
		if n == 0 {
			return resp, closeAfter
		}
		return second, false
	})
	do := func(method, body string) (*http.Response, string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		var rd io.Reader
		if body != "" {
			rd = strings.NewReader(body)
		}
		req, _ := http.NewRequestWithContext(ctx, method, "http://"+be.addr()+"/p?q=1", rd)
		resp, err := rt.RoundTrip(req)
		if err != nil {
			return nil, "", err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return resp, string(b), err
	}
	r1, b1, err := do(method, body)
	res.err, res.body = err, b1
	if r1 != nil {
		res.status, res.header = r1.StatusCode, r1.Header.Clone()
		// net/http rewrites these two; gatehouse forwards the backend's.
		delete(res.header, "Connection")
		if _, ok := r1.Header["Pragma"]; ok {
			delete(res.header, "Cache-Control")
		}
	}
	_, res.next, _ = do("GET", "")
	res.conns = be.conns.Load()
	// The backend may still be reading a request a client sent after it
	// gave up on the response; copy what it saw under its lock.
	mu.Lock()
	res.got = append([]string(nil), res.got...)
	out := res
	mu.Unlock()
	return out
}

// TestUpstreamMatchesTransport runs responses, well-formed and not,
// through gatehouse's client and net/http's Transport: gatehouse's answers
// as net/http does (status, fields, body), refuses at least what net/http
// refuses (and, on purpose, a few things it accepts), and never keeps a
// connection that net/http would close. The next request always gets its
// own response from gatehouse's client; net/http's Transport may not (its
// read loop returns a connection to the pool before it looks for bytes
// that follow a response).
func TestUpstreamMatchesTransport(t *testing.T) {
	big := strings.Repeat("b", 20<<10)
	cases := []struct {
		name, method, body, resp string
		closeAfter               bool
		stricter                 bool // gatehouse refuses what net/http accepts
	}{
		{name: "length", method: "GET", resp: "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\nX-A: 1\r\nx-a: 2\r\n\r\nhello"},
		{name: "large body", method: "GET", resp: "HTTP/1.1 200 OK\r\nContent-Length: " + strconv.Itoa(len(big)) + "\r\n\r\n" + big},
		{name: "chunked", method: "GET", resp: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n1;x=y\r\nd\r\n0\r\nX-T: 1\r\n\r\n"},
		{name: "chunked upper case", method: "GET", resp: "HTTP/1.1 200 OK\r\nTransfer-Encoding: CHUNKED\r\n\r\n1\r\na\r\n0\r\n\r\n"},
		{name: "chunked and length", method: "GET", resp: "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n0\r\n\r\n"},
		{name: "post with body", method: "POST", body: "payload", resp: "HTTP/1.1 201 Created\r\nLocation: /x\r\nContent-Length: 0\r\n\r\n"},
		{name: "put empty", method: "PUT", resp: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"},
		{name: "delete 204", method: "DELETE", resp: "HTTP/1.1 204 No Content\r\nX-D: 1\r\n\r\n"},
		{name: "204 with body", method: "GET", resp: "HTTP/1.1 204 No Content\r\n\r\n" + forged},
		{name: "304 with length", method: "GET", resp: "HTTP/1.1 304 Not Modified\r\nETag: \"x\"\r\nContent-Length: 10\r\n\r\n"},
		{name: "head", method: "HEAD", resp: "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n"},
		{name: "head with body", method: "HEAD", resp: "HTTP/1.1 200 OK\r\nContent-Length: 53\r\n\r\n" + forged},
		{name: "extra after length", method: "GET", resp: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok" + forged},
		{name: "close delimited", method: "GET", resp: "HTTP/1.1 200 OK\r\n\r\nall of it", closeAfter: true},
		{name: "1.0", method: "GET", resp: "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok", closeAfter: true},
		{name: "1.0 keep-alive", method: "GET", resp: "HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 2\r\n\r\nok"},
		{name: "connection close", method: "GET", resp: "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok", closeAfter: true},
		{name: "interim responses", method: "GET", resp: "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx"},
		{name: "pragma", method: "GET", resp: "HTTP/1.1 200 OK\r\nPragma: no-cache\r\nContent-Length: 0\r\n\r\n"},
		{name: "equal lengths", method: "GET", resp: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok"},
		{name: "bare LF", method: "GET", resp: "HTTP/1.1 200 OK\nContent-Length: 2\n\nok"},
		{name: "obs-text value", method: "GET", resp: "HTTP/1.1 200 OK\r\nX-L: caf\xe9\r\nContent-Length: 0\r\n\r\n"},
		{name: "truncated body", method: "GET", resp: "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", closeAfter: true},
		{name: "truncated chunk", method: "GET", resp: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n9\r\nshort", closeAfter: true},
		{name: "conflicting lengths", method: "GET", resp: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok"},
		{name: "bad length", method: "GET", resp: "HTTP/1.1 200 OK\r\nContent-Length: 0x10\r\n\r\n"},
		{name: "gzip coding", method: "GET", resp: "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n"},
		{name: "two codings", method: "GET", resp: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"},
		{name: "NUL in value", method: "GET", resp: "HTTP/1.1 200 OK\r\nX: a\x00\r\nContent-Length: 0\r\n\r\n"},
		{name: "malformed status", method: "GET", resp: "HTTP/1.1 2000 OK\r\n\r\n"},
		{name: "not http", method: "GET", resp: "SSH-2.0-OpenSSH\r\n\r\n", closeAfter: true},
		{name: "trailer framing field", method: "GET", resp: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: Content-Length\r\n\r\n0\r\n\r\n"},
		{name: "folded field", method: "GET", resp: "HTTP/1.1 200 OK\r\nX-A: 1\r\n 2\r\nContent-Length: 0\r\n\r\n", stricter: true},
		{name: "space before colon", method: "GET", resp: "HTTP/1.1 200 OK\r\nX-A : 1\r\nContent-Length: 0\r\n\r\n", stricter: true},
		{name: "TE on 1.0", method: "GET", resp: "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 2\r\n\r\nok", closeAfter: true, stricter: true},
		{name: "status 999", method: "GET", resp: "HTTP/1.1 999 Odd\r\nContent-Length: 0\r\n\r\n", stricter: true},
		{name: "huge head", method: "GET", resp: "HTTP/1.1 200 OK\r\n" + strings.Repeat("X-Big: "+strings.Repeat("b", 1000)+"\r\n", 70) + "Content-Length: 0\r\n\r\n", stricter: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			std := exchangeTwice(t, &http.Transport{DisableCompression: true}, c.method, c.body, c.resp, c.closeAfter)
			gh := exchangeTwice(t, newUpstream(), c.method, c.body, c.resp, c.closeAfter)
			if strings.Join(gh.got[:1], "") != strings.Join(std.got[:1], "") {
				t.Errorf("backend saw\ngatehouse %q\nnet/http  %q", gh.got[:1], std.got[:1])
			}
			switch {
			case std.err != nil && gh.err == nil:
				t.Fatalf("gatehouse accepted %d %q, net/http: %v", gh.status, gh.body, std.err)
			case std.err == nil && gh.err != nil && !c.stricter:
				t.Fatalf("gatehouse refused (%v), net/http: %d %q", gh.err, std.status, std.body)
			case std.err == nil && gh.err == nil && c.stricter:
				t.Fatalf("gatehouse accepted, want it refused")
			case gh.err == nil:
				if gh.status != std.status || gh.body != std.body || fmt.Sprintf("%q", gh.header) != fmt.Sprintf("%q", std.header) {
					t.Errorf("gatehouse %d %.300q %.300q\nnet/http  %d %.300q %.300q", gh.status, gh.header, gh.body, std.status, std.header, std.body)
				}
			}
			if gh.next != "second" {
				t.Errorf("the next request through gatehouse got %q", gh.next)
			}
			// --upstream-client=net/http: the Transport with its guard
			// answers as the Transport does, and the next request gets its
			// own response.
			// It refuses what gatehouse's client refuses on purpose.
			gn := exchangeTwice(t, NetHTTPTransport(), c.method, c.body, c.resp, c.closeAfter)
			if !(c.stricter && gn.err != nil) && ((gn.err == nil) != (std.err == nil) || gn.status != std.status || gn.body != std.body ||
				fmt.Sprintf("%q", gn.header) != fmt.Sprintf("%q", std.header)) {
				t.Errorf("guarded net/http %v %d %.300q %.300q\nnet/http         %v %d %.300q %.300q", gn.err, gn.status, gn.header, gn.body, std.err, std.status, std.header, std.body)
			}
			if gn.next != "second" {
				t.Errorf("the next request through guarded net/http got %q", gn.next)
			}
			if std.conns > gh.conns {
				t.Errorf("gatehouse kept a connection net/http closed (%d connections, net/http %d)", gh.conns, std.conns)
			}
		})
	}
}
