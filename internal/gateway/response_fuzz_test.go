package gateway

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// fuzzMethods are the request methods FuzzResponse answers; HEAD and
// CONNECT frame responses differently.
var fuzzMethods = []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodConnect, http.MethodDelete}

// responseSeeds are also committed under testdata/fuzz/FuzzResponse.
var responseSeeds = []struct {
	method string
	resp   string
}{
	{"GET", "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 12\r\nDate: Mon, 01 Jan 2026 00:00:00 GMT\r\n\r\n{\"ok\":true}\n"},
	{"GET", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX-T: 1\r\n\r\n"},
	{"GET", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n3\r\nabc\r\n0\r\n\r\n"},
	{"HEAD", "HTTP/1.0 200 OK\r\nContent-Length: 13\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nforged"},
	{"HEAD", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"},
	{"GET", "HTTP/1.1 204 No Content\r\nContent-Length: 6\r\n\r\nforged"},
	{"GET", "HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"},
	{"GET", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nforged"},
	{"GET", "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok"},
	{"GET", "HTTP/1.0 200 OK\r\n\r\nuntil the end"},
	{"GET", "HTTP/1.1 200 OK\r\nConnection: keep-alive, close\r\nContent-Length: 2\r\n\r\nok"},
	{"GET", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"},
	{"GET", "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n"},
	{"CONNECT", "HTTP/1.1 200 Connection established\r\n\r\n"},
	{"GET", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello"},
	{"GET", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!"},
	{"GET", "HTTP/1.1 200 OK\r\nContent-Length: +5\r\n\r\nhello"},
	{"GET", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n"},
	{"GET", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"},
	{"GET", "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"},
	{"GET", "HTTP/1.1 200 OK\r\nX-A: 1\r\n 2\r\nContent-Length: 0\r\n\r\n"},
	{"GET", "HTTP/1.1 200 OK\nContent-Length: 2\n\nok"},
	{"GET", "HTTP/1.1 200 OK\r\nX-Bad : 1\r\nContent-Length: 0\r\n\r\n"},
	{"GET", "HTTP/1.1 200 OK\r\nX-Nul: a\x00b\r\nContent-Length: 0\r\n\r\n"},
	{"GET", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: Content-Length\r\n\r\n0\r\n\r\n"},
	{"GET", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n0\r\n\n"},
	{"POST", "HTTP/1.1 201 Created\r\nPragma: no-cache\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nContent-Length: 0\r\n\r\n"},
}

// FuzzResponse compares the upstream client's response reader with
// net/http's (ReadResponse, skipping interim responses as the Transport
// does): whatever it accepts, net/http accepts and reads the same way
// (status, fields, framing, body), and it never keeps a connection that
// net/http's Transport would not keep.
func FuzzResponse(f *testing.F) {
	for _, s := range responseSeeds {
		f.Add(uint8(slices.Index(fuzzMethods, s.method)), []byte(s.resp))
	}
	f.Fuzz(func(t *testing.T, m uint8, data []byte) {
		if len(data) > 8<<10 {
			return // the whole input fits the reader's buffer
		}
		checkResponse(t, fuzzMethods[int(m)%len(fuzzMethods)], data)
	})
}

// stdResponse reads the final response as net/http's Transport does.
func stdResponse(br *bufio.Reader, method string) (*http.Response, error) {
	for n := 1; ; n++ {
		resp, err := http.ReadResponse(br, &http.Request{Method: method})
		if err != nil {
			return nil, err
		}
		if resp.StatusCode >= 100 && resp.StatusCode <= 199 && resp.StatusCode != http.StatusSwitchingProtocols {
			if n > max1xx {
				return nil, errors.New("too many 1xx responses")
			}
			continue
		}
		return resp, nil
	}
}

func checkResponse(t *testing.T, method string, data []byte) {
	t.Helper()
	br := bufio.NewReaderSize(bytes.NewReader(data), 16<<10)
	var rh respHead
	var sc headScratch
	h := http.Header{"X-Amzn-Requestid": {"gateway"}}
	err := readHead(br, method, h, map[string]string{}, &rh, &sc)
	if err != nil {
		return // refusing is always safe: the connection is closed
	}
	sbr := bufio.NewReaderSize(bytes.NewReader(data), 16<<10)
	std, serr := stdResponse(sbr, method)
	if serr != nil {
		t.Fatalf("%s %q: accepted, net/http: %v", method, data, serr)
	}
	if rh.status != std.StatusCode || int(rh.minor-'0') != std.ProtoMinor || std.ProtoMajor != 1 {
		t.Fatalf("%s %q: status %d HTTP/1.%c, net/http %d %s", method, data, rh.status, rh.minor, std.StatusCode, std.Proto)
	}
	// Fields, less what net/http rewrites: it deletes Connection: close
	// and a chunked message's Trailer, and adds Cache-Control for Pragma.
	ours := rh.header(&sc)
	theirs := std.Header.Clone()
	for _, hh := range []http.Header{ours, theirs} {
		delete(hh, "Connection")
		delete(hh, "Trailer")
	}
	if _, ok := ours["Cache-Control"]; !ok {
		delete(theirs, "Cache-Control")
	}
	if fmt.Sprintf("%q", ours) != fmt.Sprintf("%q", theirs) {
		t.Fatalf("%s %q: fields\nours     %q\nnet/http %q", method, data, ours, theirs)
	}
	// Framing.
	chunked := slices.Equal(std.TransferEncoding, []string{"chunked"})
	switch rh.framing {
	case bodyNone:
		if std.Body != http.NoBody || !rh.noBody || rh.keep {
			t.Fatalf("%s %q: no body (keep=%v), net/http body %T", method, data, rh.keep, std.Body)
		}
		if method == http.MethodHead && rh.length != std.ContentLength {
			t.Fatalf("%s %q: HEAD length %d, net/http %d", method, data, rh.length, std.ContentLength)
		}
	case bodyLength:
		if std.ContentLength != rh.length || chunked {
			t.Fatalf("%s %q: length %d, net/http length %d chunked %v", method, data, rh.length, std.ContentLength, chunked)
		}
	case bodyChunked:
		if !chunked || std.ContentLength != -1 {
			t.Fatalf("%s %q: chunked, net/http length %d TE %q", method, data, std.ContentLength, std.TransferEncoding)
		}
	case bodyClose:
		if std.ContentLength != -1 || chunked || !std.Close || rh.keep {
			t.Fatalf("%s %q: until close, net/http length %d chunked %v close %v", method, data, std.ContentLength, chunked, std.Close)
		}
	}
	if rh.keep && std.Close {
		t.Fatalf("%s %q: keep-alive, net/http closes", method, data)
	}
	// The client's header map: framing and hop-by-hop fields never go
	// through; the gateway's value is replaced only by the backend's.
	for _, k := range []string{"Transfer-Encoding", "Connection", "Keep-Alive", "Trailer", "Upgrade"} {
		if _, ok := h[k]; ok {
			t.Fatalf("%s %q: %s forwarded: %q", method, data, k, h)
		}
	}
	if _, ok := h["Content-Length"]; ok && rh.framing == bodyChunked {
		t.Fatalf("%s %q: Content-Length forwarded with chunked", method, data)
	}
	// Body and reuse.
	var body bytes.Buffer
	reusable, berr := copyBody(&body, br, &rh, make([]byte, 7))
	sbody, sberr := io.ReadAll(std.Body)
	if berr == nil {
		if sberr != nil {
			t.Fatalf("%s %q: body %q, net/http: %v", method, data, body.Bytes(), sberr)
		}
		if !bytes.Equal(body.Bytes(), sbody) {
			t.Fatalf("%s %q: body %q, net/http %q", method, data, body.Bytes(), sbody)
		}
	}
	if reusable {
		if berr != nil || !rh.keep || rh.framing == bodyNone {
			t.Fatalf("%s %q: reusable with err %v keep %v framing %d", method, data, berr, rh.keep, rh.framing)
		}
		// net/http's Transport keeps a connection whose body was read
		// to EOF, without Close, with nothing after it (bytes that wait
		// make its read loop close the connection).
		if br.Buffered() != 0 || sberr != nil || std.Close || sbr.Buffered() != 0 {
			t.Fatalf("%s %q: reusable, net/http: close %v err %v %d bytes left", method, data, std.Close, sberr, sbr.Buffered())
		}
	}
}

// TestResponseSeeds runs the differential check on the seeds.
func TestResponseSeeds(t *testing.T) {
	for i, s := range responseSeeds {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			checkResponse(t, s.method, []byte(s.resp))
		})
	}
}

// TestResponseFraming pins the reader's decision on each seed: refused,
// or its framing and whether the connection may be reused.
func TestResponseFraming(t *testing.T) {
	type want struct {
		err    bool
		status int
		body   string
		reuse  bool
	}
	wants := []want{
		{status: 200, body: "{\"ok\":true}\n", reuse: true},
		{status: 200, body: "abc", reuse: true},
		{status: 200, body: "abc"},                // TE with CL: chunked wins, the connection closes
		{status: 200},                             // HEAD with a body: never reused
		{status: 200},                             // HEAD
		{status: 204},                             // 204 with a body
		{status: 304},                             // 304
		{status: 200, body: "ok"},                 // more than Content-Length
		{status: 200, body: "ok", reuse: true},    // HTTP/1.0 keep-alive
		{status: 200, body: "until the end"},      // close-delimited
		{status: 200, body: "ok"},                 // close among tokens
		{status: 200, reuse: true},                // interim responses
		{err: true},                               // 101
		{err: true},                               // CONNECT tunnel
		{status: 200, body: "hello", reuse: true}, // equal repeated lengths
		{err: true},                               // conflicting lengths
		{err: true},                               // signed length
		{err: true},                               // unsupported coding
		{err: true},                               // two TE fields
		{err: true},                               // TE on HTTP/1.0
		{err: true},                               // folded line
		{status: 200, body: "ok", reuse: true},    // bare LF
		{err: true},                               // space before colon
		{err: true},                               // NUL in a value
		{err: true},                               // Trailer: Content-Length
		{status: 200, body: "hello", err: false},  // bare-LF end of trailer: body read, then refused
		{status: 201, reuse: true},                // POST 201
	}
	if len(wants) != len(responseSeeds) {
		t.Fatalf("%d wants for %d seeds", len(wants), len(responseSeeds))
	}
	for i, s := range responseSeeds {
		t.Run(strings.ReplaceAll(fmt.Sprintf("%d %.30q", i, s.resp), "/", "_"), func(t *testing.T) {
			w := wants[i]
			br := bufio.NewReader(strings.NewReader(s.resp))
			var rh respHead
			var sc headScratch
			err := readHead(br, s.method, http.Header{}, map[string]string{}, &rh, &sc)
			if w.err {
				if err == nil {
					t.Fatalf("accepted, want refused")
				}
				return
			}
			if err != nil {
				t.Fatalf("refused: %v", err)
			}
			var body bytes.Buffer
			reuse, err := copyBody(&body, br, &rh, make([]byte, 64))
			if rh.status != w.status || body.String() != w.body || reuse != w.reuse {
				t.Errorf("got %d %q reuse=%v (err %v), want %d %q reuse=%v", rh.status, body.String(), reuse, err, w.status, w.body, w.reuse)
			}
		})
	}
}
