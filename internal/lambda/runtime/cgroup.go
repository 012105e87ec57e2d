package runtime

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// Memory cgroups (v2), where the server's cgroup is delegated to it: each
// sandbox starts in its own child cgroup (clone3 CLONE_INTO_CGROUP) whose
// memory.max bounds the whole process tree, /tmp's pages included, and
// whose OOM kill takes the whole group (memory.oom.group). The watchdog
// (memory.go) still applies MemorySize to resident memory, so that what
// AWS counts (not /tmp, which is disk there) decides; the cgroup is the
// hard bound, at MemorySize + EphemeralStorage.
//
// "Delegated" means: a pure cgroup v2 hierarchy, the memory controller
// available to the server's cgroup, the server the only process in it,
// and the cgroup writable by it — as systemd sets up a service with
// Delegate=yes. gatehouse then moves itself into a "server" leaf (cgroup
// v2 allows processes only in leaves once controllers are enabled below)
// and enables the memory controller for its children. Anything else: no
// cgroups, the watchdog alone.
type cgroups struct {
	dir string

	mu sync.Mutex
	n  int
}

// cgroupFS are the paths detectCgroups reads (variables for tests).
var (
	procSelfCgroup = "/proc/self/cgroup"
	cgroupRoot     = "/sys/fs/cgroup"
	isCgroup2      = func(dir string) bool {
		var st unix.Statfs_t
		return unix.Statfs(dir, &st) == nil && st.Type == unix.CGROUP2_SUPER_MAGIC
	}
)

// detectCgroups returns the delegated subtree, or nil and why not.
func detectCgroups() (*cgroups, string) {
	b, err := os.ReadFile(procSelfCgroup)
	if err != nil {
		return nil, err.Error()
	}
	rel, why := cgroupPath(b)
	if why != "" {
		return nil, why
	}
	if !isCgroup2(cgroupRoot) {
		return nil, cgroupRoot + " is not cgroup2"
	}
	dir := filepath.Join(cgroupRoot, rel)
	ctrl, err := os.ReadFile(filepath.Join(dir, "cgroup.controllers"))
	if err != nil || !hasWord(string(ctrl), "memory") {
		return nil, "the memory controller is not available to gatehouse's cgroup"
	}
	for _, f := range []string{"", "cgroup.procs", "cgroup.subtree_control"} {
		if unix.Access(filepath.Join(dir, f), unix.W_OK) != nil {
			return nil, "gatehouse's cgroup is not delegated to it (not writable)"
		}
	}
	procs, err := os.ReadFile(filepath.Join(dir, "cgroup.procs"))
	if err != nil {
		return nil, err.Error()
	}
	self := strconv.Itoa(os.Getpid())
	for _, p := range strings.Fields(string(procs)) {
		if p != self {
			return nil, "other processes share gatehouse's cgroup"
		}
	}
	if rel != "/" {
		leaf := filepath.Join(dir, "server")
		if err := os.Mkdir(leaf, 0o755); err != nil && !errors.Is(err, os.ErrExist) {
			return nil, "create a leaf cgroup: " + err.Error()
		}
		if err := os.WriteFile(filepath.Join(leaf, "cgroup.procs"), []byte(self), 0); err != nil {
			return nil, "move into a leaf cgroup: " + err.Error()
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "cgroup.subtree_control"), []byte("+memory"), 0); err != nil {
		return nil, "enable the memory controller: " + err.Error()
	}
	return &cgroups{dir: dir}, ""
}

// cgroupPath parses /proc/self/cgroup: the process's cgroup in a pure v2
// hierarchy ("0::/path"), clean and absolute.
func cgroupPath(b []byte) (string, string) {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 1 || !strings.HasPrefix(lines[0], "0::/") {
		return "", "not a pure cgroup v2 hierarchy"
	}
	rel := strings.TrimPrefix(lines[0], "0::")
	if filepath.Clean(rel) != rel || strings.HasSuffix(rel, " (deleted)") {
		return "", "unexpected cgroup path"
	}
	return rel, ""
}

func hasWord(s, w string) bool {
	for _, f := range strings.Fields(s) {
		if f == w {
			return true
		}
	}
	return false
}

// cgroup is one sandbox's cgroup.
type cgroup struct {
	dir string
	fd  int
}

// create makes a cgroup limited to limit bytes, OOM-killed as a whole.
func (c *cgroups) create(limit int64) (*cgroup, error) {
	c.mu.Lock()
	c.n++
	dir := filepath.Join(c.dir, "fn-"+strconv.Itoa(c.n))
	c.mu.Unlock()
	if err := os.Mkdir(dir, 0o755); err != nil {
		return nil, err
	}
	g := &cgroup{dir: dir, fd: -1}
	for _, kv := range [][2]string{{"memory.max", strconv.FormatInt(limit, 10)}, {"memory.swap.max", "0"}, {"memory.oom.group", "1"}} {
		err := os.WriteFile(filepath.Join(dir, kv[0]), []byte(kv[1]), 0)
		if err != nil && (kv[0] == "memory.max" || !errors.Is(err, os.ErrNotExist)) {
			g.remove()
			return nil, fmt.Errorf("%s: %w", kv[0], err)
		}
	}
	fd, err := unix.Open(dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		g.remove()
		return nil, err
	}
	g.fd = fd
	return g, nil
}

// oomKilled reports whether the kernel killed the group for memory.
func (g *cgroup) oomKilled() bool {
	b, err := os.ReadFile(filepath.Join(g.dir, "memory.events"))
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, " "); ok && k == "oom_kill" {
			n, _ := strconv.Atoi(strings.TrimSpace(v))
			return n > 0
		}
	}
	return false
}

// remove deletes the cgroup once its processes are gone.
func (g *cgroup) remove() {
	if g.fd >= 0 {
		unix.Close(g.fd)
		g.fd = -1
	}
	for k := 0; k < 50; k++ {
		err := os.Remove(g.dir)
		if err == nil || errors.Is(err, os.ErrNotExist) || !errors.Is(err, unix.EBUSY) {
			return
		}
		time.Sleep(10 * time.Millisecond) // the last processes are being reaped
	}
}
