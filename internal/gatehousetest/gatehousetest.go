// Package gatehousetest starts real gatehouse servers for tests: in-process
// (Start) over a temp data dir on a loopback port, or as the built binary
// (Binary, StartBinary) for end-to-end tests that drive it with the AWS CLI,
// boto3, curl and the SDKs.
package gatehousetest

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/app"
	"github.com/gatehouse-dev/gatehouse/internal/config"
	"github.com/gatehouse-dev/gatehouse/internal/server"
)

// Fixed root credentials of test servers (the shapes AWS uses).
const (
	AccountID       = "000000000000"
	AccessKeyID     = "AKIAGATEHOUSETEST001"
	SecretAccessKey = "gatehouse/test/secret/key/0000000000000A"
	Region          = "us-east-1"
)

// Server is a running in-process gatehouse.
type Server struct {
	URL     string
	DataDir string
	App     *app.App
	Config  config.Config
	// TLSURL and CACert are set with WithTLS: the TLS listener's URL
	// and the path of the local CA's certificate.
	TLSURL string
	CACert string
	stop   func() // stops the listener and its connections
}

// Option adjusts the configuration before the server starts.
type Option func(*config.Config)

// WithTLS also serves over TLS on a free loopback port, with a certificate
// from the data dir's local CA (as gatehouse serve --tls-listen
// 127.0.0.1:0): Server.TLSURL, Server.CACert.
func WithTLS() Option { return func(c *config.Config) { c.TLSListen = "127.0.0.1:0" } }

// WithDataDir reuses a data dir (to test restarts).
func WithDataDir(dir string) Option { return func(c *config.Config) { c.DataDir = dir } }

// WithClock makes now the server's clock (session-token expiry, signature
// skew, policy time keys). Clients signing requests for the server must
// sign with the same clock.
func WithClock(now func() time.Time) Option { return func(c *config.Config) { c.Now = now } }

// Start runs gatehouse in-process on a free loopback port with a temp data
// dir and the fixed root credentials, and stops it when the test ends.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.RootAccessKeyID = AccessKeyID
	cfg.RootSecretAccessKey = SecretAccessKey
	cfg.LogLevel = "warn"
	for _, o := range opts {
		o(&cfg)
	}
	level := slog.LevelWarn
	if os.Getenv("GATEHOUSE_TEST_DEBUG") != "" {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: level}))
	a, err := app.New(context.Background(), cfg, log)
	if err != nil {
		t.Fatalf("gatehousetest: start: %v", err)
	}
	// The listener of `gatehouse serve` (server.Front), not httptest's, so
	// that every in-process test goes through the same HTTP front.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("gatehousetest: listen: %v", err)
	}
	front := server.NewFrontend(cfg.HTTPServer, server.HTTPServer("", a.Handler, log))
	served := make(chan struct{})
	go func() { _ = front.Serve(ln); close(served) }()
	url := "http://" + ln.Addr().String()
	a.SetEndpoint(url)
	s := &Server{URL: url, DataDir: cfg.DataDir, App: a, Config: cfg}
	stopTLS := func() {}
	if cfg.TLSListen != "" {
		stopTLS = s.startTLS(t, log)
	} else {
		a.SetURLSuffix(cfg.EffectiveURLSuffix(""))
	}
	s.stop = func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		stopTLS()
		_ = front.Shutdown(ctx)
		<-served
	}
	t.Cleanup(s.Close)
	return s
}

// startTLS binds the TLS listener and serves it; it returns its stop.
func (s *Server) startTLS(t testing.TB, log *slog.Logger) func() {
	t.Helper()
	ln, err := net.Listen("tcp", s.Config.TLSListen)
	if err != nil {
		t.Fatalf("gatehousetest: listen: %v", err)
	}
	suffix := s.Config.EffectiveURLSuffix(ln.Addr().String())
	tcfg, caPath, err := server.TLSConfig(server.TLSOptions{DataDir: s.DataDir,
		Names: server.ServerNames(suffix, s.Config.Region, s.Config.TLSHostnames), Now: s.Config.Now})
	if err != nil {
		t.Fatalf("gatehousetest: tls: %v", err)
	}
	caPEM, err := os.ReadFile(caPath)
	if err != nil {
		t.Fatal(err)
	}
	s.TLSURL, s.CACert = "https://"+ln.Addr().String(), caPath
	if err := s.App.SetTLS(app.TLSListener{URL: s.TLSURL, CACert: caPEM, Config: tcfg}); err != nil {
		t.Fatalf("gatehousetest: tls: %v", err)
	}
	s.App.SetURLSuffix(suffix)
	hs := server.HTTPServer("", s.App.Handler, log)
	hs.ErrorLog = slog.NewLogLogger(log.Handler(), slog.LevelDebug)
	front := server.NewTLSFrontend(hs, tcfg)
	served := make(chan struct{})
	go func() { _ = front.Serve(ln); close(served) }()
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = front.Shutdown(ctx)
		<-served
	}
}

// Close stops the server and closes its store. It is safe to call twice.
func (s *Server) Close() {
	if s.stop == nil {
		return
	}
	s.stop()
	s.App.Close()
	s.stop = nil
}

