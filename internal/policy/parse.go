package policy

import (
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/arn"
)

// Messages AWS returns in MalformedPolicyDocument.
const (
	msgSyntax          = "Syntax errors in policy."
	msgVersion         = "Policy document must be version 2012-10-17 or greater."
	msgLegacy          = "The policy failed legacy parsing"
	msgSidUnique       = "Statement IDs (SID) in a single policy must be unique."
	msgSidAlnum        = "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*"
	msgNoActions       = "Policy statement must contain actions."
	msgNoResources     = "Policy statement must contain resources."
	msgNoPrincipal     = "Policy document should not specify a principal."
	msgTrustNoPrinc    = "Invalid principal in policy: com.amazon.balsa.error.InvalidPolicyException: The passed in policy has a statement with no principals!"
	msgMissingPrinc    = "Missing required field Principal"
	msgVendor          = "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."
	msgOneColon        = "Actions/Condition can contain only one colon."
	msgResourceVendor  = "Resource vendor must be fully qualified and cannot contain regexes."
	msgIAMResourcePath = `IAM resource path must either be "*" or start with user/, federated-user/, role/, group/, instance-profile/, mfa/, server-certificate/, policy/, sms-mfa/, saml-provider/, oidc-provider/, report/, access-report/.`
)

const (
	version2012 = "2012-10-17"
	version2008 = "2008-10-17"
)

func synErr(off int) error { return &SyntaxError{Msg: msgSyntax, Offset: off} }

func semErr(msg string, off int) error { return &SyntaxError{Msg: msg, Offset: off} }

// Size returns the size of doc as IAM counts it against its quotas: the
// number of characters that are not white space.
func Size(doc []byte) int {
	n := 0
	for _, r := range string(doc) {
		switch r {
		case ' ', '\t', '\n', '\r':
		default:
			n++
		}
	}
	return n
}

// Parse validates doc as a policy of type opts.Type and compiles it. Errors
// are *SyntaxError (MalformedPolicyDocument) or *SizeError (LimitExceeded).
// The returned Policy keeps its own copy of doc.
func Parse(doc []byte, opts ParseOptions) (*Policy, error) {
	if len(doc) > MaxDocumentLength && !opts.Trusted {
		return nil, &SizeError{Size: Size(doc), Max: MaxDocumentLength}
	}
	if opts.MaxSize > 0 {
		if n := Size(doc); n > opts.MaxSize {
			return nil, &SizeError{Size: n, Max: opts.MaxSize}
		}
	}
	// Allowed characters: tab, LF, CR and U+0020–U+00FF.
	for i, r := range string(doc) {
		if r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r > 0xFF {
			return nil, synErr(i)
		}
	}
	root, err := parseJSON(doc)
	if err != nil {
		return nil, err
	}
	c := &compiler{doc: doc, opts: opts}
	if err := c.syntax(&root); err != nil {
		return nil, err
	}
	p := &Policy{doc: append([]byte(nil), doc...), typ: opts.Type}
	if v, ok := root.get("Version"); ok {
		p.version = v.str
	}
	if v, ok := root.get("Id"); ok {
		p.id = v.str
	}
	p.vars = p.version == version2012
	c.vars = p.vars
	if err := c.semantics(&root, p); err != nil {
		return nil, err
	}
	stmts, err := c.compile()
	if err != nil {
		return nil, err
	}
	p.statements = stmts
	p.index()
	return p, nil
}

type compiler struct {
	doc   []byte
	opts  ParseOptions
	vars  bool
	stmts []*jvalue
}

// identityLike reports whether the policy type forbids Principal.
func (c *compiler) identityLike() bool {
	switch c.opts.Type {
	case TypeIdentity, TypeBoundary, TypeSession:
		return true
	}
	return false
}

// ---- pass 1: shape and JSON types -> "Syntax errors in policy." ----

func checkDup(v *jvalue) error {
	for i := range v.obj {
		for j := 0; j < i; j++ {
			if v.obj[i].key == v.obj[j].key {
				return synErr(v.obj[i].off)
			}
		}
	}
	return nil
}

func isStringList(v *jvalue) bool {
	switch v.kind {
	case jstring:
		return true
	case jarray:
		for i := range v.arr {
			if v.arr[i].kind != jstring {
				return false
			}
		}
		return true
	}
	return false
}

