package lambda_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	apitypes "github.com/aws/aws-sdk-go-v2/service/apigateway/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/smithy-go"

	"github.com/gatehouse-dev/gatehouse/internal/gatehousetest"
	"github.com/gatehouse-dev/gatehouse/pkg/sigv4client"
)

// authorizerJS is a Lambda authorizer for TOKEN and REQUEST events. Its
// module-level counter survives warm invocations, so "calls" in the
// context tells how often the function ran.
const authorizerJS = `let calls = 0;
exports.handler = async (event) => {
  calls++;
  const tok = event.type === "TOKEN" ? event.authorizationToken
    : (event.headers["X-User"] || event.headers["x-user"]) + "@" + event.queryStringParameters.tenant;
  const who = tok.replace(/^Bearer /, "");
  const doc = (effect) => ({ Version: "2012-10-17", Statement: [{ Action: "execute-api:Invoke", Effect: effect, Resource: event.methodArn.split("/").slice(0, 2).join("/") + "/*" }] });
  if (who.startsWith("deny")) return { principalId: who, policyDocument: doc("Deny") };
  if (who.startsWith("unauth")) throw new Error("Unauthorized");
  if (who.startsWith("boom")) throw new Error("boom");
  if (who.startsWith("bad")) return { principalId: who, policyDocument: { Version: "2012-10-17", Statement: [{ Action: "execute-api:Invoke", Effect: "Maybe", Resource: "*" }] } };
  if (who.startsWith("nested")) return { principalId: who, policyDocument: doc("Allow"), context: { obj: { a: 1 } } };
  if (who.startsWith("other")) return { principalId: who, policyDocument: { Version: "2012-10-17", Statement: [{ Action: "execute-api:Invoke", Effect: "Allow", Resource: "arn:aws:execute-api:us-east-1:000000000000:otherapi/*" }] } };
  return { principalId: "user-" + who, policyDocument: doc("Allow"), context: { calls: calls, tier: "gold", admin: true } };
};
`

// backendJS answers with the proxy event's requestContext.authorizer.
const backendJS = `exports.handler = async (event) => ({ statusCode: 200, headers: { "Content-Type": "application/json" }, body: JSON.stringify(event.requestContext.authorizer || null) });
`

func nodeFunction(t *testing.T, e *env, name, code string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "index.js"), []byte(code), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := e.lc.CreateFunction(context.Background(), &lambda.CreateFunctionInput{FunctionName: aws.String(name), Role: aws.String(e.role),
		Runtime: types.RuntimeNodejs20x, Handler: aws.String("index.handler"), Timeout: aws.Int32(5),
		Code: &types.FunctionCode{S3Bucket: aws.String("gatehouse-local-dir"), S3Key: aws.String(dir)}})
	if err != nil {
		t.Fatal(err)
	}
	return *out.FunctionArn
}

// authzAPI builds an API with the given authorizer on GET /fn (AWS_PROXY
// to the backend function) and GET /http (HTTP_PROXY to be, with the
// principal and a context value mapped into request headers).
type authzAPI struct {
	id, authorizer string
	base           string
}

