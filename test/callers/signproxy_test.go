package callers_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/gatehouse-dev/gatehouse/internal/callers"
)

// envMu serialises swaps of the process environment: an in-process
// sidecar reads the standard AWS chain from it, once, while starting.
var envMu sync.Mutex

// callerEnv is exactly the AWS environment of a caller with creds.
func callerEnv(creds aws.Credentials, extra ...string) []string {
	env := []string{"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null",
		"AWS_EC2_METADATA_DISABLED=true", "AWS_REGION=" + region}
	if creds.AccessKeyID != "" {
		env = append(env, credEnv(creds)...)
	}
	return append(env, extra...)
}

// withEnv runs f with the process's AWS_* variables replaced by env.
func withEnv(env []string, f func()) {
	envMu.Lock()
	defer envMu.Unlock()
	var saved []string
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "AWS_") {
			saved = append(saved, kv)
			os.Unsetenv(k)
		}
	}
	defer func() {
		for _, kv := range env {
			k, _, _ := strings.Cut(kv, "=")
			os.Unsetenv(k)
		}
		for _, kv := range saved {
			k, v, _ := strings.Cut(kv, "=")
			os.Setenv(k, v)
		}
	}()
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		os.Setenv(k, v)
	}
	f()
}

// sidecar is a running in-process `gatehouse sign-proxy`.
type sidecar struct {
	URL    string
	stderr *lockedBuffer
}

type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startSidecar runs callers.SignProxyWithOptions in-process with the AWS
// environment env (in place only while it starts: the chain is read then).
func startSidecar(t *testing.T, env []string, opt callers.SignProxyOptions, args ...string) *sidecar {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	addr := make(chan net.Addr, 1)
	opt.Ready = func(a net.Addr) { addr <- a }
	s := &sidecar{stderr: &lockedBuffer{}}
	done := make(chan int, 1)
	var started bool
	withEnv(env, func() {
		go func() {
			done <- callers.SignProxyWithOptions(ctx, append([]string{"--listen", "127.0.0.1:0"}, args...), io.Discard, s.stderr, opt)
		}()
		select {
		case a := <-addr:
			s.URL, started = "http://"+a.String(), true
		case <-done:
		case <-time.After(20 * time.Second):
		}
	})
	if !started {
		cancel()
		t.Fatalf("sign-proxy did not start: %s", s.stderr)
	}
	t.Cleanup(func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("sign-proxy exit %d: %s", code, s.stderr)
		}
	})
	return s
}

type health struct {
	Status      string `json:"status"`
	Credentials struct {
		Source  string    `json:"source"`
		Expires time.Time `json:"expires"`
	} `json:"credentials"`
	Error string `json:"error"`
}

func (s *sidecar) health(t *testing.T) health {
	t.Helper()
	status, body := get(t, s.URL+callers.HealthPath)
	var h health
	if err := json.Unmarshal([]byte(body), &h); err != nil || status != 200 {
		t.Fatalf("health %d %s: %v", status, body, err)
	}
	return h
}

func (s *sidecar) echo(t *testing.T, path string) echoed {
	t.Helper()
	status, body := get(t, s.URL+path)
	if status != 200 {
		t.Fatalf("GET %s through the sidecar: %d %s\nsidecar log: %s", path, status, body, s.stderr)
	}
	return parseEcho(t, []byte(body))
}

// TestSignProxyRefreshesAcrossExpiry runs the sidecar with --assume-role
// and a refresh window three seconds short of the session's 15 minutes, so
// the role credentials it signs with "expire" after two or three seconds
// (STS expirations are whole seconds): requests
// keep succeeding, with a new access key from a new real AssumeRole call
// after each expiry and the same one before it.
func TestSignProxyRefreshesAcrossExpiry(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	const session = 15 * time.Minute // stscreds' default DurationSeconds, AWS's minimum
	assumeRoles := func() float64 { return w.metric(t, `operation="AssumeRole"`, `status="200"`) }
	before := assumeRoles()
	s := startSidecar(t, callerEnv(w.Invoker), callers.SignProxyOptions{RefreshWindow: session - 3*time.Second},
		"--target", w.base(), "--assume-role", roleARN("profile-role"), "--role-session-name", "sidecar", "--endpoint-url", w.URL)

	h1 := s.health(t)
	if h1.Credentials.Source != "AssumeRoleProvider" {
		t.Fatalf("health %+v", h1)
	}
	e1 := s.echo(t, "/echo/one")
	e1b := s.echo(t, "/echo/two")
	if got := assumeRoles() - before; got != 1 {
		t.Fatalf("%v AssumeRole calls before the first expiry, want 1", got)
	}
	wantArn := "arn:aws:sts::" + account + ":assumed-role/profile-role/sidecar"
	if e1.CallerArn != wantArn || e1b.CallerKey != e1.CallerKey || !strings.HasPrefix(e1.CallerKey, "ASIA") {
		t.Fatalf("before expiry: %+v then %+v", e1, e1b)
	}

	for i := 2; i <= 3; i++ {
		time.Sleep(time.Until(h1.Credentials.Expires) + 100*time.Millisecond)
		e2 := s.echo(t, "/echo/after")
		if e2.CallerArn != wantArn || e2.CallerKey == e1.CallerKey || !strings.HasPrefix(e2.CallerKey, "ASIA") {
			t.Fatalf("after expiry %d: key %s (was %s), caller %s", i-1, e2.CallerKey, e1.CallerKey, e2.CallerArn)
		}
		if got := assumeRoles() - before; got != float64(i) {
			t.Fatalf("%v AssumeRole calls after %d expiries, want %d", got, i-1, i)
		}
		h2 := s.health(t)
		if !h2.Credentials.Expires.After(h1.Credentials.Expires) {
			t.Fatalf("health expiry %v did not move past %v", h2.Credentials.Expires, h1.Credentials.Expires)
		}
		e1, h1 = e2, h2
	}
}

