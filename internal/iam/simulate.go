package iam

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/arn"
	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/policy"
)

type xmlPosition struct {
	Line   int
	Column int
}

type xmlStatement struct {
	SourcePolicyId   string
	SourcePolicyType string `xml:",omitempty"`
	StartPosition    xmlPosition
	EndPosition      xmlPosition
}

type xmlBoundaryDetail struct {
	AllowedByPermissionsBoundary bool
}

type xmlResourceResult struct {
	EvalResourceName                  string
	EvalResourceDecision              string
	MatchedStatements                 *members[xmlStatement]
	MissingContextValues              *members[string]
	PermissionsBoundaryDecisionDetail *xmlBoundaryDetail `xml:",omitempty"`
}

type xmlEvalResult struct {
	EvalActionName                    string
	EvalResourceName                  string
	EvalDecision                      string
	MatchedStatements                 *members[xmlStatement]
	MissingContextValues              *members[string]
	PermissionsBoundaryDecisionDetail *xmlBoundaryDetail          `xml:",omitempty"`
	ResourceSpecificResults           *members[xmlResourceResult] `xml:",omitempty"`
}

// simInput is the policy set of one simulation, with the wire type of
// each named policy.
type simInput struct {
	in    policy.Input
	types map[string]string
}

func (s *simInput) add(name, typ, doc string, t policy.Type) error {
	p, err := policy.Parse([]byte(doc), policy.ParseOptions{Type: t})
	if err != nil {
		if se, ok := err.(*policy.SyntaxError); ok {
			return awserr.MalformedPolicyDocument.New(se.Msg)
		}
		return awserr.InvalidInput.New(err.Error())
	}
	n := policy.Named{Name: name, Policy: p}
	switch t {
	case policy.TypeBoundary:
		s.in.Boundary = &n
	case policy.TypeResource:
		s.in.ResourcePolicy = &n
	default:
		s.in.Identity = append(s.in.Identity, n)
	}
	s.types[name] = typ
	return nil
}

func (c *call) managedDoc(arn string) (string, string) {
	pe := c.snap.Policy(arn)
	if pe == nil {
		return "", ""
	}
	if v := pe.Version(pe.DefaultVersion); v != nil {
		return pe.Name, v.Document
	}
	return "", ""
}

func opSimulatePrincipalPolicy(c *call, in *simulatePrincipalPolicyIn) (*simulateOut, error) {
	src := in.PolicySourceArn
	if src == "" {
		return nil, validation("", "policySourceArn", "Member must not be null")
	}
	if err := c.allow(src, nil); err != nil {
		return nil, err
	}
	acct, res, ok := splitIAMARN(src)
	if !ok {
		return nil, awserr.InvalidInput.Errorf("Invalid ARN: %s", src)
	}
	excluded := map[string]bool{}
	for _, e := range in.PolicyExclusionList {
		excluded[e] = true
	}
	si := &simInput{types: map[string]string{}}
	var pr policy.Principal
	var tags [][2]string
	addInline := func(list []InlinePolicy, typ string) error {
		for _, ip := range list {
			if excluded[ip.Name] {
				continue
			}
			if err := si.add(ip.Name, typ, ip.Document, policy.TypeIdentity); err != nil {
				return err
			}
		}
		return nil
	}
	addManaged := func(arns []string) error {
		for _, a := range arns {
			if excluded[a] {
				continue
			}
			if name, doc := c.managedDoc(a); doc != "" {
				if err := si.add(name, "user-managed", doc, policy.TypeIdentity); err != nil {
					return err
				}
			}
		}
		return nil
	}
	boundary := ""
	name := arn.Name(res)
	switch {
	case strings.HasPrefix(res, "user/"):
		u := c.snap.User(acct, name)
		if u == nil || u.arn != src {
			return nil, awserr.NoSuchEntity.Errorf("PolicySourceArn %s not found.", src)
		}
		if err := firstErr(addInline(u.Inline, "user"), addManaged(u.Attached)); err != nil {
			return nil, err
		}
		for _, gn := range u.Groups {
			if g := c.snap.groups.get(entityKey(acct, gn)); g != nil {
				if err := firstErr(addInline(g.Inline, "group"), addManaged(g.Attached)); err != nil {
					return nil, err
				}
			}
		}
		boundary = u.Boundary
		pr = policy.Principal{Kind: policy.PrincipalUser, ARN: u.arn, AccountID: acct, UniqueID: u.ID, UserID: u.ID, Username: u.Name}
		for _, t := range u.Tags {
			tags = append(tags, [2]string{t.Key, t.Value})
		}
	case strings.HasPrefix(res, "role/"):
		r := c.snap.Role(acct, name)
		if r == nil || r.arn != src {
			return nil, awserr.NoSuchEntity.Errorf("PolicySourceArn %s not found.", src)
		}
		if err := firstErr(addInline(r.Inline, "role"), addManaged(r.Attached)); err != nil {
			return nil, err
		}
		boundary = r.Boundary
		pr = policy.Principal{Kind: policy.PrincipalAssumedRole, ARN: r.arn, RoleARN: r.arn, AccountID: acct, UniqueID: r.ID, UserID: r.ID}
		for _, t := range r.Tags {
			tags = append(tags, [2]string{t.Key, t.Value})
		}
	case strings.HasPrefix(res, "group/"):
		g := c.snap.groups.get(entityKey(acct, name))
		if g == nil || g.arn != src {
			return nil, awserr.NoSuchEntity.Errorf("PolicySourceArn %s not found.", src)
		}
		if err := firstErr(addInline(g.Inline, "group"), addManaged(g.Attached)); err != nil {
			return nil, err
		}
		pr = policy.Principal{Kind: policy.PrincipalUser, ARN: g.arn, AccountID: acct}
	default:
		return nil, awserr.InvalidInput.Errorf("Invalid ARN: %s", src)
	}
	if boundary != "" && !excluded[boundary] {
		if name, doc := c.managedDoc(boundary); doc != "" {
			if err := si.add(name, "user-managed", doc, policy.TypeBoundary); err != nil {
				return nil, err
			}
		}
	}
	return c.simulate(&in.simulateIn, si, pr, tags)
}

