package iam

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	arnpkg "github.com/gatehouse-dev/gatehouse/internal/arn"
	"github.com/gatehouse-dev/gatehouse/internal/authn"
	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// SAML 2.0 identity providers: the IdP's metadata document, checked to be
// SAML metadata with an IdP descriptor and a signing certificate, and
// kept for AssumeRoleWithSAML, which verifies assertions against the
// metadata's signing certificates (internal/sts/saml.go).

const kindSAML = "iam/samlprovider"

// SAMLProvider is a SAML identity provider of an account.
type SAMLProvider struct {
	Account    string      `json:"account"`
	Name       string      `json:"name"`
	UUID       string      `json:"uuid"`
	Metadata   string      `json:"metadata"`
	Created    time.Time   `json:"created"`
	ValidUntil time.Time   `json:"validUntil"`
	Encryption string      `json:"encryption,omitempty"`
	Tags       []authn.Tag `json:"tags,omitempty"`
}

func (p *SAMLProvider) ARN() string { return arnpkg.SAMLProvider(p.Account, p.Name) }

var samlNameRE = regexp.MustCompile(`^[\w._-]{1,128}$`)

type samlMetadata struct {
	XMLName    xml.Name `xml:"EntityDescriptor"`
	EntityID   string   `xml:"entityID,attr"`
	ValidUntil string   `xml:"validUntil,attr"`
	IDP        []struct {
		Keys []struct {
			Use  string `xml:"use,attr"`
			Cert string `xml:"KeyInfo>X509Data>X509Certificate"`
		} `xml:"KeyDescriptor"`
	} `xml:"IDPSSODescriptor"`
}

// checkSAMLMetadata parses an IdP metadata document; validUntil defaults
// to a hundred years from now, as IAM shows for metadata without one.
func checkSAMLMetadata(doc string, now time.Time) (time.Time, error) {
	if len(doc) < 1000 || len(doc) > 10000000 {
		return time.Time{}, validation("", "sAMLMetadataDocument", "Member must have length between 1000 and 10000000")
	}
	bad := awserr.InvalidInput.New("Could not parse metadata")
	var md samlMetadata
	if err := xml.Unmarshal([]byte(doc), &md); err != nil || md.EntityID == "" || len(md.IDP) == 0 {
		return time.Time{}, bad
	}
	hasCert := false
	for _, k := range md.IDP[0].Keys {
		hasCert = hasCert || strings.TrimSpace(k.Cert) != "" && k.Use != "encryption"
	}
	if !hasCert {
		return time.Time{}, bad
	}
	until := now.AddDate(100, 0, 0)
	if md.ValidUntil != "" {
		t, err := time.Parse(time.RFC3339, md.ValidUntil)
		if err != nil {
			return time.Time{}, bad
		}
		until = t
	}
	return until.UTC(), nil
}

func newUUID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

func (c *call) encryptionMode(mode string) (string, error) {
	switch v := mode; v {
	case "", "Required", "Allowed":
		return v, nil
	default:
		return "", validation(v, "assertionEncryptionMode", "Member must satisfy enum value set: [Required, Allowed]")
	}
}

func opCreateSAMLProvider(c *call, in *createSAMLProviderIn) (*createSAMLProviderOut, error) {
	name := in.Name
	if !samlNameRE.MatchString(name) {
		return nil, validation(name, "name", `Member must satisfy regular expression pattern: [\w._-]+ and have length between 1 and 128`)
	}
	tags, err := parseTags(in.Tags)
	if err != nil {
		return nil, err
	}
	enc, err := c.encryptionMode(in.AssertionEncryptionMode)
	if err != nil {
		return nil, err
	}
	p := &SAMLProvider{Account: c.account(), Name: name, UUID: newUUID(), Metadata: in.SAMLMetadataDocument, Created: c.s.now().UTC(),
		Encryption: enc, Tags: tags}
	if err := c.allow(p.ARN(), tagContext(tags)); err != nil {
		return nil, err
	}
	if p.ValidUntil, err = checkSAMLMetadata(p.Metadata, c.s.now()); err != nil {
		return nil, err
	}
	err = c.update(func(tx store.Tx) error {
		if err := createJSON(tx, kindSAML, c.account()+"/"+name, p); err == store.ErrExists {
			return awserr.EntityAlreadyExists.Errorf("SAMLProvider named %s already exists", name)
		} else {
			return err
		}
	})
	if err != nil {
		return nil, err
	}
	return &createSAMLProviderOut{p.ARN(), xmlTags(tags)}, nil
}

