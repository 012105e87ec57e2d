package s3

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net"
	"strings"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// Store kinds. Bucket names are global (as on S3); objects, uploads and
// parts are keyed under their bucket so a bucket's records list by prefix.
const (
	kindBucket = "s3/bucket" // key: bucket
	kindObject = "s3/object" // key: bucket "/" object key
	kindUpload = "s3/upload" // key: bucket "/" upload id
	kindPart   = "s3/part"   // key: upload id "/" 5-digit part number
)

// bucket is a bucket's record.
type bucket struct {
	Name    string    `json:"name"`
	Account string    `json:"account"`
	Region  string    `json:"region"`
	Created time.Time `json:"created"`
	// Versioning is "", "Enabled" or "Suspended" (stored; objects keep
	// one version).
	Versioning string `json:"versioning,omitempty"`
	MFADelete  string `json:"mfaDelete,omitempty"`
	// Encryption is the default-encryption rule; new buckets get SSE-S3
	// (AES256), as on S3 since January 2023.
	Encryption *encryptionRule `json:"encryption,omitempty"`
	Policy     string          `json:"policy,omitempty"`
	// PublicAccessBlock is nil when deleted; new buckets block all public
	// access, as on S3 since April 2023.
	PublicAccessBlock *publicAccessBlock `json:"publicAccessBlock,omitempty"`
	Tags              []tag              `json:"tags,omitempty"`
	// Stored are subresource documents kept as sent (lifecycle, cors, …).
	Stored map[string]string `json:"stored,omitempty"`
}

type encryptionRule struct {
	Algorithm      string `json:"algorithm"`
	KMSKeyID       string `json:"kmsKeyId,omitempty"`
	BucketKey      bool   `json:"bucketKey,omitempty"`
	BucketKeyGiven bool   `json:"bucketKeyGiven,omitempty"`
}

type publicAccessBlock struct {
	BlockPublicAcls       bool `json:"blockPublicAcls"`
	IgnorePublicAcls      bool `json:"ignorePublicAcls"`
	BlockPublicPolicy     bool `json:"blockPublicPolicy"`
	RestrictPublicBuckets bool `json:"restrictPublicBuckets"`
}

type tag struct {
	Key   string `json:"k"`
	Value string `json:"v"`
}

// object is an object's record.
type object struct {
	Key          string            `json:"key"`
	Blob         string            `json:"blob"`
	Size         int64             `json:"size"`
	ETag         string            `json:"etag"` // quoted, as sent on the wire
	LastModified time.Time         `json:"lastModified"`
	Headers      map[string]string `json:"headers,omitempty"` // Content-Type, Cache-Control, …
	Meta         map[string]string `json:"meta,omitempty"`    // x-amz-meta-* (names lowercase, without prefix)
	Checksum     *checksum         `json:"checksum,omitempty"`
	Parts        int               `json:"parts,omitempty"`
	SSE          string            `json:"sse,omitempty"`
	Owner        string            `json:"owner"`
}

type checksum struct {
	Algorithm string `json:"alg"` // CRC32, CRC32C, CRC64NVME, SHA1, SHA256
	Value     string `json:"v"`   // base64
}

// upload is a multipart upload in progress.
type upload struct {
	ID        string            `json:"id"`
	Key       string            `json:"key"`
	Initiated time.Time         `json:"initiated"`
	Headers   map[string]string `json:"headers,omitempty"`
	Meta      map[string]string `json:"meta,omitempty"`
	Owner     string            `json:"owner"`
	Initiator string            `json:"initiator"`
	Checksum  string            `json:"checksumAlg,omitempty"`
}

// part is one uploaded part.
type part struct {
	Number       int       `json:"n"`
	Blob         string    `json:"blob"`
	Size         int64     `json:"size"`
	ETag         string    `json:"etag"`
	LastModified time.Time `json:"lastModified"`
}

func objectKey(b, k string) string { return b + "/" + k }

// getBucket reads a bucket's record: NoSuchBucket when absent.
func (s *Service) getBucket(ctx context.Context, name string) (*bucket, error) {
	rec, err := s.cfg.Store.Get(ctx, kindBucket, name)
	if errors.Is(err, store.ErrNotFound) {
		return nil, noSuchBucket(name)
	}
	if err != nil {
		return nil, err
	}
	var b bucket
	if err := json.Unmarshal(rec.Value, &b); err != nil {
		return nil, awserr.S3InternalError.New("").WithCause(err)
	}
	return &b, nil
}

func noSuchBucket(name string) *awserr.Error {
	return awserr.S3NoSuchBucket.New("").WithField("BucketName", name)
}

func getJSON[T any](r store.Reader, kind, key string) (*T, error) {
	rec, err := r.Get(kind, key)
	if err != nil {
		return nil, err
	}
	var v T
	if err := json.Unmarshal(rec.Value, &v); err != nil {
		return nil, awserr.S3InternalError.New("").WithCause(err)
	}
	return &v, nil
}

func getJSONValue[T any](b []byte) (*T, error) {
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, awserr.S3InternalError.New("").WithCause(err)
	}
	return &v, nil
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic("s3: marshal record: " + err.Error())
	}
	return b
}

// canonicalID is the S3 canonical user id of an account: 64 hex digits,
// stable, derived from the account id.
func canonicalID(account string) string {
	h := sha256.Sum256([]byte("gatehouse/s3/canonical-user/" + account))
	return hex.EncodeToString(h[:])
}

// validBucketName applies S3's general-purpose bucket naming rules
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html).
func validBucketName(n string) bool {
	if len(n) < 3 || len(n) > 63 {
		return false
	}
	for i := 0; i < len(n); i++ {
		c := n[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '-') {
			return false
		}
	}
	first, last := n[0], n[len(n)-1]
	if first == '.' || first == '-' || last == '.' || last == '-' {
		return false
	}
	if strings.Contains(n, "..") || strings.Contains(n, ".-") || strings.Contains(n, "-.") {
		return false
	}
	if net.ParseIP(n) != nil {
		return false
	}
	for _, p := range []string{"xn--", "sthree-", "amzn-s3-demo-"} {
		if strings.HasPrefix(n, p) {
			return false
		}
	}
	for _, sfx := range []string{"-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"} {
		if strings.HasSuffix(n, sfx) {
			return false
		}
	}
	return true
}
