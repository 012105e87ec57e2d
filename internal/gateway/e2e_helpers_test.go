package gateway_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	apitypes "github.com/aws/aws-sdk-go-v2/service/apigateway/types"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/gatehouse-dev/gatehouse/internal/config"
	"github.com/gatehouse-dev/gatehouse/internal/gatehousetest"
)

type env struct {
	t    testing.TB
	srv  *gatehousetest.Server
	root aws.Credentials
	apig *apigateway.Client
	iam  *awsiam.Client
	be   *httptest.Server
}

func awsConfig(creds aws.Credentials) aws.Config {
	return aws.Config{Region: gatehousetest.Region, Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) { return creds, nil })}
}

func newEnv(t testing.TB, opts ...gatehousetest.Option) *env {
	t.Helper()
	s := gatehousetest.Start(t, opts...)
	root := aws.Credentials{AccessKeyID: gatehousetest.AccessKeyID, SecretAccessKey: gatehousetest.SecretAccessKey}
	e := &env{t: t, srv: s, root: root}
	e.apig = e.apigFor(root)
	e.iam = awsiam.NewFromConfig(awsConfig(root), func(o *awsiam.Options) { o.BaseEndpoint = aws.String(s.URL) })
	e.be = httptest.NewServer(http.HandlerFunc(echo))
	t.Cleanup(e.be.Close)
	return e
}

func (e *env) apigFor(c aws.Credentials) *apigateway.Client {
	return apigateway.NewFromConfig(awsConfig(c), func(o *apigateway.Options) { o.BaseEndpoint = aws.String(e.srv.URL) })
}

func legacy() gatehousetest.Option { return func(c *config.Config) { c.LegacyDenyMessages = true } }

// echoed is what the echo backend answers.
type echoed struct {
	Method string              `json:"method"`
	Path   string              `json:"path"`
	Query  string              `json:"query"`
	Header map[string][]string `json:"header"`
	Body   string              `json:"body"`
}

func echo(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/slow") {
		select {
		case <-time.After(2 * time.Second):
		case <-r.Context().Done():
		}
	}
	b, _ := io.ReadAll(r.Body)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Backend", "echo")
	if code, ok := strings.CutPrefix(r.URL.Path, "/status/"); ok {
		n, _ := strconv.Atoi(code)
		w.WriteHeader(n)
	}
	_ = json.NewEncoder(w).Encode(echoed{Method: r.Method, Path: r.URL.EscapedPath(), Query: r.URL.RawQuery, Header: r.Header, Body: string(b)})
}

// importAPI imports doc (with BACKEND replaced) and deploys it to stage.
func (e *env) importAPI(doc, stage string) string {
	e.t.Helper()
	ctx := context.Background()
	doc = strings.ReplaceAll(doc, "BACKEND", e.be.URL)
	out, err := e.apig.ImportRestApi(ctx, &apigateway.ImportRestApiInput{Body: []byte(doc)})
	if err != nil {
		e.t.Fatalf("import: %v", err)
	}
	e.deploy(*out.Id, stage)
	return *out.Id
}

func (e *env) deploy(id, stage string) {
	e.t.Helper()
	if _, err := e.apig.CreateDeployment(context.Background(), &apigateway.CreateDeploymentInput{RestApiId: aws.String(id), StageName: aws.String(stage)}); err != nil {
		e.t.Fatalf("deploy: %v", err)
	}
}

func (e *env) setPolicy(id, pol string) {
	e.t.Helper()
	_, err := e.apig.UpdateRestApi(context.Background(), &apigateway.UpdateRestApiInput{RestApiId: aws.String(id),
		PatchOperations: []apitypes.PatchOperation{{Op: apitypes.OpReplace, Path: aws.String("/policy"), Value: aws.String(pol)}}})
	if err != nil {
		e.t.Fatalf("update policy: %v", err)
	}
}

