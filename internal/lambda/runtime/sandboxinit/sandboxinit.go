// Package sandboxinit is the first program a Lambda sandbox runs: the
// gatehouse binary itself (or a test binary linking package runtime),
// executed by bubblewrap through an inherited file descriptor, so that no
// host path of it has to exist inside the sandbox.
//
// It does what must happen inside the sandbox's network namespace and
// cannot be done by bubblewrap: it creates the listening sockets of the
// Runtime API (127.0.0.1:9001, as on AWS) and of gatehouse's own endpoint
// (127.0.0.1:<the server's port>), hands them to the server over an
// inherited unix socket (SCM_RIGHTS; the kernel attaches its host pid with
// SO_PASSCRED), sets the function's resource limits and executes the
// runtime. The server owns the listeners: only processes in this sandbox
// can connect to them, and nothing outside can reach another instance's
// Runtime API.
//
// The package only has an init function. It takes over the process when
// os.Args[1] is Marker; otherwise it does nothing. It imports as little as
// possible because its cost is paid by every cold start.
package sandboxinit

import (
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// Marker is os.Args[1] of a sandbox init.
const Marker = "__gatehouse-sandbox-init"

// Exit codes when the init itself fails (the function's log shows why).
const (
	exitSetup = 126 // the sandbox could not be prepared
	exitExec  = 127 // the runtime could not be executed
)

func init() {
	if len(os.Args) < 2 || os.Args[1] != Marker {
		return
	}
	os.Exit(run(os.Args[2:]))
}

// config is the init's command line:
//
//	Marker [probe] ctl=FD api=ADDR [ep=PORT] [tls=PORT] [data=BYTES] [nofile=N] [nproc=N] -- ARGV...
type config struct {
	probe       bool
	ctl         int
	api         string
	epPort      int
	tlsPort     int // 0: none
	data        uint64
	nofile      uint64
	nproc       uint64
	argv        []string
	haveLimits  bool
	haveNofile  bool
	haveNproc   bool
	haveEndport bool
}

func parse(args []string) (*config, string) {
	c := &config{ctl: -1}
	for i, a := range args {
		if a == "--" {
			c.argv = args[i+1:]
			break
		}
		if a == "probe" {
			c.probe = true
			continue
		}
		k, v, ok := strings.Cut(a, "=")
		if !ok {
			return nil, "unexpected argument " + strconv.Quote(a)
		}
		n, err := strconv.ParseUint(v, 10, 64)
		switch k {
		case "ctl":
			if err != nil || n < 3 || n > 1<<20 {
				return nil, "bad ctl"
			}
			c.ctl = int(n)
		case "api":
			c.api = v
		case "ep":
			if err != nil || n == 0 || n > 65535 {
				return nil, "bad ep"
			}
			c.epPort, c.haveEndport = int(n), true
		case "tls":
			if err != nil || n == 0 || n > 65535 {
				return nil, "bad tls"
			}
			c.tlsPort = int(n)
		case "data":
			if err != nil {
				return nil, "bad data"
			}
			c.data, c.haveLimits = n, true
		case "nofile":
			if err != nil {
				return nil, "bad nofile"
			}
			c.nofile, c.haveNofile = n, true
		case "nproc":
			if err != nil {
				return nil, "bad nproc"
			}
			c.nproc, c.haveNproc = n, true
		default:
			return nil, "unknown option " + strconv.Quote(k)
		}
	}
	if c.ctl < 0 || c.api == "" {
		return nil, "ctl and api are required"
	}
	if !c.probe && len(c.argv) == 0 {
		return nil, "no command"
	}
	return c, ""
}

func fail(code int, msg string) int {
	_, _ = os.Stderr.WriteString("gatehouse sandbox init: " + msg + "\n")
	return code
}

func run(args []string) int {
	// Everything below (no_new_privs, the exec) must happen on one thread.
	runtime.LockOSThread()
	c, bad := parse(args)
	if c == nil {
		return fail(exitSetup, bad)
	}
	if typ, err := unix.GetsockoptInt(c.ctl, unix.SOL_SOCKET, unix.SO_TYPE); err != nil || typ != unix.SOCK_SEQPACKET {
		return fail(exitSetup, "fd "+strconv.Itoa(c.ctl)+" is not the control socket")
	}
	names := []string{"ok"}
	var fds []int
	fd, err := listen(c.api)
	if err != nil {
		return fail(exitSetup, "listen "+c.api+": "+err.Error())
	}
	names, fds = append(names, "api"), append(fds, fd)
	if c.haveEndport {
		port := strconv.Itoa(c.epPort)
		fd, err := listen("127.0.0.1:" + port)
		if err != nil {
			return fail(exitSetup, "listen 127.0.0.1:"+port+": "+err.Error())
		}
		names, fds = append(names, "ep"), append(fds, fd)
		// Best effort: IPv6 loopback may be disabled.
		if fd, err := listen("[::1]:" + port); err == nil {
			names, fds = append(names, "ep"), append(fds, fd)
		}
	}
	if c.tlsPort > 0 && c.tlsPort != c.epPort {
		port := strconv.Itoa(c.tlsPort)
		fd, err := listen("127.0.0.1:" + port)
		if err != nil {
			return fail(exitSetup, "listen 127.0.0.1:"+port+": "+err.Error())
		}
		names, fds = append(names, "tls"), append(fds, fd)
		if fd, err := listen("[::1]:" + port); err == nil {
			names, fds = append(names, "tls"), append(fds, fd)
		}
	}
	if err := unix.Sendmsg(c.ctl, []byte(strings.Join(names, "\x00")), unix.UnixRights(fds...), nil, 0); err != nil {
		return fail(exitSetup, "hand over listeners: "+err.Error())
	}
	for _, fd := range fds {
		unix.Close(fd)
	}
	if c.probe {
		return 0
	}
	if c.haveLimits {
		// A hard limit the function cannot raise: the backstop of the
		// server's memory watchdog (see package runtime).
		if err := unix.Setrlimit(unix.RLIMIT_DATA, &unix.Rlimit{Cur: c.data, Max: c.data}); err != nil {
			return fail(exitSetup, "RLIMIT_DATA: "+err.Error())
		}
	}
	if c.haveNofile {
		if err := unix.Setrlimit(unix.RLIMIT_NOFILE, &unix.Rlimit{Cur: c.nofile, Max: c.nofile}); err != nil {
			return fail(exitSetup, "RLIMIT_NOFILE: "+err.Error())
		}
	}
	if c.haveNproc {
		if err := unix.Setrlimit(unix.RLIMIT_NPROC, &unix.Rlimit{Cur: c.nproc, Max: c.nproc}); err != nil {
			return fail(exitSetup, "RLIMIT_NPROC: "+err.Error())
		}
	}
	_ = unix.Setrlimit(unix.RLIMIT_CORE, &unix.Rlimit{})
	// bubblewrap already set it; it is per thread, so make sure of the one
	// that executes the runtime.
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return fail(exitSetup, "no_new_privs: "+err.Error())
	}
	// Nothing inherited reaches the runtime but stdin, stdout and stderr:
	// not the control socket, not the descriptor of this binary.
	if err := unix.CloseRange(3, ^uint(0), unix.CLOSE_RANGE_CLOEXEC); err != nil {
		for fd := 3; fd < 1024; fd++ {
			unix.CloseOnExec(fd)
		}
	}
	err = syscall.Exec(c.argv[0], c.argv, os.Environ())
	// As Lambda reports it (spec/lambda.md §1.10): "fork/exec PATH: ERR".
	msg := "fork/exec " + c.argv[0] + ": " + err.Error()
	_ = unix.Sendmsg(c.ctl, []byte("exec\x00"+msg), nil, nil, 0)
	return exitExec
}

