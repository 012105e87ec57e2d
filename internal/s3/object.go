package s3

import (
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/policy"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// maxKeyLength is S3's key limit in bytes of UTF-8.
const maxKeyLength = 1024

// maxMetadata is S3's bound on user-defined metadata (2 KB).
const maxMetadata = 2 << 10

// storedHeaders are the object headers S3 keeps and returns.
var storedHeaders = []string{"Content-Type", "Cache-Control", "Content-Disposition", "Content-Encoding",
	"Content-Language", "Expires", "x-amz-website-redirect-location", "x-amz-storage-class"}

func validKey(k string) error {
	if len(k) > maxKeyLength {
		return awserr.S3KeyTooLong.New("").WithField("MaxSizeAllowed", "1024")
	}
	if !utf8.ValidString(k) {
		return awserr.S3InvalidArgument.New("Object key is not valid UTF-8")
	}
	return nil
}

// objectBucket loads the bucket of an object operation, checks the signing
// region and authorizes action on the object's ARN.
func (s *Service) objectBucket(c *call, action string) (*bucket, error) {
	if err := validKey(c.key); err != nil {
		return nil, err
	}
	b, err := s.getBucket(c.r.Context(), c.bucket)
	if err != nil {
		return nil, err
	}
	if err := c.checkRegion(b); err != nil {
		return nil, err
	}
	if err := s.authorize(c, action, objectARN(c.bucket, c.key), b, nil); err != nil {
		return nil, err
	}
	return b, nil
}

// objectHeaders reads the stored headers and user metadata of a PUT.
func objectHeaders(h http.Header) (map[string]string, map[string]string, error) {
	hd := map[string]string{}
	for _, k := range storedHeaders {
		if v := h.Get(k); v != "" {
			hd[k] = v
		}
	}
	if ce, ok := hd["Content-Encoding"]; ok {
		// aws-chunked is the transfer's, not the object's.
		var keep []string
		for _, e := range strings.Split(ce, ",") {
			if e = strings.TrimSpace(e); e != "" && e != "aws-chunked" {
				keep = append(keep, e)
			}
		}
		if len(keep) == 0 {
			delete(hd, "Content-Encoding")
		} else {
			hd["Content-Encoding"] = strings.Join(keep, ",")
		}
	}
	if sc, ok := hd["x-amz-storage-class"]; ok {
		switch sc {
		case "STANDARD", "REDUCED_REDUNDANCY", "STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "GLACIER", "DEEP_ARCHIVE", "GLACIER_IR", "EXPRESS_ONEZONE", "OUTPOSTS", "SNOW":
		default:
			return nil, nil, awserr.S3InvalidArgument.New("Invalid storage class.").WithField("ArgumentName", "x-amz-storage-class")
		}
	}
	if _, ok := hd["Content-Type"]; !ok {
		hd["Content-Type"] = "binary/octet-stream"
	}
	meta := map[string]string{}
	size := 0
	for k, vs := range h {
		lk := strings.ToLower(k)
		if name, ok := strings.CutPrefix(lk, "x-amz-meta-"); ok && len(vs) > 0 {
			meta[name] = strings.Join(vs, ",")
			size += len(name) + len(meta[name])
		}
	}
	if size > maxMetadata {
		return nil, nil, awserr.S3MetadataTooLarge.New("").WithField("MaxSizeAllowed", "2048")
	}
	return hd, meta, nil
}

func sseOf(h http.Header, b *bucket) (string, error) {
	v := h.Get("x-amz-server-side-encryption")
	switch v {
	case "":
		if b.Encryption != nil {
			return b.Encryption.Algorithm, nil
		}
		return "AES256", nil
	case "AES256", "aws:kms", "aws:kms:dsse":
		return v, nil
	}
	return "", awserr.S3InvalidArgument.New("The encryption method specified is not supported").WithField("ArgumentName", "x-amz-server-side-encryption")
}

func (s *Service) putObject(c *call, in *putObjectIn) (*PutObjectOutput, error) {
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
	o := object{Key: c.key, Blob: id, Size: rcv.size, ETag: `"` + hex.EncodeToString(rcv.md5) + `"`, LastModified: s.now(),
		Headers: hd, Meta: meta, Checksum: rcv.checksum, SSE: sse, Owner: b.Account}
	if err := s.storeObject(c, &o); err != nil {
		s.blobs.remove(id)
		return nil, err
	}
	out := &PutObjectOutput{ETag: o.ETag, ServerSideEncryption: sse, ContentLength: "0"}
	out.Checksums.set(o.Checksum)
	return out, nil
}

// storeObject records o under the call's bucket and key, replacing any
// object there, and removes the replaced object's blob.
func (s *Service) storeObject(c *call, o *object) error {
	var old string
	_, err := s.cfg.Store.Update(c.r.Context(), func(tx store.Tx) error {
		old = ""
		if _, err := tx.Get(kindBucket, c.bucket); errors.Is(err, store.ErrNotFound) {
			return noSuchBucket(c.bucket) // deleted while the body arrived
		} else if err != nil {
			return err
		}
		cur, err := getJSON[object](tx, kindObject, objectKey(c.bucket, o.Key))
		if err == nil {
			old = cur.Blob
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		return tx.Put(kindObject, objectKey(c.bucket, o.Key), mustJSON(o))
	})
	if err != nil {
		return err
	}
	if old != "" && old != o.Blob {
		s.blobs.remove(old)
	}
	return nil
}

// missingKey is S3's answer for an absent key: NoSuchKey to a caller who
// may list the bucket, AccessDenied to one who may not (so a caller
// cannot learn which keys exist).
func (s *Service) missingKey(c *call, b *bucket) error {
	if err := s.authorize(c, "s3:ListBucket", bucketARN(c.bucket), b, nil); err != nil {
		return awserr.S3AccessDenied.New("")
	}
	return awserr.S3NoSuchKey.New("").WithField("Key", c.key)
}

func (s *Service) lookupObject(c *call, b *bucket) (*object, error) {
	rec, err := s.cfg.Store.Get(c.r.Context(), kindObject, objectKey(c.bucket, c.key))
	if errors.Is(err, store.ErrNotFound) {
		return nil, s.missingKey(c, b)
	}
	if err != nil {
		return nil, err
	}
	return getJSONValue[object](rec.Value)
}

func (s *Service) headObject(c *call, in *getObjectIn) (*HeadObjectOutput, error) {
	out, _, err := s.describeObject(c, in)
	if err != nil {
		return nil, err
	}
	return &HeadObjectOutput{objectResponse: *out}, nil
}

func (s *Service) getObject(c *call, in *getObjectIn) (*GetObjectOutput, error) {
	out, o, err := s.describeObject(c, in)
	if err != nil {
		return nil, err
	}
	if out.status == http.StatusNotModified {
		return &GetObjectOutput{objectResponse: *out}, nil
	}
	f, err := s.blobs.open(o.Blob)
	if err != nil {
		return nil, failed(err, out)
	}
	return &GetObjectOutput{objectResponse: *out, body: &objectBody{f: f, start: out.start, n: out.length}}, nil
}

// describeObject answers a GetObject or HeadObject request's status and
// headers (304 with ETag and Last-Modified only for a failed
// If-None-Match or If-Modified-Since) and returns the object.
func (s *Service) describeObject(c *call, in *getObjectIn) (*objectResponse, *object, error) {
	b, err := s.objectBucket(c, "s3:GetObject")
	if err != nil {
		return nil, nil, err
	}
	if in.PartNumber != nil {
		return nil, nil, awserr.S3NotImplemented.New("gatehouse does not implement GetObject by partNumber")
	}
	if v := in.VersionID; v != "" && v != "null" {
		return nil, nil, awserr.S3InvalidArgument.New("Invalid version id specified").WithField("ArgumentName", "versionId")
	}
	o, err := s.lookupObject(c, b)
	if err != nil {
		return nil, nil, err
	}
	if status, ok := preconditions(in.Header, o); !ok {
		out := &objectResponse{ETag: o.ETag, LastModified: o.LastModified.UTC().Format(http.TimeFormat)}
		if status == http.StatusNotModified {
			out.status = status
			return out, o, nil
		}
		return nil, nil, failed(awserr.S3PreconditionFailed.New("").WithField("Condition", "If-Match"), out)
	}
	start, length := int64(0), o.Size
	partial := false
	if rg := in.Range; rg != "" {
		st, n, ok, err := parseRange(rg, o.Size)
		if err != nil {
			return nil, nil, err.WithField("RangeRequested", rg).WithField("ActualObjectSize", strconv.FormatInt(o.Size, 10))
		}
		if ok {
			start, length, partial = st, n, true
		}
	}
	h := http.Header{}
	for k, v := range o.Headers {
		h.Set(k, v)
	}
	for k, v := range o.Meta {
		h["X-Amz-Meta-"+k] = []string{v}
	}
	if c.caller != nil {
		// response-* parameters override headers (signed requests only).
		for _, o := range [...]struct{ v, name string }{{in.ResponseContentType, "Content-Type"}, {in.ResponseContentLanguage, "Content-Language"},
			{in.ResponseExpires, "Expires"}, {in.ResponseCacheControl, "Cache-Control"}, {in.ResponseContentDisposition, "Content-Disposition"},
			{in.ResponseContentEncoding, "Content-Encoding"}} {
			if o.v != "" {
				h.Set(o.name, o.v)
			}
		}
	}
	out := &objectResponse{Header: h, ETag: o.ETag, LastModified: o.LastModified.UTC().Format(http.TimeFormat), AcceptRanges: "bytes",
		ServerSideEncryption: o.SSE, ContentLength: strconv.FormatInt(length, 10), length: length}
	if o.Checksum != nil && !partial && strings.EqualFold(in.ChecksumMode, "ENABLED") {
		out.Checksums.set(o.Checksum)
		out.ChecksumType = "FULL_OBJECT"
	}
	if partial {
		out.status, out.start = http.StatusPartialContent, start
		out.ContentRange = "bytes " + strconv.FormatInt(start, 10) + "-" + strconv.FormatInt(start+length-1, 10) + "/" + strconv.FormatInt(o.Size, 10)
	}
	return out, o, nil
}

// preconditions evaluates If-Match, If-None-Match, If-Modified-Since and
// If-Unmodified-Since as S3 does (RFC 9110 precedence): it returns false
// with 412 or 304 when the request must not be served.
func preconditions(h http.Header, o *object) (int, bool) {
	lm := o.LastModified.Truncate(time.Second)
	if im := h.Get("If-Match"); im != "" {
		if !etagListMatches(im, o.ETag) {
			return http.StatusPreconditionFailed, false
		}
	} else if ius := h.Get("If-Unmodified-Since"); ius != "" {
		if t, err := http.ParseTime(ius); err == nil && lm.After(t) {
			return http.StatusPreconditionFailed, false
		}
	}
	if inm := h.Get("If-None-Match"); inm != "" {
		if etagListMatches(inm, o.ETag) {
			return http.StatusNotModified, false
		}
	} else if ims := h.Get("If-Modified-Since"); ims != "" {
		if t, err := http.ParseTime(ims); err == nil && !lm.After(t) {
			return http.StatusNotModified, false
		}
	}
	return 0, true
}

func etagListMatches(list, etag string) bool {
	for _, e := range strings.Split(list, ",") {
		e = strings.TrimSpace(e)
		if e == "*" || strings.Trim(e, `"`) == strings.Trim(etag, `"`) {
			return true
		}
	}
	return false
}

// parseRange parses a single-range "bytes=" header against size. ok is
// false for a header S3 ignores (not bytes, several ranges, malformed):
// the whole object is served. An unsatisfiable range is InvalidRange.
func parseRange(h string, size int64) (start, n int64, ok bool, err *awserr.Error) {
	spec, found := strings.CutPrefix(strings.TrimSpace(h), "bytes=")
	if !found || strings.Contains(spec, ",") {
		return 0, 0, false, nil
	}
	a, bs, found := strings.Cut(spec, "-")
	if !found {
		return 0, 0, false, nil
	}
	a, bs = strings.TrimSpace(a), strings.TrimSpace(bs)
	if a == "" {
		// Suffix range: the last N bytes.
		k, e := strconv.ParseInt(bs, 10, 64)
		if e != nil || k < 0 {
			return 0, 0, false, nil
		}
		if k == 0 {
			return 0, 0, false, awserr.S3InvalidRange.New("")
		}
		if k > size {
			k = size
		}
		if size == 0 {
			return 0, 0, false, awserr.S3InvalidRange.New("")
		}
		return size - k, k, true, nil
	}
	first, e := strconv.ParseInt(a, 10, 64)
	if e != nil || first < 0 {
		return 0, 0, false, nil
	}
	last := size - 1
	if bs != "" {
		l, e := strconv.ParseInt(bs, 10, 64)
		if e != nil || l < first {
			return 0, 0, false, nil
		}
		if l < last {
			last = l
		}
	}
	if first >= size {
		return 0, 0, false, awserr.S3InvalidRange.New("")
	}
	return first, last - first + 1, true, nil
}

func (s *Service) deleteObject(c *call, _ *objectIn) (*DeleteObjectOutput, error) {
	if _, err := s.objectBucket(c, "s3:DeleteObject"); err != nil {
		return nil, err
	}
	blob, err := s.removeObject(c, c.key)
	if err != nil {
		return nil, err
	}
	s.blobs.remove(blob)
	return &DeleteObjectOutput{}, nil
}

// removeObject deletes an object's record and returns its blob ("" when
// there was none: deleting an absent key succeeds, as on S3).
func (s *Service) removeObject(c *call, key string) (string, error) {
	var blob string
	_, err := s.cfg.Store.Update(c.r.Context(), func(tx store.Tx) error {
		blob = ""
		o, err := getJSON[object](tx, kindObject, objectKey(c.bucket, key))
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		blob = o.Blob
		return tx.Delete(kindObject, objectKey(c.bucket, key))
	})
	if blob == "" {
		return "", err
	}
	return blob, err
}

type deleteXML struct {
	Quiet   bool `xml:"Quiet"`
	Objects []struct {
		Key       *string `xml:"Key"`
		VersionID string  `xml:"VersionId"`
	} `xml:"Object"`
}

func (s *Service) deleteObjects(c *call, in *deleteObjectsIn) (*DeleteObjectsOutput, error) {
	b, err := s.getBucket(c.r.Context(), c.bucket)
	if err != nil {
		return nil, err
	}
	if err := c.checkRegion(b); err != nil {
		return nil, err
	}
	h := in.Header
	if h.Get("Content-MD5") == "" && h.Get("x-amz-trailer") == "" && !hasChecksumHeader(h) {
		return nil, awserr.S3InvalidRequest.New("Missing required header for this request: Content-MD5")
	}
	body, err := s.readSmall(c, maxXMLBody)
	if err != nil {
		return nil, err
	}
	var d deleteXML
	if err := decodeXML(body, &d); err != nil {
		return nil, err
	}
	if len(d.Objects) == 0 || len(d.Objects) > 1000 {
		return nil, awserr.S3MalformedXML.New("")
	}
	var out []deleteResult
	var blobs []string
	for _, o := range d.Objects {
		if o.Key == nil {
			return nil, awserr.S3MalformedXML.New("")
		}
		k := *o.Key
		if err := validKey(k); err != nil {
			out = append(out, deleteResult{k, "KeyTooLongError", "Your key is too long"})
			continue
		}
		if err := s.authorize(c, "s3:DeleteObject", objectARN(c.bucket, k), b, nil); err != nil {
			ae := awserr.From(err)
			out = append(out, deleteResult{k, ae.Code, ae.Message})
			continue
		}
		blob, err := s.removeObject(c, k)
		if err != nil {
			s.cfg.Log.Error("s3 DeleteObjects: delete failed", "bucket", c.bucket, "error", err)
			out = append(out, deleteResult{k, "InternalError", "We encountered an internal error. Please try again."})
			continue
		}
		if blob != "" {
			blobs = append(blobs, blob)
		}
		out = append(out, deleteResult{key: k})
	}
	s.blobs.remove(blobs...)
	return &DeleteObjectsOutput{Quiet: d.Quiet, Results: out}, nil
}

func hasChecksumHeader(h http.Header) bool {
	for a := range checksumAlgorithms {
		if h.Get("x-amz-checksum-"+a) != "" {
			return true
		}
	}
	return false
}

func (s *Service) copyObject(c *call, in *copyObjectIn) (*CopyObjectOutput, error) {
	src := in.CopySource
	srcPath, version, _ := strings.Cut(src, "?")
	dec, err := url.PathUnescape(srcPath)
	if err != nil {
		return nil, awserr.S3InvalidArgument.New("Invalid copy source encoding").WithField("ArgumentName", "x-amz-copy-source")
	}
	dec = strings.TrimPrefix(dec, "/")
	sb, sk, ok := strings.Cut(dec, "/")
	if !ok || sb == "" || sk == "" {
		return nil, awserr.S3InvalidArgument.New("Invalid copy source object key").WithField("ArgumentName", "x-amz-copy-source")
	}
	if v, found := strings.CutPrefix(version, "versionId="); found && v != "null" {
		return nil, awserr.S3InvalidArgument.New("Invalid version id specified").WithField("ArgumentName", "x-amz-copy-source")
	}
	db, err := s.objectBucket(c, "s3:PutObject")
	if err != nil {
		return nil, err
	}
	srcBucket, err := s.getBucket(c.r.Context(), sb)
	if err != nil {
		return nil, err
	}
	if err := validKey(sk); err != nil {
		return nil, err
	}
	if err := s.authorize(c, "s3:GetObject", objectARN(sb, sk), srcBucket, nil); err != nil {
		return nil, err
	}
	rec, err := s.cfg.Store.Get(c.r.Context(), kindObject, objectKey(sb, sk))
	if errors.Is(err, store.ErrNotFound) {
		return nil, awserr.S3NoSuchKey.New("").WithField("Key", sk)
	}
	if err != nil {
		return nil, err
	}
	so, err := getJSONValue[object](rec.Value)
	if err != nil {
		return nil, err
	}
	directive := in.MetadataDirective
	hd, meta := so.Headers, so.Meta
	switch directive {
	case "", "COPY":
		if sb == c.bucket && sk == c.key && in.Header.Get("x-amz-storage-class") == "" && in.Header.Get("x-amz-server-side-encryption") == "" {
			return nil, awserr.S3InvalidRequest.New("This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.")
		}
	case "REPLACE":
		if hd, meta, err = objectHeaders(in.Header); err != nil {
			return nil, err
		}
	default:
		return nil, awserr.S3InvalidArgument.New("Unknown metadata directive.").WithField("ArgumentName", "x-amz-metadata-directive")
	}
	if im := in.IfMatch; im != "" && !etagListMatches(im, so.ETag) {
		return nil, awserr.S3PreconditionFailed.New("").WithField("Condition", "x-amz-copy-source-If-Match")
	}
	if inm := in.IfNoneMatch; inm != "" && etagListMatches(inm, so.ETag) {
		return nil, awserr.S3PreconditionFailed.New("").WithField("Condition", "x-amz-copy-source-If-None-Match")
	}
	sse, err := sseOf(in.Header, db)
	if err != nil {
		return nil, err
	}
	p, err := s.blobs.create()
	if err != nil {
		return nil, err
	}
	defer p.abort()
	m := md5.New()
	if err := s.blobs.copyBlob(so.Blob, io.MultiWriter(p, m)); err != nil {
		return nil, err
	}
	id, err := p.commit()
	if err != nil {
		return nil, err
	}
	o := object{Key: c.key, Blob: id, Size: so.Size, ETag: `"` + hex.EncodeToString(m.Sum(nil)) + `"`, LastModified: s.now(),
		Headers: hd, Meta: meta, Checksum: so.Checksum, SSE: sse, Owner: db.Account}
	if err := s.storeObject(c, &o); err != nil {
		s.blobs.remove(id)
		return nil, err
	}
	return &CopyObjectOutput{ServerSideEncryption: sse, LastModified: o.LastModified, ETag: o.ETag}, nil
}

// listMode is the listing an operation answers.
type listMode int

const (
	listObjectsV1 listMode = iota
	listObjectsV2
	listVersions
)

// listing serves the listing mode names.
func listing[Out ~struct{ listResult }](mode listMode) func(*Service, *call, *listObjectsIn) (*Out, error) {
	return func(s *Service, c *call, in *listObjectsIn) (*Out, error) {
		r, err := s.listObjects(c, in, mode)
		if err != nil {
			return nil, err
		}
		return &Out{*r}, nil
	}
}

// listObjects serves ListObjects (V1: marker), ListObjectsV2
// (continuation-token, start-after) and ListObjectVersions (key-marker;
// for buckets that never had versioning on, where each object is its one
// version, "null", as S3 lists objects stored before versioning).
func (s *Service) listObjects(c *call, in *listObjectsIn, mode listMode) (*listResult, error) {
	v2 := mode == listObjectsV2
	versions := mode == listVersions
	prefix, delim := in.Prefix, in.Delimiter
	maxKeys := 1000
	if v := in.MaxKeys; v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return nil, awserr.S3InvalidArgument.New("Provided max-keys not an integer or within integer range").WithField("ArgumentName", "max-keys").WithField("ArgumentValue", v)
		}
		maxKeys = min(n, 1000)
	}
	enc := in.EncodingType
	if enc != "" && enc != "url" {
		return nil, awserr.S3InvalidArgument.New("Invalid Encoding Method specified in Request").WithField("ArgumentName", "encoding-type")
	}
	action := "s3:ListBucket"
	if versions {
		action = "s3:ListBucketVersions"
	}
	b, err := s.bucketFor(c, action, func(pc *policy.Context) {
		pc.Set(keyPrefix, prefix)
		if delim != "" {
			pc.Set(keyDelimiter, delim)
		}
		pc.Set(keyMaxKeys, strconv.Itoa(maxKeys))
	})
	if err != nil {
		return nil, err
	}
	if versions && b.Versioning != "" {
		// Objects keep one version: a bucket that has had versioning on
		// would need the versions gatehouse does not keep.
		return nil, awserr.S3NotImplemented.New("gatehouse keeps one version per object: ListObjectVersions is implemented for buckets that never had versioning enabled")
	}
	marker := in.Marker
	if versions {
		marker = in.KeyMarker
	}
	token := ""
	if in.ContinuationToken != nil {
		token = *in.ContinuationToken
	}
	if v2 {
		marker = in.StartAfter
		if in.ContinuationToken != nil {
			t, err := base64.RawURLEncoding.DecodeString(token)
			if err != nil || token == "" {
				return nil, awserr.S3InvalidArgument.New("The continuation token provided is incorrect").WithField("ArgumentName", "continuation-token")
			}
			marker = string(t)
		}
	}
	recs, err := s.cfg.Store.List(c.r.Context(), kindObject, b.Name+"/"+prefix)
	if err != nil {
		return nil, err
	}
	objs := make([]*object, 0, len(recs))
	for _, rec := range recs {
		o, err := getJSONValue[object](rec.Value)
		if err != nil {
			return nil, err
		}
		objs = append(objs, o)
	}
	// Byte order, as S3 lists, whatever the store's collation.
	sort.Slice(objs, func(i, j int) bool { return objs[i].Key < objs[j].Key })

	var contents []*object
	var prefixes []string
	truncated := false
	next := ""
	count := 0
	for _, o := range objs {
		if o.Key <= marker {
			continue
		}
		cp := ""
		if delim != "" {
			if i := strings.Index(o.Key[len(prefix):], delim); i >= 0 {
				cp = o.Key[:len(prefix)+i+len(delim)]
			}
		}
		if cp != "" && (cp == marker || len(prefixes) > 0 && prefixes[len(prefixes)-1] == cp) {
			continue
		}
		if cp != "" && strings.HasPrefix(marker, cp) {
			continue
		}
		if count == maxKeys {
			truncated = true
			break
		}
		count++
		if cp != "" {
			prefixes = append(prefixes, cp)
			next = cp
		} else {
			contents = append(contents, o)
			next = o.Key
		}
	}
	return &listResult{mode: mode, in: in, bucket: b.Name, prefix: prefix, delim: delim, enc: enc, marker: marker, token: token,
		maxKeys: maxKeys, count: count, truncated: truncated, next: next, contents: contents, prefixes: prefixes}, nil
}
