package gateway_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	apitypes "github.com/aws/aws-sdk-go-v2/service/apigateway/types"

	"github.com/gatehouse-dev/gatehouse/internal/gateway"
)

// Mapping templates for the VTL end-to-end test.
const (
	ordersRequestTemplate = `#set($items = $input.path('$.items'))
{
  "customer": "$util.escapeJavaScript($input.path('$.customer')).replaceAll("\\'", "'")",
  "stage": "$context.stage",
  "env": "$stageVariables.env",
  "count": $items.size(),
  "lines": [
#foreach($it in $items)
    {"n": $foreach.count, "sku": "$it.sku.toUpperCase()", "qty": $it.qty}#if($foreach.hasNext),#end

#end
  ],
  "q": "$input.params('q')"
}
#set($context.requestOverride.header.X-Order-Count = "$items.size()")
`
	ordersResponseTemplate = `#set($sent = $util.parseJson($input.path('$.body')))
{"received": $sent.lines.size(), "customer": "$util.escapeJavaScript($sent.customer).replaceAll("\\'", "'")", "skus": [#foreach($l in $sent.lines)"$l.sku"#if($foreach.hasNext),#end#end], "countHeader": "$input.path('$.header')['X-Order-Count'][0]", "stage": "$sent.stage"}
#if($sent.count > 2)
#set($context.responseOverride.status = 207)
#set($context.responseOverride.header.X-Big = "yes")
#end`
	fnRequestTemplate  = `{"name": "$input.params('name')", "items": $input.json('$.items'), "caller": "$context.identity.userArn", "auth": "$input.params('Authorization')$input.params().header.get('X-Amz-Date')"}`
	fnResponseTemplate = `{"greeting": "$input.path('$.msg')", "n": $input.path('$.n')}`
	fnErrorTemplate    = `{"error": "$util.escapeJavaScript($input.path('$.errorMessage'))"}`
	hangTemplate       = `#foreach($a in [1..1000])#foreach($b in [1..1000])#foreach($c in [1..1000])x#end#end#end`
)

// vtlAPI builds the OpenAPI document of the test API.
func vtlAPI() string {
	sig := []map[string][]string{{"sigv4": {}}}
	httpInteg := func(uri, tmpl, resp string) map[string]any {
		return map[string]any{"type": "http", "httpMethod": "POST", "uri": "BACKEND" + uri, "passthroughBehavior": "never",
			"requestTemplates": map[string]string{"application/json": tmpl},
			"responses":        map[string]any{"default": map[string]any{"statusCode": "200", "responseTemplates": map[string]string{"application/json": resp}}}}
	}
	fn := "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:hello/invocations"
	doc := map[string]any{
		"openapi": "3.0.1", "info": map[string]string{"title": "vtl", "version": "1"},
		"paths": map[string]any{
			"/orders":       map[string]any{"post": map[string]any{"security": sig, "x-amazon-apigateway-integration": httpInteg("/orders", ordersRequestTemplate, ordersResponseTemplate)}},
			"/bad-template": map[string]any{"post": map[string]any{"x-amazon-apigateway-integration": httpInteg("/bad", `$util.parseJson('{nope')`, "")}},
			"/hang":         map[string]any{"post": map[string]any{"x-amazon-apigateway-integration": httpInteg("/hang", hangTemplate, "")}},
			"/twice":        map[string]any{"post": map[string]any{"x-amazon-apigateway-integration": httpInteg("/twice", "{}", `#set($context.responseOverride.status = 400)#set($context.responseOverride.status = 401)`)}},
			"/bad-response": map[string]any{"post": map[string]any{"x-amazon-apigateway-integration": httpInteg("/bad", "{}", "#if(")}},
			"/convert": map[string]any{"post": map[string]any{"x-amazon-apigateway-integration": map[string]any{
				"type": "http", "httpMethod": "POST", "uri": "BACKEND/convert", "contentHandling": "CONVERT_TO_TEXT",
				"requestTemplates": map[string]string{"application/octet-stream": `{"b64": "$input.body"}`},
				"responses": map[string]any{"default": map[string]any{"statusCode": "200", "contentHandling": "CONVERT_TO_BINARY",
					"responseTemplates": map[string]string{"application/json": `$util.base64Encode($input.path('$.body'))`}}}}}},
			"/fn": map[string]any{"post": map[string]any{"security": sig, "x-amazon-apigateway-integration": map[string]any{
				"type": "aws", "httpMethod": "POST", "uri": fn,
				"requestTemplates": map[string]string{"application/json": fnRequestTemplate},
				"responses": map[string]any{
					"default":       map[string]any{"statusCode": "200", "responseTemplates": map[string]string{"application/json": fnResponseTemplate}},
					".*not found.*": map[string]any{"statusCode": "404", "responseTemplates": map[string]string{"application/json": fnErrorTemplate}},
				}}}},
		},
		"x-amazon-apigateway-binary-media-types": []string{"application/octet-stream"},
		"components":                             map[string]any{"securitySchemes": map[string]any{"sigv4": map[string]string{"type": "apiKey", "name": "Authorization", "in": "header", "x-amazon-apigateway-authtype": "awsSigv4"}}},
	}
	b, _ := json.Marshal(doc)
	return string(b)
}

