// Command sdkfn calls STS GetCallerIdentity with aws-sdk-go-v2's default
// configuration, i.e. the execution role's credentials and the
// AWS_ENDPOINT_URL Lambda put in its environment, and returns the ARN.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

func handle(ctx context.Context) (string, error) {
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return "", err
	}
	out, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return "", err
	}
	return *out.Arn, nil
}

func main() { lambda.Start(handle) }
