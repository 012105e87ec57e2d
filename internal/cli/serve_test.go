package cli_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/gatehouse-dev/gatehouse/internal/cli"
	"github.com/gatehouse-dev/gatehouse/internal/gatehousetest"
)

var (
	akidRE   = regexp.MustCompile(`(?m)^aws_access_key_id = (AKIA[A-Z0-9]{16})$`)
	secretRE = regexp.MustCompile(`(?m)^aws_secret_access_key = (\S{40})$`)
)

func TestBootstrapGeneratesRootCredentialsOnce(t *testing.T) {
	dir := t.TempDir()
	p := gatehousetest.StartBinary(t, dir, []string{"GATEHOUSE_ROOT_ACCESS_KEY_ID=", "GATEHOUSE_ROOT_SECRET_ACCESS_KEY="})
	path := filepath.Join(dir, "credentials")
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatalf("credentials file not written: %v", err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("credentials file mode = %v, want 0600", fi.Mode().Perm())
	}
	first, _ := os.ReadFile(path)
	id, secret := akidRE.FindSubmatch(first), secretRE.FindSubmatch(first)
	if id == nil || secret == nil {
		t.Fatalf("credentials file is not an AWS profile with an AKIA key and 40-char secret:\n%s", first)
	}
	if !strings.Contains(p.Stdout.String(), "generated into "+path) {
		t.Errorf("stdout does not print the generated path:\n%s", p.Stdout)
	}
	for _, out := range []string{p.Stdout.String(), p.Stderr.String()} {
		if strings.Contains(out, string(secret[1])) {
			t.Fatalf("the root secret was printed:\n%s", out)
		}
	}
	if err := p.Stop(); err != nil {
		t.Fatalf("SIGINT: %v", err)
	}

	// Restart on the same data dir: same credentials, not regenerated.
	p = gatehousetest.StartBinary(t, dir, nil)
	again, _ := os.ReadFile(path)
	if !bytes.Equal(first, again) {
		t.Errorf("credentials changed across restart")
	}
	if strings.Contains(p.Stdout.String(), "generated") || strings.Contains(p.Stderr.String(), string(secret[1])) {
		t.Errorf("second start regenerated or printed the secret:\n%s\n%s", p.Stdout, p.Stderr)
	}
	if got := signedStatus(t, p.URL, "sts", string(id[1]), string(secret[1]), "Action=GetCallerIdentity&Version=2011-06-15"); got == 0 {
		t.Errorf("no answer from STS")
	}
}

func TestBootstrapFromEnvironmentWritesNothing(t *testing.T) {
	dir := t.TempDir()
	gatehousetest.StartBinary(t, dir, []string{
		"GATEHOUSE_ROOT_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE",
		"GATEHOUSE_ROOT_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
	})
	if _, err := os.Stat(filepath.Join(dir, "credentials")); !os.IsNotExist(err) {
		t.Errorf("credentials file written although the environment supplied the keys (err=%v)", err)
	}
}

func TestBadRootKeyIsRefused(t *testing.T) {
	var out, errb bytes.Buffer
	code := cli.Run(context.Background(), []string{"serve", "--data-dir", t.TempDir(), "--listen", "127.0.0.1:0"}, cli.Env{
		Stdout: &out, Stderr: &errb,
		Getenv: func(k string) string {
			return map[string]string{"GATEHOUSE_ROOT_ACCESS_KEY_ID": "nope", "GATEHOUSE_ROOT_SECRET_ACCESS_KEY": "short"}[k]
		},
	})
	if code != 2 || !strings.Contains(errb.String(), "AKIA followed by 16") || !strings.Contains(errb.String(), "40 characters") {
		t.Errorf("code %d, stderr %q", code, errb.String())
	}
}

