package condkeys

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
)

// TestTagDenyHoldsOnEveryIAMCreate: a Deny conditioned on aws:TagKeys
// stops every IAM operation that attaches tags, including the Create*
// operations whose table entry does not declare the tagging keys (the
// typed table's inputs carry them; a Create* input that forgot its Tags
// member would let the tag past the Deny). Black-box, through the SDK.
func TestTagDenyHoldsOnEveryIAMCreate(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the gatehouse binary")
	}
	f := setup(t)
	ctx := context.Background()
	name := "tag-deny"
	if _, err := f.rootIAM.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name)}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.rootIAM.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String(name), PolicyName: aws.String("p"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[
{"Effect":"Allow","Action":"iam:*","Resource":"*"},
{"Effect":"Deny","Action":"iam:*","Resource":"*","Condition":{"ForAnyValue:StringEquals":{"aws:TagKeys":"blocked"}}}]}`)}); err != nil {
		t.Fatal(err)
	}
	k, err := f.rootIAM.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	c := iam.NewFromConfig(cfgFor(f.srv.URL, aws.Credentials{AccessKeyID: *k.AccessKey.AccessKeyId, SecretAccessKey: *k.AccessKey.SecretAccessKey}))
	tags := func(key string) []iamtypes.Tag { return []iamtypes.Tag{{Key: aws.String(key), Value: aws.String("v")}} }
	calls := map[string]func(key, id string) error{
		"CreateUser": func(key, id string) error {
			_, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("u" + id), Tags: tags(key)})
			return err
		},
		"CreateVirtualMFADevice": func(key, id string) error {
			_, err := c.CreateVirtualMFADevice(ctx, &iam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String("m" + id), Tags: tags(key)})
			return err
		},
		"TagRole": func(key, id string) error {
			_, err := c.TagRole(ctx, &iam.TagRoleInput{RoleName: aws.String("target"), Tags: tags(key)})
			return err
		},
		"UntagRole": func(key, id string) error {
			_, err := c.UntagRole(ctx, &iam.UntagRoleInput{RoleName: aws.String("target"), TagKeys: []string{key}})
			return err
		},
	}
	for op, call := range calls {
		if err := call("blocked", "1"); classify(err).String() != "deny" {
			t.Errorf("%s with tag key \"blocked\": %v, want AccessDenied", op, err)
		}
		if err := call("fine", "2"); err != nil {
			t.Errorf("%s with tag key \"fine\": %v, want allowed", op, err)
		}
	}
}