// rawInvoker records the event a non-proxy Lambda integration sends.
type rawInvoker struct {
	mu      sync.Mutex
	event   []byte
	payload string
	fnErr   string
}

func (f *rawInvoker) InvokeFromGateway(_ context.Context, fn, _ string, ev []byte) ([]byte, string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.event = append([]byte(nil), ev...)
	return []byte(f.payload), f.fnErr, nil
}

// TestMappingTemplatesE2E: an HTTP (non-proxy) integration whose request
// template walks $input.path('$.items') with #foreach and sets a request
// header override, and whose response template parses what the backend
// echoed and overrides the status; passthroughBehavior NEVER, a body that
// is not JSON, a failing or runaway template; a Lambda (AWS, non-proxy)
// integration with request and response templates and an error mapped by
// selectionPattern. Requests are SigV4-signed.
func TestMappingTemplatesE2E(t *testing.T) {
	e := newEnv(t)
	id := e.importAPI(vtlAPI(), "dev")
	_, err := e.apig.UpdateStage(context.Background(), &apigateway.UpdateStageInput{RestApiId: aws.String(id), StageName: aws.String("dev"),
		PatchOperations: []apitypes.PatchOperation{{Op: apitypes.OpReplace, Path: aws.String("/variables/env"), Value: aws.String("staging")}}})
	if err != nil {
		t.Fatal(err)
	}
	base := "/restapis/" + id + "/dev/_user_request_"
	jsonCT := map[string]string{"Content-Type": "application/json"}

	t.Run("foreach request template and response template", func(t *testing.T) {
		body := `{"customer": "O'Brien \"Bob\"", "items": [{"sku": "a-1", "qty": 2}, {"sku": "b-2", "qty": 1}, {"sku": "c-3", "qty": 7}]}`
		r := e.call(base+"/orders?q=fast", callOpt{method: "POST", creds: &e.root, header: jsonCT, body: []byte(body)})
		if r.status != 207 || r.header.Get("X-Big") != "yes" {
			t.Fatalf("%d %v %s", r.status, r.header, r.body)
		}
		var got struct {
			Received    int      `json:"received"`
			Customer    string   `json:"customer"`
			Skus        []string `json:"skus"`
			CountHeader string   `json:"countHeader"`
			Stage       string   `json:"stage"`
		}
		if err := json.Unmarshal([]byte(r.body), &got); err != nil {
			t.Fatalf("response %q: %v", r.body, err)
		}
		if got.Received != 3 || strings.Join(got.Skus, ",") != "A-1,B-2,C-3" || got.CountHeader != "3" || got.Stage != "dev" ||
			got.Customer != `O'Brien "Bob"` {
			t.Fatalf("%+v", got)
		}
	})
	t.Run("small order keeps the mapped status", func(t *testing.T) {
		body := `{"customer": "Ann", "items": [{"sku": "x", "qty": 1}]}`
		r := e.call(base+"/orders?q=slow", callOpt{method: "POST", creds: &e.root, header: jsonCT, body: []byte(body)})
		if r.status != 200 || r.header.Get("X-Big") != "" || !strings.Contains(r.body, `"skus": ["X"]`) {
			t.Fatalf("%d %v %s", r.status, r.header, r.body)
		}
	})
	t.Run("passthrough NEVER answers 415", func(t *testing.T) {
		r := e.call(base+"/orders", callOpt{method: "POST", creds: &e.root, header: map[string]string{"Content-Type": "text/plain"}, body: []byte("hi")})
		wantError(t, r, 415, "BadRequestException", "message", "Unsupported Media Type")
	})
	t.Run("body not JSON is the caller's 400", func(t *testing.T) {
		r := e.call(base+"/orders", callOpt{method: "POST", creds: &e.root, header: jsonCT, body: []byte("{not json")})
		if r.status != 400 || !strings.HasPrefix(r.body, `{"message":"Could not parse request body into json: `) {
			t.Fatalf("%d %s", r.status, r.body)
		}
	})
	t.Run("template errors are 500", func(t *testing.T) {
		for _, p := range []string{"/bad-template", "/hang", "/bad-response", "/twice"} {
			r := e.call(base+p, callOpt{method: "POST", header: jsonCT, body: []byte("{}")})
			wantError(t, r, 500, "InternalServerErrorException", "message", "Internal server error")
		}
	})
	t.Run("content handling", func(t *testing.T) {
		// CONVERT_TO_TEXT: the binary body reaches the template base64-encoded;
		// CONVERT_TO_BINARY: the response template's base64 output is decoded.
		r := e.call(base+"/convert", callOpt{method: "POST", header: map[string]string{"Content-Type": "application/octet-stream"}, body: []byte{0xff, 0x00, 'h', 'i'}})
		if r.status != 200 || r.body != `{"b64": "/wBoaQ=="}` {
			t.Fatalf("%d %q", r.status, r.body)
		}
	})
	t.Run("lambda non-proxy", func(t *testing.T) {
		inv := &rawInvoker{payload: `{"msg": "hello Ann", "n": 2}`}
		e.srv.App.Services.Gateway.(*gateway.Gateway).SetInvoker(inv)
		r := e.call(base+"/fn?name=Ann", callOpt{method: "POST", creds: &e.root, header: jsonCT, body: []byte(`{"items": [1, 2]}`)})
		if r.status != 200 || r.body != `{"greeting": "hello Ann", "n": 2}` {
			t.Fatalf("%d %s", r.status, r.body)
		}
		var ev map[string]any
		if err := json.Unmarshal(inv.event, &ev); err != nil {
			t.Fatalf("event %q: %v", inv.event, err)
		}
		if ev["name"] != "Ann" || len(ev["items"].([]any)) != 2 || ev["caller"] != "arn:aws:iam::000000000000:root" || ev["auth"] != "" {
			t.Fatalf("event %s", inv.event)
		}
		inv.payload, inv.fnErr = `{"errorMessage": "pet not found: 7", "errorType": "Error"}`, "Unhandled"
		r = e.call(base+"/fn?name=Ann", callOpt{method: "POST", creds: &e.root, header: jsonCT, body: []byte(`{}`)})
		if r.status != 404 || r.body != `{"error": "pet not found: 7"}` {
			t.Fatalf("error mapping: %d %s", r.status, r.body)
		}
		// An error no pattern matches takes the default response.
		inv.payload = `{"errorMessage": "boom"}`
		r = e.call(base+"/fn", callOpt{method: "POST", creds: &e.root, header: jsonCT, body: []byte(`{}`)})
		if r.status != 200 {
			t.Fatalf("unmatched error: %d %s", r.status, r.body)
		}
	})
}
