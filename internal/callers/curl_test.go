package callers

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

var (
	alice   = aws.Credentials{AccessKeyID: "AKIAALICE0000000", SecretAccessKey: "alice-secret-0123456789"}
	bob     = aws.Credentials{AccessKeyID: "AKIABOB000000000", SecretAccessKey: "bob-secret-0123456789"}
	tempKey = aws.Credentials{AccessKeyID: "ASIATEMP00000000", SecretAccessKey: "temp-secret", SessionToken: "temp-session-token"}
)

const (
	aliceARN = "arn:aws:iam::000000000000:user/alice"
	bobARN   = "arn:aws:iam::000000000000:user/bob"
)

type world struct {
	keys *keyStore
	api  *fakeAPI
	sts  *fakeSTS
	dir  string
}

func newWorld(t *testing.T, apiRegion string, stsLifetime time.Duration) *world {
	t.Helper()
	w := &world{keys: newKeyStore(), dir: isolateEnv(t)}
	w.keys.add(alice, aliceARN)
	w.keys.add(bob, bobARN)
	w.keys.add(tempKey, "arn:aws:sts::000000000000:assumed-role/Temp/s")
	w.api = newFakeAPI(t, w.keys, apiRegion)
	w.sts = newFakeSTS(t, w.keys, stsLifetime)
	return w
}

