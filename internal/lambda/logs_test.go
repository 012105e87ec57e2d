package lambda_test

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	gl "github.com/gatehouse-dev/gatehouse/internal/lambda"
)

type syncBuf struct {
	mu    sync.Mutex
	b     bytes.Buffer
	wrote chan struct{} // closed (and replaced) at every Write
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.wrote != nil {
		close(s.wrote)
	}
	s.wrote = make(chan struct{})
	return s.b.Write(p)
}

// waitFor waits until the buffer contains want, waking at each write; it
// gives up after limit so that a missing line fails the test's assertions
// instead of hanging it.
func (s *syncBuf) waitFor(want string, limit time.Duration) {
	timeout := time.After(limit)
	for {
		s.mu.Lock()
		if strings.Contains(s.b.String(), want) {
			s.mu.Unlock()
			return
		}
		if s.wrote == nil {
			s.wrote = make(chan struct{})
		}
		wrote := s.wrote
		s.mu.Unlock()
		select {
		case <-wrote:
		case <-timeout:
			return
		}
	}
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestLogsCommand(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	if _, err := e.lc.CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String("gofn"), Role: aws.String(e.role),
		Runtime: types.RuntimeNodejs20x, Handler: aws.String("index.handler"), Code: &types.FunctionCode{ZipFile: nodeZip(t, "echo")}}); err != nil {
		t.Fatal(err)
	}
	first, err := e.lc.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("gofn"), Payload: []byte(`{"do":"first"}`)})
	if err != nil {
		t.Fatal(err)
	}
	_ = first

	// Follow: existing lines, then new ones.
	var out syncBuf
	var errb bytes.Buffer
	fctx, cancel := context.WithCancel(ctx)
	done := make(chan int)
	go func() { done <- gl.LogsCommand(fctx, []string{"--data-dir", e.dataDir, "gofn"}, &out, &errb) }()
	if _, err := e.lc.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("gofn"), Payload: []byte(`{"do":"second"}`)}); err != nil {
		t.Fatal(err)
	}
	out.waitFor("handling second", time.Minute)
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

	// Errors.
	tests := []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"--data-dir", e.dataDir, "--no-follow", "nothere"}, 1, "no log for function nothere"},
		{[]string{"--data-dir", e.dataDir, "--no-follow", "arn:aws:lambda:us-east-1:000000000000:function:gofn"}, 0, ""},
		{[]string{}, 2, "usage: gatehouse logs"},
		{[]string{"a", "b"}, 2, "usage: gatehouse logs"},
	}
	for _, tc := range tests {
		var o, eb bytes.Buffer
		if code := gl.LogsCommand(ctx, tc.args, &o, &eb); code != tc.code || !strings.Contains(eb.String(), tc.msg) {
			t.Errorf("%v: exit %d %q", tc.args, code, eb.String())
		}
	}
}
