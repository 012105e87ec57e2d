package lambda_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/gatehouse-dev/gatehouse/internal/config"
	"github.com/gatehouse-dev/gatehouse/internal/gatehousetest"
)

func needPython(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 not installed")
	}
}

// createAccount creates a second account through gatehouse's
// CreateAccount action and returns its root credentials.
func createAccount(t *testing.T, url string) (string, aws.Credentials) {
	t.Helper()
	form := "Action=CreateAccount&Version=2010-05-08"
	req, _ := http.NewRequest(http.MethodPost, url+"/", strings.NewReader(form))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	sum := sha256.Sum256([]byte(form))
	root := aws.Credentials{AccessKeyID: gatehousetest.AccessKeyID, SecretAccessKey: gatehousetest.SecretAccessKey}
	if err := v4.NewSigner().SignHTTP(context.Background(), root, req, hex.EncodeToString(sum[:]), "iam", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out struct {
		Result struct {
			AccountID       string `xml:"AccountId"`
			AccessKeyID     string `xml:"AccessKeyId"`
			SecretAccessKey string `xml:"SecretAccessKey"`
		} `xml:"CreateAccountResult"`
	}
	if err := xml.Unmarshal(b, &out); err != nil || out.Result.AccountID == "" {
		t.Fatalf("create account: %d %s", resp.StatusCode, b)
	}
	return out.Result.AccountID, aws.Credentials{AccessKeyID: out.Result.AccessKeyID, SecretAccessKey: out.Result.SecretAccessKey}
}

// fnRole creates a role Lambda can assume with the given client.
func fnRole(t *testing.T, ic *iam.Client, name string) string {
	t.Helper()
	out, err := ic.CreateRole(context.Background(), &iam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(trustLambda)})
	if err != nil {
		t.Fatalf("create role: %v", err)
	}
	return *out.Role.Arn
}

// listeners returns the TCP ports pid listens on in its own network
// namespace (the host's, for the server).
func listeners(t *testing.T, pid int) []int {
	t.Helper()
	inodes := map[string]bool{}
	fds, _ := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	for _, fd := range fds {
		l, err := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", pid, fd.Name()))
		if err == nil && strings.HasPrefix(l, "socket:[") {
			inodes[strings.TrimSuffix(strings.TrimPrefix(l, "socket:["), "]")] = true
		}
	}
	var ports []int
	for _, f := range []string{"tcp", "tcp6"} {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/net/%s", pid, f))
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n")[1:] {
			fields := strings.Fields(line)
			if len(fields) < 10 || fields[3] != "0A" || !inodes[fields[9]] { // 0A: LISTEN
				continue
			}
			_, hexPort, _ := strings.Cut(fields[1], ":")
			p, _ := strconv.ParseInt(hexPort, 16, 32)
			ports = append(ports, int(p))
		}
	}
	return ports
}

