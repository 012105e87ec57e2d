package server

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// The local CA's files, under DataDir/TLSDir. ca.pem is public (functions
// and clients trust it); ca-key.pem and server-key.pem are 0600 and never
// leave the data dir (0700), which no function sandbox can see.
const (
	TLSDir        = "tls"
	CACertFile    = "ca.pem"
	caKeyFile     = "ca-key.pem"
	serverCert    = "server.pem"
	serverKeyFile = "server-key.pem"

	caValidity   = 10 * 365 * 24 * time.Hour
	leafValidity = 365 * 24 * time.Hour
	// A leaf that expires within this is issued again at start.
	leafRenewBefore = 30 * 24 * time.Hour
)

// CACertPath is the local CA certificate of the data dir dataDir.
func CACertPath(dataDir string) string { return filepath.Join(dataDir, TLSDir, CACertFile) }

// TLSOptions configures the TLS listener's certificate.
type TLSOptions struct {
	// DataDir holds the local CA and the certificate issued from it.
	DataDir string
	// CertFile and KeyFile are the operator's PEM chain and key; when set
	// no CA is created and Names is unused.
	CertFile, KeyFile string
	// Names are the DNS names (wildcards allowed) and IP addresses the
	// issued certificate covers (ServerNames builds them).
	Names []string
	// Now is the clock (nil: time.Now).
	Now func() time.Time
}

// TLSConfig returns the TLS listener's configuration: TLS 1.2 at least,
// ALPN h2 and http/1.1, and the operator's certificate or one issued by
// the data dir's local CA (created on first use). It also returns the CA
// certificate's path, "" with the operator's certificate.
func TLSConfig(o TLSOptions) (*tls.Config, string, error) {
	var cert tls.Certificate
	caPath := ""
	if o.CertFile != "" || o.KeyFile != "" {
		c, err := tls.LoadX509KeyPair(o.CertFile, o.KeyFile)
		if err != nil {
			return nil, "", fmt.Errorf("--tls-cert/--tls-key: %w", err)
		}
		cert = c
	} else {
		now := time.Now
		if o.Now != nil {
			now = o.Now
		}
		ca, err := LoadOrCreateCA(o.DataDir, o.Names, now())
		if err != nil {
			return nil, "", err
		}
		c, err := ca.ServerCertificate(o.Names, now())
		if err != nil {
			return nil, "", err
		}
		cert, caPath = c, ca.CertPath
	}
	return &tls.Config{
		MinVersion:   tls.VersionTLS12,
		Certificates: []tls.Certificate{cert},
		NextProtos:   []string{"h2", "http/1.1"},
	}, caPath, nil
}

// Regions are the regions whose service hosts the issued certificate
// names: the public AWS regions (a certificate cannot say "every region";
// one wildcard covers one label).
var Regions = []string{
	"us-east-1", "us-east-2", "us-west-1", "us-west-2", "af-south-1", "ap-east-1", "ap-east-2",
	"ap-south-1", "ap-south-2", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3",
	"ap-southeast-4", "ap-southeast-5", "ap-southeast-7", "ap-northeast-1", "ap-northeast-2",
	"ap-northeast-3", "ca-central-1", "ca-west-1", "eu-central-1", "eu-central-2", "eu-west-1",
	"eu-west-2", "eu-west-3", "eu-south-1", "eu-south-2", "eu-north-1", "il-central-1",
	"me-south-1", "me-central-1", "mx-central-1", "sa-east-1",
}

