package iam_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	awssts "github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
	"github.com/gatehouse-dev/gatehouse/internal/gatehousetest"
	. "github.com/gatehouse-dev/gatehouse/internal/iam/iamtest"
)

const lambdaTrust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`

// TestInstanceProfilesSDK drives the instance-profile operations the way
// Terraform's aws_iam_instance_profile does, with aws-sdk-go-v2.
func TestInstanceProfilesSDK(t *testing.T) {
	_, ic, _ := rootClients(t)
	if _, err := ic.CreateRole(Ctx, &awsiam.CreateRoleInput{RoleName: aws.String("ec2"), AssumeRolePolicyDocument: aws.String(lambdaTrust)}); err != nil {
		t.Fatal(err)
	}
	cp, err := ic.CreateInstanceProfile(Ctx, &awsiam.CreateInstanceProfileInput{InstanceProfileName: aws.String("web"), Path: aws.String("/app/"),
		Tags: []iamtypes.Tag{{Key: aws.String("env"), Value: aws.String("dev")}}})
	if err != nil {
		t.Fatal(err)
	}
	p := cp.InstanceProfile
	if *p.Arn != "arn:aws:iam::000000000000:instance-profile/app/web" || !strings.HasPrefix(*p.InstanceProfileId, "AIPA") || len(p.Roles) != 0 {
		t.Fatalf("profile = %+v", p)
	}
	_, err = ic.CreateInstanceProfile(Ctx, &awsiam.CreateInstanceProfileInput{InstanceProfileName: aws.String("WEB")})
	WantCode(t, err, "EntityAlreadyExists")
	if _, err := ic.AddRoleToInstanceProfile(Ctx, &awsiam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String("web"), RoleName: aws.String("ec2")}); err != nil {
		t.Fatal(err)
	}
	_, err = ic.AddRoleToInstanceProfile(Ctx, &awsiam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String("web"), RoleName: aws.String("ec2")})
	if msg := WantCode(t, err, "LimitExceeded"); msg != "Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1" {
		t.Fatalf("msg %q", msg)
	}
	gp, err := ic.GetInstanceProfile(Ctx, &awsiam.GetInstanceProfileInput{InstanceProfileName: aws.String("web")})
	if err != nil || len(gp.InstanceProfile.Roles) != 1 || *gp.InstanceProfile.Roles[0].RoleName != "ec2" || len(gp.InstanceProfile.Tags) != 1 {
		t.Fatalf("get = %+v %v", gp, err)
	}
	lr, err := ic.ListInstanceProfilesForRole(Ctx, &awsiam.ListInstanceProfilesForRoleInput{RoleName: aws.String("ec2")})
	if err != nil || len(lr.InstanceProfiles) != 1 || *lr.InstanceProfiles[0].InstanceProfileName != "web" {
		t.Fatalf("for role = %+v %v", lr, err)
	}
	lp, err := ic.ListInstanceProfiles(Ctx, &awsiam.ListInstanceProfilesInput{PathPrefix: aws.String("/app/")})
	if err != nil || len(lp.InstanceProfiles) != 1 {
		t.Fatalf("list = %+v %v", lp, err)
	}
	_, err = ic.DeleteRole(Ctx, &awsiam.DeleteRoleInput{RoleName: aws.String("ec2")})
	if msg := WantCode(t, err, "DeleteConflict"); msg != "Cannot delete entity, must remove roles from instance profile first." {
		t.Fatalf("msg %q", msg)
	}
	_, err = ic.DeleteInstanceProfile(Ctx, &awsiam.DeleteInstanceProfileInput{InstanceProfileName: aws.String("web")})
	WantCode(t, err, "DeleteConflict")
	ad, err := ic.GetAccountAuthorizationDetails(Ctx, &awsiam.GetAccountAuthorizationDetailsInput{Filter: []iamtypes.EntityType{"Role"}})
	if err != nil || len(ad.RoleDetailList) != 1 || len(ad.RoleDetailList[0].InstanceProfileList) != 1 {
		t.Fatalf("details = %+v %v", ad, err)
	}
	if _, err := ic.TagInstanceProfile(Ctx, &awsiam.TagInstanceProfileInput{InstanceProfileName: aws.String("web"),
		Tags: []iamtypes.Tag{{Key: aws.String("team"), Value: aws.String("a")}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := ic.UntagInstanceProfile(Ctx, &awsiam.UntagInstanceProfileInput{InstanceProfileName: aws.String("web"), TagKeys: []string{"env"}}); err != nil {
		t.Fatal(err)
	}
	lt, err := ic.ListInstanceProfileTags(Ctx, &awsiam.ListInstanceProfileTagsInput{InstanceProfileName: aws.String("web")})
	if err != nil || len(lt.Tags) != 1 || *lt.Tags[0].Key != "team" {
		t.Fatalf("tags = %+v %v", lt, err)
	}
	_, err = ic.RemoveRoleFromInstanceProfile(Ctx, &awsiam.RemoveRoleFromInstanceProfileInput{InstanceProfileName: aws.String("web"), RoleName: aws.String("other")})
	WantCode(t, err, "NoSuchEntity")
	if _, err := ic.RemoveRoleFromInstanceProfile(Ctx, &awsiam.RemoveRoleFromInstanceProfileInput{InstanceProfileName: aws.String("web"), RoleName: aws.String("ec2")}); err != nil {
		t.Fatal(err)
	}
	if _, err := ic.DeleteInstanceProfile(Ctx, &awsiam.DeleteInstanceProfileInput{InstanceProfileName: aws.String("web")}); err != nil {
		t.Fatal(err)
	}
	_, err = ic.GetInstanceProfile(Ctx, &awsiam.GetInstanceProfileInput{InstanceProfileName: aws.String("web")})
	if msg := WantCode(t, err, "NoSuchEntity"); msg != "Instance Profile web cannot be found." {
		t.Fatalf("msg %q", msg)
	}
	if _, err := ic.DeleteRole(Ctx, &awsiam.DeleteRoleInput{RoleName: aws.String("ec2")}); err != nil {
		t.Fatal(err)
	}
}

// awsCLI runs the AWS CLI v1 against srv as the root user.
func awsCLI(t *testing.T, srv *gatehousetest.Server) func(args ...string) (map[string]any, error) {
	t.Helper()
	if _, err := exec.LookPath("aws"); err != nil {
		t.Skip("aws CLI not installed")
	}
	home := t.TempDir()
	env := append(os.Environ(), "AWS_ACCESS_KEY_ID="+gatehousetest.AccessKeyID, "AWS_SECRET_ACCESS_KEY="+gatehousetest.SecretAccessKey,
		"AWS_DEFAULT_REGION=us-east-1", "AWS_CONFIG_FILE="+home+"/config", "AWS_SHARED_CREDENTIALS_FILE="+home+"/credentials", "HOME="+home)
	return func(args ...string) (map[string]any, error) {
		t.Helper()
		cmd := exec.Command("aws", append(args, "--endpoint-url", srv.URL, "--output", "json")...)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		if err != nil {
			return nil, fmt.Errorf("%v: %s", err, out)
		}
		m := map[string]any{}
		if len(strings.TrimSpace(string(out))) > 0 {
			if err := json.Unmarshal(out, &m); err != nil {
				return nil, fmt.Errorf("%v: %s", err, out)
			}
		}
		return m, nil
	}
}

// TestInstanceProfilesCLI is the AWS CLI v1's view of the same operations.
func TestInstanceProfilesCLI(t *testing.T) {
	srv := gatehousetest.Start(t)
	run := awsCLI(t, srv)
	must := func(args ...string) map[string]any {
		t.Helper()
		m, err := run(args...)
		if err != nil {
			t.Fatalf("aws %s: %v", strings.Join(args, " "), err)
		}
		return m
	}
	must("iam", "create-role", "--role-name", "r1", "--assume-role-policy-document", lambdaTrust)
	m := must("iam", "create-instance-profile", "--instance-profile-name", "p1")
	if ip := m["InstanceProfile"].(map[string]any); ip["Arn"] != "arn:aws:iam::000000000000:instance-profile/p1" {
		t.Fatalf("create: %v", m)
	}
	must("iam", "add-role-to-instance-profile", "--instance-profile-name", "p1", "--role-name", "r1")
	m = must("iam", "list-instance-profiles-for-role", "--role-name", "r1")
	if l := m["InstanceProfiles"].([]any); len(l) != 1 {
		t.Fatalf("for role: %v", m)
	}
	if _, err := run("iam", "delete-role", "--role-name", "r1"); err == nil || !strings.Contains(err.Error(), "DeleteConflict") {
		t.Fatalf("delete-role: %v", err)
	}
	must("iam", "remove-role-from-instance-profile", "--instance-profile-name", "p1", "--role-name", "r1")
	must("iam", "delete-instance-profile", "--instance-profile-name", "p1")
	if _, err := run("iam", "get-instance-profile", "--instance-profile-name", "p1"); err == nil || !strings.Contains(err.Error(), "NoSuchEntity") {
		t.Fatalf("get after delete: %v", err)
	}
	// The managed policies are there for the CLI too.
	m = must("iam", "get-policy", "--policy-arn", "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")
	if p := m["Policy"].(map[string]any); p["PolicyName"] != "AWSLambdaBasicExecutionRole" || p["Path"] != "/service-role/" {
		t.Fatalf("get-policy: %v", m)
	}
	must("iam", "attach-role-policy", "--role-name", "r1", "--policy-arn", "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")
	m = must("iam", "list-attached-role-policies", "--role-name", "r1")
	if l := m["AttachedPolicies"].([]any); len(l) != 1 {
		t.Fatalf("attached: %v", m)
	}
}

func TestUpdateGroup(t *testing.T) {
	_, ic, _ := rootClients(t)
	ic.CreateGroup(Ctx, &awsiam.CreateGroupInput{GroupName: aws.String("devs")})
	ic.CreateGroup(Ctx, &awsiam.CreateGroupInput{GroupName: aws.String("ops")})
	ic.CreateUser(Ctx, &awsiam.CreateUserInput{UserName: aws.String("ann")})
	if _, err := ic.AddUserToGroup(Ctx, &awsiam.AddUserToGroupInput{GroupName: aws.String("devs"), UserName: aws.String("ann")}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, group, newName, newPath, code string
	}{
		{"taken", "devs", "OPS", "", "EntityAlreadyExists"},
		{"missing", "nobody", "x", "", "NoSuchEntity"},
		{"bad name", "devs", "a b", "", "ValidationError"},
		{"bad path", "devs", "", "nopath", "ValidationError"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := &awsiam.UpdateGroupInput{GroupName: aws.String(tc.group)}
			if tc.newName != "" {
				in.NewGroupName = aws.String(tc.newName)
			}
			if tc.newPath != "" {
				in.NewPath = aws.String(tc.newPath)
			}
			_, err := ic.UpdateGroup(Ctx, in)
			WantCode(t, err, tc.code)
		})
	}
	if _, err := ic.UpdateGroup(Ctx, &awsiam.UpdateGroupInput{GroupName: aws.String("devs"), NewGroupName: aws.String("Builders"), NewPath: aws.String("/eng/")}); err != nil {
		t.Fatal(err)
	}
	g, err := ic.GetGroup(Ctx, &awsiam.GetGroupInput{GroupName: aws.String("builders")})
	if err != nil || *g.Group.Arn != "arn:aws:iam::000000000000:group/eng/Builders" || len(g.Users) != 1 {
		t.Fatalf("group = %+v %v", g, err)
	}
	lg, err := ic.ListGroupsForUser(Ctx, &awsiam.ListGroupsForUserInput{UserName: aws.String("ann")})
	if err != nil || len(lg.Groups) != 1 || *lg.Groups[0].GroupName != "Builders" {
		t.Fatalf("groups for user = %+v %v", lg, err)
	}
	_, err = ic.GetGroup(Ctx, &awsiam.GetGroupInput{GroupName: aws.String("devs")})
	WantCode(t, err, "NoSuchEntity")
}

// TestTerraformAnswers checks the response shapes the Terraform provider
// reads back: CreateRole's PermissionsBoundary and tags, GetPolicy's empty
// Tags, and tag validation as IAM's model states it.
func TestTerraformAnswers(t *testing.T) {
	_, ic, _ := rootClients(t)
	cp, err := ic.CreatePolicy(Ctx, &awsiam.CreatePolicyInput{PolicyName: aws.String("b"), PolicyDocument: aws.String(allowAll)})
	if err != nil {
		t.Fatal(err)
	}
	gp, err := ic.GetPolicy(Ctx, &awsiam.GetPolicyInput{PolicyArn: cp.Policy.Arn})
	if err != nil || gp.Policy.Tags == nil || len(gp.Policy.Tags) != 0 {
		t.Fatalf("GetPolicy tags = %#v %v", gp.Policy.Tags, err)
	}
	cr, err := ic.CreateRole(Ctx, &awsiam.CreateRoleInput{RoleName: aws.String("bounded"), AssumeRolePolicyDocument: aws.String(lambdaTrust),
		PermissionsBoundary: cp.Policy.Arn, Tags: []iamtypes.Tag{{Key: aws.String("k"), Value: aws.String("v")}}})
	if err != nil {
		t.Fatal(err)
	}
	if cr.Role.PermissionsBoundary == nil || *cr.Role.PermissionsBoundary.PermissionsBoundaryArn != *cp.Policy.Arn || len(cr.Role.Tags) != 1 {
		t.Fatalf("CreateRole = %+v", cr.Role)
	}
	tags := func(n int) []iamtypes.Tag {
		var out []iamtypes.Tag
		for i := range n {
			out = append(out, iamtypes.Tag{Key: aws.String(fmt.Sprint("k", i)), Value: aws.String("v")})
		}
		return out
	}
	for _, tc := range []struct {
		name string
		tags []iamtypes.Tag
		code string
	}{
		{"51 tags", tags(51), "ValidationError"},
		{"50 tags", tags(50), ""},
		{"aws: prefix", []iamtypes.Tag{{Key: aws.String("aws:x"), Value: aws.String("v")}}, "InvalidInput"},
		{"long key", []iamtypes.Tag{{Key: aws.String(strings.Repeat("k", 129)), Value: aws.String("v")}}, "ValidationError"},
		{"bad char", []iamtypes.Tag{{Key: aws.String("a*b"), Value: aws.String("v")}}, "ValidationError"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ic.CreateUser(Ctx, &awsiam.CreateUserInput{UserName: aws.String("u" + strings.ReplaceAll(tc.name, " ", "")[:2]), Tags: tc.tags})
			if tc.code == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			WantCode(t, err, tc.code)
		})
	}
}

// TestFederationTokenRoot: AWS lets the root user call GetFederationToken,
// with credentials lasting at most an hour.
func TestFederationTokenRoot(t *testing.T) {
	srv, _, sc := rootClients(t)
	start := time.Now()
	ft, err := sc.GetFederationToken(Ctx, &awssts.GetFederationTokenInput{Name: aws.String("ops"), DurationSeconds: aws.Int32(7200),
		Policy: aws.String(allowAll)})
	if err != nil {
		t.Fatal(err)
	}
	if *ft.FederatedUser.Arn != "arn:aws:sts::000000000000:federated-user/ops" {
		t.Fatalf("arn %s", *ft.FederatedUser.Arn)
	}
	if d := ft.Credentials.Expiration.Sub(start); d > time.Hour+time.Minute || d < 59*time.Minute {
		t.Fatalf("lifetime %v, want an hour", d)
	}
	c := ft.Credentials
	fsts := STS(srv.URL, *c.AccessKeyId, *c.SecretAccessKey, *c.SessionToken)
	id, err := fsts.GetCallerIdentity(Ctx, &awssts.GetCallerIdentityInput{})
	if err != nil || *id.Arn != *ft.FederatedUser.Arn || *id.UserId != "000000000000:ops" {
		t.Fatalf("identity %+v %v", id, err)
	}
}

// TestAWSManagedPolicies: the AWS managed policies exist in every account,
// attach and evaluate like customer ones, and cannot be changed.
func TestAWSManagedPolicies(t *testing.T) {
	srv, ic, _ := rootClients(t)
	const iamFull = "arn:aws:iam::aws:policy/IAMFullAccess"
	gp, err := ic.GetPolicy(Ctx, &awsiam.GetPolicyInput{PolicyArn: aws.String("arn:aws:iam::aws:policy/AdministratorAccess")})
	if err != nil {
		t.Fatal(err)
	}
	if *gp.Policy.PolicyName != "AdministratorAccess" || *gp.Policy.DefaultVersionId != "v1" || *gp.Policy.Path != "/" || !gp.Policy.IsAttachable {
		t.Fatalf("policy = %+v", gp.Policy)
	}
	gv, err := ic.GetPolicyVersion(Ctx, &awsiam.GetPolicyVersionInput{PolicyArn: gp.Policy.Arn, VersionId: aws.String("v1")})
	if err != nil {
		t.Fatal(err)
	}
	doc, _ := url.QueryUnescape(*gv.PolicyVersion.Document)
	if !strings.Contains(doc, `"Action":"*"`) || !gv.PolicyVersion.IsDefaultVersion {
		t.Fatalf("document %s", doc)
	}
	_, err = ic.GetPolicyVersion(Ctx, &awsiam.GetPolicyVersionInput{PolicyArn: gp.Policy.Arn, VersionId: aws.String("v2")})
	WantCode(t, err, "NoSuchEntity")

	// Listing: Scope=AWS pages through the catalogue; Local has none.
	seen := map[string]bool{}
	// KNOWN ISSUE (open, issue #17 closing note): in full-package runs a
	// page of this listing was seen, rarely, to fail on the client with
	// "use of closed network connection" while reading a 200 response.
	// The SDK's default retryer (3 attempts, as real clients use) recovers;
	// the cause is not found yet.
	lc := awsiam.NewFromConfig(Config(srv.URL, gatehousetest.AccessKeyID, gatehousetest.SecretAccessKey, ""), func(o *awsiam.Options) { o.RetryMaxAttempts = 3 })
	pg := awsiam.NewListPoliciesPaginator(lc, &awsiam.ListPoliciesInput{Scope: iamtypes.PolicyScopeTypeAws})
	for pg.HasMorePages() {
		out, err := pg.NextPage(Ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range out.Policies {
			seen[*p.Arn] = true
		}
	}
	for _, a := range []string{iamFull, "arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs", "arn:aws:iam::aws:policy/AWSLambda_FullAccess"} {
		if !seen[a] {
			t.Errorf("ListPolicies Scope=AWS lacks %s (%d seen)", a, len(seen))
		}
	}
	lp, err := ic.ListPolicies(Ctx, &awsiam.ListPoliciesInput{Scope: iamtypes.PolicyScopeTypeLocal})
	if err != nil || len(lp.Policies) != 0 {
		t.Fatalf("local = %d %v", len(lp.Policies), err)
	}

	// Attached to a user, IAMFullAccess lets the user manage IAM.
	ic.CreateUser(Ctx, &awsiam.CreateUserInput{UserName: aws.String("admin")})
	k, err := ic.CreateAccessKey(Ctx, &awsiam.CreateAccessKeyInput{UserName: aws.String("admin")})
	if err != nil {
		t.Fatal(err)
	}
	uic := IAM(srv.URL, *k.AccessKey.AccessKeyId, *k.AccessKey.SecretAccessKey, "")
	_, err = uic.CreateUser(Ctx, &awsiam.CreateUserInput{UserName: aws.String("x1")})
	WantCode(t, err, "AccessDenied")
	if _, err := ic.AttachUserPolicy(Ctx, &awsiam.AttachUserPolicyInput{UserName: aws.String("admin"), PolicyArn: aws.String(iamFull)}); err != nil {
		t.Fatal(err)
	}
	if _, err := uic.CreateUser(Ctx, &awsiam.CreateUserInput{UserName: aws.String("x1")}); err != nil {
		t.Fatalf("with IAMFullAccess: %v", err)
	}
	gp, err = ic.GetPolicy(Ctx, &awsiam.GetPolicyInput{PolicyArn: aws.String(iamFull)})
	if err != nil || *gp.Policy.AttachmentCount != 1 {
		t.Fatalf("attachment count %v %v", gp.Policy.AttachmentCount, err)
	}
	att, err := ic.ListPolicies(Ctx, &awsiam.ListPoliciesInput{OnlyAttached: true})
	if err != nil || len(att.Policies) != 1 || *att.Policies[0].Arn != iamFull {
		t.Fatalf("only attached = %+v %v", att, err)
	}
	ents, err := ic.ListEntitiesForPolicy(Ctx, &awsiam.ListEntitiesForPolicyInput{PolicyArn: aws.String(iamFull)})
	if err != nil || len(ents.PolicyUsers) != 1 {
		t.Fatalf("entities = %+v %v", ents, err)
	}
	// Groups and roles attach them too; unknown AWS names do not exist.
	ic.CreateGroup(Ctx, &awsiam.CreateGroupInput{GroupName: aws.String("readers")})
	if _, err := ic.AttachGroupPolicy(Ctx, &awsiam.AttachGroupPolicyInput{GroupName: aws.String("readers"), PolicyArn: aws.String("arn:aws:iam::aws:policy/ReadOnlyAccess")}); err != nil {
		t.Fatal(err)
	}
	ic.CreateRole(Ctx, &awsiam.CreateRoleInput{RoleName: aws.String("fn"), AssumeRolePolicyDocument: aws.String(lambdaTrust)})
	if _, err := ic.AttachRolePolicy(Ctx, &awsiam.AttachRolePolicyInput{RoleName: aws.String("fn"), PolicyArn: aws.String("arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")}); err != nil {
		t.Fatal(err)
	}
	_, err = ic.AttachRolePolicy(Ctx, &awsiam.AttachRolePolicyInput{RoleName: aws.String("fn"), PolicyArn: aws.String("arn:aws:iam::aws:policy/NoSuchThing")})
	if msg := WantCode(t, err, "NoSuchEntity"); msg != "Policy arn:aws:iam::aws:policy/NoSuchThing does not exist or is not attachable." {
		t.Fatalf("msg %q", msg)
	}
	// AWS's to change, not the account's.
	for name, call := range map[string]func() error{
		"DeletePolicy": func() error {
			_, err := ic.DeletePolicy(Ctx, &awsiam.DeletePolicyInput{PolicyArn: aws.String(iamFull)})
			return err
		},
		"CreatePolicyVersion": func() error {
			_, err := ic.CreatePolicyVersion(Ctx, &awsiam.CreatePolicyVersionInput{PolicyArn: aws.String(iamFull), PolicyDocument: aws.String(allowAll)})
			return err
		},
		"SetDefaultPolicyVersion": func() error {
			_, err := ic.SetDefaultPolicyVersion(Ctx, &awsiam.SetDefaultPolicyVersionInput{PolicyArn: aws.String(iamFull), VersionId: aws.String("v1")})
			return err
		},
		"TagPolicy": func() error {
			_, err := ic.TagPolicy(Ctx, &awsiam.TagPolicyInput{PolicyArn: aws.String(iamFull), Tags: []iamtypes.Tag{{Key: aws.String("a"), Value: aws.String("b")}}})
			return err
		},
	} {
		t.Run(name, func(t *testing.T) { WantCode(t, call(), "AccessDenied") })
	}
	// Detached, the permission is gone.
	if _, err := ic.DetachUserPolicy(Ctx, &awsiam.DetachUserPolicyInput{UserName: aws.String("admin"), PolicyArn: aws.String(iamFull)}); err != nil {
		t.Fatal(err)
	}
	_, err = uic.CreateUser(Ctx, &awsiam.CreateUserInput{UserName: aws.String("x2")})
	WantCode(t, err, "AccessDenied")
}

// TestAssumeRootOutsideOrganization: AssumeRoot needs an organization with
// centralized root access, which no gatehouse account has.
func TestAssumeRootOutsideOrganization(t *testing.T) {
	_, _, sc := rootClients(t)
	_, err := sc.AssumeRoot(Ctx, &awssts.AssumeRootInput{TargetPrincipal: aws.String("111122223333"),
		TaskPolicyArn: &ststypes.PolicyDescriptorType{Arn: aws.String("arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials")}})
	WantCode(t, err, "AccessDenied")
	_, err = sc.AssumeRoot(Ctx, &awssts.AssumeRootInput{TargetPrincipal: aws.String("111122223333"), DurationSeconds: aws.Int32(901),
		TaskPolicyArn: &ststypes.PolicyDescriptorType{Arn: aws.String("arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials")}})
	WantCode(t, err, "ValidationError")
}

// TestDelegationRequests: no delegation request can exist in a gatehouse
// account (creating one needs AWS partner onboarding), so the customer-side
// operations answer NoSuchEntity, the listing is empty and creating is
// refused — each after AWS's input validation and authorization.
func TestDelegationRequests(t *testing.T) {
	srv, ic, _ := rootClients(t)
	id := aws.String("0123456789abcdef-req")
	_, err := ic.AcceptDelegationRequest(Ctx, &awsiam.AcceptDelegationRequestInput{DelegationRequestId: id})
	WantCode(t, err, "NoSuchEntity")
	_, err = ic.AssociateDelegationRequest(Ctx, &awsiam.AssociateDelegationRequestInput{DelegationRequestId: id})
	WantCode(t, err, "NoSuchEntity")
	_, err = ic.GetDelegationRequest(Ctx, &awsiam.GetDelegationRequestInput{DelegationRequestId: id})
	WantCode(t, err, "NoSuchEntity")
	_, err = ic.RejectDelegationRequest(Ctx, &awsiam.RejectDelegationRequestInput{DelegationRequestId: id, Notes: aws.String("no")})
	WantCode(t, err, "NoSuchEntity")
	_, err = ic.SendDelegationToken(Ctx, &awsiam.SendDelegationTokenInput{DelegationRequestId: id})
	WantCode(t, err, "NoSuchEntity")
	_, err = ic.UpdateDelegationRequest(Ctx, &awsiam.UpdateDelegationRequestInput{DelegationRequestId: id})
	WantCode(t, err, "NoSuchEntity")
	_, err = ic.GetDelegationRequest(Ctx, &awsiam.GetDelegationRequestInput{DelegationRequestId: aws.String("short")})
	WantCode(t, err, "ValidationError")
	_, err = ic.UpdateDelegationRequest(Ctx, &awsiam.UpdateDelegationRequestInput{DelegationRequestId: id, Notes: aws.String(strings.Repeat("n", 501))})
	WantCode(t, err, "ValidationError")

	l, err := ic.ListDelegationRequests(Ctx, &awsiam.ListDelegationRequestsInput{MaxItems: aws.Int32(10)})
	if err != nil || len(l.DelegationRequests) != 0 || l.IsTruncated {
		t.Fatalf("list %+v %v", l, err)
	}
	_, err = ic.ListDelegationRequests(Ctx, &awsiam.ListDelegationRequestsInput{OwnerId: aws.String("short")})
	WantCode(t, err, "ValidationError")

	in := &awsiam.CreateDelegationRequestInput{Description: aws.String("deploy"), RequestorWorkflowId: aws.String("wf-12345"),
		NotificationChannel: aws.String("arn:aws:sns:us-east-1:111122223333:partner"), SessionDuration: aws.Int32(3600),
		Permissions: &iamtypes.DelegationPermission{PolicyTemplateArn: aws.String("arn:aws:iam::aws:policy/template/x")}}
	_, err = ic.CreateDelegationRequest(Ctx, in)
	WantCode(t, err, "AccessDenied")
	in.SessionDuration = aws.Int32(60)
	_, err = ic.CreateDelegationRequest(Ctx, in)
	WantCode(t, err, "ValidationError")

	// A user without iam:* is refused by authorization first.
	if _, err := ic.CreateUser(Ctx, &awsiam.CreateUserInput{UserName: aws.String("nobody")}); err != nil {
		t.Fatal(err)
	}
	k, err := ic.CreateAccessKey(Ctx, &awsiam.CreateAccessKeyInput{UserName: aws.String("nobody")})
	if err != nil {
		t.Fatal(err)
	}
	uic := IAM(srv.URL, *k.AccessKey.AccessKeyId, *k.AccessKey.SecretAccessKey, "")
	_, err = uic.GetDelegationRequest(Ctx, &awsiam.GetDelegationRequestInput{DelegationRequestId: id})
	if msg := WantCode(t, err, "AccessDenied"); !strings.Contains(msg, "iam:GetDelegationRequest") {
		t.Fatalf("denial %q", msg)
	}
}
