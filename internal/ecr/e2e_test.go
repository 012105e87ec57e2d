package ecr_test

import (
	"context"
	"errors"
	"os/exec"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/smithy-go"

	"github.com/gatehouse-dev/gatehouse/internal/gatehousetest"
)

// TestECRAWSCLI: what `serverless remove` and a user ask of the
// repository registry, with the AWS CLI, and its errors as ECR writes them.
func TestECRAWSCLI(t *testing.T) {
	path, err := exec.LookPath("aws")
	if err != nil {
		t.Skip("skipped: the AWS CLI is not installed")
	}
	if testing.Short() {
		t.Skip("skipped in -short: starts the AWS CLI")
	}
	srv := gatehousetest.Start(t)
	run := func(args ...string) (string, error) {
		cmd := exec.Command(path, append(args, "--endpoint-url", srv.URL)...)
		cmd.Env = srv.Env()
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	acct := gatehousetest.AccountID
	for _, tc := range []struct {
		args    []string
		want    string
		wantErr bool
	}{
		{[]string{"ecr", "describe-repositories", "--repository-names", "serverless-users-dev", "--registry-id", acct},
			"RepositoryNotFoundException) when calling the DescribeRepositories operation: The repository with name 'serverless-users-dev' does not exist in the registry with id '" + acct + "'", true},
		{[]string{"ecr", "create-repository", "--repository-name", "app/web", "--image-tag-mutability", "IMMUTABLE"},
			`"repositoryUri": "` + acct + `.dkr.ecr.us-east-1.amazonaws.com/app/web"`, false},
		{[]string{"ecr", "create-repository", "--repository-name", "app/web"}, "RepositoryAlreadyExistsException", true},
		{[]string{"ecr", "create-repository", "--repository-name", "App"}, "InvalidParameterException", true},
		{[]string{"ecr", "create-repository", "--repository-name", "zeta"}, `"repositoryArn": "arn:aws:ecr:us-east-1:` + acct + `:repository/zeta"`, false},
		{[]string{"ecr", "describe-repositories", "--repository-names", "app/web", "--query", "repositories[0].imageTagMutability", "--output", "text"}, "IMMUTABLE", false},
		{[]string{"ecr", "describe-repositories", "--query", "repositories[].repositoryName", "--output", "text"}, "app/web\tzeta", false},
		{[]string{"ecr", "describe-repositories", "--max-items", "1", "--query", "repositories[].repositoryName", "--output", "text"}, "app/web", false},
		{[]string{"ecr", "delete-repository", "--repository-name", "zeta", "--query", "repository.repositoryName", "--output", "text"}, "zeta", false},
		{[]string{"ecr", "delete-repository", "--repository-name", "zeta"}, "RepositoryNotFoundException", true},
		{[]string{"ecr", "describe-images", "--repository-name", "app/web"}, "UnknownOperationException", true},
	} {
		out, err := run(tc.args...)
		if (err != nil) != tc.wantErr || !strings.Contains(out, tc.want) {
			t.Errorf("aws %v: %v\n%s\nwant %q (error %v)", tc.args, err, out, tc.want, tc.wantErr)
		}
	}
}

// TestECRAuthorization: a user without ecr:* permissions is refused with
// ECR's AccessDeniedException, before learning whether a name exists;
// paging with the SDK's paginator returns every repository once.
func TestECRAuthorization(t *testing.T) {
	srv := gatehousetest.Start(t)
	ctx := context.Background()
	cfg := func(key, secret string) aws.Config {
		return aws.Config{Region: gatehousetest.Region, Credentials: credentials.NewStaticCredentialsProvider(key, secret, ""),
			BaseEndpoint: aws.String(srv.URL), RetryMaxAttempts: 1}
	}
	root := ecr.NewFromConfig(cfg(gatehousetest.AccessKeyID, gatehousetest.SecretAccessKey))
	for _, n := range []string{"a1", "b2", "c3"} {
		if _, err := root.CreateRepository(ctx, &ecr.CreateRepositoryInput{RepositoryName: aws.String(n)}); err != nil {
			t.Fatal(err)
		}
	}
	var names []string
	p := ecr.NewDescribeRepositoriesPaginator(root, &ecr.DescribeRepositoriesInput{MaxResults: aws.Int32(2)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range page.Repositories {
			names = append(names, *r.RepositoryName)
		}
	}
	if strings.Join(names, ",") != "a1,b2,c3" {
		t.Errorf("paged names %v", names)
	}

	ic := iam.NewFromConfig(cfg(gatehousetest.AccessKeyID, gatehousetest.SecretAccessKey))
	if _, err := ic.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("nobody")}); err != nil {
		t.Fatal(err)
	}
	k, err := ic.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("nobody")})
	if err != nil {
		t.Fatal(err)
	}
	user := ecr.NewFromConfig(cfg(*k.AccessKey.AccessKeyId, *k.AccessKey.SecretAccessKey))
	for _, name := range []string{"a1", "missing"} {
		_, err := user.DescribeRepositories(ctx, &ecr.DescribeRepositoriesInput{RepositoryNames: []string{name}})
		var ae smithy.APIError
		if !errors.As(err, &ae) || ae.ErrorCode() != "AccessDeniedException" ||
			!strings.Contains(ae.ErrorMessage(), "is not authorized to perform: ecr:DescribeRepositories on resource: arn:aws:ecr:us-east-1:"+gatehousetest.AccountID+":repository/"+name) {
			t.Errorf("unauthorized describe of %s: %v", name, err)
		}
	}
	if _, err := user.DeleteRepository(ctx, &ecr.DeleteRepositoryInput{RepositoryName: aws.String("a1")}); err == nil {
		t.Error("unauthorized delete succeeded")
	}
}
