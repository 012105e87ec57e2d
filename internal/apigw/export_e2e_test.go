package apigw_test

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/aws/aws-sdk-go-v2/service/apigateway/types"

	"github.com/gatehouse-dev/gatehouse/internal/gatehousetest"
	"github.com/gatehouse-dev/gatehouse/internal/golden"
)

const authzURI = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:authz/invocations"

// exportAPI builds an API with every exported feature: IAM, API key,
// TOKEN and REQUEST authorizers, models referencing each other, a request
// validator, method response headers and models, integrations with
// responses, an ANY method and a customized gateway response; deploys it
// to prod.
func exportAPI(t *testing.T, ctx context.Context, c *apigateway.Client) string {
	t.Helper()
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	api, err := c.CreateRestApi(ctx, &apigateway.CreateRestApiInput{Name: aws.String("pets"), Description: aws.String("the pet store"), Version: aws.String("2"),
		ApiKeySource: types.ApiKeySourceTypeHeader})
	if err != nil {
		t.Fatal(err)
	}
	id := api.Id
	must(c.CreateModel(ctx, &apigateway.CreateModelInput{RestApiId: id, Name: aws.String("Pet"), ContentType: aws.String("application/json"),
		Schema: aws.String(`{"$schema":"http://json-schema.org/draft-04/schema#","title":"Pet","type":"object","required":["name"],"properties":{"name":{"type":"string"},"age":{"type":"integer","minimum":0}}}`)}))
	must(c.CreateModel(ctx, &apigateway.CreateModelInput{RestApiId: id, Name: aws.String("Pets"), ContentType: aws.String("application/json"),
		Schema: aws.String(`{"$schema":"http://json-schema.org/draft-04/schema#","title":"Pets","type":"array","items":{"$ref":"https://apigateway.amazonaws.com/restapis/` + *id + `/models/Pet"}}`)}))
	v, err := c.CreateRequestValidator(ctx, &apigateway.CreateRequestValidatorInput{RestApiId: id, Name: aws.String("all"), ValidateRequestBody: true, ValidateRequestParameters: true})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := c.CreateAuthorizer(ctx, &apigateway.CreateAuthorizerInput{RestApiId: id, Name: aws.String("tokenauth"), Type: types.AuthorizerTypeToken,
		AuthorizerUri: aws.String(authzURI), IdentitySource: aws.String("method.request.header.Authorization"),
		IdentityValidationExpression: aws.String("^Bearer .+$"), AuthorizerResultTtlInSeconds: aws.Int32(60)})
	if err != nil {
		t.Fatal(err)
	}
	req, err := c.CreateAuthorizer(ctx, &apigateway.CreateAuthorizerInput{RestApiId: id, Name: aws.String("reqauth"), Type: types.AuthorizerTypeRequest,
		AuthorizerUri: aws.String(authzURI), IdentitySource: aws.String("method.request.header.X-Tenant, method.request.querystring.key"),
		AuthorizerCredentials: aws.String("arn:aws:iam::000000000000:role/authz-invoke"), AuthorizerResultTtlInSeconds: aws.Int32(0)})
	if err != nil {
		t.Fatal(err)
	}
	pets, err := c.CreateResource(ctx, &apigateway.CreateResourceInput{RestApiId: id, ParentId: api.RootResourceId, PathPart: aws.String("pets")})
	if err != nil {
		t.Fatal(err)
	}
	pet, err := c.CreateResource(ctx, &apigateway.CreateResourceInput{RestApiId: id, ParentId: pets.Id, PathPart: aws.String("{id}")})
	if err != nil {
		t.Fatal(err)
	}
	httpInt := func(rid *string, verb, uri string) {
		t.Helper()
		must(c.PutIntegration(ctx, &apigateway.PutIntegrationInput{RestApiId: id, ResourceId: rid, HttpMethod: aws.String(verb), Type: types.IntegrationTypeHttp,
			IntegrationHttpMethod: aws.String(verb), Uri: aws.String(uri), PassthroughBehavior: aws.String("WHEN_NO_TEMPLATES"),
			RequestTemplates: map[string]string{"application/json": `{"q":"$input.params('q')"}`}, TimeoutInMillis: aws.Int32(5000)}))
		must(c.PutIntegrationResponse(ctx, &apigateway.PutIntegrationResponseInput{RestApiId: id, ResourceId: rid, HttpMethod: aws.String(verb), StatusCode: aws.String("200"),
			ResponseParameters: map[string]string{"method.response.header.X-Count": "integration.response.header.X-Count"}}))
		must(c.PutIntegrationResponse(ctx, &apigateway.PutIntegrationResponseInput{RestApiId: id, ResourceId: rid, HttpMethod: aws.String(verb), StatusCode: aws.String("404"),
			SelectionPattern: aws.String("404"), ResponseTemplates: map[string]string{"application/json": `{"message":"no such pet"}`}}))
	}
	// GET /pets: IAM, API key, a query parameter, the validator, a
	// response with a header and a model.
	must(c.PutMethod(ctx, &apigateway.PutMethodInput{RestApiId: id, ResourceId: pets.Id, HttpMethod: aws.String("GET"), AuthorizationType: aws.String("AWS_IAM"),
		ApiKeyRequired: true, OperationName: aws.String("listPets"), RequestValidatorId: v.Id,
		RequestParameters: map[string]bool{"method.request.querystring.q": true, "method.request.header.X-Trace": false}}))
	must(c.PutMethodResponse(ctx, &apigateway.PutMethodResponseInput{RestApiId: id, ResourceId: pets.Id, HttpMethod: aws.String("GET"), StatusCode: aws.String("200"),
		ResponseParameters: map[string]bool{"method.response.header.X-Count": false}, ResponseModels: map[string]string{"application/json": "Pets"}}))
	must(c.PutMethodResponse(ctx, &apigateway.PutMethodResponseInput{RestApiId: id, ResourceId: pets.Id, HttpMethod: aws.String("GET"), StatusCode: aws.String("404"),
		ResponseModels: map[string]string{"application/json": "Error"}}))
	httpInt(pets.Id, "GET", "http://127.0.0.1:9/pets")
	// POST /pets: the TOKEN authorizer and a request model.
	must(c.PutMethod(ctx, &apigateway.PutMethodInput{RestApiId: id, ResourceId: pets.Id, HttpMethod: aws.String("POST"), AuthorizationType: aws.String("CUSTOM"),
		AuthorizerId: tok.Id, RequestValidatorId: v.Id, RequestModels: map[string]string{"application/json": "Pet"}}))
	must(c.PutMethodResponse(ctx, &apigateway.PutMethodResponseInput{RestApiId: id, ResourceId: pets.Id, HttpMethod: aws.String("POST"), StatusCode: aws.String("200"),
		ResponseModels: map[string]string{"application/json": "Pet"}}))
	must(c.PutIntegration(ctx, &apigateway.PutIntegrationInput{RestApiId: id, ResourceId: pets.Id, HttpMethod: aws.String("POST"), Type: types.IntegrationTypeAwsProxy,
		IntegrationHttpMethod: aws.String("POST"), Uri: aws.String("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:pets/invocations"),
		Credentials: aws.String("arn:aws:iam::000000000000:role/pets-invoke")}))
	// ANY /pets/{id}: the REQUEST authorizer, a MOCK integration.
	must(c.PutMethod(ctx, &apigateway.PutMethodInput{RestApiId: id, ResourceId: pet.Id, HttpMethod: aws.String("ANY"), AuthorizationType: aws.String("CUSTOM"),
		AuthorizerId: req.Id, RequestParameters: map[string]bool{"method.request.path.id": true}}))
	must(c.PutMethodResponse(ctx, &apigateway.PutMethodResponseInput{RestApiId: id, ResourceId: pet.Id, HttpMethod: aws.String("ANY"), StatusCode: aws.String("200")}))
	must(c.PutIntegration(ctx, &apigateway.PutIntegrationInput{RestApiId: id, ResourceId: pet.Id, HttpMethod: aws.String("ANY"), Type: types.IntegrationTypeMock,
		RequestTemplates: map[string]string{"application/json": `{"statusCode": 200}`}}))
	must(c.PutIntegrationResponse(ctx, &apigateway.PutIntegrationResponseInput{RestApiId: id, ResourceId: pet.Id, HttpMethod: aws.String("ANY"), StatusCode: aws.String("200"),
		ResponseTemplates: map[string]string{"application/json": `{"id":"$input.params('id')"}`}}))
	must(c.PutGatewayResponse(ctx, &apigateway.PutGatewayResponseInput{RestApiId: id, ResponseType: types.GatewayResponseTypeAccessDenied, StatusCode: aws.String("403"),
		ResponseParameters: map[string]string{"gatewayresponse.header.X-Why": "'denied'"},
		ResponseTemplates:  map[string]string{"application/json": `{"error":"$context.error.message"}`}}))
	must(c.CreateDeployment(ctx, &apigateway.CreateDeploymentInput{RestApiId: id, StageName: aws.String("prod")}))
	return *id
}

