package apigw

import (
	"net/http"
)

// Every operation's handler returns its own output type, named after the
// operation (the AWS SDKs' XxxOutput; the comment names the botocore
// model's output shape), and only the frame (ServeHTTP, render) writes
// the response:
//
//   - the success status is the route's (routes.go: the model's
//     responseCode, 200 where it has none); no operation's status varies
//     per call;
//   - an output that embeds noBody has no body (the Delete*, Flush*,
//     Tag/Untag and Reject operations);
//   - an output that embeds rawOutput is a document of its own media type
//     (GetExport, GetSdk): its header-tagged fields are response headers,
//     its Body the body, as is;
//   - any other output is its JSON body, rendered by awsproto.WriteJSON.
//     Most embed the resource shape they answer with (RestAPI, *Resource,
//     listOut[T] for a collection), so their JSON is that shape's.

// noBody marks an output with no body.
type noBody struct{}

func (noBody) bodyless() {}

// rawOutput is an output whose body is a document, written as is, with
// its two headers (botocore's ExportResponse and SdkResponse:
// contentType and contentDisposition are headers, body the payload).
type rawOutput struct {
	ContentType        string
	ContentDisposition string
	Body               []byte
}

func (o *rawOutput) raw() *rawOutput { return o }

// headers sets o's non-empty headers on h.
func (o *rawOutput) headers(h http.Header) {
	if o.ContentType != "" {
		h.Set("Content-Type", o.ContentType)
	}
	if o.ContentDisposition != "" {
		h.Set("Content-Disposition", o.ContentDisposition)
	}
}

// CreateApiKeyOutput is CreateApiKey's output (shape ApiKey).
type CreateApiKeyOutput struct{ APIKey }

// CreateAuthorizerOutput is CreateAuthorizer's output (shape Authorizer).
type CreateAuthorizerOutput struct{ LambdaAuthorizer }

// CreateBasePathMappingOutput is CreateBasePathMapping's output (shape BasePathMapping).
type CreateBasePathMappingOutput struct{ BasePathMapping }

// CreateDeploymentOutput is CreateDeployment's output (shape Deployment).
type CreateDeploymentOutput struct{ Deployment }

// CreateDocumentationPartOutput is CreateDocumentationPart's output (shape DocumentationPart).
type CreateDocumentationPartOutput struct{ *DocumentationPart }

// CreateDocumentationVersionOutput is CreateDocumentationVersion's output (shape DocumentationVersion).
type CreateDocumentationVersionOutput struct{ DocumentationVersion }

// CreateDomainNameOutput is CreateDomainName's output (shape DomainName).
type CreateDomainNameOutput struct{ DomainName }

// CreateDomainNameAccessAssociationOutput is CreateDomainNameAccessAssociation's output (shape DomainNameAccessAssociation).
type CreateDomainNameAccessAssociationOutput struct{ DomainNameAccessAssociation }

// CreateModelOutput is CreateModel's output (shape Model).
type CreateModelOutput struct{ *Model }

// CreateRequestValidatorOutput is CreateRequestValidator's output (shape RequestValidator).
type CreateRequestValidatorOutput struct{ *RequestValidator }

// CreateResourceOutput is CreateResource's output (shape Resource).
type CreateResourceOutput struct{ *Resource }

// CreateRestApiOutput is CreateRestApi's output (shape RestApi).
type CreateRestApiOutput struct{ RestAPI }

// CreateStageOutput is CreateStage's output (shape Stage).
type CreateStageOutput struct{ Stage }

// CreateUsagePlanOutput is CreateUsagePlan's output (shape UsagePlan).
type CreateUsagePlanOutput struct{ UsagePlan }

// CreateUsagePlanKeyOutput is CreateUsagePlanKey's output (shape UsagePlanKey).
type CreateUsagePlanKeyOutput struct{ UsagePlanKey }

// CreateVpcLinkOutput is CreateVpcLink's output (shape VpcLink).
type CreateVpcLinkOutput struct{ VPCLink }

