package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// secretEnv are the variables that carry secrets into `gatehouse serve`.
// os.Unsetenv is not enough: /proc/PID/environ shows the environment the
// process was started with, whatever the process does to its copy.
var secretEnv = []string{
	"GATEHOUSE_ROOT_SECRET_ACCESS_KEY",
	"GATEHOUSE_MASTER_KEY",
	"GATEHOUSE_STORE", // postgres://user:password@...
	// Not read by serve, but secrets of whoever started it.
	"AWS_SECRET_ACCESS_KEY",
	"AWS_SESSION_TOKEN",
	"AWS_SECURITY_TOKEN",
}

// secretsFDVar names the descriptor through which the re-executed process
// receives the secrets. Its value is a number, not a secret.
const secretsFDVar = "GATEHOUSE_SECRETS_FD"

// maxSecrets bounds what goes through the pipe: it must fit the pipe's
// buffer, since nobody reads it before the exec.
const maxSecrets = 32 << 10

// hideSecretEnv returns the getenv serve uses. When the environment holds
// secrets, it writes them to a pipe and re-executes this program (same
// pid, same arguments, same descriptors) with an environment without them;
// it does not return then. In the re-executed process it reads them back
// from the pipe and serves them from memory.
func hideSecretEnv() (func(string) string, error) {
	if v, ok := os.LookupEnv(secretsFDVar); ok {
		os.Unsetenv(secretsFDVar)
		secrets, err := readSecrets(v)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", secretsFDVar, err)
		}
		return func(k string) string {
			if v, ok := secrets[k]; ok {
				return v
			}
			if isSecretEnv(k) {
				return "" // never from the environment
			}
			return os.Getenv(k)
		}, nil
	}
	var payload bytes.Buffer
	var keep []string
	found := false
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if isSecretEnv(k) {
			found = true
			payload.WriteString(kv)
			payload.WriteByte(0)
			continue
		}
		if k == secretsFDVar {
			continue
		}
		keep = append(keep, kv)
	}
	if !found {
		return os.Getenv, nil
	}
	if payload.Len() > maxSecrets {
		return nil, fmt.Errorf("secret environment variables are larger than %d bytes", maxSecrets)
	}
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(payload.Bytes()); err != nil {
		return nil, err
	}
	w.Close()
	// The read end survives the exec; nothing else we opened does.
	if _, err := unix.FcntlInt(r.Fd(), unix.F_SETFD, 0); err != nil {
		return nil, err
	}
	keep = append(keep, secretsFDVar+"="+strconv.Itoa(int(r.Fd())))
	err = syscall.Exec("/proc/self/exe", os.Args, keep)
	r.Close()
	return nil, fmt.Errorf("re-execute without secrets in the environment: %w", err)
}

func isSecretEnv(k string) bool {
	for _, s := range secretEnv {
		if k == s {
			return true
		}
	}
	return false
}

// readSecrets reads NUL-separated KEY=VALUE pairs of secret variables from
// the inherited pipe named by fdText, and closes it.
func readSecrets(fdText string) (map[string]string, error) {
	fd, err := strconv.Atoi(fdText)
	if err != nil || fd < 3 {
		return nil, errors.New("not a descriptor")
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil || st.Mode&unix.S_IFMT != unix.S_IFIFO {
		return nil, errors.New("not a pipe")
	}
	f := os.NewFile(uintptr(fd), "secrets")
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxSecrets+1))
	if err != nil {
		return nil, err
	}
	return parseSecrets(b)
}

// parseSecrets parses what hideSecretEnv wrote: only secret variables.
func parseSecrets(b []byte) (map[string]string, error) {
	if len(b) > maxSecrets {
		return nil, errors.New("too large")
	}
	out := map[string]string{}
	for _, kv := range strings.Split(string(b), "\x00") {
		if kv == "" {
			continue
		}
		k, v, ok := strings.Cut(kv, "=")
		if !ok || !isSecretEnv(k) {
			return nil, fmt.Errorf("unexpected entry %.40q", k)
		}
		if _, dup := out[k]; dup {
			continue // the first wins, as with os.Getenv
		}
		out[k] = v
	}
	return out, nil
}
