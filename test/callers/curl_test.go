package callers_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
)

// TestCurl drives the built `gatehouse curl` against a real gatehouse with
// every credential source of the standard chain, and checks its exit codes
// and messages on the gateway's real errors.
func TestCurl(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	base := w.base()
	invokerArn := "arn:aws:iam::" + account + ":user/invoker"

	// Shared files: a static profile "dev" (the invoker's keys) and a role
	// profile "viarole" sourcing it.
	credsFile := writeFile(t, "credentials", "[dev]\naws_access_key_id = "+w.Invoker.AccessKeyID+
		"\naws_secret_access_key = "+w.Invoker.SecretAccessKey+"\n")
	configFile := writeFile(t, "config", "[profile dev]\nregion = "+region+"\n\n[profile viarole]\nrole_arn = "+
		roleARN("profile-role")+"\nsource_profile = dev\nrole_session_name = from-profile\nregion = "+region+"\n")
	files := func(extra ...string) []string {
		env := cleanEnv(t, "AWS_CONFIG_FILE="+configFile, "AWS_SHARED_CREDENTIALS_FILE="+credsFile)
		return append(env, extra...)
	}
	invokerEnv := cleanEnv(t, append(credEnv(w.Invoker), "AWS_REGION="+region)...)

	// Web identity: a token from an HTTPS OIDC issuer, exchanged by the
	// SDK's chain with the real AssumeRoleWithWebIdentity.
	is := newIssuer(t)
	sub := "system:serviceaccount:default:caller"
	w.webIdentityRole(t, is, "wi-role", sub)
	tokenFile := writeFile(t, "token", is.token(t, sub))

	ok := []struct {
		name    string
		env     []string
		stdin   string
		args    []string
		method  string
		path    string
		query   string
		caller  string // X-Caller-Arn the backend saw; a trailing "/" means a prefix
		bodyLen int64
		bodySum string
		ctype   string
	}{
		{name: "env credentials GET", env: invokerEnv, args: []string{base + "/echo/pets?color=red&n=2"},
			method: "GET", path: "/echo/pets", query: "color=red&n=2", caller: invokerArn},
		{name: "env credentials POST data", env: invokerEnv, args: []string{"-d", `{"name":"rex"}`, base + "/echo/pets"},
			method: "POST", path: "/echo/pets", caller: invokerArn, bodyLen: 14, bodySum: sum(`{"name":"rex"}`), ctype: "application/json"},
		{name: "data from stdin with method and header", env: invokerEnv, stdin: "a=1&b=2",
			args:   []string{"-X", "PUT", "-H", "Content-Type: application/x-www-form-urlencoded", "-d", "@-", base + "/echo/form"},
			method: "PUT", path: "/echo/form", caller: invokerArn, bodyLen: 7, bodySum: sum("a=1&b=2"), ctype: "application/x-www-form-urlencoded"},
		{name: "profile flag", env: files(), args: []string{"--profile", "dev", base + "/echo/p"},
			method: "GET", path: "/echo/p", caller: invokerArn},
		{name: "AWS_PROFILE", env: files("AWS_PROFILE=dev"), args: []string{base + "/echo/p"},
			method: "GET", path: "/echo/p", caller: invokerArn},
		{name: "role_arn and source_profile", env: files("AWS_ENDPOINT_URL_STS=" + w.URL), args: []string{"--profile", "viarole", base + "/echo/r"},
			method: "GET", path: "/echo/r", caller: "arn:aws:sts::" + account + ":assumed-role/profile-role/from-profile"},
		{name: "role profile with --endpoint-url", env: files(), args: []string{"--profile", "viarole", "--endpoint-url", w.URL, base + "/echo/r"},
			method: "GET", path: "/echo/r", caller: "arn:aws:sts::" + account + ":assumed-role/profile-role/from-profile"},
		{name: "assume-role with external id", env: invokerEnv,
			args:   []string{"--assume-role", roleARN("ext-role"), "--role-session-name", "alice", "--external-id", externalID, "--endpoint-url", w.URL, base + "/echo/a"},
			method: "GET", path: "/echo/a", caller: "arn:aws:sts::" + account + ":assumed-role/ext-role/alice"},
		{name: "assume-role default session name", env: invokerEnv,
			args:   []string{base + "/echo/a", "--assume-role", roleARN("profile-role"), "--endpoint-url", w.URL},
			method: "GET", path: "/echo/a", caller: "arn:aws:sts::" + account + ":assumed-role/profile-role/gatehouse-curl-"},
		{name: "assume-role trusted by the account", env: invokerEnv,
			args:   []string{"--assume-role", roleARN("account-role"), "--role-session-name", "acct", "--endpoint-url", w.URL, base + "/echo/acct"},
			method: "GET", path: "/echo/acct", caller: "arn:aws:sts::" + account + ":assumed-role/account-role/acct"},
		{name: "web identity", env: cleanEnv(t, "AWS_REGION="+region, "AWS_ROLE_ARN="+roleARN("wi-role"),
			"AWS_WEB_IDENTITY_TOKEN_FILE="+tokenFile, "AWS_ROLE_SESSION_NAME=pod-1", "AWS_ENDPOINT_URL_STS="+w.URL),
			args: []string{base + "/echo/wi"}, method: "GET", path: "/echo/wi", caller: "arn:aws:sts::" + account + ":assumed-role/wi-role/pod-1"},
	}
	for _, tc := range ok {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var stdin io.Reader
			if tc.stdin != "" {
				stdin = strings.NewReader(tc.stdin)
			}
			r := gatehouse(t, tc.env, stdin, append([]string{"curl"}, tc.args...)...)
			if r.code != 0 {
				t.Fatalf("exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
			}
			e := parseEcho(t, []byte(r.stdout))
			if e.Method != tc.method || e.Path != tc.path || e.Query != tc.query {
				t.Errorf("backend got %s %s ?%s, want %s %s ?%s", e.Method, e.Path, e.Query, tc.method, tc.path, tc.query)
			}
			if strings.HasSuffix(tc.caller, "/") || strings.HasSuffix(tc.caller, "-") {
				if !strings.HasPrefix(e.CallerArn, tc.caller) {
					t.Errorf("caller %q, want prefix %q", e.CallerArn, tc.caller)
				}
			} else if e.CallerArn != tc.caller {
				t.Errorf("caller %q, want %q", e.CallerArn, tc.caller)
			}
			if tc.bodySum == "" {
				tc.bodySum = sum("")
			}
			if e.BodyLen != tc.bodyLen || e.BodySHA256 != tc.bodySum || e.ContentType != tc.ctype {
				t.Errorf("body %d bytes %s %q, want %d bytes %s %q", e.BodyLen, e.BodySHA256, e.ContentType, tc.bodyLen, tc.bodySum, tc.ctype)
			}
		})
	}

	t.Run("data file is streamed", func(t *testing.T) {
		t.Parallel()
		data := strings.Repeat("0123456789abcdef", 3<<16) // 3 MiB
		p := filepath.Join(t.TempDir(), "big.bin")
		if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		r := gatehouse(t, invokerEnv, nil, "curl", "-X", "POST", "-H", "Content-Type: application/octet-stream", "--data", "@"+p, base+"/echo/upload")
		if r.code != 0 {
			t.Fatalf("exit %d: %s", r.code, r.stderr)
		}
		e := parseEcho(t, []byte(r.stdout))
		if e.BodyLen != int64(len(data)) || e.BodySHA256 != sum(data) || e.ContentType != "application/octet-stream" {
			t.Fatalf("backend got %+v", e)
		}
	})

	t.Run("include and host form", func(t *testing.T) {
		t.Parallel()
		r := gatehouse(t, invokerEnv, nil, "curl", "-i", "-H", "Host: "+w.APIID+".execute-api.localhost", w.URL+"/"+stage+"/hello")
		if r.code != 0 {
			t.Fatalf("exit %d: %s", r.code, r.stderr)
		}
		if !strings.HasPrefix(r.stdout, "HTTP/1.1 200 OK\r\n") || !strings.HasSuffix(r.stdout, "\r\n\r\n{\"Message\":\"Hello World\"}") {
			t.Fatalf("stdout %q", r.stdout)
		}
	})

	t.Run("other services: sts GetCallerIdentity", func(t *testing.T) {
		t.Parallel()
		r := gatehouse(t, invokerEnv, nil, "curl", "--service", "sts", "-H", "Content-Type: application/x-www-form-urlencoded",
			"-d", "Action=GetCallerIdentity&Version=2011-06-15", w.URL+"/")
		if r.code != 0 || !strings.Contains(r.stdout, "<Arn>"+invokerArn+"</Arn>") || !strings.Contains(r.stdout, "<Account>"+account+"</Account>") {
			t.Fatalf("exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
		}
	})

	t.Run("presign", func(t *testing.T) {
		t.Parallel()
		r := gatehouse(t, invokerEnv, nil, "curl", "--presign", "--expires", "5m", base+"/echo/shared?x=1")
		if r.code != 0 || r.stderr != "" {
			t.Fatalf("exit %d: %s", r.code, r.stderr)
		}
		signed := strings.TrimSpace(r.stdout)
		u, err := url.Parse(signed)
		if err != nil || u.Query().Get("X-Amz-Expires") != "300" || u.Query().Get("x") != "1" {
			t.Fatalf("presigned URL %q: %v", signed, err)
		}
		status, body := get(t, signed)
		if status != 200 {
			t.Fatalf("GET presigned: %d %s", status, body)
		}
		e := parseEcho(t, []byte(body))
		if e.CallerArn != invokerArn || e.Path != "/echo/shared" {
			t.Fatalf("backend got %+v", e)
		}

		q := u.Query()
		sig := q.Get("X-Amz-Signature")
		flip := "0"
		if sig[len(sig)-1] == '0' {
			flip = "1"
		}
		q.Set("X-Amz-Signature", sig[:len(sig)-1]+flip)
		tampered := *u
		tampered.RawQuery = q.Encode()
		status, body = get(t, tampered.String())
		if want := presignMismatch(u); status != 403 || body != want {
			t.Errorf("tampered signature: %d %s\nwant 403 %s", status, body, want)
		}

		other := *u
		other.Path = strings.Replace(u.Path, "/echo/shared", "/echo/other", 1)
		status, body = get(t, other.String())
		if want := presignMismatch(&other); status != 403 || body != want {
			t.Errorf("other path with the same signature: %d %s\nwant 403 %s", status, body, want)
		}
	})

	errCases := []struct {
		name      string
		env       []string
		args      []string
		code      int
		stdout    string // exact body printed
		stderr    string // exact stderr
		stderrHas []string
	}{
		{name: "no credentials", env: cleanEnv(t, "AWS_REGION="+region), args: []string{base + "/echo/x"}, code: 1,
			stderrHas: []string{"gatehouse curl: cannot get AWS credentials: failed to refresh cached credentials, no EC2 IMDS role found",
				"(no credentials in the environment, shared files or web identity settings: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE)\n"}},
		{name: "unrouted path", env: invokerEnv, args: []string{base + "/nowhere"}, code: 22,
			stdout: `{"message":"Missing Authentication Token"}`,
			stderr: "gatehouse curl: HTTP 403 Forbidden: MissingAuthenticationTokenException: Missing Authentication Token\n"},
		{name: "no execute-api:Invoke", env: cleanEnv(t, credEnv(w.Nobody)...), args: []string{base + "/echo/secret"}, code: 22,
			stdout: `{"Message":"User: arn:aws:iam::` + account + `:user/nobody is not authorized to perform: execute-api:Invoke on resource: ` +
				w.maskedARN("GET", "/echo/secret") + ` because no identity-based policy allows the execute-api:Invoke action"}`,
			stderr: "gatehouse curl: HTTP 403 Forbidden: AccessDeniedException: User: arn:aws:iam::" + account + ":user/nobody is not authorized to perform: execute-api:Invoke on resource: " +
				w.maskedARN("GET", "/echo/secret") + " because no identity-based policy allows the execute-api:Invoke action\n"},
		{name: "wrong region", env: invokerEnv, args: []string{"--region", "eu-west-1", base + "/echo/x"}, code: 22,
			stdout: `{"message":"Credential should be scoped to a valid region, not 'eu-west-1'. "}`,
			stderr: "gatehouse curl: HTTP 403 Forbidden: InvalidSignatureException: Credential should be scoped to a valid region, not 'eu-west-1'.\n"},
		{name: "wrong secret", env: cleanEnv(t, "AWS_ACCESS_KEY_ID="+w.Invoker.AccessKeyID, "AWS_SECRET_ACCESS_KEY=wrong"), args: []string{base + "/echo/x"}, code: 22,
			stderrHas: []string{"gatehouse curl: HTTP 403 Forbidden: InvalidSignatureException: " + mismatchSentence +
				" The Canonical String for this request should have been 'GET /restapis/" + w.APIID + "/" + stage + "/_user_request_/echo/x host:" +
				strings.TrimPrefix(w.URL, "http://") + " x-amz-date:"}},
		{name: "unknown access key", env: cleanEnv(t, "AWS_ACCESS_KEY_ID=AKIAUNKNOWN000000000", "AWS_SECRET_ACCESS_KEY=x"), args: []string{base + "/echo/x"}, code: 22,
			stdout: `{"message":"The security token included in the request is invalid."}`,
			stderr: "gatehouse curl: HTTP 403 Forbidden: AccessDeniedException: The security token included in the request is invalid.\n"},
		{name: "wrong external id", env: invokerEnv,
			args: []string{"--assume-role", roleARN("ext-role"), "--role-session-name", "mallory", "--external-id", "wrong", "--endpoint-url", w.URL, base + "/echo/x"}, code: 1,
			stderrHas: []string{"gatehouse curl: cannot get AWS credentials: ", "AccessDenied",
				"User: arn:aws:iam::" + account + ":user/invoker is not authorized to perform: sts:AssumeRole on resource: " + roleARN("ext-role")}},
		{name: "missing external id", env: invokerEnv,
			args: []string{"--assume-role", roleARN("ext-role"), "--endpoint-url", w.URL, base + "/echo/x"}, code: 1,
			stderrHas: []string{"AccessDenied", "is not authorized to perform: sts:AssumeRole on resource: " + roleARN("ext-role")}},
		{name: "assume-role trusted by the account, no identity policy", env: cleanEnv(t, credEnv(w.Nobody)...),
			args: []string{"--assume-role", roleARN("account-role"), "--endpoint-url", w.URL, base + "/echo/x"}, code: 1,
			stderrHas: []string{"api error AccessDenied: User: arn:aws:iam::" + account + ":user/nobody is not authorized to perform: sts:AssumeRole on resource: " + roleARN("account-role")}},
		{name: "unknown profile", env: files(), args: []string{"--profile", "nope", base + "/echo/x"}, code: 1,
			stderrHas: []string{"gatehouse curl: load AWS configuration: ", "nope"}},
		{name: "iam Query error", env: invokerEnv, args: []string{"--service", "iam", "-H", "Content-Type: application/x-www-form-urlencoded",
			"-d", "Action=ListUsers&Version=2010-05-08", w.URL + "/"}, code: 22,
			stderrHas: []string{"gatehouse curl: HTTP 403 Forbidden: AccessDenied: User: " + invokerArn + " is not authorized to perform: iam:ListUsers"}},
		{name: "backend down", env: invokerEnv, args: []string{base + "/down"}, code: 22,
			stdout: `{"message":"Internal server error"}`,
			stderr: "gatehouse curl: HTTP 500 Internal Server Error: InternalServerErrorException: Internal server error\n"},
		{name: "external id without assume-role", env: invokerEnv, args: []string{"--external-id", "x", base + "/echo/x"}, code: 1,
			stderr: "gatehouse curl: --external-id needs --assume-role\n"},
		{name: "usage", env: invokerEnv, args: []string{"notaurl"}, code: 2,
			stderr: "gatehouse curl: URL \"notaurl\" is not an absolute http(s) URL\n"},
	}
	for _, tc := range errCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := gatehouse(t, tc.env, nil, append([]string{"curl"}, tc.args...)...)
			if r.code != tc.code {
				t.Errorf("exit %d, want %d", r.code, tc.code)
			}
			if tc.stdout != "" && r.stdout != tc.stdout {
				t.Errorf("stdout\n got %s\nwant %s", r.stdout, tc.stdout)
			}
			if tc.stderr != "" && r.stderr != tc.stderr {
				t.Errorf("stderr\n got %q\nwant %q", r.stderr, tc.stderr)
			}
			for _, s := range tc.stderrHas {
				if !strings.Contains(r.stderr, s) {
					t.Errorf("stderr %q lacks %q", r.stderr, s)
				}
			}
		})
	}

	t.Run("unsigned request", func(t *testing.T) {
		t.Parallel()
		resp, err := http.Get(base + "/echo/x")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 403 || string(b) != `{"message":"Missing Authentication Token"}` ||
			resp.Header.Get("X-Amzn-Errortype") != "MissingAuthenticationTokenException" {
			t.Fatalf("%d %v %s", resp.StatusCode, resp.Header, b)
		}
	})
}

