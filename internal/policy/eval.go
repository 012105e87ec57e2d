package policy

import (
	"net/netip"
	"strconv"
	"strings"
)

// setResult summarises one policy type's statements for a request.
type setResult struct {
	allow, deny bool
	level       matchLevel // resource policies: best level of an applicable Allow
	allowPolicy string
	allowStmt   int
	denyPolicy  string
	denyStmt    int
}

// recorder collects evidence for Explain. A nil *recorder records nothing,
// which is how Evaluate stays allocation-free.
type recorder struct {
	ex *Explanation
}

func (r *recorder) missing(key string) {
	for _, k := range r.ex.MissingContextKeys {
		if strings.EqualFold(k, key) {
			return
		}
	}
	r.ex.MissingContextKeys = append(r.ex.MissingContextKeys, key)
}

func (r *recorder) matched(t Type, name string, st *statement) {
	r.ex.Matched = append(r.ex.Matched, MatchedStatement{Type: t, Policy: name, StatementInfo: st.info})
}

// Evaluate decides req against in following AWS's evaluation logic. It
// allocates nothing in the common case (policy variables whose substituted
// text exceeds 256 bytes are the exception). req.Context may be nil.
func Evaluate(in *Input, req *Request) Decision {
	return evaluate(in, req, nil)
}

// Explanation is a Decision with the evidence behind it.
type Explanation struct {
	Decision
	// Matched lists every statement that applied to the request (action,
	// resource, principal and conditions all matched), in evaluation order:
	// identity, resource, boundary, session.
	Matched []MatchedStatement
	// MissingContextKeys lists condition keys and policy variables the
	// request context did not have, deduplicated, in first-seen order.
	MissingContextKeys []string
	// Missing lists the policy types that lacked an allow the decision
	// needed (empty unless Effect is ImplicitDeny).
	Missing []Type
}

// MatchedStatement is one statement that applied.
type MatchedStatement struct {
	Type   Type   // type of the source policy
	Policy string // Named.Name of the source policy
	StatementInfo
}

// Explain evaluates req against in exactly like Evaluate and records the
// evidence. It allocates; use it for the simulate APIs, error logs and
// decision logs, not on the hot path.
func Explain(in *Input, req *Request) *Explanation {
	ex := &Explanation{}
	ex.Decision = evaluate(in, req, &recorder{ex: ex})
	return ex
}

