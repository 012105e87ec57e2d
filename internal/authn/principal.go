package authn

import (
	"sync"
	"time"

	arnpkg "github.com/gatehouse-dev/gatehouse/internal/arn"
	"github.com/gatehouse-dev/gatehouse/internal/policy"
)

// Kind is what kind of caller a Principal is.
type Kind uint8

// Principal kinds.
const (
	Anonymous   Kind = iota // unsigned request
	Root                    // an account's root user
	User                    // IAM user (long-term key or GetSessionToken)
	AssumedRole             // role session (AssumeRole, web identity)
	FederatedUser
	WebIdentity // holder of a web identity token, before AssumeRoleWithWebIdentity
	Service     // an AWS service principal such as lambda.amazonaws.com
)

// String returns the aws:PrincipalType value of k.
func (k Kind) String() string { return k.policyKind().String() }

func (k Kind) policyKind() policy.PrincipalKind {
	switch k {
	case Root:
		return policy.PrincipalRoot
	case User:
		return policy.PrincipalUser
	case AssumedRole:
		return policy.PrincipalAssumedRole
	case FederatedUser:
		return policy.PrincipalFederatedUser
	case WebIdentity:
		return policy.PrincipalWebIdentity
	case Service:
		return policy.PrincipalService
	}
	return policy.PrincipalAnonymous
}

// Tag is a principal or session tag.
type Tag struct {
	Key   string `json:"k"`
	Value string `json:"v"`
}

// Principal is a verified caller. It is immutable once returned by the
// Authenticator and shared between concurrent requests.
type Principal struct {
	Kind Kind
	// ARN is the caller as GetCallerIdentity prints it: arn:aws:iam::A:root,
	// arn:aws:iam::A:user/path/name or arn:aws:sts::A:assumed-role/R/S.
	ARN       string
	AccountID string
	// UserID is aws:userid: the account id (root), AIDA… (user) or
	// AROA…:session (role session).
	UserID string
	// UniqueID is the user's AIDA… or role's AROA… id ("" for root).
	UniqueID string
	// UserName is the IAM user's name (users and their GetSessionToken
	// sessions only).
	UserName string
	// Path is the user's or role's path.
	Path string
	// RoleARN (with path) and RoleName, SessionName for role sessions. For
	// federated users RoleARN is the ARN of the IAM user that called
	// GetFederationToken and SessionName the federated user's name.
	RoleARN     string
	RoleName    string
	SessionName string
	// AccessKeyID is the key the request was signed with.
	AccessKeyID string
	// Session is set for temporary credentials: the opened session token.
	Session *Session
	// Service is the service principal name (Kind Service).
	Service string
	// FederatedProvider is the provider ARN for web identity callers.
	FederatedProvider string

	// sp caches the compiled inline session policy (sessions only).
	sp *sessionPolicy
	// Precomputed condition keys of sessions, so authorization does not
	// allocate per request.
	tagKeys   []string // "aws:PrincipalTag/" + session tag key
	issueTime string   // aws:TokenIssueTime
}

// SessionTagKeys returns "aws:PrincipalTag/<key>" for each session tag,
// parallel to SessionTags.
func (p *Principal) SessionTagKeys() []string { return p.tagKeys }

// TokenIssueTime is the session's aws:TokenIssueTime value.
func (p *Principal) TokenIssueTime() string { return p.issueTime }

type sessionPolicy struct {
	once sync.Once
	list []policy.Named
	err  error
}

// Temporary reports whether the caller used session credentials.
func (p *Principal) Temporary() bool { return p.Session != nil }

// Expiration is the session's expiry (zero for long-term keys).
func (p *Principal) Expiration() time.Time {
	if p.Session == nil {
		return time.Time{}
	}
	return time.Unix(p.Session.Expires, 0).UTC()
}

// SessionTags returns the session tags (role sessions), nil otherwise.
func (p *Principal) SessionTags() []Tag {
	if p.Session == nil {
		return nil
	}
	return p.Session.Tags
}

// SourceIdentity returns the session's source identity, if any.
func (p *Principal) SourceIdentity() string {
	if p.Session == nil {
		return ""
	}
	return p.Session.SourceIdentity
}

// PolicyPrincipal returns the principal as the policy engine sees it.
func (p *Principal) PolicyPrincipal() policy.Principal {
	pp := policy.Principal{
		Kind:              p.Kind.policyKind(),
		ARN:               p.ARN,
		AccountID:         p.AccountID,
		UniqueID:          p.UniqueID,
		UserID:            p.UserID,
		Username:          p.UserName,
		Service:           p.Service,
		FederatedProvider: p.FederatedProvider,
	}
	switch p.Kind {
	case AssumedRole:
		pp.RoleARN = p.RoleARN
		pp.Username = ""
	case FederatedUser:
		// The federating IAM user, matched at role level by Principal.
		pp.RoleARN = p.RoleARN
		pp.Username = ""
		pp.UniqueID = ""
	case User:
		pp.RoleARN = ""
	}
	return pp
}

// PrincipalARN is aws:PrincipalArn: the role ARN for role sessions, the
// caller's ARN otherwise (the federated-user ARN for federated users).
func (p *Principal) PrincipalARN() string {
	if p.Kind == AssumedRole {
		return p.RoleARN
	}
	return p.ARN
}

// SessionPolicies compiles the session's inline policy once; the managed
// session policies (ARNs) are resolved by the IAM snapshot. The result is
// cached on the Principal.
func (p *Principal) SessionPolicies() ([]policy.Named, error) {
	if p.Session == nil || p.Session.Policy == "" {
		return nil, nil
	}
	sp := p.sp
	if sp == nil {
		// Only principals built by SessionPrincipal carry the cache.
		sp = &sessionPolicy{}
	}
	sp.once.Do(func() {
		pol, err := policy.Parse([]byte(p.Session.Policy), policy.ParseOptions{Type: policy.TypeSession})
		if err != nil {
			sp.err = err
			return
		}
		sp.list = []policy.Named{{Name: "session", Policy: pol}}
	})
	return sp.list, sp.err
}

// RootARN returns arn:aws:iam::A:root.
func RootARN(account string) string { return arnpkg.Root(account) }

// SessionARN returns arn:aws:sts::A:assumed-role/ROLE/SESSION.
func SessionARN(account, role, session string) string {
	return arnpkg.AssumedRole(account, role, session)
}

// RoleNameFromARN returns the last path segment of a role ARN.
func RoleNameFromARN(arn string) string {
	return arnpkg.Name(arn)
}