// TestFunctionCannotReachServerSecrets is the red team's scenario against
// the real binary: a function created by another account's root tries to
// read the server's environment, command line and data dir, to take other
// instances' events through their Runtime APIs, and to leave files for
// other functions. It must get nothing.
func TestFunctionCannotReachServerSecrets(t *testing.T) {
	if testing.Short() {
		t.Skip("long: runs the binary and scans ports from a function")
	}
	needPython(t)
	dataDir := filepath.Join(t.TempDir(), "data")
	if err := os.Mkdir(dataDir, 0o755); err != nil {
		t.Fatal(err)
	}
	// A credentials file the server does not use (its root keys come from
	// the environment): still a secret in the data dir.
	decoy := "decoy-secret-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	if err := os.WriteFile(filepath.Join(dataDir, "credentials"), []byte("[default]\naws_secret_access_key = "+decoy+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	p := gatehousetest.StartBinary(t, dataDir, []string{
		"GATEHOUSE_ROOT_ACCESS_KEY_ID=" + gatehousetest.AccessKeyID,
		"GATEHOUSE_ROOT_SECRET_ACCESS_KEY=" + gatehousetest.SecretAccessKey,
	}, binaryArgs(t)...)
	if strings.Contains(p.Stdout.String(), "Lambda functions will NOT run") {
		if os.Getenv("GATEHOUSE_REQUIRE_SANDBOX") != "" || os.Getenv("CI") != "" {
			t.Fatalf("the Lambda sandbox is required here:\n%s", p.Stdout)
		}
		t.Skipf("skipped:\n%s", p.Stdout)
	}
	masterKey, err := os.ReadFile(filepath.Join(dataDir, "master.key"))
	if err != nil || len(bytes.TrimSpace(masterKey)) == 0 {
		t.Fatalf("master.key: %v", err)
	}
	if st, err := os.Stat(dataDir); err != nil || st.Mode().Perm() != 0o700 {
		t.Errorf("data dir mode %v, want 0700 (%v)", st.Mode().Perm(), err)
	}
	ctx := context.Background()

	// The victim: a function of the default account, warm and idle.
	code, err := zipDir(absPath(t, "testdata/redteam"))
	if err != nil {
		t.Fatal(err)
	}
	a := newEnv(t, p.URL, p.DataDir)
	if _, err := a.lc.CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String("victim"), Role: aws.String(a.role),
		Runtime: types.RuntimePython312, Handler: aws.String("attacker.victim"), Code: &types.FunctionCode{ZipFile: code}}); err != nil {
		t.Fatal(err)
	}
	vinv, err := a.lc.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("victim")})
	if err != nil || vinv.FunctionError != nil {
		t.Fatalf("victim: %v %s", err, vinv.Payload)
	}

	// The attacker: account B's root.
	_, bCreds := createAccount(t, p.URL)
	bCfg := awsConfig(p.URL, bCreds.AccessKeyID, bCreds.SecretAccessKey, "")
	blc := lambda.NewFromConfig(bCfg)
	bRole := fnRole(t, iam.NewFromConfig(bCfg), "attacker-role")
	if _, err := blc.CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String("attacker"), Role: aws.String(bRole),
		Runtime: types.RuntimePython312, Handler: aws.String("attacker.handler"), Timeout: aws.Int32(120),
		Code: &types.FunctionCode{ZipFile: code}}); err != nil {
		t.Fatal(err)
	}
	// Without isolation, the server listened on a host port for each
	// instance's Runtime API; now it listens on its own port only.
	serverPort, _ := strconv.Atoi(p.URL[strings.LastIndexByte(p.URL, ':')+1:])
	if got := listeners(t, p.Cmd.Process.Pid); len(got) != 1 || got[0] != serverPort {
		t.Errorf("server listens on host ports %v, want only %d", got, serverPort)
	}

	paths := []string{
		filepath.Join(dataDir, "master.key"), filepath.Join(dataDir, "credentials"), filepath.Join(dataDir, "gatehouse.db"),
		"/etc/shadow", "/proc/1/root" + dataDir + "/master.key", "/proc/1/environ",
	}
	event, _ := json.Marshal(map[string]any{"paths": paths, "ports": []int{serverPort, 9001, 9002}})
	inv, err := blc.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("attacker"), Payload: event})
	if err != nil || inv.FunctionError != nil {
		t.Fatalf("attacker: %v %s", err, inv.Payload)
	}
	report := string(inv.Payload)
	var got struct {
		UID        int                       `json:"uid"`
		EUID       int                       `json:"euid"`
		NoNewPrivs string                    `json:"NoNewPrivs"`
		CapEff     string                    `json:"CapEff"`
		CapBnd     string                    `json:"CapBnd"`
		Proc       map[string]string         `json:"proc"`
		Files      map[string]string         `json:"files"`
		Ls         []string                  `json:"ls /"`
		WriteTask  string                    `json:"write /var/task"`
		Writable   []string                  `json:"writable"`
		OwnAPI     int                       `json:"own_api_port"`
		OpenPorts  []int                     `json:"open_ports"`
		Next       map[string]map[string]any `json:"next"`
		OwnNext    map[string]any            `json:"own_next"`
		RequestID  string                    `json:"request_id"`
	}
	if err := json.Unmarshal(inv.Payload, &got); err != nil {
		t.Fatalf("report: %v\n%.2000s", err, report)
	}

	// Nothing secret anywhere in what it read, and not even the data dir's
	// path in any process's environment or command line.
	for name, secret := range map[string]string{
		"root secret key (server environment)": gatehousetest.SecretAccessKey,
		"master key (data dir)":                strings.TrimSpace(string(masterKey)),
		"credentials file (data dir)":          decoy,
	} {
		if strings.Contains(report, secret) || strings.Contains(report, base64.StdEncoding.EncodeToString([]byte(secret))) {
			t.Errorf("the function got the %s", name)
		}
	}
	for k, v := range got.Proc {
		if strings.Contains(v, dataDir) || strings.Contains(v, "GATEHOUSE_") {
			t.Errorf("%s shows the server's data dir or configuration: %.200q", k, v)
		}
	}
	for _, path := range paths {
		if r := got.Files[path]; !strings.HasPrefix(r, "ERR ") && path != "/proc/1/environ" {
			t.Errorf("read %s: %.80q", path, r)
		}
	}
	if got.UID == 0 || got.EUID == 0 || got.NoNewPrivs != "1" || got.CapEff != "0000000000000000" || got.CapBnd != "0000000000000000" {
		t.Errorf("privileges: uid %d euid %d NoNewPrivs %q CapEff %q CapBnd %q", got.UID, got.EUID, got.NoNewPrivs, got.CapEff, got.CapBnd)
	}
	// Its own pid namespace: a reaper, itself and nothing of the host.
	for k := range got.Proc {
		pid, _, _ := strings.Cut(strings.TrimPrefix(k, "/proc/"), "/")
		if n, _ := strconv.Atoi(pid); n > 64 {
			t.Errorf("sees host process %s", k)
		}
	}
	if got.WriteTask == "written" || len(got.Writable) > 0 {
		t.Errorf("wrote into /var/task (%s) or %v", got.WriteTask, got.Writable)
	}
	for _, d := range got.Ls {
		switch d {
		case "bin", "dev", "etc", "lib", "lib32", "lib64", "libx32", "proc", "root", "sbin", "tmp", "usr", "var":
		default:
			t.Errorf("/ shows %q", d)
		}
	}
	// Only its own Runtime API and gatehouse are reachable, and its
	// Runtime API hands it its own invocation, never another one.
	for _, port := range got.OpenPorts {
		if port != got.OwnAPI && port != serverPort {
			t.Errorf("port %d is open to the function", port)
		}
	}
	if got.OwnAPI == 0 || got.OwnNext["request_id"] != got.RequestID {
		t.Errorf("own Runtime API: %v (request %s)", got.OwnNext, got.RequestID)
	}
	for port, r := range got.Next {
		if id, _ := r["request_id"].(string); id != "" {
			t.Errorf("port %s delivered invocation %s to the attacker", port, id)
		}
	}
	// The victim still gets its own invocations, and not the attacker's /tmp.
	vinv, err = a.lc.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("victim"), Payload: []byte(`{"do":"ls_tmp"}`)})
	if err != nil || vinv.FunctionError != nil || strings.Contains(string(vinv.Payload), "attacker-was-here") {
		t.Errorf("victim after the attack: %v %s", err, vinv.Payload)
	}
	if t.Failed() {
		t.Logf("attacker's report:\n%.6000s", report)
	}
}

