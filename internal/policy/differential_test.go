package policy

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/arn"
)

// Differential test against @cloud-copilot/iam-simulate (test/iamsim). CI
// installs the oracle first with `npm ci --prefix test/iamsim`; without
// node or test/iamsim/node_modules the test skips.
//
// Every disagreement must either be fixed or be explained by an entry of
// knownDifferences, which names the AWS documentation that shows which side
// is right.

const (
	acctA = "111111111111"
	acctB = "222222222222"
)

type simPrincipal struct {
	name string
	p    Principal
	tags map[string]string
}

var simPrincipals = []simPrincipal{
	{"alice", Principal{Kind: PrincipalUser, ARN: "arn:aws:iam::" + acctA + ":user/alice", AccountID: acctA, UserID: "AIDAALICEEXAMPLE00001", Username: "alice"}, map[string]string{"team": "blue"}},
	{"bob", Principal{Kind: PrincipalUser, ARN: "arn:aws:iam::" + acctB + ":user/bob", AccountID: acctB, UserID: "AIDABOBEXAMPLE0000001", Username: "bob"}, map[string]string{"team": "red"}},
	{"appSession", Principal{Kind: PrincipalAssumedRole, ARN: "arn:aws:sts::" + acctA + ":assumed-role/app/s1", AccountID: acctA, RoleARN: "arn:aws:iam::" + acctA + ":role/app", UserID: "AROAAPPEXAMPLE0000001:s1"}, map[string]string{"team": "blue"}},
	{"ciSession", Principal{Kind: PrincipalAssumedRole, ARN: "arn:aws:sts::" + acctB + ":assumed-role/ci/build", AccountID: acctB, RoleARN: "arn:aws:iam::" + acctB + ":role/ci", UserID: "AROACIEXAMPLE00000001:build"}, nil},
	{"fred", Principal{Kind: PrincipalFederatedUser, ARN: "arn:aws:sts::" + acctA + ":federated-user/fred", AccountID: acctA, RoleARN: "arn:aws:iam::" + acctA + ":user/alice", UserID: acctA + ":fred"}, nil},
	{"rootA", Principal{Kind: PrincipalRoot, ARN: "arn:aws:iam::" + acctA + ":root", AccountID: acctA, UserID: acctA}, nil},
	{"anonymous", Principal{Kind: PrincipalAnonymous}, nil},
	{"lambda", Principal{Kind: PrincipalService, Service: "lambda.amazonaws.com"}, nil},
}

var simActions = []string{"execute-api:Invoke", "execute-api:InvalidateCache", "execute-api:ManageConnections", "sqs:SendMessage", "sqs:ReceiveMessage"}

func simResource(r *rand.Rand, action, acct string) string {
	if strings.HasPrefix(action, "sqs:") {
		return "arn:aws:sqs:us-east-1:" + acct + ":" + pick(r, []string{"queue1", "queue2", "alice"})
	}
	return "arn:aws:execute-api:us-east-1:" + acct + ":api1/" + pick(r, []string{"prod", "dev"}) + "/" +
		pick(r, []string{"GET", "POST"}) + "/" + pick(r, []string{"pets", "pets/1", "users/alice", "users/bob/x", "users/blue"})
}

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

var actionPatterns = []string{"*", "sts:AssumeRole", "sts:*", "execute-api:*", "execute-api:Invoke", "execute-api:inv*", "EXECUTE-API:invoke", "execute-api:?nvoke", "execute-api:*Cache", "sqs:*", "sqs:Send*", "SQS:receivemessage", "sqs:*Message"}

func resourcePatterns(acct string) []string {
	return []string{
		"*",
		"arn:aws:execute-api:*:*:*",
		"arn:aws:execute-api:us-east-1:" + acct + ":api1/*",
		"arn:aws:execute-api:us-east-1:*:api1/prod/*",
		"arn:aws:execute-api:us-east-1:" + acct + ":api1/*/GET/pets",
		"arn:aws:execute-api:us-east-1:" + acct + ":api1/*/GET/pets/?",
		"arn:aws:execute-api:us-east-1:" + acct + ":api1/prod/*/users/${aws:username}",
		"arn:aws:execute-api:us-east-1:" + acct + ":api1/prod/*/users/${aws:username}/*",
		"arn:aws:execute-api:us-east-1:" + acct + ":api1/*/*/users/${aws:PrincipalTag/team}",
		"arn:aws:execute-api:us-east-1:" + acct + ":api1/*/*/users/${aws:PrincipalTag/team, 'bob'}/*",
		"arn:aws:execute-api:*:" + acct + ":api1/dev/POST/*",
		"arn:aws:sqs:*:*:*",
		"arn:aws:sqs:us-east-1:" + acct + ":queue?",
		"arn:aws:sqs:us-east-1:" + acct + ":${aws:username}",
		"arn:aws:sqs:us-east-1:*:queue1",
		"arn:aws:iam::*:role/target",
		"arn:aws:iam::" + acct + ":role/*",
		"arn:aws:execute-api:*",
		"arn:aws:sqs:us-east-1:*",
		"arn:aws:execute-api:us-east-1",
	}
}

type condKey struct {
	key    string
	kind   string   // operator family that suits the key
	values []string // policy value pool
	multi  bool
}