// ServerNames are the names a generated certificate covers: localhost and
// the loopback addresses, extra (the operator's --tls-hostnames), and for
// the URL suffix's domain (its port dropped) the hosts gatehouse routes by
// name: {api}.execute-api.{region}.{domain}, {url}.lambda-url.{region}.{domain},
// s3.{domain}, {bucket}.s3.{domain} and their regional forms, for region
// and every region in Regions.
func ServerNames(urlSuffix, region string, extra []string) []string {
	names := []string{"localhost", "127.0.0.1", "::1"}
	names = append(names, extra...)
	domain := urlSuffix
	if h, _, err := net.SplitHostPort(urlSuffix); err == nil {
		domain = h
	}
	if domain != "" {
		regions := Regions
		if !slices.Contains(regions, region) && region != "" {
			regions = append([]string{region}, regions...)
		}
		names = append(names, "s3."+domain, "*.s3."+domain)
		for _, r := range regions {
			names = append(names, "*.execute-api."+r+"."+domain, "*.lambda-url."+r+"."+domain,
				"s3."+r+"."+domain, "*.s3."+r+"."+domain)
		}
	}
	var out []string
	for _, n := range names {
		n = strings.ToLower(n)
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}

// LocalCA is the data dir's certificate authority.
type LocalCA struct {
	Cert     *x509.Certificate
	CertPEM  []byte
	CertPath string
	key      *ecdsa.PrivateKey
	dir      string
}

// LoadOrCreateCA loads DataDir/tls's CA, or creates it (ECDSA P-256, ten
// years, key 0600). A new CA is name-constrained to the domains of names
// (and the loopback addresses, and IP addresses in names), so that a
// client trusting it trusts nothing else; an existing CA whose
// constraints do not cover names is an error that says what to do.
func LoadOrCreateCA(dataDir string, names []string, now time.Time) (*LocalCA, error) {
	dir := filepath.Join(dataDir, TLSDir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("tls: %w", err)
	}
	ca := &LocalCA{dir: dir, CertPath: filepath.Join(dir, CACertFile)}
	certPEM, cerr := os.ReadFile(ca.CertPath)
	keyPEM, kerr := os.ReadFile(filepath.Join(dir, caKeyFile))
	switch {
	case cerr == nil && kerr == nil:
		cert, key, err := parsePair(certPEM, keyPEM)
		if err != nil {
			return nil, fmt.Errorf("tls: local CA in %s: %w", dir, err)
		}
		ca.Cert, ca.CertPEM, ca.key = cert, certPEM, key
		if err := ca.permits(names); err != nil {
			return nil, fmt.Errorf("tls: the local CA in %s %w; move %s and %s away to create a new CA (clients must then trust the new one), or give --tls-cert and --tls-key",
				dir, err, CACertFile, caKeyFile)
		}
		return ca, nil
	case errors.Is(cerr, os.ErrNotExist) && errors.Is(kerr, os.ErrNotExist):
	case cerr != nil && !errors.Is(cerr, os.ErrNotExist):
		return nil, fmt.Errorf("tls: %w", cerr)
	case kerr != nil && !errors.Is(kerr, os.ErrNotExist):
		return nil, fmt.Errorf("tls: %w", kerr)
	default:
		return nil, fmt.Errorf("tls: %s holds only one of %s and %s", dir, CACertFile, caKeyFile)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	dns, ips := constraints(names)
	tmpl := &x509.Certificate{
		SerialNumber:                serial(),
		Subject:                     pkix.Name{CommonName: "gatehouse local CA " + now.UTC().Format("2006-01-02T15:04:05Z"), Organization: []string{"gatehouse"}},
		NotBefore:                   now.Add(-time.Hour),
		NotAfter:                    now.Add(caValidity),
		KeyUsage:                    x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid:       true,
		IsCA:                        true,
		MaxPathLenZero:              true,
		PermittedDNSDomainsCritical: true,
		PermittedDNSDomains:         dns,
		PermittedIPRanges:           ips,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	cert, _ := x509.ParseCertificate(der)
	ca.Cert, ca.key = cert, key
	ca.CertPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	// The key first: a cert without its key is never left behind.
	if err := WriteFileAtomic(filepath.Join(dir, caKeyFile), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		return nil, err
	}
	if err := WriteFileAtomic(ca.CertPath, ca.CertPEM, 0o644); err != nil {
		return nil, err
	}
	return ca, nil
}

// constraints are the permitted subtrees of a new CA: every DNS name of
// names without its wildcard, reduced to the shortest covering domains,
// and the loopback ranges plus each IP address of names.
func constraints(names []string) ([]string, []*net.IPNet) {
	ips := []*net.IPNet{
		{IP: net.IPv4(127, 0, 0, 0).To4(), Mask: net.CIDRMask(8, 32)},
		{IP: net.IPv6loopback, Mask: net.CIDRMask(128, 128)},
	}
	var doms []string
	for _, n := range names {
		if ip := net.ParseIP(n); ip != nil {
			bits := 128
			if ip4 := ip.To4(); ip4 != nil {
				ip, bits = ip4, 32
			}
			ips = append(ips, &net.IPNet{IP: ip, Mask: net.CIDRMask(bits, bits)})
			continue
		}
		doms = append(doms, strings.TrimPrefix(n, "*."))
	}
	// Drop a domain another one already covers ("s3.localhost" under
	// "localhost"), to keep the extension small.
	var out []string
	for _, d := range doms {
		covered := false
		for _, e := range doms {
			if e != d && strings.HasSuffix(d, "."+e) {
				covered = true
				break
			}
		}
		if !covered && !slices.Contains(out, d) {
			out = append(out, d)
		}
	}
	return out, ips
}

// permits reports an error naming the first of names the CA's name
// constraints exclude.
func (ca *LocalCA) permits(names []string) error {
	c := ca.Cert
	for _, n := range names {
		if ip := net.ParseIP(n); ip != nil {
			if len(c.PermittedIPRanges) == 0 {
				continue
			}
			ok := false
			for _, r := range c.PermittedIPRanges {
				ok = ok || r.Contains(ip)
			}
			if !ok {
				return fmt.Errorf("may not issue for %s", n)
			}
			continue
		}
		if len(c.PermittedDNSDomains) == 0 {
			continue
		}
		d, ok := strings.TrimPrefix(n, "*."), false
		for _, p := range c.PermittedDNSDomains {
			ok = ok || d == p || strings.HasSuffix(d, "."+p)
		}
		if !ok {
			return fmt.Errorf("may not issue for %s (it is limited to %s)", n, strings.Join(c.PermittedDNSDomains, ", "))
		}
	}
	return nil
}

// ServerCertificate returns the certificate the CA issued for names,
// reusing the one in the data dir unless its names differ, it was issued
// by another CA, or it expires within 30 days.
func (ca *LocalCA) ServerCertificate(names []string, now time.Time) (tls.Certificate, error) {
	certPath, keyPath := filepath.Join(ca.dir, serverCert), filepath.Join(ca.dir, serverKeyFile)
	if c, err := tls.LoadX509KeyPair(certPath, keyPath); err == nil && ca.current(c, names, now) {
		return c, nil
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: "gatehouse", Organization: []string{"gatehouse"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(leafValidity),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
	}
	for _, n := range names {
		if ip := net.ParseIP(n); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, n)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, &key.PublicKey, ca.key)
	if err != nil {
		return tls.Certificate{}, err
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return tls.Certificate{}, err
	}
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder})
	chain := append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), ca.CertPEM...)
	if err := WriteFileAtomic(keyPath, keyPEM, 0o600); err != nil {
		return tls.Certificate{}, err
	}
	if err := WriteFileAtomic(certPath, chain, 0o644); err != nil {
		return tls.Certificate{}, err
	}
	return tls.X509KeyPair(chain, keyPEM)
}

