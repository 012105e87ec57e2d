package apigw

// Record kinds in the store. Keys: restapi "{apiId}", deployment
// "{apiId}/{deploymentId}", stage "{apiId}/{stageName}", domain "{name}",
// basepath "{domain}/{basePath}".
const (
	KindRestAPI    = "apigw/restapi"
	KindDeployment = "apigw/deployment"
	KindStage      = "apigw/stage"
	KindDomain     = "apigw/domain"
	KindBasePath   = "apigw/basepath"
)

// RestAPI is the wire shape of a RestApi (botocore RestApi).
type RestAPI struct {
	ID                        string                 `json:"id"`
	Name                      string                 `json:"name"`
	Description               string                 `json:"description,omitempty"`
	CreatedDate               int64                  `json:"createdDate"`
	Version                   string                 `json:"version,omitempty"`
	Warnings                  []string               `json:"warnings,omitempty"`
	BinaryMediaTypes          []string               `json:"binaryMediaTypes,omitempty"`
	MinimumCompressionSize    *int                   `json:"minimumCompressionSize,omitempty"`
	APIKeySource              string                 `json:"apiKeySource,omitempty"`
	EndpointConfiguration     *EndpointConfiguration `json:"endpointConfiguration,omitempty"`
	Policy                    string                 `json:"policy,omitempty"`
	Tags                      map[string]string      `json:"tags,omitempty"`
	DisableExecuteAPIEndpoint bool                   `json:"disableExecuteApiEndpoint"`
	RootResourceID            string                 `json:"rootResourceId,omitempty"`
}

// EndpointConfiguration is RestApi.endpointConfiguration.
type EndpointConfiguration struct {
	Types          []string `json:"types,omitempty"`
	VPCEndpointIDs []string `json:"vpcEndpointIds,omitempty"`
	IPAddressType  string   `json:"ipAddressType,omitempty"`
}

// Resource is a node of an API's resource tree.
type Resource struct {
	ID              string             `json:"id"`
	ParentID        string             `json:"parentId,omitempty"`
	PathPart        string             `json:"pathPart,omitempty"`
	Path            string             `json:"path"`
	ResourceMethods map[string]*Method `json:"resourceMethods,omitempty"`
}

// Method is a verb (or ANY) on a resource.
type Method struct {
	HTTPMethod          string                     `json:"httpMethod"`
	AuthorizationType   string                     `json:"authorizationType"`
	AuthorizerID        string                     `json:"authorizerId,omitempty"`
	APIKeyRequired      bool                       `json:"apiKeyRequired"`
	OperationName       string                     `json:"operationName,omitempty"`
	RequestParameters   map[string]bool            `json:"requestParameters,omitempty"`
	RequestModels       map[string]string          `json:"requestModels,omitempty"`
	RequestValidatorID  string                     `json:"requestValidatorId,omitempty"`
	AuthorizationScopes []string                   `json:"authorizationScopes,omitempty"`
	MethodResponses     map[string]*MethodResponse `json:"methodResponses,omitempty"`
	MethodIntegration   *Integration               `json:"methodIntegration,omitempty"`
}

// MethodResponse is a declared method response.
type MethodResponse struct {
	StatusCode         string            `json:"statusCode"`
	ResponseParameters map[string]bool   `json:"responseParameters,omitempty"`
	ResponseModels     map[string]string `json:"responseModels,omitempty"`
}

// Integration says where a method's requests go.
type Integration struct {
	Type                 string                          `json:"type"`
	HTTPMethod           string                          `json:"httpMethod,omitempty"`
	URI                  string                          `json:"uri,omitempty"`
	ConnectionType       string                          `json:"connectionType,omitempty"`
	ConnectionID         string                          `json:"connectionId,omitempty"`
	Credentials          string                          `json:"credentials,omitempty"`
	RequestParameters    map[string]string               `json:"requestParameters,omitempty"`
	RequestTemplates     map[string]string               `json:"requestTemplates,omitempty"`
	PassthroughBehavior  string                          `json:"passthroughBehavior,omitempty"`
	ContentHandling      string                          `json:"contentHandling,omitempty"`
	TimeoutInMillis      int                             `json:"timeoutInMillis,omitempty"`
	CacheNamespace       string                          `json:"cacheNamespace,omitempty"`
	CacheKeyParameters   []string                        `json:"cacheKeyParameters,omitempty"`
	IntegrationResponses map[string]*IntegrationResponse `json:"integrationResponses,omitzero"`
	TLSConfig            map[string]any                  `json:"tlsConfig,omitempty"`
}

