package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

var (
	goFnOnce sync.Once
	goFnDir  string
	goFnErr  error
)

// goFunction builds testdata/gofn as <dir>/bootstrap once per test binary.
func goFunction(t testing.TB) string {
	t.Helper()
	goFnOnce.Do(func() {
		dir, err := os.MkdirTemp("", "gofn-")
		if err != nil {
			goFnErr = err
			return
		}
		// The sandbox user reads the task root, as on AWS.
		if err := os.Chmod(dir, 0o755); err != nil {
			goFnErr = err
			return
		}
		cmd := exec.Command("go", "build", "-o", filepath.Join(dir, "bootstrap"), "./testdata/gofn")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux")
		if out, err := cmd.CombinedOutput(); err != nil {
			goFnErr = errors.New(string(out))
			return
		}
		goFnDir = dir
	})
	if goFnErr != nil {
		t.Fatalf("build go function: %v", goFnErr)
	}
	return goFnDir
}

func testSpec(t testing.TB, m *Manager, rt, taskRoot, handler string, timeout time.Duration) *Spec {
	t.Helper()
	k := Classify(rt)
	rdir := t.TempDir()
	if err := WriteRuntimeDir(rdir); err != nil {
		t.Fatal(err)
	}
	argv, boot, err := m.Command(k, rdir, taskRoot)
	if err != nil {
		t.Skip(err)
	}
	lay := m.Layout(k, taskRoot, rdir)
	lf, err := OpenLog(filepath.Join(t.TempDir(), "fn.log"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lf.Close() })
	env := []string{
		"PATH=" + lay.Path, "_HANDLER=" + handler, "LAMBDA_TASK_ROOT=" + lay.TaskRoot,
		"LAMBDA_RUNTIME_DIR=" + lay.RuntimeDir, "AWS_REGION=us-east-1", "AWS_LAMBDA_FUNCTION_NAME=fn",
		"AWS_LAMBDA_FUNCTION_VERSION=$LATEST", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE=128",
		"AWS_EXECUTION_ENV=AWS_Lambda_" + rt,
	}
	return &Spec{
		Key: "acct/us-east-1/fn", Revision: "r1", FunctionName: "fn", Version: "$LATEST",
		Runtime: rt, Kind: k, MemoryMB: 128, Timeout: timeout, TaskRoot: taskRoot, RuntimeDir: rdir,
		Command: argv, Bootstrap: boot, Env: env, Log: lf,
	}
}