var condKeys = []condKey{
	{"aws:SourceIp", "ip", []string{"10.0.0.0/8", "10.1.2.3", "192.168.0.0/16", "2001:db8::/32", "0.0.0.0/0"}, false},
	{"aws:CurrentTime", "date", []string{"2026-01-01T00:00:00Z", "2025-06-15", "2027-01-01T00:00:00+02:00", "1767225600"}, false},
	{"aws:EpochTime", "numeric", []string{"1767225600", "1800000000", "0", "1767225600.5"}, false},
	{"aws:SecureTransport", "bool", []string{"true", "false", "TRUE"}, false},
	{"aws:PrincipalTag/team", "string", []string{"blue", "red", "BLUE", "b*", "?ed", "${aws:username}", "${*}"}, false},
	{"aws:username", "string", []string{"alice", "bob", "ALICE", "a*", "${aws:PrincipalTag/team}"}, false},
	{"aws:userid", "string", []string{"AIDA*", "AROA*:s1", "*:build", acctA}, false},
	{"aws:PrincipalArn", "arn", []string{"arn:aws:iam::" + acctA + ":user/*", "arn:aws:iam::*:role/app", "arn:aws:iam::" + acctB + ":*", "arn:aws:iam::*:root", "arn:aws:iam::*:user/${aws:username}"}, false},
	{"aws:PrincipalAccount", "string", []string{acctA, acctB, "1111*"}, false},
	{"aws:TagKeys", "string", []string{"env", "team", "cost*", "Owner"}, true},
	{"aws:MultiFactorAuthAge", "numeric", []string{"3600", "0", "86400"}, false},
	{"aws:SourceVpce", "string", []string{"vpce-1", "vpce-*"}, false},
	{"aws:referer", "string", []string{"https://example.com/*", "https://EXAMPLE.com/x"}, false},
	{"aws:UserAgent", "binary", []string{"Y3VybA==", "YXdzLWNsaQ=="}, false},
}

var opsByKind = map[string][]string{
	"string":  {"StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase", "StringLike", "StringNotLike"},
	"numeric": {"NumericEquals", "NumericNotEquals", "NumericLessThan", "NumericLessThanEquals", "NumericGreaterThan", "NumericGreaterThanEquals"},
	"date":    {"DateEquals", "DateNotEquals", "DateLessThan", "DateLessThanEquals", "DateGreaterThan", "DateGreaterThanEquals"},
	"bool":    {"Bool"},
	"ip":      {"IpAddress", "NotIpAddress"},
	"arn":     {"ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike"},
	"binary":  {"BinaryEquals"},
}

func genCondition(r *rand.Rand) map[string]any {
	out := map[string]any{}
	for n := 1 + r.IntN(2); n > 0; n-- {
		k := pick(r, condKeys)
		var op string
		switch x := r.IntN(10); {
		case x == 0:
			op = "Null"
		case x == 1 && k.kind != "string":
			op = pick(r, opsByKind["string"])
		default:
			op = pick(r, opsByKind[k.kind])
		}
		if op != "Null" {
			if r.IntN(5) == 0 {
				op += "IfExists"
			}
			switch x := r.IntN(10); {
			case x < 2 || k.multi && x < 7:
				op = "ForAnyValue:" + op
			case x < 4 || k.multi && x < 9:
				op = "ForAllValues:" + op
			}
		}
		var val any
		if op == "Null" {
			val = pick(r, []string{"true", "false"})
		} else if n := 1 + r.IntN(3); n == 1 {
			val = pick(r, k.values)
		} else {
			vs := []string{}
			for ; n > 0; n-- {
				vs = append(vs, pick(r, k.values))
			}
			val = vs
		}
		m, _ := out[op].(map[string]any)
		if m == nil {
			m = map[string]any{}
			out[op] = m
		}
		key := k.key
		if r.IntN(8) == 0 { // condition keys are case-insensitive
			key = strings.ToUpper(key[:1]) + strings.ToLower(key[1:])
		}
		m[key] = val
	}
	return out
}

func strOrList(r *rand.Rand, pool []string, max int) any {
	n := 1 + r.IntN(max)
	if n == 1 {
		return pick(r, pool)
	}
	out := make([]string, n)
	for i := range out {
		out[i] = pick(r, pool)
	}
	return out
}

func genStatement(r *rand.Rand, resAcct string, principal any, trust bool) map[string]any {
	st := map[string]any{}
	if r.IntN(4) == 0 {
		st["Effect"] = "Deny"
	} else {
		st["Effect"] = "Allow"
	}
	if r.IntN(10) == 0 {
		st["NotAction"] = strOrList(r, actionPatterns[1:], 2)
	} else {
		st["Action"] = strOrList(r, actionPatterns, 2)
	}
	pool := resourcePatterns(resAcct)
	if trust {
		if r.IntN(6) > 0 {
			delete(st, "NotAction")
			st["Action"] = strOrList(r, []string{"sts:AssumeRole", "sts:*", "*", "sts:Assume*", "sts:TagSession"}, 2)
		}
	} else if principal == nil || r.IntN(3) > 0 {
		if r.IntN(10) == 0 {
			st["NotResource"] = strOrList(r, pool[1:], 2)
		} else {
			st["Resource"] = strOrList(r, pool, 2)
		}
	}
	if principal != nil {
		if !trust && st["Effect"] == "Deny" && r.IntN(4) == 0 {
			st["NotPrincipal"] = principal
		} else {
			st["Principal"] = principal
		}
	}
	if r.IntN(2) == 0 {
		st["Condition"] = genCondition(r)
	}
	return st
}

