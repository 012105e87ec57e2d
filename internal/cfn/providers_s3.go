package cfn

// AWS::S3::Bucket and AWS::S3::BucketPolicy: created through gatehouse's
// S3 API with the stack's credentials, like every other provider. Each
// configuration the template sets (encryption, versioning, public access
// block, lifecycle, ownership controls, tags) is put on the bucket, where
// S3 keeps and reports it; a property gatehouse does not carry over fails
// the resource by name instead of being dropped.
//
// The providers are registered from this file's init, which runs after
// providers.go's (files are initialized in name order).

import (
	"context"
	"sort"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/gatehouse-dev/gatehouse/internal/arn"
)

func init() {
	providers["AWS::S3::Bucket"] = provider{create: createBucket, update: updateBucket, delete: deleteBucket,
		replaceOn: []string{"BucketName"}, name: "BucketName"}
	providers["AWS::S3::BucketPolicy"] = provider{create: createBucketPolicy, update: updateBucketPolicy,
		delete: deleteBucketPolicy, replaceOn: []string{"Bucket"}}
}

// bucketProps are the AWS::S3::Bucket properties gatehouse applies.
var bucketProps = map[string]bool{"BucketName": true, "AccessControl": true, "BucketEncryption": true,
	"PublicAccessBlockConfiguration": true, "VersioningConfiguration": true, "LifecycleConfiguration": true,
	"OwnershipControls": true, "Tags": true}

// unsupported fails on the first property of p not in known, so a
// setting that matters (replication, notifications, object lock, ...) is
// never silently dropped.
func unsupported(typ string, p map[string]any, known map[string]bool) error {
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
	return errf("Properties validation failed for resource with message: gatehouse does not support %s properties %s", typ, strings.Join(bad, ", "))
}

func sub(p map[string]any, k string) (map[string]any, error) {
	v, ok := p[k]
	if !ok || v == nil {
		return nil, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, propErr(k, "JSONObject")
	}
	return m, nil
}

func subList(p map[string]any, k string) ([]map[string]any, error) {
	v, ok := p[k]
	if !ok || v == nil {
		return nil, nil
	}
	l, ok := v.([]any)
	if !ok {
		return nil, propErr(k, "JSONArray")
	}
	out := make([]map[string]any, 0, len(l))
	for _, x := range l {
		m, ok := x.(map[string]any)
		if !ok {
			return nil, propErr(k, "JSONObject")
		}
		out = append(out, m)
	}
	return out, nil
}

func pbool(p map[string]any, k string) (*bool, error) {
	s, err := pstr(p, k)
	if err != nil || s == "" {
		return nil, err
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		return nil, propErr(k, "Boolean")
	}
	return &b, nil
}

// bucketConfig is a bucket's configuration read from its properties.
type bucketConfig struct {
	encryption *s3types.ServerSideEncryptionConfiguration
	pab        *s3types.PublicAccessBlockConfiguration
	versioning *s3types.VersioningConfiguration
	lifecycle  *s3types.BucketLifecycleConfiguration
	ownership  *s3types.OwnershipControls
	tags       []s3types.Tag
}