func (c *compiler) syntax(root *jvalue) error {
	if root.kind != jobject {
		return synErr(root.off)
	}
	if err := checkDup(root); err != nil {
		return err
	}
	for i := range root.obj {
		m := &root.obj[i]
		switch m.key {
		case "Version":
			if m.value.kind != jstring || m.value.str != version2012 && m.value.str != version2008 {
				return synErr(m.value.off)
			}
		case "Id":
			if m.value.kind != jstring {
				return synErr(m.value.off)
			}
		case "Statement":
		default:
			return synErr(m.off)
		}
	}
	st, ok := root.get("Statement")
	if !ok {
		return synErr(root.off)
	}
	switch st.kind {
	case jobject:
		c.stmts = []*jvalue{st}
	case jarray:
		if len(st.arr) == 0 {
			return synErr(st.off)
		}
		for i := range st.arr {
			if st.arr[i].kind != jobject {
				return synErr(st.arr[i].off)
			}
			c.stmts = append(c.stmts, &st.arr[i])
		}
	default:
		return synErr(st.off)
	}
	for _, s := range c.stmts {
		if err := c.statementSyntax(s); err != nil {
			return err
		}
	}
	return nil
}

func (c *compiler) statementSyntax(s *jvalue) error {
	if err := checkDup(s); err != nil {
		return err
	}
	for i := range s.obj {
		m := &s.obj[i]
		v := &m.value
		switch m.key {
		case "Sid":
			if v.kind != jstring {
				return synErr(v.off)
			}
		case "Effect":
			if v.kind != jstring || !strings.EqualFold(v.str, "Allow") && !strings.EqualFold(v.str, "Deny") {
				return synErr(v.off)
			}
		case "Action", "NotAction", "Resource", "NotResource":
			if !isStringList(v) {
				return synErr(v.off)
			}
		case "Principal", "NotPrincipal":
			if err := principalSyntax(v); err != nil {
				return err
			}
		case "Condition":
			if err := conditionSyntax(v); err != nil {
				return err
			}
		default:
			return synErr(m.off)
		}
	}
	if _, ok := s.get("Effect"); !ok {
		return synErr(s.off)
	}
	for _, pair := range [][2]string{{"Action", "NotAction"}, {"Resource", "NotResource"}, {"Principal", "NotPrincipal"}} {
		_, a := s.get(pair[0])
		b, bok := s.get(pair[1])
		if a && bok {
			return synErr(b.off)
		}
	}
	return nil
}

func principalSyntax(v *jvalue) error {
	switch v.kind {
	case jstring:
		if v.str != "*" {
			return synErr(v.off)
		}
		return nil
	case jobject:
		if err := checkDup(v); err != nil {
			return err
		}
		if len(v.obj) == 0 {
			return synErr(v.off)
		}
		for i := range v.obj {
			m := &v.obj[i]
			switch m.key {
			case "AWS", "Service", "Federated", "CanonicalUser":
			default:
				return synErr(m.off)
			}
			if !isStringList(&m.value) || m.value.kind == jarray && len(m.value.arr) == 0 {
				return synErr(m.value.off)
			}
		}
		return nil
	}
	return synErr(v.off)
}

func conditionSyntax(v *jvalue) error {
	if v.kind != jobject {
		return synErr(v.off)
	}
	if err := checkDup(v); err != nil {
		return err
	}
	for i := range v.obj {
		m := &v.obj[i]
		if m.value.kind != jobject {
			return synErr(m.value.off)
		}
		// An operator IAM does not know is refused unless its block is
		// empty: {"x": {}} carries no condition and AWS accepts it.
		if _, ok := parseOperator(m.key); !ok && len(m.value.obj) > 0 {
			return synErr(m.off)
		}
		if err := checkDup(&m.value); err != nil {
			return err
		}
		for j := range m.value.obj {
			kv := &m.value.obj[j].value
			switch kv.kind {
			case jstring, jnumber, jbool:
			case jarray:
				for k := range kv.arr {
					switch kv.arr[k].kind {
					case jstring, jnumber, jbool:
					default:
						return synErr(kv.arr[k].off)
					}
				}
			default:
				return synErr(kv.off)
			}
		}
	}
	return nil
}

// ---- pass 2: semantic checks in the order AWS reports them ----

func strs(v *jvalue) []jvalue {
	if v.kind == jarray {
		return v.arr
	}
	return []jvalue{*v}
}

