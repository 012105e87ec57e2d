package policy

import (
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/arn"
)

// statement is a compiled statement.
type statement struct {
	info StatementInfo
	deny bool

	notAction bool
	actions   []pattern

	notResource bool
	anyResource bool // resource policy without Resource: the attached resource
	resources   []resPattern

	principal    *principalSet // nil: identity-side policy
	notPrincipal bool

	conds []condition
}

// resPattern is a compiled Resource entry.
type resPattern struct {
	pat       pattern
	arnPrefix bool // mPrefix whose literal covers the first five colons
}

func (c *compiler) compile() ([]statement, error) {
	out := make([]statement, len(c.stmts))
	for i, s := range c.stmts {
		st := &out[i]
		st.info.Index = i
		if v, ok := s.get("Sid"); ok {
			st.info.Sid = v.str
		}
		e, _ := s.get("Effect")
		st.info.Effect = e.str
		st.deny = e.str == "Deny"
		st.info.Start = position(c.doc, s.off)
		st.info.End = position(c.doc, s.end-1) // the closing brace

		a, ok := s.get("Action")
		if !ok {
			a, _ = s.get("NotAction")
			st.notAction = true
		}
		for _, av := range strs(a) {
			ap := newPattern(strings.ToLower(av.str), nil, true)
			if i := strings.IndexByte(ap.enc, ':'); i > 0 && !strings.ContainsAny(ap.enc[:i], "*?") {
				ap.svc = ap.enc[:i]
			}
			st.actions = append(st.actions, ap)
		}

		r, ok := s.get("Resource")
		if !ok {
			r, ok = s.get("NotResource")
			st.notResource = ok
		}
		if !ok {
			st.anyResource = true
		} else {
			for _, rv := range strs(r) {
				st.resources = append(st.resources, c.resource(rv.str))
			}
		}

		if p, ok := s.get("Principal"); ok {
			st.principal = compilePrincipal(p)
		} else if p, ok := s.get("NotPrincipal"); ok {
			st.principal = compilePrincipal(p)
			st.notPrincipal = true
		}

		if cond, ok := s.get("Condition"); ok {
			for j := range cond.obj {
				op, _ := parseOperator(cond.obj[j].key)
				for k := range cond.obj[j].value.obj {
					m := &cond.obj[j].value.obj[k]
					cd := condition{op: op, key: m.key}
					for _, v := range strs(&m.value) {
						cd.values = append(cd.values, compileCondValue(op, v.str, c.vars))
					}
					st.conds = append(st.conds, cd)
				}
			}
		}
	}
	return out, nil
}

func (c *compiler) resource(s string) resPattern {
	// Short ARNs (fewer than six sections) are padded with "*" sections in
	// identity-side policies, and in resource policies when they hold a
	// wildcard; otherwise they match nothing. This is iam-simulate's rule;
	// AWS's is unconfirmed (spec §1.9).
	if strings.HasPrefix(s, "arn:") {
		if n := strings.Count(s, ":"); n < 5 && (c.identityLike() || strings.ContainsAny(s, "*?")) {
			s += strings.Repeat(":*", 5-n)
		}
	}
	var rp resPattern
	if c.vars {
		// Variables work only in the resource section, after the fifth
		// colon (UG-vars); elsewhere "${...}" is literal text.
		prefix, rest := "", s
		var idx [5]int
		if colons5(s, &idx) {
			prefix, rest = s[:idx[4]+1], s[idx[4]+1:]
		}
		if t := parseTemplate(rest); t != nil {
			if prefix != "" {
				t.parts = append([]tpart{{enc: prefix}}, t.parts...)
			}
			rp.pat = newPattern(s, t, false)
			return rp
		}
		s = prefix + escapeLiteralText(rest, true)
	}
	rp.pat = newPattern(s, nil, false)
	if rp.pat.kind == mPrefix {
		rp.arnPrefix = strings.Count(rp.pat.lit, ":") >= 5
	}
	return rp
}

// principalSet is a compiled Principal or NotPrincipal element.
type principalSet struct {
	any       bool
	accounts  []string
	arns      []string // user, assumed-role session, federated-user ARNs
	roles     []string // role ARNs: match every session of the role
	uniqueIDs []string
	services  []string
	federated []string
	canonical []string // never matches in gatehouse
}

