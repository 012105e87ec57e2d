package cfn

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/authn"
	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/awsproto"
	"github.com/gatehouse-dev/gatehouse/internal/pipeline"
	"github.com/gatehouse-dev/gatehouse/internal/reqbody"
	"github.com/gatehouse-dev/gatehouse/internal/sigv4"
)

// The frame: the only code of the Query API that writes a response. It
// authenticates the request, finds the operation in the handlers table,
// runs its typed handler (decode, authorize, act) and renders what the
// handler returns — the operation's own output type (outputs.go) through
// awsproto.WriteQuery, an error through awsproto.WriteQueryError. Handlers
// never see the http.ResponseWriter (internal/archtest enforces it).

// Handler returns the CloudFormation Query API handler.
func (s *Service) Handler() http.Handler { return http.HandlerFunc(s.serveHTTP) }

type call struct {
	s      *Service
	ctx    context.Context
	r      *http.Request
	p      *authn.Principal
	region string
	op     *pipeline.Operation
	// started is the stack whose operation the call started: the
	// answer waits for it (bounded) once the call's locks are released.
	started string
}

func (s *Service) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, ResponsePath) {
		s.serveResponse(w, r)
		return
	}
	fail := func(err error) { awsproto.WriteQueryError(w, r, Namespace, err) }
	p, vr, b, err := s.auth.ReadRequest(w, r, "cloudformation", MaxBody)
	if err != nil {
		var se *sigv4.Error
		if errors.As(err, &se) {
			fail(authn.QueryError(err))
			return
		}
		if errors.Is(err, reqbody.ErrTooLarge) {
			fail(awserr.ValidationError.New("Request body too large."))
			return
		}
		fail(authn.QueryError(err))
		return
	}
	defer b.Release()
	params, err := awsproto.ParseQuery(r, b.Bytes())
	if err != nil {
		fail(err)
		return
	}
	action := params.Get("Action")
	h := knownOperations[action]
	if h != nil {
		awsproto.SetOperation(r.Context(), action)
	}
	awsproto.MetaFrom(r.Context()).Principal = p.ARN
	var res any
	switch {
	case action == "":
		err = awserr.MissingAction.New("")
	case h == nil:
		err = awserr.InvalidAction.Errorf("Could not find operation %s for version %s", action, params.Get("Version"))
	default:
		c := &call{s: s, ctx: r.Context(), r: r, p: p, region: vr.Region, op: &h.Operation}
		c.ctx = withSSMResolver(c.ctx, s.callerSSM(p, vr.Region))
		v := &pipeline.Invocation{Request: r, Op: &h.Operation, Caller: p, Region: vr.Region, Surface: &s.surface,
			Decode: func(in any) error { return awsproto.DecodeQuery(params, in) }}
		res, err = h.Serve(v, c)
		if err == nil && c.started != "" {
			s.await(c.started)
		}
	}
	if err != nil {
		var e *awserr.Error
		if !errors.As(err, &e) {
			s.log.Error("cloudformation operation failed", "operation", action, "err", err)
		}
		fail(err)
		return
	}
	awsproto.WriteQuery(w, r, Namespace, action, res)
}