// samlTarget resolves SAMLProviderArn in the caller's account; modify (if
// not nil) changes the provider in a transaction.
func (c *call) samlTarget(arn string, modify func(tx store.Tx, p *SAMLProvider) error) (*SAMLProvider, error) {
	if len(arn) < 20 || len(arn) > 2048 {
		return nil, validation(arn, "sAMLProviderArn", "Member must have length between 20 and 2048")
	}
	acct, res, ok := arnpkg.ParseIAM(arn)
	if !ok || !strings.HasPrefix(res, "saml-provider/") {
		return nil, awserr.InvalidInput.Errorf("ARN %s is not valid.", arn)
	}
	if err := c.allow(arn, nil); err != nil {
		return nil, err
	}
	notFound := awserr.NoSuchEntity.Errorf("Manifest not found for arn %s", arn)
	if acct != c.account() {
		return nil, notFound
	}
	key := acct + "/" + strings.TrimPrefix(res, "saml-provider/")
	var p *SAMLProvider
	if modify == nil {
		err := c.view(func(r store.Reader) (err error) { p, err = getJSON[SAMLProvider](r, kindSAML, key); return err })
		if err == nil && p == nil {
			err = notFound
		}
		return p, err
	}
	return nil, c.update(func(tx store.Tx) error {
		p, err := getJSON[SAMLProvider](tx, kindSAML, key)
		if err != nil || p == nil {
			return firstErr(err, notFound)
		}
		return modify(tx, p)
	})
}

func opGetSAMLProvider(c *call, in *getSAMLProviderIn) (*getSAMLProviderOut, error) {
	p, err := c.samlTarget(in.SAMLProviderArn, nil)
	if err != nil {
		return nil, err
	}
	return &getSAMLProviderOut{p.UUID, p.Metadata, isoTime(p.Created), isoTime(p.ValidUntil), xmlTags(p.Tags), p.Encryption}, nil
}

func opUpdateSAMLProvider(c *call, in *updateSAMLProviderIn) (*updateSAMLProviderOut, error) {
	doc := in.SAMLMetadataDocument
	enc, err := c.encryptionMode(in.AssertionEncryptionMode)
	if err != nil {
		return nil, err
	}
	var until time.Time
	if doc != "" {
		if until, err = checkSAMLMetadata(doc, c.s.now()); err != nil {
			return nil, err
		}
	}
	_, err = c.samlTarget(in.SAMLProviderArn, func(tx store.Tx, p *SAMLProvider) error {
		if doc != "" {
			p.Metadata, p.ValidUntil = doc, until
		}
		if enc != "" {
			p.Encryption = enc
		}
		return putJSON(tx, kindSAML, p.Account+"/"+p.Name, p)
	})
	if err != nil {
		return nil, err
	}
	return &updateSAMLProviderOut{in.SAMLProviderArn}, nil
}

func opDeleteSAMLProvider(c *call, in *deleteSAMLProviderIn) (*noOutput, error) {
	_, err := c.samlTarget(in.SAMLProviderArn, func(tx store.Tx, p *SAMLProvider) error { return tx.Delete(kindSAML, p.Account+"/"+p.Name) })
	return done(err)
}

