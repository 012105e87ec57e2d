package accountscli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	awssts "github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/gatehouse-dev/gatehouse/internal/gatehousetest"
	"github.com/gatehouse-dev/gatehouse/internal/iam/accountscli"
	. "github.com/gatehouse-dev/gatehouse/internal/iam/iamtest"
)

func setCreds(t *testing.T, id, secret string) {
	t.Setenv("AWS_ACCESS_KEY_ID", id)
	t.Setenv("AWS_SECRET_ACCESS_KEY", secret)
	t.Setenv("AWS_SESSION_TOKEN", "")
	t.Setenv("AWS_REGION", "eu-west-1")
	t.Setenv("AWS_CONFIG_FILE", "/nonexistent")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
	t.Setenv("AWS_PROFILE", "")
}

type created struct {
	AccountId, AccessKeyId, SecretAccessKey string
}

func run(t *testing.T, args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := accountscli.AccountsCommand(context.Background(), args, &out, &errb, os.Getenv)
	return code, out.String(), errb.String()
}

// TestCrossAccount creates a second account with the CLI, then has a user
// of account B assume a role in account A that trusts account B.
func TestCrossAccount(t *testing.T) {
	srv := gatehousetest.Start(t)
	setCreds(t, gatehousetest.AccessKeyID, gatehousetest.SecretAccessKey)
	code, out, errs := run(t, "create", "--account-id", "111122223333", "--name", "team-b", "--endpoint-url", srv.URL)
	if code != 0 {
		t.Fatalf("create: %d %s", code, errs)
	}
	var b created
	if err := json.Unmarshal([]byte(out), &b); err != nil || b.AccountId != "111122223333" || !strings.HasPrefix(b.AccessKeyId, "AKIA") || len(b.SecretAccessKey) != 40 {
		t.Fatalf("create output %q %v", out, err)
	}
	code, _, errs = run(t, "create", "--account-id", "111122223333", "--endpoint-url", srv.URL)
	if code == 0 || !strings.Contains(errs, "EntityAlreadyExists") {
		t.Fatalf("duplicate create: %d %s", code, errs)
	}
	code, out, _ = run(t, "list", "--endpoint-url", srv.URL)
	if code != 0 || !strings.Contains(out, "111122223333") || !strings.Contains(out, "000000000000") {
		t.Fatalf("list: %d %s", code, out)
	}
	// Account B's root may not create accounts.
	setCreds(t, b.AccessKeyId, b.SecretAccessKey)
	code, _, errs = run(t, "create", "--endpoint-url", srv.URL)
	if code == 0 || !strings.Contains(errs, "AccessDenied") {
		t.Fatalf("B create: %d %s", code, errs)
	}

	rootA := IAM(srv.URL, gatehousetest.AccessKeyID, gatehousetest.SecretAccessKey, "")
	rootB := IAM(srv.URL, b.AccessKeyId, b.SecretAccessKey, "")
	id, err := STS(srv.URL, b.AccessKeyId, b.SecretAccessKey, "").GetCallerIdentity(Ctx, &awssts.GetCallerIdentityInput{})
	if err != nil || *id.Arn != "arn:aws:iam::111122223333:root" {
		t.Fatalf("B identity %+v %v", id, err)
	}
	// Namespaces are separate: the same user name in both accounts.
	for _, c := range []*awsiam.Client{rootA, rootB} {
		if _, err := c.CreateUser(Ctx, &awsiam.CreateUserInput{UserName: aws.String("dev")}); err != nil {
			t.Fatal(err)
		}
	}
	// Root of B cannot touch A's users.
	if _, err := rootB.GetUser(Ctx, &awsiam.GetUserInput{UserName: aws.String("dev")}); err != nil {
		t.Fatal(err) // its own dev
	}
	role, err := rootA.CreateRole(Ctx, &awsiam.CreateRoleInput{RoleName: aws.String("shared"), AssumeRolePolicyDocument: aws.String(
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"sts:AssumeRole"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	k, _ := rootB.CreateAccessKey(Ctx, &awsiam.CreateAccessKeyInput{UserName: aws.String("dev")})
	devB := STS(srv.URL, *k.AccessKey.AccessKeyId, *k.AccessKey.SecretAccessKey, "")
	// Cross-account: the trust policy names account B, but B's user also
	// needs an identity policy allowing sts:AssumeRole.
	_, err = devB.AssumeRole(Ctx, &awssts.AssumeRoleInput{RoleArn: role.Role.Arn, RoleSessionName: aws.String("x-acct")})
	if msg := WantCode(t, err, "AccessDenied"); !strings.Contains(msg, "because no identity-based policy allows the sts:AssumeRole action") {
		t.Fatalf("msg %q", msg)
	}
	if _, err := rootB.PutUserPolicy(Ctx, &awsiam.PutUserPolicyInput{UserName: aws.String("dev"), PolicyName: aws.String("assume"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"` + *role.Role.Arn + `"}]}`)}); err != nil {
		t.Fatal(err)
	}
	out2, err := devB.AssumeRole(Ctx, &awssts.AssumeRoleInput{RoleArn: role.Role.Arn, RoleSessionName: aws.String("x-acct")})
	if err != nil {
		t.Fatal(err)
	}
	c := out2.Credentials
	id, err = STS(srv.URL, *c.AccessKeyId, *c.SecretAccessKey, *c.SessionToken).GetCallerIdentity(Ctx, &awssts.GetCallerIdentityInput{})
	if err != nil || *id.Arn != "arn:aws:sts::000000000000:assumed-role/shared/x-acct" || *id.Account != "000000000000" {
		t.Fatalf("session identity %+v %v", id, err)
	}
}

func TestCreateAccountNeedsPolicy(t *testing.T) {
	srv := gatehousetest.Start(t)
	root := IAM(srv.URL, gatehousetest.AccessKeyID, gatehousetest.SecretAccessKey, "")
	root.CreateUser(Ctx, &awsiam.CreateUserInput{UserName: aws.String("ops")})
	k, _ := root.CreateAccessKey(Ctx, &awsiam.CreateAccessKeyInput{UserName: aws.String("ops")})
	setCreds(t, *k.AccessKey.AccessKeyId, *k.AccessKey.SecretAccessKey)
	if code, _, errs := run(t, "create", "--endpoint-url", srv.URL); code == 0 || !strings.Contains(errs, "AccessDenied") {
		t.Fatalf("without policy: %d %s", code, errs)
	}
	root.PutUserPolicy(Ctx, &awsiam.PutUserPolicyInput{UserName: aws.String("ops"), PolicyName: aws.String("acct"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"gatehouse:CreateAccount","Resource":"*"}]}`)})
	code, out, errs := run(t, "create", "--endpoint-url", srv.URL)
	var c created
	if code != 0 || json.Unmarshal([]byte(out), &c) != nil || len(c.AccountId) != 12 {
		t.Fatalf("with policy: %d %s %s", code, out, errs)
	}
	if code, _, errs := run(t, "bogus"); code != 2 || !strings.HasPrefix(errs, "gatehouse accounts: unknown subcommand \"bogus\" (create or list)\n\nUsage:") {
		t.Fatalf("usage exit %d: %s", code, errs)
	}
}
