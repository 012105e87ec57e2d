package iam

import (
	"log/slog"
	"slices"
	"sort"
	"strings"
	"sync/atomic"

	arnpkg "github.com/gatehouse-dev/gatehouse/internal/arn"
	"github.com/gatehouse-dev/gatehouse/internal/authn"
	"github.com/gatehouse-dev/gatehouse/internal/policy"
)

// Snapshot is an immutable view of every account's IAM state with policies
// compiled. Obtain the current one with Service.Snapshot; never modify it.
//
// Its maps are persistent (pmap): the next snapshot after a write shares
// everything the write did not change, and is made by applying the store's
// diff (applyDiff) rather than by reading and compiling everything again.
type Snapshot struct {
	accounts     pmap[*Account]
	users        pmap[*UserEntry] // entityKey(account, name)
	groups       pmap[*GroupEntry]
	roles        pmap[*RoleEntry]
	policies     pmap[*PolicyEntry] // by ARN
	policyByName pmap[*PolicyEntry] // entityKey(account, name): the store key
	keys         keyTable           // by access key id
	oidc         pmap[*OIDCProvider]
	profiles     pmap[*InstanceProfile] // entityKey(account, name)
	roots        pmap[*authn.Principal]
	tokenKeys    []authn.TokenKey
	opener       *keyOpener
	lists        *listCache // sorted lists for paging, made when first listed
	attachCount  pmap[int]  // policy ARN -> attachments
	boundaryUse  pmap[int]  // policy ARN -> boundary uses

	// Derived indexes, kept so that a change finds what depends on it.
	ownerKeys  ownerIndex // entityKey(account, user), or account+"/" for root -> access key ids
	groupRefs  pmap[pset] // group entityKey -> keys of the users that list it
	policyRefs pmap[pset] // policy ARN -> entityRef of the users, groups and roles attaching it or bounded by it
	trustRefs  pmap[pset] // user or role ARN -> keys of the roles whose trust policy is bound to its unique id
	roleProfs  pmap[pset] // role entityKey -> keys of the instance profiles holding it
}

// ownerKeyList returns the access keys of an owner (entityKey of a user,
// or account+"/" for the root), oldest first.
func (s *Snapshot) ownerKeyList(owner string) []*KeyEntry {
	var out []*KeyEntry
	for id := range s.ownerKeys.keys(owner) {
		if k := s.keys.get(id); k != nil {
			out = append(out, k)
		}
	}
	sort.Slice(out, func(i, j int) bool { return keyBefore(out[i], out[j]) })
	return out
}

func keyBefore(a, b *KeyEntry) bool {
	if !a.Created.Equal(b.Created) {
		return a.Created.Before(b.Created)
	}
	return a.ID < b.ID
}

// groupMembers returns the users of a group (none if the group does not
// exist), in key order.
func (s *Snapshot) groupMembers(gk string) []*UserEntry {
	if s.groups.get(gk) == nil {
		return nil
	}
	ks := slices.Sorted(s.groupRefs.get(gk).keys())
	out := make([]*UserEntry, 0, len(ks))
	for _, k := range ks {
		if u := s.users.get(k); u != nil {
			out = append(out, u)
		}
	}
	return out
}

// UserEntry is a user with its compiled identity policies.
type UserEntry struct {
	User
	tagKeys   []string // "aws:PrincipalTag/" + key, parallel to Tags
	arn       string
	principal *authn.Principal
	identity  []policy.Named
	boundary  *policy.Named
	broken    bool // a policy failed to compile: deny everything
}

// GroupEntry is a group with its compiled policies.
type GroupEntry struct {
	Group
	arn      string
	identity []policy.Named
	broken   bool
}

// RoleEntry is a role with its compiled policies.
type RoleEntry struct {
	Role // TrustPolicy is bound (boundTrust): ARNs of deleted principals replaced by their ids
	// storedTrust is the trust policy as stored, from which the bound one
	// is made again when a principal it names changes.
	storedTrust string
	tagKeys     []string
	arn         string
	trust       *policy.Policy
	identity    []policy.Named
	boundary    *policy.Named
	broken      bool
}

// ARN returns the role ARN.
func (r *RoleEntry) ARN() string { return r.arn }

// Trust returns the compiled trust policy (nil if it failed to compile).
func (r *RoleEntry) Trust() *policy.Policy { return r.trust }

// PolicyEntry is a managed policy with its default version compiled.
type PolicyEntry struct {
	ManagedPolicy
	arn      string
	compiled *policy.Policy
}

// KeyEntry is an access key. Its secret stays sealed until the key first
// signs a request: a start-up with a million keys decrypts none of them,
// and each entry carries only its record and a pointer to its owner's
// principal (shared by the owner's keys), not a copy (issue #17).
type KeyEntry struct {
	AccessKey
	// owner is the principal of the key's user or account root when the
	// entry was made; an entry is made again whenever its owner changes.
	owner *authn.Principal
	// cache holds the secret and the principal with this key's id, made
	// on first use by LookupKey (a pointer, so that entries can be moved
	// while a base is built; base entries point into one array).
	cache *keyCache
}

type keyCache struct{ opened atomic.Pointer[openedKey] }

