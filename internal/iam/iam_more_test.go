package iam_test

import (
	"fmt"
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

const invokeOnly = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"*"}]}`

func TestGroupsAndPagination(t *testing.T) {
	_, ic, _ := rootClients(t)
	for i := 0; i < 5; i++ {
		if _, err := ic.CreateUser(Ctx, &awsiam.CreateUserInput{UserName: aws.String(fmt.Sprintf("u%d", i))}); err != nil {
			t.Fatal(err)
		}
	}
	var names []string
	var marker *string
	pages := 0
	for {
		out, err := ic.ListUsers(Ctx, &awsiam.ListUsersInput{MaxItems: aws.Int32(2), Marker: marker})
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, u := range out.Users {
			names = append(names, *u.UserName)
		}
		if !out.IsTruncated {
			break
		}
		marker = out.Marker
	}
	if pages != 3 || strings.Join(names, ",") != "u0,u1,u2,u3,u4" {
		t.Fatalf("pages %d names %v", pages, names)
	}
	_, err := ic.ListUsers(Ctx, &awsiam.ListUsersInput{Marker: aws.String("bogus")})
	WantCode(t, err, "ValidationError")

	if _, err := ic.CreateGroup(Ctx, &awsiam.CreateGroupInput{GroupName: aws.String("devs")}); err != nil {
		t.Fatal(err)
	}
	_, err = ic.CreateGroup(Ctx, &awsiam.CreateGroupInput{GroupName: aws.String("DEVS")})
	WantCode(t, err, "EntityAlreadyExists")
	if _, err := ic.AddUserToGroup(Ctx, &awsiam.AddUserToGroupInput{GroupName: aws.String("devs"), UserName: aws.String("u1")}); err != nil {
		t.Fatal(err)
	}
	g, err := ic.GetGroup(Ctx, &awsiam.GetGroupInput{GroupName: aws.String("devs")})
	if err != nil || len(g.Users) != 1 || *g.Users[0].UserName != "u1" || !strings.HasPrefix(*g.Group.GroupId, "AGPA") {
		t.Fatalf("GetGroup %+v %v", g, err)
	}
	lg, err := ic.ListGroupsForUser(Ctx, &awsiam.ListGroupsForUserInput{UserName: aws.String("u1")})
	if err != nil || len(lg.Groups) != 1 {
		t.Fatalf("ListGroupsForUser %+v %v", lg, err)
	}
	_, err = ic.DeleteGroup(Ctx, &awsiam.DeleteGroupInput{GroupName: aws.String("devs")})
	WantCode(t, err, "DeleteConflict")
	if _, err := ic.PutGroupPolicy(Ctx, &awsiam.PutGroupPolicyInput{GroupName: aws.String("devs"), PolicyName: aws.String("p"), PolicyDocument: aws.String(invokeOnly)}); err != nil {
		t.Fatal(err)
	}
	lp, err := ic.ListGroupPolicies(Ctx, &awsiam.ListGroupPoliciesInput{GroupName: aws.String("devs")})
	if err != nil || len(lp.PolicyNames) != 1 || lp.PolicyNames[0] != "p" {
		t.Fatalf("ListGroupPolicies %+v %v", lp, err)
	}
	// The group's policy reaches the member (simulated).
	sim, err := ic.SimulatePrincipalPolicy(Ctx, &awsiam.SimulatePrincipalPolicyInput{
		PolicySourceArn: aws.String("arn:aws:iam::000000000000:user/u1"), ActionNames: []string{"execute-api:Invoke", "iam:ListUsers"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(sim.EvaluationResults) != 2 || sim.EvaluationResults[0].EvalDecision != iamtypes.PolicyEvaluationDecisionTypeAllowed ||
		sim.EvaluationResults[1].EvalDecision != iamtypes.PolicyEvaluationDecisionTypeImplicitDeny {
		t.Fatalf("simulate %+v", sim.EvaluationResults)
	}
	ms := sim.EvaluationResults[0].MatchedStatements
	if len(ms) != 1 || *ms[0].SourcePolicyId != "p" || ms[0].SourcePolicyType != iamtypes.PolicySourceTypeGroup || ms[0].StartPosition.Line != 1 {
		t.Fatalf("matched %+v", ms)
	}
	if _, err := ic.RemoveUserFromGroup(Ctx, &awsiam.RemoveUserFromGroupInput{GroupName: aws.String("devs"), UserName: aws.String("u1")}); err != nil {
		t.Fatal(err)
	}
	ic.DeleteGroupPolicy(Ctx, &awsiam.DeleteGroupPolicyInput{GroupName: aws.String("devs"), PolicyName: aws.String("p")})
	if _, err := ic.DeleteGroup(Ctx, &awsiam.DeleteGroupInput{GroupName: aws.String("devs")}); err != nil {
		t.Fatal(err)
	}
}

func TestSimulateCustomPolicy(t *testing.T) {
	_, ic, _ := rootClients(t)
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}},` +
		`{"Effect":"Deny","Action":"s3:GetObject","Resource":"arn:aws:s3:::secret/*"}]}`
	out, err := ic.SimulateCustomPolicy(Ctx, &awsiam.SimulateCustomPolicyInput{PolicyInputList: []string{doc}, ActionNames: []string{"s3:GetObject"},
		ResourceArns:   []string{"arn:aws:s3:::public/a", "arn:aws:s3:::secret/b"},
		ContextEntries: []iamtypes.ContextEntry{{ContextKeyName: aws.String("aws:SourceIp"), ContextKeyType: iamtypes.ContextKeyTypeEnumIp, ContextKeyValues: []string{"10.1.2.3"}}}})
	if err != nil {
		t.Fatal(err)
	}
	r := out.EvaluationResults
	if len(r) != 2 || r[0].EvalDecision != "allowed" || r[1].EvalDecision != "explicitDeny" {
		t.Fatalf("results %+v", r)
	}
	if len(r[1].MatchedStatements) != 1 || *r[1].MatchedStatements[0].SourcePolicyId != "PolicyInputList.1" {
		t.Fatalf("deny statements %+v", r[1].MatchedStatements)
	}
	out, err = ic.SimulateCustomPolicy(Ctx, &awsiam.SimulateCustomPolicyInput{PolicyInputList: []string{doc}, ActionNames: []string{"s3:GetObject"}})
	if err != nil {
		t.Fatal(err)
	}
	if r := out.EvaluationResults[0]; r.EvalDecision != "implicitDeny" || len(r.MissingContextValues) != 1 || r.MissingContextValues[0] != "aws:SourceIp" {
		t.Fatalf("missing %+v", r)
	}
	_, err = ic.SimulateCustomPolicy(Ctx, &awsiam.SimulateCustomPolicyInput{PolicyInputList: []string{`{`}, ActionNames: []string{"s3:GetObject"}})
	WantCode(t, err, "MalformedPolicyDocument")
}

