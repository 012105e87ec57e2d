// Package s3 serves the Amazon S3 REST-XML API that deployment tooling
// needs (CloudFormation, CDK, SAM and Serverless artifacts): buckets and
// their configuration, objects (single PUT, aws-chunked streaming uploads
// with each chunk's signature verified, multipart uploads, ranges, copy,
// listing), presigned URLs, path-style and virtual-host addressing.
// Every call is authorized as its s3:* action through the pipeline, with
// the bucket policy combined with identity policies by the policy engine.
// Object bytes live under DATA_DIR/s3 (written to a temp file, fsync'd and
// renamed before the store records them); metadata lives in the store.
// See doc/s3.md.
package s3
