package gateway_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	apitypes "github.com/aws/aws-sdk-go-v2/service/apigateway/types"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/gatehouse-dev/gatehouse/internal/config"
	"github.com/gatehouse-dev/gatehouse/internal/gateway"
)

// testAPI exercises every integration type and both authorization types.
const testAPI = `{
 "openapi": "3.0.1",
 "info": {"title": "pets", "version": "1"},
 "paths": {
  "/pets": {"get": {"security": [{"sigv4": []}],
     "x-amazon-apigateway-integration": {"type": "http_proxy", "httpMethod": "GET", "uri": "BACKEND/pets"}},
   "post": {"security": [{"sigv4": []}],
     "x-amazon-apigateway-integration": {"type": "mock", "requestTemplates": {"application/json": "{statusCode: 201}"},
       "responses": {"default": {"statusCode": "201", "responseParameters": {"method.response.header.X-Mock": "'yes'"},
         "responseTemplates": {"application/json": "{\"created\":\"$context.requestId\"}"}}}}}},
  "/pets/{petId}": {"get": {"parameters": [{"name": "petId", "in": "path", "required": true, "schema": {"type": "string"}}],
     "x-amazon-apigateway-integration": {"type": "http_proxy", "httpMethod": "GET", "uri": "BACKEND/pets/{petId}",
       "requestParameters": {"integration.request.path.petId": "method.request.path.petId",
         "integration.request.header.X-Caller": "context.identity.sourceIp", "integration.request.header.X-Stage": "stageVariables.color",
         "integration.request.querystring.src": "'gw'"}}}},
  "/pets/special": {"options": {"x-amazon-apigateway-integration": {"type": "mock", "requestTemplates": {"application/json": "{\"statusCode\": 200}"},
       "responses": {"default": {"statusCode": "200"}}}}},
  "/{proxy+}": {"x-amazon-apigateway-any-method": {
     "x-amazon-apigateway-integration": {"type": "http_proxy", "httpMethod": "ANY", "uri": "BACKEND/any/{proxy}",
       "requestParameters": {"integration.request.path.proxy": "method.request.path.proxy"}}}},
  "/slow": {"get": {"x-amazon-apigateway-integration": {"type": "http_proxy", "httpMethod": "GET", "uri": "BACKEND/slow", "timeoutInMillis": 200}}},
  "/down": {"get": {"x-amazon-apigateway-integration": {"type": "http_proxy", "httpMethod": "GET", "uri": "http://127.0.0.1:1/x"}}},
  "/caller": {"get": {"security": [{"sigv4": []}],
     "x-amazon-apigateway-integration": {"type": "http", "httpMethod": "GET", "uri": "BACKEND/caller",
       "requestParameters": {"integration.request.header.X-Caller-Arn": "context.identity.userArn"},
       "responses": {"default": {"statusCode": "200"}}}}},
  "/http-status/{code}": {"get": {"parameters": [{"name": "code", "in": "path", "required": true, "schema": {"type": "string"}}],
     "x-amazon-apigateway-integration": {"type": "http", "httpMethod": "GET", "uri": "BACKEND/status/{code}",
       "requestParameters": {"integration.request.path.code": "method.request.path.code"},
       "responses": {"4\\d{2}": {"statusCode": "400", "responseParameters": {"method.response.header.X-Upstream": "integration.response.header.X-Backend",
             "method.response.header.X-Path": "integration.response.body.path"},
           "responseTemplates": {"application/json": "{\"error\":\"$context.requestId\"}"}},
         "default": {"statusCode": "200"}}}}},
  "/fn": {"post": {"security": [{"sigv4": []}],
     "x-amazon-apigateway-integration": {"type": "aws_proxy", "httpMethod": "POST",
       "uri": "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:hello/invocations"}}}
 },
 "components": {"securitySchemes": {"sigv4": {"type": "apiKey", "name": "Authorization", "in": "header", "x-amazon-apigateway-authtype": "awsSigv4"}}}
}`

