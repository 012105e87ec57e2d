package callers_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/gatehouse-dev/gatehouse/internal/gatehousetest"
	"github.com/gatehouse-dev/gatehouse/pkg/sigv4client"
)

// TestRequestShapes sends awkward paths and query strings, signed by
// `gatehouse curl` and by sigv4client, through the real gateway: the
// signature must verify (execute-api double-encodes the path in the
// canonical request) and the backend must get the request unchanged.
func TestRequestShapes(t *testing.T) {
	t.Parallel()
	// The server's clock can be moved ahead (the expired presigned URL)
	// instead of waiting for real time to pass; every other request stays
	// well inside the 15-minute skew.
	var ahead atomic.Int64
	w := newWorld(t, gatehousetest.WithClock(func() time.Time { return time.Now().Add(time.Duration(ahead.Load())) }))
	env := cleanEnv(t, append(credEnv(w.Invoker), "AWS_REGION="+region)...)
	c := client(t, sigv4client.Config{Credentials: credentials.StaticCredentialsProvider{Value: w.Invoker}})
	// want is the query the backend gets when it differs from the one sent.
	cases := []struct {
		name, path, query string
		want              string
	}{
		{"encoded space", "/echo/a%20b", "", ""},
		{"plus", "/echo/a+b", "", ""},
		{"utf-8", "/echo/caf%C3%A9", "", ""},
		// Not ';': the gateway refuses it in a path (Tomcat would read
		// "x;y" as "x"; doc/security.md §2–3, §9, §18), see below.
		{"sub-delims", "/echo/x=1,z!$&'*+:@", "", ""},
		{"tilde and dots", "/echo/~user/.hidden", "", ""},
		{"parentheses", "/echo/(x)", "", ""},
		{"repeated and empty query values", "/echo/q", "b=2&a=1&a=0&empty=", ""},
		{"encoded query", "/echo/q", "q=a%20b&s=%2F%3F", ""},
		{"unreserved query", "/echo/q", "k=v-_.~", ""},
		// The signer sends a bare name in its canonical form "name=".
		{"query without value", "/echo/q", "flag", "flag="},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			u := w.base() + tc.path
			if tc.query != "" {
				u += "?" + tc.query
			}
			check := func(who string, status int, body []byte) {
				t.Helper()
				if status != 200 {
					t.Fatalf("%s: %d %s", who, status, body)
				}
				e := parseEcho(t, body)
				want := tc.query
				if tc.want != "" {
					want = tc.want
				}
				if e.Path != tc.path || e.Query != want {
					t.Errorf("%s: backend got %s ?%s, want %s ?%s", who, e.Path, e.Query, tc.path, want)
				}
			}
			r := gatehouse(t, env, nil, "curl", u)
			if r.code != 0 {
				t.Fatalf("gatehouse curl: exit %d %s %s", r.code, r.stdout, r.stderr)
			}
			check("gatehouse curl", 200, []byte(r.stdout))
			req, err := http.NewRequest(http.MethodGet, u, nil)
			if err != nil {
				t.Fatal(err)
			}
			status, body := do(t, c, req)
			check("sigv4client", status, body)
		})
	}

	t.Run("semicolon refused", func(t *testing.T) {
		t.Parallel()
		r := gatehouse(t, env, nil, "curl", w.base()+"/echo/x;y=1")
		if want := `{"message":"Missing Authentication Token"}`; r.code != 22 || r.stdout != want {
			t.Fatalf("exit %d\n got %s\nwant %s\n%s", r.code, r.stdout, want, r.stderr)
		}
	})

	t.Run("expired presigned URL", func(t *testing.T) {
		t.Parallel()
		r := gatehouse(t, env, nil, "curl", "--presign", "--expires", "1", w.base()+"/echo/soon")
		if r.code != 0 {
			t.Fatalf("exit %d: %s", r.code, r.stderr)
		}
		ahead.Add(int64(2 * time.Second)) // past the URL's 1-second expiry
		status, body := get(t, strings.TrimSpace(r.stdout))
		if status != 403 || !strings.HasPrefix(body, `{"message":"Signature expired: `) {
			t.Fatalf("%d %s", status, body)
		}
	})

	t.Run("signed for another service", func(t *testing.T) {
		t.Parallel()
		r := gatehouse(t, env, nil, "curl", "--service", "sts", w.base()+"/echo/x")
		want := `{"message":"Credential should be scoped to correct service: 'execute-api'. "}`
		if r.code != 22 || r.stdout != want {
			t.Fatalf("exit %d\n got %s\nwant %s\n%s", r.code, r.stdout, want, r.stderr)
		}
	})
}

