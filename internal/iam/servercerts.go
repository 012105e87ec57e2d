package iam

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"sort"
	"strings"
	"time"

	arnpkg "github.com/gatehouse-dev/gatehouse/internal/arn"
	"github.com/gatehouse-dev/gatehouse/internal/authn"
	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// Server certificates (the TLS certificates IAM stores for load balancers
// and CloudFront). The upload checks that the private key matches the
// certificate, as IAM does; the key itself is not kept (nothing in
// gatehouse serves with it, and AWS never returns it).

const kindServerCert = "iam/servercert"

// ServerCertificate is an uploaded server certificate.
type ServerCertificate struct {
	Account string      `json:"account"`
	Name    string      `json:"name"`
	Path    string      `json:"path"`
	ID      string      `json:"id"`
	Body    string      `json:"body"`
	Chain   string      `json:"chain,omitempty"`
	Created time.Time   `json:"created"`
	Expires time.Time   `json:"expires"`
	Tags    []authn.Tag `json:"tags,omitempty"`
}

func (s *ServerCertificate) ARN() string { return arnpkg.ServerCertificate(s.Account, s.Path, s.Name) }

func noSuchServerCert(name string) error {
	return awserr.NoSuchEntity.Errorf("The Server Certificate with name %s cannot be found.", name)
}

type xmlServerCertMeta struct {
	Path                  string
	ServerCertificateName string
	ServerCertificateId   string
	Arn                   string
	UploadDate            string
	Expiration            string
}

func serverCertMeta(s *ServerCertificate) xmlServerCertMeta {
	return xmlServerCertMeta{s.Path, s.Name, s.ID, s.ARN(), isoTime(s.Created), isoTime(s.Expires)}
}

func publicOf(k crypto.PrivateKey) crypto.PublicKey {
	switch k := k.(type) {
	case *rsa.PrivateKey:
		return &k.PublicKey
	case *ecdsa.PrivateKey:
		return &k.PublicKey
	case ed25519.PrivateKey:
		return k.Public()
	}
	return nil
}

func parsePrivateKey(body string) (crypto.PrivateKey, bool) {
	blk, _ := pem.Decode([]byte(strings.TrimSpace(body)))
	if blk == nil {
		return nil, false
	}
	if k, err := x509.ParsePKCS1PrivateKey(blk.Bytes); err == nil {
		return k, true
	}
	if k, err := x509.ParsePKCS8PrivateKey(blk.Bytes); err == nil {
		return k, true
	}
	if k, err := x509.ParseECPrivateKey(blk.Bytes); err == nil {
		return k, true
	}
	return nil, false
}

func opUploadServerCertificate(c *call, in *uploadServerCertificateIn) (*uploadServerCertificateOut, error) {
	name := in.ServerCertificateName
	if err := checkName(name, "serverCertificateName", 128); err != nil {
		return nil, err
	}
	path := in.Path
	if path == "" {
		path = "/"
	} else if len(path) > 512 || !mfaPathRE.MatchString(path) {
		return nil, validation(path, "path", `Member must satisfy regular expression pattern: (\u002F)|(\u002F[\u0021-\u007E]+\u002F)`)
	}
	body, key, chain := in.CertificateBody, in.PrivateKey, in.CertificateChain
	if body == "" || len(body) > 16384 {
		return nil, validation("", "certificateBody", "Member must have length between 1 and 16384")
	}
	if key == "" || len(key) > 16384 {
		return nil, validation("", "privateKey", "Member must have length between 1 and 16384")
	}
	tags, err := parseTags(in.Tags)
	if err != nil {
		return nil, err
	}
	sc := &ServerCertificate{Account: c.account(), Name: name, Path: path}
	if err := c.allow(sc.ARN(), tagContext(tags)); err != nil {
		return nil, err
	}
	cert, err := parseCertPEM(body)
	if err != nil {
		return nil, err
	}
	if chain != "" {
		if _, err := parseCertPEM(chain); err != nil {
			return nil, awserr.MalformedCertificate.New("Certificate chain is malformed.")
		}
	}
	pk, ok := parsePrivateKey(key)
	if !ok {
		return nil, awserr.MalformedCertificate.New("Unable to parse private key.")
	}
	type equaler interface{ Equal(crypto.PublicKey) bool }
	if pub, ok := cert.PublicKey.(equaler); !ok || !pub.Equal(publicOf(pk)) {
		return nil, awserr.KeyPairMismatch.New("Unable to validate certificate key pair.")
	}
	sc.ID, sc.Body, sc.Chain, sc.Created, sc.Expires, sc.Tags = NewID("ASCA", c.account(), 21), body, chain, c.s.now().UTC(), cert.NotAfter.UTC(), tags
	err = c.update(func(tx store.Tx) error {
		if err := createJSON(tx, kindServerCert, entityKey(sc.Account, name), sc); err == store.ErrExists {
			return awserr.EntityAlreadyExists.Errorf("The Server Certificate with name %s already exists.", name)
		} else {
			return err
		}
	})
	if err != nil {
		return nil, err
	}
	return &uploadServerCertificateOut{serverCertMeta(sc), xmlTags(tags)}, nil
}

