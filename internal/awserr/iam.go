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
	// FeatureEnabled and FeatureDisabled: the outbound web identity
	// federation switch is already in the state asked for.
	FeatureEnabled         = define(Code{Name: "FeatureEnabled", Status: 409})
	FeatureDisabled        = define(Code{Name: "FeatureDisabled", Status: 409})
	ConcurrentModification = define(Code{Name: "ConcurrentModification", Status: 409})
)

// More IAM errors, as IAM's model names them (code, HTTP status).
var (
	InvalidAuthenticationCode     = define(Code{Name: "InvalidAuthenticationCode", Status: 403})
	EntityTemporarilyUnmodifiable = define(Code{Name: "EntityTemporarilyUnmodifiable", Status: 409})
	PasswordPolicyViolation       = define(Code{Name: "PasswordPolicyViolation", Status: 400})
	ReportNotPresent              = define(Code{Name: "ReportNotPresent", Status: 410})
	ReportExpired                 = define(Code{Name: "ReportExpired", Status: 410})
	ReportInProgress              = define(Code{Name: "ReportInProgress", Status: 404})
	DuplicateSSHPublicKey         = define(Code{Name: "DuplicateSSHPublicKey", Status: 400})
	UnrecognizedPublicKeyEncoding = define(Code{Name: "UnrecognizedPublicKeyEncoding", Status: 400})
	InvalidPublicKey              = define(Code{Name: "InvalidPublicKey", Status: 400})
	MalformedCertificate          = define(Code{Name: "MalformedCertificate", Status: 400})
	DuplicateCertificate          = define(Code{Name: "DuplicateCertificate", Status: 409})
	InvalidCertificate            = define(Code{Name: "InvalidCertificate", Status: 400})
	KeyPairMismatch               = define(Code{Name: "KeyPairMismatch", Status: 400})
	NotSupportedService           = define(Code{Name: "NotSupportedService", Status: 404})
	InvalidUserType               = define(Code{Name: "InvalidUserType", Status: 400})
)

// Organizations-related IAM errors; IAM's model gives them no code of
// their own, so the shape name is the code (as botocore reads it).
var (
	OrganizationNotFound = define(Code{Name: "OrganizationNotFoundException", Status: 400})
)

// STS's error for a trade-in token it does not know (GetDelegatedAccessToken).
var ExpiredTradeInToken = define(Code{Name: "ExpiredTradeInTokenException", Status: 400})
