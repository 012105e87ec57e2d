package iam_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	. "github.com/gatehouse-dev/gatehouse/internal/iam/iamtest"
)

// TestInputConstraints checks answers moto's suite exposed: every
// model constraint violated at once is reported at once, Untag* take at
// most 50 keys, AddUserToGroup names the missing user before the group,
// the signing-certificate quota's name, GetInstanceProfile's empty Tags.
func TestInputConstraints(t *testing.T) {
	_, ic, _ := rootClients(t)
	long := strings.Repeat("b", 256)
	_, err := ic.CreateOpenIDConnectProvider(Ctx, &awsiam.CreateOpenIDConnectProviderInput{Url: aws.String(long),
		ThumbprintList: []string{strings.Repeat("b", 41)}, ClientIDList: []string{long}})
	msg := WantCode(t, err, "ValidationError")
	for _, want := range []string{"3 validation errors detected: ", `at "url" failed`, `at "thumbprintList" failed to satisfy constraint: Member must satisfy constraint: [`,
		`at "clientIDList" failed`, "Member must have length greater than or equal to 1"} {
		if !strings.Contains(msg, want) {
			t.Fatalf("missing %q in %q", want, msg)
		}
	}
	_, err = ic.UpdateAccountPasswordPolicy(Ctx, &awsiam.UpdateAccountPasswordPolicyInput{MinimumPasswordLength: aws.Int32(129),
		PasswordReusePrevention: aws.Int32(25), MaxPasswordAge: aws.Int32(1096)})
	if msg := WantCode(t, err, "ValidationError"); msg != `3 validation errors detected: Value "129" at "minimumPasswordLength" failed to satisfy constraint: Member must have value less than or equal to 128; `+
		`Value "25" at "passwordReusePrevention" failed to satisfy constraint: Member must have value less than or equal to 24; `+
		`Value "1096" at "maxPasswordAge" failed to satisfy constraint: Member must have value less than or equal to 1095` {
		t.Fatalf("msg %q", msg)
	}
	_, err = ic.UpdateAccountPasswordPolicy(Ctx, &awsiam.UpdateAccountPasswordPolicyInput{MinimumPasswordLength: aws.Int32(5)})
	if msg := WantCode(t, err, "ValidationError"); msg != "1 validation error detected: Value '5' at 'minimumPasswordLength' failed to satisfy constraint: Member must have value greater than or equal to 6" {
		t.Fatalf("msg %q", msg)
	}

	if _, err := ic.CreateInstanceProfile(Ctx, &awsiam.CreateInstanceProfileInput{InstanceProfileName: aws.String("ip"),
		Tags: []iamtypes.Tag{{Key: aws.String("k"), Value: aws.String("v")}}}); err != nil {
		t.Fatal(err)
	}
	keys := make([]string, 51)
	for i := range keys {
		keys[i] = "k"
	}
	_, err = ic.UntagInstanceProfile(Ctx, &awsiam.UntagInstanceProfileInput{InstanceProfileName: aws.String("ip"), TagKeys: keys})
	if msg := WantCode(t, err, "ValidationError"); !strings.Contains(msg, "at 'tagKeys' failed to satisfy constraint: Member must have length less than or equal to 50") {
		t.Fatalf("msg %q", msg)
	}
	if _, err := ic.UntagInstanceProfile(Ctx, &awsiam.UntagInstanceProfileInput{InstanceProfileName: aws.String("ip"), TagKeys: []string{"k"}}); err != nil {
		t.Fatal(err)
	}
	gp, err := ic.GetInstanceProfile(Ctx, &awsiam.GetInstanceProfileInput{InstanceProfileName: aws.String("ip")})
	if err != nil || gp.InstanceProfile.Tags == nil || len(gp.InstanceProfile.Tags) != 0 {
		t.Fatalf("tags %v %v", gp, err)
	}

	_, err = ic.AddUserToGroup(Ctx, &awsiam.AddUserToGroupInput{GroupName: aws.String("nog"), UserName: aws.String("nou")})
	if msg := WantCode(t, err, "NoSuchEntity"); msg != "The user with name nou cannot be found." {
		t.Fatalf("msg %q", msg)
	}
	if _, err := ic.CreateUser(Ctx, &awsiam.CreateUserInput{UserName: aws.String("u")}); err != nil {
		t.Fatal(err)
	}
	_, err = ic.AddUserToGroup(Ctx, &awsiam.AddUserToGroupInput{GroupName: aws.String("nog"), UserName: aws.String("u")})
	if msg := WantCode(t, err, "NoSuchEntity"); msg != "The group with name nog cannot be found." {
		t.Fatalf("msg %q", msg)
	}
	slr, err := ic.CreateServiceLinkedRole(Ctx, &awsiam.CreateServiceLinkedRoleInput{AWSServiceName: aws.String("custom-resource.application-autoscaling.amazonaws.com")})
	if err != nil || *slr.Role.RoleName != "AWSServiceRoleForApplicationAutoScaling_CustomResource" {
		t.Fatalf("service-linked role %v %v", slr, err)
	}
}

