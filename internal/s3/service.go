package s3

import (
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/authn"
	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/awsproto"
	"github.com/gatehouse-dev/gatehouse/internal/pipeline"
	"github.com/gatehouse-dev/gatehouse/internal/policy"
	"github.com/gatehouse-dev/gatehouse/internal/reqbody"
	"github.com/gatehouse-dev/gatehouse/internal/sigv4"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// Config configures the S3 service.
type Config struct {
	Store *store.Store
	// DataDir holds the objects' bytes (DATA_DIR/s3).
	DataDir string
	// Authn verifies signatures (its "s3" verifier).
	Authn *authn.Authenticator
	// Authz decides s3:* actions (the IAM service); nil denies everything.
	Authz pipeline.Authorizer
	Log   *slog.Logger
	Now   func() time.Time
	// LegacyDenyMessages answers denials with S3's old "Access Denied".
	LegacyDenyMessages bool
	// MaxObjectSize bounds a single PutObject and each part (S3: 5 GiB).
	MaxObjectSize int64
}

// Service is the S3 REST-XML API over the store and the data dir.
type Service struct {
	cfg     Config
	blobs   *blobs
	surface pipeline.Surface
	// readOp is the operation ReadObjectAs authorizes as.
	readOp *pipeline.Operation
}

const (
	maxObjectSize = 5 << 30
	// minPartSize is S3's minimum size of every part but the last.
	minPartSize = 5 << 20
	maxParts    = 10000
	// maxXMLBody bounds the XML documents of bucket configuration calls
	// and DeleteObjects (1000 keys of 1024 bytes fit).
	maxXMLBody = 2 << 20
	// maxPolicySize is S3's bucket policy limit (20 KB).
	maxPolicySize = 20 << 10
)

// New returns the S3 service.
func New(cfg Config) (*Service, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.MaxObjectSize <= 0 {
		cfg.MaxObjectSize = maxObjectSize
	}
	b, err := newBlobs(cfg.DataDir)
	if err != nil {
		return nil, err
	}
	s := &Service{cfg: cfg, blobs: b}
	for i := range routes {
		if routes[i].reads {
			s.readOp = &routes[i].Operation
		}
	}
	s.surface = pipeline.Surface{Authz: cfg.Authz, Now: cfg.Now, Denied: awserr.S3AccessDenied, Legacy: cfg.LegacyDenyMessages}
	return s, nil
}

// call is one request being served.
type call struct {
	s       *Service
	r       *http.Request
	q       url.Values
	bucket  string
	key     string
	op      *pipeline.Operation
	caller  *authn.Principal // nil: anonymous
	hd      *sigv4.Head      // nil: anonymous
	region  string           // signing region ("" anonymous)
	virtual bool             // virtual-host addressing
}

func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := s.serve(w, r); err != nil {
		failureHeaders(w.Header(), err)
		var ae *awserr.Error
		if !errors.As(err, &ae) && !errors.Is(err, store.ErrUnavailable) {
			s.cfg.Log.Error("s3 request failed", "error", err)
			err = awserr.S3InternalError.New("").WithCause(err)
		}
		awsproto.WriteS3Error(w, r, err)
	}
}

func (s *Service) serve(w http.ResponseWriter, r *http.Request) error {
	c := &call{s: s, r: r, q: r.URL.Query()}
	if err := c.target(); err != nil {
		return err
	}
	rt, err := c.route()
	if err != nil {
		return err
	}
	c.op = &rt.Operation
	awsproto.SetOperation(r.Context(), c.op.Name)
	if err := s.authenticate(c); err != nil {
		return err
	}
	if c.caller != nil {
		awsproto.MetaFrom(r.Context()).Principal = c.caller.ARN
	}
	w.Header().Set("Server", "AmazonS3")
	out, err := rt.Serve(&pipeline.Invocation{Request: r, Op: c.op, Caller: c.caller, Region: c.region, Surface: &s.surface, Decode: c.decode}, c)
	if err != nil {
		return err
	}
	render(w, r, rt, out)
	return nil
}

