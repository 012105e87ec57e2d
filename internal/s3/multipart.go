package s3

import (
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/awsproto"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

func partKey(uploadID string, n int) string { return fmt.Sprintf("%s/%05d", uploadID, n) }

func (s *Service) createMultipartUpload(c *call, in *createMultipartUploadIn) (*CreateMultipartUploadOutput, error) {
	b, err := s.objectBucket(c, "s3:PutObject")
	if err != nil {
		return nil, err
	}
	hd, meta, err := objectHeaders(in.Header)
	if err != nil {
		return nil, err
	}
	sse, err := sseOf(in.Header, b)
	if err != nil {
		return nil, err
	}
	alg := strings.ToLower(in.ChecksumAlgorithm)
	if alg != "" && checksumAlgorithms[alg] == nil {
		return nil, awserr.S3InvalidRequest.New("Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]")
	}
	initiator := ""
	if c.caller != nil {
		initiator = c.caller.ARN
	}
	u := upload{ID: newBlobID() + newBlobID(), Key: c.key, Initiated: s.now(), Headers: hd, Meta: meta, Owner: b.Account, Initiator: initiator, Checksum: alg}
	u.Headers["x-amz-server-side-encryption"] = sse
	if _, err := s.cfg.Store.Update(c.r.Context(), func(tx store.Tx) error {
		return tx.Create(kindUpload, objectKey(c.bucket, u.ID), mustJSON(u))
	}); err != nil {
		return nil, err
	}
	return &CreateMultipartUploadOutput{ServerSideEncryption: sse, ChecksumAlgorithm: strings.ToUpper(alg), Bucket: c.bucket, Key: c.key, UploadID: u.ID}, nil
}

// getUpload reads the upload id the request names; NoSuchUpload when it
// is absent or for another key.
func (s *Service) getUpload(r store.Reader, c *call, id string) (*upload, error) {
	if id == "" || len(id) > 128 || strings.Contains(id, "/") {
		return nil, awserr.S3NoSuchUpload.New("").WithField("UploadId", id)
	}
	u, err := getJSON[upload](r, kindUpload, objectKey(c.bucket, id))
	if errors.Is(err, store.ErrNotFound) || err == nil && u.Key != c.key {
		return nil, awserr.S3NoSuchUpload.New("").WithField("UploadId", id)
	}
	return u, err
}

type storeReader struct {
	s *Service
	c *call
}

func (r storeReader) Get(kind, key string) (store.Record, error) {
	return r.s.cfg.Store.Get(r.c.r.Context(), kind, key)
}

func (r storeReader) List(kind, prefix string) ([]store.Record, error) {
	return r.s.cfg.Store.List(r.c.r.Context(), kind, prefix)
}

func (s *Service) uploadPart(c *call, in *uploadPartIn) (*UploadPartOutput, error) {
	if _, err := s.objectBucket(c, "s3:PutObject"); err != nil {
		return nil, err
	}
	n, err := strconv.Atoi(in.PartNumber)
	if err != nil || n < 1 || n > maxParts {
		return nil, awserr.S3InvalidArgument.New("Part number must be an integer between 1 and 10000, inclusive").
			WithField("ArgumentName", "partNumber").WithField("ArgumentValue", in.PartNumber)
	}
	u, err := s.getUpload(storeReader{s, c}, c, in.UploadID)
	if err != nil {
		return nil, err
	}
	p, err := s.blobs.create()
	if err != nil {
		return nil, err
	}
	defer p.abort()
	rcv, err := s.readBody(c, p, s.cfg.MaxObjectSize)
	if err != nil {
		return nil, err
	}
	id, err := p.commit()
	if err != nil {
		return nil, err
	}
	pt := part{Number: n, Blob: id, Size: rcv.size, ETag: `"` + hex.EncodeToString(rcv.md5) + `"`, LastModified: s.now()}
	var old string
	_, err = s.cfg.Store.Update(c.r.Context(), func(tx store.Tx) error {
		old = ""
		if _, err := s.getUpload(tx, c, in.UploadID); err != nil {
			return err // aborted or completed while the part arrived
		}
		cur, err := getJSON[part](tx, kindPart, partKey(u.ID, n))
		if err == nil {
			old = cur.Blob
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		return tx.Put(kindPart, partKey(u.ID, n), mustJSON(pt))
	})
	if err != nil {
		s.blobs.remove(id)
		return nil, err
	}
	if old != "" {
		s.blobs.remove(old)
	}
	out := &UploadPartOutput{ETag: pt.ETag, ServerSideEncryption: u.Headers["x-amz-server-side-encryption"], ContentLength: "0"}
	out.Checksums.set(rcv.checksum)
	return out, nil
}

type completeXML struct {
	Parts []struct {
		PartNumber int    `xml:"PartNumber"`
		ETag       string `xml:"ETag"`
	} `xml:"Part"`
}

func (s *Service) listUploadParts(r store.Reader, uploadID string) (map[int]*part, error) {
	recs, err := r.List(kindPart, uploadID+"/")
	if err != nil {
		return nil, err
	}
	out := make(map[int]*part, len(recs))
	for _, rec := range recs {
		p, err := getJSONValue[part](rec.Value)
		if err != nil {
			return nil, err
		}
		out[p.Number] = p
	}
	return out, nil
}

func (s *Service) completeMultipartUpload(c *call, in *uploadIn) (*CompleteMultipartUploadOutput, error) {
	b, err := s.objectBucket(c, "s3:PutObject")
	if err != nil {
		return nil, err
	}
	u, err := s.getUpload(storeReader{s, c}, c, in.UploadID)
	if err != nil {
		return nil, err
	}
	body, err := s.readSmall(c, maxXMLBody)
	if err != nil {
		return nil, err
	}
	var req completeXML
	if err := decodeXML(body, &req); err != nil {
		return nil, err
	}
	if len(req.Parts) == 0 || len(req.Parts) > maxParts {
		return nil, awserr.S3MalformedXML.New("")
	}
	have, err := s.listUploadParts(storeReader{s, c}, u.ID)
	if err != nil {
		return nil, err
	}
	// Order first, as S3 checks it before the parts themselves.
	prev := 0
	for _, rp := range req.Parts {
		if rp.PartNumber <= prev {
			return nil, awserr.S3InvalidPartOrder.New("").WithField("UploadId", u.ID)
		}
		prev = rp.PartNumber
	}
	var chosen []*part
	for i, rp := range req.Parts {
		p := have[rp.PartNumber]
		if p == nil || strings.Trim(rp.ETag, `"`) != strings.Trim(p.ETag, `"`) {
			return nil, awserr.S3InvalidPart.New("").WithField("UploadId", u.ID).WithField("PartNumber", strconv.Itoa(rp.PartNumber)).WithField("ETag", rp.ETag)
		}
		if i < len(req.Parts)-1 && p.Size < minPartSize {
			return nil, awserr.S3EntityTooSmall.New("").WithField("ProposedSize", strconv.FormatInt(p.Size, 10)).
				WithField("MinSizeAllowed", strconv.Itoa(minPartSize)).WithField("PartNumber", strconv.Itoa(rp.PartNumber)).WithField("ETag", p.ETag)
		}
		chosen = append(chosen, p)
	}
	// Concatenate the parts into the object's blob; the ETag is the MD5
	// of the parts' MD5s, then "-" and the number of parts, as S3 writes.
	pb, err := s.blobs.create()
	if err != nil {
		return nil, err
	}
	defer pb.abort()
	em := md5.New()
	var size int64
	for _, p := range chosen {
		sum, err := hex.DecodeString(strings.Trim(p.ETag, `"`))
		if err != nil {
			return nil, awserr.S3InternalError.New("").WithCause(err)
		}
		em.Write(sum)
		if err := s.blobs.copyBlob(p.Blob, pb); err != nil {
			return nil, err
		}
		size += p.Size
	}
	id, err := pb.commit()
	if err != nil {
		return nil, err
	}
	etag := `"` + hex.EncodeToString(em.Sum(nil)) + "-" + strconv.Itoa(len(chosen)) + `"`
	hd := map[string]string{}
	sse := ""
	for k, v := range u.Headers {
		if k == "x-amz-server-side-encryption" {
			sse = v
			continue
		}
		hd[k] = v
	}
	o := object{Key: c.key, Blob: id, Size: size, ETag: etag, LastModified: s.now(), Headers: hd, Meta: u.Meta, Parts: len(chosen), SSE: sse, Owner: b.Account}
	var old string
	var partBlobs []string
	_, err = s.cfg.Store.Update(c.r.Context(), func(tx store.Tx) error {
		old, partBlobs = "", nil
		if _, err := s.getUpload(tx, c, in.UploadID); err != nil {
			return err
		}
		cur, err := getJSON[object](tx, kindObject, objectKey(c.bucket, c.key))
		if err == nil {
			old = cur.Blob
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if partBlobs, err = deleteUploadTx(tx, c.bucket, u.ID); err != nil {
			return err
		}
		return tx.Put(kindObject, objectKey(c.bucket, c.key), mustJSON(o))
	})
	if err != nil {
		s.blobs.remove(id)
		return nil, err
	}
	s.blobs.remove(partBlobs...)
	if old != "" {
		s.blobs.remove(old)
	}
	return &CompleteMultipartUploadOutput{ServerSideEncryption: sse, Location: "/" + c.bucket + "/" + c.key, Bucket: c.bucket, Key: c.key, ETag: etag}, nil
}

// deleteUploadTx deletes an upload and its parts' records and returns the
// parts' blobs, to remove once the transaction commits.
func deleteUploadTx(tx store.Tx, bucketName, id string) ([]string, error) {
	recs, err := tx.List(kindPart, id+"/")
	if err != nil {
		return nil, err
	}
	var blobs []string
	for _, rec := range recs {
		p, err := getJSONValue[part](rec.Value)
		if err != nil {
			return nil, err
		}
		blobs = append(blobs, p.Blob)
		if err := tx.Delete(kindPart, rec.Key); err != nil {
			return nil, err
		}
	}
	return blobs, tx.Delete(kindUpload, objectKey(bucketName, id))
}

func (s *Service) abortMultipartUpload(c *call, in *uploadIn) (*AbortMultipartUploadOutput, error) {
	if _, err := s.objectBucket(c, "s3:AbortMultipartUpload"); err != nil {
		return nil, err
	}
	var blobs []string
	_, err := s.cfg.Store.Update(c.r.Context(), func(tx store.Tx) error {
		u, err := s.getUpload(tx, c, in.UploadID)
		if err != nil {
			return err
		}
		blobs, err = deleteUploadTx(tx, c.bucket, u.ID)
		return err
	})
	if err != nil {
		return nil, err
	}
	s.blobs.remove(blobs...)
	return &AbortMultipartUploadOutput{}, nil
}

func (s *Service) listParts(c *call, in *listPartsIn) (*ListPartsOutput, error) {
	if _, err := s.objectBucket(c, "s3:ListMultipartUploadParts"); err != nil {
		return nil, err
	}
	u, err := s.getUpload(storeReader{s, c}, c, in.UploadID)
	if err != nil {
		return nil, err
	}
	maxP := 1000
	if v := in.MaxParts; v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return nil, awserr.S3InvalidArgument.New("Provided max-parts not an integer or within integer range").WithField("ArgumentName", "max-parts")
		}
		maxP = min(n, 1000)
	}
	marker := 0
	if v := in.PartNumberMarker; v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return nil, awserr.S3InvalidArgument.New("Provided part-number-marker not an integer or within integer range").WithField("ArgumentName", "part-number-marker")
		}
		marker = n
	}
	have, err := s.listUploadParts(storeReader{s, c}, u.ID)
	if err != nil {
		return nil, err
	}
	var nums []int
	for n := range have {
		if n > marker {
			nums = append(nums, n)
		}
	}
	sort.Ints(nums)
	truncated := len(nums) > maxP
	if truncated {
		nums = nums[:maxP]
	}
	parts := make([]*part, len(nums))
	for i, n := range nums {
		parts[i] = have[n]
	}
	return &ListPartsOutput{Bucket: c.bucket, Key: c.key, Upload: u, PartNumberMarker: marker, MaxParts: maxP, Truncated: truncated, Parts: parts}, nil
}

