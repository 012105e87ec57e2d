// Package samltest is a test SAML 2.0 identity provider: a key and
// self-signed certificate, its metadata document (for CreateSAMLProvider)
// and signed responses for AssumeRoleWithSAML, signed with
// github.com/russellhaering/goxmldsig as a real IdP signs them.
package samltest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"
)

// IdP is a test identity provider.
type IdP struct {
	EntityID string
	Key      *rsa.PrivateKey
	CertDER  []byte
}

// New makes an IdP with a fresh 2048-bit RSA key.
func New(entityID string) (*IdP, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "gatehouse test IdP"},
		NotBefore: time.Now().Add(-24 * time.Hour), NotAfter: time.Now().Add(365 * 24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	return &IdP{EntityID: entityID, Key: key, CertDER: der}, nil
}

// Metadata is the IdP's SAML metadata document.
func (p *IdP) Metadata() string {
	cert := base64.StdEncoding.EncodeToString(p.CertDER)
	return `<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="` + p.EntityID + `">
  <md:IDPSSODescriptor WantAuthnRequestsSigned="false" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing">
      <ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#">
        <ds:X509Data><ds:X509Certificate>` + cert + `</ds:X509Certificate></ds:X509Data>
      </ds:KeyInfo>
    </md:KeyDescriptor>
    <md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</md:NameIDFormat>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.example.com/sso"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>
`
}

// Assertion describes the response to build.
type Assertion struct {
	Subject      string
	Format       string // NameID Format; persistent when empty
	Recipient    string // https://signin.aws.amazon.com/saml when empty
	Audience     string // https://signin.aws.amazon.com/saml when empty
	IssueInstant time.Time
	Lifetime     time.Duration // NotOnOrAfter - IssueInstant; 5 minutes when 0
	Issuer       string        // the IdP's entity id when empty
	// Roles are "role-arn,provider-arn" values of the Role attribute.
	Roles       []string
	SessionName string
	// Attrs are further attributes (name to values).
	Attrs map[string][]string
	// SignResponse signs the Response instead of the Assertion.
	SignResponse bool
}

func newID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return fmt.Sprintf("_%x", b)
}

// ResponseXML builds the response document and signs it (the assertion,
// or the response when a.SignResponse).
func (p *IdP) ResponseXML(a Assertion) (*etree.Document, error) {
	if a.Format == "" {
		a.Format = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"
	}
	if a.Recipient == "" {
		a.Recipient = "https://signin.aws.amazon.com/saml"
	}
	if a.Audience == "" {
		a.Audience = "https://signin.aws.amazon.com/saml"
	}
	if a.IssueInstant.IsZero() {
		a.IssueInstant = time.Now()
	}
	if a.Lifetime == 0 {
		a.Lifetime = 5 * time.Minute
	}
	if a.Issuer == "" {
		a.Issuer = p.EntityID
	}
	ts := func(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }
	doc := etree.NewDocument()
	resp := doc.CreateElement("samlp:Response")
	resp.CreateAttr("xmlns:samlp", "urn:oasis:names:tc:SAML:2.0:protocol")
	resp.CreateAttr("xmlns:saml", "urn:oasis:names:tc:SAML:2.0:assertion")
	resp.CreateAttr("ID", newID())
	resp.CreateAttr("Version", "2.0")
	resp.CreateAttr("IssueInstant", ts(a.IssueInstant))
	resp.CreateAttr("Destination", a.Recipient)
	resp.CreateElement("saml:Issuer").SetText(a.Issuer)
	resp.CreateElement("samlp:Status").CreateElement("samlp:StatusCode").CreateAttr("Value", "urn:oasis:names:tc:SAML:2.0:status:Success")

	as := resp.CreateElement("saml:Assertion")
	// Declared again on the assertion, so that it is self-contained when
	// canonicalized on its own (the signer's view).
	as.CreateAttr("xmlns:saml", "urn:oasis:names:tc:SAML:2.0:assertion")
	as.CreateAttr("ID", newID())
	as.CreateAttr("Version", "2.0")
	as.CreateAttr("IssueInstant", ts(a.IssueInstant))
	as.CreateElement("saml:Issuer").SetText(a.Issuer)
	subj := as.CreateElement("saml:Subject")
	nid := subj.CreateElement("saml:NameID")
	nid.CreateAttr("Format", a.Format)
	nid.SetText(a.Subject)
	sc := subj.CreateElement("saml:SubjectConfirmation")
	sc.CreateAttr("Method", "urn:oasis:names:tc:SAML:2.0:cm:bearer")
	scd := sc.CreateElement("saml:SubjectConfirmationData")
	scd.CreateAttr("NotOnOrAfter", ts(a.IssueInstant.Add(a.Lifetime)))
	scd.CreateAttr("Recipient", a.Recipient)
	cond := as.CreateElement("saml:Conditions")
	cond.CreateAttr("NotBefore", ts(a.IssueInstant.Add(-time.Minute)))
	cond.CreateAttr("NotOnOrAfter", ts(a.IssueInstant.Add(a.Lifetime)))
	cond.CreateElement("saml:AudienceRestriction").CreateElement("saml:Audience").SetText(a.Audience)
	authn := as.CreateElement("saml:AuthnStatement")
	authn.CreateAttr("AuthnInstant", ts(a.IssueInstant))
	authn.CreateAttr("SessionIndex", newID())
	authn.CreateElement("saml:AuthnContext").CreateElement("saml:AuthnContextClassRef").SetText("urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport")
	st := as.CreateElement("saml:AttributeStatement")
	attr := func(name string, vals ...string) {
		at := st.CreateElement("saml:Attribute")
		at.CreateAttr("Name", name)
		for _, v := range vals {
			at.CreateElement("saml:AttributeValue").SetText(v)
		}
	}
	if len(a.Roles) > 0 {
		attr("https://aws.amazon.com/SAML/Attributes/Role", a.Roles...)
	}
	if a.SessionName != "" {
		attr("https://aws.amazon.com/SAML/Attributes/RoleSessionName", a.SessionName)
	}
	for k, v := range a.Attrs {
		attr(k, v...)
	}

	ctx := dsig.NewDefaultSigningContext(dsig.TLSCertKeyStore(tls.Certificate{Certificate: [][]byte{p.CertDER}, PrivateKey: p.Key}))
	ctx.Canonicalizer = dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList("")
	if err := ctx.SetSignatureMethod(dsig.RSASHA256SignatureMethod); err != nil {
		return nil, err
	}
	target := as
	if a.SignResponse {
		target = resp
	}
	sig, err := ctx.ConstructSignature(target, true)
	if err != nil {
		return nil, err
	}
	// The Signature goes right after the Issuer, as the schema orders it.
	target.InsertChildAt(1, sig)
	return doc, nil
}

// Response returns the signed response, base64-encoded as the
// SAMLAssertion parameter.
func (p *IdP) Response(a Assertion) (string, error) {
	doc, err := p.ResponseXML(a)
	if err != nil {
		return "", err
	}
	return Encode(doc)
}

// Encode serializes doc as base64.
func Encode(doc *etree.Document) (string, error) {
	s, err := doc.WriteToString()
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString([]byte(strings.TrimSpace(s))), nil
}
