package deploy_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/cfn/deploy"
	"github.com/gatehouse-dev/gatehouse/internal/gatehousetest"
)

// lineWriter hands each complete line written to it to lines.
type lineWriter struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	lines chan string
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	for {
		line, err := w.buf.ReadString('\n')
		if err != nil {
			w.buf.WriteString(line)
			return len(p), nil
		}
		w.lines <- strings.TrimSuffix(line, "\n")
	}
}

// TestDeployWatch: `gatehouse deploy --watch` deploys, waits, and deploys
// again when the template changes (an update, with its events), until
// its context ends.
func TestDeployWatch(t *testing.T) {
	t.Parallel()
	srv := gatehousetest.Start(t)
	dir := t.TempDir()
	tmpl := func(v string) {
		t.Helper()
		body := "Resources:\n  P:\n    Type: AWS::SSM::Parameter\n    Properties:\n      Name: /watch/p\n      Type: String\n      Value: " + v +
			"\nOutputs:\n  V:\n    Value: !GetAtt P.Value\n"
		if err := os.WriteFile(filepath.Join(dir, "template.yaml"), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	tmpl("one")
	credDir := t.TempDir()
	os.WriteFile(filepath.Join(credDir, "credentials"), []byte("[default]\naws_access_key_id = "+gatehousetest.AccessKeyID+
		"\naws_secret_access_key = "+gatehousetest.SecretAccessKey+"\n"), 0o600)
	getenv := func(k string) string {
		switch k {
		case "AWS_ENDPOINT_URL":
			return srv.URL
		case "GATEHOUSE_DATA_DIR":
			return credDir
		}
		return ""
	}
	ctx, cancel := context.WithCancel(context.Background())
	out := &lineWriter{lines: make(chan string, 1000)}
	var errb bytes.Buffer
	done := make(chan int, 1)
	go func() {
		done <- deploy.DeployCommand(ctx, []string{"--watch", "--stack-name", "watched", dir}, out, &errb, getenv)
	}()
	var seen []string
	waitFor := func(prefix string) {
		t.Helper()
		timeout := time.After(2 * time.Minute)
		for {
			select {
			case l := <-out.lines:
				seen = append(seen, l)
				if strings.HasPrefix(l, prefix) {
					return
				}
			case code := <-done:
				t.Fatalf("deploy --watch ended (%d) before %q:\n%s\n%s", code, prefix, strings.Join(seen, "\n"), errb.String())
			case <-timeout:
				t.Fatalf("no %q:\n%s\n%s", prefix, strings.Join(seen, "\n"), errb.String())
			}
		}
	}
	waitFor("Stack watched: CREATE_COMPLETE")
	waitFor("Watching ")
	tmpl("two")
	waitFor("Change detected")
	waitFor("Stack watched: UPDATE_COMPLETE")
	waitFor("Watching ")
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("exit %d after cancel: %s", code, errb.String())
	}
	if all := strings.Join(seen, "\n"); !strings.Contains(all, "two") {
		t.Errorf("the update's output does not show the new value:\n%s", all)
	}
}
