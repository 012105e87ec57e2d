package lambda

import (
	"net/http"
	"os"
	"path/filepath"

	"github.com/gatehouse-dev/gatehouse/internal/lambda/runtime"
)

// SandboxConfig is how functions are isolated from the server and from
// each other (package runtime runs them; doc/security.md §1).
type SandboxConfig struct {
	// Isolation is runtime.IsolationSandbox (default) or
	// runtime.IsolationNone.
	Isolation string
	// UID is the first host uid of sandboxes when the server runs as root
	// (default runtime.DefaultSandboxUID).
	UID uint32
	// CodeRoots are the directories local-directory code (S3Bucket
	// gatehouse-local-dir) may be under; none disables that source.
	CodeRoots []string
	// Gatehouse is the server's own handler, served to each function on its
	// sandbox's loopback at the server's port (AWS_ENDPOINT_URL).
	Gatehouse http.Handler
}

func (s *Service) managerConfig() runtime.ManagerConfig {
	return runtime.ManagerConfig{
		MaxInstances: s.cfg.MaxInstances,
		IdleTimeout:  s.cfg.IdleTimeout,
		TempDir:      os.TempDir(),
		Log:          s.cfg.Log,
		Isolation:    s.cfg.Sandbox.Isolation,
		SandboxUID:   s.cfg.Sandbox.UID,
		StateDir:     filepath.Join(s.dataDir, "lambda", "sandbox"),
		Endpoint:     s.cfg.Sandbox.Gatehouse,
	}
}

// Isolation reports how functions run and, when err is set, why they
// cannot run on this host (the server still starts; Invoke refuses).
func (s *Service) Isolation() (mode string, err error) { return s.mgr.Isolation() }

// logIsolation says at start how functions will run.
func (s *Service) logIsolation() {
	mode, err := s.mgr.Isolation()
	switch {
	case err != nil:
		s.log.Error("lambda: functions will not run", "reason", err.Error())
	case mode == runtime.IsolationNone:
		s.log.Warn("lambda: --lambda-isolation=none: functions run as child processes with the server's user and filesystem; function code can read the server's data dir (master key, credentials, database) and tamper with other functions")
	default:
		s.log.Debug("lambda: functions run in bubblewrap sandboxes")
	}
}
