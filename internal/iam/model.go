package iam

import (
	"strings"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/arn"
	"github.com/gatehouse-dev/gatehouse/internal/authn"
)

// Record kinds.
const (
	kindAccount   = "iam/account"
	kindUser      = "iam/user"
	kindGroup     = "iam/group"
	kindRole      = "iam/role"
	kindPolicy    = "iam/policy"
	kindAccessKey = "iam/accesskey"
	kindOIDC      = "iam/oidc"
	kindTokenKey  = "iam/tokenkey"
	kindProfile   = "iam/instanceprofile"
)

// Account is one IAM namespace.
type Account struct {
	ID      string    `json:"id"`
	Name    string    `json:"name,omitempty"`
	Created time.Time `json:"created"`
	// Alias is the account alias (CreateAccountAlias), "" if none.
	Alias string `json:"alias,omitempty"`
}

// InlinePolicy is a policy embedded in a user, group or role.
type InlinePolicy struct {
	Name     string `json:"name"`
	Document string `json:"doc"`
}

// User is an IAM user.
type User struct {
	Account  string            `json:"account"`
	Name     string            `json:"name"`
	Path     string            `json:"path"`
	ID       string            `json:"id"`
	Created  time.Time         `json:"created"`
	Inline   []InlinePolicy    `json:"inline,omitempty"`
	Attached []string          `json:"attached,omitempty"`
	Boundary string            `json:"boundary,omitempty"`
	Tags     []authn.Tag       `json:"tags,omitempty"`
	Groups   []string          `json:"groups,omitempty"` // lower-case group names
	Extra    map[string]string `json:"extra,omitempty"`
}

// Group is an IAM group.
type Group struct {
	Account  string         `json:"account"`
	Name     string         `json:"name"`
	Path     string         `json:"path"`
	ID       string         `json:"id"`
	Created  time.Time      `json:"created"`
	Inline   []InlinePolicy `json:"inline,omitempty"`
	Attached []string       `json:"attached,omitempty"`
}

// Role is an IAM role.
type Role struct {
	Account     string    `json:"account"`
	Name        string    `json:"name"`
	Path        string    `json:"path"`
	ID          string    `json:"id"`
	Created     time.Time `json:"created"`
	TrustPolicy string    `json:"trust"`
	// TrustIDs maps each user or role ARN the trust policy names to that
	// entity's unique id when the policy was saved: IAM binds principals
	// to ids, so a deleted and re-created namesake does not match.
	TrustIDs           map[string]string `json:"trustIds,omitempty"`
	Description        string            `json:"description,omitempty"`
	MaxSessionDuration int               `json:"maxSession"`
	Inline             []InlinePolicy    `json:"inline,omitempty"`
	Attached           []string          `json:"attached,omitempty"`
	Boundary           string            `json:"boundary,omitempty"`
	Tags               []authn.Tag       `json:"tags,omitempty"`
	// LinkedService is the service of a service-linked role
	// (CreateServiceLinkedRole), which only that service may change.
	LinkedService string `json:"linkedService,omitempty"`
}

// InstanceProfile is an IAM instance profile: a container for (at most)
// one role that EC2 passes to an instance.
type InstanceProfile struct {
	Account string    `json:"account"`
	Name    string    `json:"name"`
	Path    string    `json:"path"`
	ID      string    `json:"id"`
	Created time.Time `json:"created"`
	// Roles are the lower-case names of the roles in the profile (AWS
	// allows one).
	Roles []string    `json:"roles,omitempty"`
	Tags  []authn.Tag `json:"tags,omitempty"`
}

// ARN returns the instance profile's ARN.
func (p *InstanceProfile) ARN() string { return arn.InstanceProfile(p.Account, p.Path, p.Name) }

// PolicyVersion is one version of a managed policy.
type PolicyVersion struct {
	ID       string    `json:"id"`
	Document string    `json:"doc"`
	Created  time.Time `json:"created"`
}

// ManagedPolicy is a customer managed policy.
type ManagedPolicy struct {
	Account        string          `json:"account"`
	Name           string          `json:"name"`
	Path           string          `json:"path"`
	ID             string          `json:"id"`
	Description    string          `json:"description,omitempty"`
	Created        time.Time       `json:"created"`
	Updated        time.Time       `json:"updated"`
	DefaultVersion string          `json:"default"`
	NextVersion    int             `json:"next"`
	Versions       []PolicyVersion `json:"versions"`
	Tags           []authn.Tag     `json:"tags,omitempty"`
}

// AccessKey is a long-term access key of a user or of an account's root.
type AccessKey struct {
	ID      string    `json:"id"`
	Account string    `json:"account"`
	User    string    `json:"user,omitempty"` // lower-case user name; "" = root
	Secret  string    `json:"secret"`         // sealed with the master key
	Status  string    `json:"status"`
	Created time.Time `json:"created"`
	// Bootstrap marks the root key that comes from the server's
	// configuration; when the configured key changes, the old one goes.
	Bootstrap bool `json:"bootstrap,omitempty"`
}

// OIDCProvider is an IAM OpenID Connect identity provider.
type OIDCProvider struct {
	Account     string      `json:"account"`
	URL         string      `json:"url"` // without https://
	ClientIDs   []string    `json:"clientIds"`
	Thumbprints []string    `json:"thumbprints,omitempty"`
	Created     time.Time   `json:"created"`
	Tags        []authn.Tag `json:"tags,omitempty"`
}

// ARN returns the provider's ARN.
func (o *OIDCProvider) ARN() string {
	return arn.OIDCProvider(o.Account, o.URL)
}

type tokenKeyRecord struct {
	ID      uint32    `json:"id"`
	Key     string    `json:"key"` // sealed with the master key
	Created time.Time `json:"created"`
}

func entityKey(account, name string) string { return account + "/" + strings.ToLower(name) }

func userARN(account, path, name string) string   { return arn.User(account, path, name) }
func groupARN(account, path, name string) string  { return arn.Group(account, path, name) }
func roleARN(account, path, name string) string   { return arn.Role(account, path, name) }
func policyARN(account, path, name string) string { return arn.Policy(account, path, name) }

// ARN returns the user's ARN.
func (u *User) ARN() string { return userARN(u.Account, u.Path, u.Name) }

// ARN returns the group's ARN.
func (g *Group) ARN() string { return groupARN(g.Account, g.Path, g.Name) }

// ARN returns the role's ARN.
func (r *Role) ARN() string { return roleARN(r.Account, r.Path, r.Name) }

// ARN returns the policy's ARN.
func (p *ManagedPolicy) ARN() string { return policyARN(p.Account, p.Path, p.Name) }

// Version returns the version with id, or nil.
func (p *ManagedPolicy) Version(id string) *PolicyVersion {
	for i := range p.Versions {
		if p.Versions[i].ID == id {
			return &p.Versions[i]
		}
	}
	return nil
}
