package awserr

// Lambda REST-JSON errors (spec/lambda.md §4). The message member's casing
// follows the botocore model, which differs per code. Owned by the Lambda
// engineer.
var (
	ResourceNotFoundException      = Code{Name: "ResourceNotFoundException", Status: 404, MessageKey: "Message", BodyType: "User"}
	InvalidParameterValueException = Code{Name: "InvalidParameterValueException", Status: 400, BodyType: "User"}
	ResourceConflictException      = Code{Name: "ResourceConflictException", Status: 409, BodyType: "User"}
	InvalidRequestContentException = Code{Name: "InvalidRequestContentException", Status: 400, BodyType: "User"}
	RequestTooLargeException       = Code{Name: "RequestTooLargeException", Status: 413, BodyType: "User"}
	ServiceException               = Code{Name: "ServiceException", Status: 500, MessageKey: "Message", BodyType: "Service"}
	InvalidRuntimeException        = Code{Name: "InvalidRuntimeException", Status: 502, MessageKey: "Message", BodyType: "User"}
	InvalidZipFileException        = Code{Name: "InvalidZipFileException", Status: 502, MessageKey: "Message", BodyType: "User"}
	LambdaTooManyRequestsException = Code{Name: "TooManyRequestsException", Status: 429, BodyType: "User"}
	ValidationException            = Code{Name: "ValidationException", Status: 400}
	LambdaAccessDeniedException    = Code{Name: "AccessDeniedException", Status: 403, MessageKey: "Message"}
	PreconditionFailedException    = Code{Name: "PreconditionFailedException", Status: 412, BodyType: "User"}
	PolicyLengthExceededException  = Code{Name: "PolicyLengthExceededException", Status: 400, BodyType: "User"}
	UnsupportedMediaTypeException  = Code{Name: "UnsupportedMediaTypeException", Status: 415, BodyType: "User"}
)
