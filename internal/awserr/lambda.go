package awserr

// Lambda REST-JSON errors (spec/lambda.md §4). The message member's casing
// follows the botocore model, which differs per code. Owned by the Lambda
// engineer.
var (
	ResourceNotFoundException      = define(Code{Name: "ResourceNotFoundException", Status: 404, MessageKey: "Message", BodyType: "User"})
	InvalidParameterValueException = define(Code{Name: "InvalidParameterValueException", Status: 400, BodyType: "User"})
	ResourceConflictException      = define(Code{Name: "ResourceConflictException", Status: 409, BodyType: "User"})
	InvalidRequestContentException = define(Code{Name: "InvalidRequestContentException", Status: 400, BodyType: "User"})
	RequestTooLargeException       = define(Code{Name: "RequestTooLargeException", Status: 413, BodyType: "User"})
	ServiceException               = define(Code{Name: "ServiceException", Status: 500, MessageKey: "Message", BodyType: "Service"})
	InvalidRuntimeException        = define(Code{Name: "InvalidRuntimeException", Status: 502, MessageKey: "Message", BodyType: "User"})
	InvalidZipFileException        = define(Code{Name: "InvalidZipFileException", Status: 502, MessageKey: "Message", BodyType: "User"})
	LambdaTooManyRequestsException = define(Code{Name: "TooManyRequestsException", Status: 429, BodyType: "User"})
	ValidationException            = define(Code{Name: "ValidationException", Status: 400})
	LambdaAccessDeniedException    = define(Code{Name: "AccessDeniedException", Status: 403, MessageKey: "Message"})
	PreconditionFailedException    = define(Code{Name: "PreconditionFailedException", Status: 412, BodyType: "User"})
	PolicyLengthExceededException  = define(Code{Name: "PolicyLengthExceededException", Status: 400, BodyType: "User"})
	UnsupportedMediaTypeException  = define(Code{Name: "UnsupportedMediaTypeException", Status: 415, BodyType: "User"})
	// ProvisionedConcurrencyConfigNotFoundException: GetProvisionedConcurrencyConfig
	// and DeleteProvisionedConcurrencyConfig of a qualifier without one.
	ProvisionedConcurrencyConfigNotFoundException = define(Code{Name: "ProvisionedConcurrencyConfigNotFoundException", Status: 404, BodyType: "User"})
)