func (w *world) file(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(w.dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func setEnvCreds(t *testing.T, c aws.Credentials) {
	t.Setenv("AWS_ACCESS_KEY_ID", c.AccessKeyID)
	t.Setenv("AWS_SECRET_ACCESS_KEY", c.SecretAccessKey)
	if c.SessionToken != "" {
		t.Setenv("AWS_SESSION_TOKEN", c.SessionToken)
	}
}

type curlResult struct {
	code           int
	stdout, stderr string
}

func runCurl(t *testing.T, stdin string, args ...string) curlResult {
	t.Helper()
	var out, errb strings.Builder
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	code := Curl(ctx, args, strings.NewReader(stdin), &out, &errb)
	return curlResult{code, out.String(), errb.String()}
}

func decodeCall(t *testing.T, s string) apiCall {
	t.Helper()
	var c apiCall
	if err := json.Unmarshal([]byte(s), &c); err != nil {
		t.Fatalf("stdout is not the echo JSON: %v\n%s", err, s)
	}
	return c
}

func sha(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func TestCurlCredentialSources(t *testing.T) {
	tests := []struct {
		name      string
		apiRegion string
		setup     func(t *testing.T, w *world) []string // returns extra args
		principal string                                // want; prefix match
		sts       *stsCall                              // want last STS call (nil: none)
	}{
		{
			name: "env long-term", apiRegion: "us-east-1",
			setup:     func(t *testing.T, w *world) []string { setEnvCreds(t, alice); return nil },
			principal: aliceARN,
		},
		{
			name: "env session token", apiRegion: "us-east-1",
			setup:     func(t *testing.T, w *world) []string { setEnvCreds(t, tempKey); return nil },
			principal: "arn:aws:sts::000000000000:assumed-role/Temp/s",
		},
		{
			name: "--profile from shared files with profile region", apiRegion: "eu-west-1",
			setup: func(t *testing.T, w *world) []string {
				w.file(t, "credentials", "[dev]\naws_access_key_id = "+bob.AccessKeyID+"\naws_secret_access_key = "+bob.SecretAccessKey+"\n")
				w.file(t, "config", "[profile dev]\nregion = eu-west-1\n")
				setEnvCreds(t, alice) // --profile must win over the environment
				return []string{"--profile", "dev"}
			},
			principal: bobARN,
		},
		{
			name: "AWS_PROFILE", apiRegion: "us-east-1",
			setup: func(t *testing.T, w *world) []string {
				w.file(t, "credentials", "[dev]\naws_access_key_id = "+bob.AccessKeyID+"\naws_secret_access_key = "+bob.SecretAccessKey+"\n")
				t.Setenv("AWS_PROFILE", "dev")
				return nil
			},
			principal: bobARN,
		},
		{
			name: "profile with role_arn and source_profile", apiRegion: "us-east-1",
			setup: func(t *testing.T, w *world) []string {
				w.file(t, "credentials", "[dev]\naws_access_key_id = "+bob.AccessKeyID+"\naws_secret_access_key = "+bob.SecretAccessKey+"\n")
				w.file(t, "config", "[profile ops]\nrole_arn = arn:aws:iam::000000000000:role/Ops\nsource_profile = dev\nrole_session_name = ops-session\nregion = us-east-1\n")
				t.Setenv("AWS_ENDPOINT_URL_STS", w.sts.URL)
				return []string{"--profile", "ops"}
			},
			principal: "arn:aws:sts::000000000000:assumed-role/Ops/ops-session",
			sts:       &stsCall{Action: "AssumeRole", RoleARN: "arn:aws:iam::000000000000:role/Ops", SessionName: "ops-session", Caller: bobARN},
		},
		{
			name: "--assume-role with --endpoint-url, session name and external id", apiRegion: "us-east-1",
			setup: func(t *testing.T, w *world) []string {
				setEnvCreds(t, alice)
				return []string{"--assume-role", "arn:aws:iam::000000000000:role/Caller", "--role-session-name", "cli", "--external-id", "ext-42", "--endpoint-url", w.sts.URL}
			},
			principal: "arn:aws:sts::000000000000:assumed-role/Caller/cli",
			sts:       &stsCall{Action: "AssumeRole", RoleARN: "arn:aws:iam::000000000000:role/Caller", SessionName: "cli", ExternalID: "ext-42", Caller: aliceARN},
		},
		{
			name: "--assume-role with AWS_ENDPOINT_URL_STS", apiRegion: "us-east-1",
			setup: func(t *testing.T, w *world) []string {
				setEnvCreds(t, alice)
				t.Setenv("AWS_ENDPOINT_URL_STS", w.sts.URL)
				return []string{"--assume-role", "arn:aws:iam::000000000000:role/Caller", "--role-session-name", "env"}
			},
			principal: "arn:aws:sts::000000000000:assumed-role/Caller/env",
			sts:       &stsCall{Action: "AssumeRole", RoleARN: "arn:aws:iam::000000000000:role/Caller", SessionName: "env", Caller: aliceARN},
		},
		{
			name: "web identity token file", apiRegion: "us-east-1",
			setup: func(t *testing.T, w *world) []string {
				tok := "eyJhbGciOiJSUzI1NiJ9.sa-token." + randHex(8)
				w.sts.acceptToken(tok)
				t.Setenv("AWS_WEB_IDENTITY_TOKEN_FILE", w.file(t, "token", tok))
				t.Setenv("AWS_ROLE_ARN", "arn:aws:iam::000000000000:role/Workload")
				t.Setenv("AWS_ROLE_SESSION_NAME", "pod-1")
				t.Setenv("AWS_ENDPOINT_URL_STS", w.sts.URL)
				return nil
			},
			principal: "arn:aws:sts::000000000000:assumed-role/Workload/pod-1",
			sts:       &stsCall{Action: "AssumeRoleWithWebIdentity", RoleARN: "arn:aws:iam::000000000000:role/Workload", SessionName: "pod-1"},
		},
		{
			name: "web identity then --assume-role (chaining)", apiRegion: "us-east-1",
			setup: func(t *testing.T, w *world) []string {
				tok := "chain-token-" + randHex(8)
				w.sts.acceptToken(tok)
				t.Setenv("AWS_WEB_IDENTITY_TOKEN_FILE", w.file(t, "token", tok))
				t.Setenv("AWS_ROLE_ARN", "arn:aws:iam::000000000000:role/Workload")
				t.Setenv("AWS_ROLE_SESSION_NAME", "pod-1")
				t.Setenv("AWS_ENDPOINT_URL_STS", w.sts.URL)
				return []string{"--assume-role", "arn:aws:iam::000000000000:role/MyRoleToAssume", "--role-session-name", "chained"}
			},
			principal: "arn:aws:sts::000000000000:assumed-role/MyRoleToAssume/chained",
			sts:       &stsCall{Action: "AssumeRole", RoleARN: "arn:aws:iam::000000000000:role/MyRoleToAssume", SessionName: "chained", Caller: "arn:aws:sts::000000000000:assumed-role/Workload/pod-1"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t, tc.apiRegion, time.Hour)
			args := tc.setup(t, w)
			r := runCurl(t, "", append(args, w.api.URL+"/prod/echo?x=1")...)
			if r.code != ExitOK {
				t.Fatalf("exit %d, stderr:\n%s\nstdout:\n%s", r.code, r.stderr, r.stdout)
			}
			c := decodeCall(t, r.stdout)
			if c.Principal != tc.principal {
				t.Errorf("principal = %q, want %q", c.Principal, tc.principal)
			}
			calls := w.sts.callList()
			if tc.sts == nil {
				if len(calls) != 0 {
					t.Errorf("unexpected STS calls %+v", calls)
				}
				return
			}
			if len(calls) == 0 {
				t.Fatal("no STS call")
			}
			got := calls[len(calls)-1]
			got.Token = ""
			if got != *tc.sts {
				t.Errorf("STS call = %+v\nwant %+v", got, *tc.sts)
			}
		})
	}
}

func TestCurlRequestShapes(t *testing.T) {
	w := newWorld(t, "us-east-1", time.Hour)
	setEnvCreds(t, alice)
	bodyFile := w.file(t, "body.json", `{"from":"file"}`)
	tests := []struct {
		name  string
		stdin string
		args  []string
		check func(t *testing.T, r curlResult, c apiCall)
	}{
		{"literal data implies POST and JSON", "", []string{"-d", `{"a":1}`, w.api.URL + "/prod/echo"}, func(t *testing.T, r curlResult, c apiCall) {
			if c.Method != "POST" || c.BodySHA != sha(`{"a":1}`) || c.Header.Get("Content-Type") != "application/json" {
				t.Errorf("got %s body %s content-type %q", c.Method, c.BodySHA, c.Header.Get("Content-Type"))
			}
		}},
		{"--data @file", "", []string{"-X", "PUT", "--data", "@" + bodyFile, w.api.URL + "/prod/echo"}, func(t *testing.T, r curlResult, c apiCall) {
			if c.Method != "PUT" || c.BodySHA != sha(`{"from":"file"}`) || c.Header.Get("Content-Length") != "15" {
				t.Errorf("got %s body %s content-length %q", c.Method, c.BodySHA, c.Header.Get("Content-Length"))
			}
		}},
		{"--data @- reads stdin", "from stdin", []string{"-d", "@-", "-H", "Content-Type: text/plain", w.api.URL + "/prod/echo"}, func(t *testing.T, r curlResult, c apiCall) {
			if c.BodySHA != sha("from stdin") || c.Header.Get("Content-Type") != "text/plain" {
				t.Errorf("body %s content-type %q", c.BodySHA, c.Header.Get("Content-Type"))
			}
		}},
		{"headers are sent and signed", "", []string{"-X", "delete", "-H", "X-Custom: a  b", "-H", "X-Empty;", w.api.URL + "/prod/echo"}, func(t *testing.T, r curlResult, c apiCall) {
			if c.Method != "DELETE" || c.Header.Get("X-Custom") != "a  b" || len(c.Header.Values("X-Empty")) != 1 {
				t.Errorf("method %s headers %v", c.Method, c.Header)
			}
			if !strings.Contains(c.Header.Get("Authorization"), "x-custom") {
				t.Errorf("X-Custom not signed: %s", c.Header.Get("Authorization"))
			}
		}},
		{"Host header override is signed", "", []string{"-H", "Host: abc123.execute-api.localhost", w.api.URL + "/prod/echo"}, func(t *testing.T, r curlResult, c apiCall) {
			if c.Principal != aliceARN {
				t.Errorf("principal %q", c.Principal)
			}
		}},
		{"escaped path and query", "", []string{w.api.URL + "/prod/a%20b/echo?q=x%20y&z=%2B"}, func(t *testing.T, r curlResult, c apiCall) {
			if c.Path != "/prod/a%20b/echo" || c.Query != "q=x%20y&z=%2B" {
				t.Errorf("path %q query %q", c.Path, c.Query)
			}
		}},
		{"-i prints status and headers, flags after URL", "", []string{w.api.URL + "/prod/echo", "-i"}, func(t *testing.T, r curlResult, c apiCall) {
			head, body, ok := strings.Cut(r.stdout, "\r\n\r\n")
			if !ok || !strings.HasPrefix(head, "HTTP/1.1 200 OK\r\n") || !strings.Contains(head, "X-Test-Principal: "+aliceARN) {
				t.Errorf("head = %q", head)
			}
			if decodeCall(t, body).Principal != aliceARN {
				t.Errorf("body = %q", body)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := runCurl(t, tc.stdin, tc.args...)
			if r.code != ExitOK {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			tc.check(t, r, w.api.last())
		})
	}
}

func TestCurlErrorsAndExitCodes(t *testing.T) {
	w := newWorld(t, "us-east-1", time.Hour)
	tests := []struct {
		name       string
		creds      *aws.Credentials
		args       []string
		wantCode   int
		wantStderr string
		wantStdout string
	}{
		{"403 policy denial", &alice, []string{w.api.URL + "/prod/denied"}, ExitHTTPError,
			"HTTP 403 Forbidden: AccessDeniedException: User: " + aliceARN + " is not authorized to perform: execute-api:Invoke", `"Message"`},
		{"500 lowercase message", &alice, []string{w.api.URL + "/prod/boom"}, ExitHTTPError, "HTTP 500 Internal Server Error: Internal server error", "Internal server error"},
		{"400 Query XML error", &alice, []string{w.api.URL + "/prod/queryerror"}, ExitHTTPError, "HTTP 400 Bad Request: ValidationError: 1 validation error detected", "<ErrorResponse"},
		{"418 without AWS error", &alice, []string{w.api.URL + "/prod/teapot"}, ExitHTTPError, "HTTP 418 I'm a teapot", "short and stout"},
		{"wrong secret", &aws.Credentials{AccessKeyID: alice.AccessKeyID, SecretAccessKey: "wrong"}, []string{w.api.URL + "/prod/echo"}, ExitHTTPError,
			"InvalidSignatureException: The request signature we calculated does not match", ""},
		{"unknown key", &aws.Credentials{AccessKeyID: "AKIANOBODY", SecretAccessKey: "x"}, []string{w.api.URL + "/prod/echo"}, ExitHTTPError,
			"UnrecognizedClientException: The security token included in the request is invalid.", ""},
		{"wrong region", &alice, []string{"--region", "eu-central-1", w.api.URL + "/prod/echo"}, ExitHTTPError, "InvalidSignatureException: Credential should be scoped", ""},
		{"--assume-role denied by STS", &alice, []string{"--assume-role", "arn:aws:iam::000000000000:role/Forbidden", "--endpoint-url", w.sts.URL, w.api.URL + "/prod/echo"}, ExitFailure,
			"AccessDenied", ""},
		{"no credentials", nil, []string{w.api.URL + "/prod/echo"}, ExitFailure, "credentials", ""},
		{"connection refused", &alice, []string{"http://127.0.0.1:1/prod/echo"}, ExitFailure, "127.0.0.1:1", ""},
		{"missing --data file", &alice, []string{"-d", "@/nonexistent/body", w.api.URL + "/prod/echo"}, ExitFailure, "--data", ""},
		{"no URL", &alice, nil, ExitUsage, "want exactly one URL", ""},
		{"two URLs", &alice, []string{w.api.URL, w.api.URL}, ExitUsage, "want exactly one URL", ""},
		{"relative URL", &alice, []string{"/prod/echo"}, ExitUsage, "not an absolute", ""},
		{"unknown flag", &alice, []string{"--bogus", w.api.URL}, ExitUsage, "flag provided but not defined", ""},
		{"bad header", &alice, []string{"-H", "NoColon", w.api.URL}, ExitUsage, "Name: value", ""},
		{"--external-id without --assume-role", &alice, []string{"--external-id", "x", w.api.URL}, ExitFailure, "needs --assume-role", ""},
		{"bad --expires", &alice, []string{"--presign", "--expires", "8d", w.api.URL}, ExitUsage, "--expires", ""},
		{"--expires too long", &alice, []string{"--presign", "--expires", "604801", w.api.URL}, ExitUsage, "outside 1s..168h", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			isolateEnv(t)
			if tc.creds != nil {
				setEnvCreds(t, *tc.creds)
			}
			r := runCurl(t, "", tc.args...)
			if r.code != tc.wantCode {
				t.Errorf("exit %d, want %d; stderr: %s", r.code, tc.wantCode, r.stderr)
			}
			if !strings.Contains(r.stderr, tc.wantStderr) {
				t.Errorf("stderr = %q, want it to contain %q", r.stderr, tc.wantStderr)
			}
			if !strings.Contains(r.stdout, tc.wantStdout) {
				t.Errorf("stdout = %q, want it to contain %q", r.stdout, tc.wantStdout)
			}
			for _, secret := range []string{alice.SecretAccessKey, "wrong"} {
				if tc.creds != nil && strings.Contains(r.stderr, secret) && secret == tc.creds.SecretAccessKey {
					t.Errorf("stderr leaks the secret key: %s", r.stderr)
				}
			}
		})
	}
}

func TestCurlPresign(t *testing.T) {
	w := newWorld(t, "us-east-1", time.Hour)
	tests := []struct {
		name      string
		creds     aws.Credentials
		args      []string
		expires   string
		principal string
	}{
		{"long-term, default expiry", alice, nil, "900", aliceARN},
		{"session token, seconds", tempKey, []string{"--expires", "90"}, "90", "arn:aws:sts::000000000000:assumed-role/Temp/s"},
		{"assumed role, duration", alice, []string{"--expires", "2m", "--assume-role", "arn:aws:iam::000000000000:role/Caller", "--role-session-name", "ps", "--endpoint-url", w.sts.URL}, "120",
			"arn:aws:sts::000000000000:assumed-role/Caller/ps"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			isolateEnv(t)
			setEnvCreds(t, tc.creds)
			before := len(w.api.calls)
			r := runCurl(t, "", append(append([]string{"--presign"}, tc.args...), w.api.URL+"/prod/echo?limit=5")...)
			if r.code != ExitOK {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			if len(w.api.calls) != before {
				t.Fatal("--presign sent a request")
			}
			signed := strings.TrimSpace(r.stdout)
			u, err := url.Parse(signed)
			if err != nil {
				t.Fatal(err)
			}
			q := u.Query()
			if q.Get("X-Amz-Expires") != tc.expires || q.Get("limit") != "5" || q.Get("X-Amz-SignedHeaders") != "host" ||
				!strings.HasSuffix(q.Get("X-Amz-Credential"), "/us-east-1/execute-api/aws4_request") {
				t.Errorf("presigned query = %v", q)
			}
			resp, err := http.Get(signed) // plain, unsigned client
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Fatalf("presigned URL: %d %s", resp.StatusCode, body)
			}
			if c := decodeCall(t, string(body)); c.Principal != tc.principal {
				t.Errorf("principal %q, want %q", c.Principal, tc.principal)
			}
			// Tampering with the presigned URL must fail verification.
			resp, err = http.Get(strings.Replace(signed, "limit=5", "limit=6", 1))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 403 {
				t.Errorf("tampered presigned URL: %d, want 403", resp.StatusCode)
			}
		})
	}
}

func TestCurlHelpTellsTheTruth(t *testing.T) {
	r := runCurl(t, "", "--help")
	if r.code != ExitOK || !strings.HasPrefix(r.stderr, "Usage: gatehouse curl [flags] URL") {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	var a curlArgs
	fs := a.flagSet(io.Discard)
	fs.VisitAll(func(f *flag.Flag) {
		want := "--" + f.Name + " "
		if len(f.Name) == 1 {
			want = "-" + f.Name + ", "
		}
		if !strings.Contains(curlHelp, want) {
			t.Errorf("help does not document %q", want)
		}
	})
	for _, claim := range []string{"Exit status: 0", "22 when it is 400 or more", "1 when no response", "2 for usage errors"} {
		if !strings.Contains(curlHelp, claim) {
			t.Errorf("help lacks %q", claim)
		}
	}
}

func TestRegionFromHost(t *testing.T) {
	for host, want := range map[string]string{
		"abc123.execute-api.eu-west-1.amazonaws.com":     "eu-west-1",
		"abc123.execute-api.cn-north-1.amazonaws.com.cn": "cn-north-1",
		"ABC.EXECUTE-API.US-EAST-2.AMAZONAWS.COM":        "us-east-2",
		"abc123.execute-api.localhost":                   "",
		"127.0.0.1":                                      "",
		"execute-api.amazonaws.com":                      "",
	} {
		if got := regionFromHost(host); got != want {
			t.Errorf("regionFromHost(%q) = %q, want %q", host, got, want)
		}
	}
}

func TestHostHeaderRegion(t *testing.T) {
	for _, tc := range []struct {
		headers []string
		want    string
	}{
		{nil, ""},
		{[]string{"Host: abc.execute-api.eu-west-1.amazonaws.com"}, "eu-west-1"},
		{[]string{"host:abc.execute-api.ap-south-1.amazonaws.com:443"}, "ap-south-1"},
		{[]string{"Host: abc.execute-api.localhost"}, ""},
		{[]string{"X-Host: abc.execute-api.eu-west-1.amazonaws.com"}, ""},
	} {
		if got := regionFromHost(hostname(hostHeader(tc.headers))); got != tc.want {
			t.Errorf("%q: region %q, want %q", tc.headers, got, tc.want)
		}
	}
}
