package s3_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/gatehouse-dev/gatehouse/internal/gatehousetest"
)

// TestListObjectVersions: a bucket that never had versioning lists each
// object as its one version, "null" (what tools that empty a bucket
// before deleting it call), paged by key-marker; a bucket that has had
// versioning is refused as not implemented, since objects keep one
// version.
func TestListObjectVersions(t *testing.T) {
	srv := gatehousetest.Start(t)
	ctx := context.Background()
	c := rootS3(srv)
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("plain")}); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"a.zip", "dir/b.zip", "dir/c.zip"} {
		if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("plain"), Key: aws.String(k), Body: bytes.NewReader([]byte(k))}); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	in := &s3.ListObjectVersionsInput{Bucket: aws.String("plain"), MaxKeys: aws.Int32(2)}
	for pages := 0; ; pages++ {
		out, err := c.ListObjectVersions(ctx, in)
		if err != nil || pages > 2 {
			t.Fatalf("list versions: %v", err)
		}
		for _, v := range out.Versions {
			got = append(got, *v.Key+"@"+*v.VersionId)
			if !*v.IsLatest || *v.Size != int64(len(*v.Key)) {
				t.Errorf("version %+v", v)
			}
		}
		if !*out.IsTruncated {
			break
		}
		in.KeyMarker, in.VersionIdMarker = out.NextKeyMarker, out.NextVersionIdMarker
	}
	if strings.Join(got, ",") != "a.zip@null,dir/b.zip@null,dir/c.zip@null" {
		t.Fatalf("versions: %q", got)
	}
	out, err := c.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: aws.String("plain"), Delimiter: aws.String("/")})
	if err != nil || len(out.Versions) != 1 || len(out.CommonPrefixes) != 1 || *out.CommonPrefixes[0].Prefix != "dir/" {
		t.Fatalf("with delimiter: %v %+v", err, out)
	}
	// Deleting version "null" deletes the object, as the bucket-emptying
	// loops of tools do.
	if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("plain"), Key: aws.String("a.zip"), VersionId: aws.String("null")}); err != nil {
		t.Fatalf("delete version null: %v", err)
	}
	if out, err := c.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: aws.String("plain")}); err != nil || len(out.Versions) != 2 {
		t.Fatalf("after delete: %v %+v", err, out)
	}

	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("versioned")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String("versioned"), VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled}}); err != nil {
		t.Fatal(err)
	}
	_, err = c.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: aws.String("versioned")})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "NotImplemented" {
		t.Fatalf("versioned bucket: %v", err)
	}

	// Authorized as s3:ListBucketVersions.
	anon := s3Client(srv.URL, "AKIDNOTAKEY000000000", "nosecret")
	if _, err := anon.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: aws.String("plain")}); err == nil {
		t.Fatal("unknown key listed versions")
	}
}
