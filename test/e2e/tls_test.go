package e2e_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	ltypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/gatehouse-dev/gatehouse/internal/gatehousetest"
)

var tlsLineRE = regexp.MustCompile(`TLS on (https://[0-9.:]+)`)

// startTLS runs the binary with --tls-listen on a free port and returns it
// with its TLS URL and the local CA's path.
func startTLS(t *testing.T) (p *gatehousetest.Process, tlsURL, ca string) {
	t.Helper()
	dir := t.TempDir()
	p = gatehousetest.StartBinary(t, dir, []string{"GATEHOUSE_ROOT_ACCESS_KEY_ID=" + gatehousetest.AccessKeyID,
		"GATEHOUSE_ROOT_SECRET_ACCESS_KEY=" + gatehousetest.SecretAccessKey}, "--tls-listen", "127.0.0.1:0")
	m := tlsLineRE.FindStringSubmatch(p.Stdout.String())
	if m == nil {
		t.Fatalf("no TLS line in the banner:\n%s", p.Stdout)
	}
	return p, m[1], filepath.Join(dir, "tls", "ca.pem")
}

func sdkConfig(t *testing.T, endpoint, ca, id, secret string) aws.Config {
	t.Helper()
	cfg := aws.Config{Region: gatehousetest.Region, BaseEndpoint: aws.String(endpoint), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider(id, secret, "")}
	if ca != "" {
		pem, err := os.ReadFile(ca)
		if err != nil {
			t.Fatal(err)
		}
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM(pem)
		cfg.HTTPClient = &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	}
	return cfg
}

