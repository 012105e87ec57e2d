package runtime

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"

	"golang.org/x/sys/unix"
)

// stager gives bubblewrap, which runs as an unprivileged sandbox uid when
// the server is root, read-only copies (bind mounts) of directories it
// could not traverse: code under the 0700 data dir, interpreters under
// /root. The mounts live in a private mount namespace of one dedicated OS
// thread, which also starts bwrap (so bwrap sees them); the host's mount
// table never changes, and everything goes away with the thread.
//
// bwrap's --ro-bind-fd cannot do this: it resolves the descriptor back to
// a path and opens that path as the unprivileged uid.
type stager struct {
	base string // host directory; a tmpfs in the thread's namespace
	reqs chan func()
	// quit stops the staging thread. reqs itself is never closed: an
	// instance may still be releasing its root while the manager closes,
	// and a send on a closed channel panics (a race seen in CI).
	quit      chan struct{}
	closeOnce sync.Once
	done      chan struct{}

	mu      sync.Mutex
	statics map[string]string // host path -> staged path
	n       int
}

func newStager() (*stager, error) {
	base, err := os.MkdirTemp("", "gatehouse-stage-")
	if err != nil {
		return nil, err
	}
	if err := os.Chmod(base, 0o755); err != nil {
		os.Remove(base)
		return nil, err
	}
	st := &stager{base: base, reqs: make(chan func()), quit: make(chan struct{}), done: make(chan struct{}), statics: map[string]string{}}
	ready := make(chan error, 1)
	go st.run(ready)
	if err := <-ready; err != nil {
		os.Remove(base)
		return nil, fmt.Errorf("sandbox staging: %w", err)
	}
	return st, nil
}

// run owns the staging thread. It never unlocks it: when run returns, Go
// terminates the thread and its mount namespace goes with it.
func (st *stager) run(ready chan<- error) {
	runtime.LockOSThread()
	// The main thread's namespace is the process's (/proc/self/mounts,
	// and what Go uses after the other threads exit): never that one.
	if unix.Gettid() == unix.Getpid() {
		go st.run(ready)
		runtime.UnlockOSThread()
		return
	}
	defer close(st.done)
	if err := unix.Unshare(unix.CLONE_NEWNS); err != nil {
		ready <- fmt.Errorf("unshare mount namespace: %w", err)
		return
	}
	// Host mounts still propagate in; ours never propagate out.
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_SLAVE, ""); err != nil {
		ready <- fmt.Errorf("make mounts private: %w", err)
		return
	}
	if err := unix.Mount("gatehouse-stage", st.base, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, "mode=0755,size=1m"); err != nil {
		ready <- fmt.Errorf("mount staging tmpfs: %w", err)
		return
	}
	ready <- nil
	for {
		select {
		case f := <-st.reqs:
			f()
		case <-st.quit:
			return
		}
	}
}

// do runs f on the staging thread.
func (st *stager) do(f func() error) error {
	errc := make(chan error, 1)
	select {
	case st.reqs <- func() { errc <- f() }:
	case <-st.done:
		return errors.New("sandbox staging stopped")
	}
	return <-errc
}

// static stages a directory (or file) shared by all instances: kept until
// the stager closes.
func (st *stager) static(src string) (string, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if p, ok := st.statics[src]; ok {
		return p, nil
	}
	st.n++
	dst := filepath.Join(st.base, "s"+strconv.Itoa(st.n))
	if err := st.do(func() error { return stageBind(src, dst) }); err != nil {
		return "", err
	}
	st.statics[src] = dst
	return dst, nil
}

// instance stages a task root for one instance; release undoes it.
func (st *stager) instance(src string) (string, error) {
	st.mu.Lock()
	st.n++
	dst := filepath.Join(st.base, "i"+strconv.Itoa(st.n))
	st.mu.Unlock()
	if err := st.do(func() error { return stageBind(src, dst) }); err != nil {
		return "", err
	}
	return dst, nil
}

func (st *stager) release(dst string) {
	_ = st.do(func() error {
		_ = unix.Unmount(dst, unix.MNT_DETACH)
		return os.Remove(dst)
	})
}

func (st *stager) close() {
	st.closeOnce.Do(func() { close(st.quit) })
	<-st.done
	os.Remove(st.base)
}

// stageBind bind-mounts src read-only on dst (created), on the staging
// thread. src is opened without following symlinks in any component, and
// the mount is made from that descriptor: what is checked is what is
// mounted.
func stageBind(src, dst string) error {
	fd, err := unix.Openat2(unix.AT_FDCWD, src, &unix.OpenHow{Flags: unix.O_PATH | unix.O_CLOEXEC, Resolve: unix.RESOLVE_NO_SYMLINKS | unix.RESOLVE_NO_MAGICLINKS})
	if errors.Is(err, unix.ENOSYS) {
		// Kernels before 5.6: the path was resolved (EvalSymlinks) by the caller.
		fd, err = unix.Open(src, unix.O_PATH|unix.O_CLOEXEC|unix.O_NOFOLLOW, 0)
	}
	if err != nil {
		return fmt.Errorf("stage %s: %w", src, err)
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return fmt.Errorf("stage %s: %w", src, err)
	}
	if st.Mode&unix.S_IFMT == unix.S_IFDIR {
		err = os.Mkdir(dst, 0o755)
	} else {
		var f *os.File
		f, err = os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
		if err == nil {
			f.Close()
		}
	}
	if err != nil {
		return err
	}
	if err := unix.Mount("/proc/self/fd/"+strconv.Itoa(fd), dst, "", unix.MS_BIND, ""); err != nil {
		os.Remove(dst)
		return fmt.Errorf("stage %s: bind: %w", src, err)
	}
	// Read-only, and never more than the source allows.
	flags := uintptr(unix.MS_REMOUNT | unix.MS_BIND | unix.MS_RDONLY | unix.MS_NOSUID | unix.MS_NODEV)
	var sfs unix.Statfs_t
	if unix.Fstatfs(fd, &sfs) == nil && sfs.Flags&unix.ST_NOEXEC != 0 {
		flags |= unix.MS_NOEXEC
	}
	if err := unix.Mount("", dst, "", flags, ""); err != nil {
		_ = unix.Unmount(dst, unix.MNT_DETACH)
		os.Remove(dst)
		return fmt.Errorf("stage %s: read-only: %w", src, err)
	}
	return nil
}
