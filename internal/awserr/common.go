package awserr

// Errors every AWS protocol shares.
var (
	InternalFailure = define(Code{Name: "InternalFailure", Status: 500,
		DefaultMessage: "The request processing has failed because of an unknown error, exception or failure."})
	ServiceUnavailable = define(Code{Name: "ServiceUnavailable", Status: 503,
		DefaultMessage: "The request has failed due to a temporary failure of the server."})
	InvalidAction = define(Code{Name: "InvalidAction", Status: 400})
	MissingAction = define(Code{Name: "MissingAction", Status: 400,
		DefaultMessage: "Missing Action"})
	InvalidParameterValue = define(Code{Name: "InvalidParameterValue", Status: 400})
	MissingParameter      = define(Code{Name: "MissingParameter", Status: 400})
	MalformedQueryString  = define(Code{Name: "MalformedQueryString", Status: 404})
	UnknownOperation      = define(Code{Name: "UnknownOperationException", Status: 400, DefaultMessage: "Unknown operation"})
	RequestEntityTooLarge = define(Code{Name: "RequestEntityTooLargeException", Status: 413, BodyType: "User", DefaultMessage: "Request must be smaller than 10485760 bytes"})
	Throttling            = define(Code{Name: "Throttling", Status: 400, DefaultMessage: "Rate exceeded"})
	TooManyRequestsJSON   = define(Code{Name: "TooManyRequestsException", Status: 429, DefaultMessage: "Too Many Requests"})
)

// Query-protocol (IAM, STS) authentication failures. The messages are AWS's;
// sigv4 verification failures are mapped onto these by package authn.
var (
	MissingAuthenticationToken = define(Code{Name: "MissingAuthenticationToken", Status: 403,
		DefaultMessage: "Request is missing Authentication Token"})
	IncompleteSignature   = define(Code{Name: "IncompleteSignature", Status: 400})
	SignatureDoesNotMatch = define(Code{Name: "SignatureDoesNotMatch", Status: 403,
		DefaultMessage: "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."})
	InvalidClientTokenID = define(Code{Name: "InvalidClientTokenId", Status: 403,
		DefaultMessage: "The security token included in the request is invalid."})
	ExpiredToken = define(Code{Name: "ExpiredToken", Status: 403,
		DefaultMessage: "The security token included in the request is expired"})
	AccessDenied = define(Code{Name: "AccessDenied", Status: 403})
)

// REST-JSON (API Gateway control plane, Lambda) authentication failures.
var (
	MissingAuthenticationTokenException = define(Code{Name: "MissingAuthenticationTokenException", Status: 403,
		DefaultMessage: "Missing Authentication Token"})
	IncompleteSignatureException = define(Code{Name: "IncompleteSignatureException", Status: 403})
	InvalidSignatureException    = define(Code{Name: "InvalidSignatureException", Status: 403,
		DefaultMessage: "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."})
	UnrecognizedClientException = define(Code{Name: "UnrecognizedClientException", Status: 403,
		DefaultMessage: "The security token included in the request is invalid."})
	ExpiredTokenException = define(Code{Name: "ExpiredTokenException", Status: 403,
		DefaultMessage: "The security token included in the request is expired"})
	AccessDeniedException = define(Code{Name: "AccessDeniedException", Status: 403})
)

// S3NotImplemented is S3's answer to functionality it does not implement
// (S3 API reference, "Error responses": 501 NotImplemented); gatehouse uses
// it for every S3 call, S3 being a service it does not serve.
var S3NotImplemented = define(Code{Name: "NotImplemented", Status: 501,
	DefaultMessage: "A header you provided implies functionality that is not implemented."})
