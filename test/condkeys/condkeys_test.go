// Package condkeys checks, black-box against the real server, that the
// global condition keys of the IAM policy language mean the same thing on
// every surface gatehouse serves (issue #13, "one condition context"): for
// each key, a caller whose only identity policy allows the tested actions
// under one condition on that key gets the same decision from the IAM, STS,
// API Gateway and Lambda control planes and from execute-api:Invoke — except
// where AWS itself documents a per-service difference, which the table
// encodes with a comment citing the AWS fact.
//
// Everything goes over the wire: aws-sdk-go-v2 service clients for the
// control planes, and a request signed with the SDK's v4 signer for
// execute-api, against gatehousetest.Start (the real HTTP front, a real
// SQLite store on a temp dir).
package condkeys

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/gatehouse-dev/gatehouse/internal/gatehousetest"
)

// region is the region every client signs for. It is deliberately not
// us-east-1, to tell apart the two ways AWS fills aws:RequestedRegion:
//   - STS, API Gateway, Lambda and execute-api: the region of the endpoint
//     called (a client configured for eu-west-1 calls the eu-west-1
//     endpoint; for execute-api, the API's region).
//   - IAM: always us-east-1. IAM is a global service whose one endpoint is
//     in us-east-1, so on AWS "all requests to these services are made to
//     the us-east-1 Region" whatever the client is configured for (IAM
//     User Guide, https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_examples_aws_deny-requested-region.html,
//     and the aws:RequestedRegion entry of "AWS global condition context
//     keys"). Against gatehouse an SDK configured for eu-west-1 signs its
//     IAM calls for eu-west-1 (a custom endpoint has no signing-region
//     override), but the same client and policy on AWS would see
//     us-east-1, so that is what the table expects.
const region = "eu-west-1"

const account = gatehousetest.AccountID

// What every caller sends, so that aws:UserAgent and aws:Referer are
// present on every surface (both are taken from the request's headers).
const (
	appID   = "condkeys-test" // the SDK puts "app/condkeys-test" in User-Agent
	referer = "https://condkeys.example/console"
	// spoofed is an X-Forwarded-For every caller sends: on AWS
	// aws:SourceIp is the address the request came from, and a header the
	// caller writes does not change it, so the aws:SourceIp rows expect
	// the loopback peer (127.0.0.1), never this.
	spoofed = "10.1.2.3"
)

// The surfaces, in table order.
const (
	sIAM = iota
	sSTS
	sAPIGW
	sLambda
	sInvoke
	nSurfaces
)

var surfaceNames = [nSurfaces]string{"iam", "sts", "apigateway", "lambda", "execute-api"}

// Principal kinds a case runs as.
const (
	asUser    = "user"    // an IAM user with a long-term access key
	asSession = "session" // an AssumeRole session of a role (SourceIdentity set)
	asToken   = "token"   // the IAM user's GetSessionToken credentials (no MFA)
	asTagged  = "tagged"  // an AssumeRole session with the session tag team=green
)

// Operation sets. read: one authorized call per surface on a tagged
// resource (env=condkeys). tag: one call per surface that carries request
// tags (probe=x); execute-api has no tagging operation.
const (
	opRead = "read"
	opTag  = "tag"
)

// Actions the case's identity policy allows (under its one condition), one
// operation per surface, each on a resource tagged env=condkeys.
var readActions = []string{
	"iam:GetRole",           // IAM: GetRole of the role "target"
	"sts:AssumeRole",        // STS: AssumeRole of "target"; a session's source identity carries into the
	"sts:SetSourceIdentity", // chained session, and setting one needs sts:SetSourceIdentity (IAM User Guide,
	// "Monitor and control actions taken with assumed roles")
	"apigateway:GET",     // API Gateway: GetRestApi
	"lambda:GetFunction", // Lambda: GetFunction
	"execute-api:Invoke", // execute-api: GET /probe through the gateway
}

var tagActions = []string{
	"iam:TagRole",                      // IAM: TagRole on the tagged role
	"sts:AssumeRole", "sts:TagSession", // STS: AssumeRole with session tags
	"apigateway:POST",    // API Gateway: CreateRestApi with tags
	"lambda:TagResource", // Lambda: TagResource on the function
}

// tc is one row of the table: who calls, what the policy's condition is,
// and the decision expected on each surface.
type tc struct {
	key  string // the key under test (for the report)
	name string
	as   string
	ops  string
	// cond is the policy's Condition block; {USER_ARN}, {USER_ID},
	// {USER_NAME}, {ROLE_ARN}, {ROLE_ID} and {SESSION} are replaced by the
	// caller's values.
	cond string
	// deny puts the condition on a Deny statement next to an
	// unconditional Allow (the common guard-rail form: a surface that
	// leaves the key out fails open or closed depending on the operator).
	deny bool
	// want is the decision on every surface unless except overrides it.
	want   bool
	except map[int]bool
	// na marks surfaces a case cannot run on (no such operation), with why.
	na map[int]string
}

func (c tc) expect(s int) bool {
	if w, ok := c.except[s]; ok {
		return w
	}
	return c.want
}

const (
	past = "2000-01-01T00:00:00Z"
	// pastEpoch is 2000-01-01T00:00:00Z in seconds.
	pastEpoch = "946684800"
)

// noMFAIAM: IAM denies GetSessionToken credentials obtained without MFA.
var noMFAIAM = map[int]bool{sIAM: false}

