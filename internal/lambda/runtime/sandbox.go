package runtime

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gatehouse-dev/gatehouse/internal/lambda/runtime/sandboxinit"
)

// Isolation modes (ManagerConfig.Isolation).
const (
	// IsolationSandbox runs every instance in its own bubblewrap sandbox
	// (the default; "" means the same).
	IsolationSandbox = "sandbox"
	// IsolationNone runs instances as plain child processes of the server,
	// with its uid and its view of the filesystem: function code can read
	// everything the server can.
	IsolationNone = "none"
)

// DefaultSandboxUID is the first host uid (and gid) of sandboxes when the
// server runs as root: instance n runs as DefaultSandboxUID+n. The range
// 1879048192–1879113727 (0x70000000 + 65536) is above the container ranges
// systemd hands out and below 2^31 (docs: doc/security.md §1).
const DefaultSandboxUID = 1879048192

// sandboxUIDs is the size of the uid range used when running as root.
const sandboxUIDs = 65536

// The sandbox user, as on AWS (uid=993(sbx_user1051) gid=990).
const (
	sbxUID  = 993
	sbxGID  = 990
	sbxUser = "sbx_user1051"
)

// Where the function's files are inside the sandbox, as on AWS.
const (
	sbxTaskRoot   = "/var/task"
	sbxRuntimeDir = "/var/runtime"
)

// Runtime API address inside the sandbox (AWS: 127.0.0.1:9001).
const sbxRuntimeAPIPort = 9001

// Resource limits inside the sandbox (AWS quotas: 1,024 file descriptors,
// 1,024 processes and threads).
const (
	sbxNofile = 1024
	sbxNproc  = 1024
)

// memoryBackstop is added to MemorySize for RLIMIT_DATA: the watchdog
// (memory.go) enforces MemorySize on resident memory; the rlimit only
// bounds what one process can map between two samples. It must leave room
// for address space that is mapped but never touched, which RLIMIT_DATA
// counts too: thread stacks (node maps ~48 MB of them at start), Go's
// 64 MB heap arenas, the race detector's ~400 MB of shadow maps.
const memoryBackstop = 1 << 30

// SandboxError says why functions cannot run on this host. Invoke returns
// it (wrapped) when the Manager is in sandbox mode and the probe failed.
type SandboxError struct {
	Reason string
}

func (e *SandboxError) Error() string {
	return "functions cannot run isolated on this host: " + e.Reason +
		"; or start gatehouse with --lambda-isolation=none to run functions unisolated (unsafe: function code can then read the server's secrets and data dir)"
}

// sandbox is a Manager's bubblewrap setup.
type sandbox struct {
	bwrap   string
	exe     *os.File // this program, executed inside by descriptor
	etcDir  string   // generated passwd, group, hosts, nsswitch.conf
	root    bool     // bwrap runs as a sandbox uid; sources are staged
	uidBase uint32
	system  []string // bwrap arguments for /usr, /bin, /lib*, /etc

	stageOnce sync.Once
	stage     *stager
	stageErr  error

	cg *cgroups // nil: memory by watchdog only

	mu    sync.Mutex
	slots []bool // uids in use (root)

	hostsMu sync.Mutex
	hosts   string // the content of etcDir/hosts
}

// probes caches the result of trying bwrap, per bwrap path and uid: a test
// binary starts many servers.
var probes sync.Map // string -> error (nil stored as probeOK)

type probeResult struct{ err error }

