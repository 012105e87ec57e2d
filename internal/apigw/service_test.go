package apigw_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/aws/aws-sdk-go-v2/service/apigateway/types"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/smithy-go"

	"github.com/gatehouse-dev/gatehouse/internal/gatehousetest"
)

func client(s *gatehousetest.Server, region string, c aws.Credentials) *apigateway.Client {
	return apigateway.New(apigateway.Options{Region: region, BaseEndpoint: aws.String(s.URL),
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) { return c, nil })})
}

var root = aws.Credentials{AccessKeyID: gatehousetest.AccessKeyID, SecretAccessKey: gatehousetest.SecretAccessKey}

func wantAPIError(t *testing.T, err error, code, msg string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("err = %v, want %s", err, code)
	}
	if ae.ErrorCode() != code || msg != "" && ae.ErrorMessage() != msg {
		t.Fatalf("got %s %q, want %s %q", ae.ErrorCode(), ae.ErrorMessage(), code, msg)
	}
}

func TestControlPlane(t *testing.T) {
	s := gatehousetest.Start(t)
	ctx := context.Background()
	c := client(s, "us-east-1", root)

	api, err := c.CreateRestApi(ctx, &apigateway.CreateRestApiInput{Name: aws.String("pets"), Description: aws.String("d")})
	if err != nil {
		t.Fatal(err)
	}
	if len(*api.Id) != 10 || strings.ToLower(*api.Id) != *api.Id || api.RootResourceId == nil || api.CreatedDate == nil {
		t.Fatalf("api %+v", api)
	}
	id := api.Id

	// APIs live in the region of the creating call.
	if _, err := client(s, "eu-west-1", root).GetRestApi(ctx, &apigateway.GetRestApiInput{RestApiId: id}); err == nil {
		t.Fatal("API visible from another region")
	} else {
		wantAPIError(t, err, "NotFoundException", "Invalid API identifier specified 000000000000:"+*id)
	}

	pets, err := c.CreateResource(ctx, &apigateway.CreateResourceInput{RestApiId: id, ParentId: api.RootResourceId, PathPart: aws.String("pets")})
	if err != nil || *pets.Path != "/pets" {
		t.Fatalf("create resource: %v %+v", err, pets)
	}
	_, err = c.CreateResource(ctx, &apigateway.CreateResourceInput{RestApiId: id, ParentId: api.RootResourceId, PathPart: aws.String("pets")})
	wantAPIError(t, err, "ConflictException", "Another resource with the same parent already has this name: pets")
	proxy, err := c.CreateResource(ctx, &apigateway.CreateResourceInput{RestApiId: id, ParentId: pets.Id, PathPart: aws.String("{proxy+}")})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.CreateResource(ctx, &apigateway.CreateResourceInput{RestApiId: id, ParentId: proxy.Id, PathPart: aws.String("x")})
	wantAPIError(t, err, "BadRequestException", "")
	_, err = c.CreateResource(ctx, &apigateway.CreateResourceInput{RestApiId: id, ParentId: pets.Id, PathPart: aws.String("a b")})
	wantAPIError(t, err, "BadRequestException", "")

	// A deployment needs methods.
	_, err = c.CreateDeployment(ctx, &apigateway.CreateDeploymentInput{RestApiId: id, StageName: aws.String("dev")})
	wantAPIError(t, err, "BadRequestException", "The REST API doesn't contain any methods")

	m, err := c.PutMethod(ctx, &apigateway.PutMethodInput{RestApiId: id, ResourceId: pets.Id, HttpMethod: aws.String("GET"), AuthorizationType: aws.String("AWS_IAM")})
	if err != nil || *m.AuthorizationType != "AWS_IAM" {
		t.Fatalf("put method: %v", err)
	}
	_, err = c.PutMethod(ctx, &apigateway.PutMethodInput{RestApiId: id, ResourceId: pets.Id, HttpMethod: aws.String("GET"), AuthorizationType: aws.String("NONE")})
	wantAPIError(t, err, "ConflictException", "Method already exists for this resource")
	_, err = c.GetMethod(ctx, &apigateway.GetMethodInput{RestApiId: id, ResourceId: pets.Id, HttpMethod: aws.String("POST")})
	wantAPIError(t, err, "NotFoundException", "Invalid Method identifier specified")
	_, err = c.CreateDeployment(ctx, &apigateway.CreateDeploymentInput{RestApiId: id, StageName: aws.String("dev")})
	wantAPIError(t, err, "BadRequestException", "No integration defined for method")

	in, err := c.PutIntegration(ctx, &apigateway.PutIntegrationInput{RestApiId: id, ResourceId: pets.Id, HttpMethod: aws.String("GET"),
		Type: types.IntegrationTypeHttpProxy, IntegrationHttpMethod: aws.String("GET"), Uri: aws.String("http://127.0.0.1:9/pets")})
	if err != nil || in.TimeoutInMillis != 29000 || in.PassthroughBehavior == nil {
		t.Fatalf("put integration: %v %+v", err, in)
	}
	got, err := c.GetIntegration(ctx, &apigateway.GetIntegrationInput{RestApiId: id, ResourceId: pets.Id, HttpMethod: aws.String("GET")})
	if err != nil || *got.Uri != "http://127.0.0.1:9/pets" {
		t.Fatalf("get integration: %v", err)
	}
	d, err := c.CreateDeployment(ctx, &apigateway.CreateDeploymentInput{RestApiId: id, StageName: aws.String("dev"), Variables: map[string]string{"v": "1"}})
	if err != nil {
		t.Fatal(err)
	}
	st, err := c.GetStage(ctx, &apigateway.GetStageInput{RestApiId: id, StageName: aws.String("dev")})
	if err != nil || *st.DeploymentId != *d.Id || st.Variables["v"] != "1" {
		t.Fatalf("stage %v %+v", err, st)
	}
	_, err = c.CreateStage(ctx, &apigateway.CreateStageInput{RestApiId: id, StageName: aws.String("dev"), DeploymentId: d.Id})
	wantAPIError(t, err, "ConflictException", "Stage already exists")
	if _, err := c.CreateStage(ctx, &apigateway.CreateStageInput{RestApiId: id, StageName: aws.String("prod"), DeploymentId: d.Id}); err != nil {
		t.Fatal(err)
	}
	stages, err := c.GetStages(ctx, &apigateway.GetStagesInput{RestApiId: id})
	if err != nil || len(stages.Item) != 2 {
		t.Fatalf("stages %v %d", err, len(stages.Item))
	}
	us, err := c.UpdateStage(ctx, &apigateway.UpdateStageInput{RestApiId: id, StageName: aws.String("prod"), PatchOperations: []types.PatchOperation{
		{Op: types.OpReplace, Path: aws.String("/*/*/throttling/rateLimit"), Value: aws.String("5")},
		{Op: types.OpReplace, Path: aws.String("/variables/x"), Value: aws.String("y")}}})
	if err != nil || us.MethodSettings["*/*"].ThrottlingRateLimit != 5 || us.Variables["x"] != "y" {
		t.Fatalf("update stage %v %+v", err, us)
	}
	deps, err := c.GetDeployments(ctx, &apigateway.GetDeploymentsInput{RestApiId: id})
	if err != nil || len(deps.Items) != 1 {
		t.Fatalf("deployments %v", err)
	}
	exp, err := c.GetExport(ctx, &apigateway.GetExportInput{RestApiId: id, StageName: aws.String("dev"), ExportType: aws.String("oas30"),
		Parameters: map[string]string{"extensions": "integrations"}, Accepts: aws.String("application/json")})
	if err != nil || !strings.Contains(string(exp.Body), `"x-amazon-apigateway-authtype": "awsSigv4"`) || !strings.Contains(string(exp.Body), `"uri": "http://127.0.0.1:9/pets"`) {
		t.Fatalf("export %v %s", err, exp.Body)
	}
	if _, err := c.DeleteStage(ctx, &apigateway.DeleteStageInput{RestApiId: id, StageName: aws.String("prod")}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetStage(ctx, &apigateway.GetStageInput{RestApiId: id, StageName: aws.String("prod")})
	wantAPIError(t, err, "NotFoundException", "Invalid stage identifier specified")
	if _, err := c.DeleteResource(ctx, &apigateway.DeleteResourceInput{RestApiId: id, ResourceId: proxy.Id}); err != nil {
		t.Fatal(err)
	}
	res, err := c.GetResources(ctx, &apigateway.GetResourcesInput{RestApiId: id, Embed: []string{"methods"}})
	if err != nil || len(res.Items) != 2 || res.Items[1].ResourceMethods["GET"].MethodIntegration == nil {
		t.Fatalf("resources %v %+v", err, res)
	}
	if _, err := c.DeleteRestApi(ctx, &apigateway.DeleteRestApiInput{RestApiId: id}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetRestApi(ctx, &apigateway.GetRestApiInput{RestApiId: id})
	wantAPIError(t, err, "NotFoundException", "")
}

func TestImportPutAndPolicy(t *testing.T) {
	s := gatehousetest.Start(t)
	ctx := context.Background()
	c := client(s, "us-east-1", root)
	body, _ := os.ReadFile("testdata/terraform.json")

	_, err := c.ImportRestApi(ctx, &apigateway.ImportRestApiInput{Body: body, FailOnWarnings: true})
	wantAPIError(t, err, "BadRequestException", "Warnings found during import:\n\tUnsupported integration property payloadFormatVersion on GET /path1 was ignored (HTTP APIs only)")

	api, err := c.ImportRestApi(ctx, &apigateway.ImportRestApiInput{Body: body, Parameters: map[string]string{"endpointConfigurationTypes": "REGIONAL"}})
	if err != nil || *api.Name != "SigV4 verification" || len(api.Warnings) != 1 || api.EndpointConfiguration.Types[0] != "REGIONAL" {
		t.Fatalf("import %v %+v", err, api)
	}
	yaml, _ := os.ReadFile("testdata/swagger.yaml")
	merged, err := c.PutRestApi(ctx, &apigateway.PutRestApiInput{RestApiId: api.Id, Body: yaml, Mode: types.PutModeMerge})
	if err != nil {
		t.Fatal(err)
	}
	res, _ := c.GetResources(ctx, &apigateway.GetResourcesInput{RestApiId: api.Id})
	paths := map[string]bool{}
	for _, r := range res.Items {
		paths[*r.Path] = true
	}
	if !paths["/path1"] || !paths["/user/{id}"] {
		t.Errorf("merge lost paths: %v", paths)
	}
	// Imported from YAML through kin-openapi's extension map: members come
	// back sorted; the shorthand resource is expanded.
	want := `{"Statement":[{"Action":"execute-api:Invoke","Effect":"Allow","Principal":"*","Resource":"arn:aws:execute-api:us-east-1:000000000000:` + *api.Id + `/*"}],"Version":"2012-10-17"}`
	if got := strings.ReplaceAll(strings.ReplaceAll(*merged.Policy, `\"`, `"`), `\/`, `/`); got != want {
		t.Errorf("policy\n got %s\nwant %s", got, want)
	}
	if _, err := c.PutRestApi(ctx, &apigateway.PutRestApiInput{RestApiId: api.Id, Body: body, Mode: types.PutModeOverwrite}); err != nil {
		t.Fatal(err)
	}
	res, _ = c.GetResources(ctx, &apigateway.GetResourcesInput{RestApiId: api.Id})
	if len(res.Items) != 2 {
		t.Errorf("overwrite kept %d resources", len(res.Items))
	}
	_, err = c.UpdateRestApi(ctx, &apigateway.UpdateRestApiInput{RestApiId: api.Id, PatchOperations: []types.PatchOperation{
		{Op: types.OpReplace, Path: aws.String("/policy"), Value: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Nope"}]}`)}}})
	wantAPIError(t, err, "BadRequestException", "Invalid policy document. Please check the policy syntax and try again.")
}

func TestControlPlaneAuthorization(t *testing.T) {
	s := gatehousetest.Start(t)
	ctx := context.Background()
	iamc := awsiam.New(awsiam.Options{Region: "us-east-1", BaseEndpoint: aws.String(s.URL),
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) { return root, nil })})
	if _, err := iamc.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("dev")}); err != nil {
		t.Fatal(err)
	}
	k, err := iamc.CreateAccessKey(ctx, &awsiam.CreateAccessKeyInput{UserName: aws.String("dev")})
	if err != nil {
		t.Fatal(err)
	}
	dev := client(s, "us-east-1", aws.Credentials{AccessKeyID: *k.AccessKey.AccessKeyId, SecretAccessKey: *k.AccessKey.SecretAccessKey})
	_, err = dev.GetRestApis(ctx, &apigateway.GetRestApisInput{})
	wantAPIError(t, err, "AccessDeniedException", "User: arn:aws:iam::000000000000:user/dev is not authorized to perform: apigateway:GET on resource: arn:aws:apigateway:us-east-1::/restapis because no identity-based policy allows the apigateway:GET action")
	if _, err := iamc.PutUserPolicy(ctx, &awsiam.PutUserPolicyInput{UserName: aws.String("dev"), PolicyName: aws.String("read"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"apigateway:GET","Resource":"arn:aws:apigateway:*::/restapis*"}]}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := dev.GetRestApis(ctx, &apigateway.GetRestApisInput{}); err != nil {
		t.Fatal(err)
	}
	_, err = dev.CreateRestApi(ctx, &apigateway.CreateRestApiInput{Name: aws.String("x")})
	wantAPIError(t, err, "AccessDeniedException", "")
}

// TestMethodAndIntegrationResponses covers put/get/delete of method and
// integration responses, which share one implementation.
func TestMethodAndIntegrationResponses(t *testing.T) {
	s := gatehousetest.Start(t)
	ctx := context.Background()
	c := client(s, "us-east-1", root)
	api, err := c.CreateRestApi(ctx, &apigateway.CreateRestApiInput{Name: aws.String("r")})
	if err != nil {
		t.Fatal(err)
	}
	res := api.RootResourceId
	if _, err := c.PutMethod(ctx, &apigateway.PutMethodInput{RestApiId: api.Id, ResourceId: res, HttpMethod: aws.String("GET"), AuthorizationType: aws.String("NONE")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutIntegration(ctx, &apigateway.PutIntegrationInput{RestApiId: api.Id, ResourceId: res, HttpMethod: aws.String("GET"), Type: types.IntegrationTypeMock,
		RequestTemplates: map[string]string{"application/json": `{"statusCode": 200}`}}); err != nil {
		t.Fatal(err)
	}
	code := aws.String("200")
	if _, err := c.PutMethodResponse(ctx, &apigateway.PutMethodResponseInput{RestApiId: api.Id, ResourceId: res, HttpMethod: aws.String("GET"), StatusCode: code}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutIntegrationResponse(ctx, &apigateway.PutIntegrationResponseInput{RestApiId: api.Id, ResourceId: res, HttpMethod: aws.String("GET"), StatusCode: code,
		ResponseTemplates: map[string]string{"application/json": `{"ok":true}`}}); err != nil {
		t.Fatal(err)
	}
	mr, err := c.GetMethodResponse(ctx, &apigateway.GetMethodResponseInput{RestApiId: api.Id, ResourceId: res, HttpMethod: aws.String("GET"), StatusCode: code})
	if err != nil || aws.ToString(mr.StatusCode) != "200" {
		t.Fatalf("get method response: %v %+v", err, mr)
	}
	ir, err := c.GetIntegrationResponse(ctx, &apigateway.GetIntegrationResponseInput{RestApiId: api.Id, ResourceId: res, HttpMethod: aws.String("GET"), StatusCode: code})
	if err != nil || aws.ToString(ir.StatusCode) != "200" || ir.ResponseTemplates["application/json"] != `{"ok":true}` {
		t.Fatalf("get integration response: %v %+v", err, ir)
	}
	if _, err := c.DeleteIntegrationResponse(ctx, &apigateway.DeleteIntegrationResponseInput{RestApiId: api.Id, ResourceId: res, HttpMethod: aws.String("GET"), StatusCode: code}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetIntegrationResponse(ctx, &apigateway.GetIntegrationResponseInput{RestApiId: api.Id, ResourceId: res, HttpMethod: aws.String("GET"), StatusCode: code})
	wantAPIError(t, err, "NotFoundException", "Invalid Response status code specified")
	_, err = c.DeleteIntegrationResponse(ctx, &apigateway.DeleteIntegrationResponseInput{RestApiId: api.Id, ResourceId: res, HttpMethod: aws.String("GET"), StatusCode: code})
	wantAPIError(t, err, "NotFoundException", "Invalid Response status code specified")
	// The method response is untouched by the integration response's deletion.
	if _, err := c.GetMethodResponse(ctx, &apigateway.GetMethodResponseInput{RestApiId: api.Id, ResourceId: res, HttpMethod: aws.String("GET"), StatusCode: code}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteMethodResponse(ctx, &apigateway.DeleteMethodResponseInput{RestApiId: api.Id, ResourceId: res, HttpMethod: aws.String("GET"), StatusCode: code}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetMethodResponse(ctx, &apigateway.GetMethodResponseInput{RestApiId: api.Id, ResourceId: res, HttpMethod: aws.String("GET"), StatusCode: code})
	wantAPIError(t, err, "NotFoundException", "Invalid Response status code specified")
}

// PutMethod and UpdateMethod take authorizationType in any case and store
// the canonical form, so the data plane reads "aws_iam" as AWS_IAM.
func TestMethodAuthorizationTypeCase(t *testing.T) {
	s := gatehousetest.Start(t)
	ctx := context.Background()
	c := client(s, "us-east-1", root)
	api, err := c.CreateRestApi(ctx, &apigateway.CreateRestApiInput{Name: aws.String("case")})
	if err != nil {
		t.Fatal(err)
	}
	res := api.RootResourceId
	if _, err := c.PutMethod(ctx, &apigateway.PutMethodInput{RestApiId: api.Id, ResourceId: res, HttpMethod: aws.String("GET"), AuthorizationType: aws.String("none")}); err != nil {
		t.Fatal(err)
	}
	m, err := c.GetMethod(ctx, &apigateway.GetMethodInput{RestApiId: api.Id, ResourceId: res, HttpMethod: aws.String("GET")})
	if err != nil || aws.ToString(m.AuthorizationType) != "NONE" {
		t.Fatalf("get method: %v %v", err, aws.ToString(m.AuthorizationType))
	}
	u, err := c.UpdateMethod(ctx, &apigateway.UpdateMethodInput{RestApiId: api.Id, ResourceId: res, HttpMethod: aws.String("GET"),
		PatchOperations: []types.PatchOperation{{Op: types.OpReplace, Path: aws.String("/authorizationType"), Value: aws.String("aws_iam")}}})
	if err != nil || aws.ToString(u.AuthorizationType) != "AWS_IAM" {
		t.Fatalf("update method: %v %v", err, aws.ToString(u.AuthorizationType))
	}
	_, err = c.PutMethod(ctx, &apigateway.PutMethodInput{RestApiId: api.Id, ResourceId: res, HttpMethod: aws.String("POST"), AuthorizationType: aws.String("open")})
	wantAPIError(t, err, "BadRequestException", "Invalid authorization type specified. Valid options are NONE,AWS_IAM,CUSTOM,COGNITO_USER_POOLS")
}
