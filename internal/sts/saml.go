package sts

import (
	"crypto/sha1"
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	arnpkg "github.com/gatehouse-dev/gatehouse/internal/arn"
	"github.com/gatehouse-dev/gatehouse/internal/authn"
	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/iam"
)

// samlKeys are the condition keys AssumeRoleWithSAML adds for the role's
// trust policy (IAM User Guide, "Available keys for SAML-based AWS STS
// federation").
var samlKeys = []string{"saml:aud", "saml:iss", "saml:sub", "saml:sub_type", "saml:namequalifier", "saml:doc",
	"saml:cn", "saml:commonName", "saml:eduorghomepageuri", "saml:edupersonaffiliation", "saml:edupersonassurance",
	"saml:edupersonentitlement", "saml:edupersonnickname", "saml:edupersonorgdn", "saml:edupersonorgunitdn",
	"saml:edupersonprimaryaffiliation", "saml:edupersonprimaryorgunitdn", "saml:edupersonprincipalname",
	"saml:edupersonscopedaffiliation", "saml:edupersontargetedid", "saml:givenName", "saml:mail", "saml:name",
	"saml:surname", "saml:uid", "saml:x500UniqueIdentifier"}

// samlAttrKeys maps the attribute names (OIDs of the eduPerson and X.500
// schemas) to the saml: keys that carry their values.
var samlAttrKeys = map[string][]string{
	"urn:oid:2.5.4.3":                   {"saml:cn", "saml:commonName"},
	"urn:oid:1.3.6.1.4.1.5923.1.2.1.2":  {"saml:eduorghomepageuri"},
	"urn:oid:1.3.6.1.4.1.5923.1.1.1.1":  {"saml:edupersonaffiliation"},
	"urn:oid:1.3.6.1.4.1.5923.1.1.1.11": {"saml:edupersonassurance"},
	"urn:oid:1.3.6.1.4.1.5923.1.1.1.7":  {"saml:edupersonentitlement"},
	"urn:oid:1.3.6.1.4.1.5923.1.1.1.2":  {"saml:edupersonnickname"},
	"urn:oid:1.3.6.1.4.1.5923.1.1.1.3":  {"saml:edupersonorgdn"},
	"urn:oid:1.3.6.1.4.1.5923.1.1.1.4":  {"saml:edupersonorgunitdn"},
	"urn:oid:1.3.6.1.4.1.5923.1.1.1.5":  {"saml:edupersonprimaryaffiliation"},
	"urn:oid:1.3.6.1.4.1.5923.1.1.1.8":  {"saml:edupersonprimaryorgunitdn"},
	"urn:oid:1.3.6.1.4.1.5923.1.1.1.6":  {"saml:edupersonprincipalname"},
	"urn:oid:1.3.6.1.4.1.5923.1.1.1.9":  {"saml:edupersonscopedaffiliation"},
	"urn:oid:1.3.6.1.4.1.5923.1.1.1.10": {"saml:edupersontargetedid"},
	"urn:oid:2.5.4.42":                  {"saml:givenName"},
	"urn:oid:0.9.2342.19200300.100.1.3": {"saml:mail"},
	"urn:oid:2.5.4.41":                  {"saml:name"},
	"urn:oid:2.5.4.4":                   {"saml:surname"},
	"urn:oid:0.9.2342.19200300.100.1.1": {"saml:uid"},
	"urn:oid:2.5.4.45":                  {"saml:x500UniqueIdentifier"},
}

// samlNameQualifier is AWS's NameQualifier: base64(SHA-1(issuer +
// account + "/" + provider name)); with Subject it names a federated user
// uniquely.
func samlNameQualifier(issuer, account, provider string) string {
	h := sha1.Sum([]byte(issuer + account + "/" + provider))
	return base64.StdEncoding.EncodeToString(h[:])
}

type samlOut struct {
	Credentials      xmlCredentials
	AssumedRoleUser  xmlAssumedRoleUser
	PackedPolicySize *int `xml:",omitempty"`
	Subject          string
	SubjectType      string
	Issuer           string
	Audience         string
	NameQualifier    string
	SourceIdentity   string `xml:",omitempty"`
}

