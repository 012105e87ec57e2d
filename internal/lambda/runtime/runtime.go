package runtime

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"
)

// Credentials are the execution role's session credentials an instance is
// started with.
type Credentials struct {
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string
	Expiration      time.Time
}

// Spec says how to start instances of one function revision. It must not
// be modified once passed to Invoke (instances keep a pointer to it).
type Spec struct {
	// Key identifies the function (account/region/name): instances of one
	// Key form one pool, bounded by Concurrency.
	Key string
	// Revision changes whenever code or configuration changes; instances of
	// an older revision finish their current invocation and are stopped.
	Revision string

	FunctionName string
	Version      string // "$LATEST"
	Runtime      string
	Kind         Kind
	MemoryMB     int
	// EphemeralMB sizes a sandbox's /tmp (default 512).
	EphemeralMB int
	Timeout     time.Duration

	// TaskRoot is the extracted code on the host (the process's working
	// directory; /var/task inside a sandbox).
	TaskRoot string
	// RuntimeDir is gatehouse's bootstrap programs on the host
	// (/var/runtime inside a sandbox).
	RuntimeDir string
	// OptDir, when set, is the function's layers merged on the host,
	// mounted read-only at /opt inside a sandbox.
	OptDir string
	// Command is the argv of the instance's process, as Manager.Command
	// returns it. Bootstrap, when set, is the host path of a file that must
	// exist (provided.* runtimes' <task root>/bootstrap); without it the
	// invocation fails with Runtime.InvalidEntrypoint.
	Command   []string
	Bootstrap string
	// Env is the process environment except the per-instance variables
	// (AWS_LAMBDA_RUNTIME_API, AWS_LAMBDA_LOG_STREAM_NAME, TMPDIR and the
	// credentials), which the instance adds.
	Env []string
	// Endpoint is the server's URL: a sandbox serves gatehouse on its port
	// (ManagerConfig.Endpoint).
	Endpoint string
	// Concurrency caps the function's instances; 0 means the Manager's
	// account-wide limit only, unless Reserved.
	Concurrency int
	// Reserved is true when Concurrency comes from reserved concurrency:
	// it selects the throttle reason, and 0 then throttles everything.
	Reserved bool

	// InitNotice, when set, is logged after INIT_START (e.g. a deprecated
	// runtime run on the host's interpreter).
	InitNotice string

	// Log receives every line of the function's log. Required.
	Log *LogFile
	// Credentials issues the execution role's credentials for a new
	// instance; nil starts instances without credentials.
	Credentials func(ctx context.Context) (Credentials, error)
}

// Invocation is one synchronous invocation.
type Invocation struct {
	RequestID     string
	Payload       []byte
	InvokedARN    string // Lambda-Runtime-Invoked-Function-Arn: the ARN as the caller named it
	ClientContext string // decoded X-Amz-Client-Context, "" when none
	TraceID       string // "" generates one
	// WaitLogs makes Invoke return only after END/REPORT are written, so
	// Result.Log is complete (X-Amz-Log-Type: Tail).
	WaitLogs bool
	// Stream, when set, receives a response the function streams
	// (Lambda-Runtime-Function-Response-Mode: streaming) chunk by chunk as
	// it arrives, instead of in Result.Payload (InvokeWithResponseStream).
	// A response the function does not stream still comes in
	// Result.Payload. Write is called from the Runtime API's goroutine and
	// must not be called after Invoke returns: the sink refuses late
	// writes itself (an invocation can time out while a chunk is on its
	// way).
	Stream StreamSink
}

// StreamSink receives a streamed response. Start comes once, when the
// function begins to stream, with the content type it declared; Write then
// comes once per chunk. An error from either stops the forwarding; the
// rest of the function's stream is read and dropped.
type StreamSink interface {
	Start(contentType string) error
	Write(chunk []byte) error
}

