package s3

import (
	"errors"
	"io"
	"net/http"
	"net/url"

	"github.com/gatehouse-dev/gatehouse/internal/authn"
	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// ReadObjectAs reads an object for another gatehouse service acting on a
// caller's behalf, as an AWS service reads S3 with the caller's forward
// access session (Lambda's Code.S3Bucket/S3Key, Content.S3Bucket/S3Key of
// a layer): the caller needs s3:GetObject on the object, decided with the
// bucket policy as a GetObject of its own would be, and without
// s3:ListBucket a missing key is AccessDenied. r is the caller's request
// (its context and the request condition keys); region is the region the
// caller's service call was signed for. Errors are S3's (*awserr.Error
// with S3 codes): NoSuchBucket, NoSuchKey, AccessDenied, PermanentRedirect
// (bucket in another region; the message names it), InvalidArgument (a
// version other than "null": objects keep one version), EntityTooLarge
// when the object is over max bytes (nothing more is read).
func (s *Service) ReadObjectAs(r *http.Request, caller *authn.Principal, region, bucketName, key, versionID string, max int64) ([]byte, error) {
	c := &call{r: r, q: url.Values{}, bucket: bucketName, key: key, s: s, op: s.readOp, caller: caller, region: region}
	if c.op == nil || caller == nil {
		return nil, awserr.S3AccessDenied.New("")
	}
	if err := validKey(key); err != nil {
		return nil, err
	}
	b, err := s.getBucket(r.Context(), bucketName)
	if err != nil {
		return nil, err
	}
	if b.Region != region {
		return nil, awserr.S3PermanentRedirect.Errorf("The bucket is in this region: %s. Please use this region to retry the request", b.Region)
	}
	if err := s.authorize(c, "s3:GetObject", objectARN(bucketName, key), b, nil); err != nil {
		return nil, awserr.S3AccessDenied.New("").WithCause(err)
	}
	if versionID != "" && versionID != "null" {
		return nil, awserr.S3InvalidArgument.New("Invalid version id specified").WithField("ArgumentName", "versionId")
	}
	rec, err := s.cfg.Store.Get(r.Context(), kindObject, objectKey(bucketName, key))
	if errors.Is(err, store.ErrNotFound) {
		return nil, s.missingKey(c, b)
	}
	if err != nil {
		return nil, err
	}
	o, err := getJSONValue[object](rec.Value)
	if err != nil {
		return nil, err
	}
	if o.Size > max {
		return nil, awserr.S3EntityTooLarge.New("")
	}
	f, err := s.blobs.open(o.Blob)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, awserr.S3EntityTooLarge.New("")
	}
	return data, nil
}
