package s3

import (
	"encoding/base64"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/awsproto"
)

// The operations' outputs, named after botocore-s3's output shapes (an
// operation AWS gives no output shape has an empty one). Header fields
// are tagged with their location as the inputs are (inputs.go); the frame
// renders them (render.go). Document outputs render their XML in
// WriteXML, in AWS's element order.

// ListBucketsOutput is ListAllMyBucketsResult.
type ListBucketsOutput struct {
	Owner   string // the caller's account
	Buckets []*bucket
}

func (*ListBucketsOutput) xmlRoot() string { return "ListAllMyBucketsResult" }

func (o *ListBucketsOutput) WriteXML(x *awsproto.XMLWriter) {
	writeOwner(x, "Owner", o.Owner)
	x.Start("Buckets")
	for _, b := range o.Buckets {
		x.Start("Bucket")
		x.Element("Name", b.Name)
		x.Element("CreationDate", isoTime(b.Created))
		x.Element("BucketRegion", b.Region)
		x.End("Bucket")
	}
	x.End("Buckets")
}

type CreateBucketOutput struct {
	Location      string `header:"Location"`
	ContentLength string `header:"Content-Length"`
}

type DeleteBucketOutput struct{}

type HeadBucketOutput struct {
	BucketRegion     string `header:"x-amz-bucket-region"`
	AccessPointAlias string `header:"x-amz-access-point-alias"`
}

// GetBucketLocationOutput: us-east-1 is the empty constraint.
type GetBucketLocationOutput struct {
	LocationConstraint string
}

func (*GetBucketLocationOutput) xmlRoot() string { return "LocationConstraint" }

func (o *GetBucketLocationOutput) WriteXML(x *awsproto.XMLWriter) { x.Text(o.LocationConstraint) }

type GetBucketEncryptionOutput struct {
	Rule encryptionRule
}

func (*GetBucketEncryptionOutput) xmlRoot() string { return "ServerSideEncryptionConfiguration" }

func (o *GetBucketEncryptionOutput) WriteXML(x *awsproto.XMLWriter) {
	e := &o.Rule
	x.Start("Rule")
	x.Start("ApplyServerSideEncryptionByDefault")
	x.Element("SSEAlgorithm", e.Algorithm)
	if e.KMSKeyID != "" {
		x.Element("KMSMasterKeyID", e.KMSKeyID)
	}
	x.End("ApplyServerSideEncryptionByDefault")
	x.Element("BucketKeyEnabled", boolStr(e.BucketKey))
	x.End("Rule")
}

type (
	PutBucketEncryptionOutput    struct{}
	DeleteBucketEncryptionOutput struct{}
)

// GetBucketVersioningOutput: a bucket never versioned has no Status.
type GetBucketVersioningOutput struct {
	Status    string
	MFADelete string
}

func (*GetBucketVersioningOutput) xmlRoot() string { return "VersioningConfiguration" }

func (o *GetBucketVersioningOutput) WriteXML(x *awsproto.XMLWriter) {
	if o.Status != "" {
		x.Element("Status", o.Status)
	}
	if o.MFADelete != "" {
		x.Element("MfaDelete", o.MFADelete)
	}
}

type PutBucketVersioningOutput struct{}

// GetBucketPolicyOutput: the policy as it was put, JSON.
type GetBucketPolicyOutput struct {
	ContentType string `header:"Content-Type"`
	Policy      string `body:""`
}

type (
	PutBucketPolicyOutput    struct{}
	DeleteBucketPolicyOutput struct{}
)

type GetPublicAccessBlockOutput struct {
	Configuration publicAccessBlock
}

func (*GetPublicAccessBlockOutput) xmlRoot() string { return "PublicAccessBlockConfiguration" }

func (o *GetPublicAccessBlockOutput) WriteXML(x *awsproto.XMLWriter) {
	p := &o.Configuration
	x.Element("BlockPublicAcls", boolStr(p.BlockPublicAcls))
	x.Element("IgnorePublicAcls", boolStr(p.IgnorePublicAcls))
	x.Element("BlockPublicPolicy", boolStr(p.BlockPublicPolicy))
	x.Element("RestrictPublicBuckets", boolStr(p.RestrictPublicBuckets))
}

type (
	PutPublicAccessBlockOutput    struct{}
	DeletePublicAccessBlockOutput struct{}
)

type GetBucketTaggingOutput struct {
	TagSet []tag
}

func (*GetBucketTaggingOutput) xmlRoot() string { return "Tagging" }

func (o *GetBucketTaggingOutput) WriteXML(x *awsproto.XMLWriter) {
	x.Start("TagSet")
	for _, t := range o.TagSet {
		x.Start("Tag")
		x.Element("Key", t.Key)
		x.Element("Value", t.Value)
		x.End("Tag")
	}
	x.End("TagSet")
}

