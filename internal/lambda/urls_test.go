package lambda_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/gatehouse-dev/gatehouse/pkg/sigv4client"
)

var urlRE = regexp.MustCompile(`^https://([a-z0-9]{32})\.lambda-url\.us-east-1\.on\.aws/$`)

// TestFunctionURLConfig: the five URL operations, their validation and
// errors, a URL per function and per alias.
func TestFunctionURLConfig(t *testing.T) {
	e := controlEnv(t)
	ctx := context.Background()
	publish2(t, e, "fu")
	if _, err := e.lc.CreateAlias(ctx, &lambda.CreateAliasInput{FunctionName: aws.String("fu"), Name: aws.String("live"), FunctionVersion: aws.String("1")}); err != nil {
		t.Fatal(err)
	}
	arn := fnARNPrefix + "fu"
	cors := &types.Cors{AllowOrigins: []string{"https://app.example.com"}, AllowMethods: []string{"GET", "POST"}, MaxAge: aws.Int32(300)}
	c, err := e.lc.CreateFunctionUrlConfig(ctx, &lambda.CreateFunctionUrlConfigInput{FunctionName: aws.String("fu"), AuthType: types.FunctionUrlAuthTypeAwsIam, Cors: cors})
	if err != nil || !urlRE.MatchString(*c.FunctionUrl) || *c.FunctionArn != arn || c.AuthType != types.FunctionUrlAuthTypeAwsIam ||
		c.InvokeMode != types.InvokeModeBuffered || *c.Cors.MaxAge != 300 || *c.CreationTime == "" {
		t.Fatalf("create: %v %+v", err, c)
	}
	a, err := e.lc.CreateFunctionUrlConfig(ctx, &lambda.CreateFunctionUrlConfigInput{FunctionName: aws.String("fu"), Qualifier: aws.String("live"), AuthType: types.FunctionUrlAuthTypeNone})
	if err != nil || *a.FunctionArn != arn+":live" || *a.FunctionUrl == *c.FunctionUrl || a.Cors != nil {
		t.Fatalf("create live: %v %+v", err, a)
	}
	for _, tc := range []struct {
		name, fn, qualifier string
		auth                types.FunctionUrlAuthType
		code, msg           string
	}{
		{"exists", "fu", "", "NONE", "ResourceConflictException", "Failed to create function url config for [functionArn = " + arn + "]. Error message:  FunctionUrlConfig exists for this Lambda function"},
		{"version", "fu", "1", "NONE", "ValidationException", "1 validation error detected: Value '1' at 'qualifier' failed to satisfy constraint: Member must satisfy regular expression pattern: ((?!^\\d+$)^[0-9a-zA-Z-_]+$)"},
		{"latest", "fu", "$LATEST", "NONE", "ValidationException", ""},
		{"no alias", "fu", "beta", "NONE", "ResourceNotFoundException", "Function not found: " + arn + ":beta"},
		{"no function", "nope", "", "NONE", "ResourceNotFoundException", "Function not found: " + fnARNPrefix + "nope"},
		{"auth type", "fu", "", "OPEN", "ValidationException", "1 validation error detected: Value 'OPEN' at 'authType' failed to satisfy constraint: Member must satisfy enum value set: [NONE, AWS_IAM]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := &lambda.CreateFunctionUrlConfigInput{FunctionName: aws.String(tc.fn), AuthType: tc.auth}
			if tc.qualifier != "" {
				in.Qualifier = aws.String(tc.qualifier)
			}
			_, err := e.lc.CreateFunctionUrlConfig(ctx, in)
			wantErr(t, err, tc.code, tc.msg)
		})
	}
	_, err = e.lc.CreateFunctionUrlConfig(ctx, &lambda.CreateFunctionUrlConfigInput{FunctionName: aws.String("fu"), Qualifier: aws.String("live"), AuthType: "NONE",
		Cors: &types.Cors{MaxAge: aws.Int32(86401)}})
	wantErr(t, err, "ValidationException", "1 validation error detected: Value '86401' at 'cors.maxAge' failed to satisfy constraint: Member must have value less than or equal to 86400")

	g, err := e.lc.GetFunctionUrlConfig(ctx, &lambda.GetFunctionUrlConfigInput{FunctionName: aws.String(arn)})
	if err != nil || *g.FunctionUrl != *c.FunctionUrl || *g.LastModifiedTime == "" || g.Cors.AllowOrigins[0] != "https://app.example.com" {
		t.Fatalf("get: %v %+v", err, g)
	}
	// Update: NONE, CORS replaced; the URL stays.
	u, err := e.lc.UpdateFunctionUrlConfig(ctx, &lambda.UpdateFunctionUrlConfigInput{FunctionName: aws.String("fu"), AuthType: types.FunctionUrlAuthTypeNone,
		Cors: &types.Cors{AllowOrigins: []string{"*"}}})
	if err != nil || *u.FunctionUrl != *c.FunctionUrl || u.AuthType != types.FunctionUrlAuthTypeNone || len(u.Cors.AllowMethods) != 0 || u.Cors.AllowOrigins[0] != "*" {
		t.Fatalf("update: %v %+v", err, u)
	}
	l, err := e.lc.ListFunctionUrlConfigs(ctx, &lambda.ListFunctionUrlConfigsInput{FunctionName: aws.String("fu"), MaxItems: aws.Int32(1)})
	if err != nil || len(l.FunctionUrlConfigs) != 1 || *l.FunctionUrlConfigs[0].FunctionArn != arn || l.NextMarker == nil {
		t.Fatalf("list 1: %v %+v", err, l)
	}
	l, err = e.lc.ListFunctionUrlConfigs(ctx, &lambda.ListFunctionUrlConfigsInput{FunctionName: aws.String("fu"), MaxItems: aws.Int32(1), Marker: l.NextMarker})
	if err != nil || len(l.FunctionUrlConfigs) != 1 || *l.FunctionUrlConfigs[0].FunctionArn != arn+":live" || l.NextMarker != nil {
		t.Fatalf("list 2: %v %+v", err, l)
	}
	// Deleting the alias deletes its URL; deleting a URL twice is a 404.
	if _, err := e.lc.DeleteAlias(ctx, &lambda.DeleteAliasInput{FunctionName: aws.String("fu"), Name: aws.String("live")}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.lc.DeleteFunctionUrlConfig(ctx, &lambda.DeleteFunctionUrlConfigInput{FunctionName: aws.String("fu")}); err != nil {
		t.Fatal(err)
	}
	_, err = e.lc.DeleteFunctionUrlConfig(ctx, &lambda.DeleteFunctionUrlConfigInput{FunctionName: aws.String("fu")})
	wantErr(t, err, "ResourceNotFoundException", "The resource you requested does not exist.")
	_, err = e.lc.GetFunctionUrlConfig(ctx, &lambda.GetFunctionUrlConfigInput{FunctionName: aws.String("fu")})
	wantErr(t, err, "ResourceNotFoundException", "The resource you requested does not exist.")
	l, err = e.lc.ListFunctionUrlConfigs(ctx, &lambda.ListFunctionUrlConfigsInput{FunctionName: aws.String("fu")})
	if err != nil || len(l.FunctionUrlConfigs) != 0 {
		t.Fatalf("list after delete: %v %+v", err, l)
	}
}