func readBucketConfig(p map[string]any) (bucketConfig, error) {
	var c bucketConfig
	if err := unsupported("AWS::S3::Bucket", p, bucketProps); err != nil {
		return c, err
	}
	if acl, err := pstr(p, "AccessControl"); err != nil {
		return c, err
	} else if acl != "" && acl != "Private" && acl != "BucketOwnerFullControl" {
		return c, errf("Properties validation failed for resource with message: gatehouse does not support AccessControl %s (buckets are private)", acl)
	}
	if enc, err := sub(p, "BucketEncryption"); err != nil {
		return c, err
	} else if enc != nil {
		rules, err := subList(enc, "ServerSideEncryptionConfiguration")
		if err != nil {
			return c, err
		}
		c.encryption = &s3types.ServerSideEncryptionConfiguration{}
		for _, r := range rules {
			def, err := sub(r, "ServerSideEncryptionByDefault")
			if err != nil {
				return c, err
			}
			rule := s3types.ServerSideEncryptionRule{}
			if rule.BucketKeyEnabled, err = pbool(r, "BucketKeyEnabled"); err != nil {
				return c, err
			}
			if def != nil {
				alg, err := preq(def, "SSEAlgorithm")
				if err != nil {
					return c, err
				}
				key, err := pstr(def, "KMSMasterKeyID")
				if err != nil {
					return c, err
				}
				rule.ApplyServerSideEncryptionByDefault = &s3types.ServerSideEncryptionByDefault{
					SSEAlgorithm: s3types.ServerSideEncryption(alg), KMSMasterKeyID: optional(key)}
			}
			c.encryption.Rules = append(c.encryption.Rules, rule)
		}
	}
	if pab, err := sub(p, "PublicAccessBlockConfiguration"); err != nil {
		return c, err
	} else if pab != nil {
		c.pab = &s3types.PublicAccessBlockConfiguration{}
		for k, dst := range map[string]**bool{"BlockPublicAcls": &c.pab.BlockPublicAcls, "BlockPublicPolicy": &c.pab.BlockPublicPolicy,
			"IgnorePublicAcls": &c.pab.IgnorePublicAcls, "RestrictPublicBuckets": &c.pab.RestrictPublicBuckets} {
			if *dst, err = pbool(pab, k); err != nil {
				return c, err
			}
		}
	}
	if v, err := sub(p, "VersioningConfiguration"); err != nil {
		return c, err
	} else if v != nil {
		st, err := preq(v, "Status")
		if err != nil {
			return c, err
		}
		c.versioning = &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatus(st)}
	}
	if lc, err := sub(p, "LifecycleConfiguration"); err != nil {
		return c, err
	} else if lc != nil {
		if c.lifecycle, err = readLifecycle(lc); err != nil {
			return c, err
		}
	}
	if oc, err := sub(p, "OwnershipControls"); err != nil {
		return c, err
	} else if oc != nil {
		rules, err := subList(oc, "Rules")
		if err != nil {
			return c, err
		}
		c.ownership = &s3types.OwnershipControls{}
		for _, r := range rules {
			o, err := preq(r, "ObjectOwnership")
			if err != nil {
				return c, err
			}
			c.ownership.Rules = append(c.ownership.Rules, s3types.OwnershipControlsRule{ObjectOwnership: s3types.ObjectOwnership(o)})
		}
	}
	tags, err := ptags(p)
	if err != nil {
		return c, err
	}
	for _, k := range sortedKeys(tags) {
		c.tags = append(c.tags, s3types.Tag{Key: aws.String(k), Value: aws.String(tags[k])})
	}
	return c, nil
}

var lifecycleRuleProps = map[string]bool{"Id": true, "Status": true, "Prefix": true, "ExpirationInDays": true,
	"NoncurrentVersionExpiration": true, "NoncurrentVersionExpirationInDays": true, "AbortIncompleteMultipartUpload": true}

func readLifecycle(lc map[string]any) (*s3types.BucketLifecycleConfiguration, error) {
	rules, err := subList(lc, "Rules")
	if err != nil {
		return nil, err
	}
	out := &s3types.BucketLifecycleConfiguration{}
	for _, r := range rules {
		if err := unsupported("AWS::S3::Bucket LifecycleConfiguration rule", r, lifecycleRuleProps); err != nil {
			return nil, err
		}
		id, _ := pstr(r, "Id")
		st, err := preq(r, "Status")
		if err != nil {
			return nil, err
		}
		prefix, _ := pstr(r, "Prefix")
		rule := s3types.LifecycleRule{ID: optional(id), Status: s3types.ExpirationStatus(st),
			Filter: &s3types.LifecycleRuleFilter{Prefix: aws.String(prefix)}}
		if d, err := pint(r, "ExpirationInDays"); err != nil {
			return nil, err
		} else if d != nil {
			rule.Expiration = &s3types.LifecycleExpiration{Days: d}
		}
		if d, err := pint(r, "NoncurrentVersionExpirationInDays"); err != nil {
			return nil, err
		} else if d != nil {
			rule.NoncurrentVersionExpiration = &s3types.NoncurrentVersionExpiration{NoncurrentDays: d}
		}
		if nve, err := sub(r, "NoncurrentVersionExpiration"); err != nil {
			return nil, err
		} else if nve != nil {
			d, err := pint(nve, "NoncurrentDays")
			if err != nil {
				return nil, err
			}
			rule.NoncurrentVersionExpiration = &s3types.NoncurrentVersionExpiration{NoncurrentDays: d}
		}
		if ab, err := sub(r, "AbortIncompleteMultipartUpload"); err != nil {
			return nil, err
		} else if ab != nil {
			d, err := pint(ab, "DaysAfterInitiation")
			if err != nil {
				return nil, err
			}
			rule.AbortIncompleteMultipartUpload = &s3types.AbortIncompleteMultipartUpload{DaysAfterInitiation: d}
		}
		out.Rules = append(out.Rules, rule)
	}
	return out, nil
}

