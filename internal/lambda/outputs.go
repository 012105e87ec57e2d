package lambda

import "net/http"

// The operations' outputs: each handler returns its operation's own type,
// and the frame renders it (render in frame.go). The names are
// OperationOutput; a type defined over a shape type (configuration,
// aliasOut, layerVersionOut, urlConfigOut, eventInvokeOut, provisionedOut)
// is that AWS shape (FunctionConfiguration, AliasConfiguration, …). The
// JSON members are declared in the order the answers have always had them
// (sorted: most were maps before), so the wire does not change; a
// struct{} output has no body (the 204s).

// AddPermissionOutput is AddPermission's output.
type AddPermissionOutput struct {
	Statement string `json:"Statement"`
}

// CreateAliasOutput is CreateAlias's output.
type CreateAliasOutput aliasOut

// CreateFunctionUrlConfigOutput is CreateFunctionUrlConfig's output.
type CreateFunctionUrlConfigOutput urlConfigOut

// CreateFunctionOutput is CreateFunction's output.
type CreateFunctionOutput configuration

// DeleteAliasOutput is DeleteAlias's output.
type DeleteAliasOutput struct{}

// DeleteFunctionOutput is DeleteFunction's output.
type DeleteFunctionOutput struct{}

// DeleteFunctionUrlConfigOutput is DeleteFunctionUrlConfig's output.
type DeleteFunctionUrlConfigOutput struct{}

// DeleteFunctionConcurrencyOutput is DeleteFunctionConcurrency's output.
type DeleteFunctionConcurrencyOutput struct{}

// GetAliasOutput is GetAlias's output.
type GetAliasOutput aliasOut

// GetFunctionOutput is GetFunction's output.
type GetFunctionOutput struct {
	Code          functionCodeLocation          `json:"Code"`
	Concurrency   *GetFunctionConcurrencyOutput `json:"Concurrency,omitempty"`
	Configuration *configuration                `json:"Configuration"`
	Tags          map[string]string             `json:"Tags,omitempty"`
}

// functionCodeLocation is the FunctionCodeLocation shape.
type functionCodeLocation struct {
	Location       string `json:"Location"`
	RepositoryType string `json:"RepositoryType"`
}

// GetFunctionCodeSigningConfigOutput is GetFunctionCodeSigningConfig's output.
type GetFunctionCodeSigningConfigOutput struct {
	CodeSigningConfigArn string `json:"CodeSigningConfigArn,omitempty"`
	FunctionName         string `json:"FunctionName,omitempty"`
}

// GetFunctionConcurrencyOutput is GetFunctionConcurrency's output.
type GetFunctionConcurrencyOutput struct {
	ReservedConcurrentExecutions *int `json:"ReservedConcurrentExecutions,omitempty"`
}

// GetFunctionConfigurationOutput is GetFunctionConfiguration's output.
type GetFunctionConfigurationOutput configuration

// GetFunctionUrlConfigOutput is GetFunctionUrlConfig's output.
type GetFunctionUrlConfigOutput urlConfigOut

// GetPolicyOutput is GetPolicy's output.
type GetPolicyOutput struct {
	Policy     string `json:"Policy"`
	RevisionId string `json:"RevisionId"`
}

// ListAliasesOutput is ListAliases's output.
type ListAliasesOutput struct {
	Aliases    []*aliasOut `json:"Aliases"`
	NextMarker string      `json:"NextMarker,omitempty"`
}

// ListFunctionUrlConfigsOutput is ListFunctionUrlConfigs's output.
type ListFunctionUrlConfigsOutput struct {
	FunctionUrlConfigs []*urlConfigOut `json:"FunctionUrlConfigs"`
	NextMarker         string          `json:"NextMarker,omitempty"`
}

// ListFunctionsOutput is ListFunctions's output.
type ListFunctionsOutput struct {
	Functions  []*configuration `json:"Functions"`
	NextMarker string           `json:"NextMarker,omitempty"`
}

// ListTagsOutput is ListTags's output.
type ListTagsOutput struct {
	Tags map[string]string `json:"Tags"`
}

// ListVersionsByFunctionOutput is ListVersionsByFunction's output.
type ListVersionsByFunctionOutput struct {
	NextMarker string           `json:"NextMarker,omitempty"`
	Versions   []*configuration `json:"Versions"`
}

// PublishVersionOutput is PublishVersion's output.
type PublishVersionOutput configuration

// PutFunctionConcurrencyOutput is PutFunctionConcurrency's output.
type PutFunctionConcurrencyOutput struct {
	ReservedConcurrentExecutions int `json:"ReservedConcurrentExecutions"`
}

// RemovePermissionOutput is RemovePermission's output.
type RemovePermissionOutput struct{}

