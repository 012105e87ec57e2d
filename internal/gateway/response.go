package gateway

import (
	"bufio"
	"errors"
	"io"
	"net/http"
	"net/http/httputil"
	"net/textproto"
)

// The upstream client's response reader. A connection carries one caller's
// request after another, so where one response ends is a security
// boundary: a byte read as part of the wrong message hands one caller's
// answer to another. The rules are RFC 9112 §6.3's, read strictly, and
// every response that is not framed beyond doubt closes its connection:
//
//   - HEAD, 204 and 304 responses have no body (nor would a 1xx, which is
//     skipped); the head ends them. Their connection is closed, because a
//     backend that sends a body anyway (Python's http.server with do_HEAD =
//     do_GET does) would otherwise leave it to be read as the next
//     caller's response, and it may arrive after any check.
//   - Transfer-Encoding: exactly one field, "chunked", on HTTP/1.1; any
//     other coding is refused (as net/http does). With a Content-Length
//     beside it, chunked wins, the length is not forwarded, and the
//     connection is closed.
//   - Content-Length: digits only; several fields must agree; anything else
//     is refused.
//   - Neither: the body runs to the end of the connection.
//   - A 2xx to CONNECT would start a tunnel; 101 would switch protocols:
//     both are refused, gatehouse never asks for either.
//
// A connection is reused only after an HTTP/1.1 (or HTTP/1.0 keep-alive)
// response framed by Content-Length or chunked was read to its exact end
// with nothing more buffered; upstream.get also checks that nothing
// arrived while it was idle.

var errBadResponse = errors.New("upstream: malformed HTTP response")

// framing is how a response body is delimited.
type framing uint8

const (
	bodyNone    framing = iota // the head ends the message (HEAD, 204, 304)
	bodyLength                 // Content-Length
	bodyChunked                // Transfer-Encoding: chunked
	bodyClose                  // until the backend closes the connection
)

const (
	// maxHeadBytes bounds a response head (and a chunked trailer): nginx
	// refuses heads larger than its 4-8 KB proxy buffer; net/http allows
	// 10 MB.
	maxHeadBytes = 64 << 10
	// max1xx is how many interim responses may precede the final one
	// (net/http's Transport allows 5).
	max1xx = 5
)