func TestPolicyVersionsAndBoundaries(t *testing.T) {
	srv, ic, _ := rootClients(t)
	p, err := ic.CreatePolicy(Ctx, &awsiam.CreatePolicyInput{PolicyName: aws.String("p"), Path: aws.String("/team/"), PolicyDocument: aws.String(invokeOnly)})
	if err != nil {
		t.Fatal(err)
	}
	if *p.Policy.Arn != "arn:aws:iam::000000000000:policy/team/p" || *p.Policy.DefaultVersionId != "v1" || !strings.HasPrefix(*p.Policy.PolicyId, "ANPA") {
		t.Fatalf("policy %+v", p.Policy)
	}
	_, err = ic.CreatePolicy(Ctx, &awsiam.CreatePolicyInput{PolicyName: aws.String("P"), PolicyDocument: aws.String(invokeOnly)})
	WantCode(t, err, "EntityAlreadyExists")
	_, err = ic.CreatePolicy(Ctx, &awsiam.CreatePolicyInput{PolicyName: aws.String("old"), PolicyDocument: aws.String(`{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`)})
	WantCode(t, err, "MalformedPolicyDocument")
	for i := 2; i <= 5; i++ {
		v, err := ic.CreatePolicyVersion(Ctx, &awsiam.CreatePolicyVersionInput{PolicyArn: p.Policy.Arn, PolicyDocument: aws.String(allowAll), SetAsDefault: i == 5})
		if err != nil || *v.PolicyVersion.VersionId != fmt.Sprintf("v%d", i) || v.PolicyVersion.Document != nil {
			t.Fatalf("version %d: %+v %v", i, v, err)
		}
	}
	_, err = ic.CreatePolicyVersion(Ctx, &awsiam.CreatePolicyVersionInput{PolicyArn: p.Policy.Arn, PolicyDocument: aws.String(allowAll)})
	WantCode(t, err, "LimitExceeded")
	_, err = ic.DeletePolicyVersion(Ctx, &awsiam.DeletePolicyVersionInput{PolicyArn: p.Policy.Arn, VersionId: aws.String("v5")})
	WantCode(t, err, "DeleteConflict")
	if _, err := ic.DeletePolicyVersion(Ctx, &awsiam.DeletePolicyVersionInput{PolicyArn: p.Policy.Arn, VersionId: aws.String("v2")}); err != nil {
		t.Fatal(err)
	}
	v6, err := ic.CreatePolicyVersion(Ctx, &awsiam.CreatePolicyVersionInput{PolicyArn: p.Policy.Arn, PolicyDocument: aws.String(invokeOnly)})
	if err != nil || *v6.PolicyVersion.VersionId != "v6" {
		t.Fatalf("v6 %+v %v", v6, err)
	}
	gv, err := ic.GetPolicyVersion(Ctx, &awsiam.GetPolicyVersionInput{PolicyArn: p.Policy.Arn, VersionId: aws.String("v5")})
	if err != nil || !gv.PolicyVersion.IsDefaultVersion {
		t.Fatalf("v5 %+v %v", gv, err)
	}
	if d, _ := url.QueryUnescape(*gv.PolicyVersion.Document); d != allowAll {
		t.Fatalf("doc %q", *gv.PolicyVersion.Document)
	}
	_, err = ic.GetPolicy(Ctx, &awsiam.GetPolicyInput{PolicyArn: aws.String("arn:aws:iam::000000000000:policy/none")})
	WantCode(t, err, "NoSuchEntity")

	// A boundary caps an admin user at execute-api:Invoke.
	bound, err := ic.CreatePolicy(Ctx, &awsiam.CreatePolicyInput{PolicyName: aws.String("bound"), PolicyDocument: aws.String(invokeOnly)})
	if err != nil {
		t.Fatal(err)
	}
	u, err := ic.CreateUser(Ctx, &awsiam.CreateUserInput{UserName: aws.String("capped"), PermissionsBoundary: bound.Policy.Arn})
	if err != nil || u.User.PermissionsBoundary == nil || *u.User.PermissionsBoundary.PermissionsBoundaryArn != *bound.Policy.Arn ||
		u.User.PermissionsBoundary.PermissionsBoundaryType != "Policy" {
		t.Fatalf("user %+v %v", u, err)
	}
	ic.PutUserPolicy(Ctx, &awsiam.PutUserPolicyInput{UserName: aws.String("capped"), PolicyName: aws.String("all"), PolicyDocument: aws.String(allowAll)})
	k, _ := ic.CreateAccessKey(Ctx, &awsiam.CreateAccessKeyInput{UserName: aws.String("capped")})
	capped := IAM(srv.URL, *k.AccessKey.AccessKeyId, *k.AccessKey.SecretAccessKey, "")
	_, err = capped.ListUsers(Ctx, &awsiam.ListUsersInput{})
	if msg := WantCode(t, err, "AccessDenied"); !strings.HasSuffix(msg, "because no permissions boundary allows the iam:ListUsers action") {
		t.Fatalf("msg %q", msg)
	}
	gb, _ := ic.GetPolicy(Ctx, &awsiam.GetPolicyInput{PolicyArn: bound.Policy.Arn})
	if *gb.Policy.PermissionsBoundaryUsageCount != 1 {
		t.Fatalf("usage %d", *gb.Policy.PermissionsBoundaryUsageCount)
	}
	_, err = ic.DeletePolicy(Ctx, &awsiam.DeletePolicyInput{PolicyArn: bound.Policy.Arn})
	WantCode(t, err, "DeleteConflict")
	if _, err := ic.DeleteUserPermissionsBoundary(Ctx, &awsiam.DeleteUserPermissionsBoundaryInput{UserName: aws.String("capped")}); err != nil {
		t.Fatal(err)
	}
	if _, err := capped.ListUsers(Ctx, &awsiam.ListUsersInput{}); err != nil {
		t.Fatal(err)
	}
	if _, err := ic.DeletePolicy(Ctx, &awsiam.DeletePolicyInput{PolicyArn: bound.Policy.Arn}); err != nil {
		t.Fatal(err)
	}
}

