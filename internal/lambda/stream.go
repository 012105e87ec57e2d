package lambda

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"

	"github.com/gatehouse-dev/gatehouse/internal/awsproto"
	"github.com/gatehouse-dev/gatehouse/internal/lambda/runtime"
)

// streamWriteTimeout bounds each write of a streamed response to the
// caller: a caller that stops reading fails the sink instead of holding the
// function's Runtime API connection (and its concurrency) forever.
const streamWriteTimeout = 30 * time.Second

// invokeStream serves InvokeWithResponseStream (POST
// /2021-11-15/functions/{name}/response-streaming-invocations): the
// function's response goes to the caller as an event stream of PayloadChunk
// messages as the function writes it, then one InvokeComplete. A function
// that does not stream has its whole response sent as one chunk.
//
// It is authorized as Invoke is (lambda:InvokeFunction on the function the
// name and qualifier resolve to); the headers are sent only when the
// function starts answering, so errors before that (unknown function,
// throttling, bad payload) are ordinary AWS error responses.
func (s *Service) invokeStream(q *request, in *invocationInput) (*InvokeWithResponseStreamOutput, error) {
	raw := in.FunctionName
	res, named, err := s.find(q, raw, "lambda:InvokeFunction")
	if err != nil {
		return nil, err
	}
	e := named.route(s.pick)
	typ, payload, clientCtx, err := s.invokeInput(in, "RequestResponse", "DryRun")
	if err != nil {
		return nil, err
	}
	meta := awsproto.MetaFrom(q.r.Context())
	if typ == "DryRun" {
		return &InvokeWithResponseStreamOutput{status: http.StatusNoContent}, nil
	}
	spec, err := s.spec(e)
	if err != nil {
		return nil, err
	}
	tail := in.LogType == "Tail"
	o := &InvokeWithResponseStreamOutput{status: http.StatusOK, ExecutedVersion: orDefault(e.fn.Version, "$LATEST")}
	o.run = func(w http.ResponseWriter, head func()) error {
		sink := &streamSink{w: w, rc: http.NewResponseController(w), enc: eventstream.NewEncoder(),
			head: func(contentType string) { o.ResponseStreamContentType = contentType; head() }}
		out, err := s.mgr.Invoke(context.WithoutCancel(q.r.Context()), spec, runtime.Invocation{
			RequestID:     meta.RequestID,
			Payload:       payload,
			InvokedARN:    res.arn(),
			ClientContext: clientCtx,
			TraceID:       in.TraceID,
			WaitLogs:      tail,
			Stream:        sink,
		})
		sink.mu.Lock()
		defer sink.mu.Unlock()
		sink.closed = true
		if err != nil {
			if !sink.started {
				return invokeError(err)
			}
			// The stream is open: the failure can only be told in its end.
			sink.complete(streamComplete{ErrorCode: "ServiceException", ErrorDetails: err.Error()})
			return nil
		}
		if !sink.started {
			if sink.begin("application/json") != nil {
				return nil
			}
		}
		if !out.Streamed && out.FunctionError == "" && len(out.Payload) > 0 && !sink.failed {
			// A buffered answer goes out as chunks of at most streamChunk.
			for p := out.Payload; len(p) > 0 && !sink.failed; {
				n := min(len(p), streamChunkSize)
				_ = sink.chunk(p[:n])
				p = p[n:]
			}
		}
		var done streamComplete
		if out.FunctionError != "" {
			done.ErrorCode, done.ErrorDetails = errorParts(out.ErrorType, out.Payload)
		}
		if tail {
			l := out.Log
			if len(l) > 4096 {
				l = l[len(l)-4096:]
			}
			done.LogResult = base64.StdEncoding.EncodeToString(l)
		}
		sink.complete(done)
		return nil
	}
	return o, nil
}

// streamChunkSize is the largest PayloadChunk gatehouse sends for a
// buffered answer (a streamed one goes out in the pieces the Runtime API
// reads, which are no larger).
const streamChunkSize = 32 << 10

// streamComplete is the InvokeComplete event's payload.
type streamComplete struct {
	ErrorCode    string `json:",omitempty"`
	ErrorDetails string `json:",omitempty"`
	LogResult    string `json:",omitempty"`
}

// errorParts splits a function error document into InvokeComplete's
// ErrorCode (the error type) and ErrorDetails (the message).
func errorParts(errType string, doc []byte) (code, details string) {
	var d struct {
		ErrorType    string `json:"errorType"`
		ErrorMessage string `json:"errorMessage"`
	}
	if json.Unmarshal(doc, &d) == nil {
		code, details = d.ErrorType, d.ErrorMessage
	} else {
		details = string(doc)
	}
	if code == "" {
		code = orDefault(errType, "Unhandled")
	}
	return code, details
}

// streamSink writes the event stream to the caller. The Runtime API's
// goroutine calls Start and Write; the invoking handler ends the stream
// once Invoke has returned. mu orders them, and closed refuses a chunk
// that arrives after the end (an invocation that timed out while a chunk
// was on its way).
type streamSink struct {
	w   http.ResponseWriter
	rc  *http.ResponseController
	enc *eventstream.Encoder
	// head writes the response's status and headers (the frame's), with
	// the stream's content type.
	head func(contentType string)

	mu      sync.Mutex
	started bool // headers sent
	closed  bool // the invocation ended: no more chunks
	failed  bool // a write to the caller failed: drop the rest
	buf     bytes.Buffer
}

var errSinkClosed = errors.New("lambda: response stream closed")

func (k *streamSink) Start(contentType string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.closed || k.failed {
		return errSinkClosed
	}
	if k.started {
		return nil
	}
	return k.begin(contentType)
}

func (k *streamSink) Write(chunk []byte) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.closed || k.failed || !k.started {
		return errSinkClosed
	}
	return k.chunk(chunk)
}

// begin sends the response head (mu held). The content type is the one
// the function declared for its stream, as AWS reports it in
// ResponseStreamContentType; the body is an event stream regardless.
func (k *streamSink) begin(contentType string) error {
	k.started = true
	k.head(contentType)
	return k.flush()
}

// chunk sends one PayloadChunk (mu held).
func (k *streamSink) chunk(p []byte) error {
	return k.send("PayloadChunk", "application/octet-stream", p)
}

// complete sends InvokeComplete (mu held).
func (k *streamSink) complete(c streamComplete) {
	b, _ := json.Marshal(c)
	_ = k.send("InvokeComplete", "application/json", b)
}

func (k *streamSink) send(event, contentType string, payload []byte) error {
	if k.failed {
		return errSinkClosed
	}
	var hs eventstream.Headers
	hs.Set(":event-type", eventstream.StringValue(event))
	hs.Set(":content-type", eventstream.StringValue(contentType))
	hs.Set(":message-type", eventstream.StringValue("event"))
	k.buf.Reset()
	if err := k.enc.Encode(&k.buf, eventstream.Message{Headers: hs, Payload: payload}); err != nil {
		k.failed = true
		return err
	}
	_ = k.rc.SetWriteDeadline(time.Now().Add(streamWriteTimeout))
	if _, err := k.w.Write(k.buf.Bytes()); err != nil {
		k.failed = true
		return err
	}
	return k.flush()
}

func (k *streamSink) flush() error {
	if err := k.rc.Flush(); err != nil {
		k.failed = true
		return err
	}
	return nil
}
