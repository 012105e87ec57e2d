package lambda_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/gatehouse-dev/gatehouse/internal/gatehousetest"
)

// s3Client is an S3 client of the test server (path-style addressing, as
// the AWS CLI uses against an endpoint URL).
func s3Client(url, key, secret string) *s3.Client {
	cfg := awsConfig(url, key, secret, "")
	return s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
}

// TestCodeFromS3: functions and layers take their zip from gatehouse's S3
// (Code.S3Bucket/S3Key, Content.S3Bucket/S3Key), read as the caller: a
// caller without s3:GetObject on the object is refused in AWS's words, and
// S3's errors come back as Lambda's InvalidParameterValueException.
func TestCodeFromS3(t *testing.T) {
	e := controlEnv(t)
	ctx := context.Background()
	sc := s3Client(e.url, gatehousetest.AccessKeyID, gatehousetest.SecretAccessKey)
	if _, err := sc.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("code-bucket")}); err != nil {
		t.Fatal(err)
	}
	zipBytes := pyZip(t, `{"from": "s3"}`)
	if _, err := sc.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("code-bucket"), Key: aws.String("fn/code.zip"), Body: bytes.NewReader(zipBytes)}); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(zipBytes)
	wantSHA := base64.StdEncoding.EncodeToString(sum[:])
	create := func(c *lambda.Client, name, bucket, key string) (*lambda.CreateFunctionOutput, error) {
		return c.CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String(name), Role: aws.String(e.role), Runtime: types.RuntimePython312,
			Handler: aws.String("index.handler"), Code: &types.FunctionCode{S3Bucket: aws.String(bucket), S3Key: aws.String(key)}})
	}
	out, err := create(e.lc, "s3fn", "code-bucket", "fn/code.zip")
	if err != nil {
		t.Fatalf("create from S3: %v", err)
	}
	if *out.CodeSha256 != wantSHA || out.CodeSize != int64(len(zipBytes)) {
		t.Fatalf("create from S3: CodeSha256 %s size %d, want %s %d", *out.CodeSha256, out.CodeSize, wantSHA, len(zipBytes))
	}
	gf, err := e.lc.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("s3fn")})
	if err != nil || *gf.Code.RepositoryType != "S3" {
		t.Fatalf("get: %v", err)
	}
	if got, err := httpGet(*gf.Code.Location); err != nil || !bytes.Equal(got, zipBytes) {
		t.Fatalf("code location: %v", err)
	}

	// UpdateFunctionCode from S3.
	zip2 := pyZip(t, `{"v": 2}`)
	if _, err := sc.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("code-bucket"), Key: aws.String("fn/v2.zip"), Body: bytes.NewReader(zip2)}); err != nil {
		t.Fatal(err)
	}
	up, err := e.lc.UpdateFunctionCode(ctx, &lambda.UpdateFunctionCodeInput{FunctionName: aws.String("s3fn"), S3Bucket: aws.String("code-bucket"), S3Key: aws.String("fn/v2.zip")})
	if err != nil || up.CodeSize != int64(len(zip2)) {
		t.Fatalf("update from S3: %v", err)
	}

	// S3's errors, in Lambda's words (AWS's messages).
	_, err = create(e.lc, "nobucket", "no-such-bucket", "code.zip")
	wantErr(t, err, "InvalidParameterValueException", "Error occurred while GetObject. S3 Error Code: NoSuchBucket. S3 Error Message: The specified bucket does not exist")
	_, err = create(e.lc, "nokey", "code-bucket", "missing.zip")
	wantErr(t, err, "InvalidParameterValueException", "Error occurred while GetObject. S3 Error Code: NoSuchKey. S3 Error Message: The specified key does not exist.")
	_, err = e.lc.UpdateFunctionCode(ctx, &lambda.UpdateFunctionCodeInput{FunctionName: aws.String("s3fn"), S3Bucket: aws.String("code-bucket"), S3Key: aws.String("fn/v2.zip"), S3ObjectVersion: aws.String("3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY")})
	wantErr(t, err, "InvalidParameterValueException", "Error occurred while GetObject. S3 Error Code: InvalidArgument. S3 Error Message: Invalid version id specified")

	// A bucket in another region.
	west := s3.NewFromConfig(awsConfig(e.url, gatehousetest.AccessKeyID, gatehousetest.SecretAccessKey, ""), func(o *s3.Options) { o.UsePathStyle = true; o.Region = "eu-west-1" })
	if _, err := west.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("west-bucket"), CreateBucketConfiguration: &s3types.CreateBucketConfiguration{LocationConstraint: "eu-west-1"}}); err != nil {
		t.Fatal(err)
	}
	_, err = create(e.lc, "west", "west-bucket", "code.zip")
	wantErr(t, err, "InvalidParameterValueException", "Error occurred while GetObject. S3 Error Code: PermanentRedirect. S3 Error Message: The bucket is in this region: eu-west-1. Please use this region to retry the request")

	// A user allowed to create functions but not to read the object.
	if _, err := e.ic.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("dev")}); err != nil {
		t.Fatal(err)
	}
	policy := func(doc string) {
		t.Helper()
		if _, err := e.ic.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("dev"), PolicyName: aws.String("p"), PolicyDocument: aws.String(doc)}); err != nil {
			t.Fatal(err)
		}
	}
	policy(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["lambda:CreateFunction","lambda:PublishLayerVersion","iam:PassRole"],"Resource":"*"}]}`)
	k, err := e.ic.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("dev")})
	if err != nil {
		t.Fatal(err)
	}
	cfg := awsConfig(e.url, *k.AccessKey.AccessKeyId, *k.AccessKey.SecretAccessKey, "")
	cfg.Credentials = credentials.NewStaticCredentialsProvider(*k.AccessKey.AccessKeyId, *k.AccessKey.SecretAccessKey, "")
	dev := lambda.NewFromConfig(cfg)
	denied := "Your access has been denied by S3, please make sure your request credentials have permission to GetObject for code-bucket/fn/code.zip. S3 Error Code: AccessDenied. S3 Error Message: Access Denied"
	_, err = create(dev, "devfn", "code-bucket", "fn/code.zip")
	wantErr(t, err, "AccessDeniedException", denied)
	// Without s3:ListBucket a missing key is a denial too, as S3 answers.
	_, err = create(dev, "devfn", "code-bucket", "missing.zip")
	wantErr(t, err, "AccessDeniedException", "")
	_, err = dev.PublishLayerVersion(ctx, &lambda.PublishLayerVersionInput{LayerName: aws.String("devlayer"), Content: &types.LayerVersionContentInput{S3Bucket: aws.String("code-bucket"), S3Key: aws.String("fn/code.zip")}})
	wantErr(t, err, "AccessDeniedException", denied)
	// Allowed on that object only.
	policy(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["lambda:CreateFunction","lambda:PublishLayerVersion","iam:PassRole"],"Resource":"*"},
		{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::code-bucket/fn/code.zip"}]}`)
	if _, err := create(dev, "devfn", "code-bucket", "fn/code.zip"); err != nil {
		t.Fatalf("create with s3:GetObject: %v", err)
	}

	// A layer from S3.
	lv, err := dev.PublishLayerVersion(ctx, &lambda.PublishLayerVersionInput{LayerName: aws.String("s3layer"), Content: &types.LayerVersionContentInput{S3Bucket: aws.String("code-bucket"), S3Key: aws.String("fn/code.zip")}})
	if err != nil {
		t.Fatalf("layer from S3: %v", err)
	}
	if *lv.Content.CodeSha256 != wantSHA || lv.Content.CodeSize != int64(len(zipBytes)) {
		t.Fatalf("layer from S3: %+v", lv.Content)
	}
}
