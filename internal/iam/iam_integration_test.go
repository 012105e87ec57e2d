package iam_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	awssts "github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/gatehouse-dev/gatehouse/internal/gatehousetest"
	. "github.com/gatehouse-dev/gatehouse/internal/iam/iamtest"
)

const allowAll = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`

func rootClients(t *testing.T) (*gatehousetest.Server, *awsiam.Client, *awssts.Client) {
	srv := gatehousetest.Start(t)
	return srv, IAM(srv.URL, gatehousetest.AccessKeyID, gatehousetest.SecretAccessKey, ""),
		STS(srv.URL, gatehousetest.AccessKeyID, gatehousetest.SecretAccessKey, "")
}

func TestUsersKeysAndCallerIdentity(t *testing.T) {
	srv, ic, sc := rootClients(t)
	id, err := sc.GetCallerIdentity(Ctx, &awssts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if *id.Arn != "arn:aws:iam::000000000000:root" || *id.UserId != "000000000000" || *id.Account != "000000000000" {
		t.Fatalf("root identity = %s %s %s", *id.Arn, *id.UserId, *id.Account)
	}
	cu, err := ic.CreateUser(Ctx, &awsiam.CreateUserInput{UserName: aws.String("alice"), Path: aws.String("/eng/"),
		Tags: []iamtypes.Tag{{Key: aws.String("team"), Value: aws.String("blue")}}})
	if err != nil {
		t.Fatal(err)
	}
	if *cu.User.Arn != "arn:aws:iam::000000000000:user/eng/alice" || !strings.HasPrefix(*cu.User.UserId, "AIDA") || len(*cu.User.UserId) != 21 {
		t.Fatalf("user = %+v", cu.User)
	}
	_, err = ic.CreateUser(Ctx, &awsiam.CreateUserInput{UserName: aws.String("ALICE")})
	if msg := WantCode(t, err, "EntityAlreadyExists"); msg != "User with name ALICE already exists." {
		t.Fatalf("msg %q", msg)
	}
	_, err = ic.GetUser(Ctx, &awsiam.GetUserInput{UserName: aws.String("nobody")})
	if msg := WantCode(t, err, "NoSuchEntity"); msg != "The user with name nobody cannot be found." {
		t.Fatalf("msg %q", msg)
	}
	_, err = ic.CreateUser(Ctx, &awsiam.CreateUserInput{UserName: aws.String("bad name")})
	WantCode(t, err, "ValidationError")

	k1, err := ic.CreateAccessKey(Ctx, &awsiam.CreateAccessKeyInput{UserName: aws.String("alice")})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(*k1.AccessKey.AccessKeyId, "AKIA") || len(*k1.AccessKey.SecretAccessKey) != 40 {
		t.Fatalf("key = %+v", k1.AccessKey)
	}
	if _, err := ic.CreateAccessKey(Ctx, &awsiam.CreateAccessKeyInput{UserName: aws.String("alice")}); err != nil {
		t.Fatal(err)
	}
	_, err = ic.CreateAccessKey(Ctx, &awsiam.CreateAccessKeyInput{UserName: aws.String("alice")})
	if msg := WantCode(t, err, "LimitExceeded"); msg != "Cannot exceed quota for AccessKeysPerUser: 2" {
		t.Fatalf("msg %q", msg)
	}

	// The new user can authenticate but has no permissions yet.
	aliceIAM := IAM(srv.URL, *k1.AccessKey.AccessKeyId, *k1.AccessKey.SecretAccessKey, "")
	aliceSTS := STS(srv.URL, *k1.AccessKey.AccessKeyId, *k1.AccessKey.SecretAccessKey, "")
	id, err = aliceSTS.GetCallerIdentity(Ctx, &awssts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if *id.Arn != *cu.User.Arn || *id.UserId != *cu.User.UserId {
		t.Fatalf("alice identity = %s %s", *id.Arn, *id.UserId)
	}
	_, err = aliceIAM.CreateUser(Ctx, &awsiam.CreateUserInput{UserName: aws.String("bob")})
	msg := WantCode(t, err, "AccessDenied")
	want := "User: arn:aws:iam::000000000000:user/eng/alice is not authorized to perform: iam:CreateUser on resource: arn:aws:iam::000000000000:user/bob because no identity-based policy allows the iam:CreateUser action"
	if msg != want {
		t.Fatalf("msg\n%q\nwant\n%q", msg, want)
	}
	// A managed policy grants it.
	cp, err := ic.CreatePolicy(Ctx, &awsiam.CreatePolicyInput{PolicyName: aws.String("admin"), PolicyDocument: aws.String(allowAll)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ic.AttachUserPolicy(Ctx, &awsiam.AttachUserPolicyInput{UserName: aws.String("alice"), PolicyArn: cp.Policy.Arn}); err != nil {
		t.Fatal(err)
	}
	if _, err := aliceIAM.CreateUser(Ctx, &awsiam.CreateUserInput{UserName: aws.String("bob")}); err != nil {
		t.Fatal(err)
	}
	gp, err := ic.GetPolicy(Ctx, &awsiam.GetPolicyInput{PolicyArn: cp.Policy.Arn})
	if err != nil || *gp.Policy.AttachmentCount != 1 {
		t.Fatalf("GetPolicy = %+v, %v", gp, err)
	}
	// Inactive keys stop working.
	if _, err := ic.UpdateAccessKey(Ctx, &awsiam.UpdateAccessKeyInput{UserName: aws.String("alice"),
		AccessKeyId: k1.AccessKey.AccessKeyId, Status: iamtypes.StatusTypeInactive}); err != nil {
		t.Fatal(err)
	}
	_, err = aliceSTS.GetCallerIdentity(Ctx, &awssts.GetCallerIdentityInput{})
	WantCode(t, err, "InvalidClientTokenId")

	lk, err := ic.ListAccessKeys(Ctx, &awsiam.ListAccessKeysInput{UserName: aws.String("alice")})
	if err != nil || len(lk.AccessKeyMetadata) != 2 {
		t.Fatalf("ListAccessKeys = %+v, %v", lk, err)
	}
	_, err = ic.DeleteUser(Ctx, &awsiam.DeleteUserInput{UserName: aws.String("alice")})
	WantCode(t, err, "DeleteConflict")

	// Inline policies come back URL-encoded.
	doc := `{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "*"}}`
	if _, err := ic.PutUserPolicy(Ctx, &awsiam.PutUserPolicyInput{UserName: aws.String("bob"), PolicyName: aws.String("inv"), PolicyDocument: aws.String(doc)}); err != nil {
		t.Fatal(err)
	}
	gup, err := ic.GetUserPolicy(Ctx, &awsiam.GetUserPolicyInput{UserName: aws.String("bob"), PolicyName: aws.String("inv")})
	if err != nil {
		t.Fatal(err)
	}
	if dec, _ := url.QueryUnescape(*gup.PolicyDocument); dec != doc || strings.Contains(*gup.PolicyDocument, "+") {
		t.Fatalf("document %q", *gup.PolicyDocument)
	}
	_, err = ic.PutUserPolicy(Ctx, &awsiam.PutUserPolicyInput{UserName: aws.String("bob"), PolicyName: aws.String("bad"), PolicyDocument: aws.String(`{"Statement":`)})
	WantCode(t, err, "MalformedPolicyDocument")
}