type openedKey struct {
	secret    string
	principal *authn.Principal
	ok        bool // false: the secret does not open (logged once; the key is refused)
}

// keyOpener opens sealed secrets for LookupKey.
type keyOpener struct {
	box *authn.SecretBox
	log *slog.Logger
}

// open returns k's secret and principal, decrypting the secret the first
// time. Concurrent first uses may both decrypt; one result is kept.
func (o *keyOpener) open(k *KeyEntry) *openedKey {
	if k.cache == nil {
		return &openedKey{}
	}
	if ok := k.cache.opened.Load(); ok != nil {
		return ok
	}
	ok := &openedKey{}
	if o != nil && k.owner != nil {
		if sec, err := o.box.Open(k.Secret, k.ID); err == nil {
			p := *k.owner
			p.AccessKeyID = k.ID
			ok = &openedKey{secret: sec, principal: &p, ok: true}
		}
	}
	if k.cache.opened.CompareAndSwap(nil, ok) {
		if !ok.ok && k.owner != nil && o != nil {
			o.log.Error("access key secret does not open with the master key", "access_key_id", k.ID)
		}
		return ok
	}
	return k.cache.opened.Load()
}

// Account returns the account, or nil.
func (s *Snapshot) Account(id string) *Account { return s.accounts.get(id) }

// Role returns a role by account and name (case-insensitive), or nil.
func (s *Snapshot) Role(account, name string) *RoleEntry {
	return s.roles.get(entityKey(account, name))
}

// RoleByARN returns the role an ARN names (arn:aws:iam::A:role/path/name).
func (s *Snapshot) RoleByARN(arn string) *RoleEntry {
	acct, rest, ok := splitIAMARN(arn)
	if !ok || !strings.HasPrefix(rest, "role/") {
		return nil
	}
	r := s.Role(acct, arnpkg.Name(rest))
	if r == nil || r.arn != arn {
		return nil
	}
	return r
}

// entityTags returns the tags of the user, role or instance profile arn names, nil for any
// other resource (or one that does not exist): the resources whose tags
// are aws:ResourceTag/<key> of the operations acting on them.
func (s *Snapshot) entityTags(arn string) []authn.Tag {
	if r := s.RoleByARN(arn); r != nil {
		return r.Tags
	}
	acct, rest, ok := splitIAMARN(arn)
	if !ok {
		return nil
	}
	switch {
	case strings.HasPrefix(rest, "user/"):
		if u := s.User(acct, arnpkg.Name(rest)); u != nil && u.arn == arn {
			return u.Tags
		}
	case strings.HasPrefix(rest, "instance-profile/"):
		// The service authorization reference lists aws:ResourceTag for
		// the instance-profile resource too.
		if p := s.profiles.get(entityKey(acct, arnpkg.Name(rest))); p != nil && p.ARN() == arn {
			return p.Tags
		}
	}
	return nil
}

// roleProfiles returns the instance profiles holding a role (by its
// entityKey), by name.
func (s *Snapshot) roleProfiles(rk string) []*InstanceProfile {
	var out []*InstanceProfile
	for _, k := range slices.Sorted(s.roleProfs.get(rk).keys()) {
		if p := s.profiles.get(k); p != nil {
			out = append(out, p)
		}
	}
	return out
}

// User returns a user by account and name, or nil.
func (s *Snapshot) User(account, name string) *UserEntry {
	return s.users.get(entityKey(account, name))
}

// Policy returns a managed policy by ARN, or nil.
func (s *Snapshot) Policy(arn string) *PolicyEntry {
	if pe := s.policies.get(arn); pe != nil {
		return pe
	}
	return awsManaged(arn)
}

// OIDCProvider returns the provider of account whose URL (without scheme)
// is url, or nil.
func (s *Snapshot) OIDCProvider(account, url string) *OIDCProvider {
	return s.oidc.get(oidcKey(account, url))
}

// LookupKey implements authn.KeyStore.
func (s *Snapshot) LookupKey(id string) (string, *authn.Principal, bool) {
	k := s.keys.get(id)
	if k == nil || k.Status != "Active" || k.owner == nil {
		return "", nil, false
	}
	o := s.opener.open(k)
	if !o.ok {
		return "", nil, false
	}
	return o.secret, o.principal, true
}

// SessionValid implements authn.SessionChecker.
func (s *Snapshot) SessionValid(sess *authn.Session) bool {
	switch sess.Kind {
	case authn.AssumedRole:
		r := s.Role(sess.Account, sess.RoleName)
		return r != nil && r.ID == sess.RoleID
	case authn.User, authn.FederatedUser:
		if sess.Kind == authn.FederatedUser && sess.UserName == "" {
			// Federated by the root user.
			return s.accounts.get(sess.Account) != nil
		}
		u := s.User(sess.Account, sess.UserName)
		return u != nil && u.ID == sess.UserID
	case authn.Root:
		return s.accounts.get(sess.Account) != nil
	}
	return false
}

// splitIAMARN returns the account and resource of an IAM ARN.
func splitIAMARN(s string) (account, resource string, ok bool) { return arnpkg.ParseIAM(s) }