func evaluate(in *Input, req *Request, rec *recorder) Decision {
	p := &req.Principal
	noIdentity := p.Kind == PrincipalAnonymous || p.Kind == PrincipalService || p.Kind == PrincipalWebIdentity
	isRoot := p.Kind == PrincipalRoot
	hasBoundary := in.Boundary != nil && !isRoot && !noIdentity
	useSession := in.SessionPolicies && !isRoot && !noIdentity

	var id, rp, pb, sp setResult
	if !noIdentity && !isRoot {
		id = evalSet(in.Identity, nil, TypeIdentity, req, rec, false)
	}
	if in.ResourcePolicy != nil {
		rp = evalSet(nil, in.ResourcePolicy, TypeResource, req, rec, hasBoundary)
	}
	if hasBoundary {
		pb = evalSet(nil, in.Boundary, TypeBoundary, req, rec, false)
	}
	if useSession {
		sp = evalSet(in.Session, nil, TypeSession, req, rec, false)
	}

	switch {
	case rp.deny:
		return Decision{Effect: ExplicitDeny, Type: TypeResource, Policy: rp.denyPolicy, Statement: rp.denyStmt}
	case id.deny:
		return Decision{Effect: ExplicitDeny, Type: TypeIdentity, Policy: id.denyPolicy, Statement: id.denyStmt}
	case pb.deny:
		return Decision{Effect: ExplicitDeny, Type: TypeBoundary, Policy: pb.denyPolicy, Statement: pb.denyStmt}
	case sp.deny:
		return Decision{Effect: ExplicitDeny, Type: TypeSession, Policy: sp.denyPolicy, Statement: sp.denyStmt}
	}

	sameAccount := in.ResourceAccount == "" || in.ResourceAccount == p.AccountID
	identityOK := isRoot || id.allow
	boundaryOK := !hasBoundary || pb.allow
	sessionOK := sp.allow || !useSession && p.Kind != PrincipalFederatedUser
	lvl := rp.level
	if !rp.allow {
		lvl = levelNone
	}
	allowRes := Decision{Effect: Allowed, Type: TypeResource, Policy: rp.allowPolicy, Statement: rp.allowStmt}
	allowID := Decision{Effect: Allowed, Type: TypeIdentity, Policy: id.allowPolicy, Statement: id.allowStmt}
	if isRoot {
		allowID = Decision{Effect: Allowed, Type: TypeIdentity, Statement: -1}
	}
	deny := func(t Type) Decision {
		if rec != nil {
			rec.ex.Missing = append(rec.ex.Missing, t)
		}
		return Decision{Effect: ImplicitDeny, Type: t, Statement: -1}
	}
	// limits names the first of boundary and session policy that lacks an
	// allow, assuming one of them does.
	limits := func() Decision {
		if !boundaryOK {
			return deny(TypeBoundary)
		}
		return deny(TypeSession)
	}

	switch {
	case noIdentity:
		// Anonymous callers, service principals and web-identity token
		// holders have no identity policies: the resource policy must name
		// them (or "*") directly.
		if lvl == levelDirect {
			return allowRes
		}
		return deny(TypeResource)

	case in.RequireResourcePolicy:
		// Role trust policies must always grant (spec §3.4, sts.md §3.3).
		if lvl == levelNone {
			return deny(TypeResource)
		}
		if sameAccount && lvl >= levelRole {
			if boundaryOK && sessionOK {
				return allowRes
			}
			return limits()
		}
		if !identityOK {
			return deny(TypeIdentity)
		}
		if boundaryOK && sessionOK {
			return allowID
		}
		return limits()

	case sameAccount:
		if lvl == levelDirect {
			return allowRes
		}
		if lvl == levelRole && boundaryOK && sessionOK {
			return allowRes
		}
		if identityOK && boundaryOK && sessionOK {
			return allowID
		}
		if !identityOK && lvl < levelRole {
			return deny(TypeIdentity)
		}
		return limits()

	default: // cross-account: both sides must allow
		if lvl == levelNone {
			return deny(TypeResource)
		}
		if !identityOK {
			return deny(TypeIdentity)
		}
		if boundaryOK && sessionOK {
			return allowID
		}
		return limits()
	}
}

// evalSet evaluates the policies of one type. Exactly one of list and one
// is used.
func evalSet(list []Named, one *Named, t Type, req *Request, rec *recorder, hasBoundary bool) setResult {
	var r setResult
	r.allowStmt, r.denyStmt = -1, -1
	if one != nil {
		evalPolicy(one, t, req, rec, hasBoundary, &r)
		return r
	}
	for i := range list {
		evalPolicy(&list[i], t, req, rec, hasBoundary, &r)
	}
	return r
}

func evalPolicy(n *Named, t Type, req *Request, rec *recorder, hasBoundary bool, r *setResult) {
	pol := n.Policy
	if pol == nil {
		return
	}
	svc := req.Action
	if i := strings.IndexByte(svc, ':'); i >= 0 {
		svc = svc[:i]
	}
	// Candidate statements: those naming the request's service plus those
	// that may match any service, merged in document order.
	var lbuf [32]byte
	var named []int32
	if len(svc) <= len(lbuf) {
		for i := 0; i < len(svc); i++ {
			lbuf[i] = lower(svc[i])
		}
		named = pol.bySvc[string(lbuf[:len(svc)])]
	} else {
		named = pol.bySvc[strings.ToLower(svc)]
	}
	wild := pol.wild
	for len(named) > 0 || len(wild) > 0 {
		var i int32
		if len(wild) == 0 || len(named) > 0 && named[0] < wild[0] {
			i, named = named[0], named[1:]
		} else {
			i, wild = wild[0], wild[1:]
		}
		evalStatement(n, t, int(i), req, svc, rec, hasBoundary, r)
	}
}

