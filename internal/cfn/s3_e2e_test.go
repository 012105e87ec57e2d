package cfn_test

import (
	"strings"
	"testing"
)

// TestCLIS3BucketStack deploys an encrypted, versioned bucket with a
// bucket policy and a function log group (what `serverless deploy`
// creates first), checks them through S3 as the AWS CLI sees them, then
// DeleteChangeSet of a missing change set (Serverless v3's call before
// every deploy) and DeleteStack.
func TestCLIS3BucketStack(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	out := c.must("cloudformation", "create-stack", "--stack-name", "sls", "--template-body", testdata("s3_bucket.yaml"))
	c.wait(out["StackId"].(string))
	st := c.stack("sls")
	if st["StackStatus"] != "CREATE_COMPLETE" {
		t.Fatalf("status %v\n%s", st["StackStatus"], strings.Join(c.events("sls"), "\n"))
	}
	bucket := st["Outputs"].([]any)[0].(map[string]any)["OutputValue"].(string)
	if !strings.HasPrefix(bucket, "sls-bucket-") || bucket != strings.ToLower(bucket) {
		t.Fatalf("bucket name %q", bucket)
	}
	enc := c.must("s3api", "get-bucket-encryption", "--bucket", bucket)
	if !strings.Contains(toJSON(enc), `"SSEAlgorithm":"AES256"`) {
		t.Errorf("encryption %v", enc)
	}
	if v := c.must("s3api", "get-bucket-versioning", "--bucket", bucket); v["Status"] != "Enabled" {
		t.Errorf("versioning %v", v)
	}
	if p := c.must("s3api", "get-bucket-policy", "--bucket", bucket); !strings.Contains(p["Policy"].(string), "s3:DeleteBucket") {
		t.Errorf("policy %v", p)
	}
	// A missing change set of an existing stack: success, as on AWS; of a
	// missing stack: ValidationError.
	c.must("cloudformation", "delete-change-set", "--stack-name", "sls", "--change-set-name", "sls-change-set")
	if _, stderr, err := c.run("cloudformation", "delete-change-set", "--stack-name", "nope", "--change-set-name", "x"); err == nil ||
		!strings.Contains(stderr, "ValidationError") || !strings.Contains(stderr, "Stack with id nope does not exist") {
		t.Errorf("delete-change-set of a missing stack: %v %s", err, stderr)
	}
	c.must("cloudformation", "delete-stack", "--stack-name", "sls")
	c.wait(out["StackId"].(string))
	if _, stderr, err := c.run("s3api", "head-bucket", "--bucket", bucket); err == nil || !strings.Contains(stderr, "404") {
		t.Errorf("bucket after delete-stack: %v %s", err, stderr)
	}
}
