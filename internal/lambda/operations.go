package lambda

import (
	"net/http"

	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/pipeline"
)

// fn is the keys of an operation on a function: its tags.
var fn = pipeline.ResourceTagKeys

// route is one operation of the Lambda API: where its requests arrive
// (method and botocore-lambda's URI templates, and the query condition that
// tells two operations on one path apart), its body limit, and its table
// entry, which binds the Operation authorization knows to its typed
// handler.
type route struct {
	method string
	paths  []string
	// query "k=v": the route matches only when the query string's k is v
	// (ListLayers with find=LayerVersion is GetLayerVersionByArn).
	query string
	limit bodyLimit
	// anonymous: served without a signature (the code location URL
	// carries its own HMAC token).
	anonymous bool
	// functionURL: a function URL request (urlserve.go), never routed
	// here; the entry is its operation's authorization metadata.
	functionURL bool
	// status is the operation's success status (botocore-lambda's
	// responseCode; 0 is 200), unless its output carries the call's own
	// (statusCoder). A 204 has no body.
	status int
	pipeline.Handler[*request]
}

const (
	get  = http.MethodGet
	post = http.MethodPost
	put  = http.MethodPut
	del  = http.MethodDelete
)

// run binds a handler to the table: the frame has decoded its input; an
// input naming a function carries its Qualifier parameter to resolveName.
// The handler returns its operation's output, which the frame renders
// (render in frame.go): no handler writes the response.
func run[In, Out any](f func(*Service, *request, *In) (*Out, error)) func(*request, *In) (*Out, error) {
	return func(q *request, in *In) (*Out, error) {
		if r, ok := any(in).(interface{ fnRef() *fnInput }); ok {
			q.qualifier = r.fnRef().Qualifier
		}
		return f(q.s, q, in)
	}
}

// functionURLOnly is the handler of the function URL entry, which the
// frame never routes to.
func (s *Service) functionURLOnly(*request, *struct{}) (*InvokeFunctionUrlOutput, error) {
	return nil, awserr.UnknownOperation.New("")
}

