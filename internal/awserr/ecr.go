package awserr

// Amazon ECR errors (JSON 1.1), as the ecr model names them; all are 400
// but ServerException.
var (
	ECRRepositoryNotFound      = define(Code{Name: "RepositoryNotFoundException", Status: 400})
	ECRRepositoryAlreadyExists = define(Code{Name: "RepositoryAlreadyExistsException", Status: 400})
	ECRRepositoryNotEmpty      = define(Code{Name: "RepositoryNotEmptyException", Status: 400})
	ECRInvalidParameter        = define(Code{Name: "InvalidParameterException", Status: 400})
	ECRServer                  = define(Code{Name: "ServerException", Status: 500})
	ECRAccessDenied            = define(Code{Name: "AccessDeniedException", Status: 400})
	ECRUnknownOperation        = define(Code{Name: "UnknownOperationException", Status: 400})
	ECRSerialization           = define(Code{Name: "SerializationException", Status: 400})
)
