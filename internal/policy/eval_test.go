package policy

import (
	"slices"
	"testing"
)

const (
	acct  = "111122223333"
	other = "444455556666"
)

var (
	pAlice = Principal{Kind: PrincipalUser, ARN: "arn:aws:iam::" + acct + ":user/division/alice", AccountID: acct,
		UniqueID: "AIDAALICE000000000001", UserID: "AIDAALICE000000000001", Username: "alice"}
	pBob     = Principal{Kind: PrincipalUser, ARN: "arn:aws:iam::" + other + ":user/bob", AccountID: other, UserID: "AIDABOB00000000000001", Username: "bob"}
	pSession = Principal{Kind: PrincipalAssumedRole, ARN: "arn:aws:sts::" + acct + ":assumed-role/app/s1", AccountID: acct,
		RoleARN: "arn:aws:iam::" + acct + ":role/service/app", UniqueID: "AROAAPP00000000000001", UserID: "AROAAPP00000000000001:s1"}
	pOtherSession = Principal{Kind: PrincipalAssumedRole, ARN: "arn:aws:sts::" + other + ":assumed-role/ci/build", AccountID: other,
		RoleARN: "arn:aws:iam::" + other + ":role/ci", UserID: "AROACI000000000000001:build"}
	pFederated = Principal{Kind: PrincipalFederatedUser, ARN: "arn:aws:sts::" + acct + ":federated-user/fred", AccountID: acct,
		RoleARN: "arn:aws:iam::" + acct + ":user/division/alice", UserID: acct + ":fred"}
	pRoot   = Principal{Kind: PrincipalRoot, ARN: "arn:aws:iam::" + acct + ":root", AccountID: acct, UserID: acct}
	pAnon   = Principal{Kind: PrincipalAnonymous}
	pWebID  = Principal{Kind: PrincipalWebIdentity, FederatedProvider: "arn:aws:iam::" + acct + ":oidc-provider/token.actions.githubusercontent.com"}
	pLambda = Principal{Kind: PrincipalService, Service: "lambda.amazonaws.com"}
)

const (
	invoke   = "execute-api:Invoke"
	method   = "arn:aws:execute-api:us-east-1:" + acct + ":api1/prod/GET/pets"
	roleARN  = "arn:aws:iam::" + acct + ":role/service/app"
	allowAll = `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`
	denyAll  = `{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"*","Resource":"*"}}`
	allowS3  = `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}`
)

func mustParse(t testing.TB, typ Type, doc string) *Policy {
	t.Helper()
	p, err := Parse([]byte(doc), ParseOptions{Type: typ})
	if err != nil {
		t.Fatalf("Parse(%s): %v", doc, err)
	}
	return p
}

// rp builds a resource policy with one statement.
func rp(effect, principal string, extra string) string {
	return `{"Version":"2012-10-17","Statement":{"Effect":"` + effect + `","Principal":` + principal + `,"Action":"execute-api:*","Resource":"*"` + extra + `}}`
}

type evalCase struct {
	name      string
	who       Principal
	action    string // default invoke
	resource  string // default method
	resAcct   string // default acct
	ctx       map[string]any
	identity  []string
	resPolicy string
	boundary  string
	session   []string
	sessionOn bool
	trust     bool
	want      Effect
	wantType  Type
}

func (c *evalCase) run(t *testing.T) (*Input, *Request) {
	t.Helper()
	in := &Input{ResourceAccount: acct, RequireResourcePolicy: c.trust}
	if c.resAcct != "" {
		in.ResourceAccount = c.resAcct
	}
	for i, d := range c.identity {
		in.Identity = append(in.Identity, Named{Name: "identity" + itoa(i), Policy: mustParse(t, TypeIdentity, d)})
	}
	if c.resPolicy != "" {
		typ := TypeResource
		if c.trust {
			typ = TypeTrust
		}
		in.ResourcePolicy = &Named{Name: "resource", Policy: mustParse(t, typ, c.resPolicy)}
	}
	if c.boundary != "" {
		in.Boundary = &Named{Name: "boundary", Policy: mustParse(t, TypeBoundary, c.boundary)}
	}
	for i, d := range c.session {
		in.Session = append(in.Session, Named{Name: "session" + itoa(i), Policy: mustParse(t, TypeSession, d)})
	}
	in.SessionPolicies = c.sessionOn || len(c.session) > 0
	ctx := &Context{}
	ctx.SetPrincipal(c.who)
	for k, v := range c.ctx {
		switch v := v.(type) {
		case string:
			ctx.Set(k, v)
		case []string:
			ctx.SetMulti(k, v...)
		}
	}
	req := &Request{Principal: c.who, Action: c.action, Resource: c.resource, Context: ctx}
	if req.Action == "" {
		req.Action = invoke
	}
	if req.Resource == "" {
		req.Resource = method
	}
	return in, req
}