func compilePrincipal(v *jvalue) *principalSet {
	ps := &principalSet{}
	if v.kind == jstring {
		ps.any = true
		return ps
	}
	for i := range v.obj {
		m := &v.obj[i]
		for _, e := range strs(&m.value) {
			s := e.str
			switch m.key {
			case "AWS":
				switch {
				case s == "*":
					ps.any = true
				case isAccountID(s):
					ps.accounts = append(ps.accounts, s)
				case strings.HasPrefix(s, "arn:"):
					sec, n := arn.Fields(s)
					if n == 6 && sec[5] == "root" {
						ps.accounts = append(ps.accounts, sec[4])
					} else if n == 6 && sec[2] == "iam" && strings.HasPrefix(sec[5], "role/") {
						ps.roles = append(ps.roles, s)
					} else {
						ps.arns = append(ps.arns, s)
					}
				default:
					ps.uniqueIDs = append(ps.uniqueIDs, s)
				}
			case "Service":
				if s == "*" {
					ps.any = true
				} else {
					ps.services = append(ps.services, s)
				}
			case "Federated":
				if s == "*" {
					ps.any = true
				} else {
					ps.federated = append(ps.federated, s)
				}
			case "CanonicalUser":
				if s == "*" {
					ps.any = true
				} else {
					ps.canonical = append(ps.canonical, s)
				}
			}
		}
	}
	return ps
}

// matchLevel is how a Principal element named the caller.
type matchLevel uint8

const (
	levelNone    matchLevel = iota
	levelAccount            // the caller's account: delegates to its IAM policies
	levelRole               // the role (or the federating user) behind a session
	levelDirect             // the caller itself, or "*"
)

func roleName(s string) string { return arn.Name(s) }

func roleAccount(s string) string {
	if sec, ok := arn.Split(s); ok {
		return sec[4]
	}
	return ""
}

// match returns the most specific level at which the set names p.
func (ps *principalSet) match(p *Principal) matchLevel {
	if ps.any {
		return levelDirect
	}
	switch p.Kind {
	case PrincipalAnonymous:
		return levelNone
	case PrincipalService:
		for _, s := range ps.services {
			if s == p.Service {
				return levelDirect
			}
		}
		return levelNone
	case PrincipalWebIdentity:
		for _, f := range ps.federated {
			if f == p.FederatedProvider {
				return levelDirect
			}
		}
		return levelNone
	}
	best := levelNone
	for _, a := range ps.arns {
		if a == p.ARN {
			return levelDirect
		}
		if p.Kind == PrincipalFederatedUser && a == p.RoleARN {
			best = levelRole
		}
	}
	if p.UniqueID != "" {
		for _, id := range ps.uniqueIDs {
			if id == p.UniqueID {
				if p.Kind == PrincipalAssumedRole {
					best = levelRole
				} else {
					return levelDirect
				}
			}
		}
	}
	if p.Kind == PrincipalAssumedRole && p.RoleARN != "" && best < levelRole {
		for _, r := range ps.roles {
			// Role names are case-insensitive in IAM; the path is not
			// part of the session ARN, so compare account and name.
			if r == p.RoleARN || roleAccount(r) == p.AccountID && strings.EqualFold(roleName(r), roleName(p.RoleARN)) {
				best = levelRole
				break
			}
		}
	}
	if best == levelNone {
		for _, a := range ps.accounts {
			if a == p.AccountID {
				return levelAccount
			}
		}
	}
	return best
}

// exempts reports whether a NotPrincipal list exempts p from a Deny: every
// level of p's identity chain (account, role for sessions, the caller
// itself) must be listed. This is the conservative reading of AWS's
// warning (spec §1.7); iam-simulate exempts on any single level.
func (ps *principalSet) exempts(p *Principal) bool {
	if ps.any {
		return true
	}
	if p.Kind == PrincipalAnonymous || p.Kind == PrincipalService || p.Kind == PrincipalWebIdentity {
		return ps.match(p) == levelDirect
	}
	acct := false
	for _, a := range ps.accounts {
		if a == p.AccountID {
			acct = true
		}
	}
	if !acct {
		return false
	}
	if p.Kind == PrincipalRoot {
		return true
	}
	self := false
	for _, a := range ps.arns {
		if a == p.ARN {
			self = true
		}
	}
	if p.Kind == PrincipalUser {
		for _, id := range ps.uniqueIDs {
			if id == p.UniqueID {
				self = true
			}
		}
	}
	if !self {
		return false
	}
	if p.Kind == PrincipalAssumedRole {
		for _, r := range ps.roles {
			if r == p.RoleARN || roleAccount(r) == p.AccountID && strings.EqualFold(roleName(r), roleName(p.RoleARN)) {
				return true
			}
		}
		return false
	}
	return true
}
