package sandboxinit

import (
	"reflect"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want *config
		bad  string
	}{
		{"full", []string{"ctl=4", "api=127.0.0.1:9001", "ep=4566", "data=1024", "nofile=8", "nproc=9", "--", "/var/task/bootstrap", "-x"},
			&config{ctl: 4, api: "127.0.0.1:9001", epPort: 4566, data: 1024, nofile: 8, nproc: 9, argv: []string{"/var/task/bootstrap", "-x"},
				haveLimits: true, haveNofile: true, haveNproc: true, haveEndport: true}, ""},
		{"probe", []string{"probe", "ctl=4", "api=127.0.0.1:9001"}, &config{probe: true, ctl: 4, api: "127.0.0.1:9001"}, ""},
		{"no command", []string{"ctl=4", "api=127.0.0.1:9001"}, nil, "no command"},
		{"no ctl", []string{"api=127.0.0.1:9001", "--", "x"}, nil, "ctl and api are required"},
		{"stdio as ctl", []string{"ctl=2", "api=a", "--", "x"}, nil, "bad ctl"},
		{"port 0", []string{"ctl=4", "api=a", "ep=0", "--", "x"}, nil, "bad ep"},
		{"port too large", []string{"ctl=4", "api=a", "ep=65536", "--", "x"}, nil, "bad ep"},
		{"tls", []string{"ctl=4", "api=a", "ep=4566", "tls=4567", "--", "x"},
			&config{ctl: 4, api: "a", epPort: 4566, tlsPort: 4567, haveEndport: true, argv: []string{"x"}}, ""},
		{"tls port 0", []string{"ctl=4", "api=a", "tls=0", "--", "x"}, nil, "bad tls"},
		{"unknown", []string{"ctl=4", "api=a", "uid=0", "--", "x"}, nil, "unknown option"},
		{"stray", []string{"ctl=4", "api=a", "x"}, nil, "unexpected argument"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, bad := parse(tc.args)
			if tc.want == nil {
				if got != nil || !strings.Contains(bad, tc.bad) {
					t.Fatalf("got %+v %q, want error %q", got, bad, tc.bad)
				}
				return
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %+v, want %+v (%s)", got, tc.want, bad)
			}
		})
	}
}

func TestListenOnlyLoopback(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:9001", "10.0.0.1:9001", "localhost:9001", "127.0.0.1:0", "127.0.0.1:x", "127.0.0.1"} {
		if fd, err := listen(addr); err == nil {
			t.Errorf("listen(%q) = %d, want an error", addr, fd)
		}
	}
}

// FuzzParse: the init's command line parser never panics and what it
// accepts is well formed.
func FuzzParse(f *testing.F) {
	f.Add("ctl=4\x00api=127.0.0.1:9001\x00ep=4566\x00data=1\x00--\x00/var/task/bootstrap")
	f.Add("ctl=4\x00api=127.0.0.1:9001\x00ep=4566\x00tls=4567\x00--\x00/var/task/bootstrap")
	f.Add("probe\x00ctl=4\x00api=127.0.0.1:9001")
	f.Fuzz(func(t *testing.T, s string) {
		c, bad := parse(strings.Split(s, "\x00"))
		if c == nil {
			if bad == "" {
				t.Fatal("refused without a reason")
			}
			return
		}
		if c.ctl < 3 || c.api == "" || (!c.probe && len(c.argv) == 0) || c.epPort < 0 || c.epPort > 65535 {
			t.Fatalf("accepted %+v", c)
		}
	})
}
