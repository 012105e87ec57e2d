// Package bodyauth tests, through the real server over raw TCP, that a
// request body is read only after the request head has authenticated, under
// a read deadline and within one byte budget for all requests (issue #12
// item 8), and that nothing is acted on before the body's hash matches its
// signature.
package bodyauth

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/gatehouse-dev/gatehouse/internal/config"
	"github.com/gatehouse-dev/gatehouse/internal/gatehousetest"
)

var (
	root    = aws.Credentials{AccessKeyID: gatehousetest.AccessKeyID, SecretAccessKey: gatehousetest.SecretAccessKey}
	unknown = aws.Credentials{AccessKeyID: "AKIAUNKNOWNKEY000000", SecretAccessKey: "unknown/secret/key/0000000000000000000000"}
)

// clientWait bounds every wait for the server: an answer that depends on
// the body arriving (the bug) never comes, and the test fails here.
const clientWait = 10 * time.Second

func hash(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// env is a server with an API whose POST /up (AWS_IAM) and POST /open
// (NONE) proxy to a backend that counts what reaches it.
type env struct {
	srv   *gatehousetest.Server
	addr  string
	apiID string
	hits  atomic.Int64
	iam   *awsiam.Client
}

func start(t *testing.T, opts ...gatehousetest.Option) *env {
	t.Helper()
	e := &env{srv: gatehousetest.Start(t, opts...)}
	e.addr = strings.TrimPrefix(e.srv.URL, "http://")
	be := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.hits.Add(1)
		b, _ := io.ReadAll(r.Body)
		_, _ = w.Write(b)
	}))
	t.Cleanup(be.Close)
	cfg := aws.Config{Region: gatehousetest.Region, Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) { return root, nil })}
	apig := apigateway.NewFromConfig(cfg, func(o *apigateway.Options) { o.BaseEndpoint = aws.String(e.srv.URL) })
	e.iam = awsiam.NewFromConfig(cfg, func(o *awsiam.Options) { o.BaseEndpoint = aws.String(e.srv.URL) })
	doc := strings.ReplaceAll(`{"openapi": "3.0.1", "info": {"title": "up", "version": "1"},
 "paths": {
  "/up": {"post": {"security": [{"sigv4": []}],
    "x-amazon-apigateway-integration": {"type": "http_proxy", "httpMethod": "POST", "uri": "BACKEND/up"}}},
  "/open": {"post": {"x-amazon-apigateway-integration": {"type": "http_proxy", "httpMethod": "POST", "uri": "BACKEND/open"}}}},
 "components": {"securitySchemes": {"sigv4": {"type": "apiKey", "name": "Authorization", "in": "header", "x-amazon-apigateway-authtype": "awsSigv4"}}}}`,
		"BACKEND", be.URL)
	ctx := context.Background()
	out, err := apig.ImportRestApi(ctx, &apigateway.ImportRestApiInput{Body: []byte(doc)})
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	e.apiID = *out.Id
	if _, err := apig.CreateDeployment(ctx, &apigateway.CreateDeploymentInput{RestApiId: out.Id, StageName: aws.String("prod")}); err != nil {
		t.Fatalf("deploy: %v", err)
	}
	return e
}

// surface is one way into the server with a body.
type surface struct {
	name, service, method, path, contentType string
	// limit is the surface's largest body; requests here declare it.
	limit int64
}

func (e *env) surfaces() []surface {
	return []surface{
		{"iam", "iam", "POST", "/", "application/x-www-form-urlencoded", 1 << 20},
		{"sts", "sts", "POST", "/", "application/x-www-form-urlencoded", 1 << 20},
		{"apigateway", "apigateway", "POST", "/restapis", "application/json", 6 << 20},
		{"lambda", "lambda", "POST", "/2015-03-31/functions", "application/json", 70167211},
		{"execute-api", "execute-api", "POST", "/restapis/" + e.apiID + "/prod/_user_request_/up", "application/json", 10 << 20},
	}
}

