package apigw

import "testing"

func TestAuthTypeCanonical(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"NONE", "NONE", true},
		{"none", "NONE", true},
		{"aws_iam", "AWS_IAM", true},
		{"Custom", "CUSTOM", true},
		{"cognito_user_pools", "COGNITO_USER_POOLS", true},
		{"", "", false},
		{"JWT", "JWT", false},
		{"AWS-IAM", "AWS-IAM", false},
	} {
		got, ok := authType(tc.in)
		if ok != tc.ok || ok && got != tc.want {
			t.Errorf("authType(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}
