package server

import (
	"net"
	"syscall"
)

func listen(addr string) (net.Listener, error) { return net.Listen("tcp", addr) }

// errTooManyFiles is the Accept error net/http also retries after a pause.
var errTooManyFiles error = syscall.EMFILE
