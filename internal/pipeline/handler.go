package pipeline

import (
	"net/http"

	"github.com/gatehouse-dev/gatehouse/internal/authn"
	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/policy"
)

// A service's operations are one slice of Handler: each entry is the
// Operation authorization knows (name, actions, keys) bound to the typed
// function that runs it. The same slice is the metadata table (Table:
// metrics labels, GetContextKeysFor*Policy, the simulator,
// doc/operations.md) and the dispatch table of the service's frame, so an
// operation cannot be listed without a handler or served without being
// listed, and no second map or switch of operation names exists.
//
// C is the service's per-call value (its caller, region, store handles),
// built by the frame from the Invocation; In and Out are the operation's
// input and output shapes. The frame decodes the wire input into *In, so
// handlers never see bytes or form values.

// Invocation is one authenticated call as the frame hands it to an
// operation's binding.
type Invocation struct {
	Request *http.Request
	// Op is the operation's table entry.
	Op     *Operation
	Caller *authn.Principal
	// Region is the region the request was signed for.
	Region string
	// Surface decides the call's authorization questions.
	Surface *Surface
	// Decode parses the request's input into v (an *In); its error is the
	// wire format's serialization error.
	Decode func(v any) error
}

// Authorize asks whether the caller may perform action on resource, with
// the operation's keys added by keys (nil: none). It is for operations
// whose authorization depends on stored state (a resource's tags, one
// answer per named item); the others declare a Target and the binding
// authorizes before the handler runs.
func (v *Invocation) Authorize(action, resource string, keys func(*policy.Context)) error {
	if v.Surface == nil {
		// A frame that authorizes before the binding (API Gateway's)
		// gives none: asking here is a gatehouse bug, and it denies.
		return awserr.InternalFailure.Errorf("operation %s: no authorizer", v.Op.Name)
	}
	_, err := v.Surface.Authorize(&Call{Request: v.Request, Region: v.Region, Caller: v.Caller,
		AuthzRequest: AuthzRequest{Action: action, Resource: resource}, Keys: keys, Op: v.Op})
	return err
}

// Target is what an operation authorizes when its input alone determines
// it: its first action on each resource, with the keys the input adds.
type Target struct {
	// Resources are ARNs built with internal/arn ("*" for an action
	// without a resource); each must be allowed.
	Resources []string
	// Keys adds the operation's condition keys (aws:RequestTag/…), or nil.
	Keys func(*policy.Context)
}

// Handler is one table entry: an Operation bound to its typed handler.
type Handler[C any] struct {
	Operation
	serve func(v *Invocation, c C) (any, error)
}

// Handle binds op to run. run authorizes what it does itself (through
// Invocation.Authorize, reached from C) or authorizes nothing (op has no
// actions, e.g. GetCallerIdentity).
func Handle[C, In, Out any](op Operation, run func(C, *In) (*Out, error)) Handler[C] {
	return bind(op, nil, run)
}

// HandleAuthorized binds op to run behind target: the binding decodes the
// input, asks target for the resources (target also returns the input's
// validation errors that AWS reports before authorization), authorizes
// op.Actions[0] on each and only then runs run. A denied call never
// reaches run.
func HandleAuthorized[C, In, Out any](op Operation, target func(C, *In) (Target, error), run func(C, *In) (*Out, error)) Handler[C] {
	if len(op.Actions) == 0 || target == nil {
		// A table declaration error, found when the package loads.
		panic("pipeline: HandleAuthorized(" + op.Name + ") needs an action and a target")
	}
	return bind(op, target, run)
}

func bind[C, In, Out any](op Operation, target func(C, *In) (Target, error), run func(C, *In) (*Out, error)) Handler[C] {
	if run == nil {
		panic("pipeline: operation " + op.Name + " has no handler")
	}
	return Handler[C]{Operation: op, serve: func(v *Invocation, c C) (any, error) {
		in := new(In)
		if err := v.Decode(in); err != nil {
			return nil, err
		}
		if target != nil {
			t, err := target(c, in)
			if err != nil {
				return nil, err
			}
			if len(t.Resources) == 0 {
				// Fail closed: nothing to authorize is a bug, not a grant.
				return nil, awserr.InternalFailure.Errorf("operation %s names no resource to authorize", op.Name)
			}
			for _, r := range t.Resources {
				if err := v.Authorize(op.Actions[0], r, t.Keys); err != nil {
					return nil, err
				}
			}
		}
		out, err := run(c, in)
		if err != nil {
			return nil, err
		}
		if out == nil {
			// A nil *Out would render as null; an operation that
			// succeeds with nothing to say returns its empty shape.
			return nil, awserr.InternalFailure.Errorf("operation %s returned no output", op.Name)
		}
		return out, nil
	}}
}

// Serve runs the call: decode, authorize (a Target), run. The frame calls
// it with v.Op pointing at h's Operation.
func (h *Handler[C]) Serve(v *Invocation, c C) (any, error) { return h.serve(v, c) }

// Bound reports whether h has a handler (a zero Handler has none).
func (h *Handler[C]) Bound() bool { return h.serve != nil }

// Handlers is a service's operation table with its handlers.
type Handlers[C any] []Handler[C]

// Table returns the operations' metadata.
func (hs Handlers[C]) Table() Table {
	t := make(Table, len(hs))
	for i := range hs {
		t[i] = hs[i].Operation
	}
	return t
}

// Names returns the operation names, sorted.
func (hs Handlers[C]) Names() []string { return hs.Table().Names() }

// Lookup returns the handler of the operation named name, or nil. A table
// has tens of entries: a scan costs less than the request's hashing.
func (hs Handlers[C]) Lookup(name string) *Handler[C] {
	for i := range hs {
		if hs[i].Name == name {
			return &hs[i]
		}
	}
	return nil
}

// Index returns the handlers keyed by name.
func (hs Handlers[C]) Index() map[string]*Handler[C] {
	m := make(map[string]*Handler[C], len(hs))
	for i := range hs {
		m[hs[i].Name] = &hs[i]
	}
	return m
}
