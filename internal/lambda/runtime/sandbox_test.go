package runtime

import (
	"strings"
	"testing"
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
	f.Fuzz(func(t *testing.T, msg []byte, n int) {
		if checkHandover(msg, n) != nil {
			return
		}
		names := strings.Split(string(msg), "\x00")
		if n < 1 || n > 3 || len(names) != n+1 || names[1] != "api" {
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