// smallAPI has no greedy resource, so unknown paths stay unrouted.
const smallAPI = `{"openapi": "3.0.1", "info": {"title": "small", "version": "1"},
 "paths": {"/pets": {"get": {"security": [{"sigv4": []}],
   "x-amazon-apigateway-integration": {"type": "http_proxy", "httpMethod": "GET", "uri": "BACKEND/pets"}}}},
 "components": {"securitySchemes": {"sigv4": {"type": "apiKey", "name": "Authorization", "in": "header", "x-amazon-apigateway-authtype": "awsSigv4"}}}}`

func TestMissingAuthenticationToken(t *testing.T) {
	e := newEnv(t)
	id := e.importAPI(smallAPI, "dev")
	const mat = "Missing Authentication Token"
	for _, c := range []struct{ name, path, method string }{
		{"unknown api", "/restapis/zzzzzzzzzz/dev/_user_request_/pets", ""},
		{"unknown stage", "/restapis/" + id + "/prod/_user_request_/pets", ""},
		{"iam method unsigned", "/restapis/" + id + "/dev/_user_request_/pets", ""},
		{"no method on resource", "/restapis/" + id + "/dev/_user_request_/pets", "DELETE"},
		{"unknown host-less path", "/nowhere", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := e.call(c.path, callOpt{method: c.method})
			wantError(t, r, 403, "MissingAuthenticationTokenException", "message", mat)
		})
	}
	// A malformed Authorization header on an unknown route or an AWS_IAM
	// method gets the IncompleteSignature text (sigv4.md §12.1 rows 3-4).
	for _, path := range []string{"/restapis/" + id + "/dev/_user_request_/nothere/x/y", "/restapis/" + id + "/dev/_user_request_/pets"} {
		r := e.call(path, callOpt{method: "PUT", header: map[string]string{"Authorization": "Bearer x"}})
		if path == "/restapis/"+id+"/dev/_user_request_/pets" {
			r = e.call(path, callOpt{header: map[string]string{"Authorization": "Bearer x"}})
		}
		wantError(t, r, 403, "IncompleteSignatureException", "message", "'x' not a valid key=value pair (missing equal-sign) in Authorization header: 'Bearer x'.")
	}
}

