package runtime

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Instance states (spec/lambda.md §1.7).
type state uint8

const (
	stStarted state = iota
	stReady
	stRunning
	stResponseSent
	stInitError
	stDead
)

func (s state) name() string {
	switch s {
	case stStarted:
		return "RuntimeStartedState"
	case stReady:
		return "RuntimeReadyState"
	case stRunning:
		return "RuntimeRunningState"
	case stResponseSent:
		return "RuntimeResponseSentState"
	case stInitError:
		return "RuntimeInitErrorState"
	}
	return "RuntimeResetState"
}

// maxInvocationLog bounds the log text kept per invocation.
const maxInvocationLog = 256 << 10

// retireBefore: an instance whose credentials expire within this is not
// given new invocations (spec §2.4).
const retireBefore = 15 * time.Minute

type instance struct {
	m      *Manager
	spec   *Spec
	stream string

	ln    net.Listener
	srv   *http.Server
	epSrv *http.Server // gatehouse inside the sandbox
	// tlsSrv serves gatehouse over TLS inside the sandbox (Manager.SetTLS).
	tlsSrv *http.Server
	cmd    *exec.Cmd
	out    *os.File // read end of the stdout/stderr pipe
	tmp    string
	creds  Credentials

	discarded bool   // resources released (under mu)
	execErr   string // the sandbox init could not execute the runtime

	sbp     *proc        // the sandbox, nil without isolation
	rpid    int          // host pid of the runtime inside the sandbox
	oom     atomic.Bool  // killed by the memory watchdog
	peakRSS atomic.Int64 // bytes, as the watchdog saw it

	readerBusy atomic.Bool
	// readMu makes a read from the output pipe and the setting of
	// readerBusy one step as drainOutput sees them (see busyReader).
	readMu     sync.Mutex
	readerDone chan struct{}

	mu       sync.Mutex
	st       state
	cur      *invocation // assigned, until the runtime asks for the next one
	logInv   *invocation // receives output lines until its END is written
	initBody []byte
	initType string
	initDur  time.Duration
	initPaid bool // the next invocation reports Init Duration
	lastUsed time.Time

	wake     chan struct{} // an invocation was assigned
	ready    chan struct{} // closed at the first /next
	initErr  chan struct{} // closed on /init/error
	exited   chan struct{} // closed when the process has exited
	dying    chan struct{} // closed when the instance is being stopped
	dieOnce  sync.Once
	discOnce sync.Once
	started  time.Time
	waitErr  error
	procStat *os.ProcessState
}

type invocation struct {
	Invocation
	version  string
	start    time.Time
	deadline time.Time

	resultOnce sync.Once
	resultCh   chan struct{}
	payload    []byte
	funcErr    bool
	errType    string // for REPORT's Error Type
	streamed   bool   // the response went to Stream (set before resultCh closes)

	complete chan struct{} // runtime asked for the next invocation
	done     chan struct{} // END/REPORT written

	logMu sync.Mutex
	log   bytes.Buffer
}

func (inv *invocation) setResult(payload []byte, funcErr bool, errType string) bool {
	return inv.setResultStreamed(payload, funcErr, errType, false)
}

// setResultStreamed records the result; streamed says the payload went to
// inv.Stream (payload then holds only an error document, if any).
func (inv *invocation) setResultStreamed(payload []byte, funcErr bool, errType string, streamed bool) bool {
	set := false
	inv.resultOnce.Do(func() {
		inv.payload, inv.funcErr, inv.errType, inv.streamed = payload, funcErr, errType, streamed
		close(inv.resultCh)
		set = true
	})
	return set
}

func newInstance(m *Manager, spec *Spec) *instance {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return &instance{
		m:          m,
		spec:       spec,
		stream:     time.Now().UTC().Format("2006/01/02") + "/[" + spec.Version + "]" + hex.EncodeToString(b[:]),
		wake:       make(chan struct{}, 1),
		ready:      make(chan struct{}),
		initErr:    make(chan struct{}),
		exited:     make(chan struct{}),
		dying:      make(chan struct{}),
		readerDone: make(chan struct{}),
		lastUsed:   time.Now(),
	}
}

func (i *instance) expiring() bool {
	return !i.creds.Expiration.IsZero() && time.Until(i.creds.Expiration) < retireBefore
}

