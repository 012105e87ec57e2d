// Package multinode runs two gatehouse nodes on one PostgreSQL store, as a
// production deployment behind a load balancer would, and checks that what
// one node writes the other serves.
package multinode

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/jackc/pgx/v5"

	"github.com/gatehouse-dev/gatehouse/internal/config"
	"github.com/gatehouse-dev/gatehouse/internal/gatehousetest"
)

var dbSeq atomic.Int64

func freshDB(t *testing.T) string {
	t.Helper()
	base := os.Getenv("GATEHOUSE_TEST_PGURL")
	if base == "" {
		t.Skip("GATEHOUSE_TEST_PGURL not set; multi-node tests need PostgreSQL (.ci/run starts one)")
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	name := fmt.Sprintf("gh_multinode_%d_%d", os.Getpid(), dbSeq.Add(1))
	conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if c, err := pgx.Connect(ctx, base); err == nil {
			c.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
			c.Close(ctx)
		}
	})
	u, _ := url.Parse(base)
	u.Path = "/" + name
	return u.String()
}

func clients(url, key, secret, token string) (*iam.Client, *sts.Client) {
	cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider(key, secret, token)}
	return iam.NewFromConfig(cfg, func(o *iam.Options) { o.BaseEndpoint = aws.String(url) }),
		sts.NewFromConfig(cfg, func(o *sts.Options) { o.BaseEndpoint = aws.String(url) })
}

// eventually retries f until it succeeds or 5 s pass (nodes poll every 500 ms).
func eventually(t *testing.T, what string, f func() error) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: still failing after 5s: %v", what, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestTwoNodesOneStore(t *testing.T) {
	db := freshDB(t)
	// Nodes share the store, so they must share the master key that
	// encrypts secrets in it (GATEHOUSE_MASTER_KEY).
	onPG := func(c *config.Config) {
		c.Store = db
		c.MasterKey = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
	}
	a := gatehousetest.Start(t, onPG)
	b := gatehousetest.Start(t, onPG)
	ctx := context.Background()

	iamA, _ := clients(a.URL, gatehousetest.AccessKeyID, gatehousetest.SecretAccessKey, "")
	if _, err := iamA.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("alice")}); err != nil {
		t.Fatal(err)
	}
	key, err := iamA.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("alice")})
	if err != nil {
		t.Fatal(err)
	}
	_, stsB := clients(b.URL, *key.AccessKey.AccessKeyId, *key.AccessKey.SecretAccessKey, "")
	eventually(t, "node B recognises alice's new key", func() error {
		id, err := stsB.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err == nil && *id.Arn != "arn:aws:iam::000000000000:user/alice" {
			return fmt.Errorf("caller %s", *id.Arn)
		}
		return err
	})

	// A session issued by node B verifies on node A: tokens are sealed,
	// and the sealing keys live in the shared store.
	iamB, _ := clients(b.URL, gatehousetest.AccessKeyID, gatehousetest.SecretAccessKey, "")
	if _, err := iamB.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("reader"), AssumeRolePolicyDocument: aws.String(
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:user/alice"},"Action":"sts:AssumeRole"}]}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := iamB.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("assume"), PolicyDocument: aws.String(
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}`)}); err != nil {
		t.Fatal(err)
	}
	var creds *sts.AssumeRoleOutput
	eventually(t, "node B assumes the role for alice", func() error {
		var err error
		creds, err = stsB.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::000000000000:role/reader"), RoleSessionName: aws.String("s1")})
		return err
	})
	_, stsA := clients(a.URL, *creds.Credentials.AccessKeyId, *creds.Credentials.SecretAccessKey, *creds.Credentials.SessionToken)
	eventually(t, "node A accepts node B's session", func() error {
		id, err := stsA.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err == nil && *id.Arn != "arn:aws:sts::000000000000:assumed-role/reader/s1" {
			return fmt.Errorf("caller %s", *id.Arn)
		}
		return err
	})

	// Deleting the key on A revokes it on B: never fail open.
	if _, err := iamA.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: aws.String("alice"), AccessKeyId: key.AccessKey.AccessKeyId}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "node B refuses the deleted key", func() error {
		if _, err := stsB.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err == nil {
			return fmt.Errorf("deleted key still accepted")
		}
		return nil
	})
}
