package apigw

import (
	"net/http"
	"net/url"

	"github.com/gatehouse-dev/gatehouse/internal/pipeline"
)

// An operation's handler takes its typed input: the frame decodes the
// request's query string and body into *In (decodeInput) after the call
// is authorized and before the handler runs; path parameters are the
// call's, decoded and validated by the router (pathIn). A handler reads
// no raw query value or body.

// inputDecoder is an input type that reads itself from the request; an
// input without the method (noIn) reads nothing.
type inputDecoder interface {
	decodeFrom(q url.Values, h http.Header, body []byte) error
}

// noIn is the input of an operation that takes nothing but its path.
type noIn struct{}

// jsonIn is an operation's JSON body (empty: the zero value).
type jsonIn[T any] struct{ Body T }

func (in *jsonIn[T]) decodeFrom(_ url.Values, _ http.Header, body []byte) error {
	return decodeJSON(body, &in.Body)
}

// patchIn is an Update* operation's patch operations.
type patchIn struct{ Ops []PatchOp }

func (in *patchIn) decodeFrom(_ url.Values, _ http.Header, body []byte) error {
	ops, err := parsePatchOps(body)
	in.Ops = ops
	return err
}

// pageIn is a Get* collection's paging parameters, as sent; paging
// validates them where the operation checks them.
type pageIn struct {
	Limit    string // ?limit=
	Position string // ?position=
}

func (in *pageIn) decodeFrom(q url.Values, _ http.Header, _ []byte) error {
	in.Limit, in.Position = q.Get("limit"), q.Get("position")
	return nil
}

// on binds a Service method to the table's handler signature: the
// handler returns its operation's output type (outputs.go), which the
// frame renders.
func on[In, Out any](f func(*Service, *call, *In) (*Out, error)) func(*call, *In) (*Out, error) {
	return func(c *call, in *In) (*Out, error) { return f(c.s, c, in) }
}

// decodeInput is the Invocation's Decode: v is the operation's *In.
func (c *call) decodeInput(v any) error {
	if d, ok := v.(inputDecoder); ok {
		return d.decodeFrom(c.r.URL.Query(), c.r.Header, c.body)
	}
	return nil
}

// invocation is the call as the table's binding sees it. The frame has
// authorized the call before (apigateway:<METHOD> on the routed path's ARN,
// with the stored resource's tags): no entry has a Target and no handler
// authorizes through the Invocation, so it carries no Surface.
func (c *call) invocation(op *pipeline.Operation) *pipeline.Invocation {
	return &pipeline.Invocation{Request: c.r, Op: op, Region: c.caller.Region, Decode: c.decodeInput}
}
