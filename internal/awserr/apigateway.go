package awserr

// API Gateway control-plane errors (REST-JSON, spec/apigateway.md §11).
// Owned by the API Gateway engineer.
var (
	BadRequestException         = Code{Name: "BadRequestException", Status: 400}
	UnauthorizedException       = Code{Name: "UnauthorizedException", Status: 401}
	NotFoundException           = Code{Name: "NotFoundException", Status: 404}
	ConflictException           = Code{Name: "ConflictException", Status: 409}
	LimitExceededException      = Code{Name: "LimitExceededException", Status: 429}
	TooManyRequestsException    = Code{Name: "TooManyRequestsException", Status: 429, DefaultMessage: "Too Many Requests"}
	ServiceUnavailableException = Code{Name: "ServiceUnavailableException", Status: 503}
)

// execute-api data-plane (gateway response) errors, spec/sigv4.md §12 and
// spec/apigateway.md §8. Rendered as {"message":...} with x-amzn-ErrorType.
var (
	GatewayMissingAuthenticationToken = Code{Name: "MissingAuthenticationTokenException", Status: 403, DefaultMessage: "Missing Authentication Token"}
	GatewayIncompleteSignature        = Code{Name: "IncompleteSignatureException", Status: 403}
	GatewayInvalidSignature           = Code{Name: "InvalidSignatureException", Status: 403}
	GatewayUnknownKey                 = Code{Name: "AccessDeniedException", Status: 403, DefaultMessage: "The security token included in the request is invalid."}
	GatewayExpiredToken               = Code{Name: "ExpiredTokenException", Status: 403, DefaultMessage: "The security token included in the request is expired"}
	GatewayAccessDenied               = Code{Name: "AccessDeniedException", Status: 403, MessageKey: "Message"}
	GatewayThrottled                  = Code{Name: "TooManyRequestsException", Status: 429, DefaultMessage: "Too Many Requests"}
	GatewayTimeout                    = Code{Name: "InternalServerErrorException", Status: 504, DefaultMessage: "Endpoint request timed out"}
	GatewayPayloadTooLarge            = Code{Name: "RequestEntityTooLargeException", Status: 413, DefaultMessage: "Request Too Long"}
	GatewayInternalError              = Code{Name: "InternalServerErrorException", Status: 500, DefaultMessage: "Internal server error"}
	GatewayBadGateway                 = Code{Name: "InternalServerErrorException", Status: 502, DefaultMessage: "Internal server error"}
	GatewayIntegrationFailure         = Code{Name: "InternalServerErrorException", Status: 504, DefaultMessage: "Internal server error"}
	GatewayBadRequestParameters       = Code{Name: "BadRequestException", Status: 400}
	GatewayBadRequestBody             = Code{Name: "BadRequestException", Status: 400, DefaultMessage: "Invalid request body"}
	GatewayForbidden                  = Code{Name: "ForbiddenException", Status: 403, DefaultMessage: "Forbidden"}
)