// TagResourceOutput is TagResource's output.
type TagResourceOutput struct{}

// UntagResourceOutput is UntagResource's output.
type UntagResourceOutput struct{}

// UpdateAliasOutput is UpdateAlias's output.
type UpdateAliasOutput aliasOut

// UpdateFunctionUrlConfigOutput is UpdateFunctionUrlConfig's output.
type UpdateFunctionUrlConfigOutput urlConfigOut

// UpdateFunctionCodeOutput is UpdateFunctionCode's output.
type UpdateFunctionCodeOutput configuration

// UpdateFunctionConfigurationOutput is UpdateFunctionConfiguration's output.
type UpdateFunctionConfigurationOutput configuration

// CreateCodeSigningConfigOutput is CreateCodeSigningConfig's output.
type CreateCodeSigningConfigOutput struct {
	CodeSigningConfig *csc `json:"CodeSigningConfig"`
}

// CreateEventSourceMappingOutput is CreateEventSourceMapping's output.
type CreateEventSourceMappingOutput struct{}

// DeleteCodeSigningConfigOutput is DeleteCodeSigningConfig's output.
type DeleteCodeSigningConfigOutput struct{}

// DeleteEventSourceMappingOutput is DeleteEventSourceMapping's output.
type DeleteEventSourceMappingOutput struct{}

// DeleteFunctionCodeSigningConfigOutput is DeleteFunctionCodeSigningConfig's output.
type DeleteFunctionCodeSigningConfigOutput struct{}

// DeleteFunctionEventInvokeConfigOutput is DeleteFunctionEventInvokeConfig's output.
type DeleteFunctionEventInvokeConfigOutput struct{}

// DeleteProvisionedConcurrencyConfigOutput is DeleteProvisionedConcurrencyConfig's output.
type DeleteProvisionedConcurrencyConfigOutput struct{}

// GetCodeSigningConfigOutput is GetCodeSigningConfig's output.
type GetCodeSigningConfigOutput struct {
	CodeSigningConfig *csc `json:"CodeSigningConfig"`
}

// GetEventSourceMappingOutput is GetEventSourceMapping's output.
type GetEventSourceMappingOutput struct{}

// GetFunctionEventInvokeConfigOutput is GetFunctionEventInvokeConfig's output.
type GetFunctionEventInvokeConfigOutput eventInvokeOut

// GetFunctionRecursionConfigOutput is GetFunctionRecursionConfig's output.
type GetFunctionRecursionConfigOutput struct {
	RecursiveLoop string `json:"RecursiveLoop"`
}

// GetProvisionedConcurrencyConfigOutput is GetProvisionedConcurrencyConfig's output.
type GetProvisionedConcurrencyConfigOutput provisionedOut

// GetRuntimeManagementConfigOutput is GetRuntimeManagementConfig's output.
type GetRuntimeManagementConfigOutput struct {
	FunctionArn       string `json:"FunctionArn"`
	RuntimeVersionArn string `json:"RuntimeVersionArn,omitempty"`
	UpdateRuntimeOn   string `json:"UpdateRuntimeOn"`
}

// ListCodeSigningConfigsOutput is ListCodeSigningConfigs's output.
type ListCodeSigningConfigsOutput struct {
	CodeSigningConfigs []*csc `json:"CodeSigningConfigs"`
	NextMarker         string `json:"NextMarker,omitempty"`
}

// ListEventSourceMappingsOutput is ListEventSourceMappings's output.
type ListEventSourceMappingsOutput struct {
	EventSourceMappings []any `json:"EventSourceMappings"`
}

// ListFunctionEventInvokeConfigsOutput is ListFunctionEventInvokeConfigs's output.
type ListFunctionEventInvokeConfigsOutput struct {
	FunctionEventInvokeConfigs []*eventInvokeOut `json:"FunctionEventInvokeConfigs"`
	NextMarker                 string            `json:"NextMarker,omitempty"`
}

// ListFunctionsByCodeSigningConfigOutput is ListFunctionsByCodeSigningConfig's output.
type ListFunctionsByCodeSigningConfigOutput struct {
	FunctionArns []string `json:"FunctionArns"`
	NextMarker   string   `json:"NextMarker,omitempty"`
}

// ListProvisionedConcurrencyConfigsOutput is ListProvisionedConcurrencyConfigs's output.
type ListProvisionedConcurrencyConfigsOutput struct {
	NextMarker                    string            `json:"NextMarker,omitempty"`
	ProvisionedConcurrencyConfigs []*provisionedOut `json:"ProvisionedConcurrencyConfigs"`
}

