package runtime

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestMain lets the test binary act as a function's bootstrap (the
// scenario is in GATEHOUSE_RUNTIME_HELPER), so the Runtime API can be
// probed with raw HTTP calls.
func TestMain(m *testing.M) {
	if sc := os.Getenv("GATEHOUSE_RUNTIME_HELPER"); sc != "" {
		helper(sc)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

type probe struct {
	Status int    `json:"status"`
	Body   string `json:"body"`
}

func helper(scenario string) {
	base := "http://" + os.Getenv("AWS_LAMBDA_RUNTIME_API") + "/2018-06-01/runtime/"
	call := func(method, path, body string, h map[string]string) (probe, http.Header) {
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		for k, v := range h {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			os.Exit(7)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return probe{resp.StatusCode, string(b)}, resp.Header
	}
	switch scenario {
	case "flaky-init":
		// The first start fails; the suppressed init succeeds. The test's
		// gatehouse endpoint, reached inside the sandbox, keeps count.
		resp, err := http.Get(os.Getenv("AWS_ENDPOINT_URL") + "/start")
		if err != nil {
			os.Exit(8)
		}
		b, _ := io.ReadAll(resp.Body)
		if string(b) == "1" {
			os.Exit(1)
		}
		for {
			_, h := call("GET", "invocation/next", "", nil)
			call("POST", "invocation/"+h.Get("Lambda-Runtime-Aws-Request-Id")+"/response", `"recovered"`, nil)
		}
	case "hold":
		// Each invocation waits for the test's endpoint to answer /hold:
		// the test knows when both are running and decides when they end.
		for {
			_, h := call("GET", "invocation/next", "", nil)
			resp, err := http.Get(os.Getenv("AWS_ENDPOINT_URL") + "/hold")
			if err != nil {
				os.Exit(8)
			}
			resp.Body.Close()
			call("POST", "invocation/"+h.Get("Lambda-Runtime-Aws-Request-Id")+"/response", `"released"`, nil)
		}
	case "init-error":
		call("POST", "init/error", `{"errorMessage":"cannot start","errorType":"Runtime.ImportModuleError"}`, map[string]string{"Lambda-Runtime-Function-Error-Type": "Runtime.ImportModuleError"})
		os.Exit(1)
	case "probe":
		out := map[string]any{}
		out["early-response"], _ = call("POST", "invocation/nope/response", "{}", nil)
		first, h := call("GET", "invocation/next", "", nil)
		id := h.Get("Lambda-Runtime-Aws-Request-Id")
		out["headers"] = map[string]string{
			"id": id, "arn": h.Get("Lambda-Runtime-Invoked-Function-Arn"), "trace": h.Get("Lambda-Runtime-Trace-Id"),
			"client": h.Get("Lambda-Runtime-Client-Context"), "deadline": h.Get("Lambda-Runtime-Deadline-Ms"),
		}
		again, h2 := call("GET", "invocation/next", "", nil)
		out["redelivered"] = again.Body == first.Body && h2.Get("Lambda-Runtime-Aws-Request-Id") == id
		out["wrong-id"], _ = call("POST", "invocation/other/response", "{}", nil)
		out["init-error-late"], _ = call("POST", "init/error", "{}", nil)
		out["extension"], _ = call("POST", "../../2020-01-01/extension/register", "{}", nil)
		out["bad-mode"] = nil
		b, _ := json.Marshal(out)
		resp, _ := call("POST", "invocation/"+id+"/response", string(b), nil)
		second, _ := call("POST", "invocation/"+id+"/response", "{}", nil)
		_ = resp
		// Report the second-response answer in the next invocation.
		n, h3 := call("GET", "invocation/next", "", nil)
		_ = n
		b, _ = json.Marshal(map[string]any{"second-response": second})
		call("POST", "invocation/"+h3.Get("Lambda-Runtime-Aws-Request-Id")+"/response", string(b), nil)
		// Third: an error with an empty body.
		_, h4 := call("GET", "invocation/next", "", nil)
		call("POST", "invocation/"+h4.Get("Lambda-Runtime-Aws-Request-Id")+"/error", "", map[string]string{"Lambda-Runtime-Function-Error-Type": "Function.Custom"})
		// Fourth: too large.
		_, h5 := call("GET", "invocation/next", "", nil)
		big, _ := call("POST", "invocation/"+h5.Get("Lambda-Runtime-Aws-Request-Id")+"/response", strings.Repeat("a", MaxResponse+1), nil)
		_ = big
		for {
			call("GET", "invocation/next", "", nil)
		}
	}
}

// helperSpec runs this test binary as a provided.al2023 function: it is
// the bootstrap of a task root.
func helperSpec(t *testing.T, m *Manager, scenario string) *Spec {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	root := taskRoot(t)
	if err := os.Link(exe, root+"/bootstrap"); err != nil {
		b, err := os.ReadFile(exe)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(root+"/bootstrap", b, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	argv, boot, err := m.Command(Provided, "", root)
	if err != nil {
		t.Fatal(err)
	}
	lf, err := OpenLog(t.TempDir() + "/fn.log")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lf.Close() })
	const endpoint = "http://127.0.0.1:4566"
	return &Spec{Key: "helper/" + scenario, Revision: "1", FunctionName: "helper", Version: "$LATEST", Runtime: "provided.al2023",
		Kind: Provided, MemoryMB: 128, Timeout: 5 * time.Second, TaskRoot: root, Command: argv, Bootstrap: boot,
		Env: []string{"GATEHOUSE_RUNTIME_HELPER=" + scenario, "AWS_ENDPOINT_URL=" + SandboxEndpoint(endpoint)}, Endpoint: endpoint, Log: lf}
}

// TestRuntimeAPI probes the Runtime API of one instance over four
// invocations (WaitLogs makes each one return after the instance is back
// in the pool, so the same instance serves them all).
func TestRuntimeAPI(t *testing.T) {
	m := newManager(t)
	s := helperSpec(t, m, "probe")
	// The fourth invocation posts a 6 MB body: under -race on a loaded
	// machine that outlasts helperSpec's 5 s.
	s.Timeout = 30 * time.Second
	start := time.Now()
	res, err := m.Invoke(context.Background(), s, Invocation{RequestID: "req-1", Payload: []byte(`{"k":1}`),
		InvokedARN: "arn:aws:lambda:us-east-1:000000000000:function:helper:$LATEST", ClientContext: `{"custom":{"a":"b"}}`, TraceID: "Root=1-abc;Sampled=0", WaitLogs: true})
	if err != nil || res.FunctionError != "" {
		t.Fatalf("%v %+v", err, res)
	}
	var got map[string]json.RawMessage
	if err := json.Unmarshal(res.Payload, &got); err != nil {
		t.Fatalf("%s", res.Payload)
	}
	tests := []struct{ key, want string }{
		{"early-response", `{"status":400,"body":"{\"errorMessage\":\"Invalid request ID\",\"errorType\":\"InvalidRequestID\"}"}`},
		{"redelivered", `true`},
		{"wrong-id", `{"status":400,"body":"{\"errorMessage\":\"Invalid request ID\",\"errorType\":\"InvalidRequestID\"}"}`},
		{"init-error-late", `{"status":403,"body":"{\"errorMessage\":\"State transition from RuntimeRunningState to InitError failed for runtime. Error: State transition is not allowed\",\"errorType\":\"InvalidStateTransition\"}"}`},
		{"extension", `{"status":404,"body":"404 page not found\n"}`},
	}
	for _, tc := range tests {
		if string(got[tc.key]) != tc.want {
			t.Errorf("%s = %s\nwant %s", tc.key, got[tc.key], tc.want)
		}
	}
	var hdr map[string]string
	_ = json.Unmarshal(got["headers"], &hdr)
	var dl int64
	fmt.Sscan(hdr["deadline"], &dl)
	if hdr["id"] != "req-1" || hdr["arn"] != "arn:aws:lambda:us-east-1:000000000000:function:helper:$LATEST" || hdr["trace"] != "Root=1-abc;Sampled=0" ||
		hdr["client"] != `{"custom":{"a":"b"}}` || dl < start.Add(s.Timeout-time.Second).UnixMilli() || dl > time.Now().Add(s.Timeout).UnixMilli() {
		t.Errorf("headers = %v", hdr)
	}

	res, _ = m.Invoke(context.Background(), s, Invocation{RequestID: "req-2", Payload: []byte(`{}`), WaitLogs: true})
	if want := `{"second-response":{"status":403,"body":"{\"errorMessage\":\"State transition from RuntimeResponseSentState to InvocationResponse failed for runtime. Error: State transition is not allowed\",\"errorType\":\"InvalidStateTransition\"}"}}`; string(res.Payload) != want {
		t.Errorf("second response: %s", res.Payload)
	}
	res, _ = m.Invoke(context.Background(), s, Invocation{RequestID: "req-3", Payload: []byte(`{}`), WaitLogs: true})
	if string(res.Payload) != `{"errorMessage":"","errorType":"Function.Custom"}` || res.FunctionError != "Unhandled" {
		t.Errorf("empty error: %s %q", res.Payload, res.FunctionError)
	}
	res, _ = m.Invoke(context.Background(), s, Invocation{RequestID: "req-4", Payload: []byte(`{}`), WaitLogs: true})
	if string(res.Payload) != `{"errorMessage":"Response payload size exceeded maximum allowed payload size (6291556 bytes).","errorType":"Function.ResponseSizeTooLarge"}` || res.FunctionError != "Unhandled" {
		t.Errorf("too large: %.200s %q", res.Payload, res.FunctionError)
	}
}

func TestInitError(t *testing.T) {
	m := newManager(t)
	s := helperSpec(t, m, "init-error")
	res, err := m.Invoke(context.Background(), s, Invocation{RequestID: "req-i", Payload: []byte(`{}`), WaitLogs: true})
	if err != nil {
		t.Fatal(err)
	}
	if string(res.Payload) != `{"errorMessage":"cannot start","errorType":"Runtime.ImportModuleError"}` || res.FunctionError != "Unhandled" {
		t.Errorf("init error: %s %q", res.Payload, res.FunctionError)
	}
	if !bytes.Contains(res.Log, []byte("START RequestId: req-i")) || !bytes.Contains(res.Log, []byte("REPORT RequestId: req-i")) {
		t.Errorf("log:\n%s", res.Log)
	}
	// Both the init and the suppressed init in the invocation failed.
	full, _ := os.ReadFile(s.Log.path)
	for _, want := range []string{"\tPhase: init\tStatus: error\tError Type: Runtime.ImportModuleError\n", "\tPhase: invoke\tStatus: error\tError Type: Runtime.ImportModuleError\n"} {
		if !bytes.Contains(full, []byte(want)) {
			t.Errorf("function log lacks %q:\n%s", want, full)
		}
	}
	if alive, _ := waitInstances(m, s.Key, 0, 0); alive != 0 {
		t.Errorf("%d instances alive after an init error", alive)
	}
}

func TestSuppressedInit(t *testing.T) {
	var starts atomic.Int32
	m := newManager(t, func(c *ManagerConfig) {
		c.Endpoint = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprint(w, starts.Add(1))
		})
	})
	s := helperSpec(t, m, "flaky-init")
	res, err := m.Invoke(context.Background(), s, Invocation{RequestID: "req-f", Payload: []byte(`{}`), WaitLogs: true})
	if err != nil || string(res.Payload) != `"recovered"` || res.FunctionError != "" {
		full, _ := os.ReadFile(s.Log.path)
		t.Fatalf("%v %s %q\nfunction log:\n%s", err, res.Payload, res.FunctionError, full)
	}
	full, _ := os.ReadFile(s.Log.path)
	if !bytes.Contains(full, []byte("INIT_REPORT Init Duration: ")) || !bytes.Contains(full, []byte("\tPhase: init\tStatus: error\tError Type: Runtime.ExitError\n")) {
		t.Errorf("log:\n%s", full)
	}
}
