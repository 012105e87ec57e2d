package iam_test

import (
	"encoding/base32"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	awssts "github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/gatehouse-dev/gatehouse/internal/gatehousetest"
	. "github.com/gatehouse-dev/gatehouse/internal/iam/iamtest"
)

// testClock is the server's clock: real time plus an offset the test moves
// by whole TOTP steps (30 s, well inside SigV4's 15-minute skew), so that
// a fresh code exists without waiting.
type testClock struct{ ahead atomic.Int64 }

func (c *testClock) now() time.Time { return time.Now().Add(time.Duration(c.ahead.Load())) }
func (c *testClock) step()          { c.ahead.Add(int64(30 * time.Second)) }

// code is what an authenticator app shows at t for seed.
func code(t *testing.T, seed string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCodeCustom(seed, at, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestMFAEndToEnd: a virtual MFA device enabled with two consecutive real
// TOTP codes; a trust policy and an identity policy with a Bool
// aws:MultiFactorAuthPresent condition deny without MFA and allow with a
// current code given to AssumeRole or GetSessionToken; codes are single
// use; a device in use blocks its own and its user's deletion.
func TestMFAEndToEnd(t *testing.T) {
	clk := &testClock{}
	srv := gatehousetest.Start(t, gatehousetest.WithClock(clk.now))
	ic := IAM(srv.URL, gatehousetest.AccessKeyID, gatehousetest.SecretAccessKey, "")

	ic.CreateUser(Ctx, &awsiam.CreateUserInput{UserName: aws.String("bob")})
	k, err := ic.CreateAccessKey(Ctx, &awsiam.CreateAccessKeyInput{UserName: aws.String("bob")})
	if err != nil {
		t.Fatal(err)
	}
	bobSTS := STS(srv.URL, *k.AccessKey.AccessKeyId, *k.AccessKey.SecretAccessKey, "")
	bobIAM := IAM(srv.URL, *k.AccessKey.AccessKeyId, *k.AccessKey.SecretAccessKey, "")
	mfaOnly := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:ListUsers","iam:ListRoles"],"Resource":"*",
		"Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"},"NumericLessThan":{"aws:MultiFactorAuthAge":"3600"}}}]}`
	if _, err := ic.PutUserPolicy(Ctx, &awsiam.PutUserPolicyInput{UserName: aws.String("bob"), PolicyName: aws.String("mfa"), PolicyDocument: aws.String(mfaOnly)}); err != nil {
		t.Fatal(err)
	}
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:user/bob"},"Action":"sts:AssumeRole",
		"Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}]}`
	role, err := ic.CreateRole(Ctx, &awsiam.CreateRoleInput{RoleName: aws.String("admin"), AssumeRolePolicyDocument: aws.String(trust)})
	if err != nil {
		t.Fatal(err)
	}
	ic.PutRolePolicy(Ctx, &awsiam.PutRolePolicyInput{RoleName: aws.String("admin"), PolicyName: aws.String("mfa"), PolicyDocument: aws.String(mfaOnly)})

	dev, err := ic.CreateVirtualMFADevice(Ctx, &awsiam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String("bob-phone")})
	if err != nil {
		t.Fatal(err)
	}
	serial, seed := *dev.VirtualMFADevice.SerialNumber, string(dev.VirtualMFADevice.Base32StringSeed)
	if serial != "arn:aws:iam::000000000000:mfa/bob-phone" || len(seed) != 64 {
		t.Fatalf("device %s seed %q", serial, seed)
	}
	if _, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(seed); err != nil {
		t.Fatalf("seed not base32: %v", err)
	}
	if png := dev.VirtualMFADevice.QRCodePNG; len(png) < 100 || string(png[1:4]) != "PNG" {
		t.Fatalf("QRCodePNG is not a PNG (%d bytes)", len(png))
	}
	_, err = ic.CreateVirtualMFADevice(Ctx, &awsiam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String("bob-phone")})
	WantCode(t, err, "EntityAlreadyExists")

	now := clk.now()
	enable := func(c1, c2 string) error {
		_, err := ic.EnableMFADevice(Ctx, &awsiam.EnableMFADeviceInput{UserName: aws.String("bob"), SerialNumber: aws.String(serial),
			AuthenticationCode1: aws.String(c1), AuthenticationCode2: aws.String(c2)})
		return err
	}
	prev, cur := code(t, seed, now.Add(-30*time.Second)), code(t, seed, now)
	for _, tc := range []struct{ name, c1, c2, code string }{
		{"not consecutive", cur, prev, "InvalidAuthenticationCode"},
		{"same twice", cur, cur, "InvalidAuthenticationCode"},
		{"wrong", "000000", "111111", "InvalidAuthenticationCode"},
		{"not digits", "12345a", cur, "ValidationError"},
		{"short", "12345", cur, "ValidationError"},
	} {
		t.Run("enable "+tc.name, func(t *testing.T) {
			if tc.c1 == tc.c2 && tc.name != "same twice" {
				t.Skip("codes collide this step")
			}
			WantCode(t, enable(tc.c1, tc.c2), tc.code)
		})
	}
	if err := enable(prev, cur); err != nil {
		t.Fatal(err)
	}
	WantCode(t, enable(prev, cur), "EntityAlreadyExists")
	if sum, err := ic.GetAccountSummary(Ctx, &awsiam.GetAccountSummaryInput{}); err != nil || sum.SummaryMap["MFADevicesInUse"] != 1 || sum.SummaryMap["MFADevices"] != 1 {
		t.Fatalf("summary %v %v", sum.SummaryMap, err)
	}

	// Without MFA: the trust policy's condition is not met.
	assume := func(sn, tc *string) (*awssts.AssumeRoleOutput, error) {
		return bobSTS.AssumeRole(Ctx, &awssts.AssumeRoleInput{RoleArn: role.Role.Arn, RoleSessionName: aws.String("sess"), SerialNumber: sn, TokenCode: tc})
	}
	_, err = assume(nil, nil)
	WantCode(t, err, "AccessDenied")
	// The codes used to enable it are spent.
	_, err = assume(aws.String(serial), aws.String(cur))
	if msg := WantCode(t, err, "AccessDenied"); !strings.Contains(msg, "MultiFactorAuthentication failed") {
		t.Fatalf("msg %q", msg)
	}
	clk.step()
	fresh := code(t, seed, clk.now())
	_, err = assume(aws.String("arn:aws:iam::000000000000:mfa/other"), aws.String(fresh))
	WantCode(t, err, "AccessDenied")
	ar, err := assume(aws.String(serial), aws.String(fresh))
	if err != nil {
		t.Fatalf("AssumeRole with MFA: %v", err)
	}
	_, err = assume(aws.String(serial), aws.String(fresh))
	WantCode(t, err, "AccessDenied") // a code is accepted once

	// The role session carries the MFA: the condition allows.
	rc := ar.Credentials
	roleIAM := IAM(srv.URL, *rc.AccessKeyId, *rc.SecretAccessKey, *rc.SessionToken)
	if _, err := roleIAM.ListRoles(Ctx, &awsiam.ListRolesInput{}); err != nil {
		t.Fatalf("role session with MFA: %v", err)
	}

	// Long-term keys carry no MFA: denied.
	_, err = bobIAM.ListUsers(Ctx, &awsiam.ListUsersInput{})
	WantCode(t, err, "AccessDenied")
	// GetSessionToken with MFA: allowed, and the policy sees an age.
	clk.step()
	st, err := bobSTS.GetSessionToken(Ctx, &awssts.GetSessionTokenInput{SerialNumber: aws.String(serial), TokenCode: aws.String(code(t, seed, clk.now()))})
	if err != nil {
		t.Fatal(err)
	}
	sc := st.Credentials
	if _, err := IAM(srv.URL, *sc.AccessKeyId, *sc.SecretAccessKey, *sc.SessionToken).ListUsers(Ctx, &awsiam.ListUsersInput{}); err != nil {
		t.Fatalf("session with MFA: %v", err)
	}
	st, err = bobSTS.GetSessionToken(Ctx, &awssts.GetSessionTokenInput{})
	if err != nil {
		t.Fatal(err)
	}
	sc = st.Credentials
	// IAM refuses GetSessionToken credentials without MFA outright, as AWS
	// does; elsewhere the condition denies.
	_, err = IAM(srv.URL, *sc.AccessKeyId, *sc.SecretAccessKey, *sc.SessionToken).ListUsers(Ctx, &awsiam.ListUsersInput{})
	WantCode(t, err, "InvalidClientTokenId")
	_, err = bobSTS.GetSessionToken(Ctx, &awssts.GetSessionTokenInput{SerialNumber: aws.String(serial)})
	WantCode(t, err, "AccessDenied")
	_, err = bobSTS.GetSessionToken(Ctx, &awssts.GetSessionTokenInput{SerialNumber: aws.String(serial), TokenCode: aws.String("12x456")})
	WantCode(t, err, "ValidationError")

	// Listings.
	lm, err := ic.ListMFADevices(Ctx, &awsiam.ListMFADevicesInput{UserName: aws.String("bob")})
	if err != nil || len(lm.MFADevices) != 1 || *lm.MFADevices[0].SerialNumber != serial || *lm.MFADevices[0].UserName != "bob" {
		t.Fatalf("ListMFADevices %+v %v", lm, err)
	}
	lv, err := ic.ListVirtualMFADevices(Ctx, &awsiam.ListVirtualMFADevicesInput{AssignmentStatus: "Assigned"})
	if err != nil || len(lv.VirtualMFADevices) != 1 || lv.VirtualMFADevices[0].User == nil || *lv.VirtualMFADevices[0].User.UserName != "bob" {
		t.Fatalf("ListVirtualMFADevices %+v %v", lv, err)
	}
	lv, err = ic.ListVirtualMFADevices(Ctx, &awsiam.ListVirtualMFADevicesInput{AssignmentStatus: "Unassigned"})
	if err != nil || len(lv.VirtualMFADevices) != 0 {
		t.Fatalf("unassigned %+v %v", lv, err)
	}

	// Resync with two later consecutive codes.
	clk.step()
	clk.step()
	n := clk.now()
	if _, err := ic.ResyncMFADevice(Ctx, &awsiam.ResyncMFADeviceInput{UserName: aws.String("bob"), SerialNumber: aws.String(serial),
		AuthenticationCode1: aws.String(code(t, seed, n.Add(-30*time.Second))), AuthenticationCode2: aws.String(code(t, seed, n))}); err != nil {
		t.Fatalf("resync: %v", err)
	}

	// In use: neither the device nor its user can be deleted.
	_, err = ic.DeleteVirtualMFADevice(Ctx, &awsiam.DeleteVirtualMFADeviceInput{SerialNumber: aws.String(serial)})
	WantCode(t, err, "DeleteConflict")
	ic.DeleteUserPolicy(Ctx, &awsiam.DeleteUserPolicyInput{UserName: aws.String("bob"), PolicyName: aws.String("mfa")})
	ic.DeleteAccessKey(Ctx, &awsiam.DeleteAccessKeyInput{UserName: aws.String("bob"), AccessKeyId: k.AccessKey.AccessKeyId})
	_, err = ic.DeleteUser(Ctx, &awsiam.DeleteUserInput{UserName: aws.String("bob")})
	WantCode(t, err, "DeleteConflict")
	if _, err := ic.DeactivateMFADevice(Ctx, &awsiam.DeactivateMFADeviceInput{UserName: aws.String("bob"), SerialNumber: aws.String(serial)}); err != nil {
		t.Fatal(err)
	}
	_, err = ic.DeactivateMFADevice(Ctx, &awsiam.DeactivateMFADeviceInput{UserName: aws.String("bob"), SerialNumber: aws.String(serial)})
	WantCode(t, err, "NoSuchEntity")
	if _, err := ic.DeleteVirtualMFADevice(Ctx, &awsiam.DeleteVirtualMFADeviceInput{SerialNumber: aws.String(serial)}); err != nil {
		t.Fatal(err)
	}
	if _, err := ic.DeleteUser(Ctx, &awsiam.DeleteUserInput{UserName: aws.String("bob")}); err != nil {
		t.Fatal(err)
	}
	_, err = ic.DeleteVirtualMFADevice(Ctx, &awsiam.DeleteVirtualMFADeviceInput{SerialNumber: aws.String(serial)})
	WantCode(t, err, "NoSuchEntity")
}
