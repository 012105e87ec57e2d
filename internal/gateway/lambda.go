package gateway

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"mime"
	"strconv"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/pipeline"
)

// ProxyEvent is the Lambda proxy integration event, payload format 1.0
// (spec §7.4). Every top-level key is always present; absent maps are null.
type ProxyEvent struct {
	Resource                        string              `json:"resource"`
	Path                            string              `json:"path"`
	HTTPMethod                      string              `json:"httpMethod"`
	Headers                         map[string]string   `json:"headers"`
	MultiValueHeaders               map[string][]string `json:"multiValueHeaders"`
	QueryStringParameters           map[string]string   `json:"queryStringParameters"`
	MultiValueQueryStringParameters map[string][]string `json:"multiValueQueryStringParameters"`
	PathParameters                  map[string]string   `json:"pathParameters"`
	StageVariables                  map[string]string   `json:"stageVariables"`
	RequestContext                  ProxyRequestContext `json:"requestContext"`
	Body                            *string             `json:"body"`
	IsBase64Encoded                 bool                `json:"isBase64Encoded"`
}

// ProxyRequestContext is the event's requestContext.
type ProxyRequestContext struct {
	AccountID         string        `json:"accountId"`
	APIID             string        `json:"apiId"`
	DeploymentID      string        `json:"deploymentId"`
	DomainName        string        `json:"domainName"`
	DomainPrefix      string        `json:"domainPrefix"`
	ExtendedRequestID string        `json:"extendedRequestId"`
	HTTPMethod        string        `json:"httpMethod"`
	Identity          ProxyIdentity `json:"identity"`
	Path              string        `json:"path"`
	Protocol          string        `json:"protocol"`
	RequestID         string        `json:"requestId"`
	RequestTime       string        `json:"requestTime"`
	RequestTimeEpoch  int64         `json:"requestTimeEpoch"`
	ResourceID        string        `json:"resourceId"`
	ResourcePath      string        `json:"resourcePath"`
	Stage             string        `json:"stage"`
	// IsCanaryRequest is set on stages with canary settings only.
	IsCanaryRequest *bool `json:"isCanaryRequest,omitempty"`
	// Authorizer is the Lambda authorizer's principalId and context.
	Authorizer map[string]any `json:"authorizer,omitempty"`
}

// ProxyIdentity is requestContext.identity: every key present, null when
// not applicable.
type ProxyIdentity struct {
	AccessKey                     *string `json:"accessKey"`
	AccountID                     *string `json:"accountId"`
	APIKey                        *string `json:"apiKey"`
	APIKeyID                      *string `json:"apiKeyId"`
	Caller                        *string `json:"caller"`
	CognitoAuthenticationProvider *string `json:"cognitoAuthenticationProvider"`
	CognitoAuthenticationType     *string `json:"cognitoAuthenticationType"`
	CognitoIdentityID             *string `json:"cognitoIdentityId"`
	CognitoIdentityPoolID         *string `json:"cognitoIdentityPoolId"`
	PrincipalOrgID                *string `json:"principalOrgId"`
	SourceIP                      string  `json:"sourceIp"`
	User                          *string `json:"user"`
	UserAgent                     *string `json:"userAgent"`
	UserArn                       *string `json:"userArn"`
	// ClientCert is the verified client certificate on a mutual-TLS
	// custom domain; absent otherwise.
	ClientCert *ProxyClientCert `json:"clientCert,omitempty"`
}

func strp(s string) *string { return &s }

// ProxyResponse is what a function returns to a proxy integration.
type ProxyResponse struct {
	StatusCode        int                 `json:"statusCode"`
	Headers           map[string]string   `json:"headers"`
	MultiValueHeaders map[string][]string `json:"multiValueHeaders"`
	Body              string              `json:"body"`
	IsBase64Encoded   bool                `json:"isBase64Encoded"`
}

