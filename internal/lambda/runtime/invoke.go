package runtime

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Invoke runs inv on an instance of spec: an idle one of the same revision,
// or a new one (whose init the invocation waits for). Function failures
// (handler errors, init errors, timeouts, crashes) are not Go errors: they
// come back as a Result with FunctionError "Unhandled" and AWS's error
// document. Errors are *ThrottleError, ErrClosed, or a failure to prepare
// the instance (credentials, listener).
//
// The invocation runs to completion or timeout even if ctx ends (a caller
// that goes away does not cancel it, spec §4.5); Invoke then returns
// ctx.Err() without waiting.
func (m *Manager) Invoke(ctx context.Context, spec *Spec, inv Invocation) (*Result, error) {
	return m.invoke(ctx, spec, inv, 0)
}

func (m *Manager) invoke(ctx context.Context, spec *Spec, inv Invocation, attempt int) (*Result, error) {
	if m.sbxErr != nil {
		// Close on doubt: never fall back to running unisolated.
		return nil, m.sbxErr
	}
	arrived := time.Now()
	i, fresh, err := m.acquire(spec)
	if err != nil {
		return nil, err
	}
	version := spec.Version
	if inv.TraceID == "" {
		inv.TraceID = newTraceID()
	}
	var deadline time.Time
	if fresh {
		f, err := m.initInstance(ctx, i, inv, arrived, m.cfg.InitTimeout)
		if err != nil {
			return nil, err
		}
		if f != nil && !f.final && spec.Timeout-time.Since(arrived) > 0 {
			// Suppressed init (spec §2.6): Lambda retries a failed init
			// once, inside the invocation and on its clock.
			i.emit(nil, initReport(f, "init"))
			m.forget(i)
			if i, _, err = m.create(spec); err != nil {
				return nil, err
			}
			if f, err = m.initInstance(ctx, i, inv, arrived, spec.Timeout-time.Since(arrived)); err != nil {
				return nil, err
			}
			if f != nil {
				f.final = true
				i.emit(nil, initReport(f, "invoke"))
			}
			deadline = arrived.Add(spec.Timeout)
		}
		if f != nil {
			if f.status == "timeout" {
				i.emit(nil, timeoutLine(inv.RequestID, time.Since(arrived)))
			}
			return i.failedInit(inv, arrived, f.body, f.errType, f.status), nil
		}
	}
	iv := &invocation{
		Invocation: inv,
		version:    version,
		resultCh:   make(chan struct{}),
		complete:   make(chan struct{}),
		done:       make(chan struct{}),
		deadline:   deadline,
	}
	if !i.dispatch(iv) {
		// The instance died between acquire (or its init) and dispatch.
		go i.discard()
		if attempt == 0 {
			return m.invoke(ctx, spec, inv, 1)
		}
		<-i.exited
		return i.failedInit(inv, arrived, errorDoc("Runtime.ExitError", "RequestId: "+inv.RequestID+" Error: "+i.exitMessage()), "Runtime.ExitError", "error"), nil
	}
	go i.supervise(iv)
	select {
	case <-iv.resultCh:
	case <-ctx.Done():
		// The caller gave up (API Gateway's integration timeout); the
		// invocation itself runs on to its own timeout.
		return nil, ctx.Err()
	}
	if inv.WaitLogs {
		select {
		case <-iv.done:
		case <-time.After(time.Until(iv.deadline) + time.Second):
		}
	}
	res := &Result{Payload: iv.payload, Streamed: iv.streamed}
	if iv.funcErr {
		res.FunctionError, res.ErrorType = "Unhandled", iv.errType
	}
	iv.logMu.Lock()
	res.Log = append([]byte(nil), iv.log.Bytes()...)
	iv.logMu.Unlock()
	return res, nil
}

// initFailure is a failed init: the error document the invocation gets.
type initFailure struct {
	body    []byte
	errType string
	status  string // "error" or "timeout"
	dur     time.Duration
	final   bool // not worth a retry (no bootstrap, exec failure)
}

func initReport(f *initFailure, phase string) string {
	return fmt.Sprintf("INIT_REPORT Init Duration: %.2f ms\tPhase: %s\tStatus: %s\tError Type: %s\n",
		float64(f.dur.Microseconds())/1000, phase, f.status, f.errType)
}