// taskRoot is an empty task root the sandbox user can read.
func taskRoot(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// newManager returns a Manager with the default isolation (the sandbox).
func newManager(t testing.TB, opts ...func(*ManagerConfig)) *Manager {
	t.Helper()
	cfg := ManagerConfig{TempDir: t.TempDir(), StateDir: t.TempDir()}
	for _, o := range opts {
		o(&cfg)
	}
	m := NewManager(cfg)
	t.Cleanup(func() { m.Close() })
	if cfg.Isolation != IsolationNone {
		needSandbox(t, m)
	}
	return m
}

// needSandbox skips the test where functions cannot run isolated, except
// in CI (GATEHOUSE_REQUIRE_SANDBOX or CI set), where that is a failure.
func needSandbox(t testing.TB, m *Manager) {
	t.Helper()
	if _, err := m.Isolation(); err != nil {
		if os.Getenv("GATEHOUSE_REQUIRE_SANDBOX") != "" || os.Getenv("CI") != "" {
			t.Fatalf("the Lambda sandbox is required here: %v", err)
		}
		t.Skipf("skipped: %v", err)
	}
}

func invoke(t testing.TB, m *Manager, s *Spec, id, payload string) *Result {
	t.Helper()
	res, err := m.Invoke(context.Background(), s, Invocation{RequestID: id, Payload: []byte(payload),
		InvokedARN: "arn:aws:lambda:us-east-1:000000000000:function:fn", WaitLogs: true})
	if err != nil {
		t.Fatalf("invoke %s: %v", payload, err)
	}
	return res
}

func TestGoRuntime(t *testing.T) {
	dir := goFunction(t)
	m := newManager(t)
	s := testSpec(t, m, "provided.al2023", dir, "bootstrap", 3*time.Second)

	res := invoke(t, m, s, "11111111-1111-4111-8111-111111111111", `{}`)
	var got map[string]any
	if err := json.Unmarshal(res.Payload, &got); err != nil || res.FunctionError != "" {
		full, _ := os.ReadFile(s.Log.path)
		t.Fatalf("payload %s err %v fe %q\nfunction log:\n%s", res.Payload, err, res.FunctionError, full)
	}
	if got["requestId"] != "11111111-1111-4111-8111-111111111111" || got["arn"] != "arn:aws:lambda:us-east-1:000000000000:function:fn" {
		t.Errorf("context = %v", got)
	}
	if d := got["deadlineIn"].(float64); d < 2000 || d > 3000 {
		t.Errorf("deadline in %v ms, want about 3000", d)
	}
	log := string(res.Log)
	for _, want := range []string{"START RequestId: 11111111-1111-4111-8111-111111111111 Version: $LATEST\n", "handling \n", "END RequestId: 11111111-1111-4111-8111-111111111111\n", "REPORT RequestId: 11111111-1111-4111-8111-111111111111\tDuration: ", "\tMemory Size: 128 MB\t", "Init Duration: "} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
	// In a sandbox every runtime is pid 2: the log stream names the instance.
	inst := got["instance"]

	// Warm: same process, second invocation, no Init Duration.
	res = invoke(t, m, s, "22222222-2222-4222-8222-222222222222", `{}`)
	_ = json.Unmarshal(res.Payload, &got)
	if got["instance"] != inst || got["invocations"].(float64) != 2 {
		t.Errorf("not reused: %v (first instance %v)", got, inst)
	}
	if strings.Contains(string(res.Log), "Init Duration") {
		t.Errorf("warm invocation reports init:\n%s", res.Log)
	}

	// Handler error: verbatim aws-lambda-go document, instance kept.
	res = invoke(t, m, s, "33333333-3333-4333-8333-333333333333", `{"do":"error"}`)
	if res.FunctionError != "Unhandled" || string(res.Payload) != `{"errorMessage":"boom","errorType":"errorString"}` {
		t.Errorf("error result = %q %s", res.FunctionError, res.Payload)
	}
	res = invoke(t, m, s, "44444444-4444-4444-8444-444444444444", `{}`)
	_ = json.Unmarshal(res.Payload, &got)
	if got["instance"] != inst || got["invocations"].(float64) != 4 {
		t.Errorf("instance replaced after a handler error")
	}
}

func TestGoRuntimeFailures(t *testing.T) {
	dir := goFunction(t)
	m := newManager(t)
	s := testSpec(t, m, "provided.al2023", dir, "bootstrap", time.Second)

	tests := []struct {
		name, payload, want, status string
	}{
		{"timeout", `{"do":"sleep","sleep":5000}`, `{"errorType":"Sandbox.Timedout","errorMessage":"RequestId: ID Error: Task timed out after 1.00 seconds"}`, "Status: timeout"},
		{"exit", `{"do":"exit"}`, `{"errorType":"Runtime.ExitError","errorMessage":"RequestId: ID Error: Runtime exited with error: exit status 3"}`, "Status: error\tError Type: Runtime.ExitError"},
	}
	for n, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			id := strings.Repeat(string(rune('a'+n)), 8) + "-0000-4000-8000-000000000000"
			start := time.Now()
			res := invoke(t, m, s, id, tc.payload)
			want := strings.ReplaceAll(tc.want, "ID", id)
			if tc.name == "timeout" {
				// The measured time may read 1.00 or 1.01.
				if !strings.HasPrefix(string(res.Payload), strings.Split(want, "1.00")[0]) || time.Since(start) > 3*time.Second {
					t.Errorf("payload = %s after %v", res.Payload, time.Since(start))
				}
			} else if string(res.Payload) != want {
				t.Errorf("payload = %s, want %s", res.Payload, want)
			}
			if res.FunctionError != "Unhandled" || !strings.Contains(string(res.Log), tc.status) {
				t.Errorf("fe=%q log:\n%s", res.FunctionError, res.Log)
			}
			// The next invocation gets a fresh instance and works.
			res = invoke(t, m, s, "ffffffff-0000-4000-8000-00000000000"+string(rune('0'+n)), `{}`)
			if res.FunctionError != "" || !strings.Contains(string(res.Log), "Init Duration") {
				t.Errorf("after %s: %s\n%s", tc.name, res.Payload, res.Log)
			}
		})
	}
}