type (
	PutBucketTaggingOutput    struct{}
	DeleteBucketTaggingOutput struct{}
)

// storedDocument is a configuration document kept as sent, written back
// element by element through the XML writer.
type storedDocument struct {
	root string
	toks []xmlTok
}

func (d *storedDocument) xmlRoot() string { return d.root }

func (d *storedDocument) WriteXML(x *awsproto.XMLWriter) { writeTokens(x, d.toks) }

// The stored configuration documents' outputs.
type (
	GetBucketLifecycleConfigurationOutput struct{ storedDocument }
	PutBucketLifecycleConfigurationOutput struct{}
	DeleteBucketLifecycleOutput           struct{}
	GetBucketCorsOutput                   struct{ storedDocument }
	PutBucketCorsOutput                   struct{}
	DeleteBucketCorsOutput                struct{}
	GetBucketOwnershipControlsOutput      struct{ storedDocument }
	PutBucketOwnershipControlsOutput      struct{}
	DeleteBucketOwnershipControlsOutput   struct{}
)

// listResult is a listing of a bucket's objects, as ListObjects,
// ListObjectsV2 or ListObjectVersions (mode) answers it.
type listResult struct {
	mode                               listMode
	in                                 *listObjectsIn
	bucket, prefix, delim, enc, marker string
	token                              string
	maxKeys, count                     int
	truncated                          bool
	next                               string
	contents                           []*object
	prefixes                           []string
}

// The listings' outputs.
type (
	ListObjectsOutput        struct{ listResult }
	ListObjectsV2Output      struct{ listResult }
	ListObjectVersionsOutput struct{ listResult }
)

func (l *listResult) encode(s string) string {
	if l.enc == "url" {
		return strings.ReplaceAll(url.QueryEscape(s), "%2F", "/")
	}
	return s
}

func (l *listResult) xmlRoot() string {
	if l.mode == listVersions {
		return "ListVersionsResult"
	}
	return "ListBucketResult"
}

func (l *listResult) WriteXML(x *awsproto.XMLWriter) {
	if l.mode == listVersions {
		l.writeVersions(x)
		return
	}
	x.Element("Name", l.bucket)
	x.Element("Prefix", l.encode(l.prefix))
	if l.mode == listObjectsV2 {
		if l.in.ContinuationToken != nil {
			x.Element("ContinuationToken", l.token)
		}
		if sa := l.in.StartAfter; sa != "" {
			x.Element("StartAfter", l.encode(sa))
		}
		x.Element("KeyCount", strconv.Itoa(l.count))
	} else {
		x.Element("Marker", l.encode(l.in.Marker))
	}
	x.Element("MaxKeys", strconv.Itoa(l.maxKeys))
	if l.delim != "" {
		x.Element("Delimiter", l.encode(l.delim))
	}
	if l.enc != "" {
		x.Element("EncodingType", l.enc)
	}
	x.Element("IsTruncated", boolStr(l.truncated))
	if l.truncated {
		if l.mode == listObjectsV2 {
			x.Element("NextContinuationToken", base64.RawURLEncoding.EncodeToString([]byte(l.next)))
		} else if l.delim != "" {
			x.Element("NextMarker", l.encode(l.next))
		}
	}
	fetchOwner := l.mode != listObjectsV2 || l.in.FetchOwner == "true"
	for _, o := range l.contents {
		x.Start("Contents")
		x.Element("Key", l.encode(o.Key))
		x.Element("LastModified", isoTime(o.LastModified))
		x.Element("ETag", o.ETag)
		if o.Checksum != nil {
			x.Element("ChecksumAlgorithm", o.Checksum.Algorithm)
		}
		x.Element("Size", strconv.FormatInt(o.Size, 10))
		sc := o.Headers["x-amz-storage-class"]
		if sc == "" {
			sc = "STANDARD"
		}
		x.Element("StorageClass", sc)
		if fetchOwner {
			writeOwner(x, "Owner", o.Owner)
		}
		x.End("Contents")
	}
	for _, p := range l.prefixes {
		x.Start("CommonPrefixes")
		x.Element("Prefix", l.encode(p))
		x.End("CommonPrefixes")
	}
}