// noTagOp: execute-api has no operation that carries request tags.
var noTagOp = map[int]string{sInvoke: "execute-api has no tagging operation"}

func cases() []tc {
	return []tc{
		// Controls: the policy's actions suffice on every surface, and
		// nothing else grants them.
		{key: "(control)", name: "no-condition", cond: "", want: true},
		{key: "(control)", name: "no-condition-session", as: asSession, cond: "", want: true},
		{key: "(control)", name: "no-condition-tag-ops", ops: opTag, cond: "", want: true, na: noTagOp},

		// GetSessionToken credentials obtained without MFA cannot call
		// IAM at all on AWS (STS API reference, GetSessionToken: "You
		// cannot call any IAM API operations unless MFA authentication
		// information is included in the request"), whatever the policy
		// says; every other surface decides by the policy.
		{key: "(control)", name: "no-condition-token", as: asToken, cond: "", want: true, except: noMFAIAM},

		// aws:CurrentTime / aws:EpochTime: always present, the request time.
		{key: "aws:CurrentTime", name: "after-2000", cond: `{"DateGreaterThan":{"aws:CurrentTime":"` + past + `"}}`, want: true},
		{key: "aws:CurrentTime", name: "before-2000", cond: `{"DateLessThan":{"aws:CurrentTime":"` + past + `"}}`, want: false},
		{key: "aws:EpochTime", name: "after-2000", cond: `{"NumericGreaterThan":{"aws:EpochTime":"` + pastEpoch + `"}}`, want: true},
		{key: "aws:EpochTime", name: "before-2000", cond: `{"NumericLessThan":{"aws:EpochTime":"` + pastEpoch + `"}}`, want: false},
		{key: "aws:EpochTime", name: "date-op", cond: `{"DateGreaterThan":{"aws:EpochTime":"` + pastEpoch + `"}}`, want: true},

		// aws:SecureTransport: always present; the test server is plain HTTP.
		{key: "aws:SecureTransport", name: "false", cond: `{"Bool":{"aws:SecureTransport":"false"}}`, want: true},
		{key: "aws:SecureTransport", name: "true", cond: `{"Bool":{"aws:SecureTransport":"true"}}`, want: false},

		// aws:SourceIp: always present (no VPC endpoints here): the loopback peer.
		{key: "aws:SourceIp", name: "loopback", cond: `{"IpAddress":{"aws:SourceIp":"127.0.0.1/32"}}`, want: true},
		{key: "aws:SourceIp", name: "ten-net", cond: `{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}`, want: false},
		{key: "aws:SourceIp", name: "not-ten-net", cond: `{"NotIpAddress":{"aws:SourceIp":"10.0.0.0/8"}}`, want: true},
		{key: "aws:SourceIp", name: "not-forwarded-for", cond: `{"IpAddress":{"aws:SourceIp":"` + spoofed + `/32"}}`, want: false},

		// aws:UserAgent: present when the request has a User-Agent (every caller here sends one).
		{key: "aws:UserAgent", name: "ours", cond: `{"StringLike":{"aws:UserAgent":"*app/` + appID + `*"}}`, want: true},
		{key: "aws:UserAgent", name: "other", cond: `{"StringLike":{"aws:UserAgent":"*curl/*"}}`, want: false},

		// aws:Referer: present when the request has a Referer header (every caller here sends one).
		{key: "aws:Referer", name: "ours", cond: `{"StringEquals":{"aws:Referer":"` + referer + `"}}`, want: true},
		{key: "aws:Referer", name: "other", cond: `{"StringEquals":{"aws:Referer":"https://other.example/"}}`, want: false},

		// aws:RequestedRegion: the signing region, except IAM (global,
		// endpoint in us-east-1: always us-east-1 on AWS; see region).
		{key: "aws:RequestedRegion", name: "signing-region", cond: `{"StringEquals":{"aws:RequestedRegion":"` + region + `"}}`,
			want: true, except: map[int]bool{sIAM: false}},
		{key: "aws:RequestedRegion", name: "us-east-1", cond: `{"StringEquals":{"aws:RequestedRegion":"us-east-1"}}`,
			want: false, except: map[int]bool{sIAM: true}},
		{key: "aws:RequestedRegion", name: "other", cond: `{"StringEquals":{"aws:RequestedRegion":"ap-south-1"}}`, want: false},

		// aws:PrincipalArn: the user's ARN; for a role session the role's ARN
		// (not the assumed-role session ARN).
		{key: "aws:PrincipalArn", name: "user", cond: `{"ArnEquals":{"aws:PrincipalArn":"{USER_ARN}"}}`, want: true},
		{key: "aws:PrincipalArn", name: "other-user", cond: `{"ArnEquals":{"aws:PrincipalArn":"arn:aws:iam::` + account + `:user/someone-else"}}`, want: false},
		{key: "aws:PrincipalArn", name: "session-role", as: asSession, cond: `{"ArnEquals":{"aws:PrincipalArn":"{ROLE_ARN}"}}`, want: true},
		{key: "aws:PrincipalArn", name: "session-not-session-arn", as: asSession,
			cond: `{"StringLike":{"aws:PrincipalArn":"arn:aws:sts::*"}}`, want: false},

		// aws:PrincipalAccount: always present.
		{key: "aws:PrincipalAccount", name: "own", cond: `{"StringEquals":{"aws:PrincipalAccount":"` + account + `"}}`, want: true},
		{key: "aws:PrincipalAccount", name: "other", cond: `{"StringEquals":{"aws:PrincipalAccount":"111122223333"}}`, want: false},
		{key: "aws:PrincipalAccount", name: "session-own", as: asSession, cond: `{"StringEquals":{"aws:PrincipalAccount":"` + account + `"}}`, want: true},

		// aws:PrincipalType: User / AssumedRole.
		{key: "aws:PrincipalType", name: "user", cond: `{"StringEquals":{"aws:PrincipalType":"User"}}`, want: true},
		{key: "aws:PrincipalType", name: "user-not-role", cond: `{"StringEquals":{"aws:PrincipalType":"AssumedRole"}}`, want: false},
		{key: "aws:PrincipalType", name: "session", as: asSession, cond: `{"StringEquals":{"aws:PrincipalType":"AssumedRole"}}`, want: true},

		// aws:PrincipalTag/*: the user's tags; a session gets its role's tags.
		{key: "aws:PrincipalTag", name: "user-blue", cond: `{"StringEquals":{"aws:PrincipalTag/team":"blue"}}`, want: true},
		{key: "aws:PrincipalTag", name: "user-red", cond: `{"StringEquals":{"aws:PrincipalTag/team":"red"}}`, want: false},
		{key: "aws:PrincipalTag", name: "session-role-tag", as: asSession, cond: `{"StringEquals":{"aws:PrincipalTag/team":"blue"}}`, want: true},

		// A session tag overrides the role's tag of the same key.
		{key: "aws:PrincipalTag", name: "session-tag-wins", as: asTagged, cond: `{"StringEquals":{"aws:PrincipalTag/team":"green"}}`, want: true},
		{key: "aws:PrincipalTag", name: "session-tag-hides-role-tag", as: asTagged, cond: `{"StringEquals":{"aws:PrincipalTag/team":"blue"}}`, want: false},

		// aws:PrincipalIsAWSService: false for IAM principals.
		{key: "aws:PrincipalIsAWSService", name: "false", cond: `{"Bool":{"aws:PrincipalIsAWSService":"false"}}`, want: true},
		{key: "aws:PrincipalIsAWSService", name: "true", cond: `{"Bool":{"aws:PrincipalIsAWSService":"true"}}`, want: false},

		// aws:userid: AIDA… for users, ROLEID:session for role sessions.
		{key: "aws:userid", name: "user", cond: `{"StringEquals":{"aws:userid":"{USER_ID}"}}`, want: true},
		{key: "aws:userid", name: "other", cond: `{"StringEquals":{"aws:userid":"AIDAOTHERUSER00000000"}}`, want: false},
		{key: "aws:userid", name: "session", as: asSession, cond: `{"StringEquals":{"aws:userid":"{ROLE_ID}:{SESSION}"}}`, want: true},

		// aws:username: IAM users only; absent for role sessions.
		{key: "aws:username", name: "user", cond: `{"StringEquals":{"aws:username":"{USER_NAME}"}}`, want: true},
		{key: "aws:username", name: "other", cond: `{"StringEquals":{"aws:username":"someone-else"}}`, want: false},
		{key: "aws:username", name: "session-absent", as: asSession, cond: `{"Null":{"aws:username":"true"}}`, want: true},

		// aws:TokenIssueTime: temporary credentials only.
		{key: "aws:TokenIssueTime", name: "long-term-absent", cond: `{"Null":{"aws:TokenIssueTime":"true"}}`, want: true},
		{key: "aws:TokenIssueTime", name: "long-term-not-present", cond: `{"Null":{"aws:TokenIssueTime":"false"}}`, want: false},
		{key: "aws:TokenIssueTime", name: "session-present", as: asSession, cond: `{"Null":{"aws:TokenIssueTime":"false"}}`, want: true},
		{key: "aws:TokenIssueTime", name: "session-after-2000", as: asSession, cond: `{"DateGreaterThan":{"aws:TokenIssueTime":"` + past + `"}}`, want: true},
		{key: "aws:TokenIssueTime", name: "session-before-2000", as: asSession, cond: `{"DateLessThan":{"aws:TokenIssueTime":"` + past + `"}}`, want: false},

		// aws:MultiFactorAuthPresent: absent for long-term keys; false for
		// sessions created without MFA (AWS knowledge center "mfa-iam-user-aws-cli").
		{key: "aws:MultiFactorAuthPresent", name: "long-term-absent", cond: `{"Null":{"aws:MultiFactorAuthPresent":"true"}}`, want: true},
		{key: "aws:MultiFactorAuthPresent", name: "long-term-boolifexists", cond: `{"BoolIfExists":{"aws:MultiFactorAuthPresent":"true"}}`, want: true},
		{key: "aws:MultiFactorAuthPresent", name: "long-term-bool-true", cond: `{"Bool":{"aws:MultiFactorAuthPresent":"true"}}`, want: false},
		{key: "aws:MultiFactorAuthPresent", name: "session-false", as: asSession, cond: `{"Bool":{"aws:MultiFactorAuthPresent":"false"}}`, want: true},
		{key: "aws:MultiFactorAuthPresent", name: "session-true", as: asSession, cond: `{"Bool":{"aws:MultiFactorAuthPresent":"true"}}`, want: false},

		// aws:MultiFactorAuthAge: only when MFA was used (never here).
		{key: "aws:MultiFactorAuthAge", name: "long-term-absent", cond: `{"Null":{"aws:MultiFactorAuthAge":"true"}}`, want: true},
		{key: "aws:MultiFactorAuthAge", name: "session-absent", as: asSession, cond: `{"Null":{"aws:MultiFactorAuthAge":"true"}}`, want: true},
		{key: "aws:MultiFactorAuthAge", name: "recent", cond: `{"NumericLessThan":{"aws:MultiFactorAuthAge":"3600"}}`, want: false},

		// aws:SourceIdentity: the value set at AssumeRole; absent otherwise.
		{key: "aws:SourceIdentity", name: "session", as: asSession, cond: `{"StringEquals":{"aws:SourceIdentity":"src-alice"}}`, want: true},
		{key: "aws:SourceIdentity", name: "session-other", as: asSession, cond: `{"StringEquals":{"aws:SourceIdentity":"src-bob"}}`, want: false},
		{key: "aws:SourceIdentity", name: "long-term-absent", cond: `{"Null":{"aws:SourceIdentity":"true"}}`, want: true},

		// aws:ViaAWSService: always present, false for direct calls.
		{key: "aws:ViaAWSService", name: "false", cond: `{"Bool":{"aws:ViaAWSService":"false"}}`, want: true},
		{key: "aws:ViaAWSService", name: "true", cond: `{"Bool":{"aws:ViaAWSService":"true"}}`, want: false},

		// aws:CalledVia*: only for requests a service makes on the caller's behalf.
		{key: "aws:CalledVia", name: "direct-absent", cond: `{"Null":{"aws:CalledVia":"true","aws:CalledViaFirst":"true","aws:CalledViaLast":"true"}}`, want: true},
		{key: "aws:CalledVia", name: "via-cloudformation", cond: `{"ForAnyValue:StringEquals":{"aws:CalledVia":"cloudformation.amazonaws.com"}}`, want: false},

		// aws:ResourceTag/*: the tags of the resource acted on. IAM roles
		// (GetRole, and AssumeRole of the role), REST APIs and functions
		// are tagged env=condkeys. execute-api:Invoke's resource type
		// (execute-api-general) has no condition keys in the AWS Service
		// Authorization Reference, so AWS puts no resource tags in its
		// context: the key is absent there.
		{key: "aws:ResourceTag", name: "tagged", cond: `{"StringEquals":{"aws:ResourceTag/env":"condkeys"}}`,
			want: true, except: map[int]bool{sInvoke: false}},
		{key: "aws:ResourceTag", name: "other-value", cond: `{"StringEquals":{"aws:ResourceTag/env":"prod"}}`, want: false},
		{key: "aws:ResourceTag", name: "untagged-key-absent", cond: `{"Null":{"aws:ResourceTag/nosuchkey":"true"}}`, want: true},

		// aws:RequestTag/* and aws:TagKeys: the tags a request carries, on
		// the operations of each surface that carry tags (probe=x).
		{key: "aws:RequestTag", name: "probe-x", ops: opTag, cond: `{"StringEquals":{"aws:RequestTag/probe":"x"}}`, want: true, na: noTagOp},
		{key: "aws:RequestTag", name: "probe-y", ops: opTag, cond: `{"StringEquals":{"aws:RequestTag/probe":"y"}}`, want: false, na: noTagOp},
		{key: "aws:TagKeys", name: "has-probe", ops: opTag, cond: `{"ForAnyValue:StringEquals":{"aws:TagKeys":"probe"}}`, want: true, na: noTagOp},
		{key: "aws:TagKeys", name: "has-other", ops: opTag, cond: `{"ForAnyValue:StringEquals":{"aws:TagKeys":"other"}}`, want: false, na: noTagOp},
		{key: "aws:TagKeys", name: "read-absent", cond: `{"Null":{"aws:TagKeys":"true"}}`, want: true},

		// GetSessionToken credentials: the user's identity (PrincipalType
		// User, aws:username) with the keys of temporary credentials.
		{key: "aws:TokenIssueTime", name: "token-present", as: asToken, cond: `{"Null":{"aws:TokenIssueTime":"false"}}`, want: true, except: noMFAIAM},
		{key: "aws:PrincipalType", name: "token-user", as: asToken, cond: `{"StringEquals":{"aws:PrincipalType":"User"}}`, want: true, except: noMFAIAM},
		{key: "aws:PrincipalArn", name: "token-user", as: asToken, cond: `{"ArnEquals":{"aws:PrincipalArn":"{USER_ARN}"}}`, want: true, except: noMFAIAM},
		{key: "aws:username", name: "token-user", as: asToken, cond: `{"StringEquals":{"aws:username":"{USER_NAME}"}}`, want: true, except: noMFAIAM},
		{key: "aws:userid", name: "token-user", as: asToken, cond: `{"StringEquals":{"aws:userid":"{USER_ID}"}}`, want: true, except: noMFAIAM},
		{key: "aws:MultiFactorAuthPresent", name: "token-false", as: asToken, cond: `{"Bool":{"aws:MultiFactorAuthPresent":"false"}}`, want: true, except: noMFAIAM},
		{key: "aws:SourceIp", name: "token-loopback", as: asToken, cond: `{"IpAddress":{"aws:SourceIp":"127.0.0.1/32"}}`, want: true, except: noMFAIAM},

		// Condition key names are case-insensitive (IAM User Guide, "IAM
		// JSON policy elements: Condition").
		{key: "aws:SourceIp", name: "upper-case-name", cond: `{"IpAddress":{"AWS:SOURCEIP":"127.0.0.1/32"}}`, want: true},
		{key: "aws:Referer", name: "lower-case-name", cond: `{"StringEquals":{"aws:referer":"` + referer + `"}}`, want: true},
		{key: "aws:PrincipalTag", name: "lower-case-name", cond: `{"StringEquals":{"aws:principaltag/team":"blue"}}`, want: true},

		// The same keys from role sessions (another authentication path).
		{key: "aws:CurrentTime", name: "session-after-2000", as: asSession, cond: `{"DateGreaterThan":{"aws:CurrentTime":"` + past + `"}}`, want: true},
		{key: "aws:SourceIp", name: "session-loopback", as: asSession, cond: `{"IpAddress":{"aws:SourceIp":"127.0.0.1/32"}}`, want: true},
		{key: "aws:UserAgent", name: "session-ours", as: asSession, cond: `{"StringLike":{"aws:UserAgent":"*app/` + appID + `*"}}`, want: true},

		// Guard rails: Allow everything, Deny under a condition. A surface
		// that leaves a key out of the context fails open here when the
		// Deny uses a positive operator, and closed with a negated one.
		{key: "aws:CurrentTime", name: "deny-after-2000", deny: true, cond: `{"DateGreaterThan":{"aws:CurrentTime":"` + past + `"}}`, want: false},
		{key: "aws:EpochTime", name: "deny-after-2000", deny: true, cond: `{"NumericGreaterThan":{"aws:EpochTime":"` + pastEpoch + `"}}`, want: false},
		{key: "aws:SourceIp", name: "deny-not-loopback", deny: true, cond: `{"NotIpAddress":{"aws:SourceIp":"127.0.0.1/32"}}`, want: true},
		{key: "aws:SourceIp", name: "deny-loopback", deny: true, cond: `{"IpAddress":{"aws:SourceIp":"127.0.0.0/8"}}`, want: false},
		{key: "aws:SecureTransport", name: "deny-insecure", deny: true, cond: `{"Bool":{"aws:SecureTransport":"false"}}`, want: false},
		{key: "aws:UserAgent", name: "deny-ours", deny: true, cond: `{"StringLike":{"aws:UserAgent":"*app/` + appID + `*"}}`, want: false},
		{key: "aws:Referer", name: "deny-ours", deny: true, cond: `{"StringEquals":{"aws:Referer":"` + referer + `"}}`, want: false},
		// The region guard rail of the IAM User Guide: IAM requests are
		// us-east-1, so a Deny outside eu-west-1 denies IAM (AWS's example
		// exempts iam:* with NotAction for this reason).
		{key: "aws:RequestedRegion", name: "deny-outside-region", deny: true, cond: `{"StringNotEquals":{"aws:RequestedRegion":"` + region + `"}}`,
			want: true, except: map[int]bool{sIAM: false}},
		// Long-term keys have no aws:MultiFactorAuthPresent, so the
		// BoolIfExists form of the "require MFA" guard rail denies them
		// (AWS knowledge center "mfa-iam-user-aws-cli").
		{key: "aws:MultiFactorAuthPresent", name: "deny-no-mfa-ifexists", deny: true, cond: `{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}`, want: false},
		{key: "aws:MultiFactorAuthPresent", name: "deny-no-mfa-bool", deny: true, cond: `{"Bool":{"aws:MultiFactorAuthPresent":"false"}}`, want: true},
		{key: "aws:PrincipalTag", name: "deny-blue", deny: true, cond: `{"StringEquals":{"aws:PrincipalTag/team":"blue"}}`, want: false},
		{key: "aws:ResourceTag", name: "deny-tagged", deny: true, cond: `{"StringEquals":{"aws:ResourceTag/env":"condkeys"}}`,
			want: false, except: map[int]bool{sInvoke: true}},
		{key: "aws:RequestTag", name: "deny-probe-x", ops: opTag, deny: true, cond: `{"StringEquals":{"aws:RequestTag/probe":"x"}}`, want: false, na: noTagOp},
	}
}