func TestMissingBootstrap(t *testing.T) {
	m := newManager(t)
	dir := taskRoot(t)
	s := testSpec(t, m, "provided.al2", dir, "x", time.Second)
	res := invoke(t, m, s, "abc", `{}`)
	want := `{"errorType":"Runtime.InvalidEntrypoint","errorMessage":"RequestId: abc Error: Couldn't find valid bootstrap(s): [/var/task/bootstrap]"}`
	if string(res.Payload) != want || res.FunctionError != "Unhandled" {
		t.Errorf("got %s", res.Payload)
	}
	// Not executable.
	os.WriteFile(filepath.Join(dir, "bootstrap"), []byte("#!/bin/sh\n"), 0o644)
	res = invoke(t, m, s, "abd", `{}`)
	want = `{"errorType":"Runtime.ExitError","errorMessage":"RequestId: abd Error: Runtime failed to start: fork/exec /var/task/bootstrap: permission denied"}`
	if string(res.Payload) != want {
		t.Errorf("got %s", res.Payload)
	}
}

func TestConcurrencyAndThrottle(t *testing.T) {
	// Two invocations hold their instances busy until the test releases
	// them (explicit signals, not a sleep long enough to overlap).
	running := make(chan struct{}, 2)
	release := make(chan struct{})
	var releaseOnce sync.Once
	releaseAll := func() { releaseOnce.Do(func() { close(release) }) }
	t.Cleanup(releaseAll)
	m := newManager(t, func(c *ManagerConfig) {
		c.Endpoint = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			select {
			case running <- struct{}{}:
			default:
			}
			select {
			case <-release:
			case <-r.Context().Done():
			}
		})
	})
	s := helperSpec(t, m, "hold")
	s.Concurrency, s.Reserved = 2, true
	var wg sync.WaitGroup
	for k := 0; k < 2; k++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := m.Invoke(context.Background(), s, Invocation{RequestID: "c" + string(rune('0'+k)), Payload: []byte(`{}`)})
			if err != nil || res.FunctionError != "" {
				t.Errorf("invoke: %v %+v", err, res)
				return
			}
		}()
	}
	for k := 0; k < 2; k++ {
		select {
		case <-running:
		case <-time.After(time.Minute):
			releaseAll()
			wg.Wait()
			t.Fatalf("only %d of 2 invocations reached their handler", k)
		}
	}
	_, err := m.Invoke(context.Background(), s, Invocation{RequestID: "c9", Payload: []byte(`{}`)})
	var te *ThrottleError
	if !errors.As(err, &te) || te.Reason != "ReservedFunctionConcurrentInvocationLimitExceeded" {
		t.Errorf("third concurrent invoke: %v", err)
	}
	releaseAll()
	wg.Wait()
	// Instances return to the pool after END.
	if alive, idle := waitInstances(m, s.Key, 2, 2); alive != 2 || idle != 2 {
		t.Errorf("instances = %d alive, %d idle; want 2, 2", alive, idle)
	}
	// A new revision replaces the idle instances.
	s2 := *s
	s2.Revision = "r2"
	invoke(t, m, &s2, "r2", `{}`)
	if alive, _ := waitInstances(m, s.Key, 1, 1); alive != 1 {
		t.Errorf("after update: %d instances alive, want 1", alive)
	}
}

