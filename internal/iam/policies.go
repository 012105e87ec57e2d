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
		AttachmentCount: c.snap.attachments(c.account(), arn), PermissionsBoundaryUsageCount: c.snap.boundaryUses(c.account(), arn),
		IsAttachable: true, CreateDate: isoTime(p.Created), UpdateDate: isoTime(p.Updated)}
	if full {
		x.Description = p.Description
		x.Tags = xmlTags(p.Tags)
		if x.Tags == nil {
			// GetPolicy answers <Tags/> for a policy without tags.
			x.Tags = list([]xmlTag{})
		}
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

func opCreatePolicy(c *call, in *createPolicyIn) (*createPolicyOut, error) {
	name := in.PolicyName
	if err := checkName(name, "policyName", 128); err != nil {
		return nil, err
	}
	path := in.Path
	if path == "" {
		path = "/"
	} else if !policyPathRE.MatchString(path) {
		return nil, validation(path, "path", `Member must satisfy regular expression pattern: ((/[A-Za-z0-9\.,\+@=_-]+)*)/`)
	}
	tags, err := parseTags(in.Tags)
	if err != nil {
		return nil, err
	}
	arn := policyARN(c.account(), path, name)
	if err := c.allow(arn, tagContext(tags)); err != nil {
		return nil, err
	}
	doc := in.PolicyDocument
	if _, err := parseDoc(doc, policy.TypeIdentity, true, policy.MaxManagedPolicySize); err != nil {
		return nil, err
	}
	desc := in.Description
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
	return &createPolicyOut{x}, nil
}

// policyTarget resolves and authorizes PolicyArn (in the caller's account).
func (c *call) policyTarget(arn string) (*PolicyEntry, error) {
	if arn == "" {
		return nil, validation("", "policyArn", "Member must not be null")
	}
	if len(arn) < 20 || !strings.HasPrefix(arn, "arn:") {
		return nil, awserr.InvalidInput.Errorf("ARN %s is not valid.", arn)
	}
	if err := c.allow(arn, nil); err != nil {
		return nil, err
	}
	p := c.snap.Policy(arn)
	if p == nil || p.Account != c.account() && p.Account != awsAccount {
		return nil, noSuchPolicy(arn)
	}
	return p, nil
}

// ownPolicyTarget is policyTarget for the operations that change a
// policy: AWS managed policies are AWS's to change.
func (c *call) ownPolicyTarget(arn string) (*PolicyEntry, error) {
	p, err := c.policyTarget(arn)
	if err != nil {
		return nil, err
	}
	if p.Account == awsAccount {
		return nil, c.awsPolicyUnmodifiable(p.arn)
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

func opGetPolicy(c *call, in *getPolicyIn) (*getPolicyOut, error) {
	p, err := c.policyTarget(in.PolicyArn)
	if err != nil {
		return nil, err
	}
	return &getPolicyOut{c.policyXML(&p.ManagedPolicy, true)}, nil
}

func opListPolicies(c *call, in *listPoliciesIn) (*listPoliciesOut, error) {
	if err := c.allow("*", nil); err != nil {
		return nil, err
	}
	scope := in.Scope
	prefix := in.PathPrefix
	if prefix == "" {
		prefix = "/"
	}
	switch scope {
	case "", "All", "AWS", "Local":
	default:
		return nil, validation(scope, "scope", "Member must satisfy enum value set: [All, AWS, Local]")
	}
	usage := in.PolicyUsageFilter
	switch usage {
	case "", "PermissionsPolicy", "PermissionsBoundary":
	default:
		return nil, validation(usage, "policyUsageFilter", "Member must satisfy enum value set: [PermissionsPolicy, PermissionsBoundary]")
	}
	onlyAttached := in.OnlyAttached == "true"
	keep := func(p *PolicyEntry) bool {
		if !strings.HasPrefix(p.Path, prefix) {
			return false
		}
		att, bnd := c.snap.attachments(c.account(), p.arn), c.snap.boundaryUses(c.account(), p.arn)
		if onlyAttached && att+bnd == 0 {
			return false
		}
		return !(usage == "PermissionsPolicy" && onlyAttached && att == 0 || usage == "PermissionsBoundary" && onlyAttached && bnd == 0)
	}
	var (
		pg     []*PolicyEntry
		marker string
		trunc  bool
		err    error
	)
	if scope == "Local" {
		// The account's own policies: the snapshot's cached sorted list,
		// paged without sorting per call.
		l := sortedOf(c.snap, "policy", c.account(), c.snap.policies.all(), func(p *PolicyEntry) (string, string) { return p.Account, p.Name })
		pg, marker, trunc, err = pageSorted(in.Marker, in.MaxItems, l, keep)
	} else {
		// With the AWS managed policies the two sets are merged and sorted
		// per call (issue #17: a merge of the two sorted lists is still to do).
		var ps []*PolicyEntry
		if scope != "AWS" {
			for _, p := range c.snap.policies.all() {
				if p.Account == c.account() && keep(p) {
					ps = append(ps, p)
				}
			}
		}
		for _, ap := range awsPolicies().sorted {
			if keep(&ap.entry) {
				ps = append(ps, &ap.entry)
			}
		}
		// Names are unique within an account but an AWS policy may share
		// one: the ARN breaks the tie (and keeps markers unambiguous).
		key := func(p *PolicyEntry) string { return strings.ToLower(p.Name) + "\x00" + p.arn }
		sort.Slice(ps, func(i, j int) bool { return key(ps[i]) < key(ps[j]) })
		pg, marker, trunc, err = page(in.Marker, in.MaxItems, ps, key)
	}
	if err != nil {
		return nil, err
	}
	out := make([]xmlPolicy, len(pg))
	for i, p := range pg {
		out[i] = c.policyXML(&p.ManagedPolicy, false)
	}
	return &listPoliciesOut{list(out), trunc, marker}, nil
}

func opDeletePolicy(c *call, in *deletePolicyIn) (*noOutput, error) {
	p, err := c.ownPolicyTarget(in.PolicyArn)
	if err != nil {
		return done(err)
	}
	if c.snap.attachments(p.Account, p.arn) > 0 || c.snap.boundaryUses(p.Account, p.arn) > 0 {
		return done(awserr.DeleteConflict.New("Cannot delete a policy attached to entities."))
	}
	if len(p.Versions) > 1 {
		return done(awserr.DeleteConflict.New("This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy."))
	}
	return done(c.update(func(tx store.Tx) error {
		return ignoreNotFound(tx.Delete(kindPolicy, entityKey(p.Account, p.Name)))
	}))
}

func ignoreNotFound(err error) error {
	if err == store.ErrNotFound {
		return nil
	}
	return err
}

func opCreatePolicyVersion(c *call, in *createPolicyVersionIn) (*createPolicyVersionOut, error) {
	pe, err := c.ownPolicyTarget(in.PolicyArn)
	if err != nil {
		return nil, err
	}
	doc := in.PolicyDocument
	if _, err := parseDoc(doc, policy.TypeIdentity, true, policy.MaxManagedPolicySize); err != nil {
		return nil, err
	}
	setDefault := in.SetAsDefault == "true"
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
	return &createPolicyVersionOut{xmlPolicyVersion{VersionId: v.ID, IsDefaultVersion: setDefault, CreateDate: isoTime(v.Created)}}, nil
}

func noSuchVersion(arn, id string) error {
	return awserr.NoSuchEntity.Errorf("Policy %s version %s does not exist or is not attachable.", arn, id)
}

func opGetPolicyVersion(c *call, in *getPolicyVersionIn) (*getPolicyVersionOut, error) {
	pe, err := c.policyTarget(in.PolicyArn)
	if err != nil {
		return nil, err
	}
	id := in.VersionId
	v := pe.Version(id)
	if v == nil {
		return nil, noSuchVersion(pe.arn, id)
	}
	return &getPolicyVersionOut{xmlPolicyVersion{Document: encodeDoc(v.Document), VersionId: v.ID,
		IsDefaultVersion: v.ID == pe.DefaultVersion, CreateDate: isoTime(v.Created)}}, nil
}

func opListPolicyVersions(c *call, in *listPolicyVersionsIn) (*listPolicyVersionsOut, error) {
	pe, err := c.policyTarget(in.PolicyArn)
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
	return &listPolicyVersionsOut{list(out), false}, nil
}

func opDeletePolicyVersion(c *call, in *deletePolicyVersionIn) (*noOutput, error) {
	pe, err := c.ownPolicyTarget(in.PolicyArn)
	if err != nil {
		return done(err)
	}
	id := in.VersionId
	return done(c.modifyPolicy(pe, func(_ store.Tx, p *ManagedPolicy) error {
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
	}))
}

func opSetDefaultPolicyVersion(c *call, in *setDefaultPolicyVersionIn) (*noOutput, error) {
	pe, err := c.ownPolicyTarget(in.PolicyArn)
	if err != nil {
		return done(err)
	}
	id := in.VersionId
	return done(c.modifyPolicy(pe, func(_ store.Tx, p *ManagedPolicy) error {
		if p.Version(id) == nil {
			return noSuchVersion(pe.arn, id)
		}
		p.DefaultVersion = id
		p.Updated = c.s.now().UTC()
		return nil
	}))
}

type createPolicyOut struct {
	Policy xmlPolicy
}

type createPolicyIn struct {
	requestTagsIn
	Description    string
	Path           string
	PolicyDocument string
	PolicyName     string
}

type getPolicyOut struct {
	Policy xmlPolicy
}

type getPolicyIn struct {
	PolicyArn string
}

type listPoliciesOut struct {
	Policies    *members[xmlPolicy]
	IsTruncated bool
	Marker      string "xml:\",omitempty\""
}

type listPoliciesIn struct {
	Marker            string
	MaxItems          string
	OnlyAttached      string
	PathPrefix        string
	PolicyUsageFilter string
	Scope             string
}

type deletePolicyIn struct {
	PolicyArn string
}

type createPolicyVersionOut struct {
	PolicyVersion xmlPolicyVersion
}

type createPolicyVersionIn struct {
	PolicyDocument string
	SetAsDefault   string
	PolicyArn      string
}

type getPolicyVersionOut struct {
	PolicyVersion xmlPolicyVersion
}

type getPolicyVersionIn struct {
	PolicyArn string
	VersionId string
}

type listPolicyVersionsOut struct {
	Versions    *members[xmlPolicyVersion]
	IsTruncated bool
}

type listPolicyVersionsIn struct {
	PolicyArn string
}

type deletePolicyVersionIn struct {
	VersionId string
	PolicyArn string
}

type setDefaultPolicyVersionIn struct {
	VersionId string
	PolicyArn string
}