// MaxStreamedResponse is the most a function may stream (AWS's default
// soft limit for response streaming, 20 MiB); past it the invocation
// fails with Function.ResponseSizeTooLarge.
const MaxStreamedResponse = 20 << 20

// Result is what the caller of Invoke gets.
type Result struct {
	Payload []byte
	// FunctionError is "Unhandled" when the function or its runtime failed
	// (the payload is then the error document), else "".
	FunctionError string
	// ErrorType is the function's error type when FunctionError is set
	// (e.g. "Runtime.ImportModuleError", "Sandbox.Timedout", "Error").
	ErrorType string
	// Streamed reports that the payload went to Invocation.Stream.
	Streamed bool
	// Log is the invocation's log text, START…REPORT (complete only when
	// Invocation.WaitLogs was set).
	Log []byte
}

// ThrottleError is returned by Invoke when no instance can be started.
type ThrottleError struct {
	// Reason is ReservedFunctionConcurrentInvocationLimitExceeded or
	// ConcurrentInvocationLimitExceeded.
	Reason string
}

func (e *ThrottleError) Error() string { return "lambda: throttled: " + e.Reason }

// ErrClosed is returned by Invoke after Close.
var ErrClosed = errors.New("lambda runtime: shut down")

// ManagerConfig configures a Manager.
type ManagerConfig struct {
	// MaxInstances is the account-wide concurrency limit (default 1000).
	MaxInstances int
	// IdleTimeout reaps instances idle for this long (default 10 minutes).
	IdleTimeout time.Duration
	// InitTimeout bounds an instance's init (default 10 s).
	InitTimeout time.Duration
	// TempDir is where per-instance TMPDIRs are made without isolation
	// (default os.TempDir).
	TempDir string
	Log     *slog.Logger

	// Isolation is IsolationSandbox (also when empty) or IsolationNone.
	Isolation string
	// Bwrap is the bubblewrap program; "" looks bwrap up on PATH.
	Bwrap string
	// SandboxUID is the first host uid of sandboxes when the server runs as
	// root (default DefaultSandboxUID).
	SandboxUID uint32
	// StateDir holds what sandboxes bind from the server (the generated
	// /etc files); default a new temp dir.
	StateDir string
	// Endpoint, when set, is served inside every sandbox on the port of
	// Spec.Endpoint, so that functions reach gatehouse (AWS_ENDPOINT_URL,
	// execute-api URLs) on their own loopback.
	Endpoint http.Handler
}

// Manager owns every instance of every function.
type Manager struct {
	cfg    ManagerConfig
	sbx    *sandbox // nil without isolation, or when it is unavailable
	sbxErr error    // why functions cannot run (sandbox mode only)

	mu    sync.Mutex
	pools map[string]*pool
	total int
	// changed is closed (and replaced) whenever an instance joins or
	// leaves a pool or becomes idle or busy: WaitInstances waits on it
	// instead of polling, so tests synchronize on the event itself.
	changed chan struct{}
	closed  bool
	wg      sync.WaitGroup // instances alive
	stop    chan struct{}
}

