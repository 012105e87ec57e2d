// Command whoami is an API Gateway AWS_PROXY function built with
// aws-lambda-go: it answers with the caller's ARN from
// requestContext.identity.userArn. Paths /malformed, /sleep and /crash
// misbehave on purpose.
package main

import (
	"context"
	"encoding/json"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

func handle(ctx context.Context, req events.APIGatewayProxyRequest) (any, error) {
	switch req.Path {
	case "/malformed":
		return map[string]any{"statusCode": 200, "body": "x", "extra": true}, nil
	case "/sleep":
		time.Sleep(5 * time.Second)
	case "/crash":
		os.Exit(1)
	}
	b, _ := json.Marshal(map[string]any{
		"userArn":  req.RequestContext.Identity.UserArn,
		"caller":   req.RequestContext.Identity.Caller,
		"resource": req.Resource,
		"query":    req.MultiValueQueryStringParameters,
		"body":     req.Body,
		"base64":   req.IsBase64Encoded,
	})
	return events.APIGatewayProxyResponse{StatusCode: 200, Headers: map[string]string{"X-Fn": "whoami"}, Body: string(b)}, nil
}

func main() { lambda.Start(handle) }