const mismatchSentence = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."

// presignMismatch is the gateway's exact answer to a presigned GET of u
// whose signature does not match (spec sigv4.md §11: the server's canonical
// request and string to sign follow the sentence).
func presignMismatch(u *url.URL) string {
	q := u.Query()
	q.Del("X-Amz-Signature")
	canonical := "GET\n" + u.EscapedPath() + "\n" + strings.ReplaceAll(q.Encode(), "+", "%20") + "\nhost:" + u.Host + "\n\nhost\n" + sum("")
	date := q.Get("X-Amz-Date")
	scope := strings.SplitN(q.Get("X-Amz-Credential"), "/", 2)[1]
	sts := "AWS4-HMAC-SHA256\n" + date + "\n" + scope + "\n" + sum(canonical)
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(map[string]string{"message": mismatchSentence + "\n\nThe Canonical String for this request should have been\n'" +
		canonical + "'\n\nThe String-to-Sign should have been\n'" + sts + "'\n"})
	return strings.TrimSuffix(b.String(), "\n")
}

func sum(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

func get(t *testing.T, u string) (int, string) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// TestWebIdentityAgainstBinary is the production set-up of web identity:
// the gatehouse binary trusts the OIDC issuer's certificate through
// SSL_CERT_FILE (not a test hook), and both `gatehouse curl` and a
// `gatehouse sign-proxy` sidecar (web identity, then --assume-role, as in
// examples/eks-sidecar) get credentials with the pod's environment only.
func TestWebIdentityAgainstBinary(t *testing.T) {
	t.Parallel()
	is := newIssuer(t)
	w := newBinaryWorld(t, "SSL_CERT_FILE="+is.caFile(t))
	sub := "system:serviceaccount:prod:api-client"
	w.webIdentityRole(t, is, "eks-pod", sub)
	// The pod's role may only assume the API role; the API role may invoke.
	if _, err := w.iam.PutRolePolicy(context.Background(), &awsiam.PutRolePolicyInput{RoleName: aws.String("eks-pod"), PolicyName: aws.String("p"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"` + roleARN("api-caller") + `"}]}`)}); err != nil {
		t.Fatal(err)
	}
	w.role(t, "api-caller", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"`+roleARN("eks-pod")+`"},"Action":"sts:AssumeRole"}]}`,
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:`+region+`:`+account+`:`+w.APIID+`/*/GET/*"}]}`)
	pod := cleanEnv(t, "AWS_REGION="+region, "AWS_ROLE_ARN="+roleARN("eks-pod"), "AWS_WEB_IDENTITY_TOKEN_FILE="+writeFile(t, "token", is.token(t, sub)),
		"AWS_ROLE_SESSION_NAME=pod-7", "AWS_ENDPOINT_URL_STS="+w.URL)

	// The pod's own role has no execute-api:Invoke.
	r := gatehouse(t, pod, nil, "curl", w.base()+"/echo/direct")
	if r.code != 22 || !strings.Contains(r.stderr, "AccessDeniedException: User: arn:aws:sts::"+account+":assumed-role/eks-pod/pod-7 is not authorized to perform: execute-api:Invoke") {
		t.Fatalf("as the pod role: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	r = gatehouse(t, pod, nil, "curl", "--assume-role", roleARN("api-caller"), "--role-session-name", "via-curl", w.base()+"/echo/chained")
	if r.code != 0 {
		t.Fatalf("chained: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if e := parseEcho(t, []byte(r.stdout)); e.CallerArn != "arn:aws:sts::"+account+":assumed-role/api-caller/via-curl" {
		t.Fatalf("backend got %+v", e)
	}

	u, _, stderr := proxyProcess(t, pod, "--target", w.base(), "--assume-role", roleARN("api-caller"), "--role-session-name", "sidecar")
	status, body := get(t, u+"/echo/sidecar")
	if status != 200 {
		t.Fatalf("through the sidecar: %d %s\n%s", status, body, stderr)
	}
	if e := parseEcho(t, []byte(body)); e.CallerArn != "arn:aws:sts::"+account+":assumed-role/api-caller/sidecar" {
		t.Fatalf("backend got %+v", e)
	}
	// POST is not in api-caller's policy.
	resp, err := http.Post(u+"/echo/sidecar", "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	want := `{"Message":"User: arn:aws:sts::` + account + `:assumed-role/api-caller/sidecar is not authorized to perform: execute-api:Invoke on resource: ` +
		w.maskedARN("POST", "/echo/sidecar") + ` because no identity-based policy allows the execute-api:Invoke action"}`
	if resp.StatusCode != 403 || string(b) != want {
		t.Fatalf("POST: %d %s\nwant %s", resp.StatusCode, b, want)
	}
}