// TestPathsAndMFASerials: a virtual MFA device's serial names its path, so
// one name may be used under several paths; entity paths that do not begin
// and end with "/", or hold an empty segment, get IAM's own message; and
// DeleteAccountPasswordPolicy's not-found wording differs from Get's.
func TestPathsAndMFASerials(t *testing.T) {
	_, ic, _ := rootClients(t)
	var serials []string
	for _, path := range []string{"", "/test/", "/a/b/"} {
		in := &awsiam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String("dev")}
		if path != "" {
			in.Path = aws.String(path)
		}
		out, err := ic.CreateVirtualMFADevice(Ctx, in)
		if err != nil {
			t.Fatalf("path %q: %v", path, err)
		}
		serials = append(serials, *out.VirtualMFADevice.SerialNumber)
	}
	acct := strings.Split(serials[0], ":")[4]
	if want := []string{"arn:aws:iam::" + acct + ":mfa/dev", "arn:aws:iam::" + acct + ":mfa/test/dev", "arn:aws:iam::" + acct + ":mfa/a/b/dev"}; strings.Join(serials, " ") != strings.Join(want, " ") {
		t.Fatalf("serials %v, want %v", serials, want)
	}
	_, err := ic.CreateVirtualMFADevice(Ctx, &awsiam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String("DEV"), Path: aws.String("/test/")})
	if msg := WantCode(t, err, "EntityAlreadyExists"); msg != "MFADevice entity at the same path and name already exists." {
		t.Fatalf("msg %q", msg)
	}
	l, err := ic.ListVirtualMFADevices(Ctx, &awsiam.ListVirtualMFADevicesInput{})
	if err != nil || len(l.VirtualMFADevices) != 3 {
		t.Fatalf("list %+v %v", l, err)
	}
	if _, err := ic.DeleteVirtualMFADevice(Ctx, &awsiam.DeleteVirtualMFADeviceInput{SerialNumber: aws.String(serials[1])}); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{serials[0], serials[2]} {
		if _, err := ic.TagMFADevice(Ctx, &awsiam.TagMFADeviceInput{SerialNumber: aws.String(s), Tags: []iamtypes.Tag{{Key: aws.String("k"), Value: aws.String("v")}}}); err != nil {
			t.Fatalf("%s still there: %v", s, err)
		}
	}
	_, err = ic.TagMFADevice(Ctx, &awsiam.TagMFADeviceInput{SerialNumber: aws.String(serials[1]), Tags: []iamtypes.Tag{{Key: aws.String("k"), Value: aws.String("v")}}})
	WantCode(t, err, "NoSuchEntity")

	const badPath = "The specified value for path is invalid. It must begin and end with / and contain only alphanumeric characters and/or / characters."
	for _, p := range []string{"test", "test/", "/test//test/"} {
		_, err := ic.CreateVirtualMFADevice(Ctx, &awsiam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String("x"), Path: aws.String(p)})
		if msg := WantCode(t, err, "ValidationError"); msg != badPath {
			t.Fatalf("mfa path %q: %q", p, msg)
		}
		_, err = ic.CreateRole(Ctx, &awsiam.CreateRoleInput{RoleName: aws.String("r"), Path: aws.String(p),
			AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}}`)})
		if msg := WantCode(t, err, "ValidationError"); msg != badPath {
			t.Fatalf("role path %q: %q", p, msg)
		}
	}

	// AWS's default quota: 10 managed policies per role (and user, group).
	if _, err := ic.CreateRole(Ctx, &awsiam.CreateRoleInput{RoleName: aws.String("r"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}}`)}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 11; i++ {
		p, err := ic.CreatePolicy(Ctx, &awsiam.CreatePolicyInput{PolicyName: aws.String("p" + string(rune('a'+i))),
			PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}`)})
		if err != nil {
			t.Fatal(err)
		}
		_, err = ic.AttachRolePolicy(Ctx, &awsiam.AttachRolePolicyInput{RoleName: aws.String("r"), PolicyArn: p.Policy.Arn})
		if i < 10 && err != nil {
			t.Fatalf("attach %d: %v", i, err)
		}
		if i == 10 {
			if msg := WantCode(t, err, "LimitExceeded"); msg != "Cannot exceed quota for PoliciesPerRole: 10" {
				t.Fatalf("msg %q", msg)
			}
		}
	}
	sum, err := ic.GetAccountSummary(Ctx, &awsiam.GetAccountSummaryInput{})
	if err != nil || sum.SummaryMap["AttachedPoliciesPerRoleQuota"] != 10 || sum.SummaryMap["AttachedPoliciesPerUserQuota"] != 10 {
		t.Fatalf("summary %v %v", sum, err)
	}

	_, err = ic.DeleteAccountPasswordPolicy(Ctx, &awsiam.DeleteAccountPasswordPolicyInput{})
	if msg := WantCode(t, err, "NoSuchEntity"); msg != "The account policy with name PasswordPolicy cannot be found." {
		t.Fatalf("msg %q", msg)
	}
}