func evalStatement(n *Named, t Type, i int, req *Request, svc string, rec *recorder, hasBoundary bool, r *setResult) {
	st := &n.Policy.statements[i]
	if !st.deny && rec == nil && r.allow && (t != TypeResource || r.level == levelDirect) {
		return // an allow of this type is already known; only denies matter now
	}
	if !st.actionMatch(req.Action, svc) {
		return
	}
	lvl := levelDirect
	if st.principal != nil {
		lvl = st.principalMatch(&req.Principal, hasBoundary)
		if lvl == levelNone {
			return
		}
	}
	if !st.resourceMatch(req.Resource, req.Context, rec) {
		return
	}
	if !st.condMatch(req.Context, rec) {
		return
	}
	if rec != nil {
		rec.matched(t, n.Name, st)
	}
	if st.deny {
		if !r.deny {
			r.deny, r.denyPolicy, r.denyStmt = true, n.Name, i
		}
		return
	}
	if !r.allow || lvl > r.level {
		r.allow, r.level, r.allowPolicy, r.allowStmt = true, lvl, n.Name, i
	}
}

func (st *statement) actionMatch(action, svc string) bool {
	m := false
	for i := range st.actions {
		a := &st.actions[i]
		// Cheap service-prefix filter: most statements name other services.
		if a.svc != "" && (len(a.svc) != len(svc) || !strings.EqualFold(a.svc, svc)) {
			continue
		}
		if a.match(action) {
			m = true
			break
		}
	}
	return m != st.notAction
}

func (st *statement) principalMatch(p *Principal, hasBoundary bool) matchLevel {
	if !st.notPrincipal {
		return st.principal.match(p)
	}
	if st.deny {
		// A principal with a permissions boundary is always denied by
		// Deny+NotPrincipal (spec §1.7).
		if hasBoundary || !st.principal.exempts(p) {
			return levelDirect
		}
		return levelNone
	}
	if st.principal.match(p) == levelNone {
		return levelDirect
	}
	return levelNone
}

func (st *statement) resourceMatch(res string, ctx *Context, rec *recorder) bool {
	if st.anyResource {
		return true
	}
	unresolved := false
	for i := range st.resources {
		switch st.resources[i].match(res, ctx, rec) {
		case matchYes:
			return !st.notResource
		case matchUnresolved:
			unresolved = true
		}
	}
	if st.notResource && unresolved {
		// An entry whose variable has no value matches nothing (UG-vars).
		// In NotResource that would widen the statement to every resource;
		// fail closed instead: a Deny still applies, an Allow does not.
		return st.deny
	}
	return st.notResource
}

type tri uint8

const (
	matchNo tri = iota
	matchYes
	matchUnresolved // a policy variable had no value and no default
)

func boolTri(b bool) tri {
	if b {
		return matchYes
	}
	return matchNo
}

func (rp *resPattern) match(v string, ctx *Context, rec *recorder) tri {
	p := &rp.pat
	switch p.kind {
	case mAll:
		return matchYes
	case mExact:
		return boolTri(p.lit == v)
	case mPrefix:
		if rp.arnPrefix {
			return boolTri(strings.HasPrefix(v, p.lit))
		}
	}
	if p.tmpl != nil {
		var buf [256]byte
		b, ok := p.tmpl.resolve(buf[:0], ctx, rec, true)
		if !ok {
			// Undecidable only if some value of the variable could match.
			b, _ = p.tmpl.resolveWild(buf[:0], ctx, nil, true, true)
			if arnGlob(bytesString(b), v) {
				return matchUnresolved
			}
			return matchNo
		}
		return boolTri(arnGlob(bytesString(b), v))
	}
	return boolTri(arnGlob(p.enc, v))
}

func (st *statement) condMatch(ctx *Context, rec *recorder) bool {
	for i := range st.conds {
		if !st.conds[i].eval(ctx, rec) {
			if rec == nil {
				return false
			}
			// Keep going so every missing key is reported.
			for j := i + 1; j < len(st.conds); j++ {
				st.conds[j].eval(ctx, rec)
			}
			return false
		}
	}
	return true
}

