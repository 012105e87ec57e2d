package runtime

import (
	"context"
	"errors"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func TestCheckHandover(t *testing.T) {
	tests := []struct {
		msg string
		n   int
		ok  bool
	}{
		{"ok\x00api", 1, true},
		{"ok\x00api\x00ep", 2, true},
		{"ok\x00api\x00ep\x00ep", 3, true},
		{"ok\x00api", 2, false},
		{"ok\x00api\x00ep", 1, false},
		{"ok\x00ep\x00api", 2, false},
		{"ok\x00api\x00ep\x00ep\x00ep", 4, false},
		{"ok\x00api\x00ep\x00ep\x00tls\x00tls", 5, true},
		{"ok\x00api\x00ep\x00tls", 3, true},
		{"ok\x00api\x00tls\x00ep", 3, false},
		{"ok\x00api\x00ep\x00tls\x00tls\x00tls", 5, false},
		{"ok\x00api\x00ep\x00other", 3, false},
		{"exec\x00fork/exec /x: permission denied", 0, false},
		{"", 0, false},
		{"ok", 0, false},
	}
	for _, tc := range tests {
		if err := checkHandover([]byte(tc.msg), tc.n); (err == nil) != tc.ok {
			t.Errorf("checkHandover(%q, %d) = %v, want ok %v", tc.msg, tc.n, err, tc.ok)
		}
	}
}

func FuzzCheckHandover(f *testing.F) {
	f.Add([]byte("ok\x00api\x00ep"), 2)
	f.Add([]byte("exec\x00boom"), 0)
	f.Add([]byte("ok\x00api\x00ep\x00tls"), 3)
	f.Fuzz(func(t *testing.T, msg []byte, n int) {
		if checkHandover(msg, n) != nil {
			return
		}
		names := strings.Split(string(msg), "\x00")
		if n < 1 || n > 5 || len(names) != n+1 || names[1] != "api" {
			t.Fatalf("accepted %q with %d descriptors", msg, n)
		}
	})
}

func TestSandboxEndpoint(t *testing.T) {
	tests := []struct{ in, want string }{
		{"http://127.0.0.1:4566", "http://127.0.0.1:4566"},
		{"http://0.0.0.0:4566", "http://127.0.0.1:4566"},
		{"http://[::]:8080", "http://127.0.0.1:8080"},
		{"http://10.1.2.3:9001", "http://127.0.0.1:9001"},
		{"http://host", ""},
		{"", ""},
		{"::nope", ""},
	}
	for _, tc := range tests {
		if got := SandboxEndpoint(tc.in); got != tc.want {
			t.Errorf("SandboxEndpoint(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if apiPort(9001) != 9002 || apiPort(4566) != 9001 || apiPort(0) != 9001 {
		t.Errorf("apiPort: %d %d %d", apiPort(9001), apiPort(4566), apiPort(0))
	}
}

// TestUnavailableSandbox: when bwrap is missing or cannot create user
// namespaces, the Manager says why (and what to do) and runs nothing.
func TestUnavailableSandbox(t *testing.T) {
	// Where the sandbox uid (when root) can run it.
	dir, err := os.MkdirTemp("", "fake-bwrap-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	fake := dir + "/bwrap"
	if err := os.WriteFile(fake, []byte("#!/bin/sh\necho 'bwrap: No permissions to creating new namespace, likely because the kernel does not allow non-privileged user namespaces. On e.g. debian this can be enabled with sysctl kernel.unprivileged_userns_clone=1.' >&2\nexit 1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, bwrap, want string
	}{
		{"no user namespaces", fake, "bubblewrap cannot create user namespaces for "},
		{"no such bwrap", dir + "/missing", "cannot start bwrap"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := NewManager(ManagerConfig{Bwrap: tc.bwrap, StateDir: t.TempDir()})
			defer m.Close()
			mode, err := m.Isolation()
			var se *SandboxError
			if mode != IsolationSandbox || !errors.As(err, &se) || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "--lambda-isolation=none") {
				t.Fatalf("got %q %v, want a SandboxError containing %q", mode, err, tc.want)
			}
			s := &Spec{Key: "k", Revision: "1", Command: []string{"/bin/true"}, Timeout: time.Second}
			if _, err := m.Invoke(context.Background(), s, Invocation{RequestID: "r"}); !errors.As(err, &se) {
				t.Errorf("Invoke: %v, want the SandboxError", err)
			}
		})
	}
	// An unknown isolation mode is refused, not taken for "none".
	m := NewManager(ManagerConfig{Isolation: "auto"})
	defer m.Close()
	if _, err := m.Isolation(); err == nil {
		t.Errorf("isolation auto accepted")
	}
}

// TestExecErrorAfterHandover: a runtime that cannot be executed exits at
// once, and the exit watcher (pendingExecError) can look at the control
// socket before receive has read the hand-over. It must leave the
// hand-over to receive and report the exec error after it; reading the
// hand-over itself made the start fail with "unexpected message" under
// load (seen in TestMissingBootstrap).
func TestExecErrorAfterHandover(t *testing.T) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	lf, err := l.(*net.TCPListener).File()
	l.Close()
	if err != nil {
		t.Fatal(err)
	}
	ln := int(lf.Fd())
	child := os.NewFile(uintptr(fds[1]), "child")
	defer child.Close()
	// What the init sends: the hand-over, then (exec failed) the report.
	if err := unix.Sendmsg(fds[1], []byte("ok\x00api"), unix.UnixRights(ln), nil, 0); err != nil {
		t.Fatal(err)
	}
	lf.Close()
	const report = "fork/exec /var/task/bootstrap: permission denied"
	if err := unix.Sendmsg(fds[1], []byte("exec\x00"+report), nil, nil, 0); err != nil {
		t.Fatal(err)
	}
	_ = unix.SetNonblock(fds[0], true) // as sandbox.start: pollable, for the read deadline
	p := &proc{ctl: os.NewFile(uintptr(fds[0]), "ctl"), uid: -1, received: make(chan struct{})}
	defer p.ctl.Close()
	got := make(chan string, 1)
	go func() { got <- p.pendingExecError() }() // the exit watcher, first
	h, err := p.receive(time.Now().Add(5 * time.Second))
	if err != nil {
		t.Fatalf("receive: %v", err)
	}
	h.api.Close()
	if r := <-got; r != report {
		t.Errorf("pendingExecError = %q, want %q", r, report)
	}
}