// user creates an IAM user with an inline policy (may be "") and returns
// its credentials.
func (e *env) user(iamc *awsiam.Client, name, pol string) aws.Credentials {
	e.t.Helper()
	ctx := context.Background()
	if _, err := iamc.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String(name)}); err != nil {
		e.t.Fatalf("create user: %v", err)
	}
	if pol != "" {
		if _, err := iamc.PutUserPolicy(ctx, &awsiam.PutUserPolicyInput{UserName: aws.String(name), PolicyName: aws.String("p"), PolicyDocument: aws.String(pol)}); err != nil {
			e.t.Fatalf("put user policy: %v", err)
		}
	}
	k, err := iamc.CreateAccessKey(ctx, &awsiam.CreateAccessKeyInput{UserName: aws.String(name)})
	if err != nil {
		e.t.Fatalf("create key: %v", err)
	}
	return aws.Credentials{AccessKeyID: *k.AccessKey.AccessKeyId, SecretAccessKey: *k.AccessKey.SecretAccessKey}
}

// account creates a second account through gatehouse's CreateAccount action.
func (e *env) account() (string, aws.Credentials) {
	e.t.Helper()
	form := "Action=CreateAccount&Version=2010-05-08"
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/", strings.NewReader(form))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	sum := sha256.Sum256([]byte(form))
	if err := v4.NewSigner().SignHTTP(context.Background(), e.root, req, hex.EncodeToString(sum[:]), "iam", "us-east-1", time.Now()); err != nil {
		e.t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
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
		e.t.Fatalf("create account: %d %s", resp.StatusCode, b)
	}
	return out.Result.AccountID, aws.Credentials{AccessKeyID: out.Result.AccessKeyID, SecretAccessKey: out.Result.SecretAccessKey}
}

// reply is a data-plane answer.
type reply struct {
	status int
	header http.Header
	body   string
}

func (r reply) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(r.body), &m); err != nil {
		t.Fatalf("body %q: %v", r.body, err)
	}
	return m
}

// call sends a request to the gateway (path form unless host is set),
// signed with creds when non-nil.
type callOpt struct {
	method  string
	host    string // Host header (host form / custom domain)
	body    []byte
	header  map[string]string
	creds   *aws.Credentials
	region  string
	when    time.Time
	presign bool
}

func (e *env) call(path string, o callOpt) reply {
	e.t.Helper()
	if o.method == "" {
		o.method = http.MethodGet
	}
	req, err := http.NewRequest(o.method, e.srv.URL+path, bytes.NewReader(o.body))
	if err != nil {
		e.t.Fatal(err)
	}
	if len(o.body) == 0 {
		req.Body, req.ContentLength = http.NoBody, 0
	}
	if o.host != "" {
		req.Host = o.host
	}
	for k, v := range o.header {
		req.Header.Set(k, v)
	}
	if o.creds != nil {
		if o.region == "" {
			o.region = "us-east-1"
		}
		if o.when.IsZero() {
			o.when = time.Now()
		}
		sum := sha256.Sum256(o.body)
		s := v4.NewSigner()
		if o.presign {
			u, _, err := s.PresignHTTP(context.Background(), *o.creds, req, hex.EncodeToString(sum[:]), "execute-api", o.region, o.when)
			if err != nil {
				e.t.Fatal(err)
			}
			pu, _ := url.Parse(u)
			req.URL = pu
		} else if err := s.SignHTTP(context.Background(), *o.creds, req, hex.EncodeToString(sum[:]), "execute-api", o.region, o.when); err != nil {
			e.t.Fatal(err)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return reply{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

func wantError(t *testing.T, r reply, status int, errType, key, msg string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status = %d, want %d (body %s)", r.status, status, r.body)
	}
	if got := r.header.Get("x-amzn-ErrorType"); got != errType {
		t.Errorf("x-amzn-ErrorType = %q, want %q", got, errType)
	}
	if r.header.Get("x-amzn-RequestId") == "" || r.header.Get("x-amz-apigw-id") == "" {
		t.Errorf("missing x-amzn-RequestId / x-amz-apigw-id: %v", r.header)
	}
	want, _ := json.Marshal(map[string]string{key: msg})
	if msg != "" && r.body != string(want) {
		t.Errorf("body = %s\nwant   %s", r.body, want)
	}
}
