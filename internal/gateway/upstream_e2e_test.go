package gateway_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/gatehouse-dev/gatehouse/internal/config"
	"github.com/gatehouse-dev/gatehouse/internal/gatehousetest"
	"github.com/gatehouse-dev/gatehouse/internal/gateway"
)

// framesAPI puts one backend behind a NONE route and AWS_IAM routes
// (HTTP_PROXY and the HTTP integration): the routes share the gateway's
// connections to it.
const framesAPI = `{"openapi": "3.0.1", "info": {"title": "frames", "version": "1"},
 "paths": {
  "/open/{proxy+}": {"x-amazon-apigateway-any-method": {"parameters": [{"name": "proxy", "in": "path", "required": true, "schema": {"type": "string"}}],
     "x-amazon-apigateway-integration": {"type": "http_proxy", "httpMethod": "ANY", "uri": "BACKEND/{proxy}",
       "requestParameters": {"integration.request.path.proxy": "method.request.path.proxy"}}}},
  "/iam/{proxy+}": {"x-amazon-apigateway-any-method": {"security": [{"sigv4": []}], "parameters": [{"name": "proxy", "in": "path", "required": true, "schema": {"type": "string"}}],
     "x-amazon-apigateway-integration": {"type": "http_proxy", "httpMethod": "ANY", "uri": "BACKEND/{proxy}",
       "requestParameters": {"integration.request.path.proxy": "method.request.path.proxy"}}}},
  "/hiam/{proxy+}": {"get": {"security": [{"sigv4": []}], "parameters": [{"name": "proxy", "in": "path", "required": true, "schema": {"type": "string"}}],
     "x-amazon-apigateway-integration": {"type": "http", "httpMethod": "GET", "uri": "BACKEND/{proxy}",
       "requestParameters": {"integration.request.path.proxy": "method.request.path.proxy"},
       "responses": {"default": {"statusCode": "200"}}}}}
 },
 "components": {"securitySchemes": {"sigv4": {"type": "apiKey", "name": "Authorization", "in": "header", "x-amazon-apigateway-authtype": "awsSigv4"}}}}`

// forgedFor is the response an attacker makes a backend send where no
// response belongs.
func forgedFor(tag string) string {
	body := "token=FORGED-" + tag
	return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body
}

// badBackend answers GET /<behaviour>/<token>[?extra=...] with the body
// "token=<token>", framed as the behaviour says; extra is what the
// attacker makes it send beyond its response. It writes head and body
// separately, as Python's http.server does.
type badBackend struct {
	ln net.Listener
	// late receives, for the "late" behaviour, the connection and the
	// bytes to write on it once the test says so.
	late chan lateWrite
}

type lateWrite struct {
	c     net.Conn
	extra string
}

func startBadBackend(t *testing.T) *badBackend {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	b := &badBackend{ln: ln, late: make(chan lateWrite, 1)}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		conns []net.Conn
	)
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
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
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				b.serve(c)
			}()
		}
	}()
	return b
}

func (b *badBackend) url() string { return "http://" + b.ln.Addr().String() }

func (b *badBackend) serve(c net.Conn) {
	br := bufio.NewReader(c)
	for {
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		_, _ = io.Copy(io.Discard, req.Body)
		behaviour, token, _ := strings.Cut(strings.TrimPrefix(req.URL.Path, "/"), "/")
		extra := req.URL.Query().Get("extra")
		body := "token=" + token
		head := func(status string, length int, fields string) string {
			return "HTTP/1.1 " + status + "\r\nContent-Type: application/json\r\n" + fields +
				"Content-Length: " + strconv.Itoa(length) + "\r\n\r\n"
		}
		var parts []string
		switch behaviour {
		case "head": // do_HEAD = do_GET: the body goes out on HEAD too
			parts = []string{head("200 OK", len(body+extra), ""), body + extra}
			if req.Method == http.MethodHead {
				parts[1] = extra
			}
		case "nc": // 204 with a body
			parts = []string{head("204 No Content", 0, ""), extra}
		case "nm": // 304 with a body
			parts = []string{head("304 Not Modified", len(extra), ""), extra}
		case "short": // more bytes than Content-Length
			parts = []string{head("200 OK", len(body), ""), body + extra}
		case "tecl": // chunked beside a Content-Length, then more
			parts = []string{"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
				fmt.Sprintf("%x\r\n%s\r\n0\r\n\r\n%s", len(body), body, extra)}
		case "http10": // HTTP/1.0 keep-alive, more than its length
			parts = []string{"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n", body + extra}
		case "late": // a clean response; extra follows when the test says
			parts = []string{head("200 OK", len(body), ""), body}
		default:
			parts = []string{head("200 OK", len(body), ""), body}
		}
		for _, p := range parts {
			if p == "" {
				continue
			}
			if _, err := io.WriteString(c, p); err != nil {
				return
			}
		}
		if behaviour == "late" && extra != "" {
			b.late <- lateWrite{c: c, extra: extra}
		}
	}
}

