package iam

import (
	"strconv"
	"sync"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/authn"
	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/pipeline"
	"github.com/gatehouse-dev/gatehouse/internal/policy"
)

// AuthzRequest is one authorization question from any service; it is
// pipeline.AuthzRequest, so the Service is a pipeline.Authorizer.
type AuthzRequest = pipeline.AuthzRequest

// Authorize decides whether p may perform req, from the current snapshot:
// identity policies (user inline + managed + groups, or the role's), the
// permissions boundary, session policies from the sealed token, and the
// resource policy. It never touches the store. A principal whose user or
// role no longer exists, or whose policies cannot be compiled, is denied.
func (s *Service) Authorize(p *authn.Principal, req AuthzRequest) policy.Decision {
	if p == nil {
		p = anonymous
	}
	var in policy.Input
	var preq policy.Request
	if !s.prepare(s.view.Load(), p, &req, &in, &preq) {
		return policy.Decision{Effect: policy.ImplicitDeny, Type: policy.TypeIdentity, Statement: -1}
	}
	d := policy.Evaluate(&in, &preq)
	if d.Effect == policy.Allowed {
		if e := accessEntity(p); e != "" {
			region := ""
			if v, ok := req.Context.Get("aws:RequestedRegion"); ok && len(v) > 0 {
				region = v[0]
			}
			s.access.record(e, req.Action, region, s.now())
		}
	}
	return d
}

// Explain is Authorize with the evidence (matched statements, missing
// context keys), for decision logs and error explanations.
func (s *Service) Explain(p *authn.Principal, req AuthzRequest) *policy.Explanation {
	if p == nil {
		p = anonymous
	}
	var in policy.Input
	var preq policy.Request
	if !s.prepare(s.view.Load(), p, &req, &in, &preq) {
		return &policy.Explanation{Decision: policy.Decision{Effect: policy.ImplicitDeny, Type: policy.TypeIdentity, Statement: -1}}
	}
	return policy.Explain(&in, &preq)
}

func (s *Service) prepare(snap *Snapshot, p *authn.Principal, req *AuthzRequest, in *policy.Input, preq *policy.Request) bool {
	if req.Context == nil {
		req.Context = &policy.Context{}
	}
	ctx := req.Context
	if req.ResourcePolicy != nil {
		name := req.ResourcePolicyName
		if name == "" {
			name = "resource"
		}
		in.ResourcePolicy = &policy.Named{Name: name, Policy: req.ResourcePolicy}
	}
	in.ResourceAccount = req.ResourceAccount
	in.RequireResourcePolicy = req.RequireResourcePolicy
	if req.Action == "iam:PassRole" {
		// Another service (Lambda, API Gateway, CloudFormation) asks
		// whether the caller may pass a role. The role's tags are
		// iam:ResourceTag/aws:ResourceTag of that question, as in IAM's own
		// operations on it; they are filled here, where the role is known,
		// so that every surface passing roles gets them the same way.
		for _, t := range snap.entityTags(req.Resource) {
			if !ctx.Has("iam:ResourceTag/" + t.Key) {
				ctx.Set("iam:ResourceTag/"+t.Key, t.Value)
				ctx.Set("aws:ResourceTag/"+t.Key, t.Value)
			}
		}
	}
	*preq = policy.Request{Principal: p.PolicyPrincipal(), Action: req.Action, Resource: req.Resource, Context: ctx}

	switch p.Kind {
	case authn.Service:
		// Service principals carry none of the principal keys.
		ctx.Set("aws:PrincipalIsAWSService", "true")
		return true
	case authn.WebIdentity:
		return true
	}
	ctx.Set("aws:PrincipalAccount", orAnon(p.AccountID))
	ctx.Set("aws:PrincipalType", p.Kind.String())
	ctx.Set("aws:userid", orAnon(p.UserID))
	if !ctx.Has("aws:ViaAWSService") {
		ctx.Set("aws:ViaAWSService", "false")
	}
	if p.Kind == authn.Anonymous {
		return true
	}
	ctx.Set("aws:PrincipalArn", p.PrincipalARN())
	ctx.Set("aws:PrincipalIsAWSService", "false")
	if sess := p.Session; sess != nil {
		if it := p.TokenIssueTime(); it != "" {
			ctx.Set("aws:TokenIssueTime", it)
		} else {
			ctx.Set("aws:TokenIssueTime", time.Unix(sess.Issued, 0).UTC().Format(time.RFC3339))
		}
		if sess.MFA {
			ctx.Set("aws:MultiFactorAuthPresent", "true")
			ctx.Set("aws:MultiFactorAuthAge", strconv.FormatInt(s.now().Unix()-sess.Issued, 10))
		} else {
			ctx.Set("aws:MultiFactorAuthPresent", "false")
		}
		if sess.SourceIdentity != "" {
			ctx.Set("aws:SourceIdentity", sess.SourceIdentity)
		}
		if sess.FederatedProvider != "" {
			ctx.Set("aws:FederatedProvider", sess.FederatedProvider)
		}
	}
	switch p.Kind {
	case authn.Root:
		return snap.accounts.get(p.AccountID) != nil
	case authn.User:
		u := snap.users.get(entityKey(p.AccountID, p.UserName))
		if u == nil || u.ID != p.UniqueID || u.broken {
			return false
		}
		ctx.Set("aws:username", u.Name)
		for i, t := range u.Tags {
			ctx.Set(u.tagKeys[i], t.Value)
		}
		in.Identity = u.identity
		in.Boundary = u.boundary
		return true
	case authn.FederatedUser:
		// The calling user's policies intersected with the session
		// policies; without session policies a federated user has no
		// permissions (the engine enforces it).
		if p.UserName == "" {
			// Federated by the root user, whose permissions are all.
			if snap.accounts.get(p.AccountID) == nil {
				return false
			}
			in.Identity = rootIdentity()
			if p.Session != nil {
				for i, t := range p.Session.Tags {
					ctx.Set(p.SessionTagKeys()[i], t.Value)
				}
			}
			return s.sessionPolicies(snap, p, in)
		}
		u := snap.users.get(entityKey(p.AccountID, p.UserName))
		if u == nil || u.ID != p.UniqueID || u.broken {
			return false
		}
		in.Identity = u.identity
		in.Boundary = u.boundary
		if p.Session != nil {
			for i, t := range p.Session.Tags {
				ctx.Set(p.SessionTagKeys()[i], t.Value)
			}
		}
		return s.sessionPolicies(snap, p, in)
	case authn.AssumedRole:
		r := snap.roles.get(entityKey(p.AccountID, p.RoleName))
		if r == nil || r.ID != p.UniqueID || r.broken {
			return false
		}
		for i, t := range r.Tags {
			ctx.Set(r.tagKeys[i], t.Value)
		}
		if p.Session != nil {
			keys := p.SessionTagKeys()
			for i, t := range p.Session.Tags {
				k := "aws:PrincipalTag/" + t.Key
				if i < len(keys) {
					k = keys[i]
				}
				ctx.Set(k, t.Value) // session tags win
			}
		}
		in.Identity = r.identity
		in.Boundary = r.boundary
		return s.sessionPolicies(snap, p, in)
	}
	return false
}

