// Package reqbody reads request bodies whole, for the surfaces that must
// hash a body before acting on it (SigV4 covers the payload) or parse it
// (Query forms, JSON, mapping templates).
//
// A Reader bounds what the server buffers: every body read through it holds
// a reservation against one byte budget shared by all requests until it is
// released, and a body that does not fit is refused before a byte of it is
// read (ErrBusy) rather than buffered. Bodies read for callers that have not
// authenticated (ReadAnonymous) draw on a smaller share of the budget, so
// unauthenticated clients cannot starve signed ones. Each read runs under a
// deadline that grows with the body's size (Limits.Timeout plus the size at
// Limits.MinRate), so a client that trickles its body is cut off rather than
// holding its reservation and a goroutine for good; the SHA-256 of the body
// is computed as it is read.
//
// Nothing here decides whether a request may send its body: callers check
// what the head can tell first (package sigv4's VerifyHead). net/http sends
// "100 Continue" only when the body is first read, so a request refused
// before Read never gets one.
package reqbody

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
	"time"
)

// Defaults of Limits.
const (
	// DefaultBudget fits the largest single body gatehouse accepts (a 67 MB
	// Lambda CreateFunction) with room for concurrent smaller ones.
	DefaultBudget = 128 << 20
	// DefaultTimeout is the base time a body has to arrive.
	DefaultTimeout = 20 * time.Second
	// DefaultMinRate is the slowest transfer (bytes per second) a body of
	// any size is given time for on top of Timeout: 10 MB get 160 s more.
	DefaultMinRate = 64 << 10
)

// Limits configure a Reader. Zero fields take their defaults.
type Limits struct {
	// Budget bounds the bytes held by all bodies read and not yet released.
	Budget int64
	// Anonymous bounds the part of Budget held by ReadAnonymous bodies;
	// default Budget/2.
	Anonymous int64
	// Timeout and MinRate set the deadline of a read: Timeout plus the
	// body's length (or the read's limit, when the length is unknown) at
	// MinRate bytes per second.
	Timeout time.Duration
	MinRate int64
}

// Reader reads bodies under one budget. It is safe for concurrent use.
type Reader struct {
	lim     Limits
	used    atomic.Int64 // bytes reserved
	anon    atomic.Int64 // the part of used reserved by anonymous reads
	peak    atomic.Int64
	refused atomic.Int64
}

// New returns a Reader with the limits l (zero fields take defaults).
func New(l Limits) *Reader {
	if l.Budget <= 0 {
		l.Budget = DefaultBudget
	}
	if l.Anonymous <= 0 || l.Anonymous > l.Budget {
		l.Anonymous = l.Budget / 2
	}
	if l.Timeout <= 0 {
		l.Timeout = DefaultTimeout
	}
	if l.MinRate <= 0 {
		l.MinRate = DefaultMinRate
	}
	return &Reader{lim: l}
}

// Limits returns the Reader's limits, defaults filled in.
func (rd *Reader) Limits() Limits { return rd.lim }

// Buffered returns the bytes reserved by bodies not yet released.
func (rd *Reader) Buffered() int64 { return rd.used.Load() }

// Peak returns the largest Buffered value seen.
func (rd *Reader) Peak() int64 { return rd.peak.Load() }

// Refused returns how many reads were refused for want of budget.
func (rd *Reader) Refused() int64 { return rd.refused.Load() }

// Errors of Read. A failed read of the connection (including its deadline)
// wraps the cause and is not one of these.
var (
	// ErrTooLarge: the body is longer than the read's limit. When the
	// length was declared nothing was read.
	ErrTooLarge = errors.New("reqbody: body exceeds the limit")
	// ErrBusy: the budget cannot hold the body now; nothing was read.
	ErrBusy = errors.New("reqbody: body buffer budget exhausted")
)

// IsReadError reports whether err is a failure to read the body from the
// client (a broken connection, a body shorter than declared, the read
// deadline), as opposed to ErrTooLarge or ErrBusy.
func IsReadError(err error) bool {
	if err == nil {
		return false // before re, which errors.As moves to the heap
	}
	var re *readError
	return errors.As(err, &re)
}

type readError struct{ err error }

