package callers_test

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/gatehouse-dev/gatehouse/internal/callers"
	"github.com/gatehouse-dev/gatehouse/internal/gatehousetest"
)

// TestSignProxyWebIdentityRereadsToken runs the sidecar as in a pod: only
// AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE, exchanged with the real
// AssumeRoleWithWebIdentity. With a refresh window three seconds short of
// the session, each expiry re-reads the token file: a broken token makes
// requests fail with 502 and health 503, a fresh one recovers without a
// restart.
func TestSignProxyWebIdentityRereadsToken(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	is := newIssuer(t)
	sub := "system:serviceaccount:default:pod"
	w.webIdentityRole(t, is, "pod-role", sub)
	tokenFile := writeFile(t, "token", is.token(t, sub))
	env := callerEnv(aws.Credentials{}, "AWS_ROLE_ARN="+roleARN("pod-role"), "AWS_WEB_IDENTITY_TOKEN_FILE="+tokenFile,
		"AWS_ROLE_SESSION_NAME=pod-1", "AWS_ENDPOINT_URL_STS="+w.URL,
		// The SDK retries InvalidIdentityToken with backoff (seconds); once is enough here.
		"AWS_MAX_ATTEMPTS=1")
	exchanges := func() float64 { return w.metric(t, `operation="AssumeRoleWithWebIdentity"`, `status="200"`) }

	const session = time.Hour // STS's default DurationSeconds for AssumeRoleWithWebIdentity
	s := startSidecar(t, env, callers.SignProxyOptions{RefreshWindow: session - 3*time.Second}, "--target", w.base())
	h := s.health(t)
	if h.Credentials.Source != "WebIdentityCredentials" || time.Until(h.Credentials.Expires) > 4*time.Second {
		t.Fatalf("health %+v: want web identity credentials refreshed within 3 s", h)
	}
	e1 := s.echo(t, "/echo/pod")
	if e1.CallerArn != "arn:aws:sts::"+account+":assumed-role/pod-role/pod-1" || exchanges() != 1 {
		t.Fatalf("backend got %+v after %v exchanges", e1, exchanges())
	}

	if err := os.WriteFile(tokenFile, []byte("not.a.jwt"), 0o600); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Until(h.Credentials.Expires) + 100*time.Millisecond)
	resp, err := http.Get(s.URL + "/echo/pod")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 502 || resp.Header.Get("X-Amzn-ErrorType") != "SignProxyError" || !strings.Contains(string(b), "InvalidIdentityToken") {
		t.Fatalf("with a broken token: %d %v %s", resp.StatusCode, resp.Header, b)
	}
	status, body := get(t, s.URL+callers.HealthPath)
	if status != 503 || !strings.Contains(body, `"status":"unavailable"`) || !strings.Contains(body, "InvalidIdentityToken") {
		t.Fatalf("health with a broken token: %d %s", status, body)
	}

	if err := os.WriteFile(tokenFile, []byte(is.token(t, sub)), 0o600); err != nil {
		t.Fatal(err)
	}
	e2 := s.echo(t, "/echo/pod")
	if e2.CallerArn != e1.CallerArn || e2.CallerKey == e1.CallerKey || exchanges() != 2 {
		t.Fatalf("after a fresh token: %+v (was %+v), %v exchanges", e2, e1, exchanges())
	}
}

var listeningRE = regexp.MustCompile(`listening on (http://[0-9.:]+)`)

// proxyProcess runs the built `gatehouse sign-proxy` and returns its URL.
func proxyProcess(t *testing.T, env []string, args ...string) (string, *exec.Cmd, *gatehousetest.Buffer) {
	t.Helper()
	cmd := exec.Command(gatehousetest.Binary(t), append([]string{"sign-proxy", "--listen", "127.0.0.1:0"}, args...)...)
	cmd.Env = env
	stderr := &gatehousetest.Buffer{}
	cmd.Stderr = stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	urlc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if m := listeningRE.FindStringSubmatch(sc.Text()); m != nil {
				urlc <- m[1]
			}
		}
	}()
	select {
	case u := <-urlc:
		return u, cmd, stderr
	case <-time.After(20 * time.Second):
		t.Fatalf("sign-proxy did not start: %s", stderr)
		return "", nil, nil
	}
}

