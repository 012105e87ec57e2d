package callers

import (
	"context"
	"encoding/json"
	"flag"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

type runningProxy struct {
	url            string
	stdout, stderr *syncBuffer
	stop           func() int // cancels and returns the exit code
}

// startProxy runs signProxy on 127.0.0.1:0 with args and waits until it
// listens.
func startProxy(t *testing.T, opt proxyOptions, args ...string) *runningProxy {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	p := &runningProxy{stdout: &syncBuffer{}, stderr: &syncBuffer{}}
	ready := make(chan net.Addr, 1)
	opt.ready = func(a net.Addr) { ready <- a }
	done := make(chan int, 1)
	go func() {
		done <- signProxy(ctx, append([]string{"--listen", "127.0.0.1:0"}, args...), p.stdout, p.stderr, opt)
	}()
	select {
	case a := <-ready:
		p.url = "http://" + a.String()
	case code := <-done:
		cancel()
		t.Fatalf("sign-proxy exited %d before listening: %s", code, p.stderr.String())
	case <-time.After(20 * time.Second):
		cancel()
		t.Fatal("sign-proxy did not start")
	}
	var once sync.Once
	var code int
	p.stop = func() int {
		once.Do(func() {
			cancel()
			select {
			case code = <-done:
			case <-time.After(15 * time.Second):
				t.Error("sign-proxy did not stop")
				code = -1
			}
		})
		return code
	}
	t.Cleanup(func() { p.stop() })
	return p
}

func (p *runningProxy) do(t *testing.T, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

func (p *runningProxy) get(t *testing.T, path string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", p.url+path, nil)
	return p.do(t, req)
}

func (p *runningProxy) health(t *testing.T) (int, healthBody) {
	t.Helper()
	resp, body := p.get(t, HealthPath)
	var h healthBody
	if err := json.Unmarshal(body, &h); err != nil {
		t.Fatalf("health body %q: %v", body, err)
	}
	return resp.StatusCode, h
}

func accessKeyOf(c apiCall) string {
	p, err := parseAuthorization(c.Header.Get("Authorization"))
	if err != nil {
		return ""
	}
	return strings.SplitN(p.credential, "/", 2)[0]
}

func TestSignProxyForwardsSignedRequests(t *testing.T) {
	w := newWorld(t, "us-east-1", time.Hour)
	setEnvCreds(t, alice)
	p := startProxy(t, proxyOptions{}, "--target", w.api.URL+"/prod", "--region", "us-east-1")
	if !strings.Contains(p.stdout.String(), "listening on "+p.url) {
		t.Errorf("stdout = %q, want the listening address", p.stdout.String())
	}

	tests := []struct {
		name   string
		req    func() *http.Request
		status int
		check  func(t *testing.T, c apiCall, body []byte)
	}{
		{"GET with query, foreign auth stripped", func() *http.Request {
			r, _ := http.NewRequest("GET", p.url+"/echo?b=2&a=1&X-Amz-Signature=old", nil)
			r.Header.Set("Authorization", "Bearer app-token")
			r.Header.Set("X-Amz-Security-Token", "foreign")
			r.Header.Set("X-Amz-Date", "20000101T000000Z")
			r.Header.Set("X-Amz-Target", "Service.Operation")
			return r
		}, 200, func(t *testing.T, c apiCall, body []byte) {
			if c.Path != "/prod/echo" || c.Query != "a=1&b=2" {
				t.Errorf("forwarded to %s?%s", c.Path, c.Query)
			}
			if c.Principal != aliceARN || c.Header.Get("X-Amz-Security-Token") != "" {
				t.Errorf("principal %q, token %q", c.Principal, c.Header.Get("X-Amz-Security-Token"))
			}
			if c.Header.Get("X-Amz-Target") != "Service.Operation" {
				t.Errorf("X-Amz-Target not forwarded: %v", c.Header)
			}
			if c.Header.Get("X-Forwarded-For") != "" {
				t.Errorf("X-Forwarded-For added: %q", c.Header.Get("X-Forwarded-For"))
			}
		}},
		{"POST small body", func() *http.Request {
			r, _ := http.NewRequest("POST", p.url+"/echo", strings.NewReader(`{"hello":"world"}`))
			r.Header.Set("Content-Type", "application/json")
			return r
		}, 200, func(t *testing.T, c apiCall, body []byte) {
			if c.Method != "POST" || c.BodySHA != sha(`{"hello":"world"}`) {
				t.Errorf("%s body %s", c.Method, c.BodySHA)
			}
		}},
		{"chunked body of unknown length", func() *http.Request {
			r, _ := http.NewRequest("PUT", p.url+"/echo", io.NopCloser(strings.NewReader(strings.Repeat("z", 3<<20))))
			r.ContentLength = -1
			return r
		}, 200, func(t *testing.T, c apiCall, body []byte) {
			if c.BodyLen != 3<<20 || c.BodySHA != sha(strings.Repeat("z", 3<<20)) {
				t.Errorf("len %d sha %s", c.BodyLen, c.BodySHA)
			}
		}},
		{"API error passes through", func() *http.Request {
			r, _ := http.NewRequest("GET", p.url+"/denied", nil)
			return r
		}, 403, func(t *testing.T, c apiCall, body []byte) {
			if !strings.Contains(string(body), "is not authorized to perform: execute-api:Invoke") {
				t.Errorf("body %s", body)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := p.do(t, tc.req())
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.status, body)
			}
			tc.check(t, w.api.last(), body)
		})
	}

	code, h := p.health(t)
	if code != 200 || h.Status != "ok" || h.Service != "execute-api" || h.Region != "us-east-1" ||
		h.Credentials == nil || h.Credentials.Source != "EnvConfigCredentials" || h.Credentials.CanExpire {
		t.Errorf("health %d %+v", code, h)
	}
	if got := p.stop(); got != ExitOK {
		t.Errorf("exit %d after cancel, want 0; stderr %s", got, p.stderr.String())
	}
	if _, err := net.DialTimeout("tcp", strings.TrimPrefix(p.url, "http://"), time.Second); err == nil {
		t.Error("still listening after shutdown")
	}
}

func TestSignProxyRefreshesAssumedRoleAcrossExpiry(t *testing.T) {
	const lifetime = 2 * time.Second
	w := newWorld(t, "us-east-1", lifetime)
	setEnvCreds(t, alice)
	p := startProxy(t, proxyOptions{refreshWindow: 500 * time.Millisecond},
		"--target", w.api.URL+"/prod", "--assume-role", "arn:aws:iam::000000000000:role/Caller",
		"--role-session-name", "sidecar", "--endpoint-url", w.sts.URL)

	resp, body := p.get(t, "/echo")
	if resp.StatusCode != 200 {
		t.Fatalf("first request: %d %s", resp.StatusCode, body)
	}
	first := w.api.last()
	k1 := accessKeyOf(first)
	if first.Principal != "arn:aws:sts::000000000000:assumed-role/Caller/sidecar" || !strings.HasPrefix(k1, "ASIAFAKE") {
		t.Fatalf("principal %q key %q", first.Principal, k1)
	}
	_, h1 := p.health(t)
	if h1.Credentials == nil || !h1.Credentials.CanExpire || h1.Credentials.Expires == nil {
		t.Fatalf("health credentials %+v", h1.Credentials)
	}

	// Wait until the first credentials have really expired: the fake API now
	// rejects them, so only a refreshed key can succeed.
	k, _ := w.keys.get(k1)
	time.Sleep(time.Until(k.creds.Expires) + 200*time.Millisecond)

	resp, body = p.get(t, "/echo")
	if resp.StatusCode != 200 {
		t.Fatalf("request after expiry: %d %s (proxy did not refresh)", resp.StatusCode, body)
	}
	k2 := accessKeyOf(w.api.last())
	if k2 == k1 || k2 == "" {
		t.Errorf("key after expiry %q, want a new one (was %q)", k2, k1)
	}
	_, h2 := p.health(t)
	if h2.Credentials == nil || h2.Credentials.Expires == nil || !h2.Credentials.Expires.After(*h1.Credentials.Expires) {
		t.Errorf("health expiry did not move forward: %v -> %v", h1.Credentials.Expires, h2.Credentials)
	}
	calls := w.sts.callList()
	if len(calls) != 2 || calls[1].Caller != aliceARN || calls[1].SessionName != "sidecar" {
		t.Errorf("STS calls %+v, want 2 AssumeRole by alice", calls)
	}
}

func TestSignProxyWebIdentityRefreshRereadsToken(t *testing.T) {
	w := newWorld(t, "us-east-1", 2*time.Second)
	tok1, tok2 := "sa-token-1-"+randHex(6), "sa-token-2-"+randHex(6)
	w.sts.acceptToken(tok1)
	w.sts.acceptToken(tok2)
	tokenFile := w.file(t, "token", tok1)
	t.Setenv("AWS_WEB_IDENTITY_TOKEN_FILE", tokenFile)
	t.Setenv("AWS_ROLE_ARN", "arn:aws:iam::000000000000:role/Workload")
	t.Setenv("AWS_ROLE_SESSION_NAME", "pod")
	t.Setenv("AWS_ENDPOINT_URL_STS", w.sts.URL)
	p := startProxy(t, proxyOptions{refreshWindow: 500 * time.Millisecond}, "--target", w.api.URL+"/prod")

	resp, body := p.get(t, "/echo")
	if resp.StatusCode != 200 || w.api.last().Principal != "arn:aws:sts::000000000000:assumed-role/Workload/pod" {
		t.Fatalf("first request: %d %s", resp.StatusCode, body)
	}
	k, _ := w.keys.get(accessKeyOf(w.api.last()))
	// The kubelet rotates projected tokens in place; the next refresh must
	// read the new one.
	if err := os.WriteFile(tokenFile, []byte(tok2), 0o600); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Until(k.creds.Expires) + 200*time.Millisecond)
	resp, body = p.get(t, "/echo")
	if resp.StatusCode != 200 {
		t.Fatalf("after expiry: %d %s", resp.StatusCode, body)
	}
	calls := w.sts.callList()
	if len(calls) != 2 || calls[0].Token != tok1 || calls[1].Token != tok2 || calls[1].Action != "AssumeRoleWithWebIdentity" {
		t.Errorf("STS calls %+v, want web identity with token 1 then token 2", calls)
	}
}

