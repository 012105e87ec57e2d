package lambda

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/awsproto"
)

// The REST-JSON frame: a route names an operation by method and URI
// template (botocore-lambda's requestUri), and the frame decodes the
// operation's input from the path parameters, the query string, the
// headers and the JSON body, as the input type's field tags say:
//
//	uri:"Name"     a path parameter ({Name} in the template)
//	query:"Name"   a query parameter (string: its first value; []string:
//	               all of them, nil when absent)
//	header:"Name"  a request header
//	payload:""     the raw body ([]byte), for inputs whose body is a blob
//
// Every other exported field is a JSON body member: an input with one has
// its body parsed (an empty body is no members), one without ignores the
// body. Wire fields carry json:"-" so that the body cannot name them.

// bodyLimit is the body size class of an operation.
type bodyLimit int

const (
	bodyOther  bodyLimit = iota
	bodyCode             // CreateFunction, UpdateFunctionCode, PublishLayerVersion: the zip
	bodyInvoke           // Invoke, InvokeWithResponseStream
	bodyAsync            // InvokeAsync: the invoke limit, the generic message
)

// uriTemplate is one URI template: literal segments, {Name} (a non-empty
// segment) and {Name?} (a segment that may be empty: the API's one
// trailing-slash spelling of a collection reaches these operations).
type uriTemplate []string

func template(s string) uriTemplate { return strings.Split(strings.TrimPrefix(s, "/"), "/") }

// match returns the template's path parameters in segs and how many of
// its segments are literals, or ok false.
func (p uriTemplate) match(segs []string) (params map[string]string, literals int, ok bool) {
	if len(p) != len(segs) {
		return nil, 0, false
	}
	for k, t := range p {
		if name, isParam := strings.CutPrefix(t, "{"); isParam {
			name = strings.TrimSuffix(name, "}")
			name, empty := strings.CutSuffix(name, "?")
			if segs[k] == "" && !empty {
				return nil, 0, false
			}
			if params == nil {
				params = map[string]string{}
			}
			params[name] = segs[k]
			continue
		}
		if t != segs[k] {
			return nil, 0, false
		}
		literals++
	}
	return params, literals, true
}

// selectRoute finds the route of a request: of the routes whose method
// and a template match, the one with the most literal segments, and among
// those, one whose query condition holds before one without a condition
// (a route with a condition that does not hold does not match).
func selectRoute(method string, segs []string, qs url.Values) (*route, map[string]string) {
	var best *route
	var bestParams map[string]string
	bestLit, bestCond := -1, false
	for i := range routes {
		rt := &routes[i]
		if rt.method != method || rt.method == "" {
			continue
		}
		cond := rt.query != ""
		if cond {
			k, v, _ := strings.Cut(rt.query, "=")
			if qs.Get(k) != v {
				continue
			}
		}
		for _, t := range rt.paths {
			params, lit, ok := template(t).match(segs)
			if !ok {
				continue
			}
			if lit > bestLit || lit == bestLit && cond && !bestCond {
				best, bestParams, bestLit, bestCond = rt, params, lit, cond
			}
		}
	}
	return best, bestParams
}

// wireKinds are the tags of the fields that are not body members.
var wireKinds = []string{"uri", "query", "header", "payload"}

func wireTag(f reflect.StructField) (kind, name string, ok bool) {
	for _, k := range wireKinds {
		if v, has := f.Tag.Lookup(k); has {
			return k, v, true
		}
	}
	return "", "", false
}

// hasBody reports whether t (a struct type) has a JSON body member.
func hasBody(t reflect.Type) bool {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if _, _, wire := wireTag(f); wire || !f.IsExported() && !f.Anonymous || f.Tag.Get("json") == "-" {
			continue
		}
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			if hasBody(f.Type) {
				return true
			}
			continue
		}
		return true
	}
	return false
}

// errWireTag is a declaration error of an input type: a wire field the
// JSON body could also set.
var errWireTag = errors.New("lambda: input wire field without json:\"-\"")

// decodeInput fills v (a pointer to an input struct) from the request.
func decodeInput(v any, r *http.Request, params map[string]string, body []byte) error {
	rv := reflect.ValueOf(v).Elem()
	if hasBody(rv.Type()) {
		if err := decodeJSON(body, v, embeddedBodies(rv.Type())...); err != nil {
			return err
		}
	}
	return setWire(rv, r, params, body)
}

// embeddedBodies are the names of t's embedded structs that have body
// members: an input that embeds its operation's body type (aliasInput…)
// names the same members, and a type error names the member as the body
// type alone would.
func embeddedBodies(t reflect.Type) []string {
	var names []string
	for i := 0; i < t.NumField(); i++ {
		if f := t.Field(i); f.Anonymous && f.Type.Kind() == reflect.Struct && hasBody(f.Type) {
			names = append(names, f.Name)
		}
	}
	return names
}

