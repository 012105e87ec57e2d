package iam_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	awssts "github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/gatehouse-dev/gatehouse/internal/gatehousetest"
	. "github.com/gatehouse-dev/gatehouse/internal/iam/iamtest"
)

// TestAccessAdvisor: after a role session used IAM (and not Lambda), the
// report shows IAM last accessed by the role and Lambda never; the
// policies granting each service are listed.
func TestAccessAdvisor(t *testing.T) {
	srv, ic, _ := rootClients(t)
	ic.CreateUser(Ctx, &awsiam.CreateUserInput{UserName: aws.String("ops")})
	k, _ := ic.CreateAccessKey(Ctx, &awsiam.CreateAccessKeyInput{UserName: aws.String("ops")})
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:user/ops"},"Action":"sts:AssumeRole"}]}`
	role, err := ic.CreateRole(Ctx, &awsiam.CreateRoleInput{RoleName: aws.String("worker"), AssumeRolePolicyDocument: aws.String(trust)})
	if err != nil {
		t.Fatal(err)
	}
	ic.PutRolePolicy(Ctx, &awsiam.PutRolePolicyInput{RoleName: aws.String("worker"), PolicyName: aws.String("iam-read"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:List*"],"Resource":"*"}]}`)})
	if _, err := ic.AttachRolePolicy(Ctx, &awsiam.AttachRolePolicyInput{RoleName: aws.String("worker"), PolicyArn: aws.String("arn:aws:iam::aws:policy/AWSLambda_ReadOnlyAccess")}); err != nil {
		t.Fatal(err)
	}
	ar, err := STS(srv.URL, *k.AccessKey.AccessKeyId, *k.AccessKey.SecretAccessKey, "").AssumeRole(Ctx,
		&awssts.AssumeRoleInput{RoleArn: role.Role.Arn, RoleSessionName: aws.String("job")})
	if err != nil {
		t.Fatal(err)
	}
	c := ar.Credentials
	if _, err := IAM(srv.URL, *c.AccessKeyId, *c.SecretAccessKey, *c.SessionToken).ListRoles(Ctx, &awsiam.ListRolesInput{}); err != nil {
		t.Fatal(err)
	}
	g, err := ic.GenerateServiceLastAccessedDetails(Ctx, &awsiam.GenerateServiceLastAccessedDetailsInput{Arn: role.Role.Arn})
	if err != nil {
		t.Fatal(err)
	}
	d, err := ic.GetServiceLastAccessedDetails(Ctx, &awsiam.GetServiceLastAccessedDetailsInput{JobId: g.JobId})
	if err != nil || d.JobStatus != "COMPLETED" {
		t.Fatalf("details %+v %v", d, err)
	}
	seen := map[string]bool{}
	for _, s := range d.ServicesLastAccessed {
		seen[*s.ServiceNamespace] = true
		switch *s.ServiceNamespace {
		case "iam":
			if s.LastAuthenticated == nil || *s.LastAuthenticatedEntity != *role.Role.Arn || *s.TotalAuthenticatedEntities != 1 ||
				*s.LastAuthenticatedRegion != gatehousetest.Region && *s.LastAuthenticatedRegion != "us-west-2" {
				t.Errorf("iam: %+v", s)
			}
		default:
			if s.LastAuthenticated != nil {
				t.Errorf("%s accessed: %+v", *s.ServiceNamespace, s)
			}
		}
	}
	if !seen["iam"] || !seen["lambda"] {
		t.Fatalf("services %v", seen)
	}
	we, err := ic.GetServiceLastAccessedDetailsWithEntities(Ctx, &awsiam.GetServiceLastAccessedDetailsWithEntitiesInput{JobId: g.JobId, ServiceNamespace: aws.String("iam")})
	if err != nil || len(we.EntityDetailsList) != 1 || we.EntityDetailsList[0].LastAuthenticated == nil {
		t.Fatalf("with entities %+v %v", we, err)
	}
	lp, err := ic.ListPoliciesGrantingServiceAccess(Ctx, &awsiam.ListPoliciesGrantingServiceAccessInput{Arn: role.Role.Arn, ServiceNamespaces: []string{"iam", "lambda"}})
	if err != nil || len(lp.PoliciesGrantingServiceAccess) != 2 {
		t.Fatalf("granting %+v %v", lp, err)
	}
	// AWSLambda_ReadOnlyAccess grants some iam: reads too.
	if p := lp.PoliciesGrantingServiceAccess[0].Policies; len(p) != 2 || *p[0].PolicyName != "iam-read" || p[0].PolicyType != "INLINE" {
		t.Fatalf("iam granted by %+v", p)
	}
	if p := lp.PoliciesGrantingServiceAccess[1].Policies; len(p) != 1 || *p[0].PolicyName != "AWSLambda_ReadOnlyAccess" {
		t.Fatalf("lambda granted by %+v", p)
	}
	_, err = ic.GetServiceLastAccessedDetails(Ctx, &awsiam.GetServiceLastAccessedDetailsInput{JobId: aws.String("00000000-0000-4000-8000-000000000000")})
	WantCode(t, err, "NoSuchEntity")
}