// startError is a failure to start the process, reported to the invoker as
// a function error.
type startError struct {
	errType string
	msg     string
}

func (e *startError) Error() string { return e.msg }

// start launches the process and its Runtime API.
func (i *instance) start(ctx context.Context) error {
	s := i.spec
	if s.Bootstrap != "" {
		if _, err := os.Stat(s.Bootstrap); err != nil {
			shown := s.Bootstrap
			if i.m.sandboxed() && len(s.Command) > 0 {
				shown = s.Command[0] // where the function would see it
			}
			return &startError{"Runtime.InvalidEntrypoint", "Couldn't find valid bootstrap(s): [" + shown + "]"}
		}
	}
	if s.Credentials != nil {
		c, err := s.Credentials(ctx)
		if err != nil {
			return fmt.Errorf("issue execution role credentials: %w", err)
		}
		i.creds = c
	}
	if i.m.sbx != nil {
		return i.startSandbox()
	}
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		return err
	}
	i.ln = ln
	i.srv = &http.Server{Handler: http.HandlerFunc(i.serveAPI)}
	go func() { _ = i.srv.Serve(ln) }()

	tmp, err := os.MkdirTemp(i.m.cfg.TempDir, "gatehouse-lambda-")
	if err != nil {
		i.srv.Close()
		return err
	}
	i.tmp = tmp

	env := i.environ(ln.Addr().String())
	env = append(env, "TMPDIR="+tmp)

	pr, pw, err := os.Pipe()
	if err != nil {
		i.cleanup()
		return err
	}
	cmd := exec.Command(s.Command[0], s.Command[1:]...)
	cmd.Dir = s.TaskRoot
	cmd.Env = env
	cmd.Stdout = pw
	cmd.Stderr = pw
	// Own process group, so a timeout kills the runtime's children too.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	i.mu.Lock()
	i.started = time.Now()
	i.mu.Unlock()
	if err := cmd.Start(); err != nil {
		pr.Close()
		pw.Close()
		i.cleanup()
		msg := err.Error()
		var pe *os.PathError
		if errors.As(err, &pe) {
			msg = "fork/exec " + pe.Path + ": " + pe.Err.Error()
		}
		return &startError{"Runtime.ExitError", "Runtime failed to start: " + msg}
	}
	pw.Close()
	i.running(cmd, pr)
	return nil
}

// environ is the process environment with the per-instance variables.
func (i *instance) environ(api string) []string {
	s := i.spec
	env := make([]string, 0, len(s.Env)+8)
	env = append(env, s.Env...)
	env = append(env,
		"AWS_LAMBDA_RUNTIME_API="+api,
		"AWS_LAMBDA_LOG_STREAM_NAME="+i.stream,
	)
	if i.creds.AccessKeyID != "" {
		env = append(env,
			"AWS_ACCESS_KEY_ID="+i.creds.AccessKeyID,
			"AWS_SECRET_ACCESS_KEY="+i.creds.SecretAccessKey,
			"AWS_SESSION_TOKEN="+i.creds.SessionToken,
		)
	}
	return env
}

// running records the started process and watches its output and exit.
func (i *instance) running(cmd *exec.Cmd, out *os.File) {
	i.mu.Lock()
	i.cmd, i.out = cmd, out
	i.mu.Unlock()
	go i.readOutput()
	go func() {
		err := cmd.Wait()
		// Children that outlived the runtime go too.
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		// Before anyone sees the exit (and releases the sandbox): what the
		// sandbox left to say about it.
		execErr := ""
		if p := i.sandboxProc(); p != nil {
			execErr = p.pendingExecError()
			if p.cg != nil && p.cg.oomKilled() {
				i.oom.Store(true)
			}
		}
		i.mu.Lock()
		i.execErr = execErr
		i.waitErr, i.procStat = err, cmd.ProcessState
		i.st = stDead
		i.mu.Unlock()
		close(i.exited)
		// An idle instance that dies is simply dropped (spec §1.10).
		i.discard()
	}()
	i.emit(nil, "INIT_START Runtime Version: gatehouse:"+i.spec.Runtime+"\n")
	if i.spec.InitNotice != "" {
		i.emit(nil, i.spec.InitNotice+"\n")
	}
}

