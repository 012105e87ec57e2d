package sts

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/authn"
	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/iam"
)

// webTokenKeys are the condition keys GetWebIdentityToken adds: the
// requested audiences, algorithm and duration, and the request tags.
var webTokenKeys = []string{"sts:IdentityTokenAudience", "sts:SigningAlgorithm", "sts:DurationSeconds",
	"aws:RequestTag/${TagKey}", "aws:TagKeys"}

// stsNamespace is the claim under which AWS nests its own claims in the
// tokens GetWebIdentityToken issues (IAM User Guide, "Understanding token
// claims").
const stsNamespace = "https://sts.amazonaws.com/"

// getWebIdentityToken signs a JWT naming the caller for the audiences
// asked for, with the account's outbound federation key for the
// algorithm asked for (IAM EnableOutboundWebIdentityFederation).
type webTokenOut struct {
	WebIdentityToken string
	Expiration       string
}

func (c *call) getWebIdentityToken(in *webTokenIn) (*webTokenOut, error) {
	p := c.p
	auds := in.Audience
	if len(auds) == 0 {
		if in.AudienceSent {
			return nil, validation("[]", "audience", "Member must have length greater than or equal to 1")
		}
		return nil, awserr.ValidationError.New("1 validation error detected: Value null at 'audience' failed to satisfy constraint: Member must not be null")
	}
	if len(auds) > 10 {
		return nil, validation("", "audience", "Member must have length less than or equal to 10")
	}
	for _, a := range auds {
		if a == "" || len(a) > 1000 {
			return nil, awserr.ValidationError.New("1 validation error detected: Value at 'audience' failed to satisfy constraint: " +
				"Member must satisfy constraint: [Member must have length less than or equal to 1000, Member must have length greater than or equal to 1]")
		}
	}
	alg := in.SigningAlgorithm
	switch alg {
	case "RS256", "ES384":
	case "":
		if !in.SigningAlgorithmSent {
			return nil, awserr.ValidationError.New("1 validation error detected: Value null at 'signingAlgorithm' failed to satisfy constraint: Member must not be null")
		}
		fallthrough
	default:
		if len(alg) > 64 {
			alg = alg[:64]
		}
		return nil, validation(alg, "signingAlgorithm", "Member must satisfy enum value set: [RS256, ES384]")
	}
	dur, err := parseDuration(in.DurationSeconds, 300, 60, 3600)
	if err != nil {
		return nil, err
	}
	tags, err := parseSessionTags(in.Tags)
	if err != nil {
		return nil, err
	}
	pc := c.requestContext()
	pc.SetMulti("sts:IdentityTokenAudience", auds...)
	pc.Set("sts:SigningAlgorithm", alg)
	pc.Set("sts:DurationSeconds", strconv.Itoa(dur))
	if len(tags) > 0 {
		keys := make([]string, len(tags))
		for i, t := range tags {
			pc.Set("aws:RequestTag/"+t.Key, t.Value)
			keys[i] = t.Key
		}
		pc.SetMulti("aws:TagKeys", keys...)
	}
	if _, err := c.authorize(p, iam.AuthzRequest{Action: "sts:GetWebIdentityToken", Resource: "*", Context: pc}); err != nil {
		return nil, err
	}
	now := c.s.now().UTC().Truncate(time.Second)
	exp := now.Add(time.Duration(dur) * time.Second)
	if p.Session != nil && exp.After(p.Expiration()) {
		return nil, awserr.SessionDurationEscalation.New("The requested token duration would extend the session beyond its original expiration time.")
	}
	issuer, err := c.s.iam.OutboundIssuer(c.ctx, p.AccountID)
	if errors.Is(err, iam.ErrOutboundDisabled) {
		return nil, outboundDisabled()
	}
	if err != nil {
		return nil, err
	}
	claims, err := webTokenClaims(p, c.snap.PrincipalTags(p), issuer, auds, tags, c.region, now, exp)
	if err != nil {
		return nil, err
	}
	tok, err := c.s.iam.SignOutboundToken(c.ctx, p.AccountID, alg, claims)
	if errors.Is(err, iam.ErrOutboundDisabled) {
		// Disabled between the two reads.
		return nil, outboundDisabled()
	}
	if err != nil {
		return nil, err
	}
	return &webTokenOut{tok, exp.Format(time.RFC3339)}, nil
}

func outboundDisabled() error {
	return awserr.OutboundWebIdentityFederationDisabled.New("Outbound web identity federation is disabled for this account.")
}

// webTokenClaims is the token's payload: the standard claims, and AWS's
// under stsNamespace. sub is the caller's identity: for a role session the
// role's ARN, as AWS's sample token shows; principal_id is the ARN of the
// principal that asked; principal_tags are the caller's aws:PrincipalTag
// values (user or role tags, session tags winning).
func webTokenClaims(p *authn.Principal, principalTags map[string]string, issuer string, auds []string, tags []authn.Tag, region string, now, exp time.Time) ([]byte, error) {
	sub := p.ARN
	if p.Kind == authn.AssumedRole && p.RoleARN != "" {
		sub = p.RoleARN
	}
	if region == "" {
		region = "us-east-1"
	}
	aws := map[string]any{"aws_account": p.AccountID, "source_region": region, "principal_id": sub}
	if len(principalTags) > 0 {
		aws["principal_tags"] = principalTags
	}
	if len(tags) > 0 {
		m := make(map[string]string, len(tags))
		for _, t := range tags {
			m[t.Key] = t.Value
		}
		aws["request_tags"] = m
	}
	var aud any = auds
	if len(auds) == 1 {
		aud = auds[0]
	}
	return json.Marshal(map[string]any{
		"iss": issuer, "sub": sub, "aud": aud, "iat": now.Unix(), "exp": exp.Unix(), "jti": newJTI(),
		stsNamespace: aws,
	})
}

// newJTI is a token's unique id: a random UUID.
func newJTI() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