func TestFlagsFromEnvironment(t *testing.T) {
	var out, errb bytes.Buffer
	code := cli.Run(context.Background(), []string{"serve"}, cli.Env{
		Stdout: &out, Stderr: &errb,
		Getenv: func(k string) string {
			return map[string]string{"GATEHOUSE_ACCOUNT_ID": "12", "GATEHOUSE_LOG_FORMAT": "xml", "GATEHOUSE_DATA_DIR": t.TempDir()}[k]
		},
	})
	if code != 2 || !strings.Contains(errb.String(), `--account-id "12"`) || !strings.Contains(errb.String(), `--log-format "xml"`) {
		t.Errorf("env values not applied: code %d, stderr %q", code, errb.String())
	}
}

func TestHealthMetricsAndUnknownOperations(t *testing.T) {
	p := gatehousetest.StartBinary(t, t.TempDir(), []string{
		"GATEHOUSE_ROOT_ACCESS_KEY_ID=" + gatehousetest.AccessKeyID,
		"GATEHOUSE_ROOT_SECRET_ACCESS_KEY=" + gatehousetest.SecretAccessKey,
	})
	resp, err := http.Get(p.URL + "/_gatehouse/health")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("health: %v %v", resp, err)
	}
	if resp.Header.Get("x-amzn-RequestId") == "" {
		t.Errorf("health response has no request id")
	}
	resp.Body.Close()

	// The execute-api data plane: an unknown route is Missing Authentication Token.
	resp, err = http.Get(p.URL + "/restapis/abc123defg/prod/_user_request_/nothing")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 403 || string(body) != `{"message":"Missing Authentication Token"}` ||
		resp.Header.Get("x-amzn-ErrorType") != "MissingAuthenticationTokenException" || resp.Header.Get("x-amzn-RequestId") == "" {
		t.Errorf("unknown execute-api route: %d %s %v", resp.StatusCode, body, resp.Header)
	}

	resp, err = http.Get(p.URL + "/_gatehouse/metrics")
	if err != nil {
		t.Fatal(err)
	}
	if resp.Header.Get("x-amzn-RequestId") == "" {
		t.Errorf("metrics response has no request id")
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if !regexp.MustCompile(`gatehouse_requests_total{operation="Health",service="gatehouse",status="200"} [1-9]`).Match(body) ||
		!strings.Contains(string(body), "gatehouse_request_duration_seconds_bucket") {
		t.Errorf("metrics missing request counters:\n%.2000s", body)
	}

	// The AWS CLI gets a well-formed Query error it can print, not a crash.
	if _, err := exec.LookPath("aws"); err != nil {
		t.Skip("aws CLI not installed")
	}
	cmd := exec.Command("aws", "iam", "get-user", "--user-name", "nobody-here", "--endpoint-url", p.URL)
	cmd.Env = gatehousetest.ClientEnv(p.URL, gatehousetest.AccessKeyID, gatehousetest.SecretAccessKey)
	out, err := cmd.CombinedOutput()
	if err == nil || !regexp.MustCompile(`An error occurred \(NoSuchEntity\) when calling the GetUser operation: \S`).Match(out) {
		t.Errorf("aws iam get-user: err=%v output:\n%s", err, out)
	}
	// An operation gatehouse does not serve is refused in the same wire format.
	if got := signedStatus(t, p.URL, "iam", gatehousetest.AccessKeyID, gatehousetest.SecretAccessKey, "Action=FrobnicateWidgets&Version=2010-05-08"); got != 400 {
		t.Errorf("unknown IAM action: status %d, want 400 InvalidAction", got)
	}
}

func TestGracefulShutdown(t *testing.T) {
	p := gatehousetest.StartBinary(t, t.TempDir(), []string{
		"GATEHOUSE_ROOT_ACCESS_KEY_ID=" + gatehousetest.AccessKeyID,
		"GATEHOUSE_ROOT_SECRET_ACCESS_KEY=" + gatehousetest.SecretAccessKey,
	})
	start := time.Now()
	if err := p.Stop(); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("shutdown took %v", d)
	}
	if !strings.Contains(p.Stderr.String(), "gatehouse stopped") {
		t.Errorf("no stop log line:\n%s", p.Stderr)
	}
}

