package sigv4client

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync"
)

// hashBody returns the hex SHA-256 of r's body. A replayable body is hashed
// from a second reader and left in place; any other body is consumed and
// replaced by a copy in memory (up to threshold bytes) or in a temporary file
// in dir, so that it is read from its source only once.
func hashBody(r *http.Request, threshold int64, dir string) (string, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return EmptyPayloadHash, nil
	}
	if r.GetBody != nil {
		return hashReplay(r)
	}
	if s, ok := r.Body.(io.ReadSeeker); ok {
		// An *os.File may be a pipe or a terminal, which cannot seek:
		// nothing is consumed by the failed probe, so spool it instead.
		if _, err := s.Seek(0, io.SeekCurrent); err == nil {
			return hashSeeker(r, s)
		}
	}
	return spool(r, threshold, dir)
}

// hashReplay hashes the body from a fresh GetBody reader; for bodies made by
// http.NewRequest from bytes or strings that reads memory, not the network.
func hashReplay(r *http.Request) (string, error) {
	rc, err := r.GetBody()
	if err != nil {
		return "", fmt.Errorf("sigv4client: replay body: %w", err)
	}
	defer rc.Close()
	h := sha256.New()
	if _, err := io.Copy(h, rc); err != nil {
		return "", fmt.Errorf("sigv4client: hash body: %w", err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// hashSeeker hashes from the current offset to EOF and seeks back, so an
// *os.File body is read from disk twice but never held in memory.
func hashSeeker(r *http.Request, s io.ReadSeeker) (string, error) {
	start, err := s.Seek(0, io.SeekCurrent)
	if err != nil {
		return "", fmt.Errorf("sigv4client: seek body: %w", err)
	}
	h := sha256.New()
	n, err := io.Copy(h, s)
	if err != nil {
		return "", fmt.Errorf("sigv4client: hash body: %w", err)
	}
	if _, err := s.Seek(start, io.SeekStart); err != nil {
		return "", fmt.Errorf("sigv4client: seek body: %w", err)
	}
	if r.ContentLength <= 0 {
		r.ContentLength = n
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// spool reads a one-shot body once, hashing it while copying it to memory or
// to a temporary file, and installs the copy as the body to send. Setting
// ContentLength from the copy also makes the request non-chunked.
func spool(r *http.Request, threshold int64, dir string) (string, error) {
	src := r.Body
	defer src.Close()
	h := sha256.New()

	limit := threshold
	if limit < 0 {
		limit = -1
	}
	var mem bytes.Buffer
	if limit >= 0 {
		_, err := io.CopyN(&mem, src, limit+1)
		if errors.Is(err, io.EOF) {
			data := mem.Bytes()
			h.Write(data)
			r.ContentLength = int64(len(data))
			if len(data) == 0 {
				r.Body, r.GetBody = http.NoBody, nil
				return EmptyPayloadHash, nil
			}
			r.Body = io.NopCloser(bytes.NewReader(data))
			r.GetBody = func() (io.ReadCloser, error) {
				return io.NopCloser(bytes.NewReader(data)), nil
			}
			return hex.EncodeToString(h.Sum(nil)), nil
		}
		if err != nil {
			return "", fmt.Errorf("sigv4client: read body: %w", err)
		}
	}

	f, err := os.CreateTemp(dir, "sigv4client-body-*")
	if err != nil {
		return "", fmt.Errorf("sigv4client: spool body: %w", err)
	}
	// Unlink at once where the OS allows it, so a crash leaves nothing behind;
	// spoolFile.Close retries for systems that refuse to remove open files.
	removed := os.Remove(f.Name()) == nil
	sf := &spoolFile{f: f, removed: removed}
	w := io.MultiWriter(f, h)
	n, err := io.Copy(w, io.MultiReader(&mem, src))
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		sf.Close()
		return "", fmt.Errorf("sigv4client: spool body: %w", err)
	}
	r.Body, r.GetBody, r.ContentLength = sf, nil, n
	return hex.EncodeToString(h.Sum(nil)), nil
}

// spoolFile is a request body read from a temporary file that is deleted
// when the body is closed.
type spoolFile struct {
	f       *os.File
	removed bool
	once    sync.Once
}

func (s *spoolFile) Read(p []byte) (int, error) { return s.f.Read(p) }

func (s *spoolFile) Close() error {
	var err error
	s.once.Do(func() {
		err = s.f.Close()
		if !s.removed {
			if rerr := os.Remove(s.f.Name()); rerr != nil && !errors.Is(rerr, os.ErrNotExist) && err == nil {
				err = rerr
			}
		}
	})
	return err
}