func TestIAMAuthorization(t *testing.T) {
	e := newEnv(t)
	id := e.importAPI(testAPI, "dev")
	arnPrefix := "arn:aws:execute-api:us-east-1:000000000000:" + id
	allowed := e.user(e.iam, "allowed", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"`+arnPrefix+`/dev/GET/pets"}]}`)
	denied := e.user(e.iam, "denied", "")
	path := "/restapis/" + id + "/dev/_user_request_/pets"

	t.Run("allowed header", func(t *testing.T) {
		r := e.call(path+"?type=dog", callOpt{creds: &allowed})
		if r.status != 200 {
			t.Fatalf("status %d: %s", r.status, r.body)
		}
		var got echoed
		_ = json.Unmarshal([]byte(r.body), &got)
		if got.Path != "/pets" || got.Query != "type=dog" {
			t.Errorf("backend saw %s?%s", got.Path, got.Query)
		}
		if _, ok := got.Header["Authorization"]; ok {
			t.Error("SigV4 Authorization header reached the backend")
		}
		if got.Header["X-Amzn-Apigateway-Api-Id"][0] != id {
			t.Errorf("X-Amzn-Apigateway-Api-Id = %v", got.Header["X-Amzn-Apigateway-Api-Id"])
		}
		if r.header.Get("X-Backend") != "echo" || r.header.Get("x-amzn-RequestId") == "" {
			t.Errorf("headers %v", r.header)
		}
	})
	t.Run("allowed presigned", func(t *testing.T) {
		r := e.call(path, callOpt{creds: &allowed, presign: true})
		if r.status != 200 {
			t.Fatalf("status %d: %s", r.status, r.body)
		}
	})
	t.Run("host form", func(t *testing.T) {
		r := e.call("/dev/pets", callOpt{creds: &allowed, host: id + ".execute-api.localhost"})
		if r.status != 200 {
			t.Fatalf("status %d: %s", r.status, r.body)
		}
	})
	t.Run("no identity policy", func(t *testing.T) {
		r := e.call(path, callOpt{creds: &denied})
		wantError(t, r, 403, "AccessDeniedException", "Message",
			"User: arn:aws:iam::000000000000:user/denied is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:********0000:"+id+"/dev/GET/pets because no identity-based policy allows the execute-api:Invoke action")
	})
	t.Run("other method not in policy", func(t *testing.T) {
		r := e.call(path, callOpt{method: "POST", creds: &allowed})
		wantError(t, r, 403, "AccessDeniedException", "Message",
			"User: arn:aws:iam::000000000000:user/allowed is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:********0000:"+id+"/dev/POST/pets because no identity-based policy allows the execute-api:Invoke action")
	})
	t.Run("root allowed; mock", func(t *testing.T) {
		r := e.call(path, callOpt{method: "POST", creds: &e.root})
		if r.status != 201 || r.header.Get("X-Mock") != "yes" || !strings.HasPrefix(r.body, `{"created":"`) {
			t.Fatalf("mock: %d %v %s", r.status, r.header, r.body)
		}
	})
	t.Run("wrong region", func(t *testing.T) {
		r := e.call(path, callOpt{creds: &allowed, region: "eu-west-1"})
		wantError(t, r, 403, "InvalidSignatureException", "message", "Credential should be scoped to a valid region, not 'eu-west-1'. ")
	})
	t.Run("expired", func(t *testing.T) {
		r := e.call(path, callOpt{creds: &allowed, when: time.Now().Add(-10 * time.Minute)})
		wantError(t, r, 403, "InvalidSignatureException", "message", "")
		if !strings.Contains(r.body, "Signature expired") {
			t.Errorf("body %s", r.body)
		}
	})
	t.Run("unknown key", func(t *testing.T) {
		bad := aws.Credentials{AccessKeyID: "AKIAUNKNOWNUNKNOWN00", SecretAccessKey: "x"}
		r := e.call(path, callOpt{creds: &bad})
		wantError(t, r, 403, "AccessDeniedException", "message", "The security token included in the request is invalid.")
	})
	t.Run("signature mismatch", func(t *testing.T) {
		bad := allowed
		bad.SecretAccessKey = "wrong"
		r := e.call(path, callOpt{creds: &bad})
		wantError(t, r, 403, "InvalidSignatureException", "message", "")
		if !strings.HasPrefix(r.json(t)["message"].(string), "The request signature we calculated does not match") {
			t.Errorf("body %s", r.body)
		}
	})
	t.Run("explicit deny in resource policy", func(t *testing.T) {
		e.setPolicy(id, `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*/GET/pets"},{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*"}]}`)
		// Not effective before a deployment (spec §1).
		if r := e.call(path, callOpt{creds: &allowed}); r.status != 200 {
			t.Fatalf("policy effective before deployment: %d", r.status)
		}
		e.deploy(id, "dev")
		r := e.call(path, callOpt{creds: &allowed})
		wantError(t, r, 403, "AccessDeniedException", "Message",
			"User: arn:aws:iam::000000000000:user/allowed is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:********0000:"+id+"/dev/GET/pets with an explicit deny in a resource-based policy")
		// The resource policy's Allow lets a same-account caller with no
		// identity policy in (Table A).
		if r := e.call(path, callOpt{method: "POST", creds: &denied}); r.status != 201 {
			t.Fatalf("resource-policy allow: %d %s", r.status, r.body)
		}
	})
}

func TestLegacyDenyMessages(t *testing.T) {
	e := newEnv(t, legacy())
	id := e.importAPI(testAPI, "dev")
	denied := e.user(e.iam, "denied", "")
	r := e.call("/restapis/"+id+"/dev/_user_request_/pets", callOpt{creds: &denied})
	wantError(t, r, 403, "AccessDeniedException", "Message",
		"User: arn:aws:iam::000000000000:user/denied is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:********0000:"+id+"/dev/GET/pets")
}

