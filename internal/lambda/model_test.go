package lambda

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/authn"
	"github.com/gatehouse-dev/gatehouse/internal/awserr"
)

func TestResolveName(t *testing.T) {
	s := &Service{}
	tests := []struct {
		raw, query string
		want       string // ARN, or "!Code: message prefix"
	}{
		{"f", "", "arn:aws:lambda:us-east-1:000000000000:function:f"},
		{"f:$LATEST", "", "arn:aws:lambda:us-east-1:000000000000:function:f:$LATEST"},
		{"f", "Qualifier=$LATEST", "arn:aws:lambda:us-east-1:000000000000:function:f:$LATEST"},
		{"111111111111:function:f", "", "arn:aws:lambda:us-east-1:111111111111:function:f"},
		{"arn:aws:lambda:us-east-1:111111111111:function:f:prod", "", "arn:aws:lambda:us-east-1:111111111111:function:f:prod"},
		{"arn:aws:lambda:eu-west-1:111111111111:function:f", "", "!ResourceNotFoundException: Functions from 'eu-west-1' are not reachable in this region ('us-east-1')"},
		{"f:1", "Qualifier=2", "!InvalidParameterValueException: The derived qualifier from the function name does not match the specified qualifier."},
		{strings.Repeat("x", 65), "", "!InvalidParameterValueException: 1 validation error detected: Value '" + strings.Repeat("x", 65) + "' at 'functionName' failed to satisfy constraint: Member must have length less than or equal to 64"},
		{"bad name", "", "!ValidationException: 1 validation error detected: Value 'bad name' at 'functionName' failed to satisfy constraint"},
		{"arn:aws:s3:::bucket", "", "!ValidationException: 1 validation error detected"},
		// One canonical ARN per function, every part checked (issue #12
		// item 4).
		{"arn:aws:lambda:us-east-1:000000000000:function:f", "", "arn:aws:lambda:us-east-1:000000000000:function:f"},
		{"000000000000:function:f:$LATEST", "", "arn:aws:lambda:us-east-1:000000000000:function:f:$LATEST"},
		{"arn:aws-cn:lambda:us-east-1:000000000000:function:f", "", "!ValidationException: 1 validation error detected"},
		{"arn:aws:lambda:us-east-1:0:function:f", "", "!ValidationException: 1 validation error detected"},
		{"arn:aws:lambda:us-east-1:*:function:f", "", "!ValidationException: 1 validation error detected"},
		{"arn:aws:lambda:us-east-1:000000000000:function:f:", "", "!ValidationException: 1 validation error detected"},
		{"arn:aws:lambda:us-east-1:000000000000:function:f:a/b", "", "!ValidationException: 1 validation error detected"},
		{"0:function:f", "", "!ValidationException: 1 validation error detected"},
		{"000000000000:function:f:1:2", "", "!ValidationException: 1 validation error detected"},
		{"f:", "", "!ValidationException: 1 validation error detected"},
		{"f:a:b", "", "!ValidationException: 1 validation error detected"},
		{"f:*", "", "!ValidationException: 1 validation error detected"},
		{"f/../g", "", "!ValidationException: 1 validation error detected"},
		{"f", "Qualifier=a/b", "!ValidationException: 1 validation error detected: Value 'a/b' at 'qualifier'"},
		{"f", "Qualifier=1&Qualifier=2", "!ValidationException: 1 validation error detected: Value '1,2' at 'qualifier'"},
		{strings.Repeat("x", 141), "", "!ValidationException: 1 validation error detected"},
	}
	for _, tc := range tests {
		r := httptest.NewRequest("GET", "/x?"+tc.query, nil)
		// The Qualifier parameter reaches resolveName through the
		// decoded input, as the frame's run hands it over.
		var in fnInput
		if err := decodeInput(&in, r, nil, nil); err != nil {
			t.Fatal(err)
		}
		q := &request{r: r, caller: &authn.Principal{AccountID: "000000000000"}, region: "us-east-1", qualifier: in.Qualifier}
		res, err := s.resolveName(q, tc.raw, true)
		got := res.arn()
		if err != nil {
			e := awserr.From(err)
			got = "!" + e.Code + ": " + e.Message
		}
		if !strings.HasPrefix(got, tc.want) {
			t.Errorf("%q %q: got %s\nwant %s", tc.raw, tc.query, got, tc.want)
		}
	}
}

func TestCheckEnv(t *testing.T) {
	tests := []struct {
		vars map[string]string
		want string
	}{
		{map[string]string{"OK_1": "x", "TZ": ":UTC"}, ""},
		{map[string]string{"_HANDLER": "x"}, "InvalidParameterValueException: Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: _HANDLER"},
		{map[string]string{"A": "x"}, "ValidationException: 1 validation error detected: Value 'A' at 'environment.variables' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+"},
		{map[string]string{"BIG": strings.Repeat("v", 4090)}, "InvalidParameterValueException: Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: {\"BIG\":\"vvv"},
	}
	for _, tc := range tests {
		err := checkEnv(tc.vars)
		got := ""
		if err != nil {
			e := awserr.From(err)
			got = e.Code + ": " + e.Message
		}
		if (tc.want == "") != (got == "") || !strings.HasPrefix(got, tc.want) {
			t.Errorf("%v: got %q\nwant %q", tc.vars, got, tc.want)
		}
	}
}

func TestCheckRuntime(t *testing.T) {
	for rt, ok := range map[string]bool{"provided.al2023": true, "provided.al2": true, "nodejs16.x": true, "nodejs24.x": true, "python3.8": true, "python3.14": true,
		"dotnet8": false, "java21": false, "go1.x": false, "ruby3.3": false, "PYTHON3.9": false} {
		if err := checkRuntime(rt); (err == nil) != ok {
			t.Errorf("%s: %v", rt, err)
		}
	}
}