// DeleteApiKeyOutput is DeleteApiKey's output (none in the model: no body).
type DeleteApiKeyOutput struct{ noBody }

// DeleteAuthorizerOutput is DeleteAuthorizer's output (none in the model: no body).
type DeleteAuthorizerOutput struct{ noBody }

// DeleteBasePathMappingOutput is DeleteBasePathMapping's output (none in the model: no body).
type DeleteBasePathMappingOutput struct{ noBody }

// DeleteClientCertificateOutput is DeleteClientCertificate's output (none in the model: no body).
type DeleteClientCertificateOutput struct{ noBody }

// DeleteDeploymentOutput is DeleteDeployment's output (none in the model: no body).
type DeleteDeploymentOutput struct{ noBody }

// DeleteDocumentationPartOutput is DeleteDocumentationPart's output (none in the model: no body).
type DeleteDocumentationPartOutput struct{ noBody }

// DeleteDocumentationVersionOutput is DeleteDocumentationVersion's output (none in the model: no body).
type DeleteDocumentationVersionOutput struct{ noBody }

// DeleteDomainNameOutput is DeleteDomainName's output (none in the model: no body).
type DeleteDomainNameOutput struct{ noBody }

// DeleteDomainNameAccessAssociationOutput is DeleteDomainNameAccessAssociation's output (none in the model: no body).
type DeleteDomainNameAccessAssociationOutput struct{ noBody }

// DeleteGatewayResponseOutput is DeleteGatewayResponse's output (none in the model: no body).
type DeleteGatewayResponseOutput struct{ noBody }

// DeleteIntegrationOutput is DeleteIntegration's output (none in the model: no body).
type DeleteIntegrationOutput struct{ noBody }

// DeleteIntegrationResponseOutput is DeleteIntegrationResponse's output (none in the model: no body).
type DeleteIntegrationResponseOutput struct{ noBody }

// DeleteMethodOutput is DeleteMethod's output (none in the model: no body).
type DeleteMethodOutput struct{ noBody }

// DeleteMethodResponseOutput is DeleteMethodResponse's output (none in the model: no body).
type DeleteMethodResponseOutput struct{ noBody }

// DeleteModelOutput is DeleteModel's output (none in the model: no body).
type DeleteModelOutput struct{ noBody }

// DeleteRequestValidatorOutput is DeleteRequestValidator's output (none in the model: no body).
type DeleteRequestValidatorOutput struct{ noBody }

// DeleteResourceOutput is DeleteResource's output (none in the model: no body).
type DeleteResourceOutput struct{ noBody }

// DeleteRestApiOutput is DeleteRestApi's output (none in the model: no body).
type DeleteRestApiOutput struct{ noBody }

// DeleteStageOutput is DeleteStage's output (none in the model: no body).
type DeleteStageOutput struct{ noBody }

// DeleteUsagePlanOutput is DeleteUsagePlan's output (none in the model: no body).
type DeleteUsagePlanOutput struct{ noBody }

// DeleteUsagePlanKeyOutput is DeleteUsagePlanKey's output (none in the model: no body).
type DeleteUsagePlanKeyOutput struct{ noBody }

// DeleteVpcLinkOutput is DeleteVpcLink's output (none in the model: no body).
type DeleteVpcLinkOutput struct{ noBody }

// FlushStageAuthorizersCacheOutput is FlushStageAuthorizersCache's output (none in the model: no body).
type FlushStageAuthorizersCacheOutput struct{ noBody }

// FlushStageCacheOutput is FlushStageCache's output (none in the model: no body).
type FlushStageCacheOutput struct{ noBody }

// GenerateClientCertificateOutput is GenerateClientCertificate's output (shape ClientCertificate).
type GenerateClientCertificateOutput struct{ ClientCertificate }

// GetAccountOutput is GetAccount's output (shape Account).
type GetAccountOutput struct{ *Account }

// GetApiKeyOutput is GetApiKey's output (shape ApiKey).
type GetApiKeyOutput struct{ APIKey }

