package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// forkServer builds the client and starts server.py as with-awsfork.sh
// does; it skips where the AWS CLI v1 (Python) is not installed.
func forkServer(t *testing.T) (client, real string) {
	t.Helper()
	if testing.Short() {
		t.Skip("skipped in -short: starts the AWS CLI")
	}
	// Under make test, PATH's aws is already a client; with-awsfork.sh
	// names the real CLI.
	real = os.Getenv("GATEHOUSE_AWSFORK_REAL")
	if real == "" {
		p, err := exec.LookPath("aws")
		if err != nil {
			t.Skip("skipped: the AWS CLI is not installed")
		}
		if real, err = filepath.EvalSymlinks(p); err != nil {
			t.Fatal(err)
		}
	}
	head, err := os.ReadFile(real)
	if err != nil {
		t.Fatal(err)
	}
	line, _, _ := strings.Cut(string(head[:min(len(head), 256)]), "\n")
	py, ok := strings.CutPrefix(line, "#!")
	if !ok || len(strings.Fields(py)) == 0 {
		t.Skip("skipped: aws is not the Python AWS CLI v1")
	}
	py = strings.Fields(py)[0]
	if err := exec.Command(py, "-c", "import awscli.clidriver").Run(); err != nil {
		t.Skip("skipped: aws is not the Python AWS CLI v1")
	}
	dir := t.TempDir()
	sock := filepath.Join(dir, "sock")
	client = filepath.Join(dir, "aws")
	build := exec.Command("go", "build", "-ldflags", "-X main.sock="+sock+" -X main.real="+real, "-o", client, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	srv := exec.Command(py, "server.py", sock)
	stdout, err := srv.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	srv.Stderr = os.Stderr
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Process.Kill(); _ = srv.Wait() })
	ready, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || ready != "ready\n" {
		t.Fatalf("server did not start: %q %v", ready, err)
	}
	return client, real
}

type result struct {
	out, err string
	code     int
}

func run(t *testing.T, bin, dir string, env []string, args ...string) result {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{out.String(), errb.String(), code}
}

// TestSameAsTheCLI: through the fork server, the CLI prints and exits
// exactly as when run directly, in the caller's environment and working
// directory, concurrently.
func TestSameAsTheCLI(t *testing.T) {
	client, real := forkServer(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "cfg"), []byte("[profile p]\nregion = ap-south-1\n[profile q]\nregion = eu-west-3\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	base := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "AWS_CONFIG_FILE=cfg", "AWS_SHARED_CREDENTIALS_FILE=/dev/null"}
	cases := []struct {
		name string
		env  []string
		args []string
	}{
		{"version", nil, []string{"--version"}},
		{"unknown command", nil, []string{"no-such-service"}},
		{"bad option", nil, []string{"sts", "get-caller-identity", "--no-such-option"}},
		{"profile from a relative config file", nil, []string{"configure", "get", "region", "--profile", "p"}},
		{"env", []string{"AWS_PROFILE=q"}, []string{"configure", "get", "region"}},
		{"no credentials", []string{"AWS_DEFAULT_REGION=us-east-1"}, []string{"sts", "get-caller-identity"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := append(append([]string{}, base...), tc.env...)
			want := run(t, real, dir, env, tc.args...)
			var wg sync.WaitGroup
			got := make([]result, 2)
			for i := range got {
				wg.Go(func() { got[i] = run(t, client, dir, env, tc.args...) })
			}
			wg.Wait()
			for _, g := range got {
				if g != want {
					t.Errorf("via the fork server %+v\ndirectly %+v", g, want)
				}
			}
		})
	}
}

// TestClientGoneKillsChild: when the client dies (a test's timeout), the
// CLI it started dies too, instead of running on in the server.
func TestClientGoneKillsChild(t *testing.T) {
	client, _ := forkServer(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, client, "sts", "get-caller-identity", "--endpoint-url", "http://"+ln.Addr().String(),
		"--cli-read-timeout", "0")
	cmd.Env = []string{"AWS_ACCESS_KEY_ID=x", "AWS_SECRET_ACCESS_KEY=y", "AWS_DEFAULT_REGION=us-east-1", "AWS_CONFIG_FILE=/dev/null"}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	conn, err := ln.Accept() // the CLI's request: it is running and waiting
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	cancel()
	_ = cmd.Wait()
	// The CLI's connection closes only when the CLI process is gone.
	if _, err := io.Copy(io.Discard, conn); err != nil {
		t.Fatalf("reading until the CLI is gone: %v", err)
	}
}
