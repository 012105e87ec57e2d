package apigw_test

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"reflect"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/aws/aws-sdk-go-v2/service/apigateway/types"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/gatehouse-dev/gatehouse/internal/gatehousetest"
)

func patch(op types.Op, path, value string) types.PatchOperation {
	p := types.PatchOperation{Op: op, Path: aws.String(path)}
	if value != "" {
		p.Value = aws.String(value)
	}
	return p
}

// deployedAPI creates an API with GET /pets/{id} (MOCK) deployed to "dev".
func deployedAPI(t *testing.T, c *apigateway.Client) (api *apigateway.CreateRestApiOutput, res *apigateway.CreateResourceOutput) {
	t.Helper()
	ctx := context.Background()
	api, err := c.CreateRestApi(ctx, &apigateway.CreateRestApiInput{Name: aws.String("ops")})
	if err != nil {
		t.Fatal(err)
	}
	pets, err := c.CreateResource(ctx, &apigateway.CreateResourceInput{RestApiId: api.Id, ParentId: api.RootResourceId, PathPart: aws.String("pets")})
	if err != nil {
		t.Fatal(err)
	}
	res, err = c.CreateResource(ctx, &apigateway.CreateResourceInput{RestApiId: api.Id, ParentId: pets.Id, PathPart: aws.String("{id}")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutMethod(ctx, &apigateway.PutMethodInput{RestApiId: api.Id, ResourceId: res.Id, HttpMethod: aws.String("GET"), AuthorizationType: aws.String("NONE")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutIntegration(ctx, &apigateway.PutIntegrationInput{RestApiId: api.Id, ResourceId: res.Id, HttpMethod: aws.String("GET"), Type: types.IntegrationTypeMock}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateDeployment(ctx, &apigateway.CreateDeploymentInput{RestApiId: api.Id, StageName: aws.String("dev")}); err != nil {
		t.Fatal(err)
	}
	return api, res
}

// TestStageMethodSettings: the method-setting paths of UpdateStage in
// both spellings clients use, keyed in GetStage as AWS keys them, and
// removal (Terraform's destroy) of a whole entry and of "*/*".
func TestStageMethodSettings(t *testing.T) {
	s := gatehousetest.Start(t)
	ctx := context.Background()
	c := client(s, "us-east-1", root)
	api, _ := deployedAPI(t, c)
	up := func(ops ...types.PatchOperation) (*apigateway.UpdateStageOutput, error) {
		return c.UpdateStage(ctx, &apigateway.UpdateStageInput{RestApiId: api.Id, StageName: aws.String("dev"), PatchOperations: ops})
	}
	st, err := up(
		patch(types.OpReplace, "/*/*/metrics/enabled", "true"),
		patch(types.OpReplace, "/*/*/throttling/rateLimit", "100"),
		patch(types.OpReplace, "/~1pets~1{id}/GET/logging/loglevel", "INFO"),
		patch(types.OpReplace, "/pets/{id}/GET/throttling/burstLimit", "7"),
		patch(types.OpReplace, "/pets/{id}/GET/caching/unauthorizedCacheControlHeaderStrategy", "FAIL_WITH_403"),
	)
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]bool{}
	for k := range st.MethodSettings {
		keys[k] = true
	}
	if !reflect.DeepEqual(keys, map[string]bool{"*/*": true, "~1pets~1{id}/GET": true, "pets/{id}/GET": true}) {
		t.Fatalf("keys %v", keys)
	}
	if ms := st.MethodSettings["*/*"]; !ms.MetricsEnabled || ms.ThrottlingRateLimit != 100 || ms.ThrottlingBurstLimit != 5000 || *ms.LoggingLevel != "OFF" {
		t.Fatalf("*/* %+v", ms)
	}
	if ms := st.MethodSettings["~1pets~1{id}/GET"]; *ms.LoggingLevel != "INFO" || ms.CacheTtlInSeconds != 300 || !ms.RequireAuthorizationForCacheControl {
		t.Fatalf("escaped %+v", ms)
	}
	if ms := st.MethodSettings["pets/{id}/GET"]; ms.ThrottlingBurstLimit != 7 || ms.UnauthorizedCacheControlHeaderStrategy != "FAIL_WITH_403" {
		t.Fatalf("unescaped %+v", ms)
	}
	got, err := c.GetStage(ctx, &apigateway.GetStageInput{RestApiId: api.Id, StageName: aws.String("dev")})
	if err != nil || len(got.MethodSettings) != 3 {
		t.Fatalf("get stage: %v %v", err, got)
	}
	for _, bad := range []struct{ path, value, code string }{
		{"/*/*/logging/loglevel", "LOUD", "BadRequestException"},
		{"/*/*/metrics/enabled", "maybe", "BadRequestException"},
		{"/*/*/nonsense/x", "1", "BadRequestException"},
		{"/pets/FETCH/metrics/enabled", "true", "BadRequestException"},
		{"/*/*/caching/ttlInSeconds", "3601", "BadRequestException"},
	} {
		_, err := up(patch(types.OpReplace, bad.path, bad.value))
		wantAPIError(t, err, bad.code, "")
	}
	st, err = up(patch(types.OpRemove, "/*/*", ""), patch(types.OpRemove, "/pets/{id}/GET", ""), patch(types.OpRemove, "/~1pets~1{id}/GET", ""))
	if err != nil || len(st.MethodSettings) != 0 {
		t.Fatalf("remove: %v %v", err, st)
	}
	// Removing what is not there succeeds (a destroy after a partial apply).
	if _, err := up(patch(types.OpRemove, "/*/*", "")); err != nil {
		t.Fatal(err)
	}
	// Stage settings Terraform manages.
	st, err = up(patch(types.OpReplace, "/accessLogSettings/destinationArn", "arn:aws:logs:us-east-1:000000000000:log-group:x"),
		patch(types.OpReplace, "/accessLogSettings/format", "$context.requestId"), patch(types.OpReplace, "/cacheClusterSize", "0.5"))
	if err != nil || *st.AccessLogSettings.Format != "$context.requestId" || st.CacheClusterSize != types.CacheClusterSize("0.5") {
		t.Fatalf("stage settings: %v %+v", err, st)
	}
	st, err = up(patch(types.OpRemove, "/accessLogSettings", ""))
	if err != nil || st.AccessLogSettings != nil {
		t.Fatalf("remove access logs: %v %+v", err, st)
	}
}

// TestTags: TagResource, UntagResource and GetTags on every taggable type,
// the tags visible on the resource's own Get.
func TestTags(t *testing.T) {
	s := gatehousetest.Start(t)
	ctx := context.Background()
	c := client(s, "us-east-1", root)
	api, _ := deployedAPI(t, c)
	cert, err := c.GenerateClientCertificate(ctx, &apigateway.GenerateClientCertificateInput{Description: aws.String("backend")})
	if err != nil {
		t.Fatal(err)
	}
	link, err := c.CreateVpcLink(ctx, &apigateway.CreateVpcLinkInput{Name: aws.String("l"),
		TargetArns: []string{"arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer/net/nlb/1"}})
	if err != nil {
		t.Fatal(err)
	}
	prefix := "arn:aws:apigateway:us-east-1::"
	arns := map[string]func() map[string]string{
		prefix + "/restapis/" + *api.Id: func() map[string]string {
			o, err := c.GetRestApi(ctx, &apigateway.GetRestApiInput{RestApiId: api.Id})
			if err != nil {
				t.Fatal(err)
			}
			return o.Tags
		},
		prefix + "/restapis/" + *api.Id + "/stages/dev": func() map[string]string {
			o, err := c.GetStage(ctx, &apigateway.GetStageInput{RestApiId: api.Id, StageName: aws.String("dev")})
			if err != nil {
				t.Fatal(err)
			}
			return o.Tags
		},
		prefix + "/clientcertificates/" + *cert.ClientCertificateId: func() map[string]string {
			o, err := c.GetClientCertificate(ctx, &apigateway.GetClientCertificateInput{ClientCertificateId: cert.ClientCertificateId})
			if err != nil {
				t.Fatal(err)
			}
			return o.Tags
		},
		prefix + "/vpclinks/" + *link.Id: func() map[string]string {
			o, err := c.GetVpcLink(ctx, &apigateway.GetVpcLinkInput{VpcLinkId: link.Id})
			if err != nil {
				t.Fatal(err)
			}
			return o.Tags
		},
	}
	for a, get := range arns {
		if _, err := c.TagResource(ctx, &apigateway.TagResourceInput{ResourceArn: aws.String(a), Tags: map[string]string{"team": "x", "env": "dev"}}); err != nil {
			t.Fatalf("%s: %v", a, err)
		}
		if _, err := c.TagResource(ctx, &apigateway.TagResourceInput{ResourceArn: aws.String(a), Tags: map[string]string{"env": "prod"}}); err != nil {
			t.Fatal(err)
		}
		want := map[string]string{"team": "x", "env": "prod"}
		if got := get(); !reflect.DeepEqual(got, want) {
			t.Fatalf("%s: Get tags %v", a, got)
		}
		if _, err := c.UntagResource(ctx, &apigateway.UntagResourceInput{ResourceArn: aws.String(a), TagKeys: []string{"team", "absent"}}); err != nil {
			t.Fatal(err)
		}
		o, err := c.GetTags(ctx, &apigateway.GetTagsInput{ResourceArn: aws.String(a)})
		if err != nil || !reflect.DeepEqual(o.Tags, map[string]string{"env": "prod"}) {
			t.Fatalf("%s: GetTags %v %v", a, err, o)
		}
	}
	for _, bad := range []struct{ arn, code string }{
		{prefix + "/restapis/nosuchapi", "NotFoundException"},
		{"arn:aws:apigateway:eu-west-1::/restapis/" + *api.Id, "NotFoundException"},
		{prefix + "/restapis/" + *api.Id + "/resources/x", "NotFoundException"},
		{"arn:aws:lambda:us-east-1:000000000000:function:f", "BadRequestException"},
	} {
		_, err := c.TagResource(ctx, &apigateway.TagResourceInput{ResourceArn: aws.String(bad.arn), Tags: map[string]string{"a": "b"}})
		wantAPIError(t, err, bad.code, "")
	}
	_, err = c.TagResource(ctx, &apigateway.TagResourceInput{ResourceArn: aws.String(prefix + "/restapis/" + *api.Id), Tags: map[string]string{"aws:x": "b"}})
	wantAPIError(t, err, "BadRequestException", "")
}

// TestDay2Updates: the Update*/Get* operations Terraform calls after the
// first apply.
func TestDay2Updates(t *testing.T) {
	s := gatehousetest.Start(t)
	ctx := context.Background()
	c := client(s, "us-east-1", root)
	api, res := deployedAPI(t, c)

	if _, err := c.PutMethodResponse(ctx, &apigateway.PutMethodResponseInput{RestApiId: api.Id, ResourceId: res.Id, HttpMethod: aws.String("GET"), StatusCode: aws.String("200")}); err != nil {
		t.Fatal(err)
	}
	mr, err := c.UpdateMethodResponse(ctx, &apigateway.UpdateMethodResponseInput{RestApiId: api.Id, ResourceId: res.Id, HttpMethod: aws.String("GET"), StatusCode: aws.String("200"),
		PatchOperations: []types.PatchOperation{patch(types.OpAdd, "/responseParameters/method.response.header.X-Id", "true"),
			patch(types.OpAdd, "/responseModels/application~1json", "Empty")}})
	if err != nil || !mr.ResponseParameters["method.response.header.X-Id"] || mr.ResponseModels["application/json"] != "Empty" {
		t.Fatalf("update method response: %v %+v", err, mr)
	}
	_, err = c.UpdateMethodResponse(ctx, &apigateway.UpdateMethodResponseInput{RestApiId: api.Id, ResourceId: res.Id, HttpMethod: aws.String("GET"), StatusCode: aws.String("200"),
		PatchOperations: []types.PatchOperation{patch(types.OpAdd, "/responseModels/text~1plain", "NoSuchModel")}})
	wantAPIError(t, err, "BadRequestException", "")
	if _, err := c.PutIntegrationResponse(ctx, &apigateway.PutIntegrationResponseInput{RestApiId: api.Id, ResourceId: res.Id, HttpMethod: aws.String("GET"), StatusCode: aws.String("200")}); err != nil {
		t.Fatal(err)
	}
	ir, err := c.UpdateIntegrationResponse(ctx, &apigateway.UpdateIntegrationResponseInput{RestApiId: api.Id, ResourceId: res.Id, HttpMethod: aws.String("GET"), StatusCode: aws.String("200"),
		PatchOperations: []types.PatchOperation{patch(types.OpReplace, "/selectionPattern", "2\\d{2}"),
			patch(types.OpAdd, "/responseTemplates/application~1json", `{"ok":true}`)}})
	if err != nil || *ir.SelectionPattern != `2\d{2}` || ir.ResponseTemplates["application/json"] != `{"ok":true}` {
		t.Fatalf("update integration response: %v %+v", err, ir)
	}

	// Method references: validator and models must exist; UpdateMethod
	// sets and removes them (Terraform changing request_validator_id).
	v, err := c.CreateRequestValidator(ctx, &apigateway.CreateRequestValidatorInput{RestApiId: api.Id, Name: aws.String("b"), ValidateRequestBody: true})
	if err != nil {
		t.Fatal(err)
	}
	um, err := c.UpdateMethod(ctx, &apigateway.UpdateMethodInput{RestApiId: api.Id, ResourceId: res.Id, HttpMethod: aws.String("GET"),
		PatchOperations: []types.PatchOperation{patch(types.OpReplace, "/requestValidatorId", *v.Id), patch(types.OpAdd, "/requestModels/application~1json", "Error")}})
	if err != nil || *um.RequestValidatorId != *v.Id || um.RequestModels["application/json"] != "Error" {
		t.Fatalf("update method: %v %+v", err, um)
	}
	_, err = c.UpdateMethod(ctx, &apigateway.UpdateMethodInput{RestApiId: api.Id, ResourceId: res.Id, HttpMethod: aws.String("GET"),
		PatchOperations: []types.PatchOperation{patch(types.OpReplace, "/requestValidatorId", "nope00")}})
	wantAPIError(t, err, "BadRequestException", "Invalid Request Validator identifier specified")
	_, err = c.PutMethod(ctx, &apigateway.PutMethodInput{RestApiId: api.Id, ResourceId: api.RootResourceId, HttpMethod: aws.String("POST"),
		AuthorizationType: aws.String("NONE"), RequestModels: map[string]string{"application/json": "Missing"}})
	wantAPIError(t, err, "BadRequestException", "Invalid model identifier specified: Missing")
	ig, err := c.UpdateIntegration(ctx, &apigateway.UpdateIntegrationInput{RestApiId: api.Id, ResourceId: res.Id, HttpMethod: aws.String("GET"),
		PatchOperations: []types.PatchOperation{patch(types.OpReplace, "/contentHandling", "CONVERT_TO_TEXT"), patch(types.OpAdd, "/cacheKeyParameters/method.request.path.id", "")}})
	if err != nil || ig.ContentHandling != types.ContentHandlingStrategyConvertToText || len(ig.CacheKeyParameters) != 1 {
		t.Fatalf("update integration: %v %+v", err, ig)
	}

	deps, err := c.GetDeployments(ctx, &apigateway.GetDeploymentsInput{RestApiId: api.Id})
	if err != nil || len(deps.Items) != 1 {
		t.Fatal(err)
	}
	d, err := c.UpdateDeployment(ctx, &apigateway.UpdateDeploymentInput{RestApiId: api.Id, DeploymentId: deps.Items[0].Id,
		PatchOperations: []types.PatchOperation{patch(types.OpReplace, "/description", "second")}})
	if err != nil || *d.Description != "second" {
		t.Fatalf("update deployment: %v %+v", err, d)
	}
	_, err = c.UpdateDeployment(ctx, &apigateway.UpdateDeploymentInput{RestApiId: api.Id, DeploymentId: deps.Items[0].Id,
		PatchOperations: []types.PatchOperation{patch(types.OpReplace, "/apiSummary", "x")}})
	wantAPIError(t, err, "BadRequestException", "")

	// Domain names: created by the operator (root of the default account).
	dn, err := c.CreateDomainName(ctx, &apigateway.CreateDomainNameInput{DomainName: aws.String("api.example.test"),
		RegionalCertificateArn: aws.String("arn:aws:acm:us-east-1:000000000000:certificate/a"), CertificateName: aws.String("first"),
		EndpointConfiguration: &types.EndpointConfiguration{Types: []types.EndpointType{types.EndpointTypeRegional}}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.GetDomainName(ctx, &apigateway.GetDomainNameInput{DomainName: dn.DomainName})
	if err != nil || *got.RegionalCertificateArn != "arn:aws:acm:us-east-1:000000000000:certificate/a" || *got.CertificateName != "first" {
		t.Fatalf("get domain: %v %+v", err, got)
	}
	upd, err := c.UpdateDomainName(ctx, &apigateway.UpdateDomainNameInput{DomainName: dn.DomainName, PatchOperations: []types.PatchOperation{
		patch(types.OpReplace, "/regionalCertificateArn", "arn:aws:acm:us-east-1:000000000000:certificate/b"),
		patch(types.OpReplace, "/securityPolicy", "TLS_1_2")}})
	if err != nil || *upd.RegionalCertificateArn != "arn:aws:acm:us-east-1:000000000000:certificate/b" || upd.SecurityPolicy != types.SecurityPolicyTls12 {
		t.Fatalf("update domain: %v %+v", err, upd)
	}
	_, err = c.UpdateDomainName(ctx, &apigateway.UpdateDomainNameInput{DomainName: dn.DomainName, PatchOperations: []types.PatchOperation{
		patch(types.OpReplace, "/securityPolicy", "TLS_0_9")}})
	wantAPIError(t, err, "ValidationException", "")

	if _, err := c.CreateBasePathMapping(ctx, &apigateway.CreateBasePathMappingInput{DomainName: dn.DomainName, RestApiId: api.Id, BasePath: aws.String("v1"), Stage: aws.String("dev")}); err != nil {
		t.Fatal(err)
	}
	_, err = c.CreateBasePathMapping(ctx, &apigateway.CreateBasePathMappingInput{DomainName: dn.DomainName, RestApiId: api.Id, BasePath: aws.String("/v2")})
	wantAPIError(t, err, "BadRequestException", "API Gateway V1 doesn't support the slash character (/) in base path mappings. To create a multi-level base path mapping, use API Gateway V2.")
	bp, err := c.GetBasePathMapping(ctx, &apigateway.GetBasePathMappingInput{DomainName: dn.DomainName, BasePath: aws.String("v1")})
	if err != nil || *bp.Stage != "dev" || *bp.RestApiId != *api.Id {
		t.Fatalf("get base path: %v %+v", err, bp)
	}
	bu, err := c.UpdateBasePathMapping(ctx, &apigateway.UpdateBasePathMappingInput{DomainName: dn.DomainName, BasePath: aws.String("v1"),
		PatchOperations: []types.PatchOperation{patch(types.OpReplace, "/basePath", "v2")}})
	if err != nil || *bu.BasePath != "v2" {
		t.Fatalf("update base path: %v %+v", err, bu)
	}
	_, err = c.GetBasePathMapping(ctx, &apigateway.GetBasePathMappingInput{DomainName: dn.DomainName, BasePath: aws.String("v1")})
	wantAPIError(t, err, "NotFoundException", "")
	_, err = c.UpdateBasePathMapping(ctx, &apigateway.UpdateBasePathMappingInput{DomainName: dn.DomainName, BasePath: aws.String("v2"),
		PatchOperations: []types.PatchOperation{patch(types.OpReplace, "/stage", "nosuchstage")}})
	wantAPIError(t, err, "NotFoundException", "")
}

// TestInputValidation: enumerated members answer ValidationException in
// AWS's wording; semantic checks BadRequestException.
func TestInputValidation(t *testing.T) {
	s := gatehousetest.Start(t)
	ctx := context.Background()
	c := client(s, "us-east-1", root)
	api, res := deployedAPI(t, c)
	for _, tc := range []struct {
		name string
		call func() error
		code string
		msg  string
	}{
		{"api key source", func() error {
			_, err := c.CreateRestApi(ctx, &apigateway.CreateRestApiInput{Name: aws.String("x"), ApiKeySource: "BODY"})
			return err
		}, "ValidationException", "1 validation error detected: Value 'BODY' at 'createRestApiInput.apiKeySource' failed to satisfy constraint: Member must satisfy enum value set: [AUTHORIZER, HEADER]"},
		{"endpoint type", func() error {
			_, err := c.CreateRestApi(ctx, &apigateway.CreateRestApiInput{Name: aws.String("x"), EndpointConfiguration: &types.EndpointConfiguration{Types: []types.EndpointType{"INVALID"}}})
			return err
		}, "ValidationException", "1 validation error detected: Value '[INVALID]' at 'createRestApiInput.endpointConfiguration.types' failed to satisfy constraint: Member must satisfy enum value set: [PRIVATE, EDGE, REGIONAL]"},
		{"endpoint type on update", func() error {
			_, err := c.UpdateRestApi(ctx, &apigateway.UpdateRestApiInput{RestApiId: api.Id, PatchOperations: []types.PatchOperation{patch(types.OpReplace, "/endpointConfiguration/types/EDGE", "MOON")}})
			return err
		}, "ValidationException", ""},
		{"api key source on update", func() error {
			_, err := c.UpdateRestApi(ctx, &apigateway.UpdateRestApiInput{RestApiId: api.Id, PatchOperations: []types.PatchOperation{patch(types.OpReplace, "/apiKeySource", "Wrong-value-AUTHORIZER")}})
			return err
		}, "ValidationException", "1 validation error detected: Value 'Wrong-value-AUTHORIZER' at 'createRestApiInput.apiKeySource' failed to satisfy constraint: Member must satisfy enum value set: [AUTHORIZER, HEADER]"},
		{"integration type", func() error {
			_, err := c.PutIntegration(ctx, &apigateway.PutIntegrationInput{RestApiId: api.Id, ResourceId: res.Id, HttpMethod: aws.String("GET"), Type: "FTP"})
			return err
		}, "ValidationException", "1 validation error detected: Value 'FTP' at 'putIntegrationInput.type' failed to satisfy constraint: Member must satisfy enum value set: [HTTP, AWS, MOCK, HTTP_PROXY, AWS_PROXY]"},
		{"integration connection type", func() error {
			_, err := c.PutIntegration(ctx, &apigateway.PutIntegrationInput{RestApiId: api.Id, ResourceId: res.Id, HttpMethod: aws.String("GET"), Type: types.IntegrationTypeMock, ConnectionType: "WIRE"})
			return err
		}, "ValidationException", ""},
		{"AWS_PROXY to S3", func() error {
			_, err := c.PutIntegration(ctx, &apigateway.PutIntegrationInput{RestApiId: api.Id, ResourceId: res.Id, HttpMethod: aws.String("GET"),
				Type: types.IntegrationTypeAwsProxy, IntegrationHttpMethod: aws.String("POST"), Uri: aws.String("arn:aws:apigateway:us-east-1:s3:path/bucket/key")})
			return err
		}, "BadRequestException", "Integrations of type 'AWS_PROXY' currently only supports Lambda function and Firehose stream invocations."},
		{"AWS without path or action", func() error {
			_, err := c.PutIntegration(ctx, &apigateway.PutIntegrationInput{RestApiId: api.Id, ResourceId: res.Id, HttpMethod: aws.String("GET"),
				Type: types.IntegrationTypeAws, IntegrationHttpMethod: aws.String("POST"), Uri: aws.String("arn:aws:apigateway:us-east-1:s3:bucket")})
			return err
		}, "BadRequestException", "AWS ARN for integration must contain path or action"},
		{"AWS with a role ARN as uri", func() error {
			_, err := c.PutIntegration(ctx, &apigateway.PutIntegrationInput{RestApiId: api.Id, ResourceId: res.Id, HttpMethod: aws.String("GET"),
				Type: types.IntegrationTypeAws, IntegrationHttpMethod: aws.String("POST"), Uri: aws.String("arn:aws:iam::000000000000:role/r")})
			return err
		}, "BadRequestException", "AWS ARN for integration must contain path or action"},
		{"AWS to S3 without a role", func() error {
			_, err := c.PutIntegration(ctx, &apigateway.PutIntegrationInput{RestApiId: api.Id, ResourceId: res.Id, HttpMethod: aws.String("GET"),
				Type: types.IntegrationTypeAws, IntegrationHttpMethod: aws.String("GET"), Uri: aws.String("arn:aws:apigateway:us-east-1:s3:path/bucket/key")})
			return err
		}, "BadRequestException", "Role ARN must be specified for AWS integrations"},
		{"role of another account", func() error {
			_, err := c.PutIntegration(ctx, &apigateway.PutIntegrationInput{RestApiId: api.Id, ResourceId: res.Id, HttpMethod: aws.String("GET"),
				Type: types.IntegrationTypeAwsProxy, IntegrationHttpMethod: aws.String("POST"), Uri: aws.String("arn:aws:apigateway:us-east-1:s3:path/bucket/key"),
				Credentials: aws.String("arn:aws:iam::111122223333:role/elsewhere")})
			return err
		}, "AccessDeniedException", "Cross-account pass role is not allowed."},
		{"domain endpoint type", func() error {
			_, err := c.CreateDomainName(ctx, &apigateway.CreateDomainNameInput{DomainName: aws.String("x.example.test"), EndpointConfiguration: &types.EndpointConfiguration{Types: []types.EndpointType{"NOPE"}}})
			return err
		}, "ValidationException", ""},
		{"model with a broken schema", func() error {
			_, err := c.CreateModel(ctx, &apigateway.CreateModelInput{RestApiId: api.Id, Name: aws.String("Bad"), ContentType: aws.String("application/json"), Schema: aws.String(`{"type": 7}`)})
			return err
		}, "BadRequestException", "Invalid model specified: Validation Result: warnings : [], errors : [Invalid model schema specified]"},
		{"model with a schema that is not JSON", func() error {
			_, err := c.CreateModel(ctx, &apigateway.CreateModelInput{RestApiId: api.Id, Name: aws.String("Bad"), ContentType: aws.String("application/json"), Schema: aws.String(`{`)})
			return err
		}, "BadRequestException", ""},
		{"model referring outside the API", func() error {
			_, err := c.CreateModel(ctx, &apigateway.CreateModelInput{RestApiId: api.Id, Name: aws.String("Bad"), ContentType: aws.String("application/json"), Schema: aws.String(`{"$ref":"https://example.com/schema"}`)})
			return err
		}, "BadRequestException", ""},
		{"model name not alphanumeric", func() error {
			_, err := c.CreateModel(ctx, &apigateway.CreateModelInput{RestApiId: api.Id, Name: aws.String("a-b"), ContentType: aws.String("application/json")})
			return err
		}, "BadRequestException", ""},
		{"existing model", func() error {
			_, err := c.CreateModel(ctx, &apigateway.CreateModelInput{RestApiId: api.Id, Name: aws.String("Empty"), ContentType: aws.String("application/json")})
			return err
		}, "ConflictException", ""},
	} {
		t.Run(tc.name, func(t *testing.T) { wantAPIError(t, tc.call(), tc.code, tc.msg) })
	}
}

// TestModelsValidatorsCertsLinksAccount: the CRUD of models, request
// validators, client certificates, VPC links and the account.
func TestModelsValidatorsCertsLinksAccount(t *testing.T) {
	s := gatehousetest.Start(t)
	ctx := context.Background()
	c := client(s, "us-east-1", root)
	api, res := deployedAPI(t, c)

	ms, err := c.GetModels(ctx, &apigateway.GetModelsInput{RestApiId: api.Id})
	if err != nil || len(ms.Items) != 2 || *ms.Items[0].Name != "Empty" || *ms.Items[1].Name != "Error" {
		t.Fatalf("default models: %v %+v", err, ms)
	}
	m, err := c.CreateModel(ctx, &apigateway.CreateModelInput{RestApiId: api.Id, Name: aws.String("Pet"), ContentType: aws.String("application/json"),
		Schema: aws.String(`{"type":"object","properties":{"name":{"type":"string"},"age":{"type":"integer"},"tags":{"type":"array","items":{"type":"string"}}}}`)})
	if err != nil || len(*m.Id) == 0 {
		t.Fatal(err)
	}
	tpl, err := c.GetModelTemplate(ctx, &apigateway.GetModelTemplateInput{RestApiId: api.Id, ModelName: aws.String("Pet")})
	want := "#set($inputRoot = $input.path('$'))\n{\n  \"age\" : $inputRoot.age,\n  \"name\" : \"$inputRoot.name\",\n  \"tags\" : [\n  #foreach($elem1 in $inputRoot.tags)\n    \"$elem1\"#if($foreach.hasNext),#end\n  #end\n  ]\n}"
	if err != nil || *tpl.Value != want {
		t.Fatalf("template: %v\n%s", err, aws.ToString(tpl.Value))
	}
	um, err := c.UpdateModel(ctx, &apigateway.UpdateModelInput{RestApiId: api.Id, ModelName: aws.String("Pet"),
		PatchOperations: []types.PatchOperation{patch(types.OpReplace, "/description", "a pet")}})
	if err != nil || *um.Description != "a pet" {
		t.Fatal(err)
	}
	if _, err := c.UpdateMethod(ctx, &apigateway.UpdateMethodInput{RestApiId: api.Id, ResourceId: res.Id, HttpMethod: aws.String("GET")}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetModel(ctx, &apigateway.GetModelInput{RestApiId: api.Id, ModelName: aws.String("Nope")})
	wantAPIError(t, err, "NotFoundException", "Invalid model name specified: Nope")
	if _, err := c.DeleteModel(ctx, &apigateway.DeleteModelInput{RestApiId: api.Id, ModelName: aws.String("Pet")}); err != nil {
		t.Fatal(err)
	}

	v, err := c.CreateRequestValidator(ctx, &apigateway.CreateRequestValidatorInput{RestApiId: api.Id, Name: aws.String("body"), ValidateRequestBody: true})
	if err != nil {
		t.Fatal(err)
	}
	uv, err := c.UpdateRequestValidator(ctx, &apigateway.UpdateRequestValidatorInput{RestApiId: api.Id, RequestValidatorId: v.Id,
		PatchOperations: []types.PatchOperation{patch(types.OpReplace, "/validateRequestParameters", "true"), patch(types.OpReplace, "/name", "both")}})
	if err != nil || !uv.ValidateRequestParameters || !uv.ValidateRequestBody || *uv.Name != "both" {
		t.Fatalf("update validator: %v %+v", err, uv)
	}
	vs, err := c.GetRequestValidators(ctx, &apigateway.GetRequestValidatorsInput{RestApiId: api.Id})
	if err != nil || len(vs.Items) != 1 {
		t.Fatal(err)
	}
	if _, err := c.DeleteRequestValidator(ctx, &apigateway.DeleteRequestValidatorInput{RestApiId: api.Id, RequestValidatorId: v.Id}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetRequestValidator(ctx, &apigateway.GetRequestValidatorInput{RestApiId: api.Id, RequestValidatorId: v.Id})
	wantAPIError(t, err, "NotFoundException", "Invalid Request Validator identifier specified")

	cert, err := c.GenerateClientCertificate(ctx, &apigateway.GenerateClientCertificateInput{Description: aws.String("d")})
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode([]byte(*cert.PemEncodedCertificate))
	x, err := x509.ParseCertificate(blk.Bytes)
	if err != nil || x.Subject.CommonName != *cert.ClientCertificateId || cert.ExpirationDate.Sub(*cert.CreatedDate).Hours() != 365*24 {
		t.Fatalf("certificate: %v %+v", err, x)
	}
	if _, err := c.UpdateStage(ctx, &apigateway.UpdateStageInput{RestApiId: api.Id, StageName: aws.String("dev"),
		PatchOperations: []types.PatchOperation{patch(types.OpReplace, "/clientCertificateId", *cert.ClientCertificateId)}}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DeleteClientCertificate(ctx, &apigateway.DeleteClientCertificateInput{ClientCertificateId: cert.ClientCertificateId})
	wantAPIError(t, err, "BadRequestException", "")
	if _, err := c.UpdateStage(ctx, &apigateway.UpdateStageInput{RestApiId: api.Id, StageName: aws.String("dev"),
		PatchOperations: []types.PatchOperation{patch(types.OpRemove, "/clientCertificateId", "")}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteClientCertificate(ctx, &apigateway.DeleteClientCertificateInput{ClientCertificateId: cert.ClientCertificateId}); err != nil {
		t.Fatal(err)
	}
	certs, err := c.GetClientCertificates(ctx, &apigateway.GetClientCertificatesInput{})
	if err != nil || len(certs.Items) != 0 {
		t.Fatalf("certs: %v %+v", err, certs)
	}

	link, err := c.CreateVpcLink(ctx, &apigateway.CreateVpcLinkInput{Name: aws.String("l"),
		TargetArns: []string{"arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer/net/nlb/1"}})
	if err != nil || link.Status != types.VpcLinkStatusAvailable {
		t.Fatalf("vpc link: %v %+v", err, link)
	}
	// Not a load balancer: accepted, and the link is FAILED (AWS sets
	// links up asynchronously).
	bad, err := c.CreateVpcLink(ctx, &apigateway.CreateVpcLinkInput{Name: aws.String("l"), TargetArns: []string{"arn:aws:s3:::bucket"}})
	if err != nil || bad.Status != types.VpcLinkStatusFailed || aws.ToString(bad.StatusMessage) == "" {
		t.Fatalf("vpc link to a bucket: %v %+v", err, bad)
	}
	_, err = c.CreateVpcLink(ctx, &apigateway.CreateVpcLinkInput{Name: aws.String("l"), TargetArns: []string{"a", "b"}})
	wantAPIError(t, err, "BadRequestException", "")
	if _, err := c.DeleteVpcLink(ctx, &apigateway.DeleteVpcLinkInput{VpcLinkId: link.Id}); err != nil {
		t.Fatal(err)
	}

	acct, err := c.GetAccount(ctx, &apigateway.GetAccountInput{})
	if err != nil || acct.ThrottleSettings.BurstLimit != 5000 || acct.ThrottleSettings.RateLimit != 10000 {
		t.Fatalf("account: %v %+v", err, acct)
	}
	acct2, err := c.UpdateAccount(ctx, &apigateway.UpdateAccountInput{PatchOperations: []types.PatchOperation{
		patch(types.OpReplace, "/cloudwatchRoleArn", "arn:aws:iam::000000000000:role/logs")}})
	if err != nil || *acct2.CloudwatchRoleArn != "arn:aws:iam::000000000000:role/logs" {
		t.Fatalf("update account: %v %+v", err, acct2)
	}
	if acct, _ = c.GetAccount(ctx, &apigateway.GetAccountInput{}); *acct.CloudwatchRoleArn != "arn:aws:iam::000000000000:role/logs" {
		t.Fatal("account role not kept")
	}
	if _, err := c.FlushStageCache(ctx, &apigateway.FlushStageCacheInput{RestApiId: api.Id, StageName: aws.String("dev")}); err != nil {
		t.Fatal(err)
	}
	_, err = c.FlushStageCache(ctx, &apigateway.FlushStageCacheInput{RestApiId: api.Id, StageName: aws.String("nope")})
	wantAPIError(t, err, "NotFoundException", "")
}

// TestDomainNameAccessAssociations: associations with private custom
// domain names are stored, listed, refused for other domains, deleted.
func TestDomainNameAccessAssociations(t *testing.T) {
	s := gatehousetest.Start(t)
	ctx := context.Background()
	c := client(s, "us-east-1", root)
	if _, err := c.CreateDomainName(ctx, &apigateway.CreateDomainNameInput{DomainName: aws.String("private.example.test"),
		EndpointConfiguration: &types.EndpointConfiguration{Types: []types.EndpointType{types.EndpointTypePrivate}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateDomainName(ctx, &apigateway.CreateDomainNameInput{DomainName: aws.String("public.example.test"),
		EndpointConfiguration: &types.EndpointConfiguration{Types: []types.EndpointType{types.EndpointTypeRegional}}}); err != nil {
		t.Fatal(err)
	}
	dn := "arn:aws:apigateway:us-east-1:000000000000:/domainnames/private.example.test+abc123"
	a, err := c.CreateDomainNameAccessAssociation(ctx, &apigateway.CreateDomainNameAccessAssociationInput{DomainNameArn: aws.String(dn),
		AccessAssociationSourceType: types.AccessAssociationSourceTypeVpce, AccessAssociationSource: aws.String("vpce-0123456789abcdef0")})
	if err != nil || *a.DomainNameAccessAssociationArn != "arn:aws:apigateway:us-east-1:000000000000:/domainnameaccessassociations/domainname/private.example.test/vpcesource/vpce-0123456789abcdef0" {
		t.Fatalf("create: %v %+v", err, a)
	}
	for _, bad := range []struct {
		in   apigateway.CreateDomainNameAccessAssociationInput
		code string
	}{
		{apigateway.CreateDomainNameAccessAssociationInput{DomainNameArn: aws.String(dn), AccessAssociationSourceType: types.AccessAssociationSourceTypeVpce, AccessAssociationSource: aws.String("vpce-0123456789abcdef0")}, "ConflictException"},
		{apigateway.CreateDomainNameAccessAssociationInput{DomainNameArn: aws.String(dn), AccessAssociationSourceType: "VPC", AccessAssociationSource: aws.String("vpce-0123456789abcdef0")}, "ValidationException"},
		{apigateway.CreateDomainNameAccessAssociationInput{DomainNameArn: aws.String(dn), AccessAssociationSourceType: types.AccessAssociationSourceTypeVpce, AccessAssociationSource: aws.String("vpc-1")}, "BadRequestException"},
		{apigateway.CreateDomainNameAccessAssociationInput{DomainNameArn: aws.String("arn:aws:apigateway:us-east-1:000000000000:/domainnames/public.example.test"), AccessAssociationSourceType: types.AccessAssociationSourceTypeVpce, AccessAssociationSource: aws.String("vpce-0123456789abcdef1")}, "BadRequestException"},
		{apigateway.CreateDomainNameAccessAssociationInput{DomainNameArn: aws.String("arn:aws:apigateway:us-east-1:000000000000:/domainnames/none.example.test"), AccessAssociationSourceType: types.AccessAssociationSourceTypeVpce, AccessAssociationSource: aws.String("vpce-0123456789abcdef1")}, "NotFoundException"},
	} {
		_, err := c.CreateDomainNameAccessAssociation(ctx, &bad.in)
		wantAPIError(t, err, bad.code, "")
	}
	list, err := c.GetDomainNameAccessAssociations(ctx, &apigateway.GetDomainNameAccessAssociationsInput{})
	if err != nil || len(list.Items) != 1 {
		t.Fatalf("list: %v %+v", err, list)
	}
	other, err := c.GetDomainNameAccessAssociations(ctx, &apigateway.GetDomainNameAccessAssociationsInput{ResourceOwner: types.ResourceOwnerOtherAccounts})
	if err != nil || len(other.Items) != 0 {
		t.Fatalf("other accounts: %v %+v", err, other)
	}
	// The account that made it deletes it; the domain name's owner
	// rejects one (here the same account).
	if _, err := c.DeleteDomainNameAccessAssociation(ctx, &apigateway.DeleteDomainNameAccessAssociationInput{DomainNameAccessAssociationArn: a.DomainNameAccessAssociationArn}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DeleteDomainNameAccessAssociation(ctx, &apigateway.DeleteDomainNameAccessAssociationInput{DomainNameAccessAssociationArn: a.DomainNameAccessAssociationArn})
	wantAPIError(t, err, "NotFoundException", "")
	a, err = c.CreateDomainNameAccessAssociation(ctx, &apigateway.CreateDomainNameAccessAssociationInput{DomainNameArn: aws.String(dn),
		AccessAssociationSourceType: types.AccessAssociationSourceTypeVpce, AccessAssociationSource: aws.String("vpce-0123456789abcdef0")})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.RejectDomainNameAccessAssociation(ctx, &apigateway.RejectDomainNameAccessAssociationInput{DomainNameAccessAssociationArn: a.DomainNameAccessAssociationArn,
		DomainNameArn: aws.String("arn:aws:apigateway:us-east-1:000000000000:/domainnames/other.example.test")})
	wantAPIError(t, err, "NotFoundException", "")
	if _, err := c.RejectDomainNameAccessAssociation(ctx, &apigateway.RejectDomainNameAccessAssociationInput{DomainNameAccessAssociationArn: a.DomainNameAccessAssociationArn, DomainNameArn: aws.String(dn)}); err != nil {
		t.Fatal(err)
	}
	if list, _ := c.GetDomainNameAccessAssociations(ctx, &apigateway.GetDomainNameAccessAssociationsInput{}); len(list.Items) != 0 {
		t.Fatalf("after reject: %+v", list.Items)
	}
}

// TestTaggingAuthorization: TagResource is apigateway:PUT on
// arn:aws:apigateway:REGION::/tags/<escaped ARN>, sees the request's tags
// (aws:RequestTag, aws:TagKeys) and the target's own tags
// (aws:ResourceTag), so a team can be limited to tagging what it owns.
func TestTaggingAuthorization(t *testing.T) {
	s := gatehousetest.Start(t)
	ctx := context.Background()
	c := client(s, "us-east-1", root)
	iamc := awsiam.New(awsiam.Options{Region: "us-east-1", BaseEndpoint: aws.String(s.URL),
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) { return root, nil })})
	if _, err := iamc.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("team")}); err != nil {
		t.Fatal(err)
	}
	k, err := iamc.CreateAccessKey(ctx, &awsiam.CreateAccessKeyInput{UserName: aws.String("team")})
	if err != nil {
		t.Fatal(err)
	}
	pol := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["apigateway:PUT","apigateway:GET"],
	  "Resource":"arn:aws:apigateway:us-east-1::/tags/*",
	  "Condition":{"StringEquals":{"aws:ResourceTag/team":"blue"},"ForAllValues:StringEquals":{"aws:TagKeys":["env"]}}}]}`
	if _, err := iamc.PutUserPolicy(ctx, &awsiam.PutUserPolicyInput{UserName: aws.String("team"), PolicyName: aws.String("tag"), PolicyDocument: aws.String(pol)}); err != nil {
		t.Fatal(err)
	}
	team := client(s, "us-east-1", aws.Credentials{AccessKeyID: *k.AccessKey.AccessKeyId, SecretAccessKey: *k.AccessKey.SecretAccessKey})
	blue, err := c.CreateVpcLink(ctx, &apigateway.CreateVpcLinkInput{Name: aws.String("blue"), Tags: map[string]string{"team": "blue"},
		TargetArns: []string{"arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer/net/a/1"}})
	if err != nil {
		t.Fatal(err)
	}
	red, err := c.CreateRestApi(ctx, &apigateway.CreateRestApiInput{Name: aws.String("red"), Tags: map[string]string{"team": "red"}})
	if err != nil {
		t.Fatal(err)
	}
	blueARN := "arn:aws:apigateway:us-east-1::/vpclinks/" + *blue.Id
	if _, err := team.TagResource(ctx, &apigateway.TagResourceInput{ResourceArn: aws.String(blueARN), Tags: map[string]string{"env": "prod"}}); err != nil {
		t.Fatalf("own resource: %v", err)
	}
	_, err = team.TagResource(ctx, &apigateway.TagResourceInput{ResourceArn: aws.String(blueARN), Tags: map[string]string{"team": "red"}})
	wantAPIError(t, err, "AccessDeniedException", "")
	_, err = team.TagResource(ctx, &apigateway.TagResourceInput{ResourceArn: aws.String("arn:aws:apigateway:us-east-1::/restapis/" + *red.Id), Tags: map[string]string{"env": "prod"}})
	wantAPIError(t, err, "AccessDeniedException", "User: arn:aws:iam::000000000000:user/team is not authorized to perform: apigateway:PUT on resource: arn:aws:apigateway:us-east-1::/tags/arn%3Aaws%3Aapigateway%3Aus-east-1%3A%3A%2Frestapis%2F"+*red.Id+" because no identity-based policy allows the apigateway:PUT action")
	if o, err := team.GetTags(ctx, &apigateway.GetTagsInput{ResourceArn: aws.String(blueARN)}); err != nil || o.Tags["env"] != "prod" {
		t.Fatalf("get tags: %v %+v", err, o)
	}
}
