package callers_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/gatehouse-dev/gatehouse/pkg/sigv4client"
)

// TestRequestShapes sends awkward paths and query strings, signed by
// `gatehouse curl` and by sigv4client, through the real gateway: the
// signature must verify (execute-api double-encodes the path in the
// canonical request) and the backend must get the request unchanged.
func TestRequestShapes(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
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
		{"sub-delims", "/echo/x;y=1,z", "", ""},
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

	t.Run("expired presigned URL", func(t *testing.T) {
		t.Parallel()
		r := gatehouse(t, env, nil, "curl", "--presign", "--expires", "1", w.base()+"/echo/soon")
		if r.code != 0 {
			t.Fatalf("exit %d: %s", r.code, r.stderr)
		}
		time.Sleep(2100 * time.Millisecond)
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