// sessionPolicies adds the session's inline and managed session policies.
func (s *Service) sessionPolicies(snap *Snapshot, p *authn.Principal, in *policy.Input) bool {
	if p.Session == nil || !p.Session.HasPolicies {
		return true
	}
	in.SessionPolicies = true
	list, err := p.SessionPolicies()
	if err != nil {
		return false
	}
	if len(p.Session.PolicyARNs) > 0 {
		list = append([]policy.Named(nil), list...)
		for _, a := range p.Session.PolicyARNs {
			pe := snap.Policy(a)
			if pe == nil || pe.compiled == nil {
				return false
			}
			list = append(list, policy.Named{Name: pe.Name, Policy: pe.compiled})
		}
	}
	in.Session = list
	return true
}

// anonymous stands for a nil principal (an unsigned request).
var anonymous = &authn.Principal{Kind: authn.Anonymous}

func orAnon(s string) string {
	if s == "" {
		return "anonymous"
	}
	return s
}

// AccessDenied returns the IAM/STS AccessDenied error for a decision.
func (s *Service) AccessDenied(p *authn.Principal, action, resource string, d policy.Decision) *awserr.Error {
	return awserr.AccessDenied.New(pipeline.DenyMessage(p, action, resource, d, s.cfg.LegacyDenyMessages))
}

// Denied is AccessDenied for a decision made outside the pipeline (a role
// that does not exist, AssumeRoot, an AWS managed policy): with
// Config.EncodeDenials it carries the encoded authorization message the
// pipeline appends to its own denials, so every surface's denial decodes.
func (s *Service) Denied(p *authn.Principal, req AuthzRequest, d policy.Decision) *awserr.Error {
	err := s.AccessDenied(p, req.Action, req.Resource, d)
	if m := s.EncodeDenial(p, req); m != "" {
		err.Message += " Encoded authorization failure message: " + m
	}
	return err
}

// rootIdentity is the identity of a federated user whose session the root
// user made: the root's permissions are everything, so the session
// policies alone limit it.
var rootIdentity = sync.OnceValue(func() []policy.Named {
	p, err := policy.Parse([]byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`),
		policy.ParseOptions{Type: policy.TypeIdentity})
	if err != nil {
		panic(err) // a constant document
	}
	return []policy.Named{{Name: "root", Policy: p}}
})