func TestNodeRuntime(t *testing.T) {
	dir, _ := filepath.Abs("testdata/node")
	m := newManager(t)
	tests := []struct {
		handler, payload, want, fe string
	}{
		{"index.handler", `{"a":1}`, `"body":"{\"hello\":\"world\"}"`, ""},
		{"index.handler", `{"do":"error"}`, `{"errorType":"Error","errorMessage":"bad thing","trace":["Error: bad thing"`, "Unhandled"},
		{"callback.handler", `{}`, `{"n":1,"fn":"fn"}`, ""},
		{"esm.handler", `{"k":"v"}`, `{"esm":true,"started":"top-level await ok","got":{"k":"v"}}`, ""},
		{"broken.handler", `{}`, `{"errorType":"Runtime.HandlerNotFound","errorMessage":"broken.handler is undefined or not exported","trace":[`, "Unhandled"},
		{"missing.handler", `{}`, `{"errorType":"Runtime.ImportModuleError","errorMessage":"Error: Cannot find module 'missing'`, "Unhandled"},
		{"nodot", `{}`, `{"errorType":"Runtime.MalformedHandlerName","errorMessage":"Bad handler"`, "Unhandled"},
	}
	for _, tc := range tests {
		t.Run(tc.handler+tc.payload, func(t *testing.T) {
			s := testSpec(t, m, "nodejs16.x", dir, tc.handler, 10*time.Second)
			s.Key = tc.handler
			res := invoke(t, m, s, "node-1", tc.payload)
			if !strings.Contains(string(res.Payload), tc.want) || res.FunctionError != tc.fe {
				t.Errorf("got %q %s\nwant %s\nlog:\n%s", res.FunctionError, res.Payload, tc.want, res.Log)
			}
		})
	}
	// ES modules by package.json type, nested exports, directories in the
	// handler path.
	more := []struct{ dir, handler, payload, want string }{
		{"testdata/nodemod", "index.handler", `{}`, `{"module":"esm","ok":true}`},
		{"testdata/nodemod", "index.nested.deep.fn", `{}`, `"nested"`},
		{"testdata/node", "services/users/get.main", `{"pathParameters":{"id":"42"}}`, `{"statusCode":200,"body":"{\"user\":\"42\"}"}`},
		{"testdata/node", "../node/index.handler", `{}`, `{"errorType":"Runtime.MalformedHandlerName","errorMessage":"'../node/index.handler' is not a valid handler name. Use absolute paths when specifying root directories in handler names."`},
	}
	for _, tc := range more {
		d, _ := filepath.Abs(tc.dir)
		s := testSpec(t, m, "nodejs22.x", d, tc.handler, 10*time.Second)
		s.Key = tc.dir + tc.handler
		if res := invoke(t, m, s, "node-m", tc.payload); !strings.HasPrefix(string(res.Payload), tc.want) {
			t.Errorf("%s %s: %s\nwant %s", tc.dir, tc.handler, res.Payload, tc.want)
		}
	}

	// console.log lines carry the request id.
	s := testSpec(t, m, "nodejs20.x", dir, "index.handler", 10*time.Second)
	s.Key = "log"
	res := invoke(t, m, s, "node-log", `{"x":1}`)
	if !strings.Contains(string(res.Log), "\tnode-log\tINFO\tevent {\"x\":1}\n") {
		t.Errorf("log:\n%s", res.Log)
	}
	// Timeout kills the node process.
	s2 := *s
	s2.Timeout = time.Second
	s2.Revision = "r-timeout"
	res = invoke(t, m, &s2, "node-to", `{"do":"sleep","sleep":5000}`)
	if !strings.Contains(string(res.Payload), "Sandbox.Timedout") {
		t.Errorf("timeout: %s", res.Payload)
	}
}

func TestPythonRuntime(t *testing.T) {
	dir, _ := filepath.Abs("testdata/python")
	m := newManager(t)
	s := testSpec(t, m, "python3.12", dir, "app.handler", 10*time.Second)
	res := invoke(t, m, s, "py-1", `{"x":5}`)
	if string(res.Payload) != `{"x": 5, "requestId": "py-1", "fn": "fn", "region": "us-east-1"}` || !strings.Contains(string(res.Log), "hello from python 5\n") {
		t.Errorf("got %s\n%s", res.Payload, res.Log)
	}
	res = invoke(t, m, s, "py-2", `{"do":"error"}`)
	if !strings.HasPrefix(string(res.Payload), `{"errorMessage": "nope", "errorType": "ValueError", "requestId": "py-2", "stackTrace": ["  File`) || res.FunctionError != "Unhandled" {
		t.Errorf("got %s", res.Payload)
	}
	s2 := testSpec(t, m, "python3.12", dir, "app.nothere", 10*time.Second)
	s2.Key = "py2"
	res = invoke(t, m, s2, "py-3", `{}`)
	if string(res.Payload) != `{"errorMessage": "Handler 'nothere' missing on module 'app'", "errorType": "Runtime.HandlerNotFound", "requestId": "", "stackTrace": []}` {
		t.Errorf("got %s", res.Payload)
	}
}