// TestServerEnvironmentHasNoSecrets: the secrets given to `gatehouse serve`
// in its environment are not in /proc/PID/environ once it runs, and it
// still uses them.
func TestServerEnvironmentHasNoSecrets(t *testing.T) {
	if testing.Short() {
		t.Skip("long: runs the binary")
	}
	masterKey := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32))
	dataDir := t.TempDir()
	p := gatehousetest.StartBinary(t, dataDir, []string{
		"GATEHOUSE_ROOT_ACCESS_KEY_ID=" + gatehousetest.AccessKeyID,
		"GATEHOUSE_ROOT_SECRET_ACCESS_KEY=" + gatehousetest.SecretAccessKey,
		"GATEHOUSE_MASTER_KEY=" + masterKey,
	})
	environ, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", p.Cmd.Process.Pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{gatehousetest.SecretAccessKey, masterKey, "GATEHOUSE_ROOT_SECRET_ACCESS_KEY", "GATEHOUSE_MASTER_KEY"} {
		if bytes.Contains(environ, []byte(secret)) {
			t.Errorf("/proc/%d/environ contains %q", p.Cmd.Process.Pid, secret)
		}
	}
	// The root keys from the environment work, and the master key from the
	// environment is the one in use (none was generated).
	e := newEnv(t, p.URL, p.DataDir)
	if _, err := e.ic.CreateUser(context.Background(), &iam.CreateUserInput{UserName: aws.String("u")}); err != nil {
		t.Errorf("root keys from the environment: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dataDir, "master.key")); err == nil {
		t.Errorf("a master key was generated although GATEHOUSE_MASTER_KEY was set")
	}
}

