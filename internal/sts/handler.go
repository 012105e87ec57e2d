package sts

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"strconv"
	"sync"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/authn"
	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/awsproto"
	"github.com/gatehouse-dev/gatehouse/internal/iam"
	"github.com/gatehouse-dev/gatehouse/internal/pipeline"
	"github.com/gatehouse-dev/gatehouse/internal/policy"
	"github.com/gatehouse-dev/gatehouse/internal/sigv4"
)

// trustKeys are the keys of the role-assuming operations: the trust policy
// sees the session's name, source identity, tags and the role's tags.
var trustKeys = []string{"sts:RoleSessionName", "sts:SourceIdentity", "aws:RequestTag/${TagKey}", "aws:TagKeys",
	"sts:TransitiveTagKeys", "aws:ResourceTag/${TagKey}", "iam:ResourceTag/${TagKey}"}

// operations are the STS operations gatehouse serves, with the actions
// each authorizes, the keys each adds, and their typed handlers. Every
// STS authorization depends on stored state (the role's trust policy and
// tags, the caller's session) or on what the handler learns (a verified
// token's claims), so each handler authorizes itself. GetCallerIdentity,
// GetSessionToken and GetAccessKeyInfo authorize nothing: AWS lets any
// caller make them. Who may call is the wrapper: none for the unsigned
// operations (the input is the credential), else signed with anyCaller,
// sessionOK (not a federated user) or longTerm (neither GetSessionToken's
// nor a federated user's credentials). The frame (serveHTTP) decodes each
// input from the Query parameters (inputs.go).
var operations = pipeline.Handlers[*call]{
	pipeline.Handle(pipeline.Operation{Name: "AssumeRole", Actions: []string{"sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"},
		Keys: append([]string{"sts:ExternalId"}, trustKeys...)}, signed(sessionOK, (*call).assumeRole)),
	pipeline.Handle(pipeline.Operation{Name: "AssumeRoleWithWebIdentity", Actions: []string{"sts:AssumeRoleWithWebIdentity", "sts:TagSession", "sts:SetSourceIdentity"},
		Keys: append([]string{"aws:FederatedProvider", "${provider}:sub", "${provider}:aud", "${provider}:amr"}, trustKeys[:5]...)},
		// Unsigned by design; the caller's identity, if it signed, is
		// not used.
		(*call).assumeRoleWithWebIdentity),
	pipeline.Handle(pipeline.Operation{Name: "AssumeRoleWithSAML", Actions: []string{"sts:AssumeRoleWithSAML", "sts:TagSession", "sts:SetSourceIdentity"},
		Keys: append(append([]string{}, samlKeys...), trustKeys...)},
		// Unsigned too: the signed assertion is the credential.
		(*call).assumeRoleWithSAML),
	pipeline.Handle(pipeline.Operation{Name: "GetAccessKeyInfo"}, signed(longTerm, (*call).getAccessKeyInfo)),
	pipeline.Handle(pipeline.Operation{Name: "GetCallerIdentity"}, signed(anyCaller, (*call).getCallerIdentity)),
	pipeline.Handle(pipeline.Operation{Name: "GetFederationToken", Actions: []string{"sts:GetFederationToken", "sts:TagSession"}, Keys: pipeline.TaggingKeys},
		signed(longTerm, (*call).getFederationToken)),
	pipeline.Handle(pipeline.Operation{Name: "GetSessionToken"}, signed(longTerm, (*call).getSessionToken)),
	pipeline.Handle(pipeline.Operation{Name: "AssumeRoot", Actions: []string{"sts:AssumeRoot"}}, signed(longTerm, (*call).assumeRoot)),
	pipeline.Handle(pipeline.Operation{Name: "DecodeAuthorizationMessage", Actions: []string{"sts:DecodeAuthorizationMessage"}},
		signed(longTerm, (*call).decodeAuthorizationMessage)),
	pipeline.Handle(pipeline.Operation{Name: "GetDelegatedAccessToken", Actions: []string{"sts:GetDelegatedAccessToken"}},
		signed(longTerm, (*call).getDelegatedAccessToken)),
	pipeline.Handle(pipeline.Operation{Name: "GetWebIdentityToken", Actions: []string{"sts:GetWebIdentityToken"}, Keys: webTokenKeys},
		signed(longTerm, (*call).getWebIdentityToken)),
}