// event builds the proxy event for rq.
func (rq *request) event() *ProxyEvent {
	r := rq.r
	ev := &ProxyEvent{Resource: rq.m.res.Path, HTTPMethod: r.Method, StageVariables: rq.stage.variables}
	// path and pathParameters: percent-encoded as AWS passes them (spec
	// §3.7, §7.4), in the canonical encoding, which decodes to the path of
	// the method ARN.
	ev.Path = rq.eventPath()
	if len(r.Header) > 0 {
		ev.Headers = make(map[string]string, len(r.Header))
		ev.MultiValueHeaders = make(map[string][]string, len(r.Header))
		signed := rq.signed()
		for k, vv := range r.Header {
			if withheldHeader(k, signed) {
				continue // credentials stay at the gateway (spec §7.4); no method override
			}
			ev.Headers[k] = vv[len(vv)-1]
			ev.MultiValueHeaders[k] = vv
		}
		ev.Headers["Host"] = r.Host
		ev.MultiValueHeaders["Host"] = []string{r.Host}
	}
	if r.URL.RawQuery != "" {
		q := decodeQuery(r.URL.RawQuery)
		for k := range q {
			if sigv4QueryParam(k) {
				delete(q, k) // presigned-URL credentials stay at the gateway
			}
		}
		if len(q) > 0 {
			ev.QueryStringParameters = make(map[string]string, len(q))
			ev.MultiValueQueryStringParameters = q
			for k, v := range q {
				ev.QueryStringParameters[k] = v[len(v)-1]
			}
		}
	}
	if len(rq.params) > 0 {
		ev.PathParameters = make(map[string]string, len(rq.params))
		for _, p := range rq.params {
			ev.PathParameters[p.name] = p.value
		}
	}
	if len(rq.body) > 0 {
		if rq.binaryRequest() {
			ev.Body = strp(base64.StdEncoding.EncodeToString(rq.body))
			ev.IsBase64Encoded = true
		} else {
			ev.Body = strp(string(rq.body))
		}
	}
	host := r.Host
	prefix, _, _ := strings.Cut(host, ".")
	rc := &ev.RequestContext
	*rc = ProxyRequestContext{AccountID: rq.stage.api.account, APIID: rq.stage.api.id, DeploymentID: rq.stage.deploymentID,
		DomainName: host, DomainPrefix: prefix, ExtendedRequestID: rq.apigwID, HTTPMethod: r.Method,
		Path: rq.contextPath(), Protocol: "HTTP/1.1", RequestID: rq.reqID,
		RequestTime: rq.start.UTC().Format("02/Jan/2006:15:04:05 +0000"), RequestTimeEpoch: rq.start.UnixMilli(),
		ResourceID: rq.m.res.ID, ResourcePath: rq.m.res.Path, Stage: rq.stage.name}
	rc.Identity.SourceIP = pipeline.ClientIP(r)
	rc.Identity.ClientCert = rq.proxyClientCert()
	if rq.stage.hasCanary {
		c := rq.stage.isCanary
		rc.IsCanaryRequest = &c
	}
	if ua := r.Header.Get("User-Agent"); ua != "" {
		rc.Identity.UserAgent = strp(ua)
	}
	rc.Authorizer = rq.authorizerContext()
	if k := rq.apiKey; k != nil {
		rc.Identity.APIKey, rc.Identity.APIKeyID = strp(k.value), strp(k.id)
	}
	if p := rq.caller; p != nil {
		rc.Identity.AccessKey = strp(p.AccessKeyID)
		rc.Identity.AccountID = strp(p.AccountID)
		rc.Identity.Caller = strp(p.UserID)
		rc.Identity.User = strp(p.UserID)
		rc.Identity.UserArn = strp(p.ARN)
	}
	return ev
}

// binaryRequest reports whether the request Content-Type is one of the
// API's binaryMediaTypes.
func (rq *request) binaryRequest() bool {
	return matchMedia(rq.stage.binaryTypes, rq.r.Header.Get("Content-Type"))
}

func matchMedia(types []string, ct string) bool {
	if ct == "" || len(types) == 0 {
		return false
	}
	if mt, _, err := mime.ParseMediaType(ct); err == nil {
		ct = mt
	}
	for _, t := range types {
		if t == ct || t == "*/*" {
			return true
		}
		if strings.HasSuffix(t, "/*") && strings.HasPrefix(ct, strings.TrimSuffix(t, "*")) {
			return true
		}
	}
	return false
}