func (c *compiler) semantics(root *jvalue, p *Policy) error {
	if c.opts.Managed && p.version != version2012 {
		off := root.off
		if v, ok := root.get("Version"); ok {
			off = v.off
		}
		return semErr(msgVersion, off)
	}
	// Legacy parsing: Effect case and Date literals.
	for _, s := range c.stmts {
		e, _ := s.get("Effect")
		if e.str != "Allow" && e.str != "Deny" {
			return semErr(msgLegacy, e.off)
		}
		if cond, ok := s.get("Condition"); ok {
			for i := range cond.obj {
				op, _ := parseOperator(cond.obj[i].key)
				if op.base.typ() != tDate {
					continue
				}
				for j := range cond.obj[i].value.obj {
					for _, dv := range strs(&cond.obj[i].value.obj[j].value) {
						if _, ok := policyDate(dv.str); !ok {
							return semErr(msgLegacy, dv.off)
						}
					}
				}
			}
		}
	}
	// Legacy parsing of resources, which AWS does only while no resource
	// has a format error; that error itself is reported later, after the
	// Sid and action checks (resErr).
	var resErr error
	for _, key := range []string{"Resource", "NotResource"} {
		for _, s := range c.stmts {
			r, ok := s.get(key)
			if !ok {
				continue
			}
			vals := strs(r)
			for _, rv := range vals {
				if msg := c.resourceFormat(rv.str); msg != "" && resErr == nil {
					resErr = semErr(msg, rv.off)
				}
			}
			if resErr != nil {
				continue
			}
			for _, rv := range vals {
				if c.legacyResource(rv.str) {
					return semErr(msgLegacy, rv.off)
				}
			}
		}
	}
	// Sid rules.
	for i, s := range c.stmts {
		sid, ok := s.get("Sid")
		if !ok || sid.str == "" {
			continue
		}
		for _, t := range c.stmts[:i] {
			if o, ok := t.get("Sid"); ok && o.str == sid.str {
				return semErr(msgSidUnique, sid.off)
			}
		}
	}
	for _, s := range c.stmts {
		if sid, ok := s.get("Sid"); ok && !validSid(sid.str, c.opts.AllowSidSpaces) {
			return semErr(msgSidAlnum, sid.off)
		}
	}
	// Principal by policy type.
	for _, s := range c.stmts {
		pr, hasP := s.get("Principal")
		np, hasNP := s.get("NotPrincipal")
		switch {
		case c.identityLike():
			if hasP {
				return semErr(msgNoPrincipal, pr.off)
			}
			if hasNP {
				return semErr(msgNoPrincipal, np.off)
			}
		case c.opts.Type == TypeTrust:
			if hasNP {
				return semErr("Has prohibited field NotPrincipal", np.off)
			}
			if !hasP {
				return semErr(msgTrustNoPrinc, s.off)
			}
		case c.opts.Type == TypeResource:
			if !hasP && !hasNP {
				return semErr(msgMissingPrinc, s.off)
			}
		}
		for _, v := range []*jvalue{pr, np} {
			if v != nil {
				if err := principalValues(v); err != nil {
					return err
				}
			}
		}
	}
	// Actions present.
	for _, s := range c.stmts {
		a, ok := s.get("Action")
		if !ok {
			a, ok = s.get("NotAction")
		}
		if !ok || a.kind == jarray && len(a.arr) == 0 {
			return semErr(msgNoActions, s.off)
		}
	}
	// Resource formats.
	for _, s := range c.stmts {
		if c.opts.Type == TypeTrust {
			for _, key := range []string{"Resource", "NotResource"} {
				if r, ok := s.get(key); ok {
					return semErr("Has prohibited field "+key, r.off)
				}
			}
		}
	}
	if resErr != nil {
		return resErr
	}
	// Action prefixes.
	for _, s := range c.stmts {
		for _, key := range []string{"Action", "NotAction"} {
			if a, ok := s.get(key); ok {
				for _, av := range strs(a) {
					if msg := actionFormat(av.str); msg != "" {
						return semErr(msg, av.off)
					}
				}
			}
		}
	}
	// Resources present (identity-side policies).
	if c.identityLike() {
		for _, s := range c.stmts {
			r, ok := s.get("Resource")
			if !ok {
				r, ok = s.get("NotResource")
			}
			if !ok || r.kind == jarray && len(r.arr) == 0 {
				return semErr(msgNoResources, s.off)
			}
		}
	}
	return nil
}

func validSid(s string, spaces bool) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || spaces && c == ' ' {
			continue
		}
		return false
	}
	return true
}

func actionFormat(a string) string {
	if a == "*" {
		return ""
	}
	i := strings.IndexByte(a, ':')
	if i < 0 {
		return msgVendor
	}
	if strings.IndexByte(a[i+1:], ':') >= 0 {
		return msgOneColon
	}
	prefix := a[:i]
	for j := 0; j < len(prefix); j++ {
		c := prefix[j]
		if '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '-' || c == '.' {
			continue
		}
		return "Vendor " + prefix + " is not valid"
	}
	if prefix == "" {
		return "Vendor  is not valid"
	}
	return ""
}

var partitions = []string{"aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f", "aws-eusc", "*"}

// iamRules reports whether the document is validated as IAM validates the
// policies of its own APIs (and STS's session policies). Resource policies
// of other services (AllowSidSpaces) keep their services' own leniency,
// such as API Gateway's "execute-api:/*" shorthand.
func (c *compiler) iamRules() bool { return !c.opts.AllowSidSpaces }

