package gateway

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httputil"
	"net/textproto"
	"strconv"
)

var errBadResponse = errors.New("upstream: malformed HTTP response")

// respHead is a parsed response head.
type respHead struct {
	status    int
	length    int64 // -1: unknown
	chunked   bool
	closeConn bool
	noBody    bool
	seen      [24]string // backend header keys already written into h
	nseen     int
	extra     []string         // overflow of seen
	lr        io.LimitedReader // body reader of copyBody, reused
}

func (rh *respHead) first(k string) bool {
	for i := 0; i < rh.nseen; i++ {
		if rh.seen[i] == k {
			return false
		}
	}
	for _, s := range rh.extra {
		if s == k {
			return false
		}
	}
	if rh.nseen < len(rh.seen) {
		rh.seen[rh.nseen] = k
		rh.nseen++
	} else {
		rh.extra = append(rh.extra, k)
	}
	return true
}

// undo removes the backend's headers from h (the answer becomes a
// gateway error).
func (rh *respHead) undo(h http.Header) {
	for i := 0; i < rh.nseen; i++ {
		delete(h, rh.seen[i])
		delete(h, "X-Amzn-Remapped-"+rh.seen[i])
	}
	for _, k := range rh.extra {
		delete(h, k)
		delete(h, "X-Amzn-Remapped-"+k)
	}
}

// headScratch is a connection's reusable space for parsing a response
// head: the header values are gathered in buf and become one string, and
// the []string values of h share one backing array.
type headScratch struct {
	buf []byte
	ops []headerOp
}

// headerOp is one value for h: buf[start:end] under key k.
type headerOp struct {
	k          string
	start, end int
}

func (sc *headScratch) add(k string, start, end int) {
	sc.ops = append(sc.ops, headerOp{k: k, start: start, end: end})
}

// readHead parses the status line and header block from br straight into
// the client's response header map h, applying the proxy header rules of
// spec §7 (Connection, Date, Server and Content-Length are also sent as
// x-amzn-Remapped-*; hop-by-hop headers are dropped). keys interns
// canonical header names per connection. h is changed only when the whole
// head parsed.
func readHead(br *bufio.Reader, method string, h http.Header, keys map[string]string, rh *respHead, sc *headScratch) error {
	for {
		line, err := readLine(br)
		if err != nil {
			return err
		}
		// "HTTP/1.1 200 OK"
		if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) || line[8] != ' ' {
			return errBadResponse
		}
		code, err := strconv.Atoi(string(line[9:12]))
		if err != nil || code < 100 || code > 999 {
			return errBadResponse
		}
		http10 := line[7] == '0'
		rh.status, rh.length, rh.closeConn = code, -1, http10
		if code >= 100 && code < 200 {
			if code == 101 {
				return errBadResponse
			}
			if err := skipHeaders(br); err != nil {
				return err
			}
			continue // 100 Continue, 103 Early Hints
		}
		break
	}
	if cap(sc.buf) > 64<<10 {
		sc.buf = nil // one huge head does not pin memory for the connection's life
	}
	sc.buf, sc.ops = sc.buf[:0], sc.ops[:0]
	for {
		line, err := readLine(br)
		if err != nil {
			return err
		}
		if len(line) == 0 {
			break
		}
		if line[0] == ' ' || line[0] == '\t' {
			return errBadResponse // obsolete line folding
		}
		i := bytes.IndexByte(line, ':')
		if i <= 0 {
			return errBadResponse
		}
		k, ok := keys[string(line[:i])]
		if !ok {
			k = textproto.CanonicalMIMEHeaderKey(string(line[:i]))
			if len(keys) < 256 {
				keys[k] = k
				keys[string(line[:i])] = k
			}
		}
		v := bytes.TrimSpace(line[i+1:])
		start := len(sc.buf)
		end := start + len(v)
		switch k {
		case "Content-Length":
			n, err := strconv.ParseInt(string(v), 10, 64)
			if err != nil || n < 0 || rh.length >= 0 && rh.length != n {
				return errBadResponse
			}
			rh.length = n
			sc.buf = append(sc.buf, v...)
			sc.add(k, start, end)
			sc.add("X-Amzn-Remapped-Content-Length", start, end)
		case "Transfer-Encoding":
			if string(v) != "chunked" {
				return errBadResponse
			}
			rh.chunked = true
		case "Connection":
			if bytes.EqualFold(v, []byte("close")) {
				rh.closeConn = true
			} else if bytes.EqualFold(v, []byte("keep-alive")) {
				rh.closeConn = false
			}
			sc.buf = append(sc.buf, v...)
			sc.add("X-Amzn-Remapped-Connection", start, end)
		case "Date":
			sc.buf = append(sc.buf, v...)
			sc.add("X-Amzn-Remapped-Date", start, end)
		case "Server":
			sc.buf = append(sc.buf, v...)
			sc.add("X-Amzn-Remapped-Server", start, end)
		case "Keep-Alive", "Trailer", "Upgrade", "Proxy-Connection":
		default:
			sc.buf = append(sc.buf, v...)
			sc.add(k, start, end)
		}
	}
	if len(sc.ops) > 0 {
		all := string(sc.buf)
		vals := make([]string, len(sc.ops))
		for i, op := range sc.ops {
			v := all[op.start:op.end]
			if rh.first(op.k) {
				vals[i] = v
				h[op.k] = vals[i : i+1 : i+1]
			} else {
				h[op.k] = append(h[op.k], v)
			}
		}
	}
	if rh.chunked {
		rh.length = -1
		delete(h, "Content-Length")
		delete(h, "X-Amzn-Remapped-Content-Length")
	}
	if method == http.MethodHead || rh.status == http.StatusNoContent || rh.status == http.StatusNotModified {
		rh.noBody = true
	}
	if !rh.noBody && !rh.chunked && rh.length < 0 {
		rh.closeConn = true // delimited by the end of the connection
	}
	return nil
}

// readLine returns one line without its CRLF; the slice is only valid
// until the next read.
func readLine(br *bufio.Reader) ([]byte, error) {
	line, err := br.ReadSlice('\n')
	if err != nil {
		if errors.Is(err, bufio.ErrBufferFull) {
			return nil, errBadResponse
		}
		return nil, err
	}
	line = line[:len(line)-1]
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line, nil
}

func skipHeaders(br *bufio.Reader) error {
	for {
		line, err := readLine(br)
		if err != nil {
			return err
		}
		if len(line) == 0 {
			return nil
		}
	}
}

// copyBody streams the response body to w and reports whether the
// connection can be reused (the body was read exactly to its end).
func copyBody(w io.Writer, br *bufio.Reader, rh *respHead, buf []byte) (reusable bool, err error) {
	switch {
	case rh.noBody:
		return !rh.closeConn, nil
	case rh.chunked:
		if _, err := io.CopyBuffer(w, httputil.NewChunkedReader(br), buf); err != nil {
			return false, err
		}
		// Trailers (not forwarded) and the final CRLF.
		if err := skipHeaders(br); err != nil {
			return false, err
		}
		return !rh.closeConn, nil
	case rh.length >= 0:
		rh.lr = io.LimitedReader{R: br, N: rh.length}
		n, err := io.CopyBuffer(w, &rh.lr, buf)
		if err != nil {
			return false, err
		}
		if n != rh.length {
			return false, io.ErrUnexpectedEOF
		}
		return !rh.closeConn, nil
	default:
		_, err := io.CopyBuffer(w, br, buf)
		return false, err
	}
}