// newSandbox prepares the bubblewrap setup of a Manager and checks, once
// per process, that a sandbox can start on this host.
func newSandbox(cfg ManagerConfig) (*sandbox, error) {
	bwrap := cfg.Bwrap
	if bwrap == "" {
		p, err := exec.LookPath("bwrap")
		if err != nil {
			return nil, &SandboxError{Reason: "bubblewrap is not installed (no bwrap on PATH); install it: apt-get install bubblewrap (Debian, Ubuntu), dnf install bubblewrap (Fedora, RHEL), apk add bubblewrap (Alpine)"}
		}
		bwrap = p
	}
	exe, err := os.Open("/proc/self/exe")
	if err != nil {
		return nil, &SandboxError{Reason: "cannot open this program's executable: " + err.Error()}
	}
	sb := &sandbox{bwrap: bwrap, exe: exe, root: os.Geteuid() == 0, uidBase: cfg.SandboxUID}
	if sb.uidBase == 0 {
		sb.uidBase = DefaultSandboxUID
	}
	if sb.root && uint64(sb.uidBase)+sandboxUIDs > 1<<31 {
		exe.Close()
		return nil, &SandboxError{Reason: fmt.Sprintf("sandbox uid range %d+%d goes past 2^31", sb.uidBase, sandboxUIDs)}
	}
	if err := sb.writeEtc(cfg.StateDir); err != nil {
		exe.Close()
		return nil, &SandboxError{Reason: "write the sandbox's /etc files: " + err.Error()}
	}
	sb.system = systemArgs()
	key := bwrap + "\x00" + strconv.FormatBool(sb.root) + "\x00" + strconv.FormatUint(uint64(sb.uidBase), 10)
	if v, ok := probes.Load(key); ok {
		if err := v.(probeResult).err; err != nil {
			exe.Close()
			return nil, err
		}
		return sb, nil
	}
	err = sb.probe(cfg.InitTimeout)
	probes.Store(key, probeResult{err})
	if err != nil {
		exe.Close()
		return nil, err
	}
	sb.useCgroups(cfg)
	return sb, nil
}

var (
	cgroupsOnce sync.Once
	cgroupsDir  *cgroups
	cgroupsWhy  string
)

// useCgroups sets up memory cgroups once per process (it may move the
// process into a leaf cgroup) and says which memory limit applies.
func (sb *sandbox) useCgroups(cfg ManagerConfig) {
	first := false
	cgroupsOnce.Do(func() {
		first = true
		cgroupsDir, cgroupsWhy = detectCgroups()
	})
	sb.cg = cgroupsDir
	if !first || cfg.Log == nil {
		return
	}
	if sb.cg != nil {
		cfg.Log.Info("lambda: function memory limited by cgroup v2", "cgroup", sb.cg.dir)
	} else {
		cfg.Log.Debug("lambda: function memory limited by the watchdog and RLIMIT_DATA (no delegated cgroup v2)", "why", cgroupsWhy)
	}
}

// close releases the sandbox after every instance is gone.
func (sb *sandbox) close() {
	if sb.stage != nil {
		sb.stage.close()
	}
	sb.exe.Close()
}

// writeEtc writes the generated /etc files: the sandbox user and loopback
// names only, never the host's passwd or group.
func (sb *sandbox) writeEtc(stateDir string) error {
	if stateDir == "" {
		d, err := os.MkdirTemp("", "gatehouse-sandbox-etc-")
		if err != nil {
			return err
		}
		stateDir = d
	}
	dir := filepath.Join(stateDir, "etc")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	// bwrap running as the server's own uid reads them; as a sandbox uid
	// it reads their staged copy (root): world-readable either way.
	if err := os.Chmod(dir, 0o755); err != nil {
		return err
	}
	files := map[string]string{
		"passwd":        "root:x:0:0:root:/root:/sbin/nologin\n" + sbxUser + ":x:" + strconv.Itoa(sbxUID) + ":" + strconv.Itoa(sbxGID) + "::/tmp:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n",
		"group":         "root:x:0:\n" + sbxUser + ":x:" + strconv.Itoa(sbxGID) + ":\nnogroup:x:65534:\n",
		"hosts":         baseHosts,
		"nsswitch.conf": "passwd: files\ngroup: files\nshadow: files\nhosts: files dns\nnetworks: files\nprotocols: files\nservices: files\n",
		"hostname":      "localhost\n",
	}
	for name, content := range files {
		p := filepath.Join(dir, name)
		if b, err := os.ReadFile(p); err == nil && string(b) == content {
			continue
		}
		if err := os.WriteFile(p+".tmp", []byte(content), 0o644); err != nil {
			return err
		}
		if err := os.Rename(p+".tmp", p); err != nil {
			return err
		}
	}
	sb.etcDir = dir
	sb.hosts = baseHosts
	return nil
}

