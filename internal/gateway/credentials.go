package gateway

import (
	"context"
	"errors"

	"github.com/gatehouse-dev/gatehouse/internal/arn"
	"github.com/gatehouse-dev/gatehouse/internal/pipeline"
	"github.com/gatehouse-dev/gatehouse/internal/policy"
)

// callerCredentials is the integration credentials value that makes API
// Gateway call the backend with the caller's own identity (SAM's
// InvokeRole: CALLER_CREDENTIALS).
const callerCredentials = "arn:aws:iam::*:user/*"

// invokeWithCredentials runs an AWS_PROXY function with the integration's
// credentials, as AWS does: with callerCredentials the signed caller must
// be allowed lambda:InvokeFunction on the function; with a role, API
// Gateway assumes the role (which must trust apigateway.amazonaws.com and
// allow lambda:InvokeFunction). The function's resource policy is not
// what decides in either case. Functions of another account are refused
// (their resource policy would have to allow the caller too): fail closed.
func (g *Gateway) invokeWithCredentials(ctx context.Context, rq *request, cred, fn string, event []byte) ([]byte, string, error) {
	ri := g.roles.Load()
	if ri == nil || *ri == nil {
		return nil, "", errors.New("integration credentials: no role invoker")
	}
	if cred != callerCredentials {
		return (*ri).InvokeAsRole(ctx, cred, fn, event)
	}
	p := rq.caller
	if p == nil || g.cfg.Authorizer == nil {
		return nil, "", errors.New("integration credentials: the caller's identity is only known on AWS_IAM methods")
	}
	if arn.Account(fn) != p.AccountID {
		return nil, "", errors.New("integration credentials: the function is in another account than the caller")
	}
	var pc policy.Context
	pipeline.FillRequest(&pc, rq.r, rq.start, rq.stage.api.region)
	d := g.cfg.Authorizer.Authorize(p, pipeline.AuthzRequest{Action: "lambda:InvokeFunction", Resource: fn, ResourceAccount: arn.Account(fn), Context: &pc})
	if d.Effect != policy.Allowed {
		return nil, "", errors.New("integration credentials: the caller may not lambda:InvokeFunction " + fn)
	}
	return (*ri).InvokeAuthorized(ctx, fn, event)
}
