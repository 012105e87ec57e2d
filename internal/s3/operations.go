package s3

import (
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

// operations are the S3 operations gatehouse serves and the IAM actions
// each is authorized as (the Service Authorization Reference's "Actions
// defined by Amazon S3"; several operations share an action, e.g.
// DeleteBucketEncryption is s3:PutEncryptionConfiguration).
var operations = pipeline.Table{
	{Name: "ListBuckets", Actions: []string{"s3:ListAllMyBuckets"}},
	{Name: "CreateBucket", Actions: []string{"s3:CreateBucket"}},
	{Name: "DeleteBucket", Actions: []string{"s3:DeleteBucket"}},
	{Name: "HeadBucket", Actions: []string{"s3:ListBucket"}},
	{Name: "GetBucketLocation", Actions: []string{"s3:GetBucketLocation"}},
	{Name: "ListObjects", Actions: []string{"s3:ListBucket"}, Keys: listKeys},
	{Name: "ListObjectsV2", Actions: []string{"s3:ListBucket"}, Keys: listKeys},
	// ListObjectVersions of a bucket never versioned (objects keep one
	// version): every object is its version "null".
	{Name: "ListObjectVersions", Actions: []string{"s3:ListBucketVersions"}, Keys: listKeys},
	{Name: "GetBucketEncryption", Actions: []string{"s3:GetEncryptionConfiguration"}},
	{Name: "PutBucketEncryption", Actions: []string{"s3:PutEncryptionConfiguration"}},
	{Name: "DeleteBucketEncryption", Actions: []string{"s3:PutEncryptionConfiguration"}},
	{Name: "GetBucketVersioning", Actions: []string{"s3:GetBucketVersioning"}},
	{Name: "PutBucketVersioning", Actions: []string{"s3:PutBucketVersioning"}},
	{Name: "GetBucketPolicy", Actions: []string{"s3:GetBucketPolicy"}},
	{Name: "PutBucketPolicy", Actions: []string{"s3:PutBucketPolicy"}},
	{Name: "DeleteBucketPolicy", Actions: []string{"s3:DeleteBucketPolicy"}},
	{Name: "GetPublicAccessBlock", Actions: []string{"s3:GetBucketPublicAccessBlock"}},
	{Name: "PutPublicAccessBlock", Actions: []string{"s3:PutBucketPublicAccessBlock"}},
	{Name: "DeletePublicAccessBlock", Actions: []string{"s3:PutBucketPublicAccessBlock"}},
	{Name: "GetBucketTagging", Actions: []string{"s3:GetBucketTagging"}},
	{Name: "PutBucketTagging", Actions: []string{"s3:PutBucketTagging"}},
	{Name: "DeleteBucketTagging", Actions: []string{"s3:PutBucketTagging"}},
	{Name: "GetBucketLifecycleConfiguration", Actions: []string{"s3:GetLifecycleConfiguration"}},
	{Name: "PutBucketLifecycleConfiguration", Actions: []string{"s3:PutLifecycleConfiguration"}},
	{Name: "DeleteBucketLifecycle", Actions: []string{"s3:PutLifecycleConfiguration"}},
	{Name: "GetBucketCors", Actions: []string{"s3:GetBucketCORS"}},
	{Name: "PutBucketCors", Actions: []string{"s3:PutBucketCORS"}},
	{Name: "DeleteBucketCors", Actions: []string{"s3:PutBucketCORS"}},
	{Name: "GetBucketOwnershipControls", Actions: []string{"s3:GetBucketOwnershipControls"}},
	{Name: "PutBucketOwnershipControls", Actions: []string{"s3:PutBucketOwnershipControls"}},
	{Name: "DeleteBucketOwnershipControls", Actions: []string{"s3:PutBucketOwnershipControls"}},
	{Name: "PutObject", Actions: []string{"s3:PutObject"}},
	// A missing key is NoSuchKey only to a caller who may list the
	// bucket (s3:ListBucket), AccessDenied to others.
	{Name: "GetObject", Actions: []string{"s3:GetObject", "s3:ListBucket"}},
	{Name: "HeadObject", Actions: []string{"s3:GetObject", "s3:ListBucket"}},
	{Name: "DeleteObject", Actions: []string{"s3:DeleteObject"}},
	{Name: "DeleteObjects", Actions: []string{"s3:DeleteObject"}},
	{Name: "CopyObject", Actions: []string{"s3:PutObject", "s3:GetObject"}},
	{Name: "CreateMultipartUpload", Actions: []string{"s3:PutObject"}},
	{Name: "UploadPart", Actions: []string{"s3:PutObject"}},
	{Name: "CompleteMultipartUpload", Actions: []string{"s3:PutObject"}},
	{Name: "AbortMultipartUpload", Actions: []string{"s3:AbortMultipartUpload"}},
	{Name: "ListParts", Actions: []string{"s3:ListMultipartUploadParts"}},
	{Name: "ListMultipartUploads", Actions: []string{"s3:ListBucketMultipartUploads"}},
}

// Operations returns the names of the operations the service serves: its
// metrics labels and doc/operations.md's implemented column.
func Operations() []string { return operations.Names() }

// OperationTable returns the operations with their IAM actions.
func OperationTable() pipeline.Table { return append(pipeline.Table(nil), operations...) }

type handler func(*Service, *call) error

var handlers map[string]handler

func init() {
	handlers = map[string]handler{
		"ListBuckets":                     (*Service).listBuckets,
		"CreateBucket":                    (*Service).createBucket,
		"DeleteBucket":                    (*Service).deleteBucket,
		"HeadBucket":                      (*Service).headBucket,
		"GetBucketLocation":               (*Service).getBucketLocation,
		"ListObjects":                     (*Service).listObjects,
		"ListObjectsV2":                   (*Service).listObjects,
		"ListObjectVersions":              (*Service).listObjects,
		"GetBucketEncryption":             (*Service).getBucketEncryption,
		"PutBucketEncryption":             (*Service).putBucketEncryption,
		"DeleteBucketEncryption":          (*Service).deleteBucketEncryption,
		"GetBucketVersioning":             (*Service).getBucketVersioning,
		"PutBucketVersioning":             (*Service).putBucketVersioning,
		"GetBucketPolicy":                 (*Service).getBucketPolicy,
		"PutBucketPolicy":                 (*Service).putBucketPolicy,
		"DeleteBucketPolicy":              (*Service).deleteBucketPolicy,
		"GetPublicAccessBlock":            (*Service).getPublicAccessBlock,
		"PutPublicAccessBlock":            (*Service).putPublicAccessBlock,
		"DeletePublicAccessBlock":         (*Service).deletePublicAccessBlock,
		"GetBucketTagging":                (*Service).getBucketTagging,
		"PutBucketTagging":                (*Service).putBucketTagging,
		"DeleteBucketTagging":             (*Service).deleteBucketTagging,
		"GetBucketLifecycleConfiguration": (*Service).getStored,
		"PutBucketLifecycleConfiguration": (*Service).putStored,
		"DeleteBucketLifecycle":           (*Service).deleteStored,
		"GetBucketCors":                   (*Service).getStored,
		"PutBucketCors":                   (*Service).putStored,
		"DeleteBucketCors":                (*Service).deleteStored,
		"GetBucketOwnershipControls":      (*Service).getStored,
		"PutBucketOwnershipControls":      (*Service).putStored,
		"DeleteBucketOwnershipControls":   (*Service).deleteStored,
		"PutObject":                       (*Service).putObject,
		"GetObject":                       (*Service).getObject,
		"HeadObject":                      (*Service).getObject,
		"DeleteObject":                    (*Service).deleteObject,
		"DeleteObjects":                   (*Service).deleteObjects,
		"CopyObject":                      (*Service).copyObject,
		"CreateMultipartUpload":           (*Service).createMultipartUpload,
		"UploadPart":                      (*Service).uploadPart,
		"CompleteMultipartUpload":         (*Service).completeMultipartUpload,
		"AbortMultipartUpload":            (*Service).abortMultipartUpload,
		"ListParts":                       (*Service).listParts,
		"ListMultipartUploads":            (*Service).listMultipartUploads,
	}
}

func bucketARN(b string) string    { return arn.S3Bucket(b) }
func objectARN(b, k string) string { return arn.S3Object(b, k) }