// TestEvaluate has one case per evaluation rule of spec iam-policy.md §3
// (AWS IAM User Guide, "Policy evaluation logic", and API Gateway's
// Table A / Table B).
func TestEvaluate(t *testing.T) {
	tests := []evalCase{
		// Basic identity-policy logic.
		{name: "implicit deny by default", who: pAlice, want: ImplicitDeny, wantType: TypeIdentity},
		{name: "identity allow", who: pAlice, identity: []string{allowAll}, want: Allowed, wantType: TypeIdentity},
		{name: "explicit deny wins over allow", who: pAlice, identity: []string{allowAll, denyAll}, want: ExplicitDeny, wantType: TypeIdentity},
		{name: "allow for other service is silent", who: pAlice, identity: []string{allowS3}, want: ImplicitDeny, wantType: TypeIdentity},
		{name: "action match ignores case", who: pAlice, identity: []string{`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"EXECUTE-API:invoke","Resource":"*"}}`}, want: Allowed},
		{name: "action wildcard ?", who: pAlice, identity: []string{`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"execute-api:?nvoke","Resource":"*"}}`}, want: Allowed},
		{name: "resource match is case-sensitive", who: pAlice, identity: []string{`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"arn:aws:execute-api:us-east-1:*:api1/prod/GET/Pets"}}`}, want: ImplicitDeny},
		{name: "NotAction allow grants other actions", who: pAlice, identity: []string{`{"Version":"2012-10-17","Statement":{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}}`}, want: Allowed},
		{name: "NotAction allow excludes listed", who: pAlice, action: "iam:CreateUser", resource: "arn:aws:iam::" + acct + ":user/x", identity: []string{`{"Version":"2012-10-17","Statement":{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}}`}, want: ImplicitDeny},
		{name: "NotResource deny", who: pAlice, identity: []string{allowAll, `{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"*","NotResource":"arn:aws:execute-api:*:*:api2/*"}}`}, want: ExplicitDeny},
		{name: "short ARN padded in identity policy", who: pAlice, identity: []string{`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"arn:aws:execute-api:*"}}`}, want: Allowed},
		{name: "short ARN without wildcard padded in identity policy", who: pAlice, identity: []string{`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"arn:aws:execute-api:us-east-1"}}`}, want: Allowed},
		{name: "short ARN with wildcard padded in resource policy", who: pAlice, resPolicy: `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"*","Resource":"arn:aws:execute-api:*"}}`, want: Allowed},
		{name: "short ARN without wildcard matches nothing in resource policy", who: pAlice, resPolicy: `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"*","Resource":"arn:aws:execute-api:us-east-1"}}`, want: ImplicitDeny},
		{name: "NotResource short ARN", who: pAlice, identity: []string{allowAll, `{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"*","NotResource":"arn:aws:sqs:us-east-1:*"}}`}, want: ExplicitDeny},
		{name: "bare api id does not match method ARN", who: pAlice, identity: []string{`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"arn:aws:execute-api:us-east-1:` + acct + `:api1"}}`}, want: ImplicitDeny},

		// Policy variables (UG-vars).
		{name: "variable username", who: pAlice, resource: "arn:aws:execute-api:us-east-1:" + acct + ":api1/prod/GET/home/alice",
			identity: []string{`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"arn:aws:execute-api:*:*:api1/*/GET/home/${aws:username}"}}`}, want: Allowed},
		{name: "variable literal under 2008-10-17", who: pAlice, resource: "arn:aws:execute-api:us-east-1:" + acct + ":api1/prod/GET/home/alice",
			identity: []string{`{"Version":"2008-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"arn:aws:execute-api:*:*:api1/*/GET/home/${aws:username}"}}`}, want: ImplicitDeny},
		{name: "unresolved variable matches nothing", who: pSession, resource: "arn:aws:execute-api:us-east-1:" + acct + ":api1/prod/GET/home/",
			identity: []string{`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"arn:aws:execute-api:*:*:api1/*/GET/home/${aws:username}"}}`}, want: ImplicitDeny},
		{name: "variable default", who: pSession, resource: "arn:aws:execute-api:us-east-1:" + acct + ":api1/prod/GET/home/shared",
			identity: []string{`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"arn:aws:execute-api:*:*:api1/*/GET/home/${aws:PrincipalTag/team, 'shared'}"}}`}, want: Allowed},
		{name: "variable value is not a wildcard", who: pAlice, ctx: map[string]any{"aws:PrincipalTag/team": "*"}, resource: "arn:aws:execute-api:us-east-1:" + acct + ":api1/prod/GET/home/blue",
			identity: []string{`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"arn:aws:execute-api:*:*:api1/*/GET/home/${aws:PrincipalTag/team}"}}`}, want: ImplicitDeny},
		{name: "escape ${*} is a literal star", who: pAlice, resource: "arn:aws:execute-api:us-east-1:" + acct + ":api1/prod/GET/a*",
			identity: []string{`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"arn:aws:execute-api:*:*:api1/prod/GET/a${*}"}}`}, want: Allowed},
		{name: "escape ${*} does not match other text", who: pAlice, resource: "arn:aws:execute-api:us-east-1:" + acct + ":api1/prod/GET/ab",
			identity: []string{`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"arn:aws:execute-api:*:*:api1/prod/GET/a${*}"}}`}, want: ImplicitDeny},

		{name: "variable outside the resource section is literal", who: pAlice,
			identity: []string{`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"arn:aws:execute-api:us-east-1:${aws:PrincipalAccount}:api1/*"}}`}, want: ImplicitDeny},
		{name: "variable with colon in an ARN without slash", who: pAlice, action: "sqs:SendMessage", resource: "arn:aws:sqs:us-east-1:" + acct + ":alice",
			identity: []string{`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"sqs:*","Resource":"arn:aws:sqs:us-east-1:` + acct + `:${aws:username}"}}`}, want: Allowed},
		{name: "NotResource with unresolved variable: Allow does not apply", who: pSession,
			identity: []string{`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","NotResource":"arn:aws:execute-api:*:*:api1/*/GET/${aws:username}"}}`}, want: ImplicitDeny},
		{name: "NotResource with unresolved variable: Deny applies", who: pSession,
			identity: []string{allowAll, `{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"*","NotResource":"arn:aws:execute-api:*:*:api1/*/GET/${aws:username}"}}`}, want: ExplicitDeny},
		{name: "NotResource with unresolved variable that cannot match", who: pSession,
			identity: []string{`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","NotResource":"arn:aws:sqs:*:*:${aws:username}"}}`}, want: Allowed},

		// Same account, Table A (APIGW-flow) and the principal table of spec §3.4.
		{name: "A: resource policy names user", who: pAlice, resPolicy: rp("Allow", `{"AWS":"arn:aws:iam::`+acct+`:user/division/alice"}`, ""), want: Allowed, wantType: TypeResource},
		{name: "A: resource policy names user by unique id", who: pAlice, resPolicy: rp("Allow", `{"AWS":"AIDAALICE000000000001"}`, ""), want: Allowed},
		{name: "A: resource policy star", who: pAlice, resPolicy: rp("Allow", `"*"`, ""), want: Allowed},
		{name: "A: account principal needs identity allow", who: pAlice, resPolicy: rp("Allow", `{"AWS":"`+acct+`"}`, ""), want: ImplicitDeny, wantType: TypeIdentity},
		{name: "A: account principal plus identity allow", who: pAlice, identity: []string{allowAll}, resPolicy: rp("Allow", `{"AWS":"arn:aws:iam::`+acct+`:root"}`, ""), want: Allowed},
		{name: "A: identity allow, resource silent", who: pAlice, identity: []string{allowAll}, resPolicy: rp("Allow", `{"AWS":"`+other+`"}`, ""), want: Allowed},
		{name: "A: resource deny beats identity allow", who: pAlice, identity: []string{allowAll}, resPolicy: rp("Deny", `"*"`, ""), want: ExplicitDeny, wantType: TypeResource},
		{name: "A: account principal in deny denies everyone in it", who: pSession, identity: []string{allowAll}, resPolicy: rp("Deny", `{"AWS":"`+acct+`"}`, ""), want: ExplicitDeny},
		{name: "A: identity deny beats resource allow", who: pAlice, identity: []string{denyAll}, resPolicy: rp("Allow", `"*"`, ""), want: ExplicitDeny, wantType: TypeIdentity},
		{name: "session ARN grant bypasses boundary and session policy", who: pSession, boundary: allowS3, session: []string{allowS3},
			resPolicy: rp("Allow", `{"AWS":"arn:aws:sts::`+acct+`:assumed-role/app/s1"}`, ""), want: Allowed},
		{name: "role ARN grant limited by boundary", who: pSession, boundary: allowS3, resPolicy: rp("Allow", `{"AWS":"`+roleARN+`"}`, ""), want: ImplicitDeny, wantType: TypeBoundary},
		{name: "role ARN grant limited by session policy", who: pSession, session: []string{allowS3}, resPolicy: rp("Allow", `{"AWS":"`+roleARN+`"}`, ""), want: ImplicitDeny, wantType: TypeSession},
		{name: "role ARN grant without limits", who: pSession, resPolicy: rp("Allow", `{"AWS":"`+roleARN+`"}`, ""), want: Allowed},
		{name: "user grant bypasses boundary", who: pAlice, boundary: allowS3, resPolicy: rp("Allow", `{"AWS":"arn:aws:iam::`+acct+`:user/division/alice"}`, ""), want: Allowed},
		{name: "boundary limits identity allow", who: pAlice, identity: []string{allowAll}, boundary: allowS3, want: ImplicitDeny, wantType: TypeBoundary},
		{name: "boundary allows", who: pAlice, identity: []string{allowAll}, boundary: allowAll, want: Allowed},
		{name: "boundary deny is explicit", who: pAlice, identity: []string{allowAll}, boundary: denyAll, want: ExplicitDeny, wantType: TypeBoundary},
		{name: "boundary alone grants nothing", who: pAlice, boundary: allowAll, want: ImplicitDeny, wantType: TypeIdentity},
		{name: "session policy limits role session", who: pSession, identity: []string{allowAll}, session: []string{allowS3}, want: ImplicitDeny, wantType: TypeSession},
		{name: "session policy present but empty", who: pSession, identity: []string{allowAll}, sessionOn: true, want: ImplicitDeny, wantType: TypeSession},
		{name: "session deny is explicit", who: pSession, identity: []string{allowAll}, session: []string{denyAll}, want: ExplicitDeny, wantType: TypeSession},
		{name: "role session without session policy", who: pSession, identity: []string{allowAll}, want: Allowed},
		{name: "federated user without session policy has no permissions", who: pFederated, identity: []string{allowAll}, want: ImplicitDeny, wantType: TypeSession},
		{name: "federated user with session policy", who: pFederated, identity: []string{allowAll}, session: []string{allowAll}, want: Allowed},
		{name: "federated user named directly", who: pFederated, resPolicy: rp("Allow", `{"AWS":"arn:aws:sts::`+acct+`:federated-user/fred"}`, ""), want: Allowed},
		{name: "federating user named: session policy applies", who: pFederated, resPolicy: rp("Allow", `{"AWS":"arn:aws:iam::`+acct+`:user/division/alice"}`, ""), want: ImplicitDeny, wantType: TypeSession},

		// Cross account, Table B.
		{name: "B: both allow", who: pBob, identity: []string{allowAll}, resPolicy: rp("Allow", `{"AWS":"`+other+`"}`, ""), want: Allowed},
		{name: "B: identity only", who: pBob, identity: []string{allowAll}, want: ImplicitDeny, wantType: TypeResource},
		{name: "B: resource only", who: pBob, resPolicy: rp("Allow", `{"AWS":"arn:aws:iam::`+other+`:user/bob"}`, ""), want: ImplicitDeny, wantType: TypeIdentity},
		{name: "B: resource star still needs identity", who: pBob, resPolicy: rp("Allow", `"*"`, ""), want: ImplicitDeny, wantType: TypeIdentity},
		{name: "B: session ARN grant still needs identity", who: pOtherSession, resPolicy: rp("Allow", `{"AWS":"arn:aws:sts::`+other+`:assumed-role/ci/build"}`, ""), want: ImplicitDeny},
		{name: "B: resource deny", who: pBob, identity: []string{allowAll}, resPolicy: rp("Deny", `"*"`, ""), want: ExplicitDeny},
		{name: "B: boundary limits", who: pBob, identity: []string{allowAll}, boundary: allowS3, resPolicy: rp("Allow", `"*"`, ""), want: ImplicitDeny, wantType: TypeBoundary},
		{name: "B: other account not named", who: pBob, identity: []string{allowAll}, resPolicy: rp("Allow", `{"AWS":"`+acct+`"}`, ""), want: ImplicitDeny, wantType: TypeResource},

		// Root, anonymous, services.
		{name: "root is allowed in own account", who: pRoot, want: Allowed},
		{name: "root blocked by resource deny", who: pRoot, resPolicy: rp("Deny", `{"AWS":"`+acct+`"}`, ""), want: ExplicitDeny},
		{name: "root cross-account needs resource policy", who: pRoot, resAcct: other, want: ImplicitDeny, wantType: TypeResource},
		{name: "root cross-account via account principal", who: pRoot, resAcct: other, resPolicy: rp("Allow", `{"AWS":"`+acct+`"}`, ""), want: Allowed},
		{name: "anonymous allowed by star", who: pAnon, resPolicy: rp("Allow", `"*"`, ""), want: Allowed},
		{name: "anonymous allowed by AWS star", who: pAnon, resPolicy: rp("Allow", `{"AWS":"*"}`, ""), want: Allowed},
		{name: "anonymous not matched by account", who: pAnon, resPolicy: rp("Allow", `{"AWS":"`+acct+`"}`, ""), want: ImplicitDeny, wantType: TypeResource},
		{name: "anonymous with source IP condition", who: pAnon, ctx: map[string]any{"aws:SourceIp": "203.0.113.9"},
			resPolicy: rp("Allow", `"*"`, `,"Condition":{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}`), want: Allowed},
		{name: "service principal", who: pLambda, resPolicy: rp("Allow", `{"Service":"lambda.amazonaws.com"}`, ""), want: Allowed},
		{name: "other service principal", who: pLambda, resPolicy: rp("Allow", `{"Service":"events.amazonaws.com"}`, ""), want: ImplicitDeny},

		// NotPrincipal (UG-notprincipal, UG-boundaries).
		{name: "deny NotPrincipal exempts fully listed chain", who: pSession, identity: []string{allowAll},
			resPolicy: `{"Version":"2012-10-17","Statement":{"Effect":"Deny","NotPrincipal":{"AWS":["arn:aws:iam::` + acct + `:root","` + roleARN + `","arn:aws:sts::` + acct + `:assumed-role/app/s1"]},"Action":"*","Resource":"*"}}`, want: Allowed},
		{name: "deny NotPrincipal listing only the session still denies", who: pSession, identity: []string{allowAll},
			resPolicy: `{"Version":"2012-10-17","Statement":{"Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:sts::` + acct + `:assumed-role/app/s1"},"Action":"*","Resource":"*"}}`, want: ExplicitDeny},
		{name: "deny NotPrincipal always hits principals with a boundary", who: pAlice, identity: []string{allowAll}, boundary: allowAll,
			resPolicy: `{"Version":"2012-10-17","Statement":{"Effect":"Deny","NotPrincipal":{"AWS":["arn:aws:iam::` + acct + `:root","arn:aws:iam::` + acct + `:user/division/alice"]},"Action":"*","Resource":"*"}}`, want: ExplicitDeny},
		{name: "deny NotPrincipal exempts listed user", who: pAlice, identity: []string{allowAll},
			resPolicy: `{"Version":"2012-10-17","Statement":{"Effect":"Deny","NotPrincipal":{"AWS":["arn:aws:iam::` + acct + `:root","arn:aws:iam::` + acct + `:user/division/alice"]},"Action":"*","Resource":"*"}}`, want: Allowed},

		// Trust policies (sts.md §3.3, §4.3).
		{name: "trust names user directly", who: pAlice, action: "sts:AssumeRole", resource: roleARN, trust: true,
			resPolicy: `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + acct + `:user/division/alice"},"Action":"sts:AssumeRole"}}`, want: Allowed},
		{name: "trust names account: identity must allow", who: pAlice, action: "sts:AssumeRole", resource: roleARN, trust: true,
			resPolicy: `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"` + acct + `"},"Action":"sts:AssumeRole"}}`, want: ImplicitDeny, wantType: TypeIdentity},
		{name: "trust names account and identity allows", who: pAlice, action: "sts:AssumeRole", resource: roleARN, trust: true, identity: []string{allowAll},
			resPolicy: `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"` + acct + `"},"Action":"sts:AssumeRole"}}`, want: Allowed},
		{name: "trust silent: identity allow is not enough", who: pAlice, action: "sts:AssumeRole", resource: roleARN, trust: true, identity: []string{allowAll},
			resPolicy: `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}}`, want: ImplicitDeny, wantType: TypeResource},
		{name: "trust direct but boundary silent", who: pAlice, action: "sts:AssumeRole", resource: roleARN, trust: true, boundary: allowS3,
			resPolicy: `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + acct + `:user/division/alice"},"Action":"sts:AssumeRole"}}`, want: ImplicitDeny, wantType: TypeBoundary},
		{name: "trust external id", who: pBob, action: "sts:AssumeRole", resource: roleARN, trust: true, identity: []string{allowAll}, ctx: map[string]any{"sts:ExternalId": "ext-1"},
			resPolicy: `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"` + other + `"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"ext-1"}}}}`, want: Allowed},
		{name: "trust external id missing", who: pBob, action: "sts:AssumeRole", resource: roleARN, trust: true, identity: []string{allowAll},
			resPolicy: `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"` + other + `"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"ext-1"}}}}`, want: ImplicitDeny, wantType: TypeResource},
		{name: "web identity with sub and aud", who: pWebID, action: "sts:AssumeRoleWithWebIdentity", resource: roleARN, trust: true,
			ctx:       map[string]any{"token.actions.githubusercontent.com:sub": "repo:org/app:ref:refs/heads/main", "token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
			resPolicy: `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::` + acct + `:oidc-provider/token.actions.githubusercontent.com"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"token.actions.githubusercontent.com:aud":"sts.amazonaws.com"},"StringLike":{"token.actions.githubusercontent.com:sub":"repo:org/app:*"}}}}`, want: Allowed},
		{name: "web identity wrong sub", who: pWebID, action: "sts:AssumeRoleWithWebIdentity", resource: roleARN, trust: true,
			ctx:       map[string]any{"token.actions.githubusercontent.com:sub": "repo:evil/app:ref:refs/heads/main", "token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
			resPolicy: `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::` + acct + `:oidc-provider/token.actions.githubusercontent.com"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringLike":{"token.actions.githubusercontent.com:sub":"repo:org/app:*"}}}}`, want: ImplicitDeny},
		{name: "web identity other provider", who: pWebID, action: "sts:AssumeRoleWithWebIdentity", resource: roleARN, trust: true,
			resPolicy: `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"Federated":"accounts.google.com"},"Action":"sts:AssumeRoleWithWebIdentity"}}`, want: ImplicitDeny},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, req := tt.run(t)
			d := Evaluate(in, req)
			if d.Effect != tt.want {
				ex := Explain(in, req)
				t.Fatalf("Effect = %s, want %s (explain: %+v)", d.Effect, tt.want, ex)
			}
			if tt.want != Allowed && tt.wantType != 0 && d.Type != tt.wantType {
				t.Errorf("Type = %v, want %v", d.Type, tt.wantType)
			}
			if ex := Explain(in, req); ex.Decision != d {
				t.Errorf("Explain decision %+v differs from Evaluate %+v", ex.Decision, d)
			}
		})
	}
}

// TestConditions has one case per operator rule of spec §1.10 (UG-condops,
// UG-multi, UG-multi-examples).
func TestConditions(t *testing.T) {
	tests := []struct {
		name string
		cond string
		ctx  map[string]any
		want bool
	}{
		{"StringEquals", `{"StringEquals":{"aws:PrincipalTag/team":"blue"}}`, map[string]any{"aws:PrincipalTag/team": "blue"}, true},
		{"StringEquals is case-sensitive", `{"StringEquals":{"aws:PrincipalTag/team":"Blue"}}`, map[string]any{"aws:PrincipalTag/team": "blue"}, false},
		{"key names ignore case", `{"StringEquals":{"AWS:principaltag/TEAM":"blue"}}`, map[string]any{"aws:PrincipalTag/team": "blue"}, true},
		{"StringEquals star is literal", `{"StringEquals":{"k:k":"b*"}}`, map[string]any{"k:k": "blue"}, false},
		{"values are ORed", `{"StringEquals":{"k:k":["red","blue"]}}`, map[string]any{"k:k": "blue"}, true},
		{"keys are ANDed", `{"StringEquals":{"k:a":"1","k:b":"2"}}`, map[string]any{"k:a": "1", "k:b": "3"}, false},
		{"StringNotEquals is NOR", `{"StringNotEquals":{"k:k":["red","blue"]}}`, map[string]any{"k:k": "blue"}, false},
		{"StringNotEquals true", `{"StringNotEquals":{"k:k":["red","green"]}}`, map[string]any{"k:k": "blue"}, true},
		{"missing key positive false", `{"StringEquals":{"k:k":"x"}}`, nil, false},
		{"missing key negated true", `{"StringNotEquals":{"k:k":"x"}}`, nil, true},
		{"IfExists missing true", `{"StringEqualsIfExists":{"k:k":"x"}}`, nil, true},
		{"IfExists present evaluated", `{"StringEqualsIfExists":{"k:k":"x"}}`, map[string]any{"k:k": "y"}, false},
		{"StringEqualsIgnoreCase", `{"StringEqualsIgnoreCase":{"k:k":"BLUE"}}`, map[string]any{"k:k": "blue"}, true},
		{"StringNotEqualsIgnoreCase", `{"StringNotEqualsIgnoreCase":{"k:k":"BLUE"}}`, map[string]any{"k:k": "blue"}, false},
		{"StringLike star", `{"StringLike":{"k:k":"b*"}}`, map[string]any{"k:k": "blue"}, true},
		{"StringLike question", `{"StringLike":{"k:k":"bl?e"}}`, map[string]any{"k:k": "blue"}, true},
		{"StringLike case-sensitive", `{"StringLike":{"k:k":"B*"}}`, map[string]any{"k:k": "blue"}, false},
		{"StringNotLike", `{"StringNotLike":{"k:k":["r*","g*"]}}`, map[string]any{"k:k": "blue"}, true},
		{"StringLike escaped star", `{"StringLike":{"k:k":"a${*}"}}`, map[string]any{"k:k": "a*"}, true},
		{"StringLike escaped star not wildcard", `{"StringLike":{"k:k":"a${*}"}}`, map[string]any{"k:k": "ab"}, false},
		{"StringEquals ${$}", `{"StringEquals":{"k:k":"${$}5"}}`, map[string]any{"k:k": "$5"}, true},
		{"variable in value", `{"StringEquals":{"k:k":"${aws:username}"}}`, map[string]any{"k:k": "alice"}, true},
		{"unresolved variable in negated value counts as not equal", `{"StringNotEquals":{"k:k":"${aws:PrincipalTag/none}"}}`, map[string]any{"k:k": "alice"}, true},
		{"unresolved variable in positive value never matches", `{"StringEquals":{"k:k":"${aws:PrincipalTag/none}"}}`, map[string]any{"k:k": ""}, false},
		{"number as JSON number", `{"NumericLessThan":{"k:n":10}}`, map[string]any{"k:n": "9.5"}, true},
		{"NumericEquals decimals", `{"NumericEquals":{"k:n":"3.0"}}`, map[string]any{"k:n": "3"}, true},
		{"NumericNotEquals", `{"NumericNotEquals":{"k:n":["1","2"]}}`, map[string]any{"k:n": "3"}, true},
		{"NumericGreaterThanEquals", `{"NumericGreaterThanEquals":{"aws:MultiFactorAuthAge":"3600"}}`, map[string]any{"aws:MultiFactorAuthAge": "3600"}, true},
		{"NumericLessThanEquals", `{"NumericLessThanEquals":{"k:n":"1"}}`, map[string]any{"k:n": "2"}, false},
		{"Numeric non-numeric request", `{"NumericGreaterThan":{"k:n":"1"}}`, map[string]any{"k:n": "many"}, false},
		{"DateGreaterThan ISO", `{"DateGreaterThan":{"aws:CurrentTime":"2026-01-01T00:00:00Z"}}`, map[string]any{"aws:CurrentTime": "2026-01-02T03:04:05Z"}, true},
		{"DateLessThan date only", `{"DateLessThan":{"aws:CurrentTime":"2026-01-02"}}`, map[string]any{"aws:CurrentTime": "2026-01-01T23:59:59Z"}, true},
		{"DateEquals offset", `{"DateEquals":{"aws:CurrentTime":"2026-01-01T02:00:00+02:00"}}`, map[string]any{"aws:CurrentTime": "2026-01-01T00:00:00Z"}, true},
		{"Date epoch policy value", `{"DateGreaterThanEquals":{"aws:CurrentTime":"1767225600"}}`, map[string]any{"aws:CurrentTime": "2026-01-01T00:00:00Z"}, true},
		{"Date epoch request value", `{"DateLessThan":{"aws:EpochTime":"2026-01-01T00:00:01Z"}}`, map[string]any{"aws:EpochTime": "1767225600"}, true},
		{"DateNotEquals", `{"DateNotEquals":{"aws:CurrentTime":"2026-01-01T00:00:00Z"}}`, map[string]any{"aws:CurrentTime": "2026-01-01T00:00:00.000Z"}, false},
		{"DateLessThanEquals fractions", `{"DateLessThanEquals":{"aws:CurrentTime":"2026-01-01T00:00:00.5Z"}}`, map[string]any{"aws:CurrentTime": "2026-01-01T00:00:00.25Z"}, true},
		{"Bool", `{"Bool":{"aws:SecureTransport":"true"}}`, map[string]any{"aws:SecureTransport": "true"}, true},
		{"Bool JSON boolean and case", `{"Bool":{"aws:SecureTransport":false}}`, map[string]any{"aws:SecureTransport": "FALSE"}, true},
		{"Bool mismatch", `{"Bool":{"aws:SecureTransport":"true"}}`, map[string]any{"aws:SecureTransport": "false"}, false},
		{"BinaryEquals", `{"BinaryEquals":{"k:b":"QmluYXJ5VmFsdWU="}}`, map[string]any{"k:b": "QmluYXJ5VmFsdWU="}, true},
		{"IpAddress v4 CIDR", `{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}`, map[string]any{"aws:SourceIp": "203.0.113.7"}, true},
		{"IpAddress bare address is /32", `{"IpAddress":{"aws:SourceIp":"203.0.113.7"}}`, map[string]any{"aws:SourceIp": "203.0.113.8"}, false},
		{"IpAddress v6", `{"IpAddress":{"aws:SourceIp":"2001:DB8:1234:5678::/64"}}`, map[string]any{"aws:SourceIp": "2001:db8:1234:5678::1"}, true},
		{"IpAddress v4 range never holds v6", `{"IpAddress":{"aws:SourceIp":"0.0.0.0/0"}}`, map[string]any{"aws:SourceIp": "::1"}, false},
		{"NotIpAddress v6 vs v4 range", `{"NotIpAddress":{"aws:SourceIp":"10.0.0.0/8"}}`, map[string]any{"aws:SourceIp": "2001:db8::1"}, true},
		{"IpAddress /0 holds every IPv4 address", `{"IpAddress":{"aws:SourceIp":"0.0.0.0/0"}}`, map[string]any{"aws:SourceIp": "198.51.100.1"}, true},
		{"NotIpAddress bare v4 vs v6 request", `{"NotIpAddress":{"aws:SourceIp":"10.1.2.3"}}`, map[string]any{"aws:SourceIp": "::1"}, true},
		{"NotIpAddress NOR", `{"NotIpAddress":{"aws:SourceIp":["10.0.0.0/8","192.0.2.0/24"]}}`, map[string]any{"aws:SourceIp": "192.0.2.1"}, false},
		{"ArnLike", `{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/app*"}}`, map[string]any{"aws:PrincipalArn": "arn:aws:iam::1:role/app-1"}, true},
		{"ArnEquals same as ArnLike", `{"ArnEquals":{"aws:PrincipalArn":"arn:aws:iam::*:role/app*"}}`, map[string]any{"aws:PrincipalArn": "arn:aws:iam::1:role/app-1"}, true},
		{"ArnLike does not cross colons", `{"ArnLike":{"aws:SourceArn":"arn:aws:svc:*:111122223333:finance/*"}}`,
			map[string]any{"aws:SourceArn": "arn:aws:svc:us-east-2:999999999999:store/abc:111122223333:finance/doc"}, false},
		{"StringLike crosses colons", `{"StringLike":{"aws:SourceArn":"arn:aws:svc:*:111122223333:finance/*"}}`,
			map[string]any{"aws:SourceArn": "arn:aws:svc:us-east-2:999999999999:store/abc:111122223333:finance/doc"}, true},
		{"ArnLike non-ARN request", `{"ArnLike":{"aws:SourceArn":"*"}}`, map[string]any{"aws:SourceArn": "nope"}, false},
		{"ArnNotLike", `{"ArnNotLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/admin"}}`, map[string]any{"aws:PrincipalArn": "arn:aws:iam::1:role/app"}, true},
		{"Null true when absent", `{"Null":{"aws:TokenIssueTime":"true"}}`, nil, true},
		{"Null false when present", `{"Null":{"aws:TokenIssueTime":"false"}}`, map[string]any{"aws:TokenIssueTime": "2026-01-01T00:00:00Z"}, true},
		{"Null true but present", `{"Null":{"aws:TokenIssueTime":"true"}}`, map[string]any{"aws:TokenIssueTime": "x"}, false},
		// Multi-valued keys and set operators.
		{"plain operator on multi-valued key never matches", `{"StringEquals":{"aws:TagKeys":"env"}}`, map[string]any{"aws:TagKeys": []string{"env"}}, false},
		{"plain negated operator on multi-valued key never matches", `{"StringNotEquals":{"aws:TagKeys":"x"}}`, map[string]any{"aws:TagKeys": []string{"env", "team"}}, false},
		{"ForAnyValue", `{"ForAnyValue:StringEquals":{"aws:TagKeys":["env","cost"]}}`, map[string]any{"aws:TagKeys": []string{"team", "env"}}, true},
		{"ForAnyValue none", `{"ForAnyValue:StringEquals":{"aws:TagKeys":["env","cost"]}}`, map[string]any{"aws:TagKeys": []string{"team"}}, false},
		{"ForAnyValue missing key", `{"ForAnyValue:StringEquals":{"aws:TagKeys":"env"}}`, nil, false},
		{"ForAnyValue empty set", `{"ForAnyValue:StringEquals":{"aws:TagKeys":"env"}}`, map[string]any{"aws:TagKeys": []string{}}, false},
		{"ForAnyValue IfExists missing key", `{"ForAnyValue:StringEqualsIfExists":{"aws:TagKeys":"env"}}`, nil, true},
		{"ForAllValues subset", `{"ForAllValues:StringEquals":{"aws:TagKeys":["env","team"]}}`, map[string]any{"aws:TagKeys": []string{"team"}}, true},
		{"ForAllValues not subset", `{"ForAllValues:StringEquals":{"aws:TagKeys":["env","team"]}}`, map[string]any{"aws:TagKeys": []string{"team", "cost"}}, false},
		{"ForAllValues missing key", `{"ForAllValues:StringEquals":{"aws:TagKeys":"env"}}`, nil, true},
		{"ForAllValues empty set", `{"ForAllValues:StringEquals":{"aws:TagKeys":"env"}}`, map[string]any{"aws:TagKeys": []string{}}, true},
		// UG-multi-examples: ForAllValues:StringNotLike {"aws:TagKeys":"key1*"}.
		{"ForAllValues:StringNotLike key2", `{"ForAllValues:StringNotLike":{"aws:TagKeys":"key1*"}}`, map[string]any{"aws:TagKeys": []string{"key2"}}, true},
		{"ForAllValues:StringNotLike absent", `{"ForAllValues:StringNotLike":{"aws:TagKeys":"key1*"}}`, nil, true},
		{"ForAllValues:StringNotLike key1", `{"ForAllValues:StringNotLike":{"aws:TagKeys":"key1*"}}`, map[string]any{"aws:TagKeys": []string{"key1"}}, false},
		{"ForAnyValue:StringNotEquals", `{"ForAnyValue:StringNotEquals":{"aws:TagKeys":["a","b"]}}`, map[string]any{"aws:TagKeys": []string{"a", "c"}}, true},
		{"set operator on single-valued key", `{"ForAnyValue:StringEquals":{"aws:username":["alice","bob"]}}`, nil, true},
		{"several operators ANDed", `{"StringEquals":{"aws:username":"alice"},"Bool":{"aws:SecureTransport":"true"}}`, map[string]any{"aws:SecureTransport": "false"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := evalCase{who: pAlice, ctx: tt.ctx, identity: []string{
				`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":` + tt.cond + `}}`}}
			in, req := c.run(t)
			if got := Evaluate(in, req).Effect == Allowed; got != tt.want {
				t.Fatalf("condition %s = %v, want %v", tt.cond, got, tt.want)
			}
		})
	}
}

func TestExplain(t *testing.T) {
	c := evalCase{who: pAlice, ctx: map[string]any{"aws:SourceIp": "10.0.0.1"},
		identity: []string{`{"Version":"2012-10-17","Statement":[
			{"Sid":"All","Effect":"Allow","Action":"execute-api:*","Resource":"*"},
			{"Sid":"Office","Effect":"Deny","Action":"*","Resource":"*","Condition":{"NotIpAddress":{"aws:SourceIp":"10.0.0.0/8"},"Bool":{"aws:ViaAWSService":"false"}}},
			{"Sid":"Mfa","Effect":"Allow","Action":"*","Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}]}`},
		resPolicy: rp("Deny", `"*"`, `,"Sid":"Block"`)}
	in, req := c.run(t)
	ex := Explain(in, req)
	if ex.Effect != ExplicitDeny || ex.Type != TypeResource || ex.Policy != "resource" || ex.Statement != 0 {
		t.Fatalf("decision = %+v", ex.Decision)
	}
	var got []string
	for _, m := range ex.Matched {
		got = append(got, m.Type.String()+"/"+m.Policy+"/"+m.Sid+"/"+m.Effect)
	}
	want := []string{"identity-based/identity0/All/Allow", "resource-based/resource/Block/Deny"}
	if !slices.Equal(got, want) {
		t.Errorf("Matched = %v, want %v", got, want)
	}
	if want := []string{"aws:ViaAWSService", "aws:MultiFactorAuthPresent"}; !slices.Equal(ex.MissingContextKeys, want) {
		t.Errorf("MissingContextKeys = %v, want %v", ex.MissingContextKeys, want)
	}
	if got := ex.Reason(invoke); got != " with an explicit deny in a resource-based policy" {
		t.Errorf("Reason = %q", got)
	}
}

func TestReason(t *testing.T) {
	tests := []struct {
		d    Decision
		want string
	}{
		{Decision{Effect: Allowed}, ""},
		{Decision{Effect: ExplicitDeny, Type: TypeIdentity}, " with an explicit deny in an identity-based policy"},
		{Decision{Effect: ExplicitDeny, Type: TypeResource}, " with an explicit deny in a resource-based policy"},
		{Decision{Effect: ExplicitDeny, Type: TypeBoundary}, " with an explicit deny in a permissions boundary"},
		{Decision{Effect: ExplicitDeny, Type: TypeSession}, " with an explicit deny in a session policy"},
		{Decision{Effect: ImplicitDeny, Type: TypeIdentity}, " because no identity-based policy allows the execute-api:Invoke action"},
		{Decision{Effect: ImplicitDeny, Type: TypeResource}, " because no resource-based policy allows the execute-api:Invoke action"},
		{Decision{Effect: ImplicitDeny, Type: TypeBoundary}, " because no permissions boundary allows the execute-api:Invoke action"},
		{Decision{Effect: ImplicitDeny, Type: TypeSession}, " because no session policy allows the execute-api:Invoke action"},
	}
	for _, tt := range tests {
		if got := tt.d.Reason(invoke); got != tt.want {
			t.Errorf("Reason(%+v) = %q, want %q", tt.d, got, tt.want)
		}
	}
	if ExplicitDeny.String() != "explicitDeny" || ImplicitDeny.String() != "implicitDeny" || Allowed.String() != "allowed" {
		t.Error("decision names must match the IAM simulator's")
	}
}

func TestContext(t *testing.T) {
	var c Context
	c.Set("aws:SourceIp", "10.0.0.1")
	c.Set("AWS:SOURCEIP", "10.0.0.2")
	c.SetMulti("aws:TagKeys", "a", "b")
	if v, ok := c.Get("aws:sourceip"); !ok || !slices.Equal(v, []string{"10.0.0.2"}) {
		t.Errorf("Get = %v %v", v, ok)
	}
	if v, _ := c.Get("aws:tagkeys"); !slices.Equal(v, []string{"a", "b"}) {
		t.Errorf("multi = %v", v)
	}
	if c.Len() != 2 {
		t.Errorf("Len = %d", c.Len())
	}
	c.Delete("aws:SourceIp")
	if _, ok := c.Get("aws:SourceIp"); ok {
		t.Error("Delete did not delete")
	}
	c.Reset()
	if c.Len() != 0 {
		t.Error("Reset did not reset")
	}
}