// IntegrationResponse maps a backend answer onto a method response.
type IntegrationResponse struct {
	StatusCode         string            `json:"statusCode"`
	SelectionPattern   string            `json:"selectionPattern,omitempty"`
	ResponseParameters map[string]string `json:"responseParameters,omitempty"`
	ResponseTemplates  map[string]string `json:"responseTemplates,omitzero"`
	ContentHandling    string            `json:"contentHandling,omitempty"`
}

// Deployment is the wire shape of a deployment.
type Deployment struct {
	ID          string                                  `json:"id"`
	Description string                                  `json:"description,omitempty"`
	CreatedDate int64                                   `json:"createdDate"`
	APISummary  map[string]map[string]MethodSnapshotSum `json:"apiSummary,omitempty"`
}

// MethodSnapshotSum is an entry of Deployment.apiSummary.
type MethodSnapshotSum struct {
	AuthorizationType string `json:"authorizationType"`
	APIKeyRequired    bool   `json:"apiKeyRequired"`
}

// MethodSetting is a Stage.methodSettings value.
type MethodSetting struct {
	ThrottlingRateLimit  float64 `json:"throttlingRateLimit"`
	ThrottlingBurstLimit int     `json:"throttlingBurstLimit"`
	MetricsEnabled       bool    `json:"metricsEnabled"`
	LoggingLevel         string  `json:"loggingLevel,omitempty"`
	DataTraceEnabled     bool    `json:"dataTraceEnabled"`
	CachingEnabled       bool    `json:"cachingEnabled"`
	CacheTTLInSeconds    int     `json:"cacheTtlInSeconds"`
	CacheDataEncrypted   bool    `json:"cacheDataEncrypted"`
	// RequireAuthorizationForCacheControl and
	// UnauthorizedCacheControlHeaderStrategy: AWS's defaults are true and
	// SUCCEED_WITH_RESPONSE_HEADER (newMethodSetting).
	RequireAuthorizationForCacheControl    bool   `json:"requireAuthorizationForCacheControl"`
	UnauthorizedCacheControlHeaderStrategy string `json:"unauthorizedCacheControlHeaderStrategy,omitempty"`
}

// AccessLogSettings is Stage.accessLogSettings.
type AccessLogSettings struct {
	Format         string `json:"format,omitempty"`
	DestinationARN string `json:"destinationArn,omitempty"`
}

// Stage is the wire shape of a stage.
type Stage struct {
	StageName            string                   `json:"stageName"`
	DeploymentID         string                   `json:"deploymentId"`
	Description          string                   `json:"description,omitempty"`
	Variables            map[string]string        `json:"variables,omitempty"`
	MethodSettings       map[string]MethodSetting `json:"methodSettings"`
	CacheClusterEnabled  bool                     `json:"cacheClusterEnabled"`
	CacheClusterStatus   string                   `json:"cacheClusterStatus,omitempty"`
	CacheClusterSize     string                   `json:"cacheClusterSize,omitempty"`
	ClientCertificateID  string                   `json:"clientCertificateId,omitempty"`
	DocumentationVersion string                   `json:"documentationVersion,omitempty"`
	AccessLogSettings    *AccessLogSettings       `json:"accessLogSettings,omitempty"`
	CanarySettings       *CanarySettings          `json:"canarySettings,omitempty"`
	TracingEnabled       bool                     `json:"tracingEnabled"`
	Tags                 map[string]string        `json:"tags,omitempty"`
	CreatedDate          int64                    `json:"createdDate"`
	LastUpdatedDate      int64                    `json:"lastUpdatedDate"`
}