func setWire(rv reflect.Value, r *http.Request, params map[string]string, body []byte) error {
	t := rv.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		kind, name, wire := wireTag(f)
		if !wire {
			if f.Anonymous && f.Type.Kind() == reflect.Struct {
				if err := setWire(rv.Field(i), r, params, body); err != nil {
					return err
				}
			}
			continue
		}
		if f.Tag.Get("json") != "-" {
			return awserr.InternalFailure.New("").WithCause(errWireTag)
		}
		fv := rv.Field(i)
		switch kind {
		case "uri":
			fv.SetString(params[name])
		case "query":
			if fv.Kind() == reflect.Slice {
				fv.Set(reflect.ValueOf(r.URL.Query()[name]))
			} else {
				fv.SetString(r.URL.Query().Get(name))
			}
		case "header":
			fv.SetString(r.Header.Get(name))
		case "payload":
			fv.SetBytes(body)
		}
	}
	return nil
}

// decodeJSON parses a JSON request body into v; an empty body sets
// nothing. A type error's field path leaves out the embedded struct
// named by a leading component in strip.
func decodeJSON(body []byte, v any, strip ...string) error {
	if len(body) == 0 {
		return nil
	}
	if err := json.Unmarshal(body, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			field := te.Field
			for _, name := range strip {
				if rest, ok := strings.CutPrefix(field, name+"."); ok {
					field = rest
					break
				}
			}
			return awserr.InvalidRequestContentException.Errorf("Could not parse request body into json: Could not deserialize field '%s'", field)
		}
		return awserr.InvalidRequestContentException.New("Could not parse request body into json: " + err.Error())
	}
	return nil
}

// Output rendering: the frame alone writes the response. A handler
// returns its operation's output type, and render writes it:
//
//   - the status: the route's (botocore-lambda's responseCode), or the
//     call's own when the output is a statusCoder (Invoke: 200, 202, 204);
//   - the headers: the output's string fields tagged header:"Name", when
//     not empty, and x-amzn-RequestId;
//   - the body: an output with a payload:"" []byte field is that raw body
//     (with its Content-Length; a nil payload is no body); a streamer's
//     body is produced by its stream method, which calls head before its
//     first write; an output struct without JSON members has none (a
//     204, InvokeAsync's 202); any other output is its JSON document,
//     rendered through awsproto.
//
// Only the JSON body members of an output reach the document: wire
// fields carry json:"-".

// statusCoder is an output whose success status depends on the call.
type statusCoder interface{ statusCode() int }

// streamer is an output whose body is written while the call still runs
// (InvokeWithResponseStream's event stream). stream calls head (once)
// before it writes to w, so that the frame writes the status and headers
// then; an error it returns before head is the call's error answer.
type streamer interface {
	stream(w http.ResponseWriter, head func()) error
}

// render writes out, the output of a successful call, with the route's
// status.
func render(w http.ResponseWriter, r *http.Request, status int, out any) error {
	if status == 0 {
		status = http.StatusOK
	}
	if sc, ok := out.(statusCoder); ok {
		status = sc.statusCode()
	}
	head := func() {
		writeHeaderFields(w.Header(), reflect.ValueOf(out).Elem())
		w.Header().Set("x-amzn-RequestId", awsproto.MetaFrom(r.Context()).RequestID)
		w.WriteHeader(status)
	}
	if st, ok := out.(streamer); ok {
		return st.stream(w, head)
	}
	rv := reflect.ValueOf(out).Elem()
	if p, ok := payloadField(rv); ok {
		if p != nil {
			w.Header().Set("Content-Length", strconv.Itoa(len(p)))
		}
		head()
		_, _ = w.Write(p)
		return nil
	}
	if rv.Kind() == reflect.Struct && !hasBody(rv.Type()) {
		head() // no body: a 204, InvokeAsync's 202
		return nil
	}
	awsproto.WriteJSON(w, r, status, out)
	return nil
}

// writeHeaderFields sets the non-empty header:"Name" fields of rv (an
// output struct).
func writeHeaderFields(h http.Header, rv reflect.Value) {
	if rv.Kind() != reflect.Struct {
		return
	}
	t := rv.Type()
	for i := 0; i < t.NumField(); i++ {
		if name, ok := t.Field(i).Tag.Lookup("header"); ok {
			if v := rv.Field(i).String(); v != "" {
				h.Set(name, v)
			}
		}
	}
}

// payloadField returns rv's payload:"" field, if it has one.
func payloadField(rv reflect.Value) ([]byte, bool) {
	if rv.Kind() != reflect.Struct {
		return nil, false
	}
	t := rv.Type()
	for i := 0; i < t.NumField(); i++ {
		if _, ok := t.Field(i).Tag.Lookup("payload"); ok {
			return rv.Field(i).Bytes(), true
		}
	}
	return nil, false
}
