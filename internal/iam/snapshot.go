package iam

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	arnpkg "github.com/gatehouse-dev/gatehouse/internal/arn"
	"github.com/gatehouse-dev/gatehouse/internal/authn"
	"github.com/gatehouse-dev/gatehouse/internal/policy"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// Snapshot is an immutable view of every account's IAM state with policies
// compiled. Obtain the current one with Service.Snapshot; never modify it.
type Snapshot struct {
	accounts     map[string]*Account
	users        map[string]*UserEntry // entityKey(account, name)
	groups       map[string]*GroupEntry
	roles        map[string]*RoleEntry
	policies     map[string]*PolicyEntry // by ARN
	policyByName map[string]*PolicyEntry // entityKey(account, name)
	keys         map[string]*KeyEntry    // by access key id
	ownerKeys    map[string][]*KeyEntry  // entityKey(account, user) or account+"/" for root
	oidc         map[string]*OIDCProvider
	profiles     map[string]*InstanceProfile   // entityKey(account, name)
	roleProfiles map[string][]*InstanceProfile // role entityKey -> profiles holding it
	members      map[string][]*UserEntry       // group entityKey -> users
	roots        map[string]*authn.Principal
	tokenKeys    []authn.TokenKey
	attachCount  map[string]int // policy ARN -> attachments
	boundaryUse  map[string]int // policy ARN -> boundary uses
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
	Role
	tagKeys  []string
	arn      string
	trust    *policy.Policy
	identity []policy.Named
	boundary *policy.Named
	broken   bool
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

// KeyEntry is an access key with its secret decrypted.
type KeyEntry struct {
	AccessKey
	secret    string
	principal *authn.Principal
	userName  string // original-case user name, "" for root
}

// Account returns the account, or nil.
func (s *Snapshot) Account(id string) *Account { return s.accounts[id] }

// Role returns a role by account and name (case-insensitive), or nil.
func (s *Snapshot) Role(account, name string) *RoleEntry { return s.roles[entityKey(account, name)] }

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
		if p := s.profiles[entityKey(acct, arnpkg.Name(rest))]; p != nil && p.ARN() == arn {
			return p.Tags
		}
	}
	return nil
}

// User returns a user by account and name, or nil.
func (s *Snapshot) User(account, name string) *UserEntry { return s.users[entityKey(account, name)] }

// Policy returns a managed policy by ARN, or nil.
func (s *Snapshot) Policy(arn string) *PolicyEntry { return s.policies[arn] }

// OIDCProvider returns the provider of account whose URL (without scheme)
// is url, or nil.
func (s *Snapshot) OIDCProvider(account, url string) *OIDCProvider {
	return s.oidc[account+"/"+strings.ToLower(url)]
}

// LookupKey implements authn.KeyStore.
func (s *Snapshot) LookupKey(id string) (string, *authn.Principal, bool) {
	k, ok := s.keys[id]
	if !ok || k.Status != "Active" || k.principal == nil {
		return "", nil, false
	}
	return k.secret, k.principal, true
}

// SessionValid implements authn.SessionChecker.
func (s *Snapshot) SessionValid(sess *authn.Session) bool {
	switch sess.Kind {
	case authn.AssumedRole:
		r := s.Role(sess.Account, sess.RoleName)
		return r != nil && r.ID == sess.RoleID
	case authn.User, authn.FederatedUser:
		u := s.User(sess.Account, sess.UserName)
		return u != nil && u.ID == sess.UserID
	case authn.Root:
		return s.accounts[sess.Account] != nil
	}
	return false
}

// splitIAMARN returns the account and resource of an IAM ARN.
func splitIAMARN(s string) (account, resource string, ok bool) { return arnpkg.ParseIAM(s) }

// compiler caches compiled documents across snapshot rebuilds.
type compiler struct {
	old, cur map[string]*policy.Policy
}

func (c *compiler) compile(doc string, t policy.Type) (*policy.Policy, error) {
	k := string(rune('0'+t)) + doc
	if p, ok := c.cur[k]; ok {
		return p, nil
	}
	if p, ok := c.old[k]; ok {
		c.cur[k] = p
		return p, nil
	}
	p, err := policy.Parse([]byte(doc), policy.ParseOptions{Type: t})
	if err != nil {
		return nil, err
	}
	c.cur[k] = p
	return p, nil
}

// decoded is a record already unmarshalled by an earlier rebuild; a record
// whose revision has not changed is not decoded again.
type decoded struct {
	rev int64
	v   any
}

type decodeCache struct{ old, cur map[string]decoded }

func listCached[T any](r store.Reader, kind string, dc *decodeCache) ([]*T, error) {
	recs, err := r.List(kind, "")
	if err != nil {
		return nil, err
	}
	out := make([]*T, 0, len(recs))
	for _, rec := range recs {
		k := kind + "\x00" + rec.Key
		if d, ok := dc.old[k]; ok && d.rev == rec.Rev && rec.Rev != 0 {
			if v, ok := d.v.(*T); ok {
				dc.cur[k] = d
				out = append(out, v)
				continue
			}
		}
		v := new(T)
		if err := json.Unmarshal(rec.Value, v); err != nil {
			return nil, fmt.Errorf("%s %s: %w", kind, rec.Key, err)
		}
		dc.cur[k] = decoded{rev: rec.Rev, v: v}
		out = append(out, v)
	}
	return out, nil
}