// PutFunctionCodeSigningConfigOutput is PutFunctionCodeSigningConfig's output.
type PutFunctionCodeSigningConfigOutput struct {
	CodeSigningConfigArn string `json:"CodeSigningConfigArn"`
	FunctionName         string `json:"FunctionName"`
}

// PutFunctionEventInvokeConfigOutput is PutFunctionEventInvokeConfig's output.
type PutFunctionEventInvokeConfigOutput eventInvokeOut

// PutFunctionRecursionConfigOutput is PutFunctionRecursionConfig's output.
type PutFunctionRecursionConfigOutput struct {
	RecursiveLoop string `json:"RecursiveLoop"`
}

// PutProvisionedConcurrencyConfigOutput is PutProvisionedConcurrencyConfig's output.
type PutProvisionedConcurrencyConfigOutput provisionedOut

// PutRuntimeManagementConfigOutput is PutRuntimeManagementConfig's output.
type PutRuntimeManagementConfigOutput GetRuntimeManagementConfigOutput

// UpdateCodeSigningConfigOutput is UpdateCodeSigningConfig's output.
type UpdateCodeSigningConfigOutput struct {
	CodeSigningConfig *csc `json:"CodeSigningConfig"`
}

// UpdateEventSourceMappingOutput is UpdateEventSourceMapping's output.
type UpdateEventSourceMappingOutput struct{}

// UpdateFunctionEventInvokeConfigOutput is UpdateFunctionEventInvokeConfig's output.
type UpdateFunctionEventInvokeConfigOutput eventInvokeOut

// AddLayerVersionPermissionOutput is AddLayerVersionPermission's output.
type AddLayerVersionPermissionOutput struct {
	RevisionId string `json:"RevisionId"`
	Statement  string `json:"Statement"`
}

// DeleteLayerVersionOutput is DeleteLayerVersion's output.
type DeleteLayerVersionOutput struct{}

// GetLayerVersionOutput is GetLayerVersion's output.
type GetLayerVersionOutput layerVersionOut

// GetLayerVersionByArnOutput is GetLayerVersionByArn's output.
type GetLayerVersionByArnOutput layerVersionOut

// GetLayerVersionPolicyOutput is GetLayerVersionPolicy's output.
type GetLayerVersionPolicyOutput struct {
	Policy     string `json:"Policy"`
	RevisionId string `json:"RevisionId"`
}

// ListLayerVersionsOutput is ListLayerVersions's output.
type ListLayerVersionsOutput struct {
	LayerVersions []*layerVersionOut `json:"LayerVersions"`
	NextMarker    string             `json:"NextMarker,omitempty"`
}

// ListLayersOutput is ListLayers's output.
type ListLayersOutput struct {
	Layers     []*layersListItem `json:"Layers"`
	NextMarker string            `json:"NextMarker,omitempty"`
}

// PublishLayerVersionOutput is PublishLayerVersion's output.
type PublishLayerVersionOutput layerVersionOut

// RemoveLayerVersionPermissionOutput is RemoveLayerVersionPermission's output.
type RemoveLayerVersionPermissionOutput struct{}

// CreateCapacityProviderOutput is CreateCapacityProvider's output.
type CreateCapacityProviderOutput struct {
	CapacityProvider *capacityProvider `json:"CapacityProvider"`
}

// DeleteCapacityProviderOutput is DeleteCapacityProvider's output.
type DeleteCapacityProviderOutput struct {
	CapacityProvider *capacityProvider `json:"CapacityProvider"`
}

// GetCapacityProviderOutput is GetCapacityProvider's output.
type GetCapacityProviderOutput struct {
	CapacityProvider *capacityProvider `json:"CapacityProvider"`
}

// ListCapacityProvidersOutput is ListCapacityProviders's output.
type ListCapacityProvidersOutput struct {
	CapacityProviders []*capacityProvider `json:"CapacityProviders"`
	NextMarker        string              `json:"NextMarker,omitempty"`
}

// UpdateCapacityProviderOutput is UpdateCapacityProvider's output.
type UpdateCapacityProviderOutput struct {
	CapacityProvider *capacityProvider `json:"CapacityProvider"`
}

// ListFunctionVersionsByCapacityProviderOutput is ListFunctionVersionsByCapacityProvider's output.
type ListFunctionVersionsByCapacityProviderOutput struct {
	CapacityProviderArn string `json:"CapacityProviderArn"`
	FunctionVersions    []any  `json:"FunctionVersions"`
}

// GetFunctionScalingConfigOutput is GetFunctionScalingConfig's output.
type GetFunctionScalingConfigOutput struct {
	AppliedFunctionScalingConfig   *scalingConfig `json:"AppliedFunctionScalingConfig,omitempty"`
	FunctionArn                    string         `json:"FunctionArn"`
	RequestedFunctionScalingConfig *scalingConfig `json:"RequestedFunctionScalingConfig,omitempty"`
}

