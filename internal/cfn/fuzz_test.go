package cfn

import (
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/cfn/tmpl"
)

// FuzzTemplate: no template, however malformed, panics the parser, the
// transform, the planner or the evaluator; each either plans or errs.
func FuzzTemplate(f *testing.F) {
	for _, s := range []string{
		"Resources: {A: {Type: AWS::IAM::Role, Properties: {X: !Sub '${B.Arn}-${AWS::Region}'}}, B: {Type: AWS::IAM::Role}}",
		"Transform: AWS::Serverless-2016-10-31\nResources: {F: {Type: AWS::Serverless::Function, Properties: {Runtime: nodejs20.x, Handler: i.h, InlineCode: x, Events: {E: {Type: Api, Properties: {Path: /a/{b}, Method: any}}}}}}",
		`{"Resources":{"A":{"Type":"AWS::IAM::Role","Properties":{"P":{"Fn::If":["C",{"Ref":"AWS::NoValue"},1]}},"Condition":"C"}},"Conditions":{"C":{"Fn::Equals":[{"Ref":"P"},"x"]}},"Parameters":{"P":{"Type":"String","Default":"x"}}}`,
		"Resources: {A: {Type: AWS::IAM::Role, Properties: {X: !Select [!Ref AWS::AccountId, [a]]}}}",
		"Resources: {A: {Type: AWS::IAM::Role, Properties: {X: !FindInMap [M, !GetAtt A.B, c]}}}\nMappings: {M: {a: {c: 1}}}",
		"Resources: &a {A: *a}",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		tpl, _, err := process(string(b))
		if err != nil {
			return
		}
		s := &Service{}
		st := &Stack{Name: "s", Region: "us-east-1", Account: "000000000000", Resources: map[string]*resourceState{}}
		p, err := s.newPlan(t.Context(), st, tpl, nil, nil)
		if err != nil {
			return
		}
		// Evaluate every resource's properties as if its dependencies
		// existed with empty attributes.
		p.ev.res = func(id string) (*resourceState, bool) {
			if _, ok := p.defs[id]; ok {
				return &resourceState{PhysicalID: id, Attributes: map[string]any{}}, true
			}
			return nil, false
		}
		for _, id := range p.order {
			_, _ = p.ev.eval(orEmpty(p.defs[id]["Properties"]))
		}
		_, _ = tmpl.Parse(b)
	})
}
