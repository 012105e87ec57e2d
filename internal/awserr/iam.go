package awserr

// IAM Query API errors (spec/iam-api.md §1.4). Owned by the IAM/STS engineer;
// add codes here as operations need them.
var (
	NoSuchEntity            = define(Code{Name: "NoSuchEntity", Status: 404})
	EntityAlreadyExists     = define(Code{Name: "EntityAlreadyExists", Status: 409})
	MalformedPolicyDocument = define(Code{Name: "MalformedPolicyDocument", Status: 400})
	LimitExceeded           = define(Code{Name: "LimitExceeded", Status: 409})
	DeleteConflict          = define(Code{Name: "DeleteConflict", Status: 409})
	ValidationError         = define(Code{Name: "ValidationError", Status: 400})
	InvalidInput            = define(Code{Name: "InvalidInput", Status: 400})
	ServiceFailure          = define(Code{Name: "ServiceFailure", Status: 500})
	PolicyEvaluation        = define(Code{Name: "PolicyEvaluation", Status: 500})
	UnmodifiableEntity      = define(Code{Name: "UnmodifiableEntity", Status: 400})
	ConcurrentModification  = define(Code{Name: "ConcurrentModification", Status: 409})
)
