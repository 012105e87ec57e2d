package s3_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/gatehouse-dev/gatehouse/internal/gatehousetest"
	s3pkg "github.com/gatehouse-dev/gatehouse/internal/s3"
)

func awsConfig(url, key, secret string) aws.Config {
	return aws.Config{
		Region:           gatehousetest.Region,
		Credentials:      credentials.NewStaticCredentialsProvider(key, secret, ""),
		BaseEndpoint:     aws.String(url),
		RetryMaxAttempts: 1,
		// What config.LoadDefaultConfig sets: a CRC32 on every PutObject.
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenSupported,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenSupported,
	}
}

// overTLS makes the client believe its endpoint is https (the scheme the
// SDK decides payload signing and trailers by) and sends the request to
// the plain-HTTP test server: TLS itself is outside the product.
func overTLS(o *s3.Options) {
	o.BaseEndpoint = aws.String(strings.Replace(*o.BaseEndpoint, "http:", "https:", 1))
	o.HTTPClient = &http.Client{Transport: roundTripper(func(r *http.Request) (*http.Response, error) {
		r.URL.Scheme = "http"
		return http.DefaultTransport.RoundTrip(r)
	})}
}

func s3Client(url, key, secret string, opts ...func(*s3.Options)) *s3.Client {
	return s3.NewFromConfig(awsConfig(url, key, secret), append([]func(*s3.Options){func(o *s3.Options) { o.UsePathStyle = true }}, opts...)...)
}

func rootS3(srv *gatehousetest.Server, opts ...func(*s3.Options)) *s3.Client {
	return s3Client(srv.URL, gatehousetest.AccessKeyID, gatehousetest.SecretAccessKey, opts...)
}

func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func randomBytes(t testing.TB, n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

// user creates an IAM user with an inline policy (none when doc is "")
// and returns its access key.
func user(t *testing.T, srv *gatehousetest.Server, name, doc string) (string, string) {
	t.Helper()
	ctx := context.Background()
	ic := iam.NewFromConfig(awsConfig(srv.URL, gatehousetest.AccessKeyID, gatehousetest.SecretAccessKey))
	if _, err := ic.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name)}); err != nil {
		t.Fatal(err)
	}
	if doc != "" {
		if _, err := ic.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String(name), PolicyName: aws.String("p"), PolicyDocument: aws.String(doc)}); err != nil {
			t.Fatal(err)
		}
	}
	k, err := ic.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	return *k.AccessKey.AccessKeyId, *k.AccessKey.SecretAccessKey
}

