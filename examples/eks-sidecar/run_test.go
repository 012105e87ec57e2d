// Package ekssidecar holds the end-to-end test of run.sh: the EKS tutorial
// run against a real gatehouse built from this tree.
package ekssidecar

import (
	"context"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
}

// TestRunScript runs run.sh in its self-contained mode: it builds gatehouse,
// starts it, imports api.json, registers the token issuer as an OIDC
// provider, creates the two roles, and calls the API through the sidecar
// with web identity + AssumeRole credentials, then with gatehouse curl and a
// presigned URL.
func TestRunScript(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs gatehouse (~40 s); skipped with -short")
	}
	for _, tool := range []string{"bash", "curl", "go"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not found: %v", tool, err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "run.sh")
	cmd.Env = append(cmd.Environ(),
		"GATEHOUSE_ENDPOINT=", "API_ID=", "KEEP=",
		"STATE_DIR="+t.TempDir(),
		"GATEHOUSE_PORT="+freePort(t),
		"SIDECAR_PORT="+freePort(t),
	)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("run.sh: %v\n%s", err, out)
	}
	for _, want := range []string{
		`{"message":"Missing Authentication Token"}`,
		`"source":"AssumeRoleProvider"`,
		`OK: HTTP 200 through the sidecar as arn:aws:sts::000000000000:assumed-role/MyRoleToAssume-`,
		"X-Amz-Signature=",
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if n := strings.Count(string(out), `{"Message":"Hello World"}`); n != 3 {
		t.Errorf("Hello World %d times, want 3 (sidecar, gatehouse curl, presigned):\n%s", n, out)
	}
}
