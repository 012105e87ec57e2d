package ssm_test

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/aws/smithy-go"

	"github.com/gatehouse-dev/gatehouse/internal/gatehousetest"
)

func awsConfig(url, key, secret string) aws.Config {
	return aws.Config{Region: gatehousetest.Region, Credentials: credentials.NewStaticCredentialsProvider(key, secret, ""),
		BaseEndpoint: aws.String(url), RetryMaxAttempts: 1}
}

func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// TestSSMAWSCLI: the calls `cdk deploy` and a user make, with the AWS CLI.
func TestSSMAWSCLI(t *testing.T) {
	path, err := exec.LookPath("aws")
	if err != nil {
		t.Skip("skipped: the AWS CLI is not installed")
	}
	if testing.Short() {
		t.Skip("skipped in -short: starts the AWS CLI 13 times")
	}
	srv := gatehousetest.Start(t)
	run := func(args ...string) (string, error) {
		cmd := exec.Command(path, append(args, "--endpoint-url", srv.URL)...)
		cmd.Env = srv.Env()
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	for _, tc := range []struct {
		args    []string
		want    string
		wantErr bool
	}{
		{[]string{"ssm", "put-parameter", "--name", "/cdk-bootstrap/hnb659fds/version", "--value", "21", "--type", "String"}, `"Version": 1`, false},
		{[]string{"ssm", "get-parameter", "--name", "/cdk-bootstrap/hnb659fds/version", "--query", "Parameter.Value", "--output", "text"}, "21", false},
		{[]string{"ssm", "put-parameter", "--name", "/cdk-bootstrap/hnb659fds/version", "--value", "22", "--type", "String"}, "ParameterAlreadyExists", true},
		{[]string{"ssm", "put-parameter", "--name", "/cdk-bootstrap/hnb659fds/version", "--value", "22", "--overwrite"}, `"Version": 2`, false},
		{[]string{"ssm", "put-parameter", "--name", "/app/db/password", "--value", "hunter2", "--type", "SecureString"}, `"Version": 1`, false},
		{[]string{"ssm", "get-parameter", "--name", "/app/db/password", "--with-decryption", "--query", "Parameter.Value", "--output", "text"}, "hunter2", false},
		{[]string{"ssm", "get-parameters-by-path", "--path", "/app", "--recursive", "--with-decryption", "--query", "Parameters[].Name", "--output", "text"}, "/app/db/password", false},
		{[]string{"ssm", "get-parameters", "--names", "/app/db/password", "/nope", "--query", "InvalidParameters", "--output", "text"}, "/nope", false},
		{[]string{"ssm", "describe-parameters", "--parameter-filters", "Key=Type,Values=SecureString", "--query", "Parameters[].Name", "--output", "text"}, "/app/db/password", false},
		{[]string{"ssm", "get-parameter", "--name", "/cdk-bootstrap/hnb659fds/version:1", "--query", "Parameter.Value", "--output", "text"}, "21", false},
		{[]string{"ssm", "put-parameter", "--name", "/aws/reserved", "--value", "x", "--type", "String"}, "ValidationException", true},
		{[]string{"ssm", "delete-parameter", "--name", "/app/db/password"}, "", false},
		{[]string{"ssm", "get-parameter", "--name", "/app/db/password"}, "ParameterNotFound", true},
	} {
		out, err := run(tc.args...)
		if (err != nil) != tc.wantErr || !strings.Contains(out, tc.want) {
			t.Errorf("aws %v: %v\n%s\nwant %q (error %v)", tc.args, err, out, tc.want, tc.wantErr)
		}
	}
}

// TestSSMGoSDK: aws-sdk-go-v2's client, paginators and typed errors;
// SecureString values are not stored in clear; an unauthorized caller is
// refused.
func TestSSMGoSDK(t *testing.T) {
	srv := gatehousetest.Start(t)
	ctx := context.Background()
	c := ssm.NewFromConfig(awsConfig(srv.URL, gatehousetest.AccessKeyID, gatehousetest.SecretAccessKey))
	for i := 0; i < 13; i++ {
		typ := types.ParameterTypeString
		if i%3 == 0 {
			typ = types.ParameterTypeSecureString
		}
		name := fmt.Sprintf("/svc/a/p%02d", i)
		if i >= 10 {
			name = fmt.Sprintf("/svc/a/deep/p%02d", i)
		}
		if _, err := c.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String(name), Value: aws.String(fmt.Sprintf("value-%d", i)), Type: typ,
			Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("a")}}}); err != nil {
			t.Fatal(err)
		}
	}
	var names []string
	p := ssm.NewGetParametersByPathPaginator(c, &ssm.GetParametersByPathInput{Path: aws.String("/svc/a"), WithDecryption: aws.Bool(true), MaxResults: aws.Int32(4)})
	for pages := 0; p.HasMorePages(); pages++ {
		out, err := p.NextPage(ctx)
		if err != nil || pages > 10 {
			t.Fatalf("page %d: %v", pages, err)
		}
		for _, prm := range out.Parameters {
			names = append(names, *prm.Name)
			if !strings.HasPrefix(*prm.Value, "value-") {
				t.Errorf("%s = %q, not decrypted", *prm.Name, *prm.Value)
			}
		}
	}
	if len(names) != 10 {
		t.Errorf("one level: %d names %v", len(names), names)
	}
	rec, err := c.GetParametersByPath(ctx, &ssm.GetParametersByPathInput{Path: aws.String("/svc"), Recursive: aws.Bool(true), MaxResults: aws.Int32(10)})
	if err != nil || len(rec.Parameters) != 10 || rec.NextToken == nil {
		t.Errorf("recursive first page: %v %d %v", err, len(rec.Parameters), rec.NextToken)
	}
	enc, err := c.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/svc/a/p00")})
	if err != nil || strings.Contains(*enc.Parameter.Value, "value-0") {
		t.Errorf("without decryption: %v %v", err, enc)
	}
	// At rest: no SecureString plaintext in the store.
	recs, err := srv.App.Store.List(ctx, "ssm/parameter", "")
	if err != nil || len(recs) != 13 {
		t.Fatalf("records: %v %d", err, len(recs))
	}
	for _, r := range recs {
		if strings.Contains(r.Key, "p00") && strings.Contains(string(r.Value), "value-0") {
			t.Errorf("SecureString stored in clear: %s", r.Value)
		}
	}
	d, err := c.DescribeParameters(ctx, &ssm.DescribeParametersInput{ParameterFilters: []types.ParameterStringFilter{
		{Key: aws.String("Path"), Option: aws.String("Recursive"), Values: []string{"/svc/a/deep"}}}})
	if err != nil || len(d.Parameters) != 3 || *d.Parameters[0].LastModifiedUser != "arn:aws:iam::000000000000:root" {
		t.Errorf("DescribeParameters: %v %+v", err, d)
	}
	tags, err := c.ListTagsForResource(ctx, &ssm.ListTagsForResourceInput{ResourceType: types.ResourceTypeForTaggingParameter, ResourceId: aws.String("/svc/a/p01")})
	if err != nil || len(tags.TagList) != 1 {
		t.Errorf("ListTagsForResource: %v %+v", err, tags)
	}
	h, err := c.GetParameterHistory(ctx, &ssm.GetParameterHistoryInput{Name: aws.String("/svc/a/p01")})
	if err != nil || len(h.Parameters) != 1 || *h.Parameters[0].Value != "value-1" {
		t.Errorf("history: %v %+v", err, h)
	}
	_, err = c.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/svc/none")})
	var nf *types.ParameterNotFound
	if !errors.As(err, &nf) {
		t.Errorf("missing: %v", err)
	}
	del, err := c.DeleteParameters(ctx, &ssm.DeleteParametersInput{Names: []string{"/svc/a/p01", "/svc/none"}})
	if err != nil || len(del.DeletedParameters) != 1 || len(del.InvalidParameters) != 1 {
		t.Errorf("DeleteParameters: %v %+v", err, del)
	}

	// A user allowed to read /svc/a/* only, and only with team=a tags.
	ic := iam.NewFromConfig(awsConfig(srv.URL, gatehousetest.AccessKeyID, gatehousetest.SecretAccessKey))
	if _, err := ic.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("reader")}); err != nil {
		t.Fatal(err)
	}
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ssm:GetParameter","Resource":"arn:aws:ssm:us-east-1:000000000000:parameter/svc/a/*","Condition":{"StringEquals":{"aws:ResourceTag/team":"a"}}}]}`
	if _, err := ic.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("reader"), PolicyName: aws.String("r"), PolicyDocument: aws.String(doc)}); err != nil {
		t.Fatal(err)
	}
	k, err := ic.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("reader")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String("/svc/a/untagged"), Value: aws.String("u"), Type: types.ParameterTypeString}); err != nil {
		t.Fatal(err)
	}
	rc := ssm.NewFromConfig(awsConfig(srv.URL, *k.AccessKey.AccessKeyId, *k.AccessKey.SecretAccessKey))
	if _, err := rc.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/svc/a/p02")}); err != nil {
		t.Errorf("reader, tagged: %v", err)
	}
	for _, name := range []string{"/svc/a/untagged", "/other"} {
		_, err := rc.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(name)})
		if apiCode(err) != "AccessDeniedException" || !strings.Contains(err.Error(), "user/reader is not authorized to perform: ssm:GetParameter on resource: arn:aws:ssm:us-east-1:000000000000:parameter"+name) {
			t.Errorf("reader %s: %v", name, err)
		}
	}
	_, err = rc.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String("/svc/a/p02"), Value: aws.String("x"), Overwrite: aws.Bool(true)})
	if apiCode(err) != "AccessDeniedException" {
		t.Errorf("reader PutParameter: %v", err)
	}
}

// TestSSMValidation: PutParameter's checks, in Parameter Store's words.
func TestSSMValidation(t *testing.T) {
	srv := gatehousetest.Start(t)
	ctx := context.Background()
	c := ssm.NewFromConfig(awsConfig(srv.URL, gatehousetest.AccessKeyID, gatehousetest.SecretAccessKey))
	for _, tc := range []struct {
		name string
		in   ssm.PutParameterInput
		want string
	}{
		{"no type on create", ssm.PutParameterInput{Name: aws.String("/x"), Value: aws.String("v")}, "ValidationException"},
		{"reserved prefix", ssm.PutParameterInput{Name: aws.String("ssm-thing"), Value: aws.String("v"), Type: types.ParameterTypeString}, "ValidationException"},
		{"not fully qualified", ssm.PutParameterInput{Name: aws.String("a/b"), Value: aws.String("v"), Type: types.ParameterTypeString}, "ValidationException"},
		{"bad characters", ssm.PutParameterInput{Name: aws.String("/a b"), Value: aws.String("v"), Type: types.ParameterTypeString}, "ValidationException"},
		{"16 levels", ssm.PutParameterInput{Name: aws.String(strings.Repeat("/a", 16)), Value: aws.String("v"), Type: types.ParameterTypeString}, "HierarchyLevelLimitExceededException"},
		{"value too long", ssm.PutParameterInput{Name: aws.String("/long"), Value: aws.String(strings.Repeat("v", 4097)), Type: types.ParameterTypeString}, "ValidationException"},
		{"pattern", ssm.PutParameterInput{Name: aws.String("/pat"), Value: aws.String("abc"), Type: types.ParameterTypeString, AllowedPattern: aws.String("^[0-9]+$")}, "ParameterPatternMismatchException"},
		{"tags with overwrite", ssm.PutParameterInput{Name: aws.String("/t"), Value: aws.String("v"), Type: types.ParameterTypeString, Overwrite: aws.Bool(true),
			Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}}, "ValidationException"},
		{"a KMS key", ssm.PutParameterInput{Name: aws.String("/k"), Value: aws.String("v"), Type: types.ParameterTypeSecureString, KeyId: aws.String("alias/mine")}, "InvalidKeyId"},
	} {
		_, err := c.PutParameter(ctx, &tc.in)
		if apiCode(err) != tc.want {
			t.Errorf("%s: %v, want %s", tc.name, err, tc.want)
		}
	}
	if _, err := c.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String("plain"), Value: aws.String("a,b"), Type: types.ParameterTypeStringList}); err != nil {
		t.Errorf("a name without hierarchy: %v", err)
	}
	out, err := c.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("arn:aws:ssm:us-east-1:000000000000:parameter/plain")})
	if err != nil || *out.Parameter.Value != "a,b" || *out.Parameter.ARN != "arn:aws:ssm:us-east-1:000000000000:parameter/plain" {
		t.Errorf("by ARN: %v %+v", err, out)
	}
	// Regions are separate stores, as on AWS.
	eu := ssm.NewFromConfig(awsConfig(srv.URL, gatehousetest.AccessKeyID, gatehousetest.SecretAccessKey), func(o *ssm.Options) { o.Region = "eu-west-1" })
	if _, err := eu.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("plain")}); apiCode(err) != "ParameterNotFound" {
		t.Errorf("another region: %v", err)
	}
}
