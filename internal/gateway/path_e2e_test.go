package gateway_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"golang.org/x/text/unicode/norm"

	"github.com/gatehouse-dev/gatehouse/internal/config"
	"github.com/gatehouse-dev/gatehouse/internal/gateway"
)

// pathAPI has a literal /admin next to /pets/{id} and a root {proxy+}, all
// HTTP_PROXY to the recording backend with paths that map one to one onto
// the resource path (so decode(backend path) must equal the ARN path), plus
// MOCK, AWS_PROXY and HTTP (non-proxy) methods. AUTH is replaced by the
// security requirement of the variant (AWS_IAM or NONE).
const pathAPI = `{"openapi": "3.0.1", "info": {"title": "paths", "version": "1"},
 "paths": {
  "/": {"get": {AUTH "x-amazon-apigateway-integration": {"type": "http_proxy", "httpMethod": "GET", "uri": "BACKEND/"}}},
  "/admin": {"get": {AUTH "x-amazon-apigateway-integration": {"type": "http_proxy", "httpMethod": "GET", "uri": "BACKEND/admin"}}},
  "/pets/{id}": {"get": {AUTH "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
     "x-amazon-apigateway-integration": {"type": "http_proxy", "httpMethod": "GET", "uri": "BACKEND/pets/{id}",
       "requestParameters": {"integration.request.path.id": "method.request.path.id"}}}},
  "/{proxy+}": {"x-amazon-apigateway-any-method": {AUTH
     "x-amazon-apigateway-integration": {"type": "http_proxy", "httpMethod": "ANY", "uri": "BACKEND/{proxy}",
       "requestParameters": {"integration.request.path.proxy": "method.request.path.proxy"}}}},
  "/mock": {"get": {AUTH "x-amazon-apigateway-integration": {"type": "mock", "requestTemplates": {"application/json": "{\"statusCode\": 200}"},
       "responses": {"default": {"statusCode": "200", "responseTemplates": {"application/json": "{\"path\":\"$context.path\"}"}}}}}},
  "/fn/{proxy+}": {"x-amazon-apigateway-any-method": {AUTH
     "x-amazon-apigateway-integration": {"type": "aws_proxy", "httpMethod": "POST",
       "uri": "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:hello/invocations"}}},
  "/legacy/{code}": {"get": {AUTH "parameters": [{"name": "code", "in": "path", "required": true, "schema": {"type": "string"}}],
     "x-amazon-apigateway-integration": {"type": "http", "httpMethod": "GET", "uri": "BACKEND/legacy/{code}",
       "requestParameters": {"integration.request.path.code": "method.request.path.code"},
       "responses": {"default": {"statusCode": "200"}}}}}
 },
 "components": {"securitySchemes": {"sigv4": {"type": "apiKey", "name": "Authorization", "in": "header", "x-amazon-apigateway-authtype": "awsSigv4"}}}}`

const iamAuth = `"security": [{"sigv4": []}],`

// received is one request as the recording backend saw it.
type received struct {
	Method     string // the method it runs (override headers honored)
	Target     string // request target as received (raw)
	Normalized string // the path a normalizing server (nginx, Tomcat, a static file server) resolves it to
	Header     http.Header
}

// recorder is a real HTTP backend that records every request by the
// gateway's request id and serves files by the normalized path: it decodes
// %XX (%2F included), treats '\' as '/', applies NFKC, strips ";params"
// from segments and resolves dot segments, as nginx, Tomcat and static file
// servers do in some combination, and runs the method an override header
// names. Its answer names the file it served.
type recorder struct {
	srv *httptest.Server
	mu  sync.Mutex
	got map[string]received
}

func newRecorder(t testing.TB) *recorder {
	rc := &recorder{got: map[string]received{}}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		target, _, _ := strings.Cut(r.RequestURI, "?")
		n := normalizePath(target)
		// The method it runs: the override headers win, as with
		// Express's method-override and many other frameworks.
		method := r.Method
		for k, v := range wsgiEnviron(r.Header) {
			switch k {
			case "HTTP_X_HTTP_METHOD_OVERRIDE", "HTTP_X_HTTP_METHOD", "HTTP_X_METHOD_OVERRIDE":
				method = v[len(v)-1]
			}
		}
		rc.mu.Lock()
		rc.got[r.Header.Get("X-Amzn-Requestid")] = received{Method: method, Target: r.RequestURI, Normalized: n, Header: r.Header.Clone()}
		rc.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{"served": n})
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *recorder) take(id string) (received, bool) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	r, ok := rc.got[id]
	delete(rc.got, id)
	return r, ok
}

