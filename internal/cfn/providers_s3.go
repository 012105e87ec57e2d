package cfn

import (
	"context"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/gatehouse-dev/gatehouse/internal/cfn/tmpl"
)

// registerS3Providers adds AWS::S3::Bucket, AWS::S3::BucketPolicy and
// AWS::Logs::LogGroup (what `serverless deploy` emits besides Lambda, IAM
// and API Gateway) to m.
func registerS3Providers(m map[string]provider) {
	m["AWS::S3::Bucket"] = provider{create: createBucket, update: updateBucket, delete: deleteBucket,
		replaceOn: []string{"BucketName"}, name: "BucketName"}
	m["AWS::S3::BucketPolicy"] = provider{create: createBucketPolicy, update: updateBucketPolicy, delete: deleteBucketPolicy,
		replaceOn: []string{"Bucket"}}
	m["AWS::Logs::LogGroup"] = provider{create: createLogGroup, update: updateLogGroup, delete: deleteRecordOnly,
		replaceOn: []string{"LogGroupName"}, name: "LogGroupName"}
}

// bucketProps are the AWS::S3::Bucket properties gatehouse applies. A
// template with any other is refused by name rather than deployed
// without it.
var bucketProps = map[string]bool{
	"BucketName": true, "BucketEncryption": true, "VersioningConfiguration": true,
	"PublicAccessBlockConfiguration": true, "Tags": true,
}

func checkProps(p map[string]any, known map[string]bool, typ string) error {
	var bad []string
	for k := range p {
		if !known[k] {
			bad = append(bad, k)
		}
	}
	if len(bad) == 0 {
		return nil
	}
	sort.Strings(bad)
	return errf("Properties validation failed for resource with message: gatehouse does not support %s properties %s yet", typ, strings.Join(bad, ", "))
}

// bucketName is the bucket's custom name, or one generated as
// CloudFormation does (STACK-LOGICALID-RANDOM in lower case, at most 63
// characters, which S3 requires).
func bucketName(rc resCtx, p map[string]any) (string, error) {
	name, err := pstr(p, "BucketName")
	if err != nil || name != "" {
		return name, err
	}
	return strings.ToLower(physicalName(rc, 63)), nil
}

func bucketResult(rc resCtx, name string) result {
	suffix := "amazonaws.com"
	return result{PhysicalID: name, Attributes: map[string]any{
		"Arn":                 "arn:aws:s3:::" + name,
		"DomainName":          name + ".s3." + suffix,
		"RegionalDomainName":  name + ".s3." + rc.Region + "." + suffix,
		"DualStackDomainName": name + ".s3.dualstack." + rc.Region + "." + suffix,
		"WebsiteURL":          "http://" + name + ".s3-website-" + rc.Region + "." + suffix,
	}}
}

func createBucket(ctx context.Context, cl *clients, rc resCtx, p map[string]any) (result, error) {
	if err := checkProps(p, bucketProps, "AWS::S3::Bucket"); err != nil {
		return result{}, err
	}
	name, err := bucketName(rc, p)
	if err != nil {
		return result{}, err
	}
	in := &awss3.CreateBucketInput{Bucket: &name}
	if rc.Region != "us-east-1" {
		in.CreateBucketConfiguration = &s3types.CreateBucketConfiguration{LocationConstraint: s3types.BucketLocationConstraint(rc.Region)}
	}
	if _, err := cl.s3.CreateBucket(ctx, in); err != nil {
		return result{}, sdkError(err)
	}
	if err := applyBucket(ctx, cl, name, nil, p); err != nil {
		// The bucket is ours and empty: remove it so that the failed
		// create leaves nothing behind (CloudFormation's handler does too).
		_, _ = cl.s3.DeleteBucket(ctx, &awss3.DeleteBucketInput{Bucket: &name})
		return result{}, err
	}
	return bucketResult(rc, name), nil
}

func updateBucket(ctx context.Context, cl *clients, rc resCtx, old *resourceState, p map[string]any) (result, error) {
	if err := checkProps(p, bucketProps, "AWS::S3::Bucket"); err != nil {
		return result{}, err
	}
	if err := applyBucket(ctx, cl, old.PhysicalID, old.Properties, p); err != nil {
		return result{}, err
	}
	return bucketResult(rc, old.PhysicalID), nil
}

func deleteBucket(ctx context.Context, cl *clients, rc resCtx, r *resourceState) error {
	_, err := cl.s3.DeleteBucket(ctx, &awss3.DeleteBucketInput{Bucket: aws.String(r.PhysicalID)})
	if err = sdkError(err); isS3NotFound(err) {
		return nil
	}
	return err
}

