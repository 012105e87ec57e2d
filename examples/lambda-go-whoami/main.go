// Command whoami is a Lambda function for the provided.al2023 runtime,
// built with aws-lambda-go: behind an API Gateway method with AWS_IAM
// authorization and a Lambda proxy integration, it answers with the
// caller's identity from requestContext.identity.
package main

import (
	"context"
	"encoding/json"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

func handle(ctx context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	id := req.RequestContext.Identity
	body, err := json.Marshal(map[string]string{
		"userArn":   id.UserArn,
		"caller":    id.Caller,
		"accountId": id.AccountID,
		"accessKey": id.AccessKey,
		"sourceIp":  id.SourceIP,
	})
	if err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	return events.APIGatewayProxyResponse{StatusCode: 200, Headers: map[string]string{"Content-Type": "application/json"}, Body: string(body)}, nil
}

func main() { lambda.Start(handle) }
