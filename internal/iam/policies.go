package iam

import (
	"sort"
	"strconv"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/policy"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

type xmlPolicy struct {
	PolicyName                    string
	PolicyId                      string
	Arn                           string
	Path                          string
	DefaultVersionId              string
	AttachmentCount               int
	PermissionsBoundaryUsageCount int
	IsAttachable                  bool
	Description                   string `xml:",omitempty"`
	CreateDate                    string
	UpdateDate                    string
	Tags                          *members[xmlTag] `xml:",omitempty"`
}

func (c *call) policyXML(p *ManagedPolicy, full bool) xmlPolicy {
	arn := p.ARN()
	x := xmlPolicy{PolicyName: p.Name, PolicyId: p.ID, Arn: arn, Path: p.Path, DefaultVersionId: p.DefaultVersion,
		AttachmentCount: c.snap.attachCount.get(arn), PermissionsBoundaryUsageCount: c.snap.boundaryUse.get(arn),
		IsAttachable: true, CreateDate: isoTime(p.Created), UpdateDate: isoTime(p.Updated)}
	if full {
		x.Description = p.Description
		x.Tags = xmlTags(p.Tags)
	}
	return x
}

type xmlPolicyVersion struct {
	Document         string `xml:",omitempty"`
	VersionId        string
	IsDefaultVersion bool
	CreateDate       string
}

func noSuchPolicy(arn string) error {
	return awserr.NoSuchEntity.Errorf("Policy %s was not found.", arn)
}

func opCreatePolicy(c *call) (any, error) {
	name := c.get("PolicyName")
	if err := checkName(name, "policyName", 128); err != nil {
		return nil, err
	}
	path := c.get("Path")
	if path == "" {
		path = "/"
	} else if !policyPathRE.MatchString(path) {
		return nil, validation(path, "path", `Member must satisfy regular expression pattern: ((/[A-Za-z0-9\.,\+@=_-]+)*)/`)
	}
	tags, err := parseTags(c, "Tags")
	if err != nil {
		return nil, err
	}
	arn := policyARN(c.account(), path, name)
	if err := c.allow(arn, tagContext(tags)); err != nil {
		return nil, err
	}
	doc := c.get("PolicyDocument")
	if _, err := parseDoc(doc, policy.TypeIdentity, true, policy.MaxManagedPolicySize); err != nil {
		return nil, err
	}
	desc := c.get("Description")
	if len(desc) > 1000 {
		return nil, validation(desc, "description", "Member must have length less than or equal to 1000")
	}
	now := c.s.now().UTC()
	p := &ManagedPolicy{Account: c.account(), Name: name, Path: path, ID: NewID("ANPA", c.account(), 21), Description: desc,
		Created: now, Updated: now, DefaultVersion: "v1", NextVersion: 2, Versions: []PolicyVersion{{ID: "v1", Document: doc, Created: now}}, Tags: tags}
	err = c.update(func(tx store.Tx) error {
		if err := createJSON(tx, kindPolicy, entityKey(p.Account, name), p); err == store.ErrExists {
			return awserr.EntityAlreadyExists.Errorf("A policy called %s already exists. Duplicate names are not allowed.", name)
		} else {
			return err
		}
	})
	if err != nil {
		return nil, err
	}
	x := c.policyXML(p, false)
	x.Tags = xmlTags(tags)
	return struct{ Policy xmlPolicy }{x}, nil
}

// policyTarget resolves and authorizes PolicyArn (in the caller's account).
func (c *call) policyTarget() (*PolicyEntry, error) {
	arn := c.get("PolicyArn")
	if arn == "" {
		return nil, validation("", "policyArn", "Member must not be null")
	}
	if len(arn) < 20 || !strings.HasPrefix(arn, "arn:") {
		return nil, awserr.InvalidInput.Errorf("ARN %s is not valid.", arn)
	}
	if err := c.allow(arn, nil); err != nil {
		return nil, err
	}
	p := c.snap.policies.get(arn)
	if p == nil || p.Account != c.account() {
		return nil, noSuchPolicy(arn)
	}
	return p, nil
}

func (c *call) modifyPolicy(pe *PolicyEntry, fn func(tx store.Tx, p *ManagedPolicy) error) error {
	return c.update(func(tx store.Tx) error {
		key := entityKey(pe.Account, pe.Name)
		p, err := getJSON[ManagedPolicy](tx, kindPolicy, key)
		if err != nil {
			return err
		}
		if p == nil || p.ID != pe.ID {
			return noSuchPolicy(pe.arn)
		}
		if err := fn(tx, p); err != nil {
			return err
		}
		return putJSON(tx, kindPolicy, key, p)
	})
}

func opGetPolicy(c *call) (any, error) {
	p, err := c.policyTarget()
	if err != nil {
		return nil, err
	}
	return struct{ Policy xmlPolicy }{c.policyXML(&p.ManagedPolicy, true)}, nil
}

func opListPolicies(c *call) (any, error) {
	if err := c.allow("*", nil); err != nil {
		return nil, err
	}
	scope := c.get("Scope")
	prefix := c.get("PathPrefix")
	if prefix == "" {
		prefix = "/"
	}
	onlyAttached := c.get("OnlyAttached") == "true"
	usage := c.get("PolicyUsageFilter")
	var ps []*PolicyEntry
	if scope != "AWS" {
		for _, p := range c.snap.policies.all() {
			if p.Account != c.account() || !strings.HasPrefix(p.Path, prefix) {
				continue
			}
			if onlyAttached && c.snap.attachCount.get(p.arn)+c.snap.boundaryUse.get(p.arn) == 0 {
				continue
			}
			if usage == "PermissionsPolicy" && onlyAttached && c.snap.attachCount.get(p.arn) == 0 ||
				usage == "PermissionsBoundary" && onlyAttached && c.snap.boundaryUse.get(p.arn) == 0 {
				continue
			}
			ps = append(ps, p)
		}
	}
	sort.Slice(ps, func(i, j int) bool { return strings.ToLower(ps[i].Name) < strings.ToLower(ps[j].Name) })
	pg, marker, trunc, err := page(c, ps, func(p *PolicyEntry) string { return strings.ToLower(p.Name) })
	if err != nil {
		return nil, err
	}
	out := make([]xmlPolicy, len(pg))
	for i, p := range pg {
		out[i] = c.policyXML(&p.ManagedPolicy, false)
	}
	return struct {
		Policies    *members[xmlPolicy]
		IsTruncated bool
		Marker      string `xml:",omitempty"`
	}{list(out), trunc, marker}, nil
}

func opDeletePolicy(c *call) (any, error) {
	p, err := c.policyTarget()
	if err != nil {
		return nil, err
	}
	if c.snap.attachCount.get(p.arn) > 0 || c.snap.boundaryUse.get(p.arn) > 0 {
		return nil, awserr.DeleteConflict.New("Cannot delete a policy attached to entities.")
	}
	if len(p.Versions) > 1 {
		return nil, awserr.DeleteConflict.New("This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.")
	}
	return nil, c.update(func(tx store.Tx) error {
		return ignoreNotFound(tx.Delete(kindPolicy, entityKey(p.Account, p.Name)))
	})
}

func ignoreNotFound(err error) error {
	if err == store.ErrNotFound {
		return nil
	}
	return err
}

func opCreatePolicyVersion(c *call) (any, error) {
	pe, err := c.policyTarget()
	if err != nil {
		return nil, err
	}
	doc := c.get("PolicyDocument")
	if _, err := parseDoc(doc, policy.TypeIdentity, true, policy.MaxManagedPolicySize); err != nil {
		return nil, err
	}
	setDefault := c.get("SetAsDefault") == "true"
	var v PolicyVersion
	err = c.modifyPolicy(pe, func(_ store.Tx, p *ManagedPolicy) error {
		if len(p.Versions) >= 5 {
			return awserr.LimitExceeded.New("A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version.")
		}
		v = PolicyVersion{ID: "v" + strconv.Itoa(p.NextVersion), Document: doc, Created: c.s.now().UTC()}
		p.NextVersion++
		p.Versions = append(p.Versions, v)
		if setDefault {
			p.DefaultVersion = v.ID
			p.Updated = v.Created
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return struct{ PolicyVersion xmlPolicyVersion }{xmlPolicyVersion{VersionId: v.ID, IsDefaultVersion: setDefault, CreateDate: isoTime(v.Created)}}, nil
}

func noSuchVersion(arn, id string) error {
	return awserr.NoSuchEntity.Errorf("Policy %s version %s does not exist or is not attachable.", arn, id)
}

func opGetPolicyVersion(c *call) (any, error) {
	pe, err := c.policyTarget()
	if err != nil {
		return nil, err
	}
	id := c.get("VersionId")
	v := pe.Version(id)
	if v == nil {
		return nil, noSuchVersion(pe.arn, id)
	}
	return struct{ PolicyVersion xmlPolicyVersion }{xmlPolicyVersion{Document: encodeDoc(v.Document), VersionId: v.ID,
		IsDefaultVersion: v.ID == pe.DefaultVersion, CreateDate: isoTime(v.Created)}}, nil
}

func opListPolicyVersions(c *call) (any, error) {
	pe, err := c.policyTarget()
	if err != nil {
		return nil, err
	}
	vs := append([]PolicyVersion(nil), pe.Versions...)
	sort.Slice(vs, func(i, j int) bool {
		return vs[i].Created.After(vs[j].Created) || vs[i].Created.Equal(vs[j].Created) && len(vs[i].ID) > len(vs[j].ID) || vs[i].Created.Equal(vs[j].Created) && len(vs[i].ID) == len(vs[j].ID) && vs[i].ID > vs[j].ID
	})
	out := make([]xmlPolicyVersion, len(vs))
	for i, v := range vs {
		out[i] = xmlPolicyVersion{VersionId: v.ID, IsDefaultVersion: v.ID == pe.DefaultVersion, CreateDate: isoTime(v.Created)}
	}
	return struct {
		Versions    *members[xmlPolicyVersion]
		IsTruncated bool
	}{list(out), false}, nil
}

func opDeletePolicyVersion(c *call) (any, error) {
	pe, err := c.policyTarget()
	if err != nil {
		return nil, err
	}
	id := c.get("VersionId")
	return nil, c.modifyPolicy(pe, func(_ store.Tx, p *ManagedPolicy) error {
		if p.Version(id) == nil {
			return noSuchVersion(pe.arn, id)
		}
		if id == p.DefaultVersion {
			return awserr.DeleteConflict.New("Cannot delete the default version of a policy.")
		}
		out := p.Versions[:0]
		for _, v := range p.Versions {
			if v.ID != id {
				out = append(out, v)
			}
		}
		p.Versions = out
		return nil
	})
}

func opSetDefaultPolicyVersion(c *call) (any, error) {
	pe, err := c.policyTarget()
	if err != nil {
		return nil, err
	}
	id := c.get("VersionId")
	return nil, c.modifyPolicy(pe, func(_ store.Tx, p *ManagedPolicy) error {
		if p.Version(id) == nil {
			return noSuchVersion(pe.arn, id)
		}
		p.DefaultVersion = id
		p.Updated = c.s.now().UTC()
		return nil
	})
}
