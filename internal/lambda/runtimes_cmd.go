package lambda

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
)

// DefaultNodeSDK is what `gatehouse runtimes install node` installs when no
// package is named: the AWS SDK for JavaScript v3 clients functions most
// often import from the runtime instead of bundling (AWS's Node.js 18+
// runtimes ship the whole SDK v3 in /var/runtime/node_modules), among them
// the CloudWatch Logs client CDK's Custom::LogRetention provider requires.
var DefaultNodeSDK = []string{
	"@aws-sdk/client-cloudwatch-logs",
	"@aws-sdk/client-s3",
	"@aws-sdk/client-dynamodb",
	"@aws-sdk/lib-dynamodb",
	"@aws-sdk/client-lambda",
	"@aws-sdk/client-sts",
	"@aws-sdk/client-iam",
	"@aws-sdk/client-ssm",
	"@aws-sdk/client-sqs",
	"@aws-sdk/client-sns",
	"@aws-sdk/client-secrets-manager",
	"@aws-sdk/client-api-gateway",
	"@aws-sdk/client-cloudformation",
	"@aws-sdk/credential-providers",
	"@smithy/signature-v4",
	"@smithy/protocol-http",
}

// DefaultPythonSDK is what `gatehouse runtimes install python` installs:
// boto3, which AWS's Python runtimes carry in /var/runtime.
var DefaultPythonSDK = []string{"boto3"}

const runtimesUsage = `Usage: gatehouse runtimes install [flags] node|python [PACKAGE...]
       gatehouse runtimes list [flags]

Functions on AWS find the AWS SDK in their runtime (/var/runtime): the SDK for
JavaScript v3 in Node.js, boto3 in Python. gatehouse's runtime directory
(DATA-DIR/lambda/runtime, mounted read-only at /var/runtime in every
function's sandbox) starts without them; install puts them there, from the
npm registry (npm) or PyPI (python3 -m pip), so functions that do not bundle
the SDK run unchanged. Installed packages serve every function at its next
cold start; a function's own node_modules or packages come first, as on AWS.

With no PACKAGE, node installs the clients listed below and python installs
boto3. A PACKAGE is anything npm or pip install accepts (name@version, a
tarball path).

Node.js default packages:
  ` + "%s" + `

Flags:
`

