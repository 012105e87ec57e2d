package lambda

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/gatehouse-dev/gatehouse/internal/arn"
	"github.com/gatehouse-dev/gatehouse/internal/clientcall"
)

const logsUsage = `Usage: gatehouse logs [flags] FUNCTION

Prints a function's log (its output and Lambda's START/END/REPORT lines)
and follows new lines until interrupted. FUNCTION is a name or a function
ARN (whose region is then the one asked). The log is read through the
server's CloudWatch Logs API (FilterLogEvents on /aws/lambda/FUNCTION),
signed with credentials from the standard AWS chain, else the root
credentials serve generated into the data dir; the caller needs
logs:FilterLogEvents on the log group, as on AWS. aws logs tail
/aws/lambda/FUNCTION --follow (AWS CLI v2) reads the same.

The server is --endpoint-url, else AWS_ENDPOINT_URL_LOGS, AWS_ENDPOINT_URL,
then http:// + GATEHOUSE_LISTEN (default 127.0.0.1:4566); the data dir is
--data-dir, else GATEHOUSE_DATA_DIR, else ./.gatehouse.

Flags:
`

// followInterval is how often `gatehouse logs` asks for new events when
// following (aws logs tail --follow asks every 5 s).
const followInterval = time.Second

// LogsCommand implements `gatehouse logs FUNCTION` and returns the process
// exit code.
func LogsCommand(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	fset := flag.NewFlagSet("logs", flag.ContinueOnError)
	fset.SetOutput(stderr)
	target := clientcall.Target{Stderr: stderr}
	clientcall.Flags(fset, &target, "logs", getenv)
	noFollow := fset.Bool("no-follow", false, "print the current log and exit instead of following new lines")
	since := fset.Duration("since", 0, "print only events of this last duration (e.g. 10m); 0 prints the whole log")
	fset.Usage = func() {
		fmt.Fprint(stderr, logsUsage)
		fset.PrintDefaults()
	}
	// Flags may come after the function name too.
	var pos []string
	rest := args
	for {
		if err := fset.Parse(rest); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return 0
			}
			return 2
		}
		if fset.NArg() == 0 {
			break
		}
		pos = append(pos, fset.Arg(0))
		rest = fset.Args()[1:]
	}
	if len(pos) != 1 {
		if len(pos) == 0 {
			fmt.Fprint(stderr, "gatehouse logs: name the FUNCTION whose log to print\n\n")
		} else {
			fmt.Fprintf(stderr, "gatehouse logs: one FUNCTION at a time, not %d (%s)\n\n", len(pos), strings.Join(pos, " "))
		}
		fset.Usage()
		return 2
	}
	name := pos[0]
	if strings.HasPrefix(name, "arn:") {
		// The ARN chooses the region; the account is the caller's, whose
		// log groups CloudWatch Logs serves.
		ref, ok := arn.ParseFunction(name)
		if !ok || ref.Partition != arn.Partition {
			fmt.Fprintf(stderr, "gatehouse logs: %s is not a function ARN\n", name)
			return 2
		}
		target.Region, name = ref.Region, ref.Name
	}
	if err := validateName(name); err != nil {
		fmt.Fprintf(stderr, "gatehouse logs: invalid function name %q\n", name)
		return 2
	}
	creds, region, err := target.Resolve(ctx)
	if err != nil {
		fmt.Fprintln(stderr, "gatehouse logs:", err)
		return 1
	}
	f := &follower{target: target, creds: creds, region: region, group: lambdaGroup + name, out: stdout, seen: map[string]bool{}}
	if *since > 0 {
		f.start = time.Now().Add(-*since).UnixMilli()
	}
	for {
		err := f.poll(ctx)
		if errors.Is(err, errNoLog) && !*noFollow {
			// No log yet: the function has not run (or does not
			// exist yet). Following waits for it.
			err = nil
		}
		if errors.Is(err, errNoLog) {
			fmt.Fprintf(stderr, "gatehouse logs: no log for function %s in region %s (it has not run, or does not exist)\n", name, region)
			return 1
		}
		if err != nil {
			if ctx.Err() != nil {
				return 0
			}
			fmt.Fprintln(stderr, "gatehouse logs:", err)
			return 1
		}
		if *noFollow {
			return 0
		}
		t := time.NewTimer(followInterval)
		select {
		case <-ctx.Done():
			t.Stop()
			return 0
		case <-t.C:
		}
	}
}

var errNoLog = errors.New("no log group")

// follower reads a log group page by page as aws logs tail does: to the
// end of the log, then again from the newest timestamp seen, skipping the
// events of that millisecond it has printed.
type follower struct {
	target clientcall.Target
	creds  aws.Credentials
	region string
	group  string
	out    io.Writer
	start  int64           // startTime of the next poll (0: from the beginning)
	seen   map[string]bool // event ids printed at timestamp start
}

func (f *follower) poll(ctx context.Context) error {
	var token string
	for {
		in := map[string]any{"logGroupName": f.group}
		if f.start > 0 {
			in["startTime"] = f.start
		}
		if token != "" {
			in["nextToken"] = token
		}
		body, _ := json.Marshal(in)
		resp, err := clientcall.Post(ctx, f.target.Endpoint, "logs", f.region, f.creds, map[string]string{
			"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "Logs_20140328.FilterLogEvents"}, body)
		if err != nil {
			return fmt.Errorf("%w (is gatehouse serving at %s?)", err, f.target.Endpoint)
		}
		if resp.Status != http.StatusOK {
			var e struct {
				Type    string `json:"__type"`
				Message string `json:"message"`
			}
			if json.Unmarshal(resp.Body, &e) == nil && e.Type != "" {
				if e.Type == "ResourceNotFoundException" {
					return errNoLog
				}
				return fmt.Errorf("%s: %s", e.Type, e.Message)
			}
			return fmt.Errorf("HTTP %d from %s", resp.Status, f.target.Endpoint)
		}
		var page struct {
			Events []struct {
				Timestamp int64  `json:"timestamp"`
				Message   string `json:"message"`
				EventID   string `json:"eventId"`
			} `json:"events"`
			NextToken string `json:"nextToken"`
		}
		if err := json.Unmarshal(resp.Body, &page); err != nil {
			return fmt.Errorf("bad FilterLogEvents response: %v", err)
		}
		for _, e := range page.Events {
			if e.Timestamp == f.start && f.seen[e.EventID] {
				continue
			}
			if e.Timestamp > f.start {
				f.start, f.seen = e.Timestamp, map[string]bool{}
			}
			f.seen[e.EventID] = true
			msg := e.Message
			if !strings.HasSuffix(msg, "\n") {
				msg += "\n"
			}
			if _, err := io.WriteString(f.out, msg); err != nil {
				return err
			}
		}
		if page.NextToken == "" {
			return nil
		}
		token = page.NextToken
	}
}