// startSandbox starts the instance in its own bubblewrap sandbox (see
// package sandboxinit for what happens inside) and serves its Runtime API
// and gatehouse on the listeners the sandbox hands over.
func (i *instance) startSandbox() error {
	s := i.spec
	ep := 0
	if i.m.cfg.Endpoint != nil {
		ep = endpointPort(s.Endpoint)
	}
	api := apiPort(ep)
	tlsCfg := i.m.tls.Load()
	tlsPort := 0
	if i.m.cfg.Endpoint != nil && tlsCfg != nil {
		tlsPort = endpointPort(s.TLSEndpoint)
		if tlsPort == api {
			tlsPort = 0 // the Runtime API's port is taken
		}
	}
	l := &launch{
		taskRoot:   s.TaskRoot,
		runtimeDir: s.RuntimeDir,
		optDir:     s.OptDir,
		tmpBytes:   int64(max(s.EphemeralMB, 512)) << 20,
		apiPort:    api,
		epPort:     ep,
		tlsPort:    tlsPort,
		hosts:      i.m.hostNames(),
		argv:       s.Command,
	}
	if s.MemoryMB > 0 {
		l.dataLimit = uint64(s.MemoryMB)<<20 + memoryBackstop
		l.cgLimit = int64(s.MemoryMB)<<20 + l.tmpBytes
	}
	if s.Kind == Node || s.Kind == Python {
		in, err := interpreter(s.Kind)
		if err != nil {
			return err
		}
		for _, p := range in.prefixes {
			l.prefixes = append(l.prefixes, bind{p, p})
		}
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		return err
	}
	i.mu.Lock()
	i.started = time.Now()
	i.mu.Unlock()
	p, err := i.m.sbx.start(l, pw, i.environ("127.0.0.1:"+strconv.Itoa(api)))
	pw.Close()
	if err != nil {
		pr.Close()
		close(i.readerDone)
		return fmt.Errorf("start the function's sandbox: %w", err)
	}
	i.mu.Lock()
	i.sbp = p
	i.mu.Unlock()
	i.running(p.cmd, pr)
	h, err := p.receive(time.Now().Add(i.m.cfg.InitTimeout))
	if err != nil {
		// bwrap or the init failed; what they said is in the function's log.
		i.m.cfg.Log.Warn("lambda: sandbox did not start", "function", s.FunctionName, "err", err)
		i.kill()
		<-i.exited
		return &startError{"Runtime.ExitError", "Runtime failed to start: the sandbox could not be set up"}
	}
	if len(h.tls) > 0 && tlsCfg != nil && tlsPort != httpsPort && ep != httpsPort && h.pid > 0 && os.Geteuid() == 0 {
		// gatehouse's TLS on the sandbox's port 443 too (see httpsPort),
		// before the runtime gets its first event.
		if ln, err := listenInNetns(h.pid, "127.0.0.1:"+strconv.Itoa(httpsPort)); err == nil {
			h.tls = append(h.tls, ln)
		} else {
			i.m.cfg.Log.Debug("lambda: no port 443 in the sandbox", "function", s.FunctionName, "err", err)
		}
	}
	srv := &http.Server{Handler: http.HandlerFunc(i.serveAPI)}
	var epSrv *http.Server
	if len(h.ep) > 0 {
		epSrv = &http.Server{Handler: i.m.cfg.Endpoint, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 120 * time.Second}
	}
	var tlsSrv *http.Server
	if len(h.tls) > 0 && tlsCfg != nil {
		// The function's https URLs: net/http over crypto/tls, so that
		// r.TLS (aws:SecureTransport) comes from the connection.
		tlsSrv = &http.Server{Handler: i.m.cfg.Endpoint, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 120 * time.Second,
			TLSConfig: tlsCfg, ErrorLog: log.New(io.Discard, "", 0)}
	}
	i.mu.Lock()
	if i.discarded {
		// The sandbox died meanwhile and its resources are released:
		// initInstance reports the exit.
		i.mu.Unlock()
		h.closeFrom(0, nil)
		return nil
	}
	i.rpid = h.pid
	i.srv, i.epSrv, i.tlsSrv = srv, epSrv, tlsSrv
	i.mu.Unlock()
	go func() { _ = srv.Serve(h.api) }()
	for _, ln := range h.ep {
		go func() { _ = epSrv.Serve(ln) }()
	}
	for _, ln := range h.tls {
		if tlsSrv == nil {
			ln.Close()
			continue
		}
		go func() { _ = tlsSrv.ServeTLS(ln, "", "") }()
	}
	if s.MemoryMB > 0 && h.pid > 0 {
		go i.watchMemory(int64(s.MemoryMB) << 20)
	}
	return nil
}

