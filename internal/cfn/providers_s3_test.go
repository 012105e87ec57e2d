package cfn

import (
	"strings"
	"testing"

	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// TestReadBucketConfig: the bootstrap bucket's configuration is carried
// over whole, and a property gatehouse cannot apply fails by name.
func TestReadBucketConfig(t *testing.T) {
	p := map[string]any{
		"BucketName": "b", "AccessControl": "Private",
		"BucketEncryption": map[string]any{"ServerSideEncryptionConfiguration": []any{
			map[string]any{"ServerSideEncryptionByDefault": map[string]any{"SSEAlgorithm": "aws:kms"}}}},
		"PublicAccessBlockConfiguration": map[string]any{"BlockPublicAcls": true, "BlockPublicPolicy": "true",
			"IgnorePublicAcls": true, "RestrictPublicBuckets": true},
		"VersioningConfiguration": map[string]any{"Status": "Enabled"},
		"LifecycleConfiguration": map[string]any{"Rules": []any{
			map[string]any{"Id": "CleanupOldVersions", "Status": "Enabled", "NoncurrentVersionExpiration": map[string]any{"NoncurrentDays": 30.0}},
			map[string]any{"Id": "AbortIncompleteMultipartUploads", "Status": "Enabled",
				"AbortIncompleteMultipartUpload": map[string]any{"DaysAfterInitiation": 1.0}}}},
	}
	c, err := readBucketConfig(p)
	if err != nil {
		t.Fatal(err)
	}
	if c.encryption.Rules[0].ApplyServerSideEncryptionByDefault.SSEAlgorithm != s3types.ServerSideEncryptionAwsKms ||
		!*c.pab.BlockPublicPolicy || !*c.pab.RestrictPublicBuckets || c.versioning.Status != s3types.BucketVersioningStatusEnabled ||
		*c.lifecycle.Rules[0].NoncurrentVersionExpiration.NoncurrentDays != 30 || *c.lifecycle.Rules[1].AbortIncompleteMultipartUpload.DaysAfterInitiation != 1 {
		t.Fatalf("config: %+v", c)
	}
	for _, tc := range []struct {
		p    map[string]any
		want string
	}{
		{map[string]any{"ReplicationConfiguration": map[string]any{}, "NotificationConfiguration": map[string]any{}},
			"gatehouse does not support AWS::S3::Bucket properties NotificationConfiguration, ReplicationConfiguration"},
		{map[string]any{"AccessControl": "PublicRead"}, "gatehouse does not support AccessControl PublicRead"},
		{map[string]any{"LifecycleConfiguration": map[string]any{"Rules": []any{map[string]any{"Status": "Enabled", "Transitions": []any{}}}}},
			"LifecycleConfiguration rule properties Transitions"},
		{map[string]any{"VersioningConfiguration": map[string]any{}}, "required key [Status] not found"},
		{map[string]any{"PublicAccessBlockConfiguration": map[string]any{"BlockPublicAcls": "maybe"}}, "#/BlockPublicAcls: expected type: Boolean"},
	} {
		if _, err := readBucketConfig(tc.p); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: got %v, want %q", tc.p, err, tc.want)
		}
	}
}