// lambdaProxy invokes the function and validates its answer (spec §7.4).
func (g *Gateway) lambdaProxy(rq *request) {
	inv := g.invoker.get()
	fn := rq.expandStageVariables(rq.m.lambdaARN)
	if inv == nil || fn == "" || rq.m.in.HTTPMethod != "POST" {
		g.fail(rq, awserr.GatewayInternalError.New("").WithCause(errors.New("AWS_PROXY integration not runnable: no invoker, bad uri or httpMethod not POST")))
		return
	}
	if !g.readBody(rq) {
		return
	}
	if len(rq.body) > maxLambdaPayload {
		g.fail(rq, awserr.GatewayPayloadTooLarge.New(""))
		return
	}
	ev, err := json.Marshal(rq.event())
	if err != nil {
		g.fail(rq, awserr.GatewayInternalError.New("").WithCause(err))
		return
	}
	// X-Amz-Source-Arn uses the method's verb and resource template (§5).
	src := rq.stage.srcPrefix.Method(rq.m.verb, strings.TrimPrefix(rq.m.res.Path, "/"))
	ctx, cancel := g.timeoutCtx(rq)
	defer cancel()
	var payload []byte
	var fnErr string
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
	case fnErr != "":
		g.fail(rq, awserr.GatewayBadGateway.New("").WithCause(errors.New("function error: "+fnErr)))
		return
	}
	resp, err := ParseProxyResponse(payload)
	if err != nil {
		g.fail(rq, awserr.GatewayBadGateway.New("").WithCause(err))
		return
	}
	h := rq.w.Header()
	for k, v := range resp.Headers {
		h.Set(k, v)
	}
	for k, vv := range resp.MultiValueHeaders {
		h.Del(k)
		for _, v := range vv {
			h.Add(k, v)
		}
	}
	body := []byte(resp.Body)
	if resp.IsBase64Encoded && matchMedia(rq.stage.binaryTypes, rq.r.Header.Get("Accept")) {
		if b, err := base64.StdEncoding.DecodeString(resp.Body); err == nil {
			body = b
		}
	}
	if h.Get("Content-Type") == "" {
		h.Set("Content-Type", "application/json")
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	rq.w.WriteHeader(resp.StatusCode)
	_, _ = rq.w.Write(body)
}

//lint:ignore ST1005 the text is AWS's execution-log wording, capital included
var errMalformed = errors.New("Malformed Lambda proxy response")

// ParseProxyResponse validates a function's answer: a JSON object with at
// most the five known keys, statusCode an integer (or numeric string),
// headers a string map (booleans and numbers rendered), multiValueHeaders
// lists. Anything else is malformed (502).
func ParseProxyResponse(payload []byte) (*ProxyResponse, error) {
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.UseNumber()
	var raw map[string]any
	if err := dec.Decode(&raw); err != nil || raw == nil {
		return nil, errMalformed
	}
	out := &ProxyResponse{StatusCode: 200}
	for k, v := range raw {
		switch k {
		case "statusCode":
			n, ok := intValue(v)
			if !ok || n < 100 || n > 599 {
				return nil, errMalformed
			}
			out.StatusCode = n
		case "headers":
			if v == nil {
				continue
			}
			m, ok := v.(map[string]any)
			if !ok {
				return nil, errMalformed
			}
			out.Headers = make(map[string]string, len(m))
			for hk, hv := range m {
				s, ok := scalar(hv)
				if !ok {
					return nil, errMalformed
				}
				out.Headers[hk] = s
			}
		case "multiValueHeaders":
			if v == nil {
				continue
			}
			m, ok := v.(map[string]any)
			if !ok {
				return nil, errMalformed
			}
			out.MultiValueHeaders = make(map[string][]string, len(m))
			for hk, hv := range m {
				l, ok := hv.([]any)
				if !ok {
					return nil, errMalformed
				}
				for _, e := range l {
					s, ok := scalar(e)
					if !ok {
						return nil, errMalformed
					}
					out.MultiValueHeaders[hk] = append(out.MultiValueHeaders[hk], s)
				}
			}
		case "body":
			if v == nil {
				continue
			}
			s, ok := v.(string)
			if !ok {
				return nil, errMalformed
			}
			out.Body = s
		case "isBase64Encoded":
			if v == nil {
				continue
			}
			b, ok := v.(bool)
			if !ok {
				return nil, errMalformed
			}
			out.IsBase64Encoded = b
		default:
			return nil, errMalformed
		}
	}
	return out, nil
}

func intValue(v any) (int, bool) {
	switch x := v.(type) {
	case json.Number:
		n, err := strconv.Atoi(x.String())
		return n, err == nil
	case string:
		n, err := strconv.Atoi(x)
		return n, err == nil
	}
	return 0, false
}

func scalar(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case bool:
		return strconv.FormatBool(x), true
	case json.Number:
		return x.String(), true
	}
	return "", false
}