// GetApiKeysOutput is GetApiKeys's output (shape ApiKeys).
type GetApiKeysOutput struct{ listOut[APIKey] }

// GetAuthorizerOutput is GetAuthorizer's output (shape Authorizer).
type GetAuthorizerOutput struct{ LambdaAuthorizer }

// GetAuthorizersOutput is GetAuthorizers's output (shape Authorizers).
type GetAuthorizersOutput struct{ listOut[LambdaAuthorizer] }

// GetBasePathMappingOutput is GetBasePathMapping's output (shape BasePathMapping).
type GetBasePathMappingOutput struct{ BasePathMapping }

// GetBasePathMappingsOutput is GetBasePathMappings's output (shape BasePathMappings).
type GetBasePathMappingsOutput struct{ listOut[BasePathMapping] }

// GetClientCertificateOutput is GetClientCertificate's output (shape ClientCertificate).
type GetClientCertificateOutput struct{ ClientCertificate }

// GetClientCertificatesOutput is GetClientCertificates's output (shape ClientCertificates).
type GetClientCertificatesOutput struct{ listOut[ClientCertificate] }

// GetDeploymentOutput is GetDeployment's output (shape Deployment).
type GetDeploymentOutput struct{ Deployment }

// GetDeploymentsOutput is GetDeployments's output (shape Deployments).
type GetDeploymentsOutput struct{ listOut[Deployment] }

// GetDocumentationPartOutput is GetDocumentationPart's output (shape DocumentationPart).
type GetDocumentationPartOutput struct{ *DocumentationPart }

// GetDocumentationPartsOutput is GetDocumentationParts's output (shape DocumentationParts).
type GetDocumentationPartsOutput struct{ listOut[*DocumentationPart] }

// GetDocumentationVersionOutput is GetDocumentationVersion's output (shape DocumentationVersion).
type GetDocumentationVersionOutput struct{ DocumentationVersion }

// GetDocumentationVersionsOutput is GetDocumentationVersions's output (shape DocumentationVersions).
type GetDocumentationVersionsOutput struct{ listOut[DocumentationVersion] }

// GetDomainNameOutput is GetDomainName's output (shape DomainName).
type GetDomainNameOutput struct{ DomainName }

// GetDomainNameAccessAssociationsOutput is GetDomainNameAccessAssociations's output (shape DomainNameAccessAssociations).
type GetDomainNameAccessAssociationsOutput struct {
	listOut[DomainNameAccessAssociation]
}

// GetDomainNamesOutput is GetDomainNames's output (shape DomainNames).
type GetDomainNamesOutput struct{ listOut[DomainName] }

// GetExportOutput is GetExport's output (shape ExportResponse).
type GetExportOutput struct{ rawOutput }

// GetGatewayResponseOutput is GetGatewayResponse's output (shape GatewayResponse).
type GetGatewayResponseOutput struct{ GatewayResponse }

// GetGatewayResponsesOutput is GetGatewayResponses's output (shape GatewayResponses).
type GetGatewayResponsesOutput struct{ listOut[GatewayResponse] }

// GetIntegrationOutput is GetIntegration's output (shape Integration).
type GetIntegrationOutput struct{ *Integration }

// GetIntegrationResponseOutput is GetIntegrationResponse's output (shape IntegrationResponse).
type GetIntegrationResponseOutput struct{ *IntegrationResponse }

// GetMethodOutput is GetMethod's output (shape Method).
type GetMethodOutput struct{ *Method }

// GetMethodResponseOutput is GetMethodResponse's output (shape MethodResponse).
type GetMethodResponseOutput struct{ *MethodResponse }

// GetModelOutput is GetModel's output (shape Model).
type GetModelOutput struct{ *Model }

// GetModelTemplateOutput is GetModelTemplate's output (shape Template).
type GetModelTemplateOutput struct {
	Value string `json:"value"`
}

// GetModelsOutput is GetModels's output (shape Models).
type GetModelsOutput struct{ listOut[*Model] }

// GetRequestValidatorOutput is GetRequestValidator's output (shape RequestValidator).
type GetRequestValidatorOutput struct{ *RequestValidator }

