package sts

import (
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/gatehouse-dev/gatehouse/internal/authn"
	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/iam"
)

// leeway is the clock tolerance for exp, nbf and iat.
const leeway = time.Minute

var webAlgs = []jose.SignatureAlgorithm{jose.RS256, jose.RS384, jose.RS512, jose.ES256, jose.ES384, jose.ES512}

type webClaims struct {
	jwt.Claims
	AMR  amrClaim `json:"amr"`
	AZP  string   `json:"azp"`
	Tags *struct {
		PrincipalTags map[string][]string `json:"principal_tags"`
		Transitive    []string            `json:"transitive_tag_keys"`
	} `json:"https://aws.amazon.com/tags"`
	SourceIdentity string `json:"https://aws.amazon.com/source_identity"`
}

// amrClaim accepts a string or a list of strings.
type amrClaim []string

func (a *amrClaim) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) == nil {
		*a = []string{s}
		return nil
	}
	var l []string
	if err := json.Unmarshal(b, &l); err != nil {
		return err
	}
	*a = l
	return nil
}

func invalidToken(msg string) error { return awserr.InvalidIdentityToken.New(msg) }

type webIdentityOut struct {
	Credentials                 xmlCredentials
	SubjectFromWebIdentityToken string
	AssumedRoleUser             xmlAssumedRoleUser
	PackedPolicySize            *int `xml:",omitempty"`
	Provider                    string
	Audience                    string
	SourceIdentity              string `xml:",omitempty"`
	SessionTokenSize            int
	SessionTokenUtilization     int
}

