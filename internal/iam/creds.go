package iam

import (
	"bytes"
	"crypto/md5"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"sort"
	"strings"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// A user's other credentials: SSH public keys (CodeCommit), X.509 signing
// certificates, and service-specific credentials (CodeCommit Git and
// Keyspaces passwords). None signs requests to gatehouse; they are kept,
// listed and removed as AWS does, and a user who has any cannot be deleted
// until they are. Each kind is stored under ACCOUNT/USER-ID/ID: a rename
// keeps the user's id, so nothing moves.

const (
	kindSSHKey      = "iam/sshkey"
	kindSigningCert = "iam/signingcert"
	kindSvcCred     = "iam/svccred"
)

// UserCredential is one such credential.
type UserCredential struct {
	Account  string    `json:"account"`
	UserID   string    `json:"user_id"`
	ID       string    `json:"id"`
	Status   string    `json:"status"`
	Created  time.Time `json:"created"`
	Body     string    `json:"body,omitempty"`     // SSH key (ssh-rsa form) or certificate PEM
	Finger   string    `json:"finger,omitempty"`   // SSH key MD5 fingerprint
	Service  string    `json:"service,omitempty"`  // service-specific: the service
	SvcUser  string    `json:"svc_user,omitempty"` // service-specific: its user name
	Password string    `json:"password,omitempty"` // service-specific: sealed with the master key
	Expires  time.Time `json:"expires,omitzero"`
}

func credKey(u *UserEntry, id string) string { return u.Account + "/" + u.ID + "/" + id }

func userCreds(r store.Reader, kind string, u *User) ([]*UserCredential, error) {
	recs, err := r.List(kind, u.Account+"/"+u.ID+"/")
	if err != nil {
		return nil, err
	}
	out := make([]*UserCredential, 0, len(recs))
	for _, rec := range recs {
		v := new(UserCredential)
		if err := json.Unmarshal(rec.Value, v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Created.Equal(out[j].Created) {
			return out[i].Created.Before(out[j].Created)
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

// credTarget resolves UserName (the caller when omitted) and the
// credential id parameter, and loads the credential in r.
func (c *call) credTarget(kind, userName, id, idMember string, notFound func(string) error) (*UserEntry, string, error) {
	u, err := c.userTarget(userName, false, nil)
	if err != nil {
		return nil, "", err
	}
	if id == "" {
		return nil, "", validation("", idMember, "Member must not be null")
	}
	if len(id) > 128 || strings.ContainsAny(id, "/") {
		return nil, "", validation(id, idMember, `Member must satisfy regular expression pattern: [\w]+`)
	}
	return u, credKey(u, id), nil
}

func (c *call) status(status, member string) (string, error) {
	switch v := status; v {
	case "Active", "Inactive", "Expired":
		if v == "Expired" && member != "status-expired-ok" {
			break
		}
		return v, nil
	case "":
		return "", validation("", "status", "Member must not be null")
	}
	return "", validation(status, "status", "Member must satisfy enum value set: [Active, Inactive]")
}

func (c *call) updateCredStatus(kind, userName, id, status, idMember string, notFound func(string) error) (*noOutput, error) {
	u, key, err := c.credTarget(kind, userName, id, idMember, notFound)
	if err != nil {
		return done(err)
	}
	st, err := c.status(status, "status")
	if err != nil {
		return done(err)
	}
	return done(c.update(func(tx store.Tx) error {
		cr, err := getJSON[UserCredential](tx, kind, key)
		if err != nil || cr == nil {
			return firstErr(err, notFound(id))
		}
		_ = u
		cr.Status = st
		return putJSON(tx, kind, key, cr)
	}))
}

func (c *call) deleteCred(kind, userName, id, idMember string, notFound func(string) error) (*noOutput, error) {
	_, key, err := c.credTarget(kind, userName, id, idMember, notFound)
	if err != nil {
		return done(err)
	}
	return done(c.update(func(tx store.Tx) error {
		if err := tx.Delete(kind, key); err == store.ErrNotFound {
			return notFound(id)
		} else {
			return err
		}
	}))
}

// addCred stores a new credential of u after checking the per-user quota
// and duplicates (dup returns the error for an equal one, or nil).
func (c *call) addCred(kind string, u *UserEntry, cr *UserCredential, quota int, quotaName string, same func(a, b *UserCredential) bool, dup error) error {
	return c.update(func(tx store.Tx) error {
		have, err := userCreds(tx, kind, &u.User)
		if err != nil {
			return err
		}
		n := 0
		for _, h := range have {
			if same != nil && same(h, cr) {
				return dup
			}
			if cr.Service == "" || h.Service == cr.Service {
				n++
			}
		}
		if n >= quota {
			return awserr.LimitExceeded.Errorf("Cannot exceed quota for %s: %d", quotaName, quota)
		}
		return createJSON(tx, kind, credKey(u, cr.ID), cr)
	})
}

// --- SSH public keys

func noSuchSSHKey(id string) error {
	return awserr.NoSuchEntity.Errorf("The Public Key with id %s cannot be found.", id)
}

// parseSSHKey accepts an RSA public key in OpenSSH ("ssh-rsa AAAA...")
// or PEM (PKIX) form, of at least 2048 bits, as IAM does, and returns its
// SSH wire encoding.
func parseSSHKey(body string) ([]byte, error) {
	body = strings.TrimSpace(body)
	unrecognized := awserr.UnrecognizedPublicKeyEncoding.New("Unrecognized public key encoding.")
	var n *big.Int
	var e int
	if blk, _ := pem.Decode([]byte(body)); blk != nil {
		k, err := x509.ParsePKIXPublicKey(blk.Bytes)
		if err != nil {
			return nil, unrecognized
		}
		rk, ok := k.(*rsa.PublicKey)
		if !ok {
			return nil, awserr.InvalidPublicKey.New("The public key is not an RSA key.")
		}
		n, e = rk.N, rk.E
	} else {
		f := strings.Fields(body)
		if len(f) < 2 || f[0] != "ssh-rsa" {
			return nil, unrecognized
		}
		blob, err := base64.StdEncoding.DecodeString(f[1])
		if err != nil {
			return nil, unrecognized
		}
		parts, ok := sshStrings(blob, 3)
		if !ok || string(parts[0]) != "ssh-rsa" {
			return nil, unrecognized
		}
		ev := new(big.Int).SetBytes(parts[1])
		if !ev.IsInt64() {
			return nil, awserr.InvalidPublicKey.New("The public key is not valid.")
		}
		n, e = new(big.Int).SetBytes(parts[2]), int(ev.Int64())
	}
	if n.BitLen() < 2048 {
		return nil, awserr.InvalidPublicKey.New("The public key must be at least 2048 bits long.")
	}
	return sshRSABlob(e, n), nil
}

// sshStrings splits the first k length-prefixed strings of an SSH blob.
func sshStrings(b []byte, k int) ([][]byte, bool) {
	var out [][]byte
	for range k {
		if len(b) < 4 {
			return nil, false
		}
		l := binary.BigEndian.Uint32(b)
		if uint64(len(b)-4) < uint64(l) {
			return nil, false
		}
		out = append(out, b[4:4+l])
		b = b[4+l:]
	}
	return out, len(b) == 0
}

func sshRSABlob(e int, n *big.Int) []byte {
	var b bytes.Buffer
	put := func(p []byte) { binary.Write(&b, binary.BigEndian, uint32(len(p))); b.Write(p) }
	mpint := func(x *big.Int) []byte {
		p := x.Bytes()
		if len(p) > 0 && p[0]&0x80 != 0 {
			p = append([]byte{0}, p...)
		}
		return p
	}
	put([]byte("ssh-rsa"))
	put(mpint(big.NewInt(int64(e))))
	put(mpint(n))
	return b.Bytes()
}

func md5Fingerprint(blob []byte) string {
	sum := md5.Sum(blob)
	parts := make([]string, len(sum))
	for i, b := range sum {
		parts[i] = fmt.Sprintf("%02x", b)
	}
	return strings.Join(parts, ":")
}

func sshPEM(blob []byte) string {
	parts, _ := sshStrings(blob, 3)
	k := &rsa.PublicKey{E: int(new(big.Int).SetBytes(parts[1]).Int64()), N: new(big.Int).SetBytes(parts[2])}
	der, _ := x509.MarshalPKIXPublicKey(k)
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

type xmlSSHKey struct {
	UserName         string
	SSHPublicKeyId   string
	Fingerprint      string `xml:",omitempty"`
	SSHPublicKeyBody string `xml:",omitempty"`
	Status           string
	UploadDate       string
}

func opUploadSSHPublicKey(c *call, in *uploadSSHPublicKeyIn) (*uploadSSHPublicKeyOut, error) {
	u, err := c.userTarget(in.UserName, true, nil)
	if err != nil {
		return nil, err
	}
	body := in.SSHPublicKeyBody
	if len(body) < 1 || len(body) > 16384 {
		return nil, validation("", "sSHPublicKeyBody", "Member must have length between 1 and 16384")
	}
	blob, err := parseSSHKey(body)
	if err != nil {
		return nil, err
	}
	cr := &UserCredential{Account: u.Account, UserID: u.ID, ID: NewID("APKA", u.Account, 21), Status: "Active", Created: c.s.now().UTC(),
		Body: "ssh-rsa " + base64.StdEncoding.EncodeToString(blob), Finger: md5Fingerprint(blob)}
	err = c.addCred(kindSSHKey, u, cr, 5, "SSHPublicKeysPerUser", func(a, b *UserCredential) bool { return a.Finger == b.Finger },
		awserr.DuplicateSSHPublicKey.New("The public key is already associated with the user."))
	if err != nil {
		return nil, err
	}
	return &uploadSSHPublicKeyOut{xmlSSHKey{u.Name, cr.ID, cr.Finger, cr.Body, cr.Status, isoTime(cr.Created)}}, nil
}

func opGetSSHPublicKey(c *call, in *getSSHPublicKeyIn) (*getSSHPublicKeyOut, error) {
	u, key, err := c.credTarget(kindSSHKey, in.UserName, in.SSHPublicKeyId, "sSHPublicKeyId", noSuchSSHKey)
	if err != nil {
		return nil, err
	}
	enc := in.Encoding
	if enc != "SSH" && enc != "PEM" {
		return nil, validation(enc, "encoding", "Member must satisfy enum value set: [SSH, PEM]")
	}
	var cr *UserCredential
	if err := c.view(func(r store.Reader) (err error) { cr, err = getJSON[UserCredential](r, kindSSHKey, key); return err }); err != nil {
		return nil, err
	}
	if cr == nil {
		return nil, noSuchSSHKey(in.SSHPublicKeyId)
	}
	body := cr.Body
	if enc == "PEM" {
		blob, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(body, "ssh-rsa "))
		body = sshPEM(blob)
	}
	return &getSSHPublicKeyOut{xmlSSHKey{u.Name, cr.ID, cr.Finger, body, cr.Status, isoTime(cr.Created)}}, nil
}

func opListSSHPublicKeys(c *call, in *listSSHPublicKeysIn) (*listSSHPublicKeysOut, error) {
	u, err := c.userTarget(in.UserName, false, nil)
	if err != nil {
		return nil, err
	}
	var crs []*UserCredential
	if err := c.view(func(r store.Reader) (err error) { crs, err = userCreds(r, kindSSHKey, &u.User); return err }); err != nil {
		return nil, err
	}
	pg, marker, trunc, err := page(in.Marker, in.MaxItems, crs, func(x *UserCredential) string { return x.Created.Format(time.RFC3339Nano) + x.ID })
	if err != nil {
		return nil, err
	}
	out := make([]xmlSSHKey, len(pg))
	for i, cr := range pg {
		out[i] = xmlSSHKey{UserName: u.Name, SSHPublicKeyId: cr.ID, Status: cr.Status, UploadDate: isoTime(cr.Created)}
	}
	return &listSSHPublicKeysOut{list(out), trunc, marker}, nil
}

func opUpdateSSHPublicKey(c *call, in *updateSSHPublicKeyIn) (*noOutput, error) {
	return c.updateCredStatus(kindSSHKey, in.UserName, in.SSHPublicKeyId, in.Status, "sSHPublicKeyId", noSuchSSHKey)
}

func opDeleteSSHPublicKey(c *call, in *deleteSSHPublicKeyIn) (*noOutput, error) {
	return c.deleteCred(kindSSHKey, in.UserName, in.SSHPublicKeyId, "sSHPublicKeyId", noSuchSSHKey)
}

// --- Signing certificates

func noSuchSigningCert(id string) error {
	return awserr.NoSuchEntity.Errorf("The Certificate with id %s cannot be found.", id)
}

func parseCertPEM(body string) (*x509.Certificate, error) {
	blk, _ := pem.Decode([]byte(strings.TrimSpace(body)))
	if blk == nil || blk.Type != "CERTIFICATE" {
		return nil, awserr.MalformedCertificate.New("Certificate body is malformed.")
	}
	cert, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		return nil, awserr.MalformedCertificate.New("Certificate body is malformed.")
	}
	return cert, nil
}

type xmlSigningCert struct {
	UserName        string
	CertificateId   string
	CertificateBody string
	Status          string
	UploadDate      string
}

func opUploadSigningCertificate(c *call, in *uploadSigningCertificateIn) (*uploadSigningCertificateOut, error) {
	u, err := c.userTarget(in.UserName, false, nil)
	if err != nil {
		return nil, err
	}
	body := in.CertificateBody
	if len(body) < 1 || len(body) > 16384 {
		return nil, validation("", "certificateBody", "Member must have length between 1 and 16384")
	}
	cert, err := parseCertPEM(body)
	if err != nil {
		return nil, err
	}
	if c.s.now().After(cert.NotAfter) {
		return nil, awserr.InvalidCertificate.New("The certificate has expired.")
	}
	// The id is derived from the certificate, so a second upload of the
	// same one is recognized.
	sum := md5.Sum(cert.Raw)
	id := strings.ToUpper(fmt.Sprintf("%x", sum[:]))
	cr := &UserCredential{Account: u.Account, UserID: u.ID, ID: id, Status: "Active", Created: c.s.now().UTC(), Body: body}
	err = c.addCred(kindSigningCert, u, cr, 2, "CertificatesPerUser", func(a, b *UserCredential) bool { return a.ID == b.ID },
		awserr.DuplicateCertificate.Errorf("The Certificate with id %s already exists.", id))
	if err != nil {
		return nil, err
	}
	return &uploadSigningCertificateOut{xmlSigningCert{u.Name, cr.ID, cr.Body, cr.Status, isoTime(cr.Created)}}, nil
}

func opListSigningCertificates(c *call, in *listSigningCertificatesIn) (*listSigningCertificatesOut, error) {
	u, err := c.userTarget(in.UserName, false, nil)
	if err != nil {
		return nil, err
	}
	var crs []*UserCredential
	if err := c.view(func(r store.Reader) (err error) { crs, err = userCreds(r, kindSigningCert, &u.User); return err }); err != nil {
		return nil, err
	}
	out := make([]xmlSigningCert, len(crs))
	for i, cr := range crs {
		out[i] = xmlSigningCert{u.Name, cr.ID, cr.Body, cr.Status, isoTime(cr.Created)}
	}
	pg, marker, trunc, err := page(in.Marker, in.MaxItems, out, func(x xmlSigningCert) string { return x.UploadDate + x.CertificateId })
	if err != nil {
		return nil, err
	}
	return &listSigningCertificatesOut{list(pg), trunc, marker}, nil
}

func opUpdateSigningCertificate(c *call, in *updateSigningCertificateIn) (*noOutput, error) {
	return c.updateCredStatus(kindSigningCert, in.UserName, in.CertificateId, in.Status, "certificateId", noSuchSigningCert)
}

func opDeleteSigningCertificate(c *call, in *deleteSigningCertificateIn) (*noOutput, error) {
	return c.deleteCred(kindSigningCert, in.UserName, in.CertificateId, "certificateId", noSuchSigningCert)
}

// --- Service-specific credentials

// The services IAM issues these for (ServiceNotSupportedException names
// any other).
var svcCredServices = map[string]bool{"codecommit.amazonaws.com": true, "cassandra.amazonaws.com": true, "bedrock.amazonaws.com": true}

func noSuchSvcCred(id string) error {
	return awserr.NoSuchEntity.Errorf("No such credential %s exists", id)
}

type xmlSvcCred struct {
	CreateDate                  string
	ExpirationDate              string `xml:",omitempty"`
	ServiceName                 string
	ServiceUserName             string `xml:",omitempty"`
	ServicePassword             string `xml:",omitempty"`
	ServiceCredentialAlias      string `xml:",omitempty"`
	ServiceCredentialSecret     string `xml:",omitempty"`
	ServiceSpecificCredentialId string
	UserName                    string
	Status                      string
}

func newServicePassword() string {
	b := make([]byte, 33)
	_, _ = rand.Read(b)
	return base64.StdEncoding.EncodeToString(b) // 44 characters
}

func (c *call) svcCredXML(u *UserEntry, cr *UserCredential, withSecret bool) xmlSvcCred {
	x := xmlSvcCred{CreateDate: isoTime(cr.Created), ServiceName: cr.Service, ServiceSpecificCredentialId: cr.ID, UserName: u.Name, Status: cr.Status}
	if !cr.Expires.IsZero() {
		x.ExpirationDate = isoTime(cr.Expires)
	}
	// Bedrock's are API keys (an alias and a secret); the others a user
	// name and password.
	if cr.Service == "bedrock.amazonaws.com" {
		x.ServiceCredentialAlias = cr.SvcUser
	} else {
		x.ServiceUserName = cr.SvcUser
	}
	if withSecret {
		pw, err := c.s.box.Open(cr.Password, "svccred/"+cr.ID)
		if err == nil {
			if cr.Service == "bedrock.amazonaws.com" {
				x.ServiceCredentialSecret = pw
			} else {
				x.ServicePassword = pw
			}
		}
	}
	return x
}

func opCreateServiceSpecificCredential(c *call, in *createServiceSpecificCredentialIn) (*createServiceSpecificCredentialOut, error) {
	u, err := c.userTarget(in.UserName, true, nil)
	if err != nil {
		return nil, err
	}
	svc := in.ServiceName
	if svc == "" {
		return nil, validation("", "serviceName", "Member must not be null")
	}
	days, err := intParam(in.CredentialAgeDays, "credentialAgeDays", 0, 1, 36600)
	if err != nil {
		return nil, err
	}
	if !svcCredServices[svc] {
		return nil, awserr.NotSupportedService.Errorf("No such service %s is supported for Service Specific Credentials", svc)
	}
	now := c.s.now().UTC()
	cr := &UserCredential{Account: u.Account, UserID: u.ID, ID: NewID("ACCA", u.Account, 21), Status: "Active", Created: now,
		Service: svc, SvcUser: u.Name + "-at-" + u.Account}
	if days > 0 {
		cr.Expires = now.Add(time.Duration(days) * 24 * time.Hour)
	}
	cr.Password = c.s.box.Seal(newServicePassword(), "svccred/"+cr.ID)
	if err := c.addCred(kindSvcCred, u, cr, 2, "ServiceSpecificCredentialsPerUserPerService", nil, nil); err != nil {
		return nil, err
	}
	return &createServiceSpecificCredentialOut{c.svcCredXML(u, cr, true)}, nil
}

func opListServiceSpecificCredentials(c *call, in *listServiceSpecificCredentialsIn) (*listServiceSpecificCredentialsOut, error) {
	u, err := c.userTarget(in.UserName, false, nil)
	if err != nil {
		return nil, err
	}
	svc := in.ServiceName
	var crs []*UserCredential
	if err := c.view(func(r store.Reader) (err error) { crs, err = userCreds(r, kindSvcCred, &u.User); return err }); err != nil {
		return nil, err
	}
	out := []xmlSvcCred{}
	for _, cr := range crs {
		if svc == "" || cr.Service == svc {
			out = append(out, c.svcCredXML(u, cr, false))
		}
	}
	return &listServiceSpecificCredentialsOut{list(out), false}, nil
}

func opResetServiceSpecificCredential(c *call, in *resetServiceSpecificCredentialIn) (*resetServiceSpecificCredentialOut, error) {
	u, key, err := c.credTarget(kindSvcCred, in.UserName, in.ServiceSpecificCredentialId, "serviceSpecificCredentialId", noSuchSvcCred)
	if err != nil {
		return nil, err
	}
	var out *UserCredential
	err = c.update(func(tx store.Tx) error {
		cr, err := getJSON[UserCredential](tx, kindSvcCred, key)
		if err != nil || cr == nil {
			return firstErr(err, noSuchSvcCred(in.ServiceSpecificCredentialId))
		}
		cr.Password = c.s.box.Seal(newServicePassword(), "svccred/"+cr.ID)
		out = cr
		return putJSON(tx, kindSvcCred, key, cr)
	})
	if err != nil {
		return nil, err
	}
	return &resetServiceSpecificCredentialOut{c.svcCredXML(u, out, true)}, nil
}

func opUpdateServiceSpecificCredential(c *call, in *updateServiceSpecificCredentialIn) (*noOutput, error) {
	return c.updateCredStatus(kindSvcCred, in.UserName, in.ServiceSpecificCredentialId, in.Status, "serviceSpecificCredentialId", noSuchSvcCred)
}

func opDeleteServiceSpecificCredential(c *call, in *deleteServiceSpecificCredentialIn) (*noOutput, error) {
	return c.deleteCred(kindSvcCred, in.UserName, in.ServiceSpecificCredentialId, "serviceSpecificCredentialId", noSuchSvcCred)
}

type uploadSSHPublicKeyOut struct {
	SSHPublicKey xmlSSHKey
}

type uploadSSHPublicKeyIn struct {
	SSHPublicKeyBody string
	UserName         string
}

type getSSHPublicKeyOut struct {
	SSHPublicKey xmlSSHKey
}

type getSSHPublicKeyIn struct {
	Encoding       string
	SSHPublicKeyId string
	UserName       string
}

type listSSHPublicKeysOut struct {
	SSHPublicKeys *members[xmlSSHKey]
	IsTruncated   bool
	Marker        string "xml:\",omitempty\""
}

type listSSHPublicKeysIn struct {
	Marker   string
	MaxItems string
	UserName string
}

type updateSSHPublicKeyIn struct {
	UserName       string
	SSHPublicKeyId string
	Status         string
}

type deleteSSHPublicKeyIn struct {
	UserName       string
	SSHPublicKeyId string
}

type uploadSigningCertificateOut struct {
	Certificate xmlSigningCert
}

type uploadSigningCertificateIn struct {
	CertificateBody string
	UserName        string
}

type listSigningCertificatesOut struct {
	Certificates *members[xmlSigningCert]
	IsTruncated  bool
	Marker       string "xml:\",omitempty\""
}

type listSigningCertificatesIn struct {
	Marker   string
	MaxItems string
	UserName string
}

type updateSigningCertificateIn struct {
	UserName      string
	CertificateId string
	Status        string
}

type deleteSigningCertificateIn struct {
	UserName      string
	CertificateId string
}

type createServiceSpecificCredentialOut struct {
	ServiceSpecificCredential xmlSvcCred
}

type createServiceSpecificCredentialIn struct {
	ServiceName       string
	UserName          string
	CredentialAgeDays string
}

type listServiceSpecificCredentialsOut struct {
	ServiceSpecificCredentials *members[xmlSvcCred]
	IsTruncated                bool
}

type listServiceSpecificCredentialsIn struct {
	ServiceName string
	UserName    string
}

type resetServiceSpecificCredentialOut struct {
	ServiceSpecificCredential xmlSvcCred
}

type resetServiceSpecificCredentialIn struct {
	ServiceSpecificCredentialId string
	UserName                    string
}

type updateServiceSpecificCredentialIn struct {
	UserName                    string
	ServiceSpecificCredentialId string
	Status                      string
}

type deleteServiceSpecificCredentialIn struct {
	UserName                    string
	ServiceSpecificCredentialId string
}
