package main

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/app"
	"github.com/gatehouse-dev/gatehouse/internal/golden"
	"github.com/gatehouse-dev/gatehouse/internal/tools/awsmodel"
)

const root = "../../.."

// TestOperationsDocIsCurrent regenerates doc/operations.md from the
// committed models and the operations gatehouse registers: a difference
// means a service gained or lost an operation (or the models were
// re-extracted) without `make doc`.
func TestOperationsDocIsCurrent(t *testing.T) {
	models, err := loadModels(root)
	if err != nil {
		t.Fatal(err)
	}
	want, err := Render(models, app.Operations())
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(root, DocPath))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s is stale: run `make doc` (go generate ./internal/tools/opsdoc) and commit it\n%s", DocPath, golden.FirstDiff(string(got), string(want)))
	}
}

// TestRegisteredOperationsAreInAWSModels: every operation name gatehouse
// registers is one its service's AWS model has, or an explained extra.
func TestRegisteredOperationsAreInAWSModels(t *testing.T) {
	models, err := loadModels(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range Problems(models, app.Operations()) {
		t.Error(p)
	}
	// Every model is a surface gatehouse serves, so none is documented in vain.
	ops := app.Operations()
	for _, s := range awsmodel.Services {
		if _, ok := ops[s]; !ok {
			t.Errorf("model %s: app.Operations has no surface %q", s, s)
		}
	}
}

func testModels() map[string]*awsmodel.Model {
	return map[string]*awsmodel.Model{
		"lambda": {Service: "lambda", APIVersion: "2015-03-31", Protocol: "rest-json", Operations: []awsmodel.Operation{
			{Name: "GetFunction", Method: "GET", RequestURI: "/2015-03-31/functions/{FunctionName}"},
			{Name: "Invoke", Method: "POST", RequestURI: "/2015-03-31/functions/{FunctionName}/invocations"},
		}},
		"iam": {Service: "iam", APIVersion: "2010-05-08", Protocol: "query", Operations: []awsmodel.Operation{
			{Name: "CreateRole", Method: "POST", RequestURI: "/"},
		}},
	}
}

func TestProblems(t *testing.T) {
	tests := []struct {
		name string
		ops  map[string][]string
		want []string
	}{
		{"all known", map[string][]string{
			"lambda": {"Invoke", "GetFunctionCodeLocation", "InvokeFunctionUrl"}, "iam": {"CreateRole", "CreateAccount", "ListAccounts"},
			"execute-api": {"Invoke"}, "gatehouse": {"Health", "Metrics"},
		}, nil},
		{"name AWS lacks", map[string][]string{
			"lambda": {"InvokeFunction", "GetFunctionCodeLocation", "InvokeFunctionUrl"}, "iam": {"CreateRole", "CreateAccount", "ListAccounts"},
			"execute-api": {"Invoke"}, "gatehouse": {"Health"},
		}, []string{`lambda: gatehouse registers operation "InvokeFunction", which the AWS model (lambda 2015-03-31) does not have`}},
		{"stale extras and surfaces", map[string][]string{
			"lambda": {"Invoke"}, "iam": {"CreateRole", "CreateAccount", "ListAccounts"},
		}, []string{
			`lambda: extras explains "GetFunctionCodeLocation", which gatehouse no longer registers`,
			`lambda: extras explains "InvokeFunctionUrl", which gatehouse no longer registers`,
			`otherSurfaces explains "execute-api", which gatehouse no longer registers`,
			`otherSurfaces explains "gatehouse", which gatehouse no longer registers`,
		}},
		{"unknown surface", map[string][]string{
			"lambda": {"GetFunctionCodeLocation", "InvokeFunctionUrl"}, "iam": {"CreateAccount", "ListAccounts"},
			"execute-api": {"Invoke"}, "gatehouse": {"Health"}, "s3": {"GetObject"},
		}, []string{`surface "s3" has no AWS model and no entry in otherSurfaces`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Problems(testModels(), tt.ops)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Problems:\n got %q\nwant %q", got, tt.want)
			}
		})
	}
	// Render refuses to document what Problems rejects.
	if _, err := Render(testModels(), tests[1].ops); err == nil || !strings.Contains(err.Error(), "InvokeFunction") {
		t.Errorf("Render with an unknown operation: err = %v", err)
	}
}

func TestAction(t *testing.T) {
	tests := []struct {
		service string
		op      awsmodel.Operation
		action  string
		note    string
	}{
		{"iam", awsmodel.Operation{Name: "CreateRole", Method: "POST", RequestURI: "/"}, "iam:CreateRole", ""},
		{"lambda", awsmodel.Operation{Name: "GetFunction", Method: "GET"}, "lambda:GetFunction", ""},
		{"lambda", awsmodel.Operation{Name: "Invoke", Method: "POST"}, "lambda:InvokeFunction", "the action is not named after the operation"},
		{"lambda", awsmodel.Operation{Name: "InvokeWithResponseStream", Method: "POST"}, "lambda:InvokeFunction", "the action is not named after the operation"},
		{"lambda", awsmodel.Operation{Name: "CreateFunction", Method: "POST"}, "lambda:CreateFunction", "also `iam:PassRole` on the execution role"},
		{"apigateway", awsmodel.Operation{Name: "UpdateRestApi", Method: "PATCH", RequestURI: "/restapis/{restapi_id}"}, "apigateway:PATCH",
			"also `apigateway:UpdateRestApiPolicy` when it changes the resource policy"},
		{"apigateway", awsmodel.Operation{Name: "ImportRestApi", Method: "POST", RequestURI: "/restapis?mode=import"}, "apigateway:POST", ""},
		{"sts", awsmodel.Operation{Name: "GetCallerIdentity", Method: "POST", RequestURI: "/"}, "sts:GetCallerIdentity",
			"no permission needed: AWS answers it even under an explicit deny"},
	}
	for _, tt := range tests {
		a, n := action(tt.service, &tt.op)
		if a != tt.action || n != tt.note {
			t.Errorf("action(%s, %s) = %q, %q; want %q, %q", tt.service, tt.op.Name, a, n, tt.action, tt.note)
		}
	}
	if got := apigatewayResource(&awsmodel.Operation{RequestURI: "/restapis?mode=import"}); got != "/restapis" {
		t.Errorf("apigatewayResource = %q, want /restapis", got)
	}
}

// TestExceptionsNameModelOperations: the hand-written tables name
// operations the models have, so a typo cannot silently not apply.
func TestExceptionsNameModelOperations(t *testing.T) {
	models, err := loadModels(root)
	if err != nil {
		t.Fatal(err)
	}
	for name, table := range map[string]map[string]map[string]string{"actionDiffers": actionDiffers, "actionNotes": actionNotes} {
		for s, ops := range table {
			for op := range ops {
				if m := models[s]; m == nil || !m.Has(op) {
					t.Errorf("%s[%s][%s]: no such operation in the %s model", name, s, op, s)
				}
			}
		}
	}
}

func TestCell(t *testing.T) {
	for in, want := range map[string]string{"a|b": `a\|b`, "a\nb": "a b", "plain": "plain"} {
		if got := cell(in); got != want {
			t.Errorf("cell(%q) = %q, want %q", in, got, want)
		}
	}
	if got := anchor("API Gateway (REST APIs, control plane)"); got != "api-gateway-rest-apis-control-plane" {
		t.Errorf("anchor = %q", got)
	}
}