// listen opens a listening TCP socket on a loopback literal address.
func listen(addr string) (int, error) {
	i := strings.LastIndexByte(addr, ':')
	if i < 0 {
		return -1, syscall.EINVAL
	}
	host, ps := strings.Trim(addr[:i], "[]"), addr[i+1:]
	port, err := strconv.Atoi(ps)
	if err != nil || port <= 0 || port > 65535 {
		return -1, syscall.EINVAL
	}
	var sa unix.Sockaddr
	family := unix.AF_INET
	switch host {
	case "127.0.0.1":
		sa = &unix.SockaddrInet4{Port: port, Addr: [4]byte{127, 0, 0, 1}}
	case "::1":
		family = unix.AF_INET6
		sa = &unix.SockaddrInet6{Port: port, Addr: [16]byte{15: 1}}
	default:
		return -1, syscall.EINVAL
	}
	fd, err := unix.Socket(family, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, err
	}
	_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1)
	if family == unix.AF_INET6 {
		_ = unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, 1)
	}
	if err := unix.Bind(fd, sa); err != nil {
		unix.Close(fd)
		return -1, err
	}
	if err := unix.Listen(fd, unix.SOMAXCONN); err != nil {
		unix.Close(fd)
		return -1, err
	}
	return fd, nil
}
