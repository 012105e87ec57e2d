package cfn

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/cfn/tmpl"
)

func testEvaluator(t *testing.T) *evaluator {
	t.Helper()
	ev := &evaluator{
		params: map[string]paramValue{"Env": {Value: "prod"}, "Subnets": {Value: []any{"a", "b", "c"}}, "Count": {Value: "3"}},
		pseudo: map[string]any{"AWS::Region": "eu-west-1", "AWS::AccountId": "123456789012", "AWS::StackName": "s", "AWS::Partition": "aws",
			"AWS::URLSuffix": "amazonaws.com"},
		condDefs: map[string]any{
			"IsProd":    map[string]any{"Fn::Equals": []any{map[string]any{"Ref": "Env"}, "prod"}},
			"IsDev":     map[string]any{"Fn::Not": []any{map[string]any{"Condition": "IsProd"}}},
			"ProdOrDev": map[string]any{"Fn::Or": []any{map[string]any{"Condition": "IsProd"}, map[string]any{"Condition": "IsDev"}}},
			"Loop":      map[string]any{"Fn::Not": []any{map[string]any{"Condition": "Loop"}}},
		},
		mappings: map[string]any{"Sizes": map[string]any{"eu-west-1": map[string]any{"Memory": 256.0}}},
		region:   "eu-west-1",
		imports:  func(n string) (string, error) { return "imported-" + n, nil },
	}
	ev.res = func(id string) (*resourceState, bool) {
		if id == "Fn" {
			return &resourceState{PhysicalID: "fn-name", Attributes: map[string]any{"Arn": "arn:aws:lambda:eu-west-1:123456789012:function:fn-name"}}, true
		}
		return nil, false
	}
	return ev
}

// TestIntrinsics evaluates each intrinsic function, in YAML short form,
// against fixed parameters, conditions, mappings and one resource.
func TestIntrinsics(t *testing.T) {
	tests := []struct {
		name, yaml string
		want       any
		err        string
	}{
		{"ref param", `!Ref Env`, "prod", ""},
		{"ref pseudo", `!Ref AWS::Region`, "eu-west-1", ""},
		{"ref resource", `!Ref Fn`, "fn-name", ""},
		{"ref unknown", `!Ref Nope`, nil, "Unresolved resource dependencies [Nope]"},
		{"getatt short", `!GetAtt Fn.Arn`, "arn:aws:lambda:eu-west-1:123456789012:function:fn-name", ""},
		{"getatt list", `{"Fn::GetAtt": [Fn, Arn]}`, "arn:aws:lambda:eu-west-1:123456789012:function:fn-name", ""},
		{"getatt bad attr", `!GetAtt Fn.Nope`, nil, "does not support attribute type Nope"},
		{"sub string", `!Sub '${AWS::StackName}-${Env}-${Fn.Arn}-${!Literal}'`, "s-prod-arn:aws:lambda:eu-west-1:123456789012:function:fn-name-${Literal}", ""},
		{"sub vars", `!Sub ['${A}/${Env}', {A: !Ref Count}]`, "3/prod", ""},
		{"join", `!Join [',', [a, !Ref Env, 1]]`, "a,prod,1", ""},
		{"join list param", `!Join ['-', !Ref Subnets]`, "a-b-c", ""},
		{"select", `!Select [1, !Ref Subnets]`, "b", ""},
		{"select out of range", `!Select [5, !Ref Subnets]`, nil, "nonexistent value at index 5"},
		{"split", `!Split [',', 'x,y']`, []any{"x", "y"}, ""},
		{"if true", `!If [IsProd, big, small]`, "big", ""},
		{"if false", `!If [IsDev, big, small]`, "small", ""},
		{"if novalue", `{A: !If [IsDev, x, !Ref AWS::NoValue], B: 1}`, map[string]any{"B": 1.0}, ""},
		{"or condition", `!If [ProdOrDev, y, n]`, "y", ""},
		{"condition cycle", `!If [Loop, y, n]`, nil, "Circular dependency between conditions"},
		{"equals", `!Equals [!Ref Count, 3]`, true, ""},
		{"and", `!And [!Equals [a, a], !Equals [b, c]]`, false, ""},
		{"findinmap", `!FindInMap [Sizes, !Ref AWS::Region, Memory]`, 256.0, ""},
		{"findinmap missing", `!FindInMap [Sizes, us-east-1, Memory]`, nil, "Unable to get mapping for Sizes::us-east-1::Memory"},
		{"findinmap default", `!FindInMap [Sizes, us-east-1, Memory, {DefaultValue: 128}]`, 128.0, ""},
		{"getazs", `!Select [0, !GetAZs '']`, "eu-west-1a", ""},
		{"base64", `!Base64 hi`, "aGk=", ""},
		{"importvalue", `!ImportValue shared`, "imported-shared", ""},
		{"length", `{"Fn::Length": !Ref Subnets}`, 3.0, ""},
		{"tojsonstring", `{"Fn::ToJsonString": {a: [1, x]}}`, `{"a":[1,"x"]}`, ""},
		{"unknown function", `{"Fn::Nope": 1}`, nil, "Unrecognized intrinsic function Fn::Nope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := tmpl.Parse([]byte("V: " + tt.yaml))
			if err != nil {
				t.Fatal(err)
			}
			got, err := testEvaluator(t).eval(doc["V"])
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %#v, want %#v", got, tt.want)
			}
		})
	}
}

