package gateway

import (
	"encoding/json"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/apigw"
	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/awsproto"
	"github.com/gatehouse-dev/gatehouse/internal/vtl"
)

// Every answer the gateway makes itself (as opposed to the integration's)
// goes through writeGatewayResponse: fail calls it with the typed error,
// which names the gateway response type (responseType). Without a
// customization for that type, or for the DEFAULT_4XX/DEFAULT_5XX
// fallback of its status class, the answer is AWS's built-in one,
// rendered by awsproto. With one, the customized status code, headers and
// body template apply, as PutGatewayResponse documents.

// responseType names the gateway response type of a built-in answer.
func responseType(rq *request, e *awserr.Error) string {
	if rq.respType != "" {
		return rq.respType
	}
	switch e.Code {
	case "MissingAuthenticationTokenException":
		return "MISSING_AUTHENTICATION_TOKEN"
	case "InvalidSignatureException", "IncompleteSignatureException":
		return "INVALID_SIGNATURE"
	case "ExpiredTokenException":
		return "EXPIRED_TOKEN"
	case "AccessDeniedException":
		return "ACCESS_DENIED"
	case "TooManyRequestsException":
		return "THROTTLED"
	case "LimitExceededException":
		return "QUOTA_EXCEEDED"
	case "UnauthorizedException":
		return "UNAUTHORIZED"
	case "AuthorizerConfigurationException":
		return "AUTHORIZER_CONFIGURATION_ERROR"
	case "BadRequestException":
		switch e.Status {
		case http.StatusRequestEntityTooLarge:
			return "REQUEST_TOO_LARGE"
		case http.StatusUnsupportedMediaType:
			return "UNSUPPORTED_MEDIA_TYPE"
		case http.StatusBadRequest:
			if e.Message == awserr.GatewayBadRequestBody.DefaultMessage {
				return "BAD_REQUEST_BODY"
			}
			return "BAD_REQUEST_PARAMETERS"
		}
	case "InternalServerErrorException":
		if e.Status == http.StatusGatewayTimeout {
			if e.Message == awserr.GatewayTimeout.DefaultMessage {
				return "INTEGRATION_TIMEOUT"
			}
			return "INTEGRATION_FAILURE"
		}
	}
	if e.Status >= 500 {
		return "DEFAULT_5XX"
	}
	return "DEFAULT_4XX"
}

// customResponse returns the customization that applies to type t of
// status class status: the type's own, else its class's fallback.
func customResponse(api *apiEntry, t string, status int) (own, fallback *apigw.GatewayResponse) {
	if api == nil || api.x == nil || len(api.x.responses) == 0 {
		return nil, nil
	}
	def := "DEFAULT_4XX"
	if status >= 500 {
		def = "DEFAULT_5XX"
	}
	return api.x.responses[t], api.x.responses[def]
}

// writeGatewayResponse writes the gateway's own answer e.
func (g *Gateway) writeGatewayResponse(rq *request, e *awserr.Error) {
	if e.Code == awserr.InternalFailure.Name {
		e = &awserr.Error{Code: "InternalServerErrorException", Status: 500, Message: "Internal server error", Cause: e.Cause}
	}
	t := responseType(rq, e)
	own, fallback := customResponse(rq.api, t, e.Status)
	if own == nil && fallback == nil {
		if e.Message == "" {
			// AWS answers authorizer failures with a null message.
			writeRaw(rq, e, e.Status, nil, "application/json", []byte(`{"message":null}`))
			return
		}
		awsproto.WriteGatewayError(rq.w, rq.r, e)
		return
	}
	// The type's own response decides what it sets; the class fallback
	// fills the status code and whatever the type's response leaves unset.
	status := e.Status
	for _, gr := range []*apigw.GatewayResponse{fallback, own} {
		if gr == nil {
			continue
		}
		if n, err := strconv.Atoi(gr.StatusCode); err == nil && gr.StatusCode != "" {
			status = n
		}
	}
	params := map[string]string{}
	templates := map[string]string{}
	for _, gr := range []*apigw.GatewayResponse{fallback, own} {
		if gr == nil {
			continue
		}
		for k, v := range gr.ResponseParameters {
			params[k] = v
		}
		if len(gr.ResponseTemplates) > 0 {
			templates = gr.ResponseTemplates
		}
	}
	hdr := map[string]string{}
	names := make([]string, 0, len(params))
	for k := range params {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		name := strings.TrimPrefix(k, "gatewayresponse.header.")
		if v, ok := rq.responseValue(params[k]); ok {
			hdr[name] = v
		}
	}
	ct, tmpl := pickTemplate(templates, rq.r.Header.Get("Accept"))
	if tmpl == "" && len(templates) == 0 {
		tmpl = apigw.DefaultGatewayResponseTemplate
	}
	body := rq.errorTemplate(tmpl, t, e.Message)
	writeRaw(rq, e, status, hdr, ct, []byte(body))
}

// pickTemplate chooses the body template: the one for the Accept type,
// else application/json, else the first by name.
func pickTemplate(ts map[string]string, accept string) (string, string) {
	if len(ts) == 0 {
		return "application/json", ""
	}
	for _, a := range strings.Split(accept, ",") {
		a, _, _ = strings.Cut(strings.TrimSpace(a), ";")
		if t, ok := ts[a]; ok {
			return a, t
		}
	}
	if t, ok := ts["application/json"]; ok {
		return "application/json", t
	}
	keys := make([]string, 0, len(ts))
	for k := range ts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys[0], ts[keys[0]]
}

func writeRaw(rq *request, e *awserr.Error, status int, hdr map[string]string, ct string, body []byte) {
	h := rq.w.Header()
	for k, v := range e.Header {
		h.Set(k, v)
	}
	for k, v := range hdr {
		h.Set(k, v)
	}
	h.Set("Content-Type", ct)
	h.Set("x-amzn-RequestId", rq.reqID)
	h.Set("x-amzn-ErrorType", e.Code)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	rq.w.WriteHeader(status)
	_, _ = rq.w.Write(body)
}

// responseValue resolves a gateway response header mapping: a static
// 'value', a method request value, a stage variable or a context
// variable. Values from a request that never matched a method resolve
// only when static.
func (rq *request) responseValue(expr string) (string, bool) {
	if len(expr) >= 2 && expr[0] == '\'' && expr[len(expr)-1] == '\'' {
		return expr[1 : len(expr)-1], true
	}
	if rq.stage == nil || rq.m == nil {
		if v, ok := strings.CutPrefix(expr, "method.request.header."); ok {
			if vv := rq.r.Header.Values(v); len(vv) > 0 {
				return vv[len(vv)-1], true
			}
		}
		return "", false
	}
	return rq.value(expr)
}

// errorTemplate renders a gateway response body template: $context.error.*
// and $context.authorizer.* first, the rest as the mapping templates do.
func (rq *request) errorTemplate(tmpl, responseType, message string) string {
	msgString := "null"
	if message != "" {
		b, _ := json.Marshal(message)
		msgString = string(b)
	}
	if t, err := parseTemplate(tmpl); err == nil {
		vars := rq.templateVars(rq.body)
		e := vtl.NewMap()
		e.Set("message", message)
		e.Set("messageString", msgString)
		e.Set("responseType", responseType)
		vars.Context.Set("error", e)
		vars.Context.Set("requestId", rq.reqID)
		vars.Context.Set("extendedRequestId", rq.apigwID)
		if out, err := t.Render(vars, templateLimits); err == nil {
			return out
		}
	}
	return tmpl
}
