package awserr

// STS Query API errors (spec/sts.md §9). Owned by the IAM/STS engineer.
var (
	RegionDisabled              = define(Code{Name: "RegionDisabledException", Status: 403})
	PackedPolicyTooLarge        = define(Code{Name: "PackedPolicyTooLarge", Status: 400})
	InvalidIdentityToken        = define(Code{Name: "InvalidIdentityToken", Status: 400})
	IDPCommunicationError       = define(Code{Name: "IDPCommunicationError", Status: 400})
	IDPRejectedClaim            = define(Code{Name: "IDPRejectedClaim", Status: 403})
	InvalidAuthorizationMessage = define(Code{Name: "InvalidAuthorizationMessageException", Status: 400})
	// GetWebIdentityToken's (AWS's STS model).
	OutboundWebIdentityFederationDisabled = define(Code{Name: "OutboundWebIdentityFederationDisabledException", Status: 403})
	JWTPayloadSizeExceeded                = define(Code{Name: "JWTPayloadSizeExceededException", Status: 400})
	SessionDurationEscalation             = define(Code{Name: "SessionDurationEscalationException", Status: 403})
)

// ExpiredTokenSTS is STS's expired web identity token (HTTP 400; the
// session-credential expiry is ExpiredToken, 403).
var ExpiredTokenSTS = Code{Name: "ExpiredTokenException", Status: 400}