func (c *call) assumeRoleWithWebIdentity(in *webIdentityIn) (*webIdentityOut, error) {
	roleArn := in.RoleArn
	if len(roleArn) < 20 || len(roleArn) > 2048 {
		return nil, validation(roleArn, "roleArn", "Member must have length greater than or equal to 20")
	}
	sessName := in.RoleSessionName
	if err := checkSessionName(sessName); err != nil {
		return nil, err
	}
	raw := in.WebIdentityToken
	if len(raw) < 4 || len(raw) > 20000 {
		return nil, validation("***", "webIdentityToken", "Member must have length between 4 and 20000")
	}
	dur, err := parseDuration(in.DurationSeconds, 3600, 900, 43200)
	if err != nil {
		return nil, err
	}
	tok, err := jwt.ParseSigned(raw, webAlgs)
	if err != nil {
		return nil, invalidToken("The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)")
	}
	var unverified webClaims
	if err := tok.UnsafeClaimsWithoutVerification(&unverified); err != nil || unverified.Issuer == "" {
		return nil, invalidToken("The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)")
	}
	iss := unverified.Issuer
	role := c.snap.RoleByARN(roleArn)
	denied := awserr.AccessDenied.New("Not authorized to perform sts:AssumeRoleWithWebIdentity")
	if role == nil || role.Trust() == nil {
		return nil, denied
	}
	host, ok := strings.CutPrefix(iss, "https://")
	if !ok {
		return nil, invalidToken("No OpenIDConnect provider found in your account for " + iss)
	}
	host = strings.TrimSuffix(host, "/")
	prov := c.snap.OIDCProvider(role.Account, host)
	// The lookup ignores case; an issuer is case-sensitive but for its host.
	if prov == nil || !sameIssuer(iss, "https://"+prov.URL) {
		return nil, invalidToken("No OpenIDConnect provider found in your account for " + iss)
	}
	kid := ""
	if len(tok.Headers) > 0 {
		kid = tok.Headers[0].KeyID
	}
	// Keys come from the registered URL, not the token's spelling of it,
	// so case variants of one issuer share one cache entry.
	key, err := c.s.oidc.key(c.ctx, "https://"+prov.URL, kid, prov.Thumbprints)
	if err != nil {
		c.s.log.Info("web identity: cannot get verification key", "issuer", iss, "err", err)
		if errors.Is(err, errNoKey) {
			return nil, invalidToken("Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements")
		}
		return nil, awserr.IDPCommunicationError.New("Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements")
	}
	var cl webClaims
	if err := tok.Claims(key.Public().Key, &cl); err != nil {
		return nil, invalidToken("The signature of the provided token could not be verified.")
	}
	if !sameIssuer(cl.Issuer, "https://"+prov.URL) {
		return nil, invalidToken("Issuer mismatch")
	}
	aud := ""
	for _, a := range cl.Audience {
		for _, id := range prov.ClientIDs {
			if a == id && aud == "" {
				aud = a
			}
		}
	}
	if aud == "" {
		return nil, invalidToken("Incorrect token audience")
	}
	now := c.s.now()
	if cl.Expiry == nil {
		return nil, invalidToken("Missing a required claim: exp")
	}
	if exp := cl.Expiry.Time(); now.After(exp.Add(leeway)) {
		return nil, awserr.ExpiredTokenSTS.Errorf("Token expired: current date/time %d must be before the expiration date/time %d", now.Unix(), exp.Unix())
	}
	if cl.NotBefore != nil && now.Add(leeway).Before(cl.NotBefore.Time()) {
		return nil, invalidToken("Token is not yet valid (nbf)")
	}
	if cl.IssuedAt != nil && now.Add(leeway).Before(cl.IssuedAt.Time()) {
		return nil, invalidToken("Token was issued in the future (iat)")
	}
	if cl.Subject == "" {
		return nil, invalidToken("Missing a required claim: sub")
	}

	var tags []authn.Tag
	var transitive []string
	if cl.Tags != nil {
		for k, vs := range cl.Tags.PrincipalTags {
			v := ""
			if len(vs) > 0 {
				v = vs[0]
			}
			tags = append(tags, authn.Tag{Key: k, Value: v})
		}
		transitive = cl.Tags.Transitive
	}
	pc := c.requestContext()
	prefix := host
	pc.Set(prefix+":sub", cl.Subject)
	pc.Set(prefix+":aud", aud)
	if len(cl.AMR) > 0 {
		pc.SetMulti(prefix+":amr", cl.AMR...)
	}
	pc.Set("sts:RoleSessionName", sessName)
	pc.Set("aws:FederatedProvider", prov.ARN())
	if cl.SourceIdentity != "" {
		pc.Set("sts:SourceIdentity", cl.SourceIdentity)
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
	p := &authn.Principal{Kind: authn.WebIdentity, FederatedProvider: prov.ARN(), ARN: prov.ARN(), AccountID: role.Account}
	check := func(action string) bool {
		// AWS answers every refusal of this unsigned call with the one
		// message above, so the pipeline's denial text is not used.
		_, err := c.authorize(p, iam.AuthzRequest{Action: action, Resource: role.ARN(), ResourcePolicy: role.Trust(),
			ResourcePolicyName: "trust", ResourceAccount: role.Account, RequireResourcePolicy: true, Context: pc})
		return err == nil
	}
	if !check("sts:AssumeRoleWithWebIdentity") || len(tags) > 0 && !check("sts:TagSession") ||
		cl.SourceIdentity != "" && !check("sts:SetSourceIdentity") {
		return nil, denied
	}
	if dur > role.MaxSessionDuration {
		return nil, awserr.ValidationError.New("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
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
		RoleID: role.ID, SessionName: sessName, SourceIdentity: cl.SourceIdentity, Tags: tags, TransitiveTagKeys: transitive,
		Policy: doc, PolicyARNs: arns, HasPolicies: doc != "" || len(arns) > 0, FederatedProvider: prov.ARN()}
	cr, err := c.s.issue(sess, time.Duration(dur)*time.Second)
	if err != nil {
		return nil, err
	}
	out := &webIdentityOut{Credentials: credsXML(cr), SubjectFromWebIdentityToken: cl.Subject,
		AssumedRoleUser: xmlAssumedRoleUser{AssumedRoleId: role.ID + ":" + sessName, Arn: authn.SessionARN(role.Account, role.Name, sessName)},
		Provider:        prov.URL, Audience: aud, SourceIdentity: cl.SourceIdentity}
	if sess.HasPolicies || len(tags) > 0 {
		out.PackedPolicySize = &packed
	}
	out.SessionTokenSize, out.SessionTokenUtilization = tokenUsage(cr.SessionToken)
	return out, nil
}