func genPolicy(r *rand.Rand, resAcct string, principals func() any, trust bool) map[string]any {
	n := 1 + r.IntN(3)
	var stmts []any
	for i := 0; i < n; i++ {
		var p any
		if principals != nil {
			p = principals()
		}
		stmts = append(stmts, genStatement(r, resAcct, p, trust))
	}
	version := "2012-10-17"
	if r.IntN(10) == 0 {
		version = "2008-10-17"
	}
	return map[string]any{"Version": version, "Statement": stmts}
}

type simCase struct {
	ID              int               `json:"id"`
	Principal       string            `json:"principal"`
	Action          string            `json:"action"`
	Resource        string            `json:"resource"`
	ResourceAccount string            `json:"resourceAccount"`
	Context         map[string]any    `json:"context"`
	Identity        []json.RawMessage `json:"identity"`
	ResourcePolicy  json.RawMessage   `json:"resourcePolicy,omitempty"`
	Boundary        json.RawMessage   `json:"boundary,omitempty"`
	Session         json.RawMessage   `json:"session,omitempty"`
	// Trust marks sts:AssumeRole against a role trust policy (the resource
	// policy); iam-simulate picks its STS authorizer from the action.
	Trust bool `json:"trust,omitempty"`

	who *simPrincipal
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

func genCase(r *rand.Rand, id int) simCase {
	who := &simPrincipals[r.IntN(len(simPrincipals))]
	resAcct := acctA
	if r.IntN(4) == 0 {
		resAcct = acctB
	}
	action := pick(r, simActions)
	res := simResource(r, action, resAcct)
	trust := r.IntN(8) == 0
	if trust {
		action, res = "sts:AssumeRole", "arn:aws:iam::"+resAcct+":role/target"
	}
	c := simCase{ID: id, Principal: who.p.ARN, Action: action, Resource: res, ResourceAccount: resAcct, who: who, Identity: []json.RawMessage{}, Trust: trust}
	switch who.p.Kind {
	case PrincipalAnonymous:
		c.Principal = "anonymous"
	case PrincipalService:
		c.Principal = who.p.Service
	}
	noIdentity := who.p.Kind == PrincipalAnonymous || who.p.Kind == PrincipalRoot || who.p.Kind == PrincipalService
	if !noIdentity {
		for n := r.IntN(4); n > 0; n-- {
			c.Identity = append(c.Identity, mustJSON(genPolicy(r, resAcct, nil, false)))
		}
		if r.IntN(4) == 0 {
			c.Boundary = mustJSON(genPolicy(r, resAcct, nil, false))
		}
		if who.p.Kind == PrincipalAssumedRole && r.IntN(5) == 0 || who.p.Kind == PrincipalFederatedUser && r.IntN(3) > 0 {
			c.Session = mustJSON(genPolicy(r, resAcct, nil, false))
		}
	}
	if r.IntN(2) == 0 || trust { // a role always has a trust policy
		principals := []any{
			"*",
			map[string]any{"AWS": "*"},
			map[string]any{"AWS": acctA},
			map[string]any{"AWS": "arn:aws:iam::" + acctA + ":root"},
			map[string]any{"AWS": acctB},
			map[string]any{"AWS": "arn:aws:iam::" + acctA + ":user/alice"},
			map[string]any{"AWS": []string{"arn:aws:iam::" + acctB + ":user/bob", "arn:aws:iam::" + acctA + ":user/alice"}},
			map[string]any{"AWS": "arn:aws:iam::" + acctA + ":role/app"},
			map[string]any{"AWS": "arn:aws:sts::" + acctA + ":assumed-role/app/s1"},
			map[string]any{"AWS": "arn:aws:iam::" + acctB + ":role/ci"},
			map[string]any{"AWS": "arn:aws:sts::" + acctB + ":assumed-role/ci/build"},
			map[string]any{"AWS": "arn:aws:sts::" + acctA + ":federated-user/fred"},
			map[string]any{"Service": "lambda.amazonaws.com"},
			map[string]any{"Service": []string{"events.amazonaws.com", "lambda.amazonaws.com"}, "AWS": acctB},
		}
		c.ResourcePolicy = mustJSON(genPolicy(r, resAcct, func() any { return pick(r, principals) }, c.Trust))
	}
	// Context: principal keys as AWS sets them, plus random request keys.
	ctx := map[string]any{}
	var pc Context
	pc.SetPrincipal(who.p)
	pc.Range(func(k string, v []string, _ bool) { ctx[k] = v[0] })
	for k, v := range who.tags {
		if r.IntN(4) > 0 {
			ctx["aws:PrincipalTag/"+k] = v
		}
	}
	if r.IntN(3) > 0 {
		ctx["aws:SourceIp"] = pick(r, []string{"10.1.2.3", "192.168.1.1", "8.8.8.8", "2001:db8::5", "::1"})
	}
	if r.IntN(3) > 0 {
		ctx["aws:CurrentTime"] = pick(r, []string{"2026-01-01T00:00:00Z", "2025-12-31T23:59:59Z", "2026-06-01T12:00:00Z"})
	}
	if r.IntN(3) > 0 {
		ctx["aws:EpochTime"] = pick(r, []string{"1767225600", "1767225599", "1800000000"})
	}
	if r.IntN(3) > 0 {
		ctx["aws:SecureTransport"] = pick(r, []string{"true", "false"})
	}
	if r.IntN(3) == 0 {
		ctx["aws:TagKeys"] = pick(r, [][]string{{}, {"env"}, {"env", "team"}, {"cost-center", "team"}, {"Owner"}})
	}
	if r.IntN(3) == 0 {
		ctx["aws:MultiFactorAuthAge"] = pick(r, []string{"10", "3600", "100000"})
	}
	if r.IntN(4) == 0 {
		ctx["aws:SourceVpce"] = pick(r, []string{"vpce-1", "vpce-2"})
	}
	if r.IntN(4) == 0 {
		ctx["aws:referer"] = pick(r, []string{"https://example.com/a", "https://EXAMPLE.com/x"})
	}
	if r.IntN(4) == 0 {
		ctx["aws:UserAgent"] = pick(r, []string{"curl", "Y3VybA=="})
	}
	c.Context = ctx
	return c
}

// goDecide runs a case through this package.
func goDecide(t testing.TB, c *simCase) (Effect, error) {
	parse := func(doc json.RawMessage, typ Type) (*Named, error) {
		p, err := Parse(doc, ParseOptions{Type: typ})
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", doc, err)
		}
		return &Named{Name: typ.String(), Policy: p}, nil
	}
	in := &Input{ResourceAccount: c.ResourceAccount, RequireResourcePolicy: c.Trust}
	for _, d := range c.Identity {
		n, err := parse(d, TypeIdentity)
		if err != nil {
			return 0, err
		}
		in.Identity = append(in.Identity, *n)
	}
	var err error
	if c.ResourcePolicy != nil {
		typ := TypeResource
		if c.Trust {
			typ = TypeTrust
		}
		if in.ResourcePolicy, err = parse(c.ResourcePolicy, typ); err != nil {
			return 0, err
		}
	}
	if c.Boundary != nil {
		if in.Boundary, err = parse(c.Boundary, TypeBoundary); err != nil {
			return 0, err
		}
	}
	if c.Session != nil {
		n, err := parse(c.Session, TypeSession)
		if err != nil {
			return 0, err
		}
		in.Session, in.SessionPolicies = []Named{*n}, true
	}
	var ctx Context
	for k, v := range c.Context {
		switch v := v.(type) {
		case string:
			ctx.Set(k, v)
		case []string:
			ctx.SetMulti(k, v...)
		}
	}
	req := &Request{Principal: c.who.p, Action: c.Action, Resource: c.Resource, Context: &ctx}
	return Evaluate(in, req).Effect, nil
}

