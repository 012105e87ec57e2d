package sts

import (
	"crypto/sha1"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"

	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/sts/samltest"
)

const (
	testRole = "arn:aws:iam::000000000000:role/saml-role"
	testProv = "arn:aws:iam::000000000000:saml-provider/test-idp"
)

func testIdP(t testing.TB, entity string) (*samltest.IdP, []*x509.Certificate) {
	t.Helper()
	idp, err := samltest.New(entity)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(idp.CertDER)
	if err != nil {
		t.Fatal(err)
	}
	return idp, []*x509.Certificate{c}
}

func baseAssertion(now time.Time) samltest.Assertion {
	return samltest.Assertion{Subject: "alice@example.com", IssueInstant: now, Roles: []string{testRole + "," + testProv},
		SessionName: "alice", Attrs: map[string][]string{"urn:oid:1.3.6.1.4.1.5923.1.1.1.1": {"staff", "member"}}}
}

// verify runs the full check chain of AssumeRoleWithSAML below the
// provider lookup.
func verify(b64 string, certs []*x509.Certificate, now time.Time) (*samlAssertion, error) {
	root, err := decodeSAMLResponse(b64)
	if err != nil {
		return nil, err
	}
	a, err := verifySAMLResponse(root, certs, now)
	if err != nil {
		return nil, err
	}
	return a, checkSAMLConditions(a, now)
}

func encode(t *testing.T, doc *etree.Document) string {
	s, err := samltest.Encode(doc)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func wantSAMLErr(t *testing.T, err error, code, msg string) {
	t.Helper()
	var e *awserr.Error
	if !errors.As(err, &e) {
		t.Fatalf("err %v, want %s", err, code)
	}
	if e.Code != code || msg != "" && !strings.Contains(e.Message, msg) {
		t.Fatalf("err %s: %s, want %s: %s", e.Code, e.Message, code, msg)
	}
}

func TestVerifySAMLResponse(t *testing.T) {
	now := time.Now()
	idp, certs := testIdP(t, "https://idp.example.com/saml")
	other, _ := testIdP(t, "https://idp.example.com/saml")

	for _, signResp := range []bool{false, true} {
		a := baseAssertion(now)
		a.SignResponse = signResp
		b64, err := idp.Response(a)
		if err != nil {
			t.Fatal(err)
		}
		got, err := verify(b64, certs, now)
		if err != nil {
			t.Fatalf("signResponse=%v: %v", signResp, err)
		}
		if got.Issuer != idp.EntityID || got.Subject != "alice@example.com" || got.SubjectType != "persistent" ||
			got.Recipient != "https://signin.aws.amazon.com/saml" || strings.Join(got.Attrs[attrRole], "") != testRole+","+testProv ||
			strings.Join(got.Attrs["urn:oid:1.3.6.1.4.1.5923.1.1.1.1"], "|") != "staff|member" {
			t.Fatalf("assertion %+v", got)
		}
	}

	mutate := func(signResp bool, f func(resp, assertion *etree.Element)) string {
		a := baseAssertion(now)
		a.SignResponse = signResp
		doc, err := idp.ResponseXML(a)
		if err != nil {
			t.Fatal(err)
		}
		resp := doc.Root()
		f(resp, resp.SelectElement("Assertion"))
		return encode(t, doc)
	}
	nameID := func(a *etree.Element) *etree.Element { return a.SelectElement("Subject").SelectElement("NameID") }
	cases := []struct {
		name, b64, code, msg string
	}{
		{"modified assertion", mutate(false, func(_, a *etree.Element) { nameID(a).SetText("admin@example.com") }),
			"InvalidIdentityToken", "Response signature invalid"},
		{"modified signed response", mutate(true, func(_, a *etree.Element) { nameID(a).SetText("admin@example.com") }),
			"InvalidIdentityToken", "Response signature invalid"},
		{"role added to signed assertion", mutate(false, func(_, a *etree.Element) {
			at := a.SelectElement("AttributeStatement").SelectElement("Attribute")
			at.CreateElement("saml:AttributeValue").SetText("arn:aws:iam::000000000000:role/admin," + testProv)
		}), "InvalidIdentityToken", "Response signature invalid"},
		{"second unsigned assertion", mutate(false, func(r, a *etree.Element) {
			evil := a.Copy()
			evil.RemoveChild(evil.SelectElement("Signature"))
			nameID(evil).SetText("admin@example.com")
			r.AddChild(evil)
		}), "InvalidIdentityToken", "exactly one Assertion"},
		{"wrapped: signed assertion moved under Extensions, forged one in its place", mutate(false, func(r, a *etree.Element) {
			evil := a.Copy()
			evil.RemoveChild(evil.SelectElement("Signature"))
			nameID(evil).SetText("admin@example.com")
			r.RemoveChild(a)
			r.CreateElement("samlp:Extensions").AddChild(a)
			r.AddChild(evil)
		}), "InvalidIdentityToken", "exactly one Assertion"},
		{"wrapped: signed response's assertion swapped", mutate(true, func(r, a *etree.Element) {
			nameID(a).SetText("admin@example.com")
			a.CreateAttr("ID", "_evil")
		}), "InvalidIdentityToken", "Response signature invalid"},
		{"unsigned", mutate(false, func(_, a *etree.Element) { a.RemoveChild(a.SelectElement("Signature")) }),
			"InvalidIdentityToken", "Response signature invalid"},
		{"signature value altered", mutate(false, func(_, a *etree.Element) {
			sv := a.SelectElement("Signature").SelectElement("SignatureValue")
			v := []byte(sv.Text())
			v[10] ^= 1
			sv.SetText(string(v))
		}), "InvalidIdentityToken", "Response signature invalid"},
		{"status not success", mutate(false, func(r, _ *etree.Element) {
			r.SelectElement("Status").SelectElement("StatusCode").CreateAttr("Value", "urn:oasis:names:tc:SAML:2.0:status:Requester")
		}), "IDPRejectedClaim", ""},
		{"not base64", "%%%%", "InvalidIdentityToken", "base64"},
		{"not a response", base64.StdEncoding.EncodeToString([]byte("<a/>")), "InvalidIdentityToken", "Invalid SAML response"},
		{"doctype", base64.StdEncoding.EncodeToString([]byte(`<!DOCTYPE r [<!ENTITY x "y">]><r/>`)), "InvalidIdentityToken", "Invalid SAML response"},
	}
	wrongCert, _ := other.Response(baseAssertion(now))
	cases = append(cases, struct{ name, b64, code, msg string }{"signed by another key", wrongCert, "InvalidIdentityToken", "Response signature invalid"})
	old := baseAssertion(now.Add(-11 * time.Minute))
	expired, _ := idp.Response(old)
	cases = append(cases, struct{ name, b64, code, msg string }{"expired", expired, "ExpiredTokenException", "within 5 minutes"})
	future := baseAssertion(now.Add(time.Hour))
	fut, _ := idp.Response(future)
	cases = append(cases, struct{ name, b64, code, msg string }{"not yet valid", fut, "InvalidIdentityToken", "NotBefore"})
	aud := baseAssertion(now)
	aud.Audience = "https://evil.example.com/saml"
	wrongAud, _ := idp.Response(aud)
	cases = append(cases, struct{ name, b64, code, msg string }{"wrong audience", wrongAud, "InvalidIdentityToken", "Audience"})
	rcp := baseAssertion(now)
	rcp.Recipient = "https://evil.example.com/acs"
	wrongRcp, _ := idp.Response(rcp)
	cases = append(cases, struct{ name, b64, code, msg string }{"wrong recipient", wrongRcp, "InvalidIdentityToken", "Recipient"})

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := verify(tc.b64, certs, now)
			wantSAMLErr(t, err, tc.code, tc.msg)
		})
	}

	// A regional sign-in endpoint is a valid recipient.
	reg := baseAssertion(now)
	reg.Recipient = "https://eu-west-1.signin.aws.amazon.com/saml"
	b64, _ := idp.Response(reg)
	if _, err := verify(b64, certs, now); err != nil {
		t.Fatalf("regional recipient: %v", err)
	}
}

