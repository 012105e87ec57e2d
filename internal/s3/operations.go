package s3

import (
	"net/http"
	"net/url"

	"github.com/gatehouse-dev/gatehouse/internal/arn"
	"github.com/gatehouse-dev/gatehouse/internal/pipeline"
)

// S3 condition keys gatehouse sets (ListBucket's request parameters).
const (
	keyPrefix    = "s3:prefix"
	keyDelimiter = "s3:delimiter"
	keyMaxKeys   = "s3:max-keys"
)

var listKeys = []string{keyPrefix, keyDelimiter, keyMaxKeys}

// level is what a request's path names: the service, a bucket or an
// object.
type level int

const (
	levelService level = iota
	levelBucket
	levelObject
)

// route is one S3 operation: where its requests arrive (method, path
// level, subresource, conditions on the query string and headers) and its
// typed handler. The frame takes the first route, in table order, that
// matches a request.
type route struct {
	level  level
	method string
	// sub is a bucket configuration subresource (a query parameter) that
	// names the operation: a request with it and a method no route of
	// the subresource has is MethodNotAllowed.
	sub string
	// when is a further condition on the query string and headers; nil
	// matches every request.
	when func(q url.Values, h http.Header) bool
	// reads marks the operation ReadObjectAs authorizes as.
	reads bool
	// status is the operation's success status when it is not 200 (AWS
	// answers the Delete* operations, PutBucketPolicy and PutBucketTagging
	// with 204 No Content).
	status int
	pipeline.Handler[*call]
}

func has(p string) func(url.Values, http.Header) bool {
	return func(q url.Values, _ http.Header) bool { return q.Has(p) }
}

func hasHeader(name string) func(url.Values, http.Header) bool {
	return func(_ url.Values, h http.Header) bool { return h.Get(name) != "" }
}

func isPart(q url.Values, _ http.Header) bool { return q.Has("partNumber") || q.Has("uploadId") }

func listV2(q url.Values, _ http.Header) bool { return q.Get("list-type") == "2" }

// run adapts a handler written as a method of the service to the table:
// it returns the operation's output, which the frame renders (render.go).
func run[In, Out any](f func(*Service, *call, *In) (*Out, error)) func(*call, *In) (*Out, error) {
	return func(c *call, in *In) (*Out, error) { return f(c.s, c, in) }
}

