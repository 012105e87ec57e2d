package awserr

// Errors every AWS protocol shares.
var (
	InternalFailure = Code{Name: "InternalFailure", Status: 500,
		DefaultMessage: "The request processing has failed because of an unknown error, exception or failure."}
	ServiceUnavailable = Code{Name: "ServiceUnavailable", Status: 503,
		DefaultMessage: "The request has failed due to a temporary failure of the server."}
	InvalidAction = Code{Name: "InvalidAction", Status: 400}
	MissingAction = Code{Name: "MissingAction", Status: 400,
		DefaultMessage: "Missing Action"}
	InvalidParameterValue = Code{Name: "InvalidParameterValue", Status: 400}
	MissingParameter      = Code{Name: "MissingParameter", Status: 400}
	MalformedQueryString  = Code{Name: "MalformedQueryString", Status: 404}
	UnknownOperation      = Code{Name: "UnknownOperationException", Status: 400, DefaultMessage: "Unknown operation"}
	RequestEntityTooLarge = Code{Name: "RequestEntityTooLargeException", Status: 413, BodyType: "User", DefaultMessage: "Request must be smaller than 10485760 bytes"}
	Throttling            = Code{Name: "Throttling", Status: 400, DefaultMessage: "Rate exceeded"}
	TooManyRequestsJSON   = Code{Name: "TooManyRequestsException", Status: 429, DefaultMessage: "Too Many Requests"}
)

// Query-protocol (IAM, STS) authentication failures. The messages are AWS's;
// sigv4 verification failures are mapped onto these by package authn.
var (
	MissingAuthenticationToken = Code{Name: "MissingAuthenticationToken", Status: 403,
		DefaultMessage: "Request is missing Authentication Token"}
	IncompleteSignature   = Code{Name: "IncompleteSignature", Status: 400}
	SignatureDoesNotMatch = Code{Name: "SignatureDoesNotMatch", Status: 403,
		DefaultMessage: "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."}
	InvalidClientTokenID = Code{Name: "InvalidClientTokenId", Status: 403,
		DefaultMessage: "The security token included in the request is invalid."}
	ExpiredToken = Code{Name: "ExpiredToken", Status: 403,
		DefaultMessage: "The security token included in the request is expired"}
	AccessDenied = Code{Name: "AccessDenied", Status: 403}
)

// REST-JSON (API Gateway control plane, Lambda) authentication failures.
var (
	MissingAuthenticationTokenException = Code{Name: "MissingAuthenticationTokenException", Status: 403,
		DefaultMessage: "Missing Authentication Token"}
	IncompleteSignatureException = Code{Name: "IncompleteSignatureException", Status: 403}
	InvalidSignatureException    = Code{Name: "InvalidSignatureException", Status: 403,
		DefaultMessage: "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."}
	UnrecognizedClientException = Code{Name: "UnrecognizedClientException", Status: 403,
		DefaultMessage: "The security token included in the request is invalid."}
	ExpiredTokenException = Code{Name: "ExpiredTokenException", Status: 403,
		DefaultMessage: "The security token included in the request is expired"}
	AccessDeniedException = Code{Name: "AccessDeniedException", Status: 403}
)
