package sts_test

import (
	"context"
	"github.com/gatehouse-dev/gatehouse/internal/authn"
	"github.com/gatehouse-dev/gatehouse/internal/iam"
	"github.com/gatehouse-dev/gatehouse/internal/policy"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
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

type fixture struct {
	srv      *gatehousetest.Server
	root     *awsiam.Client
	rootSTS  *awssts.Client
	aliceSTS *awssts.Client
	aliceARN string
	aliceKey aws.Credentials
}

func newFixture(t testing.TB, opts ...gatehousetest.Option) *fixture {
	srv := gatehousetest.Start(t, opts...)
	f := &fixture{srv: srv, root: IAM(srv.URL, gatehousetest.AccessKeyID, gatehousetest.SecretAccessKey, ""),
		rootSTS: STS(srv.URL, gatehousetest.AccessKeyID, gatehousetest.SecretAccessKey, "")}
	u, err := f.root.CreateUser(Ctx, &awsiam.CreateUserInput{UserName: aws.String("alice")})
	if err != nil {
		t.Fatal(err)
	}
	f.aliceARN = *u.User.Arn
	k, err := f.root.CreateAccessKey(Ctx, &awsiam.CreateAccessKeyInput{UserName: aws.String("alice")})
	if err != nil {
		t.Fatal(err)
	}
	f.aliceSTS = STS(srv.URL, *k.AccessKey.AccessKeyId, *k.AccessKey.SecretAccessKey, "")
	f.aliceKey = aws.Credentials{AccessKeyID: *k.AccessKey.AccessKeyId, SecretAccessKey: *k.AccessKey.SecretAccessKey}
	return f
}

func (f *fixture) role(t testing.TB, name, trust string, maxDur int32) string {
	t.Helper()
	in := &awsiam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(trust)}
	if maxDur > 0 {
		in.MaxSessionDuration = aws.Int32(maxDur)
	}
	r, err := f.root.CreateRole(Ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	return *r.Role.Arn
}

func trustAWS(p string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + p + `"},"Action":["sts:AssumeRole","sts:TagSession","sts:SetSourceIdentity"]}]}`
}

func TestAssumeRole(t *testing.T) {
	f := newFixture(t)
	roleARN := f.role(t, "demo", trustAWS(f.aliceARN), 7200)
	out, err := f.aliceSTS.AssumeRole(Ctx, &awssts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("s1"),
		SourceIdentity: aws.String("alice"), Tags: []ststypes.Tag{{Key: aws.String("project"), Value: aws.String("x")}},
		TransitiveTagKeys: []string{"project"}})
	if err != nil {
		t.Fatal(err)
	}
	c := out.Credentials
	if !strings.HasPrefix(*c.AccessKeyId, "ASIA") || len(*c.SecretAccessKey) != 40 || *c.SessionToken == "" {
		t.Fatalf("creds %+v", c)
	}
	if d := time.Until(*c.Expiration); d < 59*time.Minute || d > 61*time.Minute {
		t.Fatalf("expiration in %v", d)
	}
	if *out.AssumedRoleUser.Arn != "arn:aws:sts::000000000000:assumed-role/demo/s1" || !strings.HasSuffix(*out.AssumedRoleUser.AssumedRoleId, ":s1") {
		t.Fatalf("assumed = %+v", out.AssumedRoleUser)
	}
	sess := STS(f.srv.URL, *c.AccessKeyId, *c.SecretAccessKey, *c.SessionToken)
	id, err := sess.GetCallerIdentity(Ctx, &awssts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if *id.Arn != "arn:aws:sts::000000000000:assumed-role/demo/s1" || !strings.HasPrefix(*id.UserId, "AROA") || !strings.HasSuffix(*id.UserId, ":s1") {
		t.Fatalf("identity %s %s", *id.Arn, *id.UserId)
	}
	// Tampered token.
	tok := []byte(*c.SessionToken)
	if tok[60] == 'A' {
		tok[60] = 'B'
	} else {
		tok[60] = 'A'
	}
	bad := STS(f.srv.URL, *c.AccessKeyId, *c.SecretAccessKey, string(tok))
	_, err = bad.GetCallerIdentity(Ctx, &awssts.GetCallerIdentityInput{})
	WantCode(t, err, "InvalidClientTokenId")

	// Root may not assume roles.
	_, err = f.rootSTS.AssumeRole(Ctx, &awssts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("sx")})
	if msg := WantCode(t, err, "AccessDenied"); msg != "Roles may not be assumed by root accounts." {
		t.Fatalf("msg %q", msg)
	}
	// A user the trust policy does not name.
	f.root.CreateUser(Ctx, &awsiam.CreateUserInput{UserName: aws.String("mallory")})
	mk, _ := f.root.CreateAccessKey(Ctx, &awsiam.CreateAccessKeyInput{UserName: aws.String("mallory")})
	mallory := STS(f.srv.URL, *mk.AccessKey.AccessKeyId, *mk.AccessKey.SecretAccessKey, "")
	_, err = mallory.AssumeRole(Ctx, &awssts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("sx")})
	msg := WantCode(t, err, "AccessDenied")
	if want := "User: arn:aws:iam::000000000000:user/mallory is not authorized to perform: sts:AssumeRole on resource: " + roleARN; !strings.HasPrefix(msg, want) {
		t.Fatalf("msg %q", msg)
	}
	// Durations.
	_, err = f.aliceSTS.AssumeRole(Ctx, &awssts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("sx"), DurationSeconds: aws.Int32(7201)})
	if msg := WantCode(t, err, "ValidationError"); !strings.Contains(msg, "MaxSessionDuration") {
		t.Fatalf("msg %q", msg)
	}
	// Role chaining: the session assumes a role that trusts the first one.
	role2 := f.role(t, "second", trustAWS(roleARN), 0)
	_, err = sess.AssumeRole(Ctx, &awssts.AssumeRoleInput{RoleArn: aws.String(role2), RoleSessionName: aws.String("cx"), DurationSeconds: aws.Int32(3601)})
	WantCode(t, err, "ValidationError")
	ch, err := sess.AssumeRole(Ctx, &awssts.AssumeRoleInput{RoleArn: aws.String(role2), RoleSessionName: aws.String("cx")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(ch.SourceIdentity) != "alice" {
		t.Fatalf("source identity not inherited: %+v", ch)
	}
	_, err = sess.GetSessionToken(Ctx, &awssts.GetSessionTokenInput{})
	if msg := WantCode(t, err, "AccessDenied"); msg != "Cannot call GetSessionToken with session credentials" {
		t.Fatalf("msg %q", msg)
	}
}

func TestExternalIDAndSessionPolicy(t *testing.T) {
	f := newFixture(t)
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + f.aliceARN + `"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"xyz"}}}]}`
	roleARN := f.role(t, "ext", trust, 0)
	_, err := f.aliceSTS.AssumeRole(Ctx, &awssts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("sx")})
	WantCode(t, err, "AccessDenied")
	if _, err := f.root.PutRolePolicy(Ctx, &awsiam.PutRolePolicyInput{RoleName: aws.String("ext"), PolicyName: aws.String("iam"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*"}]}`)}); err != nil {
		t.Fatal(err)
	}
	out, err := f.aliceSTS.AssumeRole(Ctx, &awssts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("sx"), ExternalId: aws.String("xyz"),
		Policy: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	//lint:ignore SA1019 still sent for older SDKs
	if out.PackedPolicySize == nil {
		t.Fatal("no PackedPolicySize")
	}
	if out.SessionTokenSize == nil || int(*out.SessionTokenSize) != len(*out.Credentials.SessionToken) || out.SessionTokenUtilization == nil || *out.SessionTokenUtilization < 1 {
		t.Fatalf("token size %v utilization %v", out.SessionTokenSize, out.SessionTokenUtilization)
	}
	c := out.Credentials
	ic := IAM(f.srv.URL, *c.AccessKeyId, *c.SecretAccessKey, *c.SessionToken)
	if _, err := ic.ListUsers(Ctx, &awsiam.ListUsersInput{}); err != nil {
		t.Fatal(err)
	}
	_, err = ic.ListRoles(Ctx, &awsiam.ListRolesInput{})
	if msg := WantCode(t, err, "AccessDenied"); !strings.Contains(msg, "because no session policy allows the iam:ListRoles action") {
		t.Fatalf("msg %q", msg)
	}
	_, err = f.aliceSTS.AssumeRole(Ctx, &awssts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("sx"), ExternalId: aws.String("xyz"),
		Policy: aws.String(`{"Version":"2012-10-17"`)})
	WantCode(t, err, "MalformedPolicyDocument")
}

func TestGetSessionTokenAndRoleCredentials(t *testing.T) {
	f := newFixture(t)
	gst, err := f.aliceSTS.GetSessionToken(Ctx, &awssts.GetSessionTokenInput{DurationSeconds: aws.Int32(900)})
	if err != nil {
		t.Fatal(err)
	}
	c := gst.Credentials
	s := STS(f.srv.URL, *c.AccessKeyId, *c.SecretAccessKey, *c.SessionToken)
	id, err := s.GetCallerIdentity(Ctx, &awssts.GetCallerIdentityInput{})
	if err != nil || *id.Arn != f.aliceARN {
		t.Fatalf("identity %+v %v", id, err)
	}
	_, err = IAM(f.srv.URL, *c.AccessKeyId, *c.SecretAccessKey, *c.SessionToken).ListUsers(Ctx, &awsiam.ListUsersInput{})
	WantCode(t, err, "InvalidClientTokenId")

	roleARN := f.role(t, "fn", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`, 0)
	stsSvc := f.srv.App.STS
	cr, err := stsSvc.RoleCredentials(context.Background(), roleARN, "fn-1", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	id, err = STS(f.srv.URL, cr.AccessKeyID, cr.SecretAccessKey, cr.SessionToken).GetCallerIdentity(Ctx, &awssts.GetCallerIdentityInput{})
	if err != nil || *id.Arn != "arn:aws:sts::000000000000:assumed-role/fn/fn-1" {
		t.Fatalf("identity %+v %v", id, err)
	}
	other := f.role(t, "other", trustAWS(f.aliceARN), 0)
	if _, err := stsSvc.RoleCredentials(context.Background(), other, "fn-1", time.Hour); err == nil {
		t.Fatal("lambda assumed a role that does not trust it")
	}
}

// TestTrustBindsUniqueIDs: a trust policy names a user; the user is deleted
// and re-created with the same name; the new user may not assume the role.
func TestTrustBindsUniqueIDs(t *testing.T) {
	f := newFixture(t)
	f.root.CreateUser(Ctx, &awsiam.CreateUserInput{UserName: aws.String("temp")})
	roleARN := f.role(t, "bound", trustAWS("arn:aws:iam::000000000000:user/temp"), 0)
	f.root.DeleteUser(Ctx, &awsiam.DeleteUserInput{UserName: aws.String("temp")})
	f.root.CreateUser(Ctx, &awsiam.CreateUserInput{UserName: aws.String("temp")})
	k, err := f.root.CreateAccessKey(Ctx, &awsiam.CreateAccessKeyInput{UserName: aws.String("temp")})
	if err != nil {
		t.Fatal(err)
	}
	_, err = STS(f.srv.URL, *k.AccessKey.AccessKeyId, *k.AccessKey.SecretAccessKey, "").AssumeRole(Ctx, &awssts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("ss")})
	WantCode(t, err, "AccessDenied")
	r, _ := f.root.GetRole(Ctx, &awsiam.GetRoleInput{RoleName: aws.String("bound")})
	if !strings.Contains(*r.Role.AssumeRolePolicyDocument, "AIDA") {
		t.Fatalf("trust policy still shows the ARN: %s", *r.Role.AssumeRolePolicyDocument)
	}
}

// TestPresignedGetCallerIdentity is the EKS / Vault login-token pattern: a
// presigned GetCallerIdentity URL replayed by another party.
func TestPresignedGetCallerIdentity(t *testing.T) {
	f := newFixture(t)
	ps := awssts.NewPresignClient(f.aliceSTS)
	req, err := ps.PresignGetCallerIdentity(Ctx, &awssts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	hr, _ := http.NewRequest(req.Method, req.URL, nil)
	for k, vs := range req.SignedHeader {
		for _, v := range vs {
			hr.Header.Add(k, v)
		}
	}
	resp, err := http.DefaultClient.Do(hr)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "<Arn>"+f.aliceARN+"</Arn>") {
		t.Fatalf("%s %d %s", req.Method, resp.StatusCode, body)
	}
}

func TestTokenKeyRotation(t *testing.T) {
	f := newFixture(t)
	roleARN := f.role(t, "rot", trustAWS(f.aliceARN), 0)
	assume := func() *awssts.Client {
		out, err := f.aliceSTS.AssumeRole(Ctx, &awssts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("r1")})
		if err != nil {
			t.Fatal(err)
		}
		c := out.Credentials
		return STS(f.srv.URL, *c.AccessKeyId, *c.SecretAccessKey, *c.SessionToken)
	}
	before := assume()
	if err := f.srv.App.IAM.RotateTokenKey(context.Background()); err != nil {
		t.Fatal(err)
	}
	after := assume()
	for _, c := range []*awssts.Client{before, after} {
		if _, err := c.GetCallerIdentity(Ctx, &awssts.GetCallerIdentityInput{}); err != nil {
			t.Fatal(err)
		}
	}
}

// TestSessionTagsAndManagedSessionPolicy: session tags become
// aws:PrincipalTag/* for the session, and a managed session policy limits it.
func TestSessionTagsAndManagedSessionPolicy(t *testing.T) {
	f := newFixture(t)
	roleARN := f.role(t, "tagged", trustAWS(f.aliceARN), 0)
	f.root.TagRole(Ctx, &awsiam.TagRoleInput{RoleName: aws.String("tagged"), Tags: []iamtypes.Tag{{Key: aws.String("Team"), Value: aws.String("role-team")}}})
	// The role may list users only when its principal tag team is "blue".
	f.root.PutRolePolicy(Ctx, &awsiam.PutRolePolicyInput{RoleName: aws.String("tagged"), PolicyName: aws.String("p"), PolicyDocument: aws.String(
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:ListUsers","iam:ListRoles"],"Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/team":"blue"}}}]}`)})
	session := func(in *awssts.AssumeRoleInput) *awsiam.Client {
		in.RoleArn, in.RoleSessionName = aws.String(roleARN), aws.String("tags")
		out, err := f.aliceSTS.AssumeRole(Ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		c := out.Credentials
		return IAM(f.srv.URL, *c.AccessKeyId, *c.SecretAccessKey, *c.SessionToken)
	}
	// The role's own tag (Team=role-team) does not satisfy the condition.
	_, err := session(&awssts.AssumeRoleInput{}).ListUsers(Ctx, &awsiam.ListUsersInput{})
	WantCode(t, err, "AccessDenied")
	// A session tag team=blue overrides the role tag (case-insensitive keys).
	blue := session(&awssts.AssumeRoleInput{Tags: []ststypes.Tag{{Key: aws.String("team"), Value: aws.String("blue")}}})
	if _, err := blue.ListUsers(Ctx, &awsiam.ListUsersInput{}); err != nil {
		t.Fatal(err)
	}
	// A managed session policy allowing only ListRoles scopes the session.
	pol, err := f.root.CreatePolicy(Ctx, &awsiam.CreatePolicyInput{PolicyName: aws.String("only-roles"), PolicyDocument: aws.String(
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListRoles","Resource":"*"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	scoped := session(&awssts.AssumeRoleInput{Tags: []ststypes.Tag{{Key: aws.String("team"), Value: aws.String("blue")}},
		PolicyArns: []ststypes.PolicyDescriptorType{{Arn: pol.Policy.Arn}}})
	if _, err := scoped.ListRoles(Ctx, &awsiam.ListRolesInput{}); err != nil {
		t.Fatal(err)
	}
	_, err = scoped.ListUsers(Ctx, &awsiam.ListUsersInput{})
	if msg := WantCode(t, err, "AccessDenied"); !strings.Contains(msg, "session policy") {
		t.Fatalf("msg %q", msg)
	}
	_, err = f.aliceSTS.AssumeRole(Ctx, &awssts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("tags"),
		PolicyArns: []ststypes.PolicyDescriptorType{{Arn: aws.String("arn:aws:iam::000000000000:policy/none")}}})
	if code, _ := Code(err); code == "" {
		t.Fatal("missing managed session policy accepted")
	}
	// Tags without sts:TagSession in the trust policy are refused.
	plain := f.role(t, "plain", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"`+f.aliceARN+`"},"Action":"sts:AssumeRole"}]}`, 0)
	_, err = f.aliceSTS.AssumeRole(Ctx, &awssts.AssumeRoleInput{RoleArn: aws.String(plain), RoleSessionName: aws.String("tags"),
		Tags: []ststypes.Tag{{Key: aws.String("team"), Value: aws.String("blue")}}})
	if msg := WantCode(t, err, "AccessDenied"); !strings.Contains(msg, "sts:TagSession") {
		t.Fatalf("msg %q", msg)
	}
}

func TestGetAccessKeyInfo(t *testing.T) {
	f := newFixture(t)
	out, err := f.aliceSTS.GetAccessKeyInfo(Ctx, &awssts.GetAccessKeyInfoInput{AccessKeyId: aws.String(f.aliceKey.AccessKeyID)})
	if err != nil || *out.Account != "000000000000" {
		t.Fatalf("%+v %v", out, err)
	}
}

func TestExpiredSession(t *testing.T) {
	// The server's clock runs ahead of the real one on demand: the test
	// moves it past the expiry instead of sleeping until then (signatures
	// stay within the 15-minute skew the server allows).
	var ahead atomic.Int64
	f := newFixture(t, gatehousetest.WithClock(func() time.Time { return time.Now().Add(time.Duration(ahead.Load())) }))
	roleARN := f.role(t, "short", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`, 0)
	cr, err := f.srv.App.STS.RoleCredentials(context.Background(), roleARN, "brief", time.Second)
	if err != nil {
		t.Fatal(err)
	}
	ahead.Store(int64(time.Until(cr.Expiration) + time.Second))
	_, err = STS(f.srv.URL, cr.AccessKeyID, cr.SecretAccessKey, cr.SessionToken).GetCallerIdentity(Ctx, &awssts.GetCallerIdentityInput{})
	if msg := WantCode(t, err, "ExpiredToken"); msg != "The security token included in the request is expired" {
		t.Fatalf("msg %q", msg)
	}
	_, err = IAM(f.srv.URL, cr.AccessKeyID, cr.SecretAccessKey, cr.SessionToken).ListUsers(Ctx, &awsiam.ListUsersInput{})
	WantCode(t, err, "ExpiredToken")
}

