package sts

import (
	"net/url"

	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/awsproto"
)

// The operations' inputs, decoded from the Query parameters by the frame
// before the handler runs (one small function per input: STS's shapes are
// few and flat). Scalars stay strings: STS's validation messages quote
// the value as sent (DurationSeconds "abc" is "Member must be a number"),
// so handlers validate them. Lists are read with awsproto.Members and
// MemberStructs, which stop at the first gap as AWS does.

// queryInput is an input the frame can decode.
type queryInput interface{ fromQuery(url.Values) }

// decodeQuery fills in, an operation's *In, from the parameters.
func decodeQuery(params url.Values, in any) error {
	q, ok := in.(queryInput)
	if !ok {
		// A table entry whose input has no decoder: a gatehouse bug.
		return awserr.InternalFailure.New("")
	}
	q.fromQuery(params)
	return nil
}

// sessionPolicyIn is the Policy and PolicyArns members.
type sessionPolicyIn struct {
	Policy string
	// PolicyArns are the members' arn fields ("" where a member has none).
	PolicyArns []string
}

func (in *sessionPolicyIn) fromQuery(v url.Values) {
	in.Policy = v.Get("Policy")
	for _, m := range awsproto.MemberStructs(v, "PolicyArns") {
		in.PolicyArns = append(in.PolicyArns, m["arn"])
	}
}

// tagIn is a Tags member as sent ("" for a missing field).
type tagIn struct{ Key, Value string }

func tagsFromQuery(v url.Values) []tagIn {
	var out []tagIn
	for _, m := range awsproto.MemberStructs(v, "Tags") {
		out = append(out, tagIn{m["Key"], m["Value"]})
	}
	return out
}

// mfaIn is SerialNumber and TokenCode.
type mfaIn struct{ SerialNumber, TokenCode string }

func (in *mfaIn) fromQuery(v url.Values) {
	in.SerialNumber, in.TokenCode = v.Get("SerialNumber"), v.Get("TokenCode")
}

type getCallerIdentityIn struct{}

func (*getCallerIdentityIn) fromQuery(url.Values) {}

type assumeRoleIn struct {
	RoleArn, RoleSessionName, DurationSeconds, ExternalId, SourceIdentity string
	Tags                                                                  []tagIn
	TransitiveTagKeys                                                     []string
	sessionPolicyIn
	mfaIn
}

func (in *assumeRoleIn) fromQuery(v url.Values) {
	in.RoleArn, in.RoleSessionName, in.DurationSeconds = v.Get("RoleArn"), v.Get("RoleSessionName"), v.Get("DurationSeconds")
	in.ExternalId, in.SourceIdentity = v.Get("ExternalId"), v.Get("SourceIdentity")
	in.Tags = tagsFromQuery(v)
	in.TransitiveTagKeys = awsproto.Members(v, "TransitiveTagKeys")
	in.sessionPolicyIn.fromQuery(v)
	in.mfaIn.fromQuery(v)
}

type webIdentityIn struct {
	RoleArn, RoleSessionName, WebIdentityToken, DurationSeconds string
	sessionPolicyIn
}

func (in *webIdentityIn) fromQuery(v url.Values) {
	in.RoleArn, in.RoleSessionName = v.Get("RoleArn"), v.Get("RoleSessionName")
	in.WebIdentityToken, in.DurationSeconds = v.Get("WebIdentityToken"), v.Get("DurationSeconds")
	in.sessionPolicyIn.fromQuery(v)
}

type samlIn struct {
	RoleArn, PrincipalArn, SAMLAssertion, DurationSeconds string
	sessionPolicyIn
}

func (in *samlIn) fromQuery(v url.Values) {
	in.RoleArn, in.PrincipalArn, in.SAMLAssertion = v.Get("RoleArn"), v.Get("PrincipalArn"), v.Get("SAMLAssertion")
	in.DurationSeconds = v.Get("DurationSeconds")
	in.sessionPolicyIn.fromQuery(v)
}

type accessKeyInfoIn struct{ AccessKeyId string }

func (in *accessKeyInfoIn) fromQuery(v url.Values) { in.AccessKeyId = v.Get("AccessKeyId") }

type sessionTokenIn struct {
	DurationSeconds string
	mfaIn
}

func (in *sessionTokenIn) fromQuery(v url.Values) {
	in.DurationSeconds = v.Get("DurationSeconds")
	in.mfaIn.fromQuery(v)
}

type federationIn struct {
	Name, DurationSeconds string
	Tags                  []tagIn
	sessionPolicyIn
}

func (in *federationIn) fromQuery(v url.Values) {
	in.Name, in.DurationSeconds = v.Get("Name"), v.Get("DurationSeconds")
	in.Tags = tagsFromQuery(v)
	in.sessionPolicyIn.fromQuery(v)
}

type assumeRootIn struct {
	TargetPrincipal, DurationSeconds string
	// TaskPolicyArn is TaskPolicyArn.arn.
	TaskPolicyArn string
}

func (in *assumeRootIn) fromQuery(v url.Values) {
	in.TargetPrincipal, in.DurationSeconds, in.TaskPolicyArn = v.Get("TargetPrincipal"), v.Get("DurationSeconds"), v.Get("TaskPolicyArn.arn")
}

type delegatedIn struct{ TradeInToken string }

func (in *delegatedIn) fromQuery(v url.Values) { in.TradeInToken = v.Get("TradeInToken") }

type decodeMessageIn struct{ EncodedMessage string }

func (in *decodeMessageIn) fromQuery(v url.Values) { in.EncodedMessage = v.Get("EncodedMessage") }

type webTokenIn struct {
	Audience []string
	// AudienceSent: an Audience parameter was sent (an empty list, not a
	// missing one).
	AudienceSent                      bool
	SigningAlgorithm, DurationSeconds string
	SigningAlgorithmSent              bool
	Tags                              []tagIn
}

func (in *webTokenIn) fromQuery(v url.Values) {
	in.Audience = awsproto.Members(v, "Audience")
	_, in.AudienceSent = v["Audience"]
	in.SigningAlgorithm, in.DurationSeconds = v.Get("SigningAlgorithm"), v.Get("DurationSeconds")
	_, in.SigningAlgorithmSent = v["SigningAlgorithm"]
	in.Tags = tagsFromQuery(v)
}
