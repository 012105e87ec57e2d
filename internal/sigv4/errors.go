package sigv4

import (
	"errors"
	"time"
)

// Kind classifies a verification failure. The comment on each constant gives
// the execute-api x-amzn-ErrorType it corresponds to (spec §12.1); rendering
// for other surfaces (IAM/STS Query codes) is done by the caller.
type Kind int

const (
	// KindUnknown is the zero Kind; no *Error returned by this package has it.
	KindUnknown Kind = iota
	// MissingAuthenticationToken: neither an Authorization header nor an
	// X-Amz-Algorithm query parameter (§1, §12.1 row 2).
	// execute-api: MissingAuthenticationTokenException.
	MissingAuthenticationToken
	// IncompleteSignature: the Authorization header or query parameters are
	// malformed or incomplete, the algorithm is unsupported, the date cannot be
	// parsed, the credential does not have 5 elements, X-Amz-Expires is bad
	// (§2, §3, §4.1, §5.1, §6.3). execute-api: IncompleteSignatureException.
	IncompleteSignature
	// AmbiguousSignature: both the header and the query form are present (§1).
	// execute-api: InvalidSignatureException.
	AmbiguousSignature
	// HostNotSigned: host (or :authority) is not in SignedHeaders (§6.1).
	// execute-api: InvalidSignatureException.
	HostNotSigned
	// SignatureExpired: the request time is older than the allowed skew, or a
	// presigned URL is past X-Amz-Expires (§4.2, §6.3).
	// execute-api: InvalidSignatureException.
	SignatureExpired
	// SignatureNotYetCurrent: the request time is further in the future than
	// the allowed skew (§4.2). execute-api: InvalidSignatureException.
	SignatureNotYetCurrent
	// InvalidScope: wrong region, service, terminator or date in the
	// credential scope (§5.2). execute-api: InvalidSignatureException.
	InvalidScope
	// UnknownAccessKey: the resolver does not know the access key id (§10.2).
	// execute-api: AccessDeniedException (see §12.1 row 11).
	UnknownAccessKey
	// InvalidToken: the session token is malformed, unknown or belongs to
	// another key (§10.1). execute-api: as UnknownAccessKey.
	InvalidToken
	// ExpiredToken: the session token has expired (§10.1).
	// execute-api: ExpiredTokenException.
	ExpiredToken
	// InvalidSignature: the signature does not match (§11).
	// execute-api: InvalidSignatureException.
	InvalidSignature
	// MalformedQuery: the query string has a bad percent escape (§7.3);
	// HTTP 400 MalformedQueryString.
	MalformedQuery
	// Internal: the resolver failed for a reason other than the sentinel
	// errors below (store unavailable...). Fail closed; the Message is
	// generic and the Cause holds the resolver's error.
	Internal
)

var kindNames = [...]string{
	KindUnknown:                "Unknown",
	MissingAuthenticationToken: "MissingAuthenticationToken",
	IncompleteSignature:        "IncompleteSignature",
	AmbiguousSignature:         "AmbiguousSignature",
	HostNotSigned:              "HostNotSigned",
	SignatureExpired:           "SignatureExpired",
	SignatureNotYetCurrent:     "SignatureNotYetCurrent",
	InvalidScope:               "InvalidScope",
	UnknownAccessKey:           "UnknownAccessKey",
	InvalidToken:               "InvalidToken",
	ExpiredToken:               "ExpiredToken",
	InvalidSignature:           "InvalidSignature",
	MalformedQuery:             "MalformedQuery",
	Internal:                   "Internal",
}

// String returns the constant's name.
func (k Kind) String() string {
	if k >= 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "Kind(?)"
}

// Sentinel errors a Resolver returns (possibly wrapped) to say why it refused
// a key or token. Verify turns them into an *Error of the matching Kind and
// keeps the resolver's error as Cause.
var (
	ErrUnknownKey   = errors.New("sigv4: unknown access key")
	ErrInvalidToken = errors.New("sigv4: invalid session token")
	ErrExpiredToken = errors.New("sigv4: expired session token")
)

// Error is a verification failure. Message is the exact execute-api message
// (the "message" of API Gateway's JSON body); it never contains a secret.
type Error struct {
	Kind    Kind
	Message string
	// Cause is the underlying error, if any (e.g. the resolver's error).
	Cause error

	// RequestTime and ServerTime are set for SignatureExpired and
	// SignatureNotYetCurrent; Window is the allowed skew (or, for an expired
	// presigned URL, its X-Amz-Expires). Other surfaces word the expiry
	// differently (STS: "(Z - 15 min.)") and can rebuild it from these.
	RequestTime time.Time
	ServerTime  time.Time
	Window      time.Duration

	// CanonicalRequest and StringToSign are what the server computed, set for
	// InvalidSignature even when Config.HideCanonical keeps them out of
	// Message (they contain no secret; useful for logs at debug level).
	CanonicalRequest string
	StringToSign     string
}

// Error returns Message.
func (e *Error) Error() string { return e.Message }

// Unwrap returns Cause.
func (e *Error) Unwrap() error { return e.Cause }

// Messages of spec §10 and §12.1.
const (
	msgMissingToken  = "Missing Authentication Token"
	msgInvalidToken  = "The security token included in the request is invalid."
	msgExpiredToken  = "The security token included in the request is expired"
	msgHostNotSigned = "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."
	msgBothForms     = "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header."
	msgMismatch      = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
	msgInternal      = "Internal server error"
)

func newError(k Kind, msg string) *Error { return &Error{Kind: k, Message: msg} }