func opListSAMLProviders(c *call, in *listSAMLProvidersIn) (*listSAMLProvidersOut, error) {
	if err := c.allow("*", nil); err != nil {
		return nil, err
	}
	var ps []*SAMLProvider
	err := c.view(func(r store.Reader) error {
		recs, err := r.List(kindSAML, c.account()+"/")
		for _, rec := range recs {
			p := new(SAMLProvider)
			if err := json.Unmarshal(rec.Value, p); err != nil {
				return err
			}
			ps = append(ps, p)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(ps, func(i, j int) bool { return ps[i].Name < ps[j].Name })
	out := make([]xmlSAMLEntry, len(ps))
	for i, p := range ps {
		out[i] = xmlSAMLEntry{p.ARN(), isoTime(p.ValidUntil), isoTime(p.Created)}
	}
	return &listSAMLProvidersOut{list(out)}, nil
}

func opTagSAMLProvider(c *call, in *tagSAMLProviderIn) (*noOutput, error) {
	tags, err := parseTags(in.Tags)
	if err != nil {
		return done(err)
	}
	_, err = c.samlTarget(in.SAMLProviderArn, func(tx store.Tx, p *SAMLProvider) error {
		p.Tags = mergeTags(p.Tags, tags)
		if err := tooManyTags(p.Tags); err != nil {
			return err
		}
		return putJSON(tx, kindSAML, p.Account+"/"+p.Name, p)
	})
	return done(err)
}

func opUntagSAMLProvider(c *call, in *untagSAMLProviderIn) (*noOutput, error) {
	keys, err := checkTagKeys(in.TagKeys)
	if err != nil {
		return done(err)
	}
	_, err = c.samlTarget(in.SAMLProviderArn, func(tx store.Tx, p *SAMLProvider) error {
		p.Tags = removeTags(p.Tags, keys)
		return putJSON(tx, kindSAML, p.Account+"/"+p.Name, p)
	})
	return done(err)
}

func opListSAMLProviderTags(c *call, in *listSAMLProviderTagsIn) (*tagsPageOut, error) {
	p, err := c.samlTarget(in.SAMLProviderArn, nil)
	if err != nil {
		return nil, err
	}
	return tagsPage(in.Marker, in.MaxItems, p.Tags)
}

// SAMLProviderByARN returns the SAML provider arn names, or nil when it
// does not exist (AssumeRoleWithSAML's lookup).
func (s *Service) SAMLProviderByARN(ctx context.Context, arn string) (*SAMLProvider, error) {
	acct, res, ok := arnpkg.ParseIAM(arn)
	name, isSAML := strings.CutPrefix(res, "saml-provider/")
	if !ok || !isSAML || !samlNameRE.MatchString(name) {
		return nil, nil
	}
	var p *SAMLProvider
	_, err := s.store.View(ctx, func(r store.Reader) (err error) {
		p, err = getJSON[SAMLProvider](r, kindSAML, acct+"/"+name)
		return err
	})
	return p, err
}

// SigningIdentity returns the IdP's entity id and the signing
// certificates of its metadata: every KeyDescriptor of the first
// IDPSSODescriptor that is not for encryption only.
func (p *SAMLProvider) SigningIdentity() (entityID string, certs []*x509.Certificate, err error) {
	var md samlMetadata
	if err := xml.Unmarshal([]byte(p.Metadata), &md); err != nil || len(md.IDP) == 0 {
		return "", nil, fmt.Errorf("saml provider %s: metadata does not parse", p.Name)
	}
	for _, k := range md.IDP[0].Keys {
		if k.Use == "encryption" {
			continue
		}
		der, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(k.Cert), ""))
		if err != nil {
			continue
		}
		if c, err := x509.ParseCertificate(der); err == nil {
			certs = append(certs, c)
		}
	}
	return md.EntityID, certs, nil
}

type createSAMLProviderOut struct {
	SAMLProviderArn string
	Tags            *members[xmlTag] "xml:\",omitempty\""
}

type createSAMLProviderIn struct {
	requestTagsIn
	AssertionEncryptionMode string
	Name                    string
	SAMLMetadataDocument    string
}

type getSAMLProviderOut struct {
	SAMLProviderUUID        string
	SAMLMetadataDocument    string
	CreateDate              string
	ValidUntil              string
	Tags                    *members[xmlTag] "xml:\",omitempty\""
	AssertionEncryptionMode string           "xml:\",omitempty\""
}

type getSAMLProviderIn struct {
	SAMLProviderArn string
}

type updateSAMLProviderOut struct {
	SAMLProviderArn string
}

type updateSAMLProviderIn struct {
	AssertionEncryptionMode string
	SAMLMetadataDocument    string
	SAMLProviderArn         string
}

type deleteSAMLProviderIn struct {
	SAMLProviderArn string
}

type listSAMLProvidersOut struct {
	SAMLProviderList *members[xmlSAMLEntry]
}

type listSAMLProvidersIn struct{}

type tagSAMLProviderIn struct {
	requestTagsIn
	SAMLProviderArn string
}

type untagSAMLProviderIn struct {
	untagIn
	SAMLProviderArn string
}

type listSAMLProviderTagsIn struct {
	Marker          string
	MaxItems        string
	SAMLProviderArn string
}

type xmlSAMLEntry struct{ Arn, ValidUntil, CreateDate string }
