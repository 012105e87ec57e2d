package gateway

import (
	"bufio"
	"bytes"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// rawBackend answers each request on a connection with the next canned
// response, verbatim; it counts accepted connections.
func rawBackend(t *testing.T, responses ...string) (addr string, conns *int) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	n := 0
	next := make(chan string, len(responses))
	for _, r := range responses {
		next <- r
	}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			n++
			go func(c net.Conn) {
				defer c.Close()
				br := bufio.NewReader(c)
				for {
					req, err := http.ReadRequest(br)
					if err != nil {
						return
					}
					req.Body.Close()
					resp := <-next
					c.Write([]byte(resp))
					if strings.Contains(resp, "Connection: close") || strings.HasPrefix(resp, "HTTP/1.0") {
						return
					}
				}
			}(c)
		}
	}()
	return ln.Addr().String(), &n
}

func TestUpstreamResponses(t *testing.T) {
	for _, c := range []struct {
		name, method, resp string
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
		{name: "close delimited", method: "GET", resp: "HTTP/1.0 200 OK\r\n\r\nuntil eof", status: 200, body: "until eof"},
		{name: "no content", method: "DELETE", resp: "HTTP/1.1 204 No Content\r\n\r\n", status: 204, reuse: true},
		{name: "head", method: "HEAD", resp: "HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n", status: 200, reuse: true},
		{name: "continue first", method: "GET", resp: "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", status: 200, body: "ok", reuse: true},
		{name: "connection close", method: "GET", resp: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok", status: 200, body: "ok",
			header: map[string]string{"X-Amzn-Remapped-Connection": "close"}},
		{name: "garbage", method: "GET", resp: "SMTP ready\r\n\r\n", bad: true},
		{name: "conflicting lengths", method: "GET", resp: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok", bad: true},
		{name: "folded header", method: "GET", resp: "HTTP/1.1 200 OK\r\nX-A: 1\r\n 2\r\n\r\n", bad: true},
	} {
		t.Run(c.name, func(t *testing.T) {
			addr, conns := rawBackend(t, c.resp, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
			u := newUpstream()
			h := http.Header{}
			var rh respHead
			req := &upRequest{method: c.method, host: addr, uri: "/", header: http.Header{"X-In": {"v\r\nInjected: x"}}}
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
			if err := u.finish(pc, &out, &rh, make([]byte, 8)); err != nil {
				t.Fatal(err)
			}
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
			// A second request reuses the connection only when the first
			// ended cleanly with keep-alive.
			var rh2 respHead
			pc2, err := u.roundTrip(&upRequest{method: "GET", host: addr, uri: "/"}, time.Now().Add(5*time.Second), http.Header{}, &rh2)
			if err != nil {
				t.Fatal(err)
			}
			_ = u.finish(pc2, &out, &rh2, make([]byte, 8))
			if want := map[bool]int{true: 1, false: 2}[c.reuse]; *conns != want {
				t.Errorf("%d connections, want %d", *conns, want)
			}
		})
	}
}

// TestUpstreamStaleConnection: the backend closes a kept-alive connection
// after answering; the next idempotent request is retried on a fresh
// connection, a POST is not.
func TestUpstreamStaleConnection(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func(c net.Conn) {
				defer c.Close()
				if _, err := http.ReadRequest(bufio.NewReader(c)); err == nil {
					c.Write([]byte("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"))
				}
			}(c)
		}
	}()
	u := newUpstream()
	do := func(method string) error {
		var rh respHead
		pc, err := u.roundTrip(&upRequest{method: method, host: ln.Addr().String(), uri: "/"}, time.Now().Add(5*time.Second), http.Header{}, &rh)
		if err != nil {
			return err
		}
		var out bytes.Buffer
		return u.finish(pc, &out, &rh, make([]byte, 64))
	}
	if err := do("GET"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond) // let the backend's close arrive
	if err := do("GET"); err != nil {
		t.Fatalf("idempotent request on a stale connection: %v", err)
	}
	time.Sleep(50 * time.Millisecond)
	if err := do("POST"); err == nil {
		t.Fatal("POST was retried after a stale connection")
	}
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