func getExport(t *testing.T, ctx context.Context, c *apigateway.Client, id, kind, ext string) []byte {
	t.Helper()
	in := &apigateway.GetExportInput{RestApiId: aws.String(id), StageName: aws.String("prod"), ExportType: aws.String(kind), Accepts: aws.String("application/json")}
	if ext != "" {
		in.Parameters = map[string]string{"extensions": ext}
	}
	out, err := c.GetExport(ctx, in)
	if err != nil {
		t.Fatalf("export %s %s: %v", kind, ext, err)
	}
	return out.Body
}

// normalize replaces the API's id and the invoke host's port so
// documents of different APIs and runs compare.
func normalize(t *testing.T, b []byte, id string) []byte {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("export is not JSON: %v\n%s", err, b)
	}
	out, _ := json.MarshalIndent(doc, "", "  ")
	out = bytes.ReplaceAll(out, []byte(id), []byte("APIID"))
	return portRE.ReplaceAll(out, []byte("$1"))
}

var portRE = regexp.MustCompile(`(\.execute-api\.[a-z0-9-]+\.[A-Za-z0-9.-]+):[0-9]+`)

func TestExportGoldenAndRoundTrip(t *testing.T) {
	s := gatehousetest.Start(t)
	ctx := context.Background()
	c := client(s, "us-east-1", root)
	id := exportAPI(t, ctx, c)
	for _, kind := range []string{"oas30", "swagger"} {
		t.Run(kind, func(t *testing.T) {
			full := normalize(t, getExport(t, ctx, c, id, kind, "apigateway"), id)
			golden.Check(t, filepath.Join("testdata", "export-"+kind+".golden.json"), string(full))

			// Without extensions: no integration, authorizer, validator or
			// gateway response extensions; the schemes stay.
			plain := string(getExport(t, ctx, c, id, kind, ""))
			for _, x := range []string{"x-amazon-apigateway-integration", "x-amazon-apigateway-authorizer", "x-amazon-apigateway-request-validator", "x-amazon-apigateway-gateway-responses"} {
				if strings.Contains(plain, x) {
					t.Errorf("plain export has %s", x)
				}
			}
			if !strings.Contains(plain, `"x-amazon-apigateway-authtype": "custom"`) || !strings.Contains(plain, `"x-amazon-apigateway-authtype": "awsSigv4"`) {
				t.Errorf("plain export lacks the security schemes:\n%s", plain)
			}
			// authorizers alone: the authorizer objects, no integrations.
			az := string(getExport(t, ctx, c, id, kind, "authorizers"))
			if !strings.Contains(az, "x-amazon-apigateway-authorizer") || strings.Contains(az, "x-amazon-apigateway-integration") {
				t.Errorf("extensions=authorizers export:\n%s", az)
			}
			// integrations,authorizers: both; postman is accepted.
			both := string(getExport(t, ctx, c, id, kind, "integrations,authorizers,postman"))
			if !strings.Contains(both, "x-amazon-apigateway-authorizer") || !strings.Contains(both, "x-amazon-apigateway-integration") || strings.Contains(both, "x-amazon-apigateway-request-validators") {
				t.Errorf("extensions=integrations,authorizers export:\n%s", both)
			}

			// Round trip: import the export (failing on any warning),
			// deploy, export again: the same document.
			raw := getExport(t, ctx, c, id, kind, "apigateway")
			im, err := c.ImportRestApi(ctx, &apigateway.ImportRestApiInput{Body: raw, FailOnWarnings: true})
			if err != nil {
				t.Fatalf("import of the export: %v", err)
			}
			if len(im.Warnings) > 0 {
				t.Fatalf("import warnings: %v", im.Warnings)
			}
			if _, err := c.CreateDeployment(ctx, &apigateway.CreateDeploymentInput{RestApiId: im.Id, StageName: aws.String("prod")}); err != nil {
				t.Fatal(err)
			}
			again := normalize(t, getExport(t, ctx, c, *im.Id, kind, "apigateway"), *im.Id)
			if !bytes.Equal(full, again) {
				t.Fatalf("export → import → export changed the document:\nfirst:\n%s\nagain:\n%s", full, again)
			}
			gr, err := c.GetGatewayResponse(ctx, &apigateway.GetGatewayResponseInput{RestApiId: im.Id, ResponseType: types.GatewayResponseTypeAccessDenied})
			if err != nil || gr.DefaultResponse || gr.ResponseParameters["gatewayresponse.header.X-Why"] != "'denied'" {
				t.Fatalf("imported gateway response: %v %+v", err, gr)
			}
		})
	}
}