func opSimulateCustomPolicy(c *call, in *simulateCustomPolicyIn) (*simulateOut, error) {
	if err := c.allow("*", nil); err != nil {
		return nil, err
	}
	si := &simInput{types: map[string]string{}}
	pr := policy.Principal{Kind: policy.PrincipalUser, AccountID: c.account()}
	if a := in.CallerArn; a != "" {
		pr.ARN = a
		if acct, _, ok := splitIAMARN(a); ok {
			pr.AccountID = acct
		}
	}
	if len(in.PolicyInputList) == 0 {
		return nil, validation("", "policyInputList", "Member must not be null")
	}
	for _, a := range in.ActionNames {
		if strings.ContainsAny(a, "*?") {
			return nil, awserr.InvalidInput.New("Actions must not contain wildcards.")
		}
	}
	return c.simulate(&in.simulateIn, si, pr, nil)
}

// simulate evaluates ActionNames × ResourceArns against si plus the
// request's PolicyInputList, boundary override, resource policy and
// context entries.
func (c *call) simulate(in *simulateIn, si *simInput, pr policy.Principal, tags [][2]string) (*simulateOut, error) {
	for i, doc := range in.PolicyInputList {
		if err := si.add("PolicyInputList."+strconv.Itoa(i+1), "", doc, policy.TypeIdentity); err != nil {
			return nil, err
		}
	}
	if b := in.PermissionsBoundaryPolicyInputList; len(b) > 0 {
		if err := si.add("PermissionsBoundaryPolicyInputList.1", "", b[0], policy.TypeBoundary); err != nil {
			return nil, err
		}
	}
	if rp := in.ResourcePolicy; rp != "" {
		if err := si.add("ResourcePolicy", "resource", rp, policy.TypeResource); err != nil {
			return nil, err
		}
	}
	if a := in.CallerArn; a != "" && pr.ARN != a {
		pr.ARN = a
	}
	owner := in.ResourceOwner
	if acct, _, ok := splitIAMARN(owner); ok {
		owner = acct
	}
	si.in.ResourceAccount = owner
	actions := in.ActionNames
	if len(actions) == 0 {
		return nil, validation("", "actionNames", "Member must not be null")
	}
	resources := in.ResourceArns
	if len(resources) == 0 {
		resources = []string{"*"}
	}
	pc, err := contextEntries(in.ContextEntries)
	if err != nil {
		return nil, err
	}
	setDefault := func(k, v string) {
		if _, ok := pc.Get(k); !ok && v != "" {
			pc.Set(k, v)
		}
	}
	setDefault("aws:PrincipalArn", pr.ARN)
	setDefault("aws:PrincipalAccount", pr.AccountID)
	setDefault("aws:PrincipalType", pr.Kind.String())
	setDefault("aws:userid", pr.UserID)
	setDefault("aws:username", pr.Username)
	for _, t := range tags {
		setDefault("aws:PrincipalTag/"+t[0], t[1])
	}
	var results []xmlEvalResult
	for _, a := range actions {
		for _, r := range resources {
			ex := policy.Explain(&si.in, &policy.Request{Principal: pr, Action: a, Resource: r, Context: pc})
			res := xmlEvalResult{EvalActionName: a, EvalResourceName: r, EvalDecision: ex.Effect.String(),
				MatchedStatements: list(si.statements(ex)), MissingContextValues: list(ex.MissingContextKeys)}
			if si.in.Boundary != nil {
				allowed := true
				for _, m := range ex.Missing {
					if m == policy.TypeBoundary {
						allowed = false
					}
				}
				if ex.Effect == policy.ExplicitDeny && ex.Type == policy.TypeBoundary {
					allowed = false
				}
				res.PermissionsBoundaryDecisionDetail = &xmlBoundaryDetail{AllowedByPermissionsBoundary: allowed}
			}
			if len(in.ResourceArns) > 0 {
				res.ResourceSpecificResults = list([]xmlResourceResult{{EvalResourceName: r, EvalResourceDecision: res.EvalDecision,
					MatchedStatements: res.MatchedStatements, MissingContextValues: res.MissingContextValues,
					PermissionsBoundaryDecisionDetail: res.PermissionsBoundaryDecisionDetail}})
			}
			results = append(results, res)
		}
	}
	// Results keep action × resource order; page by position.
	type indexed struct {
		i int
		r xmlEvalResult
	}
	idx := make([]indexed, len(results))
	for i, r := range results {
		idx[i] = indexed{i, r}
	}
	pg, marker, trunc, err := page(in.Marker, in.MaxItems, idx, func(x indexed) string { return fmt.Sprintf("%08d", x.i) })
	if err != nil {
		return nil, err
	}
	out := make([]xmlEvalResult, len(pg))
	for i, x := range pg {
		out[i] = x.r
	}
	return &simulateOut{list(out), trunc, marker}, nil
}