// Env returns environment variables that point AWS clients at s with the
// root credentials.
func (s *Server) Env() []string {
	return ClientEnv(s.URL, AccessKeyID, SecretAccessKey)
}

// ClientEnv returns an environment for AWS CLI / SDK processes: the
// credentials, region and endpoint, and no shared config that could leak in.
func ClientEnv(url, keyID, secret string) []string {
	env := []string{}
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "AWS_") {
			continue
		}
		env = append(env, kv)
	}
	return append(env,
		"AWS_ACCESS_KEY_ID="+keyID,
		"AWS_SECRET_ACCESS_KEY="+secret,
		"AWS_DEFAULT_REGION="+Region,
		"AWS_REGION="+Region,
		"AWS_ENDPOINT_URL="+url,
		"AWS_CONFIG_FILE=/dev/null",
		"AWS_SHARED_CREDENTIALS_FILE=/dev/null",
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_PAGER=",
	)
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

var (
	buildOnce sync.Once
	buildPath string
	buildErr  error
)

// Binary builds cmd/gatehouse once per test process and returns its path.
func Binary(t testing.TB) string {
	t.Helper()
	// Building and running the binary makes a test end-to-end: -short
	// (make test-short) is for the unit tests; make test runs these.
	if testing.Short() {
		t.Skip("builds and runs the gatehouse binary: end-to-end, skipped with -short")
	}
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "gatehouse-bin-")
		if err != nil {
			buildErr = err
			return
		}
		buildPath = filepath.Join(dir, "gatehouse")
		cmd := exec.Command("go", "build", "-o", buildPath, "./cmd/gatehouse")
		cmd.Dir = ModuleRoot()
		out, err := cmd.CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatalf("gatehousetest: %v", buildErr)
	}
	return buildPath
}

// ModuleRoot returns the repository root (where go.mod is).
func ModuleRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// Process is a gatehouse binary running as a child process.
type Process struct {
	URL     string
	DataDir string
	Cmd     *exec.Cmd
	Stdout  *Buffer
	Stderr  *Buffer
	done    chan struct{}
}

// Buffer is a goroutine-safe bytes buffer.
type Buffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

var listenRE = regexp.MustCompile(`listening on (http://[0-9.:\[\]]+)`)

// StartBinary runs "gatehouse serve" on a free port with dataDir and extra
// environment (e.g. GATEHOUSE_ROOT_*), waits until it is healthy, and kills
// it when the test ends.
func StartBinary(t testing.TB, dataDir string, env []string, args ...string) *Process {
	t.Helper()
	bin := Binary(t)
	cmd := exec.Command(bin, append([]string{"serve", "--listen", "127.0.0.1:0", "--data-dir", dataDir}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	p := &Process{DataDir: dataDir, Cmd: cmd, Stdout: &Buffer{}, Stderr: &Buffer{}, done: make(chan struct{})}
	pr, pw := io.Pipe()
	cmd.Stdout = io.MultiWriter(p.Stdout, pw)
	cmd.Stderr = p.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("gatehousetest: start binary: %v", err)
	}
	go func() { cmd.Wait(); pw.Close(); close(p.done) }()
	t.Cleanup(func() { p.Kill() })
	urlc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			if m := listenRE.FindStringSubmatch(sc.Text()); m != nil {
				urlc <- m[1]
				break
			}
		}
		io.Copy(io.Discard, pr)
	}()
	select {
	case p.URL = <-urlc:
	case <-p.done:
		t.Fatalf("gatehousetest: gatehouse exited before listening:\n%s%s", p.Stdout, p.Stderr)
	case <-time.After(30 * time.Second):
		t.Fatalf("gatehousetest: gatehouse did not listen within 30s:\n%s%s", p.Stdout, p.Stderr)
	}
	if err := WaitHealthy(p.URL, 10*time.Second); err != nil {
		t.Fatalf("gatehousetest: %v\n%s", err, p.Stderr)
	}
	// The banner's last line (the "Try:" command) may still be on its way
	// through the pipe when the server already answers.
	for end := time.Now().Add(5 * time.Second); !strings.Contains(p.Stdout.String(), "--endpoint-url "+p.URL+"\n") && time.Now().Before(end); {
		time.Sleep(5 * time.Millisecond)
	}
	return p
}

// Kill sends SIGKILL (no shutdown: a crash) and waits for the process.
func (p *Process) Kill() {
	if p.Cmd.Process != nil {
		_ = p.Cmd.Process.Kill()
	}
	<-p.done
}

// Stop sends SIGTERM and waits up to 30 s for a clean exit.
func (p *Process) Stop() error {
	_ = p.Cmd.Process.Signal(os.Interrupt)
	select {
	case <-p.done:
		if !p.Cmd.ProcessState.Success() {
			return fmt.Errorf("gatehouse exited with %v", p.Cmd.ProcessState)
		}
		return nil
	case <-time.After(30 * time.Second):
		p.Kill()
		return fmt.Errorf("gatehouse did not stop within 30s")
	}
}

// WaitHealthy polls /_gatehouse/health until it answers 200.
func WaitHealthy(url string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		resp, err := http.Get(url + "/_gatehouse/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("gatehouse at %s not healthy after %v (last error %v)", url, timeout, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// FreePort returns a free loopback TCP port.
func FreePort(t testing.TB) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