// normalizePath is what a normalizing backend makes of a request path.
func normalizePath(p string) string {
	p = strings.ReplaceAll(p, `\`, "/")
	if d, err := url.PathUnescape(p); err == nil {
		p = d
	}
	p = norm.NFKC.String(strings.ReplaceAll(p, `\`, "/"))
	var out []string
	for _, s := range strings.Split(p, "/") {
		s, _, _ = strings.Cut(s, ";")
		switch s {
		case "", ".":
		case "..":
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
		default:
			out = append(out, s)
		}
	}
	return "/" + strings.Join(out, "/")
}

// pathEnv is a gatehouse with the path API deployed as stage "prod",
// reached in the host form, a recording backend and a decision log.
type pathEnv struct {
	*env
	rec     *recorder
	inv     *fakeInvoker
	id      string
	host    string
	logPath string
	logOff  int
	lines   map[string]map[string]any
}

func newPathEnv(t *testing.T, auth string) *pathEnv {
	t.Helper()
	logPath := t.TempDir() + "/decisions.jsonl"
	e := newEnv(t, func(c *config.Config) { c.DecisionLog = logPath })
	rec := newRecorder(t)
	e.be.Close()
	e.be = rec.srv
	id := e.importAPI(strings.ReplaceAll(pathAPI, "AUTH", auth), "prod")
	inv := &fakeInvoker{payload: `{"statusCode": 200, "body": "fn"}`}
	e.srv.App.Services.Gateway.(*gateway.Gateway).SetInvoker(inv)
	return &pathEnv{env: e, rec: rec, inv: inv, id: id, host: id + ".execute-api.localhost", logPath: logPath}
}

// raw sends method and target exactly as given (no client-side cleaning
// or escaping) in the host form, signed with creds over that raw path
// (unnormalized, as aws-sdk-go-v2 signs) when creds is set, with the
// extra headers (unsigned, names exactly as given).
func (pe *pathEnv) raw(t *testing.T, method, target string, creds *aws.Credentials, extra http.Header) reply {
	t.Helper()
	hdr := http.Header{}
	if creds != nil {
		p, q, _ := strings.Cut(target, "?")
		req := &http.Request{Method: method, Host: pe.host, Header: hdr,
			URL: &url.URL{Scheme: "http", Host: pe.host, Opaque: "//" + pe.host + p, RawQuery: q}}
		if err := v4.NewSigner().SignHTTP(context.Background(), *creds, req, emptyHash, "execute-api", "us-east-1", time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	// extra headers are sent as given (names not canonicalized), unsigned.
	for k, v := range extra {
		hdr[k] = append(hdr[k], v...)
	}
	return rawRoundTrip(t, strings.TrimPrefix(pe.srv.URL, "http://"), method, target, pe.host, hdr)
}

func rawRoundTrip(t *testing.T, addr, method, target, host string, hdr http.Header) reply {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\n", method, target, host)
	for k, vv := range hdr {
		for _, v := range vv {
			fmt.Fprintf(&b, "%s: %s\r\n", k, v)
		}
	}
	b.WriteString("Connection: close\r\n\r\n")
	if _, err := io.WriteString(c, b.String()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), &http.Request{Method: method})
	if err != nil {
		t.Fatalf("%s %q: %v", method, target, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return reply{status: resp.StatusCode, header: resp.Header, body: string(body)}
}

// decision returns the decision log line of request id, if any (the log
// is read on from where the last call stopped).
func (pe *pathEnv) decision(t *testing.T, id string) (map[string]any, bool) {
	t.Helper()
	if id == "" {
		return nil, false
	}
	b, err := os.ReadFile(pe.logPath)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	if pe.lines == nil {
		pe.lines = map[string]map[string]any{}
	}
	for b = b[pe.logOff:]; ; {
		i := strings.IndexByte(string(b), '\n')
		if i < 0 {
			break
		}
		var m map[string]any
		if err := json.Unmarshal(b[:i], &m); err != nil {
			t.Fatalf("decision line %q: %v", b[:i], err)
		}
		pe.lines[m["requestId"].(string)] = m
		pe.logOff += i + 1
		b = b[i+1:]
	}
	m, ok := pe.lines[id]
	return m, ok
}

// pathCase is one row of the path × method table. route is the resource
// the request must reach ("" = refused as unroutable: 403 Missing
// Authentication Token, or 400 from the HTTP server for what is not
// HTTP); arn is the path part of the method ARN after the verb; allowA /
// allowB are the decisions under Allow prod/* + Deny prod/GET/admin and
// under Allow prod/GET/pets/*; served is the backend's request path
// (encoded), "" when the integration is not an HTTP backend.
type pathCase struct {
	method, path   string
	route, arn     string
	allowA, allowB bool
	served         string
	status         int // for refused rows: 403 (default) or 400
}

var pathCases = []pathCase{
	// One resource, many spellings: empty segments, trailing slash,
	// encoded unreserved characters, encoded stage.
	{method: "GET", path: "/prod/admin", route: "/admin", arn: "admin", served: "/admin"},
	{method: "GET", path: "/prod/admin/", route: "/admin", arn: "admin", served: "/admin"},
	{method: "GET", path: "/prod//admin", route: "/admin", arn: "admin", served: "/admin"},
	{method: "GET", path: "/prod/admin//", route: "/admin", arn: "admin", served: "/admin"},
	{method: "GET", path: "//prod/admin", route: "/admin", arn: "admin", served: "/admin"},
	{method: "GET", path: "/prod/adm%69n", route: "/admin", arn: "admin", served: "/admin"},
	{method: "GET", path: "/prod/%61%64%6D%69%6e", route: "/admin", arn: "admin", served: "/admin"},
	{method: "GET", path: "/pr%6Fd/admin", route: "/admin", arn: "admin", served: "/admin"},
	{method: "GET", path: "/prod/admin?x=1", route: "/admin", arn: "admin", served: "/admin"},
	// Case is significant (as on AWS): another resource, another ARN.
	{method: "GET", path: "/prod/ADMIN", route: "/{proxy+}", arn: "ADMIN", allowA: true, served: "/ADMIN"},
	// Parameters: decoded in the ARN, canonically encoded to the backend.
	{method: "GET", path: "/prod/pets/1", route: "/pets/{id}", arn: "pets/1", allowA: true, allowB: true, served: "/pets/1"},
	{method: "GET", path: "/prod/pets/1/", route: "/pets/{id}", arn: "pets/1", allowA: true, allowB: true, served: "/pets/1"},
	{method: "GET", path: "/prod//pets//1", route: "/pets/{id}", arn: "pets/1", allowA: true, allowB: true, served: "/pets/1"},
	{method: "GET", path: "/prod/pets/a%20b", route: "/pets/{id}", arn: "pets/a b", allowA: true, allowB: true, served: "/pets/a%20b"},
	{method: "GET", path: "/prod/pets/caf%c3%a9", route: "/pets/{id}", arn: "pets/café", allowA: true, allowB: true, served: "/pets/caf%C3%A9"},
	{method: "GET", path: "/prod/pets/%4a%4A", route: "/pets/{id}", arn: "pets/JJ", allowA: true, allowB: true, served: "/pets/JJ"},
	{method: "GET", path: "/prod/pets/a%2Bb%40c", route: "/pets/{id}", arn: "pets/a+b@c", allowA: true, allowB: true, served: "/pets/a%2Bb%40c"},
	{method: "GET", path: "/prod/pets/100%25", route: "/pets/{id}", arn: "pets/100%", allowA: true, allowB: true, served: "/pets/100%25"},
	{method: "GET", path: "/prod/pets/x/y", route: "/{proxy+}", arn: "pets/x/y", allowA: true, allowB: true, served: "/pets/x/y"},
	{method: "GET", path: "/prod/pets/x//y/", route: "/{proxy+}", arn: "pets/x/y", allowA: true, allowB: true, served: "/pets/x/y"},
	{method: "GET", path: "/prod/p%65ts/admin", route: "/pets/{id}", arn: "pets/admin", allowA: true, allowB: true, served: "/pets/admin"},
	// The root.
	{method: "GET", path: "/prod", route: "/", arn: "", allowA: true, served: "/"},
	{method: "GET", path: "/prod/", route: "/", arn: "", allowA: true, served: "/"},
	{method: "GET", path: "/prod//", route: "/", arn: "", allowA: true, served: "/"},
	// Dot segments in every encoding and with ';', encoded '/' and '\',
	// double encoding, control characters, invalid UTF-8, non-NFKC text.
	{method: "GET", path: "/prod/pets/../admin"},
	{method: "GET", path: "/prod/pets/%2e%2e/admin"},
	{method: "GET", path: "/prod/pets/%2E%2E/admin"},
	{method: "GET", path: "/prod/pets/..%2fadmin"},
	{method: "GET", path: "/prod/pets/..%2Fadmin"},
	{method: "GET", path: "/prod/pets/x/../../admin"},
	{method: "GET", path: "/prod/pets/.%2e/admin"},
	{method: "GET", path: "/prod/pets/%2e./admin"},
	{method: "GET", path: "/prod/pets/./1"},
	{method: "GET", path: "/prod/pets/%2e/1"},
	{method: "GET", path: "/prod/pets/..."},
	{method: "GET", path: "/prod/pets/1;/../../admin"},
	{method: "GET", path: "/prod/pets/..;x/admin"},
	{method: "GET", path: "/prod/pets/..;/admin"},
	{method: "GET", path: "/prod/admin;x/secret.txt"},
	{method: "GET", path: "/prod/admin;x"},
	{method: "GET", path: "/prod/admin%3bx"},
	{method: "GET", path: "/prod/pets/..%5cadmin"},
	{method: "GET", path: `/prod/pets/..\admin`},
	{method: "GET", path: `/prod/pets\..\..\admin`},
	{method: "GET", path: "/prod/pets/%252e%252e/admin"},
	{method: "GET", path: "/prod/adm%2569n"},
	{method: "GET", path: "/prod/pets/%c0%ae%c0%ae/admin"},
	{method: "GET", path: "/prod/pets/%ef%bc%8e%ef%bc%8e/admin"},
	{method: "GET", path: "/prod/pets/\xef\xbc\x8e\xef\xbc\x8e/admin"},
	{method: "GET", path: "/prod/pets/%ef%bc%8fadmin"},
	{method: "GET", path: "/prod/pets/%00"},
	{method: "GET", path: "/prod/pets/a%0d%0aX-Injected:%201"},
	{method: "GET", path: "/prod/pets/%ff"},
	{method: "GET", path: "/prod/pets/\xff"},
	{method: "GET", path: "/prod/pets/ad%c2%admin"},
	{method: "GET", path: "/prod/admin%3Fx"},
	{method: "GET", path: "/prod/admin%23"},
	{method: "GET", path: "/prod/admin%20"},
	{method: "GET", path: "/prod/pets/%zz", status: 400},
	// Methods are case-sensitive tokens; only the standard seven route.
	{method: "get", path: "/prod/pets/1"},
	{method: "Get", path: "/prod/admin"},
	{method: "FOO", path: "/prod/pets/1"},
	{method: "TRACE", path: "/prod/pets/1"},
	{method: "HEAD", path: "/prod/admin", route: "/{proxy+}", arn: "admin", allowA: true, served: "/admin"}, // HEAD is not GET (spec §3.4)
	{method: "DELETE", path: "/prod/pets/1", route: "/{proxy+}", arn: "pets/1", allowA: true, served: "/pets/1"},
	{method: "POST", path: "/prod/admin/", route: "/{proxy+}", arn: "admin", allowA: true, served: "/admin"},
	{method: "PATCH", path: "/prod/x", route: "/{proxy+}", arn: "x", allowA: true, served: "/x"},
	{method: "OPTIONS", path: "/prod/x", route: "/{proxy+}", arn: "x", allowA: true, served: "/x"},
	{method: "PUT", path: "/prod/x", route: "/{proxy+}", arn: "x", allowA: true, served: "/x"},
	// MOCK.
	{method: "GET", path: "/prod/mock", route: "/mock", arn: "mock", allowA: true},
	{method: "GET", path: "/prod/mo%63k/", route: "/mock", arn: "mock", allowA: true},
	// AWS_PROXY (the event is checked in TestPathTable).
	{method: "GET", path: "/prod/fn/a%20b//c", route: "/fn/{proxy+}", arn: "fn/a b/c", allowA: true},
	{method: "GET", path: "/prod/fn/..%2f..%2fadmin"},
	// HTTP (non-proxy) with a path mapping.
	{method: "GET", path: "/prod/legacy/a%20b", route: "/legacy/{code}", arn: "legacy/a b", allowA: true, served: "/legacy/a%20b"},
	{method: "GET", path: "/prod/legacy/..%2fadmin"},
	{method: "GET", path: "/prod/legacy/..;/admin"},
}

// TestPathTable is issue #12 items 2 and 3 through the real server: every
// row of pathCases under Allow prod/* + Deny prod/GET/admin (user a) and
// Allow prod/GET/pets/* (user b). For each request it checks the answer,
// the ARN in the decision log, and what the recording backend received:
// the verb of the ARN, a path that decodes to the ARN's, and that a
// normalizing backend resolves to the ARN's path too.
func TestPathTable(t *testing.T) {
	pe := newPathEnv(t, iamAuth)
	arnBase := "arn:aws:execute-api:us-east-1:000000000000:" + pe.id + "/prod/"
	userA := pe.user(pe.iam, "a", `{"Version":"2012-10-17","Statement":[
	  {"Effect":"Allow","Action":"execute-api:Invoke","Resource":"`+arnBase+`*"},
	  {"Effect":"Deny","Action":"execute-api:Invoke","Resource":"`+arnBase+`GET/admin"}]}`)
	userB := pe.user(pe.iam, "b", `{"Version":"2012-10-17","Statement":[
	  {"Effect":"Allow","Action":"execute-api:Invoke","Resource":"`+arnBase+`GET/pets/*"}]}`)
	for _, c := range pathCases {
		for _, u := range []struct {
			name  string
			creds aws.Credentials
			allow bool
		}{{"a", userA, c.allowA}, {"b", userB, c.allowB}} {
			t.Run(u.name+" "+c.method+" "+c.path, func(t *testing.T) {
				pe.check(t, c, &u.creds, u.allow, arnBase)
			})
		}
	}
}

// check sends c and checks the outcome against the expected decision.
func (pe *pathEnv) check(t *testing.T, c pathCase, creds *aws.Credentials, allow bool, arnBase string) {
	t.Helper()
	r := pe.raw(t, c.method, c.path, creds, nil)
	id := r.header.Get("x-amzn-RequestId")
	got, served := pe.rec.take(id)
	line, decided := pe.decision(t, id)
	if c.route == "" {
		want := c.status
		if want == 0 {
			want = 403
		}
		if r.status != want || want == 403 && r.header.Get("x-amzn-ErrorType") != "MissingAuthenticationTokenException" {
			t.Fatalf("got %d %s %s, want %d Missing Authentication Token", r.status, r.header.Get("x-amzn-ErrorType"), r.body, want)
		}
		if served || decided {
			t.Fatalf("refused request reached the backend (%v: %+v) or was decided (%v: %v)", served, got, decided, line)
		}
		return
	}
	wantARN := arnBase + c.method + "/" + c.arn
	if !decided || line["methodArn"] != wantARN {
		t.Fatalf("decision log: %v %v, want methodArn %s (status %d %s)", decided, line, wantARN, r.status, r.body)
	}
	if line["httpMethod"] != c.method {
		t.Errorf("decision log httpMethod %v, want %s", line["httpMethod"], c.method)
	}
	if !allow {
		if r.status != 403 || r.header.Get("x-amzn-ErrorType") != "AccessDeniedException" {
			t.Fatalf("got %d %s, want 403 AccessDeniedException", r.status, r.body)
		}
		if c.method != "HEAD" && !strings.Contains(r.body, arnResource(wantARN)) {
			t.Errorf("denial %s does not name %s", r.body, arnResource(wantARN))
		}
		if line["decision"] == "allowed" || served {
			t.Fatalf("denied request: decision %v, backend %v %+v", line["decision"], served, got)
		}
		return
	}
	if r.status != 200 || line["decision"] != "allowed" {
		t.Fatalf("got %d %s (decision %v), want 200", r.status, r.body, line["decision"])
	}
	switch {
	case c.served != "":
		if !served {
			t.Fatalf("backend received nothing")
		}
		checkServed(t, got, c.method, "/"+c.arn)
		if p, _, _ := strings.Cut(got.Target, "?"); p != c.served {
			t.Errorf("backend path %q, want %q", p, c.served)
		}
	case strings.HasPrefix(c.route, "/fn/"):
		pe.inv.mu.Lock()
		ev := pe.inv.event
		pe.inv.mu.Unlock()
		d, err := url.PathUnescape(ev.Path)
		if err != nil || d != "/"+c.arn || ev.HTTPMethod != c.method {
			t.Errorf("event %s %q decodes to %q, want %s /%s", ev.HTTPMethod, ev.Path, d, c.method, c.arn)
		}
		p, err := url.PathUnescape(ev.PathParameters["proxy"])
		if err != nil || "/fn/"+p != "/"+c.arn {
			t.Errorf("pathParameters.proxy %q, want the ARN's", ev.PathParameters["proxy"])
		}
	case c.route == "/mock":
		if r.body != `{"path":"/prod/mock"}` {
			t.Errorf("mock answered %s", r.body)
		}
	}
}

// checkServed asserts that what the backend received is what was
// authorized: the ARN's verb, a path that decodes to the ARN's path, and
// that a normalizing backend resolves to the same path.
func checkServed(t *testing.T, got received, verb, arnPath string) {
	t.Helper()
	p, _, _ := strings.Cut(got.Target, "?")
	d, err := url.PathUnescape(p)
	if err != nil || d != arnPath || got.Method != verb {
		t.Fatalf("backend received %s %q (decoded %q, %v); authorized %s %q", got.Method, got.Target, d, err, verb, arnPath)
	}
	if got.Normalized != arnPath {
		t.Fatalf("normalizing backend served %q for %q; authorized %q", got.Normalized, got.Target, arnPath)
	}
}

// arnResource is arn with the account masked, as denial messages show it.
func arnResource(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 {
		return arn
	}
	parts[4] = "********" + parts[4][len(parts[4])-4:]
	return strings.Join(parts, ":")
}

// TestPathTableResourcePolicy runs the spellings of GET /admin against an
// explicit Deny in the resource policy — for a same-account IAM caller
// with no identity policy (the policy's Allow lets it in elsewhere), for a
// caller outside a NotPrincipal Deny, and for anonymous callers of NONE
// methods.
func TestPathTableResourcePolicy(t *testing.T) {
	admins := []pathCase{}
	for _, c := range pathCases {
		if c.route == "/admin" || c.route == "" {
			admins = append(admins, c)
		}
	}
	admins = append(admins,
		pathCase{method: "GET", path: "/prod/pets/1//", route: "/pets/{id}", arn: "pets/1", allowA: true, served: "/pets/1"},
		pathCase{method: "GET", path: "/prod/ADMIN", route: "/{proxy+}", arn: "ADMIN", allowA: true, served: "/ADMIN"})

	t.Run("Deny", func(t *testing.T) {
		pe := newPathEnv(t, iamAuth)
		nobody := pe.user(pe.iam, "nobody", "")
		pe.setPolicy(pe.id, `{"Version":"2012-10-17","Statement":[
		  {"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*"},
		  {"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/prod/GET/admin"}]}`)
		pe.deploy(pe.id, "prod")
		arnBase := "arn:aws:execute-api:us-east-1:000000000000:" + pe.id + "/prod/"
		for _, c := range admins {
			t.Run(c.method+" "+c.path, func(t *testing.T) { pe.check(t, c, &nobody, c.allowA, arnBase) })
		}
	})
	t.Run("NotPrincipal", func(t *testing.T) {
		pe := newPathEnv(t, iamAuth)
		arnBase := "arn:aws:execute-api:us-east-1:000000000000:" + pe.id + "/prod/"
		all := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"` + arnBase + `*"}]}`
		boss := pe.user(pe.iam, "boss", all)
		staff := pe.user(pe.iam, "staff", all)
		pe.setPolicy(pe.id, `{"Version":"2012-10-17","Statement":[
		  {"Effect":"Deny","NotPrincipal":{"AWS":["arn:aws:iam::000000000000:user/boss","arn:aws:iam::000000000000:root"]},"Action":"execute-api:Invoke","Resource":"execute-api:/prod/GET/admin"}]}`)
		pe.deploy(pe.id, "prod")
		for _, c := range admins {
			t.Run("staff "+c.method+" "+c.path, func(t *testing.T) { pe.check(t, c, &staff, c.allowA, arnBase) })
			t.Run("boss "+c.method+" "+c.path, func(t *testing.T) { pe.check(t, c, &boss, c.route != "", arnBase) })
		}
	})
	t.Run("anonymous", func(t *testing.T) {
		pe := newPathEnv(t, "")
		pe.setPolicy(pe.id, `{"Version":"2012-10-17","Statement":[
		  {"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*"},
		  {"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/prod/GET/admin"}]}`)
		pe.deploy(pe.id, "prod")
		arnBase := "arn:aws:execute-api:us-east-1:000000000000:" + pe.id + "/prod/"
		for _, c := range admins {
			t.Run(c.method+" "+c.path, func(t *testing.T) { pe.check(t, c, nil, c.allowA, arnBase) })
		}
	})
}
