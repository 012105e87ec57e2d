//go:build !linux

package gateway

import (
	"net"
	"testing"
)

func WaitDelivered(t testing.TB, c net.Conn) { t.Skip("needs Linux's TCP_INFO") }
