package lambda_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

// TestPassRoleSeesTheRoleTags: iam:PassRole asked by Lambda on
// CreateFunction carries the passed role's tags as iam:ResourceTag/<key>
// (and aws:ResourceTag/<key>), as IAM's own operations on the role do, so
// the common guard rail "pass only roles tagged for your team" works.
func TestPassRoleSeesTheRoleTags(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	mk := func(name, team string) string {
		out, err := e.ic.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(trustLambda),
			Tags: []iamtypes.Tag{{Key: aws.String("team"), Value: aws.String(team)}}})
		if err != nil {
			t.Fatal(err)
		}
		return *out.Role.Arn
	}
	ours, theirs := mk("ours", "blue"), mk("theirs", "red")
	if _, err := e.ic.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("dev")}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.ic.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("dev"), PolicyName: aws.String("p"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[
			{"Effect":"Allow","Action":"lambda:CreateFunction","Resource":"*"},
			{"Effect":"Allow","Action":"iam:PassRole","Resource":"*","Condition":{"StringEquals":{"iam:ResourceTag/team":"blue","aws:ResourceTag/team":"blue"}}}]}`)}); err != nil {
		t.Fatal(err)
	}
	k, err := e.ic.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("dev")})
	if err != nil {
		t.Fatal(err)
	}
	cfg := awsConfig(e.url, *k.AccessKey.AccessKeyId, *k.AccessKey.SecretAccessKey, "")
	cfg.Credentials = credentials.NewStaticCredentialsProvider(*k.AccessKey.AccessKeyId, *k.AccessKey.SecretAccessKey, "")
	dev := lambda.NewFromConfig(cfg)
	create := func(name, role string) error {
		_, err := dev.CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String(name), Role: aws.String(role),
			Runtime: types.RuntimeNodejs20x, Handler: aws.String("index.handler"), Code: &types.FunctionCode{ZipFile: nodeZip(t, "hello")}})
		return err
	}
	if err := create("blue-fn", ours); err != nil {
		t.Fatalf("passing the team's role: %v", err)
	}
	err = create("red-fn", theirs)
	if err == nil || !strings.Contains(err.Error(), "iam:PassRole on resource: "+theirs) {
		t.Fatalf("passing another team's role: got %v, want AccessDenied for iam:PassRole", err)
	}
}