func TestRolesAndTags(t *testing.T) {
	_, ic, _ := rootClients(t)
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	r, err := ic.CreateRole(Ctx, &awsiam.CreateRoleInput{RoleName: aws.String("fn"), Path: aws.String("/svc/"), AssumeRolePolicyDocument: aws.String(trust),
		Description: aws.String("d"), Tags: []iamtypes.Tag{{Key: aws.String("env"), Value: aws.String("dev")}}})
	if err != nil {
		t.Fatal(err)
	}
	if *r.Role.Arn != "arn:aws:iam::000000000000:role/svc/fn" || !strings.HasPrefix(*r.Role.RoleId, "AROA") || len(*r.Role.RoleId) != 21 {
		t.Fatalf("role %+v", r.Role)
	}
	if d, _ := url.QueryUnescape(*r.Role.AssumeRolePolicyDocument); d != trust {
		t.Fatalf("trust %q", *r.Role.AssumeRolePolicyDocument)
	}
	_, err = ic.CreateRole(Ctx, &awsiam.CreateRoleInput{RoleName: aws.String("x"), AssumeRolePolicyDocument: aws.String(
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:user/ghost"},"Action":"sts:AssumeRole"}]}`)})
	WantCode(t, err, "MalformedPolicyDocument")
	if _, err := ic.UpdateRole(Ctx, &awsiam.UpdateRoleInput{RoleName: aws.String("fn"), MaxSessionDuration: aws.Int32(7200)}); err != nil {
		t.Fatal(err)
	}
	g, err := ic.GetRole(Ctx, &awsiam.GetRoleInput{RoleName: aws.String("FN")})
	if err != nil || *g.Role.MaxSessionDuration != 7200 || len(g.Role.Tags) != 1 {
		t.Fatalf("get %+v %v", g, err)
	}
	ic.TagRole(Ctx, &awsiam.TagRoleInput{RoleName: aws.String("fn"), Tags: []iamtypes.Tag{{Key: aws.String("ENV"), Value: aws.String("prod")}, {Key: aws.String("a"), Value: aws.String("b")}}})
	tags, err := ic.ListRoleTags(Ctx, &awsiam.ListRoleTagsInput{RoleName: aws.String("fn")})
	if err != nil || len(tags.Tags) != 2 || *tags.Tags[0].Value != "prod" {
		t.Fatalf("tags %+v %v", tags, err)
	}
	ic.UntagRole(Ctx, &awsiam.UntagRoleInput{RoleName: aws.String("fn"), TagKeys: []string{"a"}})
	tags, _ = ic.ListRoleTags(Ctx, &awsiam.ListRoleTagsInput{RoleName: aws.String("fn")})
	if len(tags.Tags) != 1 {
		t.Fatalf("tags after untag %+v", tags.Tags)
	}
	pol, _ := ic.CreatePolicy(Ctx, &awsiam.CreatePolicyInput{PolicyName: aws.String("p"), PolicyDocument: aws.String(invokeOnly)})
	if _, err := ic.AttachRolePolicy(Ctx, &awsiam.AttachRolePolicyInput{RoleName: aws.String("fn"), PolicyArn: pol.Policy.Arn}); err != nil {
		t.Fatal(err)
	}
	la, err := ic.ListAttachedRolePolicies(Ctx, &awsiam.ListAttachedRolePoliciesInput{RoleName: aws.String("fn")})
	if err != nil || len(la.AttachedPolicies) != 1 || *la.AttachedPolicies[0].PolicyName != "p" {
		t.Fatalf("attached %+v %v", la, err)
	}
	_, err = ic.DeleteRole(Ctx, &awsiam.DeleteRoleInput{RoleName: aws.String("fn")})
	WantCode(t, err, "DeleteConflict")
	_, err = ic.AttachRolePolicy(Ctx, &awsiam.AttachRolePolicyInput{RoleName: aws.String("fn"), PolicyArn: aws.String("arn:aws:iam::000000000000:policy/none")})
	WantCode(t, err, "NoSuchEntity")
	ic.DetachRolePolicy(Ctx, &awsiam.DetachRolePolicyInput{RoleName: aws.String("fn"), PolicyArn: pol.Policy.Arn})
	_, err = ic.DetachRolePolicy(Ctx, &awsiam.DetachRolePolicyInput{RoleName: aws.String("fn"), PolicyArn: pol.Policy.Arn})
	WantCode(t, err, "NoSuchEntity")
	if _, err := ic.DeleteRole(Ctx, &awsiam.DeleteRoleInput{RoleName: aws.String("fn")}); err != nil {
		t.Fatal(err)
	}
	_, err = ic.GetRole(Ctx, &awsiam.GetRoleInput{RoleName: aws.String("fn")})
	if msg := WantCode(t, err, "NoSuchEntity"); msg != "The role with name fn cannot be found." {
		t.Fatalf("msg %q", msg)
	}
}

func TestAuthErrors(t *testing.T) {
	srv := gatehousetest.Start(t)
	_, err := IAM(srv.URL, "AKIAUNKNOWNKEY000000", "x", "").ListUsers(Ctx, &awsiam.ListUsersInput{})
	if msg := WantCode(t, err, "InvalidClientTokenId"); msg != "The security token included in the request is invalid." {
		t.Fatalf("msg %q", msg)
	}
	_, err = IAM(srv.URL, gatehousetest.AccessKeyID, "wrongwrongwrongwrongwrongwrongwrongwrong", "").ListUsers(Ctx, &awsiam.ListUsersInput{})
	WantCode(t, err, "SignatureDoesNotMatch")
	_, err = STS(srv.URL, "ASIAUNKNOWNKEY000000", "x", "garbage-token-garbage-token-garbage-token-garbage").GetCallerIdentity(Ctx, &awssts.GetCallerIdentityInput{})
	WantCode(t, err, "InvalidClientTokenId")
}

func TestEntitiesAndSummary(t *testing.T) {
	_, ic, _ := rootClients(t)
	p, _ := ic.CreatePolicy(Ctx, &awsiam.CreatePolicyInput{PolicyName: aws.String("p"), PolicyDocument: aws.String(invokeOnly)})
	ic.CreateUser(Ctx, &awsiam.CreateUserInput{UserName: aws.String("u")})
	ic.CreateGroup(Ctx, &awsiam.CreateGroupInput{GroupName: aws.String("g")})
	ic.AttachUserPolicy(Ctx, &awsiam.AttachUserPolicyInput{UserName: aws.String("u"), PolicyArn: p.Policy.Arn})
	ic.AttachGroupPolicy(Ctx, &awsiam.AttachGroupPolicyInput{GroupName: aws.String("g"), PolicyArn: p.Policy.Arn})
	e, err := ic.ListEntitiesForPolicy(Ctx, &awsiam.ListEntitiesForPolicyInput{PolicyArn: p.Policy.Arn})
	if err != nil || len(e.PolicyUsers) != 1 || len(e.PolicyGroups) != 1 || len(e.PolicyRoles) != 0 || *e.PolicyUsers[0].UserName != "u" {
		t.Fatalf("entities %+v %v", e, err)
	}
	s, err := ic.GetAccountSummary(Ctx, &awsiam.GetAccountSummaryInput{})
	if err != nil || s.SummaryMap["Users"] != 1 || s.SummaryMap["Groups"] != 1 || s.SummaryMap["Policies"] != 1 || s.SummaryMap["AccessKeysPerUserQuota"] != 2 {
		t.Fatalf("summary %+v %v", s, err)
	}
}

func TestGetContextKeys(t *testing.T) {
	_, ic, _ := rootClients(t)
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/${aws:username}/*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"},"StringEquals":{"aws:PrincipalTag/team":"a"}}}]}`
	out, err := ic.GetContextKeysForCustomPolicy(Ctx, &awsiam.GetContextKeysForCustomPolicyInput{PolicyInputList: []string{doc}})
	if err != nil || strings.Join(out.ContextKeyNames, ",") != "aws:PrincipalTag/team,aws:SourceIp,aws:username" {
		t.Fatalf("keys %v %v", out, err)
	}
	ic.CreateUser(Ctx, &awsiam.CreateUserInput{UserName: aws.String("k")})
	ic.PutUserPolicy(Ctx, &awsiam.PutUserPolicyInput{UserName: aws.String("k"), PolicyName: aws.String("p"), PolicyDocument: aws.String(doc)})
	pout, err := ic.GetContextKeysForPrincipalPolicy(Ctx, &awsiam.GetContextKeysForPrincipalPolicyInput{PolicySourceArn: aws.String("arn:aws:iam::000000000000:user/k")})
	if err != nil || len(pout.ContextKeyNames) != 3 {
		t.Fatalf("principal keys %v %v", pout, err)
	}
}

func TestAuthorizationDetailsAndPolicyTags(t *testing.T) {
	_, ic, _ := rootClients(t)
	p, _ := ic.CreatePolicy(Ctx, &awsiam.CreatePolicyInput{PolicyName: aws.String("p"), PolicyDocument: aws.String(invokeOnly)})
	ic.CreateUser(Ctx, &awsiam.CreateUserInput{UserName: aws.String("u")})
	ic.AttachUserPolicy(Ctx, &awsiam.AttachUserPolicyInput{UserName: aws.String("u"), PolicyArn: p.Policy.Arn})
	ic.PutUserPolicy(Ctx, &awsiam.PutUserPolicyInput{UserName: aws.String("u"), PolicyName: aws.String("in"), PolicyDocument: aws.String(invokeOnly)})
	d, err := ic.GetAccountAuthorizationDetails(Ctx, &awsiam.GetAccountAuthorizationDetailsInput{})
	if err != nil || len(d.UserDetailList) != 1 || len(d.Policies) != 1 || len(d.UserDetailList[0].AttachedManagedPolicies) != 1 ||
		len(d.UserDetailList[0].UserPolicyList) != 1 || len(d.Policies[0].PolicyVersionList) != 1 {
		t.Fatalf("details %+v %v", d, err)
	}
	if _, err := ic.TagPolicy(Ctx, &awsiam.TagPolicyInput{PolicyArn: p.Policy.Arn, Tags: []iamtypes.Tag{{Key: aws.String("k"), Value: aws.String("v")}}}); err != nil {
		t.Fatal(err)
	}
	lt, err := ic.ListPolicyTags(Ctx, &awsiam.ListPolicyTagsInput{PolicyArn: p.Policy.Arn})
	if err != nil || len(lt.Tags) != 1 {
		t.Fatalf("tags %+v %v", lt, err)
	}
}

func TestSimulatePagination(t *testing.T) {
	_, ic, _ := rootClients(t)
	actions := []string{"s3:PutObject", "s3:GetObject", "iam:ListUsers"} // deliberately unsorted
	var got []string
	var marker *string
	for {
		out, err := ic.SimulateCustomPolicy(Ctx, &awsiam.SimulateCustomPolicyInput{PolicyInputList: []string{allowAll}, ActionNames: actions,
			MaxItems: aws.Int32(2), Marker: marker})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range out.EvaluationResults {
			got = append(got, *r.EvalActionName)
		}
		if !out.IsTruncated {
			break
		}
		marker = out.Marker
	}
	if strings.Join(got, ",") != strings.Join(actions, ",") {
		t.Fatalf("pages gave %v", got)
	}
}

// TestTerraformCompanions: the listings Terraform makes around users and
// roles answer (empty) instead of failing.
func TestTerraformCompanions(t *testing.T) {
	_, ic, _ := rootClients(t)
	ic.CreateUser(Ctx, &awsiam.CreateUserInput{UserName: aws.String("tf")})
	ic.CreateRole(Ctx, &awsiam.CreateRoleInput{RoleName: aws.String("tf"), AssumeRolePolicyDocument: aws.String(
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)})
	ip, err := ic.ListInstanceProfilesForRole(Ctx, &awsiam.ListInstanceProfilesForRoleInput{RoleName: aws.String("tf")})
	if err != nil || len(ip.InstanceProfiles) != 0 || ip.IsTruncated {
		t.Fatalf("%+v %v", ip, err)
	}
	if _, err := ic.ListMFADevices(Ctx, &awsiam.ListMFADevicesInput{UserName: aws.String("tf")}); err != nil {
		t.Fatal(err)
	}
	if _, err := ic.ListSSHPublicKeys(Ctx, &awsiam.ListSSHPublicKeysInput{UserName: aws.String("tf")}); err != nil {
		t.Fatal(err)
	}
	if _, err := ic.ListSigningCertificates(Ctx, &awsiam.ListSigningCertificatesInput{UserName: aws.String("tf")}); err != nil {
		t.Fatal(err)
	}
	if _, err := ic.ListServiceSpecificCredentials(Ctx, &awsiam.ListServiceSpecificCredentialsInput{UserName: aws.String("tf")}); err != nil {
		t.Fatal(err)
	}
	_, err = ic.GetLoginProfile(Ctx, &awsiam.GetLoginProfileInput{UserName: aws.String("tf")})
	WantCode(t, err, "NoSuchEntity")
	_, err = ic.ListInstanceProfilesForRole(Ctx, &awsiam.ListInstanceProfilesForRoleInput{RoleName: aws.String("none")})
	WantCode(t, err, "NoSuchEntity")
}
