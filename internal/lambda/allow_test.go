package lambda

import (
	"encoding/json"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/policy"
)

func TestGatewayAllowed(t *testing.T) {
	const fn = "arn:aws:lambda:us-east-1:000000000000:function:f"
	st := func(src string) json.RawMessage {
		return compact(statement{Sid: "apigw-get_1", Effect: "Allow", Principal: json.RawMessage(`{"Service":"apigateway.amazonaws.com"}`),
			Action: "lambda:InvokeFunction", Resource: fn, Condition: &condition{ArnLike: map[string]string{"AWS:SourceArn": src}}})
	}
	tests := []struct {
		perm, src string
		want      bool
	}{
		{"arn:aws:execute-api:us-east-1:000000000000:abc/prod/GET/", "arn:aws:execute-api:us-east-1:000000000000:abc/prod/GET/", true},
		{"arn:aws:execute-api:us-east-1:000000000000:abc/*/*/*", "arn:aws:execute-api:us-east-1:000000000000:abc/prod/GET/pets/{petId}", true},
		{"arn:aws:execute-api:us-east-1:000000000000:abc/*/*/{proxy+}", "arn:aws:execute-api:us-east-1:000000000000:abc/prod/ANY/{proxy+}", true},
		{"arn:aws:execute-api:us-east-1:000000000000:abc/*/GET/", "arn:aws:execute-api:us-east-1:000000000000:abc/prod/POST/", false},
		{"arn:aws:execute-api:us-east-1:000000000000:other/*/*/*", "arn:aws:execute-api:us-east-1:000000000000:abc/prod/GET/", false},
	}
	for _, tc := range tests {
		f := &function{Account: "000000000000", Region: "us-east-1", Name: "f", Policy: []json.RawMessage{st(tc.perm)}}
		p, err := policy.Parse(evalDocument(f.Policy), policy.ParseOptions{Type: policy.TypeResource, AllowSidSpaces: true})
		if err != nil {
			t.Fatalf("parse %s: %v", policyDocument(f.Policy), err)
		}
		if got := gatewayAllowed(&entry{fn: f, policy: p}, fn, tc.src); got != tc.want {
			t.Errorf("permission %s, source %s: allowed=%v, want %v", tc.perm, tc.src, got, tc.want)
		}
	}
	if gatewayAllowed(&entry{fn: &function{Account: "000000000000"}}, fn, "x") {
		t.Error("a function without a policy allows API Gateway")
	}
}