func isS3NotFound(err error) bool {
	return err != nil && (strings.Contains(err.Error(), "NoSuchBucket") || strings.Contains(err.Error(), "NoSuchBucketPolicy"))
}

// applyBucket makes the bucket's configuration what p says, given what
// old said (nil on create): each configuration is put when present and
// deleted when it was present and is no longer.
func applyBucket(ctx context.Context, cl *clients, name string, old, p map[string]any) error {
	had := func(k string) bool { _, ok := old[k]; return ok && old[k] != nil }
	if v, ok := p["BucketEncryption"].(map[string]any); ok {
		cfg, err := encryptionConfig(v)
		if err != nil {
			return err
		}
		if _, err := cl.s3.PutBucketEncryption(ctx, &awss3.PutBucketEncryptionInput{Bucket: &name, ServerSideEncryptionConfiguration: cfg}); err != nil {
			return sdkError(err)
		}
	} else if p["BucketEncryption"] != nil {
		return propErr("BucketEncryption", "JSONObject")
	} else if had("BucketEncryption") {
		if _, err := cl.s3.DeleteBucketEncryption(ctx, &awss3.DeleteBucketEncryptionInput{Bucket: &name}); err != nil {
			return sdkError(err)
		}
	}
	if v, ok := p["VersioningConfiguration"].(map[string]any); ok {
		st, _ := tmpl.String(v["Status"])
		if st != "Enabled" && st != "Suspended" {
			return errf("Properties validation failed for resource with message: #/VersioningConfiguration/Status: %s is not a valid enum value", st)
		}
		if _, err := cl.s3.PutBucketVersioning(ctx, &awss3.PutBucketVersioningInput{Bucket: &name,
			VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatus(st)}}); err != nil {
			return sdkError(err)
		}
	} else if p["VersioningConfiguration"] != nil {
		return propErr("VersioningConfiguration", "JSONObject")
	} else if had("VersioningConfiguration") {
		// A versioned bucket cannot go back to unversioned; removing the
		// property suspends versioning, as CloudFormation does.
		if _, err := cl.s3.PutBucketVersioning(ctx, &awss3.PutBucketVersioningInput{Bucket: &name,
			VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusSuspended}}); err != nil {
			return sdkError(err)
		}
	}
	if v, ok := p["PublicAccessBlockConfiguration"].(map[string]any); ok {
		b := func(k string) *bool {
			s, _ := tmpl.String(v[k])
			return aws.Bool(s == "true")
		}
		if _, err := cl.s3.PutPublicAccessBlock(ctx, &awss3.PutPublicAccessBlockInput{Bucket: &name,
			PublicAccessBlockConfiguration: &s3types.PublicAccessBlockConfiguration{BlockPublicAcls: b("BlockPublicAcls"),
				BlockPublicPolicy: b("BlockPublicPolicy"), IgnorePublicAcls: b("IgnorePublicAcls"), RestrictPublicBuckets: b("RestrictPublicBuckets")}}); err != nil {
			return sdkError(err)
		}
	} else if p["PublicAccessBlockConfiguration"] != nil {
		return propErr("PublicAccessBlockConfiguration", "JSONObject")
	} else if had("PublicAccessBlockConfiguration") {
		if _, err := cl.s3.DeletePublicAccessBlock(ctx, &awss3.DeletePublicAccessBlockInput{Bucket: &name}); err != nil {
			return sdkError(err)
		}
	}
	tags, err := ptags(p)
	if err != nil {
		return err
	}
	if len(tags) > 0 {
		keys := make([]string, 0, len(tags))
		for k := range tags {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		ts := make([]s3types.Tag, 0, len(keys))
		for _, k := range keys {
			ts = append(ts, s3types.Tag{Key: aws.String(k), Value: aws.String(tags[k])})
		}
		if _, err := cl.s3.PutBucketTagging(ctx, &awss3.PutBucketTaggingInput{Bucket: &name, Tagging: &s3types.Tagging{TagSet: ts}}); err != nil {
			return sdkError(err)
		}
	} else if had("Tags") {
		if _, err := cl.s3.DeleteBucketTagging(ctx, &awss3.DeleteBucketTaggingInput{Bucket: &name}); err != nil {
			return sdkError(err)
		}
	}
	return nil
}

