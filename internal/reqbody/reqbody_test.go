package reqbody

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

func sum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// noRead fails the test when read: a body that must not be touched.
type noRead struct{ t *testing.T }

func (r noRead) Read([]byte) (int, error) {
	r.t.Error("body read")
	return 0, io.EOF
}

func (noRead) Close() error { return nil }

func request(body io.Reader, n int64) *http.Request {
	r := httptest.NewRequest("POST", "/", body)
	r.ContentLength = n
	return r
}

// chunks returns b in reads of at most k bytes, as a connection does.
type chunks struct {
	b []byte
	k int
}

func (c *chunks) Read(p []byte) (int, error) {
	if len(c.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), c.k)], c.b)
	c.b = c.b[n:]
	return n, nil
}

func TestRead(t *testing.T) {
	body := bytes.Repeat([]byte("0123456789"), 30000) // 300 kB
	tests := []struct {
		name    string
		n       int64 // declared length, -1 unknown
		limit   int64
		budget  int64
		anon    bool
		wantErr error // nil, ErrTooLarge, ErrBusy, or errRead
	}{
		{"declared", int64(len(body)), 1 << 20, 1 << 20, false, nil},
		{"unknown length", -1, 1 << 20, 1 << 20, false, nil},
		{"declared exactly the limit", int64(len(body)), int64(len(body)), 1 << 20, false, nil},
		{"unknown length exactly the limit", -1, int64(len(body)), 1 << 20, false, nil},
		{"declared over the limit", int64(len(body)), int64(len(body)) - 1, 1 << 20, false, ErrTooLarge},
		{"unknown length over the limit", -1, int64(len(body)) - 1, 1 << 20, false, ErrTooLarge},
		{"declared over the budget", int64(len(body)), 1 << 20, 200 << 10, false, ErrBusy},
		{"unknown length over the budget", -1, 1 << 20, 200 << 10, false, ErrBusy},
		{"anonymous within its share", int64(len(body)), 1 << 20, 1 << 20, true, nil},
		{"anonymous over its share", int64(len(body)), 1 << 20, 500 << 10, true, ErrBusy},
		{"declared longer than sent", int64(len(body)) + 1, 1 << 20, 1 << 20, false, errRead},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rd := New(Limits{Budget: tt.budget})
			var src io.Reader = &chunks{b: body, k: 1000 + rand.IntN(20000)}
			if tt.n >= 0 && tt.n > tt.limit || tt.wantErr == ErrBusy && tt.n >= 0 {
				src = noRead{t} // refused from the head: nothing is read
			}
			read := rd.Read
			if tt.anon {
				read = rd.ReadAnonymous
			}
			b, err := read(httptest.NewRecorder(), request(src, tt.n), tt.limit)
			switch {
			case tt.wantErr == errRead:
				if !IsReadError(err) {
					t.Fatalf("err = %v, want a read error", err)
				}
			case tt.wantErr != nil:
				if !errors.Is(err, tt.wantErr) || IsReadError(err) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
			case err != nil:
				t.Fatalf("err = %v", err)
			default:
				if !bytes.Equal(b.Bytes(), body) || b.Hash() != sum(body) {
					t.Fatalf("read %d bytes, hash %s; want %d, %s", b.Len(), b.Hash(), len(body), sum(body))
				}
				if rd.Buffered() < int64(len(body)) {
					t.Errorf("Buffered = %d while the body is held, want >= %d", rd.Buffered(), len(body))
				}
				b.Release()
				b.Release()
			}
			if rd.Buffered() != 0 || rd.anon.Load() != 0 {
				t.Errorf("after release: Buffered = %d, anonymous %d; want 0", rd.Buffered(), rd.anon.Load())
			}
			if rd.Peak() > tt.budget {
				t.Errorf("Peak = %d, over the budget %d", rd.Peak(), tt.budget)
			}
			if busy := tt.wantErr == ErrBusy; (rd.Refused() > 0) != busy {
				t.Errorf("Refused = %d", rd.Refused())
			}
		})
	}
}