// Table is the STS operations with their actions and keys.
var Table = operations.Table()

// callers is which signed callers an operation accepts.
type callers int

const (
	// longTerm: a user's or the root user's long-term keys, or a role
	// session's (not GetSessionToken's or a federated user's).
	longTerm callers = iota
	// sessionOK: also GetSessionToken's credentials.
	sessionOK
	// anyCaller: also a federated user.
	anyCaller
)

// signed wraps an operation that needs a signed caller: an unsigned
// request is MissingAuthenticationToken; the caller becomes c.p.
func signed[In, Out any](who callers, run func(*call, *In) (*Out, error)) func(*call, *In) (*Out, error) {
	return func(c *call, in *In) (*Out, error) {
		if c.signer == nil {
			return nil, authn.QueryError(&sigv4.Error{Kind: sigv4.MissingAuthenticationToken})
		}
		if err := c.admit(who, c.op.Name); err != nil {
			return nil, err
		}
		return run(c, in)
	}
}

// admit makes the signer the call's caller if who may call action.
func (c *call) admit(who callers, action string) error {
	c.p, c.region = c.signer, c.signedRegion
	awsproto.MetaFrom(c.ctx).Principal = c.p.ARN
	if c.p.Session != nil && c.p.Session.FromSessionToken && who < sessionOK || c.p.Kind == authn.FederatedUser && who < anyCaller {
		return awserr.AccessDenied.Errorf("Cannot call %s with session credentials", action)
	}
	return nil
}

// Operations returns the names of the STS operations gatehouse serves: the
// closed set of operation labels of the sts surface's metrics.
func Operations() []string { return Table.Names() }

// Handler returns the STS Query API handler.
func (s *Service) Handler() http.Handler { return http.HandlerFunc(s.serveHTTP) }

type call struct {
	s      *Service
	ctx    context.Context
	r      *http.Request
	p      *authn.Principal
	snap   *iam.Snapshot
	region string // credential-scope region: aws:RequestedRegion
	// signer is the request's signer (nil: unsigned) and signedRegion its
	// credential scope's region: they become p and region for the
	// operations that take a signed caller (signed).
	signer       *authn.Principal
	signedRegion string
	// op is the operation in progress: Surface.Authorize refuses an
	// action its table entry does not list.
	op     *pipeline.Operation
	pooled []*policy.Context
}

// authorize decides req for caller p through the shared pipeline. req's
// Context is already filled (requestContext plus the operation's keys), so
// the Call carries no Request for the pipeline to fill again. A denial is
// AccessDenied with the one denial message.
func (c *call) authorize(p *authn.Principal, req pipeline.AuthzRequest) (policy.Decision, error) {
	return c.s.iam.Surface().Authorize(&pipeline.Call{Caller: p, AuthzRequest: req, Op: c.op})
}

func (c *call) release() {
	for _, pc := range c.pooled {
		contextPool.Put(pc)
	}
	c.pooled = nil
}