func (l *listResult) writeVersions(x *awsproto.XMLWriter) {
	x.Element("Name", l.bucket)
	x.Element("Prefix", l.encode(l.prefix))
	x.Element("KeyMarker", l.encode(l.marker))
	x.Element("VersionIdMarker", l.in.VersionIDMarker)
	if l.truncated {
		x.Element("NextKeyMarker", l.encode(l.next))
		x.Element("NextVersionIdMarker", "null")
	}
	x.Element("MaxKeys", strconv.Itoa(l.maxKeys))
	if l.delim != "" {
		x.Element("Delimiter", l.encode(l.delim))
	}
	if l.enc != "" {
		x.Element("EncodingType", l.enc)
	}
	x.Element("IsTruncated", boolStr(l.truncated))
	for _, o := range l.contents {
		x.Start("Version")
		x.Element("Key", l.encode(o.Key))
		x.Element("VersionId", "null")
		x.Element("IsLatest", "true")
		x.Element("LastModified", isoTime(o.LastModified))
		x.Element("ETag", o.ETag)
		x.Element("Size", strconv.FormatInt(o.Size, 10))
		writeOwner(x, "Owner", o.Owner)
		sc := o.Headers["x-amz-storage-class"]
		if sc == "" {
			sc = "STANDARD"
		}
		x.Element("StorageClass", sc)
		x.End("Version")
	}
	for _, p := range l.prefixes {
		x.Start("CommonPrefixes")
		x.Element("Prefix", l.encode(p))
		x.End("CommonPrefixes")
	}
}

type DeleteObjectOutput struct{}

// deleteResult is one key of a DeleteObjects request: deleted (no code)
// or its error.
type deleteResult struct {
	key, code, msg string
}

type DeleteObjectsOutput struct {
	Quiet   bool
	Results []deleteResult
}

func (*DeleteObjectsOutput) xmlRoot() string { return "DeleteResult" }

func (o *DeleteObjectsOutput) WriteXML(x *awsproto.XMLWriter) {
	for _, r := range o.Results {
		if r.code == "" {
			if !o.Quiet {
				x.Start("Deleted")
				x.Element("Key", r.key)
				x.End("Deleted")
			}
			continue
		}
		x.Start("Error")
		x.Element("Key", r.key)
		x.Element("Code", r.code)
		x.Element("Message", r.msg)
		x.End("Error")
	}
}

// Checksums are the x-amz-checksum-* headers of an object or part: one
// is set, the algorithm's.
type Checksums struct {
	ChecksumCRC32     string `header:"x-amz-checksum-crc32"`
	ChecksumCRC32C    string `header:"x-amz-checksum-crc32c"`
	ChecksumCRC64NVME string `header:"x-amz-checksum-crc64nvme"`
	ChecksumSHA1      string `header:"x-amz-checksum-sha1"`
	ChecksumSHA256    string `header:"x-amz-checksum-sha256"`
}

// set sets sum's header (none when sum is nil).
func (cs *Checksums) set(sum *checksum) {
	if sum == nil {
		return
	}
	switch strings.ToLower(sum.Algorithm) {
	case "crc32":
		cs.ChecksumCRC32 = sum.Value
	case "crc32c":
		cs.ChecksumCRC32C = sum.Value
	case "crc64nvme":
		cs.ChecksumCRC64NVME = sum.Value
	case "sha1":
		cs.ChecksumSHA1 = sum.Value
	case "sha256":
		cs.ChecksumSHA256 = sum.Value
	}
}

type PutObjectOutput struct {
	ETag                 string `header:"ETag"`
	ServerSideEncryption string `header:"x-amz-server-side-encryption"`
	Checksums
	ContentLength string `header:"Content-Length"`
}

type CopyObjectOutput struct {
	ServerSideEncryption string `header:"x-amz-server-side-encryption"`
	// CopyObjectResult
	LastModified time.Time
	ETag         string
}

func (*CopyObjectOutput) xmlRoot() string { return "CopyObjectResult" }

func (o *CopyObjectOutput) WriteXML(x *awsproto.XMLWriter) {
	x.Element("LastModified", isoTime(o.LastModified))
	x.Element("ETag", o.ETag)
}

// objectResponse is the status and headers of GetObject and HeadObject.
type objectResponse struct {
	// Header holds the object's stored headers (Content-Type,
	// Cache-Control, …, with the response-* overrides) and its
	// x-amz-meta-* metadata.
	Header               http.Header `headers:""`
	ETag                 string      `header:"ETag"`
	LastModified         string      `header:"Last-Modified"`
	AcceptRanges         string      `header:"Accept-Ranges"`
	ServerSideEncryption string      `header:"x-amz-server-side-encryption"`
	Checksums
	ChecksumType  string `header:"x-amz-checksum-type"`
	ContentLength string `header:"Content-Length"`
	ContentRange  string `header:"Content-Range"`

	status        int // 0 (200), 206 or 304
	start, length int64
}

func (o *objectResponse) statusCode() int { return o.status }

type HeadObjectOutput struct {
	objectResponse
}

