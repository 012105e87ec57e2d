package awserr

// API Gateway control-plane errors (REST-JSON, spec/apigateway.md §11).
// Owned by the API Gateway engineer.
var (
	BadRequestException         = define(Code{Name: "BadRequestException", Status: 400})
	UnauthorizedException       = define(Code{Name: "UnauthorizedException", Status: 401})
	NotFoundException           = define(Code{Name: "NotFoundException", Status: 404})
	ConflictException           = define(Code{Name: "ConflictException", Status: 409})
	LimitExceededException      = define(Code{Name: "LimitExceededException", Status: 429})
	TooManyRequestsException    = define(Code{Name: "TooManyRequestsException", Status: 429, DefaultMessage: "Too Many Requests"})
	ServiceUnavailableException = define(Code{Name: "ServiceUnavailableException", Status: 503})
)

// execute-api data-plane (gateway response) errors, spec/sigv4.md §12 and
// spec/apigateway.md §8. Rendered as {"message":...} with x-amzn-ErrorType.
var (
	GatewayMissingAuthenticationToken = define(Code{Name: "MissingAuthenticationTokenException", Status: 403, DefaultMessage: "Missing Authentication Token"})
	GatewayIncompleteSignature        = define(Code{Name: "IncompleteSignatureException", Status: 403})
	GatewayInvalidSignature           = define(Code{Name: "InvalidSignatureException", Status: 403})
	GatewayUnknownKey                 = define(Code{Name: "AccessDeniedException", Status: 403, DefaultMessage: "The security token included in the request is invalid."})
	GatewayExpiredToken               = define(Code{Name: "ExpiredTokenException", Status: 403, DefaultMessage: "The security token included in the request is expired"})
	GatewayAccessDenied               = define(Code{Name: "AccessDeniedException", Status: 403, MessageKey: "Message"})
	GatewayThrottled                  = define(Code{Name: "TooManyRequestsException", Status: 429, DefaultMessage: "Too Many Requests"})
	GatewayTimeout                    = define(Code{Name: "InternalServerErrorException", Status: 504, DefaultMessage: "Endpoint request timed out"})
	// GatewayPayloadTooLarge is the Lambda-proxy 6 MB limit (captured with
	// x-amzn-ErrorType BadRequestException, spec §10.1); the 10 MB front-end
	// limit answers in plain text instead.
	GatewayPayloadTooLarge      = define(Code{Name: "BadRequestException", Status: 413, DefaultMessage: "Request Too Long"})
	GatewayUnauthorized         = define(Code{Name: "UnauthorizedException", Status: 401, DefaultMessage: "Unauthorized"})
	GatewayURITooLong           = define(Code{Name: "BadRequestException", Status: 414, DefaultMessage: "Request URI too long"})
	GatewayUnsupportedMedia     = define(Code{Name: "BadRequestException", Status: 415, DefaultMessage: "Unsupported Media Type"})
	GatewayInternalError        = define(Code{Name: "InternalServerErrorException", Status: 500, DefaultMessage: "Internal server error"})
	GatewayBadGateway           = define(Code{Name: "InternalServerErrorException", Status: 502, DefaultMessage: "Internal server error"})
	GatewayIntegrationFailure   = define(Code{Name: "InternalServerErrorException", Status: 504, DefaultMessage: "Internal server error"})
	GatewayBadRequestParameters = define(Code{Name: "BadRequestException", Status: 400})
	GatewayBadRequestBody       = define(Code{Name: "BadRequestException", Status: 400, DefaultMessage: "Invalid request body"})
	GatewayForbidden            = define(Code{Name: "ForbiddenException", Status: 403, DefaultMessage: "Forbidden"})
)