// respHead is a parsed response head.
type respHead struct {
	status  int
	minor   byte // HTTP/1.minor: '0' or '1'
	framing framing
	length  int64 // Content-Length (-1: none); the body's length when framing is bodyLength
	// keep: the head allows another request on the connection once the
	// body has been read to its end.
	keep   bool
	noBody bool // framing == bodyNone

	seen  [24]string // backend header keys already written into h
	nseen int
	extra []string         // overflow of seen
	lr    io.LimitedReader // body reader of copyBody, reused
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

// headScratch is a connection's reusable space for parsing a response
// head: the header values are gathered in buf and become one string, and
// the []string values of h share one backing array.
type headScratch struct {
	buf []byte
	ops []headerOp
}

// headerOp is one header field of the response: buf[start:end] under the
// canonical key k.
type headerOp struct {
	k          string
	start, end int
}

func (sc *headScratch) reset() {
	if cap(sc.buf) > maxHeadBytes {
		sc.buf = nil // one huge head does not pin memory for the connection's life
	}
	sc.buf, sc.ops = sc.buf[:0], sc.ops[:0]
}

func (sc *headScratch) add(k string, v []byte) {
	start := len(sc.buf)
	sc.buf = append(sc.buf, v...)
	sc.ops = append(sc.ops, headerOp{k: k, start: start, end: len(sc.buf)})
}

// readHead parses a response head into rh and sc and applies it to the
// client's response header map h (spec §7 proxy rules, see apply). h is
// changed only when the whole head parsed.
func readHead(br *bufio.Reader, method string, h http.Header, keys map[string]string, rh *respHead, sc *headScratch) error {
	if err := parseHead(br, method, keys, rh, sc); err != nil {
		return err
	}
	rh.apply(h, sc)
	return nil
}

// parseHead reads the status line and header fields of the final response
// to a method request, skipping interim (1xx) responses, and decides the
// body's framing. keys interns canonical header names per connection.
func parseHead(br *bufio.Reader, method string, keys map[string]string, rh *respHead, sc *headScratch) error {
	budget := maxHeadBytes
	for n := 0; ; n++ {
		line, err := readLine(br, &budget)
		if err != nil {
			return err
		}
		status, minor, ok := parseStatusLine(line)
		if !ok {
			return errBadResponse
		}
		rh.status, rh.minor = status, minor
		sc.reset()
		if err := parseFields(br, &budget, keys, rh, sc); err != nil {
			return err
		}
		if status >= 200 {
			break
		}
		// 100 Continue, 103 Early Hints: their fields are not forwarded
		// (nor by net/http's Transport). 101 would switch protocols.
		if status == http.StatusSwitchingProtocols || n >= max1xx {
			return errBadResponse
		}
	}
	return rh.frame(method)
}

// fieldState is what parseFields learned about framing.
type fieldState struct {
	clen      int64
	clStart   int // the first Content-Length value in sc.buf, to compare repeats
	clEnd     int
	te        int // Transfer-Encoding fields seen
	closeTok  bool
	keepAlive bool
	// badTrailer: a Trailer field announces a framing field, which
	// net/http refuses in a chunked message.
	badTrailer bool
}

// parseFields reads header fields up to the blank line. Names are tokens
// with the colon right after; values are trimmed of SP and HTAB and hold
// no control character but HTAB (RFC 9110 §5.5); folded lines are refused
// (RFC 9112 §5.2 lets a recipient reject them).
func parseFields(br *bufio.Reader, budget *int, keys map[string]string, rh *respHead, sc *headScratch) error {
	fs := fieldState{clen: -1}
	for {
		line, err := readLine(br, budget)
		if err != nil {
			return err
		}
		if len(line) == 0 {
			break
		}
		i := 0
		for i < len(line) && isTokenByte(line[i]) {
			i++
		}
		if i == 0 || i == len(line) || line[i] != ':' {
			return errBadResponse
		}
		v := trimOWS(line[i+1:])
		for _, c := range v {
			if !validValueByte(c) {
				return errBadResponse
			}
		}
		k, ok := keys[string(line[:i])]
		if !ok {
			k = textproto.CanonicalMIMEHeaderKey(string(line[:i]))
			if len(keys) < 256 {
				keys[k] = k
				keys[string(line[:i])] = k
			}
		}
		switch k {
		case "Content-Length":
			if fs.clen >= 0 {
				// Repeats must be the same value (net/http compares them
				// as strings too); one is forwarded.
				if string(sc.buf[fs.clStart:fs.clEnd]) != string(v) {
					return errBadResponse
				}
				continue
			}
			n, ok := parseContentLength(v)
			if !ok {
				return errBadResponse
			}
			fs.clen = n
			fs.clStart = len(sc.buf)
			sc.add(k, v)
			fs.clEnd = len(sc.buf)
			continue
		case "Transfer-Encoding":
			fs.te++
			if fs.te > 1 || !asciiEqualFold(v, "chunked") {
				return errBadResponse
			}
			continue // never forwarded: the gateway frames its own answer
		case "Trailer":
			forEachToken(v, func(tok []byte) {
				switch textproto.CanonicalMIMEHeaderKey(string(tok)) {
				case "Transfer-Encoding", "Trailer", "Content-Length":
					fs.badTrailer = true
				}
			})
		case "Connection":
			forEachToken(v, func(tok []byte) {
				switch {
				case asciiEqualFold(tok, "close"):
					fs.closeTok = true
				case asciiEqualFold(tok, "keep-alive"):
					fs.keepAlive = true
				}
			})
		}
		sc.add(k, v)
	}
	rh.length = fs.clen
	rh.framing = bodyClose
	switch {
	case fs.te > 0 && (rh.minor == '0' || fs.badTrailer):
		// net/http ignores Transfer-Encoding on HTTP/1.0 and reads on;
		// a backend that sends it is not understood: refuse.
		return errBadResponse
	case fs.te > 0:
		rh.framing = bodyChunked
	case fs.clen >= 0:
		rh.framing = bodyLength
	}
	persistent := !fs.closeTok && (rh.minor == '1' || fs.keepAlive)
	rh.keep = persistent && (rh.framing == bodyLength || rh.framing == bodyChunked && fs.clen < 0)
	return nil
}

// frame applies the method and status rules (RFC 9112 §6.3 rules 1-2).
func (rh *respHead) frame(method string) error {
	switch {
	case method == http.MethodConnect && rh.status/100 == 2:
		return errBadResponse // a tunnel
	case method == http.MethodHead || rh.status == http.StatusNoContent || rh.status == http.StatusNotModified:
		rh.framing, rh.noBody, rh.keep = bodyNone, true, false
	case rh.framing == bodyChunked:
		rh.length = -1
	}
	return nil
}

// apply writes the parsed fields into h with the proxy rules of spec §7:
// Connection, Date and Server go out as x-amzn-Remapped-*, Content-Length
// also does, hop-by-hop fields are dropped, and a Content-Length beside
// chunked is dropped. A backend field replaces a value the gateway set in
// h before; repeated fields keep their order.
func (rh *respHead) apply(h http.Header, sc *headScratch) {
	n := 0
	for _, op := range sc.ops {
		switch dst1, dst2 := rh.dest(op.k); {
		case dst2 != "":
			n += 2
		case dst1 != "":
			n++
		}
	}
	if n == 0 {
		return
	}
	all := string(sc.buf)
	vals := make([]string, n)
	i := 0
	put := func(k, v string) {
		if rh.first(k) {
			vals[i] = v
			h[k] = vals[i : i+1 : i+1]
		} else {
			h[k] = append(h[k], v)
		}
		i++
	}
	for _, op := range sc.ops {
		dst1, dst2 := rh.dest(op.k)
		v := all[op.start:op.end]
		if dst1 != "" {
			put(dst1, v)
		}
		if dst2 != "" {
			put(dst2, v)
		}
	}
}

// dest names where a backend field goes in the client's response: up to
// two keys, "" for none.
func (rh *respHead) dest(k string) (string, string) {
	switch k {
	case "Content-Length":
		if rh.framing == bodyChunked {
			return "", ""
		}
		return k, "X-Amzn-Remapped-Content-Length"
	case "Connection":
		return "X-Amzn-Remapped-Connection", ""
	case "Date":
		return "X-Amzn-Remapped-Date", ""
	case "Server":
		return "X-Amzn-Remapped-Server", ""
	case "Transfer-Encoding", "Keep-Alive", "Trailer", "Upgrade", "Proxy-Connection":
		return "", ""
	}
	return k, ""
}

// header returns the parsed fields as a plain http.Header (for
// http.Response), as net/http's Transport would: the Content-Length
// beside chunked is dropped.
func (rh *respHead) header(sc *headScratch) http.Header {
	h := make(http.Header, len(sc.ops))
	all := string(sc.buf)
	for _, op := range sc.ops {
		if op.k == "Content-Length" && rh.framing == bodyChunked {
			continue
		}
		h[op.k] = append(h[op.k], all[op.start:op.end])
	}
	return h
}

// parseStatusLine reads "HTTP/1.1 200 OK": HTTP/1.0 or HTTP/1.1, three
// digits from 100 to 599, an optional reason of visible characters.
func parseStatusLine(line []byte) (status int, minor byte, ok bool) {
	if len(line) < 12 || string(line[:7]) != "HTTP/1." || line[7] != '0' && line[7] != '1' || line[8] != ' ' {
		return 0, 0, false
	}
	for _, c := range line[9:12] {
		if c < '0' || c > '9' {
			return 0, 0, false
		}
		status = status*10 + int(c-'0')
	}
	if status < 100 || status > 599 {
		return 0, 0, false
	}
	if len(line) > 12 {
		if line[12] != ' ' {
			return 0, 0, false
		}
		for _, c := range line[13:] {
			if !validValueByte(c) {
				return 0, 0, false
			}
		}
	}
	return status, line[7], true
}

// readLine returns one line without its line ending (CRLF, or a bare LF as
// net/http accepts), charging it to budget; the slice is only valid until
// the next read. A line longer than the reader's buffer is refused.
func readLine(br *bufio.Reader, budget *int) ([]byte, error) {
	line, err := br.ReadSlice('\n')
	if err != nil {
		if errors.Is(err, bufio.ErrBufferFull) {
			return nil, errBadResponse
		}
		if errors.Is(err, io.EOF) && len(line) > 0 {
			return nil, io.ErrUnexpectedEOF
		}
		return nil, err
	}
	if *budget -= len(line); *budget < 0 {
		return nil, errBadResponse
	}
	line = line[:len(line)-1]
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line, nil
}

// parseContentLength accepts what net/http does (strconv.ParseUint(v, 10,
// 63)): one or more digits, no sign, below 2^63.
func parseContentLength(v []byte) (int64, bool) {
	if len(v) == 0 || len(v) > 19 {
		return 0, false
	}
	var n uint64
	for _, c := range v {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
	}
	if n > 1<<63-1 {
		return 0, false
	}
	return int64(n), true
}

func isTokenByte(c byte) bool { return c < 0x80 && tokenTable[c] }

var tokenTable = func() (t [128]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
		t[c-'a'+'A'] = true
	}
	for _, c := range "!#$%&'*+-.^_`|~" {
		t[c] = true
	}
	return
}()

