package runtime

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// MaxResponse is the largest function response accepted (6 MiB + 100
// bytes, spec §1.3).
const MaxResponse = 6291556

func randRead(b []byte) (int, error) { return rand.Read(b) }

func writeJSONString(b *bytes.Buffer, s string) {
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	b.Truncate(b.Len() - 1)
}

func apiError(w http.ResponseWriter, status int, errType, msg string) {
	var b bytes.Buffer
	b.WriteString(`{"errorMessage":`)
	writeJSONString(&b, msg)
	b.WriteString(`,"errorType":`)
	writeJSONString(&b, errType)
	b.WriteByte('}')
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(b.Len()))
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}

func accepted(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusAccepted)
	_, _ = io.WriteString(w, `{"status":"OK"}`)
}

func transitionError(w http.ResponseWriter, from state, to string) {
	apiError(w, http.StatusForbidden, "InvalidStateTransition",
		"State transition from "+from.name()+" to "+to+" failed for runtime. Error: State transition is not allowed")
}

// serveAPI is the instance's Runtime API (spec §1).
func (i *instance) serveAPI(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	switch {
	case p == "/2018-06-01/runtime/invocation/next" && r.Method == http.MethodGet:
		i.next(w, r)
	case strings.HasPrefix(p, "/2018-06-01/runtime/invocation/") && r.Method == http.MethodPost:
		rest := strings.TrimPrefix(p, "/2018-06-01/runtime/invocation/")
		id, kind, ok := strings.Cut(rest, "/")
		if !ok || (kind != "response" && kind != "error") {
			http.NotFound(w, r)
			return
		}
		i.result(w, r, id, kind == "error")
	case p == "/2018-06-01/runtime/init/error" && r.Method == http.MethodPost:
		i.initError(w, r)
	case p == "/2018-06-01/ping":
		w.WriteHeader(http.StatusOK)
	case strings.HasPrefix(p, "/2020-08-15/logs"):
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusAccepted)
		_, _ = io.WriteString(w, `{"errorMessage":"Logs API is not supported","errorType":"Logs.NotSupported"}`)
	case strings.HasPrefix(p, "/2022-07-01/telemetry"):
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusAccepted)
		_, _ = io.WriteString(w, `{"errorMessage":"Telemetry API is not supported","errorType":"Telemetry.NotSupported"}`)
	default:
		// Extensions API and everything else: 404, as the RIE without
		// extensions.
		http.NotFound(w, r)
	}
}

// next blocks until an invocation is assigned and delivers it. Calling it
// again completes the previous invocation (spec §1.2).
func (i *instance) next(w http.ResponseWriter, r *http.Request) {
	i.mu.Lock()
	switch i.st {
	case stStarted:
		i.st = stReady
		i.initDur = timeSince(i.started)
		close(i.ready)
	case stResponseSent:
		inv := i.cur
		i.cur = nil
		i.st = stReady
		close(inv.complete)
	case stRunning:
		// Asked again without a result: deliver the same invocation.
	case stReady:
	default:
		st := i.st
		i.mu.Unlock()
		transitionError(w, st, "Ready")
		return
	}
	i.mu.Unlock()
	for {
		i.mu.Lock()
		if i.st == stRunning && i.cur != nil {
			inv := i.cur
			i.mu.Unlock()
			deliver(w, inv)
			return
		}
		if i.st != stReady {
			st := i.st
			i.mu.Unlock()
			transitionError(w, st, "Ready")
			return
		}
		i.mu.Unlock()
		select {
		case <-i.wake:
		case <-i.dying:
			apiError(w, http.StatusInternalServerError, "InternalServerError", "Internal Server Error")
			return
		case <-r.Context().Done():
			return
		}
	}
}

func deliver(w http.ResponseWriter, inv *invocation) {
	h := w.Header()
	h.Set("Lambda-Runtime-Aws-Request-Id", inv.RequestID)
	h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(inv.deadline.UnixMilli(), 10))
	h.Set("Lambda-Runtime-Invoked-Function-Arn", inv.InvokedARN)
	h.Set("Lambda-Runtime-Trace-Id", inv.TraceID)
	if inv.ClientContext != "" {
		h.Set("Lambda-Runtime-Client-Context", inv.ClientContext)
	}
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(inv.Payload)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(inv.Payload)
}

