package iam_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/gatehouse-dev/gatehouse/internal/gatehousetest"
	"github.com/gatehouse-dev/gatehouse/internal/iam/iamtest"
)

// TestListPathPrefixResource: a List* call is authorized on the directory
// its PathPrefix lists from, so a prefix cut inside a name ("/secret"
// lists /secret/...) is no way around a Deny on user/secret/* (issue #12
// item 4), and a PathPrefix off AWS's pattern is a ValidationError.
func TestListPathPrefixResource(t *testing.T) {
	s := gatehousetest.Start(t)
	ctx := context.Background()
	root := iamtest.IAM(s.URL, gatehousetest.AccessKeyID, gatehousetest.SecretAccessKey, "")
	for _, u := range []struct{ name, path string }{{"hidden", "/secret/"}, {"lister", "/"}} {
		if _, err := root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(u.name), Path: aws.String(u.path)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := root.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("lister"), PolicyName: aws.String("p"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[
			{"Effect":"Allow","Action":["iam:ListUsers","iam:ListGroups","iam:ListRoles"],"Resource":["arn:aws:iam::000000000000:user/s*","arn:aws:iam::000000000000:group/s*"]},
			{"Effect":"Deny","Action":["iam:ListUsers","iam:ListGroups"],"Resource":["arn:aws:iam::000000000000:user/secret/*","arn:aws:iam::000000000000:group/secret/*"]}]}`)}); err != nil {
		t.Fatal(err)
	}
	k, err := root.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("lister")})
	if err != nil {
		t.Fatal(err)
	}
	lister := iamtest.IAM(s.URL, *k.AccessKey.AccessKeyId, *k.AccessKey.SecretAccessKey, "")
	for _, prefix := range []string{"/secret/", "/secret", "/s", "/secret/x"} {
		t.Run("ListUsers "+prefix, func(t *testing.T) {
			out, err := lister.ListUsers(ctx, &iam.ListUsersInput{PathPrefix: aws.String(prefix)})
			if err == nil {
				t.Fatalf("listed %d users under %s", len(out.Users), prefix)
			}
			if msg := iamtest.WantCode(t, err, "AccessDenied"); !strings.Contains(msg, "on resource: arn:aws:iam::000000000000:user/") {
				t.Errorf("message %q", msg)
			}
		})
		t.Run("ListGroups "+prefix, func(t *testing.T) {
			if _, err := lister.ListGroups(ctx, &iam.ListGroupsInput{PathPrefix: aws.String(prefix)}); err == nil {
				t.Fatalf("listed groups under %s", prefix)
			}
		})
	}
	_, err = root.ListUsers(ctx, &iam.ListUsersInput{PathPrefix: aws.String("secret/")})
	iamtest.WantCode(t, err, "ValidationError")
	// The directory form keeps working for the root.
	out, err := root.ListUsers(ctx, &iam.ListUsersInput{PathPrefix: aws.String("/secret")})
	if err != nil || len(out.Users) != 1 || *out.Users[0].UserName != "hidden" {
		t.Fatalf("root ListUsers /secret: %v %+v", err, out)
	}
}