// serverCertTarget resolves ServerCertificateName; modify (if not nil)
// changes it in a transaction.
func (c *call) serverCertTarget(name string, modify func(tx store.Tx, s *ServerCertificate) error) (*ServerCertificate, error) {
	if err := checkName(name, "serverCertificateName", 128); err != nil {
		return nil, err
	}
	key := entityKey(c.account(), name)
	var sc *ServerCertificate
	if err := c.view(func(r store.Reader) (err error) {
		sc, err = getJSON[ServerCertificate](r, kindServerCert, key)
		return err
	}); err != nil {
		return nil, err
	}
	res := arnpkg.ServerCertificate(c.account(), "/", name)
	if sc != nil {
		res = sc.ARN()
	}
	if err := c.allow(res, nil); err != nil {
		return nil, err
	}
	if sc == nil {
		return nil, noSuchServerCert(name)
	}
	if modify == nil {
		return sc, nil
	}
	return sc, c.update(func(tx store.Tx) error {
		cur, err := getJSON[ServerCertificate](tx, kindServerCert, key)
		if err != nil || cur == nil {
			return firstErr(err, noSuchServerCert(name))
		}
		return modify(tx, cur)
	})
}

func opGetServerCertificate(c *call, in *getServerCertificateIn) (*getServerCertificateOut, error) {
	sc, err := c.serverCertTarget(in.ServerCertificateName, nil)
	if err != nil {
		return nil, err
	}
	return &getServerCertificateOut{xmlServerCert{serverCertMeta(sc), sc.Body, sc.Chain, xmlTags(sc.Tags)}}, nil
}

