package s3

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/arn"
	"github.com/gatehouse-dev/gatehouse/internal/authn"
	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/awsproto"
	"github.com/gatehouse-dev/gatehouse/internal/policy"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

const timeFormat = "2006-01-02T15:04:05.000Z"

func isoTime(t time.Time) string { return t.UTC().Format(timeFormat) }

func boolStr(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// decodeXML parses a request document strictly enough for S3's schema:
// well-formed (the root element is v's XMLName, where it has one),
// within the size bound.
func decodeXML(body []byte, v any) error {
	dec := xml.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(v); err != nil {
		return awserr.S3MalformedXML.New("").WithCause(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		// Trailing elements or garbage after the document.
		return awserr.S3MalformedXML.New("")
	}
	return nil
}

func (s *Service) requireCaller(c *call) error {
	if c.caller == nil {
		return awserr.S3AccessDenied.New("")
	}
	return nil
}

func (s *Service) listBuckets(c *call, _ *listBucketsIn) (*ListBucketsOutput, error) {
	if err := s.requireCaller(c); err != nil {
		return nil, err
	}
	if err := s.authorize(c, "s3:ListAllMyBuckets", "*", nil, nil); err != nil {
		return nil, err
	}
	recs, err := s.cfg.Store.List(c.r.Context(), kindBucket, "")
	if err != nil {
		return nil, err
	}
	var mine []*bucket
	for _, rec := range recs {
		b, err := getJSONValue[bucket](rec.Value)
		if err != nil {
			return nil, err
		}
		if b.Account == c.caller.AccountID {
			mine = append(mine, b)
		}
	}
	sort.Slice(mine, func(i, j int) bool { return mine[i].Name < mine[j].Name })
	return &ListBucketsOutput{Owner: c.caller.AccountID, Buckets: mine}, nil
}

func writeOwner(x *awsproto.XMLWriter, name, account string) {
	x.Start(name)
	x.Element("ID", canonicalID(account))
	x.Element("DisplayName", account)
	x.End(name)
}

type createBucketConfiguration struct {
	XMLName            xml.Name `xml:"CreateBucketConfiguration"`
	LocationConstraint *string  `xml:"LocationConstraint"`
}

func (s *Service) createBucket(c *call, in *createBucketIn) (*CreateBucketOutput, error) {
	if err := s.requireCaller(c); err != nil {
		return nil, err
	}
	if !validBucketName(c.bucket) {
		return nil, awserr.S3InvalidBucketName.New("").WithField("BucketName", c.bucket)
	}
	if strings.EqualFold(in.ObjectLockEnabled, "true") {
		return nil, awserr.S3NotImplemented.New("gatehouse does not implement S3 Object Lock")
	}
	if err := s.authorize(c, "s3:CreateBucket", bucketARN(c.bucket), nil, nil); err != nil {
		return nil, err
	}
	body, err := s.readSmall(c, maxXMLBody)
	if err != nil {
		return nil, err
	}
	region := "us-east-1"
	if len(bytes.TrimSpace(body)) > 0 {
		var cfg createBucketConfiguration
		if err := decodeXML(body, &cfg); err != nil {
			return nil, err
		}
		if cfg.LocationConstraint != nil {
			lc := *cfg.LocationConstraint
			switch {
			case lc == "us-east-1":
				return nil, awserr.S3InvalidLocationConstraint.New("").WithField("LocationConstraint", lc)
			case lc == "EU":
				lc = "eu-west-1"
			case lc == "":
			case !regionRE(lc):
				return nil, awserr.S3InvalidLocationConstraint.New("").WithField("LocationConstraint", lc)
			}
			if lc != "" {
				region = lc
			}
		}
	}
	if region != c.region {
		if region == "us-east-1" {
			return nil, awserr.S3IllegalLocationConstraint.New("The unspecified location constraint is incompatible for the region specific endpoint this request was sent to.")
		}
		return nil, awserr.S3IllegalLocationConstraint.Errorf("The %s location constraint is incompatible for the region specific endpoint this request was sent to.", region)
	}
	b := bucket{Name: c.bucket, Account: c.caller.AccountID, Region: region, Created: s.now(),
		Encryption:        &encryptionRule{Algorithm: "AES256"},
		PublicAccessBlock: &publicAccessBlock{true, true, true, true}}
	if o := in.ObjectOwnership; o != "" {
		switch o {
		case "BucketOwnerPreferred", "ObjectWriter", "BucketOwnerEnforced":
		default:
			return nil, awserr.S3InvalidArgument.New("Invalid x-amz-object-ownership header").WithField("ArgumentName", "x-amz-object-ownership")
		}
	}
	_, err = s.cfg.Store.Update(c.r.Context(), func(tx store.Tx) error {
		cur, err := getJSON[bucket](tx, kindBucket, c.bucket)
		switch {
		case errors.Is(err, store.ErrNotFound):
			return tx.Create(kindBucket, c.bucket, mustJSON(b))
		case err != nil:
			return err
		case cur.Account != b.Account:
			return awserr.S3BucketAlreadyExists.New("").WithField("BucketName", c.bucket)
		case cur.Region == "us-east-1" && region == "us-east-1":
			// S3 answers a re-create of one's own bucket in us-east-1
			// with success, for compatibility with its first API.
			return nil
		}
		return awserr.S3BucketAlreadyOwnedByYou.New("").WithField("BucketName", c.bucket)
	})
	if err != nil {
		return nil, err
	}
	return &CreateBucketOutput{Location: "/" + c.bucket, ContentLength: "0"}, nil
}

func regionRE(r string) bool {
	parts := strings.Split(r, "-")
	if len(parts) < 3 || len(r) > 32 {
		return false
	}
	for _, p := range parts {
		if p == "" {
			return false
		}
		for i := 0; i < len(p); i++ {
			if !(p[i] >= 'a' && p[i] <= 'z' || p[i] >= '0' && p[i] <= '9') {
				return false
			}
		}
	}
	return true
}

func (s *Service) deleteBucket(c *call, _ *bucketIn) (*DeleteBucketOutput, error) {
	b, err := s.bucketFor(c, "s3:DeleteBucket", nil)
	if err != nil {
		return nil, err
	}
	var partBlobs []string
	_, err = s.cfg.Store.Update(c.r.Context(), func(tx store.Tx) error {
		partBlobs = partBlobs[:0]
		objs, err := tx.List(kindObject, b.Name+"/")
		if err != nil {
			return err
		}
		if len(objs) > 0 {
			return awserr.S3BucketNotEmpty.New("").WithField("BucketName", b.Name)
		}
		ups, err := tx.List(kindUpload, b.Name+"/")
		if err != nil {
			return err
		}
		for _, rec := range ups {
			u, err := getJSONValue[upload](rec.Value)
			if err != nil {
				return err
			}
			ids, err := deleteUploadTx(tx, b.Name, u.ID)
			if err != nil {
				return err
			}
			partBlobs = append(partBlobs, ids...)
		}
		return tx.Delete(kindBucket, b.Name)
	})
	if err != nil {
		return nil, err
	}
	s.blobs.remove(partBlobs...)
	return &DeleteBucketOutput{}, nil
}

func (s *Service) headBucket(c *call, _ *bucketIn) (*HeadBucketOutput, error) {
	b, err := s.getBucket(c.r.Context(), c.bucket)
	if err != nil {
		return nil, err
	}
	// Once the bucket is found, every answer names its region, a denial
	// too.
	out := &HeadBucketOutput{BucketRegion: b.Region}
	if c.hd != nil && c.region != b.Region {
		// HeadBucket answers a request for another region with a
		// redirect that names the bucket's (clients re-sign for it).
		return nil, failed(awserr.S3PermanentRedirect.New("").WithHeader("x-amz-bucket-region", b.Region), out)
	}
	if err := s.authorize(c, "s3:ListBucket", bucketARN(c.bucket), b, nil); err != nil {
		return nil, failed(err, out)
	}
	out.AccessPointAlias = "false"
	return out, nil
}

func (s *Service) getBucketLocation(c *call, _ *bucketIn) (*GetBucketLocationOutput, error) {
	// Any region's endpoint answers where a bucket is: no region check.
	b, err := s.getBucket(c.r.Context(), c.bucket)
	if err != nil {
		return nil, err
	}
	if err := s.authorize(c, "s3:GetBucketLocation", bucketARN(c.bucket), b, nil); err != nil {
		return nil, err
	}
	loc := b.Region
	if loc == "us-east-1" {
		loc = "" // S3 reports us-east-1 as an empty constraint
	}
	return &GetBucketLocationOutput{LocationConstraint: loc}, nil
}

// updateBucket applies fn to the bucket record in one transaction.
func (s *Service) updateBucket(c *call, fn func(b *bucket) error) error {
	_, err := s.cfg.Store.Update(c.r.Context(), func(tx store.Tx) error {
		b, err := getJSON[bucket](tx, kindBucket, c.bucket)
		if errors.Is(err, store.ErrNotFound) {
			return noSuchBucket(c.bucket)
		}
		if err != nil {
			return err
		}
		if err := fn(b); err != nil {
			return err
		}
		return tx.Put(kindBucket, c.bucket, mustJSON(b))
	})
	return err
}

// configure authorizes action on the bucket, reads its configuration
// document and applies fn to the record.
func (s *Service) configure(c *call, action string, fn func(b *bucket, body []byte) error) error {
	if _, err := s.bucketFor(c, action, nil); err != nil {
		return err
	}
	body, err := s.readSmall(c, maxXMLBody)
	if err != nil {
		return err
	}
	return s.updateBucket(c, func(b *bucket) error { return fn(b, body) })
}

type sseConfiguration struct {
	XMLName xml.Name `xml:"ServerSideEncryptionConfiguration"`
	Rules   []struct {
		Default *struct {
			Algorithm string `xml:"SSEAlgorithm"`
			KMSKeyID  string `xml:"KMSMasterKeyID"`
		} `xml:"ApplyServerSideEncryptionByDefault"`
		BucketKeyEnabled *bool `xml:"BucketKeyEnabled"`
	} `xml:"Rule"`
}

func (s *Service) getBucketEncryption(c *call, _ *bucketIn) (*GetBucketEncryptionOutput, error) {
	b, err := s.bucketFor(c, "s3:GetEncryptionConfiguration", nil)
	if err != nil {
		return nil, err
	}
	e := b.Encryption
	if e == nil {
		e = &encryptionRule{Algorithm: "AES256"}
	}
	return &GetBucketEncryptionOutput{Rule: *e}, nil
}

func (s *Service) putBucketEncryption(c *call, _ *bucketIn) (*PutBucketEncryptionOutput, error) {
	err := s.configure(c, "s3:PutEncryptionConfiguration", func(b *bucket, body []byte) error {
		var cfg sseConfiguration
		if err := decodeXML(body, &cfg); err != nil {
			return err
		}
		if len(cfg.Rules) != 1 || cfg.Rules[0].Default == nil {
			return awserr.S3MalformedXML.New("")
		}
		d := cfg.Rules[0].Default
		switch d.Algorithm {
		case "AES256":
			if d.KMSKeyID != "" {
				return awserr.S3InvalidArgument.New("a KMSMasterKeyID is not applicable if the default sse algorithm is not aws:kms or aws:kms:dsse")
			}
		case "aws:kms", "aws:kms:dsse":
		default:
			return awserr.S3MalformedXML.New("")
		}
		r := &encryptionRule{Algorithm: d.Algorithm, KMSKeyID: d.KMSKeyID}
		if bk := cfg.Rules[0].BucketKeyEnabled; bk != nil {
			r.BucketKey, r.BucketKeyGiven = *bk, true
		}
		b.Encryption = r
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &PutBucketEncryptionOutput{}, nil
}

func (s *Service) deleteBucketEncryption(c *call, _ *bucketIn) (*DeleteBucketEncryptionOutput, error) {
	if _, err := s.bucketFor(c, "s3:PutEncryptionConfiguration", nil); err != nil {
		return nil, err
	}
	// S3 falls back to SSE-S3, the default of every bucket.
	if err := s.updateBucket(c, func(b *bucket) error { b.Encryption = &encryptionRule{Algorithm: "AES256"}; return nil }); err != nil {
		return nil, err
	}
	return &DeleteBucketEncryptionOutput{}, nil
}

type versioningConfiguration struct {
	XMLName   xml.Name `xml:"VersioningConfiguration"`
	Status    *string  `xml:"Status"`
	MfaDelete *string  `xml:"MfaDelete"`
}

func (s *Service) getBucketVersioning(c *call, _ *bucketIn) (*GetBucketVersioningOutput, error) {
	b, err := s.bucketFor(c, "s3:GetBucketVersioning", nil)
	if err != nil {
		return nil, err
	}
	return &GetBucketVersioningOutput{Status: b.Versioning, MFADelete: b.MFADelete}, nil
}

func (s *Service) putBucketVersioning(c *call, _ *bucketIn) (*PutBucketVersioningOutput, error) {
	err := s.configure(c, "s3:PutBucketVersioning", func(b *bucket, body []byte) error {
		var cfg versioningConfiguration
		if err := decodeXML(body, &cfg); err != nil {
			return err
		}
		if cfg.Status != nil {
			switch *cfg.Status {
			case "Enabled", "Suspended":
				b.Versioning = *cfg.Status
			default:
				return awserr.S3MalformedXML.New("")
			}
		}
		if cfg.MfaDelete != nil {
			switch *cfg.MfaDelete {
			case "Disabled":
				b.MFADelete = "Disabled"
			case "Enabled":
				return awserr.S3InvalidRequest.New("DevPay and Mfa are mutually exclusive authorization methods.")
			default:
				return awserr.S3MalformedXML.New("")
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &PutBucketVersioningOutput{}, nil
}

// isOwnerRoot reports whether the caller is the root user of the bucket's
// account, whom S3 lets manage the bucket policy even when the policy
// denies everyone (so a bad policy cannot lock the owner out).
func isOwnerRoot(c *call, b *bucket) bool {
	return c.caller != nil && c.caller.Kind == authn.Root && c.caller.AccountID == b.Account
}

// policyBucket loads the bucket for a bucket-policy operation.
func (s *Service) policyBucket(c *call, action string) (*bucket, error) {
	b, err := s.getBucket(c.r.Context(), c.bucket)
	if err != nil {
		return nil, err
	}
	if err := c.checkRegion(b); err != nil {
		return nil, err
	}
	if isOwnerRoot(c, b) {
		return b, nil
	}
	if err := s.authorize(c, action, bucketARN(c.bucket), b, nil); err != nil {
		return nil, err
	}
	return b, nil
}

func (s *Service) getBucketPolicy(c *call, _ *bucketIn) (*GetBucketPolicyOutput, error) {
	b, err := s.policyBucket(c, "s3:GetBucketPolicy")
	if err != nil {
		return nil, err
	}
	if b.Policy == "" {
		return nil, awserr.S3NoSuchBucketPolicy.New("").WithField("BucketName", b.Name)
	}
	return &GetBucketPolicyOutput{ContentType: "application/json", Policy: b.Policy}, nil
}

func (s *Service) putBucketPolicy(c *call, _ *bucketIn) (*PutBucketPolicyOutput, error) {
	if _, err := s.policyBucket(c, "s3:PutBucketPolicy"); err != nil {
		return nil, err
	}
	body, err := s.readSmall(c, maxPolicySize*4)
	if err != nil {
		return nil, err
	}
	if policy.Size(body) > maxPolicySize {
		return nil, awserr.S3InvalidRequest.New("Policies must be less than 20 KB")
	}
	if _, err := policy.Parse(body, policy.ParseOptions{Type: policy.TypeResource, AllowSidSpaces: true}); err != nil {
		msg := "Policies must be valid JSON and the first byte must be '{'"
		var se *policy.SyntaxError
		if errors.As(err, &se) && se.Msg != "" {
			msg = se.Msg
		}
		return nil, awserr.S3MalformedPolicy.New(msg).WithCause(err)
	}
	if err := s.checkPolicyResources(c.bucket, body); err != nil {
		return nil, err
	}
	if err := s.updateBucket(c, func(b *bucket) error { b.Policy = string(body); return nil }); err != nil {
		return nil, err
	}
	return &PutBucketPolicyOutput{}, nil
}

func (s *Service) deleteBucketPolicy(c *call, _ *bucketIn) (*DeleteBucketPolicyOutput, error) {
	if _, err := s.policyBucket(c, "s3:DeleteBucketPolicy"); err != nil {
		return nil, err
	}
	if err := s.updateBucket(c, func(b *bucket) error { b.Policy = ""; return nil }); err != nil {
		return nil, err
	}
	return &DeleteBucketPolicyOutput{}, nil
}

type publicAccessBlockXML struct {
	XMLName               xml.Name `xml:"PublicAccessBlockConfiguration"`
	BlockPublicAcls       bool     `xml:"BlockPublicAcls"`
	IgnorePublicAcls      bool     `xml:"IgnorePublicAcls"`
	BlockPublicPolicy     bool     `xml:"BlockPublicPolicy"`
	RestrictPublicBuckets bool     `xml:"RestrictPublicBuckets"`
}

func (s *Service) getPublicAccessBlock(c *call, _ *bucketIn) (*GetPublicAccessBlockOutput, error) {
	b, err := s.bucketFor(c, "s3:GetBucketPublicAccessBlock", nil)
	if err != nil {
		return nil, err
	}
	p := b.PublicAccessBlock
	if p == nil {
		return nil, awserr.S3NoSuchPublicAccessBlock.New("").WithField("BucketName", b.Name)
	}
	return &GetPublicAccessBlockOutput{Configuration: *p}, nil
}

func (s *Service) putPublicAccessBlock(c *call, _ *bucketIn) (*PutPublicAccessBlockOutput, error) {
	err := s.configure(c, "s3:PutBucketPublicAccessBlock", func(b *bucket, body []byte) error {
		var cfg publicAccessBlockXML
		if err := decodeXML(body, &cfg); err != nil {
			return err
		}
		b.PublicAccessBlock = &publicAccessBlock{cfg.BlockPublicAcls, cfg.IgnorePublicAcls, cfg.BlockPublicPolicy, cfg.RestrictPublicBuckets}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &PutPublicAccessBlockOutput{}, nil
}

func (s *Service) deletePublicAccessBlock(c *call, _ *bucketIn) (*DeletePublicAccessBlockOutput, error) {
	if _, err := s.bucketFor(c, "s3:PutBucketPublicAccessBlock", nil); err != nil {
		return nil, err
	}
	if err := s.updateBucket(c, func(b *bucket) error { b.PublicAccessBlock = nil; return nil }); err != nil {
		return nil, err
	}
	return &DeletePublicAccessBlockOutput{}, nil
}

type taggingXML struct {
	XMLName xml.Name `xml:"Tagging"`
	Tags    []struct {
		Key   *string `xml:"Key"`
		Value *string `xml:"Value"`
	} `xml:"TagSet>Tag"`
}

func (s *Service) getBucketTagging(c *call, _ *bucketIn) (*GetBucketTaggingOutput, error) {
	b, err := s.bucketFor(c, "s3:GetBucketTagging", nil)
	if err != nil {
		return nil, err
	}
	if len(b.Tags) == 0 {
		return nil, awserr.S3NoSuchTagSet.New("").WithField("BucketName", b.Name)
	}
	return &GetBucketTaggingOutput{TagSet: b.Tags}, nil
}

func (s *Service) putBucketTagging(c *call, _ *bucketIn) (*PutBucketTaggingOutput, error) {
	err := s.configure(c, "s3:PutBucketTagging", func(b *bucket, body []byte) error {
		var cfg taggingXML
		if err := decodeXML(body, &cfg); err != nil {
			return err
		}
		if len(cfg.Tags) > 50 {
			return awserr.S3InvalidTag.New("Object tags cannot be greater than 50")
		}
		seen := map[string]bool{}
		var tags []tag
		for _, t := range cfg.Tags {
			if t.Key == nil || t.Value == nil {
				return awserr.S3MalformedXML.New("")
			}
			k, v := *t.Key, *t.Value
			switch {
			case len(k) == 0 || len([]rune(k)) > 128:
				return awserr.S3InvalidTag.New("The TagKey you have provided is invalid")
			case len([]rune(v)) > 256:
				return awserr.S3InvalidTag.New("The TagValue you have provided is invalid")
			case strings.HasPrefix(strings.ToLower(k), "aws:"):
				return awserr.S3InvalidTag.New("System tags cannot be added/updated by requester")
			case seen[k]:
				return awserr.S3InvalidTag.New("Cannot provide multiple Tags with the same key")
			}
			seen[k] = true
			tags = append(tags, tag{k, v})
		}
		b.Tags = tags
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &PutBucketTaggingOutput{}, nil
}

func (s *Service) deleteBucketTagging(c *call, _ *bucketIn) (*DeleteBucketTaggingOutput, error) {
	if _, err := s.bucketFor(c, "s3:PutBucketTagging", nil); err != nil {
		return nil, err
	}
	if err := s.updateBucket(c, func(b *bucket) error { b.Tags = nil; return nil }); err != nil {
		return nil, err
	}
	return &DeleteBucketTaggingOutput{}, nil
}

// stored describes a configuration document kept as sent.
type storedDoc struct {
	sub, root            string
	notFound             awserr.Code
	getAction, putAction string // IAM actions
}

// The configuration documents kept as sent.
var (
	lifecycleDoc = storedDoc{"lifecycle", "LifecycleConfiguration", awserr.S3NoSuchLifecycleConfiguration, "s3:GetLifecycleConfiguration", "s3:PutLifecycleConfiguration"}
	corsDoc      = storedDoc{"cors", "CORSConfiguration", awserr.S3NoSuchCORSConfiguration, "s3:GetBucketCORS", "s3:PutBucketCORS"}
	ownershipDoc = storedDoc{"ownershipControls", "OwnershipControls", awserr.S3OwnershipControlsNotFound, "s3:GetBucketOwnershipControls", "s3:PutBucketOwnershipControls"}
)

func (d storedDoc) get(s *Service, c *call, _ *bucketIn) (*storedDocument, error) {
	b, err := s.bucketFor(c, d.getAction, nil)
	if err != nil {
		return nil, err
	}
	doc, ok := b.Stored[d.sub]
	if !ok {
		return nil, d.notFound.New("").WithField("BucketName", b.Name)
	}
	toks, err := xmlTokens([]byte(doc), d.root)
	if err != nil {
		return nil, err
	}
	return &storedDocument{root: d.root, toks: toks}, nil
}

func (d storedDoc) put(s *Service, c *call, _ *bucketIn) error {
	err := s.configure(c, d.putAction, func(b *bucket, body []byte) error {
		if _, err := xmlTokens(body, d.root); err != nil {
			return err
		}
		if b.Stored == nil {
			b.Stored = map[string]string{}
		}
		b.Stored[d.sub] = string(body)
		return nil
	})
	return err
}

func (d storedDoc) delete(s *Service, c *call, _ *bucketIn) error {
	if _, err := s.bucketFor(c, d.putAction, nil); err != nil {
		return err
	}
	return s.updateBucket(c, func(b *bucket) error { delete(b.Stored, d.sub); return nil })
}

// The stored documents' operations, each with its own output type.

// getDoc serves d's Get operation.
func getDoc[Out ~struct{ storedDocument }](d storedDoc) func(*Service, *call, *bucketIn) (*Out, error) {
	return func(s *Service, c *call, in *bucketIn) (*Out, error) {
		doc, err := d.get(s, c, in)
		if err != nil {
			return nil, err
		}
		return &Out{*doc}, nil
	}
}

// putDoc serves d's Put operation.
func putDoc[Out any](d storedDoc) func(*Service, *call, *bucketIn) (*Out, error) {
	return func(s *Service, c *call, in *bucketIn) (*Out, error) {
		if err := d.put(s, c, in); err != nil {
			return nil, err
		}
		return new(Out), nil
	}
}

// deleteDoc serves d's Delete operation.
func deleteDoc[Out any](d storedDoc) func(*Service, *call, *bucketIn) (*Out, error) {
	return func(s *Service, c *call, in *bucketIn) (*Out, error) {
		if err := d.delete(s, c, in); err != nil {
			return nil, err
		}
		return new(Out), nil
	}
}

// xmlTok is an element start or end, or text, of a stored document.
type xmlTok struct {
	start, end string
	text       string
}

// xmlTokens parses a stored document whose root must be root and returns
// the tokens inside the root (names only: namespaces and attributes are
// not kept), so it is written back through the XML writer, never as
// stored bytes.
func xmlTokens(doc []byte, root string) ([]xmlTok, error) {
	dec := xml.NewDecoder(bytes.NewReader(doc))
	var out []xmlTok
	depth := 0
	for {
		t, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, awserr.S3MalformedXML.New("").WithCause(err)
		}
		switch t := t.(type) {
		case xml.StartElement:
			if depth == 0 && t.Name.Local != root {
				return nil, awserr.S3MalformedXML.New("")
			}
			if depth > 0 {
				out = append(out, xmlTok{start: t.Name.Local})
			}
			depth++
			if depth > 32 || len(out) > 10000 {
				return nil, awserr.S3MalformedXML.New("")
			}
		case xml.EndElement:
			depth--
			if depth > 0 {
				out = append(out, xmlTok{end: t.Name.Local})
			}
		case xml.CharData:
			if depth > 1 {
				if s := strings.TrimSpace(string(t)); s != "" {
					out = append(out, xmlTok{text: s})
				}
			}
		}
	}
	if depth != 0 {
		return nil, awserr.S3MalformedXML.New("")
	}
	return out, nil
}

func writeTokens(x *awsproto.XMLWriter, toks []xmlTok) {
	for _, t := range toks {
		switch {
		case t.start != "":
			x.Start(t.start)
		case t.end != "":
			x.End(t.end)
		default:
			x.Text(t.text)
		}
	}
}

// checkPolicyResources refuses a bucket policy whose statements name
// resources outside the bucket, as S3 does ("Policy has invalid
// resource").
func (s *Service) checkPolicyResources(bucketName string, doc []byte) error {
	var p struct {
		Statement any `json:"Statement"`
	}
	if err := jsonUnmarshal(doc, &p); err != nil {
		return nil // the policy parser already accepted it
	}
	var stmts []any
	switch v := p.Statement.(type) {
	case []any:
		stmts = v
	case map[string]any:
		stmts = []any{v}
	}
	for _, st := range stmts {
		m, _ := st.(map[string]any)
		for _, field := range []string{"Resource", "NotResource"} {
			var rs []string
			switch v := m[field].(type) {
			case string:
				rs = []string{v}
			case []any:
				for _, e := range v {
					if s, ok := e.(string); ok {
						rs = append(rs, s)
					}
				}
			}
			for _, r := range rs {
				base := bucketARN(bucketName)
				if r != base && !strings.HasPrefix(r, base+"/") && !matchesBucket(r, base) {
					return awserr.S3MalformedPolicy.New("Policy has invalid resource")
				}
			}
		}
	}
	return nil
}

// matchesBucket lets a wildcard resource pattern that covers the bucket
// through (arn:aws:s3:::*, arn:aws:s3:::my-*).
func matchesBucket(pattern, base string) bool {
	if !strings.ContainsAny(pattern, "*?") {
		return false
	}
	b, _, _ := strings.Cut(pattern, "/")
	return arn.Glob(b, base)
}