func (c *condition) eval(ctx *Context, rec *recorder) bool {
	single, multi, isMulti, ok := ctx.lookup(c.key)
	op := &c.op
	if op.base.t == tNull {
		for i := range c.values {
			v := &c.values[i]
			if !v.valid {
				continue
			}
			wantAbsent := strings.EqualFold(v.raw, "true")
			if wantAbsent != ok {
				return true
			}
		}
		return false
	}
	if ok && isMulti {
		switch {
		case op.set == setNone:
			// A plain operator never matches a multi-valued key, whatever
			// its size; a set operator is required (spec §1.10.3, §5.3).
			return false
		case len(multi) == 0:
			return op.set == setAll
		}
	}
	if !ok {
		if rec != nil {
			rec.missing(c.key)
		}
		if op.ifExists {
			return true
		}
		switch op.set {
		case setAll:
			return true
		case setAny:
			return false
		}
		return op.base.neg
	}
	if !isMulti {
		return c.base(single, ctx, rec)
	}
	switch op.set {
	case setNone:
		if len(multi) != 1 {
			return false
		}
		return c.base(multi[0], ctx, rec)
	case setAny:
		for _, v := range multi {
			if c.base(v, ctx, rec) {
				return true
			}
		}
		return false
	default:
		for _, v := range multi {
			if !c.base(v, ctx, rec) {
				return false
			}
		}
		return true
	}
}

// base applies the base operator to one request value against all policy
// values: OR for positive operators, NOR for negated ones.
func (c *condition) base(v string, ctx *Context, rec *recorder) bool {
	hit := false
	for i := range c.values {
		if c.compare(&c.values[i], v, ctx, rec) {
			hit = true
			break
		}
	}
	return hit != c.op.base.neg
}

// compare is the positive form of the operator for one policy value.
func (c *condition) compare(cv *cvalue, v string, ctx *Context, rec *recorder) bool {
	if !cv.valid {
		return false
	}
	b := c.op.base
	switch b.t {
	case tString, tBool:
		if cv.tmpl != nil {
			var buf [256]byte
			r, ok := cv.tmpl.resolve(buf[:0], ctx, rec, b.cmp == cLike)
			if !ok {
				return false
			}
			return stringCompare(b.cmp, b.t, bytesString(r), v)
		}
		if b.cmp == cLike {
			return cv.pat.match(v)
		}
		return stringCompare(b.cmp, b.t, cv.raw, v)
	case tARN:
		var idx [5]int
		if !colons5(v, &idx) {
			return false
		}
		if cv.tmpl != nil {
			var buf [256]byte
			r, ok := cv.tmpl.resolve(buf[:0], ctx, rec, true)
			if !ok {
				return false
			}
			return arnGlob(bytesString(r), v)
		}
		if !colons5(cv.raw, &idx) && cv.raw != "*" {
			return false
		}
		return arnGlob(cv.raw, v)
	case tNumeric:
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return false
		}
		return ordered(b.cmp, cmp3(f, cv.num))
	case tDate:
		ts, ok := parseDate(v)
		if !ok {
			return false
		}
		return ordered(b.cmp, cmp3(ts, cv.ts))
	case tBinary:
		return cv.raw == v
	case tIP:
		a, err := netip.ParseAddr(v)
		if err != nil {
			return false
		}
		return cv.prefix.Contains(a.WithZone(""))
	}
	return false
}

func stringCompare(k cmpKind, t valueType, pol, v string) bool {
	switch {
	case t == tBool || k == cEqFold:
		return strings.EqualFold(pol, v)
	case k == cLike:
		return glob(pol, v, false)
	}
	return pol == v
}

func cmp3[T int64 | float64](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func ordered(k cmpKind, c int) bool {
	switch k {
	case cEq:
		return c == 0
	case cLT:
		return c < 0
	case cLE:
		return c <= 0
	case cGT:
		return c > 0
	case cGE:
		return c >= 0
	}
	return false
}
