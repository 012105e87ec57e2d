package sts

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"regexp"
	"strings"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"

	"github.com/gatehouse-dev/gatehouse/internal/awserr"
)

// SAML 2.0 response verification for AssumeRoleWithSAML. The XML
// signature is checked by github.com/russellhaering/goxmldsig against the
// signing certificates of the provider's metadata, and every value used
// afterwards is read from the element goxmldsig returns: the canonical
// bytes the signature covers, parsed again. Nothing is read from the
// document as received, so a second (unsigned) assertion, an assertion
// moved under another element or a modified copy next to the signed one
// (signature wrapping) is never what gatehouse looks at; a response with
// more than one assertion is refused outright.

const (
	nsProtocol  = "urn:oasis:names:tc:SAML:2.0:protocol"
	nsAssertion = "urn:oasis:names:tc:SAML:2.0:assertion"
	nsDSig      = "http://www.w3.org/2000/09/xmldsig#"

	statusSuccess = "urn:oasis:names:tc:SAML:2.0:status:Success"
	bearer        = "urn:oasis:names:tc:SAML:2.0:cm:bearer"

	attrRole           = "https://aws.amazon.com/SAML/Attributes/Role"
	attrSessionName    = "https://aws.amazon.com/SAML/Attributes/RoleSessionName"
	attrSessionDur     = "https://aws.amazon.com/SAML/Attributes/SessionDuration"
	attrSourceIdentity = "https://aws.amazon.com/SAML/Attributes/SourceIdentity"
	attrPrincipalTag   = "https://aws.amazon.com/SAML/Attributes/PrincipalTag:"
	attrTransitive     = "https://aws.amazon.com/SAML/Attributes/TransitiveTagKeys"

	// maxSAMLIssueAge is how long after its IssueInstant STS redeems an
	// assertion ("Token must be redeemed within 5 minutes of issuance").
	maxSAMLIssueAge = 5 * time.Minute
	samlSkew        = 5 * time.Minute
)

