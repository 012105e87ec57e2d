package callers_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/gatehouse-dev/gatehouse/internal/gatehousetest"
)

const (
	account = gatehousetest.AccountID
	region  = gatehousetest.Region
	stage   = "test"
	// externalID is the sts:ExternalId the trust policy of roleExt requires.
	externalID = "ext-7f3a"
)

// apiDoc is imported into the real API Gateway control plane: an AWS_IAM
// greedy route proxied to the echo backend (with the caller's identity
// mapped into headers, so the backend sees who signed), and an AWS_IAM
// MOCK route, and an AWS_IAM route to a backend that is down.
const apiDoc = `{
 "openapi": "3.0.1",
 "info": {"title": "callers-e2e", "version": "1"},
 "paths": {
  "/echo/{proxy+}": {"x-amazon-apigateway-any-method": {
     "security": [{"sigv4": []}],
     "parameters": [{"name": "proxy", "in": "path", "required": true, "schema": {"type": "string"}}],
     "x-amazon-apigateway-integration": {"type": "http_proxy", "httpMethod": "ANY", "uri": "BACKEND/echo/{proxy}",
       "requestParameters": {
         "integration.request.path.proxy": "method.request.path.proxy",
         "integration.request.header.X-Caller-Arn": "context.identity.userArn",
         "integration.request.header.X-Caller-Key": "context.identity.accessKey"}}}},
  "/down": {"get": {"security": [{"sigv4": []}],
     "x-amazon-apigateway-integration": {"type": "http_proxy", "httpMethod": "GET", "uri": "http://127.0.0.1:1/x"}}},
  "/hello": {"get": {"security": [{"sigv4": []}],
     "x-amazon-apigateway-integration": {"type": "mock",
       "requestTemplates": {"application/json": "{\"statusCode\": 200}"},
       "responses": {"default": {"statusCode": "200",
         "responseTemplates": {"application/json": "{\"Message\":\"Hello World\"}"}}}}}}
 },
 "components": {"securitySchemes": {"sigv4": {"type": "apiKey", "name": "Authorization", "in": "header",
   "x-amazon-apigateway-authtype": "awsSigv4"}}}
}`

// echoed is what the echo backend answers: what reached it through the
// gateway.
type echoed struct {
	Method      string `json:"method"`
	Path        string `json:"path"`
	Query       string `json:"query"`
	CallerArn   string `json:"callerArn"`
	CallerKey   string `json:"callerKey"`
	ContentType string `json:"contentType"`
	BodyLen     int64  `json:"bodyLen"`
	BodySHA256  string `json:"bodySha256"`
}

func echoHandler(w http.ResponseWriter, r *http.Request) {
	h := sha256.New()
	n, err := io.Copy(h, r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(echoed{
		Method: r.Method, Path: r.URL.EscapedPath(), Query: r.URL.RawQuery,
		CallerArn: r.Header.Get("X-Caller-Arn"), CallerKey: r.Header.Get("X-Caller-Key"),
		ContentType: r.Header.Get("Content-Type"),
		BodyLen:     n, BodySHA256: hex.EncodeToString(h.Sum(nil)),
	})
}

func parseEcho(t testing.TB, b []byte) echoed {
	t.Helper()
	var e echoed
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatalf("backend answer %q: %v", b, err)
	}
	return e
}

// world is a real gatehouse with the API deployed, users and roles created
// through the real IAM API.
type world struct {
	URL   string                // gatehouse
	srv   *gatehousetest.Server // nil when gatehouse runs as a binary
	APIID string
	iam   *awsiam.Client

	Invoker aws.Credentials // user "invoker": may invoke the API and assume the roles
	Nobody  aws.Credentials // user "nobody": no policy at all
}

func rootConfig(url string) aws.Config {
	return aws.Config{
		Region:           region,
		Credentials:      aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) { return rootCreds, nil }),
		BaseEndpoint:     aws.String(url),
		RetryMaxAttempts: 1,
	}
}

var rootCreds = aws.Credentials{AccessKeyID: gatehousetest.AccessKeyID, SecretAccessKey: gatehousetest.SecretAccessKey}

// newWorld starts gatehouse in-process and sets it up.
func newWorld(t *testing.T, opts ...gatehousetest.Option) *world {
	t.Helper()
	s := gatehousetest.Start(t, opts...)
	w := setup(t, s.URL)
	w.srv = s
	return w
}

// newBinaryWorld runs the gatehouse binary (so that the test process's
// memory is the caller side's only, or to give it an environment such as
// SSL_CERT_FILE) and sets it up.
func newBinaryWorld(t *testing.T, env ...string) *world {
	t.Helper()
	p := gatehousetest.StartBinary(t, t.TempDir(), append([]string{
		"GATEHOUSE_ROOT_ACCESS_KEY_ID=" + gatehousetest.AccessKeyID,
		"GATEHOUSE_ROOT_SECRET_ACCESS_KEY=" + gatehousetest.SecretAccessKey,
	}, env...))
	return setup(t, p.URL)
}

