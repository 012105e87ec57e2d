package lambda_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	cwltypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/gatehouse-dev/gatehouse/internal/clientcall"
	"github.com/gatehouse-dev/gatehouse/internal/gatehousetest"
	gl "github.com/gatehouse-dev/gatehouse/internal/lambda"
)

// signalBuf is a writer that closes ready once its content holds want,
// so a test waits for output without polling.
type signalBuf struct {
	mu    sync.Mutex
	b     bytes.Buffer
	want  string
	ready chan struct{}
}

func newSignalBuf(want string) *signalBuf { return &signalBuf{want: want, ready: make(chan struct{})} }

func (s *signalBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	had := strings.Contains(s.b.String(), s.want)
	n, err := s.b.Write(p)
	if !had && strings.Contains(s.b.String(), s.want) {
		close(s.ready)
	}
	return n, err
}

func (s *signalBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// envOf is a getenv over kvs ("K=V").
func envOf(kvs []string) func(string) string {
	m := map[string]string{}
	for _, kv := range kvs {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	return func(k string) string { return m[k] }
}

// logsFunction creates the node "echo" function gofn and invokes it with
// each payload, so that its log holds those invocations.
func logsFunction(t *testing.T, e *env, payloads ...string) {
	t.Helper()
	ctx := context.Background()
	if _, err := e.lc.CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String("gofn"), Role: aws.String(e.role),
		Runtime: types.RuntimeNodejs20x, Handler: aws.String("index.handler"), Code: &types.FunctionCode{ZipFile: nodeZip(t, "echo")}}); err != nil {
		t.Fatal(err)
	}
	for _, p := range payloads {
		// LogType Tail: Invoke returns once END and REPORT are logged.
		if _, err := e.lc.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("gofn"), Payload: []byte(p), LogType: types.LogTypeTail}); err != nil {
			t.Fatal(err)
		}
	}
}

// TestLogsCommand: `gatehouse logs` reads a function's log through the
// server (no data dir), prints it, and follows new lines.
func TestLogsCommand(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	logsFunction(t, e, `{"do":"first"}`)
	// The client finds the server and credentials in the environment, as
	// the AWS CLI does (the SDK reads the process's).
	getenv := envOf(e.cliEnv)
	for _, kv := range e.cliEnv {
		if k, v, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "AWS_") {
			t.Setenv(k, v)
		}
	}

	out := newSignalBuf("\tINFO\thandling second\n")
	var errb bytes.Buffer
	fctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan int)
	go func() { done <- gl.LogsCommand(fctx, []string{"gofn"}, out, &errb, getenv) }()
	if _, err := e.lc.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("gofn"), Payload: []byte(`{"do":"second"}`)}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-out.ready:
	case <-time.After(30 * time.Second):
		t.Fatalf("the second invocation's lines never came:\n%s\n%s", out.String(), errb.String())
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	got := out.String()
	for _, want := range []string{"INIT_START Runtime Version: gatehouse:nodejs20.x\n", "\tINFO\thandling first\n", "\tINFO\thandling second\n", "END RequestId: ", "REPORT RequestId: "} {
		if !strings.Contains(got, want) {
			t.Errorf("logs lack %q:\n%s", want, got)
		}
	}
	if strings.Count(got, "handling first") != 1 {
		t.Errorf("a line was printed twice:\n%s", got)
	}

	tests := []struct {
		args []string
		code int
		out  string
		msg  string
	}{
		{[]string{"--no-follow", "nothere"}, 1, "", "no log for function nothere"},
		{[]string{"--no-follow", "arn:aws:lambda:us-east-1:000000000000:function:gofn"}, 0, "handling second", ""},
		{[]string{"gofn", "--no-follow", "--endpoint-url", "http://127.0.0.1:1"}, 1, "", "is gatehouse serving at http://127.0.0.1:1?"},
		{[]string{"--no-follow", "bad/name"}, 2, "", "invalid function name"},
		{[]string{}, 2, "", "gatehouse logs: name the FUNCTION whose log to print\n\nUsage: gatehouse logs"},
		{[]string{"a", "b"}, 2, "", "gatehouse logs: one FUNCTION at a time, not 2 (a b)\n\nUsage: gatehouse logs"},
	}
	for _, tc := range tests {
		var o, eb bytes.Buffer
		if code := gl.LogsCommand(ctx, tc.args, &o, &eb, getenv); code != tc.code || !strings.Contains(eb.String(), tc.msg) || !strings.Contains(o.String(), tc.out) {
			t.Errorf("%v: exit %d %q %q", tc.args, code, o.String(), eb.String())
		}
	}

	// With no credentials in the environment, the data dir's generated
	// root credentials sign (the README's newcomer path).
	if _, err := os.Stat(e.dataDir + "/credentials"); err == nil {
		var o, eb bytes.Buffer
		t.Setenv("AWS_ACCESS_KEY_ID", "")
		t.Setenv("AWS_SECRET_ACCESS_KEY", "")
		t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
		env := envOf([]string{"AWS_ENDPOINT_URL=" + e.url})
		if code := gl.LogsCommand(ctx, []string{"--no-follow", "--data-dir", e.dataDir, "gofn"}, &o, &eb, env); code != 0 || !strings.Contains(o.String(), "handling first") {
			t.Errorf("data-dir credentials: exit %d %q %q", code, o.String(), eb.String())
		}
	}
}