// fixture is the shared state: one server, the tagged resources, root and
// bootstrap clients.
type fixture struct {
	srv      *gatehousetest.Server
	rootIAM  *iam.Client
	bootKey  aws.Credentials // an IAM user allowed to assume the callers' roles
	apiID    string
	targetRA string // ARN of the tagged role GetRole / AssumeRole / TagRole act on
	fnName   string
}

// trustAccount lets identity policies of the account decide (a same-account
// trust policy naming the account leaves the decision to the caller's
// identity policy, where the condition under test is).
const trustAccount = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + account + `:root"},
 "Action":["sts:AssumeRole","sts:SetSourceIdentity","sts:TagSession"]}]}`

const trustLambda = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`

func cfgFor(url string, creds aws.Credentials) aws.Config {
	return aws.Config{
		Region:           region,
		Credentials:      credentials.StaticCredentialsProvider{Value: creds},
		BaseEndpoint:     aws.String(url),
		RetryMaxAttempts: 1,
		AppID:            appID,
		APIOptions: []func(*middleware.Stack) error{
			smithyhttp.AddHeaderValue("Referer", referer),
			smithyhttp.AddHeaderValue("X-Forwarded-For", spoofed),
		},
	}
}

func setup(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{srv: gatehousetest.Start(t), fnName: "probe-fn"}
	root := aws.Credentials{AccessKeyID: gatehousetest.AccessKeyID, SecretAccessKey: gatehousetest.SecretAccessKey}
	cfg := cfgFor(f.srv.URL, root)
	f.rootIAM = iam.NewFromConfig(cfg)
	envTag := []iamtypes.Tag{{Key: aws.String("env"), Value: aws.String("condkeys")}}

	r, err := f.rootIAM.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("target"), AssumeRolePolicyDocument: aws.String(trustAccount), Tags: envTag})
	if err != nil {
		t.Fatalf("create target role: %v", err)
	}
	f.targetRA = *r.Role.Arn

	// boot assumes the callers' roles (the root user cannot assume roles on AWS).
	if _, err := f.rootIAM.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("boot")}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.rootIAM.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("boot"), PolicyName: aws.String("assume"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sts:AssumeRole","sts:SetSourceIdentity","sts:TagSession"],"Resource":"*"}]}`)}); err != nil {
		t.Fatal(err)
	}
	k, err := f.rootIAM.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("boot")})
	if err != nil {
		t.Fatal(err)
	}
	f.bootKey = aws.Credentials{AccessKeyID: *k.AccessKey.AccessKeyId, SecretAccessKey: *k.AccessKey.SecretAccessKey}

	// A Lambda function, tagged. Creating one runs nothing: a provided
	// runtime with a one-file zip is enough for GetFunction / TagResource.
	fr, err := f.rootIAM.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("fn-role"), AssumeRolePolicyDocument: aws.String(trustLambda)})
	if err != nil {
		t.Fatal(err)
	}
	lc := lambda.NewFromConfig(cfg)
	if _, err := lc.CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String(f.fnName), Role: fr.Role.Arn,
		Runtime: lambdatypes.RuntimeProvidedal2023, Handler: aws.String("bootstrap"),
		Code: &lambdatypes.FunctionCode{ZipFile: bootstrapZip(t)}, Tags: map[string]string{"env": "condkeys"}}); err != nil {
		t.Fatalf("create function: %v", err)
	}

	// A REST API, tagged, whose GET /probe needs SigV4 (AWS_IAM) and
	// proxies to a loopback backend that answers 200.
	be := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "ok") }))
	t.Cleanup(be.Close)
	apig := apigateway.NewFromConfig(cfg)
	api, err := apig.CreateRestApi(ctx, &apigateway.CreateRestApiInput{Name: aws.String("probe"), Tags: map[string]string{"env": "condkeys"}})
	if err != nil {
		t.Fatalf("create rest api: %v", err)
	}
	f.apiID = *api.Id
	res, err := apig.GetResources(ctx, &apigateway.GetResourcesInput{RestApiId: api.Id})
	if err != nil || len(res.Items) == 0 {
		t.Fatalf("get resources: %v", err)
	}
	probe, err := apig.CreateResource(ctx, &apigateway.CreateResourceInput{RestApiId: api.Id, ParentId: res.Items[0].Id, PathPart: aws.String("probe")})
	if err != nil {
		t.Fatalf("create resource: %v", err)
	}
	if _, err := apig.PutMethod(ctx, &apigateway.PutMethodInput{RestApiId: api.Id, ResourceId: probe.Id, HttpMethod: aws.String("GET"),
		AuthorizationType: aws.String("AWS_IAM")}); err != nil {
		t.Fatalf("put method: %v", err)
	}
	if _, err := apig.PutIntegration(ctx, &apigateway.PutIntegrationInput{RestApiId: api.Id, ResourceId: probe.Id, HttpMethod: aws.String("GET"),
		Type: "HTTP_PROXY", IntegrationHttpMethod: aws.String("GET"), Uri: aws.String(be.URL + "/probe")}); err != nil {
		t.Fatalf("put integration: %v", err)
	}
	if _, err := apig.CreateDeployment(ctx, &apigateway.CreateDeploymentInput{RestApiId: api.Id, StageName: aws.String("prod")}); err != nil {
		t.Fatalf("deploy: %v", err)
	}
	return f
}

