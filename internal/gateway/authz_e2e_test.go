package gateway_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	apitypes "github.com/aws/aws-sdk-go-v2/service/apigateway/types"
	"github.com/aws/smithy-go"
)

// keyedAPI has an API-key method (NONE + x-api-key) and an AWS_IAM one.
const keyedAPI = `{"openapi": "3.0.1", "info": {"title": "keyed", "version": "1"},
 "paths": {
  "/keyed": {"get": {"security": [{"api_key": []}],
   "x-amazon-apigateway-integration": {"type": "http_proxy", "httpMethod": "GET", "uri": "BACKEND/keyed"}}},
  "/slowkeyed": {"get": {"security": [{"api_key": []}],
   "x-amazon-apigateway-integration": {"type": "http_proxy", "httpMethod": "GET", "uri": "BACKEND/slowkeyed"}}},
  "/pets": {"get": {"security": [{"sigv4": []}],
   "x-amazon-apigateway-integration": {"type": "http_proxy", "httpMethod": "GET", "uri": "BACKEND/pets"}}}},
 "components": {"securitySchemes": {
  "api_key": {"type": "apiKey", "name": "x-api-key", "in": "header"},
  "sigv4": {"type": "apiKey", "name": "Authorization", "in": "header", "x-amazon-apigateway-authtype": "awsSigv4"}}}}`

func apiErrCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// TestAPIKeyUsagePlanQuota: a method with apiKeyRequired answers 403
// Forbidden without a key, with an unknown or disabled key and with a key
// of no usage plan of the stage; a key of a plan with a quota of 2 per day
// passes twice, then gets 429 Limit Exceeded; GetUsage counts the two
// requests and UpdateUsage grants one more; a plan's per-method throttle
// answers 429 Too Many Requests.
func TestAPIKeyUsagePlanQuota(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	id := e.importAPI(keyedAPI, "prod")
	plan, err := e.apig.CreateUsagePlan(ctx, &apigateway.CreateUsagePlanInput{Name: aws.String("basic"),
		ApiStages: []apitypes.ApiStage{{ApiId: aws.String(id), Stage: aws.String("prod"),
			Throttle: map[string]apitypes.ThrottleSettings{"/slowkeyed/GET": {RateLimit: 0.001, BurstLimit: 1}}}},
		Quota: &apitypes.QuotaSettings{Limit: 3, Period: apitypes.QuotaPeriodTypeDay}})
	if err != nil {
		t.Fatal(err)
	}
	key, err := e.apig.CreateApiKey(ctx, &apigateway.CreateApiKeyInput{Name: aws.String("alice"), Enabled: true, Value: aws.String("alice-key-0123456789abcdef")})
	if err != nil {
		t.Fatal(err)
	}
	orphan, err := e.apig.CreateApiKey(ctx, &apigateway.CreateApiKeyInput{Name: aws.String("orphan"), Enabled: true})
	if err != nil || len(aws.ToString(orphan.Value)) != 40 {
		t.Fatalf("generated key: %v %+v", err, orphan)
	}
	if _, err := e.apig.CreateUsagePlanKey(ctx, &apigateway.CreateUsagePlanKeyInput{UsagePlanId: plan.Id, KeyId: key.Id, KeyType: aws.String("API_KEY")}); err != nil {
		t.Fatal(err)
	}
	// Values are only listed on request.
	list, err := e.apig.GetApiKeys(ctx, &apigateway.GetApiKeysInput{})
	if err != nil || len(list.Items) != 2 || list.Items[0].Value != nil {
		t.Fatalf("GetApiKeys: %v %+v", err, list)
	}
	list, err = e.apig.GetApiKeys(ctx, &apigateway.GetApiKeysInput{IncludeValues: aws.Bool(true), NameQuery: aws.String("ali")})
	if err != nil || len(list.Items) != 1 || aws.ToString(list.Items[0].Value) != "alice-key-0123456789abcdef" {
		t.Fatalf("GetApiKeys includeValues: %v %+v", err, list)
	}
	// A key cannot be in two plans of one stage.
	plan2, err := e.apig.CreateUsagePlan(ctx, &apigateway.CreateUsagePlanInput{Name: aws.String("other"),
		ApiStages: []apitypes.ApiStage{{ApiId: aws.String(id), Stage: aws.String("prod")}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.apig.CreateUsagePlanKey(ctx, &apigateway.CreateUsagePlanKeyInput{UsagePlanId: plan2.Id, KeyId: key.Id, KeyType: aws.String("API_KEY")}); apiErrCode(err) != "ConflictException" {
		t.Errorf("second plan on one stage: %v", err)
	}

	path := "/restapis/" + id + "/prod/_user_request_/keyed"
	forbidden := []struct{ name, key string }{{"no key", ""}, {"unknown key", "nope-nope-nope-nope-nope"}, {"key in no plan", aws.ToString(orphan.Value)}}
	for _, c := range forbidden {
		h := map[string]string{}
		if c.key != "" {
			h["x-api-key"] = c.key
		}
		wantError(t, e.call(path, callOpt{header: h}), 403, "ForbiddenException", "message", "Forbidden")
	}
	alice := map[string]string{"x-api-key": "alice-key-0123456789abcdef"}
	for i := 0; i < 2; i++ {
		if r := e.call(path, callOpt{header: alice}); r.status != 200 {
			t.Fatalf("request %d: %d %s", i, r.status, r.body)
		}
	}
	// The per-method throttle (burst 1): the first passes, the second not.
	slow := "/restapis/" + id + "/prod/_user_request_/slowkeyed"
	if r := e.call(slow, callOpt{header: alice}); r.status != 200 {
		t.Fatalf("slowkeyed: %d %s", r.status, r.body)
	}
	wantError(t, e.call(slow, callOpt{header: alice}), 429, "TooManyRequestsException", "message", "Too Many Requests")
	// Three requests counted (the throttled one is not): the quota is spent.
	wantError(t, e.call(path, callOpt{header: alice}), 429, "LimitExceededException", "message", "Limit Exceeded")

	today := time.Now().UTC().Format("2006-01-02")
	u, err := e.apig.GetUsage(ctx, &apigateway.GetUsageInput{UsagePlanId: plan.Id, StartDate: aws.String(today), EndDate: aws.String(today)})
	if err != nil || len(u.Items[*key.Id]) != 1 || u.Items[*key.Id][0][0] != 3 || u.Items[*key.Id][0][1] != 0 {
		t.Fatalf("GetUsage: %v %+v", err, u)
	}
	if _, err := e.apig.UpdateUsage(ctx, &apigateway.UpdateUsageInput{UsagePlanId: plan.Id, KeyId: key.Id,
		PatchOperations: []apitypes.PatchOperation{{Op: apitypes.OpReplace, Path: aws.String("/remaining"), Value: aws.String("1")}}}); err != nil {
		t.Fatal(err)
	}
	if r := e.call(path, callOpt{header: alice}); r.status != 200 {
		t.Fatalf("after UpdateUsage: %d %s", r.status, r.body)
	}
	wantError(t, e.call(path, callOpt{header: alice}), 429, "LimitExceededException", "message", "Limit Exceeded")

	// A disabled key is refused.
	if _, err := e.apig.UpdateApiKey(ctx, &apigateway.UpdateApiKeyInput{ApiKey: key.Id,
		PatchOperations: []apitypes.PatchOperation{{Op: apitypes.OpReplace, Path: aws.String("/enabled"), Value: aws.String("false")}}}); err != nil {
		t.Fatal(err)
	}
	// (The route table is rebuilt before the Update that changed it
	// returns: no waiting.)
	wantError(t, e.call(path, callOpt{header: alice}), 403, "ForbiddenException", "message", "Forbidden")
}

// TestImportAPIKeys: the CSV form, with a key attached to a plan.
func TestImportAPIKeys(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	id := e.importAPI(keyedAPI, "prod")
	plan, err := e.apig.CreateUsagePlan(ctx, &apigateway.CreateUsagePlanInput{Name: aws.String("p"),
		ApiStages: []apitypes.ApiStage{{ApiId: aws.String(id), Stage: aws.String("prod")}}})
	if err != nil {
		t.Fatal(err)
	}
	csv := "Name,Key,Enabled,UsagePlanIds\nbob,bob-key-0123456789abcdef,true," + *plan.Id + "\nshort,tooshort,true,\n"
	out, err := e.apig.ImportApiKeys(ctx, &apigateway.ImportApiKeysInput{Body: []byte(csv), Format: apitypes.ApiKeysFormatCsv})
	if err != nil || len(out.Ids) != 1 || len(out.Warnings) != 1 {
		t.Fatalf("ImportApiKeys: %v %+v", err, out)
	}
	if _, err := e.apig.ImportApiKeys(ctx, &apigateway.ImportApiKeysInput{Body: []byte(csv), Format: apitypes.ApiKeysFormatCsv, FailOnWarnings: true}); apiErrCode(err) != "BadRequestException" {
		t.Errorf("failOnWarnings: %v", err)
	}
	r := e.call("/restapis/"+id+"/prod/_user_request_/keyed", callOpt{header: map[string]string{"x-api-key": "bob-key-0123456789abcdef"}})
	if r.status != 200 {
		t.Fatalf("imported key: %d %s", r.status, r.body)
	}
}

// TestGatewayResponseAccessDenied: a customized ACCESS_DENIED (status,
// header, template with $context.error.*) replaces the IAM denial of an
// AWS_IAM method; a customized DEFAULT_4XX applies to the other 4xx types
// (MISSING_AUTHENTICATION_TOKEN here); deleting the customization brings
// AWS's body back; GetGatewayResponses lists every type.
func TestGatewayResponseAccessDenied(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	id := e.importAPI(keyedAPI, "prod")
	nobody := e.user(e.iam, "nobody", "")
	path := "/restapis/" + id + "/prod/_user_request_/pets"
	before := e.call(path, callOpt{creds: &nobody})
	if before.status != 403 || !strings.Contains(before.body, `"Message":"User: arn:aws:iam::000000000000:user/nobody is not authorized`) {
		t.Fatalf("uncustomized denial: %d %s", before.status, before.body)
	}
	if _, err := e.apig.PutGatewayResponse(ctx, &apigateway.PutGatewayResponseInput{RestApiId: aws.String(id),
		ResponseType: apitypes.GatewayResponseTypeAccessDenied, StatusCode: aws.String("401"),
		ResponseParameters: map[string]string{"gatewayresponse.header.X-Team": "'platform'"},
		ResponseTemplates:  map[string]string{"application/json": `{"error":"denied","type":"$context.error.responseType","detail":$context.error.messageString}`}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.apig.PutGatewayResponse(ctx, &apigateway.PutGatewayResponseInput{RestApiId: aws.String(id),
		ResponseType:      apitypes.GatewayResponseTypeDefault4xx,
		ResponseTemplates: map[string]string{"application/json": `{"oops":"$context.error.responseType"}`}}); err != nil {
		t.Fatal(err)
	}
	r := e.call(path, callOpt{creds: &nobody})
	if r.status != 401 || r.header.Get("X-Team") != "platform" || r.header.Get("x-amzn-ErrorType") != "AccessDeniedException" ||
		!strings.HasPrefix(r.body, `{"error":"denied","type":"ACCESS_DENIED","detail":"User: arn:aws:iam::000000000000:user/nobody is not authorized`) {
		t.Errorf("customized ACCESS_DENIED: %d %v %s", r.status, r.header, r.body)
	}
	if r := e.call(path, callOpt{}); r.status != 403 || r.body != `{"oops":"MISSING_AUTHENTICATION_TOKEN"}` {
		t.Errorf("DEFAULT_4XX fallback: %d %s", r.status, r.body)
	}
	all, err := e.apig.GetGatewayResponses(ctx, &apigateway.GetGatewayResponsesInput{RestApiId: aws.String(id), Limit: aws.Int32(100)})
	if err != nil || len(all.Items) != 21 {
		t.Fatalf("GetGatewayResponses: %v %d", err, len(all.Items))
	}
	custom := 0
	for _, it := range all.Items {
		if !it.DefaultResponse {
			custom++
		}
	}
	if custom != 2 {
		t.Errorf("customized responses listed: %d, want 2", custom)
	}
	if _, err := e.apig.GetGatewayResponse(ctx, &apigateway.GetGatewayResponseInput{RestApiId: aws.String(id), ResponseType: "NOT_A_TYPE"}); err == nil {
		t.Error("unknown response type accepted")
	}
	for _, rt := range []apitypes.GatewayResponseType{apitypes.GatewayResponseTypeAccessDenied, apitypes.GatewayResponseTypeDefault4xx} {
		if _, err := e.apig.DeleteGatewayResponse(ctx, &apigateway.DeleteGatewayResponseInput{RestApiId: aws.String(id), ResponseType: rt}); err != nil {
			t.Fatal(err)
		}
	}
	if r = e.call(path, callOpt{creds: &nobody}); r.status != 403 || r.body != before.body {
		t.Errorf("after delete: %s\nwant %s", r.body, before.body)
	}
}