// waitInstances waits until key has alive/idle instances and returns the
// last counts. It wakes on every change of the pool (Manager.WaitInstances),
// so it takes as long as the instances do; the bound only keeps a broken
// build from hanging until the package timeout.
func waitInstances(m *Manager, key string, alive, idle int) (int, int) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return m.WaitInstances(ctx, key, alive, idle)
}

// TestCredentialRetirement: an instance whose role credentials expire
// within 15 minutes gets no new invocation; a new instance (with fresh
// credentials) takes over.
func TestCredentialRetirement(t *testing.T) {
	dir := goFunction(t)
	m := newManager(t)
	s := testSpec(t, m, "provided.al2023", dir, "bootstrap", 3*time.Second)
	var mu sync.Mutex
	issued := 0
	s.Credentials = func(ctx context.Context) (Credentials, error) {
		mu.Lock()
		defer mu.Unlock()
		issued++
		exp := time.Now().Add(time.Hour)
		if issued == 1 {
			exp = time.Now().Add(10 * time.Minute) // already inside the retirement window
		}
		return Credentials{AccessKeyID: "ASIATEST" + string(rune('0'+issued)), SecretAccessKey: "s", SessionToken: "t", Expiration: exp}, nil
	}
	pid := func(id string) string {
		var got map[string]any
		_ = json.Unmarshal(invoke(t, m, s, id, `{}`).Payload, &got)
		return got["instance"].(string)
	}
	p1 := pid("a") // on an instance whose credentials are about to expire
	p2 := pid("b")
	p3 := pid("c")
	if p1 == p2 || p2 != p3 {
		t.Errorf("instances %v, %v, %v: want the first instance retired and the second reused", p1, p2, p3)
	}
	if env := invoke(t, m, s, "d", `{"do":"env","env":"AWS_ACCESS_KEY_ID"}`); string(env.Payload) != `{"value":"ASIATEST2"}` {
		t.Errorf("credentials: %s", env.Payload)
	}
}

// TestMemoryLimit: a function that grows past MemorySize is killed, and the
// caller and the log see what AWS shows for an out-of-memory kill — for
// each kind of runtime, which all start under the limit.
func TestMemoryLimit(t *testing.T) {
	m := newManager(t)
	node, _ := filepath.Abs("testdata/node")
	python, _ := filepath.Abs("testdata/python")
	for _, tc := range []struct {
		name, rt, dir, handler, payload string
	}{
		{"go", "provided.al2023", "", "bootstrap", `{"do":"hog","size":1024}`},
		{"node", "nodejs20.x", node, "index.handler", `{"do":"hog","mb":1024}`},
		{"python", "python3.12", python, "app.handler", `{"do":"hog","mb":1024}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := tc.dir
			if dir == "" {
				dir = goFunction(t)
			}
			s := testSpec(t, m, tc.rt, dir, tc.handler, 30*time.Second)
			s.Key = "hog-" + tc.name
			res := invoke(t, m, s, "hog-"+tc.name, tc.payload)
			want := `{"errorType":"Runtime.ExitError","errorMessage":"RequestId: hog-` + tc.name + ` Error: Runtime exited with error: signal: killed"}`
			if string(res.Payload) != want || res.FunctionError != "Unhandled" {
				t.Errorf("got %q %s\nwant %s", res.FunctionError, res.Payload, want)
			}
			if !strings.Contains(string(res.Log), "Memory Size: 128 MB\tMax Memory Used: 1") || !strings.Contains(string(res.Log), "\tStatus: error\tError Type: Runtime.OutOfMemory") {
				t.Errorf("log:\n%s", res.Log)
			}
			// Started under the limit, the next invocation works.
			if res := invoke(t, m, s, "after-"+tc.name, `{}`); res.FunctionError != "" {
				t.Errorf("after the kill: %s\n%s", res.Payload, res.Log)
			}
		})
	}
}