func TestCrossAccount(t *testing.T) {
	e := newEnv(t)
	id := e.importAPI(testAPI, "dev")
	acct, rootB := e.account()
	iamB := awsiam.NewFromConfig(awsConfig(rootB), func(o *awsiam.Options) { o.BaseEndpoint = aws.String(e.srv.URL) })
	callerB := e.user(iamB, "caller", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:*:*:`+id+`/*"}]}`)
	path := "/restapis/" + id + "/dev/_user_request_/pets"
	masked := "arn:aws:execute-api:us-east-1:********0000:" + id + "/dev/GET/pets"

	// No resource policy: cross-account callers are always denied (Table B).
	r := e.call(path, callOpt{creds: &callerB})
	wantError(t, r, 403, "AccessDeniedException", "Message",
		"User: arn:aws:iam::"+acct+":user/caller is not authorized to perform: execute-api:Invoke on resource: "+masked+" because no resource-based policy allows the execute-api:Invoke action")

	e.setPolicy(id, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::`+acct+`:root"},"Action":"execute-api:Invoke","Resource":"execute-api:/*"}]}`)
	e.deploy(id, "dev")
	if r := e.call(path, callOpt{creds: &callerB}); r.status != 200 {
		t.Fatalf("cross-account allowed by both: %d %s", r.status, r.body)
	}
	// Resource policy allows, identity side does not.
	nopol := e.user(iamB, "nopol", "")
	r = e.call(path, callOpt{creds: &nopol})
	wantError(t, r, 403, "AccessDeniedException", "Message",
		"User: arn:aws:iam::"+acct+":user/nopol is not authorized to perform: execute-api:Invoke on resource: "+masked+" because no identity-based policy allows the execute-api:Invoke action")
}

func TestIntegrations(t *testing.T) {
	e := newEnv(t)
	id := e.importAPI(testAPI, "dev")
	_, err := e.apig.UpdateStage(context.Background(), &apigateway.UpdateStageInput{RestApiId: aws.String(id), StageName: aws.String("dev"),
		PatchOperations: []apitypes.PatchOperation{{Op: apitypes.OpReplace, Path: aws.String("/variables/color"), Value: aws.String("blue")}}})
	if err != nil {
		t.Fatal(err)
	}
	base := "/restapis/" + id + "/dev/_user_request_"

	t.Run("path parameter and mapped headers", func(t *testing.T) {
		r := e.call(base+"/pets/a%20b?k=v", callOpt{})
		var got echoed
		_ = json.Unmarshal([]byte(r.body), &got)
		if r.status != 200 || got.Path != "/pets/a%20b" || got.Header["X-Caller"][0] != "127.0.0.1" || got.Header["X-Stage"][0] != "blue" ||
			got.Query != "k=v&src=gw" {
			t.Fatalf("%d %+v", r.status, got)
		}
	})
	t.Run("greedy proxy with fall-through", func(t *testing.T) {
		for _, c := range []struct{ method, path, want string }{
			{"GET", "/a/b/c", "/any/a/b/c"},
			{"DELETE", "/pets/1/x", "/any/pets/1/x"},
			{"PUT", "/pets", "/any/pets"}, // /pets has no PUT: falls through to {proxy+}
		} {
			r := e.call(base+c.path, callOpt{method: c.method})
			var got echoed
			_ = json.Unmarshal([]byte(r.body), &got)
			if r.status != 200 || got.Path != c.want || got.Method != c.method {
				t.Errorf("%s %s: %d %+v", c.method, c.path, r.status, got)
			}
		}
	})
	t.Run("literal beats param", func(t *testing.T) {
		r := e.call(base+"/pets/special", callOpt{method: "OPTIONS"})
		if r.status != 200 || r.body != "" {
			t.Fatalf("%d %q", r.status, r.body)
		}
	})
	t.Run("timeout", func(t *testing.T) {
		r := e.call(base+"/slow", callOpt{})
		wantError(t, r, 504, "InternalServerErrorException", "message", "Endpoint request timed out")
	})
	t.Run("backend unreachable", func(t *testing.T) {
		r := e.call(base+"/down", callOpt{})
		wantError(t, r, 500, "InternalServerErrorException", "message", "Internal server error")
	})
	t.Run("payload too large", func(t *testing.T) {
		r := e.call(base+"/anything", callOpt{method: "POST", body: make([]byte, gateway.MaxPayload+1)})
		if r.status != 413 || r.body != "HTTP content length exceeded 10485760 bytes." {
			t.Fatalf("%d %q", r.status, r.body)
		}
	})
	t.Run("HTTP integration response selection", func(t *testing.T) {
		r := e.call(base+"/http-status/404", callOpt{})
		if r.status != 400 || r.header.Get("X-Upstream") != "echo" || r.header.Get("X-Path") != "/status/404" || !strings.HasPrefix(r.body, `{"error":"`) {
			t.Fatalf("4xx: %d %v %s", r.status, r.header, r.body)
		}
		r = e.call(base+"/http-status/201", callOpt{})
		if r.status != 200 || !strings.Contains(r.body, `"path":"/status/201"`) {
			t.Fatalf("default: %d %s", r.status, r.body)
		}
	})
	t.Run("context identity to HTTP backend", func(t *testing.T) {
		r := e.call(base+"/caller", callOpt{creds: &e.root})
		if r.status != 200 || !strings.Contains(r.body, `"X-Caller-Arn":["arn:aws:iam::000000000000:root"]`) {
			t.Fatalf("%d %s", r.status, r.body)
		}
	})
	t.Run("throttled", func(t *testing.T) {
		_, err := e.apig.UpdateStage(context.Background(), &apigateway.UpdateStageInput{RestApiId: aws.String(id), StageName: aws.String("dev"),
			PatchOperations: []apitypes.PatchOperation{
				{Op: apitypes.OpReplace, Path: aws.String("/~1pets~1{petId}/GET/throttling/rateLimit"), Value: aws.String("0.01")},
				{Op: apitypes.OpReplace, Path: aws.String("/~1pets~1{petId}/GET/throttling/burstLimit"), Value: aws.String("1")}}})
		if err != nil {
			t.Fatal(err)
		}
		if r := e.call(base+"/pets/1", callOpt{}); r.status != 200 {
			t.Fatalf("first: %d", r.status)
		}
		r := e.call(base+"/pets/1", callOpt{})
		wantError(t, r, 429, "TooManyRequestsException", "message", "Too Many Requests")
		if r.body != `{"message":"Too Many Requests"}` {
			t.Errorf("body %q", r.body)
		}
	})
}

type fakeInvoker struct {
	mu      sync.Mutex
	event   gateway.ProxyEvent
	source  string
	payload string
	fnErr   string
}

func (f *fakeInvoker) InvokeFromGateway(ctx context.Context, fn, src string, ev []byte) ([]byte, string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.source = src
	if err := json.Unmarshal(ev, &f.event); err != nil {
		return nil, "", err
	}
	if fn != "arn:aws:lambda:us-east-1:000000000000:function:hello" {
		return nil, "", fmt.Errorf("unknown function %s", fn)
	}
	return []byte(f.payload), f.fnErr, nil
}

func TestLambdaProxy(t *testing.T) {
	e := newEnv(t)
	id := e.importAPI(testAPI, "dev")
	inv := &fakeInvoker{payload: `{"statusCode": 200, "headers": {"Content-Type": "text/plain", "X-B": true}, "body": "hello"}`}
	e.srv.App.Services.Gateway.(*gateway.Gateway).SetInvoker(inv)
	path := "/restapis/" + id + "/dev/_user_request_/fn?a=1&a=2"
	r := e.call(path, callOpt{method: "POST", creds: &e.root, body: []byte(`{"x":1}`)})
	if r.status != 200 || r.body != "hello" || r.header.Get("X-B") != "true" || r.header.Get("Content-Type") != "text/plain" {
		t.Fatalf("%d %v %q", r.status, r.header, r.body)
	}
	ev := inv.event
	if ev.Resource != "/fn" || ev.Path != "/fn" || ev.HTTPMethod != "POST" || *ev.Body != `{"x":1}` ||
		ev.QueryStringParameters["a"] != "2" || len(ev.MultiValueQueryStringParameters["a"]) != 2 {
		t.Errorf("event %+v", ev)
	}
	rc := ev.RequestContext
	if rc.APIID != id || rc.Stage != "dev" || rc.Path != "/dev/fn" || rc.AccountID != "000000000000" || rc.ResourcePath != "/fn" ||
		rc.Identity.UserArn == nil || *rc.Identity.UserArn != "arn:aws:iam::000000000000:root" || *rc.Identity.AccessKey != e.root.AccessKeyID {
		t.Errorf("requestContext %+v identity %+v", rc, rc.Identity)
	}
	if _, ok := ev.Headers["Authorization"]; ok {
		t.Error("SigV4 Authorization header reached the function")
	}
	if inv.source != "arn:aws:execute-api:us-east-1:000000000000:"+id+"/dev/POST/fn" {
		t.Errorf("source ARN %s", inv.source)
	}
	for _, c := range []struct{ payload, fnErr string }{
		{`{"statusCode": 200, "extra": 1}`, ""},
		{`"just a string"`, ""},
		{`{"statusCode": "abc"}`, ""},
		{`{"errorMessage": "boom"}`, "Unhandled"},
	} {
		inv.payload, inv.fnErr = c.payload, c.fnErr
		r := e.call(path, callOpt{method: "POST", creds: &e.root})
		wantError(t, r, 502, "InternalServerErrorException", "message", "Internal server error")
	}
}

func TestCustomDomain(t *testing.T) {
	e := newEnv(t)
	id := e.importAPI(testAPI, "prod")
	ctx := context.Background()
	if _, err := e.apig.CreateDomainName(ctx, &apigateway.CreateDomainNameInput{DomainName: aws.String("api.internal")}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.apig.CreateBasePathMapping(ctx, &apigateway.CreateBasePathMappingInput{DomainName: aws.String("api.internal"),
		BasePath: aws.String("v1"), RestApiId: aws.String(id), Stage: aws.String("prod")}); err != nil {
		t.Fatal(err)
	}
	host := "api.internal:" + portOf(e.srv.URL)
	r := e.call("/v1/pets/7", callOpt{host: host})
	var got echoed
	_ = json.Unmarshal([]byte(r.body), &got)
	if r.status != 200 || got.Path != "/pets/7" {
		t.Fatalf("%d %s", r.status, r.body)
	}
	r = e.call("/v2/pets/7", callOpt{host: host})
	wantError(t, r, 403, "MissingAuthenticationTokenException", "message", "Missing Authentication Token")
}

func portOf(u string) string {
	_, p, _ := net.SplitHostPort(strings.TrimPrefix(u, "http://"))
	return p
}

func TestDecisionLog(t *testing.T) {
	logPath := t.TempDir() + "/decisions.jsonl"
	e := newEnv(t, func(c *config.Config) { c.DecisionLog = logPath })
	id := e.importAPI(smallAPI, "dev")
	denied := e.user(e.iam, "denied", "")
	e.call("/restapis/"+id+"/dev/_user_request_/pets", callOpt{creds: &e.root})
	e.call("/restapis/"+id+"/dev/_user_request_/pets", callOpt{creds: &denied})
	b, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines:\n%s", len(lines), b)
	}
	var allow, deny map[string]any
	_ = json.Unmarshal([]byte(lines[0]), &allow)
	_ = json.Unmarshal([]byte(lines[1]), &deny)
	arn := "arn:aws:execute-api:us-east-1:000000000000:" + id + "/dev/GET/pets"
	if allow["decision"] != "allowed" || allow["caller"] != "arn:aws:iam::000000000000:root" || allow["methodArn"] != arn || allow["requestId"] == "" {
		t.Errorf("allow line %v", allow)
	}
	if deny["decision"] != "implicitDeny" || deny["caller"] != "arn:aws:iam::000000000000:user/denied" ||
		deny["explanation"] != "implicitly denied: no identity-based policy allows execute-api:Invoke on this resource" {
		t.Errorf("deny line %v", deny)
	}
	if _, ok := deny["latencyMicros"]; !ok {
		t.Errorf("no latency: %v", deny)
	}
}

func TestConditionKeys(t *testing.T) {
	e := newEnv(t)
	id := e.importAPI(smallAPI, "dev")
	ctx := context.Background()
	pol := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:us-east-1:000000000000:` + id + `/dev/GET/pets",
	  "Condition":{"IpAddress":{"aws:SourceIp":"127.0.0.0/8"},"Bool":{"aws:SecureTransport":"false"},
	    "StringEquals":{"aws:PrincipalTag/team":"orders","aws:PrincipalAccount":"000000000000","aws:username":"${aws:username}","aws:RequestedRegion":"us-east-1"},
	    "ArnEquals":{"aws:PrincipalArn":"arn:aws:iam::000000000000:user/*"},
	    "StringLike":{"aws:userid":"AIDA*"},"DateGreaterThan":{"aws:CurrentTime":"2020-01-01T00:00:00Z"}}}]}`
	mk := func(name, team string) aws.Credentials {
		c := e.user(e.iam, name, pol)
		if _, err := e.iam.TagUser(ctx, &awsiam.TagUserInput{UserName: aws.String(name), Tags: []iamtypes.Tag{{Key: aws.String("team"), Value: aws.String(team)}}}); err != nil {
			t.Fatal(err)
		}
		return c
	}
	orders, billing := mk("orders", "orders"), mk("billing", "billing")
	path := "/restapis/" + id + "/dev/_user_request_/pets"
	if r := e.call(path, callOpt{creds: &orders}); r.status != 200 {
		t.Fatalf("orders: %d %s", r.status, r.body)
	}
	r := e.call(path, callOpt{creds: &billing})
	wantError(t, r, 403, "AccessDeniedException", "Message",
		"User: arn:aws:iam::000000000000:user/billing is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:********0000:"+id+"/dev/GET/pets because no identity-based policy allows the execute-api:Invoke action")

	// A resource policy can refuse by source address for everyone.
	e.setPolicy(id, `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*","Condition":{"NotIpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}]}`)
	e.deploy(id, "dev")
	r = e.call(path, callOpt{creds: &orders})
	wantError(t, r, 403, "AccessDeniedException", "Message",
		"User: arn:aws:iam::000000000000:user/orders is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:********0000:"+id+"/dev/GET/pets with an explicit deny in a resource-based policy")
}

func TestInvalidSessionToken(t *testing.T) {
	e := newEnv(t)
	id := e.importAPI(smallAPI, "dev")
	bad := e.root
	bad.SessionToken = "not-a-token"
	r := e.call("/restapis/"+id+"/dev/_user_request_/pets", callOpt{creds: &bad})
	wantError(t, r, 403, "AccessDeniedException", "message", "The security token included in the request is invalid.")
}

func TestNoneMethodWithResourcePolicy(t *testing.T) {
	e := newEnv(t)
	id := e.importAPI(testAPI, "dev")
	e.setPolicy(id, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*/GET/pets/*"}]}`)
	e.deploy(id, "dev")
	base := "/restapis/" + id + "/dev/_user_request_"
	if r := e.call(base+"/pets/1", callOpt{}); r.status != 200 {
		t.Fatalf("allowed anonymous: %d %s", r.status, r.body)
	}
	r := e.call(base+"/other", callOpt{})
	wantError(t, r, 403, "AccessDeniedException", "Message",
		"User: anonymous is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:********0000:"+id+"/dev/GET/other because no resource-based policy allows the execute-api:Invoke action")
}

func TestDisabledDefaultEndpointAndLongARN(t *testing.T) {
	e := newEnv(t)
	id := e.importAPI(testAPI, "dev")
	base := "/restapis/" + id + "/dev/_user_request_"

	// The method ARN of an authorized request may be at most 1600 bytes.
	long := base + "/pets/" + strings.Repeat("x", 1600)
	e.setPolicy(id, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*"}]}`)
	e.deploy(id, "dev")
	r := e.call(long, callOpt{})
	wantError(t, r, 414, "BadRequestException", "message", "Request URI too long")

	_, err := e.apig.UpdateRestApi(context.Background(), &apigateway.UpdateRestApiInput{RestApiId: aws.String(id),
		PatchOperations: []apitypes.PatchOperation{{Op: apitypes.OpReplace, Path: aws.String("/disableExecuteApiEndpoint"), Value: aws.String("true")}}})
	if err != nil {
		t.Fatal(err)
	}
	e.deploy(id, "dev")
	r = e.call(base+"/pets/1", callOpt{})
	wantError(t, r, 403, "ForbiddenException", "message", "Forbidden")
}