// signedHead is a request head signed for s, as aws-sdk-go-v2 signs it,
// declaring a body of n bytes whose SHA-256 is payloadHash. extra headers
// are added after signing (Expect is never signed).
func (e *env) signedHead(t *testing.T, s surface, creds aws.Credentials, when time.Time, n int64, payloadHash string, signed, extra map[string]string) string {
	t.Helper()
	req, err := http.NewRequest(s.method, e.srv.URL+s.path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = n
	req.Header.Set("Content-Type", s.contentType)
	for k, v := range signed {
		req.Header.Set(k, v)
	}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, payloadHash, s.service, gatehousetest.Region, when); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n", req.Method, req.URL.RequestURI(), e.addr, n)
	for k, vs := range req.Header {
		for _, v := range vs {
			fmt.Fprintf(&b, "%s: %s\r\n", k, v)
		}
	}
	for k, v := range extra {
		fmt.Fprintf(&b, "%s: %s\r\n", k, v)
	}
	b.WriteString("\r\n")
	return b.String()
}

// conn is a raw client connection.
type conn struct {
	t  *testing.T
	c  net.Conn
	br *bufio.Reader
}

func (e *env) dial(t *testing.T) *conn {
	t.Helper()
	c, err := net.Dial("tcp", e.addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	_ = c.SetDeadline(time.Now().Add(clientWait))
	return &conn{t: t, c: c, br: bufio.NewReader(c)}
}

func (c *conn) send(s string) {
	c.t.Helper()
	if _, err := io.WriteString(c.c, s); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

// response reads the next response (a 100 Continue is a response too).
func (c *conn) response() (*http.Response, string) {
	c.t.Helper()
	resp, err := http.ReadResponse(c.br, nil)
	if err != nil {
		c.t.Fatalf("no response from the server: %v", err)
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatalf("response body: %v", err)
	}
	return resp, string(b)
}

// closed reports whether the server closed the connection (rather than
// leave the client waiting until its own deadline).
func (c *conn) closed() bool {
	_, err := c.br.ReadByte()
	var ne net.Error
	return err != nil && !(errors.As(err, &ne) && ne.Timeout())
}

// TestHeadRefusedBeforeBody: a request whose head fails authentication (an
// unknown key, a date outside the skew) is answered with its 403 without
// the server reading the body and, for Expect: 100-continue, without a 100
// Continue. The client never sends the body: a server that waited for it
// would not answer at all.
func TestHeadRefusedBeforeBody(t *testing.T) {
	e := start(t)
	old := time.Now().Add(-20 * time.Minute)
	for _, s := range e.surfaces() {
		for _, tc := range []struct {
			name     string
			creds    aws.Credentials
			when     time.Time
			wantCode *regexp.Regexp
		}{
			{"unknown key", unknown, time.Now(), map[string]*regexp.Regexp{
				"iam":         regexp.MustCompile(`<Code>InvalidClientTokenId</Code>`),
				"sts":         regexp.MustCompile(`<Code>InvalidClientTokenId</Code>`),
				"apigateway":  regexp.MustCompile(`^UnrecognizedClientException$`),
				"lambda":      regexp.MustCompile(`^UnrecognizedClientException$`),
				"execute-api": regexp.MustCompile(`^AccessDeniedException: \{"message":"The security token included in the request is invalid\."\}$`),
			}[s.name]},
			{"date outside the skew", root, old, map[string]*regexp.Regexp{
				"iam":         regexp.MustCompile(`<Code>SignatureDoesNotMatch</Code>\s*<Message>Signature expired: `),
				"sts":         regexp.MustCompile(`<Code>SignatureDoesNotMatch</Code>\s*<Message>Signature expired: `),
				"apigateway":  regexp.MustCompile(`^InvalidSignatureException$`),
				"lambda":      regexp.MustCompile(`^InvalidSignatureException$`),
				"execute-api": regexp.MustCompile(`^InvalidSignatureException: \{"message":"Signature expired: `),
			}[s.name]},
		} {
			for _, expect := range []bool{true, false} {
				name := s.name + "/" + tc.name
				if expect {
					name += "/expect-100-continue"
				}
				t.Run(name, func(t *testing.T) {
					extra := map[string]string{}
					if expect {
						extra["Expect"] = "100-continue"
					}
					c := e.dial(t)
					c.send(e.signedHead(t, s, tc.creds, tc.when, s.limit, hash([]byte("never sent")), nil, extra))
					resp, body := c.response()
					if resp.StatusCode == http.StatusContinue {
						t.Fatalf("got 100 Continue for a request that fails authentication")
					}
					if resp.StatusCode != http.StatusForbidden {
						t.Fatalf("status = %d, want 403 (%s)", resp.StatusCode, body)
					}
					got := body
					switch s.name {
					case "apigateway", "lambda":
						got = resp.Header.Get("X-Amzn-Errortype")
					case "execute-api":
						got = resp.Header.Get("X-Amzn-Errortype") + ": " + body
					}
					if !tc.wantCode.MatchString(got) {
						t.Errorf("answer %q, want %v", got, tc.wantCode)
					}
					if !c.closed() {
						t.Errorf("connection left open with an unread body declared")
					}
				})
			}
		}
	}
}

// TestRefusedSmallBodyNotAwaited: a request refused from its head declares
// a body small enough for the server to discard (to keep the connection)
// and never sends it: the server waits for it only until the body
// deadline, then closes.
func TestRefusedSmallBodyNotAwaited(t *testing.T) {
	const timeout = 300 * time.Millisecond
	e := start(t, func(c *config.Config) { c.BodyTimeout = timeout })
	heads := map[string]string{
		"execute-api unsigned, no route":      "POST /nowhere HTTP/1.1\r\nHost: " + e.addr + "\r\nContent-Length: 1000\r\n\r\n",
		"execute-api unsigned, AWS_IAM route": "POST /restapis/" + e.apiID + "/prod/_user_request_/up HTTP/1.1\r\nHost: " + e.addr + "\r\nContent-Length: 1000\r\n\r\n",
	}
	for _, s := range e.surfaces() {
		heads[s.name] = e.signedHead(t, s, unknown, time.Now(), 1000, hash([]byte("never sent")), nil, nil)
	}
	for name, head := range heads {
		t.Run(name, func(t *testing.T) {
			c := e.dial(t)
			c.send(head)
			if resp, body := c.response(); resp.StatusCode != http.StatusForbidden {
				t.Fatalf("status = %d, want 403 (%s)", resp.StatusCode, body)
			}
			if !c.closed() {
				t.Errorf("connection still held after the body deadline")
			}
		})
	}
}

// TestSlowBodyIsCut: a body that trickles is cut at the read deadline and
// answered (not waited for forever), on the fast path and on net/http's
// (Expect: 100-continue), signed or not.
func TestSlowBodyIsCut(t *testing.T) {
	const timeout = 300 * time.Millisecond
	e := start(t, func(c *config.Config) { c.BodyTimeout = timeout })
	iam := surface{"iam", "iam", "POST", "/", "application/x-www-form-urlencoded", 1 << 20}
	gw := surface{"execute-api", "execute-api", "POST", "/restapis/" + e.apiID + "/prod/_user_request_/up", "application/json", 10 << 20}
	form := []byte("Action=ListUsers&Version=2010-05-08")
	tests := []struct {
		name       string
		head       string
		want       int
		wantInBody string
	}{
		{"iam", e.signedHead(t, iam, root, time.Now(), int64(len(form)), hash(form), nil, nil), 400, "The request body could not be read."},
		{"iam/expect-100-continue", e.signedHead(t, iam, root, time.Now(), int64(len(form)), hash(form), nil, map[string]string{"Expect": "100-continue"}), 400, "The request body could not be read."},
		{"execute-api", e.signedHead(t, gw, root, time.Now(), int64(len(form)), hash(form), nil, nil), 400, `"Invalid request body"`},
		{"unsigned form peek", "POST / HTTP/1.1\r\nHost: " + e.addr + "\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: " +
			strconv.Itoa(len(form)) + "\r\n\r\n", 403, "Missing Authentication Token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := e.dial(t)
			begin := time.Now()
			c.send(tt.head)
			if strings.Contains(tt.head, "Expect: 100-continue") {
				if resp, _ := c.response(); resp.StatusCode != http.StatusContinue {
					t.Fatalf("status = %d, want 100 Continue for an authenticated head", resp.StatusCode)
				}
			}
			c.send(string(form[:10])) // and nothing more
			resp, body := c.response()
			if resp.StatusCode != tt.want || !strings.Contains(body, tt.wantInBody) {
				t.Errorf("got %d %s, want %d with %q", resp.StatusCode, body, tt.want, tt.wantInBody)
			}
			if d := time.Since(begin); d < timeout {
				t.Errorf("answered after %v, before the %v deadline", d, timeout)
			}
			if !c.closed() {
				t.Errorf("connection left open after a cut body")
			}
		})
	}
}

// metric reads one value from /_gatehouse/metrics.
func (e *env) metric(t *testing.T, name string) int64 {
	t.Helper()
	resp, err := http.Get(e.srv.URL + "/_gatehouse/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			return int64(f)
		}
	}
	t.Fatalf("metric %s not exported", name)
	return 0
}

