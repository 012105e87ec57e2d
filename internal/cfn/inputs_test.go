package cfn

import (
	"errors"
	"net/url"
	"reflect"
	"slices"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/awsproto"
	"github.com/gatehouse-dev/gatehouse/internal/pipeline"
)

// TestInputsDecode: every operation's input type is one DecodeQuery
// accepts (a declaration error would be an InternalFailure on the wire),
// and the embedded members of the stack inputs are filled.
func TestInputsDecode(t *testing.T) {
	form := url.Values{"StackName": {"s1"}, "RoleARN": {"arn:aws:iam::123456789012:role/r"}, "TemplateURL": {"https://b.s3.amazonaws.com/t"},
		"Capabilities.member.1": {"CAPABILITY_IAM"}, "Tags.member.1.Key": {"k"}, "Tags.member.1.Value": {"v"},
		"Parameters.member.1.ParameterKey": {"P"}, "Parameters.member.1.ParameterValue": {"x"}, "ChangeSetName": {"cs"},
		"StackStatusFilter.member.1": {"CREATE_COMPLETE"}, "ClientRequestToken": {"tok"}}
	stop := errors.New("decoded")
	seen := map[string]any{}
	for i := range handlers {
		h := &handlers[i]
		v := &pipeline.Invocation{Op: &h.Operation, Decode: func(in any) error {
			if err := awsproto.DecodeQuery(form, in); err != nil {
				return err
			}
			seen[h.Name] = in
			return stop
		}}
		if _, err := h.Serve(v, &call{}); err != stop {
			t.Errorf("%s: input does not decode: %v", h.Name, err)
		}
	}
	cs, _ := seen["CreateStack"].(*createStackIn)
	if cs == nil || cs.StackName != "s1" || cs.RoleARN == "" || cs.TemplateURL == "" || cs.ClientRequestToken != "tok" ||
		!slices.Equal(cs.Capabilities, []string{"CAPABILITY_IAM"}) || len(cs.Tags) != 1 || cs.Tags[0]["Value"] != "v" ||
		!reflect.DeepEqual(readParameters(cs.Parameters), []Parameter{{Key: "P", Value: "x"}}) {
		t.Errorf("CreateStack input %+v", cs)
	}
	if x, _ := seen["ExecuteChangeSet"].(*executeChangeSetIn); x == nil || x.ChangeSetName != "cs" || x.StackName != "s1" {
		t.Errorf("ExecuteChangeSet input %+v", x)
	}
	if x, _ := seen["ListStacks"].(*listStacksIn); x == nil || !slices.Equal(x.StackStatusFilter, []string{"CREATE_COMPLETE"}) {
		t.Errorf("ListStacks input %+v", x)
	}
}

// TestUntilEmpty: a StackStatusFilter list ends at its first empty
// member, as the hand-written reader did.
func TestUntilEmpty(t *testing.T) {
	for _, tc := range []struct{ in, want []string }{
		{nil, nil}, {[]string{"A"}, []string{"A"}}, {[]string{"A", "", "B"}, []string{"A"}}, {[]string{""}, []string{}},
	} {
		if got := untilEmpty(tc.in); len(got) != len(tc.want) || !slices.Equal(got, tc.want) {
			t.Errorf("untilEmpty(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