// NewManager returns a Manager; Close it to stop every instance.
func NewManager(cfg ManagerConfig) *Manager {
	if cfg.MaxInstances <= 0 {
		cfg.MaxInstances = 1000
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = 10 * time.Minute
	}
	if cfg.InitTimeout <= 0 {
		cfg.InitTimeout = 10 * time.Second
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	m := &Manager{cfg: cfg, pools: map[string]*pool{}, stop: make(chan struct{}), changed: make(chan struct{})}
	switch cfg.Isolation {
	case "", IsolationSandbox:
		m.cfg.Isolation = IsolationSandbox
		m.sbx, m.sbxErr = newSandbox(cfg)
	case IsolationNone:
	default:
		m.sbxErr = fmt.Errorf("unknown isolation %q (want %s or %s)", cfg.Isolation, IsolationSandbox, IsolationNone)
	}
	go m.reaper()
	return m
}

// Isolation reports how functions run and, when err is not nil, why they
// cannot run at all.
func (m *Manager) Isolation() (mode string, err error) {
	return m.cfg.Isolation, m.sbxErr
}

func (m *Manager) sandboxed() bool { return m.cfg.Isolation == IsolationSandbox }

type pool struct {
	revision string
	idle     []*instance // most recently used last
	all      map[*instance]struct{}
	released chan struct{} // closed (and replaced) at every release
}

// broadcast wakes invocations waiting for a finishing instance.
func (p *pool) broadcast() {
	close(p.released)
	p.released = make(chan struct{})
}

// Instances reports how many instances of the function key are alive and
// how many of them are idle.
func (m *Manager) Instances(key string) (alive, idle int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	p := m.pools[key]
	if p == nil {
		return 0, 0
	}
	return len(p.all), len(p.idle)
}

// notifyLocked wakes WaitInstances; m.mu is held.
func (m *Manager) notifyLocked() {
	close(m.changed)
	m.changed = make(chan struct{})
}

// WaitInstances waits until the function key has alive instances, idle of
// them idle, or ctx ends, and returns the counts it last saw. An instance
// that is being discarded (a failed init, a crash) counts as alive until
// its process has exited and its resources are released, which happens
// after the invocation that saw it fail has returned.
func (m *Manager) WaitInstances(ctx context.Context, key string, alive, idle int) (int, int) {
	for {
		m.mu.Lock()
		a, i := 0, 0
		if p := m.pools[key]; p != nil {
			a, i = len(p.all), len(p.idle)
		}
		changed := m.changed
		m.mu.Unlock()
		if a == alive && i == idle {
			return a, i
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return a, i
		}
	}
}

// finishWait bounds how long an invocation waits for an instance that has
// answered its previous invocation but not yet asked for the next one,
// rather than starting (or being throttled for) another instance: a
// client's next call often arrives before the runtime's next /next.
const finishWait = 25 * time.Millisecond

// acquire returns an idle instance of spec's revision, or a new (not yet
// started) one.
func (m *Manager) acquire(spec *Spec) (*instance, bool, error) {
	deadline := time.Now().Add(finishWait)
	for {
		i, fresh, wait, err := m.tryAcquire(spec)
		if wait == nil || time.Now().After(deadline) {
			if wait != nil {
				return m.create(spec)
			}
			return i, fresh, err
		}
		select {
		case <-wait:
		case <-time.After(time.Until(deadline)):
		}
	}
}

// tryAcquire picks an idle instance. When there is none but one is
// finishing, it returns a channel closed at the next release instead.
func (m *Manager) tryAcquire(spec *Spec) (*instance, bool, <-chan struct{}, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, false, nil, ErrClosed
	}
	p := m.pools[spec.Key]
	if p == nil {
		p = &pool{all: map[*instance]struct{}{}, released: make(chan struct{})}
		m.pools[spec.Key] = p
	}
	var stale []*instance
	if p.revision != spec.Revision {
		p.revision = spec.Revision
		stale = append(stale, p.idle...)
		p.idle = nil
	}
	var got *instance
	for len(p.idle) > 0 {
		i := p.idle[len(p.idle)-1]
		p.idle = p.idle[:len(p.idle)-1]
		if i.expiring() {
			stale = append(stale, i)
			continue
		}
		got = i
		break
	}
	for _, i := range stale {
		m.forgetLocked(i)
		go i.shutdown()
	}
	if got != nil {
		m.notifyLocked()
		return got, false, nil, nil
	}
	for i := range p.all {
		i.mu.Lock()
		finishing := i.st == stResponseSent && i.spec.Revision == spec.Revision
		i.mu.Unlock()
		if finishing {
			return nil, false, p.released, nil
		}
	}
	i, fresh, err := m.createLocked(spec, p)
	return i, fresh, nil, err
}

func (m *Manager) create(spec *Spec) (*instance, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, false, ErrClosed
	}
	return m.createLocked(spec, m.pools[spec.Key])
}