// validValueByte: field-vchar, SP, HTAB, obs-text (net/textproto's rule).
func validValueByte(c byte) bool { return c >= 0x20 && c != 0x7f || c == '\t' }

func trimOWS(v []byte) []byte {
	for len(v) > 0 && (v[0] == ' ' || v[0] == '\t') {
		v = v[1:]
	}
	for len(v) > 0 && (v[len(v)-1] == ' ' || v[len(v)-1] == '\t') {
		v = v[:len(v)-1]
	}
	return v
}

// asciiEqualFold compares v with lower, a lower-case ASCII string,
// ignoring ASCII case only (bytes.EqualFold also folds Unicode: the Kelvin
// sign would match 'k').
func asciiEqualFold(v []byte, lower string) bool {
	if len(v) != len(lower) {
		return false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

// forEachToken calls f with each comma-separated element of v, trimmed.
func forEachToken(v []byte, f func([]byte)) {
	for len(v) > 0 {
		i := 0
		for i < len(v) && v[i] != ',' {
			i++
		}
		if tok := trimOWS(v[:i]); len(tok) > 0 {
			f(tok)
		}
		if i == len(v) {
			return
		}
		v = v[i+1:]
	}
}

// bodyReader returns the reader of the response body as framed (nil for
// none); rh.lr is reused for Content-Length bodies.
func bodyReader(br *bufio.Reader, rh *respHead) io.Reader {
	switch rh.framing {
	case bodyLength:
		rh.lr = io.LimitedReader{R: br, N: rh.length}
		return &rh.lr
	case bodyChunked:
		return httputil.NewChunkedReader(br)
	case bodyClose:
		return br
	}
	return nil
}

// endBody is called when the body reader returned io.EOF: it checks that
// a Content-Length body was complete and reads a chunked body's trailer
// section (never forwarded). It reports whether the connection is at a
// message boundary with nothing buffered, and may carry another request.
func endBody(br *bufio.Reader, rh *respHead) (reusable bool, err error) {
	switch rh.framing {
	case bodyLength:
		if rh.lr.N != 0 {
			return false, io.ErrUnexpectedEOF
		}
	case bodyChunked:
		if err := skipTrailer(br); err != nil {
			return false, err
		}
	case bodyClose:
		return false, nil
	}
	// More bytes than the framing allows, already here: the backend does
	// not frame its responses as it says.
	return rh.keep && br.Buffered() == 0, nil
}

// skipTrailer reads the trailer section after the last chunk: fields as in
// a head, each line ended by CRLF (net/http refuses a trailer that does not
// end in CRLF CRLF), then CRLF.
func skipTrailer(br *bufio.Reader) error {
	budget := maxHeadBytes
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			if errors.Is(err, bufio.ErrBufferFull) {
				return errBadResponse
			}
			if errors.Is(err, io.EOF) {
				return io.ErrUnexpectedEOF
			}
			return err
		}
		if budget -= len(line); budget < 0 || len(line) < 2 || line[len(line)-2] != '\r' {
			return errBadResponse
		}
		line = line[:len(line)-2]
		if len(line) == 0 {
			return nil
		}
		i := 0
		for i < len(line) && isTokenByte(line[i]) {
			i++
		}
		if i == 0 || i == len(line) || line[i] != ':' {
			return errBadResponse
		}
		for _, c := range line[i+1:] {
			if !validValueByte(c) {
				return errBadResponse
			}
		}
	}
}

// copyBody streams the response body to w and reports whether the
// connection can be reused (the body was read exactly to its end and
// nothing else is buffered).
func copyBody(w io.Writer, br *bufio.Reader, rh *respHead, buf []byte) (reusable bool, err error) {
	r := bodyReader(br, rh)
	if r == nil {
		return false, nil // bodyNone: never reused
	}
	if _, err := io.CopyBuffer(w, r, buf); err != nil {
		return false, err
	}
	return endBody(br, rh)
}