// baseHosts is the sandbox's /etc/hosts without the names of SetHosts.
const baseHosts = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"

// maxHosts bounds the names written into a sandbox's /etc/hosts.
const maxHosts = 20000

// updateHosts rewrites the sandbox /etc/hosts with names on the loopback
// (where the sandbox serves gatehouse), when they changed. It is replaced
// by a rename: a sandbox binds the file as it is when it starts, and the
// resolver reads it at every lookup. Names that are not plain DNS names
// are left out.
func (sb *sandbox) updateHosts(names []string) error {
	var b strings.Builder
	b.WriteString(baseHosts)
	n := 0
	for _, h := range names {
		if !hostsName(h) || n >= maxHosts {
			continue
		}
		n++
		b.WriteString("127.0.0.1\t" + h + "\n::1\t" + h + "\n")
	}
	content := b.String()
	sb.hostsMu.Lock()
	defer sb.hostsMu.Unlock()
	if content == sb.hosts || sb.etcDir == "" {
		return nil
	}
	p := filepath.Join(sb.etcDir, "hosts")
	if err := os.WriteFile(p+".tmp", []byte(content), 0o644); err != nil {
		return err
	}
	if err := os.Rename(p+".tmp", p); err != nil {
		return err
	}
	sb.hosts = content
	return nil
}

