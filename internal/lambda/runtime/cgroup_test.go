package runtime

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestDetectCgroups runs the detection on a fake cgroup tree: it uses a
// cgroup only when it is delegated to gatehouse alone, and then moves
// gatehouse into a leaf and enables the memory controller below.
func TestDetectCgroups(t *testing.T) {
	self := strconv.Itoa(os.Getpid())
	tests := []struct {
		name, cgroupFile, controllers, procs string
		ok                                   bool
		why                                  string
	}{
		{"delegated", "0::/gatehouse.service\n", "cpu memory pids", self + "\n", true, ""},
		{"hybrid", "1:memory:/x\n0::/gatehouse.service\n", "memory", self, false, "not a pure cgroup v2"},
		{"no memory controller", "0::/gatehouse.service\n", "cpu pids", self, false, "memory controller is not available"},
		{"shared with other processes", "0::/gatehouse.service\n", "memory", self + "\n1\n", false, "other processes"},
		{"odd path", "0::/../x\n", "memory", self, false, "unexpected cgroup path"},
	}
	defer func(p, r string, f func(string) bool) { procSelfCgroup, cgroupRoot, isCgroup2 = p, r, f }(procSelfCgroup, cgroupRoot, isCgroup2)
	isCgroup2 = func(string) bool { return true }
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			procSelfCgroup, cgroupRoot = filepath.Join(root, "cgroup"), filepath.Join(root, "fs")
			dir := filepath.Join(cgroupRoot, "gatehouse.service")
			os.MkdirAll(dir, 0o755)
			os.WriteFile(procSelfCgroup, []byte(tc.cgroupFile), 0o644)
			os.WriteFile(filepath.Join(dir, "cgroup.controllers"), []byte(tc.controllers), 0o644)
			os.WriteFile(filepath.Join(dir, "cgroup.procs"), []byte(tc.procs), 0o644)
			os.WriteFile(filepath.Join(dir, "cgroup.subtree_control"), nil, 0o644)
			cg, why := detectCgroups()
			if (cg != nil) != tc.ok || !strings.Contains(why, tc.why) {
				t.Fatalf("got %v %q, want ok %v (%q)", cg, why, tc.ok, tc.why)
			}
			if !tc.ok {
				if _, err := os.Stat(filepath.Join(dir, "server")); err == nil {
					t.Errorf("moved into a leaf although the cgroup is not usable")
				}
				return
			}
			if b, _ := os.ReadFile(filepath.Join(dir, "server", "cgroup.procs")); string(b) != self {
				t.Errorf("server leaf procs = %q", b)
			}
			if b, _ := os.ReadFile(filepath.Join(dir, "cgroup.subtree_control")); string(b) != "+memory" {
				t.Errorf("subtree_control = %q", b)
			}
			g, err := cg.create(128 << 20)
			if err != nil {
				t.Fatal(err)
			}
			if b, _ := os.ReadFile(filepath.Join(g.dir, "memory.max")); string(b) != "134217728" {
				t.Errorf("memory.max = %q", b)
			}
			if g.oomKilled() {
				t.Errorf("oom before any event")
			}
			os.WriteFile(filepath.Join(g.dir, "memory.events"), []byte("low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n"), 0o644)
			if !g.oomKilled() {
				t.Errorf("oom_kill 1 not seen")
			}
			for _, f := range []string{"memory.max", "memory.swap.max", "memory.oom.group", "memory.events"} {
				os.Remove(filepath.Join(g.dir, f))
			}
			g.remove()
			if _, err := os.Stat(g.dir); err == nil {
				t.Errorf("cgroup not removed")
			}
		})
	}
}

func FuzzCgroupPath(f *testing.F) {
	f.Add([]byte("0::/system.slice/gatehouse.service\n"))
	f.Add([]byte("12:memory:/x\n0::/\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		rel, why := cgroupPath(b)
		if why != "" {
			return
		}
		if !strings.HasPrefix(rel, "/") || filepath.Clean(rel) != rel || strings.Contains(rel, "\n") {
			t.Fatalf("accepted %q", rel)
		}
	})
}