// initInstance starts a new instance and waits up to timeout for its
// init. A failed init returns an initFailure (the invocation that
// triggered it gets it, spec §1.5, §2.6) and the instance is discarded.
func (m *Manager) initInstance(ctx context.Context, i *instance, inv Invocation, arrived time.Time, timeout time.Duration) (*initFailure, error) {
	err := i.start(ctx)
	var se *startError
	if errors.As(err, &se) {
		i.discard()
		return &initFailure{body: errorDoc(se.errType, "RequestId: "+inv.RequestID+" Error: "+se.msg), errType: se.errType, status: "error", final: true}, nil
	}
	if err != nil {
		i.discard()
		return nil, err
	}
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	reported := func() *initFailure {
		i.mu.Lock()
		defer i.mu.Unlock()
		return &initFailure{body: i.initBody, errType: i.initType, status: "error", dur: time.Since(i.started)}
	}
	select {
	case <-i.ready:
		return nil, nil
	case <-i.initErr:
		i.kill()
		go i.discard()
		return reported(), nil
	case <-i.exited:
		// The runtime may have reported /init/error just before exiting.
		select {
		case <-i.initErr:
			go i.discard()
			return reported(), nil
		default:
		}
		// Inside a sandbox, the init reports a runtime it could not execute.
		if msg := i.execError(); msg != "" {
			go i.discard()
			i.drainOutput()
			return &initFailure{body: errorDoc("Runtime.ExitError", "RequestId: "+inv.RequestID+" Error: Runtime failed to start: "+msg),
				errType: "Runtime.ExitError", status: "error", dur: time.Since(i.started), final: true}, nil
		}
		go i.discard()
		i.drainOutput()
		return &initFailure{body: errorDoc("Runtime.ExitError", "RequestId: "+inv.RequestID+" Error: "+i.exitMessage()),
			errType: i.exitType(), status: "error", dur: time.Since(i.started)}, nil
	case <-timer.C:
		i.kill()
		go i.discard()
		el := time.Since(arrived)
		return &initFailure{body: errorDoc("Sandbox.Timedout", fmt.Sprintf("RequestId: %s Error: Task timed out after %.2f seconds", inv.RequestID, el.Seconds())),
			errType: "Sandbox.Timedout", status: "timeout", dur: time.Since(i.started)}, nil
	}
}

// failedInit writes the platform lines of an invocation that never reached
// the handler and returns its function-error result.
func (i *instance) failedInit(inv Invocation, arrived time.Time, body []byte, errType, status string) *Result {
	if len(body) == 0 {
		body = errorDoc(orDefault(errType, "Unhandled"), "")
	}
	var log []byte
	add := func(s string) { log = append(log, s...); i.emit(nil, s) }
	add(startLine(inv.RequestID, i.spec.Version))
	add(endLine(inv.RequestID))
	d := time.Since(arrived)
	add(reportLine(inv.RequestID, d, i.spec.MemoryMB, i.spec.MemoryMB, 0, status, errType))
	return &Result{Payload: body, FunctionError: "Unhandled", Log: log}
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// dispatch hands iv to the instance's waiting /next. It reports false if
// the instance is no longer usable.
func (i *instance) dispatch(iv *invocation) bool {
	i.mu.Lock()
	if i.st != stReady {
		i.mu.Unlock()
		return false
	}
	iv.start = time.Now()
	if iv.deadline.IsZero() {
		iv.deadline = iv.start.Add(i.spec.Timeout)
	}
	i.cur = iv
	i.logInv = iv
	i.st = stRunning
	i.mu.Unlock()
	i.emit(iv, startLine(iv.RequestID, iv.version))
	select {
	case i.wake <- struct{}{}:
	default:
	}
	return true
}

// supervise ends an invocation: normally when the runtime asks for the next
// one, or by killing the instance at the deadline or noticing its crash.
// It writes END and REPORT and returns the instance to the pool or
// discards it.
func (i *instance) supervise(iv *invocation) {
	timer := time.NewTimer(time.Until(iv.deadline))
	defer timer.Stop()
	status, errType := "", ""
	healthy := false
	select {
	case <-iv.complete:
		healthy = true
	case <-timer.C:
		i.kill()
		el := time.Since(iv.start)
		// A result already posted stands; the REPORT still says timeout.
		iv.setResult(errorDoc("Sandbox.Timedout", fmt.Sprintf("RequestId: %s Error: Task timed out after %.2f seconds", iv.RequestID, el.Seconds())), true, "Sandbox.Timedout")
		status = "timeout"
		i.emit(iv, timeoutLine(iv.RequestID, el))
		<-i.exited
	case <-i.exited:
		select {
		case <-iv.complete:
			// Completed just before exiting: the instance is gone anyway.
		default:
			msg := i.exitMessage()
			i.drainOutput()
			i.emit(iv, "RequestId: "+iv.RequestID+" Error: "+msg+"\nRuntime.ExitError\n")
			// The caller gets Runtime.ExitError; the REPORT line says
			// Runtime.OutOfMemory when the memory limit killed it, as on AWS.
			iv.setResult(errorDoc("Runtime.ExitError", "RequestId: "+iv.RequestID+" Error: "+msg), true, i.exitType())
			status, errType = "error", i.exitType()
		}
	}
	i.drainOutput()
	d := time.Since(iv.start)
	if d > i.spec.Timeout {
		d = i.spec.Timeout
	}
	i.mu.Lock()
	init := time.Duration(0)
	if !i.initPaid {
		i.initPaid = true
		init = i.initDur
	}
	i.logInv = nil
	i.mu.Unlock()
	mem := 0
	if pid := i.runtimePID(); pid > 0 {
		mem = max(maxRSSMB(pid), int((i.peakRSS.Load()+(1<<20)-1)>>20))
	}
	if mem == 0 || mem > i.spec.MemoryMB {
		mem = min(max(mem, 1), i.spec.MemoryMB)
	}
	i.emit(iv, endLine(iv.RequestID))
	i.emit(iv, reportLine(iv.RequestID, d, i.spec.MemoryMB, mem, init, status, errType))
	if healthy {
		i.m.release(i)
	} else {
		go i.discard()
	}
	close(iv.done)
}

func newTraceID() string {
	var b [20]byte
	_, _ = randRead(b[:])
	return fmt.Sprintf("Root=1-%08x-%x;Parent=%x;Sampled=0", time.Now().Unix(), b[:12], b[12:])
}
