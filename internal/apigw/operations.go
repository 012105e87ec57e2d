package apigw

// Operations returns the names of the control-plane operations route can
// name: the closed set of operation labels of the apigateway surface's
// metrics. internal/archtest checks that route and routeDomains name no
// other.
func Operations() []string {
	return []string{
		"CreateBasePathMapping", "CreateDeployment", "CreateDomainName", "CreateResource", "CreateRestApi", "CreateStage",
		"DeleteBasePathMapping", "DeleteDeployment", "DeleteDomainName", "DeleteIntegration", "DeleteIntegrationResponse",
		"DeleteMethod", "DeleteMethodResponse", "DeleteResource", "DeleteRestApi", "DeleteStage",
		"GetBasePathMappings", "GetDeployment", "GetDeployments", "GetDomainName", "GetDomainNames", "GetExport",
		"GetIntegration", "GetIntegrationResponse", "GetMethod", "GetMethodResponse", "GetResource", "GetResources",
		"GetRestApi", "GetRestApis", "GetStage", "GetStages", "ImportRestApi",
		"PutIntegration", "PutIntegrationResponse", "PutMethod", "PutMethodResponse", "PutRestApi",
		"UpdateIntegration", "UpdateMethod", "UpdateResource", "UpdateRestApi", "UpdateStage",
	}
}