func buildAuthzAPI(t *testing.T, e *env, apig *apigateway.Client, auth *apigateway.CreateAuthorizerInput, backendARN, httpURL string) authzAPI {
	t.Helper()
	ctx := context.Background()
	api, err := apig.CreateRestApi(ctx, &apigateway.CreateRestApiInput{Name: aws.String("authz")})
	if err != nil {
		t.Fatal(err)
	}
	auth.RestApiId = api.Id
	a, err := apig.CreateAuthorizer(ctx, auth)
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"fn", "http"} {
		res, err := apig.CreateResource(ctx, &apigateway.CreateResourceInput{RestApiId: api.Id, ParentId: api.RootResourceId, PathPart: aws.String(path)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := apig.PutMethod(ctx, &apigateway.PutMethodInput{RestApiId: api.Id, ResourceId: res.Id, HttpMethod: aws.String("GET"),
			AuthorizationType: aws.String("CUSTOM"), AuthorizerId: a.Id}); err != nil {
			t.Fatal(err)
		}
		in := &apigateway.PutIntegrationInput{RestApiId: api.Id, ResourceId: res.Id, HttpMethod: aws.String("GET"),
			Type: apitypes.IntegrationTypeAwsProxy, IntegrationHttpMethod: aws.String("POST"), Uri: aws.String(uri(backendARN))}
		if path == "http" {
			in.Type, in.IntegrationHttpMethod, in.Uri = apitypes.IntegrationTypeHttpProxy, aws.String("GET"), aws.String(httpURL)
			in.RequestParameters = map[string]string{"integration.request.header.X-Principal": "context.authorizer.principalId",
				"integration.request.header.X-Tier": "context.authorizer.tier"}
		}
		if _, err := apig.PutIntegration(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := apig.CreateDeployment(ctx, &apigateway.CreateDeploymentInput{RestApiId: api.Id, StageName: aws.String("prod")}); err != nil {
		t.Fatal(err)
	}
	return authzAPI{id: *api.Id, authorizer: *a.Id, base: e.url + "/restapis/" + *api.Id + "/prod/_user_request_"}
}

func allowAPIGateway(t *testing.T, e *env, fn, sid, sourceARN string) {
	t.Helper()
	if _, err := e.lc.AddPermission(context.Background(), &lambda.AddPermissionInput{FunctionName: aws.String(fn), StatementId: aws.String(sid),
		Action: aws.String("lambda:InvokeFunction"), Principal: aws.String("apigateway.amazonaws.com"), SourceArn: aws.String(sourceARN)}); err != nil {
		t.Fatal(err)
	}
}

type answer struct {
	status int
	header http.Header
	body   string
}

func getAuthz(t *testing.T, u string, h map[string]string) answer {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	for k, v := range h {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, resp.Header, string(b)}
}

// getAuthzNoFatal is getAuthz for other goroutines (no t.Fatal there).
func getAuthzNoFatal(u string, h map[string]string) answer {
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	for k, v := range h {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return answer{body: err.Error()}
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, resp.Header, string(b)}
}

// headerBackend records the headers of the last request it served.
type headerBackend struct {
	mu   sync.Mutex
	last http.Header
}

func (h *headerBackend) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	h.last = r.Header.Clone()
	h.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, `{"ok":true}`)
}

func (h *headerBackend) get(k string) string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.last.Get(k)
}

func needNode(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node not installed")
	}
}

