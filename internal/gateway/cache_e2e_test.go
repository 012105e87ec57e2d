package gateway_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	apitypes "github.com/aws/aws-sdk-go-v2/service/apigateway/types"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
)

// cachedAPI: an AWS_IAM method, a NONE method keyed by the query string
// q, a NONE method with a path parameter that is not a cache key, and a
// POST (not cached by the "*/*" setting, which covers GET only).
const cachedAPI = `{"openapi": "3.0.1", "info": {"title": "cached", "version": "1"},
 "paths": {
  "/pets": {"get": {"security": [{"sigv4": []}],
   "x-amazon-apigateway-integration": {"type": "http_proxy", "httpMethod": "GET", "uri": "BACKEND/pets"}}},
  "/open": {"get": {"parameters": [{"name": "q", "in": "query"}],
   "x-amazon-apigateway-integration": {"type": "http_proxy", "httpMethod": "GET", "uri": "BACKEND/open",
    "cacheKeyParameters": ["method.request.querystring.q"]}},
   "post": {"x-amazon-apigateway-integration": {"type": "http_proxy", "httpMethod": "POST", "uri": "BACKEND/open"}}},
  "/items/{id}": {"get": {"parameters": [{"name": "id", "in": "path", "required": true}],
   "x-amazon-apigateway-integration": {"type": "http_proxy", "httpMethod": "GET", "uri": "BACKEND/items/{id}",
    "requestParameters": {"integration.request.path.id": "method.request.path.id"}}}},
  "/me": {"get": {"security": [{"sigv4": []}],
   "x-amazon-apigateway-integration": {"type": "http_proxy", "httpMethod": "GET", "uri": "BACKEND/me",
    "requestParameters": {"integration.request.header.X-Caller": "context.identity.userArn"},
    "cacheKeyParameters": ["integration.request.header.X-Caller"]}}}},
 "components": {"securitySchemes": {
  "sigv4": {"type": "apiKey", "name": "Authorization", "in": "header", "x-amazon-apigateway-authtype": "awsSigv4"}}}}`

// counted is a backend that numbers its answers and says who called.
type counted struct {
	n   atomic.Int64
	srv *httptest.Server
}

type countedReply struct {
	N      int64  `json:"n"`
	Path   string `json:"path"`
	Caller string `json:"caller"`
}

func newCounted(t testing.TB) *counted {
	c := &counted{}
	c.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Backend-N", strconv.FormatInt(c.n.Add(1), 10))
		auth := r.Header.Get("Authorization")
		if i := strings.Index(auth, "Credential="); i >= 0 {
			auth = auth[i+len("Credential="):]
			auth, _, _ = strings.Cut(auth, "/")
		}
		_ = json.NewEncoder(w).Encode(countedReply{N: c.n.Load(), Path: r.URL.Path, Caller: auth})
	}))
	t.Cleanup(c.srv.Close)
	return c
}

func (r reply) n(t *testing.T) int64 {
	t.Helper()
	var cr countedReply
	if err := json.Unmarshal([]byte(r.body), &cr); err != nil {
		t.Fatalf("body %q (status %d): %v", r.body, r.status, err)
	}
	return cr.N
}

func patchStage(t *testing.T, e *env, id, stage string, ops ...[2]string) {
	t.Helper()
	var po []apitypes.PatchOperation
	for _, o := range ops {
		po = append(po, apitypes.PatchOperation{Op: apitypes.OpReplace, Path: aws.String(o[0]), Value: aws.String(o[1])})
	}
	if _, err := e.apig.UpdateStage(context.Background(), &apigateway.UpdateStageInput{RestApiId: aws.String(id), StageName: aws.String(stage), PatchOperations: po}); err != nil {
		t.Fatalf("UpdateStage: %v", err)
	}
}

func cachedEnv(t *testing.T) (*env, *counted, string) {
	e := newEnv(t)
	c := newCounted(t)
	e.be.Close()
	e.be = c.srv
	id := e.importAPI(cachedAPI, "prod")
	patchStage(t, e, id, "prod", [2]string{"/cacheClusterEnabled", "true"}, [2]string{"/cacheClusterSize", "0.5"},
		[2]string{"/*/*/caching/enabled", "true"}, [2]string{"/*/*/caching/ttlInSeconds", "300"})
	return e, c, id
}

