//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package gateway

import "syscall"

// peeker looks at a socket without reading from it or waiting; its
// callback is made once per connection, so a check allocates nothing.
type peeker struct {
	fn   func(fd uintptr)
	buf  [1]byte
	none bool
}

func newPeeker() peeker { return peeker{} }

// quiet reports whether nothing (no byte, no end of stream, no error) is
// waiting to be read on raw.
func (p *peeker) quiet(raw syscall.RawConn) bool {
	if raw == nil {
		return false
	}
	if p.fn == nil {
		p.fn = func(fd uintptr) {
			_, _, err := syscall.Recvfrom(int(fd), p.buf[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
			p.none = err == syscall.EAGAIN || err == syscall.EWOULDBLOCK
		}
	}
	p.none = false
	if err := raw.Control(p.fn); err != nil {
		return false
	}
	return p.none
}