// TestLambdaAuthorizerToken: a TOKEN authorizer (real Node function)
// with a validation expression and a 300 s TTL. Allow (principal and
// context into the Lambda proxy event and into HTTP backend headers),
// cache hit (the function runs once for two calls with one token, again
// for another token), explicit deny 403, missing or invalid token 401
// without a call, "Unauthorized" thrown 401, failures and malformed
// policies 500 AuthorizerConfigurationException, a policy for another
// API 403; TestInvokeAuthorizer.
func TestLambdaAuthorizerToken(t *testing.T) {
	needNode(t)
	e := setup(t)
	ctx := context.Background()
	authARN := nodeFunction(t, e, "authz", authorizerJS)
	backARN := nodeFunction(t, e, "backend", backendJS)
	hb := &headerBackend{}
	hs := httptest.NewServer(hb)
	t.Cleanup(hs.Close)
	apig := apigateway.NewFromConfig(awsConfig(e.url, gatehousetest.AccessKeyID, gatehousetest.SecretAccessKey, ""))
	api := buildAuthzAPI(t, e, apig, &apigateway.CreateAuthorizerInput{Name: aws.String("tok"), Type: apitypes.AuthorizerTypeToken,
		AuthorizerUri: aws.String(uri(authARN)), IdentitySource: aws.String("method.request.header.Authorization"),
		IdentityValidationExpression: aws.String("Bearer [a-z0-9]+")}, backARN, hs.URL)
	allowAPIGateway(t, e, "authz", "authz", "arn:aws:execute-api:us-east-1:000000000000:"+api.id+"/authorizers/"+api.authorizer)
	allowAPIGateway(t, e, "backend", "backend", "arn:aws:execute-api:us-east-1:000000000000:"+api.id+"/*/GET/fn")

	bearer := func(tok string) map[string]string { return map[string]string{"Authorization": "Bearer " + tok} }
	tests := []struct {
		name   string
		path   string
		header map[string]string
		status int
		body   string // exact, or contained when prefixed "~"
		errTyp string
	}{
		{"missing token", "/fn", nil, 401, `{"message":"Unauthorized"}`, "UnauthorizedException"},
		{"token fails validation", "/fn", map[string]string{"Authorization": "Basic abc"}, 401, `{"message":"Unauthorized"}`, "UnauthorizedException"},
		{"allow", "/fn", bearer("alice"), 200, `{"admin":"true","calls":"1","integrationLatency":0,"principalId":"user-alice","tier":"gold"}`, ""},
		{"cache hit: no second call", "/fn", bearer("alice"), 200, `~"calls":"1"`, ""},
		{"other token: called again", "/fn", bearer("bob"), 200, `~"calls":"2"`, ""},
		{"flush", "", nil, 0, "", ""},
		{"after FlushStageAuthorizersCache: called again", "/fn", bearer("alice"), 200, `~"calls":"3"`, ""},
		{"explicit deny", "/fn", bearer("deny"), 403, `{"Message":"User is not authorized to access this resource with an explicit deny"}`, "AccessDeniedException"},
		{"policy for another api", "/fn", bearer("other"), 403, `{"Message":"User is not authorized to access this resource"}`, "AccessDeniedException"},
		{"thrown Unauthorized", "/fn", bearer("unauth"), 401, `{"message":"Unauthorized"}`, "UnauthorizedException"},
		{"function error", "/fn", bearer("boom"), 500, `{"message":null}`, "AuthorizerConfigurationException"},
		{"unknown effect", "/fn", bearer("bad"), 500, `{"message":null}`, "AuthorizerConfigurationException"},
		{"context not flat", "/fn", bearer("nested"), 500, `{"message":null}`, "AuthorizerConfigurationException"},
		{"http backend", "/http", bearer("carol"), 200, `{"ok":true}`, ""},
	}
	for _, tc := range tests {
		if tc.name == "flush" {
			if _, err := apig.FlushStageAuthorizersCache(ctx, &apigateway.FlushStageAuthorizersCacheInput{RestApiId: aws.String(api.id), StageName: aws.String("prod")}); err != nil {
				t.Fatal(err)
			}
			continue
		}
		a := getAuthz(t, api.base+tc.path, tc.header)
		ok := a.body == tc.body || strings.HasPrefix(tc.body, "~") && strings.Contains(a.body, tc.body[1:])
		if a.status != tc.status || !ok {
			t.Errorf("%s: %d %s\nwant %d %s", tc.name, a.status, a.body, tc.status, tc.body)
		}
		if tc.errTyp != "" && a.header.Get("x-amzn-ErrorType") != tc.errTyp {
			t.Errorf("%s: x-amzn-ErrorType %q, want %q", tc.name, a.header.Get("x-amzn-ErrorType"), tc.errTyp)
		}
	}
	if hb.get("X-Principal") != "user-carol" || hb.get("X-Tier") != "gold" {
		t.Errorf("backend headers: X-Principal %q X-Tier %q", hb.get("X-Principal"), hb.get("X-Tier"))
	}

	// Concurrent callers with different tokens each get their own
	// principal, cached or not: one caller's allow never serves another.
	var wg sync.WaitGroup
	errs := make(chan string, 40)
	for i := 0; i < 40; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			tok := "p" + strconv.Itoa(i%10)
			a := getAuthzNoFatal(api.base+"/fn", bearer(tok))
			if a.status != 200 || !strings.Contains(a.body, `"principalId":"user-`+tok+`"`) {
				errs <- tok + ": " + strconv.Itoa(a.status) + " " + a.body
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Errorf("concurrent caller %s", e)
	}

	out, err := apig.TestInvokeAuthorizer(ctx, &apigateway.TestInvokeAuthorizerInput{RestApiId: aws.String(api.id), AuthorizerId: aws.String(api.authorizer),
		Headers: map[string]string{"Authorization": "Bearer dave"}})
	if err != nil || out.ClientStatus != 200 || aws.ToString(out.PrincipalId) != "user-dave" || !strings.Contains(aws.ToString(out.Policy), `"Allow"`) {
		t.Errorf("TestInvokeAuthorizer: %v %+v", err, out)
	}
	out, err = apig.TestInvokeAuthorizer(ctx, &apigateway.TestInvokeAuthorizerInput{RestApiId: aws.String(api.id), AuthorizerId: aws.String(api.authorizer)})
	if err != nil || out.ClientStatus != 401 {
		t.Errorf("TestInvokeAuthorizer without token: %v %+v", err, out)
	}
}

