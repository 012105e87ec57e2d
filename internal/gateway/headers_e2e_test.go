package gateway_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awssts "github.com/aws/aws-sdk-go-v2/service/sts"
)

// wsgiEnviron is what a WSGI (or CGI, PHP, Rack) server makes of a
// request's headers: HTTP_ + the name upper-cased with '-' turned into '_',
// so that "X-Caller-Arn" and "X_Caller_Arn" are the same key; every value
// received for a key, in order.
func wsgiEnviron(h http.Header) map[string][]string {
	env := map[string][]string{}
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		key := "HTTP_" + strings.ToUpper(strings.ReplaceAll(k, "-", "_"))
		env[key] = append(env[key], h[k]...)
	}
	return env
}

// headersAPI maps the caller's identity into integration request headers
// of HTTP_PROXY methods (a static uri and a {proxy+} uri), for AWS_IAM and
// NONE callers, and has an AWS_PROXY method.
const headersAPI = `{"openapi": "3.0.1", "info": {"title": "headers", "version": "1"},
 "paths": {
  "/caller": {"get": {"security": [{"sigv4": []}],
     "x-amazon-apigateway-integration": {"type": "http_proxy", "httpMethod": "GET", "uri": "BACKEND/caller",
       "requestParameters": {"integration.request.header.X-Caller-Arn": "context.identity.userArn",
         "integration.request.header.x_tenant": "'acme'",
         "integration.request.header.X-User": "method.request.header.X-Not-Sent"}}}},
  "/caller/{proxy+}": {"x-amazon-apigateway-any-method": {"security": [{"sigv4": []}],
     "x-amazon-apigateway-integration": {"type": "http_proxy", "httpMethod": "ANY", "uri": "BACKEND/caller/{proxy}",
       "requestParameters": {"integration.request.path.proxy": "method.request.path.proxy",
         "integration.request.header.X-Caller-Arn": "context.identity.userArn"}}}},
  "/open": {"get": {
     "x-amazon-apigateway-integration": {"type": "http_proxy", "httpMethod": "GET", "uri": "BACKEND/open",
       "requestParameters": {"integration.request.header.X-Caller-Arn": "context.identity.userArn"}}}},
  "/fn": {"get": {"security": [{"sigv4": []}],
     "x-amazon-apigateway-integration": {"type": "aws_proxy", "httpMethod": "POST",
       "uri": "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:hello/invocations"}}}
 },
 "components": {"securitySchemes": {"sigv4": {"type": "apiKey", "name": "Authorization", "in": "header", "x-amazon-apigateway-authtype": "awsSigv4"}}}}`

// headersEnv deploys headersAPI as "prod" in front of a backend that
// answers the WSGI environ of the headers it received, and its raw query.
func headersEnv(t *testing.T) *pathEnv {
	t.Helper()
	pe := newPathEnv(t, iamAuth)
	be := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"environ": wsgiEnviron(r.Header), "query": r.URL.RawQuery, "header": r.Header})
	}))
	t.Cleanup(be.Close)
	pe.be = be
	pe.id = pe.importAPI(headersAPI, "prod")
	pe.host = pe.id + ".execute-api.localhost"
	return pe
}

type wsgiReply struct {
	Environ map[string][]string `json:"environ"`
	Query   string              `json:"query"`
	Header  http.Header         `json:"header"`
}

