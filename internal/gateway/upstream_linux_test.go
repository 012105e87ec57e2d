package gateway

import (
	"net"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// WaitDelivered waits until the peer's TCP stack has acknowledged every
// byte (and the FIN, if any) written on c: then a read on the other end
// would see them. A write on loopback is not delivered by the time it
// returns when the machine is busy.
func WaitDelivered(t testing.TB, c net.Conn) {
	t.Helper()
	rc, err := c.(*net.TCPConn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	const finWait1 = 4 // include/net/tcp_states.h: our FIN is not acknowledged yet
	for end := time.Now().Add(10 * time.Second); ; {
		var info *unix.TCPInfo
		var ierr error
		if err := rc.Control(func(fd uintptr) { info, ierr = unix.GetsockoptTCPInfo(int(fd), unix.IPPROTO_TCP, unix.TCP_INFO) }); err != nil || ierr != nil {
			return // closed: nothing more will be delivered
		}
		if info.Unacked == 0 && info.Notsent_bytes == 0 && info.State != finWait1 {
			return
		}
		if time.Now().After(end) {
			t.Fatalf("bytes still unacknowledged after 10s: %+v", info)
		}
		time.Sleep(time.Millisecond)
	}
}
