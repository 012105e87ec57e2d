// Package policy parses, validates and evaluates AWS IAM policy documents
// with the same decisions as AWS.
//
// It knows nothing of HTTP or storage: callers hand it compiled policies and
// a request, and get back a Decision.
//
// # Parsing
//
// Parse validates a document for one policy type (ParseOptions.Type) and
// compiles it: actions and resources become wildcard matchers, condition
// values become typed values (numbers, instants, CIDRs, ARN patterns). A
// *Policy is immutable and safe for concurrent use; Document returns the
// original JSON. Invalid documents return a *SyntaxError whose Error() is
// the message AWS puts in MalformedPolicyDocument.
//
// # Evaluating
//
// Evaluate combines identity policies, a resource policy, a permissions
// boundary and session policies following AWS's evaluation logic (explicit
// deny wins; in the same account a resource policy naming the caller can
// allow alone; across accounts both sides must allow; otherwise implicit
// deny). It allocates nothing in the common case. Explain runs the same
// evaluation and records which statements matched and which context keys
// were missing, for the simulate APIs and decision logs.
//
// # Trust policies
//
// To decide sts:AssumeRole or sts:AssumeRoleWithWebIdentity, pass the role's
// trust policy (parsed with TypeTrust) as Input.ResourcePolicy, set
// Input.RequireResourcePolicy, ResourceAccount to the role's account, the
// action to "sts:AssumeRole" (or "sts:AssumeRoleWithWebIdentity"), the
// resource to the role ARN, and the caller's identity policies, boundary and
// session policies as for any request. A web-identity caller is a Principal
// of kind PrincipalWebIdentity whose FederatedProvider is the provider ARN
// (or a built-in name such as "accounts.google.com"), with the token claims
// as context keys ("<provider>:sub", "<provider>:aud").
package policy