// DomainName is a custom domain (only what routing needs).
type DomainName struct {
	DomainName              string                 `json:"domainName"`
	CertificateARN          string                 `json:"certificateArn,omitempty"`
	CertificateName         string                 `json:"certificateName,omitempty"`
	CertificateUploadDate   int64                  `json:"certificateUploadDate,omitempty"`
	RegionalCertificateARN  string                 `json:"regionalCertificateArn,omitempty"`
	RegionalCertificateName string                 `json:"regionalCertificateName,omitempty"`
	RegionalDomainName      string                 `json:"regionalDomainName,omitempty"`
	EndpointConfiguration   *EndpointConfiguration `json:"endpointConfiguration,omitempty"`
	DomainNameStatus        string                 `json:"domainNameStatus,omitempty"`
	SecurityPolicy          string                 `json:"securityPolicy,omitempty"`
	Tags                    map[string]string      `json:"tags,omitempty"`
	DistributionDomainName  string                 `json:"distributionDomainName,omitempty"`
	// MutualTLSAuthentication: clients of this host name must present a
	// certificate that chains to the truststore (mtls.go).
	MutualTLSAuthentication *MutualTLSAuthentication `json:"mutualTlsAuthentication,omitempty"`
	// OwnershipVerificationCertificateARN: the ACM certificate proving
	// ownership of the name when the regional certificate is imported or
	// private (mutual TLS); stored and returned.
	OwnershipVerificationCertificateARN string `json:"ownershipVerificationCertificateArn,omitempty"`
}

// BasePathMapping maps a domain's base path to an API stage.
type BasePathMapping struct {
	BasePath  string `json:"basePath"`
	RestAPIID string `json:"restApiId"`
	Stage     string `json:"stage,omitempty"`
}

// APIRecord is the stored draft of one API: the RestApi, where it lives,
// and its resource tree.
type APIRecord struct {
	API       RestAPI              `json:"api"`
	Account   string               `json:"account"`
	Region    string               `json:"region"`
	Resources map[string]*Resource `json:"resources"`
	NextSeq   int                  `json:"-"`
	// Models and Validators are the API's models (by name) and request
	// validators (by ID), deployed with its resources.
	Models     map[string]*Model            `json:"models,omitempty"`
	Validators map[string]*RequestValidator `json:"validators,omitempty"`
	// DocParts are the API's documentation parts, by ID.
	DocParts map[string]*DocumentationPart `json:"docParts,omitempty"`
}

// DeploymentRecord is a deployment with the immutable snapshot of the API
// it serves.
type DeploymentRecord struct {
	Deployment       Deployment           `json:"deployment"`
	APIID            string               `json:"apiId"`
	Account          string               `json:"account"`
	Region           string               `json:"region"`
	Policy           string               `json:"policy,omitempty"`
	APIKeySource     string               `json:"apiKeySource,omitempty"`
	BinaryMediaTypes []string             `json:"binaryMediaTypes,omitempty"`
	DisableDefault   bool                 `json:"disableDefault,omitempty"`
	Resources        map[string]*Resource `json:"resources"`
	// Models and Validators as they were when the deployment was made:
	// a method validates requests against these (a changed model takes
	// effect at the next deployment, as on AWS).
	Models     map[string]*Model            `json:"models,omitempty"`
	Validators map[string]*RequestValidator `json:"validators,omitempty"`
}

// StageRecord is a stored stage.
type StageRecord struct {
	Stage   Stage  `json:"stage"`
	APIID   string `json:"apiId"`
	Account string `json:"account"`
	Region  string `json:"region"`
}

// DomainRecord is a stored custom domain, keyed by its canonical name.
type DomainRecord struct {
	Domain  DomainName `json:"domain"`
	Account string     `json:"account"`
	Region  string     `json:"region"`
	// Claim is how the owner proved control of the name (ClaimOperator,
	// ClaimAllowed, ClaimCertificate). Empty: not routed (a record from
	// before claims were checked, or a claim withdrawn at start).
	Claim string `json:"claim,omitempty"`
	// Certificate is the PEM leaf and chain of a ClaimCertificate (never
	// the key), verified again at every start.
	Certificate string `json:"certificate,omitempty"`
	// Truststore is the PEM bundle of the domain's mutual-TLS truststore,
	// read from S3 when it was set (empty: no mutual TLS).
	Truststore string `json:"truststore,omitempty"`
}

// BasePathRecord is a stored base-path mapping.
type BasePathRecord struct {
	Domain  string          `json:"domain"`
	Mapping BasePathMapping `json:"mapping"`
}
