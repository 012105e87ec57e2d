package condkeys

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/gatehouse-dev/gatehouse/internal/gatehousetest"
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

// TestRequiredTagsHoldOnlyWhereAWSTakesTags: with a policy that allows an
// IAM creation only when it carries tags (Null aws:TagKeys false), a
// Create* operation whose AWS input has no Tags (CreateGroup,
// CreateAccessKey) is denied even when the request adds Tags.member.N
// parameters: the operation stores no tags, and in AWS the key is absent.
// CreateUser with tags is allowed, without them denied.
func TestRequiredTagsHoldOnlyWhereAWSTakesTags(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the gatehouse binary")
	}
	f := setup(t)
	ctx := context.Background()
	name := "tags-required"
	if _, err := f.rootIAM.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name)}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.rootIAM.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String(name), PolicyName: aws.String("p"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[
{"Effect":"Allow","Action":"iam:Create*","Resource":"*","Condition":{"Null":{"aws:TagKeys":"false"}}}]}`)}); err != nil {
		t.Fatal(err)
	}
	k, err := f.rootIAM.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	creds := aws.Credentials{AccessKeyID: *k.AccessKey.AccessKeyId, SecretAccessKey: *k.AccessKey.SecretAccessKey}
	c := iam.NewFromConfig(cfgFor(f.srv.URL, creds))
	if _, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("tagged"),
		Tags: []iamtypes.Tag{{Key: aws.String("team"), Value: aws.String("a")}}}); err != nil {
		t.Errorf("CreateUser with tags: %v, want allowed", err)
	}
	if _, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("untagged")}); classify(err).String() != "deny" {
		t.Errorf("CreateUser without tags: %v, want AccessDenied", err)
	}
	// The SDK has no Tags member for these operations: sign the form by hand.
	tagParams := "&Tags.member.1.Key=team&Tags.member.1.Value=a"
	for _, form := range []string{
		"Action=CreateGroup&Version=2010-05-08&GroupName=g1" + tagParams,
		"Action=CreateAccessKey&Version=2010-05-08&UserName=tagged" + tagParams,
	} {
		status, body := postSigned(t, f.srv.URL, creds, form)
		if status != http.StatusForbidden || !strings.Contains(body, "<Code>AccessDenied</Code>") {
			t.Errorf("%s: %d %s, want 403 AccessDenied", form, status, body)
		}
	}
}

// postSigned sends an IAM Query form signed with creds and returns the
// status and body.
func postSigned(t *testing.T, url string, creds aws.Credentials, form string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url+"/", strings.NewReader(form))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	gatehousetest.Sign(t, req, creds, "iam", []byte(form))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
