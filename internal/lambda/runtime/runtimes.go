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

// Command returns the argv that starts an instance of kind k on the host
// (no isolation), and for Provided the bootstrap path that must exist.
func Command(k Kind, runtimeDir, taskRoot string) (argv []string, bootstrap string, err error) {
	return command(k, runtimeDir, taskRoot, taskRoot)
}

// command builds the argv with the task root and runtime dir as the
// function sees them; hostTaskRoot is where the bootstrap is checked.
func command(k Kind, runtimeDir, taskRoot, hostTaskRoot string) (argv []string, bootstrap string, err error) {
	switch k {
	case Provided:
		return []string{filepath.Join(taskRoot, "bootstrap")}, filepath.Join(hostTaskRoot, "bootstrap"), nil
	case Node, Python:
		in, err := interpreter(k)
		if err != nil {
			return nil, "", err
		}
		if k == Node {
			return []string{in.path, filepath.Join(runtimeDir, "bootstrap.mjs")}, "", nil
		}
		return []string{in.path, "-u", filepath.Join(runtimeDir, "gatehouse_bootstrap.py")}, "", nil
	}
	return nil, "", fmt.Errorf("unsupported runtime")
}

// Command returns the argv of an instance of kind k as this Manager runs
// it (inside a sandbox: /var/task, /var/runtime), and for Provided the
// host path of the bootstrap that must exist.
func (m *Manager) Command(k Kind, runtimeDir, taskRoot string) (argv []string, bootstrap string, err error) {
	if m.sandboxed() {
		return command(k, sbxRuntimeDir, sbxTaskRoot, taskRoot)
	}
	return Command(k, runtimeDir, taskRoot)
}

// Layout is where a function finds its files and programs, as the function
// sees them: the values of LAMBDA_TASK_ROOT, LAMBDA_RUNTIME_DIR and the
// default search paths of its environment.
type Layout struct {
	TaskRoot, RuntimeDir string
	Path                 string
	LDLibraryPath        string
	NodePath             string
	PythonPath           string
	// Sandboxed is true when the function runs isolated: /tmp is its own
	// and it reaches gatehouse at SandboxEndpoint.
	Sandboxed bool
}

// Layout returns the layout of a function of kind k whose code and
// runtime directory are taskRoot and runtimeDir on the host.
func (m *Manager) Layout(k Kind, taskRoot, runtimeDir string) Layout {
	if !m.sandboxed() {
		ld := taskRoot + ":" + filepath.Join(taskRoot, "lib")
		if host := os.Getenv("LD_LIBRARY_PATH"); host != "" {
			ld = host + ":" + ld
		}
		return Layout{
			TaskRoot: taskRoot, RuntimeDir: runtimeDir, Path: os.Getenv("PATH"), LDLibraryPath: ld,
			NodePath:   filepath.Join(runtimeDir, "node_modules") + ":" + runtimeDir + ":" + taskRoot,
			PythonPath: runtimeDir,
		}
	}
	// As on AWS (spec/lambda.md §2.2), with the interpreter's own bin
	// directory first when it is not a system one.
	path := "/usr/local/bin:/usr/bin:/bin:/opt/bin"
	if k == Node || k == Python {
		if in, err := interpreter(k); err == nil {
			if d := filepath.Dir(in.path); !underSystem(d) {
				path = d + ":" + path
			}
		}
	}
	return Layout{
		TaskRoot: sbxTaskRoot, RuntimeDir: sbxRuntimeDir, Path: path,
		LDLibraryPath: "/lib64:/usr/lib64:" + sbxRuntimeDir + ":" + sbxRuntimeDir + "/lib:" + sbxTaskRoot + ":" + sbxTaskRoot + "/lib:/opt/lib",
		NodePath:      sbxRuntimeDir + "/node_modules:" + sbxRuntimeDir + ":" + sbxTaskRoot,
		PythonPath:    sbxRuntimeDir,
		Sandboxed:     true,
	}
}

// interp is a host interpreter: its real executable and the install
// prefixes a sandbox must show for it to run.
type interp struct {
	path     string
	prefixes []string
}

var (
	interpMu    sync.Mutex
	interpCache = map[Kind]*interp{}
)

// interpreter finds node or python3 and resolves it to the real
// executable once: version-manager shims (pyenv, nvm, asdf) cost a
// process or two per cold start and may block on their own locks.
func interpreter(k Kind) (*interp, error) {
	interpMu.Lock()
	defer interpMu.Unlock()
	if in, ok := interpCache[k]; ok {
		return in, nil
	}
	name := Interpreter(k)
	p, err := exec.LookPath(name)
	if err != nil {
		return nil, fmt.Errorf("%s is not installed on this host", name)
	}
	// The real executable, then the install prefixes (python's may differ
	// from the executable's directory: venvs, split exec prefix).
	probe := []string{"-c", "import os, sys; print(os.path.realpath(sys.executable)); print(sys.base_prefix); print(sys.base_exec_prefix)"}
	if k == Node {
		probe = []string{"-e", "console.log(require('fs').realpathSync(process.execPath))"}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	in := &interp{path: p}
	if out, err := exec.CommandContext(ctx, p, probe...).Output(); err == nil {
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		if real := strings.TrimSpace(lines[0]); filepath.IsAbs(real) {
			if st, err := os.Stat(real); err == nil && !st.IsDir() {
				in.path = real
			}
		}
		for _, l := range lines[1:] {
			if l = strings.TrimSpace(l); filepath.IsAbs(l) {
				in.addPrefix(filepath.Clean(l))
			}
		}
	}
	// node and python live in PREFIX/bin.
	if d := filepath.Dir(in.path); filepath.Base(d) == "bin" {
		in.addPrefix(filepath.Dir(d))
	} else {
		in.addPrefix(d)
	}
	interpCache[k] = in
	return in, nil
}

func (in *interp) addPrefix(p string) {
	if p == "/" || underSystem(p) {
		return
	}
	for _, q := range in.prefixes {
		if q == p || strings.HasPrefix(p, q+"/") {
			return
		}
	}
	in.prefixes = append(in.prefixes, p)
}