// logsCall is one signed CloudWatch Logs call.
func logsCall(t *testing.T, url, key, secret, op string, in any) (int, map[string]any) {
	t.Helper()
	body, _ := json.Marshal(in)
	if s, ok := in.(string); ok {
		body = []byte(s)
	}
	resp, err := clientcall.Post(context.Background(), url, "logs", gatehousetest.Region, aws.Credentials{AccessKeyID: key, SecretAccessKey: secret},
		map[string]string{"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "Logs_20140328." + op}, body)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(resp.Body, &out); err != nil {
		t.Fatalf("%s: %d %s", op, resp.Status, resp.Body)
	}
	if resp.Status != 200 && resp.Header.Get("Content-Type") != "application/x-amz-json-1.1" {
		t.Errorf("%s: error content type %q", op, resp.Header.Get("Content-Type"))
	}
	return resp.Status, out
}

func messages(page map[string]any) []string {
	var out []string
	evs, _ := page["events"].([]any)
	for _, ev := range evs {
		out = append(out, ev.(map[string]any)["message"].(string))
	}
	return out
}

// TestLogsAPI drives the CloudWatch Logs subset with signed calls: paging
// is complete and bounded, parsing is strict, errors are CloudWatch Logs'
// and access is decided by IAM as logs:<Action> on the log group.
func TestLogsAPI(t *testing.T) {
	e := setup(t)
	logsFunction(t, e, `{"do":"one"}`, `{"do":"two"}`, `{"do":"three"}`)
	root := func(op string, in any) (int, map[string]any) {
		return logsCall(t, e.url, gatehousetest.AccessKeyID, gatehousetest.SecretAccessKey, op, in)
	}
	const group = "/aws/lambda/gofn"

	// The whole log in one page, then the same in pages of 2.
	st, all := root("FilterLogEvents", map[string]any{"logGroupName": group})
	whole := messages(all)
	if st != 200 || len(whole) < 9 || all["nextToken"] != nil {
		t.Fatalf("FilterLogEvents: %d %v", st, all)
	}
	var paged []string
	in := map[string]any{"logGroupName": group, "limit": 2}
	for i := 0; ; i++ {
		st, page := root("FilterLogEvents", in)
		if st != 200 || len(messages(page)) > 2 || i > len(whole) {
			t.Fatalf("page %d: %d %v", i, st, page)
		}
		paged = append(paged, messages(page)...)
		tok, ok := page["nextToken"].(string)
		if !ok {
			break
		}
		in["nextToken"] = tok
	}
	if strings.Join(paged, "") != strings.Join(whole, "") {
		t.Errorf("paged:\n%q\nwhole:\n%q", paged, whole)
	}
	for _, m := range whole {
		if !strings.HasSuffix(m, "\n") {
			t.Errorf("message %q lacks Lambda's trailing newline", m)
		}
	}
	st, filtered := root("FilterLogEvents", map[string]any{"logGroupName": group, "filterPattern": `"handling two"`})
	if got := messages(filtered); st != 200 || len(got) != 1 || !strings.Contains(got[0], "handling two") {
		t.Errorf("filterPattern: %d %q", st, got)
	}

	// Streams, then one stream read backwards and forwards.
	st, streams := root("DescribeLogStreams", map[string]any{"logGroupName": group, "orderBy": "LastEventTime", "descending": true})
	list, _ := streams["logStreams"].([]any)
	if st != 200 || len(list) != 1 {
		t.Fatalf("DescribeLogStreams: %d %v", st, streams)
	}
	stream := list[0].(map[string]any)["logStreamName"].(string)
	if !strings.Contains(stream, "/[$LATEST]") || !strings.HasSuffix(list[0].(map[string]any)["arn"].(string), ":log-group:"+group+":log-stream:"+stream) {
		t.Errorf("stream %v", list[0])
	}
	st, tail := root("GetLogEvents", map[string]any{"logGroupName": group, "logStreamName": stream, "limit": 3})
	if got := messages(tail); st != 200 || len(got) != 3 || !strings.HasPrefix(got[2], "REPORT RequestId: ") {
		t.Errorf("GetLogEvents tail: %d %q", st, got)
	}
	st, back := root("GetLogEvents", map[string]any{"logGroupName": group, "logStreamName": stream, "limit": 3, "nextToken": tail["nextBackwardToken"]})
	if got := messages(back); st != 200 || len(got) != 3 || !strings.HasPrefix(got[2], "START RequestId: ") {
		t.Errorf("GetLogEvents backward: %d %q", st, got)
	}
	st, end := root("GetLogEvents", map[string]any{"logGroupName": group, "logStreamName": stream, "nextToken": tail["nextForwardToken"]})
	if st != 200 || len(messages(end)) != 0 || end["nextForwardToken"] != tail["nextForwardToken"] {
		t.Errorf("GetLogEvents at the end: %d %v", st, end)
	}
	st, head := root("GetLogEvents", map[string]any{"logGroupName": group, "logStreamName": stream, "startFromHead": true, "limit": 1})
	if got := messages(head); st != 200 || len(got) != 1 || !strings.HasPrefix(got[0], "INIT_START") {
		t.Errorf("GetLogEvents head: %d %q", st, got)
	}
	st, groups := root("DescribeLogGroups", map[string]any{"logGroupNamePrefix": "/aws/lambda/"})
	glist, _ := groups["logGroups"].([]any)
	if st != 200 || len(glist) != 1 || glist[0].(map[string]any)["arn"] != "arn:aws:logs:us-east-1:000000000000:log-group:"+group+":*" {
		t.Errorf("DescribeLogGroups: %d %v", st, groups)
	}

	// Errors, in CloudWatch Logs' words.
	errs := []struct {
		name, op string
		in       any
		code     string
	}{
		{"unknown group", "FilterLogEvents", map[string]any{"logGroupName": "/aws/lambda/nothere"}, "ResourceNotFoundException"},
		{"not a function's group", "FilterLogEvents", map[string]any{"logGroupName": "/ecs/app"}, "ResourceNotFoundException"},
		{"unknown stream", "GetLogEvents", map[string]any{"logGroupName": group, "logStreamName": "nope"}, "ResourceNotFoundException"},
		{"no group", "FilterLogEvents", map[string]any{}, "InvalidParameterException"},
		{"name and identifier", "FilterLogEvents", map[string]any{"logGroupName": group, "logGroupIdentifier": group}, "InvalidParameterException"},
		{"bad token", "FilterLogEvents", map[string]any{"logGroupName": group, "nextToken": "zzz"}, "InvalidParameterException"},
		{"backward token to filter", "FilterLogEvents", map[string]any{"logGroupName": group, "nextToken": tail["nextBackwardToken"]}, "InvalidParameterException"},
		{"limit 0", "FilterLogEvents", map[string]any{"logGroupName": group, "limit": 0}, "ValidationException"},
		{"limit too big", "DescribeLogStreams", map[string]any{"logGroupName": group, "limit": 51}, "ValidationException"},
		{"negative time", "FilterLogEvents", map[string]any{"logGroupName": group, "startTime": -1}, "ValidationException"},
		{"bad group name", "FilterLogEvents", map[string]any{"logGroupName": "a b"}, "ValidationException"},
		{"no stream", "GetLogEvents", map[string]any{"logGroupName": group}, "ValidationException"},
		{"unknown member", "FilterLogEvents", map[string]any{"logGroupName": group, "frob": 1}, "SerializationException"},
		{"wrong type", "FilterLogEvents", map[string]any{"logGroupName": 7}, "SerializationException"},
		{"not an object", "FilterLogEvents", `[1]`, "SerializationException"},
		{"trailing data", "FilterLogEvents", `{"logGroupName":"/aws/lambda/gofn"} {}`, "SerializationException"},
		{"json pattern", "FilterLogEvents", map[string]any{"logGroupName": group, "filterPattern": `{ $.a = 1 }`}, "InvalidParameterException"},
		{"orderBy with prefix", "DescribeLogStreams", map[string]any{"logGroupName": group, "orderBy": "LastEventTime", "logStreamNamePrefix": "2"}, "InvalidParameterException"},
		{"operation not served", "PutLogEvents", map[string]any{}, "UnknownOperationException"},
	}
	for _, tc := range errs {
		t.Run(tc.name, func(t *testing.T) {
			st, out := root(tc.op, tc.in)
			if st != 400 || out["__type"] != tc.code || out["message"] == "" {
				t.Errorf("got %d %v, want 400 %s", st, out, tc.code)
			}
		})
	}

	// IAM decides, as logs:<Action> on the log group.
	ctx := context.Background()
	if _, err := e.ic.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("reader")}); err != nil {
		t.Fatal(err)
	}
	k, err := e.ic.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("reader")})
	if err != nil {
		t.Fatal(err)
	}
	user := func(op string, in any) (int, map[string]any) {
		return logsCall(t, e.url, *k.AccessKey.AccessKeyId, *k.AccessKey.SecretAccessKey, op, in)
	}
	st, denied := user("FilterLogEvents", map[string]any{"logGroupName": group})
	if msg, _ := denied["message"].(string); st != 400 || denied["__type"] != "AccessDeniedException" ||
		!strings.Contains(msg, "is not authorized to perform: logs:FilterLogEvents on resource: arn:aws:logs:us-east-1:000000000000:log-group:/aws/lambda/gofn:log-stream: because no identity-based policy allows the logs:FilterLogEvents action") {
		t.Errorf("unauthorized: %d %v", st, denied)
	}
	// A denied caller learns nothing of which groups exist.
	if _, nothere := user("FilterLogEvents", map[string]any{"logGroupName": "/aws/lambda/nothere"}); nothere["__type"] != "AccessDeniedException" {
		t.Errorf("existence leaked: %v", nothere)
	}
	if _, err := e.ic.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("reader"), PolicyName: aws.String("logs"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["logs:FilterLogEvents","logs:GetLogEvents"],
		"Resource":"arn:aws:logs:*:*:log-group:/aws/lambda/gofn:*"}]}`)}); err != nil {
		t.Fatal(err)
	}
	if st, page := user("FilterLogEvents", map[string]any{"logGroupName": group, "limit": 1}); st != 200 || len(messages(page)) != 1 {
		t.Errorf("allowed FilterLogEvents: %d %v", st, page)
	}
	if st, page := user("GetLogEvents", map[string]any{"logGroupName": group, "logStreamName": stream, "limit": 1}); st != 200 || len(messages(page)) != 1 {
		t.Errorf("allowed GetLogEvents: %d %v", st, page)
	}
	if st, page := user("DescribeLogStreams", map[string]any{"logGroupName": group}); st != 400 || page["__type"] != "AccessDeniedException" {
		t.Errorf("DescribeLogStreams not granted: %d %v", st, page)
	}
	// Unsigned: CloudWatch Logs' own authentication error.
	resp, err := clientcall.Post(ctx, e.url, "logs", "us-east-1", aws.Credentials{AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: strings.Repeat("x", 40)},
		map[string]string{"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "Logs_20140328.FilterLogEvents"}, []byte(`{"logGroupName":"/aws/lambda/gofn"}`))
	if err != nil || resp.Status != 403 || !strings.Contains(string(resp.Body), `"__type":"UnrecognizedClientException"`) {
		t.Errorf("unknown key: %v %d %s", err, resp.Status, resp.Body)
	}
}

// TestLogsAWSCLI reads a function's log with the AWS CLI: filter-log-events
// and describe-log-streams (v1 or v2), and logs tail (v2 only; v1 has no
// tail), as a user would.
func TestLogsAWSCLI(t *testing.T) {
	clis := map[string]string{}
	if p, err := exec.LookPath("aws"); err == nil {
		clis["aws"] = p
	}
	if _, err := os.Stat("/usr/bin/aws"); err == nil {
		clis["/usr/bin/aws"] = "/usr/bin/aws"
	}
	if len(clis) == 0 {
		t.Skip("skipped: the AWS CLI is not installed")
	}
	e := setup(t)
	logsFunction(t, e, `{"do":"cli"}`)
	for name, path := range clis {
		ver, _ := exec.Command(path, "--version").CombinedOutput()
		t.Run(name, func(t *testing.T) {
			run := func(args ...string) string {
				t.Helper()
				// --endpoint-url, not AWS_ENDPOINT_URL: CLI v2 before 2.13
				// (Debian's 2.9) ignores the variable.
				cmd := exec.Command(path, append(args, "--endpoint-url", e.url)...)
				cmd.Env = e.cliEnv
				out, err := cmd.CombinedOutput()
				if err != nil {
					t.Fatalf("%s %v: %v\n%s", ver, args, err, out)
				}
				return string(out)
			}
			out := run("logs", "filter-log-events", "--log-group-name", "/aws/lambda/gofn", "--query", "events[].message", "--output", "text")
			if !strings.Contains(out, "handling cli") || !strings.Contains(out, "REPORT RequestId") {
				t.Errorf("filter-log-events:\n%s", out)
			}
			out = run("logs", "describe-log-streams", "--log-group-name", "/aws/lambda/gofn", "--query", "logStreams[0].logStreamName", "--output", "text")
			if !strings.Contains(out, "[$LATEST]") {
				t.Errorf("describe-log-streams:\n%s", out)
			}
			if strings.HasPrefix(string(ver), "aws-cli/2") {
				out = run("logs", "tail", "/aws/lambda/gofn")
				if !strings.Contains(out, "handling cli") {
					t.Errorf("logs tail:\n%s", out)
				}
			}
		})
	}
}

// TestLogsGoSDK reads a function's log with aws-sdk-go-v2's CloudWatch Logs
// client: its paginator, typed errors and JSON 1.1 (de)serialization.
func TestLogsGoSDK(t *testing.T) {
	e := setup(t)
	logsFunction(t, e, `{"do":"sdk1"}`, `{"do":"sdk2"}`)
	ctx := context.Background()
	c := cloudwatchlogs.NewFromConfig(awsConfig(e.url, gatehousetest.AccessKeyID, gatehousetest.SecretAccessKey, ""))

	var msgs []string
	ids := map[string]bool{}
	p := cloudwatchlogs.NewFilterLogEventsPaginator(c, &cloudwatchlogs.FilterLogEventsInput{LogGroupName: aws.String("/aws/lambda/gofn"), Limit: aws.Int32(3)})
	for pages := 0; p.HasMorePages(); pages++ {
		out, err := p.NextPage(ctx)
		if err != nil || pages > 20 {
			t.Fatalf("page %d: %v", pages, err)
		}
		for _, ev := range out.Events {
			msgs = append(msgs, *ev.Message)
			if ids[*ev.EventId] || *ev.IngestionTime < *ev.Timestamp {
				t.Errorf("event %+v: duplicate id or ingested before it happened", ev)
			}
			ids[*ev.EventId] = true
		}
	}
	all := strings.Join(msgs, "")
	if strings.Count(all, "START RequestId") != 2 || strings.Count(all, "REPORT RequestId") != 2 || !strings.Contains(all, "handling sdk2") {
		t.Errorf("paginated log:\n%s", all)
	}

	groups, err := c.DescribeLogGroups(ctx, &cloudwatchlogs.DescribeLogGroupsInput{LogGroupNamePattern: aws.String("GOFN")})
	if err != nil || len(groups.LogGroups) != 1 || *groups.LogGroups[0].LogGroupArn != "arn:aws:logs:us-east-1:000000000000:log-group:/aws/lambda/gofn" {
		t.Fatalf("DescribeLogGroups: %v %+v", err, groups)
	}
	streams, err := c.DescribeLogStreams(ctx, &cloudwatchlogs.DescribeLogStreamsInput{LogGroupIdentifier: groups.LogGroups[0].LogGroupArn})
	if err != nil || len(streams.LogStreams) != 1 {
		t.Fatalf("DescribeLogStreams: %v %+v", err, streams)
	}
	got, err := c.GetLogEvents(ctx, &cloudwatchlogs.GetLogEventsInput{LogGroupName: aws.String("/aws/lambda/gofn"),
		LogStreamName: streams.LogStreams[0].LogStreamName, StartFromHead: aws.Bool(true)})
	if err != nil || len(got.Events) != len(msgs) {
		t.Errorf("GetLogEvents: %v, %d events, want %d", err, len(got.Events), len(msgs))
	}

	_, err = c.FilterLogEvents(ctx, &cloudwatchlogs.FilterLogEventsInput{LogGroupName: aws.String("/aws/lambda/nothere")})
	var rnf *cwltypes.ResourceNotFoundException
	if !errors.As(err, &rnf) {
		t.Errorf("unknown group: %v", err)
	}
	_, err = c.FilterLogEvents(ctx, &cloudwatchlogs.FilterLogEventsInput{LogGroupName: aws.String("/aws/lambda/gofn"), NextToken: aws.String("bogus")})
	var ipe *cwltypes.InvalidParameterException
	if !errors.As(err, &ipe) {
		t.Errorf("bad token: %v", err)
	}
}

// TestLogsRegionIsNotAPath: the signing region chooses a directory of the
// data dir; a scope region that is not a region's name is refused before
// any file is touched.
func TestLogsRegionIsNotAPath(t *testing.T) {
	e := setup(t)
	for _, region := range []string{"../../../../etc", "us-east-1/..", "x"} {
		body := []byte(`{"logGroupName":"/aws/lambda/gofn"}`)
		resp, err := clientcall.Post(context.Background(), e.url, "logs", region, aws.Credentials{AccessKeyID: gatehousetest.AccessKeyID, SecretAccessKey: gatehousetest.SecretAccessKey},
			map[string]string{"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "Logs_20140328.FilterLogEvents"}, body)
		// A region with a '/' breaks the credential scope itself: the
		// request is not a logs call at all (execute-api's refusal).
		if err != nil || resp.Status == 200 || !strings.Contains(region, "/") && !strings.Contains(string(resp.Body), `"__type":"InvalidParameterException"`) {
			t.Errorf("region %q: %v %d %s", region, err, resp.Status, resp.Body)
		}
	}
}
