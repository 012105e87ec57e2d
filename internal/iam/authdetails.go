package iam

import (
	"sort"
	"strings"
)

type xmlPolicyDetail struct {
	PolicyName     string
	PolicyDocument string
}

type xmlAttachedPolicy struct {
	PolicyName string
	PolicyArn  string
}

func (c *call) attachedXML(arns []string) *members[xmlAttachedPolicy] {
	out := []xmlAttachedPolicy{}
	for _, a := range arns {
		if pe := c.snap.Policy(a); pe != nil {
			out = append(out, xmlAttachedPolicy{pe.Name, a})
		}
	}
	return list(out)
}

func inlineXML(ips []InlinePolicy) *members[xmlPolicyDetail] {
	out := []xmlPolicyDetail{}
	for _, ip := range ips {
		out = append(out, xmlPolicyDetail{ip.Name, encodeDoc(ip.Document)})
	}
	return list(out)
}

// opGetAccountAuthorizationDetails exports the account's IAM state with
// URL-encoded documents (backups, audits).
func opGetAccountAuthorizationDetails(c *call, in *getAccountAuthorizationDetailsIn) (*getAccountAuthorizationDetailsOut, error) {
	if err := c.allow("*", nil); err != nil {
		return nil, err
	}
	filter := map[string]bool{}
	for _, f := range in.Filter {
		filter[f] = true
	}
	want := func(f string) bool { return len(filter) == 0 || filter[f] }
	acct := c.account()
	var users []xmlUserDetail
	var groups []xmlGroupDetail
	var roles []xmlRoleDetail
	var pols []xmlManagedPolicyDetail
	if want("User") {
		for _, u := range c.snap.users.all() {
			if u.Account != acct {
				continue
			}
			var gl []string
			for _, gn := range u.Groups {
				if g := c.snap.groups.get(entityKey(acct, gn)); g != nil {
					gl = append(gl, g.Name)
				}
			}
			users = append(users, xmlUserDetail{u.Path, u.Name, u.ID, u.arn, isoTime(u.Created), inlineXML(u.Inline), list(gl),
				c.attachedXML(u.Attached), boundaryXML(u.Boundary), xmlTags(u.Tags)})
		}
		sort.Slice(users, func(i, j int) bool { return strings.ToLower(users[i].UserName) < strings.ToLower(users[j].UserName) })
	}
	if want("Group") {
		for _, g := range c.snap.groups.all() {
			if g.Account == acct {
				groups = append(groups, xmlGroupDetail{g.Path, g.Name, g.ID, g.arn, isoTime(g.Created), inlineXML(g.Inline), c.attachedXML(g.Attached)})
			}
		}
		sort.Slice(groups, func(i, j int) bool {
			return strings.ToLower(groups[i].GroupName) < strings.ToLower(groups[j].GroupName)
		})
	}
	if want("Role") {
		for _, r := range c.snap.roles.all() {
			if r.Account == acct {
				ips := []xmlInstanceProfile{}
				for _, p := range c.snap.roleProfiles(entityKey(acct, r.Name)) {
					ips = append(ips, c.profileXML(p))
				}
				roles = append(roles, xmlRoleDetail{r.Path, r.Name, r.ID, r.arn, isoTime(r.Created), encodeDoc(r.TrustPolicy), list(ips), inlineXML(r.Inline),
					c.attachedXML(r.Attached), boundaryXML(r.Boundary), xmlTags(r.Tags)})
			}
		}
		sort.Slice(roles, func(i, j int) bool { return strings.ToLower(roles[i].RoleName) < strings.ToLower(roles[j].RoleName) })
	}
	if want("LocalManagedPolicy") {
		for _, p := range c.snap.policies.all() {
			if p.Account != acct {
				continue
			}
			var vs []xmlPolicyVersionDetail
			for _, v := range p.Versions {
				vs = append(vs, xmlPolicyVersionDetail{encodeDoc(v.Document), v.ID, v.ID == p.DefaultVersion, isoTime(v.Created)})
			}
			pols = append(pols, xmlManagedPolicyDetail{p.Name, p.ID, p.arn, p.Path, p.DefaultVersion, c.snap.attachments(acct, p.arn), c.snap.boundaryUses(acct, p.arn),
				true, isoTime(p.Created), isoTime(p.Updated), list(vs)})
		}
		sort.Slice(pols, func(i, j int) bool { return strings.ToLower(pols[i].PolicyName) < strings.ToLower(pols[j].PolicyName) })
	}
	return &getAccountAuthorizationDetailsOut{list(users), list(groups), list(roles), list(pols), false}, nil
}

type getAccountAuthorizationDetailsOut struct {
	UserDetailList  *members[xmlUserDetail]
	GroupDetailList *members[xmlGroupDetail]
	RoleDetailList  *members[xmlRoleDetail]
	Policies        *members[xmlManagedPolicyDetail]
	IsTruncated     bool
}

type getAccountAuthorizationDetailsIn struct {
	Filter []string
}

type xmlManagedPolicyDetail struct {
	PolicyName, PolicyId, Arn, Path, DefaultVersionId string
	AttachmentCount, PermissionsBoundaryUsageCount    int
	IsAttachable                                      bool
	CreateDate, UpdateDate                            string
	PolicyVersionList                                 *members[xmlPolicyVersionDetail]
}

type xmlPolicyVersionDetail struct {
	Document         string
	VersionId        string
	IsDefaultVersion bool
	CreateDate       string
}

type xmlRoleDetail struct {
	Path, RoleName, RoleId, Arn, CreateDate, AssumeRolePolicyDocument string
	InstanceProfileList                                               *members[xmlInstanceProfile]
	RolePolicyList                                                    *members[xmlPolicyDetail]
	AttachedManagedPolicies                                           *members[xmlAttachedPolicy]
	PermissionsBoundary                                               *xmlBoundary     `xml:",omitempty"`
	Tags                                                              *members[xmlTag] `xml:",omitempty"`
}

type xmlGroupDetail struct {
	Path, GroupName, GroupId, Arn, CreateDate string
	GroupPolicyList                           *members[xmlPolicyDetail]
	AttachedManagedPolicies                   *members[xmlAttachedPolicy]
}

type xmlUserDetail struct {
	Path, UserName, UserId, Arn, CreateDate string
	UserPolicyList                          *members[xmlPolicyDetail]
	GroupList                               *members[string]
	AttachedManagedPolicies                 *members[xmlAttachedPolicy]
	PermissionsBoundary                     *xmlBoundary     `xml:",omitempty"`
	Tags                                    *members[xmlTag] `xml:",omitempty"`
}