// TestSignedHeadersAndSessions probes what the gateway must canonicalise
// the way the signer did (repeated headers, runs of spaces, custom
// headers), presigned requests with a body and the longest expiry, HEAD,
// and GetSessionToken credentials from the environment.
func TestSignedHeadersAndSessions(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	env := cleanEnv(t, append(credEnv(w.Invoker), "AWS_REGION="+region)...)
	invokerArn := "arn:aws:iam::" + account + ":user/invoker"

	t.Run("headers", func(t *testing.T) {
		t.Parallel()
		r := gatehouse(t, env, nil, "curl", "-H", "X-Spaces: a    b   c", "-H", "X-Multi: 1", "-H", "X-Multi: 2",
			"-H", "X-Empty;", "-H", "X-Amz-Meta-Thing: t", w.base()+"/echo/h")
		if r.code != 0 {
			t.Fatalf("exit %d %s %s", r.code, r.stdout, r.stderr)
		}
		if e := parseEcho(t, []byte(r.stdout)); e.CallerArn != invokerArn {
			t.Fatalf("backend got %+v", e)
		}
	})

	t.Run("HEAD", func(t *testing.T) {
		t.Parallel()
		r := gatehouse(t, env, nil, "curl", "-i", "-X", "HEAD", w.base()+"/echo/head")
		if r.code != 0 || !strings.HasPrefix(r.stdout, "HTTP/1.1 200 OK\r\n") {
			t.Fatalf("exit %d %q %s", r.code, r.stdout, r.stderr)
		}
	})

	t.Run("presigned POST with a body", func(t *testing.T) {
		t.Parallel()
		body := `{"order":42}`
		r := gatehouse(t, env, nil, "curl", "--presign", "-d", body, w.base()+"/echo/orders")
		if r.code != 0 {
			t.Fatalf("exit %d %s", r.code, r.stderr)
		}
		signed := strings.TrimSpace(r.stdout)
		// The signed headers other than Host (Content-Type here) are listed
		// on stderr and must be sent as they were.
		if !strings.Contains(r.stderr, "Content-Type: application/json") {
			t.Fatalf("stderr %q", r.stderr)
		}
		resp, err := http.Post(signed, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("%d %s", resp.StatusCode, b)
		}
		if e := parseEcho(t, b); e.Method != "POST" || e.BodySHA256 != sum(body) || e.CallerArn != invokerArn {
			t.Fatalf("backend got %+v", e)
		}
		// Another body with the same URL does not verify.
		resp, err = http.Post(signed, "application/json", strings.NewReader(`{"order":43}`))
		if err != nil {
			t.Fatal(err)
		}
		b, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 403 || !strings.HasPrefix(string(b), `{"message":"`+mismatchSentence) {
			t.Fatalf("other body: %d %s", resp.StatusCode, b)
		}
	})

	t.Run("presigned for 7 days", func(t *testing.T) {
		t.Parallel()
		r := gatehouse(t, env, nil, "curl", "--presign", "--expires", "168h", w.base()+"/echo/week")
		if r.code != 0 || !strings.Contains(r.stdout, "X-Amz-Expires=604800") {
			t.Fatalf("exit %d %s %s", r.code, r.stdout, r.stderr)
		}
		if status, b := get(t, strings.TrimSpace(r.stdout)); status != 200 {
			t.Fatalf("%d %s", status, b)
		}
	})

	t.Run("GetSessionToken credentials", func(t *testing.T) {
		t.Parallel()
		out, err := sts.NewFromConfig(aws.Config{Region: region, BaseEndpoint: aws.String(w.URL), RetryMaxAttempts: 1,
			Credentials: credentials.StaticCredentialsProvider{Value: w.Invoker}}).GetSessionToken(context.Background(), &sts.GetSessionTokenInput{})
		if err != nil {
			t.Fatal(err)
		}
		c := out.Credentials
		r := gatehouse(t, cleanEnv(t, "AWS_ACCESS_KEY_ID="+*c.AccessKeyId, "AWS_SECRET_ACCESS_KEY="+*c.SecretAccessKey,
			"AWS_SESSION_TOKEN="+*c.SessionToken), nil, "curl", w.base()+"/echo/session")
		if r.code != 0 {
			t.Fatalf("exit %d %s %s", r.code, r.stdout, r.stderr)
		}
		if e := parseEcho(t, []byte(r.stdout)); e.CallerArn != invokerArn || e.CallerKey != *c.AccessKeyId {
			t.Fatalf("backend got %+v", e)
		}
		// A tampered session token is refused with the AWS message.
		r = gatehouse(t, cleanEnv(t, "AWS_ACCESS_KEY_ID="+*c.AccessKeyId, "AWS_SECRET_ACCESS_KEY="+*c.SecretAccessKey,
			"AWS_SESSION_TOKEN="+*c.SessionToken+"x"), nil, "curl", w.base()+"/echo/session")
		if r.code != 22 || r.stdout != `{"message":"The security token included in the request is invalid."}` {
			t.Fatalf("tampered token: exit %d %s %s", r.code, r.stdout, r.stderr)
		}
	})
}

// TestOtherRegion imports an API in eu-west-1 (APIs live in the region of
// the call that created them): requests signed for eu-west-1 — by flag, or
// inferred from an execute-api Host name — pass; us-east-1 ones get the
// gateway's scope error.
func TestOtherRegion(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	cfg := rootConfig(w.URL)
	cfg.Region = "eu-west-1"
	apig := apigateway.NewFromConfig(cfg)
	ctx := context.Background()
	out, err := apig.ImportRestApi(ctx, &apigateway.ImportRestApiInput{Body: []byte(strings.ReplaceAll(apiDoc, "BACKEND", "http://127.0.0.1:1"))})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := apig.CreateDeployment(ctx, &apigateway.CreateDeploymentInput{RestApiId: out.Id, StageName: aws.String("eu")}); err != nil {
		t.Fatal(err)
	}
	env := cleanEnv(t, credEnv(rootCreds)...)
	hello := w.URL + "/restapis/" + *out.Id + "/eu/_user_request_/hello"
	cases := []struct {
		name string
		args []string
		code int
		out  string
	}{
		{"region flag", []string{"--region", "eu-west-1", hello}, 0, `{"Message":"Hello World"}`},
		{"region from the Host name", []string{"-H", "Host: " + *out.Id + ".execute-api.eu-west-1.amazonaws.com", w.URL + "/eu/hello"}, 0, `{"Message":"Hello World"}`},
		{"default region", []string{hello}, 22, `{"message":"Credential should be scoped to a valid region, not 'us-east-1'. "}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := gatehouse(t, env, nil, append([]string{"curl"}, tc.args...)...)
			if r.code != tc.code || r.stdout != tc.out {
				t.Fatalf("exit %d %s %s\nwant %d %s", r.code, r.stdout, r.stderr, tc.code, tc.out)
			}
		})
	}
}