// hostsName reports whether h is a lowercase DNS name fit for /etc/hosts.
func hostsName(h string) bool {
	if h == "" || len(h) > 253 || h[0] == '.' || h[0] == '-' {
		return false
	}
	for k := 0; k < len(h); k++ {
		c := h[k]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

// hostEtc are the host's /etc entries a function may need (TLS roots,
// resolver and loader configuration, time zones): never the whole /etc
// (no shadow, no ssl/private, no credentials of host services).
var hostEtc = []string{
	"/etc/ssl/certs", "/etc/ssl/openssl.cnf", "/etc/ca-certificates", "/etc/pki/tls/certs", "/etc/pki/tls/cert.pem",
	"/etc/pki/ca-trust", "/etc/crypto-policies", "/etc/resolv.conf", "/etc/ld.so.cache", "/etc/ld.so.conf",
	"/etc/ld.so.conf.d", "/etc/alternatives", "/etc/localtime", "/etc/os-release", "/etc/services",
	"/etc/protocols", "/etc/mime.types", "/etc/host.conf", "/etc/gai.conf",
}

// systemArgs binds the host's system directories read-only, keeping the
// symlinks of a merged-/usr layout.
func systemArgs() []string {
	args := []string{"--ro-bind", "/usr", "/usr"}
	for _, d := range []string{"/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"} {
		st, err := os.Lstat(d)
		switch {
		case err != nil:
		case st.Mode()&os.ModeSymlink != 0:
			if t, err := os.Readlink(d); err == nil {
				args = append(args, "--symlink", t, d)
			}
		case st.IsDir():
			args = append(args, "--ro-bind", d, d)
		}
	}
	for _, p := range hostEtc {
		args = append(args, "--ro-bind-try", p, p)
	}
	return args
}

// underSystem reports whether p is already visible through systemArgs.
func underSystem(p string) bool {
	for _, d := range []string{"/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"} {
		if p == d || strings.HasPrefix(p, d+"/") {
			return true
		}
	}
	return false
}

// stager returns the root-mode staging area, started on first use.
func (sb *sandbox) stager() (*stager, error) {
	sb.stageOnce.Do(func() { sb.stage, sb.stageErr = newStager() })
	return sb.stage, sb.stageErr
}

// acquireUID reserves a host uid for an instance (root mode).
func (sb *sandbox) acquireUID() (uint32, int, error) {
	sb.mu.Lock()
	defer sb.mu.Unlock()
	for k, used := range sb.slots {
		if !used {
			sb.slots[k] = true
			return sb.uidBase + uint32(k), k, nil
		}
	}
	if len(sb.slots) >= sandboxUIDs-1 { // the last one is the probe's
		return 0, -1, errors.New("no free sandbox uid")
	}
	sb.slots = append(sb.slots, true)
	k := len(sb.slots) - 1
	return sb.uidBase + uint32(k), k, nil
}

func (sb *sandbox) releaseUID(k int) {
	if k < 0 {
		return
	}
	sb.mu.Lock()
	sb.slots[k] = false
	sb.mu.Unlock()
}

// bind is a read-only bind mount: src on the host, dest in the sandbox.
type bind struct{ src, dest string }

// launch describes one sandbox to start.
type launch struct {
	taskRoot   string // host path, bound at /var/task ("" for none)
	runtimeDir string // host path, bound at /var/runtime ("" for none)
	optDir     string // host path, bound at /opt ("" for none)
	prefixes   []bind // interpreters' install prefixes
	tmpBytes   int64  // size of /tmp
	apiPort    int
	epPort     int      // 0: no gatehouse endpoint
	tlsPort    int      // 0: no TLS endpoint
	hosts      []string // names on the loopback in /etc/hosts
	dataLimit  uint64   // RLIMIT_DATA, 0: none
	cgLimit    int64    // memory.max of its cgroup, 0: none
	argv       []string
	probe      bool
}

// command builds the bwrap command line. The sources are paths bwrap can
// open (staged copies in root mode).
func (sb *sandbox) command(l *launch, etc string) (opts []string, cmdline []string) {
	opts = []string{
		"--unshare-user", "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try",
		"--disable-userns",
		"--uid", strconv.Itoa(sbxUID), "--gid", strconv.Itoa(sbxGID),
		"--hostname", "localhost",
		"--die-with-parent", "--new-session", "--cap-drop", "ALL",
	}
	opts = append(opts, sb.system...)
	opts = append(opts,
		"--ro-bind", etc+"/passwd", "/etc/passwd",
		"--ro-bind", etc+"/group", "/etc/group",
		"--ro-bind", etc+"/hosts", "/etc/hosts",
		"--ro-bind", etc+"/nsswitch.conf", "/etc/nsswitch.conf",
		"--ro-bind", etc+"/hostname", "/etc/hostname",
		// /dev is a tmpfs of bwrap's: read-only, or /dev/shm would be an
		// unbounded /tmp.
		"--proc", "/proc", "--dev", "/dev", "--remount-ro", "/dev",
	)
	tmp := l.tmpBytes
	if tmp <= 0 {
		tmp = 512 << 20
	}
	opts = append(opts, "--perms", "1777", "--size", strconv.FormatInt(tmp, 10), "--tmpfs", "/tmp")
	if l.taskRoot != "" {
		opts = append(opts, "--ro-bind", l.taskRoot, sbxTaskRoot)
	} else {
		opts = append(opts, "--dir", sbxTaskRoot)
	}
	if l.runtimeDir != "" {
		opts = append(opts, "--ro-bind", l.runtimeDir, sbxRuntimeDir)
		// The runtime's SDK (gatehouse runtimes install) for ES modules
		// too: their bare imports ignore NODE_PATH and resolve up from
		// /var/task, ending at /node_modules.
		opts = append(opts, "--ro-bind-try", filepath.Join(l.runtimeDir, "node_modules"), "/node_modules")
	}
	for _, b := range l.prefixes {
		opts = append(opts, "--ro-bind", b.src, b.dest)
	}
	if l.optDir != "" {
		// The layers, after the system binds: they replace whatever the
		// host has at /opt, as /opt is the layers' on AWS.
		opts = append(opts, "--ro-bind", l.optDir, "/opt")
	}
	opts = append(opts, "--chdir", sbxTaskRoot, "--remount-ro", "/")

	// fd 3: these options; fd 4: the control socket; fd 5: this program.
	cmdline = []string{"--args", "3", "--", "/proc/self/fd/5", sandboxinit.Marker}
	if l.probe {
		cmdline = append(cmdline, "probe")
	}
	cmdline = append(cmdline, "ctl=4", "api=127.0.0.1:"+strconv.Itoa(l.apiPort))
	if l.epPort > 0 {
		cmdline = append(cmdline, "ep="+strconv.Itoa(l.epPort))
	}
	if l.tlsPort > 0 {
		cmdline = append(cmdline, "tls="+strconv.Itoa(l.tlsPort))
	}
	if l.dataLimit > 0 {
		cmdline = append(cmdline, "data="+strconv.FormatUint(l.dataLimit, 10))
	}
	if !l.probe {
		cmdline = append(cmdline, "nofile="+strconv.Itoa(sbxNofile), "nproc="+strconv.Itoa(sbxNproc), "--")
		cmdline = append(cmdline, l.argv...)
	}
	return opts, cmdline
}

// proc is a started sandbox.
type proc struct {
	cmd  *exec.Cmd
	ctl  *os.File // server end of the control socket
	uid  int      // slot of the host uid (root), -1 otherwise
	task string   // staged task root to release (root), "" otherwise
	cg   *cgroup  // its memory cgroup, nil if none
	// received is closed once receive has read the hand-over (or given
	// up): until then the control socket's next message is the
	// hand-over, and the exit watcher must not read it (pendingExecError).
	received     chan struct{}
	receivedOnce sync.Once
}

// start starts bwrap for l with stdout and stderr going to out. The caller
// reads the init's hand-over from p.ctl.
func (sb *sandbox) start(l *launch, out *os.File, env []string) (p *proc, err error) {
	p = &proc{uid: -1, received: make(chan struct{})}
	defer func() {
		if err != nil {
			sb.release(p)
		}
	}()
	if err := sb.updateHosts(l.hosts); err != nil {
		return nil, fmt.Errorf("sandbox /etc/hosts: %w", err)
	}
	etc := sb.etcDir
	var cred *syscall.Credential
	var st *stager
	if sb.root {
		// bwrap runs as an unprivileged host uid: it cannot traverse the
		// data dir (0700) or /root, so what it binds is staged first.
		if st, err = sb.stager(); err != nil {
			return nil, err
		}
		if etc, err = st.static(sb.etcDir); err != nil {
			return nil, err
		}
		if l.runtimeDir != "" {
			if l.runtimeDir, err = st.static(l.runtimeDir); err != nil {
				return nil, err
			}
		}
		if l.optDir != "" {
			// Merged layers are content-addressed and never change.
			if l.optDir, err = st.static(l.optDir); err != nil {
				return nil, err
			}
		}
		for k, b := range l.prefixes {
			if l.prefixes[k].src, err = st.static(b.src); err != nil {
				return nil, err
			}
		}
		if l.taskRoot != "" {
			if p.task, err = st.instance(l.taskRoot); err != nil {
				return nil, err
			}
			l.taskRoot = p.task
		}
		var uid uint32
		if l.probe {
			uid = sb.uidBase + sandboxUIDs - 1
		} else if uid, p.uid, err = sb.acquireUID(); err != nil {
			return nil, err
		}
		cred = &syscall.Credential{Uid: uid, Gid: uid, Groups: []uint32{}}
	}
	opts, cmdline := sb.command(l, etc)

	var buf bytes.Buffer
	for _, o := range opts {
		buf.WriteString(o)
		buf.WriteByte(0)
	}
	ar, aw, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	defer ar.Close()
	if buf.Len() > 60<<10 {
		aw.Close()
		return nil, errors.New("sandbox options too long")
	}
	// Fits the pipe buffer: written before bwrap starts.
	_, werr := aw.Write(buf.Bytes())
	aw.Close()
	if werr != nil {
		return nil, werr
	}
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	// The kernel attaches the sender's pid (in our pid namespace) to what
	// the init sends: the runtime's host pid.
	if err := unix.SetsockoptInt(fds[0], unix.SOL_SOCKET, unix.SO_PASSCRED, 1); err != nil {
		unix.Close(fds[0])
		unix.Close(fds[1])
		return nil, err
	}
	_ = unix.SetNonblock(fds[0], true)
	p.ctl = os.NewFile(uintptr(fds[0]), "sandbox-ctl")
	child := os.NewFile(uintptr(fds[1]), "sandbox-ctl-child")
	defer child.Close()

	if sb.cg != nil && l.cgLimit > 0 {
		// Without it the watchdog still applies: not a reason to refuse.
		p.cg, _ = sb.cg.create(l.cgLimit)
	}
	run := func() error {
		cmd := exec.Command(sb.bwrap, cmdline...)
		cmd.Dir = "/"
		cmd.Env = env
		cmd.Stdout, cmd.Stderr = out, out
		cmd.ExtraFiles = []*os.File{ar, child, sb.exe}
		// Own process group (killed as a whole), killed with the server.
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL, Credential: cred}
		if p.cg != nil {
			cmd.SysProcAttr.UseCgroupFD, cmd.SysProcAttr.CgroupFD = true, p.cg.fd
		}
		p.cmd = cmd
		return cmd.Start()
	}
	start := run
	if st != nil {
		// From the staging thread: bwrap must see its mount namespace.
		start = func() error { return st.do(run) }
	}
	if err = start(); err != nil && p.cg != nil {
		// Kernels before 5.7 cannot start a process in a cgroup.
		p.cg.remove()
		p.cg = nil
		err = start()
	}
	if err != nil {
		p.cmd = nil
		return nil, err
	}
	return p, nil
}

// release frees what start reserved; the process must be gone.
func (sb *sandbox) release(p *proc) {
	if p == nil {
		return
	}
	if p.ctl != nil {
		p.ctl.Close()
	}
	if p.cg != nil {
		p.cg.remove()
		p.cg = nil
	}
	if p.task != "" && sb.stage != nil {
		sb.stage.release(p.task)
		p.task = ""
	}
	sb.releaseUID(p.uid)
	p.uid = -1
}

// handover is what the init sent once its listeners were ready.
type handover struct {
	pid int // host pid of the init, then of the runtime
	api net.Listener
	ep  []net.Listener
	tls []net.Listener
}

// receive reads the init's hand-over until deadline.
func (p *proc) receive(deadline time.Time) (*handover, error) {
	defer p.receivedOnce.Do(func() {
		if p.received != nil {
			close(p.received)
		}
	})
	if err := p.ctl.SetReadDeadline(deadline); err != nil {
		return nil, err
	}
	msg, fds, pid, err := recvCtl(p.ctl, false)
	if err != nil {
		return nil, err
	}
	h, err := parseHandover(msg, fds)
	if err != nil {
		for _, fd := range fds {
			unix.Close(fd)
		}
		return nil, err
	}
	h.pid = pid
	return h, nil
}

// parseHandover checks the init's message: "ok", then one name per
// descriptor ("api" once, then "ep" up to twice, then "tls" up to twice).
func parseHandover(msg []byte, fds []int) (*handover, error) {
	if err := checkHandover(msg, len(fds)); err != nil {
		return nil, err
	}
	h := &handover{}
	names := strings.Split(string(msg), "\x00")
	for k, fd := range fds {
		f := os.NewFile(uintptr(fd), "sandbox-listener")
		ln, err := net.FileListener(f)
		f.Close()
		if err != nil {
			h.closeFrom(k+1, fds)
			return nil, fmt.Errorf("sandbox init: listener: %w", err)
		}
		switch {
		case k == 0:
			h.api = ln
		case names[k+1] == "tls":
			h.tls = append(h.tls, ln)
		default:
			h.ep = append(h.ep, ln)
		}
	}
	return h, nil
}

// checkHandover validates the hand-over message for n descriptors.
func checkHandover(msg []byte, n int) error {
	names := strings.Split(string(msg), "\x00")
	if len(names) < 2 || names[0] != "ok" || names[1] != "api" || len(names)-1 != n || n > 5 {
		return fmt.Errorf("sandbox init: unexpected message %q with %d descriptors", truncate(msg, 64), n)
	}
	// "ep" up to twice, then "tls" up to twice (IPv4, then IPv6 loopback).
	count := map[string]int{}
	last := "ep"
	for _, name := range names[2:] {
		count[name]++
		if name != "ep" && name != "tls" || count[name] > 2 || name == "ep" && last == "tls" {
			return fmt.Errorf("sandbox init: unexpected message %q", truncate(msg, 64))
		}
		last = name
	}
	return nil
}

func (h *handover) closeFrom(k int, fds []int) {
	if h.api != nil {
		h.api.Close()
	}
	for _, ln := range h.ep {
		ln.Close()
	}
	for _, ln := range h.tls {
		ln.Close()
	}
	for _, fd := range fds[k:] {
		unix.Close(fd)
	}
}

func truncate(b []byte, n int) []byte {
	if len(b) > n {
		return b[:n]
	}
	return b
}

// recvCtl reads one message from the control socket with its descriptors
// and the sender's pid; with nowait, only a message already there.
func recvCtl(f *os.File, nowait bool) (msg []byte, fds []int, pid int, err error) {
	sc, err := f.SyscallConn()
	if err != nil {
		return nil, nil, 0, err
	}
	buf := make([]byte, 4096)
	oob := make([]byte, unix.CmsgSpace(8*4)+unix.CmsgSpace(unix.SizeofUcred))
	var n, oobn int
	var rerr error
	if nowait {
		err = sc.Control(func(fd uintptr) {
			n, oobn, _, _, rerr = unix.Recvmsg(int(fd), buf, oob, unix.MSG_CMSG_CLOEXEC|unix.MSG_DONTWAIT)
		})
	} else {
		err = sc.Read(func(fd uintptr) bool {
			n, oobn, _, _, rerr = unix.Recvmsg(int(fd), buf, oob, unix.MSG_CMSG_CLOEXEC)
			return rerr != unix.EAGAIN
		})
	}
	if err == nil {
		err = rerr
	}
	if err != nil {
		return nil, nil, 0, err
	}
	if n == 0 && oobn == 0 {
		return nil, nil, 0, errEOF
	}
	cmsgs, err := unix.ParseSocketControlMessage(oob[:oobn])
	if err != nil {
		return nil, nil, 0, err
	}
	for _, c := range cmsgs {
		if c.Header.Level != unix.SOL_SOCKET {
			continue
		}
		switch c.Header.Type {
		case unix.SCM_RIGHTS:
			r, err := unix.ParseUnixRights(&c)
			if err == nil {
				fds = append(fds, r...)
			}
		case unix.SCM_CREDENTIALS:
			if cr, err := unix.ParseUnixCredentials(&c); err == nil {
				pid = int(cr.Pid)
			}
		}
	}
	return buf[:n], fds, pid, nil
}

var errEOF = errors.New("sandbox closed its control socket")

// pendingExecError returns the init's report of a failed exec, if one is
// waiting on the control socket. The init sends the hand-over before it
// executes the runtime, so a runtime that fails to start can exit before
// receive has read the hand-over: the report is read only after it.
func (p *proc) pendingExecError() string {
	if p == nil || p.ctl == nil {
		return ""
	}
	if p.received != nil {
		<-p.received
	}
	msg, fds, _, err := recvCtl(p.ctl, true)
	for _, fd := range fds {
		unix.Close(fd)
	}
	if err != nil {
		return ""
	}
	if kind, text, ok := strings.Cut(string(msg), "\x00"); ok && kind == "exec" && len(text) < 4096 {
		return text
	}
	return ""
}

// probe starts a minimal sandbox whose init creates a listener, hands it
// over and exits: the proof that bwrap, user namespaces and the init work
// here. Its failure is the reason functions will not run.
func (sb *sandbox) probe(timeout time.Duration) error {
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		return &SandboxError{Reason: err.Error()}
	}
	var out bytes.Buffer
	done := make(chan struct{})
	go func() {
		defer close(done)
		b := make([]byte, 4096)
		for {
			n, err := pr.Read(b)
			if out.Len() < 16<<10 {
				out.Write(b[:n])
			}
			if err != nil {
				return
			}
		}
	}()
	env := []string{"PATH=/usr/bin:/bin"}
	p, err := sb.start(&launch{probe: true, apiPort: sbxRuntimeAPIPort, tmpBytes: 1 << 20}, pw, env)
	pw.Close()
	if err != nil {
		pr.Close()
		<-done
		return &SandboxError{Reason: "cannot start bwrap (" + sb.bwrap + "): " + err.Error()}
	}
	defer sb.release(p)
	h, herr := p.receive(time.Now().Add(timeout))
	if herr != nil {
		_ = p.cmd.Process.Kill()
	}
	werr := p.cmd.Wait()
	<-done
	pr.Close()
	if h != nil {
		h.closeFrom(0, nil)
	}
	if herr != nil || werr != nil {
		return &SandboxError{Reason: probeReason(sb, strings.TrimSpace(out.String()), herr, werr)}
	}
	return nil
}