func (e *readError) Error() string { return "reqbody: read body: " + e.err.Error() }
func (e *readError) Unwrap() error { return e.err }

// Body is a request body read whole. Its methods accept a nil *Body, the
// empty body.
type Body struct {
	b        []byte
	sum      [32]byte
	rd       *Reader
	held     int64 // reserved bytes
	anon     bool
	released atomic.Bool
}

// Bytes returns the body.
func (b *Body) Bytes() []byte {
	if b == nil {
		return nil
	}
	return b.b
}

// Len returns the body's length.
func (b *Body) Len() int { return len(b.Bytes()) }

// Hash returns the lowercase hex SHA-256 of the body (SigV4's payload hash).
func (b *Body) Hash() string {
	if b == nil {
		return EmptyHash
	}
	return hex.EncodeToString(b.sum[:])
}

// EmptyHash is the SHA-256 of no bytes.
const EmptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// Release returns the body's reservation to the budget. The bytes stay
// valid; the caller promises to drop them soon (the end of the request).
// Calling it again does nothing.
func (b *Body) Release() {
	if b == nil || b.rd == nil || b.released.Swap(true) {
		return
	}
	b.rd.release(b.held, b.anon)
}

// Read reads r's whole body, at most limit bytes, for a caller whose head
// has been authenticated. A body already read for this request (see
// Replay) is returned as it is.
func (rd *Reader) Read(w http.ResponseWriter, r *http.Request, limit int64) (*Body, error) {
	return rd.read(w, r, limit, false)
}

// ReadAnonymous is Read for a caller that has not authenticated (or never
// will: unsigned STS calls, public execute-api routes); it draws on the
// budget's anonymous share.
func (rd *Reader) ReadAnonymous(w http.ResponseWriter, r *http.Request, limit int64) (*Body, error) {
	return rd.read(w, r, limit, true)
}

func (rd *Reader) read(w http.ResponseWriter, r *http.Request, limit int64, anon bool) (*Body, error) {
	switch rb := r.Body.(type) {
	case *replay:
		if int64(rb.body.Len()) > limit {
			return nil, ErrTooLarge
		}
		return rb.body, nil
	case failed:
		return nil, &readError{rb.err}
	}
	if r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 {
		return nil, nil
	}
	n := r.ContentLength
	if n > limit {
		rd.Unread(w)
		return nil, ErrTooLarge
	}
	b := &Body{rd: rd, anon: anon}
	size := n
	if n < 0 {
		// Unknown length (chunked): reserve as the buffer grows.
		size = limit
		if !rd.reserve(b, min(limit+1, 64<<10)) {
			rd.Unread(w)
			return nil, ErrBusy
		}
	} else if !rd.reserve(b, n) {
		rd.Unread(w)
		return nil, ErrBusy
	}
	timeout := rd.lim.Timeout + time.Duration(float64(size)/float64(rd.lim.MinRate)*float64(time.Second))
	// A writer that cannot reach its connection (httptest's recorder)
	// leaves the read without a deadline.
	deadline := setReadDeadline(w, time.Now().Add(timeout))
	var err error
	if n >= 0 {
		err = b.readKnown(r.Body, n)
	} else {
		err = b.readChunked(r.Body, limit)
	}
	if err != nil {
		b.Release()
		if deadline {
			// The rest of the body will not be read: whoever would
			// (net/http's and the front's discard of an unread body)
			// fails at once, and the connection closes after the answer.
			setReadDeadline(w, aLongTimeAgo)
		}
		return nil, err
	}
	if deadline {
		// Clear it: net/http watches the connection after the body for the
		// client going away, and a deadline passing then would cancel the
		// request's context. The front sets its own before the next read.
		setReadDeadline(w, time.Time{})
	}
	return b, nil
}

var aLongTimeAgo = time.Unix(1, 0)

// Unread bounds what a request refused with its body unread still costs:
// after the handler, the front and net/http read and discard a small
// unread body (up to 256 KB) to keep the connection, and a client that
// never sends it would hold the connection and its goroutine for good. They
// now wait for it at most Limits.Timeout; the next request's wait sets its
// own deadline.
func (rd *Reader) Unread(w http.ResponseWriter) {
	setReadDeadline(w, time.Now().Add(rd.lim.Timeout))
}