// samlAudiences are the SP entity ids AWS accepts in AudienceRestriction,
// samlRecipient the assertion consumer URLs in SubjectConfirmationData
// (global, and regional sign-in endpoints
// https://REGION.signin.aws.amazon.com/saml).
var samlRegionRE = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-\d$`)

var samlAudiences = map[string]bool{"https://signin.aws.amazon.com/saml": true, "urn:amazon:webservices": true}

func samlRecipientOK(v string) bool {
	if v == "https://signin.aws.amazon.com/saml" {
		return true
	}
	region, ok := strings.CutSuffix(strings.TrimPrefix(v, "https://"), ".signin.aws.amazon.com/saml")
	return ok && strings.HasPrefix(v, "https://") && samlRegionRE.MatchString(region)
}

// samlAssertion is what a verified SAML response says.
type samlAssertion struct {
	Issuer      string
	Subject     string // NameID
	SubjectType string // persistent, transient or the full Format URI
	Recipient   string
	Audiences   []string
	IssueInstant,
	NotBefore,
	NotOnOrAfter,
	SessionNotOnOrAfter time.Time
	// Attrs are the attribute values by attribute Name.
	Attrs map[string][]string
}

func samlInvalid(msg string) error { return awserr.InvalidIdentityToken.New(msg) }

// errSAMLSignature is AWS's answer to a response whose signature does not
// verify against the provider's certificates.
var errSAMLSignature = awserr.InvalidIdentityToken.New("Response signature invalid")

// children returns el's child elements in namespace ns named tag.
func children(el *etree.Element, ns, tag string) []*etree.Element {
	var out []*etree.Element
	for _, c := range el.ChildElements() {
		if c.Tag == tag && c.NamespaceURI() == ns {
			out = append(out, c)
		}
	}
	return out
}

// child returns el's only child ns:tag, or nil if there is none or more
// than one.
func child(el *etree.Element, ns, tag string) *etree.Element {
	if el == nil {
		return nil
	}
	if cs := children(el, ns, tag); len(cs) == 1 {
		return cs[0]
	}
	return nil
}

// countAll counts the elements ns:tag in el's subtree, el included.
func countAll(el *etree.Element, ns, tag string) int {
	n := 0
	if el.Tag == tag && el.NamespaceURI() == ns {
		n++
	}
	for _, c := range el.ChildElements() {
		n += countAll(c, ns, tag)
	}
	return n
}

func parseSAMLTime(s string) (time.Time, bool) {
	if s == "" {
		return time.Time{}, true
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	return t, err == nil
}

// decodeSAMLResponse decodes the SAMLAssertion parameter (base64 of the
// Response document) and parses it; it verifies nothing.
func decodeSAMLResponse(b64 string) (*etree.Element, error) {
	raw, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(b64), ""))
	if err != nil {
		return nil, samlInvalid("Invalid base64 SAMLResponse")
	}
	// No DTDs: an assertion has none, and refusing them keeps entity
	// tricks out of the parser.
	if bytes.Contains(raw, []byte("<!DOCTYPE")) || bytes.Contains(raw, []byte("<!ENTITY")) {
		return nil, samlInvalid("Invalid SAML response")
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(raw); err != nil || doc.Root() == nil {
		return nil, samlInvalid("Invalid SAML response")
	}
	root := doc.Root()
	if root.Tag != "Response" || root.NamespaceURI() != nsProtocol {
		return nil, samlInvalid("Invalid SAML response")
	}
	return root, nil
}

// verifySAMLResponse checks the signature of the response (or of its one
// assertion) against certs and reads the verified assertion. Time,
// audience and recipient checks are the caller's (checkSAMLConditions),
// so that the error order follows AWS's: signature first.
func verifySAMLResponse(root *etree.Element, certs []*x509.Certificate, now time.Time) (*samlAssertion, error) {
	if countAll(root, nsAssertion, "EncryptedAssertion") > 0 {
		// [gatehouse] encrypted assertions (AssertionEncryptionMode)
		// are not decrypted: gatehouse holds no SP private key.
		return nil, samlInvalid("Encrypted assertions are not supported")
	}
	if countAll(root, nsAssertion, "Assertion") != 1 || len(children(root, nsAssertion, "Assertion")) != 1 {
		return nil, samlInvalid("Invalid SAML response: exactly one Assertion is required")
	}
	if len(certs) == 0 {
		return nil, errSAMLSignature
	}
	vc := dsig.NewDefaultValidationContext(&dsig.MemoryX509CertificateStore{Roots: certs})
	vc.Clock = dsig.NewFakeClockAt(now)
	var assertion *etree.Element
	if len(children(root, nsDSig, "Signature")) > 0 {
		// A signed response: everything is read from the verified copy.
		verified, err := vc.Validate(root)
		if err != nil {
			return nil, errSAMLSignature
		}
		if countAll(verified, nsAssertion, "Assertion") != 1 {
			return nil, errSAMLSignature
		}
		if st := child(child(verified, nsProtocol, "Status"), nsProtocol, "StatusCode"); st == nil || st.SelectAttrValue("Value", "") != statusSuccess {
			return nil, awserr.IDPRejectedClaim.New("The SAML response status is not Success")
		}
		assertion = child(verified, nsAssertion, "Assertion")
		if assertion == nil {
			return nil, errSAMLSignature
		}
		if len(children(assertion, nsDSig, "Signature")) > 0 {
			if _, err := vc.Validate(assertion); err != nil {
				return nil, errSAMLSignature
			}
		}
	} else {
		if st := child(child(root, nsProtocol, "Status"), nsProtocol, "StatusCode"); st == nil || st.SelectAttrValue("Value", "") != statusSuccess {
			return nil, awserr.IDPRejectedClaim.New("The SAML response status is not Success")
		}
		a := children(root, nsAssertion, "Assertion")[0]
		if len(children(a, nsDSig, "Signature")) == 0 {
			return nil, errSAMLSignature
		}
		verified, err := vc.Validate(a)
		if err != nil {
			return nil, errSAMLSignature
		}
		assertion = verified
	}
	return readAssertion(assertion)
}

// readAssertion reads a verified Assertion element.
func readAssertion(a *etree.Element) (*samlAssertion, error) {
	out := &samlAssertion{Attrs: map[string][]string{}}
	bad := func(what string) (*samlAssertion, error) {
		return nil, samlInvalid("Invalid SAML assertion: " + what)
	}
	var ok bool
	if out.IssueInstant, ok = parseSAMLTime(a.SelectAttrValue("IssueInstant", "")); !ok || out.IssueInstant.IsZero() {
		return bad("IssueInstant")
	}
	iss := child(a, nsAssertion, "Issuer")
	if iss == nil || strings.TrimSpace(iss.Text()) == "" {
		return bad("Issuer")
	}
	out.Issuer = strings.TrimSpace(iss.Text())
	subj := child(a, nsAssertion, "Subject")
	nameID := child(subj, nsAssertion, "NameID")
	if nameID == nil || strings.TrimSpace(nameID.Text()) == "" {
		return bad("Subject NameID")
	}
	out.Subject = strings.TrimSpace(nameID.Text())
	out.SubjectType = nameID.SelectAttrValue("Format", "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified")
	switch out.SubjectType {
	case "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent":
		out.SubjectType = "persistent"
	case "urn:oasis:names:tc:SAML:2.0:nameid-format:transient":
		out.SubjectType = "transient"
	}
	for _, sc := range children(subj, nsAssertion, "SubjectConfirmation") {
		if sc.SelectAttrValue("Method", "") != bearer {
			continue
		}
		if d := child(sc, nsAssertion, "SubjectConfirmationData"); d != nil {
			out.Recipient = d.SelectAttrValue("Recipient", "")
			t, ok := parseSAMLTime(d.SelectAttrValue("NotOnOrAfter", ""))
			if !ok {
				return bad("SubjectConfirmationData NotOnOrAfter")
			}
			out.NotOnOrAfter = t
		}
		break
	}
	if out.Recipient == "" {
		return bad("no bearer SubjectConfirmation with a Recipient")
	}
	if cond := child(a, nsAssertion, "Conditions"); cond != nil {
		nb, ok1 := parseSAMLTime(cond.SelectAttrValue("NotBefore", ""))
		na, ok2 := parseSAMLTime(cond.SelectAttrValue("NotOnOrAfter", ""))
		if !ok1 || !ok2 {
			return bad("Conditions")
		}
		out.NotBefore = nb
		if !na.IsZero() && (out.NotOnOrAfter.IsZero() || na.Before(out.NotOnOrAfter)) {
			out.NotOnOrAfter = na
		}
		for _, ar := range children(cond, nsAssertion, "AudienceRestriction") {
			for _, au := range children(ar, nsAssertion, "Audience") {
				out.Audiences = append(out.Audiences, strings.TrimSpace(au.Text()))
			}
		}
	}
	if as := child(a, nsAssertion, "AuthnStatement"); as != nil {
		t, ok := parseSAMLTime(as.SelectAttrValue("SessionNotOnOrAfter", ""))
		if !ok {
			return bad("SessionNotOnOrAfter")
		}
		out.SessionNotOnOrAfter = t
	}
	for _, st := range children(a, nsAssertion, "AttributeStatement") {
		for _, at := range children(st, nsAssertion, "Attribute") {
			name := at.SelectAttrValue("Name", "")
			for _, v := range children(at, nsAssertion, "AttributeValue") {
				out.Attrs[name] = append(out.Attrs[name], strings.TrimSpace(v.Text()))
			}
		}
	}
	return out, nil
}

// checkSAMLConditions checks the verified assertion's validity window,
// audience and recipient at now.
func checkSAMLConditions(a *samlAssertion, now time.Time) error {
	expired := awserr.ExpiredTokenSTS.New("Token must be redeemed within 5 minutes of issuance")
	if now.After(a.IssueInstant.Add(maxSAMLIssueAge + samlSkew)) {
		return expired
	}
	if !a.NotOnOrAfter.IsZero() && !now.Before(a.NotOnOrAfter.Add(samlSkew)) {
		return expired
	}
	if !a.NotBefore.IsZero() && now.Add(samlSkew).Before(a.NotBefore) {
		return samlInvalid("Assertion is not yet valid (NotBefore)")
	}
	if a.IssueInstant.After(now.Add(samlSkew)) {
		return samlInvalid("Assertion was issued in the future (IssueInstant)")
	}
	audOK := false
	for _, au := range a.Audiences {
		audOK = audOK || samlAudiences[au]
	}
	if !audOK {
		return samlInvalid("Audience restriction does not include https://signin.aws.amazon.com/saml")
	}
	if !samlRecipientOK(a.Recipient) {
		return samlInvalid("Invalid SubjectConfirmationData Recipient: " + a.Recipient)
	}
	return nil
}