func simEffect(s string) (Effect, bool) {
	switch s {
	case "Allowed":
		return Allowed, true
	case "ExplicitlyDenied":
		return ExplicitDeny, true
	case "ImplicitlyDenied":
		return ImplicitDeny, true
	}
	return 0, false
}

// knownDifference is a documented case where iam-simulate and AWS's
// documentation disagree and this package follows the documentation.
type knownDifference struct {
	name string
	doc  string // AWS documentation showing which side is right
	// applies reports whether the difference explains the disagreement.
	// Used for differences that cannot be emulated by rewriting the case.
	applies func(c *simCase, ours, theirs Effect) bool
	// emulate rewrites the case so that gatehouse reproduces iam-simulate's
	// behaviour for this difference only; a disagreement is explained when
	// gatehouse's answer for the rewritten case equals iam-simulate's.
	// Precise: it cannot hide an unrelated bug in the same case.
	emulate func(c *simCase, doc string) string
}

var knownDifferences = []knownDifference{
	{
		name: "root-implicit-allow",
		doc: "IAM User Guide, reference_policies_evaluation-logic.html: \"By default, all requests are implicitly denied " +
			"with the exception of the AWS account root user, which has full access.\" iam-simulate requires an identity " +
			"policy for the root user. (spec iam-policy.md §3.4)",
		applies: func(c *simCase, ours, theirs Effect) bool {
			return c.who.p.Kind == PrincipalRoot && ours == Allowed && theirs == ImplicitDeny
		},
	},
	{
		name: "variables-only-in-2012-10-17",
		doc: "IAM User Guide, reference_policies_elements_version.html: under 2008-10-17 \"policy variables ... are " +
			"treated as literal strings\"; iam-simulate substitutes them whatever the Version. (spec iam-policy.md §1.2)",
		emulate: func(_ *simCase, doc string) string {
			return strings.Replace(doc, `"Version":"2008-10-17"`, `"Version":"2012-10-17"`, 1)
		},
	},
	{
		name: "variable-with-colon-in-resource-type",
		doc: "IAM User Guide, reference_policies_variables.html: variables may be used in the resource part of the ARN " +
			"(after the fifth colon). iam-simulate splits the resource part at the first '/' or ':' to find the " +
			"resource type, so the colon inside ${aws:username} in arn:aws:sqs:...:${aws:username} breaks the match.",
		emulate: func(_ *simCase, doc string) string {
			// iam-simulate reads "${aws:" as a literal resource type that never matches.
			return strings.ReplaceAll(doc, `:${aws:username}"`, `:no-such-resource"`)
		},
	},
	{
		name: "ForAnyValue-IfExists-missing-key",
		doc: "IAM User Guide, reference_policies_elements_condition_operators.html#Conditions_IfExists: \"If the key " +
			"is not present, evaluate the condition element as true.\" iam-simulate returns false for " +
			"ForAnyValue:...IfExists on a missing key. (spec iam-policy.md §1.10.3, marked unconfirmed)",
		emulate: func(_ *simCase, doc string) string {
			// Without IfExists a missing key is false; a present key is unaffected.
			// The upper-case spelling (operator names are case-insensitive here)
			// avoids clashing with a plain ForAnyValue:X in the same Condition.
			return regexpAnyIfExists.ReplaceAllString(doc, `"FORANYVALUE:$1"`)
		},
	},
	{
		name: "resource-policy-grant-ignores-session-policy",
		doc: "IAM User Guide, access_policies.html#policies_session: \"A resource-based policy can specify the ARN of " +
			"the user or role as a principal ... permissions from the resource-based policy are added to the role or " +
			"user's identity-based policy before the session is created\"; grants to the session ARN or \"*\" are not " +
			"limited by the session policy. iam-simulate applies the session policy first. (spec iam-policy.md §3.4)",
		applies: func(c *simCase, ours, theirs Effect) bool {
			return c.Session != nil && ours == Allowed && theirs == ImplicitDeny && c.ResourceAccount == c.who.p.AccountID
		},
	},
	{
		name: "NotResource-unresolved-variable",
		doc: "IAM User Guide, reference_policies_variables.html#policy-vars-no-value: a Resource entry whose variable " +
			"has no value matches nothing; reference_policies_elements_notresource.html: NotResource applies to every " +
			"resource not listed. AWS does not document NotResource with an unresolved variable. gatehouse: an entry " +
			"that could match for some value is undecided, so a Deny applies and an Allow does not (fail closed, " +
			"DESIGN.md); an entry that cannot match for any value is a plain non-match. iam-simulate drops the " +
			"statement whenever the ARN prefix up to the resource type matches.",
		emulate: emulateNotResourceUnresolved,
	},
	{
		name: "negated-condition-unresolved-variable",
		doc: "IAM User Guide, reference_policies_variables.html#policy-vars-no-value: with StringNotEquals and a " +
			"variable that has no value, the value counts as not equal, so the condition is true (AWS's own " +
			"s3:ExistingObjectTag example relies on it). iam-simulate makes such a value never match. (spec §1.11)",
		emulate: emulateNegatedUnresolved,
	},
	{
		name: "date-epoch-seconds",
		doc: "IAM User Guide, reference_policies_elements_condition_operators.html#Conditions_Date and " +
			"reference_policies_condition-keys.html#condition-keys-epochtime: epoch values are seconds since " +
			"1970. iam-simulate compares an integer epoch (read as milliseconds) with ISO dates parsed to " +
			"milliseconds.",
		emulate: emulateEpochMillis,
	},
	{
		name: "cidr-slash-zero",
		doc: "IAM User Guide, reference_policies_elements_condition_operators.html#Conditions_IPAddress (RFC 4632 " +
			"CIDR): 0.0.0.0/0 contains every IPv4 address. iam-simulate computes the mask as -1 << 32, which is -1 " +
			"in JavaScript, so /0 only matches 0.0.0.0.",
		emulate: func(_ *simCase, doc string) string {
			return strings.ReplaceAll(doc, `"0.0.0.0/0"`, `"0.0.0.0/32"`)
		},
	},
	{
		name: "bare-ipv4-vs-ipv6-request",
		doc: "IAM User Guide, reference_policies_elements_condition_operators.html#Conditions_IPAddress: a bare " +
			"address is a /32 CIDR, and an IPv4 range never contains an IPv6 address, so NotIpAddress is true. " +
			"iam-simulate returns false for a bare IPv4 policy value against an IPv6 request under NotIpAddress " +
			"(it does handle the CIDR form).",
		applies: func(c *simCase, ours, theirs Effect) bool {
			ip, _ := c.Context["aws:SourceIp"].(string)
			return strings.Contains(ip, ":") && c.anyPolicy(func(doc string) bool { return regexpNotIPBare.MatchString(doc) })
		},
	},
	{
		name: "trust-policy-boundary",
		doc: "IAM User Guide, id_roles_update-role-trust-policy.html: a user whose permissions boundary does not " +
			"allow sts:AssumeRole cannot assume the role even when the trust policy names the user (spec sts.md " +
			"§3.3 item 3). iam-simulate lets a direct trust-policy grant bypass the boundary as for other resource " +
			"policies.",
		applies: func(c *simCase, ours, theirs Effect) bool {
			return c.Trust && c.Boundary != nil && ours == ImplicitDeny && theirs == Allowed
		},
	},
	{
		name: "federated-user-needs-session-policy",
		doc: "IAM User Guide, reference_policies_evaluation-logic.html (session policies step): a GetFederationToken " +
			"session without a session policy has no permissions (spec iam-policy.md §3.4 step 6); iam-simulate " +
			"treats a federated user like a role session.",
		applies: func(c *simCase, ours, theirs Effect) bool {
			return c.who.p.Kind == PrincipalFederatedUser && c.Session == nil && ours == ImplicitDeny && theirs == Allowed
		},
	},
	{
		name: "federated-user-parent-principal",
		doc: "IAM User Guide, reference_policies_evaluation-logic.html and access_policies.html#policies_session: a " +
			"resource policy naming the IAM user who called GetFederationToken applies to that user's federated " +
			"sessions (spec iam-policy.md §3.4 table). iam-simulate has no input for the parent user.",
		applies: func(c *simCase, ours, theirs Effect) bool {
			return c.who.p.Kind == PrincipalFederatedUser && c.ResourcePolicy != nil &&
				strings.Contains(string(c.ResourcePolicy), ":user/alice")
		},
	},
	{
		name: "NotPrincipal-identity-chain",
		doc: "IAM User Guide, reference_policies_elements_notprincipal.html: AWS may evaluate the caller's account, " +
			"then role, then session; a Deny+NotPrincipal that omits the account (or the role) denies the listed " +
			"session too. gatehouse exempts only callers whose whole chain is listed (spec §1.7); iam-simulate " +
			"exempts on any one level.",
		emulate: emulateNotPrincipalAnyLevel,
	},
	{
		name: "NotResource-short-ARN",
		doc: "IAM User Guide, reference_policies_elements_notresource.html: NotResource applies to every resource " +
			"that matches none of the entries. gatehouse pads a short ARN with \"*\" sections (spec §1.9, as " +
			"iam-simulate does for Resource) and applies the same rule in NotResource; iam-simulate declines to " +
			"invert a padded-ARN mismatch (\"conservative behavior\", shortArnExpandedMismatch) so the statement " +
			"never applies. AWS does not document short ARNs.",
		emulate: emulateShortNotResource,
	},
}