// bootstrapZip is a deployment package with one executable file.
func bootstrapZip(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	z := zip.NewWriter(&b)
	h := &zip.FileHeader{Name: "bootstrap", Method: zip.Deflate}
	h.SetMode(0o755)
	w, err := z.CreateHeader(h)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.WriteString(w, "#!/bin/sh\nexit 0\n")
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// caller is a case's principal: its credentials and the values the
// condition placeholders stand for.
type caller struct {
	creds aws.Credentials
	vars  map[string]string
}

func (f *fixture) policy(c tc) string {
	actions := readActions
	if c.ops == opTag {
		actions = tagActions
	}
	list := `"Action":["` + strings.Join(actions, `","`) + `"],"Resource":"*"`
	cond := ""
	if c.cond != "" {
		cond = `,"Condition":` + c.cond
	}
	if c.deny {
		return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",` + list + `},{"Effect":"Deny",` + list + cond + `}]}`
	}
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",` + list + cond + `}]}`
}

func fill(s string, vars map[string]string) string {
	for k, v := range vars {
		s = strings.ReplaceAll(s, "{"+k+"}", v)
	}
	return s
}

// sessionTags are the session tags of a caller kind: team=green for
// asTagged, none otherwise.
func sessionTags(as string) []ststypes.Tag {
	if as != asTagged {
		return nil
	}
	return []ststypes.Tag{{Key: aws.String("team"), Value: aws.String("green")}}
}

var teamBlue = []iamtypes.Tag{{Key: aws.String("team"), Value: aws.String("blue")}}

// newCaller creates the case's principal with the case's policy as its only
// permissions.
func (f *fixture) newCaller(ctx context.Context, c tc, id string) (*caller, error) {
	switch c.as {
	case "", asUser, asToken:
		name := "u-" + id
		u, err := f.rootIAM.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name), Tags: teamBlue})
		if err != nil {
			return nil, fmt.Errorf("create user: %w", err)
		}
		vars := map[string]string{"USER_ARN": *u.User.Arn, "USER_ID": *u.User.UserId, "USER_NAME": name}
		if _, err := f.rootIAM.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String(name), PolicyName: aws.String("case"),
			PolicyDocument: aws.String(fill(f.policy(c), vars))}); err != nil {
			return nil, fmt.Errorf("put user policy: %w", err)
		}
		k, err := f.rootIAM.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(name)})
		if err != nil {
			return nil, fmt.Errorf("create access key: %w", err)
		}
		long := aws.Credentials{AccessKeyID: *k.AccessKey.AccessKeyId, SecretAccessKey: *k.AccessKey.SecretAccessKey}
		if c.as != asToken {
			return &caller{creds: long, vars: vars}, nil
		}
		// GetSessionToken needs no permission: any IAM user may call it.
		out, err := sts.NewFromConfig(cfgFor(f.srv.URL, long)).GetSessionToken(ctx, &sts.GetSessionTokenInput{DurationSeconds: aws.Int32(900)})
		if err != nil {
			return nil, fmt.Errorf("get session token: %w", err)
		}
		cr := out.Credentials
		return &caller{creds: aws.Credentials{AccessKeyID: *cr.AccessKeyId, SecretAccessKey: *cr.SecretAccessKey, SessionToken: *cr.SessionToken}, vars: vars}, nil
	case asSession, asTagged:
		name, session := "r-"+id, "s-"+id
		r, err := f.rootIAM.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(trustAccount), Tags: teamBlue})
		if err != nil {
			return nil, fmt.Errorf("create role: %w", err)
		}
		vars := map[string]string{"ROLE_ARN": *r.Role.Arn, "ROLE_ID": *r.Role.RoleId, "SESSION": session}
		if _, err := f.rootIAM.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(name), PolicyName: aws.String("case"),
			PolicyDocument: aws.String(fill(f.policy(c), vars))}); err != nil {
			return nil, fmt.Errorf("put role policy: %w", err)
		}
		out, err := sts.NewFromConfig(cfgFor(f.srv.URL, f.bootKey)).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: r.Role.Arn,
			RoleSessionName: aws.String(session), SourceIdentity: aws.String("src-alice"), DurationSeconds: aws.Int32(900),
			Tags: sessionTags(c.as)})
		if err != nil {
			return nil, fmt.Errorf("assume role: %w", err)
		}
		cr := out.Credentials
		return &caller{creds: aws.Credentials{AccessKeyID: *cr.AccessKeyId, SecretAccessKey: *cr.SecretAccessKey, SessionToken: *cr.SessionToken}, vars: vars}, nil
	}
	return nil, fmt.Errorf("unknown principal kind %q", c.as)
}

