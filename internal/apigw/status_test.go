package apigw

import (
	"net/http"
	"testing"
)

// modelStatus is each operation's success status in AWS's model:
// botocore 1.43.11, apigateway/2015-07-09/service-2.json, the operation's
// "http": {"responseCode": N}; an operation not listed has 200 (the
// model's default, which it states for GetExport, GetSdk and
// GetUsagePlanKey).
var modelStatus = map[string]int{
	// 201
	"CreateApiKey": 201, "CreateAuthorizer": 201, "CreateBasePathMapping": 201, "CreateDeployment": 201,
	"CreateDocumentationPart": 201, "CreateDocumentationVersion": 201, "CreateDomainName": 201,
	"CreateDomainNameAccessAssociation": 201, "CreateModel": 201, "CreateRequestValidator": 201,
	"CreateResource": 201, "CreateRestApi": 201, "CreateStage": 201, "CreateUsagePlan": 201,
	"CreateUsagePlanKey": 201, "GenerateClientCertificate": 201, "ImportApiKeys": 201, "ImportRestApi": 201,
	"PutGatewayResponse": 201, "PutIntegration": 201, "PutIntegrationResponse": 201, "PutMethod": 201,
	"PutMethodResponse": 201, "UpdateMethodResponse": 201,
	// 202
	"CreateVpcLink": 202, "DeleteApiKey": 202, "DeleteAuthorizer": 202, "DeleteBasePathMapping": 202,
	"DeleteClientCertificate": 202, "DeleteDeployment": 202, "DeleteDocumentationPart": 202,
	"DeleteDocumentationVersion": 202, "DeleteDomainName": 202, "DeleteDomainNameAccessAssociation": 202,
	"DeleteGatewayResponse": 202, "DeleteModel": 202, "DeleteRequestValidator": 202, "DeleteResource": 202,
	"DeleteRestApi": 202, "DeleteStage": 202, "DeleteUsagePlan": 202, "DeleteUsagePlanKey": 202,
	"DeleteVpcLink": 202, "FlushStageAuthorizersCache": 202, "FlushStageCache": 202,
	"RejectDomainNameAccessAssociation": 202,
	// 204
	"DeleteIntegration": 204, "DeleteIntegrationResponse": 204, "DeleteMethod": 204,
	"DeleteMethodResponse": 204, "TagResource": 204, "UntagResource": 204,
}

// TestRouteStatusIsTheModels: every route's success status is the
// model's responseCode for its operation.
func TestRouteStatusIsTheModels(t *testing.T) {
	if len(routes) != 124 {
		t.Fatalf("%d routes, want the model's 124 operations", len(routes))
	}
	for _, rt := range routes {
		want, ok := modelStatus[rt.h.Name]
		if !ok {
			want = http.StatusOK
		}
		if rt.status != want {
			t.Errorf("%s: status %d, the model's is %d", rt.h.Name, rt.status, want)
		}
	}
}
