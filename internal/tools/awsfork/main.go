// Command awsfork is the `aws` the test suite puts first in PATH: it hands
// its argv, environment, working directory and standard streams to the
// AWS CLI fork server (server.py, started by with-awsfork.sh) and exits
// with the CLI's status. The server runs the real, unmodified AWS CLI v1 in
// a child forked from a process that has already imported it, which saves
// most of the 0.8-0.9 s of CPU each of the suite's ~350 CLI runs costs.
//
// When the server cannot be reached (gone, or never started), it runs the
// real CLI instead, so a test never fails because of this shortcut.
package main

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
)

// sock and real are set at build time (-ldflags -X) by with-awsfork.sh, so
// that a test that gives the CLI an environment of its own still reaches
// the server; the environment variables override them.
var sock, real string

func main() {
	if v := os.Getenv("GATEHOUSE_AWSFORK_SOCK"); v != "" {
		sock = v
	}
	if v := os.Getenv("GATEHOUSE_AWSFORK_REAL"); v != "" {
		real = v
	}
	if sock != "" {
		if code, ok := viaServer(sock); ok {
			os.Exit(code)
		}
	}
	if real == "" {
		fmt.Fprintln(os.Stderr, "awsfork: no fork server and no real AWS CLI to run")
		os.Exit(255)
	}
	err := syscall.Exec(real, append([]string{real}, os.Args[1:]...), os.Environ())
	fmt.Fprintln(os.Stderr, "awsfork:", err)
	os.Exit(255)
}

// viaServer runs the CLI in the fork server; ok is false when the request
// could not be handed over (the caller then runs the CLI itself). After
// the hand-over, a lost server is exit status 255 with a message, never
// a second run of the command.
func viaServer(sock string) (code int, ok bool) {
	conn, err := net.DialUnix("unix", nil, &net.UnixAddr{Name: sock, Net: "unix"})
	if err != nil {
		return 0, false
	}
	defer conn.Close()
	cwd, err := os.Getwd()
	if err != nil {
		return 0, false
	}
	body, err := json.Marshal(map[string]any{"argv": os.Args[1:], "env": os.Environ(), "cwd": cwd})
	if err != nil {
		return 0, false
	}
	msg := binary.BigEndian.AppendUint32(nil, uint32(len(body)))
	msg = append(msg, body...)
	// The fds ride on the first write; the rest of a long request follows.
	first := msg
	if len(first) > 32<<10 {
		first = first[:32<<10]
	}
	if _, _, err := conn.WriteMsgUnix(first, syscall.UnixRights(0, 1, 2), nil); err != nil {
		return 0, false
	}
	if _, err := conn.Write(msg[len(first):]); err != nil {
		fmt.Fprintln(os.Stderr, "awsfork: lost the fork server:", err)
		return 255, true
	}
	var status [4]byte
	if _, err := io.ReadFull(conn, status[:]); err != nil {
		fmt.Fprintln(os.Stderr, "awsfork: lost the fork server:", err)
		return 255, true
	}
	return int(binary.BigEndian.Uint32(status[:])), true
}