func (s *Service) serveHTTP(w http.ResponseWriter, r *http.Request) {
	fail := func(err error) { awsproto.WriteQueryError(w, r, awsproto.STSNamespace, err) }
	// A signed request is authenticated from its head before its body is
	// read (issue #12 item 8), whatever its Action; an unsigned one (the
	// web-identity call) is read as anonymous.
	p, vr, b, err := s.auth.ReadRequest(w, r, "sts", awsproto.MaxQueryBody)
	if se, ok := err.(*sigv4.Error); ok && se.Kind == sigv4.MissingAuthenticationToken {
		b, err = s.auth.Bodies().ReadAnonymous(w, r, awsproto.MaxQueryBody)
	}
	if err != nil {
		fail(iam.BodyError(err))
		return
	}
	defer b.Release()
	params, err := awsproto.ParseQuery(r, b.Bytes())
	if err != nil {
		fail(err)
		return
	}
	action := params.Get("Action")
	h := operations.Lookup(action)
	if h != nil {
		// Only a known operation names the request in logs and metrics:
		// Action is client input, read before authentication, and every
		// distinct metric label is held for the life of the process.
		awsproto.SetOperation(r.Context(), action)
	}
	c := &call{s: s, ctx: r.Context(), r: r, snap: s.iam.Snapshot(), signer: p}
	if vr != nil {
		c.signedRegion = vr.Region
	}
	defer c.release()
	var res any
	switch {
	case action == "":
		err = awserr.MissingAction.New("")
	case h == nil:
		// As for a known operation: unsigned is MissingAuthenticationToken,
		// session credentials are refused, then the action is unknown.
		if p == nil {
			err = authn.QueryError(&sigv4.Error{Kind: sigv4.MissingAuthenticationToken})
		} else if err = c.admit(longTerm, action); err == nil {
			err = awserr.InvalidAction.Errorf("Could not find operation %s for version %s", action, params.Get("Version"))
		}
	default:
		c.op = &h.Operation
		v := &pipeline.Invocation{Request: r, Op: c.op, Surface: s.iam.Surface(),
			Decode: func(in any) error { return decodeQuery(params, in) }}
		res, err = h.Serve(v, c)
	}
	if err != nil {
		var e *awserr.Error
		if !errors.As(err, &e) {
			s.log.Error("sts operation failed", "operation", action, "err", err)
		}
		fail(err)
		return
	}
	awsproto.WriteQuery(w, r, awsproto.STSNamespace, action, res)
}

func validation(value, member, constraint string) *awserr.Error {
	return awserr.ValidationError.Errorf("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: %s", value, member, constraint)
}

var sessionNameRE = regexp.MustCompile(`^[\w+=,.@-]*$`)

func checkSessionName(v string) error {
	if len(v) < 2 {
		return validation(v, "roleSessionName", "Member must have length greater than or equal to 2")
	}
	if len(v) > 64 {
		return validation(v, "roleSessionName", "Member must have length less than or equal to 64")
	}
	if !sessionNameRE.MatchString(v) {
		return validation(v, "roleSessionName", `Member must satisfy regular expression pattern: [\w+=,.@-]*`)
	}
	return nil
}

func parseDuration(v string, def, lo, hi int) (int, error) {
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, validation(v, "durationSeconds", "Member must be a number")
	}
	if n < lo {
		return 0, validation(v, "durationSeconds", "Member must have value greater than or equal to "+strconv.Itoa(lo))
	}
	if n > hi {
		return 0, validation(v, "durationSeconds", "Member must have value less than or equal to "+strconv.Itoa(hi))
	}
	return n, nil
}

var contextPool = sync.Pool{New: func() any { return new(policy.Context) }}

// noRequest stands for the HTTP request of a call gatehouse makes itself
// (a service principal's role credentials): no peer, no headers, no TLS.
var noRequest = &http.Request{}

// requestContext fills the request's global condition keys (the shared
// pipeline's builder) into a pooled context that the call returns to the
// pool when it ends (c.release). An unsigned request (web identity) has no
// credential scope; it was made to STS's global endpoint, us-east-1.
func (c *call) requestContext() *policy.Context {
	pc := contextPool.Get().(*policy.Context)
	pc.Reset()
	c.pooled = append(c.pooled, pc)
	region := c.region
	if region == "" {
		region = "us-east-1"
	}
	r := c.r
	if r == nil {
		r = noRequest
	}
	pipeline.FillRequest(pc, r, c.s.now(), region)
	return pc
}

type xmlCredentials struct {
	AccessKeyId     string
	SecretAccessKey string
	SessionToken    string
	Expiration      string
}

func credsXML(cr Credentials) xmlCredentials {
	return xmlCredentials{AccessKeyId: cr.AccessKeyID, SecretAccessKey: cr.SecretAccessKey, SessionToken: cr.SessionToken,
		Expiration: cr.Expiration.UTC().Format("2006-01-02T15:04:05Z")}
}

type xmlAssumedRoleUser struct {
	AssumedRoleId string
	Arn           string
}

type callerIdentityOut struct {
	Arn     string
	UserId  string
	Account string
}

func (c *call) getCallerIdentity(*getCallerIdentityIn) (*callerIdentityOut, error) {
	return &callerIdentityOut{c.p.ARN, c.p.UserID, c.p.AccountID}, nil
}

