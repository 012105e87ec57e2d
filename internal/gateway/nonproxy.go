package gateway

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/vtl"
)

// requestTemplate picks the integration request template for the
// request's Content-Type (default application/json) and applies
// passthroughBehavior (spec §7.3). ok=false: 415 was answered.
func (g *Gateway) requestTemplate(rq *request) (tmpl string, has bool, ok bool) {
	in := rq.m.in
	ct := rq.r.Header.Get("Content-Type")
	if ct == "" {
		ct = "application/json"
	}
	if mt, _, err := mime.ParseMediaType(ct); err == nil {
		ct = mt
	}
	if t, found := in.RequestTemplates[ct]; found {
		return t, true, true
	}
	switch in.PassthroughBehavior {
	case "NEVER":
		g.fail(rq, awserr.GatewayUnsupportedMedia.New(""))
		return "", false, false
	case "WHEN_NO_TEMPLATES":
		if len(in.RequestTemplates) > 0 {
			g.fail(rq, awserr.GatewayUnsupportedMedia.New(""))
			return "", false, false
		}
	}
	return "", false, true
}

var statusCodeRE = regexp.MustCompile(`"?statusCode"?\s*:\s*"?(\d{3})`)

// mock answers from the integration responses (spec §7.1): the request
// template's statusCode selects one, whose template text is the body.
func (g *Gateway) mock(rq *request) {
	tmpl, has, ok := g.requestTemplate(rq)
	if !ok {
		return
	}
	status := "200"
	if has {
		if !g.readBody(rq) {
			return
		}
		out, _, err := rq.render(tmpl, rq.body)
		if err != nil {
			g.templateError(rq, err, true)
			return
		}
		m := statusCodeRE.FindStringSubmatch(out)
		if m == nil {
			g.fail(rq, awserr.GatewayInternalError.New("")) // "Unable to parse statusCode"
			return
		}
		status = m[1]
	}
	g.respond(rq, status, nil, nil)
}

// selectResponse finds the integration response for status: a matching
// selectionPattern, else the default one.
func (rq *request) selectResponse(status string) *selector {
	var def *selector
	for _, s := range rq.m.selectors {
		if s.def {
			if def == nil {
				def = s
			}
			continue
		}
		if s.re.MatchString(status) {
			return s
		}
	}
	return def
}

// respond writes the method response of a non-proxy integration.
func (g *Gateway) respond(rq *request, status string, backendHeader http.Header, backendBody []byte) {
	g.respondWith(rq, rq.selectResponse(status), status, backendHeader, backendBody)
}

