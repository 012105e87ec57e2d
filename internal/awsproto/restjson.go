package awsproto

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/gatehouse-dev/gatehouse/internal/awserr"
)

// WriteJSON writes v as a REST-JSON success response with the given status.
func WriteJSON(w http.ResponseWriter, r *http.Request, status int, v any) {
	m := MetaFrom(r.Context())
	var buf bytes.Buffer
	if v != nil {
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(v); err != nil {
			WriteJSONError(w, r, awserr.From(err))
			return
		}
		buf.Truncate(buf.Len() - 1) // Encode's trailing newline
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("x-amzn-RequestId", m.RequestID)
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// WriteJSONError writes err in the REST-JSON error form used by the API
// Gateway and Lambda control planes: x-amzn-ErrorType header and a body with
// the message (under the code's MessageKey), Lambda's "Type" when the code
// has one, and any extra fields.
func WriteJSONError(w http.ResponseWriter, r *http.Request, err error) {
	e := errorOf(r, err)
	writeJSONError(w, MetaFrom(r.Context()).RequestID, e, true)
}

// WriteGatewayError writes err as an execute-api gateway response: a compact
// {"message":...} body (or "Message" for access denials), x-amzn-ErrorType
// and x-amzn-RequestId (spec/sigv4.md §12).
func WriteGatewayError(w http.ResponseWriter, r *http.Request, err error) {
	e := errorOf(r, err)
	if e.Code == awserr.InternalFailure.Name {
		// The data plane has its own wording for failures of its own.
		e = &awserr.Error{Code: "InternalServerErrorException", Status: 500, Message: "Internal server error", Cause: e.Cause}
	}
	writeJSONError(w, MetaFrom(r.Context()).RequestID, e, false)
}

func writeJSONError(w http.ResponseWriter, reqID string, e *awserr.Error, withType bool) {
	key := e.MessageKey
	if key == "" {
		key = "message"
	}
	// The body is built by hand to keep AWS's member order and compact form.
	var buf bytes.Buffer
	buf.WriteByte('{')
	if withType && e.BodyType != "" {
		buf.WriteString(`"Type":`)
		writeJSONString(&buf, e.BodyType)
		buf.WriteByte(',')
	}
	writeJSONString(&buf, key)
	buf.WriteByte(':')
	writeJSONString(&buf, e.Message)
	for _, k := range sortedKeys(e.Fields) {
		buf.WriteByte(',')
		writeJSONString(&buf, k)
		buf.WriteByte(':')
		writeJSONString(&buf, e.Fields[k])
	}
	buf.WriteByte('}')
	h := w.Header()
	for _, k := range sortedKeys(e.Header) {
		h.Set(k, e.Header[k])
	}
	h.Set("Content-Type", "application/json")
	h.Set("x-amzn-RequestId", reqID)
	h.Set("x-amzn-ErrorType", e.Code)
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(e.Status)
	_, _ = w.Write(buf.Bytes())
}

// writeJSONString writes s as a JSON string without HTML escaping: AWS
// bodies carry "<", ">" and "&" literally (canonical requests, ARNs).
func writeJSONString(buf *bytes.Buffer, s string) {
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // strings always encode
	buf.Truncate(buf.Len() - 1)
}

// WriteJSON11 writes v as an AWS JSON 1.1 success response (the
// X-Amz-Target protocols gatehouse serves: SSM Parameter Store and
// CloudWatch Logs). If v cannot be encoded nothing is written and the
// error is returned, for the caller's protocol error form.
func WriteJSON11(w http.ResponseWriter, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return awserr.From(err)
	}
	h := w.Header()
	h.Set("Content-Type", "application/x-amz-json-1.1")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(buf.Bytes())
	return nil
}