// waitFor polls cond (the IAM snapshot follows the store asynchronously
// on a shared store; in-process it is synchronous, so this returns at
// once) with a deadline, never a fixed sleep.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestS3AWSCLI drives S3 with the AWS CLI v1 as a user would: mb, cp up
// (a file over 8 MiB is a multipart upload) and down, ls, s3api bucket
// configuration calls, rb of a non-empty bucket, rm, rb.
func TestS3AWSCLI(t *testing.T) {
	path, err := exec.LookPath("aws")
	if err != nil {
		t.Skip("skipped: the AWS CLI is not installed")
	}
	if testing.Short() {
		// About 40 CLI processes of 1-4 s start-up each.
		t.Skip("skipped in -short: starts the AWS CLI about 40 times")
	}
	srv := gatehousetest.Start(t)
	dir := t.TempDir()
	run := func(args ...string) (string, error) {
		cmd := exec.Command(path, append(args, "--endpoint-url", srv.URL, "--no-paginate")...)
		cmd.Env = srv.Env()
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	must := func(args ...string) string {
		t.Helper()
		out, err := run(args...)
		if err != nil {
			t.Fatalf("aws %v: %v\n%s", args, err, out)
		}
		return out
	}
	big := randomBytes(t, 9<<20+12345)
	small := []byte("hello, gatehouse\n")
	os.WriteFile(filepath.Join(dir, "big.bin"), big, 0o600)
	os.WriteFile(filepath.Join(dir, "small.txt"), small, 0o600)

	must("s3", "mb", "s3://cli-bucket")
	must("s3", "cp", "--only-show-errors", filepath.Join(dir, "big.bin"), "s3://cli-bucket/a/big.bin")
	must("s3", "cp", "--only-show-errors", filepath.Join(dir, "small.txt"), "s3://cli-bucket/a/b/small.txt")
	out := must("s3", "ls", "--recursive", "s3://cli-bucket")
	if !strings.Contains(out, "a/big.bin") || !strings.Contains(out, "a/b/small.txt") || !strings.Contains(out, fmt.Sprint(len(big))) {
		t.Errorf("ls:\n%s", out)
	}
	out = must("s3", "ls", "s3://cli-bucket/a/")
	if !strings.Contains(out, "PRE b/") || !strings.Contains(out, "big.bin") {
		t.Errorf("ls with delimiter:\n%s", out)
	}
	must("s3", "cp", "--only-show-errors", "s3://cli-bucket/a/big.bin", filepath.Join(dir, "big.out"))
	if got, _ := os.ReadFile(filepath.Join(dir, "big.out")); !bytes.Equal(got, big) {
		t.Errorf("downloaded %d bytes differ from the %d uploaded", len(got), len(big))
	}
	out = must("s3api", "head-object", "--bucket", "cli-bucket", "--key", "a/big.bin", "--query", "ETag", "--output", "text")
	if !strings.HasSuffix(strings.TrimSpace(out), `-2"`) {
		t.Errorf("multipart ETag = %s, want the -2 suffix of two parts", out)
	}
	out = must("s3api", "get-object", "--bucket", "cli-bucket", "--key", "a/b/small.txt", "--range", "bytes=7-15", filepath.Join(dir, "part"))
	if got, _ := os.ReadFile(filepath.Join(dir, "part")); string(got) != "gatehouse" || !strings.Contains(out, "bytes 7-15/17") {
		t.Errorf("range: %q\n%s", got, out)
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"s3api", "get-bucket-location", "--bucket", "cli-bucket"}, `"LocationConstraint": null`},
		{[]string{"s3api", "get-bucket-encryption", "--bucket", "cli-bucket"}, `"SSEAlgorithm": "AES256"`},
		{[]string{"s3api", "put-bucket-versioning", "--bucket", "cli-bucket", "--versioning-configuration", "Status=Enabled"}, ""},
		{[]string{"s3api", "get-bucket-versioning", "--bucket", "cli-bucket"}, `"Status": "Enabled"`},
		{[]string{"s3api", "put-bucket-encryption", "--bucket", "cli-bucket", "--server-side-encryption-configuration",
			`{"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"aws:kms","KMSMasterKeyID":"alias/x"},"BucketKeyEnabled":true}]}`}, ""},
		{[]string{"s3api", "get-bucket-encryption", "--bucket", "cli-bucket"}, `"KMSMasterKeyID": "alias/x"`},
		{[]string{"s3api", "delete-bucket-encryption", "--bucket", "cli-bucket"}, ""},
		{[]string{"s3api", "get-bucket-encryption", "--bucket", "cli-bucket"}, `"SSEAlgorithm": "AES256"`},
		{[]string{"s3api", "get-public-access-block", "--bucket", "cli-bucket"}, `"BlockPublicPolicy": true`},
		{[]string{"s3api", "put-public-access-block", "--bucket", "cli-bucket", "--public-access-block-configuration", "BlockPublicAcls=false,IgnorePublicAcls=true,BlockPublicPolicy=false,RestrictPublicBuckets=true"}, ""},
		{[]string{"s3api", "get-public-access-block", "--bucket", "cli-bucket"}, `"BlockPublicPolicy": false`},
		{[]string{"s3api", "put-bucket-tagging", "--bucket", "cli-bucket", "--tagging", "TagSet=[{Key=team,Value=platform}]"}, ""},
		{[]string{"s3api", "get-bucket-tagging", "--bucket", "cli-bucket"}, `"Value": "platform"`},
		{[]string{"s3api", "put-bucket-policy", "--bucket", "cli-bucket", "--policy",
			`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::cli-bucket","arn:aws:s3:::cli-bucket/*"],"Condition":{"Bool":{"aws:SecureTransport":"false"},"StringEquals":{"aws:PrincipalAccount":"111111111111"}}}]}`}, ""},
		{[]string{"s3api", "get-bucket-policy", "--bucket", "cli-bucket"}, `aws:SecureTransport`},
		{[]string{"s3api", "put-bucket-lifecycle-configuration", "--bucket", "cli-bucket", "--lifecycle-configuration",
			`{"Rules":[{"ID":"expire","Status":"Enabled","Filter":{"Prefix":"tmp/"},"Expiration":{"Days":1}}]}`}, ""},
		{[]string{"s3api", "get-bucket-lifecycle-configuration", "--bucket", "cli-bucket"}, `"Days": 1`},
	} {
		out := must(tc.args...)
		if !strings.Contains(out, tc.want) {
			t.Errorf("aws %v:\n%s\nwant %s", tc.args, out, tc.want)
		}
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"s3", "rb", "s3://cli-bucket"}, "BucketNotEmpty"},
		{[]string{"s3api", "get-object", "--bucket", "cli-bucket", "--key", "nope", filepath.Join(dir, "x")}, "NoSuchKey"},
		{[]string{"s3api", "head-bucket", "--bucket", "no-such-bucket-here"}, "404"},
		{[]string{"s3api", "create-bucket", "--bucket", "Bad_Name"}, "InvalidBucketName"},
		{[]string{"s3api", "put-bucket-policy", "--bucket", "cli-bucket", "--policy", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::other/*"}]}`}, "MalformedPolicy"},
		{[]string{"s3api", "create-bucket", "--bucket", "eu-bucket", "--create-bucket-configuration", "LocationConstraint=eu-west-1"}, "IllegalLocationConstraintException"},
	} {
		out, err := run(tc.args...)
		if err == nil || !strings.Contains(out, tc.want) {
			t.Errorf("aws %v: %v\n%s\nwant %s", tc.args, err, out, tc.want)
		}
	}
	// Created where it is signed for: --region eu-west-1.
	must("s3api", "create-bucket", "--bucket", "eu-bucket", "--region", "eu-west-1", "--create-bucket-configuration", "LocationConstraint=eu-west-1")
	if out := must("s3api", "get-bucket-location", "--bucket", "eu-bucket"); !strings.Contains(out, "eu-west-1") {
		t.Errorf("location:\n%s", out)
	}
	// The CLI signs for us-east-1; S3's redirect tells it the region.
	must("s3", "cp", "--only-show-errors", filepath.Join(dir, "small.txt"), "s3://eu-bucket/x.txt")
	must("s3", "rm", "--only-show-errors", "--recursive", "s3://cli-bucket")
	must("s3", "rb", "s3://cli-bucket")
	must("s3", "rb", "--force", "s3://eu-bucket")
	if out := must("s3api", "list-buckets", "--query", "Buckets[].Name", "--output", "text"); strings.TrimSpace(out) != "" {
		t.Errorf("buckets left: %s", out)
	}
}

// TestS3GoSDK exercises aws-sdk-go-v2's S3 client: its PutObject over
// plain HTTP (a signed payload with a CRC32 header) and with a body it
// cannot seek (aws-chunked, STREAMING-UNSIGNED-PAYLOAD-TRAILER with a
// CRC32 trailer), Get with ranges and checksum validation, Head, Copy,
// ListObjectsV2 pagination, DeleteObjects and multipart calls.
func TestS3GoSDK(t *testing.T) {
	srv := gatehousetest.Start(t)
	ctx := context.Background()
	c := rootS3(srv)
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("sdk-bucket")}); err != nil {
		t.Fatal(err)
	}
	body := randomBytes(t, 300<<10)
	put, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("sdk-bucket"), Key: aws.String("seekable.bin"), Body: bytes.NewReader(body),
		Metadata: map[string]string{"purpose": "test"}, ContentType: aws.String("application/x-test")})
	if err != nil {
		t.Fatal(err)
	}
	if put.ChecksumCRC32 == nil || put.ETag == nil {
		t.Errorf("PutObject: checksum %v etag %v", put.ChecksumCRC32, put.ETag)
	}
	// Over TLS the SDK streams the body aws-chunked with the CRC32 as a
	// trailer (STREAMING-UNSIGNED-PAYLOAD-TRAILER), even one it cannot seek.
	tls := rootS3(srv, overTLS)
	_, err = tls.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("sdk-bucket"), Key: aws.String("stream.bin"),
		Body: io.NopCloser(bytes.NewReader(body)), ContentLength: aws.Int64(int64(len(body)))})
	if err != nil {
		t.Fatalf("streamed PutObject: %v", err)
	}
	// A trailer that lies about the body is refused.
	_, err = tls.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("sdk-bucket"), Key: aws.String("bad.bin"),
		Body: io.NopCloser(bytes.NewReader(body)), ContentLength: aws.Int64(int64(len(body)))}, func(o *s3.Options) {
		inner := o.HTTPClient
		o.HTTPClient = roundTripperClient(func(r *http.Request) (*http.Response, error) {
			r.Body = flipFirstDataByte{r.Body, new(flipState)}
			return inner.Do(r)
		})
	})
	if apiCode(err) != "BadDigest" {
		t.Errorf("corrupted streamed body: %v, want BadDigest", err)
	}
	for _, key := range []string{"seekable.bin", "stream.bin"} {
		got, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("sdk-bucket"), Key: aws.String(key), ChecksumMode: types.ChecksumModeEnabled})
		if err != nil {
			t.Fatalf("get %s: %v", key, err)
		}
		b, err := io.ReadAll(got.Body)
		got.Body.Close()
		if err != nil || !bytes.Equal(b, body) {
			t.Errorf("get %s: %v, %d bytes, equal %v", key, err, len(b), bytes.Equal(b, body))
		}
	}
	rg, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("sdk-bucket"), Key: aws.String("seekable.bin"), Range: aws.String("bytes=-10")})
	if err != nil {
		t.Fatal(err)
	}
	tail, _ := io.ReadAll(rg.Body)
	rg.Body.Close()
	if !bytes.Equal(tail, body[len(body)-10:]) || *rg.ContentRange != fmt.Sprintf("bytes %d-%d/%d", len(body)-10, len(body)-1, len(body)) {
		t.Errorf("suffix range: %x %s", tail, *rg.ContentRange)
	}
	_, err = c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("sdk-bucket"), Key: aws.String("seekable.bin"), Range: aws.String("bytes=999999999-")})
	if apiCode(err) != "InvalidRange" {
		t.Errorf("unsatisfiable range: %v", err)
	}
	head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("sdk-bucket"), Key: aws.String("seekable.bin")})
	if err != nil || head.Metadata["purpose"] != "test" || *head.ContentType != "application/x-test" || *head.ContentLength != int64(len(body)) {
		t.Errorf("HeadObject: %v %+v", err, head)
	}
	cp, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("sdk-bucket"), Key: aws.String("dir/copy.bin"), CopySource: aws.String("sdk-bucket/seekable.bin")})
	if err != nil || *cp.CopyObjectResult.ETag != *put.ETag {
		t.Errorf("CopyObject: %v %+v", err, cp)
	}
	_, err = c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("sdk-bucket"), Key: aws.String("seekable.bin"), CopySource: aws.String("sdk-bucket/seekable.bin")})
	if apiCode(err) != "InvalidRequest" {
		t.Errorf("copy onto itself: %v", err)
	}
	_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("sdk-bucket"), Key: aws.String("md5.bin"), Body: bytes.NewReader(body), ContentMD5: aws.String("1B2M2Y8AsgTpgAmY7PhCfg==")})
	if apiCode(err) != "BadDigest" {
		t.Errorf("wrong Content-MD5: %v", err)
	}

	// 25 keys, listed two at a time with a delimiter.
	for i := 0; i < 25; i++ {
		k := fmt.Sprintf("list/%02d", i)
		if i%5 == 0 {
			k = fmt.Sprintf("list/sub%d/x", i)
		}
		if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("sdk-bucket"), Key: aws.String(k), Body: strings.NewReader(k)}); err != nil {
			t.Fatal(err)
		}
	}
	var keys, prefixes []string
	p := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: aws.String("sdk-bucket"), Prefix: aws.String("list/"), Delimiter: aws.String("/"), MaxKeys: aws.Int32(2)})
	for pages := 0; p.HasMorePages(); pages++ {
		out, err := p.NextPage(ctx)
		if err != nil || pages > 30 {
			t.Fatalf("page %d: %v", pages, err)
		}
		for _, o := range out.Contents {
			keys = append(keys, *o.Key)
		}
		for _, cp := range out.CommonPrefixes {
			prefixes = append(prefixes, *cp.Prefix)
		}
	}
	if len(keys) != 20 || len(prefixes) != 5 || prefixes[0] != "list/sub0/" {
		t.Errorf("listed %d keys %v, prefixes %v", len(keys), keys, prefixes)
	}
	del := &types.Delete{}
	for _, k := range append(keys, "list/sub0/x", "not-there") {
		del.Objects = append(del.Objects, types.ObjectIdentifier{Key: aws.String(k)})
	}
	dout, err := c.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String("sdk-bucket"), Delete: del})
	if err != nil || len(dout.Deleted) != 22 || len(dout.Errors) != 0 {
		t.Errorf("DeleteObjects: %v %d deleted %v", err, len(dout.Deleted), dout.Errors)
	}

	// Multipart through the API: a small middle part is refused at
	// completion.
	cr, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("sdk-bucket"), Key: aws.String("mp.bin")})
	if err != nil {
		t.Fatal(err)
	}
	part1, part2 := randomBytes(t, 5<<20), []byte("tail")
	var parts []types.CompletedPart
	for i, pb := range [][]byte{part1, part2} {
		up, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("sdk-bucket"), Key: aws.String("mp.bin"), UploadId: cr.UploadId,
			PartNumber: aws.Int32(int32(i + 1)), Body: bytes.NewReader(pb)})
		if err != nil {
			t.Fatal(err)
		}
		parts = append(parts, types.CompletedPart{PartNumber: aws.Int32(int32(i + 1)), ETag: up.ETag})
	}
	lp, err := c.ListParts(ctx, &s3.ListPartsInput{Bucket: aws.String("sdk-bucket"), Key: aws.String("mp.bin"), UploadId: cr.UploadId})
	if err != nil || len(lp.Parts) != 2 || *lp.Parts[1].Size != 4 {
		t.Errorf("ListParts: %v %+v", err, lp)
	}
	_, err = c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String("sdk-bucket"), Key: aws.String("mp.bin"), UploadId: cr.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: []types.CompletedPart{parts[1], parts[0]}}})
	if apiCode(err) != "InvalidPartOrder" {
		t.Errorf("parts out of order: %v", err)
	}
	done, err := c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String("sdk-bucket"), Key: aws.String("mp.bin"), UploadId: cr.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: parts}})
	if err != nil || !strings.HasSuffix(*done.ETag, `-2"`) {
		t.Fatalf("CompleteMultipartUpload: %v %+v", err, done)
	}
	got, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("sdk-bucket"), Key: aws.String("mp.bin"), Range: aws.String(fmt.Sprintf("bytes=%d-", len(part1)-2))})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(got.Body)
	got.Body.Close()
	if string(b) != string(part1[len(part1)-2:])+"tail" {
		t.Errorf("across the part boundary: %q", b)
	}
	_, err = c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("sdk-bucket"), Key: aws.String("mp.bin"), UploadId: cr.UploadId, PartNumber: aws.Int32(3), Body: strings.NewReader("x")})
	if apiCode(err) != "NoSuchUpload" {
		t.Errorf("part after completion: %v", err)
	}
	ab, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("sdk-bucket"), Key: aws.String("aborted")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: aws.String("sdk-bucket"), Key: aws.String("aborted"), UploadId: ab.UploadId}); err != nil {
		t.Errorf("abort: %v", err)
	}
	if lu, err := c.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String("sdk-bucket")}); err != nil || len(lu.Uploads) != 0 {
		t.Errorf("ListMultipartUploads: %v %+v", err, lu)
	}
	// The data dir holds exactly the live objects' blobs.
	ents, _ := os.ReadDir(filepath.Join(srv.DataDir, "s3", "blobs"))
	lo, _ := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("sdk-bucket")})
	if len(ents) != int(*lo.KeyCount) {
		t.Errorf("%d blobs on disk for %d objects", len(ents), *lo.KeyCount)
	}
}

// TestS3VirtualHost: the SDK's default addressing puts the bucket in the
// host (bucket.localhost:PORT from an endpoint of http://localhost:PORT).
func TestS3VirtualHost(t *testing.T) {
	srv := gatehousetest.Start(t)
	ctx := context.Background()
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(srv.URL, "http://"))
	// Every host dials the server: *.localhost resolves to loopback.
	tr := &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, "127.0.0.1:"+port)
	}}
	var hosts []string
	c := s3Client("http://localhost:"+port, gatehousetest.AccessKeyID, gatehousetest.SecretAccessKey, func(o *s3.Options) {
		o.UsePathStyle = false
		o.HTTPClient = &http.Client{Transport: roundTripper(func(r *http.Request) (*http.Response, error) {
			hosts = append(hosts, r.URL.Host)
			return tr.RoundTrip(r)
		})}
	})
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("vhost")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("vhost"), Key: aws.String("a b/c+d"), Body: strings.NewReader("v")}); err != nil {
		t.Fatal(err)
	}
	out, err := rootS3(srv).ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("vhost")})
	if err != nil || len(out.Contents) != 1 || *out.Contents[0].Key != "a b/c+d" {
		t.Fatalf("path-style listing: %v %+v", err, out)
	}
	if len(hosts) == 0 || hosts[0] != "vhost.localhost:"+port {
		t.Errorf("hosts = %v, want vhost.localhost:%s", hosts, port)
	}
}

// flipFirstDataByte corrupts the first byte of the first chunk's data in an
// aws-chunked body, wherever the transport's reads split it: the byte after
// the first chunk header's CRLF, found across reads (looking within one
// read only flipped a chunk header instead when a read ended at the
// header, and the server then rightly said IncompleteBody).
type flipFirstDataByte struct {
	io.ReadCloser
	st *flipState
}

type flipState struct {
	prev         byte
	header, done bool
}

func (f flipFirstDataByte) Read(p []byte) (int, error) {
	n, err := f.ReadCloser.Read(p)
	for i := 0; i < n && !f.st.done; i++ {
		if f.st.header {
			p[i] ^= 0xff
			f.st.done = true
			break
		}
		f.st.header = f.st.prev == '\r' && p[i] == '\n'
		f.st.prev = p[i]
	}
	return n, err
}

type roundTripperClient func(*http.Request) (*http.Response, error)

func (f roundTripperClient) Do(r *http.Request) (*http.Response, error) { return f(r) }

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestS3PresignedCurl: a URL presigned by the SDK (query-string SigV4,
// UNSIGNED-PAYLOAD) works with curl for GET and PUT; a tampered or
// expired one is refused.
func TestS3PresignedCurl(t *testing.T) {
	curl, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("skipped: curl is not installed")
	}
	srv := gatehousetest.Start(t)
	ctx := context.Background()
	c := rootS3(srv)
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("presign")}); err != nil {
		t.Fatal(err)
	}
	ps := s3.NewPresignClient(c)
	put, err := ps.PresignPutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("presign"), Key: aws.String("up.txt")}, s3.WithPresignExpires(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "up.txt"), []byte("uploaded by curl"), 0o600)
	curlDo := func(args ...string) (string, string) {
		t.Helper()
		out, err := exec.Command(curl, append([]string{"-sS", "-w", "\n%{http_code}"}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("curl %v: %v\n%s", args, err, out)
		}
		s := string(out)
		i := strings.LastIndexByte(s, '\n')
		return s[:i], s[i+1:]
	}
	if body, code := curlDo("-X", "PUT", "--upload-file", filepath.Join(dir, "up.txt"), put.URL); code != "200" {
		t.Fatalf("presigned PUT: %s %s", code, body)
	}
	get, err := ps.PresignGetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("presign"), Key: aws.String("up.txt")}, s3.WithPresignExpires(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if body, code := curlDo(get.URL); code != "200" || body != "uploaded by curl" {
		t.Errorf("presigned GET: %s %q", code, body)
	}
	tampered := strings.Replace(get.URL, "up.txt", "other.txt", 1)
	if body, code := curlDo(tampered); code != "403" || !strings.Contains(body, "<Code>SignatureDoesNotMatch</Code>") {
		t.Errorf("tampered URL: %s %s", code, body)
	}
	if body, code := curlDo(strings.Replace(get.URL, "X-Amz-Expires=60", "X-Amz-Expires=700000", 1)); code == "200" {
		t.Errorf("expiry beyond a week accepted: %s", body)
	}
}

// TestS3Authorization: identity policies and bucket policies decide
// together. A user without permissions is refused everything; an
// explicit Deny in the bucket policy beats the user's s3:*; a bucket
// policy alone grants another user of the same account; anonymous
// requests are refused unless the bucket policy allows them.
func TestS3Authorization(t *testing.T) {
	srv := gatehousetest.Start(t)
	ctx := context.Background()
	root := rootS3(srv)
	if _, err := root.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("guarded")}); err != nil {
		t.Fatal(err)
	}
	if _, err := root.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("guarded"), Key: aws.String("secret/x"), Body: strings.NewReader("x")}); err != nil {
		t.Fatal(err)
	}
	if _, err := root.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("guarded"), Key: aws.String("public/y"), Body: strings.NewReader("y")}); err != nil {
		t.Fatal(err)
	}
	nk, ns := user(t, srv, "nobody", "")
	ak, as := user(t, srv, "admin", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`)
	rk, rs := user(t, srv, "reader", "")
	nobody, admin, reader := s3Client(srv.URL, nk, ns), s3Client(srv.URL, ak, as), s3Client(srv.URL, rk, rs)

	_, err := nobody.ListBuckets(ctx, &s3.ListBucketsInput{})
	if apiCode(err) != "AccessDenied" || !strings.Contains(err.Error(), "user/nobody is not authorized to perform: s3:ListAllMyBuckets") {
		t.Errorf("nobody ListBuckets: %v", err)
	}
	_, err = nobody.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("guarded"), Key: aws.String("secret/x")})
	if apiCode(err) != "AccessDenied" {
		t.Errorf("nobody GetObject: %v", err)
	}
	waitFor(t, "admin's policy", func() bool {
		_, err := admin.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("guarded"), Key: aws.String("secret/x")})
		return err == nil
	})
	pol := `{"Version":"2012-10-17","Statement":[
	 {"Sid":"DenySecret","Effect":"Deny","Principal":{"AWS":"arn:aws:iam::000000000000:user/admin"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::guarded/secret/*"},
	 {"Sid":"ReaderPublic","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:user/reader"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::guarded/public/*"},
	 {"Sid":"Anonymous","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::guarded/public/anon"}]}`
	if _, err := root.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("guarded"), Policy: aws.String(pol)}); err != nil {
		t.Fatal(err)
	}
	_, err = admin.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("guarded"), Key: aws.String("secret/x")})
	if apiCode(err) != "AccessDenied" || !strings.Contains(err.Error(), "explicit deny in a resource-based policy") {
		t.Errorf("admin denied by the bucket policy: %v", err)
	}
	if _, err := admin.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("guarded"), Key: aws.String("public/y")}); err != nil {
		t.Errorf("admin public/y: %v", err)
	}
	if _, err := reader.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("guarded"), Key: aws.String("public/y")}); err != nil {
		t.Errorf("reader allowed by the bucket policy alone: %v", err)
	}
	_, err = reader.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("guarded"), Key: aws.String("public/none")})
	if apiCode(err) != "AccessDenied" {
		t.Errorf("reader, missing key without s3:ListBucket: %v, want AccessDenied", err)
	}
	_, err = reader.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("guarded"), Key: aws.String("public/z"), Body: strings.NewReader("z")})
	if apiCode(err) != "AccessDenied" {
		t.Errorf("reader PutObject: %v", err)
	}
	// Anonymous: no signature at all, to the bucket's virtual host (an
	// unsigned path-style request on gatehouse's one endpoint is the
	// data plane's).
	if _, err := root.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("guarded"), Key: aws.String("public/anon"), Body: strings.NewReader("hi")}); err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]int{"public/anon": 200, "public/y": 403} {
		req, _ := http.NewRequest("GET", srv.URL+"/"+key, nil)
		req.Host = "guarded.s3.localhost"
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("anonymous GET %s: %d %s, want %d", key, resp.StatusCode, b, want)
		}
	}
	// The owner's root can always remove a policy that locks everyone out.
	lock := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::guarded","arn:aws:s3:::guarded/*"]}]}`
	if _, err := root.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("guarded"), Policy: aws.String(lock)}); err != nil {
		t.Fatal(err)
	}
	if _, err := root.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("guarded")}); apiCode(err) != "AccessDenied" {
		t.Errorf("root under a deny-all policy: %v", err)
	}
	if _, err := root.DeleteBucketPolicy(ctx, &s3.DeleteBucketPolicyInput{Bucket: aws.String("guarded")}); err != nil {
		t.Errorf("root DeleteBucketPolicy: %v", err)
	}
	if _, err := root.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("guarded")}); err != nil {
		t.Errorf("after the policy is gone: %v", err)
	}
	// A wrong secret is not an identity.
	_, err = s3Client(srv.URL, ak, "wrong"+as[5:]).ListBuckets(ctx, &s3.ListBucketsInput{})
	if apiCode(err) != "SignatureDoesNotMatch" {
		t.Errorf("wrong secret: %v", err)
	}
	_, err = s3Client(srv.URL, "AKIAUNKNOWNKEY000000", as).ListBuckets(ctx, &s3.ListBucketsInput{})
	if apiCode(err) != "InvalidAccessKeyId" {
		t.Errorf("unknown key: %v", err)
	}
}

// TestS3StreamingSignedPayload: a PUT with x-amz-content-sha256
// STREAMING-AWS4-HMAC-SHA256-PAYLOAD (the seed signed by aws-sdk-go-v2's
// signer, each chunk signed by the test's own HMAC chain) stores the
// decoded bytes; a corrupted chunk is SignatureDoesNotMatch and stores
// nothing; a decoded length that does not match is IncompleteBody.
func TestS3StreamingSignedPayload(t *testing.T) {
	srv := gatehousetest.Start(t)
	ctx := context.Background()
	if _, err := rootS3(srv).CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("chunks")}); err != nil {
		t.Fatal(err)
	}
	data := [][]byte{randomBytes(t, 64<<10), randomBytes(t, 64<<10), []byte("end")}
	total := len(bytes.Join(data, nil))
	send := func(key string, decodedLen int, mutate func([]byte)) (int, string) {
		t.Helper()
		now := time.Now().UTC()
		req, _ := http.NewRequest("PUT", srv.URL+"/chunks/"+key, nil)
		req.Header.Set("x-amz-content-sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD")
		req.Header.Set("Content-Encoding", "aws-chunked")
		req.Header.Set("x-amz-decoded-content-length", fmt.Sprint(decodedLen))
		err := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true }).SignHTTP(ctx,
			aws.Credentials{AccessKeyID: gatehousetest.AccessKeyID, SecretAccessKey: gatehousetest.SecretAccessKey}, req,
			"STREAMING-AWS4-HMAC-SHA256-PAYLOAD", "s3", gatehousetest.Region, now)
		if err != nil {
			t.Fatal(err)
		}
		auth := req.Header.Get("Authorization")
		body := s3pkg.EncodeSignedChunks(gatehousetest.SecretAccessKey, now, gatehousetest.Region, auth[strings.LastIndex(auth, "=")+1:], data)
		if mutate != nil {
			mutate(body)
		}
		req.Body = io.NopCloser(bytes.NewReader(body))
		req.ContentLength = int64(len(body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp.StatusCode, string(b)
	}
	if code, body := send("ok.bin", total, nil); code != 200 {
		t.Fatalf("signed stream: %d %s", code, body)
	}
	got, err := rootS3(srv).GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("chunks"), Key: aws.String("ok.bin")})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(got.Body)
	got.Body.Close()
	if !bytes.Equal(b, bytes.Join(data, nil)) {
		t.Errorf("stored %d bytes, want the %d decoded", len(b), total)
	}
	if code, body := send("bad.bin", total, func(b []byte) { b[1000] ^= 1 }); code != 403 || !strings.Contains(body, "SignatureDoesNotMatch") {
		t.Errorf("corrupted chunk: %d %s", code, body)
	}
	if code, body := send("short.bin", total+1, nil); code != 400 || !strings.Contains(body, "IncompleteBody") {
		t.Errorf("decoded length mismatch: %d %s", code, body)
	}
	for _, key := range []string{"bad.bin", "short.bin"} {
		if _, err := rootS3(srv).HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("chunks"), Key: aws.String(key)}); err == nil {
			t.Errorf("%s was stored", key)
		}
	}
}