// applyBucketConfig puts each configuration on the bucket; with prev,
// a configuration the new properties no longer set is removed.
func applyBucketConfig(ctx context.Context, cl *clients, name string, c bucketConfig, prev *bucketConfig) error {
	b := aws.String(name)
	if c.encryption != nil {
		if _, err := cl.s3.PutBucketEncryption(ctx, &awss3.PutBucketEncryptionInput{Bucket: b, ServerSideEncryptionConfiguration: c.encryption}); err != nil {
			return sdkError(err)
		}
	} else if prev != nil && prev.encryption != nil {
		if _, err := cl.s3.DeleteBucketEncryption(ctx, &awss3.DeleteBucketEncryptionInput{Bucket: b}); err != nil {
			return sdkError(err)
		}
	}
	if c.pab != nil {
		if _, err := cl.s3.PutPublicAccessBlock(ctx, &awss3.PutPublicAccessBlockInput{Bucket: b, PublicAccessBlockConfiguration: c.pab}); err != nil {
			return sdkError(err)
		}
	} else if prev != nil && prev.pab != nil {
		if _, err := cl.s3.DeletePublicAccessBlock(ctx, &awss3.DeletePublicAccessBlockInput{Bucket: b}); err != nil {
			return sdkError(err)
		}
	}
	if c.versioning != nil {
		if _, err := cl.s3.PutBucketVersioning(ctx, &awss3.PutBucketVersioningInput{Bucket: b, VersioningConfiguration: c.versioning}); err != nil {
			return sdkError(err)
		}
	} else if prev != nil && prev.versioning != nil && prev.versioning.Status == s3types.BucketVersioningStatusEnabled {
		// Versioning is never removed from a bucket, only suspended.
		if _, err := cl.s3.PutBucketVersioning(ctx, &awss3.PutBucketVersioningInput{Bucket: b,
			VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusSuspended}}); err != nil {
			return sdkError(err)
		}
	}
	if c.lifecycle != nil {
		if _, err := cl.s3.PutBucketLifecycleConfiguration(ctx, &awss3.PutBucketLifecycleConfigurationInput{Bucket: b, LifecycleConfiguration: c.lifecycle}); err != nil {
			return sdkError(err)
		}
	} else if prev != nil && prev.lifecycle != nil {
		if _, err := cl.s3.DeleteBucketLifecycle(ctx, &awss3.DeleteBucketLifecycleInput{Bucket: b}); err != nil {
			return sdkError(err)
		}
	}
	if c.ownership != nil {
		if _, err := cl.s3.PutBucketOwnershipControls(ctx, &awss3.PutBucketOwnershipControlsInput{Bucket: b, OwnershipControls: c.ownership}); err != nil {
			return sdkError(err)
		}
	} else if prev != nil && prev.ownership != nil {
		if _, err := cl.s3.DeleteBucketOwnershipControls(ctx, &awss3.DeleteBucketOwnershipControlsInput{Bucket: b}); err != nil {
			return sdkError(err)
		}
	}
	if len(c.tags) > 0 {
		if _, err := cl.s3.PutBucketTagging(ctx, &awss3.PutBucketTaggingInput{Bucket: b, Tagging: &s3types.Tagging{TagSet: c.tags}}); err != nil {
			return sdkError(err)
		}
	} else if prev != nil && len(prev.tags) > 0 {
		if _, err := cl.s3.DeleteBucketTagging(ctx, &awss3.DeleteBucketTaggingInput{Bucket: b}); err != nil {
			return sdkError(err)
		}
	}
	return nil
}