type accessKeyInfoOut struct{ Account string }

func (c *call) getAccessKeyInfo(in *accessKeyInfoIn) (*accessKeyInfoOut, error) {
	id := in.AccessKeyId
	if len(id) < 16 || len(id) > 128 {
		return nil, validation(id, "accessKeyId", "Member must have length greater than or equal to 16")
	}
	acct, ok := iam.AccountFromKeyID(id)
	if !ok {
		return nil, awserr.InvalidParameterValue.New("The access key id is not valid.")
	}
	return &accessKeyInfoOut{acct}, nil
}

// issue fills in fresh key material, seals sess and returns credentials.
func (s *Service) issue(sess *authn.Session, dur time.Duration) (Credentials, error) {
	now := s.now()
	sess.AccessKeyID = iam.NewID("ASIA", sess.Account, 20)
	sess.Secret = iam.NewSecret()
	sess.Issued = now.Unix()
	sess.Expires = now.Add(dur).Unix()
	tok, err := s.auth.Sealer().Seal(sess)
	if err != nil {
		return Credentials{}, err
	}
	return Credentials{AccessKeyID: sess.AccessKeyID, SecretAccessKey: sess.Secret, SessionToken: tok,
		Expiration: time.Unix(sess.Expires, 0).UTC()}, nil
}

type sessionTokenOut struct {
	Credentials             xmlCredentials
	SessionTokenSize        int
	SessionTokenUtilization int
}

func (c *call) getSessionToken(in *sessionTokenIn) (*sessionTokenOut, error) {
	if c.p.Session != nil {
		return nil, awserr.AccessDenied.New("Cannot call GetSessionToken with session credentials")
	}
	def, hi := 43200, 129600
	if c.p.Kind == authn.Root {
		def = 3600
	}
	d, err := parseDuration(in.DurationSeconds, def, 900, hi)
	if err != nil {
		return nil, err
	}
	if c.p.Kind == authn.Root && d > 3600 {
		d = 3600
	}
	sess := &authn.Session{Account: c.p.AccountID, Kind: c.p.Kind, FromSessionToken: true}
	if c.p.Kind == authn.User {
		sess.UserName, sess.UserPath, sess.UserID = c.p.UserName, c.p.Path, c.p.UniqueID
	} else if c.p.Kind != authn.Root {
		return nil, awserr.AccessDenied.New("Cannot call GetSessionToken with session credentials")
	}
	if sess.MFA, err = c.mfa(&in.mfaIn); err != nil {
		return nil, err
	}
	cr, err := c.s.issue(sess, time.Duration(d)*time.Second)
	if err != nil {
		return nil, err
	}
	size, pct := tokenUsage(cr.SessionToken)
	return &sessionTokenOut{credsXML(cr), size, pct}, nil
}

var (
	mfaSerialRE = regexp.MustCompile(`^[\w+=/:,.@-]{9,256}$`)
	tokenCodeRE = regexp.MustCompile(`^\d{6}$`)
)

// mfa checks SerialNumber and TokenCode of GetSessionToken and AssumeRole:
// true when both are given and the code is a current one of the caller's
// virtual MFA device (the credentials issued then carry
// aws:MultiFactorAuthPresent and aws:MultiFactorAuthAge).
func (c *call) mfa(in *mfaIn) (bool, error) {
	serial, code := in.SerialNumber, in.TokenCode
	if serial == "" && code == "" {
		return false, nil
	}
	if serial != "" && !mfaSerialRE.MatchString(serial) {
		return false, validation(serial, "serialNumber", `Member must satisfy regular expression pattern: [\w+=/:,.@-]*`)
	}
	if code != "" && !tokenCodeRE.MatchString(code) {
		return false, validation(code, "tokenCode", `Member must satisfy regular expression pattern: [\d]* and have length 6`)
	}
	if serial == "" || code == "" {
		// One without the other proves nothing.
		return false, awserr.AccessDenied.New("MultiFactorAuthentication failed, unable to validate MFA code.")
	}
	if err := c.s.iam.VerifyMFA(c.ctx, c.p, serial, code); err != nil {
		return false, err
	}
	return true, nil
}