// legacyResource reports a resource that AWS rejects with "The policy
// failed legacy parsing": fewer than five colons with an empty section
// between two of them, or an empty service section.
func (c *compiler) legacyResource(r string) bool {
	if r == "*" || !c.iamRules() && !strings.HasPrefix(r, "arn:") {
		return false
	}
	colons := strings.Count(r, ":")
	if colons < 5 && strings.Contains(r, "::") {
		return true
	}
	sec, n := arn.Fields(r)
	return n < 3 || sec[2] == ""
}

// s3Regional are the Amazon S3 resource types whose ARNs carry a region
// (Service Authorization Reference, Amazon S3); a bucket or object ARN
// with a region is refused.
var s3Regional = []string{"accesspoint/", "job/", "storage-lens/", "storage-lens-group/", "access-grants/", "async-request/"}

// invalidPartition is AWS's message for a resource whose second section
// is not a partition. AWS quotes the resource as the ARN it read: the first
// section as "arn", missing sections as "*" up to six.
func invalidPartition(r string) string {
	parts, n := arn.Fields(r)
	pt := parts[1]
	sec := func(i int) string { // the i-th section after the partition
		if 2+i < n {
			return parts[2+i]
		}
		return "*"
	}
	// The fourth section after the partition is the rest, colons and all.
	return `Partition "` + pt + `" is not valid for resource "arn:` + pt + ":" + sec(0) + ":" + sec(1) + ":" + sec(2) + ":" + sec(3) + `".`
}

func (c *compiler) resourceFormat(r string) string {
	if r == "*" {
		return ""
	}
	i := strings.IndexByte(r, ':')
	if i < 0 || i == 0 && !c.iamRules() {
		return `Resource ` + r + ` must be in ARN format or "*".`
	}
	if !strings.HasPrefix(r, "arn:") && !c.iamRules() {
		// Shorthand resources such as "execute-api:/*" are accepted here and
		// expanded by the API that stores the policy.
		return ""
	}
	// IAM reads the second section as the partition whatever the first
	// says ("aws:s3:::b" is refused for partition "s3").
	parts, n := arn.Fields(r)
	known := false
	for _, p := range partitions {
		if parts[1] == p {
			known = true
		}
	}
	if !known && (c.iamRules() || !strings.ContainsAny(parts[1], "*?$")) {
		if c.iamRules() {
			return invalidPartition(r)
		}
		return `Partition "` + parts[1] + `" is not valid for resource "` + r + `".`
	}
	if n < 3 || strings.ContainsAny(parts[2], "*?") {
		return msgResourceVendor
	}
	if parts[2] == "" {
		return "" // legacy parsing refuses it
	}
	// A wildcard region is let through: AWS's answer for it is not on
	// record (the recorded case is "us-east-1").
	if parts[2] == "s3" && n >= 4 && parts[3] != "" && !strings.ContainsAny(parts[3], "*?$") {
		res := ""
		if n == 6 {
			res = parts[5]
		}
		regional := strings.HasPrefix(res, "*") || strings.HasPrefix(res, "$")
		for _, t := range s3Regional {
			if strings.HasPrefix(res, t) {
				regional = true
			}
		}
		if !regional {
			return "Resource " + r + " can not contain region information."
		}
	}
	if parts[2] == "iam" && n == 6 {
		if parts[3] != "" {
			return "IAM resource " + r + " cannot contain region information."
		}
		res := parts[5]
		if res != "*" && !strings.HasPrefix(res, "$") && !strings.HasPrefix(res, "*") {
			ok := false
			for _, t := range []string{"user", "federated-user", "role", "group", "instance-profile", "mfa", "server-certificate", "policy", "sms-mfa", "saml-provider", "oidc-provider", "report", "access-report", "root"} {
				if res == t || strings.HasPrefix(res, t+"/") || t == "root" && res == "root" {
					ok = true
					break
				}
			}
			if !ok && !strings.ContainsAny(res, "*?") {
				return msgIAMResourcePath
			}
		}
	}
	return ""
}

// principalValues rejects partial wildcards and values that cannot name a
// principal.
func principalValues(v *jvalue) error {
	if v.kind == jstring {
		return nil
	}
	for i := range v.obj {
		m := &v.obj[i]
		for _, e := range strs(&m.value) {
			s := e.str
			bad := s == "" || s != "*" && strings.ContainsAny(s, "*?")
			if m.key == "AWS" && !bad && s != "*" {
				bad = !isAccountID(s) && !strings.HasPrefix(s, "arn:") && !isUniqueID(s)
			}
			if bad {
				return semErr(`Invalid principal in policy: "`+m.key+`":"`+s+`"`, e.off)
			}
		}
	}
	return nil
}

func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func isUniqueID(s string) bool {
	if len(s) < 16 || len(s) > 128 {
		return false
	}
	for _, p := range []string{"AIDA", "AROA", "AGPA", "ANPA", "AIPA", "ASIA", "AKIA"} {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}