// GetObjectOutput carries the object's bytes (the requested range), which
// the frame streams after the headers.
type GetObjectOutput struct {
	objectResponse
	body *objectBody // nil for a 304
}

func (o *GetObjectOutput) stream(w io.Writer) {
	if o.body != nil {
		o.body.stream(w)
	}
}

func (o *GetObjectOutput) close() {
	if o.body != nil {
		o.body.f.Close()
	}
}

// objectBody is n bytes of an object's blob from start.
type objectBody struct {
	f        *os.File
	start, n int64
}

func (b *objectBody) stream(w io.Writer) {
	if _, err := b.f.Seek(b.start, io.SeekStart); err == nil {
		_, _ = io.CopyN(w, b.f, b.n)
	}
}

type CreateMultipartUploadOutput struct {
	ServerSideEncryption string `header:"x-amz-server-side-encryption"`
	ChecksumAlgorithm    string `header:"x-amz-checksum-algorithm"`
	// InitiateMultipartUploadResult
	Bucket, Key, UploadID string
}

func (*CreateMultipartUploadOutput) xmlRoot() string { return "InitiateMultipartUploadResult" }

func (o *CreateMultipartUploadOutput) WriteXML(x *awsproto.XMLWriter) {
	x.Element("Bucket", o.Bucket)
	x.Element("Key", o.Key)
	x.Element("UploadId", o.UploadID)
}

type UploadPartOutput struct {
	ETag                 string `header:"ETag"`
	ServerSideEncryption string `header:"x-amz-server-side-encryption"`
	Checksums
	ContentLength string `header:"Content-Length"`
}

type CompleteMultipartUploadOutput struct {
	ServerSideEncryption string `header:"x-amz-server-side-encryption"`
	// CompleteMultipartUploadResult
	Location, Bucket, Key, ETag string
}

func (*CompleteMultipartUploadOutput) xmlRoot() string { return "CompleteMultipartUploadResult" }

func (o *CompleteMultipartUploadOutput) WriteXML(x *awsproto.XMLWriter) {
	x.Element("Location", o.Location)
	x.Element("Bucket", o.Bucket)
	x.Element("Key", o.Key)
	x.Element("ETag", o.ETag)
}

type AbortMultipartUploadOutput struct{}

// ListPartsOutput is ListPartsResult: parts after the marker, in number
// order.
type ListPartsOutput struct {
	Bucket, Key      string
	Upload           *upload
	PartNumberMarker int
	MaxParts         int
	Truncated        bool
	Parts            []*part
}

func (*ListPartsOutput) xmlRoot() string { return "ListPartsResult" }

func (o *ListPartsOutput) WriteXML(x *awsproto.XMLWriter) {
	x.Element("Bucket", o.Bucket)
	x.Element("Key", o.Key)
	x.Element("UploadId", o.Upload.ID)
	x.Element("PartNumberMarker", strconv.Itoa(o.PartNumberMarker))
	if len(o.Parts) > 0 {
		x.Element("NextPartNumberMarker", strconv.Itoa(o.Parts[len(o.Parts)-1].Number))
	}
	x.Element("MaxParts", strconv.Itoa(o.MaxParts))
	x.Element("IsTruncated", boolStr(o.Truncated))
	writeInitiator(x, o.Upload)
	writeOwner(x, "Owner", o.Upload.Owner)
	x.Element("StorageClass", "STANDARD")
	for _, p := range o.Parts {
		x.Start("Part")
		x.Element("PartNumber", strconv.Itoa(p.Number))
		x.Element("LastModified", isoTime(p.LastModified))
		x.Element("ETag", p.ETag)
		x.Element("Size", strconv.FormatInt(p.Size, 10))
		x.End("Part")
	}
}

// ListMultipartUploadsOutput is ListMultipartUploadsResult.
type ListMultipartUploadsOutput struct {
	Bucket, Prefix string
	Truncated      bool
	Uploads        []*upload
}

func (*ListMultipartUploadsOutput) xmlRoot() string { return "ListMultipartUploadsResult" }

func (o *ListMultipartUploadsOutput) WriteXML(x *awsproto.XMLWriter) {
	x.Element("Bucket", o.Bucket)
	x.Element("KeyMarker", "")
	x.Element("UploadIdMarker", "")
	x.Element("Prefix", o.Prefix)
	x.Element("MaxUploads", "1000")
	x.Element("IsTruncated", boolStr(o.Truncated))
	for _, u := range o.Uploads {
		x.Start("Upload")
		x.Element("Key", u.Key)
		x.Element("UploadId", u.ID)
		writeInitiator(x, u)
		writeOwner(x, "Owner", u.Owner)
		x.Element("StorageClass", "STANDARD")
		x.Element("Initiated", isoTime(u.Initiated))
		x.End("Upload")
	}
}
