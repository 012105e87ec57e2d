package sigv4client

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// DefaultService is the signing name of API Gateway REST APIs and of
// gatehouse's execute-api gateway.
const DefaultService = "execute-api"

// DefaultSpoolThreshold is the size up to which a non-replayable body is
// buffered in memory for hashing; larger bodies go to a temporary file.
const DefaultSpoolThreshold = 1 << 20

// MaxPresignExpiry is the longest validity SigV4 allows for a presigned URL.
const MaxPresignExpiry = 7 * 24 * time.Hour

// UnsignedPayload is the payload hash that tells a service the body is not
// part of the signature.
const UnsignedPayload = "UNSIGNED-PAYLOAD"

// EmptyPayloadHash is the hex SHA-256 of an empty body.
const EmptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// Config configures a [Transport]. Only Credentials and Region are required.
type Config struct {
	// Credentials supply the keys each request is signed with. Unless it is
	// already an *aws.CredentialsCache, New wraps it in one (with
	// CacheOptions), so providers that call STS are not called per request.
	Credentials aws.CredentialsProvider

	// CacheOptions tune the credentials cache New creates, e.g. ExpiryWindow
	// to refresh temporary credentials some time before they expire. Ignored
	// when Credentials is already a cache.
	CacheOptions func(*aws.CredentialsCacheOptions)

	// Region is the region in the credential scope (e.g. "us-east-1"). An
	// execute-api request must be signed for the region of its API.
	Region string

	// Service is the signing name in the credential scope; DefaultService
	// ("execute-api") when empty.
	Service string

	// Base sends the signed requests; http.DefaultTransport when nil.
	Base http.RoundTripper

	// UnsignedPayload signs the literal "UNSIGNED-PAYLOAD" instead of the
	// body's hash and sends it in X-Amz-Content-Sha256, so bodies stream
	// without being read twice. Only for services that accept it (Amazon S3);
	// API Gateway and gatehouse's execute-api need the real hash.
	UnsignedPayload bool

	// ContentSHA256Header also sends the payload hash in the
	// X-Amz-Content-Sha256 header (as the AWS SDK for JavaScript does). Some
	// services require it; execute-api accepts it either way.
	ContentSHA256Header bool

	// SpoolThreshold is the largest non-replayable body kept in memory while
	// hashing; larger bodies are copied to a temporary file in SpoolDir.
	// DefaultSpoolThreshold when 0; a negative value spools every such body.
	SpoolThreshold int64

	// SpoolDir is where large bodies are spooled; os.TempDir() when empty.
	SpoolDir string

	// Now returns the signing time; time.Now when nil. For tests.
	Now func() time.Time
}

// Transport is an http.RoundTripper that signs every request with SigV4.
// Create it with [New]; it is safe for concurrent use.
//
// RoundTrip does not modify the caller's request: it signs a clone. It
// removes any Authorization, X-Amz-Date and X-Amz-Security-Token headers the
// request already had (a stale or foreign signature must not survive), and
// keeps a caller-supplied X-Amz-Content-Sha256 header as the payload hash,
// which lets a caller that already knows the hash skip hashing.
type Transport struct {
	cfg    Config
	creds  aws.CredentialsProvider
	signer *v4.Signer
}

var _ http.RoundTripper = (*Transport)(nil)

// New validates cfg and returns a signing Transport.
func New(cfg Config) (*Transport, error) {
	if cfg.Credentials == nil {
		return nil, errors.New("sigv4client: Config.Credentials is required")
	}
	if cfg.Region == "" {
		return nil, errors.New("sigv4client: Config.Region is required")
	}
	if cfg.Service == "" {
		cfg.Service = DefaultService
	}
	if cfg.Base == nil {
		cfg.Base = http.DefaultTransport
	}
	if cfg.SpoolThreshold == 0 {
		cfg.SpoolThreshold = DefaultSpoolThreshold
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	creds := cfg.Credentials
	// A type assertion, not aws.IsCredentialsProvider: a cache answers that
	// about the provider it wraps, so a cache would be wrapped in a second
	// cache, subtracting ExpiryWindow twice.
	if _, ok := creds.(*aws.CredentialsCache); !ok {
		var opts []func(*aws.CredentialsCacheOptions)
		if cfg.CacheOptions != nil {
			opts = append(opts, cfg.CacheOptions)
		}
		creds = aws.NewCredentialsCache(creds, opts...)
	}
	return &Transport{cfg: cfg, creds: creds, signer: v4.NewSigner()}, nil
}

// Region returns the region requests are signed for.
func (t *Transport) Region() string { return t.cfg.Region }

// Service returns the signing name requests are signed for.
func (t *Transport) Service() string { return t.cfg.Service }

// Credentials returns the cached credentials provider the Transport signs
// with; Retrieve on it returns the current credentials (and their expiry)
// without calling the underlying provider again while they are valid.
func (t *Transport) Credentials() aws.CredentialsProvider { return t.creds }

// RoundTrip signs a clone of req and sends it with the base RoundTripper.
// As the http.RoundTripper contract requires, it closes req.Body, also on
// error.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	out, err := t.sign(req)
	if err != nil {
		return nil, err
	}
	return t.cfg.Base.RoundTrip(out)
}

// Sign signs req in place, ready to be sent by any http.Client (which must
// not add signed headers afterwards). It may replace req.Body with a
// replayable copy when the body had to be read to hash it; the caller remains
// responsible for sending or closing req.Body.
func (t *Transport) Sign(ctx context.Context, req *http.Request) error {
	out, err := t.sign(req.WithContext(ctx))
	if err != nil {
		return err
	}
	req.Header = out.Header
	req.Body = out.Body
	req.GetBody = out.GetBody
	req.ContentLength = out.ContentLength
	req.TransferEncoding = out.TransferEncoding
	return nil
}

