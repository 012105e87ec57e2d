package iam

import (
	"errors"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/awsproto"
	"github.com/gatehouse-dev/gatehouse/internal/pipeline"
	"github.com/gatehouse-dev/gatehouse/internal/policy"
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

// TestEveryInputDecodes: every operation's input type is one
// awsproto.DecodeQuery can fill (a field of another type would fail only
// when that operation is called), and the inputs of the operations whose
// Table entry declares tagging keys carry the members that add them.
func TestEveryInputDecodes(t *testing.T) {
	stop := errors.New("stop before the handler")
	params := url.Values{"Tags.member.1.Key": {"k"}, "Tags.member.1.Value": {"v"}, "TagKeys.member.1": {"k"}}
	for i := range operations {
		h := &operations[i]
		var keys func(*policy.Context)
		v := &pipeline.Invocation{Op: &h.Operation, Decode: func(in any) error {
			if err := awsproto.DecodeQuery(params, in); err != nil {
				return err
			}
			keys = inputKeys(in)
			return stop
		}}
		if _, err := h.Serve(v, nil); err != stop {
			t.Errorf("%s: decode: %v", h.Name, err)
		}
		// The input adds tagging keys exactly when AWS's input has Tags
		// or TagKeys, and then the table declares them
		// (GetContextKeysFor*Policy and the simulator read the table): an
		// input that forgot its tag members would let a request past a
		// Deny conditioned on aws:RequestTag or aws:TagKeys; one that
		// reads Tags AWS does not take would let a caller satisfy a
		// condition that requires tags on an operation that stores none.
		tagged := taggedInputs[h.Name] || strings.HasPrefix(h.Name, "Tag") || strings.HasPrefix(h.Name, "Untag")
		if tagged != (keys != nil) {
			t.Errorf("%s: input adds tagging keys: %v, want %v", h.Name, keys != nil, tagged)
		}
		if tagged != slices.Contains(h.Keys, "aws:TagKeys") {
			t.Errorf("%s: table keys %v, want aws:TagKeys: %v", h.Name, h.Keys, tagged)
		}
	}
}

// taggedInputs is the operations other than Tag*/Untag* whose input has
// Tags in botocore's iam-2010-05-08 model (every one adds aws:RequestTag
// and aws:TagKeys in AWS's service authorization reference).
var taggedInputs = map[string]bool{
	"CreateInstanceProfile":       true,
	"CreateOpenIDConnectProvider": true,
	"CreatePolicy":                true,
	"CreateRole":                  true,
	"CreateSAMLProvider":          true,
	"CreateUser":                  true,
	"CreateVirtualMFADevice":      true,
	"UploadServerCertificate":     true,
}