// TestLocalCodeRoots: the local-directory code source only takes
// directories under the roots the operator allows, resolved, and never the
// data dir, inside it or around it.
func TestLocalCodeRoots(t *testing.T) {
	root := t.TempDir()
	allowed := filepath.Join(root, "allowed")
	data := filepath.Join(allowed, "data") // the data dir, inside a root
	other := filepath.Join(root, "other")
	for _, d := range []string{filepath.Join(allowed, "fn"), data, other} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for name, target := range map[string]string{"to-data": data, "to-other": other, "to-fn": filepath.Join(allowed, "fn")} {
		if err := os.Symlink(target, filepath.Join(allowed, name)); err != nil {
			t.Fatal(err)
		}
	}
	srv := gatehousetest.Start(t, gatehousetest.WithDataDir(data), func(c *config.Config) { c.LambdaCodeRoots = []string{allowed} })
	e := newEnv(t, srv.URL, srv.DataDir)
	ctx := context.Background()
	create := func(key string) error {
		_, err := e.lc.CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String("f" + strconv.Itoa(len(key))), Role: aws.String(e.role),
			Runtime: types.RuntimeProvidedal2023, Handler: aws.String("bootstrap"),
			Code: &types.FunctionCode{S3Bucket: aws.String("gatehouse-local-dir"), S3Key: aws.String(key)}})
		if err == nil {
			_, _ = e.lc.DeleteFunction(ctx, &lambda.DeleteFunctionInput{FunctionName: aws.String("f" + strconv.Itoa(len(key)))})
		}
		return err
	}
	const notAllowed = "is not under a directory this gatehouse allows for local code (--lambda-code-roots)."
	tests := []struct {
		name, key, want string
	}{
		{"under a root", filepath.Join(allowed, "fn"), ""},
		{"symlink to a dir under a root", filepath.Join(allowed, "to-fn"), ""},
		{"the data dir", data, notAllowed},
		{"the data dir, unclean", allowed + "/fn/../data/", notAllowed},
		{"inside the data dir", filepath.Join(data, "lambda"), notAllowed},
		{"a root containing the data dir", allowed, notAllowed},
		{"symlink to the data dir", filepath.Join(allowed, "to-data"), notAllowed},
		{"symlink out of the roots", filepath.Join(allowed, "to-other"), notAllowed},
		{"outside the roots", other, notAllowed},
		{"the host's root", "/", notAllowed},
		{"/etc", "/etc", notAllowed},
		{"missing under a root", filepath.Join(allowed, "missing"), "does not exist on the gatehouse host."},
		{"missing outside the roots", "/nonexistent/dir", notAllowed},
		{"relative", "fn", "S3Key must be an absolute directory path"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := create(tc.key)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("got %v, want accepted", err)
				}
				return
			}
			code, msg := apiErr(t, err)
			if code != "InvalidParameterValueException" || !strings.Contains(msg, tc.want) {
				t.Errorf("got %s %q, want InvalidParameterValueException containing %q", code, msg, tc.want)
			}
		})
	}

	// Without --lambda-code-roots the source is off.
	srv2 := gatehousetest.Start(t)
	e2 := newEnv(t, srv2.URL, srv2.DataDir)
	_, err := e2.lc.CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String("f"), Role: aws.String(e2.role),
		Runtime: types.RuntimeProvidedal2023, Handler: aws.String("bootstrap"),
		Code: &types.FunctionCode{S3Bucket: aws.String("gatehouse-local-dir"), S3Key: aws.String(srv2.DataDir)}})
	if code, msg := apiErr(t, err); code != "InvalidParameterValueException" || !strings.Contains(msg, "disabled on this gatehouse") {
		t.Errorf("no roots: got %s %q", code, msg)
	}
}

