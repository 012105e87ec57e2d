package cfn

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	awsapigw "github.com/aws/aws-sdk-go-v2/service/apigateway"
	awsecr "github.com/aws/aws-sdk-go-v2/service/ecr"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	awsssm "github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/smithy-go"

	"github.com/gatehouse-dev/gatehouse/internal/awserr"
)

// Credentials are temporary AWS credentials the stack acts with.
type Credentials struct {
	AccessKeyID, SecretAccessKey, SessionToken string
}

// clients are the AWS SDK clients a stack operation's providers call
// gatehouse's own endpoint with, signed with the stack's credentials: the
// role of RoleARN, or a session forwarding the caller's identity. So
// every change a stack makes goes through the same authentication and
// authorization as the same call made with the AWS CLI.
type clients struct {
	iam       *awsiam.Client
	lambda    *awslambda.Client
	apigw     *awsapigw.Client
	s3        *awss3.Client
	ssm       *awsssm.Client
	ecr       *awsecr.Client
	artifacts Artifacts
	creds     Credentials
	// custom and responseBase serve custom resources' ResponseURLs.
	custom       *responder
	responseBase string
}

func newClients(endpoint, region string, c Credentials, hc *http.Client, art Artifacts) *clients {
	cfg := aws.Config{
		Region: region,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken,
				Source: "gatehouse-cloudformation"}, nil
		}),
		HTTPClient: hc,
		// A provider call that fails is reported in the stack's events;
		// retrying a throttled call a few times is what CloudFormation's
		// handlers do too.
		RetryMaxAttempts: 3,
	}
	ep := aws.String(endpoint)
	return &clients{
		iam:       awsiam.NewFromConfig(cfg, func(o *awsiam.Options) { o.BaseEndpoint = ep }),
		lambda:    awslambda.NewFromConfig(cfg, func(o *awslambda.Options) { o.BaseEndpoint = ep }),
		apigw:     awsapigw.NewFromConfig(cfg, func(o *awsapigw.Options) { o.BaseEndpoint = ep }),
		s3:        awss3.NewFromConfig(cfg, func(o *awss3.Options) { o.BaseEndpoint = ep; o.UsePathStyle = true }),
		ssm:       awsssm.NewFromConfig(cfg, func(o *awsssm.Options) { o.BaseEndpoint = ep }),
		ecr:       awsecr.NewFromConfig(cfg, func(o *awsecr.Options) { o.BaseEndpoint = ep }),
		artifacts: art,
		creds:     c,
	}
}

// sdkError turns an SDK error into the AWS error it carried, so that an
// event's reason quotes the service's own code and message.
func sdkError(err error) error {
	if err == nil {
		return nil
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		status := 400
		var re *awshttp.ResponseError
		if errors.As(err, &re) {
			status = re.HTTPStatusCode()
		}
		return &awserr.Error{Code: ae.ErrorCode(), Message: ae.ErrorMessage(), Status: status}
	}
	return err
}

func isNotFound(err error) bool {
	var e *awserr.Error
	if !errors.As(err, &e) {
		return false
	}
	switch e.Code {
	case "NoSuchEntity", "ResourceNotFoundException", "NotFoundException":
		return true
	}
	return false
}

// providerTimeout bounds one provider call.
const providerTimeout = 2 * time.Minute