// held is a request whose head and first body byte are sent.
type held struct {
	c    *conn
	body []byte
	resp chan *http.Response
}

func (e *env) hold(t *testing.T, head string, body []byte) *held {
	h := &held{c: e.dial(t), body: body, resp: make(chan *http.Response, 1)}
	h.c.send(head)
	h.c.send(string(body[:1]))
	go func() {
		resp, err := http.ReadResponse(h.c.br, nil)
		if err == nil {
			_, _ = io.ReadAll(resp.Body)
		}
		h.resp <- resp
	}()
	return h
}

func (h *held) finish() { h.c.send(string(h.body[1:])) }

// TestBudgetBoundsBufferedBytes: concurrent uploads cannot make the server
// buffer more than its budget; those that do not fit are answered with the
// surface's retryable error before a byte of their body is read, and the
// budget is whole again once the others finish. Unauthenticated bodies get
// only their share, so they cannot starve signed requests.
func TestBudgetBoundsBufferedBytes(t *testing.T) {
	const budget = 1 << 20
	e := start(t, func(c *config.Config) { c.BodyBudget = budget })
	iam := surface{"iam", "iam", "POST", "/", "application/x-www-form-urlencoded", 1 << 20}
	form := func(n int) []byte {
		b := []byte("Action=ListUsers&Version=2010-05-08&PathPrefix=%2F&Pad=")
		return append(b, bytes.Repeat([]byte("x"), n-len(b))...)
	}
	if got := e.metric(t, "gatehouse_request_body_budget_bytes"); got != budget {
		t.Fatalf("budget metric = %d, want %d", got, budget)
	}

	// Six signed uploads of 400 KiB: two fit in 1 MiB.
	const n, size = 6, 400 << 10
	var all []*held
	for i := 0; i < n; i++ {
		b := form(size)
		all = append(all, e.hold(t, e.signedHead(t, iam, root, time.Now(), size, hash(b), nil, nil), b))
	}
	// Every refusal comes before a byte of its body is read, while the
	// admitted uploads wait for the rest of theirs: wait for n-2 answers.
	type answer struct {
		i    int
		resp *http.Response
	}
	answers := make(chan answer, n)
	for i, h := range all {
		go func() { answers <- answer{i, <-h.resp} }()
	}
	answered := map[int]bool{}
	deadline := time.After(clientWait)
	for len(answered) < n-2 {
		select {
		case a := <-answers:
			if a.resp == nil || a.resp.StatusCode != http.StatusServiceUnavailable {
				t.Fatalf("upload %d: got %v, want 503 ServiceUnavailable before its body", a.i, a.resp)
			}
			answered[a.i] = true
		case <-deadline:
			t.Fatalf("%d uploads refused, want %d: the server buffers more than its budget", len(answered), n-2)
		}
	}
	var admitted []int
	for i := range all {
		if !answered[i] {
			admitted = append(admitted, i)
		}
	}
	if got := e.metric(t, "gatehouse_request_body_buffered_bytes"); got != 2*size {
		t.Errorf("buffered = %d, want %d", got, 2*size)
	}
	if got := e.metric(t, "gatehouse_request_body_buffered_peak_bytes"); got > budget {
		t.Errorf("peak buffered = %d, over the budget %d", got, budget)
	}
	if got := e.metric(t, "gatehouse_request_body_refused_total"); got != n-2 {
		t.Errorf("refused_total = %d, want %d", got, n-2)
	}
	for _, i := range admitted {
		all[i].finish()
		if a := <-answers; a.resp == nil || a.resp.StatusCode != http.StatusOK {
			t.Errorf("admitted upload %d: got %v, want 200", a.i, a.resp)
		}
	}
	if got := e.metric(t, "gatehouse_request_body_buffered_bytes"); got != 0 {
		t.Errorf("buffered after the uploads = %d, want 0", got)
	}

	// Unsigned form bodies (read to find an STS Action) hold at most half
	// the budget: one of 300 KiB fits, the second is refused, and a
	// signed 400 KiB upload still fits beside the first.
	anon := func() *held {
		b := form(300 << 10)
		return e.hold(t, "POST / HTTP/1.1\r\nHost: "+e.addr+"\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: "+
			strconv.Itoa(len(b))+"\r\n\r\n", b)
	}
	x, y := anon(), anon()
	var first *held
	select {
	case resp := <-x.resp:
		first = y
		if resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
			t.Fatalf("second unsigned body: got %v, want 503", resp)
		}
	case resp := <-y.resp:
		first = x
		if resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
			t.Fatalf("second unsigned body: got %v, want 503", resp)
		}
	case <-time.After(clientWait):
		t.Fatalf("the second unsigned body was not refused")
	}
	b := form(size)
	signed := e.hold(t, e.signedHead(t, iam, root, time.Now(), size, hash(b), nil, nil), b)
	signed.finish()
	if resp := <-signed.resp; resp == nil || resp.StatusCode != http.StatusOK {
		t.Errorf("signed upload beside unsigned bodies: got %v, want 200", resp)
	}
	first.finish()
	if resp := <-first.resp; resp == nil || resp.StatusCode != http.StatusForbidden {
		t.Errorf("first unsigned body: got %v, want 403 (ListUsers needs a signature)", resp)
	}
}

