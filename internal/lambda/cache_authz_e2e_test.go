package lambda_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	apitypes "github.com/aws/aws-sdk-go-v2/service/apigateway/types"

	"github.com/gatehouse-dev/gatehouse/internal/gatehousetest"
)

// TestStageCacheBehindAuthorizer (red team): a TOKEN authorizer guards a
// cached method. An allowed caller warms the stage cache; callers the
// authorizer denies (explicit Deny, a policy for another API, a thrown
// "Unauthorized", no token, a token failing validation) get their
// 401/403 and never the cached body; the backend is called once.
func TestStageCacheBehindAuthorizer(t *testing.T) {
	needNode(t)
	e := setup(t)
	ctx := context.Background()
	authARN := nodeFunction(t, e, "authz", authorizerJS)
	backARN := nodeFunction(t, e, "backend", backendJS)
	var n atomic.Int64
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"secret":"for-` + r.Header.Get("X-Principal") + `","n":` + strconv.FormatInt(n.Add(1), 10) + `}`))
	}))
	t.Cleanup(hs.Close)
	apig := apigateway.NewFromConfig(awsConfig(e.url, gatehousetest.AccessKeyID, gatehousetest.SecretAccessKey, ""))
	api := buildAuthzAPI(t, e, apig, &apigateway.CreateAuthorizerInput{Name: aws.String("tok"), Type: apitypes.AuthorizerTypeToken,
		AuthorizerUri: aws.String(uri(authARN)), IdentitySource: aws.String("method.request.header.Authorization"),
		IdentityValidationExpression: aws.String("Bearer [a-z0-9]+")}, backARN, hs.URL)
	allowAPIGateway(t, e, "authz", "authz", "arn:aws:execute-api:us-east-1:000000000000:"+api.id+"/authorizers/"+api.authorizer)
	var ops []apitypes.PatchOperation
	for _, o := range [][2]string{{"/cacheClusterEnabled", "true"}, {"/*/*/caching/enabled", "true"}} {
		ops = append(ops, apitypes.PatchOperation{Op: apitypes.OpReplace, Path: aws.String(o[0]), Value: aws.String(o[1])})
	}
	if _, err := apig.UpdateStage(ctx, &apigateway.UpdateStageInput{RestApiId: aws.String(api.id), StageName: aws.String("prod"), PatchOperations: ops}); err != nil {
		t.Fatal(err)
	}
	bearer := func(tok string) map[string]string { return map[string]string{"Authorization": "Bearer " + tok} }
	warm := getAuthz(t, api.base+"/http", bearer("alice"))
	if warm.status != 200 || !strings.Contains(warm.body, `"secret":"for-user-alice","n":1`) {
		t.Fatalf("alice warms the cache: %d %s", warm.status, warm.body)
	}
	if a := getAuthz(t, api.base+"/http", bearer("alice")); a.body != warm.body {
		t.Fatalf("alice from the cache: %d %s", a.status, a.body)
	}
	for _, c := range []struct {
		name   string
		h      map[string]string
		status int
	}{
		{"explicit deny", bearer("deny"), 403},
		{"policy for another api", bearer("other"), 403},
		{"thrown Unauthorized", bearer("unauth"), 401},
		{"no token", nil, 401},
		{"token fails validation", map[string]string{"Authorization": "Basic abc"}, 401},
		{"authorizer failure", bearer("boom"), 500},
	} {
		a := getAuthz(t, api.base+"/http", c.h)
		if a.status != c.status || strings.Contains(a.body, "secret") {
			t.Errorf("%s: %d %s (want %d, never the cached body)", c.name, a.status, a.body, c.status)
		}
	}
	if got := n.Load(); got != 1 {
		t.Errorf("backend called %d times, want 1", got)
	}
}