// TestDependencies: the order comes from DependsOn and Ref/GetAtt/Sub;
// cycles are AWS's ValidationError.
func TestDependencies(t *testing.T) {
	body := `
Resources:
  C: {Type: AWS::IAM::Role, Properties: {X: !Sub '${B.Arn}'}}
  B: {Type: AWS::IAM::Role, Properties: {X: !GetAtt A.Arn}}
  A: {Type: AWS::IAM::Role, DependsOn: D}
  D: {Type: AWS::IAM::Role}
`
	tpl, err := tmpl.Parse([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	s := &Service{}
	p, err := s.newPlan(t.Context(), &Stack{Name: "s", Region: "us-east-1", Resources: map[string]*resourceState{}}, tpl, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(p.order, " "); got != "D A B C" {
		t.Errorf("order %s", got)
	}
	cyc, _ := tmpl.Parse([]byte(`
Resources:
  A: {Type: AWS::IAM::Role, Properties: {X: !Ref B}}
  B: {Type: AWS::IAM::Role, Properties: {X: !Ref A}}
`))
	if _, err := s.newPlan(t.Context(), &Stack{Name: "s", Resources: map[string]*resourceState{}}, cyc, nil, nil); err == nil ||
		!strings.Contains(err.Error(), "Circular dependency between resources: [A, B]") {
		t.Errorf("cycle: %v", err)
	}
}

// TestValidateAndParameters covers template and parameter errors with
// AWS's texts.
func TestValidateAndParameters(t *testing.T) {
	tests := []struct{ name, body, err string }{
		{"no resources", `Resources: {}`, "At least one Resources member must be defined."},
		{"unknown type", `Resources: {A: {Type: AWS::Foo::Bar}}`, "Template format error: Unrecognized resource types: [AWS::Foo::Bar]"},
		{"bad version", "AWSTemplateFormatVersion: '2011-01-01'\nResources: {A: {Type: AWS::IAM::Role}}", "is not a valid template version"},
		{"bad section", "Foo: 1\nResources: {A: {Type: AWS::IAM::Role}}", "Invalid template property or properties [Foo]"},
		{"missing param", "Parameters: {P: {Type: String}}\nResources: {A: {Type: AWS::IAM::Role}}", "Parameters: [P] must have values"},
		{"allowed values", "Parameters: {P: {Type: String, Default: x, AllowedValues: [a, b]}}\nResources: {A: {Type: AWS::IAM::Role}}", "Parameter 'P' must be one of AllowedValues"},
		{"number", "Parameters: {P: {Type: Number, Default: x}}\nResources: {A: {Type: AWS::IAM::Role}}", "Parameter 'P' must be a number."},
		{"unresolved dep", `Resources: {A: {Type: AWS::IAM::Role, DependsOn: Z}}`, "Unresolved resource dependencies [Z]"},
		{"bad yaml", "Resources: [", "YAML not well-formed"},
		{"unknown tag", "Resources: !Nope x", "unknown tag !Nope"},
		{"bad json", `{"Resources": `, "JSON not well-formed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tpl, _, err := process(tt.body)
			if err == nil {
				s := &Service{}
				_, err = s.newPlan(t.Context(), &Stack{Name: "s", Resources: map[string]*resourceState{}}, tpl, nil, nil)
			}
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("err = %v, want %q", err, tt.err)
			}
		})
	}
}

// TestCapabilities: IAM resources need CAPABILITY_IAM, named ones
// CAPABILITY_NAMED_IAM, and a macro CAPABILITY_AUTO_EXPAND.
func TestCapabilities(t *testing.T) {
	anon, _ := tmpl.Parse([]byte(`Resources: {A: {Type: AWS::IAM::Role}}`))
	named, _ := tmpl.Parse([]byte(`Resources: {A: {Type: AWS::IAM::Role, Properties: {RoleName: r}}}`))
	tests := []struct {
		tpl   tmpl.Template
		macro bool
		caps  []string
		err   string
	}{
		{anon, false, nil, "[CAPABILITY_IAM]"},
		{anon, false, []string{"CAPABILITY_IAM"}, ""},
		{anon, false, []string{"CAPABILITY_NAMED_IAM"}, ""},
		{named, false, []string{"CAPABILITY_IAM"}, "[CAPABILITY_NAMED_IAM]"},
		{named, true, []string{"CAPABILITY_NAMED_IAM"}, "[CAPABILITY_AUTO_EXPAND]"},
		{named, true, []string{"CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"}, ""},
	}
	for i, tt := range tests {
		err := checkCapabilities(tt.tpl, tt.macro, tt.caps)
		if tt.err == "" && err != nil || tt.err != "" && (err == nil || !strings.Contains(err.Error(), "Requires capabilities : "+tt.err)) {
			t.Errorf("%d: err = %v, want %q", i, err, tt.err)
		}
	}
}

func TestParseJSONAndYAMLAgree(t *testing.T) {
	y, err := tmpl.Parse([]byte("A: !GetAtt R.Arn\nB: [1, true, null, '2012-10-17']\nC: !Sub x"))
	if err != nil {
		t.Fatal(err)
	}
	j, err := tmpl.Parse([]byte(`{"A":{"Fn::GetAtt":["R","Arn"]},"B":[1,true,null,"2012-10-17"],"C":{"Fn::Sub":"x"}}`))
	if err != nil {
		t.Fatal(err)
	}
	yb, _ := json.Marshal(y)
	jb, _ := json.Marshal(j)
	if string(yb) != string(jb) {
		t.Errorf("yaml %s != json %s", yb, jb)
	}
}
