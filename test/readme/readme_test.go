// Package readme runs the README's examples: every fenced block tagged
// "sh" is executed, in order, in one bash session against a real gatehouse
// binary, so the README cannot drift from what gatehouse does.
package readme

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/gatehousetest"
)

// shBlocks returns the bodies of the README's ```sh blocks.
func shBlocks(t *testing.T, readme string) []string {
	t.Helper()
	var blocks []string
	var cur []string
	in := false
	for _, line := range strings.Split(readme, "\n") {
		switch {
		case !in && strings.TrimSpace(line) == "```sh":
			in, cur = true, nil
		case in && strings.TrimSpace(line) == "```":
			in = false
			blocks = append(blocks, strings.Join(cur, "\n"))
		case in:
			cur = append(cur, line)
		}
	}
	if in {
		t.Fatal("README has an unterminated ```sh block")
	}
	return blocks
}

func TestREADMEExamples(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the README walkthrough against the binary; skipped in -short")
	}
	for _, tool := range []string{"aws", "bash", "curl"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed", tool)
		}
	}
	root := gatehousetest.ModuleRoot()
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	blocks := shBlocks(t, string(readme))
	if len(blocks) < 3 {
		t.Fatalf("README has %d sh blocks; the walkthrough is missing", len(blocks))
	}

	// The walkthrough runs where a user would: a directory holding the
	// server's ./.gatehouse and the repository's examples/.
	work := t.TempDir()
	if err := os.Symlink(filepath.Join(root, "examples"), filepath.Join(work, "examples")); err != nil {
		t.Fatal(err)
	}
	bin := gatehousetest.Binary(t)
	p := gatehousetest.StartBinary(t, filepath.Join(work, ".gatehouse"), []string{"GATEHOUSE_ROOT_ACCESS_KEY_ID=", "GATEHOUSE_ROOT_SECRET_ACCESS_KEY="},
		"--tls-listen", "127.0.0.1:0")
	tlsURL := regexp.MustCompile(`TLS on (https://127\.0\.0\.1:([0-9]+))`).FindStringSubmatch(p.Stdout.String())
	if tlsURL == nil {
		t.Fatalf("no TLS listener in the banner:\n%s", p.Stdout)
	}
	// The walkthrough runs a function: that needs the Lambda sandbox.
	if strings.Contains(p.Stdout.String(), "Lambda functions will NOT run") {
		if os.Getenv("GATEHOUSE_REQUIRE_SANDBOX") != "" || os.Getenv("CI") != "" {
			t.Fatalf("the Lambda sandbox is required here:\n%s", p.Stdout)
		}
		t.Skipf("skipped:\n%s", p.Stdout)
	}

	script := "set -euo pipefail\n" + strings.Join(blocks, "\n")
	script = strings.ReplaceAll(script, "http://127.0.0.1:4566", p.URL)
	// The README's TLS listener is 127.0.0.1:4567, its URL suffix localhost:4567.
	script = strings.ReplaceAll(script, "https://127.0.0.1:4567", tlsURL[1])
	script = strings.ReplaceAll(script, "localhost:4567", "localhost:"+tlsURL[2])
	env := []string{"PATH=" + filepath.Dir(bin) + ":" + os.Getenv("PATH"), "HOME=" + work, "TERM=dumb"}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") && !strings.HasPrefix(kv, "PATH=") && !strings.HasPrefix(kv, "HOME=") {
			env = append(env, kv)
		}
	}
	cmd := exec.Command("bash", "-c", script)
	cmd.Dir = work
	cmd.Env = env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { done <- cmd.Wait() }()
	select {
	case err = <-done:
	case <-time.After(8 * time.Minute):
		cmd.Process.Kill()
		err = <-done
	}
	if err != nil {
		t.Fatalf("README walkthrough failed: %v\n--- output\n%s\n--- server log\n%s", err, out.String(), p.Stderr)
	}
	// Lines of the form "# => text" after a command assert its output,
	// in the README's order: each promise is looked for after the
	// previous one's match, so a short one ("21") cannot be satisfied by
	// an earlier command's output.
	rest := out.String()
	for _, want := range regexp.MustCompile(`(?m)^# => (.*)$`).FindAllStringSubmatch(strings.Join(blocks, "\n"), -1) {
		i := strings.Index(rest, want[1])
		if i < 0 {
			t.Errorf("README promises output %q, not seen (after the previous promise) in:\n%s", want[1], out.String())
			continue
		}
		rest = rest[i+len(want[1]):]
	}
	t.Logf("walkthrough output:\n%s", out.String())
}
