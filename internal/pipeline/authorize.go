package pipeline

import (
	"net/http"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/arn"
	"github.com/gatehouse-dev/gatehouse/internal/authn"
	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/policy"
)

// AuthzRequest is one authorization question from any service.
type AuthzRequest struct {
	// Action is "service:Operation", e.g. "execute-api:Invoke".
	Action string
	// Resource is the resource ARN ("*" for actions without a resource).
	Resource string
	// ResourcePolicy is the resource's policy (API Gateway resource policy,
	// Lambda function policy, role trust policy), nil if none.
	ResourcePolicy *policy.Policy
	// ResourcePolicyName names it in explanations (default "resource").
	ResourcePolicyName string
	// ResourceAccount owns the resource; "" means the caller's account.
	ResourceAccount string
	// RequireResourcePolicy: the resource policy must grant even in the
	// same account (role trust policies).
	RequireResourcePolicy bool
	// Context holds the request's condition keys, pre-filled by the caller
	// (FillRequest, then the operation's keys). The Authorizer adds the
	// principal's keys to it (it is modified). Nil: a fresh context.
	Context *policy.Context
}

// Authorizer decides authorization questions: the IAM service.
type Authorizer interface {
	Authorize(p *authn.Principal, req AuthzRequest) policy.Decision
}

// Explainer is an Authorizer that can also give its evidence.
type Explainer interface {
	Authorizer
	Explain(p *authn.Principal, req AuthzRequest) *policy.Explanation
}

// DenialEncoder is an Authorizer that can seal its evidence for a denied
// request into an encoded authorization message (AWS's "Encoded
// authorization failure message", read back with
// sts:DecodeAuthorizationMessage). It returns "" when denials carry none.
type DenialEncoder interface {
	EncodeDenial(p *authn.Principal, req AuthzRequest) string
}

// Surface is one API's authorization setup: who decides, its clock, and
// the error its wire format answers a denial with.
type Surface struct {
	// Authz decides; nil denies everything.
	Authz Authorizer
	// Now is the clock for aws:CurrentTime (default time.Now).
	Now func() time.Time
	// Denied is the surface's AccessDenied code (AccessDenied for the
	// Query APIs, AccessDeniedException for the JSON ones).
	Denied awserr.Code
	// Legacy drops the "because no … policy allows" suffix of denials.
	Legacy bool
}

// Call is what one operation asks: the request, its signed region, the
// caller, and the authorization question. Keys, when set, adds the
// operation's own condition keys (aws:RequestTag/…, iam:PassedToService,
// lambda:FunctionUrlAuthType, …) after the request's global keys.
type Call struct {
	Request *http.Request
	// Region is the credential scope's region (aws:RequestedRegion).
	Region string
	Caller *authn.Principal
	AuthzRequest
	Keys func(*policy.Context)
	// Op, when set, is the operation in progress: its table entry must
	// list the action, so that the table stays the truth about what each
	// operation authorizes.
	Op *Operation
}

// Context returns the condition context of c before the Authorizer adds
// the principal's keys: the request's global keys, then the operation's.
// It is what Authorize evaluates, exposed for tests and tools that show
// a request's context.
func (s *Surface) Context(c *Call) *policy.Context {
	pc := c.AuthzRequest.Context
	if pc == nil {
		pc = &policy.Context{}
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	if c.Request != nil {
		FillRequest(pc, c.Request, now(), c.Region)
	}
	if c.Keys != nil {
		c.Keys(pc)
	}
	if !pc.Has(KeyResourceAccount) {
		// aws:ResourceAccount is present for most actions: the account
		// owning the resource (the CDK's bootstrap roles allow their S3
		// actions only with it equal to the bootstrapped account).
		acct := c.AuthzRequest.ResourceAccount
		if acct == "" {
			acct = arn.Account(c.AuthzRequest.Resource)
		}
		if acct == "" && c.Caller != nil {
			acct = c.Caller.AccountID
		}
		if acct != "" {
			pc.Set(KeyResourceAccount, acct)
		}
	}
	return pc
}

// KeyResourceAccount is the account owning the requested resource.
const KeyResourceAccount = "aws:ResourceAccount"

// Authorize is the one entry point a service's operation calls: it builds
// the condition context, asks the Authorizer and, on a denial, returns the
// surface's AccessDenied error with the one denial message. The returned
// decision is the Authorizer's.
func (s *Surface) Authorize(c *Call) (policy.Decision, error) {
	req := c.AuthzRequest
	d := policy.Decision{Effect: policy.ImplicitDeny, Type: policy.TypeIdentity, Statement: -1}
	if c.Op != nil && !c.Op.Authorizes(req.Action) {
		// A handler asks for an action its operation's table entry does
		// not list: a gatehouse bug, refused rather than decided.
		return d, awserr.InternalFailure.Errorf("operation %s does not authorize %s", c.Op.Name, req.Action)
	}
	req.Context = s.Context(c)
	if s.Authz != nil {
		d = s.Authz.Authorize(c.Caller, req)
	}
	if d.Effect == policy.Allowed {
		return d, nil
	}
	err := s.Denial(c.Caller, req.Action, req.Resource, d)
	if enc, ok := s.Authz.(DenialEncoder); ok {
		if m := enc.EncodeDenial(c.Caller, req); m != "" {
			err.Message += " Encoded authorization failure message: " + m
		}
	}
	return d, err
}

// Denial is the surface's AccessDenied error for decision d.
func (s *Surface) Denial(p *authn.Principal, action, resource string, d policy.Decision) *awserr.Error {
	return s.Denied.New(DenyMessage(p, action, resource, d, s.Legacy))
}

// DenyMessage renders AWS's denial message, the one every surface sends:
// "User: ARN is not authorized to perform: ACTION on resource: RESOURCE
// because no identity-based policy allows the ACTION action" (the reason
// names the policy type that decided; an explicit deny says "with an
// explicit deny in a … policy"). legacy drops the reason, as AWS did
// before 2021, keeping only " with an explicit deny" for explicit denies.
// A nil or anonymous caller is "anonymous".
func DenyMessage(p *authn.Principal, action, resource string, d policy.Decision, legacy bool) string {
	who := "anonymous"
	if p != nil && p.ARN != "" {
		who = p.ARN
	}
	msg := "User: " + who + " is not authorized to perform: " + action + " on resource: " + resource
	if legacy {
		if d.Effect == policy.ExplicitDeny {
			msg += " with an explicit deny"
		}
		return msg
	}
	return msg + d.Reason(action)
}
