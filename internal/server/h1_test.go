package server

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// lockedBuffer is the ErrorLog sink: connections log from their own
// goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

type testFront struct {
	f      *Front
	srv    *http.Server
	ln     net.Listener
	addr   string
	log    *lockedBuffer
	served chan error // Serve's result
	once   sync.Once
}

// startFront serves h on a loopback listener; opts adjust the
// *http.Server before NewFront reads it.
func startFront(t testing.TB, h http.Handler, opts ...func(*http.Server)) *testFront {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	lb := &lockedBuffer{}
	srv := &http.Server{Handler: h, ErrorLog: log.New(lb, "", 0)}
	for _, o := range opts {
		o(srv)
	}
	tf := &testFront{f: NewFront(srv), srv: srv, ln: ln, addr: ln.Addr().String(), log: lb, served: make(chan error, 1)}
	go func() { tf.served <- tf.f.Serve(ln) }()
	t.Cleanup(func() { tf.stop(t) })
	return tf
}

// stop shuts down as a caller should: Shutdown, then close the listener,
// after which Serve must report http.ErrServerClosed.
func (tf *testFront) stop(t testing.TB) {
	tf.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		if err := tf.f.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		_ = tf.ln.Close()
		select {
		case err := <-tf.served:
			if !errors.Is(err, http.ErrServerClosed) {
				t.Errorf("Serve returned %v, want http.ErrServerClosed", err)
			}
		case <-time.After(3 * time.Second):
			t.Errorf("Serve did not return after the listener was closed")
		}
	})
}

// rawClient speaks HTTP/1.1 bytes to a server and parses its answers.
type rawClient struct {
	t  testing.TB
	c  net.Conn
	br *bufio.Reader
}

func dial(t testing.TB, addr string) *rawClient {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	// No test waits this long; a hung server fails instead of hanging.
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	return &rawClient{t: t, c: c, br: bufio.NewReader(c)}
}

func (rc *rawClient) send(s string) {
	rc.t.Helper()
	if _, err := io.WriteString(rc.c, s); err != nil {
		rc.t.Fatalf("write: %v", err)
	}
}

// response reads one final response (skipping 1xx) and its whole body.
func (rc *rawClient) response(method string) (*http.Response, string) {
	rc.t.Helper()
	resp, body, err := readResponse(rc.br, method)
	if err != nil {
		rc.t.Fatalf("reading response: %v", err)
	}
	return resp, body
}

func readResponse(br *bufio.Reader, method string) (*http.Response, string, error) {
	for {
		resp, err := http.ReadResponse(br, &http.Request{Method: method})
		if err != nil {
			return nil, "", err
		}
		if resp.StatusCode >= 100 && resp.StatusCode <= 199 && resp.StatusCode != 101 {
			continue
		}
		b, err := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		return resp, string(b), err
	}
}

// head reads a response head verbatim, through the blank line.
func (rc *rawClient) head() string {
	rc.t.Helper()
	var sb strings.Builder
	for {
		line, err := rc.br.ReadString('\n')
		sb.WriteString(line)
		if err != nil {
			rc.t.Fatalf("reading head %q: %v", sb.String(), err)
		}
		if line == "\r\n" {
			return sb.String()
		}
	}
}

// expectClosed asserts that the server closed the connection without
// sending anything more.
func (rc *rawClient) expectClosed() {
	rc.t.Helper()
	_ = rc.c.SetReadDeadline(time.Now().Add(3 * time.Second))
	b, err := io.ReadAll(rc.br)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		rc.t.Fatalf("connection still open (read %q)", b)
	}
	if len(b) > 0 {
		rc.t.Fatalf("read %q before the close, want nothing", b)
	}
}

func get(path string) string { return "GET " + path + " HTTP/1.1\r\nHost: example.test\r\n\r\n" }

func isFast(w http.ResponseWriter) bool { _, ok := w.(*h1Writer); return ok }

func TestFrontKeepAlive(t *testing.T) {
	var n atomic.Int32
	var remotes sync.Map
	tf := startFront(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		remotes.Store(r.RemoteAddr, true)
		fmt.Fprintf(w, "req %d %s fast=%v", n.Add(1), r.URL.Path, isFast(w))
	}))
	c := dial(t, tf.addr)
	for i := 1; i <= 4; i++ {
		c.send(get("/r" + strconv.Itoa(i)))
		resp, body := c.response("GET")
		want := fmt.Sprintf("req %d /r%d fast=true", i, i)
		if resp.Status != "200 OK" || resp.Proto != "HTTP/1.1" || body != want || resp.ContentLength != int64(len(want)) || resp.Close {
			t.Fatalf("request %d: %s %s close=%v cl=%d body %q, want 200 OK HTTP/1.1 keep-alive %q", i, resp.Proto, resp.Status, resp.Close, resp.ContentLength, body, want)
		}
	}
	count := 0
	remotes.Range(func(k, v any) bool { count++; return true })
	if count != 1 {
		t.Errorf("requests came from %d remote addresses, want 1 connection", count)
	}
}

func TestFrontPipelined(t *testing.T) {
	tf := startFront(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, "%s %s %q", r.Method, r.URL.Path, b)
	}))
	c := dial(t, tf.addr)
	c.send(get("/one") +
		"POST /two HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello" +
		"DELETE /three HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc" +
		"PUT /four HTTP/1.1\r\nHost: x\r\n\r\n")
	for _, want := range []string{`GET /one ""`, `POST /two "hello"`, `DELETE /three "abc"`, `PUT /four ""`} {
		resp, body := c.response("GET")
		if resp.StatusCode != 200 || body != want {
			t.Fatalf("got %d %q, want 200 %q", resp.StatusCode, body, want)
		}
	}
}

// A head that arrives in pieces is still served on the fast path.
func TestFrontSlowHead(t *testing.T) {
	tf := startFront(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "fast=%v %s", isFast(w), r.Header.Get("X-A"))
	}))
	c := dial(t, tf.addr)
	for _, part := range []string{"GET /x HT", "TP/1.1\r\nHost: x\r", "\nX-A: 1\r\n", "\r\n"} {
		c.send(part)
		time.Sleep(5 * time.Millisecond)
	}
	if _, body := c.response("GET"); body != "fast=true 1" {
		t.Fatalf("body %q", body)
	}
}

type seenRequest struct {
	method, host, remote, requestURI, path, rawQuery, proto string
	major, minor                                            int
	contentLength                                           int64
	header                                                  http.Header
	body                                                    string
	srv                                                     any
	local                                                   any
	close                                                   bool
}

