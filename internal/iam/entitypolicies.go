package iam

import (
	"encoding/json"
	"sort"
	"strings"

	arnpkg "github.com/gatehouse-dev/gatehouse/internal/arn"
	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/awsproto"
	"github.com/gatehouse-dev/gatehouse/internal/policy"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// entityType describes users, groups and roles for the operations they
// share (inline policies, attachments).
type entityType struct {
	name      string // "User", "Group", "Role"
	kind      string
	param     string // "UserName"
	member    string // "userName"
	noun      string // "user"
	maxInline int
}

var (
	etUser  = entityType{"User", kindUser, "UserName", "userName", "user", policy.MaxUserInlineSize}
	etGroup = entityType{"Group", kindGroup, "GroupName", "groupName", "group", policy.MaxGroupInlineSize}
	etRole  = entityType{"Role", kindRole, "RoleName", "roleName", "role", policy.MaxRoleInlineSize}
)

// holder is the part of a user, group or role these operations change.
type holder struct {
	inline   *[]InlinePolicy
	attached *[]string
	boundary *string
	v        any
}

func (et entityType) load(tx store.Reader, account, name string) (*holder, error) {
	key := entityKey(account, name)
	switch et.kind {
	case kindUser:
		u, err := getJSON[User](tx, kindUser, key)
		if err != nil || u == nil {
			return nil, firstErr(err, et.noSuch(name))
		}
		return &holder{&u.Inline, &u.Attached, &u.Boundary, u}, nil
	case kindGroup:
		g, err := getJSON[Group](tx, kindGroup, key)
		if err != nil || g == nil {
			return nil, firstErr(err, et.noSuch(name))
		}
		return &holder{&g.Inline, &g.Attached, nil, g}, nil
	default:
		r, err := getJSON[Role](tx, kindRole, key)
		if err != nil || r == nil {
			return nil, firstErr(err, et.noSuch(name))
		}
		return &holder{&r.Inline, &r.Attached, &r.Boundary, r}, nil
	}
}

func (et entityType) noSuch(name string) error {
	return awserr.NoSuchEntity.Errorf("The %s with name %s cannot be found.", et.noun, name)
}

// target resolves the entity parameter from the snapshot and authorizes.
func (c *call) entity(et entityType, name string, fill func(*policy.Context)) (string, error) {
	if name == "" {
		return "", validation("", et.member, "Member must not be null")
	}
	var arn string
	switch et.kind {
	case kindUser:
		if u := c.snap.User(c.account(), name); u != nil {
			arn, name = u.arn, u.Name
		}
	case kindGroup:
		if g := c.snap.groups.get(entityKey(c.account(), name)); g != nil {
			arn, name = g.arn, g.Name
		}
	default:
		if r := c.snap.Role(c.account(), name); r != nil {
			arn, name = r.arn, r.Name
		}
	}
	res := arn
	if res == "" {
		res = arnpkg.IAM(c.account(), et.noun+"/"+name)
	}
	if err := c.allow(res, fill); err != nil {
		return "", err
	}
	if arn == "" {
		return "", et.noSuch(name)
	}
	return name, nil
}

func (c *call) modifyEntity(et entityType, name string, fn func(h *holder) error) error {
	return c.update(func(tx store.Tx) error {
		h, err := et.load(tx, c.account(), name)
		if err != nil {
			return err
		}
		if err := fn(h); err != nil {
			return err
		}
		b, err := json.Marshal(h.v)
		if err != nil {
			return err
		}
		return tx.Put(et.kind, entityKey(c.account(), name), b)
	})
}

func policyARNFill(arn string) func(*policy.Context) {
	return func(pc *policy.Context) { pc.Set("iam:PolicyARN", arn) }
}

func opAttach(et entityType) func(*call, *attachPolicyIn) (*noOutput, error) {
	return func(c *call, in *attachPolicyIn) (*noOutput, error) {
		arn := in.PolicyArn
		if arn == "" {
			return nil, validation("", "policyArn", "Member must not be null")
		}
		name, err := c.entity(et, in.name(et), policyARNFill(arn))
		if err != nil {
			return nil, err
		}
		if pe := c.snap.Policy(arn); pe == nil || pe.Account != c.account() && pe.Account != awsAccount {
			if _, err := arnpkg.Parse(arn); err != nil {
				return nil, awserr.InvalidInput.Errorf("ARN %s is not valid.", arn)
			}
			return nil, awserr.NoSuchEntity.Errorf("Policy %s does not exist or is not attachable.", arn)
		}
		return done(c.modifyEntity(et, name, func(h *holder) error {
			for _, a := range *h.attached {
				if a == arn {
					return nil
				}
			}
			// AWS's default quota of managed policies attached to a user,
			// group or role is 10 (IAM User Guide, "IAM and AWS STS quotas";
			// users and roles may ask for more, gatehouse has no such request).
			const quota = 10
			if len(*h.attached) >= quota {
				return awserr.LimitExceeded.Errorf("Cannot exceed quota for PoliciesPer%s: %d", et.name, quota)
			}
			*h.attached = append(*h.attached, arn)
			return nil
		}))
	}
}

func opDetach(et entityType) func(*call, *attachPolicyIn) (*noOutput, error) {
	return func(c *call, in *attachPolicyIn) (*noOutput, error) {
		arn := in.PolicyArn
		name, err := c.entity(et, in.name(et), policyARNFill(arn))
		if err != nil {
			return nil, err
		}
		return done(c.modifyEntity(et, name, func(h *holder) error {
			out := (*h.attached)[:0]
			found := false
			for _, a := range *h.attached {
				if a == arn {
					found = true
				} else {
					out = append(out, a)
				}
			}
			if !found {
				return awserr.NoSuchEntity.Errorf("Policy %s was not found.", arn)
			}
			*h.attached = out
			return nil
		}))
	}
}

type xmlAttached struct {
	PolicyName string
	PolicyArn  string
}

func opListAttached(et entityType) func(*call, *listAttachedPoliciesIn) (*listAttachedPoliciesOut, error) {
	return func(c *call, in *listAttachedPoliciesIn) (*listAttachedPoliciesOut, error) {
		name, err := c.entity(et, in.name(et), nil)
		if err != nil {
			return nil, err
		}
		h, err := et.load(snapReader{c}, c.account(), name)
		if err != nil {
			return nil, err
		}
		prefix := in.PathPrefix
		var out []xmlAttached
		for _, a := range *h.attached {
			pe := c.snap.Policy(a)
			if pe == nil || prefix != "" && !strings.HasPrefix(pe.Path, prefix) {
				continue
			}
			out = append(out, xmlAttached{PolicyName: pe.Name, PolicyArn: a})
		}
		sort.Slice(out, func(i, j int) bool { return out[i].PolicyArn < out[j].PolicyArn })
		pg, marker, trunc, err := page(in.Marker, in.MaxItems, out, func(x xmlAttached) string { return x.PolicyArn })
		if err != nil {
			return nil, err
		}
		return &listAttachedPoliciesOut{list(pg), trunc, marker}, nil
	}
}

// snapReader reads entity records from the snapshot instead of the store
// (read-only operations never touch the store).
type snapReader struct{ c *call }

func (r snapReader) Get(kind, key string) (store.Record, error) {
	var v any
	switch kind {
	case kindUser:
		if e := r.c.snap.users.get(key); e != nil {
			v = &e.User
		}
	case kindGroup:
		if e := r.c.snap.groups.get(key); e != nil {
			v = &e.Group
		}
	case kindRole:
		if e := r.c.snap.roles.get(key); e != nil {
			v = &e.Role
		}
	}
	if v == nil {
		return store.Record{}, store.ErrNotFound
	}
	b, err := json.Marshal(v)
	return store.Record{Kind: kind, Key: key, Value: b}, err
}

func (r snapReader) List(kind, prefix string) ([]store.Record, error) { return nil, nil }

func opPutInline(et entityType) func(*call, *putInlinePolicyIn) (*noOutput, error) {
	return func(c *call, in *putInlinePolicyIn) (*noOutput, error) {
		name, err := c.entity(et, in.name(et), nil)
		if err != nil {
			return nil, err
		}
		pn := in.PolicyName
		if err := checkName(pn, "policyName", 128); err != nil {
			return nil, err
		}
		doc := in.PolicyDocument
		if _, err := parseDoc(doc, policy.TypeIdentity, false, 0); err != nil {
			return nil, err
		}
		return done(c.modifyEntity(et, name, func(h *holder) error {
			replaced := false
			size := policy.Size([]byte(doc))
			for i, ip := range *h.inline {
				if ip.Name == pn {
					(*h.inline)[i].Document = doc
					replaced = true
				} else {
					size += policy.Size([]byte(ip.Document))
				}
			}
			if size > et.maxInline {
				return awserr.LimitExceeded.Errorf("Maximum policy size of %d bytes exceeded for %s %s", et.maxInline, et.noun, name)
			}
			if !replaced {
				*h.inline = append(*h.inline, InlinePolicy{Name: pn, Document: doc})
			}
			return nil
		}))
	}
}

func (et entityType) noSuchInline(pn string) error {
	return awserr.NoSuchEntity.Errorf("The %s policy with name %s cannot be found.", et.noun, pn)
}

func opGetInline(et entityType) func(*call, *inlinePolicyIn) (*inlineResult, error) {
	return func(c *call, in *inlinePolicyIn) (*inlineResult, error) {
		name, err := c.entity(et, in.name(et), nil)
		if err != nil {
			return nil, err
		}
		pn := in.PolicyName
		h, err := et.load(snapReader{c}, c.account(), name)
		if err != nil {
			return nil, err
		}
		for _, ip := range *h.inline {
			if ip.Name == pn {
				return &inlineResult{et: et, entity: name, name: pn, doc: encodeDoc(ip.Document)}, nil
			}
		}
		return nil, et.noSuchInline(pn)
	}
}

// inlineResult renders {User|Group|Role}Name, PolicyName, PolicyDocument.
type inlineResult struct {
	et                entityType
	entity, name, doc string
}

// WriteXML implements awsproto.XMLResult.
func (r inlineResult) WriteXML(x *awsproto.XMLWriter) {
	x.Element(r.et.param, r.entity)
	x.Element("PolicyName", r.name)
	x.Element("PolicyDocument", r.doc)
}

func opListInline(et entityType) func(*call, *listInlinePoliciesIn) (*listInlinePoliciesOut, error) {
	return func(c *call, in *listInlinePoliciesIn) (*listInlinePoliciesOut, error) {
		name, err := c.entity(et, in.name(et), nil)
		if err != nil {
			return nil, err
		}
		h, err := et.load(snapReader{c}, c.account(), name)
		if err != nil {
			return nil, err
		}
		var names []string
		for _, ip := range *h.inline {
			names = append(names, ip.Name)
		}
		sort.Strings(names)
		pg, marker, trunc, err := page(in.Marker, in.MaxItems, names, func(s string) string { return s })
		if err != nil {
			return nil, err
		}
		return &listInlinePoliciesOut{list(pg), trunc, marker}, nil
	}
}

func opDeleteInline(et entityType) func(*call, *inlinePolicyIn) (*noOutput, error) {
	return func(c *call, in *inlinePolicyIn) (*noOutput, error) {
		name, err := c.entity(et, in.name(et), nil)
		if err != nil {
			return nil, err
		}
		pn := in.PolicyName
		return done(c.modifyEntity(et, name, func(h *holder) error {
			out := (*h.inline)[:0]
			found := false
			for _, ip := range *h.inline {
				if ip.Name == pn {
					found = true
				} else {
					out = append(out, ip)
				}
			}
			if !found {
				return et.noSuchInline(pn)
			}
			*h.inline = out
			return nil
		}))
	}
}

func opPutBoundary(et entityType) func(*call, *putBoundaryIn) (*noOutput, error) {
	return func(c *call, in *putBoundaryIn) (*noOutput, error) {
		arn := in.PermissionsBoundary
		name, err := c.entity(et, in.name(et), func(pc *policy.Context) { pc.Set("iam:PermissionsBoundary", arn) })
		if err != nil {
			return nil, err
		}
		if arn == "" {
			return nil, validation("", "permissionsBoundary", "Member must not be null")
		}
		if err := c.checkPolicyExists(arn); err != nil {
			return nil, err
		}
		return done(c.modifyEntity(et, name, func(h *holder) error {
			*h.boundary = arn
			return nil
		}))
	}
}

func opDeleteBoundary(et entityType) func(*call, *entityIn) (*noOutput, error) {
	return func(c *call, in *entityIn) (*noOutput, error) {
		name, err := c.entity(et, in.name(et), nil)
		if err != nil {
			return nil, err
		}
		return done(c.modifyEntity(et, name, func(h *holder) error {
			*h.boundary = ""
			return nil
		}))
	}
}

// entityIn names the user, group or role of an operation shared by the
// three (its entityType says which member it reads).
type entityIn struct{ UserName, GroupName, RoleName string }

func (in *entityIn) name(et entityType) string {
	switch et.kind {
	case kindUser:
		return in.UserName
	case kindGroup:
		return in.GroupName
	}
	return in.RoleName
}

type attachPolicyIn struct {
	entityIn
	PolicyArn string
}

type listAttachedPoliciesIn struct {
	entityIn
	PathPrefix, Marker, MaxItems string
}

type listAttachedPoliciesOut struct {
	AttachedPolicies *members[xmlAttached]
	IsTruncated      bool
	Marker           string `xml:",omitempty"`
}

type putInlinePolicyIn struct {
	entityIn
	PolicyName, PolicyDocument string
}

type inlinePolicyIn struct {
	entityIn
	PolicyName string
}

type listInlinePoliciesIn struct {
	entityIn
	Marker, MaxItems string
}

type listInlinePoliciesOut struct {
	PolicyNames *members[string]
	IsTruncated bool
	Marker      string `xml:",omitempty"`
}

type putBoundaryIn struct {
	entityIn
	PermissionsBoundary string
}
