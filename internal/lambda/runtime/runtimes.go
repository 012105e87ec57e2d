package runtime

import (
	"context"
	_ "embed"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

//go:embed bootstrap/node.mjs
var nodeBootstrap []byte

//go:embed bootstrap/gatehouse_bootstrap.py
var pythonBootstrap []byte

// Kind is how a runtime identifier is run.
type Kind uint8

// Runtime kinds.
const (
	Unsupported Kind = iota
	Provided         // <task root>/bootstrap
	Node             // host node running gatehouse's bootstrap
	Python           // host python3 running gatehouse's bootstrap
)

// Classify maps a Runtime identifier to how gatehouse runs it. Older Node
// and Python identifiers that AWS now blocks are accepted on purpose (the
// tutorials use nodejs16.x; spec §4.4).
func Classify(rt string) Kind {
	switch {
	case rt == "provided" || rt == "provided.al2" || rt == "provided.al2023":
		return Provided
	case strings.HasPrefix(rt, "nodejs") && (rt == "nodejs" || strings.HasSuffix(rt, ".x")):
		return Node
	case strings.HasPrefix(rt, "python3."):
		return Python
	}
	return Unsupported
}

// WriteRuntimeDir writes gatehouse's bootstrap programs into dir (the
// functions' LAMBDA_RUNTIME_DIR).
func WriteRuntimeDir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for name, b := range map[string][]byte{"bootstrap.mjs": nodeBootstrap, "gatehouse_bootstrap.py": pythonBootstrap} {
		p := filepath.Join(dir, name)
		if cur, err := os.ReadFile(p); err == nil && string(cur) == string(b) {
			continue
		}
		tmp := p + ".tmp"
		if err := os.WriteFile(tmp, b, 0o644); err != nil {
			return err
		}
		if err := os.Rename(tmp, p); err != nil {
			return err
		}
	}
	return nil
}

// Interpreter returns the host program a kind needs ("node", "python3"),
// or "" for Provided.
func Interpreter(k Kind) string {
	switch k {
	case Node:
		return "node"
	case Python:
		return "python3"
	}
	return ""
}

// Command returns the argv that starts an instance of kind k, and for
// Provided the bootstrap path that must exist.
func Command(k Kind, runtimeDir, taskRoot string) (argv []string, bootstrap string, err error) {
	switch k {
	case Provided:
		b := filepath.Join(taskRoot, "bootstrap")
		return []string{b}, b, nil
	case Node, Python:
		p, err := interpreterPath(k)
		if err != nil {
			return nil, "", err
		}
		if k == Node {
			return []string{p, filepath.Join(runtimeDir, "bootstrap.mjs")}, "", nil
		}
		return []string{p, "-u", filepath.Join(runtimeDir, "gatehouse_bootstrap.py")}, "", nil
	}
	return nil, "", fmt.Errorf("unsupported runtime")
}

var (
	interpMu    sync.Mutex
	interpCache = map[Kind]string{}
)

// interpreterPath finds node or python3 and resolves it to the real
// executable once: version-manager shims (pyenv, nvm, asdf) cost a
// process or two per cold start and may block on their own locks.
func interpreterPath(k Kind) (string, error) {
	interpMu.Lock()
	defer interpMu.Unlock()
	if p, ok := interpCache[k]; ok {
		return p, nil
	}
	name := Interpreter(k)
	p, err := exec.LookPath(name)
	if err != nil {
		return "", fmt.Errorf("%s is not installed on this host", name)
	}
	probe := []string{"-c", "import sys; print(sys.executable)"}
	if k == Node {
		probe = []string{"-p", "process.execPath"}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if out, err := exec.CommandContext(ctx, p, probe...).Output(); err == nil {
		if real := strings.TrimSpace(string(out)); filepath.IsAbs(real) {
			if st, err := os.Stat(real); err == nil && !st.IsDir() {
				p = real
			}
		}
	}
	interpCache[k] = p
	return p, nil
}