func TestFrontRequestFields(t *testing.T) {
	seen := make(chan seenRequest, 1)
	tf := startFront(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			t.Errorf("reading body: %v", err)
		}
		seen <- seenRequest{r.Method, r.Host, r.RemoteAddr, r.RequestURI, r.URL.Path, r.URL.RawQuery, r.Proto, r.ProtoMajor, r.ProtoMinor,
			r.ContentLength, r.Header, string(b), r.Context().Value(http.ServerContextKey), r.Context().Value(http.LocalAddrContextKey), r.Close}
	}))
	c := dial(t, tf.addr)
	c.send("PATCH /a%20b/c?x=1&y=%2F HTTP/1.1\r\n" +
		"host: api.example.test:8080\r\n" +
		"x-amz-date: 20260101T000000Z\r\n" +
		"X-Multi: one\r\n" +
		"content-md5: abc\r\n" +
		"x-multi:two \r\n" +
		"X-MULTI:\t three\t\r\n" +
		"X-Empty:\r\n" +
		"Content-Length: 4\r\n" +
		"\r\nbody")
	resp, _ := c.response("PATCH")
	if resp.StatusCode != 200 {
		t.Fatalf("status %s", resp.Status)
	}
	s := <-seen
	want := seenRequest{method: "PATCH", host: "api.example.test:8080", remote: c.c.LocalAddr().String(), requestURI: "/a%20b/c?x=1&y=%2F",
		path: "/a b/c", rawQuery: "x=1&y=%2F", proto: "HTTP/1.1", major: 1, minor: 1, contentLength: 4, body: "body"}
	got := s
	got.header, got.srv, got.local = nil, nil, nil
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("request\n got %+v\nwant %+v", got, want)
	}
	wantHeader := http.Header{
		"X-Amz-Date":     {"20260101T000000Z"},
		"X-Multi":        {"one", "two", "three"},
		"Content-Md5":    {"abc"},
		"X-Empty":        {""},
		"Content-Length": {"4"},
	}
	if fmt.Sprint(s.header) != fmt.Sprint(wantHeader) {
		t.Errorf("header\n got %v\nwant %v", s.header, wantHeader)
	}
	if _, ok := s.header["Host"]; ok {
		t.Errorf("Host left in r.Header")
	}
	if s.srv != tf.srv {
		t.Errorf("ServerContextKey = %v, want the *http.Server", s.srv)
	}
	if a, ok := s.local.(net.Addr); !ok || a.String() != tf.addr {
		t.Errorf("LocalAddrContextKey = %v, want %s", s.local, tf.addr)
	}
}

func TestFrontBodies(t *testing.T) {
	tf := startFront(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/echo":
			b, err := io.ReadAll(r.Body)
			fmt.Fprintf(w, "%d %v %s", len(b), err, b)
		case "/half":
			b := make([]byte, 3)
			_, _ = io.ReadFull(r.Body, b)
			fmt.Fprintf(w, "read %s", b)
		default: // does not read the body
			fmt.Fprintf(w, "ignored %d", r.ContentLength)
		}
	}))

	t.Run("read", func(t *testing.T) {
		c := dial(t, tf.addr)
		c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\nhello world")
		if _, body := c.response("POST"); body != "11 <nil> hello world" {
			t.Fatalf("body %q", body)
		}
	})

	// Unread (or half-read) small bodies are discarded so that the next
	// request on the connection parses.
	for _, path := range []string{"/ignore", "/half"} {
		t.Run("small unread "+path, func(t *testing.T) {
			c := dial(t, tf.addr)
			body := strings.Repeat("z", 100<<10)
			c.send("POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body)
			resp, got := c.response("POST")
			if resp.Close || resp.StatusCode != 200 {
				t.Fatalf("close=%v status %s", resp.Close, resp.Status)
			}
			if path == "/half" && got != "read zzz" || path == "/ignore" && got != "ignored 102400" {
				t.Fatalf("body %q", got)
			}
			c.send(get("/next"))
			if _, got := c.response("GET"); got != "ignored 0" {
				t.Fatalf("next request: %q", got)
			}
		})
	}

	t.Run("large unread", func(t *testing.T) {
		c := dial(t, tf.addr)
		const n = 300 << 10
		c.send("POST /ignore HTTP/1.1\r\nHost: x\r\nContent-Length: " + strconv.Itoa(n) + "\r\n\r\n")
		// The server may stop reading: write the body alongside.
		go func() { _, _ = c.c.Write(bytes.Repeat([]byte("z"), n)) }()
		resp, body := c.response("POST")
		// ReadResponse turns Connection: close into resp.Close.
		if !resp.Close || body != "ignored 307200" {
			t.Fatalf("close=%v body %q, want Connection: close", resp.Close, body)
		}
		_ = c.c.SetReadDeadline(time.Now().Add(3 * time.Second))
		if _, err := c.br.ReadByte(); err == nil {
			t.Fatalf("connection still open")
		}
	})

	t.Run("truncated", func(t *testing.T) {
		c := dial(t, tf.addr)
		c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc")
		_ = c.c.(*net.TCPConn).CloseWrite()
		resp, body := c.response("POST")
		if body != "3 unexpected EOF abc" {
			t.Fatalf("body %q", body)
		}
		_ = resp
		c.expectClosed()
	})

	t.Run("client close", func(t *testing.T) {
		c := dial(t, tf.addr)
		c.send("GET /x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
		resp, body := c.response("GET")
		if !resp.Close || body != "ignored 0" {
			t.Fatalf("close=%v body %q, want Connection: close", resp.Close, body)
		}
		c.expectClosed()
	})

	t.Run("keep-alive token", func(t *testing.T) {
		c := dial(t, tf.addr)
		c.send("GET /x HTTP/1.1\r\nHost: x\r\nConnection: Keep-Alive\r\n\r\n")
		if resp, _ := c.response("GET"); resp.Close {
			t.Fatalf("closed")
		}
	})
}

// A handler that keeps r.Body must not read the connection after it
// returned: net/http answers http.ErrBodyReadAfterClose.
func TestFrontBodyAfterHandler(t *testing.T) {
	bodies := make(chan io.Reader, 2)
	tf := startFront(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		bodies <- r.Body
		_, _ = io.WriteString(w, "ok")
	}))
	sizes := []int{10, 300 << 10}
	for _, n := range sizes {
		c := dial(t, tf.addr)
		c.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: " + strconv.Itoa(n) + "\r\n\r\n")
		go func() { _, _ = c.c.Write(bytes.Repeat([]byte("q"), n)) }()
		c.response("POST")
	}
	// Shutdown waits for the connections' goroutines: after it, reading
	// the bodies is not a race with them.
	tf.stop(t)
	for _, n := range sizes {
		body := <-bodies
		if _, err := body.Read(make([]byte, 64<<10)); !errors.Is(err, http.ErrBodyReadAfterClose) {
			t.Errorf("body of %d bytes: Read after the handler returned: %v, want ErrBodyReadAfterClose", n, err)
		}
	}
}