// current reports whether c is this CA's, names exactly names and is far
// from expiry.
func (ca *LocalCA) current(c tls.Certificate, names []string, now time.Time) bool {
	if len(c.Certificate) == 0 {
		return false
	}
	leaf, err := x509.ParseCertificate(c.Certificate[0])
	if err != nil || !bytes.Equal(leaf.RawIssuer, ca.Cert.RawSubject) || leaf.CheckSignatureFrom(ca.Cert) != nil {
		return false
	}
	if now.Add(leafRenewBefore).After(leaf.NotAfter) || now.Before(leaf.NotBefore) {
		return false
	}
	var have []string
	have = append(have, leaf.DNSNames...)
	for _, ip := range leaf.IPAddresses {
		have = append(have, ip.String())
	}
	want := make([]string, 0, len(names))
	for _, n := range names {
		if ip := net.ParseIP(n); ip != nil {
			n = ip.String()
		}
		want = append(want, n)
	}
	slices.Sort(have)
	slices.Sort(want)
	return slices.Equal(have, want)
}

func parsePair(certPEM, keyPEM []byte) (*x509.Certificate, *ecdsa.PrivateKey, error) {
	cb, _ := pem.Decode(certPEM)
	kb, _ := pem.Decode(keyPEM)
	if cb == nil || cb.Type != "CERTIFICATE" || kb == nil || kb.Type != "PRIVATE KEY" {
		return nil, nil, errors.New("not a PEM certificate and PKCS#8 key")
	}
	cert, err := x509.ParseCertificate(cb.Bytes)
	if err != nil {
		return nil, nil, err
	}
	k, err := x509.ParsePKCS8PrivateKey(kb.Bytes)
	if err != nil {
		return nil, nil, err
	}
	key, ok := k.(*ecdsa.PrivateKey)
	if !ok || !key.PublicKey.Equal(cert.PublicKey) || !cert.IsCA {
		return nil, nil, errors.New("the key does not belong to the CA certificate")
	}
	return cert, key, nil
}

func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		panic(err) // crypto/rand does not fail
	}
	return n
}

// WriteFileAtomic writes data to a temp file with mode, fsyncs it and
// renames it over path, then fsyncs the directory: a crash leaves the old
// file or the new one, never half of it. serve's generated credentials
// use it too.
func WriteFileAtomic(path string, data []byte, mode os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path))
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if err := f.Chmod(mode); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return err
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}
