package sts

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	arnpkg "github.com/gatehouse-dev/gatehouse/internal/arn"
	"github.com/gatehouse-dev/gatehouse/internal/authn"
	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/iam"
	"github.com/gatehouse-dev/gatehouse/internal/policy"
)

// sessionPolicies validates the Policy and PolicyArns parameters.
// maxPolicyLength is the Policy parameter's length constraint in the STS
// model (AssumeRole*, GetFederationToken).
const maxPolicyLength = 2048

func (c *call) sessionPolicies(in *sessionPolicyIn, roleAccount string) (doc string, arns []string, err error) {
	doc = in.Policy
	if n := utf8.RuneCountInString(doc); n > maxPolicyLength {
		// The model's length constraint, checked before the document is
		// read (AWS: ValidationError naming the limit).
		return "", nil, validation(doc, "policy", "Member must have length less than or equal to 2048")
	}
	if doc != "" {
		if _, err := policy.Parse([]byte(doc), policy.ParseOptions{Type: policy.TypeSession}); err != nil {
			if se, ok := err.(*policy.SyntaxError); ok {
				return "", nil, awserr.MalformedPolicyDocument.New(se.Msg)
			}
			return "", nil, awserr.PackedPolicyTooLarge.New("Packed size of session policies and tags exceeds the limit.")
		}
	}
	for _, a := range in.PolicyArns {
		if len(arns) >= 10 {
			return "", nil, validation("", "policyArns", "Member must have length less than or equal to 10")
		}
		pe := c.snap.Policy(a)
		if pe == nil || pe.Account != roleAccount {
			return "", nil, awserr.InvalidParameterValue.Errorf("Policy %s does not exist or is not attachable.", a)
		}
		arns = append(arns, a)
	}
	if len(doc)+len(strings.Join(arns, "")) > policy.MaxSessionPolicySize {
		return "", nil, awserr.PackedPolicyTooLarge.New("Packed size of session policies and tags exceeds the limit.")
	}
	return doc, arns, nil
}

// packedSize is gatehouse's packed-policy metric: the percentage of a
// 2,048-byte budget used by session policies and tags.
func packedSize(doc string, arns []string, tags []authn.Tag) int {
	n := policy.Size([]byte(doc))
	for _, a := range arns {
		n += len(a)
	}
	for _, t := range tags {
		n += len(t.Key) + len(t.Value)
	}
	return (n*100 + 2047) / 2048
}

