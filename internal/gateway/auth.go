package gateway

import (
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/arn"
	"github.com/gatehouse-dev/gatehouse/internal/authn"
	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/pipeline"
	"github.com/gatehouse-dev/gatehouse/internal/policy"
	"github.com/gatehouse-dev/gatehouse/internal/reqbody"
	"github.com/gatehouse-dev/gatehouse/internal/sigv4"
)

const invokeAction = "execute-api:Invoke"

// readBody reads the whole request body (bounded) of a request that has
// not authenticated (NONE routes, mapping templates); false = answered.
func (g *Gateway) readBody(rq *request) bool {
	if rq.bodyRead {
		return true
	}
	rq.bodyRead = true
	b, err := g.cfg.Bodies.ReadAnonymous(rq.w, rq.r, MaxPayload)
	return g.tookBody(rq, b, err)
}

// tookBody keeps a body read through cfg.Bodies, or answers its failure.
func (g *Gateway) tookBody(rq *request, b *reqbody.Body, err error) bool {
	switch {
	case errors.Is(err, reqbody.ErrTooLarge):
		g.tooLarge(rq)
		return false
	case reqbody.IsReadError(err):
		g.fail(rq, awserr.GatewayBadRequestBody.New("").WithCause(err))
		return false
	case err != nil:
		g.fail(rq, g.cfg.SigError(err))
		return false
	}
	rq.held, rq.body = b, b.Bytes()
	return true
}

// authorizeIAM verifies the signature and asks the IAM engine (spec
// sigv4.md §14 steps 3–9). It answers the client itself on failure.
func (g *Gateway) authorizeIAM(rq *request) bool {
	r := rq.r
	if r.Header.Get("Authorization") == "" && !strings.Contains(r.URL.RawQuery, "X-Amz-Algorithm") {
		g.fail(rq, awserr.GatewayMissingAuthenticationToken.New(""))
		return false
	}
	if g.cfg.Resolver == nil {
		g.fail(rq, awserr.GatewayInternalError.New(""))
		return false
	}
	// The head is verified before the body is read (issue #12 item 8).
	// The signature is checked over the raw path the client sent (and
	// signed): sigv4.FromHTTP takes it from the request line exactly as
	// rawPath does, the one spelling canonicalPath accepted for rq.tg.rest.
	// A signature over its normalized form (botocore, smithy) or its
	// unnormalized one (aws-sdk-go-v2, sigv4.md §7.2) differs from it only
	// in empty segments, which canonicalPath drops too, since dot segments
	// were refused. So the signed path names the resource authorized.
	rq.bodyRead = true
	res, b, err := authn.ReadVerified(rq.w, r, g.verifier(rq.stage.api.region), g.cfg.Bodies, MaxPayload)
	// ReadVerified returns a failed verification as a bare *sigv4.Error (a
	// type assertion, not errors.As, keeps the hot path from allocating).
	if se, ok := err.(*sigv4.Error); ok {
		if se.Kind == sigv4.InvalidSignature {
			g.cfg.Log.Debug("signature mismatch", "request_id", rq.reqID, "canonical_request", se.CanonicalRequest)
		}
		g.fail(rq, g.cfg.SigError(err))
		return false
	}
	if !g.tookBody(rq, b, err) {
		return false
	}
	p, ok := res.Identity.(*authn.Principal)
	if !ok || p == nil {
		g.fail(rq, awserr.GatewayInternalError.New(""))
		return false
	}
	rq.caller, rq.sigv4 = p, !res.Presigned
	if g.cfg.Authorizer == nil {
		g.deny(rq, policy.Decision{Effect: policy.ImplicitDeny, Type: policy.TypeIdentity, Statement: -1}, "no authorizer configured")
		return false
	}
	g.fillContext(rq)
	areq := pipeline.AuthzRequest{Action: invokeAction, Resource: rq.methodARN, ResourcePolicy: rq.stage.policy,
		ResourcePolicyName: rq.stage.policyName(), ResourceAccount: rq.stage.api.account, Context: &rq.pctx}
	if rq.stage.policyBroken {
		g.deny(rq, policy.Decision{Effect: policy.ExplicitDeny, Type: policy.TypeResource, Statement: -1}, "resource policy does not compile")
		return false
	}
	var d policy.Decision
	var ex *policy.Explanation
	if g.dlog != nil || g.cfg.Log.Enabled(r.Context(), -4) {
		ex = g.cfg.Authorizer.Explain(p, areq)
		d = ex.Decision
	} else {
		d = g.cfg.Authorizer.Authorize(p, areq)
	}
	g.record(rq, d, ex)
	if d.Effect != policy.Allowed {
		g.deny(rq, d, "")
		return false
	}
	return true
}

