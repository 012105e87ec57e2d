package iam

import (
	"strconv"
	"strings"

	arnpkg "github.com/gatehouse-dev/gatehouse/internal/arn"
	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/policy"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

type xmlRoleLastUsed struct {
	LastUsedDate string `xml:",omitempty"`
	Region       string `xml:",omitempty"`
}

type xmlRole struct {
	Path                     string
	RoleName                 string
	RoleId                   string
	Arn                      string
	CreateDate               string
	AssumeRolePolicyDocument string
	Description              string           `xml:",omitempty"`
	MaxSessionDuration       int              `xml:",omitempty"`
	PermissionsBoundary      *xmlBoundary     `xml:",omitempty"`
	Tags                     *members[xmlTag] `xml:",omitempty"`
	RoleLastUsed             *xmlRoleLastUsed `xml:",omitempty"`
}

func roleXML(r *Role, full bool) xmlRole {
	x := xmlRole{Path: r.Path, RoleName: r.Name, RoleId: r.ID, Arn: r.ARN(), CreateDate: isoTime(r.Created),
		AssumeRolePolicyDocument: encodeDoc(r.TrustPolicy), Description: r.Description, MaxSessionDuration: r.MaxSessionDuration}
	if full {
		x.PermissionsBoundary = boundaryXML(r.Boundary)
		x.Tags = xmlTags(r.Tags)
		x.RoleLastUsed = &xmlRoleLastUsed{}
	}
	return x
}

func noSuchRole(name string) error {
	return awserr.NoSuchEntity.Errorf("The role with name %s cannot be found.", name)
}

// checkTrustPrincipals rejects trust policies that name users or roles
// that do not exist, as IAM does.
func (c *call) checkTrustPrincipals(p *policy.Policy, doc string) (map[string]string, error) {
	ids := map[string]string{}
	for _, arn := range trustARNs(doc) {
		acct, res, ok := splitIAMARN(arn)
		if !ok || c.snap.accounts.get(acct) == nil {
			continue
		}
		id := ""
		switch {
		case strings.HasPrefix(res, "user/"):
			if u := c.snap.users.get(entityKey(acct, arnpkg.Name(res))); u != nil && u.arn == arn {
				id = u.ID
			}
		case strings.HasPrefix(res, "role/"):
			if r := c.snap.roles.get(entityKey(acct, arnpkg.Name(res))); r != nil && r.arn == arn {
				id = r.ID
			}
		default:
			continue
		}
		if id == "" {
			return nil, awserr.MalformedPolicyDocument.Errorf(`Invalid principal in policy: "AWS":"%s"`, arn)
		}
		ids[arn] = id
	}
	return ids, nil
}

func opCreateRole(c *call, in *createRoleIn) (*createRoleOut, error) {
	name := in.RoleName
	if err := checkName(name, "roleName", 64); err != nil {
		return nil, err
	}
	path, err := checkPath(in.Path, "path", pathRE)
	if err != nil {
		return nil, err
	}
	tags, err := parseTags(in.Tags)
	if err != nil {
		return nil, err
	}
	maxDur := 3600
	if v := in.MaxSessionDuration; v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 3600 || n > 43200 {
			return nil, validation(v, "maxSessionDuration", "Member must have value between 3600 and 43200")
		}
		maxDur = n
	}
	desc := in.Description
	if len(desc) > 1000 {
		return nil, validation(desc, "description", "Member must have length less than or equal to 1000")
	}
	pb := in.PermissionsBoundary
	fill := tagContext(tags)
	if pb != "" {
		prev := fill
		fill = func(pc *policy.Context) {
			if prev != nil {
				prev(pc)
			}
			pc.Set("iam:PermissionsBoundary", pb)
		}
	}
	if err := c.allow(roleARN(c.account(), path, name), fill); err != nil {
		return nil, err
	}
	doc := in.AssumeRolePolicyDocument
	tp, err := parseDoc(doc, policy.TypeTrust, false, policy.MaxTrustPolicySize)
	if err != nil {
		return nil, err
	}
	trustIDs, err := c.checkTrustPrincipals(tp, doc)
	if err != nil {
		return nil, err
	}
	if err := c.checkPolicyExists(pb); err != nil {
		return nil, err
	}
	r := &Role{Account: c.account(), Name: name, Path: path, ID: NewID("AROA", c.account(), 21), Created: c.s.now().UTC(),
		TrustPolicy: doc, TrustIDs: trustIDs, Description: desc, MaxSessionDuration: maxDur, Boundary: pb, Tags: tags}
	err = c.update(func(tx store.Tx) error {
		if err := createJSON(tx, kindRole, entityKey(r.Account, name), r); err == store.ErrExists {
			return awserr.EntityAlreadyExists.Errorf("Role with name %s already exists.", name)
		} else {
			return err
		}
	})
	if err != nil {
		return nil, err
	}
	// CreateRole answers with the boundary and tags it was given (GetRole's
	// shape without RoleLastUsed), as AWS does.
	x := roleXML(r, false)
	x.PermissionsBoundary, x.Tags = boundaryXML(r.Boundary), xmlTags(r.Tags)
	return &createRoleOut{x}, nil
}