// respondWith writes the method response of integration response sel.
func (g *Gateway) respondWith(rq *request, sel *selector, status string, backendHeader http.Header, backendBody []byte) {
	if sel == nil {
		if backendHeader != nil {
			// No integration response at all: pass the backend's answer.
			code, _ := strconv.Atoi(status)
			if code < 100 || code > 599 {
				code = 200
			}
			writeBody(rq.w, code, "application/json", backendBody)
			return
		}
		g.fail(rq, awserr.GatewayInternalError.New("")) // API_CONFIGURATION_ERROR
		return
	}
	ir := sel.ir
	body := backendBody
	ct := "application/json"
	code, _ := strconv.Atoi(ir.StatusCode)
	if code == 0 {
		code = 200
	}
	var tctx *vtl.Map
	// Content type conversions (AWS's table): the payload is binary when
	// its Content-Type is one of binaryMediaTypes, the client wants binary
	// when its first Accept type is; without contentHandling a binary
	// payload goes to a text client base64-encoded and a text payload to a
	// binary client base64-decoded.
	binary := backendHeader != nil && matchMedia(rq.stage.binaryTypes, backendHeader.Get("Content-Type"))
	accept, _, _ := strings.Cut(rq.r.Header.Get("Accept"), ",")
	acceptBinary := matchMedia(rq.stage.binaryTypes, strings.TrimSpace(accept))
	ch := ir.ContentHandling
	if binary && (ch == "CONVERT_TO_TEXT" || ch == "" && !acceptBinary) {
		body, _ = convertContent("CONVERT_TO_TEXT", body, true)
		binary = false
	}
	if len(ir.ResponseTemplates) > 0 && !binary {
		accept := rq.r.Header.Get("Accept")
		t, found := ir.ResponseTemplates[accept]
		if found {
			ct = accept
		} else {
			t, found = ir.ResponseTemplates["application/json"]
		}
		if !found {
			keys := make([]string, 0, len(ir.ResponseTemplates))
			for k := range ir.ResponseTemplates {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			ct, t = keys[0], ir.ResponseTemplates[keys[0]]
		}
		out, c, err := rq.render(t, body)
		if err != nil {
			g.templateError(rq, err, false)
			return
		}
		body, tctx = []byte(out), c
	}
	if !binary && (ch == "CONVERT_TO_BINARY" || ch == "" && acceptBinary) {
		b, ok := convertContent("CONVERT_TO_BINARY", body, false)
		if !ok {
			g.fail(rq, awserr.GatewayInternalError.New("").WithCause(errors.New("CONVERT_TO_BINARY: the response is not base64")))
			return
		}
		body = b
	}
	h := rq.w.Header()
	for k, expr := range ir.ResponseParameters {
		if !strings.HasPrefix(k, "method.response.header.") {
			continue
		}
		name := k[len("method.response.header."):]
		switch {
		case strings.HasPrefix(expr, "integration.response.header."):
			if backendHeader != nil {
				if v := backendHeader.Get(expr[len("integration.response.header."):]); v != "" {
					h.Set(name, v)
				}
			}
		case expr == "integration.response.body":
			h.Set(name, string(backendBody))
		case strings.HasPrefix(expr, "integration.response.body."):
			if v, ok := jsonPath(backendBody, expr[len("integration.response.body."):]); ok {
				h.Set(name, v)
			}
		default:
			if v, ok := rq.value(expr); ok {
				h.Set(name, v)
			}
		}
	}
	// Overrides are final: after the standard mappings.
	code = responseOverride(tctx, h, code)
	if h.Get("Content-Type") != "" {
		ct = h.Get("Content-Type")
	}
	writeBody(rq.w, code, ct, body)
}

func writeBody(w http.ResponseWriter, code int, ct string, body []byte) {
	h := w.Header()
	h.Set("Content-Type", ct)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(code)
	_, _ = w.Write(body)
}

// httpIntegration calls the backend with mapped parameters and a template
// body, and maps its answer through the integration responses (§7.3).
func (g *Gateway) httpIntegration(rq *request) {
	tmpl, has, ok := g.requestTemplate(rq)
	if !ok {
		return
	}
	if !g.readBody(rq) {
		return
	}
	body := rq.body
	binary := rq.binaryRequest()
	ch := rq.m.in.ContentHandling
	if ch == "CONVERT_TO_TEXT" && binary {
		body, _ = convertContent(ch, body, true)
		binary = false
	}
	var tctx *vtl.Map
	if has && !binary {
		out, c, err := rq.render(tmpl, body)
		if err != nil {
			g.templateError(rq, err, true)
			return
		}
		body, tctx = []byte(out), c
		if !rq.applyPathOverrides(tctx) {
			g.fail(rq, awserr.GatewayInternalError.New("").WithCause(errUnplaceable))
			return
		}
	}
	if ch == "CONVERT_TO_BINARY" && !binary {
		b, ok := convertContent(ch, body, false)
		if !ok {
			g.fail(rq, awserr.GatewayInternalError.New("").WithCause(errors.New("CONVERT_TO_BINARY: the payload is not base64")))
			return
		}
		body = b
	}
	u, err := rq.targetURL(false)
	if err != nil {
		g.urlError(rq, err)
		return
	}
	method := rq.m.in.HTTPMethod
	if method == "" || method == "ANY" {
		method = rq.r.Method
	}
	ctx, cancel := g.timeoutCtx(rq)
	defer cancel()
	out, err := http.NewRequestWithContext(ctx, method, u.String(), bytes.NewReader(body))
	if err != nil {
		g.fail(rq, awserr.GatewayInternalError.New("").WithCause(err))
		return
	}
	if len(body) == 0 {
		out.Body, out.ContentLength = http.NoBody, 0
	}
	rq.addIntegrationHeaders(out.Header)
	if ct := rq.r.Header.Get("Content-Type"); ct != "" {
		out.Header.Set("Content-Type", ct)
	}
	rq.addMappedParams(out.Header, out.URL)
	applyRequestOverrides(tctx, out.Header, out.URL)
	resp, err := g.transport.RoundTrip(out)
	if err != nil {
		g.backendError(rq, ctx, err)
		return
	}
	defer resp.Body.Close()
	rb, err := io.ReadAll(io.LimitReader(resp.Body, MaxPayload))
	if err != nil {
		g.backendError(rq, ctx, err)
		return
	}
	g.respond(rq, strconv.Itoa(resp.StatusCode), resp.Header, rb)
}

// lambdaIntegration is an AWS (non-proxy) integration with a Lambda
// function: the request template's output (or the passed-through body) is
// the event; a successful answer maps through the default integration
// response, a function error through the one whose selectionPattern
// matches its errorMessage (else the default), as AWS does.
func (g *Gateway) lambdaIntegration(rq *request) {
	tmpl, has, ok := g.requestTemplate(rq)
	if !ok {
		return
	}
	inv := g.invoker.get()
	fn := rq.expandStageVariables(rq.m.lambdaARN)
	if inv == nil || fn == "" || rq.m.in.HTTPMethod != "POST" {
		g.fail(rq, awserr.GatewayInternalError.New("").WithCause(errors.New("AWS integration not runnable: only Lambda function uris with httpMethod POST are supported")))
		return
	}
	if !g.readBody(rq) {
		return
	}
	if len(rq.body) > maxLambdaPayload {
		g.fail(rq, awserr.GatewayPayloadTooLarge.New(""))
		return
	}
	ev := rq.body
	if has && !rq.binaryRequest() {
		out, _, err := rq.render(tmpl, rq.body)
		if err != nil {
			g.templateError(rq, err, true)
			return
		}
		ev = []byte(out)
	}
	if len(bytes.TrimSpace(ev)) == 0 {
		ev = []byte("{}")
	}
	src := rq.stage.srcPrefix.Method(rq.m.verb, strings.TrimPrefix(rq.m.res.Path, "/"))
	ctx, cancel := g.timeoutCtx(rq)
	defer cancel()
	var payload []byte
	var fnErr string
	var err error
	if cred := rq.m.in.Credentials; cred != "" {
		payload, fnErr, err = g.invokeWithCredentials(ctx, rq, cred, fn, ev)
	} else {
		payload, fnErr, err = inv.InvokeFromGateway(ctx, fn, src, ev)
	}
	switch {
	case ctx.Err() != nil && rq.r.Context().Err() == nil:
		g.fail(rq, awserr.GatewayTimeout.New(""))
		return
	case err != nil:
		g.fail(rq, awserr.GatewayInternalError.New("").WithCause(err))
		return
	}
	if len(rq.m.selectors) == 0 {
		// "No match for output mapping and no default output mapping configured"
		g.fail(rq, awserr.GatewayInternalError.New("").WithCause(errors.New("AWS integration without integration responses")))
		return
	}
	hdr := http.Header{"Content-Type": {"application/json"}}
	if fnErr != "" {
		var e struct {
			ErrorMessage string `json:"errorMessage"`
		}
		_ = json.Unmarshal(payload, &e)
		g.respond(rq, e.ErrorMessage, hdr, payload)
		return
	}
	g.respondWith(rq, rq.defaultResponse(), "200", hdr, payload)
}

// defaultResponse is the integration response without a selectionPattern.
func (rq *request) defaultResponse() *selector {
	for _, s := range rq.m.selectors {
		if s.def {
			return s
		}
	}
	return nil
}
