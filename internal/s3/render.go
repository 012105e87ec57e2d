package s3

import (
	"errors"
	"io"
	"net/http"
	"reflect"

	"github.com/gatehouse-dev/gatehouse/internal/awsproto"
)

// Every handler returns its operation's output type (botocore-s3's output
// shape names, e.g. *PutObjectOutput) and the frame is the only code that
// writes the response. It renders an output the way the inputs are
// decoded, from the type's field tags:
//
//	header:"name"  a string field: the response header, set when the
//	               field is not empty
//	headers:""     an http.Header field: headers copied as they are
//	               (the object's stored headers and x-amz-meta-* metadata,
//	               whose names keep the spelling they were stored with)
//	body:""        a string field: the raw body (GetBucketPolicy's JSON)
//
// The status is the route's (200 unless the table says otherwise, e.g.
// 204 for the Delete* operations), or what the output's statusCode
// returns when that is not 0 (206 for a range, 304 for a failed
// If-None-Match). An output that is an xmlDocument is written as S3's XML
// document through awsproto; a streamer's body (GetObject's bytes) is
// copied after the status and headers, never buffered; any other output
// is status and headers only.

// xmlDocument is an output whose body is an XML document: its root element
// and what is inside it.
type xmlDocument interface {
	awsproto.XMLResult
	xmlRoot() string
}

// streamer is an output whose body is streamed after the status and
// headers; the frame closes it after the answer, whatever happened.
type streamer interface {
	stream(w io.Writer)
	close()
}

// failure is a handler's error whose answer carries headers of the output
// the operation had begun to describe (HeadBucket's region on a denial,
// GetObject's ETag and Last-Modified on a failed precondition): the frame
// sets them before it renders the error.
type failure struct {
	err error
	out any
}

func (f *failure) Error() string { return f.err.Error() }
func (f *failure) Unwrap() error { return f.err }

// failed wraps err so that its answer carries out's headers.
func failed(err error, out any) error { return &failure{err: err, out: out} }

// render writes out, the output of the operation rt, as the answer to r.
func render(w http.ResponseWriter, r *http.Request, rt *route, out any) {
	if st, ok := out.(streamer); ok {
		defer st.close()
	}
	h := w.Header()
	body, hasBody := encodeHeaders(h, out)
	status := http.StatusOK
	if rt.status != 0 {
		status = rt.status
	}
	if sc, ok := out.(interface{ statusCode() int }); ok && sc.statusCode() != 0 {
		status = sc.statusCode()
	}
	switch o := out.(type) {
	case xmlDocument:
		awsproto.WriteXMLDocument(w, r, status, o.xmlRoot(), awsproto.S3Namespace, o)
		return
	case streamer:
		w.WriteHeader(status)
		// Headers are out: a failure from here can only cut the body
		// short, which the client sees against Content-Length.
		o.stream(w)
		return
	}
	w.WriteHeader(status)
	if hasBody {
		_, _ = io.WriteString(w, body)
	}
}

// failureHeaders sets the headers of the output a failure carries, before
// the error is rendered.
func failureHeaders(h http.Header, err error) {
	var f *failure
	if errors.As(err, &f) {
		encodeHeaders(h, f.out)
	}
}

// encodeHeaders sets the header and headers fields of out (a pointer to
// a struct; embedded structs are walked) on h and returns its body field.
func encodeHeaders(h http.Header, out any) (body string, hasBody bool) {
	rv := reflect.ValueOf(out)
	if rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Kind() != reflect.Struct {
		return "", false
	}
	return encodeStruct(h, rv.Elem())
}

func encodeStruct(h http.Header, rv reflect.Value) (body string, hasBody bool) {
	rt := rv.Type()
	for i := 0; i < rt.NumField(); i++ {
		f, fv := rt.Field(i), rv.Field(i)
		if name, ok := f.Tag.Lookup("header"); ok {
			if s := fv.String(); s != "" {
				h.Set(name, s)
			}
			continue
		}
		if _, ok := f.Tag.Lookup("headers"); ok {
			for it := fv.MapRange(); it.Next(); {
				vs := it.Value()
				cp := make([]string, vs.Len())
				for j := range cp {
					cp[j] = vs.Index(j).String()
				}
				h[it.Key().String()] = cp
			}
			continue
		}
		if _, ok := f.Tag.Lookup("body"); ok {
			body, hasBody = fv.String(), true
			continue
		}
		if f.Anonymous && fv.Kind() == reflect.Struct {
			if b, ok := encodeStruct(h, fv); ok {
				body, hasBody = b, true
			}
		}
	}
	return body, hasBody
}
