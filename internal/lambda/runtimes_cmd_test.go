package lambda_test

import (
	"bytes"
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	lambdasvc "github.com/gatehouse-dev/gatehouse/internal/lambda"
)

// TestRuntimesInstall installs a package into a running server's runtime
// directory with `gatehouse runtimes install node` (from a tarball npm
// packs here, so the test needs no registry) and finds it from a CommonJS
// and an ES module handler in their sandboxes, at /var/runtime as on AWS.
func TestRuntimesInstall(t *testing.T) {
	for _, tool := range []string{"node", "npm"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skip(tool + " not installed")
		}
	}
	srv := startServer(t)
	e := newEnv(t, srv.URL, srv.DataDir)
	ctx := context.Background()

	tmp := t.TempDir()
	pack := exec.Command("npm", "pack", "--pack-destination", tmp, absPath(t, "testdata/runtimesdk/pkg"))
	pack.Dir = tmp
	if out, err := pack.CombinedOutput(); err != nil {
		t.Fatalf("npm pack: %v\n%s", err, out)
	}
	tgz := filepath.Join(tmp, "gatehouse-test-runtime-sdk-1.2.3.tgz")

	run := func(args ...string) (int, string) {
		var out, errOut bytes.Buffer
		code := lambdasvc.RuntimesCommand(ctx, args, &out, &errOut, func(string) string { return "" })
		return code, out.String() + errOut.String()
	}
	if code, out := run("list", "--data-dir", srv.DataDir); code != 0 || !strings.Contains(out, "No packages") {
		t.Errorf("list before: %d %s", code, out)
	}
	if code, out := run("install", "--data-dir", srv.DataDir, "node", tgz); code != 0 {
		t.Fatalf("install: %d %s", code, out)
	}
	if code, out := run("list", "--data-dir", srv.DataDir); code != 0 || !strings.Contains(out, "node\t@gatehouse-test/runtime-sdk\t1.2.3") {
		t.Errorf("list after: %d %s", code, out)
	}
	for _, c := range []struct{ args []string }{{nil}, {[]string{"install"}}, {[]string{"install", "ruby"}}, {[]string{"frobnicate"}}} {
		if code, out := run(c.args...); code != 2 || !strings.Contains(out, "Usage: gatehouse runtimes") {
			t.Errorf("%v: %d %s", c.args, code, out)
		}
	}

	for _, name := range []string{"cjs", "esm"} {
		if _, err := e.lc.CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String(name), Role: aws.String(e.role),
			Runtime: types.RuntimeNodejs20x, Handler: aws.String("index.handler"), Code: &types.FunctionCode{ZipFile: nodeZip(t, "runtimesdk/"+name)}}); err != nil {
			t.Fatal(err)
		}
		out, err := e.lc.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String(name)})
		if err != nil || out.FunctionError != nil {
			t.Fatalf("%s: %v %s", name, err, out.Payload)
		}
		// The sandbox sees the runtime directory at /var/runtime; an ES
		// module finds it through /node_modules, bound to the same files.
		if want := []string{`{"from":"/var/runtime/node_modules/@gatehouse-test/runtime-sdk"}`, `{"from":"/node_modules/@gatehouse-test/runtime-sdk"}`}; string(out.Payload) != want[0] && string(out.Payload) != want[1] {
			t.Errorf("%s: %s", name, out.Payload)
		}
	}
}

// TestRuntimesInstallFailureSaysWhy: when npm fails, the command names the
// tool that failed and where its settings come from, since npm retries a
// registry it cannot reach quietly for minutes before saying so.
func TestRuntimesInstallFailureSaysWhy(t *testing.T) {
	if testing.Short() {
		t.Skip("runs npm")
	}
	if _, err := exec.LookPath("npm"); err != nil {
		t.Skip("npm not installed")
	}
	var out, errOut bytes.Buffer
	missing := filepath.Join(t.TempDir(), "missing.tgz")
	code := lambdasvc.RuntimesCommand(context.Background(), []string{"install", "--data-dir", t.TempDir(), "node", missing}, &out, &errOut, func(string) string { return "" })
	if code != 1 || !strings.Contains(out.String(), "(npm install) ...") ||
		!strings.Contains(errOut.String(), "gatehouse runtimes install node: npm install failed: exit status") ||
		!strings.Contains(errOut.String(), "your own npm configuration") {
		t.Errorf("code %d\nstdout: %s\nstderr: %s", code, out.String(), errOut.String())
	}
}
