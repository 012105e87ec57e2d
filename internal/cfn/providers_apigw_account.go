package cfn

// AWS::ApiGateway::Account: the account's API Gateway CloudWatch role,
// set through UpdateAccount with the stack's credentials. Ref is a
// stack-unique id of AWS's form (mysta-accou-01234b567890example: five
// characters of the stack and of the logical id, then a random suffix).
// Deleting the resource leaves the setting, as on AWS ("API Gateway can
// still assume the provided IAM role").

import (
	"context"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsapigw "github.com/aws/aws-sdk-go-v2/service/apigateway"
	apigwtypes "github.com/aws/aws-sdk-go-v2/service/apigateway/types"
)

func init() {
	providers["AWS::ApiGateway::Account"] = provider{create: createAPIAccount, update: updateAPIAccount, delete: deleteRecordOnly}
}

var apiAccountProps = map[string]bool{"CloudWatchRoleArn": true}

func createAPIAccount(ctx context.Context, cl *clients, rc resCtx, p map[string]any) (result, error) {
	if err := putAPIAccount(ctx, cl, p); err != nil {
		return result{}, err
	}
	return result{PhysicalID: accountID(rc)}, nil
}

func updateAPIAccount(ctx context.Context, cl *clients, rc resCtx, old *resourceState, p map[string]any) (result, error) {
	if err := putAPIAccount(ctx, cl, p); err != nil {
		return result{}, err
	}
	return result{PhysicalID: old.PhysicalID}, nil
}

func putAPIAccount(ctx context.Context, cl *clients, p map[string]any) error {
	if err := unsupported("AWS::ApiGateway::Account", p, apiAccountProps); err != nil {
		return err
	}
	role, err := pstr(p, "CloudWatchRoleArn")
	if err != nil {
		return err
	}
	op := apigwtypes.PatchOperation{Op: apigwtypes.OpReplace, Path: aws.String("/cloudwatchRoleArn"), Value: aws.String(role)}
	_, err = cl.apigw.UpdateAccount(ctx, &awsapigw.UpdateAccountInput{PatchOperations: []apigwtypes.PatchOperation{op}})
	return sdkError(err)
}

func accountID(rc resCtx) string {
	cut := func(s string) string { return strings.ToLower(s[:min(5, len(s))]) }
	return cut(rc.Stack) + "-" + cut(rc.Logical) + "-" + strings.ToLower(randomID(12))
}