func decodeWSGI(t *testing.T, r reply) wsgiReply {
	t.Helper()
	if r.status != 200 {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	var w wsgiReply
	if err := json.Unmarshal([]byte(r.body), &w); err != nil {
		t.Fatalf("%s: %v", r.body, err)
	}
	return w
}

// TestIdentityHeadersNotSpoofable is issue #12 item 9: a client's header
// that a backend folding names the WSGI way would read as a header the
// gateway maps or sets — any case, '_' for '-', duplicated — never reaches
// the backend; the backend sees exactly one value, the gateway's. Nor do
// hop-by-hop names spelled with '_' or method overrides. Other client
// headers (also with '_') pass, and X-Forwarded-For is extended.
func TestIdentityHeadersNotSpoofable(t *testing.T) {
	pe := headersEnv(t)
	spoof := http.Header{
		"X-Caller_Arn":             {"arn:aws:iam::000000000000:user/evil"},
		"X_CALLER_ARN":             {"evil2"},
		"x-caller-arn":             {"evil3", "evil4"},
		"X-Caller-Arn":             {"evil5"},
		"X_Tenant":                 {"evil"},
		"X-TENANT":                 {"evil"},
		"X_User":                   {"evil"},
		"X-User":                   {"evil"},
		"X-Amzn-Trace_Id":          {"Root=1-evil"},
		"X_Amzn_RequestId":         {"evil"},
		"X-Amzn-Apigateway_Api_Id": {"otherapi"},
		"X_Forwarded_For":          {"6.6.6.6"},
		"X-Forwarded-For":          {"1.2.3.4", "10.0.0.1"},
		"X-HTTP-Method-Override":   {"DELETE"},
		"X_Http_Method":            {"DELETE"},
		"X-Method-Override":        {"DELETE"},
		"Content_Length":           {"5"},
		"Transfer_Encoding":        {"chunked"},
		"X-Keep_Me":                {"yes"},
	}
	rootARN := "arn:aws:iam::000000000000:root"
	for _, c := range []struct {
		name, path string
		creds      *aws.Credentials
		caller     string
	}{
		{"static uri", "/prod/caller", &pe.root, rootARN},
		{"proxy uri", "/prod/caller/a/b", &pe.root, rootARN},
		{"NONE method", "/prod/open", nil, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := pe.raw(t, "GET", c.path, c.creds, spoof)
			w := decodeWSGI(t, r)
			want := map[string][]string{
				"HTTP_X_CALLER_ARN":             {c.caller},
				"HTTP_X_AMZN_TRACE_ID":          {r.header.Get("X-Amzn-Trace-Id")},
				"HTTP_X_AMZN_REQUESTID":         {r.header.Get("x-amzn-RequestId")},
				"HTTP_X_AMZN_APIGATEWAY_API_ID": {pe.id},
				"HTTP_X_FORWARDED_FOR":          {"1.2.3.4, 10.0.0.1, 127.0.0.1"},
				"HTTP_X_KEEP_ME":                {"yes"},
			}
			if c.path == "/prod/caller" {
				want["HTTP_X_TENANT"] = []string{"acme"}
				want["HTTP_X_USER"] = nil // mapped, unresolved: no client value either
			} else {
				want["HTTP_X_TENANT"] = []string{"evil", "evil"} // not mapped here
				want["HTTP_X_USER"] = []string{"evil", "evil"}
			}
			if c.caller == "" {
				// A NONE method's anonymous caller: the mapping gives "".
				want["HTTP_X_CALLER_ARN"] = []string{""}
			}
			for k, v := range want {
				if got := w.Environ[k]; strings.Join(got, "|") != strings.Join(v, "|") || len(got) != len(v) {
					t.Errorf("backend %s = %q, want %q", k, got, v)
				}
			}
			for _, k := range []string{"HTTP_CONTENT_LENGTH", "HTTP_TRANSFER_ENCODING", "HTTP_X_HTTP_METHOD_OVERRIDE", "HTTP_X_HTTP_METHOD", "HTTP_X_METHOD_OVERRIDE"} {
				if v, ok := w.Environ[k]; ok {
					t.Errorf("backend %s = %q, want absent", k, v)
				}
			}
		})
	}
}

