package iam

import (
	"slices"
	"testing"
)

func TestTable(t *testing.T) {
	tab := Table()
	if len(tab) != len(operations) || len(operationIndex()) != len(operations) {
		t.Fatalf("table has %d operations, handlers %d, names %d", len(tab), len(operations), len(operationIndex()))
	}
	for _, tc := range []struct {
		op      string
		action  string
		hasKeys []string
		noKeys  []string
	}{
		{"CreateUser", "iam:CreateUser", []string{"aws:RequestTag/${TagKey}", "aws:TagKeys", "aws:ResourceTag/${TagKey}"}, nil},
		{"UntagRole", "iam:UntagRole", []string{"aws:TagKeys", "iam:ResourceTag/${TagKey}"}, []string{"aws:RequestTag/${TagKey}"}},
		{"ListPolicies", "iam:ListPolicies", nil, []string{"aws:TagKeys", "aws:ResourceTag/${TagKey}"}},
		{"CreateAccount", "gatehouse:CreateAccount", nil, []string{"aws:TagKeys"}},
	} {
		op, ok := tab.Lookup(tc.op)
		if !ok {
			t.Errorf("%s missing", tc.op)
			continue
		}
		if !op.Authorizes(tc.action) {
			t.Errorf("%s: actions %v, want %s", tc.op, op.Actions, tc.action)
		}
		for _, k := range tc.hasKeys {
			if !slices.Contains(op.Keys, k) {
				t.Errorf("%s: keys %v lack %s", tc.op, op.Keys, k)
			}
		}
		for _, k := range tc.noKeys {
			if slices.Contains(op.Keys, k) {
				t.Errorf("%s: keys %v have %s", tc.op, op.Keys, k)
			}
		}
	}
}
