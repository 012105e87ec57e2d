package apigw

import (
	"bytes"
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// RequestCheck is a deployed method's request validation, compiled for
// the data plane: what its request validator asks for, the required
// request parameters, and the method's request models.
type RequestCheck struct {
	params  bool
	body    bool
	query   []string // required querystring parameter names
	headers []string // required header names
	// models by content type ("$default" included); a nil schema is a
	// model that did not compile: every body fails (fail closed).
	models map[string]*jsonschema.Schema
}

// CompileRequestCheck returns the validation of method m in deployment
// d, nil when the method validates nothing (no validator, or one that
// checks neither body nor parameters).
func CompileRequestCheck(d *DeploymentRecord, m *Method) *RequestCheck {
	if m.RequestValidatorID == "" {
		return nil
	}
	v := d.Validators[m.RequestValidatorID]
	if v == nil || (!v.ValidateRequestBody && !v.ValidateRequestParameters) {
		return nil
	}
	rc := &RequestCheck{params: v.ValidateRequestParameters, body: v.ValidateRequestBody}
	if rc.params {
		for k, required := range m.RequestParameters {
			if !required {
				continue
			}
			switch {
			case strings.HasPrefix(k, "method.request.querystring."):
				rc.query = append(rc.query, strings.TrimPrefix(k, "method.request.querystring."))
			case strings.HasPrefix(k, "method.request.multivaluequerystring."):
				rc.query = append(rc.query, strings.TrimPrefix(k, "method.request.multivaluequerystring."))
			case strings.HasPrefix(k, "method.request.header."):
				rc.headers = append(rc.headers, strings.TrimPrefix(k, "method.request.header."))
			case strings.HasPrefix(k, "method.request.multivalueheader."):
				rc.headers = append(rc.headers, strings.TrimPrefix(k, "method.request.multivalueheader."))
			}
			// Path parameters are always present once the route matched.
		}
		sort.Strings(rc.query)
		sort.Strings(rc.headers)
	}
	if rc.body && len(m.RequestModels) > 0 {
		rc.models = map[string]*jsonschema.Schema{}
		for ct, name := range m.RequestModels {
			model := d.Models[name]
			if model == nil || model.Schema == "" {
				// A model without a schema (or gone) constrains nothing.
				continue
			}
			sch, err := CompileModel(d.Models, name)
			if err != nil {
				sch = nil
			}
			rc.models[strings.ToLower(ct)] = sch
		}
	}
	return rc
}

// MissingParams returns the required request parameters the request
// lacks (AWS's "Missing required request parameters: [a, b]"), nil when
// none is missing or parameters are not validated.
func (rc *RequestCheck) MissingParams(query url.Values, h http.Header) []string {
	if rc == nil || !rc.params {
		return nil
	}
	var miss []string
	for _, q := range rc.query {
		if _, ok := query[q]; !ok {
			miss = append(miss, q)
		}
	}
	for _, n := range rc.headers {
		if len(h.Values(n)) == 0 {
			miss = append(miss, n)
		}
	}
	return miss
}

// ValidatesBody reports whether the body must be read for ValidBody.
func (rc *RequestCheck) ValidatesBody() bool { return rc != nil && rc.body && len(rc.models) > 0 }

// ValidBody validates body against the model for its content type (or
// the "$default" model); a request with no model for its content type is
// not validated. A missing Content-Type is application/json, as on AWS.
func (rc *RequestCheck) ValidBody(contentType string, body []byte) bool {
	if !rc.ValidatesBody() {
		return true
	}
	ct := "application/json"
	if contentType != "" {
		mt, _, err := mime.ParseMediaType(contentType)
		if err != nil {
			return false
		}
		ct = mt
	}
	sch, ok := rc.models[ct]
	if !ok {
		if sch, ok = rc.models["$default"]; !ok {
			return true
		}
	}
	if sch == nil {
		return false
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		return false
	}
	return sch.Validate(v) == nil
}