// roleTarget resolves and authorizes RoleName.
func (c *call) roleTarget(name string, fill func(*policy.Context)) (*RoleEntry, error) {
	if name == "" {
		return nil, validation("", "roleName", "Member must not be null")
	}
	r := c.snap.Role(c.account(), name)
	res := roleARN(c.account(), "/", name)
	if r != nil {
		res = r.arn
	}
	if err := c.allow(res, fill); err != nil {
		return nil, err
	}
	if r == nil {
		return nil, noSuchRole(name)
	}
	return r, nil
}

func (c *call) modifyRole(name string, fn func(tx store.Tx, r *Role) error) error {
	return modifyRecord(c, kindRole, name, noSuchRole, fn)
}

func opGetRole(c *call, in *getRoleIn) (*getRoleOut, error) {
	r, err := c.roleTarget(in.RoleName, nil)
	if err != nil {
		return nil, err
	}
	return &getRoleOut{roleXML(&r.Role, true)}, nil
}

func opListRoles(c *call, in *listRolesIn) (*listRolesOut, error) {
	pg, marker, trunc, err := listInPath(c, in.PathPrefix, in.Marker, in.MaxItems, "role", c.snap.roles.all(), func(r *RoleEntry) (string, string, string) { return r.Account, r.Path, r.Name })
	if err != nil {
		return nil, err
	}
	out := make([]xmlRole, len(pg))
	for i, r := range pg {
		out[i] = roleXML(&r.Role, false)
	}
	return &listRolesOut{list(out), trunc, marker}, nil
}

func opDeleteRole(c *call, in *deleteRoleIn) (*noOutput, error) {
	r, err := c.roleTarget(in.RoleName, nil)
	if err != nil {
		return done(err)
	}
	err = c.update(func(tx store.Tx) error {
		key := entityKey(r.Account, r.Name)
		cur, err := getJSON[Role](tx, kindRole, key)
		if err != nil || cur == nil {
			return firstErr(err, noSuchRole(r.Name))
		}
		if cur.LinkedService != "" {
			return protectedRole(cur.Name)
		}
		if len(cur.Inline) > 0 {
			return awserr.DeleteConflict.New("Cannot delete entity, must delete policies first.")
		}
		if len(cur.Attached) > 0 {
			return awserr.DeleteConflict.New("Cannot delete entity, must detach all policies first.")
		}
		// A role inside an instance profile cannot go (AWS: remove it
		// from the profile first). Read in the transaction, so a
		// concurrent AddRoleToInstanceProfile cannot slip between.
		profiles, err := listJSON[InstanceProfile](tx, kindProfile)
		if err != nil {
			return err
		}
		for _, p := range profiles {
			if p.Account != r.Account {
				continue
			}
			for _, rn := range p.Roles {
				if rn == strings.ToLower(r.Name) {
					return awserr.DeleteConflict.New("Cannot delete entity, must remove roles from instance profile first.")
				}
			}
		}
		return tx.Delete(kindRole, key)
	})
	return done(err)
}