// TestCredentialsNotForwarded is issue #12 item 18: the caller's SigV4
// material — the Authorization header, X-Amz-Date, X-Amz-Content-Sha256,
// X-Amz-Security-Token (in any spelling) and the presigned-URL query
// parameters — never reaches an HTTP backend or a function; the rest of
// the query does, and a NONE method's own Authorization (a bearer token
// for the backend) still does.
func TestCredentialsNotForwarded(t *testing.T) {
	pe := headersEnv(t)
	ctx := context.Background()
	caller := pe.user(pe.iam, "caller", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"*"}]}`)
	stsc := awssts.NewFromConfig(awsConfig(caller), func(o *awssts.Options) { o.BaseEndpoint = aws.String(pe.srv.URL) })
	out, err := stsc.GetSessionToken(ctx, &awssts.GetSessionTokenInput{})
	if err != nil {
		t.Fatal(err)
	}
	sess := aws.Credentials{AccessKeyID: *out.Credentials.AccessKeyId, SecretAccessKey: *out.Credentials.SecretAccessKey,
		SessionToken: *out.Credentials.SessionToken}
	secret := []string{"Authorization", "X-Amz-Date", "X-Amz-Security-Token", "X-Amz-Content-Sha256"}

	checkHeaders := func(t *testing.T, h http.Header) {
		t.Helper()
		env := wsgiEnviron(h)
		for _, n := range secret {
			if v, ok := env["HTTP_"+strings.ToUpper(strings.ReplaceAll(n, "-", "_"))]; ok {
				t.Errorf("backend received %s: %q", n, v)
			}
		}
		for k, vv := range h {
			for _, v := range vv {
				if strings.Contains(v, sess.SessionToken) || strings.Contains(v, "Signature=") {
					t.Errorf("backend header %s carries credentials: %q", k, v)
				}
			}
		}
	}
	t.Run("header-signed with a session token", func(t *testing.T) {
		extra := http.Header{"X-Amz_Security_Token": {sess.SessionToken}, "X-Amz-Content-Sha256": {emptyHash}}
		w := decodeWSGI(t, pe.raw(t, "GET", "/prod/caller?type=dog", &sess, extra))
		checkHeaders(t, w.Header)
		if w.Query != "type=dog" {
			t.Errorf("backend query %q, want type=dog", w.Query)
		}
		w = decodeWSGI(t, pe.raw(t, "GET", "/prod/caller/x?type=dog", &sess, extra))
		checkHeaders(t, w.Header)
	})
	t.Run("presigned URL", func(t *testing.T) {
		target := pe.presign(t, sess, "/prod/caller/x?type=dog&b=1")
		if !strings.Contains(target, "X-Amz-Signature=") || !strings.Contains(target, "X-Amz-Security-Token=") {
			t.Fatalf("presigned target %s", target)
		}
		w := decodeWSGI(t, pe.raw(t, "GET", target, nil, nil))
		checkHeaders(t, w.Header)
		q, err := url.ParseQuery(w.Query)
		if err != nil || len(q) != 2 || q.Get("type") != "dog" || q.Get("b") != "1" {
			t.Errorf("backend query %q, want only type=dog and b=1", w.Query)
		}
		// A presigned request on a static uri goes through the fast path.
		w = decodeWSGI(t, pe.raw(t, "GET", pe.presign(t, sess, "/prod/caller?type=dog"), nil, nil))
		checkHeaders(t, w.Header)
		if w.Query != "type=dog" {
			t.Errorf("backend query %q, want type=dog", w.Query)
		}
	})
	t.Run("Lambda event", func(t *testing.T) {
		for _, r := range []reply{
			pe.raw(t, "GET", "/prod/fn?type=dog", &sess, http.Header{"X_Amz_Security_Token": {sess.SessionToken}}),
			pe.raw(t, "GET", pe.presign(t, sess, "/prod/fn?type=dog"), nil, nil),
		} {
			if r.status != 200 {
				t.Fatalf("status %d: %s", r.status, r.body)
			}
			pe.inv.mu.Lock()
			ev := pe.inv.event
			pe.inv.mu.Unlock()
			h := http.Header{}
			for k, v := range ev.MultiValueHeaders {
				h[k] = v
			}
			checkHeaders(t, h)
			for k := range ev.Headers {
				if _, ok := ev.MultiValueHeaders[k]; !ok {
					t.Errorf("headers and multiValueHeaders differ on %s", k)
				}
			}
			if len(ev.QueryStringParameters) != 1 || ev.QueryStringParameters["type"] != "dog" || len(ev.MultiValueQueryStringParameters) != 1 {
				t.Errorf("event query %v / %v, want only type=dog", ev.QueryStringParameters, ev.MultiValueQueryStringParameters)
			}
		}
	})
	t.Run("NONE method", func(t *testing.T) {
		w := decodeWSGI(t, pe.raw(t, "GET", "/prod/open", nil, http.Header{
			"Authorization": {"Bearer app-token"}, "X-Amz-Security-Token": {"tok"}, "X-Amz-Date": {"20260101T000000Z"}}))
		if got := w.Header.Get("Authorization"); got != "Bearer app-token" {
			t.Errorf("backend Authorization %q, want the bearer token", got)
		}
		if got := w.Header.Get("X-Amz-Date"); got != "20260101T000000Z" {
			t.Errorf("backend X-Amz-Date %q (no signature: kept)", got)
		}
		if v, ok := w.Header["X-Amz-Security-Token"]; ok {
			t.Errorf("backend received X-Amz-Security-Token %q", v)
		}
		// A SigV4 Authorization header is the gateway's even on a NONE method.
		w = decodeWSGI(t, pe.raw(t, "GET", "/prod/open?X-Amz-Signature=abc&k=v", &sess, nil))
		checkHeaders(t, w.Header)
		if w.Query != "k=v" {
			t.Errorf("backend query %q, want k=v", w.Query)
		}
	})
}

// presign returns target presigned for execute-api with creds.
func (pe *pathEnv) presign(t *testing.T, creds aws.Credentials, target string) string {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, "http://"+pe.host+target, nil)
	if err != nil {
		t.Fatal(err)
	}
	u, _, err := v4.NewSigner().PresignHTTP(context.Background(), creds, req, emptyHash, "execute-api", "us-east-1", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	pu, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	return pu.RequestURI()
}