func (t *Transport) sign(req *http.Request) (*http.Request, error) {
	if req.URL == nil {
		closeBody(req)
		return nil, errors.New("sigv4client: request has no URL")
	}
	ctx := req.Context()
	out := req.Clone(ctx)
	removeAuth(out.Header)

	hash, err := t.payload(out)
	if err != nil {
		closeBody(out)
		return nil, err
	}
	if out.ContentLength > 0 {
		// The signer signs content-length whenever it is known; a request
		// forwarded from a chunked upload (httputil.ReverseProxy) would still
		// be sent chunked, without the header, and fail verification.
		out.TransferEncoding = nil
	}
	if t.cfg.UnsignedPayload || t.cfg.ContentSHA256Header {
		out.Header.Set("X-Amz-Content-Sha256", hash)
	}
	creds, err := t.creds.Retrieve(ctx)
	if err != nil {
		closeBody(out)
		return nil, fmt.Errorf("sigv4client: retrieve credentials: %w", err)
	}
	query := out.URL.RawQuery
	if err := t.signer.SignHTTP(ctx, creds, out, hash, t.cfg.Service, t.cfg.Region, t.cfg.Now()); err != nil {
		closeBody(out)
		return nil, fmt.Errorf("sigv4client: sign: %w", err)
	}
	if samePairs(query, out.URL.RawQuery) {
		// The signer sends the canonical query (sorted by name, then value);
		// when the caller's query is the same pairs in another order, send
		// that order: the server sorts them again, and the order of a
		// repeated parameter's values can matter to the application.
		out.URL.RawQuery = query
	}
	return out, nil
}

// samePairs reports whether raw queries a and b consist of the same
// "name=value" pieces, byte for byte, in any order.
func samePairs(a, b string) bool {
	if a == b || len(a) != len(b) {
		return a == b
	}
	pa, pb := strings.Split(a, "&"), strings.Split(b, "&")
	if len(pa) != len(pb) {
		return false
	}
	slices.Sort(pa)
	slices.Sort(pb)
	return slices.Equal(pa, pb)
}

// payload returns the hash to sign for out's body, replacing out.Body by a
// replayable copy when the body had to be consumed to hash it.
func (t *Transport) payload(out *http.Request) (string, error) {
	if h := out.Header.Get("X-Amz-Content-Sha256"); h != "" {
		if h == UnsignedPayload || isHexSHA256(h) {
			return h, nil
		}
		return "", fmt.Errorf("sigv4client: X-Amz-Content-Sha256 %q is neither a hex SHA-256 nor %s", h, UnsignedPayload)
	}
	if t.cfg.UnsignedPayload {
		return UnsignedPayload, nil
	}
	return hashBody(out, t.cfg.SpoolThreshold, t.cfg.SpoolDir)
}

// Presign returns a presigned URL for req that is valid for expires (at most
// MaxPresignExpiry), and the headers other than Host that were signed: they
// must be sent with the URL, unchanged. req itself is not modified and its
// body is not consumed; a request with a body must be replayable (GetBody
// set, as http.NewRequest does for in-memory bodies).
func (t *Transport) Presign(ctx context.Context, req *http.Request, expires time.Duration) (string, http.Header, error) {
	if req.URL == nil {
		return "", nil, errors.New("sigv4client: request has no URL")
	}
	if expires < time.Second || expires > MaxPresignExpiry {
		return "", nil, fmt.Errorf("sigv4client: presign expiry %s is outside 1s..%s", expires, MaxPresignExpiry)
	}
	out := req.Clone(ctx)
	removeAuth(out.Header)
	q := out.URL.Query()
	for _, k := range presignParams {
		q.Del(k)
	}
	q.Set("X-Amz-Expires", strconv.FormatInt(int64(expires/time.Second), 10))
	out.URL.RawQuery = q.Encode()

	var hash string
	switch {
	case t.cfg.UnsignedPayload:
		hash = UnsignedPayload
	case out.Body == nil || out.Body == http.NoBody:
		hash = EmptyPayloadHash
	case out.GetBody != nil:
		var err error
		if hash, err = hashReplay(out); err != nil {
			return "", nil, err
		}
	default:
		return "", nil, errors.New("sigv4client: presign: request body is not replayable (no GetBody)")
	}

	creds, err := t.creds.Retrieve(ctx)
	if err != nil {
		return "", nil, fmt.Errorf("sigv4client: retrieve credentials: %w", err)
	}
	signed, headers, err := t.signer.PresignHTTP(ctx, creds, out, hash, t.cfg.Service, t.cfg.Region, t.cfg.Now())
	if err != nil {
		return "", nil, fmt.Errorf("sigv4client: presign: %w", err)
	}
	headers.Del("Host")
	return signed, headers, nil
}

// presignParams are the query parameters of an earlier presigning; they are
// dropped so that presigning a presigned URL does not sign the old signature.
var presignParams = []string{
	"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires",
	"X-Amz-SignedHeaders", "X-Amz-Signature", "X-Amz-Security-Token",
}

func removeAuth(h http.Header) {
	h.Del("Authorization")
	h.Del("X-Amz-Date")
	h.Del("X-Amz-Security-Token")
}

func closeBody(r *http.Request) {
	if r.Body != nil {
		r.Body.Close()
	}
}

func isHexSHA256(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}
