package iam_test

import (
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	awssts "github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/gatehouse-dev/gatehouse/internal/gatehousetest"
	"github.com/gatehouse-dev/gatehouse/internal/iam"
	. "github.com/gatehouse-dev/gatehouse/internal/iam/iamtest"
)

// TestCreateAccessKeyDrawsAgainOnCollision forces the id generator to
// repeat an id in use (the root's, then the first new key's): each new key
// gets an id of its own, both sign requests as their owner, and the root
// key is untouched.
func TestCreateAccessKeyDrawsAgainOnCollision(t *testing.T) {
	srv, ic, _ := rootClients(t)
	first, second := iam.NewID("AKIA", gatehousetest.AccountID, 20), iam.NewID("AKIA", gatehousetest.AccountID, 20)
	var mu sync.Mutex
	seq := []string{gatehousetest.AccessKeyID, first, first, gatehousetest.AccessKeyID, second}
	draws := 0
	defer iam.SetAccessKeyIDSource(func(string) string {
		mu.Lock()
		defer mu.Unlock()
		draws++
		if len(seq) == 0 {
			t.Error("more draws than expected")
			return iam.NewID("AKIA", gatehousetest.AccountID, 20)
		}
		id := seq[0]
		seq = seq[1:]
		return id
	})()

	if _, err := ic.CreateUser(Ctx, &awsiam.CreateUserInput{UserName: aws.String("alice")}); err != nil {
		t.Fatal(err)
	}
	var got []*awsiam.CreateAccessKeyOutput
	for range 2 {
		k, err := ic.CreateAccessKey(Ctx, &awsiam.CreateAccessKeyInput{UserName: aws.String("alice")})
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, k)
	}
	if id := *got[0].AccessKey.AccessKeyId; id != first {
		t.Fatalf("first key id %s, want %s (the root's id drawn first must be skipped)", id, first)
	}
	if id := *got[1].AccessKey.AccessKeyId; id != second {
		t.Fatalf("second key id %s, want %s", id, second)
	}
	if draws != 5 {
		t.Fatalf("%d draws, want 5", draws)
	}
	for _, k := range got {
		sc := STS(srv.URL, *k.AccessKey.AccessKeyId, *k.AccessKey.SecretAccessKey, "")
		id, err := sc.GetCallerIdentity(Ctx, &awssts.GetCallerIdentityInput{})
		if err != nil {
			t.Fatalf("key %s: %v", *k.AccessKey.AccessKeyId, err)
		}
		if !strings.HasSuffix(*id.Arn, ":user/alice") {
			t.Fatalf("key %s signs as %s", *k.AccessKey.AccessKeyId, *id.Arn)
		}
	}
	root := STS(srv.URL, gatehousetest.AccessKeyID, gatehousetest.SecretAccessKey, "")
	if id, err := root.GetCallerIdentity(Ctx, &awssts.GetCallerIdentityInput{}); err != nil || !strings.HasSuffix(*id.Arn, ":root") {
		t.Fatalf("root key after the collisions: %v %v", id, err)
	}
}