// TestLocalCodeRechecked: a directory accepted at create time is checked
// again when an instance starts, so replacing it by a symlink to the data
// dir afterwards does not expose the data dir.
func TestLocalCodeRechecked(t *testing.T) {
	root := t.TempDir()
	data := filepath.Join(root, "data")
	fn := filepath.Join(root, "fn")
	if err := os.MkdirAll(fn, 0o755); err != nil {
		t.Fatal(err)
	}
	srv := startServer(t, gatehousetest.WithDataDir(data), func(c *config.Config) { c.LambdaCodeRoots = []string{root} })
	e := newEnv(t, srv.URL, srv.DataDir)
	ctx := context.Background()
	if _, err := e.lc.CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String("swap"), Role: aws.String(e.role),
		Runtime: types.RuntimeProvidedal2023, Handler: aws.String("bootstrap"),
		Code: &types.FunctionCode{S3Bucket: aws.String("gatehouse-local-dir"), S3Key: aws.String(fn)}}); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(fn); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(data, fn); err != nil {
		t.Fatal(err)
	}
	_, err := e.lc.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("swap")})
	if code, msg := apiErr(t, err); code != "InvalidParameterValueException" || !strings.Contains(msg, "--lambda-code-roots") {
		t.Errorf("got %s %q", code, msg)
	}
}

// TestFunctionLimits: memory beyond MemorySize ends the invocation as AWS
// reports an out-of-memory kill, and /tmp is as large as EphemeralStorage.
func TestFunctionLimits(t *testing.T) {
	needPython(t)
	e := setup(t)
	ctx := context.Background()
	code, err := zipDir(absPath(t, "testdata/redteam"))
	if err != nil {
		t.Fatal(err)
	}
	for name, handler := range map[string]string{"hog": "attacker.hog", "fill": "attacker.fill_tmp"} {
		if _, err := e.lc.CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String(name), Role: aws.String(e.role),
			Runtime: types.RuntimePython312, Handler: aws.String(handler), Timeout: aws.Int32(60), MemorySize: aws.Int32(128),
			EphemeralStorage: &types.EphemeralStorage{Size: aws.Int32(512)}, Code: &types.FunctionCode{ZipFile: code}}); err != nil {
			t.Fatal(err)
		}
	}
	t.Run("memory", func(t *testing.T) {
		inv, err := e.lc.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("hog"), Payload: []byte(`{"mb":1024}`), LogType: types.LogTypeTail})
		if err != nil {
			t.Fatal(err)
		}
		logs, _ := base64.StdEncoding.DecodeString(aws.ToString(inv.LogResult))
		if inv.FunctionError == nil || *inv.FunctionError != "Unhandled" ||
			!strings.HasPrefix(string(inv.Payload), `{"errorType":"Runtime.ExitError","errorMessage":"RequestId: `) ||
			!strings.HasSuffix(string(inv.Payload), ` Error: Runtime exited with error: signal: killed"}`) {
			t.Errorf("got %v %s", inv.FunctionError, inv.Payload)
		}
		if !strings.Contains(string(logs), "\tStatus: error\tError Type: Runtime.OutOfMemory") {
			t.Errorf("log:\n%s", logs)
		}
	})
	t.Run("tmp", func(t *testing.T) {
		inv, err := e.lc.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("fill"), Payload: []byte(`{"mb":600}`)})
		if err != nil || inv.FunctionError != nil {
			t.Fatalf("%v %s", err, inv.Payload)
		}
		var got struct {
			Written int `json:"written_mb"`
			Errno   int `json:"error"`
		}
		if err := json.Unmarshal(inv.Payload, &got); err != nil || got.Errno != 28 || got.Written < 500 || got.Written > 512 {
			t.Errorf("got %s, want ENOSPC (28) after about 512 MB", inv.Payload)
		}
	})
}