func bucketResult(rc resCtx, name string) result {
	return result{PhysicalID: name, Attributes: map[string]any{
		"Arn":                 arn.S3Bucket(name),
		"DomainName":          name + ".s3.amazonaws.com",
		"RegionalDomainName":  name + ".s3." + rc.Region + ".amazonaws.com",
		"DualStackDomainName": name + ".s3.dualstack." + rc.Region + ".amazonaws.com",
		"WebsiteURL":          "http://" + name + ".s3-website-" + rc.Region + ".amazonaws.com",
	}}
}

func createBucket(ctx context.Context, cl *clients, rc resCtx, p map[string]any) (result, error) {
	c, err := readBucketConfig(p)
	if err != nil {
		return result{}, err
	}
	name, err := pstr(p, "BucketName")
	if err != nil {
		return result{}, err
	}
	if name == "" {
		// S3 names are lower case, 63 characters at most.
		name = strings.ToLower(physicalName(rc, 63))
	}
	in := &awss3.CreateBucketInput{Bucket: aws.String(name)}
	if rc.Region != "us-east-1" {
		in.CreateBucketConfiguration = &s3types.CreateBucketConfiguration{LocationConstraint: s3types.BucketLocationConstraint(rc.Region)}
	}
	if _, err := cl.s3.CreateBucket(ctx, in); err != nil {
		return result{}, sdkError(err)
	}
	if err := applyBucketConfig(ctx, cl, name, c, nil); err != nil {
		// The bucket exists: the physical id lets rollback delete it.
		return result{PhysicalID: name}, err
	}
	return bucketResult(rc, name), nil
}

func updateBucket(ctx context.Context, cl *clients, rc resCtx, old *resourceState, p map[string]any) (result, error) {
	c, err := readBucketConfig(p)
	if err != nil {
		return result{}, err
	}
	prev, _ := readBucketConfig(old.Properties)
	if err := applyBucketConfig(ctx, cl, old.PhysicalID, c, &prev); err != nil {
		return result{}, err
	}
	return bucketResult(rc, old.PhysicalID), nil
}

// deleteBucket deletes the bucket; as in AWS, a bucket that still holds
// objects fails with S3's BucketNotEmpty.
func deleteBucket(ctx context.Context, cl *clients, rc resCtx, r *resourceState) error {
	_, err := cl.s3.DeleteBucket(ctx, &awss3.DeleteBucketInput{Bucket: aws.String(r.PhysicalID)})
	if err != nil && isNoSuchBucket(err) {
		return nil
	}
	return sdkError(err)
}

func isNoSuchBucket(err error) bool {
	return err != nil && strings.Contains(err.Error(), "NoSuchBucket")
}

var bucketPolicyProps = map[string]bool{"Bucket": true, "PolicyDocument": true}

func putBucketPolicy(ctx context.Context, cl *clients, p map[string]any) (string, error) {
	if err := unsupported("AWS::S3::BucketPolicy", p, bucketPolicyProps); err != nil {
		return "", err
	}
	bucket, err := preq(p, "Bucket")
	if err != nil {
		return "", err
	}
	doc, err := pdoc(p, "PolicyDocument")
	if err != nil {
		return "", err
	}
	if doc == "" {
		return "", errf("Properties validation failed for resource with message: #: required key [PolicyDocument] not found")
	}
	if _, err := cl.s3.PutBucketPolicy(ctx, &awss3.PutBucketPolicyInput{Bucket: aws.String(bucket), Policy: aws.String(doc)}); err != nil {
		return "", sdkError(err)
	}
	return bucket, nil
}

// createBucketPolicy: the physical id is the bucket's name, as in AWS.
func createBucketPolicy(ctx context.Context, cl *clients, rc resCtx, p map[string]any) (result, error) {
	b, err := putBucketPolicy(ctx, cl, p)
	if err != nil {
		return result{}, err
	}
	return result{PhysicalID: b}, nil
}

func updateBucketPolicy(ctx context.Context, cl *clients, rc resCtx, old *resourceState, p map[string]any) (result, error) {
	b, err := putBucketPolicy(ctx, cl, p)
	if err != nil {
		return result{}, err
	}
	return result{PhysicalID: b}, nil
}

func deleteBucketPolicy(ctx context.Context, cl *clients, rc resCtx, r *resourceState) error {
	_, err := cl.s3.DeleteBucketPolicy(ctx, &awss3.DeleteBucketPolicyInput{Bucket: aws.String(r.PhysicalID)})
	if isNoSuchBucket(err) {
		return nil
	}
	return sdkError(err)
}
