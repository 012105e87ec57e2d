package policy

// Type is the kind of policy a document is validated and evaluated as.
type Type uint8

// Policy types. AWS requires or forbids Principal depending on the type.
const (
	TypeIdentity Type = iota // inline or managed identity policy
	TypeResource             // resource-based policy (API Gateway resource policy)
	TypeTrust                // role trust policy (AssumeRolePolicyDocument)
	TypeBoundary             // permissions boundary
	TypeSession              // session policy passed to STS
)

// String returns the wording AWS uses in denial messages ("identity-based",
// "resource-based", "permissions boundary", "session").
func (t Type) String() string {
	switch t {
	case TypeIdentity:
		return "identity-based"
	case TypeResource, TypeTrust:
		return "resource-based"
	case TypeBoundary:
		return "permissions boundary"
	case TypeSession:
		return "session"
	}
	return "unknown"
}

// ParseOptions says how to validate a document.
type ParseOptions struct {
	// Type selects the rules for Principal/NotPrincipal and Resource.
	Type Type
	// Managed requires Version 2012-10-17, as CreatePolicy does.
	Managed bool
	// MaxSize, when positive, is the maximum number of non-white-space
	// characters (see Size); larger documents return a *SizeError.
	MaxSize int
	// AllowSidSpaces permits spaces in Sid (resource policies of services
	// other than IAM); otherwise Sid must match [0-9A-Za-z]*.
	AllowSidSpaces bool
	// Trusted lifts the API's MaxDocumentLength: the document is AWS's
	// own (an AWS managed policy, some of which are longer than any
	// PolicyDocument parameter may be), not a caller's input.
	Trusted bool
}

// Size limits from the IAM quotas page, counted as Size does.
const (
	MaxManagedPolicySize = 6144
	MaxTrustPolicySize   = 2048
	MaxSessionPolicySize = 2048
	MaxUserInlineSize    = 2048
	MaxGroupInlineSize   = 5120
	MaxRoleInlineSize    = 10240
	MaxDocumentLength    = 131072 // API-level length of a PolicyDocument parameter
)

// SyntaxError is a document that AWS rejects with MalformedPolicyDocument.
// Error returns exactly AWS's message; Offset locates the problem in the
// document (byte offset, -1 when unknown) for logs and editors.
type SyntaxError struct {
	Msg    string
	Offset int
}

func (e *SyntaxError) Error() string { return e.Msg }

// SizeError is a document larger than ParseOptions.MaxSize. IAM reports it
// as LimitExceeded, not MalformedPolicyDocument.
type SizeError struct {
	Size, Max int
}

func (e *SizeError) Error() string {
	return "Cannot exceed quota for PolicySize: " + itoa(e.Max)
}

// Effect is the outcome of an evaluation. The zero value is ImplicitDeny so
// that an unset Decision fails closed.
type Effect uint8

// Decisions, named as the IAM simulator names them.
const (
	ImplicitDeny Effect = iota
	Allowed
	ExplicitDeny
)

// String returns "allowed", "explicitDeny" or "implicitDeny".
func (e Effect) String() string {
	switch e {
	case Allowed:
		return "allowed"
	case ExplicitDeny:
		return "explicitDeny"
	}
	return "implicitDeny"
}

// PrincipalKind is what kind of caller made a request.
type PrincipalKind uint8

// Principal kinds.
const (
	PrincipalAnonymous     PrincipalKind = iota // unsigned request
	PrincipalRoot                               // the account's root user
	PrincipalUser                               // IAM user (long-term or GetSessionToken keys)
	PrincipalAssumedRole                        // role session (AssumeRole, web identity, SAML)
	PrincipalFederatedUser                      // GetFederationToken session
	PrincipalWebIdentity                        // caller of AssumeRoleWithWebIdentity (token holder)
	PrincipalService                            // AWS service principal
)

// String returns the aws:PrincipalType value for k.
func (k PrincipalKind) String() string {
	switch k {
	case PrincipalRoot:
		return "Account"
	case PrincipalUser:
		return "User"
	case PrincipalAssumedRole:
		return "AssumedRole"
	case PrincipalFederatedUser:
		return "FederatedUser"
	case PrincipalWebIdentity:
		return "WebIdentityUser"
	case PrincipalService:
		return "Service"
	}
	return "Anonymous"
}