func opListServerCertificates(c *call, in *listServerCertificatesIn) (*listServerCertificatesOut, error) {
	prefix, res, err := listResource(c, in.PathPrefix, "server-certificate")
	if err != nil {
		return nil, err
	}
	if err := c.allow(res, nil); err != nil {
		return nil, err
	}
	var scs []*ServerCertificate
	err = c.view(func(r store.Reader) error {
		recs, err := r.List(kindServerCert, c.account()+"/")
		for _, rec := range recs {
			sc := new(ServerCertificate)
			if err := json.Unmarshal(rec.Value, sc); err != nil {
				return err
			}
			if strings.HasPrefix(sc.Path, prefix) {
				scs = append(scs, sc)
			}
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	key := func(s *ServerCertificate) string { return strings.ToLower(s.Name) }
	sort.Slice(scs, func(i, j int) bool { return key(scs[i]) < key(scs[j]) })
	pg, marker, trunc, err := page(in.Marker, in.MaxItems, scs, key)
	if err != nil {
		return nil, err
	}
	out := make([]xmlServerCertMeta, len(pg))
	for i, s := range pg {
		out[i] = serverCertMeta(s)
	}
	return &listServerCertificatesOut{list(out), trunc, marker}, nil
}

func opUpdateServerCertificate(c *call, in *updateServerCertificateIn) (*noOutput, error) {
	newName, newPath := str(in.NewServerCertificateName), str(in.NewPath)
	if in.NewServerCertificateName != nil {
		if err := checkName(newName, "newServerCertificateName", 128); err != nil {
			return done(err)
		}
	}
	if in.NewPath != nil && !mfaPathRE.MatchString(newPath) {
		return done(validation(newPath, "newPath", `Member must satisfy regular expression pattern: (\u002F)|(\u002F[\u0021-\u007E]+\u002F)`))
	}
	_, err := c.serverCertTarget(in.ServerCertificateName, func(tx store.Tx, s *ServerCertificate) error {
		oldKey := entityKey(s.Account, s.Name)
		if newPath != "" {
			s.Path = newPath
		}
		if newName != "" && !strings.EqualFold(newName, s.Name) {
			nk := entityKey(s.Account, newName)
			if ex, err := getJSON[ServerCertificate](tx, kindServerCert, nk); err != nil {
				return err
			} else if ex != nil {
				return awserr.EntityAlreadyExists.Errorf("The Server Certificate with name %s already exists.", newName)
			}
			if err := tx.Delete(kindServerCert, oldKey); err != nil {
				return err
			}
			oldKey = nk
		}
		if newName != "" {
			s.Name = newName
		}
		return putJSON(tx, kindServerCert, oldKey, s)
	})
	return done(err)
}

func opDeleteServerCertificate(c *call, in *deleteServerCertificateIn) (*noOutput, error) {
	_, err := c.serverCertTarget(in.ServerCertificateName, func(tx store.Tx, s *ServerCertificate) error {
		return tx.Delete(kindServerCert, entityKey(s.Account, s.Name))
	})
	return done(err)
}

func opTagServerCertificate(c *call, in *tagServerCertificateIn) (*noOutput, error) {
	tags, err := parseTags(in.Tags)
	if err != nil {
		return done(err)
	}
	_, err = c.serverCertTarget(in.ServerCertificateName, func(tx store.Tx, s *ServerCertificate) error {
		s.Tags = mergeTags(s.Tags, tags)
		if err := tooManyTags(s.Tags); err != nil {
			return err
		}
		return putJSON(tx, kindServerCert, entityKey(s.Account, s.Name), s)
	})
	return done(err)
}

func opUntagServerCertificate(c *call, in *untagServerCertificateIn) (*noOutput, error) {
	keys, err := checkTagKeys(in.TagKeys)
	if err != nil {
		return done(err)
	}
	_, err = c.serverCertTarget(in.ServerCertificateName, func(tx store.Tx, s *ServerCertificate) error {
		s.Tags = removeTags(s.Tags, keys)
		return putJSON(tx, kindServerCert, entityKey(s.Account, s.Name), s)
	})
	return done(err)
}

func opListServerCertificateTags(c *call, in *listServerCertificateTagsIn) (*tagsPageOut, error) {
	sc, err := c.serverCertTarget(in.ServerCertificateName, nil)
	if err != nil {
		return nil, err
	}
	return tagsPage(in.Marker, in.MaxItems, sc.Tags)
}

type uploadServerCertificateOut struct {
	ServerCertificateMetadata xmlServerCertMeta
	Tags                      *members[xmlTag] "xml:\",omitempty\""
}

type uploadServerCertificateIn struct {
	CertificateBody       string
	CertificateChain      string
	Path                  string
	PrivateKey            string
	ServerCertificateName string
	requestTagsIn
}

type getServerCertificateOut struct {
	ServerCertificate xmlServerCert
}

type getServerCertificateIn struct {
	ServerCertificateName string
}

type listServerCertificatesOut struct {
	ServerCertificateMetadataList *members[xmlServerCertMeta]
	IsTruncated                   bool
	Marker                        string "xml:\",omitempty\""
}

type listServerCertificatesIn struct {
	Marker     string
	MaxItems   string
	PathPrefix string
}

type updateServerCertificateIn struct {
	NewPath                  *string
	NewServerCertificateName *string
	ServerCertificateName    string
}

type deleteServerCertificateIn struct {
	ServerCertificateName string
}

type tagServerCertificateIn struct {
	requestTagsIn
	ServerCertificateName string
}

type untagServerCertificateIn struct {
	untagIn
	ServerCertificateName string
}

type listServerCertificateTagsIn struct {
	Marker                string
	MaxItems              string
	ServerCertificateName string
}

type xmlServerCert struct {
	ServerCertificateMetadata xmlServerCertMeta
	CertificateBody           string
	CertificateChain          string           `xml:",omitempty"`
	Tags                      *members[xmlTag] `xml:",omitempty"`
}