// target reads the bucket and key from the host (virtual-host style) or
// the path (path style).
func (c *call) target() error {
	p := c.r.URL.Path
	if !strings.HasPrefix(p, "/") {
		return awserr.S3InvalidRequest.New("The request path must begin with /")
	}
	if b, _ := awsproto.SplitS3Host(c.r.Host); b != "" {
		c.bucket, c.key, c.virtual = b, p[1:], true
		return nil
	}
	c.bucket, c.key, _ = strings.Cut(p[1:], "/")
	return nil
}

// subresources S3 has that gatehouse does not implement: NotImplemented
// rather than a wrong answer from a neighbouring operation.
var unimplemented = []string{"acl", "analytics", "accelerate", "intelligent-tiering", "inventory", "logging", "metrics",
	"notification", "object-lock", "replication", "requestPayment", "website", "retention", "legal-hold", "torrent",
	"restore", "select", "attributes", "policyStatus", "replication", "metadataTable", "session"}

// route finds the request's operation from its method, the presence of a
// bucket and key, its subresource query parameters and headers: the first
// route of the table that matches.
func (c *call) route() (*route, error) {
	q, m, h := c.q, c.r.Method, c.r.Header
	lv := levelObject
	switch {
	case c.bucket == "":
		lv = levelService
	case c.key == "":
		lv = levelBucket
	}
	if lv != levelService {
		for _, sr := range unimplemented {
			if q.Has(sr) {
				return nil, awserr.S3NotImplemented.Errorf("gatehouse does not implement the S3 %s subresource", sr)
			}
		}
	}
	sub := ""
	switch lv {
	case levelBucket:
		// A configuration subresource decides alone: the first one the
		// request has, in table order.
		for i := range routes {
			if rt := &routes[i]; rt.level == levelBucket && rt.sub != "" && q.Has(rt.sub) {
				sub = rt.sub
				break
			}
		}
		if sub == "" && m == http.MethodGet && q.Has("list-type") && !q.Has("uploads") && !q.Has("versions") && q.Get("list-type") != "2" {
			return nil, awserr.S3InvalidArgument.New("Invalid List Type specified").WithField("ArgumentName", "list-type")
		}
	case levelObject:
		if q.Has("tagging") {
			return nil, awserr.S3NotImplemented.New("gatehouse does not implement object tagging")
		}
		if m == http.MethodPut && isPart(q, h) && h.Get("x-amz-copy-source") != "" {
			return nil, awserr.S3NotImplemented.New("gatehouse does not implement UploadPartCopy")
		}
	}
	for i := range routes {
		rt := &routes[i]
		if rt.level == lv && rt.method == m && rt.sub == sub && (rt.when == nil || rt.when(q, h)) {
			return rt, nil
		}
	}
	return nil, awserr.S3MethodNotAllowed.New("")
}

// authenticate verifies the request head. An unsigned request is
// anonymous: only a bucket policy can allow it. The body, if any, is
// verified as it is read (openBody).
func (s *Service) authenticate(c *call) error {
	r := c.r
	authz := strings.TrimSpace(r.Header.Get("Authorization"))
	presigned := c.q.Has("X-Amz-Algorithm") || c.q.Has("X-Amz-Credential")
	if authz == "" && !presigned {
		if c.q.Has("AWSAccessKeyId") || c.q.Has("Signature") {
			return awserr.S3InvalidRequest.New("The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.")
		}
		return nil
	}
	if strings.HasPrefix(authz, "AWS ") {
		return awserr.S3InvalidRequest.New("The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.")
	}
	if authz != "" {
		switch ch := r.Header.Get("x-amz-content-sha256"); {
		case ch == "":
			return awserr.S3InvalidRequest.New("Missing required header for this request: x-amz-content-sha256")
		case !validContentSHA(ch):
			return awserr.S3InvalidArgument.New("x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER, STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD, STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER or a valid sha256 value.").
				WithField("ArgumentName", "x-amz-content-sha256").WithField("ArgumentValue", ch)
		}
	}
	v := s.cfg.Authn.Verifier("s3")
	if v == nil {
		return awserr.S3InternalError.New("")
	}
	req := sigv4.FromHTTP(r, nil)
	hd, err := v.VerifyHead(&req)
	if err != nil {
		return authError(err, presigned)
	}
	p, _ := hd.Identity().(*authn.Principal)
	if p == nil {
		return awserr.S3InternalError.New("")
	}
	c.caller, c.hd, c.region = p, hd, hd.Region()
	return nil
}

