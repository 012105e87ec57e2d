package iam

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	arnpkg "github.com/gatehouse-dev/gatehouse/internal/arn"
	"github.com/gatehouse-dev/gatehouse/internal/authn"
	"github.com/gatehouse-dev/gatehouse/internal/policy"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// Snapshots are made in one way: applyDiff takes a snapshot and the records
// written and deleted since it, and recomputes the entries those records
// are, and the entries that depend on them (found through the snapshot's
// derived indexes): a managed policy's attachers, a group's members, a
// user's access keys, the roles whose trust policy names a user or role.
// A full build (start-up, recovery, backends without diffs) is the same
// step from the empty snapshot with every record as written, so the two
// paths cannot drift apart; TestSnapshotIncrementalEqualsFull checks that
// the dependency tracking leaves nothing stale.

var iamKinds = []string{kindAccount, kindPolicy, kindGroup, kindUser, kindRole, kindAccessKey, kindOIDC, kindProfile, kindTokenKey}

// buildSnapshot builds a snapshot from a full read. Access keys, the bulk
// of a large store (ten per user), are streamed in after everything else
// rather than decoded into the diff: one record in memory at a time, read
// by keyDecoder, with no secret opened (KeyEntry), so that a million keys
// start in seconds within a bounded heap (issue #17). The result is the
// same as applying every record as one diff (TestSnapshotIncrementalEqualsFull).
func (s *Service) buildSnapshot(ctx context.Context, r store.Reader) (*Snapshot, error) {
	var d store.Diff
	read := listReader{}
	for _, kind := range iamKinds {
		if kind == kindAccessKey {
			continue
		}
		recs, err := r.List(kind, "")
		if err != nil {
			return nil, err
		}
		d.Changed = append(d.Changed, recs...)
		read[kind] = recs
	}
	// Everything but the keys is built on another goroutine while this
	// one streams the keys in: the two do not depend on each other until
	// the keys are linked to their owners below, and on a 2-core machine
	// that overlap was a third of a million-key start-up (issue #17). The
	// other goroutine reads only what was listed above, never r, which
	// belongs to this one.
	type built struct {
		snap *Snapshot
		err  error
	}
	done := make(chan built, 1)
	go func() {
		snap, err := s.applyDiff(ctx, read, &Snapshot{}, d)
		done <- built{snap, err}
	}()
	// The keys themselves are read in keyScanParts key ranges at once,
	// each into its own loader (store.ScanParts), and joined in order.
	lds := make([]*baseLoader, keyScanParts)
	for i := range lds {
		lds[i] = newBaseLoader()
	}
	err := store.ScanParts(r, kindAccessKey, "", keyScanParts, func(p int, rec store.Record) error {
		if err := lds[p].add(rec.Value); err != nil {
			return fmt.Errorf("%s %s: %w", rec.Kind, rec.Key, err)
		}
		return nil
	})
	res := <-done
	if err != nil {
		return nil, err
	}
	if res.err != nil {
		return nil, res.err
	}
	snap := res.snap
	base := joinLoaders(lds)
	caches := make([]keyCache, base.n)
	for i := range base.n {
		base.at(i).cache = &caches[i]
	}
	snap.keys = keyTable{base: base, n: base.n}
	snap.ownerKeys = ownerIndex{base: linkOwners(base, snap)}
	// snap is not published yet: completing it in place is safe.
	return snap, nil
}

// keyScanParts is how many key ranges a full build reads at once: two, for
// the two cores this was measured on (with the other records' build on a
// third goroutine); more ranges cost a read transaction each and gain
// nothing without more cores.
const keyScanParts = 2

// listReader serves List from records read earlier, by kind (applyDiff's
// reads during a full build).
type listReader map[string][]store.Record

func (l listReader) Get(kind, key string) (store.Record, error) {
	for _, rec := range l[kind] {
		if rec.Key == key {
			return rec, nil
		}
	}
	return store.Record{}, store.ErrNotFound
}