// pattern is an endless deterministic body that costs no memory.
type pattern struct{ off int64 }

func (p *pattern) Read(b []byte) (int, error) {
	for i := range b {
		b[i] = byte(p.off*7 + p.off>>13)
		p.off++
	}
	return len(b), nil
}

func patternSum(n int64) string {
	h := sha256.New()
	io.Copy(h, io.LimitReader(&pattern{}, n))
	return hex.EncodeToString(h.Sum(nil))
}

// chunked hides the length from net/http, so the body is sent chunked.
type chunked struct{ r io.Reader }

func (c chunked) Read(p []byte) (int, error) { return c.r.Read(p) }

// TestSignProxyLargeBodies streams large bodies through the sidecar to the
// real gateway (the gatehouse binary, so this process holds only the client
// and the sidecar) and to the backend: 9 MB arrive intact, with and without
// a Content-Length; over API Gateway's 10 MB payload limit the gateway's 413
// comes back through the sidecar. The sidecar allocates a bounded amount
// whatever the size: the body goes through its spool file, never whole
// into memory.
func TestSignProxyLargeBodies(t *testing.T) {
	if testing.Short() {
		t.Skip("streams ~90 MB through a gatehouse binary; skipped with -short")
	}
	// Not parallel: allocations are measured process-wide.
	w := newBinaryWorld(t)
	spool := t.TempDir()
	s := startSidecar(t, callerEnv(w.Invoker), callers.SignProxyOptions{SpoolDir: spool}, "--target", w.base())

	const mb = 1 << 20
	tooLarge := "HTTP content length exceeded 10485760 bytes."
	cases := []struct {
		name     string
		size     int64
		chunked  bool
		status   int
		maxAlloc uint64 // bytes allocated in this process during the request
	}{
		{"9MB", 9 * mb, false, 200, 16 * mb},
		{"9MB chunked", 9 * mb, true, 200, 16 * mb},
		{"11MB", 11 * mb, false, 413, 16 * mb},
		// The sidecar spools all 50 MB before the gateway refuses them: a
		// body held in memory would allocate at least 50 MiB here.
		{"50MB", 50 * mb, false, 413, 16 * mb},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var body io.Reader = io.LimitReader(&pattern{}, tc.size)
			if tc.chunked {
				body = chunked{body}
			}
			req, err := http.NewRequest(http.MethodPut, s.URL+"/echo/upload", body)
			if err != nil {
				t.Fatal(err)
			}
			if !tc.chunked {
				req.ContentLength = tc.size
			}
			req.Header.Set("Content-Type", "application/octet-stream")
			var m0, m1 runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&m0)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			runtime.ReadMemStats(&m1)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s\nsidecar log: %s", resp.StatusCode, tc.status, b, s.stderr)
			}
			if tc.status == 200 {
				e := parseEcho(t, b)
				if e.Method != "PUT" || e.BodyLen != tc.size || e.BodySHA256 != patternSum(tc.size) || e.ContentType != "application/octet-stream" {
					t.Fatalf("backend got %+v", e)
				}
			} else if string(b) != tooLarge || resp.Header.Get("Content-Type") != "text; charset=utf-8" {
				t.Fatalf("got %q %v, want %q", b, resp.Header, tooLarge)
			}
			alloc := m1.TotalAlloc - m0.TotalAlloc
			t.Logf("%s: allocated %.1f MiB in the client and sidecar", tc.name, float64(alloc)/mb)
			if alloc > tc.maxAlloc {
				t.Errorf("allocated %d bytes for a %d-byte body, want at most %d", alloc, tc.size, tc.maxAlloc)
			}
			if ents, _ := os.ReadDir(spool); len(ents) != 0 {
				t.Errorf("spool dir not empty: %v", ents)
			}
		})
	}
}