// TestWithoutSandbox: on a host where functions cannot be isolated (here:
// no bwrap on PATH) the server starts, says why at start, and Invoke
// refuses with AWS's ServiceException saying what to install; only
// --lambda-isolation=none runs functions there, with a warning.
func TestWithoutSandbox(t *testing.T) {
	if testing.Short() {
		t.Skip("long: runs the binary twice")
	}
	noBwrap := t.TempDir() // a PATH without bwrap (nor anything else)
	code := goFunctionZip(t)
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		args   []string
		banner string
		run    bool
	}{
		{"refused", nil, "Lambda functions will NOT run: functions cannot run isolated on this host: bubblewrap is not installed (no bwrap on PATH); install it: apt-get install bubblewrap", false},
		{"isolation none", []string{"--lambda-isolation=none"}, "WARNING: --lambda-isolation=none: functions run unisolated", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := gatehousetest.StartBinary(t, t.TempDir(), []string{
				"PATH=" + noBwrap,
				"GATEHOUSE_ROOT_ACCESS_KEY_ID=" + gatehousetest.AccessKeyID,
				"GATEHOUSE_ROOT_SECRET_ACCESS_KEY=" + gatehousetest.SecretAccessKey,
			}, tc.args...)
			if !strings.Contains(p.Stdout.String(), tc.banner) {
				t.Errorf("banner lacks %q:\n%s", tc.banner, p.Stdout)
			}
			e := newEnv(t, p.URL, p.DataDir)
			if _, err := e.lc.CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String("fn"), Role: aws.String(e.role),
				Runtime: types.RuntimeProvidedal2023, Handler: aws.String("bootstrap"), Code: &types.FunctionCode{ZipFile: code}}); err != nil {
				t.Fatal(err)
			}
			for _, typ := range []types.InvocationType{types.InvocationTypeRequestResponse, types.InvocationTypeEvent} {
				inv, err := e.lc.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("fn"), InvocationType: typ})
				if tc.run {
					if err != nil || inv.FunctionError != nil {
						t.Errorf("%s: %v", typ, err)
					}
					continue
				}
				code, msg := apiErr(t, err)
				if code != "ServiceException" || !strings.Contains(msg, "bubblewrap is not installed") || !strings.Contains(msg, "--lambda-isolation=none") {
					t.Errorf("%s: got %s %q", typ, code, msg)
				}
			}
			if !tc.run && !strings.Contains(p.Stderr.String(), "level=ERROR msg=\"lambda: functions will not run\"") {
				t.Errorf("log:\n%s", p.Stderr)
			}
			if tc.run && !strings.Contains(p.Stderr.String(), "level=WARN msg=\"lambda: --lambda-isolation=none") {
				t.Errorf("log:\n%s", p.Stderr)
			}
		})
	}
}