func (l listReader) List(kind, prefix string) ([]store.Record, error) {
	var out []store.Record
	for _, rec := range l[kind] {
		if strings.HasPrefix(rec.Key, prefix) {
			out = append(out, rec)
		}
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

// entityRef names a user ("u"), group ("g") or role ("r") in policyRefs.
func entityRef(kind byte, key string) string { return string(kind) + key }

// changes holds the decoded records of one diff, by store key; a nil value
// is a deletion.
type changes struct {
	accounts  map[string]*Account
	policies  map[string]*ManagedPolicy
	groups    map[string]*Group
	users     map[string]*User
	roles     map[string]*Role
	keys      map[string]*AccessKey
	oidc      map[string]*OIDCProvider
	profiles  map[string]*InstanceProfile
	tokenKeys bool
}

func decodeInto[T any](m map[string]*T, rec store.Record) error {
	v := new(T)
	if err := json.Unmarshal(rec.Value, v); err != nil {
		return fmt.Errorf("%s %s: %w", rec.Kind, rec.Key, err)
	}
	m[rec.Key] = v
	return nil
}

func decodeDiff(d store.Diff) (*changes, error) {
	c := &changes{accounts: map[string]*Account{}, policies: map[string]*ManagedPolicy{}, groups: map[string]*Group{},
		users: map[string]*User{}, roles: map[string]*Role{}, keys: map[string]*AccessKey{}, oidc: map[string]*OIDCProvider{},
		profiles: map[string]*InstanceProfile{}}
	for _, k := range d.Deleted {
		switch k.Kind {
		case kindAccount:
			c.accounts[k.Key] = nil
		case kindPolicy:
			c.policies[k.Key] = nil
		case kindGroup:
			c.groups[k.Key] = nil
		case kindUser:
			c.users[k.Key] = nil
		case kindRole:
			c.roles[k.Key] = nil
		case kindAccessKey:
			c.keys[k.Key] = nil
		case kindOIDC:
			c.oidc[k.Key] = nil
		case kindProfile:
			c.profiles[k.Key] = nil
		case kindTokenKey:
			c.tokenKeys = true
		}
	}
	var rd rowDecoder
	for _, rec := range d.Changed {
		var err error
		switch rec.Kind {
		case kindAccount:
			err = decodeInto(c.accounts, rec)
		case kindPolicy:
			var v *ManagedPolicy
			if v, err = rd.policy(rec.Value); err == nil {
				c.policies[rec.Key] = v
			} else {
				err = fmt.Errorf("%s %s: %w", rec.Kind, rec.Key, err)
			}
		case kindGroup:
			err = decodeInto(c.groups, rec)
		case kindUser:
			var v *User
			if v, err = rd.user(rec.Value); err == nil {
				c.users[rec.Key] = v
			} else {
				err = fmt.Errorf("%s %s: %w", rec.Kind, rec.Key, err)
			}
		case kindRole:
			err = decodeInto(c.roles, rec)
		case kindAccessKey:
			err = decodeInto(c.keys, rec)
		case kindOIDC:
			err = decodeInto(c.oidc, rec)
		case kindProfile:
			err = decodeInto(c.profiles, rec)
		case kindTokenKey:
			c.tokenKeys = true
		}
		if err != nil {
			return nil, err
		}
	}
	return c, nil
}

// snapBuilder makes the next snapshot from prev; prev is never modified.
type snapBuilder struct {
	s        *Service
	accounts *pbuilder[*Account]
	users    *pbuilder[*UserEntry]
	groups   *pbuilder[*GroupEntry]
	roles    *pbuilder[*RoleEntry]
	policies *pbuilder[*PolicyEntry]
	byName   *pbuilder[*PolicyEntry]
	keys     *keyTableBuilder
	oidc     *pbuilder[*OIDCProvider]
	profiles *pbuilder[*InstanceProfile]
	rprofs   *pbuilder[pset]
	roots    *pbuilder[*authn.Principal]
	attach   *pbuilder[int]
	bound    *pbuilder[int]
	owners   *ownerIndexBuilder
	grefs    *pbuilder[pset]
	prefs    *pbuilder[pset]
	trefs    *pbuilder[pset]
	// compiled shares one compiled policy between identical documents
	// within a step (a full build compiles each distinct document once).
	compiled map[string]*policy.Policy
}

func (b *snapBuilder) compile(doc string, t policy.Type) (*policy.Policy, error) {
	k := string(rune('0'+t)) + doc
	if p, ok := b.compiled[k]; ok {
		return p, nil
	}
	p, err := policy.Parse([]byte(doc), policy.ParseOptions{Type: t})
	if err != nil {
		return nil, err
	}
	b.compiled[k] = p
	return p, nil
}

func addCount(m *pbuilder[int], k string, d int) {
	n := m.get(k) + d
	if n == 0 {
		m.del(k)
		return
	}
	m.set(k, n)
}

// applyDiff returns the snapshot that is prev with d applied.
func (s *Service) applyDiff(_ context.Context, r store.Reader, prev *Snapshot, d store.Diff) (*Snapshot, error) {
	ch, err := decodeDiff(d)
	if err != nil {
		return nil, err
	}
	b := &snapBuilder{s: s,
		accounts: prev.accounts.builder(), users: prev.users.builder(), groups: prev.groups.builder(),
		roles: prev.roles.builder(), policies: prev.policies.builder(), byName: prev.policyByName.builder(),
		keys: prev.keys.builder(), oidc: prev.oidc.builder(), roots: prev.roots.builder(),
		attach: prev.attachCount.builder(), bound: prev.boundaryUse.builder(), owners: prev.ownerKeys.builder(),
		grefs: prev.groupRefs.builder(), prefs: prev.policyRefs.builder(), trefs: prev.trustRefs.builder(),
		profiles: prev.profiles.builder(), rprofs: prev.roleProfs.builder(),
		compiled: map[string]*policy.Policy{}}

	dirtyKeys := map[string]bool{}
	dirtyUsers := map[string]bool{}
	dirtyGroups := map[string]bool{}
	dirtyRoles := map[string]bool{}
	markKeysOf := func(owner string) {
		for id := range b.owners.keys(owner) {
			dirtyKeys[id] = true
		}
	}
	markPolicyUsers := func(arn string) {
		for ref := range b.prefs.get(arn).keys() {
			switch ref[0] {
			case 'u':
				dirtyUsers[ref[1:]] = true
			case 'g':
				dirtyGroups[ref[1:]] = true
			case 'r':
				dirtyRoles[ref[1:]] = true
			}
		}
	}
	markTrust := func(arn string) {
		for rk := range b.trefs.get(arn).keys() {
			dirtyRoles[rk] = true
		}
	}

	// Accounts: the root principal; root keys take theirs from it.
	for id, a := range ch.accounts {
		if a == nil {
			b.accounts.del(id)
			b.roots.del(id)
		} else {
			b.accounts.set(id, a)
			b.roots.set(id, &authn.Principal{Kind: authn.Root, ARN: authn.RootARN(a.ID), AccountID: a.ID, UserID: a.ID})
		}
		markKeysOf(id + "/")
	}

	// Managed policies, then whatever attaches them (under the old ARN
	// and the new one: an entity may name a policy not created yet).
	for key, p := range ch.policies {
		if old := b.byName.get(key); old != nil {
			b.policies.del(old.arn)
			b.byName.del(key)
			markPolicyUsers(old.arn)
		}
		if p == nil {
			continue
		}
		e := &PolicyEntry{ManagedPolicy: *p, arn: p.ARN()}
		if v := p.Version(p.DefaultVersion); v != nil {
			if e.compiled, err = b.compile(v.Document, policy.TypeIdentity); err != nil {
				s.log.Error("stored managed policy does not compile", "arn", e.arn, "err", err)
			}
		}
		b.policies.set(e.arn, e)
		b.byName.set(key, e)
		markPolicyUsers(e.arn)
	}

	// Groups: their members' identity includes the group's policies.
	for k := range ch.groups {
		dirtyGroups[k] = true
	}
	for gk := range dirtyGroups {
		old := b.groups.get(gk)
		raw, changed := ch.groups[gk]
		if !changed && old != nil {
			raw = &old.Group
		}
		if old != nil {
			b.unrefPolicies('g', gk, old.Attached, "")
		}
		if raw == nil {
			b.groups.del(gk)
		} else {
			e := &GroupEntry{Group: *raw, arn: raw.ARN()}
			var ok1, ok2 bool
			e.identity, ok1 = b.inline(raw.Inline, nil)
			e.identity, ok2 = b.attached(raw.Attached, e.identity)
			e.broken = !ok1 || !ok2
			b.refPolicies('g', gk, raw.Attached, "")
			b.groups.set(gk, e)
		}
		for uk := range b.grefs.get(gk).keys() {
			dirtyUsers[uk] = true
		}
	}

	// Users: their keys carry a copy of the principal; trust policies
	// bound to a user's unique id depend on whether it still exists.
	for k := range ch.users {
		dirtyUsers[k] = true
	}
	for uk := range dirtyUsers {
		old := b.users.get(uk)
		raw, changed := ch.users[uk]
		if !changed && old != nil {
			raw = &old.User
		}
		if old != nil {
			b.unrefPolicies('u', uk, old.Attached, old.Boundary)
			for _, gn := range old.Groups {
				setRemove(b.grefs, entityKey(old.Account, gn), uk)
			}
			markTrust(old.arn)
		}
		markKeysOf(uk)
		if raw == nil {
			b.users.del(uk)
			continue
		}
		e := &UserEntry{User: *raw, arn: raw.ARN(), tagKeys: principalTagKeys(raw.Tags)}
		var ok1, ok2, ok3 bool
		e.identity, ok1 = b.inline(raw.Inline, nil)
		e.identity, ok2 = b.attached(raw.Attached, e.identity)
		e.boundary, ok3 = b.boundary(raw.Boundary)
		e.broken = !ok1 || !ok2 || !ok3
		b.refPolicies('u', uk, raw.Attached, raw.Boundary)
		for _, gn := range raw.Groups {
			gk := entityKey(raw.Account, gn)
			setAdd(b.grefs, gk, uk)
			g := b.groups.get(gk)
			if g == nil {
				continue
			}
			e.identity = append(e.identity, g.identity...)
			e.broken = e.broken || g.broken
		}
		e.principal = &authn.Principal{Kind: authn.User, ARN: e.arn, AccountID: raw.Account, UserID: raw.ID,
			UniqueID: raw.ID, UserName: raw.Name, Path: raw.Path}
		b.users.set(uk, e)
		markTrust(e.arn)
	}

	// Roles, in two passes: first every changed role's record (so that
	// trust policies bound to role ids see every role as it is now), then
	// each dirty role's compiled entry.
	for rk, raw := range ch.roles {
		dirtyRoles[rk] = true
		if old := b.roles.get(rk); old != nil {
			markTrust(old.arn)
		}
		if raw == nil {
			b.roles.del(rk)
		} else {
			b.roles.set(rk, &RoleEntry{Role: *raw, arn: raw.ARN(), storedTrust: raw.TrustPolicy})
			markTrust(raw.ARN())
		}
	}
	for rk := range dirtyRoles {
		old := prev.roles.get(rk)
		cur := b.roles.get(rk)
		raw, changed := ch.roles[rk]
		if !changed && cur != nil {
			r := cur.Role
			r.TrustPolicy = cur.storedTrust
			raw = &r
		}
		if old != nil {
			b.unrefPolicies('r', rk, old.Attached, old.Boundary)
			for arn := range old.TrustIDs {
				setRemove(b.trefs, arn, rk)
			}
		}
		if raw == nil {
			b.roles.del(rk)
			continue
		}
		e := &RoleEntry{Role: *raw, storedTrust: raw.TrustPolicy, arn: raw.ARN(), tagKeys: principalTagKeys(raw.Tags)}
		e.TrustPolicy = b.boundTrust(raw)
		var ok1, ok2, ok3 bool
		e.identity, ok1 = b.inline(raw.Inline, nil)
		e.identity, ok2 = b.attached(raw.Attached, e.identity)
		e.boundary, ok3 = b.boundary(raw.Boundary)
		e.broken = !ok1 || !ok2 || !ok3
		if e.trust, err = b.compile(e.TrustPolicy, policy.TypeTrust); err != nil {
			s.log.Error("stored trust policy does not compile", "role", e.arn, "err", err)
		}
		b.refPolicies('r', rk, raw.Attached, raw.Boundary)
		for arn := range raw.TrustIDs {
			setAdd(b.trefs, arn, rk)
		}
		b.roles.set(rk, e)
	}

	// Access keys: the secret (opened only when it changed) and a copy of
	// the owner's principal.
	for id := range ch.keys {
		dirtyKeys[id] = true
	}
	for id := range dirtyKeys {
		old := b.keys.get(id)
		raw, changed := ch.keys[id]
		if !changed && old != nil {
			raw = &old.AccessKey
		} else if !changed {
			continue // not in the snapshot (nothing lists it)
		}
		if old != nil {
			b.owners.remove(keyOwner(&old.AccessKey), id)
		}
		if raw == nil {
			b.keys.del(id)
			continue
		}
		b.putKey(id, raw)
	}

	for k, o := range ch.oidc {
		if o == nil {
			b.oidc.del(k)
		} else {
			b.oidc.set(k, o)
		}
	}

	// Instance profiles: the index from a role to the profiles holding it
	// (a profile names its roles; a role in a profile cannot be deleted).
	for k, p := range ch.profiles {
		if old := b.profiles.get(k); old != nil {
			for _, rn := range old.Roles {
				setRemove(b.rprofs, entityKey(old.Account, rn), k)
			}
		}
		if p == nil {
			b.profiles.del(k)
			continue
		}
		b.profiles.set(k, p)
		for _, rn := range p.Roles {
			setAdd(b.rprofs, entityKey(p.Account, rn), k)
		}
	}

	next := &Snapshot{
		accounts: b.accounts.done(), users: b.users.done(), groups: b.groups.done(), roles: b.roles.done(),
		policies: b.policies.done(), policyByName: b.byName.done(), keys: b.keys.done(), oidc: b.oidc.done(),
		roots: b.roots.done(), tokenKeys: prev.tokenKeys, opener: &keyOpener{box: s.box, log: s.log}, lists: &listCache{}, attachCount: b.attach.done(), boundaryUse: b.bound.done(),
		ownerKeys: b.owners.done(), groupRefs: b.grefs.done(), policyRefs: b.prefs.done(), trustRefs: b.trefs.done(),
		profiles: b.profiles.done(), roleProfs: b.rprofs.done(),
	}
	if ch.tokenKeys {
		if next.tokenKeys, err = s.loadTokenKeys(r); err != nil {
			return nil, err
		}
	}
	return next, nil
}

// putKey adds (or replaces) the entry of access key id: the record and a
// pointer to its owner's principal; the secret is opened on first use.
func (b *snapBuilder) putKey(id string, raw *AccessKey) {
	owner := keyOwner(raw)
	e := &KeyEntry{AccessKey: *raw, cache: &keyCache{}}
	b.owners.add(owner, id)
	if raw.User == "" {
		e.owner = b.roots.get(raw.Account)
	} else if u := b.users.get(owner); u != nil {
		e.owner = u.principal
	}
	b.keys.set(id, e)
}

// keyOwner is the ownerKeys index key of an access key.
func keyOwner(k *AccessKey) string {
	if k.User == "" {
		return k.Account + "/"
	}
	return entityKey(k.Account, k.User)
}

// refPolicies and unrefPolicies keep policyRefs, attachCount and
// boundaryUse in step with an entity's attachments.
// An AWS managed policy is counted per account (useKey); it never changes,
// so its policyRefs entry only serves the counts' symmetry.
func (b *snapBuilder) refPolicies(kind byte, key string, attached []string, boundary string) {
	ref, acct := entityRef(kind, key), accountOfKey(key)
	for _, a := range attached {
		addCount(b.attach, useKey(acct, a), 1)
		setAdd(b.prefs, useKey(acct, a), ref)
	}
	if boundary != "" {
		addCount(b.bound, useKey(acct, boundary), 1)
		setAdd(b.prefs, useKey(acct, boundary), ref)
	}
}

func (b *snapBuilder) unrefPolicies(kind byte, key string, attached []string, boundary string) {
	ref, acct := entityRef(kind, key), accountOfKey(key)
	for _, a := range attached {
		addCount(b.attach, useKey(acct, a), -1)
		setRemove(b.prefs, useKey(acct, a), ref)
	}
	if boundary != "" {
		addCount(b.bound, useKey(acct, boundary), -1)
		setRemove(b.prefs, useKey(acct, boundary), ref)
	}
}

// policy returns a customer managed policy as this step has it, or an AWS
// managed one.
func (b *snapBuilder) policy(arn string) *PolicyEntry {
	if pe := b.policies.get(arn); pe != nil {
		return pe
	}
	return awsManaged(arn)
}

// attached resolves managed policy ARNs; ok is false if one is missing or
// broken (the entity then fails closed).
func (b *snapBuilder) attached(arns []string, out []policy.Named) ([]policy.Named, bool) {
	ok := true
	for _, a := range arns {
		if pe := b.policy(a); pe != nil && pe.compiled != nil {
			out = append(out, policy.Named{Name: pe.Name, Policy: pe.compiled})
		} else {
			ok = false
		}
	}
	return out, ok
}

func (b *snapBuilder) inline(list []InlinePolicy, out []policy.Named) ([]policy.Named, bool) {
	ok := true
	for _, ip := range list {
		p, err := b.compile(ip.Document, policy.TypeIdentity)
		if err != nil {
			ok = false
			continue
		}
		out = append(out, policy.Named{Name: ip.Name, Policy: p})
	}
	return out, ok
}

func (b *snapBuilder) boundary(arn string) (*policy.Named, bool) {
	if arn == "" {
		return nil, true
	}
	pe := b.policy(arn)
	if pe == nil || pe.compiled == nil {
		return nil, false
	}
	return &policy.Named{Name: pe.Name, Policy: pe.compiled}, true
}

// boundTrust returns the role's trust policy with every principal whose
// entity was deleted (or deleted and re-created) since the policy was saved
// replaced by the unique id it was bound to, as IAM shows and evaluates it.
func (b *snapBuilder) boundTrust(ro *Role) string {
	doc := ro.TrustPolicy
	for arn, id := range ro.TrustIDs {
		cur := ""
		if acct, res, ok := splitIAMARN(arn); ok {
			name := arnpkg.Name(res)
			switch {
			case strings.HasPrefix(res, "user/"):
				if u := b.users.get(entityKey(acct, name)); u != nil && u.arn == arn {
					cur = u.ID
				}
			case strings.HasPrefix(res, "role/"):
				if r := b.roles.get(entityKey(acct, name)); r != nil && r.arn == arn {
					cur = r.ID
				}
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