func (i *instance) sandboxProc() *proc {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.sbp
}

// execError is the init's report that it could not execute the runtime
// ("fork/exec /var/task/bootstrap: permission denied"), "" if none. It is
// known once the process has exited.
func (i *instance) execError() string {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.execErr
}

// cleanup releases what start acquired when the process never ran.
func (i *instance) cleanup() {
	if i.srv != nil {
		i.srv.Close()
	}
	if i.epSrv != nil {
		i.epSrv.Close()
	}
	if i.tlsSrv != nil {
		i.tlsSrv.Close()
	}
	if i.tmp != "" {
		os.RemoveAll(i.tmp)
	}
	close(i.readerDone)
}

// kill stops the process group at once (timeouts, init failures).
func (i *instance) kill() {
	i.dieOnce.Do(func() { close(i.dying) })
	if pid := i.pid(); pid > 0 {
		_ = syscall.Kill(-pid, syscall.SIGKILL)
	}
}

// shutdown stops the instance gracefully: SIGTERM, 2 s, SIGKILL; then
// releases its resources and removes it from its pool. It is idempotent.
func (i *instance) shutdown() {
	i.dieOnce.Do(func() { close(i.dying) })
	// A stopping instance no longer counts against concurrency.
	i.m.forget(i)
	if pid := i.pid(); pid > 0 {
		_ = syscall.Kill(-pid, syscall.SIGTERM)
		select {
		case <-i.exited:
		case <-time.After(2 * time.Second):
			_ = syscall.Kill(-pid, syscall.SIGKILL)
			<-i.exited
		}
	}
	i.discard()
}

// discard frees the instance's listener and temp dir after its process is
// gone (or never started) and forgets it.
func (i *instance) discard() { i.discOnce.Do(i.doDiscard) }

func (i *instance) doDiscard() {
	if i.pid() > 0 {
		<-i.exited
		<-i.readerDone
	}
	i.mu.Lock()
	i.discarded = true
	srv, epSrv, tlsSrv, p := i.srv, i.epSrv, i.tlsSrv, i.sbp
	i.mu.Unlock()
	if srv != nil {
		srv.Close()
	}
	if epSrv != nil {
		epSrv.Close()
	}
	if tlsSrv != nil {
		tlsSrv.Close()
	}
	if i.tmp != "" {
		os.RemoveAll(i.tmp)
	}
	if p != nil {
		i.m.sbx.release(p)
	}
	i.m.forget(i)
}

// readOutput turns the process's output into log lines, attributed to the
// invocation in progress.
func (i *instance) readOutput() {
	defer close(i.readerDone)
	i.mu.Lock()
	out := i.out
	i.mu.Unlock()
	defer out.Close()
	rc, err := out.SyscallConn()
	if err != nil {
		return
	}
	r := bufio.NewReaderSize(&busyReader{rc: rc, mu: &i.readMu, busy: &i.readerBusy}, 64<<10)
	for {
		line, err := r.ReadSlice('\n')
		if len(line) > 0 {
			s := string(line)
			if !strings.HasSuffix(s, "\n") {
				s += "\n"
			}
			i.mu.Lock()
			inv := i.logInv
			i.mu.Unlock()
			i.emit(inv, s)
		}
		if r.Buffered() == 0 {
			i.readerBusy.Store(false)
		}
		if err != nil && !errors.Is(err, bufio.ErrBufferFull) {
			return
		}
	}
}

// busyReader marks the reader busy as soon as a read returns data. The
// read syscall (non-blocking: the pipe is in Go's poller) and the mark are
// made under mu, which drainOutput also holds to look: otherwise, between
// the kernel handing the bytes over and the mark, the pipe looks empty and
// the reader idle, and an invocation's last lines went to the next one (a
// flaky TestPythonRuntime under load).
type busyReader struct {
	rc   syscall.RawConn
	mu   *sync.Mutex
	busy *atomic.Bool
}

