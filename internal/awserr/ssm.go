package awserr

// AWS Systems Manager Parameter Store errors (JSON 1.1), as the ssm model
// names them; all are 400 but InternalServerError.
var (
	SSMParameterNotFound        = define(Code{Name: "ParameterNotFound", Status: 400})
	SSMParameterAlreadyExists   = define(Code{Name: "ParameterAlreadyExists", Status: 400, DefaultMessage: "The parameter already exists. To overwrite this value, set the overwrite option in the request to true."})
	SSMParameterVersionNotFound = define(Code{Name: "ParameterVersionNotFound", Status: 400})
	SSMValidation               = define(Code{Name: "ValidationException", Status: 400})
	SSMInvalidKeyID             = define(Code{Name: "InvalidKeyId", Status: 400})
	SSMInvalidNextToken         = define(Code{Name: "InvalidNextToken", Status: 400, DefaultMessage: "The specified token is not valid."})
	SSMInvalidFilterKey         = define(Code{Name: "InvalidFilterKey", Status: 400})
	SSMInvalidFilterOption      = define(Code{Name: "InvalidFilterOption", Status: 400})
	SSMInvalidFilterValue       = define(Code{Name: "InvalidFilterValue", Status: 400})
	SSMHierarchyLevelLimit      = define(Code{Name: "HierarchyLevelLimitExceededException", Status: 400})
	SSMHierarchyTypeMismatch    = define(Code{Name: "HierarchyTypeMismatchException", Status: 400})
	SSMUnsupportedParameterType = define(Code{Name: "UnsupportedParameterType", Status: 400})
	SSMParameterLimitExceeded   = define(Code{Name: "ParameterLimitExceeded", Status: 400})
	SSMInvalidAllowedPattern    = define(Code{Name: "InvalidAllowedPatternException", Status: 400})
	SSMParameterPatternMismatch = define(Code{Name: "ParameterPatternMismatchException", Status: 400})
	SSMTooManyUpdates           = define(Code{Name: "TooManyUpdates", Status: 400})
	SSMInternalServerError      = define(Code{Name: "InternalServerError", Status: 500})
	SSMAccessDenied             = define(Code{Name: "AccessDeniedException", Status: 400})
	SSMUnknownOperation         = define(Code{Name: "UnknownOperationException", Status: 400})
	SSMSerialization            = define(Code{Name: "SerializationException", Status: 400})
)
