// Package iamtest builds aws-sdk-go-v2 IAM and STS clients against a test
// gatehouse server, for the IAM/STS integration tests.
package iamtest

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
)

// Config returns an SDK config for url with static credentials.
func Config(url, akid, secret, token string) aws.Config {
	return aws.Config{
		Region:           "us-west-2",
		Credentials:      credentials.NewStaticCredentialsProvider(akid, secret, token),
		BaseEndpoint:     aws.String(url),
		RetryMaxAttempts: 1,
	}
}

// IAM returns an IAM client.
func IAM(url, akid, secret, token string) *iam.Client {
	return iam.NewFromConfig(Config(url, akid, secret, token))
}

// STS returns an STS client.
func STS(url, akid, secret, token string) *sts.Client {
	return sts.NewFromConfig(Config(url, akid, secret, token))
}

// Code returns the AWS error code of err ("" if none) and its message.
func Code(err error) (string, string) {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode(), ae.ErrorMessage()
	}
	return "", ""
}

// WantCode fails t unless err carries code.
func WantCode(t testing.TB, err error, code string) string {
	t.Helper()
	got, msg := Code(err)
	if got != code {
		t.Fatalf("error code = %q (%v), want %q", got, err, code)
	}
	return msg
}

// Ctx is a background context.
var Ctx = context.Background()
