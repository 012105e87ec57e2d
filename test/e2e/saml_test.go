package e2e_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	awssts "github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/gatehouse-dev/gatehouse/internal/gatehousetest"
	. "github.com/gatehouse-dev/gatehouse/internal/iam/iamtest"
	"github.com/gatehouse-dev/gatehouse/internal/sts/samltest"
)

// TestE2EAssumeRoleWithSAML: a test IdP's signed SAML response assumes a
// role through the gatehouse binary, with aws-sdk-go-v2 (unsigned call, as
// the SDK makes it) and the AWS CLI; the trust policy decides with saml:*
// keys; tampered, foreign-signed, expired and misaddressed responses get
// AWS's errors.
func TestE2EAssumeRoleWithSAML(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	env := []string{"GATEHOUSE_ROOT_ACCESS_KEY_ID=" + gatehousetest.AccessKeyID, "GATEHOUSE_ROOT_SECRET_ACCESS_KEY=" + gatehousetest.SecretAccessKey}
	p := gatehousetest.StartBinary(t, filepath.Join(dir, "data"), env)
	ctx := context.Background()
	root := IAM(p.URL, gatehousetest.AccessKeyID, gatehousetest.SecretAccessKey, "")

	idp, err := samltest.New("https://idp.example.com/saml")
	if err != nil {
		t.Fatal(err)
	}
	cp, err := root.CreateSAMLProvider(ctx, &awsiam.CreateSAMLProviderInput{Name: aws.String("test-idp"), SAMLMetadataDocument: aws.String(idp.Metadata())})
	if err != nil {
		t.Fatal(err)
	}
	provArn := *cp.SAMLProviderArn
	trust, _ := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{
		"Effect": "Allow", "Principal": map[string]any{"Federated": provArn}, "Action": "sts:AssumeRoleWithSAML",
		"Condition": map[string]any{
			"StringEquals":             map[string]any{"SAML:aud": "https://signin.aws.amazon.com/saml", "saml:iss": idp.EntityID},
			"ForAnyValue:StringEquals": map[string]any{"saml:edupersonaffiliation": "staff"},
		}}}})
	cr, err := root.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String("saml-role"), AssumeRolePolicyDocument: aws.String(string(trust))})
	if err != nil {
		t.Fatal(err)
	}
	roleArn := *cr.Role.Arn
	staff := map[string][]string{"urn:oid:1.3.6.1.4.1.5923.1.1.1.1": {"member", "staff"}}
	assertion := func(mod func(a *samltest.Assertion)) string {
		a := samltest.Assertion{Subject: "alice@example.com", Roles: []string{roleArn + "," + provArn}, SessionName: "alice", Attrs: staff}
		if mod != nil {
			mod(&a)
		}
		s, err := idp.Response(a)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	// The SDK sends AssumeRoleWithSAML unsigned (anonymous credentials
	// make that explicit here).
	anon := awssts.New(awssts.Options{Region: gatehousetest.Region, BaseEndpoint: aws.String(p.URL), Credentials: aws.AnonymousCredentials{}})
	call := func(b64 string, mod func(in *awssts.AssumeRoleWithSAMLInput)) (*awssts.AssumeRoleWithSAMLOutput, error) {
		in := &awssts.AssumeRoleWithSAMLInput{RoleArn: aws.String(roleArn), PrincipalArn: aws.String(provArn), SAMLAssertion: aws.String(b64)}
		if mod != nil {
			mod(in)
		}
		return anon.AssumeRoleWithSAML(ctx, in)
	}

	start := time.Now()
	out, err := call(assertion(nil), func(in *awssts.AssumeRoleWithSAMLInput) { in.DurationSeconds = aws.Int32(900) })
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("AssumeRoleWithSAML (sdk, binary) took %v", time.Since(start))
	wantARN := "arn:aws:sts::000000000000:assumed-role/saml-role/alice"
	if *out.AssumedRoleUser.Arn != wantARN || *out.Subject != "alice@example.com" || *out.SubjectType != "persistent" ||
		*out.Issuer != idp.EntityID || *out.Audience != "https://signin.aws.amazon.com/saml" || len(*out.NameQualifier) != 28 {
		t.Fatalf("output %+v %+v", out, out.AssumedRoleUser)
	}
	if d := time.Until(*out.Credentials.Expiration); d > 15*time.Minute || d < 10*time.Minute {
		t.Fatalf("expiration in %v", d)
	}
	c := out.Credentials
	id, err := STS(p.URL, *c.AccessKeyId, *c.SecretAccessKey, *c.SessionToken).GetCallerIdentity(ctx, &awssts.GetCallerIdentityInput{})
	if err != nil || *id.Arn != wantARN {
		t.Fatalf("GetCallerIdentity %v %v", id, err)
	}

	// The AWS CLI (v1, botocore) sends it unsigned too (--no-sign-request
	// is implied by the operation's auth type).
	if _, err := exec.LookPath("aws"); err == nil {
		f := filepath.Join(dir, "assertion.b64")
		os.WriteFile(f, []byte(assertion(func(a *samltest.Assertion) { a.SessionName = "alice-cli" })), 0o600)
		cmd := exec.Command("aws", "sts", "assume-role-with-saml", "--role-arn", roleArn, "--principal-arn", provArn,
			"--saml-assertion", "file://"+f, "--output", "json")
		cmd.Env = gatehousetest.ClientEnv(p.URL, "", "")
		b, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(b), "assumed-role/saml-role/alice-cli") {
			t.Fatalf("aws cli: %v\n%s", err, b)
		}
	}

	// The trust policy's saml: conditions decide.
	_, err = call(assertion(func(a *samltest.Assertion) {
		a.Attrs = map[string][]string{"urn:oid:1.3.6.1.4.1.5923.1.1.1.1": {"student"}}
	}), nil)
	WantCode(t, err, "AccessDenied")
	// The requested role must be one the assertion lists.
	_, err = call(assertion(func(a *samltest.Assertion) { a.Roles = []string{"arn:aws:iam::000000000000:role/other," + provArn} }), nil)
	WantCode(t, err, "AccessDenied")

	other, _ := samltest.New(idp.EntityID)
	foreign, _ := other.Response(samltest.Assertion{Subject: "alice@example.com", Roles: []string{roleArn + "," + provArn}, SessionName: "alice", Attrs: staff})
	_, err = call(foreign, nil)
	if _, msg := Code(err); msg != "Response signature invalid" {
		t.Fatalf("foreign key: %v", err)
	}
	WantCode(t, err, "InvalidIdentityToken")
	_, err = call(assertion(func(a *samltest.Assertion) { a.IssueInstant = time.Now().Add(-20 * time.Minute) }), nil)
	WantCode(t, err, "ExpiredTokenException")
	_, err = call(assertion(func(a *samltest.Assertion) { a.Audience = "https://sp.example.com" }), nil)
	WantCode(t, err, "InvalidIdentityToken")
	_, err = call(assertion(func(a *samltest.Assertion) { a.Issuer = "https://other.example.com" }), nil)
	WantCode(t, err, "InvalidIdentityToken")
	_, err = call(assertion(nil), func(in *awssts.AssumeRoleWithSAMLInput) {
		in.PrincipalArn = aws.String("arn:aws:iam::000000000000:saml-provider/nope")
	})
	WantCode(t, err, "InvalidIdentityToken")
	_, err = call(assertion(nil), func(in *awssts.AssumeRoleWithSAMLInput) { in.DurationSeconds = aws.Int32(7200) })
	WantCode(t, err, "ValidationError")
}