// TestStageCacheRedTeam: the cache is read only after the caller is
// authenticated and authorized. Caller A (allowed) warms the cache; B
// (no permission), an unsigned caller and a caller with a bad signature
// get their 403 and never the cached body; a Deny added to the API's
// resource policy, and one added to A's own IAM policy, take effect
// while the response is cached; the backend sees no request for any of
// them.
func TestStageCacheRedTeam(t *testing.T) {
	e, c, id := cachedEnv(t)
	ctx := context.Background()
	allow := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"*"}]}`
	alice := e.user(e.iam, "alice", allow)
	bob := e.user(e.iam, "bob", "")
	carol := e.user(e.iam, "carol", allow)
	path := "/restapis/" + id + "/prod/_user_request_/pets"

	first := e.call(path, callOpt{creds: &alice})
	if first.status != 200 || first.n(t) != 1 {
		t.Fatalf("A warms the cache: %d %s", first.status, first.body)
	}
	if r := e.call(path, callOpt{creds: &alice}); r.status != 200 || r.body != first.body {
		t.Fatalf("A from the cache: %d %s", r.status, r.body)
	}
	if r := e.call(path, callOpt{creds: &carol}); r.status != 200 || r.body != first.body {
		t.Fatalf("C (allowed) shares the entry, as on AWS: %d %s", r.status, r.body)
	}
	refused := func(name string, o callOpt, status int) {
		t.Helper()
		r := e.call(path, o)
		if r.status != status || strings.Contains(r.body, `"n"`) || strings.Contains(r.body, alice.AccessKeyID) {
			t.Errorf("%s: %d %s (want %d, never the cached body)", name, r.status, r.body, status)
		}
		if r.header.Get("X-Backend-N") != "" {
			t.Errorf("%s: cached backend header leaked: %v", name, r.header)
		}
	}
	refused("B, no IAM permission", callOpt{creds: &bob}, 403)
	refused("unsigned", callOpt{}, 403)
	forged := aws.Credentials{AccessKeyID: alice.AccessKeyID, SecretAccessKey: "not-the-secret-not-the-secret-0000000000"}
	refused("A's key, wrong secret", callOpt{creds: &forged}, 403)

	// A Deny in the resource policy (deployed) refuses C. The new
	// deployment never serves the old one's cached answer: A gets a fresh
	// one, cached in turn.
	e.setPolicy(id, `{"Version":"2012-10-17","Statement":[
	 {"Effect":"Allow","Principal":{"AWS":"*"},"Action":"execute-api:Invoke","Resource":"execute-api:/*"},
	 {"Effect":"Deny","Principal":{"AWS":"arn:aws:iam::000000000000:user/carol"},"Action":"execute-api:Invoke","Resource":"execute-api:/*"}]}`)
	e.deploy(id, "prod")
	refused("C after a resource-policy Deny", callOpt{creds: &carol}, 403)
	second := e.call(path, callOpt{creds: &alice})
	if second.status != 200 || second.n(t) != 2 {
		t.Fatalf("A after the deployment, a fresh answer: %d %s", second.status, second.body)
	}
	if r := e.call(path, callOpt{creds: &alice}); r.status != 200 || r.body != second.body {
		t.Fatalf("A from the new deployment's cache: %d %s", r.status, r.body)
	}
	// A Deny in A's own identity policy takes effect at once.
	if _, err := e.iam.PutUserPolicy(ctx, &awsiam.PutUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("deny"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"execute-api:Invoke","Resource":"*"}]}`)}); err != nil {
		t.Fatal(err)
	}
	refused("A after an identity-policy Deny", callOpt{creds: &alice}, 403)
	if n := c.n.Load(); n != 2 {
		t.Errorf("backend saw %d requests, want 2", n)
	}
}

