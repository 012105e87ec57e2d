package s3

import (
	"net/http"
	"reflect"

	"github.com/gatehouse-dev/gatehouse/internal/awserr"
)

// The REST-XML frame decodes each operation's input from the request as
// the input type's field tags say (botocore-s3's locations):
//
//	uri:"Bucket", uri:"Key"  the bucket and key, from the host
//	                         (virtual-host style) or the path
//	query:"name"             a query parameter: string, its first value
//	                         ("" when absent); *string, nil when absent
//	header:"name"            a request header
//	headers:""               the request's headers (http.Header): the
//	                         metadata and system headers an object keeps
//	                         and the conditional headers
//
// Every field is a string, a *string or the header map, so decoding never
// fails: S3's validation of each value stays in the handler, in the order
// it had (after authorization where AWS authorizes first). Bodies are read
// by the handler after authorization, through the frame's verified reader
// (readBody, readSmall).
func (c *call) decode(v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.Elem().Kind() != reflect.Struct {
		return awserr.S3InternalError.New("")
	}
	rv = rv.Elem()
	rt := rv.Type()
	for i := 0; i < rt.NumField(); i++ {
		f, fv := rt.Field(i), rv.Field(i)
		if name, ok := f.Tag.Lookup("uri"); ok {
			switch name {
			case "Bucket":
				fv.SetString(c.bucket)
			case "Key":
				fv.SetString(c.key)
			default:
				return awserr.S3InternalError.New("")
			}
			continue
		}
		if name, ok := f.Tag.Lookup("query"); ok {
			switch fv.Kind() {
			case reflect.String:
				fv.SetString(c.q.Get(name))
			case reflect.Pointer:
				if c.q.Has(name) {
					s := c.q.Get(name)
					fv.Set(reflect.ValueOf(&s))
				}
			default:
				return awserr.S3InternalError.New("")
			}
			continue
		}
		if name, ok := f.Tag.Lookup("header"); ok {
			fv.SetString(c.r.Header.Get(name))
			continue
		}
		if _, ok := f.Tag.Lookup("headers"); ok {
			fv.Set(reflect.ValueOf(c.r.Header))
			continue
		}
		return awserr.S3InternalError.New("")
	}
	return nil
}

// bucketIn is the input of the operations that name only a bucket (their
// documents, if any, are read after authorization).
type bucketIn struct {
	Bucket string `uri:"Bucket"`
}

type listBucketsIn struct{}

type createBucketIn struct {
	Bucket            string `uri:"Bucket"`
	ObjectLockEnabled string `header:"x-amz-bucket-object-lock-enabled"`
	ObjectOwnership   string `header:"x-amz-object-ownership"`
}

type listObjectsIn struct {
	Bucket            string  `uri:"Bucket"`
	Prefix            string  `query:"prefix"`
	Delimiter         string  `query:"delimiter"`
	MaxKeys           string  `query:"max-keys"`
	EncodingType      string  `query:"encoding-type"`
	Marker            string  `query:"marker"`
	KeyMarker         string  `query:"key-marker"`
	VersionIDMarker   string  `query:"version-id-marker"`
	ContinuationToken *string `query:"continuation-token"`
	StartAfter        string  `query:"start-after"`
	FetchOwner        string  `query:"fetch-owner"`
}

type deleteObjectsIn struct {
	Bucket string      `uri:"Bucket"`
	Header http.Header `headers:""`
}

type objectIn struct {
	Bucket string `uri:"Bucket"`
	Key    string `uri:"Key"`
}

// putObjectIn: the headers are the object's metadata, system headers,
// encryption and checksums.
type putObjectIn struct {
	Bucket string      `uri:"Bucket"`
	Key    string      `uri:"Key"`
	Header http.Header `headers:""`
}

type getObjectIn struct {
	Bucket       string      `uri:"Bucket"`
	Key          string      `uri:"Key"`
	PartNumber   *string     `query:"partNumber"`
	VersionID    string      `query:"versionId"`
	Range        string      `header:"Range"`
	ChecksumMode string      `header:"x-amz-checksum-mode"`
	Header       http.Header `headers:""` // If-Match, If-None-Match, If-Modified-Since, If-Unmodified-Since

	ResponseContentType        string `query:"response-content-type"`
	ResponseContentLanguage    string `query:"response-content-language"`
	ResponseExpires            string `query:"response-expires"`
	ResponseCacheControl       string `query:"response-cache-control"`
	ResponseContentDisposition string `query:"response-content-disposition"`
	ResponseContentEncoding    string `query:"response-content-encoding"`
}

type copyObjectIn struct {
	Bucket            string      `uri:"Bucket"`
	Key               string      `uri:"Key"`
	CopySource        string      `header:"x-amz-copy-source"`
	MetadataDirective string      `header:"x-amz-metadata-directive"`
	IfMatch           string      `header:"x-amz-copy-source-if-match"`
	IfNoneMatch       string      `header:"x-amz-copy-source-if-none-match"`
	Header            http.Header `headers:""` // the new object's metadata and system headers
}

type createMultipartUploadIn struct {
	Bucket            string      `uri:"Bucket"`
	Key               string      `uri:"Key"`
	ChecksumAlgorithm string      `header:"x-amz-checksum-algorithm"`
	Header            http.Header `headers:""`
}

type uploadIn struct {
	Bucket   string `uri:"Bucket"`
	Key      string `uri:"Key"`
	UploadID string `query:"uploadId"`
}

type uploadPartIn struct {
	Bucket     string `uri:"Bucket"`
	Key        string `uri:"Key"`
	UploadID   string `query:"uploadId"`
	PartNumber string `query:"partNumber"`
}

type listPartsIn struct {
	Bucket           string `uri:"Bucket"`
	Key              string `uri:"Key"`
	UploadID         string `query:"uploadId"`
	MaxParts         string `query:"max-parts"`
	PartNumberMarker string `query:"part-number-marker"`
}

type listUploadsIn struct {
	Bucket string `uri:"Bucket"`
	Prefix string `query:"prefix"`
}
