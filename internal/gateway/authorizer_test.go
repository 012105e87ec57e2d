package gateway

import (
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/apigw"
	"github.com/gatehouse-dev/gatehouse/internal/awserr"
)

// TestParseAuthorizerOutput: only a principal with a parseable policy and
// a flat context is a result; everything else fails (and the gateway
// answers 500, never allow).
func TestParseAuthorizerOutput(t *testing.T) {
	const allow = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"*"}]}`
	tests := []struct {
		name, out string
		ok        bool
	}{
		{"allow", `{"principalId":"u","policyDocument":` + allow + `}`, true},
		{"policy as string", `{"principalId":"u","policyDocument":` + jsonQuote(allow) + `}`, true},
		{"flat context", `{"principalId":"u","policyDocument":` + allow + `,"context":{"a":"x","n":1.5,"b":false}}`, true},
		{"empty principal is a principal", `{"principalId":"","policyDocument":` + allow + `}`, true},
		{"no principal", `{"policyDocument":` + allow + `}`, false},
		{"no policy", `{"principalId":"u"}`, false},
		{"null policy", `{"principalId":"u","policyDocument":null}`, false},
		{"unknown effect", `{"principalId":"u","policyDocument":{"Version":"2012-10-17","Statement":[{"Effect":"Maybe","Action":"*","Resource":"*"}]}}`, false},
		{"lowercase effect", `{"principalId":"u","policyDocument":{"Version":"2012-10-17","Statement":[{"Effect":"allow","Action":"*","Resource":"*"}]}}`, false},
		{"nested context", `{"principalId":"u","policyDocument":` + allow + `,"context":{"o":{"a":1}}}`, false},
		{"array context", `{"principalId":"u","policyDocument":` + allow + `,"context":{"l":[1]}}`, false},
		{"null context value", `{"principalId":"u","policyDocument":` + allow + `,"context":{"z":null}}`, false},
		{"not an object", `"Allow"`, false},
		{"null", `null`, false},
		{"garbage", `{`, false},
	}
	for _, tc := range tests {
		_, err := parseAuthorizerOutput([]byte(tc.out))
		if (err == nil) != tc.ok {
			t.Errorf("%s: err = %v, want ok=%v", tc.name, err, tc.ok)
		}
	}
}

func jsonQuote(s string) string {
	b := []byte{'"'}
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			b = append(b, '\\')
		}
		b = append(b, s[i])
	}
	return string(append(b, '"'))
}

// TestAuthorizerCacheKey: different identity value lists never share a
// key, even when their concatenations are equal; the stage, authorizer
// and its settings are part of the key.
func TestAuthorizerCacheKey(t *testing.T) {
	api := &apiEntry{id: "a1", account: "000000000000", region: "us-east-1"}
	st := &stageEntry{api: api, name: "prod"}
	ttl := 300
	rec := &apigw.AuthorizerRecord{APIID: "a1", Account: api.account, Region: api.region, Authorizer: apigw.LambdaAuthorizer{ID: "au1", Type: "REQUEST",
		AuthorizerURI:  "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:f/invocations",
		IdentitySource: "method.request.header.A, method.request.header.B", AuthorizerResultTTLInSeconds: &ttl}}
	a := compileAuthorizer(api, rec)
	if a.broken != nil {
		t.Fatal(a.broken)
	}
	lists := [][]string{{"ab", "c"}, {"a", "bc"}, {"abc", ""}, {"", "abc"}, {"a\x00", "bc"}, {"a", "\x00bc"}, {"abc"}}
	seen := map[string][]string{}
	for _, l := range lists {
		k := a.cacheKey(st, 0, l)
		if o, dup := seen[k]; dup {
			t.Errorf("%q and %q share a cache key", o, l)
		}
		seen[k] = l
	}
	if a.cacheKey(st, 0, lists[0]) == a.cacheKey(st, 1, lists[0]) {
		t.Error("a flushed stage serves its old results")
	}
	noSrc := *rec
	noSrc.Authorizer.IdentitySource = ""
	if compileAuthorizer(api, &noSrc).broken == nil {
		t.Error("a cached REQUEST authorizer without identity sources compiles")
	}
	other := &stageEntry{api: api, name: "dev"}
	if a.cacheKey(st, 0, lists[0]) == a.cacheKey(other, 0, lists[0]) {
		t.Error("two stages share a cache key")
	}
	ttl2 := 60
	rec.Authorizer.AuthorizerResultTTLInSeconds = &ttl2
	if b := compileAuthorizer(api, rec); b.cacheKey(st, 0, lists[0]) == a.cacheKey(st, 0, lists[0]) {
		t.Error("an updated authorizer serves its old results")
	}
}

// TestAuthzCacheExpiry: an entry is served until its expiry, not after.
func TestAuthzCacheExpiry(t *testing.T) {
	var c authzCache
	now := time.Unix(1000, 0)
	res := &authzResult{principalID: "p"}
	c.put("k", res, now.Add(time.Second), now)
	if c.get("k", now.Add(999*time.Millisecond)) != res {
		t.Error("fresh entry not served")
	}
	if c.get("k", now.Add(time.Second)) != nil {
		t.Error("expired entry served")
	}
	if c.get("other", now) != nil {
		t.Error("unknown key served")
	}
}

// TestResponseType: the built-in answers name their gateway response
// types.
func TestResponseType(t *testing.T) {
	tests := []struct {
		err  *awserr.Error
		want string
	}{
		{awserr.GatewayMissingAuthenticationToken.New(""), "MISSING_AUTHENTICATION_TOKEN"},
		{awserr.GatewayInvalidSignature.New("x"), "INVALID_SIGNATURE"},
		{awserr.GatewayIncompleteSignature.New("x"), "INVALID_SIGNATURE"},
		{awserr.GatewayExpiredToken.New(""), "EXPIRED_TOKEN"},
		{awserr.GatewayAccessDenied.New("x"), "ACCESS_DENIED"},
		{awserr.GatewayUnknownKey.New(""), "ACCESS_DENIED"},
		{awserr.GatewayThrottled.New(""), "THROTTLED"},
		{errQuotaExceeded.New(""), "QUOTA_EXCEEDED"},
		{awserr.GatewayUnauthorized.New(""), "UNAUTHORIZED"},
		{errAuthorizerConfig.New(""), "AUTHORIZER_CONFIGURATION_ERROR"},
		{awserr.GatewayBadRequestBody.New(""), "BAD_REQUEST_BODY"},
		{awserr.GatewayBadRequestParameters.New("x"), "BAD_REQUEST_PARAMETERS"},
		{awserr.GatewayPayloadTooLarge.New(""), "REQUEST_TOO_LARGE"},
		{awserr.GatewayUnsupportedMedia.New(""), "UNSUPPORTED_MEDIA_TYPE"},
		{awserr.GatewayTimeout.New(""), "INTEGRATION_TIMEOUT"},
		{awserr.GatewayIntegrationFailure.New(""), "INTEGRATION_FAILURE"},
		{awserr.GatewayURITooLong.New(""), "DEFAULT_4XX"},
		{awserr.GatewayForbidden.New(""), "DEFAULT_4XX"},
		{awserr.GatewayInternalError.New(""), "DEFAULT_5XX"},
		{awserr.GatewayBadGateway.New(""), "DEFAULT_5XX"},
	}
	for _, tc := range tests {
		if got := responseType(&request{}, tc.err); got != tc.want {
			t.Errorf("%s %d: %s, want %s", tc.err.Code, tc.err.Status, got, tc.want)
		}
		if _, ok := apigw.GatewayResponseTypes[tc.want]; !ok {
			t.Errorf("%s is not an AWS response type", tc.want)
		}
	}
	if got := responseType(&request{respType: "INVALID_API_KEY"}, awserr.GatewayForbidden.New("")); got != "INVALID_API_KEY" {
		t.Errorf("override: %s", got)
	}
}
