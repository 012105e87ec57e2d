package iam

import (
	"strings"
	"testing"
)

// TestAWSManagedPoliciesCompile checks the policies templates and tools
// attach most, and counts the whole catalogue: every document AWS
// publishes must compile (one that does not would leave whatever attaches
// it failing closed).
func TestAWSManagedPoliciesCompile(t *testing.T) {
	for _, tc := range []struct{ name, arn string }{
		{"AdministratorAccess", "arn:aws:iam::aws:policy/AdministratorAccess"},
		{"ReadOnlyAccess", "arn:aws:iam::aws:policy/ReadOnlyAccess"},
		{"PowerUserAccess", "arn:aws:iam::aws:policy/PowerUserAccess"},
		{"IAMFullAccess", "arn:aws:iam::aws:policy/IAMFullAccess"},
		{"AWSLambdaBasicExecutionRole", "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"},
		{"AWSLambdaExecute", "arn:aws:iam::aws:policy/AWSLambdaExecute"},
		{"AWSLambdaRole", "arn:aws:iam::aws:policy/service-role/AWSLambdaRole"},
		{"AmazonAPIGatewayPushToCloudWatchLogs", "arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"},
		{"AmazonAPIGatewayInvokeFullAccess", "arn:aws:iam::aws:policy/AmazonAPIGatewayInvokeFullAccess"},
		{"AmazonAPIGatewayAdministrator", "arn:aws:iam::aws:policy/AmazonAPIGatewayAdministrator"},
		{"AWSLambda_FullAccess", "arn:aws:iam::aws:policy/AWSLambda_FullAccess"},
		{"AmazonS3FullAccess", "arn:aws:iam::aws:policy/AmazonS3FullAccess"},
		{"AmazonS3ReadOnlyAccess", "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"},
		{"CloudWatchLogsFullAccess", "arn:aws:iam::aws:policy/CloudWatchLogsFullAccess"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pe := awsManaged(tc.arn)
			if pe == nil {
				t.Fatalf("%s missing", tc.arn)
			}
			if pe.Name != tc.name || pe.arn != tc.arn || pe.compiled == nil || !strings.HasPrefix(pe.ID, "ANPA") || len(pe.ID) != 21 {
				t.Fatalf("entry = %s %s %s compiled=%v", pe.Name, pe.arn, pe.ID, pe.compiled != nil)
			}
			if pe.Version(pe.DefaultVersion) == nil {
				t.Fatalf("no default version %s", pe.DefaultVersion)
			}
		})
	}
	if awsManaged("arn:aws:iam::aws:policy/NoSuchPolicyAnywhere") != nil || awsManaged("arn:aws:iam::000000000000:policy/AdministratorAccess") != nil {
		t.Fatal("unknown ARN resolved")
	}
	var broken []string
	for _, p := range awsPolicies().sorted {
		if p.get().compiled == nil {
			broken = append(broken, p.entry.Name)
		}
	}
	if n := len(awsPolicies().sorted); n < 1500 {
		t.Fatalf("catalogue has %d policies", n)
	}
	if len(broken) > 0 {
		t.Errorf("%d AWS managed policies do not compile: %v", len(broken), broken)
	}
}