// echoURLZip is a function that answers a function URL call with the
// event it got (as JSON in the body), status 201, a header and a cookie.
func echoURLZip(t *testing.T) []byte {
	return pyZip(t, `{"statusCode": 201, "headers": {"x-fn": "echo", "Access-Control-Allow-Origin": "https://evil.example"}, "cookies": ["a=1; Path=/"], "body": __import__("json").dumps(event)}`)
}

type urlCall struct {
	status int
	body   []byte
	header http.Header
}

func doURL(t *testing.T, client *http.Client, method, u, host string, body []byte, hdr map[string]string) urlCall {
	t.Helper()
	req, err := http.NewRequest(method, u, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if host != "" {
		req.Host = host
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return urlCall{resp.StatusCode, b, resp.Header}
}

func signer(t *testing.T, key, secret, region string) *http.Client {
	t.Helper()
	return signerFor(t, "lambda", key, secret, region)
}

// signerFor signs for service (the credential scope's service).
func signerFor(t *testing.T, service, key, secret, region string) *http.Client {
	t.Helper()
	tr, err := sigv4client.New(sigv4client.Config{Region: region, Service: service, Credentials: credentials.NewStaticCredentialsProvider(key, secret, "")})
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Transport: tr}
}

// TestFunctionURLInvoke: an AWS_IAM URL called signed (path and host
// forms), unsigned, signed for the wrong region and by users with one or
// both of the actions AWS requires; a NONE URL on an alias before and
// after its resource policy allows Principal "*"; the 2.0 event, the
// structured response and CORS.
func TestFunctionURLInvoke(t *testing.T) {
	srv := startServer(t)
	e := newEnv(t, srv.URL, srv.DataDir)
	ctx := context.Background()
	if _, err := e.lc.CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String("ue"), Role: aws.String(e.role), Runtime: types.RuntimePython312,
		Handler: aws.String("index.handler"), Code: &types.FunctionCode{ZipFile: echoURLZip(t)}, Publish: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.lc.CreateAlias(ctx, &lambda.CreateAliasInput{FunctionName: aws.String("ue"), Name: aws.String("pub"), FunctionVersion: aws.String("1")}); err != nil {
		t.Fatal(err)
	}
	iamURL, err := e.lc.CreateFunctionUrlConfig(ctx, &lambda.CreateFunctionUrlConfigInput{FunctionName: aws.String("ue"), AuthType: types.FunctionUrlAuthTypeAwsIam,
		Cors: &types.Cors{AllowOrigins: []string{"https://app.example.com"}, ExposeHeaders: []string{"x-fn"}}})
	if err != nil {
		t.Fatal(err)
	}
	id := urlRE.FindStringSubmatch(*iamURL.FunctionUrl)[1]
	pathForm := e.url + "/_lambda_url/" + id
	host := id + ".lambda-url.us-east-1.on.aws"

	root := signer(t, "AKIAGATEHOUSETEST001", "gatehouse/test/secret/key/0000000000000A", "us-east-1")
	r := doURL(t, root, "POST", pathForm+"/a%20b/c?x=1&x=2&y=3", "", []byte(`{"hello":"world"}`),
		map[string]string{"Content-Type": "application/json", "Cookie": "s=1; t=2", "Origin": "https://app.example.com"})
	if r.status != 201 || r.header.Get("x-fn") != "echo" || r.header.Get("Set-Cookie") != "a=1; Path=/" || r.header.Get("Access-Control-Allow-Origin") != "https://app.example.com" ||
		r.header.Get("Access-Control-Expose-Headers") != "x-fn" {
		t.Fatalf("signed path form: %d %v %s", r.status, r.header, r.body)
	}
	var ev struct {
		Version        string            `json:"version"`
		RouteKey       string            `json:"routeKey"`
		RawPath        string            `json:"rawPath"`
		RawQueryString string            `json:"rawQueryString"`
		Cookies        []string          `json:"cookies"`
		Headers        map[string]string `json:"headers"`
		Query          map[string]string `json:"queryStringParameters"`
		Body           string            `json:"body"`
		IsBase64       bool              `json:"isBase64Encoded"`
		RequestContext struct {
			AccountID  string `json:"accountId"`
			APIID      string `json:"apiId"`
			DomainName string `json:"domainName"`
			HTTP       struct {
				Method, Path string
			} `json:"http"`
			Authorizer struct {
				IAM struct {
					UserArn   string `json:"userArn"`
					AccessKey string `json:"accessKey"`
				} `json:"iam"`
			} `json:"authorizer"`
		} `json:"requestContext"`
	}
	if err := json.Unmarshal(r.body, &ev); err != nil {
		t.Fatalf("event: %v %s", err, r.body)
	}
	rc := ev.RequestContext
	if ev.Version != "2.0" || ev.RouteKey != "$default" || ev.RawPath != "/a b/c" || ev.RawQueryString != "x=1&x=2&y=3" || ev.Query["x"] != "1,2" ||
		strings.Join(ev.Cookies, "|") != "s=1|t=2" || ev.Headers["content-type"] != "application/json" || ev.Headers["cookie"] != "" ||
		ev.Body != `{"hello":"world"}` || ev.IsBase64 || rc.APIID != id || rc.DomainName != host || rc.HTTP.Method != "POST" || rc.HTTP.Path != "/a b/c" ||
		rc.Authorizer.IAM.UserArn != "arn:aws:iam::000000000000:root" || rc.Authorizer.IAM.AccessKey != "AKIAGATEHOUSETEST001" || rc.AccountID != "000000000000" {
		t.Fatalf("event: %s", r.body)
	}

	// Host form, binary body (base64 in the event).
	r = doURL(t, root, "PUT", e.url+"/bin", host, []byte{0xff, 0x00, 0x01}, map[string]string{"Content-Type": "application/octet-stream"})
	if r.status != 201 || !bytes.Contains(r.body, []byte(`"body": "/wAB"`)) || !bytes.Contains(r.body, []byte(`"isBase64Encoded": true`)) || !bytes.Contains(r.body, []byte(`"rawPath": "/bin"`)) {
		t.Fatalf("signed host form: %d %s", r.status, r.body)
	}

	forbidden := `{"Message":"Forbidden"}`
	// Unsigned, wrong region, another URL id, other region's host: 403.
	for _, tc := range []struct {
		name   string
		client *http.Client
		u      string
		host   string
	}{
		{"unsigned", http.DefaultClient, pathForm + "/", ""},
		{"unsigned host form", http.DefaultClient, e.url + "/", host},
		{"wrong region", signer(t, "AKIAGATEHOUSETEST001", "gatehouse/test/secret/key/0000000000000A", "eu-west-1"), pathForm + "/", ""},
		{"unknown id", root, e.url + "/_lambda_url/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/", ""},
		{"host of another region", root, e.url + "/", id + ".lambda-url.eu-west-1.on.aws"},
		// A signature scoped to another service (what a caller allowed only
		// execute-api:Invoke holds) is not a function URL signature, even
		// made with the account root's own key.
		{"signed for execute-api", signerFor(t, "execute-api", "AKIAGATEHOUSETEST001", "gatehouse/test/secret/key/0000000000000A", "us-east-1"), pathForm + "/", ""},
		{"signed for execute-api, host form", signerFor(t, "execute-api", "AKIAGATEHOUSETEST001", "gatehouse/test/secret/key/0000000000000A", "us-east-1"), e.url + "/", host},
	} {
		r := doURL(t, tc.client, "GET", tc.u, tc.host, nil, nil)
		if r.status != 403 || string(r.body) != forbidden {
			t.Errorf("%s: %d %s", tc.name, r.status, r.body)
		}
	}

	// Users: InvokeFunctionUrl alone is not enough; with InvokeFunction
	// too, the call goes through.
	user := func(name, actions string) *http.Client {
		if _, err := e.ic.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name)}); err != nil {
			t.Fatal(err)
		}
		if actions != "" {
			if _, err := e.ic.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String(name), PolicyName: aws.String("p"),
				PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":` + actions + `,"Resource":"` + fnARNPrefix + `ue","Condition":{"StringEquals":{"lambda:FunctionUrlAuthType":"AWS_IAM"}}}]}`)}); err != nil {
				t.Fatal(err)
			}
		}
		k, err := e.ic.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(name)})
		if err != nil {
			t.Fatal(err)
		}
		return signer(t, *k.AccessKey.AccessKeyId, *k.AccessKey.SecretAccessKey, "us-east-1")
	}
	for _, tc := range []struct {
		name, actions string
		status        int
	}{
		{"nobody", "", 403},
		{"urlonly", `"lambda:InvokeFunctionUrl"`, 403},
		{"both", `["lambda:InvokeFunctionUrl","lambda:InvokeFunction"]`, 201},
	} {
		r := doURL(t, user(tc.name, tc.actions), "GET", pathForm+"/", "", nil, nil)
		if r.status != tc.status {
			t.Errorf("user %s: %d %s", tc.name, r.status, r.body)
		}
	}

	// A NONE URL on the alias: forbidden until the alias's policy allows
	// everyone both actions for NONE URLs.
	pub, err := e.lc.CreateFunctionUrlConfig(ctx, &lambda.CreateFunctionUrlConfigInput{FunctionName: aws.String("ue"), Qualifier: aws.String("pub"), AuthType: types.FunctionUrlAuthTypeNone,
		Cors: &types.Cors{AllowOrigins: []string{"*"}, AllowMethods: []string{"GET", "POST"}, AllowHeaders: []string{"content-type"}, MaxAge: aws.Int32(60)}})
	if err != nil {
		t.Fatal(err)
	}
	pubForm := e.url + "/_lambda_url/" + urlRE.FindStringSubmatch(*pub.FunctionUrl)[1] + "/p"
	if r := doURL(t, http.DefaultClient, "GET", pubForm, "", nil, nil); r.status != 403 || string(r.body) != forbidden {
		t.Fatalf("NONE without policy: %d %s", r.status, r.body)
	}
	if _, err := e.lc.AddPermission(ctx, &lambda.AddPermissionInput{FunctionName: aws.String("ue"), Qualifier: aws.String("pub"), StatementId: aws.String("url"),
		Action: aws.String("lambda:InvokeFunctionUrl"), Principal: aws.String("*"), FunctionUrlAuthType: types.FunctionUrlAuthTypeNone}); err != nil {
		t.Fatal(err)
	}
	if r := doURL(t, http.DefaultClient, "GET", pubForm, "", nil, nil); r.status != 403 {
		t.Fatalf("NONE with InvokeFunctionUrl only: %d %s", r.status, r.body)
	}
	if _, err := e.lc.AddPermission(ctx, &lambda.AddPermissionInput{FunctionName: aws.String("ue"), Qualifier: aws.String("pub"), StatementId: aws.String("invoke"),
		Action: aws.String("lambda:InvokeFunction"), Principal: aws.String("*"), InvokedViaFunctionUrl: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	r = doURL(t, http.DefaultClient, "GET", pubForm, "", nil, map[string]string{"Origin": "https://any.example"})
	if r.status != 201 || r.header.Get("Access-Control-Allow-Origin") != "*" || !bytes.Contains(r.body, []byte(`"rawPath": "/p"`)) || bytes.Contains(r.body, []byte(`"authorizer"`)) {
		t.Fatalf("NONE allowed: %d %v %s", r.status, r.header, r.body)
	}
	// The NONE grant does not make direct Invoke public.
	anon := lambda.NewFromConfig(awsConfig(e.url, "AKIAUNKNOWN000000000", "x", ""))
	if _, err := anon.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("ue:pub")}); err == nil {
		t.Fatal("an unknown key invoked the function")
	}
	// CORS preflight: answered from the configuration, function not run.
	r = doURL(t, http.DefaultClient, "OPTIONS", pubForm, "", nil, map[string]string{"Origin": "https://any.example", "Access-Control-Request-Method": "POST"})
	if r.status != 200 || r.header.Get("Access-Control-Allow-Methods") != "GET,POST" || r.header.Get("Access-Control-Max-Age") != "60" ||
		r.header.Get("Access-Control-Allow-Headers") != "content-type" || len(r.body) != 0 {
		t.Fatalf("preflight: %d %v %s", r.status, r.header, r.body)
	}
}