func (c *call) assumeRoleWithSAML(in *samlIn) (*samlOut, error) {
	roleArn, provArn, b64 := in.RoleArn, in.PrincipalArn, in.SAMLAssertion
	if len(roleArn) < 20 || len(roleArn) > 2048 {
		return nil, validation(roleArn, "roleArn", "Member must have length greater than or equal to 20")
	}
	if len(provArn) < 20 || len(provArn) > 2048 {
		return nil, validation(provArn, "principalArn", "Member must have length greater than or equal to 20")
	}
	if len(b64) < 4 || len(b64) > 100000 {
		return nil, validation("***", "sAMLAssertion", "Member must have length between 4 and 100000")
	}
	dur, err := parseDuration(in.DurationSeconds, 3600, 900, 43200)
	if err != nil {
		return nil, err
	}
	prov, err := c.s.iam.SAMLProviderByARN(c.ctx, provArn)
	if err != nil {
		return nil, err
	}
	if prov == nil {
		return nil, samlInvalid("Specified provider doesn't exist")
	}
	entityID, certs, err := prov.SigningIdentity()
	if err != nil {
		return nil, err
	}
	root, err := decodeSAMLResponse(b64)
	if err != nil {
		return nil, err
	}
	now := c.s.now()
	a, err := verifySAMLResponse(root, certs, now)
	if err != nil {
		return nil, err
	}
	if a.Issuer != entityID {
		return nil, samlInvalid("Issuer not present in specified provider")
	}
	if err := checkSAMLConditions(a, now); err != nil {
		return nil, err
	}
	denied := awserr.AccessDenied.New("Not authorized to perform sts:AssumeRoleWithSAML")
	// The Role attribute lists "role-arn,provider-arn" pairs (either
	// order); the requested pair must be one of them.
	listed := false
	for _, v := range a.Attrs[attrRole] {
		x, y, _ := strings.Cut(v, ",")
		x, y = strings.TrimSpace(x), strings.TrimSpace(y)
		listed = listed || x == roleArn && y == provArn || y == roleArn && x == provArn
	}
	if !listed {
		return nil, denied
	}
	names := a.Attrs[attrSessionName]
	if len(names) != 1 {
		return nil, samlInvalid("The RoleSessionName attribute is required and must have one value")
	}
	sessName := names[0]
	if checkSessionName(sessName) != nil {
		return nil, samlInvalid("Invalid RoleSessionName attribute value: " + sessName)
	}
	if v := a.Attrs[attrSessionDur]; len(v) > 0 {
		// SessionDuration bounds console sessions only; the API's
		// credentials last DurationSeconds. The value must still be valid.
		n, err := strconv.Atoi(v[0])
		if len(v) != 1 || err != nil || n < 900 || n > 43200 {
			return nil, samlInvalid("Invalid SessionDuration attribute value")
		}
	}
	srcID := ""
	if v := a.Attrs[attrSourceIdentity]; len(v) > 0 {
		if len(v) != 1 || checkSourceIdentity(v[0]) != nil {
			return nil, samlInvalid("Invalid SourceIdentity attribute value")
		}
		srcID = v[0]
	}
	var tags []authn.Tag
	for name, vs := range a.Attrs {
		if k, ok := strings.CutPrefix(name, attrPrincipalTag); ok && len(vs) > 0 {
			if hasTag(tags, k) {
				return nil, samlInvalid("Duplicate PrincipalTag attribute: " + k)
			}
			tags = append(tags, authn.Tag{Key: k, Value: vs[0]})
		}
	}
	if len(tags) > 50 {
		return nil, samlInvalid("Too many PrincipalTag attributes")
	}
	transitive := a.Attrs[attrTransitive]
	for _, k := range transitive {
		if !hasTag(tags, k) {
			return nil, awserr.InvalidParameterValue.Errorf("The specified transitive tag key %s must be included in the requested tags.", k)
		}
	}

	role := c.snap.RoleByARN(roleArn)
	if role == nil || role.Trust() == nil {
		return nil, denied
	}
	acct, res, _ := arnpkg.ParseIAM(provArn)
	provName := strings.TrimPrefix(res, "saml-provider/")
	nq := samlNameQualifier(a.Issuer, acct, provName)
	pc := c.requestContext()
	pc.Set("saml:aud", a.Recipient)
	pc.Set("saml:iss", a.Issuer)
	pc.Set("saml:sub", a.Subject)
	pc.Set("saml:sub_type", a.SubjectType)
	pc.Set("saml:namequalifier", nq)
	pc.Set("saml:doc", acct+"/"+provName)
	for name, vs := range a.Attrs {
		for _, k := range samlAttrKeys[name] {
			pc.SetMulti(k, vs...)
		}
	}
	pc.Set("sts:RoleSessionName", sessName)
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
	// The caller is the IdP's assertion holder: a federated principal
	// matched by "Principal": {"Federated": "<saml-provider ARN>"}.
	p := &authn.Principal{Kind: authn.WebIdentity, FederatedProvider: prov.ARN(), ARN: prov.ARN(), AccountID: prov.Account}
	check := func(action string) bool {
		_, err := c.authorize(p, iam.AuthzRequest{Action: action, Resource: role.ARN(), ResourcePolicy: role.Trust(),
			ResourcePolicyName: "trust", ResourceAccount: role.Account, RequireResourcePolicy: true, Context: pc})
		return err == nil
	}
	if !check("sts:AssumeRoleWithSAML") || len(tags) > 0 && !check("sts:TagSession") ||
		srcID != "" && !check("sts:SetSourceIdentity") {
		return nil, denied
	}
	if dur > role.MaxSessionDuration {
		return nil, awserr.ValidationError.New("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
	}
	life := time.Duration(dur) * time.Second
	if !a.SessionNotOnOrAfter.IsZero() {
		// The credentials end at SessionNotOnOrAfter if that is sooner.
		if left := a.SessionNotOnOrAfter.Sub(now); left < life {
			if left <= 0 {
				return nil, awserr.ExpiredTokenSTS.New("Token must be redeemed within 5 minutes of issuance")
			}
			life = left
		}
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
		Policy: doc, PolicyARNs: arns, HasPolicies: doc != "" || len(arns) > 0}
	cr, err := c.s.issue(sess, life)
	if err != nil {
		return nil, err
	}
	out := &samlOut{Credentials: credsXML(cr),
		AssumedRoleUser: xmlAssumedRoleUser{AssumedRoleId: role.ID + ":" + sessName, Arn: authn.SessionARN(role.Account, role.Name, sessName)},
		Subject:         a.Subject, SubjectType: a.SubjectType, Issuer: a.Issuer, Audience: a.Recipient, NameQualifier: nq, SourceIdentity: srcID}
	if sess.HasPolicies || len(tags) > 0 {
		out.PackedPolicySize = &packed
	}
	return out, nil
}