// GetRequestValidatorsOutput is GetRequestValidators's output (shape RequestValidators).
type GetRequestValidatorsOutput struct{ listOut[*RequestValidator] }

// GetResourceOutput is GetResource's output (shape Resource).
type GetResourceOutput struct{ *Resource }

// GetResourcesOutput is GetResources's output (shape Resources).
type GetResourcesOutput struct{ listOut[*Resource] }

// GetRestApiOutput is GetRestApi's output (shape RestApi).
type GetRestApiOutput struct{ RestAPI }

// GetRestApisOutput is GetRestApis's output (shape RestApis).
type GetRestApisOutput struct{ listOut[RestAPI] }

// GetSdkOutput is GetSdk's output (shape SdkResponse).
type GetSdkOutput struct{ rawOutput }

// GetSdkTypeOutput is GetSdkType's output (shape SdkType).
type GetSdkTypeOutput struct{ SdkType }

// GetSdkTypesOutput is GetSdkTypes's output (shape SdkTypes).
type GetSdkTypesOutput struct{ listOut[SdkType] }

// GetStageOutput is GetStage's output (shape Stage).
type GetStageOutput struct{ Stage }

// GetStagesOutput is GetStages's output (shape Stages).
type GetStagesOutput struct{ listOut[Stage] }

// GetTagsOutput is GetTags's output (shape Tags).
type GetTagsOutput struct {
	Tags map[string]string `json:"tags"`
}

// GetUsageOutput is GetUsage's output (shape Usage).
type GetUsageOutput struct{ *Usage }

// GetUsagePlanOutput is GetUsagePlan's output (shape UsagePlan).
type GetUsagePlanOutput struct{ UsagePlan }

// GetUsagePlanKeyOutput is GetUsagePlanKey's output (shape UsagePlanKey).
type GetUsagePlanKeyOutput struct{ UsagePlanKey }

// GetUsagePlanKeysOutput is GetUsagePlanKeys's output (shape UsagePlanKeys).
type GetUsagePlanKeysOutput struct{ listOut[UsagePlanKey] }

// GetUsagePlansOutput is GetUsagePlans's output (shape UsagePlans).
type GetUsagePlansOutput struct{ listOut[UsagePlan] }

// GetVpcLinkOutput is GetVpcLink's output (shape VpcLink).
type GetVpcLinkOutput struct{ VPCLink }

// GetVpcLinksOutput is GetVpcLinks's output (shape VpcLinks).
type GetVpcLinksOutput struct{ listOut[VPCLink] }

// ImportApiKeysOutput is ImportApiKeys's output (shape ApiKeyIds).
type ImportApiKeysOutput struct {
	IDs      []string `json:"ids"`
	Warnings []string `json:"warnings"`
}

// ImportDocumentationPartsOutput is ImportDocumentationParts's output (shape DocumentationPartIds).
type ImportDocumentationPartsOutput struct {
	IDs []string `json:"ids"`
}

// ImportRestApiOutput is ImportRestApi's output (shape RestApi).
type ImportRestApiOutput struct{ RestAPI }

// PutGatewayResponseOutput is PutGatewayResponse's output (shape GatewayResponse).
type PutGatewayResponseOutput struct{ GatewayResponse }

// PutIntegrationOutput is PutIntegration's output (shape Integration).
type PutIntegrationOutput struct{ Integration }

// PutIntegrationResponseOutput is PutIntegrationResponse's output (shape IntegrationResponse).
type PutIntegrationResponseOutput struct{ IntegrationResponse }

// PutMethodOutput is PutMethod's output (shape Method).
type PutMethodOutput struct{ *Method }

// PutMethodResponseOutput is PutMethodResponse's output (shape MethodResponse).
type PutMethodResponseOutput struct{ MethodResponse }

// PutRestApiOutput is PutRestApi's output (shape RestApi).
type PutRestApiOutput struct{ RestAPI }

