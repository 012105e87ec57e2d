package pipeline

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/authn"
	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/awsproto"
	"github.com/gatehouse-dev/gatehouse/internal/reqbody"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// JSON11 is the frame of a service on the AWS JSON 1.1 protocol (POST /
// with X-Amz-Target PREFIX.Operation), the one place that routes the
// target, authenticates and reads the bounded body, and renders the output
// or the error through awsproto. Parameter Store and ECR share it; a
// service supplies its error codes, its operation table with the typed
// handlers (Ops) and how a call becomes its per-call value C (NewCall).
// The frame decodes each input with DecodeJSON11 into the operation's
// input type.
type JSON11[C any] struct {
	// TargetPrefix is the X-Amz-Target prefix, e.g. "AmazonSSM.".
	TargetPrefix string
	// SigningName is the SigV4 service name the caller signs for.
	SigningName string
	// MaxRequest bounds the request body.
	MaxRequest int64
	// Ops are the operations served; any other target is unknown.
	Ops Handlers[C]
	// Unknown is the service's UnknownOperationException, UnknownText
	// what its message says gatehouse serves (e.g. "gatehouse serves
	// Parameter Store only").
	Unknown     awserr.Code
	UnknownText string
	// Serialization is the service's SerializationException, Internal its
	// 500 for an unexpected error.
	Serialization awserr.Code
	Internal      awserr.Code
	Authn         *authn.Authenticator
	Log           *slog.Logger
	// Surface authorizes the operations.
	Surface *Surface
	// NewCall returns the service's value for one authenticated call.
	NewCall func(*Invocation) C
}

// opNameRE is what an operation name may look like in an error message;
// anything else is not echoed.
var opNameRE = regexp.MustCompile(`^[A-Za-z0-9]{1,64}$`)

func (f *JSON11[C]) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := f.serve(w, r); err != nil {
		var ae *awserr.Error
		if !errors.As(err, &ae) && !errors.Is(err, store.ErrUnavailable) {
			f.Log.Error(f.SigningName+" request failed", "error", err)
			err = f.Internal.New("").WithCause(err)
		}
		awsproto.WriteAWSJSONError(w, r, "1.1", err)
	}
}

func (f *JSON11[C]) serve(w http.ResponseWriter, r *http.Request) error {
	name, ok := strings.CutPrefix(r.Header.Get("X-Amz-Target"), f.TargetPrefix)
	if r.Method != http.MethodPost || r.URL.Path != "/" || !ok {
		return f.Unknown.New("")
	}
	h := f.Ops.Lookup(name)
	if h == nil {
		if !opNameRE.MatchString(name) {
			name = "(invalid)"
		}
		return f.Unknown.Errorf("%s; operation %s is unknown", f.UnknownText, name)
	}
	awsproto.SetOperation(r.Context(), name)
	if f.Authn == nil {
		return awserr.ServiceUnavailable.New("")
	}
	caller, vr, b, err := f.Authn.ReadRequest(w, r, f.SigningName, f.MaxRequest)
	switch {
	case errors.Is(err, reqbody.ErrTooLarge):
		return f.Serialization.New("Request body too large")
	case reqbody.IsReadError(err):
		return f.Serialization.New("Could not read request body").WithCause(err)
	case err != nil:
		return authn.JSONError(err)
	}
	defer b.Release()
	awsproto.MetaFrom(r.Context()).Principal = caller.ARN
	body := b.Bytes() // valid until Serve returns
	v := &Invocation{Request: r, Op: &h.Operation, Caller: caller, Region: vr.Region, Surface: f.Surface,
		Decode: func(in any) error { return DecodeJSON11(body, in, f.Serialization) }}
	out, err := h.Serve(v, f.NewCall(v))
	if err != nil {
		return err
	}
	return awsproto.WriteJSON11(w, out)
}

// DecodeJSON11 parses a JSON 1.1 body strictly into v: one object of the
// operation's members, no unknown members, no trailing data; an empty body
// is an empty object. A failure is the service's SerializationException.
func DecodeJSON11(body []byte, v any, serialization awserr.Code) error {
	if len(bytes.TrimSpace(body)) == 0 {
		body = []byte("{}")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		msg := "Start of structure or map found where not expected"
		var ute *json.UnmarshalTypeError
		if errors.As(err, &ute) {
			msg = "member " + ute.Field + " has the wrong type"
		} else if e := err.Error(); strings.Contains(e, "unknown field ") {
			msg = e[strings.Index(e, "unknown field "):]
		}
		return serialization.New(msg)
	}
	if _, err := dec.Token(); err != io.EOF {
		return serialization.New("Unexpected data after the request object")
	}
	return nil
}
