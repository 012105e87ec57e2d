package iam_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	awssts "github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/gatehouse-dev/gatehouse/internal/config"
	"github.com/gatehouse-dev/gatehouse/internal/gatehousetest"
	. "github.com/gatehouse-dev/gatehouse/internal/iam/iamtest"
)

// state is what a test writes before a restart and checks after it.
type state struct {
	keyID, secret        string
	sessKey, sessSecret  string
	sessToken, policyARN string
}

func writeState(t *testing.T, url string) state {
	ic := IAM(url, gatehousetest.AccessKeyID, gatehousetest.SecretAccessKey, "")
	u, err := ic.CreateUser(Ctx, &awsiam.CreateUserInput{UserName: aws.String("durable")})
	if err != nil {
		t.Fatal(err)
	}
	k, err := ic.CreateAccessKey(Ctx, &awsiam.CreateAccessKeyInput{UserName: aws.String("durable")})
	if err != nil {
		t.Fatal(err)
	}
	p, err := ic.CreatePolicy(Ctx, &awsiam.CreatePolicyInput{PolicyName: aws.String("lists"), PolicyDocument: aws.String(
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:List*","Resource":"*"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ic.CreateRole(Ctx, &awsiam.CreateRoleInput{RoleName: aws.String("r"), AssumeRolePolicyDocument: aws.String(
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + *u.User.Arn + `"},"Action":"sts:AssumeRole"}]}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := ic.AttachRolePolicy(Ctx, &awsiam.AttachRolePolicyInput{RoleName: aws.String("r"), PolicyArn: p.Policy.Arn}); err != nil {
		t.Fatal(err)
	}
	out, err := STS(url, *k.AccessKey.AccessKeyId, *k.AccessKey.SecretAccessKey, "").AssumeRole(Ctx, &awssts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::000000000000:role/r"), RoleSessionName: aws.String("before")})
	if err != nil {
		t.Fatal(err)
	}
	c := out.Credentials
	return state{*k.AccessKey.AccessKeyId, *k.AccessKey.SecretAccessKey, *c.AccessKeyId, *c.SecretAccessKey, *c.SessionToken, *p.Policy.Arn}
}

func checkState(t *testing.T, url string, s state) {
	t.Helper()
	id, err := STS(url, s.keyID, s.secret, "").GetCallerIdentity(Ctx, &awssts.GetCallerIdentityInput{})
	if err != nil || *id.Arn != "arn:aws:iam::000000000000:user/durable" {
		t.Fatalf("user key after restart: %+v %v", id, err)
	}
	sess := IAM(url, s.sessKey, s.sessSecret, s.sessToken)
	if _, err := sess.ListUsers(Ctx, &awsiam.ListUsersInput{}); err != nil {
		t.Fatalf("session after restart: %v", err)
	}
	_, err = sess.CreateUser(Ctx, &awsiam.CreateUserInput{UserName: aws.String("nope")})
	WantCode(t, err, "AccessDenied")
}

func TestRestartKeepsState(t *testing.T) {
	dir := t.TempDir()
	srv := gatehousetest.Start(t, gatehousetest.WithDataDir(dir))
	s := writeState(t, srv.URL)
	srv.Close()
	// Secrets are encrypted at rest; the master key is private.
	for _, f := range []string{"gatehouse.db", "gatehouse.db-wal"} {
		b, _ := os.ReadFile(filepath.Join(dir, f))
		if bytes.Contains(b, []byte(s.secret)) || bytes.Contains(b, []byte(gatehousetest.SecretAccessKey)) {
			t.Fatalf("%s holds a plaintext secret", f)
		}
	}
	if fi, err := os.Stat(filepath.Join(dir, "master.key")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("master.key: %v %v", fi, err)
	}
	srv = gatehousetest.Start(t, gatehousetest.WithDataDir(dir))
	checkState(t, srv.URL, s)
}

// TestKill9 crashes a real gatehouse process right after acknowledged
// writes and checks that a new process over the same data dir has them.
func TestKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the gatehouse binary")
	}
	dir := t.TempDir()
	env := []string{"GATEHOUSE_ROOT_ACCESS_KEY_ID=" + gatehousetest.AccessKeyID, "GATEHOUSE_ROOT_SECRET_ACCESS_KEY=" + gatehousetest.SecretAccessKey}
	p := gatehousetest.StartBinary(t, dir, env)
	s := writeState(t, p.URL)
	p.Kill()
	p = gatehousetest.StartBinary(t, dir, env)
	checkState(t, p.URL, s)
}

// TestBootstrapKeyChange: restarting with other configured root credentials
// replaces the old configured key; keys created through the API stay.
func TestBootstrapKeyChange(t *testing.T) {
	dir := t.TempDir()
	srv := gatehousetest.Start(t, gatehousetest.WithDataDir(dir))
	ic := IAM(srv.URL, gatehousetest.AccessKeyID, gatehousetest.SecretAccessKey, "")
	extra, err := ic.CreateAccessKey(Ctx, &awsiam.CreateAccessKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	srv.Close()
	newID, newSecret := "AKIAGATEHOUSETEST002", "gatehouse/test/secret/key/0000000000000B"
	srv = gatehousetest.Start(t, gatehousetest.WithDataDir(dir), func(c *config.Config) {
		c.RootAccessKeyID, c.RootSecretAccessKey = newID, newSecret
	})
	if _, err := STS(srv.URL, newID, newSecret, "").GetCallerIdentity(Ctx, &awssts.GetCallerIdentityInput{}); err != nil {
		t.Fatal(err)
	}
	_, err = STS(srv.URL, gatehousetest.AccessKeyID, gatehousetest.SecretAccessKey, "").GetCallerIdentity(Ctx, &awssts.GetCallerIdentityInput{})
	WantCode(t, err, "InvalidClientTokenId")
	if _, err := STS(srv.URL, *extra.AccessKey.AccessKeyId, *extra.AccessKey.SecretAccessKey, "").GetCallerIdentity(Ctx, &awssts.GetCallerIdentityInput{}); err != nil {
		t.Fatal(err)
	}
}
