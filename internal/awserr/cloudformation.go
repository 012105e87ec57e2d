package awserr

// CloudFormation Query API errors (botocore's cloudformation 2010-05-15
// model). A stack that does not exist is a ValidationError, as on AWS.
var (
	CFNAlreadyExists         = define(Code{Name: "AlreadyExistsException", Status: 400})
	InsufficientCapabilities = define(Code{Name: "InsufficientCapabilitiesException", Status: 400})
	ChangeSetNotFound        = define(Code{Name: "ChangeSetNotFound", Status: 404})
	InvalidChangeSetStatus   = define(Code{Name: "InvalidChangeSetStatus", Status: 400})
	TokenAlreadyExists       = define(Code{Name: "TokenAlreadyExistsException", Status: 400})
	CFNLimitExceeded         = define(Code{Name: "LimitExceededException", Status: 400})
	CFNInvalidOperation      = define(Code{Name: "InvalidOperationException", Status: 400})
)