// routes are the S3 operations gatehouse serves, the IAM actions each is
// authorized as (the Service Authorization Reference's "Actions defined
// by Amazon S3"; several operations share an action, e.g.
// DeleteBucketEncryption is s3:PutEncryptionConfiguration) and where
// their requests arrive. Every handler authorizes what it does itself: the
// bucket's policy and owner take part in each decision.
var routes = []route{
	{level: levelService, method: http.MethodGet,
		Handler: pipeline.Handle(pipeline.Operation{Name: "ListBuckets", Actions: []string{"s3:ListAllMyBuckets"}}, run((*Service).listBuckets))},

	// Bucket configuration subresources.
	{level: levelBucket, method: http.MethodGet, sub: "lifecycle",
		Handler: pipeline.Handle(pipeline.Operation{Name: "GetBucketLifecycleConfiguration", Actions: []string{"s3:GetLifecycleConfiguration"}}, run(getDoc[GetBucketLifecycleConfigurationOutput](lifecycleDoc)))},
	{level: levelBucket, method: http.MethodPut, sub: "lifecycle",
		Handler: pipeline.Handle(pipeline.Operation{Name: "PutBucketLifecycleConfiguration", Actions: []string{"s3:PutLifecycleConfiguration"}}, run(putDoc[PutBucketLifecycleConfigurationOutput](lifecycleDoc)))},
	{level: levelBucket, method: http.MethodDelete, sub: "lifecycle", status: http.StatusNoContent,
		Handler: pipeline.Handle(pipeline.Operation{Name: "DeleteBucketLifecycle", Actions: []string{"s3:PutLifecycleConfiguration"}}, run(deleteDoc[DeleteBucketLifecycleOutput](lifecycleDoc)))},
	{level: levelBucket, method: http.MethodGet, sub: "cors",
		Handler: pipeline.Handle(pipeline.Operation{Name: "GetBucketCors", Actions: []string{"s3:GetBucketCORS"}}, run(getDoc[GetBucketCorsOutput](corsDoc)))},
	{level: levelBucket, method: http.MethodPut, sub: "cors",
		Handler: pipeline.Handle(pipeline.Operation{Name: "PutBucketCors", Actions: []string{"s3:PutBucketCORS"}}, run(putDoc[PutBucketCorsOutput](corsDoc)))},
	{level: levelBucket, method: http.MethodDelete, sub: "cors", status: http.StatusNoContent,
		Handler: pipeline.Handle(pipeline.Operation{Name: "DeleteBucketCors", Actions: []string{"s3:PutBucketCORS"}}, run(deleteDoc[DeleteBucketCorsOutput](corsDoc)))},
	{level: levelBucket, method: http.MethodGet, sub: "ownershipControls",
		Handler: pipeline.Handle(pipeline.Operation{Name: "GetBucketOwnershipControls", Actions: []string{"s3:GetBucketOwnershipControls"}}, run(getDoc[GetBucketOwnershipControlsOutput](ownershipDoc)))},
	{level: levelBucket, method: http.MethodPut, sub: "ownershipControls",
		Handler: pipeline.Handle(pipeline.Operation{Name: "PutBucketOwnershipControls", Actions: []string{"s3:PutBucketOwnershipControls"}}, run(putDoc[PutBucketOwnershipControlsOutput](ownershipDoc)))},
	{level: levelBucket, method: http.MethodDelete, sub: "ownershipControls", status: http.StatusNoContent,
		Handler: pipeline.Handle(pipeline.Operation{Name: "DeleteBucketOwnershipControls", Actions: []string{"s3:PutBucketOwnershipControls"}}, run(deleteDoc[DeleteBucketOwnershipControlsOutput](ownershipDoc)))},
	{level: levelBucket, method: http.MethodGet, sub: "encryption",
		Handler: pipeline.Handle(pipeline.Operation{Name: "GetBucketEncryption", Actions: []string{"s3:GetEncryptionConfiguration"}}, run((*Service).getBucketEncryption))},
	{level: levelBucket, method: http.MethodPut, sub: "encryption",
		Handler: pipeline.Handle(pipeline.Operation{Name: "PutBucketEncryption", Actions: []string{"s3:PutEncryptionConfiguration"}}, run((*Service).putBucketEncryption))},
	{level: levelBucket, method: http.MethodDelete, sub: "encryption", status: http.StatusNoContent,
		Handler: pipeline.Handle(pipeline.Operation{Name: "DeleteBucketEncryption", Actions: []string{"s3:PutEncryptionConfiguration"}}, run((*Service).deleteBucketEncryption))},
	{level: levelBucket, method: http.MethodGet, sub: "versioning",
		Handler: pipeline.Handle(pipeline.Operation{Name: "GetBucketVersioning", Actions: []string{"s3:GetBucketVersioning"}}, run((*Service).getBucketVersioning))},
	{level: levelBucket, method: http.MethodPut, sub: "versioning",
		Handler: pipeline.Handle(pipeline.Operation{Name: "PutBucketVersioning", Actions: []string{"s3:PutBucketVersioning"}}, run((*Service).putBucketVersioning))},
	{level: levelBucket, method: http.MethodGet, sub: "policy",
		Handler: pipeline.Handle(pipeline.Operation{Name: "GetBucketPolicy", Actions: []string{"s3:GetBucketPolicy"}}, run((*Service).getBucketPolicy))},
	{level: levelBucket, method: http.MethodPut, sub: "policy", status: http.StatusNoContent,
		Handler: pipeline.Handle(pipeline.Operation{Name: "PutBucketPolicy", Actions: []string{"s3:PutBucketPolicy"}}, run((*Service).putBucketPolicy))},
	{level: levelBucket, method: http.MethodDelete, sub: "policy", status: http.StatusNoContent,
		Handler: pipeline.Handle(pipeline.Operation{Name: "DeleteBucketPolicy", Actions: []string{"s3:DeleteBucketPolicy"}}, run((*Service).deleteBucketPolicy))},
	{level: levelBucket, method: http.MethodGet, sub: "publicAccessBlock",
		Handler: pipeline.Handle(pipeline.Operation{Name: "GetPublicAccessBlock", Actions: []string{"s3:GetBucketPublicAccessBlock"}}, run((*Service).getPublicAccessBlock))},
	{level: levelBucket, method: http.MethodPut, sub: "publicAccessBlock",
		Handler: pipeline.Handle(pipeline.Operation{Name: "PutPublicAccessBlock", Actions: []string{"s3:PutBucketPublicAccessBlock"}}, run((*Service).putPublicAccessBlock))},
	{level: levelBucket, method: http.MethodDelete, sub: "publicAccessBlock", status: http.StatusNoContent,
		Handler: pipeline.Handle(pipeline.Operation{Name: "DeletePublicAccessBlock", Actions: []string{"s3:PutBucketPublicAccessBlock"}}, run((*Service).deletePublicAccessBlock))},
	{level: levelBucket, method: http.MethodGet, sub: "tagging",
		Handler: pipeline.Handle(pipeline.Operation{Name: "GetBucketTagging", Actions: []string{"s3:GetBucketTagging"}}, run((*Service).getBucketTagging))},
	{level: levelBucket, method: http.MethodPut, sub: "tagging", status: http.StatusNoContent,
		Handler: pipeline.Handle(pipeline.Operation{Name: "PutBucketTagging", Actions: []string{"s3:PutBucketTagging"}}, run((*Service).putBucketTagging))},
	{level: levelBucket, method: http.MethodDelete, sub: "tagging", status: http.StatusNoContent,
		Handler: pipeline.Handle(pipeline.Operation{Name: "DeleteBucketTagging", Actions: []string{"s3:PutBucketTagging"}}, run((*Service).deleteBucketTagging))},
	{level: levelBucket, method: http.MethodGet, sub: "location",
		Handler: pipeline.Handle(pipeline.Operation{Name: "GetBucketLocation", Actions: []string{"s3:GetBucketLocation"}}, run((*Service).getBucketLocation))},

	// Buckets and listings.
	{level: levelBucket, method: http.MethodGet, when: has("uploads"),
		Handler: pipeline.Handle(pipeline.Operation{Name: "ListMultipartUploads", Actions: []string{"s3:ListBucketMultipartUploads"}}, run((*Service).listMultipartUploads))},
	// ListObjectVersions of a bucket never versioned (objects keep one
	// version): every object is its version "null".
	{level: levelBucket, method: http.MethodGet, when: has("versions"),
		Handler: pipeline.Handle(pipeline.Operation{Name: "ListObjectVersions", Actions: []string{"s3:ListBucketVersions"}, Keys: listKeys}, run(listing[ListObjectVersionsOutput](listVersions)))},
	{level: levelBucket, method: http.MethodGet, when: listV2,
		Handler: pipeline.Handle(pipeline.Operation{Name: "ListObjectsV2", Actions: []string{"s3:ListBucket"}, Keys: listKeys}, run(listing[ListObjectsV2Output](listObjectsV2)))},
	{level: levelBucket, method: http.MethodGet,
		Handler: pipeline.Handle(pipeline.Operation{Name: "ListObjects", Actions: []string{"s3:ListBucket"}, Keys: listKeys}, run(listing[ListObjectsOutput](listObjectsV1)))},
	{level: levelBucket, method: http.MethodPut,
		Handler: pipeline.Handle(pipeline.Operation{Name: "CreateBucket", Actions: []string{"s3:CreateBucket"}}, run((*Service).createBucket))},
	{level: levelBucket, method: http.MethodDelete, status: http.StatusNoContent,
		Handler: pipeline.Handle(pipeline.Operation{Name: "DeleteBucket", Actions: []string{"s3:DeleteBucket"}}, run((*Service).deleteBucket))},
	{level: levelBucket, method: http.MethodHead,
		Handler: pipeline.Handle(pipeline.Operation{Name: "HeadBucket", Actions: []string{"s3:ListBucket"}}, run((*Service).headBucket))},
	{level: levelBucket, method: http.MethodPost, when: has("delete"),
		Handler: pipeline.Handle(pipeline.Operation{Name: "DeleteObjects", Actions: []string{"s3:DeleteObject"}}, run((*Service).deleteObjects))},

	// Objects and multipart uploads.
	{level: levelObject, method: http.MethodPut, when: isPart,
		Handler: pipeline.Handle(pipeline.Operation{Name: "UploadPart", Actions: []string{"s3:PutObject"}}, run((*Service).uploadPart))},
	{level: levelObject, method: http.MethodPut, when: hasHeader("x-amz-copy-source"),
		Handler: pipeline.Handle(pipeline.Operation{Name: "CopyObject", Actions: []string{"s3:PutObject", "s3:GetObject"}}, run((*Service).copyObject))},
	{level: levelObject, method: http.MethodPut,
		Handler: pipeline.Handle(pipeline.Operation{Name: "PutObject", Actions: []string{"s3:PutObject"}}, run((*Service).putObject))},
	{level: levelObject, method: http.MethodGet, when: has("uploadId"),
		Handler: pipeline.Handle(pipeline.Operation{Name: "ListParts", Actions: []string{"s3:ListMultipartUploadParts"}}, run((*Service).listParts))},
	// A missing key is NoSuchKey only to a caller who may list the
	// bucket (s3:ListBucket), AccessDenied to others.
	{level: levelObject, method: http.MethodGet, reads: true,
		Handler: pipeline.Handle(pipeline.Operation{Name: "GetObject", Actions: []string{"s3:GetObject", "s3:ListBucket"}}, run((*Service).getObject))},
	{level: levelObject, method: http.MethodHead,
		Handler: pipeline.Handle(pipeline.Operation{Name: "HeadObject", Actions: []string{"s3:GetObject", "s3:ListBucket"}}, run((*Service).headObject))},
	{level: levelObject, method: http.MethodDelete, when: has("uploadId"), status: http.StatusNoContent,
		Handler: pipeline.Handle(pipeline.Operation{Name: "AbortMultipartUpload", Actions: []string{"s3:AbortMultipartUpload"}}, run((*Service).abortMultipartUpload))},
	{level: levelObject, method: http.MethodDelete, status: http.StatusNoContent,
		Handler: pipeline.Handle(pipeline.Operation{Name: "DeleteObject", Actions: []string{"s3:DeleteObject"}}, run((*Service).deleteObject))},
	{level: levelObject, method: http.MethodPost, when: has("uploads"),
		Handler: pipeline.Handle(pipeline.Operation{Name: "CreateMultipartUpload", Actions: []string{"s3:PutObject"}}, run((*Service).createMultipartUpload))},
	{level: levelObject, method: http.MethodPost, when: has("uploadId"),
		Handler: pipeline.Handle(pipeline.Operation{Name: "CompleteMultipartUpload", Actions: []string{"s3:PutObject"}}, run((*Service).completeMultipartUpload))},
}

// handlers is the operation table.
func handlers() pipeline.Handlers[*call] {
	hs := make(pipeline.Handlers[*call], len(routes))
	for i := range routes {
		hs[i] = routes[i].Handler
	}
	return hs
}

// Operations returns the names of the operations the service serves: its
// metrics labels and doc/operations.md's implemented column.
func Operations() []string { return handlers().Names() }

// OperationTable returns the operations with their IAM actions.
func OperationTable() pipeline.Table { return handlers().Table() }

func bucketARN(b string) string    { return arn.S3Bucket(b) }
func objectARN(b, k string) string { return arn.S3Object(b, k) }