// TestTLSListener: the TLS listener serves every surface to real clients
// (aws-sdk-go-v2, aws CLI v1 with AWS_CA_BUNDLE, boto3, curl --cacert);
// aws:SecureTransport comes from the connection: a policy denying
// requests without TLS denies them over HTTP, whatever their headers
// say (X-Forwarded-Proto: https), and allows them over HTTPS.
func TestTLSListener(t *testing.T) {
	t.Parallel()
	p, tlsURL, ca := startTLS(t)
	ctx := context.Background()
	root := sdkConfig(t, tlsURL, ca, gatehousetest.AccessKeyID, gatehousetest.SecretAccessKey)
	who, err := sts.NewFromConfig(root).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil || *who.Arn != "arn:aws:iam::000000000000:root" {
		t.Fatalf("aws-sdk-go-v2 over TLS: %v %v", who, err)
	}
	ic := iam.NewFromConfig(root)
	if _, err := ic.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("tls-only")}); err != nil {
		t.Fatal(err)
	}
	if _, err := ic.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("tls-only"), PolicyName: aws.String("p"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[
{"Effect":"Allow","Action":["iam:GetUser","sts:GetCallerIdentity"],"Resource":"*"},
{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`)}); err != nil {
		t.Fatal(err)
	}
	key, err := ic.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("tls-only")})
	if err != nil {
		t.Fatal(err)
	}
	id, secret := *key.AccessKey.AccessKeyId, *key.AccessKey.SecretAccessKey

	// aws-sdk-go-v2: denied over HTTP, allowed over HTTPS.
	if _, err := iam.NewFromConfig(sdkConfig(t, p.URL, "", id, secret)).GetUser(ctx, &iam.GetUserInput{}); err == nil || !strings.Contains(err.Error(), "AccessDenied") {
		t.Errorf("GetUser over HTTP: %v, want AccessDenied", err)
	}
	if _, err := iam.NewFromConfig(sdkConfig(t, tlsURL, ca, id, secret)).GetUser(ctx, &iam.GetUserInput{}); err != nil {
		t.Errorf("GetUser over HTTPS: %v", err)
	}

	// aws CLI v1.
	if _, err := exec.LookPath("aws"); err == nil {
		for _, tc := range []struct {
			endpoint string
			ok       bool
		}{{p.URL, false}, {tlsURL, true}} {
			cmd := exec.Command("aws", "iam", "get-user", "--endpoint-url", tc.endpoint, "--output", "json")
			cmd.Env = append(gatehousetest.ClientEnv(tc.endpoint, id, secret), "AWS_CA_BUNDLE="+ca)
			out, err := cmd.CombinedOutput()
			if tc.ok && (err != nil || !strings.Contains(string(out), `"UserName": "tls-only"`)) ||
				!tc.ok && (err == nil || !strings.Contains(string(out), "AccessDenied")) {
				t.Errorf("aws iam get-user --endpoint-url %s: %v\n%s", tc.endpoint, err, out)
			}
		}
	} else {
		t.Log("aws CLI not installed: not run")
	}

	// boto3 with the CA as verify.
	if out, err := exec.Command("python3", "-c", `
import sys, boto3
c = boto3.client("sts", endpoint_url=sys.argv[1], region_name="us-east-1", verify=sys.argv[2],
    aws_access_key_id=sys.argv[3], aws_secret_access_key=sys.argv[4])
print(c.get_caller_identity()["Arn"])`, tlsURL, ca, id, secret).CombinedOutput(); err != nil || strings.TrimSpace(string(out)) != "arn:aws:iam::000000000000:user/tls-only" {
		t.Errorf("boto3 over TLS: %v\n%s", err, out)
	}

	// curl: --cacert trusts the listener; without it the handshake fails;
	// a header claiming TLS on a plain connection does not make it TLS.
	if out, err := exec.Command("curl", "-sS", "--cacert", ca, tlsURL+"/_gatehouse/health").CombinedOutput(); err != nil || !strings.Contains(string(out), `"status":"ok"`) {
		t.Errorf("curl --cacert: %v\n%s", err, out)
	}
	if err := exec.Command("curl", "-sS", "-o", "/dev/null", tlsURL+"/_gatehouse/health").Run(); err == nil {
		t.Error("curl without the CA trusted the listener")
	}
	for _, tc := range []struct {
		url, hdr, want string
	}{
		{p.URL, "X-Forwarded-Proto: https", "AccessDenied"},
		{p.URL, "X-Forwarded-Ssl: on", "AccessDenied"},
		{tlsURL, "X-Forwarded-Proto: http", "<UserName>tls-only</UserName>"},
	} {
		out, err := exec.Command("curl", "-sS", "--cacert", ca, "--aws-sigv4", "aws:amz:us-east-1:iam", "--user", id+":"+secret,
			"-H", tc.hdr, "-d", "Action=GetUser&Version=2010-05-08", tc.url+"/").CombinedOutput()
		if err != nil || !strings.Contains(string(out), tc.want) {
			t.Errorf("curl %s with %s: %v\n%s\nwant %s", tc.url, tc.hdr, err, out, tc.want)
		}
	}
	// h2 by ALPN, and nothing below TLS 1.2.
	if out, err := exec.Command("curl", "-sS", "--http2", "-o", "/dev/null", "-w", "%{http_version}", "--cacert", ca, tlsURL+"/_gatehouse/health").CombinedOutput(); err != nil || string(out) != "2" {
		t.Errorf("curl --http2: %v %s", err, out)
	}
	if err := exec.Command("curl", "-sS", "--tls-max", "1.1", "--cacert", ca, tlsURL+"/_gatehouse/health").Run(); err == nil {
		t.Error("TLS 1.1 accepted")
	}

	// gatehouse ca prints the path and the PEM, never a key.
	bin := gatehousetest.Binary(t)
	out, err := exec.Command(bin, "ca", "--data-dir", p.DataDir).Output()
	if err != nil || strings.TrimSpace(string(out)) != ca {
		t.Errorf("gatehouse ca: %v %q, want %s", err, out, ca)
	}
	out, err = exec.Command(bin, "ca", "--data-dir", p.DataDir, "--pem").Output()
	want, _ := os.ReadFile(ca)
	if err != nil || !bytes.Equal(out, want) || bytes.Contains(out, []byte("PRIVATE")) {
		t.Errorf("gatehouse ca --pem: %v\n%s", err, out)
	}
}

// fetcher is a Node function that fetches process.env.TARGET with
// https.get (no CA option: NODE_EXTRA_CA_CERTS must do it), and reports
// whether it can read the data dir's keys.
const fetcher = `import https from 'node:https';
import fs from 'node:fs';
const get = (url) => new Promise((resolve) => {
  https.get(url, (r) => { let b = ''; r.on('data', (c) => b += c); r.on('end', () => resolve({ status: r.statusCode, body: b })); })
    .on('error', (e) => resolve({ error: String(e) }));
});
const readable = (p) => { try { fs.readFileSync(p); return true; } catch { return false; } };
export const handler = async () => ({
  api: await get(process.env.TARGET),
  endpoint: process.env.AWS_ENDPOINT_URL,
  ca: process.env.NODE_EXTRA_CA_CERTS,
  caKey: readable(process.env.DATA_DIR + '/tls/ca-key.pem'),
  serverKey: readable(process.env.DATA_DIR + '/tls/server-key.pem'),
  runtimeFiles: fs.readdirSync('/var/runtime').sort(),
  // Port 443, where cfn-response handlers connect whatever the URL's port.
  on443: await get('https://127.0.0.1/_gatehouse/health'),
});
`

// TestTLSFunctionFetchesInvokeURL: a Node function fetches an API's invoke
// URL as CloudFormation would give it
// (https://{api}.execute-api.{region}.localhost:PORT/prod/) with plain
// https.get: the name resolves to gatehouse inside the sandbox, the
// certificate verifies against the CA gatehouse gives it, and the API
// answers (Missing Authentication Token: the request is unsigned). The
// function cannot read the CA's or the server's key.
func TestTLSFunctionFetchesInvokeURL(t *testing.T) {
	t.Parallel()
	p, tlsURL, _ := startTLS(t)
	if strings.Contains(p.Stdout.String(), "Lambda functions will NOT run") {
		if os.Getenv("GATEHOUSE_REQUIRE_SANDBOX") != "" || os.Getenv("CI") != "" {
			t.Fatalf("the Lambda sandbox is required here:\n%s", p.Stdout)
		}
		t.Skip("no Lambda sandbox on this host")
	}
	ctx := context.Background()
	cfg := sdkConfig(t, p.URL, "", gatehousetest.AccessKeyID, gatehousetest.SecretAccessKey)
	ag := apigateway.NewFromConfig(cfg)
	api, err := ag.CreateRestApi(ctx, &apigateway.CreateRestApiInput{Name: aws.String("tls")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ag.PutMethod(ctx, &apigateway.PutMethodInput{RestApiId: api.Id, ResourceId: api.RootResourceId, HttpMethod: aws.String("GET"), AuthorizationType: aws.String("AWS_IAM")}); err != nil {
		t.Fatal(err)
	}
	if _, err := ag.PutIntegration(ctx, &apigateway.PutIntegrationInput{RestApiId: api.Id, ResourceId: api.RootResourceId, HttpMethod: aws.String("GET"), Type: "MOCK",
		RequestTemplates: map[string]string{"application/json": `{"statusCode": 200}`}}); err != nil {
		t.Fatal(err)
	}
	if _, err := ag.CreateDeployment(ctx, &apigateway.CreateDeploymentInput{RestApiId: api.Id, StageName: aws.String("prod")}); err != nil {
		t.Fatal(err)
	}
	port := tlsURL[strings.LastIndexByte(tlsURL, ':')+1:]
	target := "https://" + *api.Id + ".execute-api.us-east-1.localhost:" + port + "/prod/"
	// GetExport names the same host.
	exp, err := ag.GetExport(ctx, &apigateway.GetExportInput{RestApiId: api.Id, StageName: aws.String("prod"), ExportType: aws.String("swagger")})
	if err != nil {
		t.Fatal(err)
	}
	if host := `"host":"` + *api.Id + `.execute-api.us-east-1.localhost:` + port + `"`; !strings.Contains(strings.ReplaceAll(string(exp.Body), " ", ""), host) {
		t.Errorf("GetExport: %s, want %s", exp.Body, host)
	}

	role, err := iam.NewFromConfig(cfg).CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("fetcher"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("index.mjs")
	w.Write([]byte(fetcher))
	zw.Close()
	lc := lambda.NewFromConfig(cfg)
	if _, err := lc.CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String("fetcher"), Role: role.Role.Arn,
		Runtime: ltypes.RuntimeNodejs20x, Handler: aws.String("index.handler"), Timeout: aws.Int32(20), Code: &ltypes.FunctionCode{ZipFile: buf.Bytes()},
		Environment: &ltypes.Environment{Variables: map[string]string{"TARGET": target, "DATA_DIR": p.DataDir}}}); err != nil {
		t.Fatal(err)
	}
	ictx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	out, err := lc.Invoke(ictx, &lambda.InvokeInput{FunctionName: aws.String("fetcher")})
	if err != nil {
		t.Fatal(err)
	}
	if out.FunctionError != nil {
		t.Fatalf("function error: %s", out.Payload)
	}
	var got struct {
		API struct {
			Status int    `json:"status"`
			Body   string `json:"body"`
			Error  string `json:"error"`
		} `json:"api"`
		Endpoint, CA     string
		CAKey, ServerKey bool
		RuntimeFiles     []string
		On443            struct {
			Status int    `json:"status"`
			Error  string `json:"error"`
		} `json:"on443"`
	}
	if err := json.Unmarshal(out.Payload, &got); err != nil {
		t.Fatalf("%s: %v", out.Payload, err)
	}
	if got.API.Status != 403 || got.API.Body != `{"message":"Missing Authentication Token"}` {
		t.Errorf("https.get %s from the function: %+v", target, got.API)
	}
	if got.Endpoint != "https://127.0.0.1:"+port || got.CA != "/var/runtime/gatehouse-ca.pem" {
		t.Errorf("AWS_ENDPOINT_URL %q, NODE_EXTRA_CA_CERTS %q", got.Endpoint, got.CA)
	}
	// A server running as root serves TLS on the sandbox's port 443 too.
	if os.Geteuid() == 0 && got.On443.Status != 200 {
		t.Errorf("https://127.0.0.1/ (port 443) from the function: %+v", got.On443)
	}
	if got.CAKey || got.ServerKey {
		t.Errorf("function code can read a key: CA key %v, server key %v", got.CAKey, got.ServerKey)
	}
	// A Python function's urllib (SSL_CERT_FILE) and boto3 (AWS_CA_BUNDLE)
	// reach AWS_ENDPOINT_URL over TLS, and the SDK's calls carry
	// aws:SecureTransport=true as on AWS.
	var pbuf bytes.Buffer
	pz := zip.NewWriter(&pbuf)
	pw, _ := pz.Create("index.py")
	pw.Write([]byte(pyTLS))
	pz.Close()
	if _, err := lc.CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String("pytls"), Role: role.Role.Arn,
		Runtime: ltypes.RuntimePython312, Handler: aws.String("index.handler"), Timeout: aws.Int32(20), Code: &ltypes.FunctionCode{ZipFile: pbuf.Bytes()}}); err != nil {
		t.Fatal(err)
	}
	pout, err := lc.Invoke(ictx, &lambda.InvokeInput{FunctionName: aws.String("pytls")})
	if err != nil {
		t.Fatal(err)
	}
	if s := string(pout.Payload); pout.FunctionError != nil || !strings.Contains(s, `"health": 200`) ||
		!strings.Contains(s, `"arn": "arn:aws:sts::000000000000:assumed-role/fetcher/pytls"`) && !strings.Contains(s, `"arn": "no boto3"`) {
		t.Errorf("python function over TLS: %s", s)
	} else if strings.Contains(s, "no boto3") {
		t.Log("boto3 is not importable inside the sandbox: only urllib checked")
	}

	// Its function URL is under the suffix and served over TLS as given.
	u, err := lc.CreateFunctionUrlConfig(ctx, &lambda.CreateFunctionUrlConfigInput{FunctionName: aws.String("fetcher"), AuthType: ltypes.FunctionUrlAuthTypeNone})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lc.AddPermission(ctx, &lambda.AddPermissionInput{FunctionName: aws.String("fetcher"), StatementId: aws.String("public"),
		Action: aws.String("lambda:InvokeFunctionUrl"), Principal: aws.String("*"), FunctionUrlAuthType: ltypes.FunctionUrlAuthTypeNone}); err != nil {
		t.Fatal(err)
	}
	if _, err := lc.AddPermission(ctx, &lambda.AddPermissionInput{FunctionName: aws.String("fetcher"), StatementId: aws.String("public-invoke"),
		Action: aws.String("lambda:InvokeFunction"), Principal: aws.String("*"), InvokedViaFunctionUrl: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^https://[a-z0-9]{32}\.lambda-url\.us-east-1\.localhost:` + port + `/$`).MatchString(*u.FunctionUrl) {
		t.Errorf("FunctionUrl %s", *u.FunctionUrl)
	}
	if out, err := exec.Command("curl", "-sS", "--cacert", filepath.Join(p.DataDir, "tls", "ca.pem"), *u.FunctionUrl).CombinedOutput(); err != nil || !strings.Contains(string(out), "Missing Authentication Token") {
		t.Errorf("curl %s: %v\n%s", *u.FunctionUrl, err, out)
	}
	for _, f := range got.RuntimeFiles {
		if strings.Contains(f, "key") {
			t.Errorf("/var/runtime holds %s", f)
		}
	}
}

// TestTLSCloudFormation: with a TLS listener, a bucket whose policy denies
// requests without TLS (as CDK's bootstrap and Serverless's deployment
// buckets do) refuses an upload over HTTP and takes it over HTTPS (aws CLI
// with AWS_CA_BUNDLE); CloudFormation reads the template from it (its own
// S3 call is over TLS), its SSM provider creates a parameter, and
// AWS::URLSuffix is the TLS listener's localhost:PORT, so the invoke URL
// it builds is one gatehouse serves.
func TestTLSCloudFormation(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("aws"); err != nil {
		t.Skip("aws CLI not installed")
	}
	p, tlsURL, ca := startTLS(t)
	port := tlsURL[strings.LastIndexByte(tlsURL, ':')+1:]
	dir := t.TempDir()
	tpl := filepath.Join(dir, "t.yml")
	os.WriteFile(tpl, []byte(`Resources:
  Url:
    Type: AWS::SSM::Parameter
    Properties:
      Name: /tls/url
      Type: String
      Value: !Sub "https://abc123.execute-api.${AWS::Region}.${AWS::URLSuffix}/prod/"
Outputs:
  Url:
    Value: !GetAtt Url.Value
`), 0o644)
	aws := func(endpoint string, args ...string) (string, error) {
		cmd := exec.Command("aws", append(args, "--endpoint-url", endpoint, "--output", "text")...)
		cmd.Env = append(gatehousetest.ClientEnv(endpoint, gatehousetest.AccessKeyID, gatehousetest.SecretAccessKey), "AWS_CA_BUNDLE="+ca)
		out, err := cmd.CombinedOutput()
		return strings.TrimSpace(string(out)), err
	}
	must := func(endpoint string, args ...string) string {
		t.Helper()
		out, err := aws(endpoint, args...)
		if err != nil {
			t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return out
	}
	must(tlsURL, "s3api", "create-bucket", "--bucket", "cfn-art")
	must(tlsURL, "s3api", "put-bucket-policy", "--bucket", "cfn-art", "--policy", `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*",
"Resource":["arn:aws:s3:::cfn-art","arn:aws:s3:::cfn-art/*"],"Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`)
	if out, err := aws(p.URL, "s3api", "put-object", "--bucket", "cfn-art", "--key", "t.yml", "--body", tpl); err == nil || !strings.Contains(out, "AccessDenied") {
		t.Errorf("put-object over HTTP: %v\n%s", err, out)
	}
	must(tlsURL, "s3api", "put-object", "--bucket", "cfn-art", "--key", "t.yml", "--body", tpl)
	must(tlsURL, "cloudformation", "create-stack", "--stack-name", "urls", "--template-url", "https://cfn-art.s3.us-east-1.amazonaws.com/t.yml")
	must(tlsURL, "cloudformation", "wait", "stack-create-complete", "--stack-name", "urls")
	want := "https://abc123.execute-api.us-east-1.localhost:" + port + "/prod/"
	if got := must(tlsURL, "cloudformation", "describe-stacks", "--stack-name", "urls", "--query", "Stacks[0].Outputs[0].OutputValue"); got != want {
		t.Errorf("output %q, want %q", got, want)
	}
	if got := must(p.URL, "ssm", "get-parameter", "--name", "/tls/url", "--query", "Parameter.Value"); got != want {
		t.Errorf("parameter %q, want %q", got, want)
	}
}

// TestTLSInProcess: gatehousetest.WithTLS serves the in-process server
// over TLS with the local CA, for tests of other packages.
func TestTLSInProcess(t *testing.T) {
	t.Parallel()
	srv := gatehousetest.Start(t, gatehousetest.WithTLS())
	if !strings.HasPrefix(srv.TLSURL, "https://127.0.0.1:") || srv.CACert == "" {
		t.Fatalf("TLSURL %q, CACert %q", srv.TLSURL, srv.CACert)
	}
	who, err := sts.NewFromConfig(sdkConfig(t, srv.TLSURL, srv.CACert, gatehousetest.AccessKeyID, gatehousetest.SecretAccessKey)).
		GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil || *who.Account != gatehousetest.AccountID {
		t.Fatalf("GetCallerIdentity over TLS: %v %v", who, err)
	}
}

const pyTLS = `import os, urllib.request
def handler(event, context):
    r = {"health": urllib.request.urlopen(os.environ["AWS_ENDPOINT_URL"] + "/_gatehouse/health").status}
    try:
        import boto3
    except ImportError:
        r["arn"] = "no boto3"
        return r
    r["arn"] = boto3.client("sts").get_caller_identity()["Arn"]
    return r
`
