package callers_test

import (
	"bytes"
	"context"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	apitypes "github.com/aws/aws-sdk-go-v2/service/apigateway/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/gatehouse-dev/gatehouse/pkg/sigv4client"
)

// oneShot hides every interface but io.Reader, like a network body.
type oneShot struct{ r io.Reader }

func (o oneShot) Read(p []byte) (int, error) { return o.r.Read(p) }

func client(t *testing.T, cfg sigv4client.Config) *http.Client {
	t.Helper()
	if cfg.Region == "" {
		cfg.Region = region
	}
	tr, err := sigv4client.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Transport: tr}
}

func do(t *testing.T, c *http.Client, req *http.Request) (int, []byte) {
	t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

// TestSigv4clientGateway calls the real gateway with pkg/sigv4client's
// Transport: every body kind it handles, long-term and session credentials,
// the host form, and a presigned URL with a session token.
func TestSigv4clientGateway(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	base := w.base()
	invoker := credentials.StaticCredentialsProvider{Value: w.Invoker}
	c := client(t, sigv4client.Config{Credentials: invoker})
	invokerArn := "arn:aws:iam::" + account + ":user/invoker"

	big := strings.Repeat("sigv4client-", 200000) // 2.4 MB
	file := filepath.Join(t.TempDir(), "body")
	if err := os.WriteFile(file, []byte(big), 0o600); err != nil {
		t.Fatal(err)
	}
	bodies := []struct {
		name string
		body func() (io.Reader, int64)
		want string
		cfg  sigv4client.Config
	}{
		{"none", func() (io.Reader, int64) { return nil, 0 }, "", sigv4client.Config{}},
		{"bytes", func() (io.Reader, int64) { return bytes.NewReader([]byte(big)), int64(len(big)) }, big, sigv4client.Config{}},
		{"file", func() (io.Reader, int64) {
			f, err := os.Open(file)
			if err != nil {
				t.Fatal(err)
			}
			return f, int64(len(big))
		}, big, sigv4client.Config{}},
		{"one-shot in memory", func() (io.Reader, int64) { return oneShot{strings.NewReader("small")}, -1 }, "small", sigv4client.Config{}},
		{"one-shot spooled", func() (io.Reader, int64) { return oneShot{strings.NewReader(big)}, -1 }, big,
			sigv4client.Config{SpoolThreshold: 1024, SpoolDir: t.TempDir()}},
		{"content sha256 header", func() (io.Reader, int64) { return strings.NewReader("hashed"), 6 }, "hashed",
			sigv4client.Config{ContentSHA256Header: true}},
	}
	for _, tc := range bodies {
		t.Run("body "+tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := tc.cfg
			cfg.Credentials = invoker
			body, n := tc.body()
			req, err := http.NewRequest(http.MethodPost, base+"/echo/body?kind="+strings.ReplaceAll(tc.name, " ", "-"), body)
			if err != nil {
				t.Fatal(err)
			}
			if n >= 0 {
				req.ContentLength = n
			}
			req.Header.Set("Content-Type", "text/plain")
			status, b := do(t, client(t, cfg), req)
			if status != 200 {
				t.Fatalf("%d %s", status, b)
			}
			e := parseEcho(t, b)
			if e.BodyLen != int64(len(tc.want)) || e.BodySHA256 != sum(tc.want) || e.CallerArn != invokerArn || e.Query != "kind="+strings.ReplaceAll(tc.name, " ", "-") {
				t.Fatalf("backend got %+v", e)
			}
		})
	}

	t.Run("chunked body with a precomputed hash", func(t *testing.T) {
		t.Parallel()
		// The hash is given, so nothing is buffered: the body goes chunked.
		body := strings.Repeat("chunk", 5000)
		req, _ := http.NewRequest(http.MethodPost, base+"/echo/chunked", oneShot{strings.NewReader(body)})
		req.Header.Set("X-Amz-Content-Sha256", sum(body))
		status, b := do(t, c, req)
		if status != 200 {
			t.Fatalf("%d %s", status, b)
		}
		if e := parseEcho(t, b); e.BodyLen != int64(len(body)) || e.BodySHA256 != sum(body) {
			t.Fatalf("backend got %+v", e)
		}
		// A hash that is not the body's is refused.
		req, _ = http.NewRequest(http.MethodPost, base+"/echo/chunked", oneShot{strings.NewReader(body + "!")})
		req.Header.Set("X-Amz-Content-Sha256", sum(body))
		if status, b := do(t, c, req); status != 403 || !strings.Contains(string(b), mismatchSentence) {
			t.Fatalf("wrong hash: %d %s", status, b)
		}
	})

	t.Run("assumed role with session token", func(t *testing.T) {
		t.Parallel()
		stsc := sts.NewFromConfig(aws.Config{Region: region, BaseEndpoint: aws.String(w.URL), Credentials: invoker, RetryMaxAttempts: 1})
		rc := client(t, sigv4client.Config{Credentials: stscreds.NewAssumeRoleProvider(stsc, roleARN("ext-role"), func(o *stscreds.AssumeRoleOptions) {
			o.RoleSessionName, o.ExternalID = "go-client", aws.String(externalID)
		})})
		req, _ := http.NewRequest(http.MethodDelete, base+"/echo/items/7", nil)
		status, b := do(t, rc, req)
		if status != 200 {
			t.Fatalf("%d %s", status, b)
		}
		if e := parseEcho(t, b); e.Method != "DELETE" || e.Path != "/echo/items/7" ||
			e.CallerArn != "arn:aws:sts::"+account+":assumed-role/ext-role/go-client" || !strings.HasPrefix(e.CallerKey, "ASIA") {
			t.Fatalf("backend got %+v", e)
		}
	})

	t.Run("host form", func(t *testing.T) {
		t.Parallel()
		req, _ := http.NewRequest(http.MethodGet, w.URL+"/"+stage+"/hello", nil)
		req.Host = w.APIID + ".execute-api.localhost"
		if status, b := do(t, c, req); status != 200 || string(b) != `{"Message":"Hello World"}` {
			t.Fatalf("%d %s", status, b)
		}
	})

	t.Run("presign with session token", func(t *testing.T) {
		t.Parallel()
		out, err := sts.NewFromConfig(aws.Config{Region: region, BaseEndpoint: aws.String(w.URL), Credentials: invoker, RetryMaxAttempts: 1}).
			AssumeRole(context.Background(), &sts.AssumeRoleInput{RoleArn: aws.String(roleARN("profile-role")), RoleSessionName: aws.String("presigner")})
		if err != nil {
			t.Fatal(err)
		}
		cr := out.Credentials
		tr, err := sigv4client.New(sigv4client.Config{Region: region,
			Credentials: credentials.NewStaticCredentialsProvider(*cr.AccessKeyId, *cr.SecretAccessKey, *cr.SessionToken)})
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest(http.MethodGet, base+"/echo/presigned", nil)
		signed, hdr, err := tr.Presign(context.Background(), req, time.Minute)
		if err != nil || len(hdr) != 0 {
			t.Fatalf("presign: %v, extra headers %v", err, hdr)
		}
		if u, _ := url.Parse(signed); u.Query().Get("X-Amz-Security-Token") != *cr.SessionToken {
			t.Fatalf("presigned URL lacks the session token: %s", signed)
		}
		status, b := get(t, signed)
		if status != 200 {
			t.Fatalf("%d %s", status, b)
		}
		if e := parseEcho(t, []byte(b)); e.CallerArn != "arn:aws:sts::"+account+":assumed-role/profile-role/presigner" {
			t.Fatalf("backend got %+v", e)
		}
	})

	t.Run("denied", func(t *testing.T) {
		t.Parallel()
		nc := client(t, sigv4client.Config{Credentials: credentials.StaticCredentialsProvider{Value: w.Nobody}})
		req, _ := http.NewRequest(http.MethodPost, base+"/echo/x", strings.NewReader("{}"))
		status, b := do(t, nc, req)
		want := `{"Message":"User: arn:aws:iam::` + account + `:user/nobody is not authorized to perform: execute-api:Invoke on resource: ` +
			w.maskedARN("POST", "/echo/x") + ` because no identity-based policy allows the execute-api:Invoke action"}`
		if status != 403 || string(b) != want {
			t.Fatalf("%d %s\nwant 403 %s", status, b, want)
		}
	})
}

