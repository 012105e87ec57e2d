package sts

import (
	"regexp"
	"time"

	arnpkg "github.com/gatehouse-dev/gatehouse/internal/arn"
	"github.com/gatehouse-dev/gatehouse/internal/authn"
	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/iam"
)

var federatedNameRE = regexp.MustCompile(`^[\w+=,.@-]{2,32}$`)

// getFederationToken issues federated-user credentials to an IAM user:
// their permissions are the user's intersected with the session policies
// given here (none given: no permissions).
type fedUser struct {
	FederatedUserId string
	Arn             string
}

type federationOut struct {
	Credentials             xmlCredentials
	FederatedUser           fedUser
	PackedPolicySize        int
	SessionTokenSize        int
	SessionTokenUtilization int
}

func (c *call) getFederationToken(in *federationIn) (*federationOut, error) {
	p := c.p
	if p.Session != nil {
		return nil, awserr.AccessDenied.New("Cannot call GetFederationToken with session credentials")
	}
	name := in.Name
	if !federatedNameRE.MatchString(name) {
		return nil, validation(name, "name", `Member must satisfy regular expression pattern: [\w+=,.@-]* and have length between 2 and 32`)
	}
	dur, err := parseDuration(in.DurationSeconds, 43200, 900, 129600)
	if err != nil {
		return nil, err
	}
	switch p.Kind {
	case authn.User:
	case authn.Root:
		// AWS allows the root user, for at most an hour: "Temporary
		// credentials obtained by using the root user credentials have a
		// maximum duration of 3,600 seconds" (GetFederationToken API
		// reference); a longer request is cut to an hour, not refused.
		dur = min(dur, 3600)
	default:
		return nil, awserr.AccessDenied.New("Cannot call GetFederationToken with " + p.Kind.String() + " credentials")
	}
	tags, err := parseSessionTags(in.Tags)
	if err != nil {
		return nil, err
	}
	arn := arnpkg.FederatedUser(p.AccountID, name)
	pc := c.requestContext()
	if len(tags) > 0 {
		keys := make([]string, len(tags))
		for i, t := range tags {
			pc.Set("aws:RequestTag/"+t.Key, t.Value)
			keys[i] = t.Key
		}
		pc.SetMulti("aws:TagKeys", keys...)
	}
	for _, action := range []string{"sts:GetFederationToken", "sts:TagSession"} {
		if action == "sts:TagSession" && len(tags) == 0 {
			continue
		}
		if _, err := c.authorize(p, iam.AuthzRequest{Action: action, Resource: arn, Context: pc}); err != nil {
			return nil, err
		}
	}
	doc, arns, err := c.sessionPolicies(&in.sessionPolicyIn, p.AccountID)
	if err != nil {
		return nil, err
	}
	packed := packedSize(doc, arns, tags)
	if packed > 100 {
		return nil, awserr.PackedPolicyTooLarge.Errorf("Packed size of session policies and tags exceeds the limit (%d%%).", packed)
	}
	sess := &authn.Session{Account: p.AccountID, Kind: authn.FederatedUser, SessionName: name, UserName: p.UserName,
		UserPath: p.Path, UserID: p.UniqueID, Tags: tags, Policy: doc, PolicyARNs: arns, HasPolicies: true}
	cr, err := c.s.issue(sess, time.Duration(dur)*time.Second)
	if err != nil {
		return nil, err
	}
	size, pct := tokenUsage(cr.SessionToken)
	return &federationOut{credsXML(cr), fedUser{p.AccountID + ":" + name, arn}, packed, size, pct}, nil
}