// decision is what a surface answered: allowed, denied, or something else
// (an error that is neither, reported as such).
type decision struct {
	allowed bool
	other   string
}

func (d decision) String() string {
	switch {
	case d.other != "":
		return "error(" + d.other + ")"
	case d.allowed:
		return "allow"
	}
	return "deny"
}

// classify maps an SDK call's error to a decision: nil is allow, an
// access-denied error of the surface's wire format is deny.
func classify(err error) decision {
	if err == nil {
		return decision{allowed: true}
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		switch ae.ErrorCode() {
		case "AccessDenied", "AccessDeniedException":
			return decision{}
		}
	}
	return decision{other: err.Error()}
}

// call runs the case's operation on surface s as cl.
func (f *fixture) call(ctx context.Context, c tc, s int, cl *caller, seq string) decision {
	cfg := cfgFor(f.srv.URL, cl.creds)
	probeTags := map[string]string{"probe": "x"}
	switch s {
	case sIAM:
		ic := iam.NewFromConfig(cfg)
		if c.ops == opTag {
			_, err := ic.TagRole(ctx, &iam.TagRoleInput{RoleName: aws.String("target"), Tags: []iamtypes.Tag{{Key: aws.String("probe"), Value: aws.String("x")}}})
			return classify(err)
		}
		_, err := ic.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("target")})
		var ae smithy.APIError
		if c.as == asToken && errors.As(err, &ae) && ae.ErrorCode() == "InvalidClientTokenId" {
			// How AWS refuses GetSessionToken credentials without MFA
			// on IAM (see noMFAIAM): a refusal, so a deny.
			return decision{}
		}
		return classify(err)
	case sSTS:
		in := &sts.AssumeRoleInput{RoleArn: aws.String(f.targetRA), RoleSessionName: aws.String("probe-" + seq), DurationSeconds: aws.Int32(900)}
		if c.ops == opTag {
			in.Tags = []ststypes.Tag{{Key: aws.String("probe"), Value: aws.String("x")}}
		}
		_, err := sts.NewFromConfig(cfg).AssumeRole(ctx, in)
		return classify(err)
	case sAPIGW:
		ac := apigateway.NewFromConfig(cfg)
		if c.ops == opTag {
			_, err := ac.CreateRestApi(ctx, &apigateway.CreateRestApiInput{Name: aws.String("tagged-" + seq), Tags: probeTags})
			return classify(err)
		}
		_, err := ac.GetRestApi(ctx, &apigateway.GetRestApiInput{RestApiId: aws.String(f.apiID)})
		return classify(err)
	case sLambda:
		lc := lambda.NewFromConfig(cfg)
		if c.ops == opTag {
			_, err := lc.TagResource(ctx, &lambda.TagResourceInput{Resource: aws.String("arn:aws:lambda:" + region + ":" + account + ":function:" + f.fnName), Tags: probeTags})
			return classify(err)
		}
		_, err := lc.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String(f.fnName)})
		return classify(err)
	case sInvoke:
		return f.invoke(ctx, cl.creds)
	}
	return decision{other: "no such surface"}
}

