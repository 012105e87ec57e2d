package iam

import (
	"sort"
	"strings"

	arnpkg "github.com/gatehouse-dev/gatehouse/internal/arn"
	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/policy"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// Instance profiles hold the role EC2 passes to an instance. gatehouse
// runs no instances, but Terraform, CloudFormation and the CLI manage
// profiles alongside roles, and a role inside a profile cannot be deleted
// (DeleteRole answers DeleteConflict), so they are stored like roles.

type xmlInstanceProfile struct {
	Path                string
	InstanceProfileName string
	InstanceProfileId   string
	Arn                 string
	CreateDate          string
	Roles               *members[xmlRole]
	Tags                *members[xmlTag] `xml:",omitempty"`
}

// profileXML renders p with its roles as the snapshot has them (a role
// in a profile cannot be deleted, so every name resolves).
func (c *call) profileXML(p *InstanceProfile) xmlInstanceProfile {
	roles := []xmlRole{}
	for _, rn := range p.Roles {
		if r := c.snap.Role(p.Account, rn); r != nil {
			roles = append(roles, roleXML(&r.Role, false))
		}
	}
	return xmlInstanceProfile{Path: p.Path, InstanceProfileName: p.Name, InstanceProfileId: p.ID, Arn: p.ARN(),
		CreateDate: isoTime(p.Created), Roles: list(roles), Tags: xmlTags(p.Tags)}
}

func noSuchProfile(name string) error {
	return awserr.NoSuchEntity.Errorf("Instance Profile %s cannot be found.", name)
}

func opCreateInstanceProfile(c *call, in *createInstanceProfileIn) (*createInstanceProfileOut, error) {
	name := in.InstanceProfileName
	if err := checkName(name, "instanceProfileName", 128); err != nil {
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
	if err := c.allow(arnpkg.InstanceProfile(c.account(), path, name), tagContext(tags)); err != nil {
		return nil, err
	}
	p := &InstanceProfile{Account: c.account(), Name: name, Path: path, ID: NewID("AIPA", c.account(), 21),
		Created: c.s.now().UTC(), Tags: tags}
	err = c.update(func(tx store.Tx) error {
		if err := createJSON(tx, kindProfile, entityKey(p.Account, name), p); err == store.ErrExists {
			return awserr.EntityAlreadyExists.Errorf("Instance Profile %s already exists.", name)
		} else {
			return err
		}
	})
	if err != nil {
		return nil, err
	}
	return &createInstanceProfileOut{c.profileXML(p)}, nil
}

// profileTarget resolves InstanceProfileName and authorizes the operation
// on the profile (on its would-be ARN under "/" when it does not exist, so
// that a caller not allowed learns nothing of its existence).
func (c *call) profileTarget(name string, fill func(*policy.Context)) (*InstanceProfile, error) {
	if name == "" {
		return nil, validation("", "instanceProfileName", "Member must not be null")
	}
	p := c.snap.profiles.get(entityKey(c.account(), name))
	res := arnpkg.InstanceProfile(c.account(), "/", name)
	if p != nil {
		res = p.ARN()
	}
	if err := c.allow(res, fill); err != nil {
		return nil, err
	}
	if p == nil {
		return nil, noSuchProfile(name)
	}
	return p, nil
}

func (c *call) modifyProfile(name string, fn func(tx store.Tx, p *InstanceProfile) error) error {
	return modifyRecord(c, kindProfile, name, noSuchProfile, fn)
}

func opGetInstanceProfile(c *call, in *getInstanceProfileIn) (*getInstanceProfileOut, error) {
	p, err := c.profileTarget(in.InstanceProfileName, nil)
	if err != nil {
		return nil, err
	}
	x := c.profileXML(p)
	if x.Tags == nil {
		// GetInstanceProfile answers an empty Tags list (the listings
		// carry none at all).
		x.Tags = list([]xmlTag{})
	}
	return &getInstanceProfileOut{x}, nil
}

func opDeleteInstanceProfile(c *call, in *deleteInstanceProfileIn) (*noOutput, error) {
	p, err := c.profileTarget(in.InstanceProfileName, nil)
	if err != nil {
		return done(err)
	}
	return done(c.update(func(tx store.Tx) error {
		key := entityKey(p.Account, p.Name)
		cur, err := getJSON[InstanceProfile](tx, kindProfile, key)
		if err != nil || cur == nil {
			return firstErr(err, noSuchProfile(p.Name))
		}
		if len(cur.Roles) > 0 {
			return awserr.DeleteConflict.New("Cannot delete entity, must remove roles from instance profile first.")
		}
		return tx.Delete(kindProfile, key)
	}))
}

func profileList(c *call, marker, maxItems string, ps []*InstanceProfile) (*profileListOut, error) {
	key := func(p *InstanceProfile) string { return strings.ToLower(p.Name) }
	sort.Slice(ps, func(i, j int) bool { return key(ps[i]) < key(ps[j]) })
	pg, marker, trunc, err := page(marker, maxItems, ps, key)
	if err != nil {
		return nil, err
	}
	out := make([]xmlInstanceProfile, len(pg))
	for i, p := range pg {
		out[i] = c.profileXML(p)
		// The listings carry no tags (InstanceProfile.Tags is filled by
		// GetInstanceProfile only, as AWS answers).
		out[i].Tags = nil
	}
	return &profileListOut{list(out), trunc, marker}, nil
}

func opListInstanceProfiles(c *call, in *listInstanceProfilesIn) (*profileListOut, error) {
	prefix, res, err := listResource(c, in.PathPrefix, "instance-profile")
	if err != nil {
		return nil, err
	}
	if err := c.allow(res, nil); err != nil {
		return nil, err
	}
	var ps []*InstanceProfile
	for _, p := range c.snap.profiles.all() {
		if p.Account == c.account() && strings.HasPrefix(p.Path, prefix) {
			ps = append(ps, p)
		}
	}
	return profileList(c, in.Marker, in.MaxItems, ps)
}

func opListInstanceProfilesForRole(c *call, in *listInstanceProfilesForRoleIn) (*profileListOut, error) {
	r, err := c.roleTarget(in.RoleName, nil)
	if err != nil {
		return nil, err
	}
	ps := c.snap.roleProfiles(entityKey(r.Account, r.Name))
	return profileList(c, in.Marker, in.MaxItems, ps)
}

// passRoleToEC2 is the condition context of the iam:PassRole that
// AddRoleToInstanceProfile needs: the role goes to EC2, for any instance
// of the caller's account (the IAM API reference says the
// iam:AssociatedResourceArn of this call is arn:aws:ec2:*:ACCOUNT:instance/*).
func (c *call) passRoleToEC2(pc *policy.Context) {
	pc.Set("iam:PassedToService", "ec2.amazonaws.com")
	pc.Set("iam:AssociatedResourceArn", arnpkg.EC2Instance("*", c.account(), "*"))
}

func opAddRoleToInstanceProfile(c *call, in *addRoleToInstanceProfileIn) (*noOutput, error) {
	roleName := in.RoleName
	if err := checkName(roleName, "roleName", 64); err != nil {
		return done(err)
	}
	p, err := c.profileTarget(in.InstanceProfileName, nil)
	if err != nil {
		return done(err)
	}
	// The caller must be allowed to pass the role (AWS API reference).
	r := c.snap.Role(c.account(), roleName)
	roleRes := roleARN(c.account(), "/", roleName)
	if r != nil {
		roleRes = r.arn
	}
	if err := c.authorize("iam:PassRole", roleRes, c.passRoleToEC2); err != nil {
		return done(err)
	}
	return done(c.update(func(tx store.Tx) error {
		ro, err := getJSON[Role](tx, kindRole, entityKey(c.account(), roleName))
		if err != nil || ro == nil {
			return firstErr(err, noSuchRole(roleName))
		}
		key := entityKey(p.Account, p.Name)
		cur, err := getJSON[InstanceProfile](tx, kindProfile, key)
		if err != nil || cur == nil {
			return firstErr(err, noSuchProfile(p.Name))
		}
		// An instance profile holds one role, a quota AWS does not raise;
		// adding the role it already holds counts against it too.
		if len(cur.Roles) >= 1 {
			return awserr.LimitExceeded.New("Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1")
		}
		cur.Roles = append(cur.Roles, strings.ToLower(ro.Name))
		return putJSON(tx, kindProfile, key, cur)
	}))
}

func opRemoveRoleFromInstanceProfile(c *call, in *removeRoleFromInstanceProfileIn) (*noOutput, error) {
	roleName := in.RoleName
	if err := checkName(roleName, "roleName", 64); err != nil {
		return done(err)
	}
	p, err := c.profileTarget(in.InstanceProfileName, nil)
	if err != nil {
		return done(err)
	}
	lr := strings.ToLower(roleName)
	return done(c.modifyProfile(p.Name, func(tx store.Tx, cur *InstanceProfile) error {
		for i, rn := range cur.Roles {
			if rn == lr {
				cur.Roles = append(cur.Roles[:i], cur.Roles[i+1:]...)
				return nil
			}
		}
		if ro, err := getJSON[Role](tx, kindRole, entityKey(c.account(), roleName)); err != nil {
			return err
		} else if ro == nil {
			return noSuchRole(roleName)
		}
		return awserr.NoSuchEntity.Errorf("The role with name %s cannot be found in instance profile %s.", roleName, p.Name)
	}))
}

func opTagInstanceProfile(c *call, in *tagInstanceProfileIn) (*noOutput, error) {
	tags, err := parseTags(in.Tags)
	if err != nil {
		return done(err)
	}
	p, err := c.profileTarget(in.InstanceProfileName, nil)
	if err != nil {
		return done(err)
	}
	return done(c.modifyProfile(p.Name, func(_ store.Tx, cur *InstanceProfile) error {
		cur.Tags = mergeTags(cur.Tags, tags)
		return tooManyTags(cur.Tags)
	}))
}

func opUntagInstanceProfile(c *call, in *untagInstanceProfileIn) (*noOutput, error) {
	p, err := c.profileTarget(in.InstanceProfileName, nil)
	if err != nil {
		return done(err)
	}
	keys, err := checkTagKeys(in.TagKeys)
	if err != nil {
		return done(err)
	}
	return done(c.modifyProfile(p.Name, func(_ store.Tx, cur *InstanceProfile) error {
		cur.Tags = removeTags(cur.Tags, keys)
		return nil
	}))
}

func opListInstanceProfileTags(c *call, in *listInstanceProfileTagsIn) (*tagsPageOut, error) {
	p, err := c.profileTarget(in.InstanceProfileName, nil)
	if err != nil {
		return nil, err
	}
	return tagsPage(in.Marker, in.MaxItems, p.Tags)
}

type createInstanceProfileOut struct {
	InstanceProfile xmlInstanceProfile
}

type createInstanceProfileIn struct {
	requestTagsIn
	InstanceProfileName string
	Path                string
}

type getInstanceProfileOut struct {
	InstanceProfile xmlInstanceProfile
}

type getInstanceProfileIn struct {
	InstanceProfileName string
}

type deleteInstanceProfileIn struct {
	InstanceProfileName string
}

type profileListOut struct {
	InstanceProfiles *members[xmlInstanceProfile]
	IsTruncated      bool
	Marker           string "xml:\",omitempty\""
}

type listInstanceProfilesIn struct {
	Marker     string
	MaxItems   string
	PathPrefix string
}

type listInstanceProfilesForRoleIn struct {
	Marker   string
	MaxItems string
	RoleName string
}

type addRoleToInstanceProfileIn struct {
	InstanceProfileName string
	RoleName            string
}

type removeRoleFromInstanceProfileIn struct {
	InstanceProfileName string
	RoleName            string
}

type tagInstanceProfileIn struct {
	requestTagsIn
	InstanceProfileName string
}

type untagInstanceProfileIn struct {
	untagIn
	InstanceProfileName string
}

type listInstanceProfileTagsIn struct {
	InstanceProfileName string
	Marker              string
	MaxItems            string
}