// PutFunctionScalingConfigOutput is PutFunctionScalingConfig's output.
type PutFunctionScalingConfigOutput struct {
	FunctionState string `json:"FunctionState"`
}

// CheckpointDurableExecutionOutput is CheckpointDurableExecution's output.
type CheckpointDurableExecutionOutput struct{}

// GetDurableExecutionOutput is GetDurableExecution's output.
type GetDurableExecutionOutput struct{}

// GetDurableExecutionHistoryOutput is GetDurableExecutionHistory's output.
type GetDurableExecutionHistoryOutput struct{}

// GetDurableExecutionStateOutput is GetDurableExecutionState's output.
type GetDurableExecutionStateOutput struct{}

// StopDurableExecutionOutput is StopDurableExecution's output.
type StopDurableExecutionOutput struct{}

// ListDurableExecutionsByFunctionOutput is ListDurableExecutionsByFunction's output.
type ListDurableExecutionsByFunctionOutput struct {
	DurableExecutions []any `json:"DurableExecutions"`
}

// SendDurableExecutionCallbackSuccessOutput is SendDurableExecutionCallbackSuccess's output.
type SendDurableExecutionCallbackSuccessOutput struct{}

// SendDurableExecutionCallbackFailureOutput is SendDurableExecutionCallbackFailure's output.
type SendDurableExecutionCallbackFailureOutput struct{}

// SendDurableExecutionCallbackHeartbeatOutput is SendDurableExecutionCallbackHeartbeat's output.
type SendDurableExecutionCallbackHeartbeatOutput struct{}

// GetAccountSettingsOutput is GetAccountSettings's output.
type GetAccountSettingsOutput struct {
	AccountLimit accountLimit `json:"AccountLimit"`
	AccountUsage accountUsage `json:"AccountUsage"`
}

// accountLimit is the AccountLimit shape (members in the order the
// answer has always had: sorted).
type accountLimit struct {
	CodeSizeUnzipped               int64 `json:"CodeSizeUnzipped"`
	CodeSizeZipped                 int64 `json:"CodeSizeZipped"`
	ConcurrentExecutions           int   `json:"ConcurrentExecutions"`
	TotalCodeSize                  int64 `json:"TotalCodeSize"`
	UnreservedConcurrentExecutions int   `json:"UnreservedConcurrentExecutions"`
}

// accountUsage is the AccountUsage shape.
type accountUsage struct {
	FunctionCount int   `json:"FunctionCount"`
	TotalCodeSize int64 `json:"TotalCodeSize"`
}

// GetFunctionCodeLocationOutput is the package a Code.Location URL
// serves.
type GetFunctionCodeLocationOutput struct {
	ContentType string `header:"Content-Type" json:"-"`
	Zip         []byte `payload:"" json:"-"`
}

// InvokeOutput is Invoke's output (botocore's InvocationResponse): 200
// with the function's payload and its headers, 202 for an Event
// invocation, 204 for a DryRun.
type InvokeOutput struct {
	status          int
	ContentType     string `header:"Content-Type" json:"-"`
	FunctionError   string `header:"X-Amz-Function-Error" json:"-"`
	LogResult       string `header:"X-Amz-Log-Result" json:"-"`
	ExecutedVersion string `header:"X-Amz-Executed-Version" json:"-"`
	// Payload is the body of a 200 (nil otherwise).
	Payload []byte `payload:"" json:"-"`
}

func (o *InvokeOutput) statusCode() int { return o.status }

// InvokeAsyncOutput is InvokeAsync's output: its status (202, the
// route's) is the whole answer.
type InvokeAsyncOutput struct{}

// InvokeWithResponseStreamOutput is InvokeWithResponseStream's output:
// 200 with the event stream that run writes while the function answers,
// or 204 for a DryRun (run nil).
type InvokeWithResponseStreamOutput struct {
	status                    int
	ExecutedVersion           string `header:"X-Amz-Executed-Version" json:"-"`
	ResponseStreamContentType string `header:"Content-Type" json:"-"`
	// run invokes the function and streams its answer to w; it calls
	// head (once) before its first write, after setting
	// ResponseStreamContentType.
	run func(w http.ResponseWriter, head func()) error
}

func (o *InvokeWithResponseStreamOutput) statusCode() int { return o.status }

func (o *InvokeWithResponseStreamOutput) stream(w http.ResponseWriter, head func()) error {
	if o.run == nil {
		head()
		return nil
	}
	return o.run(w, head)
}

// InvokeFunctionUrlOutput is the function URL entry's output, never
// produced: urlserve.go answers function URL requests.
type InvokeFunctionUrlOutput struct{}