func setup(t *testing.T, url string) *world {
	t.Helper()
	ctx := context.Background()
	be := httptest.NewServer(http.HandlerFunc(echoHandler))
	t.Cleanup(be.Close)
	cfg := rootConfig(url)
	apig := apigateway.NewFromConfig(cfg)
	w := &world{URL: url, iam: awsiam.NewFromConfig(cfg)}

	out, err := apig.ImportRestApi(ctx, &apigateway.ImportRestApiInput{Body: []byte(strings.ReplaceAll(apiDoc, "BACKEND", be.URL))})
	if err != nil {
		t.Fatalf("ImportRestApi: %v", err)
	}
	w.APIID = *out.Id
	if _, err := apig.CreateDeployment(ctx, &apigateway.CreateDeploymentInput{RestApiId: out.Id, StageName: aws.String(stage)}); err != nil {
		t.Fatalf("CreateDeployment: %v", err)
	}

	invoke := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:` +
		region + `:` + account + `:` + w.APIID + `/*"}]}`
	invokeAndAssume := `{"Version":"2012-10-17","Statement":[
	  {"Effect":"Allow","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:` + region + `:` + account + `:` + w.APIID + `/*"},
	  {"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::` + account + `:role/*"}]}`
	w.Invoker = w.user(t, "invoker", invokeAndAssume)
	w.Nobody = w.user(t, "nobody", "")

	byInvoker := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + account + `:user/invoker"},"Action":"sts:AssumeRole"}]}`
	w.role(t, "profile-role", byInvoker, invoke)
	w.role(t, "ext-role", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::`+account+
		`:user/invoker"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"`+externalID+`"}}}]}`, invoke)
	// Trusting the account (not a principal) delegates to identity
	// policies: the invoker may assume it, nobody may not.
	w.role(t, "account-role", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::`+account+
		`:root"},"Action":"sts:AssumeRole"}]}`, invoke)
	return w
}

func (w *world) user(t *testing.T, name, policy string) aws.Credentials {
	t.Helper()
	ctx := context.Background()
	if _, err := w.iam.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String(name)}); err != nil {
		t.Fatalf("CreateUser %s: %v", name, err)
	}
	if policy != "" {
		if _, err := w.iam.PutUserPolicy(ctx, &awsiam.PutUserPolicyInput{UserName: aws.String(name),
			PolicyName: aws.String("p"), PolicyDocument: aws.String(policy)}); err != nil {
			t.Fatalf("PutUserPolicy %s: %v", name, err)
		}
	}
	k, err := w.iam.CreateAccessKey(ctx, &awsiam.CreateAccessKeyInput{UserName: aws.String(name)})
	if err != nil {
		t.Fatalf("CreateAccessKey %s: %v", name, err)
	}
	return aws.Credentials{AccessKeyID: *k.AccessKey.AccessKeyId, SecretAccessKey: *k.AccessKey.SecretAccessKey}
}

func (w *world) role(t *testing.T, name, trust, policy string) string {
	t.Helper()
	ctx := context.Background()
	r, err := w.iam.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(trust)})
	if err != nil {
		t.Fatalf("CreateRole %s: %v", name, err)
	}
	if _, err := w.iam.PutRolePolicy(ctx, &awsiam.PutRolePolicyInput{RoleName: aws.String(name),
		PolicyName: aws.String("p"), PolicyDocument: aws.String(policy)}); err != nil {
		t.Fatalf("PutRolePolicy %s: %v", name, err)
	}
	return *r.Role.Arn
}

func roleARN(name string) string { return "arn:aws:iam::" + account + ":role/" + name }

// base is the API's stage URL in the path form any client can reach.
func (w *world) base() string {
	return w.URL + "/restapis/" + w.APIID + "/" + stage + "/_user_request_"
}

// maskedARN is the method ARN as the gateway prints it in denials.
func (w *world) maskedARN(method, path string) string {
	return "arn:aws:execute-api:" + region + ":********" + account[len(account)-4:] + ":" + w.APIID + "/" + stage + "/" + method + path
}

// metric returns the value of gatehouse_requests_total summed over the
// series whose labels contain every one of want (e.g. `operation="AssumeRole"`).
func (w *world) metric(t *testing.T, want ...string) float64 {
	t.Helper()
	resp, err := http.Get(w.URL + "/_gatehouse/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var sum float64
	for _, line := range strings.Split(string(b), "\n") {
		if !strings.HasPrefix(line, "gatehouse_requests_total{") {
			continue
		}
		ok := true
		for _, s := range want {
			ok = ok && strings.Contains(line, s)
		}
		if !ok {
			continue
		}
		var v float64
		if i := strings.LastIndexByte(line, ' '); i > 0 {
			if err := json.Unmarshal([]byte(line[i+1:]), &v); err != nil {
				t.Fatalf("metric line %q: %v", line, err)
			}
		}
		sum += v
	}
	return sum
}

// cleanEnv is an environment for caller processes with no AWS settings
// except extra: no shared files, no instance metadata.
func cleanEnv(t *testing.T, extra ...string) []string {
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "TMPDIR=" + os.TempDir(),
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_EC2_METADATA_DISABLED=true"}
	return append(env, extra...)
}

func credEnv(c aws.Credentials) []string {
	env := []string{"AWS_ACCESS_KEY_ID=" + c.AccessKeyID, "AWS_SECRET_ACCESS_KEY=" + c.SecretAccessKey}
	if c.SessionToken != "" {
		env = append(env, "AWS_SESSION_TOKEN="+c.SessionToken)
	}
	return env
}

type result struct {
	stdout, stderr string
	code           int
}

// gatehouse runs the built binary with env and args.
func gatehouse(t *testing.T, env []string, stdin io.Reader, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, gatehousetest.Binary(t), args...)
	cmd.Env = env
	cmd.Stdin = stdin
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errb.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("gatehouse %v: %v", args, err)
	}
	return r
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// issuer is an OIDC issuer served over HTTPS with a self-signed
// certificate, which the in-process STS is told to trust.
type issuer struct {
	srv *httptest.Server
	sig jose.Signer
}

// issuerKey signs every test issuer's tokens: generating an RSA key takes
// seconds under -race, and each issuer is a separate server anyway.
var (
	keyOnce   sync.Once
	issuerKey *rsa.PrivateKey
	keyErr    error
)

func newIssuer(t *testing.T) *issuer {
	t.Helper()
	keyOnce.Do(func() { issuerKey, keyErr = rsa.GenerateKey(rand.Reader, 2048) })
	if keyErr != nil {
		t.Fatal(keyErr)
	}
	key := issuerKey
	is := &issuer{}
	mux := http.NewServeMux()
	mux.HandleFunc("/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{"issuer": is.srv.URL, "jwks_uri": is.srv.URL + "/keys",
			"id_token_signing_alg_values_supported": []string{"RS256"}})
	})
	mux.HandleFunc("/keys", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}})
	})
	is.srv = httptest.NewTLSServer(mux)
	t.Cleanup(is.srv.Close)
	var err error
	is.sig, err = jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", "k1"))
	if err != nil {
		t.Fatal(err)
	}
	return is
}

// caFile writes the issuer's self-signed certificate as a PEM bundle for
// SSL_CERT_FILE.
func (is *issuer) caFile(t *testing.T) string {
	t.Helper()
	return writeFile(t, "issuer-ca.pem", string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: is.srv.Certificate().Raw})))
}

func (is *issuer) host() string { return strings.TrimPrefix(is.srv.URL, "https://") }

func (is *issuer) token(t *testing.T, sub string) string {
	t.Helper()
	now := time.Now()
	s, err := jwt.Signed(is.sig).Claims(jwt.Claims{Issuer: is.srv.URL, Subject: sub, Audience: jwt.Audience{"sts.amazonaws.com"},
		IssuedAt: jwt.NewNumericDate(now), NotBefore: jwt.NewNumericDate(now), Expiry: jwt.NewNumericDate(now.Add(time.Hour))}).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// webIdentityRole registers is as an OIDC provider and creates a role that
// sub can assume with its tokens and that may invoke the API.
func (w *world) webIdentityRole(t *testing.T, is *issuer, name, sub string) string {
	t.Helper()
	if w.srv != nil {
		// In-process: trust the issuer's certificate without touching the
		// process-wide roots. A binary server trusts it through SSL_CERT_FILE.
		w.srv.App.STS.SetHTTPClient(is.srv.Client())
	}
	p, err := w.iam.CreateOpenIDConnectProvider(context.Background(), &awsiam.CreateOpenIDConnectProviderInput{
		Url: aws.String(is.srv.URL), ClientIDList: []string{"sts.amazonaws.com"}})
	if err != nil {
		t.Fatalf("CreateOpenIDConnectProvider: %v", err)
	}
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"` + *p.OpenIDConnectProviderArn +
		`"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"` + is.host() + `:sub":"` + sub + `","` +
		is.host() + `:aud":"sts.amazonaws.com"}}}]}`
	invoke := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:` +
		region + `:` + account + `:` + w.APIID + `/*"}]}`
	return w.role(t, name, trust, invoke)
}