func validContentSHA(v string) bool {
	switch v {
	case "UNSIGNED-PAYLOAD", sigv4.StreamingPayload, sigv4.StreamingPayloadTrailer, sigv4.StreamingUnsignedTrailer:
		return true
	}
	if len(v) != 64 {
		return false
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// authError renders a signature failure in S3's words.
func authError(err error, presigned bool) error {
	var se *sigv4.Error
	if !errors.As(err, &se) {
		if errors.Is(err, reqbody.ErrBusy) {
			return awserr.S3SlowDown.New("").WithCause(err)
		}
		return err
	}
	malformed := awserr.S3AuthorizationHeaderMalformed
	if presigned {
		malformed = awserr.S3AuthorizationQueryError
	}
	var out *awserr.Error
	switch se.Kind {
	case sigv4.IncompleteSignature, sigv4.AmbiguousSignature, sigv4.HostNotSigned, sigv4.InvalidScope, sigv4.MalformedQuery:
		out = malformed.New(se.Message)
	case sigv4.SignatureExpired:
		if presigned {
			out = awserr.S3AccessDenied.New("Request has expired")
		} else {
			out = awserr.S3RequestTimeTooSkewed.New("")
		}
	case sigv4.SignatureNotYetCurrent:
		out = awserr.S3RequestTimeTooSkewed.New("")
	case sigv4.UnknownAccessKey:
		out = awserr.S3InvalidAccessKeyID.New("")
	case sigv4.InvalidToken:
		out = awserr.S3InvalidToken.New("")
	case sigv4.ExpiredToken:
		out = awserr.S3ExpiredToken.New("")
	case sigv4.InvalidSignature:
		out = awserr.S3SignatureDoesNotMatch.New("")
	default:
		out = awserr.S3InternalError.New("")
	}
	return out.WithCause(err)
}

// authorize asks the policy engine whether the caller may perform action
// on resource; b, when set, contributes its bucket policy and owner (the
// resource account), combined with identity policies as AWS does.
func (s *Service) authorize(c *call, action, resource string, b *bucket, keys func(*policy.Context)) error {
	req := pipeline.AuthzRequest{Action: action, Resource: resource}
	if b != nil {
		req.ResourceAccount = b.Account
		if b.Policy != "" {
			p, err := policy.Parse([]byte(b.Policy), policy.ParseOptions{Type: policy.TypeResource, AllowSidSpaces: true})
			if err != nil {
				// A stored policy that no longer parses decides nothing:
				// fail closed.
				return awserr.S3AccessDenied.New("").WithCause(err)
			}
			req.ResourcePolicy, req.ResourcePolicyName = p, "bucket policy"
		}
	}
	_, err := s.surface.Authorize(&pipeline.Call{Request: c.r, Region: c.region, Caller: c.caller, AuthzRequest: req, Keys: keys, Op: c.op})
	return err
}

// checkRegion refuses a request signed for another region than the
// bucket's, as S3 does (clients then re-sign for the region it names).
func (c *call) checkRegion(b *bucket) error {
	if c.hd == nil || c.region == b.Region {
		return nil
	}
	code := awserr.S3AuthorizationHeaderMalformed
	if c.hd.Presigned() {
		code = awserr.S3AuthorizationQueryError
	}
	return code.Errorf("The authorization header is malformed; the region '%s' is wrong; expecting '%s'", c.region, b.Region).
		WithField("Region", b.Region).WithHeader("x-amz-bucket-region", b.Region)
}

// bucketFor loads the request's bucket, checks the signing region and
// authorizes action on the bucket ARN.
func (s *Service) bucketFor(c *call, action string, keys func(*policy.Context)) (*bucket, error) {
	b, err := s.getBucket(c.r.Context(), c.bucket)
	if err != nil {
		return nil, err
	}
	if err := c.checkRegion(b); err != nil {
		return nil, err
	}
	if err := s.authorize(c, action, bucketARN(c.bucket), b, keys); err != nil {
		return nil, err
	}
	return b, nil
}

func (s *Service) now() time.Time { return s.cfg.Now().UTC() }