// encryptionConfig reads BucketEncryption.ServerSideEncryptionConfiguration.
func encryptionConfig(v map[string]any) (*s3types.ServerSideEncryptionConfiguration, error) {
	rules, ok := v["ServerSideEncryptionConfiguration"].([]any)
	if !ok || len(rules) == 0 {
		return nil, errf("Properties validation failed for resource with message: #/BucketEncryption: required key [ServerSideEncryptionConfiguration] not found")
	}
	cfg := &s3types.ServerSideEncryptionConfiguration{}
	for _, r := range rules {
		rm, ok := r.(map[string]any)
		if !ok {
			return nil, propErr("BucketEncryption/ServerSideEncryptionConfiguration", "JSONObject")
		}
		rule := s3types.ServerSideEncryptionRule{}
		if d, ok := rm["ServerSideEncryptionByDefault"].(map[string]any); ok {
			alg, _ := tmpl.String(d["SSEAlgorithm"])
			def := &s3types.ServerSideEncryptionByDefault{SSEAlgorithm: s3types.ServerSideEncryption(alg)}
			if k, ok := tmpl.String(d["KMSMasterKeyID"]); ok && k != "" {
				def.KMSMasterKeyID = aws.String(k)
			}
			rule.ApplyServerSideEncryptionByDefault = def
		}
		if s, ok := tmpl.String(rm["BucketKeyEnabled"]); ok && s != "" {
			rule.BucketKeyEnabled = aws.Bool(s == "true")
		}
		cfg.Rules = append(cfg.Rules, rule)
	}
	return cfg, nil
}

func createBucketPolicy(ctx context.Context, cl *clients, rc resCtx, p map[string]any) (result, error) {
	bucket, err := preq(p, "Bucket")
	if err != nil {
		return result{}, err
	}
	if err := putBucketPolicy(ctx, cl, bucket, p); err != nil {
		return result{}, err
	}
	// CloudFormation's physical id of a bucket policy is a generated id.
	return result{PhysicalID: physicalName(rc, 128)}, nil
}

func putBucketPolicy(ctx context.Context, cl *clients, bucket string, p map[string]any) error {
	doc, err := pdoc(p, "PolicyDocument")
	if err != nil {
		return err
	}
	if doc == "" {
		return errf("Properties validation failed for resource with message: #: required key [PolicyDocument] not found")
	}
	_, err = cl.s3.PutBucketPolicy(ctx, &awss3.PutBucketPolicyInput{Bucket: &bucket, Policy: &doc})
	return sdkError(err)
}

func updateBucketPolicy(ctx context.Context, cl *clients, rc resCtx, old *resourceState, p map[string]any) (result, error) {
	bucket, err := preq(p, "Bucket")
	if err != nil {
		return result{}, err
	}
	if err := putBucketPolicy(ctx, cl, bucket, p); err != nil {
		return result{}, err
	}
	return result{PhysicalID: old.PhysicalID}, nil
}

func deleteBucketPolicy(ctx context.Context, cl *clients, rc resCtx, r *resourceState) error {
	bucket, _ := pstr(r.Properties, "Bucket")
	_, err := cl.s3.DeleteBucketPolicy(ctx, &awss3.DeleteBucketPolicyInput{Bucket: &bucket})
	if err = sdkError(err); isS3NotFound(err) {
		return nil
	}
	return err
}

// AWS::Logs::LogGroup: gatehouse's CloudWatch Logs serves the log group
// /aws/lambda/FUNCTION of every function without creating it (it has no
// CreateLogGroup yet), so a log group of that form is kept in the stack
// only; any other name is refused, never silently accepted.
func createLogGroup(ctx context.Context, cl *clients, rc resCtx, p map[string]any) (result, error) {
	name, err := logGroupName(rc, p)
	if err != nil {
		return result{}, err
	}
	return result{PhysicalID: name, Attributes: map[string]any{
		"Arn": "arn:aws:logs:" + rc.Region + ":" + rc.Account + ":log-group:" + name + ":*"}}, nil
}

func updateLogGroup(ctx context.Context, cl *clients, rc resCtx, old *resourceState, p map[string]any) (result, error) {
	if _, err := logGroupName(rc, p); err != nil {
		return result{}, err
	}
	return result{PhysicalID: old.PhysicalID, Attributes: old.Attributes}, nil
}

func logGroupName(rc resCtx, p map[string]any) (string, error) {
	if err := checkProps(p, map[string]bool{"LogGroupName": true, "RetentionInDays": true, "Tags": true}, "AWS::Logs::LogGroup"); err != nil {
		return "", err
	}
	name, err := pstr(p, "LogGroupName")
	if err != nil {
		return "", err
	}
	if !strings.HasPrefix(name, "/aws/lambda/") || len(name) == len("/aws/lambda/") || len(name) > 512 {
		return "", errf("gatehouse's CloudWatch Logs has no CreateLogGroup yet: only the log groups /aws/lambda/FUNCTION of functions can be declared (got %q)", name)
	}
	return name, nil
}