var errRead = errors.New("read error")

func TestEmptyBody(t *testing.T) {
	rd := New(Limits{})
	for _, r := range []*http.Request{request(http.NoBody, 0), request(nil, 0), request(noRead{t}, 0)} {
		b, err := rd.Read(httptest.NewRecorder(), r, 10)
		if err != nil || b != nil || b.Hash() != EmptyHash || b.Bytes() != nil {
			t.Errorf("Read = %v, %v; want the nil (empty) body", b, err)
		}
		b.Release()
	}
}

func TestReplay(t *testing.T) {
	rd := New(Limits{})
	form := []byte("Action=AssumeRoleWithWebIdentity")
	r := request(bytes.NewReader(form), int64(len(form)))
	b, err := rd.ReadAnonymous(httptest.NewRecorder(), r, 100)
	if err != nil {
		t.Fatal(err)
	}
	Replay(r, b)
	if Replayed(r) != b {
		t.Fatalf("Replayed = %v, want the peeked body", Replayed(r))
	}
	// The handler's read gets the same body, with no second reservation.
	again, err := rd.Read(httptest.NewRecorder(), r, 100)
	if err != nil || again != b || rd.Buffered() != int64(len(form)) {
		t.Fatalf("Read after Replay = %p, %v (Buffered %d); want %p", again, err, rd.Buffered(), b)
	}
	if _, err := rd.Read(httptest.NewRecorder(), r, int64(len(form))-1); !errors.Is(err, ErrTooLarge) {
		t.Errorf("Read with a smaller limit: err = %v, want ErrTooLarge", err)
	}
	// A plain read sees the bytes.
	if got, _ := io.ReadAll(r.Body); !bytes.Equal(got, form) {
		t.Errorf("plain read = %q", got)
	}
	again.Release()
	b.Release()
	if rd.Buffered() != 0 {
		t.Errorf("Buffered = %d after release", rd.Buffered())
	}

	// A peek that failed part-way leaves a body that fails.
	Failed(r, io.ErrUnexpectedEOF)
	if _, err := rd.Read(httptest.NewRecorder(), r, 100); !IsReadError(err) {
		t.Errorf("Read after Failed: err = %v, want a read error", err)
	}
	if _, err := io.ReadAll(r.Body); err == nil {
		t.Errorf("plain read after Failed succeeded")
	}
}

// TestBudgetUnderConcurrency: however reads interleave, the bytes held
// never exceed the budget, nor anonymous bytes their share, and every
// reservation comes back.
func TestBudgetUnderConcurrency(t *testing.T) {
	const budget = 1 << 20
	rd := New(Limits{Budget: budget})
	var wg sync.WaitGroup
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(g), 0))
			for i := 0; i < 50; i++ {
				body := make([]byte, r.IntN(300<<10))
				n := int64(len(body))
				if r.IntN(2) == 0 {
					n = -1
				}
				read := rd.Read
				if r.IntN(3) == 0 {
					read = rd.ReadAnonymous
				}
				b, err := read(httptest.NewRecorder(), request(&chunks{b: body, k: 1 + r.IntN(64<<10)}, n), 256<<10)
				if err != nil && !errors.Is(err, ErrBusy) && !errors.Is(err, ErrTooLarge) {
					t.Error(err)
				}
				if a := rd.anon.Load(); a > rd.lim.Anonymous {
					t.Errorf("anonymous bytes %d over the share %d", a, rd.lim.Anonymous)
				}
				b.Release()
			}
		}()
	}
	wg.Wait()
	if rd.Peak() > budget {
		t.Errorf("Peak = %d, over the budget %d", rd.Peak(), budget)
	}
	if rd.Buffered() != 0 || rd.anon.Load() != 0 {
		t.Errorf("Buffered = %d, anonymous %d after every release", rd.Buffered(), rd.anon.Load())
	}
}
