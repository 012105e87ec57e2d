package awserr

// STS Query API errors (spec/sts.md §9). Owned by the IAM/STS engineer.
var (
	RegionDisabled              = Code{Name: "RegionDisabledException", Status: 403}
	PackedPolicyTooLarge        = Code{Name: "PackedPolicyTooLarge", Status: 400}
	InvalidIdentityToken        = Code{Name: "InvalidIdentityToken", Status: 400}
	IDPCommunicationError       = Code{Name: "IDPCommunicationError", Status: 400}
	IDPRejectedClaim            = Code{Name: "IDPRejectedClaim", Status: 403}
	InvalidAuthorizationMessage = Code{Name: "InvalidAuthorizationMessageException", Status: 400}
)
