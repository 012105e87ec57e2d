package awserr

// IAM Query API errors (spec/iam-api.md §1.4). Owned by the IAM/STS engineer;
// add codes here as operations need them.
var (
	NoSuchEntity            = Code{Name: "NoSuchEntity", Status: 404}
	EntityAlreadyExists     = Code{Name: "EntityAlreadyExists", Status: 409}
	MalformedPolicyDocument = Code{Name: "MalformedPolicyDocument", Status: 400}
	LimitExceeded           = Code{Name: "LimitExceeded", Status: 409}
	DeleteConflict          = Code{Name: "DeleteConflict", Status: 409}
	ValidationError         = Code{Name: "ValidationError", Status: 400}
	InvalidInput            = Code{Name: "InvalidInput", Status: 400}
	ServiceFailure          = Code{Name: "ServiceFailure", Status: 500}
	PolicyEvaluation        = Code{Name: "PolicyEvaluation", Status: 500}
	UnmodifiableEntity      = Code{Name: "UnmodifiableEntity", Status: 400}
	ConcurrentModification  = Code{Name: "ConcurrentModification", Status: 409}
)