// invoke sends GET /probe through the gateway, signed for execute-api like
// any SigV4 client would, with the same User-Agent and Referer as the SDK
// calls. 200 is allow, 403 with AWS's denial body is deny.
func (f *fixture) invoke(ctx context.Context, creds aws.Credentials) decision {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, f.srv.URL+"/restapis/"+f.apiID+"/prod/_user_request_/probe", nil)
	if err != nil {
		return decision{other: err.Error()}
	}
	req.Header.Set("User-Agent", "condkeys-client/1.0 app/"+appID)
	req.Header.Set("Referer", referer)
	req.Header.Set("X-Forwarded-For", spoofed)
	const emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, emptySHA256, "execute-api", region, time.Now()); err != nil {
		return decision{other: err.Error()}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return decision{other: err.Error()}
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	switch {
	case resp.StatusCode == http.StatusOK && string(body) == "ok":
		return decision{allowed: true}
	case resp.StatusCode == http.StatusForbidden && bytes.Contains(body, []byte("is not authorized to perform")):
		return decision{}
	}
	return decision{other: fmt.Sprintf("HTTP %d %s", resp.StatusCode, bytes.TrimSpace(body))}
}

// TestGlobalConditionKeysAgreeAcrossSurfaces is the table: key × condition
// × surface → decision. It reports every disagreement in one failure, and
// logs the whole matrix.
func TestGlobalConditionKeysAgreeAcrossSurfaces(t *testing.T) {
	f := setup(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	type row struct {
		c   tc
		got [nSurfaces]decision
		err string
	}
	all := cases()
	rows := make([]row, len(all))
	// One parallel subtest per row (named key/case, so -run can pick
	// rows); they only record what each surface answered, and the parent
	// reports every disagreement in one message below.
	t.Run("cases", func(t *testing.T) {
		for i, c := range all {
			t.Run(c.key+"/"+c.name, func(t *testing.T) {
				t.Parallel()
				rows[i].c = c
				id := fmt.Sprint(i)
				cl, err := f.newCaller(ctx, c, id)
				if err != nil {
					rows[i].err = "setup: " + err.Error()
					return
				}
				for s := 0; s < nSurfaces; s++ {
					if _, skip := c.na[s]; skip {
						continue
					}
					rows[i].got[s] = f.call(ctx, c, s, cl, id)
				}
			})
		}
	})

	var matrix, bad strings.Builder
	fmt.Fprintf(&matrix, "%-28s %-26s %-8s", "key", "case", "as")
	for _, n := range surfaceNames {
		fmt.Fprintf(&matrix, " %-12s", n)
	}
	matrix.WriteString("\n")
	failedKeys := map[string]bool{}
	notes := map[string]bool{} // why cells are n/a, said once each
	nBad := 0
	for _, r := range rows {
		as := r.c.as
		if as == "" {
			as = asUser
		}
		if r.c.deny {
			as += "/D"
		}
		fmt.Fprintf(&matrix, "%-28s %-26s %-8s", r.c.key, r.c.name, as)
		if r.err != "" {
			matrix.WriteString(" " + r.err + "\n")
			fmt.Fprintf(&bad, "  %s %s (%s): %s\n", r.c.key, r.c.name, as, r.err)
			failedKeys[r.c.key] = true
			nBad++
			continue
		}
		var diffs []string
		for s := 0; s < nSurfaces; s++ {
			if why, skip := r.c.na[s]; skip {
				fmt.Fprintf(&matrix, " %-12s", "n/a")
				notes[surfaceNames[s]+": "+why] = true
				continue
			}
			want := r.c.expect(s)
			got := r.got[s]
			cell := got.String()
			if got.other != "" || got.allowed != want {
				cell = "!" + cell
				wantS := "deny"
				if want {
					wantS = "allow"
				}
				diffs = append(diffs, fmt.Sprintf("%s: got %s, want %s", surfaceNames[s], got, wantS))
			}
			if len(cell) > 12 {
				cell = cell[:12]
			}
			fmt.Fprintf(&matrix, " %-12s", cell)
		}
		matrix.WriteString("\n")
		if len(diffs) > 0 {
			nBad++
			failedKeys[r.c.key] = true
			fmt.Fprintf(&bad, "  %s %s (%s, condition %s):\n    %s\n", r.c.key, r.c.name, as, r.c.cond, strings.Join(diffs, "\n    "))
		}
	}
	for n := range notes {
		fmt.Fprintf(&matrix, "n/a: %s\n", n)
	}
	t.Logf("decisions (! = disagrees with the expected AWS decision; n/a = the surface has no such operation; /D = Allow all + Deny under the condition):\n%s", matrix.String())
	if nBad > 0 {
		keys := make([]string, 0, len(failedKeys))
		for k := range failedKeys {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		t.Errorf("%d of %d cases disagree with AWS on some surface (keys: %s):\n%s", nBad, len(rows), strings.Join(keys, ", "), bad.String())
	}
}
