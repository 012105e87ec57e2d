package lambda

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"sync"
	"time"
)

// httpStreamType is the content type of a stream written through
// awslambda.HttpResponseStream.from: a JSON prelude (statusCode, headers,
// cookies), eight NUL bytes, then the body.
const httpStreamType = "application/vnd.awslambda.http-integration-response"

// maxStreamPrelude bounds the prelude gatehouse buffers before the body
// starts; a function that never ends its prelude fails the request instead
// of growing the buffer.
const maxStreamPrelude = 64 << 10

var streamPreludeEnd = make([]byte, 8)

// urlStreamSink serves a function URL in RESPONSE_STREAM mode: the body
// goes to the caller as the function writes it. As with streamSink, the
// Runtime API's goroutine writes and the URL handler ends; mu orders them.
type urlStreamSink struct {
	w    http.ResponseWriter
	rc   *http.ResponseController
	cors func(http.Header)

	mu      sync.Mutex
	started bool // the function began streaming (Start)
	sent    bool // the response head went out
	closed  bool
	failed  bool
	prelude []byte // an HttpResponseStream prelude not yet complete
	waiting bool   // the head waits for the prelude
	// contentType is a plain stream's type, its head not yet sent.
	contentType string
}

func (k *urlStreamSink) Start(contentType string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.closed || k.failed || k.started {
		return errSinkClosed
	}
	k.started = true
	if contentType == httpStreamType {
		k.waiting = true
		return nil
	}
	// The head waits for the first byte: a function that fails before
	// writing anything gets the gateway error, not an empty 200.
	k.contentType = contentType
	return nil
}

func (k *urlStreamSink) Write(chunk []byte) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.closed || k.failed || !k.started {
		return errSinkClosed
	}
	if k.waiting {
		k.prelude = append(k.prelude, chunk...)
		i := bytes.Index(k.prelude, streamPreludeEnd)
		if i < 0 {
			if len(k.prelude) > maxStreamPrelude {
				k.failed = true
				return errors.New("lambda: response stream prelude too large")
			}
			return nil
		}
		var p struct {
			StatusCode *int              `json:"statusCode"`
			Headers    map[string]string `json:"headers"`
			Cookies    []string          `json:"cookies"`
		}
		if i > maxStreamPrelude || json.Unmarshal(k.prelude[:i], &p) != nil {
			k.failed = true
			return errors.New("lambda: bad response stream prelude")
		}
		status := http.StatusOK
		if p.StatusCode != nil {
			status = *p.StatusCode
		}
		if status < 100 || status > 599 {
			k.failed = true
			return errors.New("lambda: bad status in response stream prelude")
		}
		rest := k.prelude[i+len(streamPreludeEnd):]
		k.waiting, k.prelude = false, nil
		k.head(status, "", p.Headers, p.Cookies)
		chunk = rest
	}
	if len(chunk) > 0 && !k.sent {
		k.head(http.StatusOK, k.contentType, nil, nil)
	}
	if len(chunk) > 0 {
		_ = k.rc.SetWriteDeadline(time.Now().Add(streamWriteTimeout))
		if _, err := k.w.Write(chunk); err != nil {
			k.failed = true
			return err
		}
	}
	return k.flush()
}

// head sends the response head (mu held). Framing headers are the
// server's: the body's length is unknown, so it goes out chunked.
func (k *urlStreamSink) head(status int, contentType string, headers map[string]string, cookies []string) {
	k.sent = true
	h := k.w.Header()
	if k.cors != nil {
		k.cors(h)
	}
	setURLHeaders(h, headers, cookies)
	for _, f := range []string{"Content-Length", "Transfer-Encoding", "Connection", "Trailer"} {
		h.Del(f)
	}
	if contentType != "" {
		h.Set("Content-Type", contentType)
	} else if h.Get("Content-Type") == "" {
		h.Set("Content-Type", "application/octet-stream")
	}
	k.w.WriteHeader(status)
}

func (k *urlStreamSink) flush() error {
	if err := k.rc.Flush(); err != nil {
		k.failed = true
		return err
	}
	return nil
}

// end closes the sink once Invoke has returned and reports whether it
// answered the request. A function that streamed nothing and failed, or
// whose prelude never ended, gets the gateway error; one that streamed an
// empty body successfully gets its head.
func (k *urlStreamSink) end(failed bool) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.closed = true
	switch {
	case k.sent:
		return true
	case !k.started:
		return false
	case failed || k.waiting || k.failed:
		writeURLMessage(k.w, http.StatusBadGateway, "Internal Server Error", "")
	default:
		k.head(http.StatusOK, k.contentType, nil, nil)
	}
	return true
}
