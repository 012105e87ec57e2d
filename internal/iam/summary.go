package iam

import (
	"github.com/gatehouse-dev/gatehouse/internal/store"
	"sort"
	"strings"
)

func opListEntitiesForPolicy(c *call, in *listEntitiesForPolicyIn) (*listEntitiesForPolicyOut, error) {
	p, err := c.policyTarget(in.PolicyArn)
	if err != nil {
		return nil, err
	}
	filter := in.EntityFilter
	usage := in.PolicyUsageFilter
	prefix := in.PathPrefix
	if prefix == "" {
		prefix = "/"
	}
	type ent struct {
		Name, ID string
	}
	attachedTo := func(attached []string, boundary string) bool {
		if usage != "PermissionsBoundary" {
			for _, a := range attached {
				if a == p.arn {
					return true
				}
			}
		}
		return usage != "PermissionsPolicy" && boundary == p.arn
	}
	var users, groups, roles []ent
	if filter == "" || filter == "User" {
		for _, u := range c.snap.users.all() {
			if u.Account == c.account() && strings.HasPrefix(u.Path, prefix) && attachedTo(u.Attached, u.Boundary) {
				users = append(users, ent{u.Name, u.ID})
			}
		}
	}
	if filter == "" || filter == "Group" {
		for _, g := range c.snap.groups.all() {
			if g.Account == c.account() && strings.HasPrefix(g.Path, prefix) && attachedTo(g.Attached, "") {
				groups = append(groups, ent{g.Name, g.ID})
			}
		}
	}
	if filter == "" || filter == "Role" {
		for _, r := range c.snap.roles.all() {
			if r.Account == c.account() && strings.HasPrefix(r.Path, prefix) && attachedTo(r.Attached, r.Boundary) {
				roles = append(roles, ent{r.Name, r.ID})
			}
		}
	}
	for _, l := range [][]ent{users, groups, roles} {
		sort.Slice(l, func(i, j int) bool { return l[i].Name < l[j].Name })
	}
	var ou []xmlPolicyUser
	var og []xmlPolicyGroup
	var or []xmlPolicyRole
	for _, e := range users {
		ou = append(ou, xmlPolicyUser{e.Name, e.ID})
	}
	for _, e := range groups {
		og = append(og, xmlPolicyGroup{e.Name, e.ID})
	}
	for _, e := range roles {
		or = append(or, xmlPolicyRole{e.Name, e.ID})
	}
	return &listEntitiesForPolicyOut{list(og), list(ou), list(or), false}, nil
}

type summaryEntry struct {
	Key   string `xml:"key"`
	Value int    `xml:"value"`
}

func opGetAccountSummary(c *call, in *getAccountSummaryIn) (*getAccountSummaryOut, error) {
	if err := c.allow("*", nil); err != nil {
		return nil, err
	}
	acct := c.account()
	count := map[string]int{}
	for _, u := range c.snap.users.all() {
		if u.Account == acct {
			count["Users"]++
			count["UserPolicies"] += len(u.Inline)
		}
	}
	for _, g := range c.snap.groups.all() {
		if g.Account == acct {
			count["Groups"]++
			count["GroupPolicies"] += len(g.Inline)
		}
	}
	for _, r := range c.snap.roles.all() {
		if r.Account == acct {
			count["Roles"]++
			count["RolePolicies"] += len(r.Inline)
		}
	}
	for _, p := range c.snap.policies.all() {
		if p.Account == acct {
			count["Policies"]++
			count["PolicyVersionsInUse"] += c.snap.attachments(acct, p.arn)
		}
	}
	for _, o := range c.snap.oidc.all() {
		if o.Account == acct {
			count["Providers"]++
		}
	}
	count["AccountAccessKeysPresent"] = min(1, c.snap.ownerKeys.count(acct+"/"))
	quotas := map[string]int{"UsersQuota": 5000, "GroupsQuota": 300, "RolesQuota": 1000, "PoliciesQuota": 1500,
		"AccessKeysPerUserQuota": 2, "UserPolicySizeQuota": 2048, "GroupPolicySizeQuota": 5120, "RolePolicySizeQuota": 10240,
		"PolicySizeQuota": 6144, "AssumeRolePolicySizeQuota": 2048, "VersionsPerPolicyQuota": 5, "AttachedPoliciesPerUserQuota": 10,
		"AttachedPoliciesPerRoleQuota": 10, "AttachedPoliciesPerGroupQuota": 10, "GroupsPerUserQuota": 10, "AccountMFAEnabled": 0,
		"MFADevices": 0, "MFADevicesInUse": 0, "ServerCertificates": 0, "ServerCertificatesQuota": 20, "InstanceProfiles": 0,
		"InstanceProfilesQuota": 1000, "SigningCertificatesPerUserQuota": 2, "GlobalEndpointTokenVersion": 1}
	for k, v := range quotas {
		count[k] = v
	}
	for _, p := range c.snap.profiles.all() {
		if p.Account == acct {
			count["InstanceProfiles"]++
		}
	}
	// The records the snapshot does not hold.
	err := c.view(func(r store.Reader) error {
		mfas, err := accountMFA(r, acct)
		if err != nil {
			return err
		}
		for _, d := range mfas {
			count["MFADevices"]++
			if d.UserID != "" {
				count["MFADevicesInUse"]++
			}
		}
		for kind, key := range map[string]string{kindServerCert: "ServerCertificates", kindSAML: "Providers"} {
			recs, err := r.List(kind, acct+"/")
			if err != nil {
				return err
			}
			count[key] += len(recs)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	// Counters are present even when zero.
	for _, k := range []string{"Users", "Groups", "Roles", "Policies", "Providers", "UserPolicies", "GroupPolicies", "RolePolicies", "PolicyVersionsInUse"} {
		count[k] += 0
	}
	out := make([]summaryEntry, 0, len(count))
	for k, v := range count {
		out = append(out, summaryEntry{k, v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return &getAccountSummaryOut{struct {
		Entry []summaryEntry `xml:"entry"`
	}{out}}, nil
}

type listEntitiesForPolicyOut struct {
	PolicyGroups *members[xmlPolicyGroup]
	PolicyUsers  *members[xmlPolicyUser]
	PolicyRoles  *members[xmlPolicyRole]
	IsTruncated  bool
}

type listEntitiesForPolicyIn struct {
	EntityFilter      string
	PathPrefix        string
	PolicyArn         string
	PolicyUsageFilter string
}

type getAccountSummaryOut struct {
	SummaryMap struct {
		Entry []summaryEntry `xml:"entry"`
	}
}

type getAccountSummaryIn struct{}

type xmlPolicyRole struct{ RoleName, RoleId string }

type xmlPolicyGroup struct{ GroupName, GroupId string }

type xmlPolicyUser struct{ UserName, UserId string }