func writeInitiator(x *awsproto.XMLWriter, u *upload) {
	x.Start("Initiator")
	x.Element("ID", u.Initiator)
	x.Element("DisplayName", u.Initiator)
	x.End("Initiator")
}

func (s *Service) listMultipartUploads(c *call, in *listUploadsIn) (*ListMultipartUploadsOutput, error) {
	b, err := s.bucketFor(c, "s3:ListBucketMultipartUploads", nil)
	if err != nil {
		return nil, err
	}
	prefix := in.Prefix
	recs, err := s.cfg.Store.List(c.r.Context(), kindUpload, b.Name+"/")
	if err != nil {
		return nil, err
	}
	var ups []*upload
	for _, rec := range recs {
		u, err := getJSONValue[upload](rec.Value)
		if err != nil {
			return nil, err
		}
		if strings.HasPrefix(u.Key, prefix) {
			ups = append(ups, u)
		}
	}
	sort.Slice(ups, func(i, j int) bool {
		if ups[i].Key != ups[j].Key {
			return ups[i].Key < ups[j].Key
		}
		return ups[i].Initiated.Before(ups[j].Initiated)
	})
	truncated := len(ups) > 1000
	if truncated {
		ups = ups[:1000]
	}
	return &ListMultipartUploadsOutput{Bucket: b.Name, Prefix: prefix, Truncated: truncated, Uploads: ups}, nil
}
