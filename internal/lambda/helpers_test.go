package lambda_test

import (
	"context"
	"net/http"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/gatehouse-dev/gatehouse/internal/gatehousetest"
)

var httpClient = http.Client{}

func benchRole(tb testing.TB, srv *gatehousetest.Server) string {
	tb.Helper()
	ic := iam.NewFromConfig(awsConfig(srv.URL, gatehousetest.AccessKeyID, gatehousetest.SecretAccessKey, ""))
	out, err := ic.CreateRole(context.Background(), &iam.CreateRoleInput{RoleName: aws.String("bench-role"), AssumeRolePolicyDocument: aws.String(trustLambda)})
	if err != nil {
		tb.Fatal(err)
	}
	return *out.Role.Arn
}

func absPath(tb testing.TB, p string) string {
	a, err := filepath.Abs(p)
	if err != nil {
		tb.Fatal(err)
	}
	return a
}