// routes is the Lambda operation table: every operation the control plane
// serves, each with its one typed handler, and InvokeFunctionUrl's
// authorization metadata. internal/archtest checks that no other code
// names an operation.
var routes = []route{
	{method: post, paths: []string{"/2015-03-31/functions/{FunctionName}/policy"}, status: http.StatusCreated,
		Handler: pipeline.Handle(pipeline.Operation{Name: "AddPermission", Actions: []string{"lambda:AddPermission"}, Keys: append([]string{"lambda:Principal", "lambda:FunctionUrlAuthType"}, fn...)}, run((*Service).addPermission))},
	{method: post, paths: []string{"/2015-03-31/functions/{FunctionName}/aliases"}, status: http.StatusCreated,
		Handler: pipeline.Handle(pipeline.Operation{Name: "CreateAlias", Actions: []string{"lambda:CreateAlias"}, Keys: fn}, run((*Service).createAlias))},
	{method: post, paths: []string{"/2021-10-31/functions/{FunctionName}/url"}, status: http.StatusCreated,
		Handler: pipeline.Handle(pipeline.Operation{Name: "CreateFunctionUrlConfig", Actions: []string{"lambda:CreateFunctionUrlConfig"}, Keys: append([]string{"lambda:FunctionUrlAuthType"}, fn...)}, run((*Service).createURL))},
	{method: post, paths: []string{"/2015-03-31/functions"}, limit: bodyCode, status: http.StatusCreated,
		Handler: pipeline.Handle(pipeline.Operation{Name: "CreateFunction", Actions: []string{"lambda:CreateFunction", "iam:PassRole", "lambda:GetLayerVersion"}, Keys: append([]string{"iam:PassedToService"}, pipeline.TaggingKeys...)}, run((*Service).createFunction))},
	{method: del, paths: []string{"/2015-03-31/functions/{FunctionName}/aliases/{Name}"}, status: http.StatusNoContent,
		Handler: pipeline.Handle(pipeline.Operation{Name: "DeleteAlias", Actions: []string{"lambda:DeleteAlias"}, Keys: fn}, run((*Service).deleteAlias))},
	{method: del, paths: []string{"/2015-03-31/functions/{FunctionName?}"}, status: http.StatusNoContent,
		Handler: pipeline.Handle(pipeline.Operation{Name: "DeleteFunction", Actions: []string{"lambda:DeleteFunction"}, Keys: fn}, run((*Service).deleteFunction))},
	{method: del, paths: []string{"/2021-10-31/functions/{FunctionName}/url"}, status: http.StatusNoContent,
		Handler: pipeline.Handle(pipeline.Operation{Name: "DeleteFunctionUrlConfig", Actions: []string{"lambda:DeleteFunctionUrlConfig"}, Keys: append([]string{"lambda:FunctionUrlAuthType"}, fn...)}, run((*Service).deleteURL))},
	{method: del, paths: []string{"/2017-10-31/functions/{FunctionName}/concurrency"}, status: http.StatusNoContent,
		Handler: pipeline.Handle(pipeline.Operation{Name: "DeleteFunctionConcurrency", Actions: []string{"lambda:DeleteFunctionConcurrency"}, Keys: fn}, run((*Service).deleteConcurrency))},
	{method: get, paths: []string{"/2016-08-19/account-settings"},
		Handler: pipeline.Handle(pipeline.Operation{Name: "GetAccountSettings", Actions: []string{"lambda:GetAccountSettings"}}, run((*Service).accountSettings))},
	{method: get, paths: []string{"/2015-03-31/functions/{FunctionName}/aliases/{Name}"},
		Handler: pipeline.Handle(pipeline.Operation{Name: "GetAlias", Actions: []string{"lambda:GetAlias"}, Keys: fn}, run((*Service).getAlias))},
	{method: get, paths: []string{"/2015-03-31/functions/{FunctionName?}"},
		Handler: pipeline.Handle(pipeline.Operation{Name: "GetFunction", Actions: []string{"lambda:GetFunction"}, Keys: fn}, run((*Service).getFunction))},
	// The code location URL carries its own HMAC token instead of a
	// signature: GetFunction authorized it when it handed it out.
	{method: get, paths: []string{"/2015-03-31/functions/{FunctionName}/code-location"}, anonymous: true,
		Handler: pipeline.Handle(pipeline.Operation{Name: "GetFunctionCodeLocation"}, run((*Service).codeLocation))},
	{method: get, paths: []string{"/2020-06-30/functions/{FunctionName}/code-signing-config"},
		Handler: pipeline.Handle(pipeline.Operation{Name: "GetFunctionCodeSigningConfig", Actions: []string{"lambda:GetFunctionCodeSigningConfig"}, Keys: fn}, run((*Service).codeSigningConfig))},
	{method: get, paths: []string{"/2019-09-30/functions/{FunctionName}/concurrency"},
		Handler: pipeline.Handle(pipeline.Operation{Name: "GetFunctionConcurrency", Actions: []string{"lambda:GetFunctionConcurrency"}, Keys: fn}, run((*Service).getConcurrency))},
	{method: get, paths: []string{"/2015-03-31/functions/{FunctionName}/configuration"},
		Handler: pipeline.Handle(pipeline.Operation{Name: "GetFunctionConfiguration", Actions: []string{"lambda:GetFunctionConfiguration"}, Keys: fn}, run((*Service).getConfiguration))},
	{method: get, paths: []string{"/2021-10-31/functions/{FunctionName}/url"},
		Handler: pipeline.Handle(pipeline.Operation{Name: "GetFunctionUrlConfig", Actions: []string{"lambda:GetFunctionUrlConfig"}, Keys: append([]string{"lambda:FunctionUrlAuthType"}, fn...)}, run((*Service).getURL))},
	{method: get, paths: []string{"/2015-03-31/functions/{FunctionName}/policy"},
		Handler: pipeline.Handle(pipeline.Operation{Name: "GetPolicy", Actions: []string{"lambda:GetPolicy"}, Keys: fn}, run((*Service).getPolicy))},
	{method: post, paths: []string{"/2015-03-31/functions/{FunctionName}/invocations"}, limit: bodyInvoke,
		Handler: pipeline.Handle(pipeline.Operation{Name: "Invoke", Actions: []string{"lambda:InvokeFunction"}, Keys: fn}, run((*Service).invoke))},
	// InvokeAsync (deprecated, still served) needs lambda:InvokeFunction,
	// as its API reference says.
	{method: post, paths: []string{"/2014-11-13/functions/{FunctionName}/invoke-async", "/2014-11-13/functions/{FunctionName}/invoke-async/"}, limit: bodyAsync, status: http.StatusAccepted,
		Handler: pipeline.Handle(pipeline.Operation{Name: "InvokeAsync", Actions: []string{"lambda:InvokeFunction"}, Keys: fn}, run((*Service).invokeAsync))},
	{method: post, paths: []string{"/2021-11-15/functions/{FunctionName}/response-streaming-invocations"}, limit: bodyInvoke,
		Handler: pipeline.Handle(pipeline.Operation{Name: "InvokeWithResponseStream", Actions: []string{"lambda:InvokeFunction"}, Keys: fn}, run((*Service).invokeStream))},
	// A request to a function URL (urlserve.go): since October 2025 AWS
	// requires both actions of new URLs' callers, the second with
	// lambda:InvokedViaFunctionUrl.
	{method: "", functionURL: true,
		Handler: pipeline.Handle(pipeline.Operation{Name: "InvokeFunctionUrl", Actions: []string{"lambda:InvokeFunctionUrl", "lambda:InvokeFunction"}, Keys: append([]string{"lambda:FunctionUrlAuthType", "lambda:InvokedViaFunctionUrl"}, fn...)}, run((*Service).functionURLOnly))},
	{method: get, paths: []string{"/2015-03-31/functions/{FunctionName}/aliases"},
		Handler: pipeline.Handle(pipeline.Operation{Name: "ListAliases", Actions: []string{"lambda:ListAliases"}, Keys: fn}, run((*Service).listAliases))},
	{method: get, paths: []string{"/2021-10-31/functions/{FunctionName}/urls"},
		Handler: pipeline.Handle(pipeline.Operation{Name: "ListFunctionUrlConfigs", Actions: []string{"lambda:ListFunctionUrlConfigs"}, Keys: fn}, run((*Service).listURLs))},
	{method: get, paths: []string{"/2015-03-31/functions", "/2015-03-31/functions/"},
		Handler: pipeline.Handle(pipeline.Operation{Name: "ListFunctions", Actions: []string{"lambda:ListFunctions"}}, run((*Service).listFunctions))},
	{method: get, paths: []string{"/2017-03-31/tags/{ARN?}"},
		Handler: pipeline.Handle(pipeline.Operation{Name: "ListTags", Actions: []string{"lambda:ListTags"}, Keys: fn}, run((*Service).listTags))},
	{method: get, paths: []string{"/2015-03-31/functions/{FunctionName}/versions"},
		Handler: pipeline.Handle(pipeline.Operation{Name: "ListVersionsByFunction", Actions: []string{"lambda:ListVersionsByFunction"}, Keys: fn}, run((*Service).listVersions))},
	{method: post, paths: []string{"/2015-03-31/functions/{FunctionName}/versions"}, status: http.StatusCreated,
		Handler: pipeline.Handle(pipeline.Operation{Name: "PublishVersion", Actions: []string{"lambda:PublishVersion"}, Keys: fn}, run((*Service).publishVersion))},
	{method: put, paths: []string{"/2017-10-31/functions/{FunctionName}/concurrency"},
		Handler: pipeline.Handle(pipeline.Operation{Name: "PutFunctionConcurrency", Actions: []string{"lambda:PutFunctionConcurrency"}, Keys: fn}, run((*Service).putConcurrency))},
	{method: del, paths: []string{"/2015-03-31/functions/{FunctionName}/policy/{StatementId}"}, status: http.StatusNoContent,
		Handler: pipeline.Handle(pipeline.Operation{Name: "RemovePermission", Actions: []string{"lambda:RemovePermission"}, Keys: fn}, run((*Service).removePermission))},
	{method: post, paths: []string{"/2017-03-31/tags/{ARN?}"}, status: http.StatusNoContent,
		Handler: pipeline.Handle(pipeline.Operation{Name: "TagResource", Actions: []string{"lambda:TagResource"}, Keys: append(append([]string(nil), pipeline.TaggingKeys...), fn...)}, run((*Service).tagResource))},
	{method: del, paths: []string{"/2017-03-31/tags/{ARN?}"}, status: http.StatusNoContent,
		Handler: pipeline.Handle(pipeline.Operation{Name: "UntagResource", Actions: []string{"lambda:UntagResource"}, Keys: append([]string{pipeline.KeyTagKeys}, fn...)}, run((*Service).untagResource))},
	{method: put, paths: []string{"/2015-03-31/functions/{FunctionName}/aliases/{Name}"},
		Handler: pipeline.Handle(pipeline.Operation{Name: "UpdateAlias", Actions: []string{"lambda:UpdateAlias"}, Keys: fn}, run((*Service).updateAlias))},
	{method: put, paths: []string{"/2021-10-31/functions/{FunctionName}/url"},
		Handler: pipeline.Handle(pipeline.Operation{Name: "UpdateFunctionUrlConfig", Actions: []string{"lambda:UpdateFunctionUrlConfig"}, Keys: append([]string{"lambda:FunctionUrlAuthType"}, fn...)}, run((*Service).updateURL))},
	{method: put, paths: []string{"/2015-03-31/functions/{FunctionName}/code"}, limit: bodyCode,
		Handler: pipeline.Handle(pipeline.Operation{Name: "UpdateFunctionCode", Actions: []string{"lambda:UpdateFunctionCode"}, Keys: fn}, run((*Service).updateCode))},
	{method: put, paths: []string{"/2015-03-31/functions/{FunctionName}/configuration"},
		Handler: pipeline.Handle(pipeline.Operation{Name: "UpdateFunctionConfiguration", Actions: []string{"lambda:UpdateFunctionConfiguration", "iam:PassRole", "lambda:GetLayerVersion"}, Keys: append([]string{"iam:PassedToService"}, fn...)}, run((*Service).updateConfiguration))},
	{method: post, paths: []string{"/2020-04-22/code-signing-configs", "/2020-04-22/code-signing-configs/"}, status: http.StatusCreated,
		Handler: pipeline.Handle(pipeline.Operation{Name: "CreateCodeSigningConfig", Actions: []string{"lambda:CreateCodeSigningConfig"}, Keys: pipeline.TaggingKeys}, run((*Service).createCSC))},
	{method: post, paths: []string{"/2015-03-31/event-source-mappings", "/2015-03-31/event-source-mappings/"},
		Handler: pipeline.Handle(pipeline.Operation{Name: "CreateEventSourceMapping", Actions: []string{"lambda:CreateEventSourceMapping"}}, run((*Service).createMapping))},
	{method: del, paths: []string{"/2020-04-22/code-signing-configs/{CodeSigningConfigArn}"}, status: http.StatusNoContent,
		Handler: pipeline.Handle(pipeline.Operation{Name: "DeleteCodeSigningConfig", Actions: []string{"lambda:DeleteCodeSigningConfig"}}, run((*Service).deleteCSC))},
	{method: del, paths: []string{"/2015-03-31/event-source-mappings/{UUID}"},
		Handler: pipeline.Handle(pipeline.Operation{Name: "DeleteEventSourceMapping", Actions: []string{"lambda:DeleteEventSourceMapping"}}, run((*Service).deleteMapping))},
	{method: del, paths: []string{"/2020-06-30/functions/{FunctionName}/code-signing-config"}, status: http.StatusNoContent,
		Handler: pipeline.Handle(pipeline.Operation{Name: "DeleteFunctionCodeSigningConfig", Actions: []string{"lambda:DeleteFunctionCodeSigningConfig"}, Keys: fn}, run((*Service).deleteFunctionCSC))},
	{method: del, paths: []string{"/2019-09-25/functions/{FunctionName}/event-invoke-config"}, status: http.StatusNoContent,
		Handler: pipeline.Handle(pipeline.Operation{Name: "DeleteFunctionEventInvokeConfig", Actions: []string{"lambda:DeleteFunctionEventInvokeConfig"}, Keys: fn}, run((*Service).deleteEventInvoke))},
	{method: del, paths: []string{"/2019-09-30/functions/{FunctionName}/provisioned-concurrency"}, status: http.StatusNoContent,
		Handler: pipeline.Handle(pipeline.Operation{Name: "DeleteProvisionedConcurrencyConfig", Actions: []string{"lambda:DeleteProvisionedConcurrencyConfig"}, Keys: fn}, run((*Service).deleteProvisioned))},
	{method: get, paths: []string{"/2020-04-22/code-signing-configs/{CodeSigningConfigArn}"},
		Handler: pipeline.Handle(pipeline.Operation{Name: "GetCodeSigningConfig", Actions: []string{"lambda:GetCodeSigningConfig"}}, run((*Service).getCSC))},
	{method: get, paths: []string{"/2015-03-31/event-source-mappings/{UUID}"},
		Handler: pipeline.Handle(pipeline.Operation{Name: "GetEventSourceMapping", Actions: []string{"lambda:GetEventSourceMapping"}}, run((*Service).getMapping))},
	{method: get, paths: []string{"/2019-09-25/functions/{FunctionName}/event-invoke-config"},
		Handler: pipeline.Handle(pipeline.Operation{Name: "GetFunctionEventInvokeConfig", Actions: []string{"lambda:GetFunctionEventInvokeConfig"}, Keys: fn}, run((*Service).getEventInvoke))},
	{method: get, paths: []string{"/2024-08-31/functions/{FunctionName}/recursion-config"},
		Handler: pipeline.Handle(pipeline.Operation{Name: "GetFunctionRecursionConfig", Actions: []string{"lambda:GetFunctionRecursionConfig"}, Keys: fn}, run((*Service).getRecursion))},
	{method: get, paths: []string{"/2019-09-30/functions/{FunctionName}/provisioned-concurrency"},
		Handler: pipeline.Handle(pipeline.Operation{Name: "GetProvisionedConcurrencyConfig", Actions: []string{"lambda:GetProvisionedConcurrencyConfig"}, Keys: fn}, run((*Service).getProvisioned))},
	{method: get, paths: []string{"/2021-07-20/functions/{FunctionName}/runtime-management-config"},
		Handler: pipeline.Handle(pipeline.Operation{Name: "GetRuntimeManagementConfig", Actions: []string{"lambda:GetRuntimeManagementConfig"}, Keys: fn}, run((*Service).getRuntimeConfig))},
	{method: get, paths: []string{"/2020-04-22/code-signing-configs", "/2020-04-22/code-signing-configs/"},
		Handler: pipeline.Handle(pipeline.Operation{Name: "ListCodeSigningConfigs", Actions: []string{"lambda:ListCodeSigningConfigs"}}, run((*Service).listCSCs))},
	{method: get, paths: []string{"/2015-03-31/event-source-mappings", "/2015-03-31/event-source-mappings/"},
		Handler: pipeline.Handle(pipeline.Operation{Name: "ListEventSourceMappings", Actions: []string{"lambda:ListEventSourceMappings"}}, run((*Service).listMappings))},
	{method: get, paths: []string{"/2019-09-25/functions/{FunctionName}/event-invoke-config/list"},
		Handler: pipeline.Handle(pipeline.Operation{Name: "ListFunctionEventInvokeConfigs", Actions: []string{"lambda:ListFunctionEventInvokeConfigs"}, Keys: fn}, run((*Service).listEventInvoke))},
	{method: get, paths: []string{"/2020-04-22/code-signing-configs/{CodeSigningConfigArn}/functions"},
		Handler: pipeline.Handle(pipeline.Operation{Name: "ListFunctionsByCodeSigningConfig", Actions: []string{"lambda:ListFunctionsByCodeSigningConfig"}}, run((*Service).listFunctionsByCSC))},
	{method: get, paths: []string{"/2019-09-30/functions/{FunctionName}/provisioned-concurrency"}, query: "List=ALL",
		Handler: pipeline.Handle(pipeline.Operation{Name: "ListProvisionedConcurrencyConfigs", Actions: []string{"lambda:ListProvisionedConcurrencyConfigs"}, Keys: fn}, run((*Service).listProvisioned))},
	{method: put, paths: []string{"/2020-06-30/functions/{FunctionName}/code-signing-config"},
		Handler: pipeline.Handle(pipeline.Operation{Name: "PutFunctionCodeSigningConfig", Actions: []string{"lambda:PutFunctionCodeSigningConfig"}, Keys: fn}, run((*Service).putFunctionCSC))},
	{method: put, paths: []string{"/2019-09-25/functions/{FunctionName}/event-invoke-config"},
		Handler: pipeline.Handle(pipeline.Operation{Name: "PutFunctionEventInvokeConfig", Actions: []string{"lambda:PutFunctionEventInvokeConfig"}, Keys: fn}, run((*Service).putEventInvoke))},
	{method: put, paths: []string{"/2024-08-31/functions/{FunctionName}/recursion-config"},
		Handler: pipeline.Handle(pipeline.Operation{Name: "PutFunctionRecursionConfig", Actions: []string{"lambda:PutFunctionRecursionConfig"}, Keys: fn}, run((*Service).putRecursion))},
	{method: put, paths: []string{"/2019-09-30/functions/{FunctionName}/provisioned-concurrency"}, status: http.StatusAccepted,
		Handler: pipeline.Handle(pipeline.Operation{Name: "PutProvisionedConcurrencyConfig", Actions: []string{"lambda:PutProvisionedConcurrencyConfig"}, Keys: fn}, run((*Service).putProvisioned))},
	{method: put, paths: []string{"/2021-07-20/functions/{FunctionName}/runtime-management-config"},
		Handler: pipeline.Handle(pipeline.Operation{Name: "PutRuntimeManagementConfig", Actions: []string{"lambda:PutRuntimeManagementConfig"}, Keys: fn}, run((*Service).putRuntimeConfig))},
	{method: put, paths: []string{"/2020-04-22/code-signing-configs/{CodeSigningConfigArn}"},
		Handler: pipeline.Handle(pipeline.Operation{Name: "UpdateCodeSigningConfig", Actions: []string{"lambda:UpdateCodeSigningConfig"}}, run((*Service).updateCSC))},
	{method: put, paths: []string{"/2015-03-31/event-source-mappings/{UUID}"},
		Handler: pipeline.Handle(pipeline.Operation{Name: "UpdateEventSourceMapping", Actions: []string{"lambda:UpdateEventSourceMapping"}}, run((*Service).updateMapping))},
	{method: post, paths: []string{"/2019-09-25/functions/{FunctionName}/event-invoke-config"},
		Handler: pipeline.Handle(pipeline.Operation{Name: "UpdateFunctionEventInvokeConfig", Actions: []string{"lambda:UpdateFunctionEventInvokeConfig"}, Keys: fn}, run((*Service).updateEventInvoke))},
	{method: post, paths: []string{"/2018-10-31/layers/{LayerName}/versions/{VersionNumber}/policy"}, status: http.StatusCreated,
		Handler: pipeline.Handle(pipeline.Operation{Name: "AddLayerVersionPermission", Actions: []string{"lambda:AddLayerVersionPermission"}}, run((*Service).addLayerPermission))},
	{method: del, paths: []string{"/2018-10-31/layers/{LayerName}/versions/{VersionNumber}"}, status: http.StatusNoContent,
		Handler: pipeline.Handle(pipeline.Operation{Name: "DeleteLayerVersion", Actions: []string{"lambda:DeleteLayerVersion"}}, run((*Service).deleteLayerVersion))},
	{method: get, paths: []string{"/2018-10-31/layers/{LayerName}/versions/{VersionNumber}"},
		Handler: pipeline.Handle(pipeline.Operation{Name: "GetLayerVersion", Actions: []string{"lambda:GetLayerVersion"}}, run((*Service).getLayerVersion))},
	{method: get, paths: []string{"/2018-10-31/layers"}, query: "find=LayerVersion",
		Handler: pipeline.Handle(pipeline.Operation{Name: "GetLayerVersionByArn", Actions: []string{"lambda:GetLayerVersion"}}, run((*Service).getLayerVersionByArn))},
	{method: get, paths: []string{"/2018-10-31/layers/{LayerName}/versions/{VersionNumber}/policy"},
		Handler: pipeline.Handle(pipeline.Operation{Name: "GetLayerVersionPolicy", Actions: []string{"lambda:GetLayerVersionPolicy"}}, run((*Service).getLayerPolicy))},
	{method: get, paths: []string{"/2018-10-31/layers/{LayerName}/versions"},
		Handler: pipeline.Handle(pipeline.Operation{Name: "ListLayerVersions", Actions: []string{"lambda:ListLayerVersions"}}, run((*Service).listLayerVersions))},
	{method: get, paths: []string{"/2018-10-31/layers"},
		Handler: pipeline.Handle(pipeline.Operation{Name: "ListLayers", Actions: []string{"lambda:ListLayers"}}, run((*Service).listLayers))},
	{method: post, paths: []string{"/2018-10-31/layers/{LayerName}/versions"}, limit: bodyCode, status: http.StatusCreated,
		Handler: pipeline.Handle(pipeline.Operation{Name: "PublishLayerVersion", Actions: []string{"lambda:PublishLayerVersion"}}, run((*Service).publishLayer))},
	{method: del, paths: []string{"/2018-10-31/layers/{LayerName}/versions/{VersionNumber}/policy/{StatementId}"}, status: http.StatusNoContent,
		Handler: pipeline.Handle(pipeline.Operation{Name: "RemoveLayerVersionPermission", Actions: []string{"lambda:RemoveLayerVersionPermission"}}, run((*Service).removeLayerPermission))},
	// Lambda Managed Instances and durable executions (capacity.go).
	{method: post, paths: []string{"/2025-11-30/capacity-providers", "/2025-11-30/capacity-providers/"}, status: http.StatusAccepted,
		Handler: pipeline.Handle(pipeline.Operation{Name: "CreateCapacityProvider", Actions: []string{"lambda:CreateCapacityProvider"}, Keys: pipeline.TaggingKeys}, run((*Service).createCapacityProvider))},
	{method: del, paths: []string{"/2025-11-30/capacity-providers/{CapacityProviderName}"}, status: http.StatusAccepted,
		Handler: pipeline.Handle(pipeline.Operation{Name: "DeleteCapacityProvider", Actions: []string{"lambda:DeleteCapacityProvider"}}, run((*Service).deleteCapacityProvider))},
	{method: get, paths: []string{"/2025-11-30/capacity-providers/{CapacityProviderName}"},
		Handler: pipeline.Handle(pipeline.Operation{Name: "GetCapacityProvider", Actions: []string{"lambda:GetCapacityProvider"}}, run((*Service).getCapacityProvider))},
	{method: get, paths: []string{"/2025-11-30/capacity-providers", "/2025-11-30/capacity-providers/"},
		Handler: pipeline.Handle(pipeline.Operation{Name: "ListCapacityProviders", Actions: []string{"lambda:ListCapacityProviders"}}, run((*Service).listCapacityProviders))},
	{method: put, paths: []string{"/2025-11-30/capacity-providers/{CapacityProviderName}"}, status: http.StatusAccepted,
		Handler: pipeline.Handle(pipeline.Operation{Name: "UpdateCapacityProvider", Actions: []string{"lambda:UpdateCapacityProvider"}}, run((*Service).updateCapacityProvider))},
	{method: get, paths: []string{"/2025-11-30/capacity-providers/{CapacityProviderName}/function-versions"},
		Handler: pipeline.Handle(pipeline.Operation{Name: "ListFunctionVersionsByCapacityProvider", Actions: []string{"lambda:ListFunctionVersionsByCapacityProvider"}}, run((*Service).listFunctionVersionsByCP))},
	{method: get, paths: []string{"/2025-11-30/functions/{FunctionName}/function-scaling-config"},
		Handler: pipeline.Handle(pipeline.Operation{Name: "GetFunctionScalingConfig", Actions: []string{"lambda:GetFunctionScalingConfig"}, Keys: fn}, run((*Service).getScaling))},
	{method: put, paths: []string{"/2025-11-30/functions/{FunctionName}/function-scaling-config"}, status: http.StatusAccepted,
		Handler: pipeline.Handle(pipeline.Operation{Name: "PutFunctionScalingConfig", Actions: []string{"lambda:PutFunctionScalingConfig"}, Keys: fn}, run((*Service).putScaling))},
	{method: post, paths: []string{"/2025-12-01/durable-executions/{DurableExecutionArn}/checkpoint"},
		Handler: pipeline.Handle(pipeline.Operation{Name: "CheckpointDurableExecution", Actions: []string{"lambda:CheckpointDurableExecution"}, Keys: fn}, run((*Service).checkpointDurable))},
	{method: get, paths: []string{"/2025-12-01/durable-executions/{DurableExecutionArn?}"},
		Handler: pipeline.Handle(pipeline.Operation{Name: "GetDurableExecution", Actions: []string{"lambda:GetDurableExecution"}, Keys: fn}, run((*Service).getDurable))},
	{method: get, paths: []string{"/2025-12-01/durable-executions/{DurableExecutionArn}/history"},
		Handler: pipeline.Handle(pipeline.Operation{Name: "GetDurableExecutionHistory", Actions: []string{"lambda:GetDurableExecutionHistory"}, Keys: fn}, run((*Service).getDurableHistory))},
	{method: get, paths: []string{"/2025-12-01/durable-executions/{DurableExecutionArn}/state"},
		Handler: pipeline.Handle(pipeline.Operation{Name: "GetDurableExecutionState", Actions: []string{"lambda:GetDurableExecutionState"}, Keys: fn}, run((*Service).durableState))},
	{method: post, paths: []string{"/2025-12-01/durable-executions/{DurableExecutionArn}/stop"},
		Handler: pipeline.Handle(pipeline.Operation{Name: "StopDurableExecution", Actions: []string{"lambda:StopDurableExecution"}, Keys: fn}, run((*Service).stopDurable))},
	{method: get, paths: []string{"/2025-12-01/functions/{FunctionName}/durable-executions"},
		Handler: pipeline.Handle(pipeline.Operation{Name: "ListDurableExecutionsByFunction", Actions: []string{"lambda:ListDurableExecutionsByFunction"}, Keys: fn}, run((*Service).listDurable))},
	{method: post, paths: []string{"/2025-12-01/durable-execution-callbacks/{CallbackId}/succeed"},
		Handler: pipeline.Handle(pipeline.Operation{Name: "SendDurableExecutionCallbackSuccess", Actions: []string{"lambda:SendDurableExecutionCallbackSuccess"}}, run((*Service).callbackSuccess))},
	{method: post, paths: []string{"/2025-12-01/durable-execution-callbacks/{CallbackId}/fail"},
		Handler: pipeline.Handle(pipeline.Operation{Name: "SendDurableExecutionCallbackFailure", Actions: []string{"lambda:SendDurableExecutionCallbackFailure"}}, run((*Service).callbackFailure))},
	{method: post, paths: []string{"/2025-12-01/durable-execution-callbacks/{CallbackId}/heartbeat"},
		Handler: pipeline.Handle(pipeline.Operation{Name: "SendDurableExecutionCallbackHeartbeat", Actions: []string{"lambda:SendDurableExecutionCallbackHeartbeat"}}, run((*Service).callbackHeartbeat))},
}

// operations is the table's entries: the metadata of the lambda surface.
var operations = func() pipeline.Handlers[*request] {
	hs := make(pipeline.Handlers[*request], len(routes))
	for i := range routes {
		hs[i] = routes[i].Handler
	}
	return hs
}()

// Table is the Lambda operations, with the actions each authorizes
// (authorize refuses any other) and the condition keys each adds: the
// closed set of operation labels of the lambda surface's metrics.
var Table = operations.Table()

// urlOperation is InvokeFunctionUrl's entry.
var urlOperation = func() *pipeline.Operation {
	for i := range routes {
		if routes[i].functionURL {
			return &routes[i].Operation
		}
	}
	panic("lambda: no function URL operation")
}()

// Operations returns the names of the operations, sorted: the closed set
// of operation labels of the lambda surface's metrics.
func Operations() []string { return Table.Names() }
