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
	ops     map[string]*pipeline.Operation
	frame   *pipeline.JSON11
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
	s := &Service{cfg: cfg, box: box, ops: operations.Index()}
	s.surface = pipeline.Surface{Authz: cfg.Authz, Now: cfg.Now, Denied: awserr.SSMAccessDenied, Legacy: cfg.LegacyDenyMessages}
	s.frame = &pipeline.JSON11{TargetPrefix: targetPrefix, SigningName: "ssm", MaxRequest: maxRequest, Ops: s.ops,
		Unknown: awserr.SSMUnknownOperation, UnknownText: "gatehouse serves Parameter Store only", Serialization: awserr.SSMSerialization, Internal: awserr.SSMInternalServerError,
		Authn: cfg.Authn, Log: cfg.Log, Handle: s.handle}
	return s, nil
}

// operations are the Parameter Store operations served, with their IAM
// actions (Service Authorization Reference, "Actions defined by AWS
// Systems Manager").
var operations = pipeline.Table{
	{Name: "PutParameter", Actions: []string{"ssm:PutParameter"}, Keys: pipeline.TaggingKeys},
	{Name: "GetParameter", Actions: []string{"ssm:GetParameter"}, Keys: pipeline.ResourceTagKeys},
	{Name: "GetParameters", Actions: []string{"ssm:GetParameters"}, Keys: pipeline.ResourceTagKeys},
	{Name: "GetParametersByPath", Actions: []string{"ssm:GetParametersByPath"}},
	{Name: "GetParameterHistory", Actions: []string{"ssm:GetParameterHistory"}, Keys: pipeline.ResourceTagKeys},
	{Name: "DeleteParameter", Actions: []string{"ssm:DeleteParameter"}, Keys: pipeline.ResourceTagKeys},
	{Name: "DeleteParameters", Actions: []string{"ssm:DeleteParameters"}, Keys: pipeline.ResourceTagKeys},
	{Name: "DescribeParameters", Actions: []string{"ssm:DescribeParameters"}},
	{Name: "AddTagsToResource", Actions: []string{"ssm:AddTagsToResource"}, Keys: pipeline.TaggingKeys},
	{Name: "RemoveTagsFromResource", Actions: []string{"ssm:RemoveTagsFromResource"}, Keys: []string{pipeline.KeyTagKeys}},
	{Name: "ListTagsForResource", Actions: []string{"ssm:ListTagsForResource"}},
}

// Operations returns the names of the operations served (metrics labels,
// doc/operations.md).
func Operations() []string { return operations.Names() }

// OperationTable returns the operations with their IAM actions.
func OperationTable() pipeline.Table { return append(pipeline.Table(nil), operations...) }

type request struct {
	r      *http.Request
	caller *authn.Principal
	region string
	op     *pipeline.Operation
}

var handlers map[string]func(*Service, *request, []byte) (any, error)

func init() {
	handlers = map[string]func(*Service, *request, []byte) (any, error){
		"PutParameter":           (*Service).putParameter,
		"GetParameter":           (*Service).getParameter,
		"GetParameters":          (*Service).getParameters,
		"GetParametersByPath":    (*Service).getParametersByPath,
		"GetParameterHistory":    (*Service).getParameterHistory,
		"DeleteParameter":        (*Service).deleteParameter,
		"DeleteParameters":       (*Service).deleteParameters,
		"DescribeParameters":     (*Service).describeParameters,
		"AddTagsToResource":      (*Service).addTags,
		"RemoveTagsFromResource": (*Service).removeTags,
		"ListTagsForResource":    (*Service).listTags,
	}
}

func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.frame.ServeHTTP(w, r) }

// handle runs an authenticated call with the operation's handler.
func (s *Service) handle(c *pipeline.JSON11Call) (any, error) {
	h := handlers[c.Op.Name]
	if h == nil {
		return nil, awserr.SSMUnknownOperation.Errorf("gatehouse serves Parameter Store only; operation %s is unknown", c.Op.Name)
	}
	return h(s, &request{r: c.R, caller: c.Caller, region: c.Region, op: c.Op}, c.Body)
}

// decode parses a JSON 1.1 body strictly (pipeline.DecodeJSON11).
func decode(body []byte, v any) error { return pipeline.DecodeJSON11(body, v, awserr.SSMSerialization) }

// authorize asks whether the caller may perform action on resource.
func (s *Service) authorize(q *request, action, resource string, keys func(*policy.Context)) error {
	_, err := s.surface.Authorize(&pipeline.Call{Request: q.r, Region: q.region, Caller: q.caller,
		AuthzRequest: pipeline.AuthzRequest{Action: action, Resource: resource}, Keys: keys, Op: q.op})
	return err
}
