package iam_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/gatehouse-dev/gatehouse/internal/authn"
	"github.com/gatehouse-dev/gatehouse/internal/gatehousetest"
	"github.com/gatehouse-dev/gatehouse/internal/iam"
	. "github.com/gatehouse-dev/gatehouse/internal/iam/iamtest"
	"github.com/gatehouse-dev/gatehouse/internal/policy"
)

// BenchmarkAuthorize is the execute-api hot path: an IAM user with tags,
// an inline and a managed policy, and a request context the caller reuses.
func BenchmarkAuthorize(b *testing.B) {
	srv := gatehousetest.Start(b)
	ic := IAM(srv.URL, gatehousetest.AccessKeyID, gatehousetest.SecretAccessKey, "")
	ic.CreateUser(Ctx, &awsiam.CreateUserInput{UserName: aws.String("caller"), Tags: []iamtypes.Tag{{Key: aws.String("team"), Value: aws.String("a")}}})
	ic.PutUserPolicy(Ctx, &awsiam.PutUserPolicyInput{UserName: aws.String("caller"), PolicyName: aws.String("p"), PolicyDocument: aws.String(
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:us-east-1:000000000000:abc/*/GET/*","Condition":{"StringEquals":{"aws:PrincipalTag/team":"a"}}}]}`)})
	k, _ := ic.CreateAccessKey(Ctx, &awsiam.CreateAccessKeyInput{UserName: aws.String("caller")})
	svc := srv.App.IAM
	cred, err := svc.Authenticator().Resolve(*k.AccessKey.AccessKeyId, "")
	if err != nil {
		b.Fatal(err)
	}
	pr := cred.Identity
	var pc policy.Context
	req := iam.AuthzRequest{Action: "execute-api:Invoke", Resource: "arn:aws:execute-api:us-east-1:000000000000:abc/prod/GET/pets", Context: &pc}
	check := func() {
		pc.Reset()
		pc.Set("aws:SourceIp", "10.0.0.1")
		if d := svc.Authorize(pr.(*authn.Principal), req); d.Effect != policy.Allowed {
			b.Fatalf("decision %+v", d)
		}
	}
	check()
	b.ReportAllocs()
	for b.Loop() {
		check()
	}
}
