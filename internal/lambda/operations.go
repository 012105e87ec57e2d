package lambda

import "github.com/gatehouse-dev/gatehouse/internal/pipeline"

// fn is the keys of an operation on a function: its tags.
var fn = pipeline.ResourceTagKeys

// Table is the Lambda operations route can name, with the actions each
// authorizes (authorize refuses any other) and the condition keys each
// adds: the closed set of operation labels of the lambda surface's metrics.
// internal/archtest checks that route names no other.
var Table = pipeline.Table{
	{Name: "AddPermission", Actions: []string{"lambda:AddPermission"}, Keys: append([]string{"lambda:Principal", "lambda:FunctionUrlAuthType"}, fn...)},
	{Name: "CreateAlias", Actions: []string{"lambda:CreateAlias"}, Keys: fn},
	{Name: "CreateFunctionUrlConfig", Actions: []string{"lambda:CreateFunctionUrlConfig"}, Keys: append([]string{"lambda:FunctionUrlAuthType"}, fn...)},
	{Name: "CreateFunction", Actions: []string{"lambda:CreateFunction", "iam:PassRole", "lambda:GetLayerVersion"}, Keys: append([]string{"iam:PassedToService"}, pipeline.TaggingKeys...)},
	{Name: "DeleteAlias", Actions: []string{"lambda:DeleteAlias"}, Keys: fn},
	{Name: "DeleteFunction", Actions: []string{"lambda:DeleteFunction"}, Keys: fn},
	{Name: "DeleteFunctionUrlConfig", Actions: []string{"lambda:DeleteFunctionUrlConfig"}, Keys: append([]string{"lambda:FunctionUrlAuthType"}, fn...)},
	{Name: "DeleteFunctionConcurrency", Actions: []string{"lambda:DeleteFunctionConcurrency"}, Keys: fn},
	{Name: "GetAccountSettings", Actions: []string{"lambda:GetAccountSettings"}},
	{Name: "GetAlias", Actions: []string{"lambda:GetAlias"}, Keys: fn},
	{Name: "GetFunction", Actions: []string{"lambda:GetFunction"}, Keys: fn},
	// The code location URL carries its own HMAC token instead of a
	// signature: GetFunction authorized it when it handed it out.
	{Name: "GetFunctionCodeLocation"},
	{Name: "GetFunctionCodeSigningConfig", Actions: []string{"lambda:GetFunctionCodeSigningConfig"}, Keys: fn},
	{Name: "GetFunctionConcurrency", Actions: []string{"lambda:GetFunctionConcurrency"}, Keys: fn},
	{Name: "GetFunctionConfiguration", Actions: []string{"lambda:GetFunctionConfiguration"}, Keys: fn},
	{Name: "GetFunctionUrlConfig", Actions: []string{"lambda:GetFunctionUrlConfig"}, Keys: append([]string{"lambda:FunctionUrlAuthType"}, fn...)},
	{Name: "GetPolicy", Actions: []string{"lambda:GetPolicy"}, Keys: fn},
	{Name: "Invoke", Actions: []string{"lambda:InvokeFunction"}, Keys: fn},
	// InvokeAsync (deprecated, still served) needs lambda:InvokeFunction,
	// as its API reference says.
	{Name: "InvokeAsync", Actions: []string{"lambda:InvokeFunction"}, Keys: fn},
	{Name: "InvokeWithResponseStream", Actions: []string{"lambda:InvokeFunction"}, Keys: fn},
	// A request to a function URL (urlserve.go): since October 2025 AWS
	// requires both actions of new URLs' callers, the second with
	// lambda:InvokedViaFunctionUrl.
	{Name: "InvokeFunctionUrl", Actions: []string{"lambda:InvokeFunctionUrl", "lambda:InvokeFunction"}, Keys: append([]string{"lambda:FunctionUrlAuthType", "lambda:InvokedViaFunctionUrl"}, fn...)},
	{Name: "ListAliases", Actions: []string{"lambda:ListAliases"}, Keys: fn},
	{Name: "ListFunctionUrlConfigs", Actions: []string{"lambda:ListFunctionUrlConfigs"}, Keys: fn},
	{Name: "ListFunctions", Actions: []string{"lambda:ListFunctions"}},
	{Name: "ListTags", Actions: []string{"lambda:ListTags"}, Keys: fn},
	{Name: "ListVersionsByFunction", Actions: []string{"lambda:ListVersionsByFunction"}, Keys: fn},
	{Name: "PublishVersion", Actions: []string{"lambda:PublishVersion"}, Keys: fn},
	{Name: "PutFunctionConcurrency", Actions: []string{"lambda:PutFunctionConcurrency"}, Keys: fn},
	{Name: "RemovePermission", Actions: []string{"lambda:RemovePermission"}, Keys: fn},
	{Name: "TagResource", Actions: []string{"lambda:TagResource"}, Keys: append(append([]string(nil), pipeline.TaggingKeys...), fn...)},
	{Name: "UntagResource", Actions: []string{"lambda:UntagResource"}, Keys: append([]string{pipeline.KeyTagKeys}, fn...)},
	{Name: "UpdateAlias", Actions: []string{"lambda:UpdateAlias"}, Keys: fn},
	{Name: "UpdateFunctionUrlConfig", Actions: []string{"lambda:UpdateFunctionUrlConfig"}, Keys: append([]string{"lambda:FunctionUrlAuthType"}, fn...)},
	{Name: "UpdateFunctionCode", Actions: []string{"lambda:UpdateFunctionCode"}, Keys: fn},
	{Name: "UpdateFunctionConfiguration", Actions: []string{"lambda:UpdateFunctionConfiguration", "iam:PassRole", "lambda:GetLayerVersion"}, Keys: append([]string{"iam:PassedToService"}, fn...)},
	{Name: "CreateCodeSigningConfig", Actions: []string{"lambda:CreateCodeSigningConfig"}, Keys: pipeline.TaggingKeys},
	{Name: "CreateEventSourceMapping", Actions: []string{"lambda:CreateEventSourceMapping"}},
	{Name: "DeleteCodeSigningConfig", Actions: []string{"lambda:DeleteCodeSigningConfig"}},
	{Name: "DeleteEventSourceMapping", Actions: []string{"lambda:DeleteEventSourceMapping"}},
	{Name: "DeleteFunctionCodeSigningConfig", Actions: []string{"lambda:DeleteFunctionCodeSigningConfig"}, Keys: fn},
	{Name: "DeleteFunctionEventInvokeConfig", Actions: []string{"lambda:DeleteFunctionEventInvokeConfig"}, Keys: fn},
	{Name: "DeleteProvisionedConcurrencyConfig", Actions: []string{"lambda:DeleteProvisionedConcurrencyConfig"}, Keys: fn},
	{Name: "GetCodeSigningConfig", Actions: []string{"lambda:GetCodeSigningConfig"}},
	{Name: "GetEventSourceMapping", Actions: []string{"lambda:GetEventSourceMapping"}},
	{Name: "GetFunctionEventInvokeConfig", Actions: []string{"lambda:GetFunctionEventInvokeConfig"}, Keys: fn},
	{Name: "GetFunctionRecursionConfig", Actions: []string{"lambda:GetFunctionRecursionConfig"}, Keys: fn},
	{Name: "GetProvisionedConcurrencyConfig", Actions: []string{"lambda:GetProvisionedConcurrencyConfig"}, Keys: fn},
	{Name: "GetRuntimeManagementConfig", Actions: []string{"lambda:GetRuntimeManagementConfig"}, Keys: fn},
	{Name: "ListCodeSigningConfigs", Actions: []string{"lambda:ListCodeSigningConfigs"}},
	{Name: "ListEventSourceMappings", Actions: []string{"lambda:ListEventSourceMappings"}},
	{Name: "ListFunctionEventInvokeConfigs", Actions: []string{"lambda:ListFunctionEventInvokeConfigs"}, Keys: fn},
	{Name: "ListFunctionsByCodeSigningConfig", Actions: []string{"lambda:ListFunctionsByCodeSigningConfig"}},
	{Name: "ListProvisionedConcurrencyConfigs", Actions: []string{"lambda:ListProvisionedConcurrencyConfigs"}, Keys: fn},
	{Name: "PutFunctionCodeSigningConfig", Actions: []string{"lambda:PutFunctionCodeSigningConfig"}, Keys: fn},
	{Name: "PutFunctionEventInvokeConfig", Actions: []string{"lambda:PutFunctionEventInvokeConfig"}, Keys: fn},
	{Name: "PutFunctionRecursionConfig", Actions: []string{"lambda:PutFunctionRecursionConfig"}, Keys: fn},
	{Name: "PutProvisionedConcurrencyConfig", Actions: []string{"lambda:PutProvisionedConcurrencyConfig"}, Keys: fn},
	{Name: "PutRuntimeManagementConfig", Actions: []string{"lambda:PutRuntimeManagementConfig"}, Keys: fn},
	{Name: "UpdateCodeSigningConfig", Actions: []string{"lambda:UpdateCodeSigningConfig"}},
	{Name: "UpdateEventSourceMapping", Actions: []string{"lambda:UpdateEventSourceMapping"}},
	{Name: "UpdateFunctionEventInvokeConfig", Actions: []string{"lambda:UpdateFunctionEventInvokeConfig"}, Keys: fn},
	{Name: "AddLayerVersionPermission", Actions: []string{"lambda:AddLayerVersionPermission"}},
	{Name: "DeleteLayerVersion", Actions: []string{"lambda:DeleteLayerVersion"}},
	{Name: "GetLayerVersion", Actions: []string{"lambda:GetLayerVersion"}},
	{Name: "GetLayerVersionByArn", Actions: []string{"lambda:GetLayerVersion"}},
	{Name: "GetLayerVersionPolicy", Actions: []string{"lambda:GetLayerVersionPolicy"}},
	{Name: "ListLayerVersions", Actions: []string{"lambda:ListLayerVersions"}},
	{Name: "ListLayers", Actions: []string{"lambda:ListLayers"}},
	{Name: "PublishLayerVersion", Actions: []string{"lambda:PublishLayerVersion"}},
	{Name: "RemoveLayerVersionPermission", Actions: []string{"lambda:RemoveLayerVersionPermission"}},
	// Lambda Managed Instances and durable executions (capacity.go).
	{Name: "CreateCapacityProvider", Actions: []string{"lambda:CreateCapacityProvider"}, Keys: pipeline.TaggingKeys},
	{Name: "DeleteCapacityProvider", Actions: []string{"lambda:DeleteCapacityProvider"}},
	{Name: "GetCapacityProvider", Actions: []string{"lambda:GetCapacityProvider"}},
	{Name: "ListCapacityProviders", Actions: []string{"lambda:ListCapacityProviders"}},
	{Name: "UpdateCapacityProvider", Actions: []string{"lambda:UpdateCapacityProvider"}},
	{Name: "ListFunctionVersionsByCapacityProvider", Actions: []string{"lambda:ListFunctionVersionsByCapacityProvider"}},
	{Name: "GetFunctionScalingConfig", Actions: []string{"lambda:GetFunctionScalingConfig"}, Keys: fn},
	{Name: "PutFunctionScalingConfig", Actions: []string{"lambda:PutFunctionScalingConfig"}, Keys: fn},
	{Name: "CheckpointDurableExecution", Actions: []string{"lambda:CheckpointDurableExecution"}, Keys: fn},
	{Name: "GetDurableExecution", Actions: []string{"lambda:GetDurableExecution"}, Keys: fn},
	{Name: "GetDurableExecutionHistory", Actions: []string{"lambda:GetDurableExecutionHistory"}, Keys: fn},
	{Name: "GetDurableExecutionState", Actions: []string{"lambda:GetDurableExecutionState"}, Keys: fn},
	{Name: "StopDurableExecution", Actions: []string{"lambda:StopDurableExecution"}, Keys: fn},
	{Name: "ListDurableExecutionsByFunction", Actions: []string{"lambda:ListDurableExecutionsByFunction"}, Keys: fn},
	{Name: "SendDurableExecutionCallbackSuccess", Actions: []string{"lambda:SendDurableExecutionCallbackSuccess"}},
	{Name: "SendDurableExecutionCallbackFailure", Actions: []string{"lambda:SendDurableExecutionCallbackFailure"}},
	{Name: "SendDurableExecutionCallbackHeartbeat", Actions: []string{"lambda:SendDurableExecutionCallbackHeartbeat"}},
}

var ops = Table.Index()

// Operations returns the names of the operations route can name, sorted:
// the closed set of operation labels of the lambda surface's metrics.
func Operations() []string { return Table.Names() }