// TestUpstreamCallersIsolated: whatever an unauthenticated caller makes a
// misbehaving backend send on a NONE route, a signed caller on an AWS_IAM
// route to the same backend gets its own response, and the attacker's next
// request gets its own too.
func TestUpstreamCallersIsolated(t *testing.T) {
	for _, client := range []string{config.ImplGatehouse, config.ImplNetHTTP} {
		t.Run(strings.ReplaceAll(client, "/", "_"), func(t *testing.T) {
			testCallersIsolated(t, func(c *config.Config) { c.UpstreamClient = client })
		})
	}
}

func testCallersIsolated(t *testing.T, opt gatehousetest.Option) {
	e := newEnv(t, opt)
	be := startBadBackend(t)
	id := e.importAPI(strings.ReplaceAll(framesAPI, "BACKEND", be.url()), "dev")
	base := "/restapis/" + id + "/dev/_user_request_"
	var seq atomic.Int64
	token := func(who string) string { return fmt.Sprintf("%s%d", who, seq.Add(1)) }
	check := func(t *testing.T, what string, r reply, tok string) {
		t.Helper()
		if r.status != 200 || r.body != "token="+tok {
			t.Fatalf("%s got %d %q, want 200 %q", what, r.status, r.body, "token="+tok)
		}
	}
	victims := []struct{ name, route string }{{"http_proxy", "/iam/ok/"}, {"http integration", "/hiam/ok/"}}
	for _, c := range []struct {
		behaviour string
		method    string
		status    int
	}{
		{"head", http.MethodHead, 200},
		{"nc", http.MethodGet, 204},
		{"nm", http.MethodGet, 304},
		{"short", http.MethodGet, 200},
		{"tecl", http.MethodGet, 200},
		{"http10", http.MethodGet, 200},
		{"late", http.MethodGet, 200},
	} {
		t.Run(c.behaviour, func(t *testing.T) {
			for i := 0; i < 20; i++ {
				v := victims[i%len(victims)]
				atk := token("attacker")
				extra := url.QueryEscape(forgedFor(atk))
				route, opt := "/open/", callOpt{method: c.method}
				if i%4 == 3 {
					// The other way round: a signed caller's request
					// triggers the backend's misbehaviour; the callers
					// after it get their own answers.
					route, opt.creds = "/iam/", &e.root
				}
				r := e.call(base+route+c.behaviour+"/"+atk+"?extra="+extra, opt)
				if r.status != c.status || strings.Contains(r.body, "FORGED") {
					t.Fatalf("%s got %d %q", c.method, r.status, r.body)
				}
				if c.behaviour == "late" {
					// The backend's extra bytes reach the gateway while
					// the connection is idle.
					lw := <-be.late
					// (The gateway may have closed the connection.)
					_, _ = io.WriteString(lw.c, lw.extra)
					gateway.WaitDelivered(t, lw.c)
				}
				vt := token("victim")
				check(t, "signed caller on "+v.name, e.call(base+v.route+vt, callOpt{creds: &e.root}), vt)
				at := token("attacker")
				check(t, "attacker's next request", e.call(base+"/open/ok/"+at, callOpt{}), at)
			}
		})
	}
	// The same, at once: attackers and signed callers on the same
	// connections, many times.
	t.Run("concurrent", func(t *testing.T) {
		var wg sync.WaitGroup
		errs := make(chan string, 6*40)
		for w := 0; w < 6; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				for i := 0; i < 40; i++ {
					if w%2 == 0 {
						behaviour := []string{"head", "nc", "nm", "short", "tecl", "http10"}[(i+w)%6]
						method := http.MethodGet
						if behaviour == "head" {
							method = http.MethodHead
						}
						atk := token("attacker")
						r, err := e.try(base+"/open/"+behaviour+"/"+atk+"?extra="+url.QueryEscape(forgedFor(atk)), callOpt{method: method})
						if err != nil {
							errs <- err.Error()
						} else if strings.Contains(r.body, "FORGED") {
							errs <- fmt.Sprintf("attacker got %q", r.body)
						}
						continue
					}
					vt := token("victim")
					route := victims[i%2].route
					r, err := e.try(base+route+vt, callOpt{creds: &e.root})
					if err != nil {
						errs <- err.Error()
					} else if r.status != 200 || r.body != "token="+vt {
						errs <- fmt.Sprintf("signed caller %s got %d %q", vt, r.status, r.body)
					}
				}
			}(w)
		}
		wg.Wait()
		close(errs)
		for e := range errs {
			t.Error(e)
		}
	})
}

// try is call without t.Fatal, for goroutines.
func (e *env) try(path string, o callOpt) (reply, error) {
	if o.method == "" {
		o.method = http.MethodGet
	}
	req, err := http.NewRequest(o.method, e.srv.URL+path, nil)
	if err != nil {
		return reply{}, err
	}
	if o.creds != nil {
		if err := v4.NewSigner().SignHTTP(context.Background(), *o.creds, req, emptySHA256, "execute-api", gatehousetest.Region, time.Now()); err != nil {
			return reply{}, err
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return reply{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return reply{status: resp.StatusCode, header: resp.Header, body: string(b)}, err
}

const emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
