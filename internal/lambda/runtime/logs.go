package runtime

import (
	"bufio"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// maxLogFile is the size at which a function's log file is rotated (one
// previous generation is kept as <file>.1).
const maxLogFile = 8 << 20

// MaxLogEvent bounds one log event's message as CloudWatch Logs does
// (256 KB); a longer line is cut there when written.
const MaxLogEvent = 256 << 10

// LogFile is a function's log: every line its instances print, plus the
// platform lines, each stored as one event with its time and log stream
// (the instance), so that the CloudWatch Logs API can serve it. It is
// append-only and safe for concurrent use.
//
// A record is one line: "<unix ms> <stream> <message>\n". Stream names
// (Lambda's "YYYY/MM/DD/[$LATEST]<hex>") hold no space, so the first two
// spaces delimit the fields; the message is the function's line without
// its newline.
type LogFile struct {
	path string
	mu   sync.Mutex
	f    *os.File
	size int64
	last int64 // newest timestamp written: timestamps never go back
	now  func() time.Time
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
	return &LogFile{path: path, f: f, size: st.Size(), now: time.Now}, nil
}

// WriteLine appends line (one line; a trailing newline is dropped) as an
// event of stream, stamped now. Events are stored in timestamp order: a
// clock that steps back stamps the newest time again, so readers can page
// by position (timestamp, ordinal).
func (l *LogFile) WriteLine(stream, line string) error {
	line = strings.TrimSuffix(line, "\n")
	if len(line) > MaxLogEvent {
		line = line[:MaxLogEvent]
	}
	// A line never holds a newline: the reader splits records on them.
	line = strings.ReplaceAll(line, "\n", " ")
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return os.ErrClosed
	}
	ts := l.now().UnixMilli()
	if ts < l.last {
		ts = l.last
	}
	l.last = ts
	rec := strconv.FormatInt(ts, 10) + " " + stream + " " + line + "\n"
	if l.size+int64(len(rec)) > maxLogFile {
		l.f.Close()
		_ = os.Rename(l.path, l.path+".1")
		f, err := os.OpenFile(l.path, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
		if err != nil {
			l.f = nil
			return err
		}
		l.f, l.size = f, 0
	}
	n, err := l.f.WriteString(rec)
	l.size += int64(n)
	return err
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

// LogEvent is one stored log event.
type LogEvent struct {
	Timestamp int64 // Unix milliseconds
	Stream    string
	Message   string // without the trailing newline
}

// ReadLog calls fn with every event of the log at path, oldest first (the
// rotated generation, then the current file), until fn returns false. A
// record that does not parse (a log written by an older gatehouse) is
// skipped. It returns fs.ErrNotExist when the function has no log.
func ReadLog(path string, fn func(LogEvent) bool) error {
	found := false
	for _, p := range []string{path + ".1", path} {
		f, err := os.Open(p)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		found = true
		more, err := readLogFile(f, fn)
		f.Close()
		if err != nil || !more {
			return err
		}
	}
	if !found {
		return os.ErrNotExist
	}
	return nil
}

func readLogFile(f *os.File, fn func(LogEvent) bool) (bool, error) {
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), MaxLogEvent+1024)
	for sc.Scan() {
		ev, ok := parseRecord(sc.Text())
		if !ok {
			continue
		}
		if !fn(ev) {
			return false, nil
		}
	}
	return true, sc.Err()
}

func parseRecord(rec string) (LogEvent, bool) {
	tsText, rest, ok := strings.Cut(rec, " ")
	if !ok {
		return LogEvent{}, false
	}
	stream, msg, ok := strings.Cut(rest, " ")
	if !ok || stream == "" {
		return LogEvent{}, false
	}
	ts, err := strconv.ParseInt(tsText, 10, 64)
	if err != nil || ts < 0 {
		return LogEvent{}, false
	}
	return LogEvent{Timestamp: ts, Stream: stream, Message: msg}, true
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