func (b *busyReader) Read(p []byte) (int, error) {
	var n int
	var err error
	rerr := b.rc.Read(func(fd uintptr) bool {
		b.mu.Lock()
		n, err = unix.Read(int(fd), p)
		if n > 0 {
			b.busy.Store(true)
		}
		b.mu.Unlock()
		return err != unix.EAGAIN && err != unix.EINTR
	})
	switch {
	case rerr != nil:
		return 0, rerr
	case err != nil:
		return 0, err
	case n == 0:
		return 0, io.EOF
	}
	return n, nil
}

// drainOutput waits (briefly) until what the process wrote before now has
// been turned into log lines: runtimes print, then call the Runtime API, so
// by the time an invocation completes its output is in the pipe.
func (i *instance) drainOutput() {
	i.mu.Lock()
	out := i.out
	i.mu.Unlock()
	if out == nil {
		return
	}
	sc, err := out.SyscallConn()
	if err != nil {
		return
	}
	// The bound only matters for a process that never stops writing; on
	// a loaded machine the reader can wait for a CPU for well over the
	// 100 ms this used to allow.
	end := time.Now().Add(time.Second)
	for time.Now().Before(end) {
		n := 0
		i.readMu.Lock()
		ctlErr := sc.Control(func(fd uintptr) {
			n, err = unix.IoctlGetInt(int(fd), unix.TIOCINQ)
		})
		busy := i.readerBusy.Load()
		i.readMu.Unlock()
		if ctlErr != nil || err != nil {
			return
		}
		if n == 0 && !busy {
			return
		}
		time.Sleep(100 * time.Microsecond)
	}
}

// emit writes a log line to the function log and, when inv is set, to the
// invocation's log.
func (i *instance) emit(inv *invocation, line string) {
	if inv != nil {
		inv.logMu.Lock()
		if inv.log.Len() > maxInvocationLog {
			// Only the tail is ever returned (X-Amz-Log-Result: 4 KB).
			tail := append([]byte(nil), inv.log.Bytes()[inv.log.Len()-maxInvocationLog/2:]...)
			inv.log.Reset()
			inv.log.Write(tail)
		}
		inv.log.WriteString(line)
		inv.logMu.Unlock()
	}
	if i.spec.Log != nil {
		_ = i.spec.Log.WriteLine(i.stream, line)
	}
}

// exitMessage describes how the process ended, as Lambda reports it.
func (i *instance) exitMessage() string {
	i.mu.Lock()
	ps, sandboxed := i.procStat, i.sbp != nil
	i.mu.Unlock()
	if i.oom.Load() {
		return "Runtime exited with error: signal: killed"
	}
	if ps != nil && ps.Exited() && ps.ExitCode() == 0 {
		return "Runtime exited without providing a reason"
	}
	if ps != nil && sandboxed && ps.Exited() {
		// bubblewrap exits with 128+N when the runtime died of signal N.
		if c := ps.ExitCode(); c > 128 && c < 128+65 {
			return "Runtime exited with error: signal: " + syscall.Signal(c-128).String()
		}
	}
	if ps != nil {
		return "Runtime exited with error: " + ps.String()
	}
	return "Runtime exited without providing a reason"
}

// exitType is the REPORT line's Error Type for a crash.
func (i *instance) exitType() string {
	if i.oom.Load() {
		return "Runtime.OutOfMemory"
	}
	return "Runtime.ExitError"
}

func errorDoc(errType, msg string) []byte {
	var b bytes.Buffer
	b.WriteString(`{"errorType":`)
	writeJSONString(&b, errType)
	b.WriteString(`,"errorMessage":`)
	writeJSONString(&b, msg)
	b.WriteByte('}')
	return b.Bytes()
}

func timeSince(t time.Time) time.Duration { return time.Since(t) }

// runtimePID is the host pid whose memory is the function's: the runtime
// inside a sandbox, else the process itself.
func (i *instance) runtimePID() int {
	i.mu.Lock()
	rp := i.rpid
	i.mu.Unlock()
	if rp > 0 {
		return rp
	}
	return i.pid()
}

// pid is the started process's id (its process group), 0 before start.
func (i *instance) pid() int {
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.cmd == nil || i.cmd.Process == nil {
		return 0
	}
	return i.cmd.Process.Pid
}