func opUpdateRole(c *call, in *updateRoleIn) (*updateRoleOut, error) {
	r, err := c.roleTarget(in.RoleName, nil)
	if err != nil {
		return nil, err
	}
	var maxDur int
	if v := in.MaxSessionDuration; v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 3600 || n > 43200 {
			return nil, validation(v, "maxSessionDuration", "Member must have value between 3600 and 43200")
		}
		maxDur = n
	}
	desc, hasDesc := str(in.Description), in.Description != nil
	err = c.modifyRole(r.Name, func(_ store.Tx, cur *Role) error {
		if maxDur > 0 {
			cur.MaxSessionDuration = maxDur
		}
		if hasDesc {
			cur.Description = desc
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &updateRoleOut{}, nil
}

func opUpdateRoleDescription(c *call, in *updateRoleDescriptionIn) (*updateRoleDescriptionOut, error) {
	r, err := c.roleTarget(in.RoleName, nil)
	if err != nil {
		return nil, err
	}
	var out Role
	err = c.modifyRole(r.Name, func(_ store.Tx, cur *Role) error {
		cur.Description = in.Description
		out = *cur
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &updateRoleDescriptionOut{roleXML(&out, true)}, nil
}

func opUpdateAssumeRolePolicy(c *call, in *updateAssumeRolePolicyIn) (*noOutput, error) {
	r, err := c.roleTarget(in.RoleName, nil)
	if err != nil {
		return done(err)
	}
	doc := in.PolicyDocument
	tp, err := parseDoc(doc, policy.TypeTrust, false, policy.MaxTrustPolicySize)
	if err != nil {
		return done(err)
	}
	trustIDs, err := c.checkTrustPrincipals(tp, doc)
	if err != nil {
		return done(err)
	}
	return done(c.modifyRole(r.Name, func(_ store.Tx, cur *Role) error {
		cur.TrustPolicy = doc
		cur.TrustIDs = trustIDs
		return nil
	}))
}

func opTagRole(c *call, in *tagRoleIn) (*noOutput, error) {
	tags, err := parseTags(in.Tags)
	if err != nil {
		return done(err)
	}
	r, err := c.roleTarget(in.RoleName, tagContext(tags))
	if err != nil {
		return done(err)
	}
	return done(c.modifyRole(r.Name, func(_ store.Tx, cur *Role) error {
		cur.Tags = mergeTags(cur.Tags, tags)
		return tooManyTags(cur.Tags)
	}))
}

func opUntagRole(c *call, in *untagRoleIn) (*noOutput, error) {
	r, err := c.roleTarget(in.RoleName, nil)
	if err != nil {
		return done(err)
	}
	keys, err := checkTagKeys(in.TagKeys)
	if err != nil {
		return done(err)
	}
	return done(c.modifyRole(r.Name, func(_ store.Tx, cur *Role) error {
		cur.Tags = removeTags(cur.Tags, keys)
		return nil
	}))
}

func opListRoleTags(c *call, in *listRoleTagsIn) (*listRoleTagsOut, error) {
	r, err := c.roleTarget(in.RoleName, nil)
	if err != nil {
		return nil, err
	}
	t := xmlTags(r.Tags)
	if t == nil {
		t = list[xmlTag](nil)
	}
	return &listRoleTagsOut{t, false}, nil
}

type createRoleOut struct {
	Role xmlRole
}

type createRoleIn struct {
	requestTagsIn
	AssumeRolePolicyDocument string
	Description              string
	MaxSessionDuration       string
	Path                     string
	PermissionsBoundary      string
	RoleName                 string
}

type getRoleOut struct {
	Role xmlRole
}

type getRoleIn struct {
	RoleName string
}

type listRolesOut struct {
	Roles       *members[xmlRole]
	IsTruncated bool
	Marker      string "xml:\",omitempty\""
}

type listRolesIn struct {
	Marker     string
	MaxItems   string
	PathPrefix string
}

type deleteRoleIn struct {
	RoleName string
}

type updateRoleOut struct {
}

type updateRoleIn struct {
	Description        *string
	MaxSessionDuration string
	RoleName           string
}

type updateRoleDescriptionOut struct {
	Role xmlRole
}

type updateRoleDescriptionIn struct {
	Description string
	RoleName    string
}

type updateAssumeRolePolicyIn struct {
	PolicyDocument string
	RoleName       string
}

type tagRoleIn struct {
	requestTagsIn
	RoleName string
}

type untagRoleIn struct {
	untagIn
	RoleName string
}

type listRoleTagsOut struct {
	Tags        *members[xmlTag]
	IsTruncated bool
}

type listRoleTagsIn struct {
	RoleName string
}
