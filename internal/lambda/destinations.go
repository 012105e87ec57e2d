package lambda

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/arn"
	"github.com/gatehouse-dev/gatehouse/internal/authn"
	"github.com/gatehouse-dev/gatehouse/internal/awsproto"
	"github.com/gatehouse-dev/gatehouse/internal/lambda/runtime"
	"github.com/gatehouse-dev/gatehouse/internal/pipeline"
)

// eventPlan is how an Event invocation is retried and where its record
// goes: the function's event invoke config for the qualifier invoked
// (configs.go), or AWS's defaults.
type eventPlan struct {
	retries              int
	maxAge               time.Duration
	onSuccess, onFailure string // destination function ARNs, "" for none
	source               *function
	sourceARN            string // qualified ARN of what was invoked ($LATEST spelled out)
	version              string // the version that runs
}

// eventPlan builds the plan of an Event invocation of base (the $LATEST
// record) named res, running version run.
func (s *Service) eventPlan(base *function, res resolved, run *function) eventPlan {
	p := eventPlan{retries: 2, maxAge: 6 * time.Hour, source: run, version: orDefault(run.Version, "$LATEST")}
	r := res
	r.qualifier = qualifierKey(res.qualifier)
	p.sourceARN = r.arn()
	c := eventSettings(base, res.qualifier)
	if c == nil {
		return p
	}
	if c.MaximumRetryAttempts != nil {
		p.retries = *c.MaximumRetryAttempts
	}
	if c.MaximumEventAgeInSeconds != nil {
		p.maxAge = time.Duration(*c.MaximumEventAgeInSeconds) * time.Second
	}
	if d := c.DestinationConfig; d != nil {
		if d.OnSuccess != nil && d.OnSuccess.Destination != nil {
			p.onSuccess = *d.OnSuccess.Destination
		}
		if d.OnFailure != nil && d.OnFailure.Destination != nil {
			p.onFailure = *d.OnFailure.Destination
		}
	}
	return p
}

// SessionOpener opens a session token into its principal (an
// *authn.Authenticator): destinations are authorized as the source
// function's execution role.
type SessionOpener interface {
	OpenSession(accessKeyID, token string) (*authn.Principal, error)
}

// deliver sends an invocation record to a destination function, as an
// Event invocation of it (AWS's record format). The source function's
// execution role must be allowed lambda:InvokeFunction on the
// destination, as on AWS; a record that cannot be delivered is logged and
// dropped. Destination invocations run with the destination's defaults
// and never deliver records of their own, so destinations cannot loop.
func (s *Service) deliver(p eventPlan, dest, condition string, inv runtime.Invocation, attempts int, res *runtime.Result) {
	if dest == "" || p.source == nil {
		return
	}
	ref, ok := arn.ParseFunction(dest)
	if !ok {
		return
	}
	dres := resolved{account: ref.Account, region: ref.Region, name: ref.Name, qualifier: ref.Qualifier}
	e, err := s.lookup(dres)
	if err != nil {
		s.log.Info("lambda: destination not found", "function", p.sourceARN, "destination", dest)
		return
	}
	if err := s.authorizeAsRole(p.source, dres, e); err != nil {
		s.log.Info("lambda: destination not allowed", "function", p.sourceARN, "destination", dest, "err", err)
		return
	}
	record := map[string]any{
		"version":   "1.0",
		"timestamp": s.now().UTC().Format("2006-01-02T15:04:05.000Z"),
		"requestContext": map[string]any{
			"requestId": inv.RequestID, "functionArn": p.sourceARN, "condition": condition, "approximateInvokeCount": attempts,
		},
		"requestPayload": json.RawMessage(inv.Payload),
	}
	if res != nil {
		rc := map[string]any{"statusCode": 200, "executedVersion": p.version}
		if res.FunctionError != "" {
			rc["functionError"] = res.FunctionError
		}
		record["responseContext"] = rc
		if json.Valid(res.Payload) && len(res.Payload) > 0 {
			record["responsePayload"] = json.RawMessage(res.Payload)
		} else {
			record["responsePayload"] = string(res.Payload)
		}
	}
	target := e.route(s.pick)
	spec, err := s.spec(target)
	if err != nil {
		return
	}
	dinv := runtime.Invocation{RequestID: awsproto.NewRequestID(), Payload: compact(record), InvokedARN: dres.arn()}
	s.bg.Add(1)
	go s.runEvent(spec, dinv, eventPlan{retries: 2, maxAge: 6 * time.Hour})
}

// authorizeAsRole decides lambda:InvokeFunction on the destination for
// the source function's execution role (a session of it, as the function
// itself would call), with the destination's resource policy.
func (s *Service) authorizeAsRole(src *function, dres resolved, e *entry) error {
	op, ok := s.cfg.Authn.(SessionOpener)
	if s.cfg.Roles == nil || !ok {
		return errNoRole
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := s.cfg.Roles.RoleCredentials(ctx, src.Role, src.Name, 15*time.Minute)
	if err != nil {
		return err
	}
	p, err := op.OpenSession(c.AccessKeyID, c.SessionToken)
	if err != nil {
		return err
	}
	req := pipeline.AuthzRequest{Action: "lambda:InvokeFunction", Resource: dres.arn(), ResourceAccount: dres.account}
	if e.policy != nil {
		req.ResourcePolicy, req.ResourcePolicyName = e.policy, "function policy"
	}
	_, err = s.surface.Authorize(&pipeline.Call{Region: dres.region, Caller: p, AuthzRequest: req})
	return err
}

// errNoRole: destinations cannot be authorized without STS and sessions.
var errNoRole = errors.New("lambda: no execution-role sessions to authorize a destination")
