package policy

import "testing"

// TestAWSDocumentationExamples evaluates example policies from the IAM User
// Guide (reference_policies_examples_*.html and the condition-operator
// pages) against requests the pages describe.
func TestAWSDocumentationExamples(t *testing.T) {
	const (
		// reference_policies_examples_aws-dates.html
		dates = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"*",
			"Condition":{"DateGreaterThan":{"aws:CurrentTime":"2020-04-01T00:00:00Z"},"DateLessThan":{"aws:CurrentTime":"2020-06-30T23:59:59Z"}}}]}`
		// reference_policies_examples_aws_deny-ip.html
		denyIP = `{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"*","Resource":"*",
			"Condition":{"NotIpAddress":{"aws:SourceIp":["192.0.2.0/24","203.0.113.0/24"]},"Bool":{"aws:ViaAWSService":"false"}}}}`
		// reference_policies_examples_aws_mfa-dates.html / BoolIfExists advice in condition operators page
		denyNoMFA = `{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"*","Resource":"*",
			"Condition":{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}}}`
		// reference_policies_examples_aws_deny-requested-region.html (NotAction + StringNotEquals)
		denyRegion = `{"Version":"2012-10-17","Statement":{"Sid":"DenyAllOutsideRequestedRegions","Effect":"Deny",
			"NotAction":["iam:*","sts:*"],"Resource":"*","Condition":{"StringNotEquals":{"aws:RequestedRegion":["eu-central-1","eu-west-1"]}}}}`
		// reference_policies_condition_examples-multi-valued-context-keys.html
		tagKeysAllow = `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*",
			"Condition":{"ForAllValues:StringEquals":{"aws:TagKeys":["environment","cost-center"]},"Null":{"aws:TagKeys":"false"}}}}`
		// reference_policies_variables.html: home folder per user
		home = `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"execute-api:Invoke",
			"Resource":"arn:aws:execute-api:*:*:api1/*/GET/home/${aws:username}/*"}}`
		// reference_policies_variables.html#policy-vars-no-value: tag comparison with a missing principal tag
		tagMatch = `{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"*","Resource":"*",
			"Condition":{"StringNotEquals":{"aws:ResourceTag/Team":"${aws:PrincipalTag/Team}"}}}}`
	)
	home1 := "arn:aws:execute-api:us-east-1:" + acct + ":api1/prod/GET/home/alice/notes"
	tests := []struct {
		name     string
		identity []string
		resource string
		action   string
		ctx      map[string]any
		want     Effect
	}{
		{"dates inside window", []string{dates}, "", "", map[string]any{"aws:CurrentTime": "2020-05-01T12:00:00Z"}, Allowed},
		{"dates after window", []string{dates}, "", "", map[string]any{"aws:CurrentTime": "2020-07-01T00:00:00Z"}, ImplicitDeny},
		{"deny ip outside ranges", []string{allowAll, denyIP}, "", "", map[string]any{"aws:SourceIp": "198.51.100.1", "aws:ViaAWSService": "false"}, ExplicitDeny},
		{"deny ip inside range", []string{allowAll, denyIP}, "", "", map[string]any{"aws:SourceIp": "203.0.113.5", "aws:ViaAWSService": "false"}, Allowed},
		{"deny ip via service", []string{allowAll, denyIP}, "", "", map[string]any{"aws:SourceIp": "198.51.100.1", "aws:ViaAWSService": "true"}, Allowed},
		{"no MFA with long-term keys (key absent)", []string{allowAll, denyNoMFA}, "", "", nil, ExplicitDeny},
		{"no MFA in session", []string{allowAll, denyNoMFA}, "", "", map[string]any{"aws:MultiFactorAuthPresent": "false"}, ExplicitDeny},
		{"MFA present", []string{allowAll, denyNoMFA}, "", "", map[string]any{"aws:MultiFactorAuthPresent": "true"}, Allowed},
		{"region allowed", []string{allowAll, denyRegion}, "", "", map[string]any{"aws:RequestedRegion": "eu-west-1"}, Allowed},
		{"region denied", []string{allowAll, denyRegion}, "", "", map[string]any{"aws:RequestedRegion": "us-east-1"}, ExplicitDeny},
		{"region: IAM is exempt by NotAction", []string{allowAll, denyRegion}, "arn:aws:iam::" + acct + ":user/x", "iam:GetUser", map[string]any{"aws:RequestedRegion": "us-east-1"}, Allowed},
		{"tag keys subset", []string{tagKeysAllow}, "", "", map[string]any{"aws:TagKeys": []string{"environment"}}, Allowed},
		{"tag keys extra key", []string{tagKeysAllow}, "", "", map[string]any{"aws:TagKeys": []string{"environment", "owner"}}, ImplicitDeny},
		{"tag keys absent blocked by Null", []string{tagKeysAllow}, "", "", nil, ImplicitDeny},
		{"home folder own", []string{home}, home1, "", nil, Allowed},
		{"home folder other", []string{home}, "arn:aws:execute-api:us-east-1:" + acct + ":api1/prod/GET/home/bob/notes", "", nil, ImplicitDeny},
		{"tag match equal", []string{allowAll, tagMatch}, "", "", map[string]any{"aws:ResourceTag/Team": "blue", "aws:PrincipalTag/Team": "blue"}, Allowed},
		{"tag match differs", []string{allowAll, tagMatch}, "", "", map[string]any{"aws:ResourceTag/Team": "blue", "aws:PrincipalTag/Team": "red"}, ExplicitDeny},
		{"tag match principal tag missing", []string{allowAll, tagMatch}, "", "", map[string]any{"aws:ResourceTag/Team": "blue"}, ExplicitDeny},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := evalCase{who: pAlice, identity: tt.identity, resource: tt.resource, action: tt.action, ctx: tt.ctx}
			in, req := c.run(t)
			if got := Evaluate(in, req).Effect; got != tt.want {
				t.Fatalf("got %s, want %s", got, tt.want)
			}
		})
	}
}