// result handles /response and /error.
func (i *instance) result(w http.ResponseWriter, r *http.Request, id string, isErr bool) {
	target := "InvocationResponse"
	if isErr {
		target = "InvocationErrorResponse"
	}
	if !isErr {
		switch r.Header.Get("Lambda-Runtime-Function-Response-Mode") {
		case "", "streaming":
		default:
			apiError(w, http.StatusBadRequest, "InvalidFunctionResponseMode", "Invalid function response mode")
			i.finish(id, errorDoc("Runtime.InvalidResponseModeHeader", "Invalid function response mode"), true, "Runtime.InvalidResponseModeHeader")
			return
		}
	}
	i.mu.Lock()
	cur, st := i.cur, i.st
	i.mu.Unlock()
	if cur == nil || cur.RequestID != id {
		apiError(w, http.StatusBadRequest, "InvalidRequestID", "Invalid request ID")
		return
	}
	if st != stRunning {
		transitionError(w, st, target)
		return
	}
	if !isErr && cur.Stream != nil && r.Header.Get("Lambda-Runtime-Function-Response-Mode") == "streaming" {
		i.streamResult(w, r, cur)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxResponse+1))
	if err != nil {
		apiError(w, http.StatusInternalServerError, "InternalServerError", "Internal Server Error")
		return
	}
	if len(body) > MaxResponse {
		apiError(w, http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", "Exceeded maximum allowed payload size (6291556 bytes).")
		i.finish(id, []byte(`{"errorMessage":"Response payload size exceeded maximum allowed payload size (6291556 bytes).","errorType":"Function.ResponseSizeTooLarge"}`), true, "Function.ResponseSizeTooLarge")
		return
	}
	errType := ""
	if isErr {
		errType = orDefault(r.Header.Get("Lambda-Runtime-Function-Error-Type"), "Unhandled")
		if len(body) == 0 {
			body = []byte(`{"errorMessage":"","errorType":` + jsonString(errType) + `}`)
		}
	} else if t := r.Trailer.Get("Lambda-Runtime-Function-Error-Type"); t != "" {
		// aws-lambda-go reports a failure while producing the result in
		// trailers (spec §1.3, recommended behaviour).
		isErr, errType = true, t
		if b, err := base64.StdEncoding.DecodeString(r.Trailer.Get("Lambda-Runtime-Function-Error-Body")); err == nil && len(b) > 0 {
			body = b
		} else {
			body = errorDoc(t, "")
		}
	}
	if !i.finish(id, body, isErr, errType) {
		i.mu.Lock()
		st := i.st
		i.mu.Unlock()
		transitionError(w, st, target)
		return
	}
	accepted(w)
}

// streamChunk is how much of a streamed response is read and forwarded at
// a time: the sink sees data as soon as the function writes it, in pieces
// no larger than this.
const streamChunk = 32 << 10

// streamResult forwards a response the function streams to the invoker's
// sink as it arrives (InvokeWithResponseStream). A failure the function
// reports mid-stream comes in the trailers, as aws-lambda-go and the Node
// runtime send it (spec §1.3); past MaxStreamedResponse the invocation
// fails. A sink that fails (the caller went away) stops the forwarding,
// and the rest of the stream is drained so the function can finish.
func (i *instance) streamResult(w http.ResponseWriter, r *http.Request, inv *invocation) {
	buf := make([]byte, streamChunk)
	var total int64
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		ct = "application/octet-stream"
	}
	sinkOK := inv.Stream.Start(ct) == nil
	for {
		n, err := r.Body.Read(buf)
		if n > 0 {
			total += int64(n)
			if total > MaxStreamedResponse {
				apiError(w, http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", "Exceeded maximum allowed payload size ("+strconv.Itoa(MaxStreamedResponse)+" bytes).")
				i.finishStreamed(inv.RequestID, errorDoc("Function.ResponseSizeTooLarge", "Response payload size exceeded maximum allowed payload size ("+strconv.Itoa(MaxStreamedResponse)+" bytes)."), true, "Function.ResponseSizeTooLarge")
				return
			}
			if sinkOK && inv.Stream.Write(buf[:n]) != nil {
				sinkOK = false
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			// The function's connection broke mid-stream: what was sent
			// stays sent; the invocation ends in an error.
			i.finishStreamed(inv.RequestID, errorDoc("Runtime.StreamError", "The function's response stream ended abnormally."), true, "Runtime.StreamError")
			return
		}
	}
	isErr, errType := false, ""
	var body []byte
	if t := r.Trailer.Get("Lambda-Runtime-Function-Error-Type"); t != "" {
		isErr, errType = true, t
		if b, err := base64.StdEncoding.DecodeString(r.Trailer.Get("Lambda-Runtime-Function-Error-Body")); err == nil && len(b) > 0 && len(b) <= MaxResponse {
			body = b
		} else {
			body = errorDoc(t, "")
		}
	}
	if !i.finishStreamed(inv.RequestID, body, isErr, errType) {
		i.mu.Lock()
		st := i.st
		i.mu.Unlock()
		transitionError(w, st, "InvocationResponse")
		return
	}
	accepted(w)
}

// finish records the result of invocation id and moves to ResponseSent.
func (i *instance) finish(id string, body []byte, isErr bool, errType string) bool {
	return i.finishWith(id, body, isErr, errType, false)
}

// finishStreamed is finish for a response that went to the sink.
func (i *instance) finishStreamed(id string, body []byte, isErr bool, errType string) bool {
	return i.finishWith(id, body, isErr, errType, true)
}

func (i *instance) finishWith(id string, body []byte, isErr bool, errType string, streamed bool) bool {
	i.mu.Lock()
	inv := i.cur
	if inv == nil || inv.RequestID != id || i.st != stRunning {
		i.mu.Unlock()
		return false
	}
	i.st = stResponseSent
	i.mu.Unlock()
	inv.setResultStreamed(body, isErr, errType, streamed)
	return true
}

func jsonString(s string) string {
	var b bytes.Buffer
	writeJSONString(&b, s)
	return b.String()
}

// initError handles /init/error (spec §1.5).
func (i *instance) initError(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, MaxResponse))
	i.mu.Lock()
	if i.st != stStarted {
		st := i.st
		i.mu.Unlock()
		transitionError(w, st, "InitError")
		return
	}
	i.st = stInitError
	i.initType = orDefault(r.Header.Get("Lambda-Runtime-Function-Error-Type"), "Unhandled")
	if len(body) == 0 {
		body = []byte(`{"errorMessage":"","errorType":` + jsonString(i.initType) + `}`)
	}
	i.initBody = body
	close(i.initErr)
	i.mu.Unlock()
	accepted(w)
}