// RejectDomainNameAccessAssociationOutput is RejectDomainNameAccessAssociation's output (none in the model: no body).
type RejectDomainNameAccessAssociationOutput struct{ noBody }

// TagResourceOutput is TagResource's output (none in the model: no body).
type TagResourceOutput struct{ noBody }

// TestInvokeAuthorizerOutput is TestInvokeAuthorizer's output (shape TestInvokeAuthorizerResponse).
type TestInvokeAuthorizerOutput struct{ *AuthorizerTestResult }

// TestInvokeMethodOutput is TestInvokeMethod's output (shape TestInvokeMethodResponse).
type TestInvokeMethodOutput struct{ testInvokeOut }

// UntagResourceOutput is UntagResource's output (none in the model: no body).
type UntagResourceOutput struct{ noBody }

// UpdateAccountOutput is UpdateAccount's output (shape Account).
type UpdateAccountOutput struct{ *Account }

// UpdateApiKeyOutput is UpdateApiKey's output (shape ApiKey).
type UpdateApiKeyOutput struct{ APIKey }

// UpdateAuthorizerOutput is UpdateAuthorizer's output (shape Authorizer).
type UpdateAuthorizerOutput struct{ LambdaAuthorizer }

// UpdateBasePathMappingOutput is UpdateBasePathMapping's output (shape BasePathMapping).
type UpdateBasePathMappingOutput struct{ BasePathMapping }

// UpdateClientCertificateOutput is UpdateClientCertificate's output (shape ClientCertificate).
type UpdateClientCertificateOutput struct{ ClientCertificate }

// UpdateDeploymentOutput is UpdateDeployment's output (shape Deployment).
type UpdateDeploymentOutput struct{ Deployment }

// UpdateDocumentationPartOutput is UpdateDocumentationPart's output (shape DocumentationPart).
type UpdateDocumentationPartOutput struct{ *DocumentationPart }

// UpdateDocumentationVersionOutput is UpdateDocumentationVersion's output (shape DocumentationVersion).
type UpdateDocumentationVersionOutput struct{ DocumentationVersion }

// UpdateDomainNameOutput is UpdateDomainName's output (shape DomainName).
type UpdateDomainNameOutput struct{ DomainName }

// UpdateGatewayResponseOutput is UpdateGatewayResponse's output (shape GatewayResponse).
type UpdateGatewayResponseOutput struct{ GatewayResponse }

// UpdateIntegrationOutput is UpdateIntegration's output (shape Integration).
type UpdateIntegrationOutput struct{ *Integration }

// UpdateIntegrationResponseOutput is UpdateIntegrationResponse's output (shape IntegrationResponse).
type UpdateIntegrationResponseOutput struct{ *IntegrationResponse }

// UpdateMethodOutput is UpdateMethod's output (shape Method).
type UpdateMethodOutput struct{ *Method }

// UpdateMethodResponseOutput is UpdateMethodResponse's output (shape MethodResponse).
type UpdateMethodResponseOutput struct{ *MethodResponse }

// UpdateModelOutput is UpdateModel's output (shape Model).
type UpdateModelOutput struct{ *Model }

// UpdateRequestValidatorOutput is UpdateRequestValidator's output (shape RequestValidator).
type UpdateRequestValidatorOutput struct{ *RequestValidator }

// UpdateResourceOutput is UpdateResource's output (shape Resource).
type UpdateResourceOutput struct{ *Resource }

// UpdateRestApiOutput is UpdateRestApi's output (shape RestApi).
type UpdateRestApiOutput struct{ RestAPI }

// UpdateStageOutput is UpdateStage's output (shape Stage).
type UpdateStageOutput struct{ Stage }

// UpdateUsageOutput is UpdateUsage's output (shape Usage).
type UpdateUsageOutput struct{ *Usage }

// UpdateUsagePlanOutput is UpdateUsagePlan's output (shape UsagePlan).
type UpdateUsagePlanOutput struct{ UsagePlan }

// UpdateVpcLinkOutput is UpdateVpcLink's output (shape VpcLink).
type UpdateVpcLinkOutput struct{ VPCLink }