// TestBodyUnlikeDeclaredHashNeverActs: a request signed over the
// x-amz-content-sha256 it declares, whose body is another one of the same
// length, is refused and nothing of it happens: no user is created, the
// backend is never called.
func TestBodyUnlikeDeclaredHashNeverActs(t *testing.T) {
	e := start(t)
	iam := surface{"iam", "iam", "POST", "/", "application/x-www-form-urlencoded", 1 << 20}
	gw := surface{"execute-api", "execute-api", "POST", "/restapis/" + e.apiID + "/prod/_user_request_/up", "application/json", 10 << 20}
	tests := []struct {
		s            surface
		signed, sent string
		want         string
	}{
		{iam, "Action=CreateUser&Version=2010-05-08&UserName=alice01", "Action=CreateUser&Version=2010-05-08&UserName=mallo01", "<Code>SignatureDoesNotMatch</Code>"},
		{gw, `{"user":"alice01"}`, `{"user":"mallo01"}`, `"message":"The request signature we calculated does not match`},
	}
	for _, tt := range tests {
		for _, expect := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/expect=%v", tt.s.name, expect), func(t *testing.T) {
				extra := map[string]string{}
				if expect {
					extra["Expect"] = "100-continue"
				}
				declared := hash([]byte(tt.signed))
				head := e.signedHead(t, tt.s, root, time.Now(), int64(len(tt.sent)), declared,
					map[string]string{"X-Amz-Content-Sha256": declared}, extra)
				c := e.dial(t)
				c.send(head)
				if expect {
					// The head is authenticated (its signature covers
					// the declared hash): the body may come.
					if resp, _ := c.response(); resp.StatusCode != http.StatusContinue {
						t.Fatalf("status = %d, want 100 Continue", resp.StatusCode)
					}
				}
				c.send(tt.sent)
				resp, body := c.response()
				if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, tt.want) {
					t.Errorf("got %d %s, want 403 with %q", resp.StatusCode, body, tt.want)
				}
			})
		}
	}
	for _, name := range []string{"alice01", "mallo01"} {
		if _, err := e.iam.GetUser(context.Background(), &awsiam.GetUserInput{UserName: aws.String(name)}); err == nil || !strings.Contains(err.Error(), "NoSuchEntity") {
			t.Errorf("GetUser %s: %v, want NoSuchEntity", name, err)
		}
	}
	if n := e.hits.Load(); n != 0 {
		t.Errorf("backend called %d times", n)
	}
}

