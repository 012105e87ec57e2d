package runtime

import (
	"net"
	"os"
	goruntime "runtime"
	"strconv"

	"golang.org/x/sys/unix"
)

// httpsPort is where clients that drop a URL's port connect: the
// cfn-response handlers (AWS's cfn-response module, the CDK's providers)
// PUT a custom resource's answer with https.request and the ResponseURL's
// hostname only, so port 443 whatever port the URL names.
const httpsPort = 443

// listenInNetns opens a TCP listener on addr in the network namespace of
// process pid (a sandbox's init): the sandbox's loopback. It takes
// privileges the sandbox does not have (joining the namespace, binding a
// port below 1024), so only a server running as root can: the init,
// without capabilities, cannot bind 443 itself.
func listenInNetns(pid int, addr string) (net.Listener, error) {
	ns, err := os.Open("/proc/" + strconv.Itoa(pid) + "/ns/net")
	if err != nil {
		return nil, err
	}
	defer ns.Close()
	type result struct {
		ln  net.Listener
		err error
	}
	ch := make(chan result, 1)
	go func() {
		// The thread joins the sandbox's namespace and never leaves it:
		// it stays locked, so it ends with this goroutine instead of
		// going back to the scheduler.
		goruntime.LockOSThread()
		if err := unix.Setns(int(ns.Fd()), unix.CLONE_NEWNET); err != nil {
			ch <- result{nil, err}
			return
		}
		ln, err := net.Listen("tcp", addr)
		ch <- result{ln, err}
	}()
	r := <-ch
	return r.ln, r.err
}