// probeReason explains a failed probe with what to do about it.
func probeReason(sb *sandbox, out string, herr, werr error) string {
	who := "this user"
	if sb.root {
		who = fmt.Sprintf("the sandbox uid %d", sb.uidBase+sandboxUIDs-1)
	}
	line := out
	if i := strings.IndexByte(line, '\n'); i >= 0 {
		line = line[:i]
	}
	if line == "" {
		line = fmt.Sprint(werr)
		if herr != nil {
			line = herr.Error()
		}
	}
	low := strings.ToLower(out)
	if strings.Contains(low, "namespace") || strings.Contains(low, "uid map") || strings.Contains(low, "operation not permitted") || strings.Contains(low, "permission denied") {
		return fmt.Sprintf("bubblewrap cannot create user namespaces for %s (%s); allow unprivileged user namespaces (sysctl user.max_user_namespaces=15000, and kernel.unprivileged_userns_clone=1 on kernels that have it; on Ubuntu 23.10 and later the AppArmor profile for bwrap must be loaded: apparmor_parser -r /etc/apparmor.d/bwrap-userns-restrict)", who, line)
	}
	return fmt.Sprintf("a test sandbox failed (%s: %s)", sb.bwrap, line)
}

// endpointPort is the port of the server's URL, which functions reach
// inside their sandbox at 127.0.0.1 on the same port.
func endpointPort(endpoint string) int {
	if endpoint == "" {
		return 0
	}
	u, err := url.Parse(endpoint)
	if err != nil {
		return 0
	}
	port, err := strconv.Atoi(u.Port())
	if err != nil || port <= 0 || port > 65535 {
		return 0
	}
	return port
}

// SandboxEndpoint is the URL a sandboxed function reaches the server at:
// the server's port on the sandbox's own loopback (the only network it
// has). "" when endpoint has no port.
func SandboxEndpoint(endpoint string) string {
	port := endpointPort(endpoint)
	if port == 0 {
		return ""
	}
	u, _ := url.Parse(endpoint)
	return u.Scheme + "://127.0.0.1:" + strconv.Itoa(port)
}

// apiPort is the Runtime API's port inside a sandbox: 9001 as on AWS,
// unless the server itself listens on 9001.
func apiPort(epPort int) int {
	if epPort == sbxRuntimeAPIPort {
		return sbxRuntimeAPIPort + 1
	}
	return sbxRuntimeAPIPort
}
