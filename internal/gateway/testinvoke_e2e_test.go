package gateway_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	apitypes "github.com/aws/aws-sdk-go-v2/service/apigateway/types"
)

// TestInvokeMethodRunsTheDraft: TestInvokeMethod sends the request through
// the method as the API is now (undeployed), in test-invoke-stage with
// the given stage variables, validation included, authorization skipped.
func TestInvokeMethodRunsTheDraft(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	api, err := e.apig.CreateRestApi(ctx, &apigateway.CreateRestApiInput{Name: aws.String("ti")})
	if err != nil {
		t.Fatal(err)
	}
	res, err := e.apig.CreateResource(ctx, &apigateway.CreateResourceInput{RestApiId: api.Id, ParentId: api.RootResourceId, PathPart: aws.String("{id}")})
	if err != nil {
		t.Fatal(err)
	}
	v, err := e.apig.CreateRequestValidator(ctx, &apigateway.CreateRequestValidatorInput{RestApiId: api.Id, ValidateRequestParameters: true})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.apig.PutMethod(ctx, &apigateway.PutMethodInput{RestApiId: api.Id, ResourceId: res.Id, HttpMethod: aws.String("POST"),
		AuthorizationType: aws.String("AWS_IAM"), RequestValidatorId: v.Id, RequestParameters: map[string]bool{"method.request.querystring.x": true}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.apig.PutIntegration(ctx, &apigateway.PutIntegrationInput{RestApiId: api.Id, ResourceId: res.Id, HttpMethod: aws.String("POST"),
		Type: apitypes.IntegrationTypeHttpProxy, IntegrationHttpMethod: aws.String("POST"), Uri: aws.String(e.be.URL + "/items/{id}"),
		RequestParameters: map[string]string{"integration.request.path.id": "method.request.path.id",
			"integration.request.header.X-Stage-Color": "stageVariables.color"}})
	if err != nil {
		t.Fatal(err)
	}
	out, err := e.apig.TestInvokeMethod(ctx, &apigateway.TestInvokeMethodInput{RestApiId: api.Id, ResourceId: res.Id, HttpMethod: aws.String("POST"),
		PathWithQueryString: aws.String("/42?x=1"), Body: aws.String(`{"a":1}`), Headers: map[string]string{"X-Client": "t"},
		StageVariables: map[string]string{"color": "green"}})
	if err != nil {
		t.Fatal(err)
	}
	var got echoed
	if out.Status != 200 || json.Unmarshal([]byte(*out.Body), &got) != nil || got.Path != "/items/42" || got.Body != `{"a":1}` ||
		got.Query != "x=1" || got.Header["X-Stage-Color"][0] != "green" || got.Header["X-Client"][0] != "t" {
		t.Fatalf("%d %s", out.Status, aws.ToString(out.Body))
	}
	if out.Headers["X-Backend"] != "echo" || !strings.Contains(*out.Log, "Method completed with status: 200") {
		t.Fatalf("headers %v log %q", out.Headers, aws.ToString(out.Log))
	}
	out, err = e.apig.TestInvokeMethod(ctx, &apigateway.TestInvokeMethodInput{RestApiId: api.Id, ResourceId: res.Id, HttpMethod: aws.String("POST"),
		PathWithQueryString: aws.String("/42")})
	if err != nil || out.Status != 400 || *out.Body != `{"message": "Missing required request parameters: [x]"}` && *out.Body != `{"message":"Missing required request parameters: [x]"}` {
		t.Fatalf("validation: %v %d %s", err, out.Status, aws.ToString(out.Body))
	}
	_, err = e.apig.TestInvokeMethod(ctx, &apigateway.TestInvokeMethodInput{RestApiId: api.Id, ResourceId: res.Id, HttpMethod: aws.String("POST"),
		PathWithQueryString: aws.String("/42/extra")})
	if err == nil {
		t.Fatal("a path of another resource was accepted")
	}
}