func TestGetFederationToken(t *testing.T) {
	f := newFixture(t)
	_, err := f.aliceSTS.GetFederationToken(Ctx, &awssts.GetFederationTokenInput{Name: aws.String("fed")})
	WantCode(t, err, "AccessDenied") // alice has no sts:GetFederationToken
	f.root.PutUserPolicy(Ctx, &awsiam.PutUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("fed"), PolicyDocument: aws.String(
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sts:GetFederationToken","execute-api:Invoke"],"Resource":"*"}]}`)})
	out, err := f.aliceSTS.GetFederationToken(Ctx, &awssts.GetFederationTokenInput{Name: aws.String("fed"), DurationSeconds: aws.Int32(900),
		Policy: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:*:*:api1/*"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	if *out.FederatedUser.Arn != "arn:aws:sts::000000000000:federated-user/fed" || *out.FederatedUser.FederatedUserId != "000000000000:fed" {
		t.Fatalf("%+v", out.FederatedUser)
	}
	c := out.Credentials
	id, err := STS(f.srv.URL, *c.AccessKeyId, *c.SecretAccessKey, *c.SessionToken).GetCallerIdentity(Ctx, &awssts.GetCallerIdentityInput{})
	if err != nil || *id.Arn != "arn:aws:sts::000000000000:federated-user/fed" || *id.UserId != "000000000000:fed" {
		t.Fatalf("identity %+v %v", id, err)
	}
	// Federated users cannot call IAM.
	_, err = IAM(f.srv.URL, *c.AccessKeyId, *c.SecretAccessKey, *c.SessionToken).ListUsers(Ctx, &awsiam.ListUsersInput{})
	WantCode(t, err, "AccessDenied")
	// Their permissions: the user's ∩ the session policy.
	svc := f.srv.App.IAM
	invoke := func(akid, secret, tok, api string) policy.Effect {
		cr, err := svc.Authenticator().Resolve(akid, tok)
		if err != nil {
			t.Fatal(err)
		}
		return svc.Authorize(cr.Identity.(*authn.Principal), iam.AuthzRequest{Action: "execute-api:Invoke",
			Resource: "arn:aws:execute-api:us-east-1:000000000000:" + api + "/prod/GET/x"}).Effect
	}
	if e := invoke(*c.AccessKeyId, *c.SecretAccessKey, *c.SessionToken, "api1"); e != policy.Allowed {
		t.Fatalf("api1: %v", e)
	}
	if e := invoke(*c.AccessKeyId, *c.SecretAccessKey, *c.SessionToken, "api2"); e == policy.Allowed {
		t.Fatal("api2 allowed beyond the session policy")
	}
	// Without a session policy a federated user has no permissions.
	bare, err := f.aliceSTS.GetFederationToken(Ctx, &awssts.GetFederationTokenInput{Name: aws.String("bare")})
	if err != nil {
		t.Fatal(err)
	}
	bc := bare.Credentials
	if e := invoke(*bc.AccessKeyId, *bc.SecretAccessKey, *bc.SessionToken, "api1"); e == policy.Allowed {
		t.Fatal("federated user without session policy allowed")
	}
	_, err = f.rootSTS.GetFederationToken(Ctx, &awssts.GetFederationTokenInput{Name: aws.String("rootfed")})
	WantCode(t, err, "AccessDenied")
}