func TestSignProxyHealthWithoutCredentials(t *testing.T) {
	w := newWorld(t, "us-east-1", time.Hour)
	t.Setenv("AWS_WEB_IDENTITY_TOKEN_FILE", w.dir+"/missing-token")
	t.Setenv("AWS_ROLE_ARN", "arn:aws:iam::000000000000:role/Workload")
	t.Setenv("AWS_ENDPOINT_URL_STS", w.sts.URL)
	p := startProxy(t, proxyOptions{}, "--target", w.api.URL+"/prod")
	code, h := p.health(t)
	if code != 503 || h.Status != "unavailable" || !strings.Contains(h.Error, "missing-token") {
		t.Errorf("health %d %+v, want 503 naming the token file", code, h)
	}
	resp, body := p.get(t, "/echo")
	if resp.StatusCode != 502 || resp.Header.Get("X-Amzn-ErrorType") != "SignProxyError" || !strings.Contains(string(body), `"message"`) {
		t.Errorf("request without credentials: %d %s", resp.StatusCode, body)
	}
	if !strings.Contains(p.stderr.String(), "cannot obtain credentials yet") {
		t.Errorf("no startup warning in stderr: %s", p.stderr.String())
	}
}

func TestSignProxyLargeStreamedBodyBoundedMemory(t *testing.T) {
	size := int64(50 << 20)
	if testing.Short() {
		size = 16 << 20
	}
	w := newWorld(t, "us-east-1", time.Hour)
	setEnvCreds(t, alice)
	spool := t.TempDir()
	p := startProxy(t, proxyOptions{spoolDir: spool}, "--target", w.api.URL+"/prod")

	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	var peak atomic.Uint64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			if m.HeapInuse > peak.Load() {
				peak.Store(m.HeapInuse)
			}
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()

	src := newPatternReader(size)
	req, _ := http.NewRequest("POST", p.url+"/echo", io.NopCloser(src))
	req.ContentLength = -1 // chunked: the proxy cannot know the size up front
	resp, body := p.do(t, req)
	close(stop)
	<-sampled

	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	c := w.api.last()
	if c.BodyLen != size || c.BodySHA != src.sum() || c.Principal != aliceARN {
		t.Errorf("API got %d bytes sha %s principal %q; want %d bytes sha %s", c.BodyLen, c.BodySHA, c.Principal, size, src.sum())
	}
	grew := int64(peak.Load()) - int64(base.HeapInuse)
	t.Logf("%d MB body: heap in use grew by %.1f MB at peak", size>>20, float64(grew)/(1<<20))
	if limit := int64(16 << 20); grew > limit {
		t.Errorf("heap grew by %d bytes for a %d-byte body, want < %d (body held in memory?)", grew, size, limit)
	}
	if ents, _ := os.ReadDir(spool); len(ents) != 0 {
		t.Errorf("spool files left behind: %v", ents)
	}
}