func listJSON[T any](r store.Reader, kind string) ([]*T, error) {
	recs, err := r.List(kind, "")
	if err != nil {
		return nil, err
	}
	out := make([]*T, 0, len(recs))
	for _, rec := range recs {
		v := new(T)
		if err := json.Unmarshal(rec.Value, v); err != nil {
			return nil, fmt.Errorf("%s %s: %w", kind, rec.Key, err)
		}
		out = append(out, v)
	}
	return out, nil
}

func (s *Service) buildSnapshot(ctx context.Context, r store.Reader) (*Snapshot, error) {
	s.cacheMu.Lock()
	defer s.cacheMu.Unlock()
	c := &compiler{old: s.cache, cur: map[string]*policy.Policy{}}
	// Decrypted secrets are reused across rebuilds too (keyed by the sealed
	// value, which includes a random nonce).
	oldSecrets, curSecrets := s.secrets, map[string]string{}
	dc := &decodeCache{old: s.decoded, cur: map[string]decoded{}}
	defer func() { s.cache, s.secrets, s.decoded = c.cur, curSecrets, dc.cur }()

	snap := &Snapshot{
		accounts: map[string]*Account{}, users: map[string]*UserEntry{}, groups: map[string]*GroupEntry{},
		roles: map[string]*RoleEntry{}, policies: map[string]*PolicyEntry{}, policyByName: map[string]*PolicyEntry{},
		keys: map[string]*KeyEntry{}, ownerKeys: map[string][]*KeyEntry{}, oidc: map[string]*OIDCProvider{},
		members: map[string][]*UserEntry{}, roots: map[string]*authn.Principal{},
		profiles: map[string]*InstanceProfile{}, roleProfiles: map[string][]*InstanceProfile{},
		attachCount: map[string]int{}, boundaryUse: map[string]int{},
	}
	accounts, err := listCached[Account](r, kindAccount, dc)
	if err != nil {
		return nil, err
	}
	for _, a := range accounts {
		snap.accounts[a.ID] = a
		snap.roots[a.ID] = &authn.Principal{Kind: authn.Root, ARN: authn.RootARN(a.ID), AccountID: a.ID, UserID: a.ID}
	}
	pols, err := listCached[ManagedPolicy](r, kindPolicy, dc)
	if err != nil {
		return nil, err
	}
	for _, p := range pols {
		e := &PolicyEntry{ManagedPolicy: *p, arn: p.ARN()}
		if v := p.Version(p.DefaultVersion); v != nil {
			if e.compiled, err = c.compile(v.Document, policy.TypeIdentity); err != nil {
				s.log.Error("stored managed policy does not compile", "arn", e.arn, "err", err)
			}
		}
		snap.policies[e.arn] = e
		snap.policyByName[entityKey(p.Account, p.Name)] = e
	}
	// attached resolves managed policy ARNs; ok is false if one is missing
	// or broken (the entity then fails closed).
	attached := func(arns []string, out []policy.Named) ([]policy.Named, bool) {
		ok := true
		for _, a := range arns {
			snap.attachCount[a]++
			if pe := snap.policies[a]; pe != nil && pe.compiled != nil {
				out = append(out, policy.Named{Name: pe.Name, Policy: pe.compiled})
			} else {
				ok = false
			}
		}
		return out, ok
	}
	inline := func(list []InlinePolicy, out []policy.Named) ([]policy.Named, bool) {
		ok := true
		for _, ip := range list {
			p, err := c.compile(ip.Document, policy.TypeIdentity)
			if err != nil {
				ok = false
				continue
			}
			out = append(out, policy.Named{Name: ip.Name, Policy: p})
		}
		return out, ok
	}
	boundary := func(arn string) (*policy.Named, bool) {
		if arn == "" {
			return nil, true
		}
		snap.boundaryUse[arn]++
		pe := snap.policies[arn]
		if pe == nil || pe.compiled == nil {
			return nil, false
		}
		return &policy.Named{Name: pe.Name, Policy: pe.compiled}, true
	}

	groups, err := listCached[Group](r, kindGroup, dc)
	if err != nil {
		return nil, err
	}
	for _, g := range groups {
		e := &GroupEntry{Group: *g, arn: g.ARN()}
		var ok1, ok2 bool
		e.identity, ok1 = inline(g.Inline, nil)
		e.identity, ok2 = attached(g.Attached, e.identity)
		e.broken = !ok1 || !ok2
		snap.groups[entityKey(g.Account, g.Name)] = e
	}
	users, err := listCached[User](r, kindUser, dc)
	if err != nil {
		return nil, err
	}
	for _, u := range users {
		e := &UserEntry{User: *u, arn: u.ARN(), tagKeys: principalTagKeys(u.Tags)}
		var ok1, ok2, ok3 bool
		e.identity, ok1 = inline(u.Inline, nil)
		e.identity, ok2 = attached(u.Attached, e.identity)
		e.boundary, ok3 = boundary(u.Boundary)
		e.broken = !ok1 || !ok2 || !ok3
		for _, gn := range u.Groups {
			gk := entityKey(u.Account, gn)
			g := snap.groups[gk]
			if g == nil {
				continue
			}
			e.identity = append(e.identity, g.identity...)
			e.broken = e.broken || g.broken
			snap.members[gk] = append(snap.members[gk], e)
		}
		e.principal = &authn.Principal{Kind: authn.User, ARN: e.arn, AccountID: u.Account, UserID: u.ID,
			UniqueID: u.ID, UserName: u.Name, Path: u.Path}
		snap.users[entityKey(u.Account, u.Name)] = e
	}
	roles, err := listCached[Role](r, kindRole, dc)
	if err != nil {
		return nil, err
	}
	roleIDs := make(map[string]string, len(roles))
	for _, ro := range roles {
		roleIDs[ro.ARN()] = ro.ID
	}
	for _, ro := range roles {
		e := &RoleEntry{Role: *ro, arn: ro.ARN(), tagKeys: principalTagKeys(ro.Tags)}
		e.TrustPolicy = boundTrust(ro, snap, roleIDs)
		var ok1, ok2, ok3 bool
		e.identity, ok1 = inline(ro.Inline, nil)
		e.identity, ok2 = attached(ro.Attached, e.identity)
		e.boundary, ok3 = boundary(ro.Boundary)
		e.broken = !ok1 || !ok2 || !ok3
		if e.trust, err = c.compile(e.TrustPolicy, policy.TypeTrust); err != nil {
			s.log.Error("stored trust policy does not compile", "role", e.arn, "err", err)
		}
		snap.roles[entityKey(ro.Account, ro.Name)] = e
	}
	keys, err := listCached[AccessKey](r, kindAccessKey, dc)
	if err != nil {
		return nil, err
	}
	for _, k := range keys {
		e := &KeyEntry{AccessKey: *k}
		secret, ok := oldSecrets[k.ID+"\x00"+k.Secret]
		if !ok {
			var err error
			if secret, err = s.box.Open(k.Secret, k.ID); err != nil {
				s.log.Error("access key secret does not open with the master key", "access_key_id", k.ID)
				continue
			}
		}
		curSecrets[k.ID+"\x00"+k.Secret] = secret
		e.secret = secret
		owner := k.Account + "/"
		if k.User == "" {
			if rp := snap.roots[k.Account]; rp != nil {
				p := *rp
				p.AccessKeyID = k.ID
				e.principal = &p
			}
		} else if u := snap.users[entityKey(k.Account, k.User)]; u != nil {
			p := *u.principal
			p.AccessKeyID = k.ID
			e.principal = &p
			e.userName = u.Name
			owner = entityKey(k.Account, k.User)
		}
		snap.keys[k.ID] = e
		snap.ownerKeys[owner] = append(snap.ownerKeys[owner], e)
	}
	oidcs, err := listCached[OIDCProvider](r, kindOIDC, dc)
	if err != nil {
		return nil, err
	}
	for _, o := range oidcs {
		snap.oidc[o.Account+"/"+strings.ToLower(o.URL)] = o
	}
	profiles, err := listCached[InstanceProfile](r, kindProfile, dc)
	if err != nil {
		return nil, err
	}
	for _, p := range profiles {
		snap.profiles[entityKey(p.Account, p.Name)] = p
		for _, rn := range p.Roles {
			rk := entityKey(p.Account, rn)
			snap.roleProfiles[rk] = append(snap.roleProfiles[rk], p)
		}
	}
	for _, ps := range snap.roleProfiles {
		sort.Slice(ps, func(i, j int) bool { return strings.ToLower(ps[i].Name) < strings.ToLower(ps[j].Name) })
	}
	if snap.tokenKeys, err = s.loadTokenKeys(r); err != nil {
		return nil, err
	}
	for _, ks := range snap.ownerKeys {
		sort.Slice(ks, func(i, j int) bool { return ks[i].Created.Before(ks[j].Created) })
	}
	return snap, nil
}

// boundTrust returns the role's trust policy with every principal whose
// entity was deleted (or deleted and re-created) since the policy was saved
// replaced by the unique id it was bound to, as IAM shows and evaluates it.
func boundTrust(ro *Role, snap *Snapshot, roleIDs map[string]string) string {
	doc := ro.TrustPolicy
	for arn, id := range ro.TrustIDs {
		cur := roleIDs[arn]
		if acct, res, ok := splitIAMARN(arn); ok && strings.HasPrefix(res, "user/") {
			cur = ""
			if u := snap.users[entityKey(acct, arnpkg.Name(res))]; u != nil && u.arn == arn {
				cur = u.ID
			}
		}
		if cur != id {
			doc = strings.ReplaceAll(doc, `"`+arn+`"`, `"`+id+`"`)
		}
	}
	return doc
}

func principalTagKeys(tags []authn.Tag) []string {
	out := make([]string, len(tags))
	for i, t := range tags {
		out[i] = "aws:PrincipalTag/" + t.Key
	}
	return out
}