// TestStageCacheIdentityKeys: with the caller's identity as a cache key
// parameter (integration.request.header.X-Caller mapped from
// context.identity.userArn), two allowed callers never get each other's
// answer, each gets its own from the cache; and a stage variable change
// is a new key too (the answer may depend on it).
func TestStageCacheIdentityKeys(t *testing.T) {
	e, c, id := cachedEnv(t)
	allow := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"*"}]}`
	alice := e.user(e.iam, "alice", allow)
	carol := e.user(e.iam, "carol", allow)
	path := "/restapis/" + id + "/prod/_user_request_/me"
	own := func(who string, cr aws.Credentials, want int64) {
		t.Helper()
		r := e.call(path, callOpt{creds: &cr})
		if r.status != 200 || r.n(t) != want {
			t.Fatalf("%s: %d %s (want answer %d)", who, r.status, r.body, want)
		}
		var cr2 countedReply
		_ = json.Unmarshal([]byte(r.body), &cr2)
		if cr2.Caller != "" && cr2.Caller != cr.AccessKeyID {
			t.Fatalf("%s got %s's answer: %s", who, cr2.Caller, r.body)
		}
	}
	own("alice", alice, 1)
	own("carol", carol, 2)
	own("alice again (cached)", alice, 1)
	own("carol again (cached)", carol, 2)
	if n := c.n.Load(); n != 2 {
		t.Fatalf("backend saw %d requests, want 2", n)
	}
	// Stage variables are part of the key.
	patchStage(t, e, id, "prod", [2]string{"/variables/color", "blue"})
	own("alice under new stage variables", alice, 3)
	own("alice again", alice, 3)
}

// TestStageCacheInvalidateOnOpenRoute: on a NONE method, Cache-Control:
// max-age=0 needs execute-api:InvalidateCache of the SigV4-signed caller
// (its signature verified although the method does not authenticate); an
// unsigned caller, a signed one without the permission and a forged
// signature are unauthorized, with each strategy.
func TestStageCacheInvalidateOnOpenRoute(t *testing.T) {
	e, _, id := cachedEnv(t)
	invoker := e.user(e.iam, "invoker", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"*"}]}`)
	admin := e.user(e.iam, "admin", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"execute-api:InvalidateCache","Resource":"*"}]}`)
	forged := aws.Credentials{AccessKeyID: admin.AccessKeyID, SecretAccessKey: "not-the-secret-not-the-secret-0000000000"}
	path := "/restapis/" + id + "/prod/_user_request_/open?q=7"
	inval := map[string]string{"Cache-Control": "max-age=0"}
	warm := e.call(path, callOpt{}).n(t)
	for _, tc := range []struct {
		name  string
		creds *aws.Credentials
	}{{"unsigned", nil}, {"signed, no InvalidateCache", &invoker}, {"forged signature", &forged}} {
		r := e.call(path, callOpt{creds: tc.creds, header: inval})
		if r.status != 200 || r.n(t) != warm || r.header.Get("Warning") == "" {
			t.Errorf("%s: %d n=%s Warning=%q, want the cached %d with a Warning", tc.name, r.status, r.body, r.header.Get("Warning"), warm)
		}
	}
	r := e.call(path, callOpt{creds: &admin, header: inval})
	if r.status != 200 || r.n(t) != warm+1 || r.header.Get("Warning") != "" {
		t.Fatalf("admin's invalidation: %d %s %v", r.status, r.body, r.header)
	}
	if r := e.call(path, callOpt{}); r.n(t) != warm+1 {
		t.Errorf("the refreshed answer is cached: %s", r.body)
	}
	patchStage(t, e, id, "prod", [2]string{"/~1open/GET/caching/enabled", "true"},
		[2]string{"/~1open/GET/caching/unauthorizedCacheControlHeaderStrategy", "SUCCEED_WITHOUT_RESPONSE_HEADER"})
	if r := e.call(path, callOpt{creds: &invoker, header: inval}); r.status != 200 || r.n(t) != warm+1 || r.header.Get("Warning") != "" {
		t.Errorf("SUCCEED_WITHOUT_RESPONSE_HEADER: %d %s %v", r.status, r.body, r.header)
	}
	patchStage(t, e, id, "prod", [2]string{"/~1open/GET/caching/unauthorizedCacheControlHeaderStrategy", "FAIL_WITH_403"})
	for _, cr := range []*aws.Credentials{nil, &invoker, &forged} {
		if r := e.call(path, callOpt{creds: cr, header: inval}); r.status != 403 || !strings.Contains(r.body, "execute-api:InvalidateCache") || strings.Contains(r.body, `"n"`) {
			t.Errorf("FAIL_WITH_403: %d %s", r.status, r.body)
		}
	}
	if r := e.call(path, callOpt{creds: &admin, header: inval}); r.status != 200 || r.n(t) != warm+2 {
		t.Errorf("admin under FAIL_WITH_403: %d %s", r.status, r.body)
	}
}

// TestStageCacheKeysAndInvalidation: the key is the method and its
// cacheKeyParameters (a path parameter that is not one shares the entry,
// as on AWS); POST is not cached by "*/*"; Cache-Control: max-age=0 from
// a caller without execute-api:InvalidateCache is ignored with a Warning
// (AWS's default strategy) or refused (FAIL_WITH_403), and honoured when
// authorization is not required or the caller holds InvalidateCache;
// FlushStageCache empties the stage; a method's ttl of 0 turns caching
// off; cacheDataEncrypted still serves from the cache.
func TestStageCacheKeysAndInvalidation(t *testing.T) {
	e, c, id := cachedEnv(t)
	ctx := context.Background()
	base := "/restapis/" + id + "/prod/_user_request_"
	get := func(p string, h map[string]string) reply {
		t.Helper()
		r := e.call(base+p, callOpt{header: h})
		if r.status != 200 {
			t.Fatalf("GET %s: %d %s", p, r.status, r.body)
		}
		return r
	}
	if n := get("/open?q=1", nil).n(t); n != 1 {
		t.Fatalf("first: %d", n)
	}
	if n := get("/open?q=1&other=x", nil).n(t); n != 1 {
		t.Errorf("other query parameter is not a key: got %d, want the cached 1", n)
	}
	if n := get("/open?q=2", nil).n(t); n != 2 {
		t.Errorf("q=2 is another key: got %d", n)
	}
	if n := get("/items/a", nil).n(t); n != 3 {
		t.Errorf("/items/a: %d", n)
	}
	if r := get("/items/b", nil); r.n(t) != 3 || !strings.Contains(r.body, "/items/a") {
		t.Errorf("/items/b shares /items/a's entry (path parameter not a cache key): %s", r.body)
	}
	if r := e.call(base+"/open", callOpt{method: http.MethodPost}); r.n(t) != 4 {
		t.Errorf("POST: %s", r.body)
	}
	if r := e.call(base+"/open", callOpt{method: http.MethodPost}); r.n(t) != 5 {
		t.Errorf("POST is not cached by */*: %s", r.body)
	}

	// Unauthorized invalidation, default strategy: ignored, with a Warning.
	inval := map[string]string{"Cache-Control": "max-age=0"}
	r := get("/open?q=1", inval)
	if r.n(t) != 1 || r.header.Get("Warning") == "" {
		t.Errorf("ignored invalidation: n=%d Warning=%q", r.n(t), r.header.Get("Warning"))
	}
	if r := get("/open?q=1", nil); r.header.Get("Warning") != "" {
		t.Errorf("Warning replayed from the cache: %v", r.header)
	}
	patchStage(t, e, id, "prod", [2]string{"/~1open/GET/caching/unauthorizedCacheControlHeaderStrategy", "FAIL_WITH_403"},
		[2]string{"/~1open/GET/caching/enabled", "true"})
	r = e.call(base+"/open?q=1", callOpt{header: inval})
	if r.status != 403 || !strings.Contains(r.body, "execute-api:InvalidateCache") {
		t.Errorf("FAIL_WITH_403: %d %s", r.status, r.body)
	}
	// Authorization not required: anyone invalidates.
	patchStage(t, e, id, "prod", [2]string{"/~1open/GET/caching/requireAuthorizationForCacheControl", "false"})
	if n := get("/open?q=1", inval).n(t); n != 6 {
		t.Errorf("invalidation: %d, want a fresh 6", n)
	}
	if n := get("/open?q=1", nil).n(t); n != 6 {
		t.Errorf("after invalidation the new answer is cached: %d", n)
	}

	// On the AWS_IAM method, a caller allowed InvalidateCache refreshes.
	pets := base + "/pets"
	invoker := e.user(e.iam, "invoker", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"*"}]}`)
	admin := e.user(e.iam, "admin", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["execute-api:Invoke","execute-api:InvalidateCache"],"Resource":"*"}]}`)
	warm := e.call(pets, callOpt{creds: &invoker}).n(t)
	if r := e.call(pets, callOpt{creds: &invoker, header: inval}); r.n(t) != warm || r.header.Get("Warning") == "" {
		t.Errorf("invoker's invalidation ignored: %d %v", r.n(t), r.header)
	}
	if r := e.call(pets, callOpt{creds: &admin, header: inval}); r.n(t) != warm+1 || r.header.Get("Warning") != "" {
		t.Errorf("admin's invalidation: %d (warm %d) %v", r.n(t), warm, r.header)
	}

	// FlushStageCache empties the stage.
	before := c.n.Load()
	if _, err := e.apig.FlushStageCache(ctx, &apigateway.FlushStageCacheInput{RestApiId: aws.String(id), StageName: aws.String("prod")}); err != nil {
		t.Fatal(err)
	}
	if n := get("/items/a", nil).n(t); n != before+1 {
		t.Errorf("after FlushStageCache: %d, want %d", n, before+1)
	}
	// TTL 0 on the method: not cached.
	patchStage(t, e, id, "prod", [2]string{"/~1items~1{id}/GET/caching/ttlInSeconds", "0"}, [2]string{"/~1items~1{id}/GET/caching/enabled", "true"})
	a1, a2 := get("/items/a", nil).n(t), get("/items/a", nil).n(t)
	if a2 != a1+1 {
		t.Errorf("ttl 0 still cached: %d %d", a1, a2)
	}
	// Encrypted entries are served too.
	patchStage(t, e, id, "prod", [2]string{"/~1items~1{id}/GET/caching/ttlInSeconds", "60"}, [2]string{"/~1items~1{id}/GET/caching/dataEncrypted", "true"})
	b1, b2 := get("/items/z", nil).n(t), get("/items/z", nil).n(t)
	if b1 != b2 {
		t.Errorf("encrypted entry not served: %d %d", b1, b2)
	}
	// Caching off for the stage: every request reaches the backend.
	patchStage(t, e, id, "prod", [2]string{"/cacheClusterEnabled", "false"})
	c1, c2 := get("/items/z", nil).n(t), get("/items/z", nil).n(t)
	if c2 != c1+1 || c1 == b1 {
		t.Errorf("cache disabled still serves: %d %d (%d)", c1, c2, b1)
	}
}

// BenchmarkStageCache compares in one run a cached GET served from the
// stage cache with the same GET through the integration (uncached).
func BenchmarkStageCache(b *testing.B) {
	e := newEnv(b)
	be := benchBackend()
	defer be.Close()
	e.be.Close()
	e.be = be
	id := e.importAPI(benchAPI, "dev")
	ops := []apitypes.PatchOperation{
		{Op: apitypes.OpReplace, Path: aws.String("/*/*/throttling/rateLimit"), Value: aws.String("1000000")},
		{Op: apitypes.OpReplace, Path: aws.String("/*/*/throttling/burstLimit"), Value: aws.String("1000000")}}
	if _, err := e.apig.UpdateStage(context.Background(), &apigateway.UpdateStageInput{RestApiId: aws.String(id), StageName: aws.String("dev"), PatchOperations: ops}); err != nil {
		b.Fatal(err)
	}
	h := e.srv.App.Handler
	base := "http://" + id + ".execute-api.localhost/dev"
	b.Run("uncached", func(b *testing.B) {
		benchServe(b, h, func() *http.Request { return httptest.NewRequest(http.MethodGet, base+"/open", nil) })
	})
	ops = []apitypes.PatchOperation{
		{Op: apitypes.OpReplace, Path: aws.String("/cacheClusterEnabled"), Value: aws.String("true")},
		{Op: apitypes.OpReplace, Path: aws.String("/*/*/caching/enabled"), Value: aws.String("true")}}
	if _, err := e.apig.UpdateStage(context.Background(), &apigateway.UpdateStageInput{RestApiId: aws.String(id), StageName: aws.String("dev"), PatchOperations: ops}); err != nil {
		b.Fatal(err)
	}
	b.Run("cached", func(b *testing.B) {
		benchServe(b, h, func() *http.Request { return httptest.NewRequest(http.MethodGet, base+"/open", nil) })
	})
}