func TestSAMLNameQualifier(t *testing.T) {
	// AWS: BASE64(SHA1("https://example.com/saml" + "123456789012" + "/MySAMLIdP")).
	h := sha1.Sum([]byte("https://example.com/saml123456789012/MySAMLIdP"))
	if got := samlNameQualifier("https://example.com/saml", "123456789012", "MySAMLIdP"); got != base64.StdEncoding.EncodeToString(h[:]) {
		t.Fatalf("namequalifier %q", got)
	}
}

// FuzzSAMLResponse feeds arbitrary SAMLAssertion values through the
// decoder and verifier: no panic, and nothing verifies without the key.
func FuzzSAMLResponse(f *testing.F) {
	now := time.Now()
	idp, certs := testIdP(f, "https://idp.example.com/saml")
	other, _ := testIdP(f, "https://idp.example.com/saml")
	for _, signResp := range []bool{false, true} {
		a := baseAssertion(now)
		a.SignResponse = signResp
		b64, err := other.Response(a)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b64)
		raw, _ := base64.StdEncoding.DecodeString(b64)
		f.Add(base64.StdEncoding.EncodeToString([]byte(strings.Replace(string(raw), "alice", "admin", 1))))
	}
	f.Add("")
	f.Add(base64.StdEncoding.EncodeToString([]byte(`<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"/>`)))
	_ = idp
	f.Fuzz(func(t *testing.T, b64 string) {
		if len(b64) > 100000 {
			return
		}
		if a, err := verify(b64, certs, now); err == nil {
			t.Fatalf("verified an assertion not signed by the IdP's key: %+v", a)
		}
	})
}
