package callers

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse-dev/gatehouse/pkg/sigv4client"
)

// Exit codes of Curl.
const (
	ExitOK        = 0  // the response status was below 400 (or the URL was presigned)
	ExitFailure   = 1  // no response: credentials, network or file errors
	ExitUsage     = 2  // bad flags or arguments
	ExitHTTPError = 22 // the response status was 400 or more (as curl --fail)
)

// maxErrorBody bounds how much of an error response is kept to find the AWS
// error message in it (the whole body is still printed).
const maxErrorBody = 1 << 20

const curlHelp = `Usage: gatehouse curl [flags] URL

Send one HTTP request signed with AWS Signature Version 4 — to a gatehouse or
API Gateway execute-api URL, or to any AWS endpoint — and print the response
body. With --presign, print a presigned URL instead of sending anything.

Request:
  -X, --request METHOD     HTTP method (default GET, or POST when --data is given)
  -H, --header "N: V"      add a request header (repeatable); "Host: name" sets the
                           Host the request is sent and signed for
  -d, --data DATA          request body; @FILE reads a file (streamed), @- reads stdin;
                           sets Content-Type: application/json unless -H gives one
  -i, --include            print the status line and response headers before the body
  --presign                print a presigned URL (query-string signature) and exit
  --expires DURATION       validity of --presign: seconds or a Go duration (default 15m,
                           at most 168h)

` + credHelp + `
Exit status: 0 when the response status is below 400 (redirects are not
followed); 22 when it is 400 or more, with the AWS error code and message on
stderr (the body is still printed); 1 when no response was received
(credentials, network, files); 2 for usage errors.
`

// stringList is a repeatable flag.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ", ") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

type curlArgs struct {
	method  string
	headers stringList
	data    stringList
	include bool
	presign bool
	expires string
	cred    credFlags
	url     string
}

func (a *curlArgs) flagSet(stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("gatehouse curl", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, curlHelp) }
	for _, n := range []string{"X", "request"} {
		fs.StringVar(&a.method, n, "", "")
	}
	for _, n := range []string{"H", "header"} {
		fs.Var(&a.headers, n, "")
	}
	for _, n := range []string{"d", "data"} {
		fs.Var(&a.data, n, "")
	}
	for _, n := range []string{"i", "include"} {
		fs.BoolVar(&a.include, n, false, "")
	}
	fs.BoolVar(&a.presign, "presign", false, "")
	fs.StringVar(&a.expires, "expires", "15m", "")
	a.cred.register(fs)
	return fs
}

// parseInterleaved lets flags come after the URL too (`gatehouse curl URL -i`),
// which the flag package alone stops at.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// Curl runs `gatehouse curl` with args (without the command name) and returns
// the process exit code (see ExitOK and friends). The response body goes to
// stdout, diagnostics to stderr; stdin is read only for --data @-.
func Curl(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	var a curlArgs
	fs := a.flagSet(stderr)
	pos, err := parseInterleaved(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		return ExitOK
	}
	if err != nil {
		return ExitUsage
	}
	fail := func(code int, format string, v ...any) int {
		fmt.Fprintf(stderr, "gatehouse curl: "+format+"\n", v...)
		return code
	}
	if len(pos) != 1 {
		return fail(ExitUsage, "want exactly one URL, got %d arguments (see --help)", len(pos))
	}
	a.url = pos[0]
	u, err := url.Parse(a.url)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fail(ExitUsage, "URL %q is not an absolute http(s) URL", a.url)
	}
	if len(a.data) > 1 {
		return fail(ExitUsage, "--data given %d times; give it once", len(a.data))
	}
	expires, err := parseExpires(a.expires)
	if err != nil {
		return fail(ExitUsage, "--expires: %v", err)
	}
	method := strings.ToUpper(a.method)
	if method == "" {
		method = "GET"
		if len(a.data) > 0 {
			method = "POST"
		}
	}

	if a.cred.region == "" {
		a.cred.region = regionFromHost(u.Hostname())
		if h := hostHeader(a.headers); h != "" {
			// The request is signed (and routed) for the Host header's name.
			a.cred.region = regionFromHost(hostname(h))
		}
	}
	creds, region, err := loadCredentials(ctx, a.cred, "curl", nil)
	if err != nil {
		return fail(ExitFailure, "%v", err)
	}
	tr, err := sigv4client.New(sigv4client.Config{Credentials: creds, Region: region, Service: a.cred.service})
	if err != nil {
		return fail(ExitFailure, "%v", err)
	}

	// Fetch credentials first, so that failing to get them is reported as
	// such rather than as a failed request (they are cached for the request).
	if _, err := creds.Retrieve(ctx); err != nil {
		return fail(ExitFailure, "cannot get AWS credentials: %s", explainCredentialsError(err))
	}

	body, length, err := openData(a.data, stdin, a.presign)
	if err != nil {
		return fail(ExitFailure, "--data: %v", err)
	}
	req, err := http.NewRequestWithContext(ctx, method, a.url, body)
	if err != nil {
		if c, ok := body.(io.Closer); ok {
			c.Close()
		}
		return fail(ExitUsage, "%v", err)
	}
	if length > 0 {
		req.ContentLength = length
	}
	if err := setHeaders(req, a.headers); err != nil {
		if req.Body != nil {
			req.Body.Close()
		}
		return fail(ExitUsage, "%v", err)
	}
	if body != nil && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}

	if a.presign {
		signed, hdr, err := tr.Presign(ctx, req, expires)
		if err != nil {
			return fail(ExitFailure, "%v", err)
		}
		fmt.Fprintln(stdout, signed)
		if len(hdr) > 0 {
			fmt.Fprintln(stderr, "gatehouse curl: these signed headers must be sent with the URL:")
			hdr.Write(stderr)
		}
		return ExitOK
	}

	client := &http.Client{
		Transport:     tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	resp, err := client.Do(req)
	if err != nil {
		return fail(ExitFailure, "%s %s: %v", method, u.Redacted(), unwrapURLError(err))
	}
	defer resp.Body.Close()
	if a.include {
		fmt.Fprintf(stdout, "%s %s\r\n", resp.Proto, resp.Status)
		resp.Header.Write(stdout)
		io.WriteString(stdout, "\r\n")
	}
	if resp.StatusCode < 400 {
		if _, err := io.Copy(stdout, resp.Body); err != nil {
			return fail(ExitFailure, "read response: %v", err)
		}
		return ExitOK
	}
	var head bytes.Buffer
	_, err = io.Copy(stdout, io.TeeReader(io.LimitReader(resp.Body, maxErrorBody), &head))
	if err == nil {
		_, err = io.Copy(stdout, resp.Body)
	}
	if err != nil {
		fmt.Fprintf(stderr, "gatehouse curl: read response: %v\n", err)
	}
	msg := awsError(resp.Header, head.Bytes())
	if msg == "" {
		return fail(ExitHTTPError, "HTTP %s", resp.Status)
	}
	return fail(ExitHTTPError, "HTTP %s: %s", resp.Status, oneLine(msg))
}