func TestSignProxyUsage(t *testing.T) {
	isolateEnv(t)
	setEnvCreds(t, alice)
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"help", []string{"--help"}, ExitOK, "Usage: gatehouse sign-proxy --target URL"},
		{"no target", nil, ExitUsage, "--target must be an absolute http(s) URL"},
		{"relative target", []string{"--target", "/prod"}, ExitUsage, "--target must be"},
		{"target with query", []string{"--target", "http://x/prod?a=1"}, ExitUsage, "query"},
		{"extra argument", []string{"--target", "http://x/", "extra"}, ExitUsage, "unexpected argument"},
		{"unknown flag", []string{"--bogus"}, ExitUsage, "flag provided but not defined"},
		{"listen fails", []string{"--target", "http://x/", "--listen", "256.0.0.1:1"}, ExitFailure, "listen"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb syncBuffer
			code := SignProxy(context.Background(), tc.args, &out, &errb)
			if code != tc.code || !strings.Contains(errb.String(), tc.stderr) {
				t.Errorf("exit %d stderr %q; want %d and %q", code, errb.String(), tc.code, tc.stderr)
			}
		})
	}
}

func TestSignProxyHelpTellsTheTruth(t *testing.T) {
	var errb syncBuffer
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	var cf credFlags
	cf.register(fs)
	fs.String("listen", "", "")
	fs.String("target", "", "")
	fs.Bool("unsigned-payload", false, "")
	SignProxy(context.Background(), []string{"--help"}, io.Discard, &errb)
	fs.VisitAll(func(f *flag.Flag) {
		if !strings.Contains(errb.String(), "--"+f.Name+" ") {
			t.Errorf("help does not document --%s", f.Name)
		}
	})
	for _, claim := range []string{HealthPath, "X-Amz-Security-Token", "spooled to a temporary file"} {
		if !strings.Contains(signProxyHelp, claim) {
			t.Errorf("help lacks %q", claim)
		}
	}
}
