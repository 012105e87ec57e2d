package runtime

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// maxLogFile is the size at which a function's log file is rotated (one
// previous generation is kept as <file>.1).
const maxLogFile = 8 << 20

// LogFile is a function's log: every line its instances print, plus the
// platform lines. It is append-only and safe for concurrent use.
type LogFile struct {
	path string
	mu   sync.Mutex
	f    *os.File
	size int64
}

// OpenLog opens (creating) the log file at path.
func OpenLog(path string) (*LogFile, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	return &LogFile{path: path, f: f, size: st.Size()}, nil
}

// Write appends one or more complete lines.
func (l *LogFile) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return 0, os.ErrClosed
	}
	if l.size+int64(len(p)) > maxLogFile {
		l.f.Close()
		_ = os.Rename(l.path, l.path+".1")
		f, err := os.OpenFile(l.path, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
		if err != nil {
			l.f = nil
			return 0, err
		}
		l.f, l.size = f, 0
	}
	n, err := l.f.Write(p)
	l.size += int64(n)
	return n, err
}

// Close closes the file.
func (l *LogFile) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	return err
}

// Follow copies the log file at path to w: the existing lines, then, when
// follow is true, new lines as they are written until ctx ends (surviving
// rotation). It returns nil when ctx ends.
func Follow(ctx context.Context, path string, follow bool, w io.Writer) error {
	var f *os.File
	for {
		var err error
		f, err = os.Open(path)
		if err == nil {
			break
		}
		if !errors.Is(err, os.ErrNotExist) || !follow {
			return err
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(200 * time.Millisecond):
		}
	}
	defer func() { f.Close() }()
	r := bufio.NewReader(f)
	var partial []byte
	for {
		line, err := r.ReadBytes('\n')
		if len(line) > 0 {
			if line[len(line)-1] == '\n' {
				if _, werr := w.Write(append(partial, line...)); werr != nil {
					return werr
				}
				partial = partial[:0]
			} else {
				partial = append(partial, line...)
			}
		}
		if err == nil {
			continue
		}
		if err != io.EOF {
			return err
		}
		if !follow {
			if len(partial) > 0 {
				_, werr := w.Write(partial)
				return werr
			}
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(100 * time.Millisecond):
		}
		// Rotated? Reopen when the path is a different (smaller) file.
		if st, serr := os.Stat(path); serr == nil {
			if cur, cerr := f.Stat(); cerr == nil && !os.SameFile(st, cur) {
				nf, oerr := os.Open(path)
				if oerr == nil {
					f.Close()
					f = nf
					r = bufio.NewReader(f)
				}
			}
		}
	}
}

// Platform lines (spec/lambda.md §7.2).

func startLine(id, version string) string {
	return "START RequestId: " + id + " Version: " + version + "\n"
}

func endLine(id string) string { return "END RequestId: " + id + "\n" }

// reportLine formats REPORT. d is the invocation duration, init the init
// duration it paid for (0: none), status "" | "timeout" | "error".
func reportLine(id string, d time.Duration, memMB, usedMB int, init time.Duration, status, errType string) string {
	ms := float64(d.Microseconds()) / 1000
	billed := int64(math.Ceil(ms))
	if init > 0 {
		billed += int64(math.Ceil(float64(init.Microseconds()) / 1000))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "REPORT RequestId: %s\tDuration: %.2f ms\tBilled Duration: %d ms\tMemory Size: %d MB\tMax Memory Used: %d MB\t", id, ms, billed, memMB, usedMB)
	if init > 0 {
		fmt.Fprintf(&b, "Init Duration: %.2f ms\t", float64(init.Microseconds())/1000)
	}
	if status != "" {
		// No trailing tab after Status (spec §9: unconfirmed, recommended none).
		s := b.String()
		b.Reset()
		b.WriteString(s)
		fmt.Fprintf(&b, "Status: %s", status)
		if errType != "" {
			fmt.Fprintf(&b, "\tError Type: %s", errType)
		}
	}
	b.WriteByte('\n')
	return b.String()
}

func timeoutLine(id string, elapsed time.Duration) string {
	return time.Now().UTC().Format("2006-01-02T15:04:05.000Z") + " " + id + " Task timed out after " + fmt.Sprintf("%.2f", elapsed.Seconds()) + " seconds\n"
}

// maxRSSMB reads the peak resident set size of pid (VmHWM) in MB; 0 when
// unavailable.
func maxRSSMB(pid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			var kb int
			fmt.Sscanf(strings.TrimSpace(rest), "%d", &kb)
			return (kb + 1023) / 1024
		}
	}
	return 0
}