// openData returns the request body for --data and its length (-1 when
// unknown). Files are streamed, not read into memory; sigv4client hashes
// them by seeking. A presigned request's body must be replayable, so for
// --presign the data is read into memory. Literal and in-memory data are
// returned as *strings.Reader / *bytes.Reader so http.NewRequest makes them
// replayable (GetBody) and they are hashed without a copy.
func openData(data []string, stdin io.Reader, inMemory bool) (io.Reader, int64, error) {
	if len(data) == 0 {
		return nil, 0, nil
	}
	d := data[0]
	name, isFile := strings.CutPrefix(d, "@")
	switch {
	case !isFile:
		return strings.NewReader(d), int64(len(d)), nil
	case name == "-":
		if inMemory {
			b, err := io.ReadAll(stdin)
			return bytes.NewReader(b), int64(len(b)), err
		}
		// os.Stdin is an *os.File, so it looks seekable even when it is a
		// pipe: only a regular file (`< file`) is hashed by seeking, any
		// other stdin is read once and spooled by sigv4client.
		if f, ok := stdin.(*os.File); ok {
			if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
				if off, err := f.Seek(0, io.SeekCurrent); err == nil {
					return f, st.Size() - off, nil
				}
			}
		}
		return struct{ io.Reader }{stdin}, -1, nil
	}
	if inMemory {
		b, err := os.ReadFile(name)
		return bytes.NewReader(b), int64(len(b)), err
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, 0, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	if !st.Mode().IsRegular() {
		// A pipe or device cannot seek: hide Seek so sigv4client spools it.
		return struct{ io.ReadCloser }{f}, -1, nil
	}
	return f, st.Size(), nil
}

func setHeaders(req *http.Request, headers []string) error {
	for _, h := range headers {
		name, value, ok := strings.Cut(h, ":")
		name = strings.TrimSpace(name)
		if !ok {
			// curl: "Name;" sends an empty header.
			n, empty := strings.CutSuffix(name, ";")
			if !empty {
				return fmt.Errorf("header %q: want \"Name: value\"", h)
			}
			name, value = n, ""
		}
		if name == "" || strings.ContainsAny(name, " \t\r\n") {
			return fmt.Errorf("header %q: bad name", h)
		}
		value = strings.TrimSpace(value)
		if strings.ContainsAny(value, "\r\n") {
			return fmt.Errorf("header %q: value contains a line break", name)
		}
		if strings.EqualFold(name, "Host") {
			req.Host = value
			continue
		}
		req.Header.Add(name, value)
	}
	return nil
}

func parseExpires(s string) (time.Duration, error) {
	if n, err := strconv.Atoi(s); err == nil {
		return checkExpires(time.Duration(n) * time.Second)
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q is neither seconds nor a duration like 15m", s)
	}
	return checkExpires(d)
}

func checkExpires(d time.Duration) (time.Duration, error) {
	if d < time.Second || d > sigv4client.MaxPresignExpiry {
		return 0, fmt.Errorf("%s is outside 1s..168h", d)
	}
	return d.Truncate(time.Second), nil
}

// hostHeader returns the value of the last -H "Host: ..." ("" if none).
func hostHeader(headers []string) string {
	var host string
	for _, h := range headers {
		if name, value, ok := strings.Cut(h, ":"); ok && strings.EqualFold(strings.TrimSpace(name), "Host") {
			host = strings.TrimSpace(value)
		}
	}
	return host
}

// hostname drops the port of a Host header value.
func hostname(host string) string {
	return (&url.URL{Host: host}).Hostname()
}

// regionFromHost reads the region out of an AWS invoke URL host
// ({api}.execute-api.{region}.amazonaws.com[.cn]); "" for any other host.
func regionFromHost(host string) string {
	labels := strings.Split(strings.ToLower(host), ".")
	for i := 0; i+2 < len(labels); i++ {
		if labels[i] == "execute-api" && labels[i+2] == "amazonaws" {
			return labels[i+1]
		}
	}
	return ""
}

// unwrapURLError drops *url.Error's "Get \"URL\":" prefix, which the caller
// prints itself.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