// TestSignProxyBinary runs the built `gatehouse sign-proxy` as a process:
// what it forwards, how the gateway's answers come back through it, its
// health endpoint, and a graceful stop on SIGTERM.
func TestSignProxyBinary(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	base := w.base()

	t.Run("signs, replaces client signatures, stops on SIGTERM", func(t *testing.T) {
		t.Parallel()
		u, cmd, stderr := proxyProcess(t, cleanEnv(t, append(credEnv(w.Invoker), "AWS_REGION="+region)...), "--target", base)
		req, _ := http.NewRequest(http.MethodPost, u+"/echo/fwd?a=1&X-Amz-Signature=forged", strings.NewReader(`{"k":"v"}`))
		req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIAFORGED/20200101/us-east-1/execute-api/aws4_request, SignedHeaders=host, Signature=00")
		req.Header.Set("X-Amz-Date", "20200101T000000Z")
		req.Header.Set("Content-Type", "application/json")
		status, b := do(t, http.DefaultClient, req)
		if status != 200 {
			t.Fatalf("%d %s\n%s", status, b, stderr)
		}
		if e := parseEcho(t, b); e.Path != "/echo/fwd" || e.Query != "a=1" || e.CallerArn != "arn:aws:iam::"+account+":user/invoker" ||
			e.BodySHA256 != sum(`{"k":"v"}`) || e.ContentType != "application/json" {
			t.Fatalf("backend got %+v", e)
		}
		status, body := get(t, u+callers.HealthPath)
		var h health
		if json.Unmarshal([]byte(body), &h) != nil || status != 200 || h.Status != "ok" || h.Credentials.Source != "EnvConfigCredentials" {
			t.Fatalf("health %d %s", status, body)
		}
		status, body = get(t, u+"/nowhere")
		if status != 403 || body != `{"message":"Missing Authentication Token"}` {
			t.Fatalf("unrouted: %d %s", status, body)
		}
		cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("exit after SIGTERM: %v\n%s", err, stderr)
			}
		case <-time.After(15 * time.Second):
			t.Fatal("sign-proxy did not stop on SIGTERM")
		}
	})

	t.Run("curl(1) upload with Expect: 100-continue", func(t *testing.T) {
		t.Parallel()
		curl, err := exec.LookPath("curl")
		if err != nil {
			t.Skip("curl not installed")
		}
		u, _, stderr := proxyProcess(t, cleanEnv(t, credEnv(w.Invoker)...), "--target", base)
		data := strings.Repeat("expect-continue ", 1<<17) // 2 MiB: curl sends Expect: 100-continue
		file := writeFile(t, "upload", data)
		out, err := exec.Command(curl, "-sS", "--fail-with-body", "-X", "PUT", "-H", "Content-Type: text/plain",
			"--data-binary", "@"+file, u+"/echo/curl-upload").CombinedOutput()
		if err != nil {
			t.Fatalf("curl: %v\n%s\nsidecar: %s", err, out, stderr)
		}
		if e := parseEcho(t, out); e.BodyLen != int64(len(data)) || e.BodySHA256 != sum(data) || e.CallerArn != "arn:aws:iam::"+account+":user/invoker" {
			t.Fatalf("backend got %+v", e)
		}
	})

	errs := []struct {
		name   string
		env    []string
		args   []string
		path   string
		status int
		body   string // exact, or a prefix when it ends in "…"
	}{
		{"no execute-api:Invoke", cleanEnv(t, credEnv(w.Nobody)...), nil, "/echo/secret", 403,
			`{"Message":"User: arn:aws:iam::` + account + `:user/nobody is not authorized to perform: execute-api:Invoke on resource: ` +
				w.maskedARN("GET", "/echo/secret") + ` because no identity-based policy allows the execute-api:Invoke action"}`},
		{"wrong region", cleanEnv(t, credEnv(w.Invoker)...), []string{"--region", "ap-south-1"}, "/echo/x", 403,
			`{"message":"Credential should be scoped to a valid region, not 'ap-south-1'. "}`},
		{"unsigned payload refused by execute-api", cleanEnv(t, credEnv(w.Invoker)...), []string{"--unsigned-payload"}, "/echo/x", 403,
			`{"message":"The request signature we calculated does not match the signature you provided.…`},
		{"no credentials", cleanEnv(t, "AWS_REGION="+region), nil, "/echo/x", 502,
			`{"message":"sign-proxy: sigv4client: retrieve credentials: failed to refresh cached credentials, no EC2 IMDS role found…`},
	}
	for _, tc := range errs {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			u, _, stderr := proxyProcess(t, tc.env, append([]string{"--target", base}, tc.args...)...)
			status, body := get(t, u+tc.path)
			want, prefix := strings.CutSuffix(tc.body, "…")
			if status != tc.status || (prefix && !strings.HasPrefix(body, want)) || (!prefix && body != want) {
				t.Fatalf("%d %s\nwant %d %s\nsidecar: %s", status, body, tc.status, tc.body, stderr)
			}
		})
	}
}