// A handler may leave r.Body to another goroutine: http.Transport's write
// loop goes on reading a proxied body after RoundTrip returned when the
// upstream answered early. Those reads must not race with the front
// discarding the rest and reading the next request.
func TestFrontBodyReadConcurrently(t *testing.T) {
	readerDone := make(chan error, 1)
	tf := startFront(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/async" {
			go func() {
				buf := make([]byte, 7)
				for {
					if _, err := r.Body.Read(buf); err != nil {
						readerDone <- err
						return
					}
				}
			}()
		}
		_, _ = io.WriteString(w, r.URL.Path)
	}))
	body := strings.Repeat("b", 1000)
	for i := 0; i < 20; i++ {
		c := dial(t, tf.addr)
		// The client sends its whole request without waiting (as a
		// proxied client does), the second half late enough that the
		// reader blocks for it.
		c.send("POST /async HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n" + body[:500])
		time.Sleep(time.Millisecond)
		c.send(body[500:] + get("/next"))
		if _, got := c.response("POST"); got != "/async" {
			t.Fatalf("got %q", got)
		}
		if _, got := c.response("GET"); got != "/next" {
			t.Fatalf("next request: %q", got)
		}
		select {
		case err := <-readerDone:
			if err != io.EOF && !errors.Is(err, http.ErrBodyReadAfterClose) {
				t.Fatalf("late reader: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("late reader still reading")
		}
	}
}

// framingCase is a handler and what its response must look like on the
// wire.
type framingCase struct {
	name    string
	h       http.HandlerFunc
	status  string
	cl      int64 // resp.ContentLength; -1 with chunked
	chunked bool
	ctype   string // "" means absent
	body    string
}

func TestFrontFraming(t *testing.T) {
	big := strings.Repeat("0123456789abcdef", 320) // 5120 bytes
	cases := []framingCase{
		{name: "small text", h: func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "hello") },
			status: "200 OK", cl: 5, ctype: "text/plain; charset=utf-8", body: "hello"},
		{name: "empty", h: func(w http.ResponseWriter, r *http.Request) {},
			status: "200 OK", cl: 0, body: ""},
		{name: "html sniffed", h: func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "<html><body>x</body></html>") },
			status: "200 OK", cl: 27, ctype: "text/html; charset=utf-8", body: "<html><body>x</body></html>"},
		{name: "exactly 4KB", h: func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, big[:4096]) },
			status: "200 OK", cl: 4096, ctype: "text/plain; charset=utf-8", body: big[:4096]},
		{name: "large one write", h: func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, big) },
			status: "200 OK", cl: -1, chunked: true, ctype: "text/plain; charset=utf-8", body: big},
		{name: "large small writes", h: func(w http.ResponseWriter, r *http.Request) {
			for i := 0; i < len(big); i += 100 {
				_, _ = io.WriteString(w, big[i:min(i+100, len(big))])
			}
		}, status: "200 OK", cl: -1, chunked: true, ctype: "text/plain; charset=utf-8", body: big},
		{name: "declared length", h: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", strconv.Itoa(len(big)))
			for i := 0; i < len(big); i += 1000 {
				_, _ = io.WriteString(w, big[i:min(i+1000, len(big))])
			}
		}, status: "200 OK", cl: int64(len(big)), ctype: "text/plain; charset=utf-8", body: big},
		{name: "declared small", h: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "2")
			_, _ = io.WriteString(w, "hi")
		}, status: "200 OK", cl: 2, ctype: "text/plain; charset=utf-8", body: "hi"},
		{name: "flush", h: func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.WriteString(w, "a")
			w.(http.Flusher).Flush()
			_, _ = io.WriteString(w, "b")
		}, status: "200 OK", cl: -1, chunked: true, ctype: "text/plain; charset=utf-8", body: "ab"},
		{name: "flush first", h: func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(202)
			w.(http.Flusher).Flush()
			_, _ = io.WriteString(w, "later")
		}, status: "202 Accepted", cl: -1, chunked: true, body: "later"},
		{name: "204", h: func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) },
			status: "204 No Content", cl: 0, body: ""},
		{name: "204 with length", h: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "5")
			w.WriteHeader(204)
		}, status: "204 No Content", cl: 0, body: ""},
		{name: "304", h: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Etag", `"x"`)
			w.WriteHeader(304)
		}, status: "304 Not Modified", cl: 0, body: ""},
		{name: "404 body", h: func(w http.ResponseWriter, r *http.Request) { http.Error(w, "nope", 404) },
			status: "404 Not Found", cl: 5, ctype: "text/plain; charset=utf-8", body: "nope\n"},
		{name: "unknown status", h: func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(499) },
			status: "499 status code 499", cl: 0, body: ""},
		{name: "content type set", h: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"a":1}`)
		}, status: "200 OK", cl: 7, ctype: "application/json", body: `{"a":1}`},
		{name: "content type suppressed", h: func(w http.ResponseWriter, r *http.Request) {
			w.Header()["Content-Type"] = nil
			_, _ = io.WriteString(w, "hello")
		}, status: "200 OK", cl: 5, body: "hello"},
		{name: "content encoding not sniffed", h: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Encoding", "gzip")
			_, _ = w.Write(gzipped("hello"))
		}, status: "200 OK", cl: int64(len(gzipped("hello"))), body: string(gzipped("hello"))},
		{name: "sniff spans writes", h: func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.WriteString(w, "%PD")
			_, _ = io.WriteString(w, "F-1.4\n"+big)
		}, status: "200 OK", cl: -1, chunked: true, ctype: "application/pdf", body: "%PDF-1.4\n" + big},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tf := startFront(t, tc.h)
			c := dial(t, tf.addr)
			for i := 0; i < 2; i++ { // twice: the framing must leave the connection in step
				c.send(get("/"))
				resp, body := c.response("GET")
				checkFraming(t, tc, resp, body)
			}
		})
	}
}

func checkFraming(t *testing.T, tc framingCase, resp *http.Response, body string) {
	t.Helper()
	if resp.Status != tc.status {
		t.Errorf("status %q, want %q", resp.Status, tc.status)
	}
	if resp.ContentLength != tc.cl && !(tc.chunked && resp.ContentLength == -1) {
		t.Errorf("ContentLength %d, want %d", resp.ContentLength, tc.cl)
	}
	if te := resp.TransferEncoding; tc.chunked != slices.Equal(te, []string{"chunked"}) || !tc.chunked && te != nil {
		t.Errorf("Transfer-Encoding %q, chunked want %v", te, tc.chunked)
	}
	_, hasCL := resp.Header["Content-Length"]
	if noBody := resp.StatusCode == 204 || resp.StatusCode == 304; hasCL && (tc.chunked || noBody) {
		t.Errorf("Content-Length header %q with chunked=%v status %d", resp.Header["Content-Length"], tc.chunked, resp.StatusCode)
	}
	if ct, ok := resp.Header["Content-Type"]; tc.ctype == "" && ok || tc.ctype != "" && (len(ct) != 1 || ct[0] != tc.ctype) {
		t.Errorf("Content-Type %q, want %q", ct, tc.ctype)
	}
	if d, err := http.ParseTime(resp.Header.Get("Date")); err != nil || time.Since(d) > time.Minute {
		t.Errorf("Date %q: %v", resp.Header.Get("Date"), err)
	}
	if body != tc.body {
		t.Errorf("body %d bytes %.40q, want %d bytes %.40q", len(body), body, len(tc.body), tc.body)
	}
	if resp.Close {
		t.Errorf("connection closes")
	}
}

func gzipped(s string) []byte {
	var b bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&b, gzip.BestSpeed)
	_, _ = io.WriteString(zw, s)
	_ = zw.Close()
	return b.Bytes()
}

// TestFrontRawHeads compares response heads byte for byte (as sorted
// lines, without Date) with net/http's.
func TestFrontRawHeads(t *testing.T) {
	cases := []struct {
		name string
		h    http.HandlerFunc
	}{
		{"crlf in value", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Evil", "a\r\nSet-Cookie: x=1")
			w.Header().Set("X-Trail", " b\r\n")
			w.Header().Set("X-Lead", "\r\n\tc d ")
			w.Header()["Bad Name"] = []string{"v"}
			w.Header()["X-Multi"] = []string{"1", "2"}
			_, _ = io.WriteString(w, "ok")
		}},
		{"handler connection close", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Connection", "close")
			_, _ = io.WriteString(w, "bye")
		}},
		{"304 drops content type", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.Header().Set("Etag", `"1"`)
			w.WriteHeader(304)
		}},
		{"204 drops length", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "0")
			w.WriteHeader(204)
		}},
		{"early hints", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Link", "</a.css>; rel=preload")
			w.WriteHeader(103)
			w.Header().Set("Content-Type", "text/css")
			_, _ = io.WriteString(w, "x{}")
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var fastSeen atomic.Bool
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if isFast(w) {
					fastSeen.Store(true)
				}
				tc.h(w, r)
			})
			tf := startFront(t, h)
			std := httptest.NewServer(h)
			defer std.Close()
			var heads [2]string
			for i, addr := range []string{tf.addr, std.Listener.Addr().String()} {
				c := dial(t, addr)
				c.send(get("/"))
				heads[i] = c.head()
				if strings.HasPrefix(heads[i], "HTTP/1.1 103") {
					heads[i] += c.head()
				}
			}
			if !fastSeen.Load() {
				t.Fatalf("not served on the fast path")
			}
			if a, b := headLines(heads[0]), headLines(heads[1]); a != b {
				t.Errorf("front head:\n%s\nnet/http head:\n%s", a, b)
			}
		})
	}
}

// headLines sorts each head's header lines (net/http sorts; the front
// does not) and drops Date.
func headLines(s string) string {
	var out []string
	for _, part := range strings.SplitAfter(s, "\r\n\r\n") {
		if part == "" {
			continue
		}
		lines := strings.Split(strings.TrimSuffix(part, "\r\n\r\n"), "\r\n")
		hdr := slices.DeleteFunc(lines[1:], func(l string) bool { return strings.HasPrefix(l, "Date: ") })
		sort.Strings(hdr)
		out = append(out, lines[0]+"\n  "+strings.Join(hdr, "\n  "))
	}
	return strings.Join(out, "\n")
}

func TestFrontWriterErrors(t *testing.T) {
	errs := make(chan []error, 4)
	late := make(chan http.ResponseWriter, 1)
	tf := startFront(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var got []error
		switch r.URL.Path {
		case "/exact":
			w.Header().Set("Content-Length", "3")
			_, err1 := io.WriteString(w, "ab")
			_, err2 := io.WriteString(w, "cd")
			_, err3 := io.WriteString(w, "c")
			got = []error{err1, err2, err3}
		case "/over":
			w.Header().Set("Content-Length", "3")
			_, err1 := io.WriteString(w, "ab")
			_, err2 := io.WriteString(w, "cd")
			got = []error{err1, err2}
		case "/204":
			w.WriteHeader(204)
			_, err := io.WriteString(w, "x")
			got = []error{err}
		case "/304":
			w.WriteHeader(304)
			_, err := io.WriteString(w, "x")
			got = []error{err}
		case "/late":
			late <- w
		}
		errs <- got
	}))

	// As net/http, a rejected write still counts: the next one fails too.
	c := dial(t, tf.addr)
	c.send(get("/exact"))
	resp, err := http.ReadResponse(c.br, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(resp.Body)
	if resp.ContentLength != 3 || string(b) != "ab" || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("got length %d body %q err %v, want 3 ab unexpected EOF", resp.ContentLength, b, err)
	}
	if got := <-errs; got[0] != nil || !errors.Is(got[1], http.ErrContentLength) || !errors.Is(got[2], http.ErrContentLength) {
		t.Errorf("errors %v, want [nil ErrContentLength ErrContentLength]", got)
	}

	// Two of three declared bytes went out: the connection cannot be
	// reused, though the handler tried to write more than declared.
	c = dial(t, tf.addr)
	c.send(get("/over") + get("/none"))
	resp, err = http.ReadResponse(c.br, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err = io.ReadAll(resp.Body)
	if string(b) != "ab" || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("got body %q err %v, want ab then the connection closed", b, err)
	}
	if got := <-errs; len(got) != 2 || got[0] != nil || !errors.Is(got[1], http.ErrContentLength) {
		t.Errorf("errors %v, want [nil ErrContentLength]", got)
	}

	c = dial(t, tf.addr)
	for _, p := range []string{"/204", "/304"} {
		c.send(get(p))
		c.response("GET")
		if got := <-errs; !errors.Is(got[0], http.ErrBodyNotAllowed) {
			t.Errorf("%s: Write error %v, want ErrBodyNotAllowed", p, got[0])
		}
	}
	c.send(get("/late"))
	c.response("GET")
	<-errs
	w := <-late
	if n, err := io.WriteString(w, "x"); n != 0 || err == nil {
		t.Errorf("Write after the handler returned: %d, %v", n, err)
	}
	w.WriteHeader(500) // no effect, no panic
	w.(http.Flusher).Flush()
	c.send(get("/none"))
	if resp, body := c.response("GET"); resp.StatusCode != 200 || body != "" {
		t.Errorf("next response %s %q", resp.Status, body)
	}
	<-errs
}

// A handler that writes fewer bytes than it declared leaves the client
// waiting for the rest: the connection must close.
func TestFrontShortDeclaredBody(t *testing.T) {
	tf := startFront(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "10")
		_, _ = io.WriteString(w, "12345")
	}))
	c := dial(t, tf.addr)
	c.send(get("/"))
	resp, err := http.ReadResponse(c.br, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(resp.Body)
	if resp.ContentLength != 10 || string(b) != "12345" || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("length %d body %q err %v, want 10, 12345, unexpected EOF", resp.ContentLength, b, err)
	}
}

// echo reports what the handler saw and how it was served.
func echo(w http.ResponseWriter, r *http.Request) {
	b, err := io.ReadAll(r.Body)
	w.Header().Set("X-Fast", strconv.FormatBool(isFast(w)))
	keys := make([]string, 0, len(r.Header))
	for k := range r.Header {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	fmt.Fprintf(w, "%s %s %s host=%s cl=%d body=%q err=%v close=%v\n", r.Method, r.RequestURI, r.Proto, r.Host, r.ContentLength, b, err, r.Close)
	for _, k := range keys {
		v := strings.Join(r.Header[k], ",")
		if len(v) > 64 {
			v = fmt.Sprintf("%d bytes", len(v))
		}
		fmt.Fprintf(w, "%s: %s\n", k, v)
	}
}

// Requests the fast path does not serve go to net/http with the bytes
// already read, and get exactly net/http's answer.
func TestFrontHandoff(t *testing.T) {
	tf := startFront(t, http.HandlerFunc(echo))
	std := httptest.NewServer(http.HandlerFunc(echo))
	defer std.Close()
	bigHead := "GET /big HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("b", 17<<10) + "\r\n\r\n"
	cases := []struct {
		name, req, method string
		status            int
		bodyHas           string
	}{
		{"chunked body", "POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", "POST", 200, `body="hello world"`},
		{"expect continue", "PUT /e HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\ndata", "PUT", 200, `body="data"`},
		{"head", "HEAD /h HTTP/1.1\r\nHost: x\r\n\r\n", "HEAD", 200, ""},
		{"http/1.0 no host", "GET /old HTTP/1.0\r\n\r\n", "GET", 200, "host= "},
		{"bad header line", "GET / HTTP/1.1\r\nHost: x\r\nBad Header: x\r\n\r\n", "GET", 400, "400 Bad Request"},
		{"space before colon", "GET / HTTP/1.1\r\nHost: x\r\nX-A : x\r\n\r\n", "GET", 400, "400 Bad Request"},
		{"obs-fold", "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n", "GET", 200, "X-A: a b"},
		{"head over 16KB", bigHead, "GET", 200, "X-Big: 17408 bytes"},
		{"two hosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", "GET", 400, "400 Bad Request"},
		{"no host", "GET / HTTP/1.1\r\nX-A: 1\r\n\r\n", "GET", 400, "missing required Host header"},
		{"odd host", "GET / HTTP/1.1\r\nHost: a!b~\r\n\r\n", "GET", 200, "host=a!b~"},
		{"bad host", "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", "GET", 400, "malformed Host header"},
		{"absolute form", "GET http://abs.test/p?q=1 HTTP/1.1\r\nHost: other\r\n\r\n", "GET", 200, "GET http://abs.test/p?q=1 HTTP/1.1 host=abs.test"},
		{"asterisk", "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n", "OPTIONS", 200, ""},
		{"extension method", "PROPFIND /d HTTP/1.1\r\nHost: x\r\n\r\n", "PROPFIND", 200, "PROPFIND /d"},
		{"pragma", "GET / HTTP/1.1\r\nHost: x\r\nPragma: no-cache\r\n\r\n", "GET", 200, "Cache-Control: no-cache"},
		{"connection upgrade", "GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n", "GET", 200, "Upgrade: websocket"},
		{"two lengths", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nab", "POST", 200, `body="ab"`},
		{"conflicting lengths", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nabc", "POST", 400, "400 Bad Request"},
		{"bad length", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", "POST", 400, "400 Bad Request"},
		{"fragment", "GET /a#b HTTP/1.1\r\nHost: x\r\n\r\n", "GET", 200, "GET /a#b"},
		{"bad escape", "GET /%zz HTTP/1.1\r\nHost: x\r\n\r\n", "GET", 400, "400 Bad Request"},
		{"lf only", "GET / HTTP/1.1\nHost: x\n\n", "GET", 200, "GET / HTTP/1.1 host=x"},
		{"http/2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "PRI", 200, "PRI * HTTP/2.0"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var got [2]*http.Response
			var bodies [2]string
			for i, addr := range []string{tf.addr, std.Listener.Addr().String()} {
				c := dial(t, addr)
				c.send(tc.req)
				got[i], bodies[i] = c.response(tc.method)
			}
			compareResponses(t, got[0], bodies[0], got[1], bodies[1])
			if got[0].StatusCode != tc.status || !strings.Contains(bodies[0], tc.bodyHas) {
				t.Errorf("got %s %q, want %d containing %q", got[0].Status, bodies[0], tc.status, tc.bodyHas)
			}
			if v := got[0].Header.Get("X-Fast"); v == "true" {
				t.Errorf("served on the fast path")
			}
		})
	}
}

// After a handoff net/http owns the connection: it serves the request
// whose bytes the front had read and every later one, including
// pipelined ones already in the front's buffer.
func TestFrontHandoffMidConnection(t *testing.T) {
	tf := startFront(t, http.HandlerFunc(echo))
	c := dial(t, tf.addr)
	c.send(get("/1"))
	if resp, body := c.response("GET"); resp.Header.Get("X-Fast") != "true" || !strings.HasPrefix(body, "GET /1 ") {
		t.Fatalf("first: fast=%s %q", resp.Header.Get("X-Fast"), body)
	}
	c.send(get("/2") + "POST /3 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n" + get("/4"))
	for _, want := range []struct{ fast, prefix string }{{"true", "GET /2 "}, {"false", `POST /3 HTTP/1.1 host=x cl=-1 body="abc"`}, {"false", "GET /4 "}} {
		resp, body := c.response("GET")
		if resp.Header.Get("X-Fast") != want.fast || !strings.HasPrefix(body, want.prefix) {
			t.Fatalf("got fast=%s %q, want fast=%s %q", resp.Header.Get("X-Fast"), body, want.fast, want.prefix)
		}
	}
}

// compareResponses asserts that two responses agree on everything but
// Date.
func compareResponses(t *testing.T, a *http.Response, bodyA string, b *http.Response, bodyB string) {
	t.Helper()
	if a.Status != b.Status || a.Proto != b.Proto {
		t.Errorf("status: front %s %s, net/http %s %s", a.Proto, a.Status, b.Proto, b.Status)
	}
	if bodyA != bodyB {
		t.Errorf("body:\nfront    %q\nnet/http %q", bodyA, bodyB)
	}
	ha, hb := a.Header.Clone(), b.Header.Clone()
	// net/http's own 400s have no Date; whatever it sends, the front must.
	if (ha.Get("Date") == "") != (hb.Get("Date") == "") {
		t.Errorf("Date: front %q, net/http %q", ha.Get("Date"), hb.Get("Date"))
	}
	for _, h := range []http.Header{ha, hb} {
		h.Del("Date")
		h.Del("X-Fast")
	}
	if fmt.Sprint(ha) != fmt.Sprint(hb) {
		t.Errorf("header:\nfront    %v\nnet/http %v", ha, hb)
	}
	if a.ContentLength != b.ContentLength || !slices.Equal(a.TransferEncoding, b.TransferEncoding) || a.Close != b.Close {
		t.Errorf("framing: front length %d TE %q close %v, net/http length %d TE %q close %v",
			a.ContentLength, a.TransferEncoding, a.Close, b.ContentLength, b.TransferEncoding, b.Close)
	}
}

// The front answers what net/http answers, as seen by net/http's client.
// Bodies between 2 KB and 4 KB are left out on purpose: net/http chunks
// past its 2 KB buffer, the front sizes bodies up to 4 KB.
func TestFrontEquivalence(t *testing.T) {
	big := strings.Repeat("x", 10<<10)
	cases := []struct {
		name   string
		method string
		body   string
		h      http.HandlerFunc
	}{
		{"plain text", "GET", "", func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "hello, world") }},
		{"json", "POST", `{"q":1}`, func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("X-Request-Id", "r-1")
			fmt.Fprintf(w, `{"got":%s}`, b)
		}},
		{"empty", "DELETE", "", func(w http.ResponseWriter, r *http.Request) {}},
		{"404 with body", "GET", "", func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) }},
		{"explicit length", "PUT", "abc", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "6")
			w.WriteHeader(201)
			_, _ = io.WriteString(w, "cre")
			_, _ = io.WriteString(w, "ted")
		}},
		{"204", "OPTIONS", "", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Allow", "GET, PUT")
			w.WriteHeader(204)
		}},
		{"304", "GET", "", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(304)
		}},
		{"large body", "GET", "", func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, big) }},
		{"large in pieces", "GET", "", func(w http.ResponseWriter, r *http.Request) {
			for i := 0; i < len(big); i += 700 {
				_, _ = io.WriteString(w, big[i:min(i+700, len(big))])
			}
		}},
		{"flush mid-way", "PATCH", "x", func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.WriteString(w, "first;")
			w.(http.Flusher).Flush()
			_, _ = io.WriteString(w, "second")
		}},
		{"gzip", "GET", "", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Encoding", "gzip")
			_, _ = w.Write(gzipped("compressed"))
		}},
		{"handler closes", "GET", "", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Connection", "close")
			_, _ = io.WriteString(w, "bye")
		}},
		{"sniff after small first write", "GET", "", func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.WriteString(w, "<!DOC")
			_, _ = io.WriteString(w, "TYPE html><html>"+big)
		}},
		{"early hints", "GET", "", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Link", "</s.css>; rel=preload")
			w.WriteHeader(http.StatusEarlyHints)
			_, _ = io.WriteString(w, "final")
		}},
		{"header changed after WriteHeader", "GET", "", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Before", "1")
			w.WriteHeader(200)
			w.Header().Set("X-After", "1")
			_, _ = io.WriteString(w, "x")
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var fast atomic.Bool
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				fast.Store(isFast(w))
				tc.h(w, r)
			})
			tf := startFront(t, h)
			std := httptest.NewServer(h)
			defer std.Close()
			var resps [2]*http.Response
			var bodies [2]string
			for i, base := range []string{"http://" + tf.addr, std.URL} {
				client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
				defer client.CloseIdleConnections()
				var body io.Reader
				if tc.body != "" {
					body = strings.NewReader(tc.body)
				}
				req, _ := http.NewRequest(tc.method, base+"/path?q=1", body)
				resp, err := client.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				b, err := io.ReadAll(resp.Body)
				_ = resp.Body.Close()
				if err != nil {
					t.Fatal(err)
				}
				resps[i], bodies[i] = resp, string(b)
				if i == 0 && !fast.Load() {
					t.Fatalf("front did not serve it on the fast path")
				}
			}
			compareResponses(t, resps[0], bodies[0], resps[1], bodies[1])
		})
	}
}

func TestFrontPanic(t *testing.T) {
	tf := startFront(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/panic":
			_, _ = io.WriteString(w, "partial")
			panic("boom")
		case "/abort":
			panic(http.ErrAbortHandler)
		case "/late-panic":
			w.Header().Set("Content-Length", "100")
			_, _ = io.WriteString(w, "partial")
			w.(http.Flusher).Flush()
			panic("late")
		}
		_, _ = io.WriteString(w, "ok")
	}))
	for _, tc := range []struct{ path, logged string }{{"/panic", "boom"}, {"/abort", ""}, {"/late-panic", "late"}} {
		before := tf.log.String()
		c := dial(t, tf.addr)
		c.send(get("/ok"))
		c.response("GET")
		c.send(get(tc.path))
		if resp, body, err := readResponse(c.br, "GET"); err == nil {
			t.Errorf("%s: got %s %q, want the connection closed", tc.path, resp.Status, body)
		}
		logged := strings.TrimPrefix(tf.log.String(), before)
		if tc.logged == "" && logged != "" {
			t.Errorf("%s: logged %q", tc.path, logged)
		}
		if tc.logged != "" && (!strings.Contains(logged, "http: panic serving 127.0.0.1:") || !strings.Contains(logged, tc.logged) || !strings.Contains(logged, "goroutine ")) {
			t.Errorf("%s: logged %q, want the panic with a stack", tc.path, logged)
		}
		c2 := dial(t, tf.addr)
		c2.send(get("/ok"))
		if _, body := c2.response("GET"); body != "ok" {
			t.Fatalf("after a panic: %q", body)
		}
	}
}

func TestFrontShutdownIdle(t *testing.T) {
	tf := startFront(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "ok") }))
	c := dial(t, tf.addr)
	c.send(get("/"))
	c.response("GET")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	start := time.Now()
	if err := tf.f.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("Shutdown took %v with only an idle connection", d)
	}
	c.expectClosed()
	// Shutdown closed the listener.
	if c2, err := net.Dial("tcp", tf.addr); err == nil {
		c2.Close()
		t.Fatal("the listener still accepts after Shutdown")
	}
	select {
	case err := <-tf.served:
		if !errors.Is(err, http.ErrServerClosed) {
			t.Fatalf("Serve: %v, want ErrServerClosed", err)
		}
		tf.served <- err // for the cleanup
	case <-time.After(3 * time.Second):
		t.Fatal("Serve did not return")
	}
}

// blocking returns a handler that blocks on /block until release is
// closed (at the latest by the test's cleanup, which runs before the
// front's).
func blocking(t *testing.T) (h http.HandlerFunc, entered chan struct{}, release func()) {
	entered = make(chan struct{}, 8)
	ch := make(chan struct{})
	var once sync.Once
	release = func() { once.Do(func() { close(ch) }) }
	h = func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/block" {
			entered <- struct{}{}
			<-ch
		}
		_, _ = io.WriteString(w, "done")
	}
	return h, entered, release
}

func TestFrontShutdownInFlight(t *testing.T) {
	for _, tc := range []struct{ name, req string }{
		{"fast path", get("/block")},
		{"handed off", "POST /block HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, entered, release := blocking(t)
			tf := startFront(t, h)
			t.Cleanup(release)
			c := dial(t, tf.addr)
			c.send(tc.req)
			<-entered
			done := make(chan error, 1)
			go func() {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				done <- tf.f.Shutdown(ctx)
			}()
			select {
			case err := <-done:
				t.Fatalf("Shutdown returned %v with a request in flight", err)
			case <-time.After(50 * time.Millisecond):
			}
			release()
			resp, body := c.response("GET")
			if body != "done" || !resp.Close {
				t.Errorf("in-flight response %q close=%v, want done with Connection: close", body, resp.Close)
			}
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("Shutdown: %v", err)
				}
			case <-time.After(3 * time.Second):
				t.Fatal("Shutdown did not return after the request finished")
			}
			c.expectClosed()
		})
	}
}

func TestFrontShutdownForced(t *testing.T) {
	for _, tc := range []struct {
		name string
		ctx  func() (context.Context, context.CancelFunc)
		want error
	}{
		{"cancelled", func() (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			return ctx, cancel
		}, context.Canceled},
		{"deadline", func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 100*time.Millisecond)
		}, context.DeadlineExceeded},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, entered, release := blocking(t)
			tf := startFront(t, h)
			t.Cleanup(release)
			c := dial(t, tf.addr)
			c.send(get("/block"))
			<-entered
			ctx, cancel := tc.ctx()
			defer cancel()
			done := make(chan error, 1)
			go func() { done <- tf.f.Shutdown(ctx) }()
			select {
			case err := <-done:
				if !errors.Is(err, tc.want) {
					t.Errorf("Shutdown: %v, want %v", err, tc.want)
				}
			case <-time.After(3 * time.Second):
				t.Fatal("Shutdown did not return when its context ended")
			}
			c.expectClosed()
		})
	}
}

func TestFrontReadHeaderTimeout(t *testing.T) {
	const timeout = 300 * time.Millisecond
	tf := startFront(t, http.HandlerFunc(echo), func(s *http.Server) { s.ReadHeaderTimeout = timeout })
	for _, tc := range []struct{ name, first string }{
		{"first request", ""},
		{"after a request", get("/")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := dial(t, tf.addr)
			if tc.first != "" {
				c.send(tc.first)
				c.response("GET")
			}
			start := time.Now()
			c.send("GET /slow HTTP/1.1\r\nHost: x\r\n")
			c.expectClosed()
			// net/http must not get the stalled head and wait a second
			// ReadHeaderTimeout.
			if d := time.Since(start); d < timeout-50*time.Millisecond || d > timeout*3/2+100*time.Millisecond {
				t.Errorf("closed after %v, want about %v", d, timeout)
			}
		})
	}
}

// TestFrontHeadDeadline: the first request's head must be complete
// ReadHeaderTimeout after the accept, as net/http's: a connection that
// sends nothing, sends its head a byte at a time after a silence, or
// sends a head so large that net/http takes it over half-way, is closed
// then, not after the idle timeout nor a second ReadHeaderTimeout.
func TestFrontHeadDeadline(t *testing.T) {
	const timeout = 800 * time.Millisecond
	tf := startFront(t, http.HandlerFunc(echo), func(s *http.Server) { s.ReadHeaderTimeout = timeout })
	for _, tc := range []struct {
		name string
		send func(c *rawClient)
	}{
		{"silent", func(c *rawClient) {}},
		{"trickle after a silence", func(c *rawClient) {
			time.Sleep(timeout / 2)
			for _, b := range []byte("GET / HTTP/1.1\r\nHost: x\r\n") {
				if _, err := c.c.Write([]byte{b}); err != nil {
					return // closed
				}
				time.Sleep(timeout / 16)
			}
		}},
		{"handed to net/http half-way", func(c *rawClient) {
			c.send("GET / HTTP/1.1\r\nHost: x\r\n")
			time.Sleep(timeout * 6 / 10)
			c.send("X-Big: " + strings.Repeat("b", readBufSize))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			c := dial(t, tf.addr)
			tc.send(c)
			c.expectClosed()
			if d := time.Since(start); d < timeout-50*time.Millisecond || d > timeout*13/10 {
				t.Errorf("closed after %v, want about %v after the accept", d, timeout)
			}
		})
	}
}

func TestFrontIdleTimeout(t *testing.T) {
	const idle = 200 * time.Millisecond
	tf := startFront(t, http.HandlerFunc(echo), func(s *http.Server) { s.IdleTimeout = idle })
	t.Run("closes idle", func(t *testing.T) {
		c := dial(t, tf.addr)
		c.send(get("/"))
		c.response("GET")
		start := time.Now()
		c.expectClosed()
		if d := time.Since(start); d > idle+500*time.Millisecond {
			t.Errorf("closed after %v, want about %v", d, idle)
		}
	})
	// The idle timeout runs from (about: the deadline is refreshed once
	// half of it has passed) the end of the last request, not from the
	// first.
	t.Run("busy connection stays", func(t *testing.T) {
		c := dial(t, tf.addr)
		for i := 0; i < 7; i++ {
			c.send(get("/"))
			if resp, _, err := readResponse(c.br, "GET"); err != nil || resp.StatusCode != 200 {
				t.Fatalf("request %d on a connection never idle for %v: %v", i, idle, err)
			}
			time.Sleep(idle / 4)
		}
	})
	// A body that takes longer than the idle timeout to arrive is a
	// request in progress, as with net/http (no ReadTimeout).
	t.Run("slow body", func(t *testing.T) {
		c := dial(t, tf.addr)
		c.send("POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\n\r\n")
		for _, part := range []string{"ab", "cd", "ef"} {
			time.Sleep(idle * 2 / 3)
			c.send(part)
		}
		if _, body := c.response("POST"); !strings.Contains(body, `body="abcdef" err=<nil>`) {
			t.Fatalf("body %q", body)
		}
	})
}

// newParseConn is the h1Conn serve() builds, without a connection.
func newParseConn() *h1Conn {
	hc := &h1Conn{remote: "192.0.2.1:1234", keys: make(map[string]string, 16)}
	hc.proto = new(http.Request).WithContext(context.Background())
	return hc
}

// parseSeeds are also committed under testdata/fuzz/FuzzH1Parse.
var parseSeeds = []string{
	"GET /restapis/abc/prod/_user_request_/pets?limit=10 HTTP/1.1\r\nHost: abc.execute-api.localhost:4566\r\nUser-Agent: aws-sdk-go-v2/1.30.0\r\nX-Amz-Date: 20260101T000000Z\r\nAuthorization: AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/execute-api/aws4_request, SignedHeaders=host;x-amz-date, Signature=0123\r\n\r\n",
	"POST /x?a=%2F HTTP/1.1\r\nhost: [::1]:8080\r\ncontent-length: 007\r\nconnection: CLOSE\r\n\r\n",
	"PUT /a HTTP/1.1\r\nHost: x\r\nX-A: 1\r\nx-a: 2\r\nX-A:\t 3 \t\r\nX-Empty:\r\n\r\n",
	"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\nX-B: \x7f\r\n\r\n",
	"GET / HTTP/1.1\nHost: x\n\n",
	"GET / HTTP/1.1\r\nHost: x\nX-Injected: 1\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: x\r\nX-A : 1\r\n\r\n",
	"GET http://a/b HTTP/1.1\r\nHost: x\r\n\r\n",
	"GET /\xff\xfe?q=\x80 HTTP/1.1\r\nHost: x\r\nX-Utf8: h\xc3\xa9llo\r\n\r\n",
	"OPTIONS //double/slash HTTP/1.1\r\nHost: a_b-c.d\r\nContent-Length: 0\r\n\r\n",
	"DELETE /x HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n",
}

// FuzzH1Parse checks that the fast path never accepts a head net/http
// would reject, nor reads one differently.
func FuzzH1Parse(f *testing.F) {
	for _, s := range parseSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		i := bytes.Index(data, crlfcrlf)
		if i < 0 || i+len(crlfcrlf) > readBufSize {
			return // serve() never calls parse with it
		}
		head := data[:i+len(crlfcrlf)]
		hc := newParseConn()
		r, ok := hc.parse(head)
		if !ok {
			return
		}
		checkParsed(t, head, r)
		// Again, with the connection's header names cached.
		r2, ok := hc.parse(head)
		if !ok {
			t.Fatalf("second parse refused %q", head)
		}
		if fmt.Sprint(r2.Method, r2.RequestURI, r2.Host, r2.Header, r2.ContentLength, r2.Close) != fmt.Sprint(r.Method, r.RequestURI, r.Host, r.Header, r.ContentLength, r.Close) {
			t.Fatalf("second parse differs for %q", head)
		}
	})
}

func checkParsed(t *testing.T, head []byte, r *http.Request) {
	t.Helper()
	if r.Method == "" || r.URL == nil || r.Host == "" || r.ContentLength < 0 {
		t.Fatalf("parsed %q: method %q url %v host %q length %d", head, r.Method, r.URL, r.Host, r.ContentLength)
	}
	if _, ok := r.Header["Host"]; ok {
		t.Fatalf("parsed %q: Host in Header", head)
	}
	if b, ok := r.Body.(*h1Body); ok != (r.ContentLength > 0) || ok && b.n != r.ContentLength || !ok && r.Body != http.NoBody {
		t.Fatalf("parsed %q: body %T for length %d", head, r.Body, r.ContentLength)
	}
	std, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(head)))
	if err != nil {
		t.Fatalf("fast path accepted %q, net/http: %v", head, err)
	}
	if std.Method != r.Method || std.RequestURI != r.RequestURI || std.Host != r.Host || std.Proto != r.Proto ||
		std.URL.String() != r.URL.String() || std.ContentLength != r.ContentLength || std.Close != r.Close {
		t.Fatalf("%q:\nfast     %s %s %s host=%q url=%s length=%d close=%v\nnet/http %s %s %s host=%q url=%s length=%d close=%v", head,
			r.Method, r.RequestURI, r.Proto, r.Host, r.URL, r.ContentLength, r.Close,
			std.Method, std.RequestURI, std.Proto, std.Host, std.URL, std.ContentLength, std.Close)
	}
	// The server (not ReadRequest) rejects more than one Host; ReadRequest
	// drops the header, so count them from the raw header.
	tp := textproto.NewReader(bufio.NewReader(bytes.NewReader(head)))
	_, _ = tp.ReadLine()
	if mh, err := tp.ReadMIMEHeader(); err != nil || len(mh["Host"]) != 1 {
		t.Fatalf("fast path accepted %q with Host %q (%v)", head, mh["Host"], err)
	}
	delete(std.Header, "Host")
	if fmt.Sprintf("%q", r.Header) != fmt.Sprintf("%q", std.Header) {
		t.Fatalf("%q: header\nfast     %q\nnet/http %q", head, r.Header, std.Header)
	}
}

// The seeds through a real net/http server: whatever the fast path
// accepts, the server accepts too and hands its handler the same request.
func TestParseMatchesServer(t *testing.T) {
	std := httptest.NewServer(http.HandlerFunc(echo))
	defer std.Close()
	heads := append(slices.Clone(parseSeeds),
		"GET / HTTP/1.1\r\nHost: a.b.c:1\r\nX-Q: \"quoted\" 'x' \x80\xff\r\n\r\n",
		"PATCH /p?%zz HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET /?a=b#c HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: x:\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: [\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 000000000000000\r\n\r\n",
	)
	for _, h := range heads {
		r, ok := newParseConn().parse([]byte(h))
		if !ok {
			continue
		}
		c := dial(t, std.Listener.Addr().String())
		// Bodies are not part of the head: send zeros for them.
		c.send(h + strings.Repeat("\x00", int(r.ContentLength)))
		resp, body := c.response(r.Method)
		if resp.StatusCode != 200 {
			t.Errorf("fast path accepts %q, net/http answers %s %q", h, resp.Status, body)
			continue
		}
		var want strings.Builder
		fakeW := httptest.NewRecorder()
		r.Body = io.NopCloser(strings.NewReader(strings.Repeat("\x00", int(r.ContentLength))))
		echo(fakeW, r)
		want.Write(fakeW.Body.Bytes())
		if body != want.String() {
			t.Errorf("%q:\nfast path sees %q\nnet/http sees  %q", h, want.String(), body)
		}
	}
}

const benchRequest = "GET /restapis/abc123defg/prod/_user_request_/pets?limit=10 HTTP/1.1\r\n" +
	"Host: abc123defg.execute-api.localhost:4566\r\n" +
	"User-Agent: aws-sdk-go-v2/1.30.3 os/linux lang/go#1.26 md/GOOS#linux md/GOARCH#amd64 api/execute-api\r\n" +
	"X-Amz-Date: 20260101T000000Z\r\n" +
	"Authorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260101/us-east-1/execute-api/aws4_request, SignedHeaders=host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7\r\n" +
	"\r\n"

// BenchmarkFrontKeepAlive is one client on one keep-alive connection; the
// client reads responses by hand so that the allocations are the
// server's.
func BenchmarkFrontKeepAlive(b *testing.B) {
	payload := []byte(`{"id":"pet-0001","name":"Rex","kind":"dog","age":4,"ok":true}`)[:60]
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(payload)
	})
	run := func(b *testing.B, addr string) {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		br := bufio.NewReader(c)
		req := []byte(benchRequest)
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if _, err := c.Write(req); err != nil {
				b.Fatal(err)
			}
			if err := readBenchResponse(br, len(payload)); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("front", func(b *testing.B) {
		tf := startFront(b, h)
		run(b, tf.addr)
	})
	b.Run("net-http", func(b *testing.B) {
		std := httptest.NewServer(h)
		defer std.Close()
		run(b, std.Listener.Addr().String())
	})
}

func readBenchResponse(br *bufio.Reader, want int) error {
	line, err := br.ReadSlice('\n')
	if err != nil {
		return err
	}
	if !bytes.HasPrefix(line, []byte("HTTP/1.1 200 ")) {
		return fmt.Errorf("status line %q", line)
	}
	n := -1
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			return err
		}
		if len(line) == 2 {
			break
		}
		if k, v, ok := bytes.Cut(line, []byte(":")); ok && bytes.EqualFold(k, []byte("Content-Length")) {
			n, _ = strconv.Atoi(string(bytes.TrimSpace(v)))
		}
	}
	if n != want {
		return fmt.Errorf("Content-Length %d, want %d", n, want)
	}
	_, err = br.Discard(n)
	return err
}

// A handler that refuses an upload without reading it (the gateway's 413)
// closes the connection; the client, still writing the body, must get the
// response rather than a reset.
func TestFrontRefusedUploadResponseArrives(t *testing.T) {
	tf := startFront(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Connection", "close")
		w.WriteHeader(http.StatusRequestEntityTooLarge)
		_, _ = io.WriteString(w, "too large")
	}))
	for i := 0; i < 5; i++ {
		resp, err := http.Post("http://"+tf.addr+"/upload", "application/octet-stream", bytes.NewReader(make([]byte, 8<<20)))
		if err != nil {
			t.Fatalf("round %d: %v", i, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestEntityTooLarge || string(body) != "too large" {
			t.Fatalf("round %d: %d %q", i, resp.StatusCode, body)
		}
	}
}

// HTTP/1.0 is served on the fast path with net/http's rules: the status
// line says HTTP/1.0, no chunked encoding (a body of unknown length ends
// with the connection), and the connection is kept only when the client
// sent Connection: keep-alive and the length is known, which the response
// then confirms.
func TestFrontHTTP10(t *testing.T) {
	handlers := []struct {
		name string
		h    http.HandlerFunc
	}{
		{"small", func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "hello") }},
		{"declared length", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "6000")
			_, _ = w.Write(bytes.Repeat([]byte("d"), 6000))
		}},
		{"unknown length", func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write(bytes.Repeat([]byte("u"), 6000))
		}},
		{"flushed", func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.WriteString(w, "part")
			w.(http.Flusher).Flush()
			_, _ = io.WriteString(w, "rest")
		}},
		{"no content", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }},
		{"handler closes", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Connection", "close")
			_, _ = io.WriteString(w, "bye")
		}},
	}
	for _, hc := range handlers {
		for _, keep := range []bool{true, false} {
			name := hc.name + "/close"
			req := "GET /ten HTTP/1.0\r\nHost: example.test\r\n\r\n"
			if keep {
				name = hc.name + "/keep-alive"
				req = "GET /ten HTTP/1.0\r\nHost: example.test\r\nConnection: keep-alive\r\n\r\n"
			}
			t.Run(name, func(t *testing.T) {
				var fast atomic.Bool
				h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if isFast(w) {
						fast.Store(true)
					}
					if r.Proto != "HTTP/1.0" || r.ProtoMinor != 0 || r.Close == keep {
						t.Errorf("request: proto %q minor %d close %v", r.Proto, r.ProtoMinor, r.Close)
					}
					hc.h(w, r)
				})
				tf := startFront(t, h)
				std := httptest.NewServer(h)
				defer std.Close()
				var heads, bodies [2]string
				var open [2]bool
				for i, addr := range []string{tf.addr, std.Listener.Addr().String()} {
					c := dial(t, addr)
					c.send(req)
					heads[i] = c.head()
					resp, err := http.ReadResponse(bufio.NewReader(strings.NewReader(heads[i])), &http.Request{Method: "GET"})
					if err != nil {
						t.Fatal(err)
					}
					// The body: by its length, or up to the close.
					var b []byte
					if resp.ContentLength >= 0 {
						b = make([]byte, resp.ContentLength)
						_, err = io.ReadFull(c.br, b)
					} else {
						_ = c.c.SetReadDeadline(time.Now().Add(3 * time.Second))
						b, err = io.ReadAll(c.br)
					}
					if err != nil {
						t.Fatalf("body: %v", err)
					}
					bodies[i] = string(b)
					// Still open? A second request answers.
					_ = c.c.SetDeadline(time.Now().Add(3 * time.Second))
					if _, err := io.WriteString(c.c, req); err == nil {
						if _, err := c.br.ReadString('\n'); err == nil {
							open[i] = true
						}
					}
				}
				if !fast.Load() {
					t.Errorf("not served on the fast path")
				}
				if a, b := headLines(heads[0]), headLines(heads[1]); a != b {
					t.Errorf("front head:\n%s\nnet/http head:\n%s", a, b)
				}
				if !strings.HasPrefix(heads[0], "HTTP/1.0 ") {
					t.Errorf("status line %q", strings.SplitN(heads[0], "\r\n", 2)[0])
				}
				if bodies[0] != bodies[1] {
					t.Errorf("body %q, net/http %q", bodies[0], bodies[1])
				}
				if open[0] != open[1] {
					t.Errorf("connection kept: front %v, net/http %v", open[0], open[1])
				}
			})
		}
	}
}