// statements returns the statements that decided ex: the denies for an
// explicit deny, the allows for an allow, none for an implicit deny.
func (si *simInput) statements(ex *policy.Explanation) []xmlStatement {
	var out []xmlStatement
	for _, m := range ex.Matched {
		switch {
		case ex.Effect == policy.ExplicitDeny && m.Effect == "Deny", ex.Effect == policy.Allowed && m.Effect == "Allow":
		default:
			continue
		}
		if m.Type == policy.TypeBoundary {
			continue
		}
		out = append(out, xmlStatement{SourcePolicyId: m.Policy, SourcePolicyType: si.types[m.Policy],
			StartPosition: xmlPosition{m.Start.Line, m.Start.Column}, EndPosition: xmlPosition{m.End.Line, m.End.Column}})
	}
	return out
}

// contextEntries parses ContextEntries.member.N.{ContextKeyName,
// ContextKeyType, ContextKeyValues.member.M}.
func contextEntries(entries []map[string]string) (*policy.Context, error) {
	pc := &policy.Context{}
	for _, e := range entries {
		name := e["ContextKeyName"]
		if name == "" {
			_, typ := e["ContextKeyType"]
			_, vals := e["ContextKeyValues.member.1"]
			if typ || vals {
				return nil, validation("", "contextEntries.member.contextKeyName", "Member must not be null")
			}
			return pc, nil
		}
		if len(name) < 5 || len(name) > 256 {
			return nil, validation(name, "contextEntries.member.contextKeyName", "Member must have length between 5 and 256")
		}
		typ := e["ContextKeyType"]
		vals := structMembers(e, "ContextKeyValues")
		switch typ {
		case "string", "numeric", "boolean", "ip", "binary", "date":
			if len(vals) == 1 {
				pc.Set(name, vals[0])
			} else {
				pc.SetMulti(name, vals...)
			}
		case "stringList", "numericList", "booleanList", "ipList", "binaryList", "dateList":
			pc.SetMulti(name, vals...)
		default:
			return nil, validation(typ, "contextEntries.member.contextKeyType", "Member must satisfy enum value set: [string, stringList, numeric, numericList, boolean, booleanList, ip, ipList, binary, binaryList, date, dateList]")
		}
	}
	return pc, nil
}

// simulateIn is the input the two simulations share.
type simulateIn struct {
	PolicyInputList, PermissionsBoundaryPolicyInputList []string
	ResourcePolicy, CallerArn, ResourceOwner            string
	ActionNames, ResourceArns                           []string
	ContextEntries                                      []map[string]string
	Marker, MaxItems                                    string
}

type simulatePrincipalPolicyIn struct {
	simulateIn
	PolicyExclusionList []string
	PolicySourceArn     string
}

type simulateCustomPolicyIn struct{ simulateIn }

type simulateOut struct {
	EvaluationResults *members[xmlEvalResult]
	IsTruncated       bool
	Marker            string "xml:\",omitempty\""
}

// structMembers is the list field of a Query structure (a MemberStructs
// entry): field.member.1, field.member.2, ... stopping at the first gap,
// as awsproto.Members reads a top-level list.
func structMembers(m map[string]string, field string) []string {
	var out []string
	for i := 1; ; i++ {
		v, ok := m[field+".member."+strconv.Itoa(i)]
		if !ok {
			return out
		}
		out = append(out, v)
	}
}
