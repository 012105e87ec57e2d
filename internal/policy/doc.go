// Package policy parses, validates and evaluates AWS IAM policy documents
// with the same decisions as AWS, explains them, and allocates nothing on
// the hot path.
//
// It knows nothing of HTTP or storage: callers hand it compiled policies and
// a request and get back a Decision. The behaviour follows
// doc/spec/iam-policy.md; where AWS's documentation and
// @cloud-copilot/iam-simulate disagree, the differential test
// (differential_test.go, knownDifferences) names the documentation followed.
//
// # Parsing
//
// Parse(doc, ParseOptions{Type: …}) validates a document for one policy
// type — TypeIdentity (inline or managed; set Managed to require
// 2012-10-17), TypeResource, TypeTrust (role trust policy), TypeBoundary or
// TypeSession — and compiles it: actions and resources become wildcard
// matchers, condition values become typed values (numbers, instants, CIDRs,
// ARN patterns, policy-variable templates), and statements are indexed by
// service prefix. A *Policy is immutable and safe for concurrent use;
// Document returns the original JSON and Statements the Sid, effect and
// line/column of each statement. Invalid documents return a *SyntaxError
// whose Error() is exactly the MalformedPolicyDocument message AWS sends
// ("Syntax errors in policy.", "Policy document should not specify a
// principal.", …) and whose Offset points at the problem; documents larger
// than ParseOptions.MaxSize (non-white-space characters, see Size) return a
// *SizeError (LimitExceeded).
//
// # Evaluating
//
// A Request is a Principal (kind, ARN, account, role ARN for sessions,
// unique id, …), an action, a resource ARN and a *Context of condition keys.
// Fill a reused Context per request with Reset, SetPrincipal, Set and
// SetMulti; keys are case-insensitive. An Input lists what applies: the
// identity policies (user + groups, or the role), the resource policy and
// its owner account, the permissions boundary, and session policies.
//
// Evaluate(in, req) applies AWS's logic: an applicable Deny anywhere is an
// ExplicitDeny; in the same account a resource policy that names the caller
// (user, session, federated user or "*") allows on its own, one that names
// the role behind a session still honours the boundary and session policy,
// and one that names only the account delegates to identity policies;
// across accounts both sides must allow; anything else is an ImplicitDeny.
// The root user is allowed on its own account's resources unless denied.
// Decision.Type says which policy type denied or lacked an allow, and
// Decision.Reason(action) renders AWS's suffix ("with an explicit deny in a
// resource-based policy", "because no identity-based policy allows the
// execute-api:Invoke action").
//
// Explain(in, req) runs the same evaluation and records every statement
// that applied (policy name, type, Sid, index, position) and the context
// keys that were missing: the material for SimulatePrincipalPolicy's
// MatchedStatements and MissingContextValues, error logs and decision logs.
// It allocates; Evaluate does not.
//
// # Trust policies
//
// To decide sts:AssumeRole or sts:AssumeRoleWithWebIdentity, pass the role's
// trust policy (parsed with TypeTrust) as Input.ResourcePolicy, set
// Input.RequireResourcePolicy (a trust policy must always grant, even in the
// same account), ResourceAccount to the role's account, the action to
// "sts:AssumeRole" (or "sts:AssumeRoleWithWebIdentity", "sts:TagSession",
// "sts:SetSourceIdentity") and the resource to the role ARN, with the
// caller's identity policies, boundary and session policies as for any
// request and the STS keys (sts:ExternalId, sts:RoleSessionName, …) in the
// Context. A web-identity caller is a Principal of kind PrincipalWebIdentity
// whose FederatedProvider is the provider ARN
// (arn:aws:iam::A:oidc-provider/host) or a built-in name such as
// "accounts.google.com", with the token claims as context keys
// ("<provider>:sub", "<provider>:aud"). When the trust policy names the
// caller directly the identity policy is not needed in the same account,
// but a permissions boundary must still allow the action; when it names the
// account, the identity policy must allow too.
package policy
