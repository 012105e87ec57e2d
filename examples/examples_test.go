package examples

import (
	"encoding/json"
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/gatehousetest"
)

var update = flag.Bool("update", false, "rewrite expected.txt files")

// backend answers what it was asked, with the caller the gateway mapped
// into X-Caller-Arn when there is one.
func backend() *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		out := map[string]string{"backend": "ok", "method": r.Method, "path": r.URL.EscapedPath()}
		if v := r.Header.Get("X-Caller-Arn"); v != "" {
			out["callerArn"] = v
		}
		if r.Header.Get("Authorization") != "" {
			out["authorization"] = "LEAKED"
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(out)
	}))
}

func need(t *testing.T, tools ...string) {
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed", tool)
		}
	}
}

func needNode(t *testing.T) {
	need(t, "node")
	if _, err := os.Stat("node/node_modules/@aws-sdk/signature-v4"); err != nil {
		t.Skip("examples/node/node_modules is missing: run npm ci --prefix examples/node")
	}
}

func needBotocore(t *testing.T) {
	need(t, "python3")
	if err := exec.Command("python3", "-c", "import botocore").Run(); err != nil {
		t.Skip("python3 botocore is not installed")
	}
}

func TestExamples(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end with the binary and external clients")
	}
	for _, c := range []struct {
		dir   string
		needs func(t *testing.T)
	}{
		{"pets", func(t *testing.T) { needNode(t) }},
		{"terraform-sigv4", func(t *testing.T) { need(t, "curl"); needBotocore(t) }},
		{"user-service", func(t *testing.T) { needNode(t); needBotocore(t) }},
		{"cross-account", func(t *testing.T) { needNode(t) }},
	} {
		t.Run(c.dir, func(t *testing.T) {
			need(t, "aws", "bash")
			c.needs(t)
			be := backend()
			defer be.Close()
			p := gatehousetest.StartBinary(t, t.TempDir(), []string{
				"GATEHOUSE_ROOT_ACCESS_KEY_ID=" + gatehousetest.AccessKeyID,
				"GATEHOUSE_ROOT_SECRET_ACCESS_KEY=" + gatehousetest.SecretAccessKey})
			cmd := exec.Command("bash", filepath.Join(c.dir, "run.sh"))
			cmd.Env = append(gatehousetest.ClientEnv(p.URL, gatehousetest.AccessKeyID, gatehousetest.SecretAccessKey),
				"GATEHOUSE_URL="+p.URL, "BACKEND_URL="+be.URL, "GATEHOUSE_BIN="+gatehousetest.Binary(t))
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("run.sh: %v\n%s\nserver log:\n%s", err, out, p.Stderr)
			}
			got := strings.ReplaceAll(string(out), be.URL, "BACKEND")
			golden := filepath.Join(c.dir, "expected.txt")
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update)", err)
			}
			if got != string(want) {
				t.Errorf("transcript differs from %s:\n--- got\n%s--- want\n%s", golden, got, want)
			}
		})
	}
}