// TestLambdaAuthorizerRequest: a REQUEST authorizer keyed on a header and
// a query string parameter, caching off (TTL 0: every request runs the
// function), its context in the Lambda proxy event; a missing identity
// source is 401 without a call. Then the same authorizer through
// authorizerCredentials: a role that does not trust API Gateway is 500,
// one that trusts it and may invoke the function works without any
// function permission.
func TestLambdaAuthorizerRequest(t *testing.T) {
	needNode(t)
	e := setup(t)
	ctx := context.Background()
	authARN := nodeFunction(t, e, "authz", authorizerJS)
	backARN := nodeFunction(t, e, "backend", backendJS)
	apig := apigateway.NewFromConfig(awsConfig(e.url, gatehousetest.AccessKeyID, gatehousetest.SecretAccessKey, ""))
	api := buildAuthzAPI(t, e, apig, &apigateway.CreateAuthorizerInput{Name: aws.String("req"), Type: apitypes.AuthorizerTypeRequest,
		AuthorizerUri: aws.String(uri(authARN)), IdentitySource: aws.String("method.request.header.X-User, method.request.querystring.tenant"),
		AuthorizerResultTtlInSeconds: aws.Int32(0)}, backARN, "http://127.0.0.1:1/")
	allowAPIGateway(t, e, "authz", "authz", "arn:aws:execute-api:us-east-1:000000000000:"+api.id+"/authorizers/*")
	allowAPIGateway(t, e, "backend", "backend", "arn:aws:execute-api:us-east-1:000000000000:"+api.id+"/*/*/*")
	user := map[string]string{"X-User": "erin"}
	if a := getAuthz(t, api.base+"/fn", user); a.status != 401 || a.body != `{"message":"Unauthorized"}` {
		t.Errorf("missing tenant: %d %s", a.status, a.body)
	}
	for i, want := range []string{`"calls":"1"`, `"calls":"2"`} {
		a := getAuthz(t, api.base+"/fn?tenant=acme", user)
		var ctxv map[string]any
		if a.status != 200 || json.Unmarshal([]byte(a.body), &ctxv) != nil || ctxv["principalId"] != "user-erin@acme" || !strings.Contains(a.body, want) {
			t.Errorf("request %d: %d %s (want %s)", i, a.status, a.body, want)
		}
	}
	if a := getAuthz(t, api.base+"/fn?tenant=acme", map[string]string{"X-User": "deny"}); a.status != 403 {
		t.Errorf("REQUEST deny: %d %s", a.status, a.body)
	}

	// authorizerCredentials: the function's permission is not what decides.
	if _, err := e.lc.RemovePermission(ctx, &lambda.RemovePermissionInput{FunctionName: aws.String("authz"), StatementId: aws.String("authz")}); err != nil {
		t.Fatal(err)
	}
	if a := getAuthz(t, api.base+"/fn?tenant=acme", user); a.status != 500 || a.header.Get("x-amzn-ErrorType") != "AuthorizerConfigurationException" {
		t.Errorf("no permission: %d %s", a.status, a.body)
	}
	roleARN := func(name, trustService, pol string) string {
		trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"` + trustService + `"},"Action":"sts:AssumeRole"}]}`
		r, err := e.ic.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(trust)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.ic.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(name), PolicyName: aws.String("invoke"), PolicyDocument: aws.String(pol)}); err != nil {
			t.Fatal(err)
		}
		return *r.Role.Arn
	}
	invoke := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"lambda:InvokeFunction","Resource":"` + authARN + `"}]}`
	for _, c := range []struct {
		name, role string
		status     int
	}{
		{"role not trusting API Gateway", roleARN("wrong-trust", "lambda.amazonaws.com", invoke), 500},
		{"role without lambda:InvokeFunction", roleARN("no-invoke", "apigateway.amazonaws.com", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`), 500},
		{"invocation role", roleARN("invoker", "apigateway.amazonaws.com", invoke), 200},
	} {
		if _, err := apig.UpdateAuthorizer(ctx, &apigateway.UpdateAuthorizerInput{RestApiId: aws.String(api.id), AuthorizerId: aws.String(api.authorizer),
			PatchOperations: []apitypes.PatchOperation{{Op: apitypes.OpReplace, Path: aws.String("/authorizerCredentials"), Value: aws.String(c.role)}}}); err != nil {
			t.Fatal(err)
		}
		if a := getAuthz(t, api.base+"/fn?tenant=acme", user); a.status != c.status {
			t.Errorf("%s: %d %s, want %d", c.name, a.status, a.body, c.status)
		}
	}
}

// TestAuthorizerControlPlane: validation of CreateAuthorizer and the
// CUSTOM method reference, as AWS answers them.
func TestAuthorizerControlPlane(t *testing.T) {
	srv := gatehousetest.Start(t)
	ctx := context.Background()
	apig := apigateway.NewFromConfig(awsConfig(srv.URL, gatehousetest.AccessKeyID, gatehousetest.SecretAccessKey, ""))
	api, err := apig.CreateRestApi(ctx, &apigateway.CreateRestApiInput{Name: aws.String("cp")})
	if err != nil {
		t.Fatal(err)
	}
	fn := uri("arn:aws:lambda:us-east-1:000000000000:function:f")
	bad := []struct {
		name string
		in   apigateway.CreateAuthorizerInput
	}{
		{"cognito refused", apigateway.CreateAuthorizerInput{Name: aws.String("c"), Type: apitypes.AuthorizerTypeCognitoUserPools, ProviderARNs: []string{"arn:aws:cognito-idp:us-east-1:000000000000:userpool/us-east-1_x"}}},
		{"token without header source", apigateway.CreateAuthorizerInput{Name: aws.String("t"), Type: apitypes.AuthorizerTypeToken, AuthorizerUri: aws.String(fn), IdentitySource: aws.String("method.request.querystring.t")}},
		{"bad uri", apigateway.CreateAuthorizerInput{Name: aws.String("t"), Type: apitypes.AuthorizerTypeToken, AuthorizerUri: aws.String("http://x"), IdentitySource: aws.String("method.request.header.A")}},
		{"ttl too long", apigateway.CreateAuthorizerInput{Name: aws.String("t"), Type: apitypes.AuthorizerTypeToken, AuthorizerUri: aws.String(fn), IdentitySource: aws.String("method.request.header.A"), AuthorizerResultTtlInSeconds: aws.Int32(3601)}},
		{"request cached without source", apigateway.CreateAuthorizerInput{Name: aws.String("r"), Type: apitypes.AuthorizerTypeRequest, AuthorizerUri: aws.String(fn)}},
		{"credentials not a role", apigateway.CreateAuthorizerInput{Name: aws.String("t"), Type: apitypes.AuthorizerTypeToken, AuthorizerUri: aws.String(fn), IdentitySource: aws.String("method.request.header.A"), AuthorizerCredentials: aws.String("arn:aws:iam::000000000000:user/u")}},
	}
	for _, c := range bad {
		in := c.in
		in.RestApiId = api.Id
		if _, err := apig.CreateAuthorizer(ctx, &in); apiErrCode(err) != "BadRequestException" {
			t.Errorf("%s: %v", c.name, err)
		}
	}
	a, err := apig.CreateAuthorizer(ctx, &apigateway.CreateAuthorizerInput{RestApiId: api.Id, Name: aws.String("ok"), Type: apitypes.AuthorizerTypeToken,
		AuthorizerUri: aws.String(fn), IdentitySource: aws.String("method.request.header.Authorization")})
	if err != nil || aws.ToInt32(a.AuthorizerResultTtlInSeconds) != 300 {
		t.Fatalf("create: %v %+v", err, a)
	}
	if _, err := apig.PutMethod(ctx, &apigateway.PutMethodInput{RestApiId: api.Id, ResourceId: api.RootResourceId, HttpMethod: aws.String("GET"),
		AuthorizationType: aws.String("CUSTOM"), AuthorizerId: aws.String("nope")}); apiErrCode(err) != "BadRequestException" {
		t.Errorf("CUSTOM with unknown authorizer: %v", err)
	}
	if _, err := apig.PutMethod(ctx, &apigateway.PutMethodInput{RestApiId: api.Id, ResourceId: api.RootResourceId, HttpMethod: aws.String("GET"),
		AuthorizationType: aws.String("CUSTOM"), AuthorizerId: a.Id}); err != nil {
		t.Fatal(err)
	}
	if _, err := apig.DeleteAuthorizer(ctx, &apigateway.DeleteAuthorizerInput{RestApiId: api.Id, AuthorizerId: a.Id}); apiErrCode(err) != "ConflictException" {
		t.Errorf("delete authorizer in use: %v", err)
	}
	list, err := apig.GetAuthorizers(ctx, &apigateway.GetAuthorizersInput{RestApiId: api.Id})
	if err != nil || len(list.Items) != 1 {
		t.Errorf("GetAuthorizers: %v %+v", err, list)
	}
}

func apiErrCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// importedAuthorizerAPI uses a TOKEN authorizer declared the way SAM and
// the Serverless Framework write it.
const importedAuthorizerAPI = `{"openapi": "3.0.1", "info": {"title": "imported", "version": "1"},
 "paths": {"/fn": {"get": {"security": [{"jwt": []}],
   "x-amazon-apigateway-integration": {"type": "aws_proxy", "httpMethod": "POST", "uri": "URI_BACKEND"}}}},
 "components": {"securitySchemes": {"jwt": {"type": "apiKey", "name": "Authorization", "in": "header",
   "x-amazon-apigateway-authtype": "custom",
   "x-amazon-apigateway-authorizer": {"type": "token", "authorizerUri": "URI_AUTHZ", "authorizerResultTtlInSeconds": 0}}}}}`

// TestLambdaAuthorizerImported: x-amazon-apigateway-authorizer in an
// OpenAPI import creates the authorizer (named after the scheme, its
// header the identity source) and CUSTOM methods that use it; a second
// import (put-rest-api) updates it in place.
func TestLambdaAuthorizerImported(t *testing.T) {
	needNode(t)
	e := setup(t)
	ctx := context.Background()
	authARN := nodeFunction(t, e, "authz", authorizerJS)
	backARN := nodeFunction(t, e, "backend", backendJS)
	apig := apigateway.NewFromConfig(awsConfig(e.url, gatehousetest.AccessKeyID, gatehousetest.SecretAccessKey, ""))
	doc := strings.ReplaceAll(strings.ReplaceAll(importedAuthorizerAPI, "URI_BACKEND", uri(backARN)), "URI_AUTHZ", uri(authARN))
	api, err := apig.ImportRestApi(ctx, &apigateway.ImportRestApiInput{Body: []byte(doc), FailOnWarnings: true})
	if err != nil {
		t.Fatal(err)
	}
	list, err := apig.GetAuthorizers(ctx, &apigateway.GetAuthorizersInput{RestApiId: api.Id})
	if err != nil || len(list.Items) != 1 || aws.ToString(list.Items[0].Name) != "jwt" || list.Items[0].Type != apitypes.AuthorizerTypeToken ||
		aws.ToString(list.Items[0].IdentitySource) != "method.request.header.Authorization" {
		t.Fatalf("imported authorizer: %v %+v", err, list)
	}
	if _, err := apig.PutRestApi(ctx, &apigateway.PutRestApiInput{RestApiId: api.Id, Body: []byte(doc), Mode: apitypes.PutModeOverwrite}); err != nil {
		t.Fatal(err)
	}
	again, err := apig.GetAuthorizers(ctx, &apigateway.GetAuthorizersInput{RestApiId: api.Id})
	if err != nil || len(again.Items) != 1 || aws.ToString(again.Items[0].Id) != aws.ToString(list.Items[0].Id) {
		t.Fatalf("re-import: %v %+v", err, again)
	}
	if _, err := apig.CreateDeployment(ctx, &apigateway.CreateDeploymentInput{RestApiId: api.Id, StageName: aws.String("prod")}); err != nil {
		t.Fatal(err)
	}
	allowAPIGateway(t, e, "authz", "authz", "arn:aws:execute-api:us-east-1:000000000000:"+*api.Id+"/authorizers/*")
	allowAPIGateway(t, e, "backend", "backend", "arn:aws:execute-api:us-east-1:000000000000:"+*api.Id+"/*/*/*")
	base := e.url + "/restapis/" + *api.Id + "/prod/_user_request_/fn"
	if a := getAuthz(t, base, map[string]string{"Authorization": "frank"}); a.status != 200 || !strings.Contains(a.body, `"principalId":"user-frank"`) {
		t.Errorf("allow: %d %s", a.status, a.body)
	}
	if a := getAuthz(t, base, map[string]string{"Authorization": "deny"}); a.status != 403 {
		t.Errorf("deny: %d %s", a.status, a.body)
	}
	if a := getAuthz(t, base, nil); a.status != 401 {
		t.Errorf("no token: %d %s", a.status, a.body)
	}
}

// TestIntegrationCredentials: an AWS_PROXY integration's credentials
// decide whether API Gateway may invoke the function (its resource policy
// grants nothing here): with arn:aws:iam::*:user/* the signed caller
// needs lambda:InvokeFunction itself; with a role, the role must trust
// apigateway.amazonaws.com and allow the invocation.
func TestIntegrationCredentials(t *testing.T) {
	needNode(t)
	e := setup(t)
	ctx := context.Background()
	backARN := nodeFunction(t, e, "backend", backendJS)
	apig := apigateway.NewFromConfig(awsConfig(e.url, gatehousetest.AccessKeyID, gatehousetest.SecretAccessKey, ""))
	api, err := apig.CreateRestApi(ctx, &apigateway.CreateRestApiInput{Name: aws.String("creds")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := apig.PutMethod(ctx, &apigateway.PutMethodInput{RestApiId: api.Id, ResourceId: api.RootResourceId, HttpMethod: aws.String("GET"),
		AuthorizationType: aws.String("AWS_IAM")}); err != nil {
		t.Fatal(err)
	}
	setCreds := func(cred string) {
		t.Helper()
		if _, err := apig.PutIntegration(ctx, &apigateway.PutIntegrationInput{RestApiId: api.Id, ResourceId: api.RootResourceId, HttpMethod: aws.String("GET"),
			Type: apitypes.IntegrationTypeAwsProxy, IntegrationHttpMethod: aws.String("POST"), Uri: aws.String(uri(backARN)), Credentials: aws.String(cred)}); err != nil {
			t.Fatal(err)
		}
		if _, err := apig.CreateDeployment(ctx, &apigateway.CreateDeploymentInput{RestApiId: api.Id, StageName: aws.String("prod")}); err != nil {
			t.Fatal(err)
		}
	}
	user := func(name, pol string) *http.Client {
		t.Helper()
		if _, err := e.ic.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name)}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.ic.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String(name), PolicyName: aws.String("p"), PolicyDocument: aws.String(pol)}); err != nil {
			t.Fatal(err)
		}
		k, err := e.ic.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(name)})
		if err != nil {
			t.Fatal(err)
		}
		tr, err := sigv4client.New(sigv4client.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider(*k.AccessKey.AccessKeyId, *k.AccessKey.SecretAccessKey, "")})
		if err != nil {
			t.Fatal(err)
		}
		return &http.Client{Transport: tr}
	}
	invokeAPI := `{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"*"}`
	alice := user("alice", `{"Version":"2012-10-17","Statement":[`+invokeAPI+`]}`)
	bob := user("bob", `{"Version":"2012-10-17","Statement":[`+invokeAPI+`,{"Effect":"Allow","Action":"lambda:InvokeFunction","Resource":"`+backARN+`"}]}`)
	status := func(c *http.Client) int {
		t.Helper()
		resp, err := c.Get(e.url + "/restapis/" + *api.Id + "/prod/_user_request_/")
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	setCreds("arn:aws:iam::*:user/*")
	if s := status(alice); s != 500 {
		t.Errorf("caller credentials, caller without lambda:InvokeFunction: %d, want 500", s)
	}
	if s := status(bob); s != 200 {
		t.Errorf("caller credentials, caller allowed: %d, want 200", s)
	}
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"apigateway.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	r, err := e.ic.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("apigw-invoke"), AssumeRolePolicyDocument: aws.String(trust)})
	if err != nil {
		t.Fatal(err)
	}
	setCreds(*r.Role.Arn)
	if s := status(alice); s != 500 {
		t.Errorf("role without permission: %d, want 500", s)
	}
	if _, err := e.ic.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("apigw-invoke"), PolicyName: aws.String("invoke"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"lambda:InvokeFunction","Resource":"` + backARN + `"}]}`)}); err != nil {
		t.Fatal(err)
	}
	if s := status(alice); s != 200 {
		t.Errorf("role allowed: %d, want 200", s)
	}
}