func (c *call) assumeRole(in *assumeRoleIn) (*assumeRoleResult, error) {
	p := c.p
	roleArn := in.RoleArn
	if len(roleArn) < 20 || len(roleArn) > 2048 {
		return nil, validation(roleArn, "roleArn", "Member must have length greater than or equal to 20")
	}
	sessName := in.RoleSessionName
	if err := checkSessionName(sessName); err != nil {
		return nil, err
	}
	dur, err := parseDuration(in.DurationSeconds, 3600, 900, 43200)
	if err != nil {
		return nil, err
	}
	ext := in.ExternalId
	if ext != "" && (len(ext) < 2 || len(ext) > 1224) {
		return nil, validation(ext, "externalId", "Member must have length greater than or equal to 2")
	}
	srcID := in.SourceIdentity
	if srcID != "" {
		if err := checkSourceIdentity(srcID); err != nil {
			return nil, err
		}
	}
	if p.Kind == authn.Root {
		return nil, awserr.AccessDenied.New("Roles may not be assumed by root accounts.")
	}
	mfa, err := c.mfa(&in.mfaIn)
	if err != nil {
		return nil, err
	}
	tags, err := parseSessionTags(in.Tags)
	if err != nil {
		return nil, err
	}
	transitive := in.TransitiveTagKeys
	for _, k := range transitive {
		if !hasTag(tags, k) {
			return nil, awserr.InvalidParameterValue.Errorf("The specified transitive tag key %s must be included in the requested tags.", k)
		}
	}
	chained := p.Kind == authn.AssumedRole
	// Inherit transitive session tags and the source identity.
	if ps := p.Session; ps != nil {
		for _, k := range ps.TransitiveTagKeys {
			for _, t := range ps.Tags {
				if strings.EqualFold(t.Key, k) {
					if hasTag(tags, k) {
						return nil, awserr.InvalidParameterValue.Errorf("One or more of the specified session tag keys conflict with a transitive tag key: %s", k)
					}
					tags = append(tags, t)
					transitive = append(transitive, t.Key)
				}
			}
		}
		if ps.SourceIdentity != "" {
			if srcID != "" && srcID != ps.SourceIdentity {
				return nil, awserr.AccessDenied.New("SourceIdentity cannot be changed for a role chain.")
			}
			srcID = ps.SourceIdentity
		}
	}

	role := c.snap.RoleByARN(roleArn)
	deny := func(d policy.Decision, action string) error {
		// The role does not exist (or has no trust policy): no resource
		// policy can allow the call.
		req := iam.AuthzRequest{Action: action, Resource: roleArn, RequireResourcePolicy: true, Context: c.requestContext()}
		if a, err := arnpkg.Parse(roleArn); err == nil {
			req.ResourceAccount = a.AccountID
		}
		return c.s.iam.Denied(p, req, d)
	}
	if role == nil || role.Trust() == nil {
		return nil, deny(policy.Decision{Effect: policy.ImplicitDeny, Type: policy.TypeResource, Statement: -1}, "sts:AssumeRole")
	}
	pc := c.requestContext()
	pc.Set("sts:RoleSessionName", sessName)
	if mfa {
		// The trust policy sees the MFA this call proved (a trust policy
		// requiring aws:MultiFactorAuthPresent is the usual guard).
		pc.Set("aws:MultiFactorAuthPresent", "true")
		pc.Set("aws:MultiFactorAuthAge", "0")
	}
	if ext != "" {
		pc.Set("sts:ExternalId", ext)
	}
	if srcID != "" {
		pc.Set("sts:SourceIdentity", srcID)
	}
	if len(tags) > 0 {
		keys := make([]string, len(tags))
		for i, t := range tags {
			pc.Set("aws:RequestTag/"+t.Key, t.Value)
			keys[i] = t.Key
		}
		pc.SetMulti("aws:TagKeys", keys...)
	}
	if len(transitive) > 0 {
		pc.SetMulti("sts:TransitiveTagKeys", transitive...)
	}
	for _, t := range role.Tags {
		pc.Set("iam:ResourceTag/"+t.Key, t.Value)
		pc.Set("aws:ResourceTag/"+t.Key, t.Value)
	}
	check := func(action string) error {
		_, err := c.authorize(p, iam.AuthzRequest{Action: action, Resource: role.ARN(), ResourcePolicy: role.Trust(),
			ResourcePolicyName: "trust", ResourceAccount: role.Account, RequireResourcePolicy: true, Context: pc})
		return err
	}
	if err := check("sts:AssumeRole"); err != nil {
		return nil, err
	}
	if len(tags) > 0 {
		if err := check("sts:TagSession"); err != nil {
			return nil, err
		}
	}
	if in.SourceIdentity != "" {
		if err := check("sts:SetSourceIdentity"); err != nil {
			return nil, err
		}
	}
	if dur > role.MaxSessionDuration {
		return nil, awserr.ValidationError.New("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
	}
	if chained && dur > 3600 {
		return nil, awserr.ValidationError.New("The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.")
	}
	doc, arns, err := c.sessionPolicies(&in.sessionPolicyIn, role.Account)
	if err != nil {
		return nil, err
	}
	packed := packedSize(doc, arns, tags)
	if packed > 100 {
		return nil, awserr.PackedPolicyTooLarge.Errorf("Packed size of session policies and tags exceeds the limit (%d%%).", packed)
	}
	sess := &authn.Session{Account: role.Account, Kind: authn.AssumedRole, RoleName: role.Name, RolePath: role.Path,
		RoleID: role.ID, SessionName: sessName, SourceIdentity: srcID, Tags: tags, TransitiveTagKeys: transitive,
		Policy: doc, PolicyARNs: arns, HasPolicies: doc != "" || len(arns) > 0, Chained: chained, MFA: mfa}
	cr, err := c.s.issue(sess, time.Duration(dur)*time.Second)
	if err != nil {
		return nil, err
	}
	out := &assumeRoleResult{Credentials: credsXML(cr), AssumedRoleUser: xmlAssumedRoleUser{AssumedRoleId: role.ID + ":" + sessName,
		Arn: authn.SessionARN(role.Account, role.Name, sessName)}, SourceIdentity: srcID}
	if sess.HasPolicies || len(tags) > 0 {
		out.PackedPolicySize = &packed
	}
	return out, nil
}

func checkSourceIdentity(v string) error {
	if len(v) < 2 || len(v) > 64 {
		return validation(v, "sourceIdentity", "Member must have length between 2 and 64")
	}
	if !sessionNameRE.MatchString(v) {
		return validation(v, "sourceIdentity", `Member must satisfy regular expression pattern: [\w+=,.@-]*`)
	}
	if strings.HasPrefix(strings.ToLower(v), "aws:") {
		return awserr.ValidationError.New("SourceIdentity cannot begin with 'aws:'.")
	}
	return nil
}

func hasTag(tags []authn.Tag, k string) bool {
	for _, t := range tags {
		if strings.EqualFold(t.Key, k) {
			return true
		}
	}
	return false
}

func parseSessionTags(in []tagIn) ([]authn.Tag, error) {
	var out []authn.Tag
	for _, m := range in {
		k, val := m.Key, m.Value
		if k == "" || len(k) > 128 {
			return nil, validation("", "tags.member.key", "Member must have length between 1 and 128")
		}
		if len(val) > 256 {
			return nil, validation(val, "tags.member.value", "Member must have length less than or equal to 256")
		}
		if hasTag(out, k) {
			return nil, awserr.InvalidParameterValue.New("Duplicate tag keys found. Please note that Tag keys are case insensitive.")
		}
		out = append(out, authn.Tag{Key: k, Value: val})
	}
	if len(out) > 50 {
		return nil, validation("", "tags", "Member must have length less than or equal to 50")
	}
	return out, nil
}

// ServiceRoleCredentials issues credentials for roleARN to the service
// principal service (e.g. "lambda.amazonaws.com"); the role's trust policy
// must allow that service to sts:AssumeRole.
func (s *Service) ServiceRoleCredentials(ctx context.Context, service, roleARN, sessionName string, duration time.Duration) (Credentials, error) {
	snap := s.iam.Snapshot()
	role := snap.RoleByARN(roleARN)
	p := &authn.Principal{Kind: authn.Service, Service: service, ARN: service}
	denied := func(d policy.Decision) error {
		return s.iam.AccessDenied(p, "sts:AssumeRole", roleARN, d)
	}
	if role == nil || role.Trust() == nil {
		return Credentials{}, denied(policy.Decision{Effect: policy.ImplicitDeny, Type: policy.TypeResource, Statement: -1})
	}
	if err := checkSessionName(sessionName); err != nil {
		return Credentials{}, err
	}
	c := &call{s: s, ctx: ctx}
	defer c.release()
	pc := c.requestContext()
	pc.Set("sts:RoleSessionName", sessionName)
	d := s.iam.Authorize(p, iam.AuthzRequest{Action: "sts:AssumeRole", Resource: role.ARN(), ResourcePolicy: role.Trust(),
		ResourceAccount: role.Account, RequireResourcePolicy: true, Context: pc})
	if d.Effect != policy.Allowed {
		return Credentials{}, denied(d)
	}
	if duration <= 0 {
		duration = time.Hour
	}
	if max := time.Duration(role.MaxSessionDuration) * time.Second; duration > max {
		duration = max
	}
	sess := &authn.Session{Account: role.Account, Kind: authn.AssumedRole, RoleName: role.Name, RolePath: role.Path,
		RoleID: role.ID, SessionName: sessionName}
	return s.issue(sess, duration)
}
