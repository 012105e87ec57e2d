package lambda_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

// TestArchitectureValidation: an unknown architecture is AWS's model
// error naming the list member's enum and null constraints.
func TestArchitectureValidation(t *testing.T) {
	e := controlEnv(t)
	_, err := e.lc.CreateFunction(context.Background(), &lambda.CreateFunctionInput{
		FunctionName: aws.String("arch"), Role: aws.String(e.role), Runtime: types.RuntimePython312,
		Handler: aws.String("index.handler"), Code: &types.FunctionCode{ZipFile: pyZip(t, `1`)},
		Architectures: []types.Architecture{"foo"},
	})
	wantErr(t, err, "ValidationException", "1 validation error detected: Value '[foo]' at 'architectures' failed to satisfy constraint: "+
		"Member must satisfy constraint: [Member must satisfy enum value set: [x86_64, arm64], Member must not be null]")
}
