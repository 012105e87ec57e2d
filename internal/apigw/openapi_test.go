package apigw

import (
	"context"
	"os"
	"strings"
	"testing"
)

func TestParseTerraformBody(t *testing.T) {
	b, err := os.ReadFile("testdata/terraform.json")
	if err != nil {
		t.Fatal(err)
	}
	im, err := ParseDefinition(context.Background(), b)
	if err != nil {
		t.Fatal(err)
	}
	m := im.Paths["/path1"]["GET"]
	if m == nil || m.AuthorizationType != "AWS_IAM" || m.MethodIntegration.Type != "HTTP_PROXY" ||
		m.MethodIntegration.URI != "https://ip-ranges.amazonaws.com/ip-ranges.json" || m.MethodIntegration.TimeoutInMillis != 29000 {
		t.Fatalf("method %+v", m)
	}
	if im.Title != "SigV4 verification" {
		t.Errorf("title %q", im.Title)
	}
	want := []string{"Unsupported integration property payloadFormatVersion on GET /path1 was ignored (HTTP APIs only)"}
	if strings.Join(im.Warnings, "|") != strings.Join(want, "|") {
		t.Errorf("warnings %q, want %q", im.Warnings, want)
	}
}

func TestParseSwagger2YAML(t *testing.T) {
	b, err := os.ReadFile("testdata/swagger.yaml")
	if err != nil {
		t.Fatal(err)
	}
	im, err := ParseDefinition(context.Background(), b)
	if err != nil {
		t.Fatal(err)
	}
	get := im.Paths["/user/{id}"]["GET"]
	if get == nil || get.AuthorizationType != "AWS_IAM" || get.MethodIntegration.Type != "AWS_PROXY" ||
		!get.RequestParameters["method.request.path.id"] || get.RequestParameters["method.request.querystring.verbose"] {
		t.Fatalf("GET %+v", get)
	}
	anyM := im.Paths["/user/{id}"]["ANY"]
	if anyM == nil || anyM.MethodIntegration.Type != "MOCK" || anyM.MethodIntegration.IntegrationResponses["404"] == nil {
		t.Fatalf("ANY %+v", anyM)
	}
	if !strings.Contains(im.Policy, `"execute-api:/*"`) || len(im.BinaryMediaTypes) != 1 {
		t.Errorf("policy %s types %v", im.Policy, im.BinaryMediaTypes)
	}
	// Gateway responses are imported (a YAML number as statusCode too).
	if len(im.Warnings) != 0 || im.GatewayResponses["DEFAULT_4XX"] == nil || im.GatewayResponses["DEFAULT_4XX"].StatusCode != "400" {
		t.Errorf("warnings %q, gateway responses %+v", im.Warnings, im.GatewayResponses)
	}
}

func TestParseErrors(t *testing.T) {
	for _, c := range []struct{ name, doc, want string }{
		{"not openapi", `{"a":1}`, "Invalid OpenAPI input: neither"},
		{"bad yaml", "a: [", "Invalid OpenAPI input"},
		{"undefined scheme", `{"openapi":"3.0.1","info":{"title":"x","version":"1"},"paths":{"/a":{"get":{"security":[{"nope":[]}]}}}}`, "security scheme nope"},
		{"bad integration type", `{"openapi":"3.0.1","info":{"title":"x","version":"1"},"paths":{"/a":{"get":{"x-amazon-apigateway-integration":{"type":"ftp"}}}}}`, "Invalid integration type"},
		{"bad timeout", `{"openapi":"3.0.1","info":{"title":"x","version":"1"},"paths":{"/a":{"get":{"x-amazon-apigateway-integration":{"type":"mock","timeoutInMillis":10}}}}}`, "Timeout should be between"},
		// Broken documents fail to parse instead of importing empty.
		{"no paths", `{"openapi":"3.0.1","info":{"title":"x","version":"1"}}`, "Failed to parse the uploaded OpenAPI document due to: 'paths' is a required property"},
		{"paths not an object", `{"openapi":"3.0.1","info":{"title":"x","version":"1"},"paths":[]}`, "Failed to parse the uploaded OpenAPI document due to: 'paths' is not an object"},
		{"no info", `{"swagger":"2.0","paths":{}}`, "Failed to parse the uploaded OpenAPI document due to: 'info' is a required property"},
		{"openapi 2 spelled as openapi", `{"openapi":"2.0","info":{"title":"x","version":"1"},"paths":{}}`, "unsupported OpenAPI version"},
		{"swagger 3", `{"swagger":"3.0","info":{"title":"x","version":"1"},"paths":{}}`, "unsupported Swagger version"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseDefinition(context.Background(), []byte(c.doc))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err %v, want %q", err, c.want)
			}
		})
	}
}

func TestNormalizePolicy(t *testing.T) {
	in := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":["execute-api:/*/GET/user/*"],"Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}]}`
	got, err := NormalizePolicy(in, "eu-west-1", "123456789012", "abcdefghij")
	if err != nil {
		t.Fatal(err)
	}
	want := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":["arn:aws:execute-api:eu-west-1:123456789012:abcdefghij/*/GET/user/*"],"Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}]}`
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	esc := EscapePolicy(got)
	if !strings.HasPrefix(esc, `{\"Version\":\"2012-10-17\"`) || !strings.Contains(esc, `10.0.0.0\/8`) {
		t.Errorf("escaped %s", esc)
	}
	// The escaped form AWS returns is accepted back.
	again, err := NormalizePolicy(esc, "eu-west-1", "123456789012", "abcdefghij")
	if err != nil || again != got {
		t.Errorf("round trip: %v %s", err, again)
	}
	for _, bad := range []string{`{`, `[]`, `{"Version":"2012-10-17","Statement":[{"Effect":"Maybe","Action":"*","Resource":"*"}]}`} {
		if _, err := NormalizePolicy(bad, "r", "123456789012", "a"); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}
