package gateway_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	apitypes "github.com/aws/aws-sdk-go-v2/service/apigateway/types"
)

// TestRequestValidator: a method with a request validator and a model
// answers AWS's 400s before its integration runs, and passes valid
// requests through; a model changed after deployment applies at the next
// deployment.
func TestRequestValidator(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	api, err := e.apig.CreateRestApi(ctx, &apigateway.CreateRestApiInput{Name: aws.String("validated")})
	if err != nil {
		t.Fatal(err)
	}
	id := api.Id
	pets, err := e.apig.CreateResource(ctx, &apigateway.CreateResourceInput{RestApiId: id, ParentId: api.RootResourceId, PathPart: aws.String("pets")})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.apig.CreateModel(ctx, &apigateway.CreateModelInput{RestApiId: id, Name: aws.String("Tag"), ContentType: aws.String("application/json"),
		Schema: aws.String(`{"$schema":"http://json-schema.org/draft-04/schema#","type":"string","maxLength":8}`)})
	if err != nil {
		t.Fatal(err)
	}
	// Pet refers to Tag by its model URL, as AWS models do.
	_, err = e.apig.CreateModel(ctx, &apigateway.CreateModelInput{RestApiId: id, Name: aws.String("Pet"), ContentType: aws.String("application/json"),
		Schema: aws.String(`{"$schema":"http://json-schema.org/draft-04/schema#","type":"object","required":["name","age"],
		 "properties":{"name":{"type":"string"},"age":{"type":"integer","minimum":0},
		 "tags":{"type":"array","items":{"$ref":"https://apigateway.amazonaws.com/restapis/` + *id + `/models/Tag"}}}}`)})
	if err != nil {
		t.Fatal(err)
	}
	v, err := e.apig.CreateRequestValidator(ctx, &apigateway.CreateRequestValidatorInput{RestApiId: id, Name: aws.String("all"),
		ValidateRequestBody: true, ValidateRequestParameters: true})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.apig.PutMethod(ctx, &apigateway.PutMethodInput{RestApiId: id, ResourceId: pets.Id, HttpMethod: aws.String("POST"),
		AuthorizationType: aws.String("NONE"), RequestValidatorId: v.Id,
		RequestModels: map[string]string{"application/json": "Pet"},
		RequestParameters: map[string]bool{"method.request.querystring.owner": true, "method.request.header.x-team": true,
			"method.request.querystring.optional": false}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.apig.PutIntegration(ctx, &apigateway.PutIntegrationInput{RestApiId: id, ResourceId: pets.Id, HttpMethod: aws.String("POST"),
		Type: apitypes.IntegrationTypeHttpProxy, IntegrationHttpMethod: aws.String("POST"), Uri: aws.String(e.be.URL + "/pets")})
	if err != nil {
		t.Fatal(err)
	}
	e.deploy(*id, "dev")
	base := "/restapis/" + *id + "/dev/_user_request_/pets"
	ok := map[string]string{"x-team": "blue", "Content-Type": "application/json"}
	for _, c := range []struct {
		name   string
		query  string
		header map[string]string
		body   string
		status int
		msg    string
	}{
		{"valid", "?owner=me", ok, `{"name":"rex","age":3,"tags":["good"]}`, 200, ""},
		{"content type with parameters", "?owner=me", map[string]string{"x-team": "b", "Content-Type": "application/json; charset=utf-8"}, `{"name":"rex","age":3}`, 200, ""},
		{"missing both parameters", "", map[string]string{"Content-Type": "application/json"}, `{"name":"rex","age":3}`, 400, "Missing required request parameters: [owner, x-team]"},
		{"missing header", "?owner=me", map[string]string{"Content-Type": "application/json"}, `{"name":"rex","age":3}`, 400, "Missing required request parameters: [x-team]"},
		{"empty query value counts as present", "?owner=", ok, `{"name":"rex","age":3}`, 200, ""},
		{"required property missing", "?owner=me", ok, `{"name":"rex"}`, 400, "Invalid request body"},
		{"wrong type", "?owner=me", ok, `{"name":"rex","age":"three"}`, 400, "Invalid request body"},
		{"referenced model violated", "?owner=me", ok, `{"name":"rex","age":3,"tags":["much-too-long"]}`, 400, "Invalid request body"},
		{"not JSON", "?owner=me", ok, `{"name":`, 400, "Invalid request body"},
		{"empty body", "?owner=me", ok, ``, 400, "Invalid request body"},
		{"no model for the content type", "?owner=me", map[string]string{"x-team": "b", "Content-Type": "text/plain"}, `anything`, 200, ""},
		{"no content type is application/json", "?owner=me", map[string]string{"x-team": "b"}, `{"name":1}`, 400, "Invalid request body"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := e.call(base+c.query, callOpt{method: "POST", header: c.header, body: []byte(c.body)})
			if c.status == 200 {
				var got echoed
				if r.status != 200 || json.Unmarshal([]byte(r.body), &got) != nil || got.Body != c.body {
					t.Fatalf("%d %s", r.status, r.body)
				}
				return
			}
			wantError(t, r, c.status, "BadRequestException", "message", c.msg)
		})
	}

	// The model changes; requests see it after the next deployment.
	_, err = e.apig.UpdateModel(ctx, &apigateway.UpdateModelInput{RestApiId: id, ModelName: aws.String("Pet"),
		PatchOperations: []apitypes.PatchOperation{{Op: apitypes.OpReplace, Path: aws.String("/schema"),
			Value: aws.String(`{"type":"object","required":["name"]}`)}}})
	if err != nil {
		t.Fatal(err)
	}
	if r := e.call(base+"?owner=me", callOpt{method: "POST", header: ok, body: []byte(`{"name":"rex"}`)}); r.status != 400 {
		t.Fatalf("before redeploy: %d %s", r.status, r.body)
	}
	e.deploy(*id, "dev")
	if r := e.call(base+"?owner=me", callOpt{method: "POST", header: ok, body: []byte(`{"name":"rex"}`)}); r.status != 200 {
		t.Fatalf("after redeploy: %d %s", r.status, r.body)
	}

	// A validator that checks only parameters lets any body through.
	_, err = e.apig.UpdateRequestValidator(ctx, &apigateway.UpdateRequestValidatorInput{RestApiId: id, RequestValidatorId: v.Id,
		PatchOperations: []apitypes.PatchOperation{{Op: apitypes.OpReplace, Path: aws.String("/validateRequestBody"), Value: aws.String("false")}}})
	if err != nil {
		t.Fatal(err)
	}
	e.deploy(*id, "dev")
	if r := e.call(base+"?owner=me", callOpt{method: "POST", header: ok, body: []byte(`nonsense`)}); r.status != 200 {
		t.Fatalf("params-only validator: %d %s", r.status, r.body)
	}
	wantError(t, e.call(base, callOpt{method: "POST", header: ok, body: []byte(`{}`)}), 400, "BadRequestException", "message",
		"Missing required request parameters: [owner]")
}

// TestRequestValidatorFromOpenAPI: the validators, default validator and
// models of an imported OpenAPI document (as SAM writes them) validate
// requests.
func TestRequestValidatorFromOpenAPI(t *testing.T) {
	e := newEnv(t)
	id := e.importAPI(`{"openapi":"3.0.1","info":{"title":"v","version":"1"},
	 "x-amazon-apigateway-request-validators":{"all":{"validateRequestBody":true,"validateRequestParameters":true},
	                                          "params":{"validateRequestBody":false,"validateRequestParameters":true}},
	 "x-amazon-apigateway-request-validator":"all",
	 "paths":{"/pets":{
	  "post":{"requestBody":{"content":{"application/json":{"schema":{"$ref":"#/components/schemas/Pet"}}}},
	          "x-amazon-apigateway-integration":{"type":"http_proxy","httpMethod":"POST","uri":"BACKEND/pets"}},
	  "get":{"parameters":[{"name":"q","in":"query","required":true,"schema":{"type":"string"}}],
	         "x-amazon-apigateway-request-validator":"params",
	         "x-amazon-apigateway-integration":{"type":"http_proxy","httpMethod":"GET","uri":"BACKEND/pets"}}}},
	 "components":{"schemas":{
	  "Pet":{"type":"object","required":["name"],"properties":{"name":{"type":"string"},"owner":{"$ref":"#/components/schemas/Owner"}}},
	  "Owner":{"type":"object","required":["id"],"properties":{"id":{"type":"integer"}}}}}}`, "dev")
	base := "/restapis/" + id + "/dev/_user_request_/pets"
	json := map[string]string{"Content-Type": "application/json"}
	if r := e.call(base, callOpt{method: "POST", header: json, body: []byte(`{"name":"rex","owner":{"id":1}}`)}); r.status != 200 {
		t.Fatalf("valid: %d %s", r.status, r.body)
	}
	wantError(t, e.call(base, callOpt{method: "POST", header: json, body: []byte(`{"name":"rex","owner":{"id":"x"}}`)}),
		400, "BadRequestException", "message", "Invalid request body")
	wantError(t, e.call(base, callOpt{}), 400, "BadRequestException", "message", "Missing required request parameters: [q]")
	if r := e.call(base+"?q=1", callOpt{}); r.status != 200 {
		t.Fatalf("get: %d %s", r.status, r.body)
	}
	ms, err := e.apig.GetModels(context.Background(), &apigateway.GetModelsInput{RestApiId: aws.String(id)})
	if err != nil || len(ms.Items) != 4 {
		t.Fatalf("models: %v %+v", err, ms)
	}
}
