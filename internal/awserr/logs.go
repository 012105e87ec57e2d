package awserr

// CloudWatch Logs (JSON 1.1) errors, for the subset gatehouse serves over
// functions' logs. Status codes and messages are CloudWatch Logs' own.
var (
	LogsResourceNotFound = define(Code{Name: "ResourceNotFoundException", Status: 400})
	// LogsResourceAlreadyExists: CreateLogGroup of an existing group.
	LogsResourceAlreadyExists = define(Code{Name: "ResourceAlreadyExistsException", Status: 400})
	LogsInvalidParameter      = define(Code{Name: "InvalidParameterException", Status: 400})
	LogsSerialization         = define(Code{Name: "SerializationException", Status: 400})
	LogsValidation            = define(Code{Name: "ValidationException", Status: 400})
	LogsAccessDenied          = define(Code{Name: "AccessDeniedException", Status: 400})
	LogsUnknownOperation      = define(Code{Name: "UnknownOperationException", Status: 400, DefaultMessage: "Unknown operation"})
)
