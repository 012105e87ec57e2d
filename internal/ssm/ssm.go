// Package ssm serves AWS Systems Manager Parameter Store (JSON 1.1,
// X-Amz-Target AmazonSSM.*): String, StringList and SecureString
// parameters with versions, hierarchies and tags, in the caller's account
// and signing region. SecureString values are sealed with gatehouse's
// master key (AES-256-GCM, bound to the parameter and version); every call
// is authorized as its ssm:* action on the parameter's ARN through the
// pipeline. See doc/ssm.md.
package ssm

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/authn"
	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/pipeline"
	"github.com/gatehouse-dev/gatehouse/internal/policy"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// Config configures the service.
type Config struct {
	Store *store.Store
	Authn *authn.Authenticator
	// Authz decides ssm:* actions (the IAM service); nil denies everything.
	Authz pipeline.Authorizer
	// MasterKey (32 bytes) seals SecureString values.
	MasterKey          []byte
	Log                *slog.Logger
	Now                func() time.Time
	LegacyDenyMessages bool
}

// Service is Parameter Store.
type Service struct {
	cfg     Config
	box     *authn.SecretBox
	surface pipeline.Surface
	frame   *pipeline.JSON11[*request]
}

const (
	targetPrefix = "AmazonSSM."
	kindParam    = "ssm/parameter" // key: ACCOUNT/REGION/NAME
	// maxRequest bounds a request body: the largest input (an advanced
	// parameter's 8 KB value, description, policies, 50 tags) fits.
	maxRequest = 256 << 10
	// maxVersions is how many versions Parameter Store keeps.
	maxVersions = 100
)

// New returns the service.
func New(cfg Config) (*Service, error) {
	box, err := authn.NewSecretBox(cfg.MasterKey)
	if err != nil {
		return nil, err
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	s := &Service{cfg: cfg, box: box}
	s.surface = pipeline.Surface{Authz: cfg.Authz, Now: cfg.Now, Denied: awserr.SSMAccessDenied, Legacy: cfg.LegacyDenyMessages}
	s.frame = &pipeline.JSON11[*request]{TargetPrefix: targetPrefix, SigningName: "ssm", MaxRequest: maxRequest, Ops: operations,
		Unknown: awserr.SSMUnknownOperation, UnknownText: "gatehouse serves Parameter Store only", Serialization: awserr.SSMSerialization, Internal: awserr.SSMInternalServerError,
		Authn: cfg.Authn, Log: cfg.Log, Surface: &s.surface, NewCall: s.newRequest}
	return s, nil
}

// operations are the Parameter Store operations served, with their IAM
// actions (Service Authorization Reference, "Actions defined by AWS
// Systems Manager") and their typed handlers. Operations whose resource
// is the input's alone are authorized by the pipeline before the handler
// runs; the others depend on the parameter's stored tags, or answer per
// name (GetParameters, DeleteParameters), and authorize in the handler.
var operations = pipeline.Handlers[*request]{
	pipeline.Handle(pipeline.Operation{Name: "PutParameter", Actions: []string{"ssm:PutParameter"}, Keys: pipeline.TaggingKeys}, (*request).putParameter),
	pipeline.Handle(pipeline.Operation{Name: "GetParameter", Actions: []string{"ssm:GetParameter"}, Keys: pipeline.ResourceTagKeys}, (*request).getParameter),
	pipeline.Handle(pipeline.Operation{Name: "GetParameters", Actions: []string{"ssm:GetParameters"}, Keys: pipeline.ResourceTagKeys}, (*request).getParameters),
	pipeline.HandleAuthorized(pipeline.Operation{Name: "GetParametersByPath", Actions: []string{"ssm:GetParametersByPath"}},
		(*request).byPathTarget, (*request).getParametersByPath),
	pipeline.Handle(pipeline.Operation{Name: "GetParameterHistory", Actions: []string{"ssm:GetParameterHistory"}, Keys: pipeline.ResourceTagKeys}, (*request).getParameterHistory),
	pipeline.Handle(pipeline.Operation{Name: "DeleteParameter", Actions: []string{"ssm:DeleteParameter"}, Keys: pipeline.ResourceTagKeys}, (*request).deleteParameter),
	pipeline.Handle(pipeline.Operation{Name: "DeleteParameters", Actions: []string{"ssm:DeleteParameters"}, Keys: pipeline.ResourceTagKeys}, (*request).deleteParameters),
	pipeline.HandleAuthorized(pipeline.Operation{Name: "DescribeParameters", Actions: []string{"ssm:DescribeParameters"}},
		(*request).describeTarget, (*request).describeParameters),
	pipeline.Handle(pipeline.Operation{Name: "AddTagsToResource", Actions: []string{"ssm:AddTagsToResource"}, Keys: pipeline.TaggingKeys}, (*request).addTags),
	pipeline.Handle(pipeline.Operation{Name: "RemoveTagsFromResource", Actions: []string{"ssm:RemoveTagsFromResource"}, Keys: []string{pipeline.KeyTagKeys}}, (*request).removeTags),
	pipeline.HandleAuthorized(pipeline.Operation{Name: "ListTagsForResource", Actions: []string{"ssm:ListTagsForResource"}},
		(*request).listTagsTarget, (*request).listTags),
}

// Operations returns the names of the operations served (metrics labels,
// doc/operations.md).
func Operations() []string { return operations.Names() }

// OperationTable returns the operations with their IAM actions.
func OperationTable() pipeline.Table { return operations.Table() }

// request is one authenticated call.
type request struct {
	s      *Service
	v      *pipeline.Invocation
	r      *http.Request
	caller *authn.Principal
	region string
}

func (s *Service) newRequest(v *pipeline.Invocation) *request {
	return &request{s: s, v: v, r: v.Request, caller: v.Caller, region: v.Region}
}

func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.frame.ServeHTTP(w, r) }

// authorize asks whether the caller may perform action on resource.
func (q *request) authorize(action, resource string, keys func(*policy.Context)) error {
	return q.v.Authorize(action, resource, keys)
}