// setReadDeadline is http.ResponseController's SetReadDeadline without its
// allocations (this runs on every request with a body): the first writer
// along the Unwrap chain that can set the connection's read deadline does.
func setReadDeadline(w http.ResponseWriter, t time.Time) bool {
	for {
		switch x := w.(type) {
		case interface{ SetReadDeadline(time.Time) error }:
			return x.SetReadDeadline(t) == nil
		case interface{ Unwrap() http.ResponseWriter }:
			w = x.Unwrap()
		default:
			return false
		}
	}
}

func (b *Body) readKnown(src io.Reader, n int64) error {
	b.b = make([]byte, n)
	if _, err := io.ReadFull(src, b.b); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return &readError{err}
	}
	b.sum = sha256.Sum256(b.b)
	return nil
}

// readChunked reads a body of unknown length, growing the buffer and its
// reservation together, hashing as it goes.
func (b *Body) readChunked(src io.Reader, limit int64) error {
	h := sha256.New()
	buf := make([]byte, 0, b.held)
	for {
		if len(buf) == cap(buf) {
			if int64(len(buf)) > limit {
				return ErrTooLarge
			}
			grow := min(max(int64(cap(buf)), 64<<10), limit+1-int64(cap(buf)))
			if !b.rd.reserve(b, grow) {
				return ErrBusy
			}
			nb := make([]byte, len(buf), int64(cap(buf))+grow)
			copy(nb, buf)
			buf = nb
		}
		k, err := src.Read(buf[len(buf):cap(buf)])
		h.Write(buf[len(buf) : len(buf)+k])
		buf = buf[:len(buf)+k]
		if int64(len(buf)) > limit {
			return ErrTooLarge
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return &readError{err}
		}
	}
	b.b = buf
	h.Sum(b.sum[:0])
	return nil
}

// reserve adds n bytes to b's reservation if the budget (and, for an
// anonymous body, its share) can hold them.
func (rd *Reader) reserve(b *Body, n int64) bool {
	if n <= 0 {
		return true
	}
	if b.anon {
		if !tryAdd(&rd.anon, n, rd.lim.Anonymous) {
			rd.refused.Add(1)
			return false
		}
	}
	if !tryAdd(&rd.used, n, rd.lim.Budget) {
		if b.anon {
			rd.anon.Add(-n)
		}
		rd.refused.Add(1)
		return false
	}
	b.held += n
	for u := rd.used.Load(); ; u = rd.used.Load() {
		p := rd.peak.Load()
		if u <= p || rd.peak.CompareAndSwap(p, u) {
			break
		}
	}
	return true
}

func (rd *Reader) release(n int64, anon bool) {
	rd.used.Add(-n)
	if anon {
		rd.anon.Add(-n)
	}
}

func tryAdd(v *atomic.Int64, n, max int64) bool {
	for {
		old := v.Load()
		if old+n > max {
			return false
		}
		if v.CompareAndSwap(old, old+n) {
			return true
		}
	}
}

// Replay makes b the request's body again, for the handler after a peek:
// the handler's Read returns b itself (no second reservation) and a plain
// read of r.Body yields its bytes. The peeker keeps the duty to Release b.
func Replay(r *http.Request, b *Body) {
	r.Body = &replay{body: b}
}

// Replayed returns the body Replay put back into r, or nil.
func Replayed(r *http.Request) *Body {
	if p, ok := r.Body.(*replay); ok {
		return p.body
	}
	return nil
}

type replay struct {
	body *Body
	off  int
}

func (p *replay) Read(q []byte) (int, error) {
	if p.off >= p.body.Len() {
		return 0, io.EOF
	}
	n := copy(q, p.body.b[p.off:])
	p.off += n
	return n, nil
}

func (p *replay) Close() error { return nil }

// Failed makes err the result of every later read of r's body: after a
// peek that failed part-way, the rest of the body must not pass for the
// whole of it.
func Failed(r *http.Request, err error) {
	r.Body = failed{fmt.Errorf("reqbody: body unavailable: %w", err)}
}

type failed struct{ err error }

func (f failed) Read([]byte) (int, error) { return 0, &readError{f.err} }
func (f failed) Close() error             { return nil }