func (m *Manager) createLocked(spec *Spec, p *pool) (*instance, bool, error) {
	// Instances being shut down still count until they are gone.
	if (spec.Concurrency > 0 || spec.Reserved) && len(p.all) >= spec.Concurrency {
		reason := "ConcurrentInvocationLimitExceeded"
		if spec.Reserved {
			reason = "ReservedFunctionConcurrentInvocationLimitExceeded"
		}
		return nil, false, &ThrottleError{Reason: reason}
	}
	if m.total >= m.cfg.MaxInstances {
		return nil, false, &ThrottleError{Reason: "ConcurrentInvocationLimitExceeded"}
	}
	i := newInstance(m, spec)
	p.all[i] = struct{}{}
	m.total++
	m.wg.Add(1)
	m.notifyLocked()
	return i, true, nil
}

// release returns a healthy instance to its pool after an invocation.
func (m *Manager) release(i *instance) {
	m.mu.Lock()
	p := m.pools[i.spec.Key]
	i.mu.Lock()
	dead := i.st == stDead
	i.mu.Unlock()
	if m.closed || p == nil || dead || p.revision != i.spec.Revision || i.expiring() {
		m.mu.Unlock()
		i.shutdown()
		return
	}
	i.lastUsed = time.Now()
	p.idle = append(p.idle, i)
	p.broadcast()
	m.notifyLocked()
	m.mu.Unlock()
}

// forget removes a dead instance from its pool.
func (m *Manager) forget(i *instance) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.forgetLocked(i)
}

func (m *Manager) forgetLocked(i *instance) {
	p := m.pools[i.spec.Key]
	if p == nil {
		return
	}
	if _, ok := p.all[i]; !ok {
		return
	}
	delete(p.all, i)
	p.broadcast()
	m.notifyLocked()
	for k, x := range p.idle {
		if x == i {
			p.idle = append(p.idle[:k], p.idle[k+1:]...)
			break
		}
	}
	m.total--
	m.wg.Done()
}

// Stop stops every idle instance of the function key and makes busy ones
// stop after their current invocation (function deleted or updated).
func (m *Manager) Stop(key string) {
	m.mu.Lock()
	p := m.pools[key]
	var idle []*instance
	if p != nil {
		idle = p.idle
		p.idle = nil
		p.revision = "" // busy instances are not returned
		m.notifyLocked()
	}
	m.mu.Unlock()
	for _, i := range idle {
		go i.shutdown()
	}
}

// Close stops every instance: SIGTERM to each process group, SIGKILL after
// 2 s. In-flight invocations fail.
func (m *Manager) Close() error {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return nil
	}
	m.closed = true
	close(m.stop)
	var all []*instance
	for _, p := range m.pools {
		for i := range p.all {
			all = append(all, i)
		}
		p.idle = nil
	}
	m.notifyLocked()
	m.mu.Unlock()
	var wg sync.WaitGroup
	for _, i := range all {
		wg.Add(1)
		go func() { defer wg.Done(); i.shutdown() }()
	}
	wg.Wait()
	m.wg.Wait()
	if m.sbx != nil {
		m.sbx.close()
	}
	return nil
}

func (m *Manager) reaper() {
	t := time.NewTicker(m.cfg.IdleTimeout / 10)
	defer t.Stop()
	for {
		select {
		case <-m.stop:
			return
		case <-t.C:
		}
		now := time.Now()
		var old []*instance
		m.mu.Lock()
		for _, p := range m.pools {
			keep := p.idle[:0]
			for _, i := range p.idle {
				if now.Sub(i.lastUsed) > m.cfg.IdleTimeout || i.expiring() {
					old = append(old, i)
				} else {
					keep = append(keep, i)
				}
			}
			p.idle = keep
		}
		if len(old) > 0 {
			m.notifyLocked()
		}
		m.mu.Unlock()
		for _, i := range old {
			go i.shutdown()
		}
	}
}