// TestValidRequestsStillPass: what real clients send keeps working on the
// new path: a body with a declared hash (the JavaScript SDK), without one
// (botocore, aws-sdk-go-v2), with Expect: 100-continue, chunked, and
// presigned execute-api requests with and without a body.
func TestValidRequestsStillPass(t *testing.T) {
	e := start(t)
	body := []byte(`{"pet":"rex"}`)
	target := e.srv.URL + "/restapis/" + e.apiID + "/prod/_user_request_/up"
	send := func(t *testing.T, req *http.Request) (int, string) {
		t.Helper()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	tests := []struct {
		name string
		req  func(t *testing.T) *http.Request
	}{
		{"body hash not declared", func(t *testing.T) *http.Request {
			req, _ := http.NewRequest("POST", target, bytes.NewReader(body))
			must(t, v4.NewSigner().SignHTTP(context.Background(), root, req, hash(body), "execute-api", gatehousetest.Region, time.Now()))
			return req
		}},
		{"body hash declared", func(t *testing.T) *http.Request {
			req, _ := http.NewRequest("POST", target, bytes.NewReader(body))
			req.Header.Set("X-Amz-Content-Sha256", hash(body))
			must(t, v4.NewSigner().SignHTTP(context.Background(), root, req, hash(body), "execute-api", gatehousetest.Region, time.Now()))
			return req
		}},
		{"expect 100-continue", func(t *testing.T) *http.Request {
			req, _ := http.NewRequest("POST", target, bytes.NewReader(body))
			must(t, v4.NewSigner().SignHTTP(context.Background(), root, req, hash(body), "execute-api", gatehousetest.Region, time.Now()))
			req.Header.Set("Expect", "100-continue")
			return req
		}},
		{"chunked", func(t *testing.T) *http.Request {
			req, _ := http.NewRequest("POST", target, io.MultiReader(bytes.NewReader(body)))
			req.ContentLength = -1
			must(t, v4.NewSigner().SignHTTP(context.Background(), root, req, hash(body), "execute-api", gatehousetest.Region, time.Now()))
			return req
		}},
		{"presigned with a body", func(t *testing.T) *http.Request {
			req, _ := http.NewRequest("POST", target, bytes.NewReader(body))
			u, _, err := v4.NewSigner().PresignHTTP(context.Background(), root, req, hash(body), "execute-api", gatehousetest.Region, time.Now())
			must(t, err)
			req.URL, err = url.Parse(u)
			must(t, err)
			return req
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := e.hits.Load()
			status, got := send(t, tt.req(t))
			if status != 200 || got != string(body) || e.hits.Load() != before+1 {
				t.Errorf("got %d %q, want 200 %q from the backend", status, got, body)
			}
		})
	}
	t.Run("presigned without a body", func(t *testing.T) {
		req, _ := http.NewRequest("POST", target, nil)
		u, _, err := v4.NewSigner().PresignHTTP(context.Background(), root, req, hash(nil), "execute-api", gatehousetest.Region, time.Now())
		must(t, err)
		req, _ = http.NewRequest("POST", u, nil)
		if status, got := send(t, req); status != 200 || got != "" {
			t.Errorf("got %d %q, want 200 from the backend", status, got)
		}
	})
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestUnsignedPeekBounded: the server reads the form of an unsigned POST /
// to find an STS Action only when it claims no signature and declares a
// length within the Query limit; otherwise the request is answered from its
// head, without a 100 Continue.
func TestUnsignedPeekBounded(t *testing.T) {
	e := start(t)
	tests := []struct {
		name, authz string
		length      int
		want        string
	}{
		{"malformed authorization", "Bearer x", 1 << 20,
			`IncompleteSignatureException: {"message":"'x' not a valid key=value pair (missing equal-sign) in Authorization header: 'Bearer x'."}`},
		{"unsigned, over the Query limit", "", 1<<20 + 1, `MissingAuthenticationTokenException: {"message":"Missing Authentication Token"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			head := "POST / HTTP/1.1\r\nHost: " + e.addr + "\r\nContent-Type: application/x-www-form-urlencoded\r\nExpect: 100-continue\r\nContent-Length: " + strconv.Itoa(tt.length) + "\r\n"
			if tt.authz != "" {
				head += "Authorization: " + tt.authz + "\r\n"
			}
			c := e.dial(t)
			c.send(head + "\r\n")
			resp, body := c.response()
			if got := resp.Header.Get("X-Amzn-Errortype") + ": " + body; resp.StatusCode != http.StatusForbidden || got != tt.want {
				t.Errorf("got %d %s, want 403 %s", resp.StatusCode, got, tt.want)
			}
		})
	}
}
