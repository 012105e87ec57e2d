package sigv4

import (
	"net/http"
	"strings"
	"time"
)

// MaxBodySize is the largest payload API Gateway accepts (10 MB). Verify
// hashes whatever Body it is given; callers read at most this much.
const MaxBodySize = 10 << 20

// Request is the part of an HTTP request SigV4 covers. All strings are used
// as received; nothing is decoded by the caller.
type Request struct {
	// Method is the request method, e.g. "GET".
	Method string
	// RawPath is the path exactly as it arrived on the wire (still
	// percent-encoded, without the query), e.g. the path part of
	// http.Request.RequestURI — never URL.Path, which is decoded (§7.2).
	RawPath string
	// RawQuery is the query string as received, without the '?'.
	RawQuery string
	// Host is the Host header (http.Request.Host: Go moves it out of Header).
	// When empty, Header["Host"] is used.
	Host string
	// Header holds the request headers. Keys are looked up in canonical MIME
	// form first, then case-insensitively.
	Header http.Header
	// ContentLength is used for a signed content-length header that is absent
	// from Header (client-side requests built with http.NewRequest); -1 or 0
	// means unknown.
	ContentLength int64
	// PayloadHash is the lowercase hex SHA-256 of the body if the caller has
	// already computed it; when empty, Body is hashed.
	PayloadHash string
	// Body is the complete request body (the caller bounds its size, e.g. to
	// 10 MB). Used only when PayloadHash is empty.
	Body []byte
}

// FromHTTP builds a Request from r and its already-read body. It does not
// read r.Body. For a server request it takes the raw path from r.RequestURI;
// for a client request (RequestURI empty) from r.URL.EscapedPath().
func FromHTTP(r *http.Request, body []byte) Request {
	req := Request{
		Method:        r.Method,
		Host:          r.Host,
		Header:        r.Header,
		ContentLength: r.ContentLength,
		Body:          body,
	}
	if r.URL != nil {
		req.RawQuery = r.URL.RawQuery
		if req.Host == "" {
			req.Host = r.URL.Host
		}
	}
	if uri := r.RequestURI; uri != "" && uri != "*" {
		if i := strings.IndexByte(uri, '?'); i >= 0 {
			uri = uri[:i]
		}
		// Absolute form (proxies): "http://host/path".
		if !strings.HasPrefix(uri, "/") {
			if i := strings.Index(uri, "://"); i >= 0 {
				rest := uri[i+3:]
				if j := strings.IndexByte(rest, '/'); j >= 0 {
					uri = rest[j:]
				} else {
					uri = "/"
				}
			}
		}
		req.RawPath = uri
	} else if r.URL != nil {
		if r.URL.Opaque != "" {
			req.RawPath = opaquePath(r.URL.Opaque)
		} else {
			req.RawPath = r.URL.EscapedPath()
		}
	}
	return req
}

// opaquePath extracts the path of an opaque URL ("//host/path"), as the AWS
// SDKs do.
func opaquePath(o string) string {
	o = strings.TrimPrefix(o, "//")
	if i := strings.IndexByte(o, '/'); i >= 0 {
		return o[i:]
	}
	return "/"
}

// Credentials is what a Resolver knows about an access key.
type Credentials struct {
	// SecretAccessKey is the secret the request must be signed with.
	SecretAccessKey string
	// Identity is returned unchanged in Result.Identity.
	Identity any
}

// Resolver maps an access key id and the session token sent with it (empty
// for long-term keys) to credentials. It decides whether the pair is valid:
// to refuse it, return an error wrapping ErrUnknownKey, ErrInvalidToken or
// ErrExpiredToken; any other error makes Verify fail closed with Kind
// Internal. Resolve must be safe for concurrent use. The strings it is given
// are ordinary immutable strings but usually point into the request's
// header or query; a resolver that caches them pins that memory unless it
// copies them (strings.Clone).
type Resolver interface {
	Resolve(accessKeyID, sessionToken string) (Credentials, error)
}

// ResolverFunc adapts a function to Resolver.
type ResolverFunc func(accessKeyID, sessionToken string) (Credentials, error)

// Resolve calls f.
func (f ResolverFunc) Resolve(accessKeyID, sessionToken string) (Credentials, error) {
	return f(accessKeyID, sessionToken)
}

// Config configures a Verifier. The zero value of every field but Resolver
// has a usable default.
type Config struct {
	// Service is the credential-scope service requests must be signed for,
	// e.g. "execute-api". Services, when non-empty, lists several accepted
	// services instead (the first one is named in error messages). Both
	// empty: any service is accepted (a caller that routes by service must
	// then check Result.Service).
	Service  string
	Services []string
	// Region is the expected credential-scope region; empty accepts any
	// region (IAM and STS are global and accept whatever the client signed).
	Region string
	// Skew is the allowed clock skew, both ways (§4.2). Default 5 minutes
	// (execute-api); IAM and STS use 15.
	Skew time.Duration
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// Resolver looks up access keys. Required.
	Resolver Resolver
	// S3 selects the S3 canonicalization: the path is neither normalized nor
	// encoded a second time.
	S3 bool
	// AllowUnsignedPayload accepts x-amz-content-sha256: UNSIGNED-PAYLOAD
	// (the body is then not covered by the signature).
	AllowUnsignedPayload bool
	// AllowStreaming accepts the aws-chunked payload declarations S3
	// defines (STREAMING-AWS4-HMAC-SHA256-PAYLOAD and its -TRAILER form,
	// whose chunks are each signed, and STREAMING-UNSIGNED-PAYLOAD-TRAILER,
	// accepted only with AllowUnsignedPayload). VerifyHead then checks the
	// seed signature and Head.Stream verifies each chunk (stream.go).
	AllowStreaming bool
	// HideCanonical leaves the canonical request and string to sign out of
	// the signature-mismatch Message (hardened deployments, §11).
	HideCanonical bool
	// CacheSize bounds the number of cached signing keys. Default 4096;
	// negative disables the cache.
	CacheSize int
}

// Result describes a verified request. Its strings may share memory with the
// Request; copy them if the Request's buffers are reused.
type Result struct {
	AccessKeyID  string
	SessionToken string
	// Identity is Credentials.Identity from the Resolver.
	Identity any
	Region   string
	Service  string
	// Date is the request time (X-Amz-Date, else Date), UTC.
	Date time.Time
	// SignedHeaders is the SignedHeaders list as sent (';'-separated).
	SignedHeaders string
	// Presigned is true for the query form.
	Presigned bool
	// Expires is X-Amz-Expires for presigned requests that carry it.
	Expires time.Duration
	// UnsignedPayload is true when the body is not covered by the signature.
	UnsignedPayload bool
}

// Verifier checks SigV4 signatures. It is safe for concurrent use.
type Verifier struct {
	cfg      Config
	services []string
	cache    *keyCache
}

// New returns a Verifier for cfg.
func New(cfg Config) *Verifier {
	if cfg.Skew <= 0 {
		cfg.Skew = 5 * time.Minute
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.CacheSize == 0 {
		cfg.CacheSize = 4096
	}
	v := &Verifier{cfg: cfg}
	if len(cfg.Services) > 0 {
		v.services = cfg.Services
	} else if cfg.Service != "" {
		v.services = []string{cfg.Service}
	}
	v.cache = newKeyCache(cfg.CacheSize)
	return v
}