// TestSigv4clientImperativeAPI builds a route with CreateRestApi,
// CreateResource, PutMethod(AWS_IAM) and PutIntegration(HTTP_PROXY) and
// calls it through sigv4client.
func TestSigv4clientImperativeAPI(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	be := httptest.NewServer(http.HandlerFunc(echoHandler))
	t.Cleanup(be.Close)
	ctx := context.Background()
	apig := apigateway.NewFromConfig(rootConfig(w.URL))
	api, err := apig.CreateRestApi(ctx, &apigateway.CreateRestApiInput{Name: aws.String("imperative")})
	if err != nil {
		t.Fatal(err)
	}
	res, err := apig.GetResources(ctx, &apigateway.GetResourcesInput{RestApiId: api.Id})
	if err != nil || len(res.Items) != 1 {
		t.Fatalf("resources %+v %v", res, err)
	}
	items, err := apig.CreateResource(ctx, &apigateway.CreateResourceInput{RestApiId: api.Id, ParentId: res.Items[0].Id, PathPart: aws.String("items")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := apig.PutMethod(ctx, &apigateway.PutMethodInput{RestApiId: api.Id, ResourceId: items.Id, HttpMethod: aws.String("POST"),
		AuthorizationType: aws.String("AWS_IAM")}); err != nil {
		t.Fatal(err)
	}
	if _, err := apig.PutIntegration(ctx, &apigateway.PutIntegrationInput{RestApiId: api.Id, ResourceId: items.Id, HttpMethod: aws.String("POST"),
		Type: apitypes.IntegrationTypeHttpProxy, IntegrationHttpMethod: aws.String("POST"), Uri: aws.String(be.URL + "/imperative/items")}); err != nil {
		t.Fatal(err)
	}
	if _, err := apig.CreateDeployment(ctx, &apigateway.CreateDeploymentInput{RestApiId: api.Id, StageName: aws.String("v1")}); err != nil {
		t.Fatal(err)
	}
	u := w.URL + "/restapis/" + *api.Id + "/v1/_user_request_/items"

	// The invoker's policy names the other API only; root may call anything.
	cases := []struct {
		name   string
		creds  aws.Credentials
		status int
	}{
		{"root", rootCreds, 200},
		{"invoker of another API", w.Invoker, 403},
	}
	for _, tc := range cases {
		req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(`{"n":1}`))
		status, b := do(t, client(t, sigv4client.Config{Credentials: credentials.StaticCredentialsProvider{Value: tc.creds}}), req)
		if status != tc.status {
			t.Fatalf("%s: %d %s", tc.name, status, b)
		}
		if status == 200 {
			if e := parseEcho(t, b); e.Path != "/imperative/items" || e.BodySHA256 != sum(`{"n":1}`) {
				t.Fatalf("%s: backend got %+v", tc.name, e)
			}
		}
	}
}

// TestSigv4clientQueryAPIs signs IAM and STS Query calls (services "iam"
// and "sts") with sigv4client and reads their XML answers.
func TestSigv4clientQueryAPIs(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	form := func(c *http.Client, body string) (int, []byte) {
		req, _ := http.NewRequest(http.MethodPost, w.URL+"/", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return do(t, c, req)
	}
	stsc := client(t, sigv4client.Config{Credentials: credentials.StaticCredentialsProvider{Value: w.Invoker}, Service: "sts"})
	status, b := form(stsc, "Action=GetCallerIdentity&Version=2011-06-15")
	var id struct {
		Arn     string `xml:"GetCallerIdentityResult>Arn"`
		Account string `xml:"GetCallerIdentityResult>Account"`
	}
	if err := xml.Unmarshal(b, &id); err != nil || status != 200 || id.Arn != "arn:aws:iam::"+account+":user/invoker" || id.Account != account {
		t.Fatalf("GetCallerIdentity: %d %s (%v)", status, b, err)
	}

	// An IAM call signed for another region is accepted: IAM is global.
	iamc := client(t, sigv4client.Config{Credentials: credentials.StaticCredentialsProvider{Value: rootCreds}, Service: "iam", Region: "eu-central-1"})
	status, b = form(iamc, "Action=ListUsers&Version=2010-05-08")
	var users struct {
		Names []string `xml:"ListUsersResult>Users>member>UserName"`
	}
	if err := xml.Unmarshal(b, &users); err != nil || status != 200 || strings.Join(users.Names, ",") != "invoker,nobody" {
		t.Fatalf("ListUsers: %d %s (%v)", status, b, err)
	}

	// The invoker may not list users: the Query error comes back as XML.
	status, b = form(client(t, sigv4client.Config{Credentials: credentials.StaticCredentialsProvider{Value: w.Invoker}, Service: "iam"}),
		"Action=ListUsers&Version=2010-05-08")
	var qe struct {
		Code    string `xml:"Error>Code"`
		Message string `xml:"Error>Message"`
	}
	if err := xml.Unmarshal(b, &qe); err != nil || status != 403 || qe.Code != "AccessDenied" ||
		!strings.HasPrefix(qe.Message, "User: arn:aws:iam::"+account+":user/invoker is not authorized to perform: iam:ListUsers on resource: ") {
		t.Fatalf("ListUsers as invoker: %d %s (%v)", status, b, err)
	}
}