var regexpAnyIfExists = regexp.MustCompile(`"ForAnyValue:([A-Za-z]+)IfExists"`)

var regexpNotIPBare = regexp.MustCompile(`NotIpAddress[A-Za-z]*":\{[^}]*"[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+"`)

// statementsOf calls f for every statement of doc, letting f change it; it
// returns the rewritten document.
func statementsOf(doc string, f func(st map[string]any) bool) string {
	var p map[string]any
	if json.Unmarshal([]byte(doc), &p) != nil {
		return doc
	}
	changed := false
	stmts, _ := p["Statement"].([]any)
	for _, st := range stmts {
		if m, ok := st.(map[string]any); ok && f(m) {
			changed = true
		}
	}
	if !changed {
		return doc
	}
	return string(mustJSON(p))
}

func stringList(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, e := range v {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// emulateShortNotResource reproduces iam-simulate's refusal to invert a
// mismatch of a "*"-padded short ARN in NotResource: such an entry makes
// the statement not apply, as NotResource "*" does.
func emulateShortNotResource(c *simCase, doc string) string {
	resourcePolicy := strings.Contains(doc, `"Principal"`) || strings.Contains(doc, `"NotPrincipal"`)
	return statementsOf(doc, func(st map[string]any) bool {
		for _, e := range stringList(st["NotResource"]) {
			n := strings.Count(e, ":")
			if !strings.HasPrefix(e, "arn:") || n >= 5 || resourcePolicy && !strings.ContainsAny(e, "*?") {
				continue
			}
			if !arnGlob(e+strings.Repeat(":*", 5-n), c.Resource) {
				st["NotResource"] = "*"
				return true
			}
		}
		return false
	})
}

// emulateNotPrincipalAnyLevel reproduces iam-simulate's rule that a
// NotPrincipal entry naming the caller at any level (account, role, itself)
// exempts it, by listing the caller's whole identity chain, which
// gatehouse's stricter rule also exempts.
func emulateNotPrincipalAnyLevel(c *simCase, doc string) string {
	p := c.who.p
	if p.Kind == PrincipalAnonymous || p.Kind == PrincipalService {
		return doc
	}
	return statementsOf(doc, func(st map[string]any) bool {
		np, _ := st["NotPrincipal"].(map[string]any)
		if np == nil {
			return false
		}
		named := false
		for _, e := range stringList(np["AWS"]) {
			if e == p.AccountID || e == "arn:aws:iam::"+p.AccountID+":root" || e == p.ARN || p.RoleARN != "" && e == p.RoleARN {
				named = true
			}
		}
		if !named {
			return false
		}
		chain := []string{"arn:aws:iam::" + p.AccountID + ":root", p.ARN}
		if p.Kind == PrincipalAssumedRole {
			chain = append(chain, p.RoleARN)
		}
		np["AWS"] = chain
		return true
	})
}

// conditionsOf calls f for every (operator, key, values) of doc's
// conditions, letting f replace the values; it returns the rewritten
// document.
func conditionsOf(doc string, f func(op, key string, values []any) bool) string {
	var p map[string]any
	if json.Unmarshal([]byte(doc), &p) != nil {
		return doc
	}
	changed := false
	stmts, _ := p["Statement"].([]any)
	for _, st := range stmts {
		m, _ := st.(map[string]any)
		cond, _ := m["Condition"].(map[string]any)
		for op, kv := range cond {
			for key, v := range kv.(map[string]any) {
				vals, isList := v.([]any)
				if !isList {
					vals = []any{v}
				}
				if f(op, key, vals) {
					changed = true
					if isList {
						kv.(map[string]any)[key] = vals
					} else {
						kv.(map[string]any)[key] = vals[0]
					}
				}
			}
		}
	}
	if !changed {
		return doc
	}
	return string(mustJSON(p))
}

// contextValue returns the single value of key in c's context.
func contextValue(c *simCase, key string) (string, bool) {
	for k, v := range c.Context {
		if s, ok := v.(string); ok && strings.EqualFold(k, key) {
			return s, true
		}
	}
	return "", false
}

func baseOperator(op string) string {
	op = strings.ToLower(op)
	op = strings.TrimPrefix(strings.TrimPrefix(op, "foranyvalue:"), "forallvalues:")
	return strings.TrimSuffix(op, "ifexists")
}

// emulateNegatedUnresolved reproduces iam-simulate's rule that an
// unresolvable variable in a negated String/Arn operator never satisfies
// it: replacing the value with the request's own value has that effect.
func emulateNegatedUnresolved(c *simCase, doc string) string {
	return conditionsOf(doc, func(op, key string, values []any) bool {
		b := baseOperator(op)
		if !strings.HasPrefix(b, "stringnot") && !strings.HasPrefix(b, "arnnot") {
			return false
		}
		rv, ok := contextValue(c, key)
		if !ok {
			return false
		}
		changed := false
		for i, v := range values {
			if s, _ := v.(string); strings.Contains(s, "${") && !resolvable(c, s) {
				values[i] = rv
				changed = true
			}
		}
		return changed
	})
}

// emulateEpochMillis reproduces iam-simulate's date parsing, which reads an
// all-digit value as milliseconds and an ISO date as milliseconds too, by
// rewriting the policy's values so that gatehouse's seconds compare as
// iam-simulate's milliseconds do.
func emulateEpochMillis(c *simCase, doc string) string {
	return conditionsOf(doc, func(op, key string, values []any) bool {
		if !strings.HasPrefix(baseOperator(op), "date") {
			return false
		}
		rv, ok := contextValue(c, key)
		if !ok {
			return false
		}
		_, reqEpoch := allDigits(rv)
		changed := false
		for i, v := range values {
			s, _ := v.(string)
			ms, polEpoch := allDigits(s)
			switch {
			case reqEpoch && !polEpoch:
				if ns, ok := parseDate(s); ok {
					values[i] = fmt.Sprint(ns / 1e6) // their ms, read by us as seconds
					changed = true
				}
			case !reqEpoch && polEpoch:
				values[i] = time.UnixMilli(ms).UTC().Format("2006-01-02T15:04:05.000Z")
				changed = true
			}
		}
		return changed
	})
}

func allDigits(s string) (int64, bool) {
	var n int64
	if s == "" {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int64(s[i]-'0')
	}
	return n, true
}

// emulateNotResourceUnresolved reproduces iam-simulate's rule: a NotResource
// entry whose variable cannot be resolved, and whose partition, service,
// region, account and resource type match the request, makes the statement
// not apply; rewriting the entry to "*" has that effect.
func emulateNotResourceUnresolved(c *simCase, doc string) string {
	var p map[string]any
	if json.Unmarshal([]byte(doc), &p) != nil {
		return doc
	}
	stmts, _ := p["Statement"].([]any)
	changed := false
	for _, st := range stmts {
		m, _ := st.(map[string]any)
		var entries []any
		switch v := m["NotResource"].(type) {
		case string:
			entries = []any{v}
		case []any:
			entries = v
		}
		here := false
		for i, e := range entries {
			s, _ := e.(string)
			if !strings.Contains(s, "${") || resolvable(c, s) || !prefixMatches(s, c.Resource) {
				continue
			}
			entries[i] = "*"
			here = true
		}
		if here {
			m["NotResource"] = entries
			changed = true
		}
	}
	if !changed {
		return doc
	}
	return string(mustJSON(p))
}

func resolvable(c *simCase, s string) bool {
	for _, m := range regexpVar.FindAllStringSubmatch(s, -1) {
		inner := m[1]
		if inner == "*" || inner == "?" || inner == "$" || strings.Contains(inner, ", '") {
			continue
		}
		found := false
		for k, v := range c.Context {
			if _, single := v.(string); single && strings.EqualFold(k, inner) {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// prefixMatches is iam-simulate's test before it resolves variables: the
// first five sections match and the request's resource starts with the
// policy's resource type (text up to the first '/' or ':').
func prefixMatches(pattern, value string) bool {
	ps, ok1 := arn.Split(pattern)
	vs, ok2 := arn.Split(value)
	if !ok1 || !ok2 {
		return false
	}
	for i := 0; i < 5; i++ {
		if !glob(ps[i], vs[i], true) {
			return false
		}
	}
	product := ""
	if i := strings.IndexAny(ps[5], "/:"); i >= 0 {
		product = ps[5][:i+1]
	}
	return strings.HasPrefix(vs[5], product)
}

var regexpVar = regexp.MustCompile(`\$\{([^}]*)\}`)

// explain returns the known differences that account for a disagreement,
// or nil.
func explain(t *testing.T, c *simCase, ours, theirs Effect) []string {
	for _, k := range knownDifferences {
		if k.applies != nil && k.applies(c, ours, theirs) {
			return []string{k.name}
		}
	}
	return emulated(t, c, theirs)
}

// emulated rewrites c with every emulating known difference that changes
// it and returns their names if gatehouse then agrees with iam-simulate.
func emulated(t *testing.T, c *simCase, theirs Effect) []string {
	n := *c
	var names []string
	rewrite := func(d json.RawMessage) json.RawMessage {
		if d == nil {
			return nil
		}
		doc := string(d)
		for _, k := range knownDifferences {
			if k.emulate == nil {
				continue
			}
			if nd := k.emulate(c, doc); nd != doc {
				doc = nd
				if !slices.Contains(names, k.name) {
					names = append(names, k.name)
				}
			}
		}
		return json.RawMessage(doc)
	}
	n.Identity = nil
	for _, d := range c.Identity {
		n.Identity = append(n.Identity, rewrite(d))
	}
	n.ResourcePolicy, n.Boundary, n.Session = rewrite(c.ResourcePolicy), rewrite(c.Boundary), rewrite(c.Session)
	if names == nil {
		return nil
	}
	ours, err := goDecide(t, &n)
	if err != nil {
		return nil
	}
	if ours == theirs {
		return names
	}
	// Two differences in one case: an emulated one plus a predicate one.
	for _, k := range knownDifferences {
		if k.applies != nil && k.applies(&n, ours, theirs) {
			return append(names, k.name)
		}
	}
	return nil
}

// anyPolicy reports whether f holds for one of the case's policy documents.
func (c *simCase) anyPolicy(f func(doc string) bool) bool {
	for _, d := range c.Identity {
		if f(string(d)) {
			return true
		}
	}
	for _, d := range []json.RawMessage{c.ResourcePolicy, c.Boundary, c.Session} {
		if d != nil && f(string(d)) {
			return true
		}
	}
	return false
}

func repoRoot(t testing.TB) string {
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, "..", "..")
}

func TestDifferentialIAMSimulate(t *testing.T) {
	root := repoRoot(t)
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node not found; the differential test needs node and `npm ci --prefix test/iamsim`")
	}
	if _, err := os.Stat(filepath.Join(root, "test/iamsim/node_modules/@cloud-copilot/iam-simulate")); err != nil {
		t.Skip("test/iamsim/node_modules missing; run `npm ci --prefix test/iamsim` to enable the differential test")
	}
	n := 5000 // also under -short: CI's gate runs -short, and 5,000 cases take a few seconds
	if s := os.Getenv("IAMSIM_CASES"); s != "" {
		fmt.Sscan(s, &n)
	}
	seed := uint64(20261122)
	if s := os.Getenv("IAMSIM_SEED"); s != "" {
		fmt.Sscan(s, &seed)
	}
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	cases := make([]simCase, n)
	var input bytes.Buffer
	for i := range cases {
		cases[i] = genCase(r, i)
		input.Write(mustJSON(&cases[i]))
		input.WriteByte('\n')
	}

	start := time.Now()
	cmd := exec.Command(node, filepath.Join(root, "test/iamsim/run.mjs"))
	cmd.Dir = filepath.Join(root, "test/iamsim")
	cmd.Stdin = &input
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node run.mjs: %v\n%s", err, stderr.String())
	}
	t.Logf("iam-simulate: %d cases in %v (seed %d)", n, time.Since(start), seed)

	var agree, known, failed, simErrors int
	known2 := map[string]int{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	seen := 0
	for sc.Scan() {
		var res struct {
			ID     int    `json:"id"`
			Result string `json:"result"`
			Error  string `json:"error"`
		}
		if err := json.Unmarshal(sc.Bytes(), &res); err != nil {
			t.Fatalf("bad oracle output %q: %v", sc.Text(), err)
		}
		seen++
		c := &cases[res.ID]
		if res.Error != "" {
			simErrors++
			if simErrors <= 3 {
				t.Logf("case %d: iam-simulate error: %s", res.ID, res.Error)
			}
			continue
		}
		theirs, ok := simEffect(res.Result)
		if !ok {
			t.Fatalf("case %d: unknown result %q", res.ID, res.Result)
		}
		ours, err := goDecide(t, c)
		if err != nil {
			t.Errorf("case %d: %v", res.ID, err)
			continue
		}
		if ours == theirs {
			agree++
			continue
		}
		if names := explain(t, c, ours, theirs); names != nil {
			for _, n := range names {
				known2[n]++
			}
			known++
			continue
		}
		failed++
		if failed <= 10 {
			t.Errorf("case %d: gatehouse %s, iam-simulate %s\n%s", res.ID, ours, theirs, mustJSON(c))
		}
	}
	if seen != n {
		t.Fatalf("oracle answered %d of %d cases", seen, n)
	}
	if simErrors > n/100 {
		t.Errorf("iam-simulate rejected %d cases", simErrors)
	}
	t.Logf("agree %d, known differences %d %v, disagreements %d, oracle errors %d", agree, known, known2, failed, simErrors)
}
