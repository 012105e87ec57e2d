package apigw

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"math/big"
	"sort"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// Record kinds of issue #14's account-level resources. Keys: the ID.
const (
	KindClientCert = "apigw/clientcert"
	KindVPCLink    = "apigw/vpclink"
	KindAccount    = "apigw/account" // key "{account}/{region}"
)

// ClientCertificate is the wire shape of a client certificate.
type ClientCertificate struct {
	ClientCertificateID   string            `json:"clientCertificateId"`
	Description           string            `json:"description,omitempty"`
	PemEncodedCertificate string            `json:"pemEncodedCertificate"`
	CreatedDate           int64             `json:"createdDate"`
	ExpirationDate        int64             `json:"expirationDate"`
	Tags                  map[string]string `json:"tags,omitempty"`
}

// ClientCertRecord is a stored client certificate. Key is the PKCS #8
// private key (PEM) the gateway presents to HTTP backends with the
// certificate, sealed under the master key (authn.SecretBox, label
// ClientCertKeyLabel); it is never returned by the API, as on AWS, where
// only the certificate is.
type ClientCertRecord struct {
	Cert    ClientCertificate `json:"cert"`
	Key     string            `json:"key"`
	Account string            `json:"account"`
	Region  string            `json:"region"`
}

// ClientCertKeyLabel is the additional data sealed with a client
// certificate's key: a sealed key cannot be moved to another certificate.
func ClientCertKeyLabel(id string) string { return "apigw-clientcert:" + id }

// generateClientCert makes the self-signed certificate API Gateway
// presents to backends: RSA 2048 as AWS's, valid 365 days, its subject the
// certificate's ID.
func generateClientCert(id string, now time.Time) (certPEM, keyPEM string, notAfter time.Time, err error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return "", "", time.Time{}, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 126))
	if err != nil {
		return "", "", time.Time{}, err
	}
	notAfter = now.Add(365 * 24 * time.Hour)
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: id, Organization: []string{"gatehouse API Gateway"}},
		NotBefore:    now.Add(-time.Minute),
		NotAfter:     notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return "", "", time.Time{}, err
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return "", "", time.Time{}, err
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder})), notAfter, nil
}

func loadClientCert(r store.Reader, id string) (*ClientCertRecord, error) {
	rec, err := r.Get(KindClientCert, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errClientCert
	}
	if err != nil {
		return nil, err
	}
	var cr ClientCertRecord
	return &cr, json.Unmarshal(rec.Value, &cr)
}

func (s *Service) loadOwnClientCert(r store.Reader, c *call, id string) (*ClientCertRecord, error) {
	cr, err := loadClientCert(r, id)
	if err != nil {
		return nil, err
	}
	if cr.Account != c.caller.Account || cr.Region != c.caller.Region {
		return nil, errClientCert
	}
	return cr, nil
}

// generateClientCertBody is the JSON body of generateClientCert.
type generateClientCertBody struct {
	Description string            `json:"description"`
	Tags        map[string]string `json:"tags"`
}

func (s *Service) generateClientCert(c *call, req *jsonIn[generateClientCertBody]) (*GenerateClientCertificateOutput, error) {
	in := req.Body
	if err := validateTags(in.Tags); err != nil {
		return nil, err
	}
	if s.secrets == nil {
		return nil, errors.New("apigw: no master key to seal client certificate keys")
	}
	id := newID(6)
	now := s.now()
	certPEM, keyPEM, notAfter, err := generateClientCert(id, now)
	if err != nil {
		return nil, err
	}
	keyPEM = s.secrets.Seal(keyPEM, ClientCertKeyLabel(id))
	cr := ClientCertRecord{Cert: ClientCertificate{ClientCertificateID: id, Description: in.Description,
		PemEncodedCertificate: certPEM, CreatedDate: now.Unix(), ExpirationDate: notAfter.Unix(), Tags: in.Tags},
		Key: keyPEM, Account: c.caller.Account, Region: c.caller.Region}
	_, err = s.st.Update(c.ctx, func(tx store.Tx) error { return createJSON(tx, KindClientCert, id, cr) })
	if err != nil {
		return nil, err
	}
	return &GenerateClientCertificateOutput{cr.Cert}, nil
}

func (s *Service) getClientCerts(c *call, in *pageIn) (*GetClientCertificatesOutput, error) {
	var all []ClientCertificate
	_, err := s.st.View(c.ctx, func(r store.Reader) error {
		recs, err := r.List(KindClientCert, "")
		if err != nil {
			return err
		}
		for _, rec := range recs {
			var cr ClientCertRecord
			if json.Unmarshal(rec.Value, &cr) == nil && cr.Account == c.caller.Account && cr.Region == c.caller.Region {
				all = append(all, cr.Cert)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(all, func(i, j int) bool { return all[i].CreatedDate < all[j].CreatedDate })
	items, pos, err := paging(in, all)
	if err != nil {
		return nil, err
	}
	if items == nil {
		items = []ClientCertificate{}
	}
	return &GetClientCertificatesOutput{listOut[ClientCertificate]{Item: items, Position: pos}}, nil
}

func (s *Service) getClientCert(c *call, _ *noIn) (*GetClientCertificateOutput, error) {
	var out ClientCertificate
	_, err := s.st.View(c.ctx, func(r store.Reader) error {
		cr, err := s.loadOwnClientCert(r, c, c.path.ClientCert)
		if err == nil {
			out = cr.Cert
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return &GetClientCertificateOutput{out}, nil
}

func (s *Service) updateClientCert(c *call, in *patchIn) (*UpdateClientCertificateOutput, error) {
	ops := in.Ops
	var err error
	var out ClientCertificate
	_, err = s.st.Update(c.ctx, func(tx store.Tx) error {
		cr, err := s.loadOwnClientCert(tx, c, c.path.ClientCert)
		if err != nil {
			return err
		}
		for _, op := range ops {
			if op.Path != "/description" {
				return badPatch(op)
			}
			cr.Cert.Description = valueOrEmpty(op)
		}
		out = cr.Cert
		return putJSON(tx, KindClientCert, c.path.ClientCert, cr)
	})
	if err != nil {
		return nil, err
	}
	return &UpdateClientCertificateOutput{out}, nil
}

func (s *Service) deleteClientCert(c *call, _ *noIn) (*DeleteClientCertificateOutput, error) {
	_, err := s.st.Update(c.ctx, func(tx store.Tx) error {
		if _, err := s.loadOwnClientCert(tx, c, c.path.ClientCert); err != nil {
			return err
		}
		// A stage still presenting it keeps AWS from deleting it.
		stages, err := tx.List(KindStage, "")
		if err != nil {
			return err
		}
		for _, rec := range stages {
			var st StageRecord
			if json.Unmarshal(rec.Value, &st) == nil && st.Stage.ClientCertificateID == c.path.ClientCert {
				return awserr.BadRequestException.Errorf("Cannot delete client certificate %s: it is in use by stage %s", c.path.ClientCert, st.Stage.StageName)
			}
		}
		return tx.Delete(KindClientCert, c.path.ClientCert)
	})
	if err != nil {
		return nil, err
	}
	return &DeleteClientCertificateOutput{}, nil
}