func TestVersionAndHelp(t *testing.T) {
	var out, errb bytes.Buffer
	if code := cli.Run(context.Background(), []string{"version"}, cli.Env{Stdout: &out, Stderr: &errb}); code != 0 || !strings.HasPrefix(out.String(), "gatehouse ") {
		t.Errorf("version: %d %q", code, out.String())
	}
	out.Reset()
	if code := cli.Run(context.Background(), []string{"--help"}, cli.Env{Stdout: &out, Stderr: &errb}); code != 0 || !strings.Contains(out.String(), "serve") {
		t.Errorf("--help: %d %q", code, out.String())
	}
	out.Reset()
	if code := cli.Run(context.Background(), []string{"serve", "--help"}, cli.Env{Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }}); code != 0 || !strings.Contains(out.String(), "GATEHOUSE_LISTEN") {
		t.Errorf("serve --help: %d %q", code, out.String())
	}
	if code := cli.Run(context.Background(), []string{"nope"}, cli.Env{Stdout: &out, Stderr: &errb}); code != 2 {
		t.Errorf("unknown command exit code %d, want 2", code)
	}
}

// signedStatus sends a SigV4-signed Query request and returns the status.
func signedStatus(t *testing.T, url, service, id, secret, body string) int {
	t.Helper()
	req, _ := http.NewRequest("POST", url+"/", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	sum := sha256.Sum256([]byte(body))
	err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: id, SecretAccessKey: secret}, req, hex.EncodeToString(sum[:]), service, "us-east-1", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestEveryCommandHasHelp checks that "gatehouse CMD --help" succeeds and
// says how to use the command, for every command the binary lists.
func TestEveryCommandHasHelp(t *testing.T) {
	var list bytes.Buffer
	cli.Run(context.Background(), []string{"--help"}, cli.Env{Stdout: &list, Stderr: io.Discard})
	var names []string
	for _, line := range strings.Split(list.String(), "\n") {
		if f := strings.Fields(line); len(f) > 1 && strings.HasPrefix(line, "  ") && f[0] != "gatehouse" {
			names = append(names, f[0])
		}
	}
	if len(names) < 6 {
		t.Fatalf("only %d commands listed: %q", len(names), names)
	}
	for _, name := range names {
		var out bytes.Buffer
		code := cli.Run(context.Background(), []string{name, "--help"}, cli.Env{Stdout: &out, Stderr: &out, Getenv: func(string) string { return "" }})
		if code != 0 || !strings.Contains(strings.ToLower(out.String()), "usage") {
			t.Errorf("gatehouse %s --help: exit %d, output %q", name, code, out.String())
		}
	}
}

// TestHTTPImplementationFlags: --http-server and --upstream-client (and
// their GATEHOUSE_* variables) take gatehouse or net/http, and the server
// runs with net/http's parts.
func TestHTTPImplementationFlags(t *testing.T) {
	var out, errb bytes.Buffer
	code := cli.Run(context.Background(), []string{"serve", "--upstream-client", "curl"}, cli.Env{
		Stdout: &out, Stderr: &errb,
		Getenv: func(k string) string {
			return map[string]string{"GATEHOUSE_HTTP_SERVER": "apache", "GATEHOUSE_DATA_DIR": t.TempDir()}[k]
		},
	})
	if code != 2 || !strings.Contains(errb.String(), `--http-server "apache": must be gatehouse or net/http`) ||
		!strings.Contains(errb.String(), `--upstream-client "curl": must be gatehouse or net/http`) {
		t.Errorf("code %d, stderr %q", code, errb.String())
	}
	p := gatehousetest.StartBinary(t, t.TempDir(), []string{
		"GATEHOUSE_ROOT_ACCESS_KEY_ID=" + gatehousetest.AccessKeyID,
		"GATEHOUSE_ROOT_SECRET_ACCESS_KEY=" + gatehousetest.SecretAccessKey,
		"GATEHOUSE_UPSTREAM_CLIENT=net/http",
	}, "--http-server=net/http")
	resp, err := http.Get(p.URL + "/restapis/abc123defg/prod/_user_request_/nothing")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Errorf("net/http server: %d, want 403", resp.StatusCode)
	}
}