// Principal is the authenticated caller.
type Principal struct {
	Kind PrincipalKind
	// ARN is the caller's ARN: arn:aws:iam::A:root, the user ARN, the
	// session ARN arn:aws:sts::A:assumed-role/R/S, or
	// arn:aws:sts::A:federated-user/N. Empty for anonymous callers.
	ARN string
	// AccountID is the caller's account.
	AccountID string
	// RoleARN is, for role sessions, the role's ARN with its path
	// (arn:aws:iam::A:role/path/R); for federated users, the ARN of the IAM
	// user that called GetFederationToken. It is what aws:PrincipalArn holds
	// and what a role-level Principal entry matches.
	RoleARN string
	// UniqueID is the user's (AIDA…) or role's (AROA…) unique id, matched by
	// Principal entries that name a unique id.
	UniqueID string
	// UserID is aws:userid and Username aws:username (IAM users only).
	UserID   string
	Username string
	// Service is the service principal name (PrincipalService).
	Service string
	// FederatedProvider is, for PrincipalWebIdentity, the provider that
	// validated the token: an oidc-provider/saml-provider ARN or a built-in
	// name such as "accounts.google.com". Matched by Principal.Federated.
	FederatedProvider string
}

// Request is one authorization question.
type Request struct {
	Principal Principal
	Action    string // service:Action, matched case-insensitively
	Resource  string // resource ARN, or "*" for actions without a resource type
	Context   *Context
}

// Named is a compiled policy with the name reported in explanations: the
// inline policy name or the managed policy ARN.
type Named struct {
	Name   string
	Policy *Policy
}

// Input is the set of policies that apply to one request.
type Input struct {
	// Identity holds the principal's identity policies: for a user its
	// inline and attached managed policies and those of its groups; for a
	// role session the role's.
	Identity []Named
	// ResourcePolicy is the resource's policy, nil when it has none.
	ResourcePolicy *Named
	// ResourceAccount owns the resource. Empty means the principal's own
	// account.
	ResourceAccount string
	// Boundary is the principal's permissions boundary, nil when none.
	Boundary *Named
	// Session holds the session policies; they apply when SessionPolicies
	// is true (an empty Session with SessionPolicies true allows nothing).
	Session         []Named
	SessionPolicies bool
	// RequireResourcePolicy marks resources whose policy must grant even in
	// the same account: role trust policies (sts:AssumeRole*).
	RequireResourcePolicy bool
}

// Decision is the result of Evaluate.
type Decision struct {
	Effect Effect
	// Type is, for ExplicitDeny, the type of the policy holding the deny;
	// for ImplicitDeny, the type that lacked an allow; for Allowed, the type
	// whose allow decided (TypeResource when a resource policy alone
	// allowed, otherwise TypeIdentity).
	Type Type
	// Policy and Statement identify the deciding statement (the first
	// applicable deny, or the allow that decided): the Named.Name and the
	// statement's index in its document. Statement is -1 when no statement
	// decided (implicit deny, or the root user's implicit allow).
	Policy    string
	Statement int
}

// Reason returns the suffix AWS appends to "User: … is not authorized to
// perform: <action> on resource: …": " with an explicit deny in an
// identity-based policy", " because no resource-based policy allows the
// <action> action", etc. It is empty for Allowed.
func (d Decision) Reason(action string) string {
	switch d.Effect {
	case ExplicitDeny:
		t := d.Type.String()
		article := "a "
		if t[0] == 'i' {
			article = "an "
		}
		return " with an explicit deny in " + article + t + policySuffix(d.Type)
	case ImplicitDeny:
		return " because no " + d.Type.String() + policySuffix(d.Type) + " allows the " + action + " action"
	}
	return ""
}

func policySuffix(t Type) string {
	if t == TypeBoundary {
		return ""
	}
	return " policy"
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	neg := n < 0
	if neg {
		n = -n
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}