// RuntimesCommand runs `gatehouse runtimes`.
func RuntimesCommand(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	fset := flag.NewFlagSet("runtimes", flag.ContinueOnError)
	fset.SetOutput(stderr)
	defDir := getenv("GATEHOUSE_DATA_DIR")
	if defDir == "" {
		defDir = "./.gatehouse"
	}
	dataDir := fset.String("data-dir", defDir, "gatehouse's data directory (env GATEHOUSE_DATA_DIR)")
	fset.Usage = func() {
		fmt.Fprintf(stderr, runtimesUsage, strings.Join(DefaultNodeSDK, "\n  "))
		fset.PrintDefaults()
	}
	var pos []string
	rest := args
	for {
		if err := fset.Parse(rest); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return 0
			}
			return 2
		}
		if fset.NArg() == 0 {
			break
		}
		pos = append(pos, fset.Arg(0))
		rest = fset.Args()[1:]
	}
	if len(pos) == 0 {
		fmt.Fprint(stderr, "gatehouse runtimes: say install or list\n\n")
		fset.Usage()
		return 2
	}
	dir := filepath.Join(*dataDir, "lambda", "runtime")
	switch pos[0] {
	case "list":
		if len(pos) != 1 {
			fmt.Fprintf(stderr, "gatehouse runtimes list: takes no arguments (got %s)\n", strings.Join(pos[1:], " "))
			return 2
		}
		return listRuntimePackages(dir, stdout, stderr)
	case "install":
	default:
		fmt.Fprintf(stderr, "gatehouse runtimes: unknown subcommand %q: say install or list\n\n", pos[0])
		fset.Usage()
		return 2
	}
	if len(pos) < 2 || pos[1] != "node" && pos[1] != "python" {
		fmt.Fprint(stderr, "gatehouse runtimes install: name the runtime: node or python\n\n")
		fset.Usage()
		return 2
	}
	pkgs := pos[2:]
	if err := os.MkdirAll(dir, 0o755); err != nil {
		fmt.Fprintf(stderr, "gatehouse runtimes install: %v\n", err)
		return 1
	}
	var cmd *exec.Cmd
	tool := "npm install" // as a user would type it, for the messages
	switch pos[1] {
	case "node":
		if len(pkgs) == 0 {
			pkgs = DefaultNodeSDK
		}
		if _, err := exec.LookPath("npm"); err != nil {
			fmt.Fprint(stderr, "gatehouse runtimes install node: npm is not installed (it comes with Node.js)\n")
			return 1
		}
		// --prefix installs into DIR/node_modules; no package.json or
		// lock is written into the runtime directory.
		cmd = exec.CommandContext(ctx, "npm", append([]string{"install", "--prefix", dir, "--no-save", "--no-package-lock", "--no-audit", "--no-fund", "--omit=dev", "--"}, pkgs...)...)
	case "python":
		if len(pkgs) == 0 {
			pkgs = DefaultPythonSDK
		}
		tool = "python3 -m pip install"
		cmd = exec.CommandContext(ctx, "python3", append([]string{"-m", "pip", "install", "--upgrade", "--target", dir, "--"}, pkgs...)...)
	}
	fmt.Fprintf(stdout, "Installing %s into %s (%s) ...\n", strings.Join(pkgs, " "), dir, tool)
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if err := cmd.Run(); err != nil {
		// npm and pip fetch with the user's own configuration (registry or
		// index, proxy, CA file); say so, since their retries are quiet.
		fmt.Fprintf(stderr, "gatehouse runtimes install %s: %s failed: %v (it uses your own %s configuration: registry, proxy, CA certificates; its output is above)\n", pos[1], tool, err, map[string]string{"node": "npm", "python": "pip"}[pos[1]])
		return 1
	}
	fmt.Fprintf(stdout, "Installed. Functions see them at /var/runtime from their next cold start.\n")
	return 0
}

// listRuntimePackages prints the packages in the runtime directory, with
// their versions.
func listRuntimePackages(dir string, stdout, stderr io.Writer) int {
	var lines []string
	nm := filepath.Join(dir, "node_modules")
	ents, _ := os.ReadDir(nm)
	for _, e := range ents {
		var names []string
		if strings.HasPrefix(e.Name(), "@") {
			sub, _ := os.ReadDir(filepath.Join(nm, e.Name()))
			for _, s := range sub {
				names = append(names, e.Name()+"/"+s.Name())
			}
		} else if !strings.HasPrefix(e.Name(), ".") {
			names = append(names, e.Name())
		}
		for _, n := range names {
			var pj struct {
				Version string `json:"version"`
			}
			b, err := os.ReadFile(filepath.Join(nm, n, "package.json"))
			if err != nil || json.Unmarshal(b, &pj) != nil {
				continue
			}
			lines = append(lines, "node\t"+n+"\t"+pj.Version)
		}
	}
	pyEnts, _ := os.ReadDir(dir)
	for _, e := range pyEnts {
		// pip --target leaves NAME-VERSION.dist-info for each package.
		if n, ok := strings.CutSuffix(e.Name(), ".dist-info"); ok && e.IsDir() {
			if i := strings.LastIndexByte(n, '-'); i > 0 {
				lines = append(lines, "python\t"+n[:i]+"\t"+n[i+1:])
			}
		}
	}
	sort.Strings(lines)
	if len(lines) == 0 {
		fmt.Fprintf(stdout, "No packages in %s: functions find only what they bundle (gatehouse runtimes install node|python adds the AWS SDK).\n", dir)
		return 0
	}
	for _, l := range lines {
		fmt.Fprintln(stdout, l)
	}
	return 0
}