// authorizeAnonymous evaluates the resource policy alone for the anonymous
// caller of a NONE method (spec §6.3: an explicit Allow is required).
func (g *Gateway) authorizeAnonymous(rq *request) bool {
	if rq.stage.policyBroken {
		g.deny(rq, policy.Decision{Effect: policy.ExplicitDeny, Type: policy.TypeResource, Statement: -1}, "resource policy does not compile")
		return false
	}
	g.fillContext(rq)
	rq.pctx.SetPrincipal(policy.Principal{Kind: policy.PrincipalAnonymous})
	in := policy.Input{ResourcePolicy: &policy.Named{Name: rq.stage.policyName(), Policy: rq.stage.policy}, ResourceAccount: rq.stage.api.account}
	preq := policy.Request{Principal: policy.Principal{Kind: policy.PrincipalAnonymous}, Action: invokeAction, Resource: rq.methodARN, Context: &rq.pctx}
	var d policy.Decision
	var ex *policy.Explanation
	if g.dlog != nil {
		ex = policy.Explain(&in, &preq)
		d = ex.Decision
	} else {
		d = policy.Evaluate(&in, &preq)
	}
	g.record(rq, d, ex)
	if d.Effect != policy.Allowed {
		g.deny(rq, d, "")
		return false
	}
	return true
}

// fillContext sets the request's global condition keys with the shared
// pipeline's builder, the one every surface uses; the IAM engine adds the
// principal's (aws:PrincipalArn, aws:userid, aws:PrincipalTag/...). The
// requested region is the API's: a signed request's scope must name it.
func (g *Gateway) fillContext(rq *request) {
	pipeline.FillRequest(&rq.pctx, rq.r, rq.start, rq.stage.api.region)
}

// deny writes the 403 AccessDenied answer (spec sigv4.md §13).
func (g *Gateway) deny(rq *request, d policy.Decision, why string) {
	if why != "" {
		g.record(rq, d, &policy.Explanation{Decision: d})
	}
	if d.Effect == policy.ImplicitDeny && rq.caller == nil {
		// Only a resource policy can let the anonymous caller in.
		d.Type = policy.TypeResource
	}
	msg := pipeline.DenyMessage(rq.caller, invokeAction, arn.MaskARN(rq.methodARN), d, g.cfg.LegacyDenyMessages)
	g.fail(rq, awserr.GatewayAccessDenied.New(msg))
}

// decisionLog writes one JSON line per decision.
type decisionLog struct {
	mu sync.Mutex
	w  io.Writer
}

type decisionLine struct {
	Time        string   `json:"time"`
	RequestID   string   `json:"requestId"`
	Caller      string   `json:"caller"`
	AccessKeyID string   `json:"accessKeyId,omitempty"`
	SourceIP    string   `json:"sourceIp"`
	Action      string   `json:"action"`
	MethodARN   string   `json:"methodArn"`
	HTTPMethod  string   `json:"httpMethod"`
	Path        string   `json:"path"` // resource path as the integration receives it
	Decision    string   `json:"decision"`
	Explanation string   `json:"explanation"`
	Matched     []string `json:"matched,omitempty"`
	MissingKeys []string `json:"missingContextKeys,omitempty"`
	LatencyUS   int64    `json:"latencyMicros"`
}

// record logs a decision to the decision log and, at debug level, the
// server log. The client never sees the explanation.
func (g *Gateway) record(rq *request, d policy.Decision, ex *policy.Explanation) {
	if g.dlog == nil && !g.cfg.Log.Enabled(rq.r.Context(), -4) {
		return
	}
	line := decisionLine{Time: rq.start.UTC().Format(time.RFC3339Nano), RequestID: rq.reqID, Caller: "anonymous",
		SourceIP: pipeline.ClientIP(rq.r), Action: invokeAction, MethodARN: rq.methodARN, HTTPMethod: rq.r.Method,
		Path: rq.tg.rest.enc, Decision: d.Effect.String(),
		Explanation: explain(d, rq.caller != nil), LatencyUS: g.cfg.Now().Sub(rq.start).Microseconds()}
	if rq.caller != nil {
		line.Caller, line.AccessKeyID = rq.caller.ARN, rq.caller.AccessKeyID
	}
	if ex != nil {
		for _, m := range ex.Matched {
			line.Matched = append(line.Matched, m.Type.String()+" policy "+m.Policy+" statement "+strconv.Itoa(m.Index)+" ("+m.Effect+")")
		}
		line.MissingKeys = ex.MissingContextKeys
	}
	g.cfg.Log.Debug("authorization decision", "request_id", line.RequestID, "caller", line.Caller,
		"method_arn", line.MethodARN, "decision", line.Decision, "explanation", line.Explanation)
	if g.dlog == nil {
		return
	}
	b, err := json.Marshal(line)
	if err != nil {
		return
	}
	b = append(b, '\n')
	g.dlog.mu.Lock()
	_, _ = g.dlog.w.Write(b)
	g.dlog.mu.Unlock()
}

// explain words a decision for people.
func explain(d policy.Decision, signed bool) string {
	where := ""
	if d.Policy != "" {
		where = " (" + d.Type.String() + " policy " + d.Policy
		if d.Statement >= 0 {
			where += ", statement " + strconv.Itoa(d.Statement)
		}
		where += ")"
	}
	switch d.Effect {
	case policy.Allowed:
		return "allowed by an Allow statement" + where
	case policy.ExplicitDeny:
		return "explicitly denied by a Deny statement in a " + d.Type.String() + " policy" + where
	}
	if !signed {
		return "implicitly denied: no resource-based policy allows the anonymous caller"
	}
	return "implicitly denied: no " + d.Type.String() + " policy allows " + invokeAction + " on this resource"
}
