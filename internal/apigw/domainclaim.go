package apigw

import (
	"context"
	"crypto"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// Custom domain names are one global namespace: the gateway routes a Host
// to the one account that owns it. Owning a name needs proof of control,
// as AWS needs a certificate for it (issue #12 item 10). A claim is one of:
const (
	// ClaimOperator: made by the operator, the root user of the default
	// account (the server's own account; it controls the flags anyway).
	ClaimOperator = "operator"
	// ClaimAllowed: the operator allows the name for the owner's account
	// (serve --domain-names ACCOUNT=PATTERN,...).
	ClaimAllowed = "allowed"
	// ClaimCertificate: the owner presented a certificate for the name,
	// with its private key, that chains to a CA the operator trusts
	// (serve --domain-ca FILE).
	ClaimCertificate = "certificate"
)

// Bounds of the certificate material of CreateDomainName.
const (
	maxPEMField   = 64 << 10
	maxChainCerts = 10
)

var labelRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

// CanonicalDomainName returns the canonical form of a custom domain name
// (ASCII, lower case, at least two LDH labels of at most 63 bytes, at most
// 253 bytes, no trailing dot), or false. Non-ASCII input is refused before
// any case folding, so no Unicode character folds into an ASCII one (K,
// U+212A, lowers to "k"); internationalized names are used in their
// punycode (xn--) form, as in DNS and TLS.
func CanonicalDomainName(s string) (string, bool) {
	if len(s) == 0 || len(s) > 253 {
		return "", false
	}
	b := []byte(s)
	for i, c := range b {
		switch {
		case c >= 0x80:
			return "", false
		case 'A' <= c && c <= 'Z':
			b[i] = c + ('a' - 'A')
		}
	}
	d := string(b)
	labels := strings.Split(d, ".")
	if len(labels) < 2 {
		return "", false
	}
	for _, l := range labels {
		if !labelRE.MatchString(l) {
			return "", false
		}
	}
	return d, true
}

// DomainPolicy decides which accounts may claim which custom domain names.
// The zero value (and nil) allows claims by the operator only.
type DomainPolicy struct {
	// Operator is the default account: its root user is the operator.
	Operator string
	allowed  map[string][]string // account → canonical patterns
	roots    *x509.CertPool      // nil: no certificate is trusted
}

// NewDomainPolicy parses the operator's allowances, each
// "ACCOUNT=PATTERN[,PATTERN]..." where a pattern is a domain name or
// "*." and a domain name (one more label of any value, as in a TLS
// wildcard), and the PEM bundle of the CAs it trusts for certificate
// claims (nil: none).
func NewDomainPolicy(operator string, allow []string, caPEM []byte) (*DomainPolicy, error) {
	p := &DomainPolicy{Operator: operator, allowed: map[string][]string{}}
	for _, spec := range allow {
		acct, pats, ok := strings.Cut(spec, "=")
		if !ok || !accountIDRE.MatchString(acct) {
			return nil, fmt.Errorf("--domain-names %q: want ACCOUNT=PATTERN[,PATTERN]... with a 12-digit account", spec)
		}
		for _, pat := range strings.Split(pats, ",") {
			name, wild := strings.CutPrefix(pat, "*.")
			c, ok := CanonicalDomainName(name)
			if !ok {
				return nil, fmt.Errorf("--domain-names %q: %q is not a domain name or *.domain", spec, pat)
			}
			if wild {
				c = "*." + c
			}
			p.allowed[acct] = append(p.allowed[acct], c)
		}
	}
	if len(caPEM) > 0 {
		p.roots = x509.NewCertPool()
		n := 0
		for rest := caPEM; ; {
			var blk *pem.Block
			blk, rest = pem.Decode(rest)
			if blk == nil {
				break
			}
			if blk.Type != "CERTIFICATE" {
				continue
			}
			cert, err := x509.ParseCertificate(blk.Bytes)
			if err != nil {
				return nil, fmt.Errorf("--domain-ca: %w", err)
			}
			p.roots.AddCert(cert)
			n++
		}
		if n == 0 {
			return nil, errors.New("--domain-ca: no PEM CERTIFICATE in the file")
		}
	}
	return p, nil
}

var accountIDRE = regexp.MustCompile(`^[0-9]{12}$`)

// Allowed reports whether the operator allows account to claim the
// canonical name.
func (p *DomainPolicy) Allowed(account, name string) bool {
	if p == nil {
		return false
	}
	for _, pat := range p.allowed[account] {
		if suffix, wild := strings.CutPrefix(pat, "*."); wild {
			// Exactly one label more, as a TLS wildcard.
			if label, rest, ok := strings.Cut(name, "."); ok && label != "" && rest == suffix {
				return true
			}
		} else if pat == name {
			return true
		}
	}
	return false
}

// errCertificate is the answer to certificate material that does not prove
// control of the name. The wording is gatehouse's: AWS validates uploaded
// certificates with messages that are not documented.
func errCertificate(format string, args ...any) error {
	return awserr.BadRequestException.Errorf("Invalid certificate: "+format, args...)
}

// verifyCertificate checks that body is a certificate for name, valid at
// now, for TLS servers, chaining through chain to a CA of the policy, and
// that key is its private key. It returns the PEM of the leaf and chain
// (never the key) to keep with the claim.
func (p *DomainPolicy) verifyCertificate(name, body, key, chain string, now time.Time) (string, error) {
	if p == nil || p.roots == nil {
		return "", errCertificate("this server trusts no certificate authority for domain names (serve --domain-ca)")
	}
	if body == "" || key == "" {
		return "", errCertificate("certificateBody and certificatePrivateKey are both required")
	}
	if len(body) > maxPEMField || len(key) > maxPEMField || len(chain) > maxPEMField {
		return "", errCertificate("certificateBody, certificatePrivateKey and certificateChain are limited to %d bytes each", maxPEMField)
	}
	leaves, err := parseCertificates(body, 1)
	if err != nil || len(leaves) != 1 {
		return "", errCertificate("certificateBody must be one PEM certificate")
	}
	leaf := leaves[0]
	inter, err := parseCertificates(chain, maxChainCerts)
	if err != nil {
		return "", errCertificate("certificateChain: %s", err.Error())
	}
	priv, err := parsePrivateKey(key)
	if err != nil {
		return "", errCertificate("certificatePrivateKey: %s", err.Error())
	}
	pub, ok := priv.Public().(interface{ Equal(crypto.PublicKey) bool })
	if !ok || !pub.Equal(leaf.PublicKey) {
		return "", errCertificate("the private key does not match the certificate")
	}
	pool := x509.NewCertPool()
	for _, c := range inter {
		pool.AddCert(c)
	}
	// Verify checks the chain to a trusted root, the validity period and
	// that a subject alternative name covers name (the common name is
	// ignored, as by every current TLS client).
	if _, err := leaf.Verify(x509.VerifyOptions{DNSName: name, Roots: p.roots, Intermediates: pool,
		CurrentTime: now, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}); err != nil {
		return "", errCertificate("%s", err.Error())
	}
	var out strings.Builder
	_ = pem.Encode(&out, &pem.Block{Type: "CERTIFICATE", Bytes: leaf.Raw})
	for _, c := range inter {
		_ = pem.Encode(&out, &pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
	}
	return out.String(), nil
}

// reverify checks a stored certificate claim again (at start: the CAs or
// the time may have changed).
func (p *DomainPolicy) reverify(name, certPEM string, now time.Time) error {
	certs, err := parseCertificates(certPEM, maxChainCerts+1)
	if err != nil || len(certs) == 0 {
		return errors.New("the stored certificate does not parse")
	}
	if p == nil || p.roots == nil {
		return errors.New("no --domain-ca is configured")
	}
	pool := x509.NewCertPool()
	for _, c := range certs[1:] {
		pool.AddCert(c)
	}
	_, err = certs[0].Verify(x509.VerifyOptions{DNSName: name, Roots: p.roots, Intermediates: pool,
		CurrentTime: now, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
	return err
}

// parseCertificates parses at most max PEM certificates and nothing else.
func parseCertificates(s string, max int) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	rest := []byte(s)
	for {
		var blk *pem.Block
		blk, rest = pem.Decode(rest)
		if blk == nil {
			break
		}
		if blk.Type != "CERTIFICATE" {
			return nil, fmt.Errorf("unexpected PEM block %q", echo(blk.Type))
		}
		if len(out) == max {
			return nil, fmt.Errorf("more than %d certificates", max)
		}
		c, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			return nil, errors.New("a certificate does not parse")
		}
		out = append(out, c)
	}
	if strings.TrimSpace(string(rest)) != "" {
		return nil, errors.New("trailing data after the PEM blocks")
	}
	return out, nil
}

// parsePrivateKey reads one unencrypted PEM private key (PKCS#8, PKCS#1
// RSA or SEC 1 EC).
func parsePrivateKey(s string) (crypto.Signer, error) {
	blk, rest := pem.Decode([]byte(s))
	if blk == nil || strings.TrimSpace(string(rest)) != "" {
		return nil, errors.New("must be one PEM private key")
	}
	var k any
	var err error
	switch blk.Type {
	case "PRIVATE KEY":
		k, err = x509.ParsePKCS8PrivateKey(blk.Bytes)
	case "RSA PRIVATE KEY":
		k, err = x509.ParsePKCS1PrivateKey(blk.Bytes)
	case "EC PRIVATE KEY":
		k, err = x509.ParseECPrivateKey(blk.Bytes)
	default:
		return nil, fmt.Errorf("unsupported PEM block %q", echo(blk.Type))
	}
	if err != nil {
		return nil, errors.New("the key does not parse")
	}
	signer, ok := k.(crypto.Signer)
	if !ok {
		return nil, errors.New("unsupported key type")
	}
	return signer, nil
}

// claim decides how the caller proves control of name, or refuses.
func (s *Service) claim(c *call, name string, in *createDomainIn) (kind, cert string, err error) {
	if in.CertificateBody != "" || in.CertificatePrivateKey != "" || in.CertificateChain != "" {
		cert, err := s.domains.verifyCertificate(name, in.CertificateBody, in.CertificatePrivateKey, in.CertificateChain, s.now())
		if err != nil {
			return "", "", err
		}
		return ClaimCertificate, cert, nil
	}
	if c.caller.Operator {
		return ClaimOperator, "", nil
	}
	if s.domains.Allowed(c.caller.Account, name) {
		return ClaimAllowed, "", nil
	}
	return "", "", awserr.BadRequestException.Errorf("Domain name %s is not allowed for account %s: prove control of it with certificateBody, certificatePrivateKey and certificateChain "+
		"(a certificate for the name from a certificate authority the operator trusts), or ask the operator to allow it (gatehouse serve --domain-names)", name, c.caller.Account)
}

// RoutableDomains returns the owner account of every custom domain name
// the gateway may route: stored under its canonical name with a claim.
// Anything else (a record from before claims were checked, or whose claim
// was revoked at start) is never routed.
func RoutableDomains(r store.Reader) (map[string]string, error) {
	recs, err := r.List(KindDomain, "")
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(recs))
	for _, rec := range recs {
		var d DomainRecord
		if err := json.Unmarshal(rec.Value, &d); err != nil {
			return nil, err
		}
		if c, ok := CanonicalDomainName(rec.Key); !ok || c != rec.Key || d.Domain.DomainName != rec.Key || d.Claim == "" {
			continue
		}
		out[rec.Key] = d.Account
	}
	return out, nil
}

// ReconcileDomains checks every stored claim against the current policy at
// start and withdraws (from routing, not from the owner) those that no
// longer hold: an allowance the operator removed, a certificate that no
// longer verifies. Records from before claims were checked are routed only
// if the operator allows them now (closed on doubt: their creator proved
// nothing). Every record left unrouted is logged with how to fix it.
func (s *Service) ReconcileDomains(ctx context.Context) error {
	_, err := s.st.Update(ctx, func(tx store.Tx) error {
		recs, err := tx.List(KindDomain, "")
		if err != nil {
			return err
		}
		sort.Slice(recs, func(i, j int) bool { return recs[i].Key < recs[j].Key })
		for _, rec := range recs {
			var d DomainRecord
			if err := json.Unmarshal(rec.Value, &d); err != nil {
				return fmt.Errorf("domain %s: %w", rec.Key, err)
			}
			name, ok := CanonicalDomainName(rec.Key)
			if !ok || name != rec.Key {
				s.log.Warn("custom domain name is not routed: not in canonical form; its owner can no longer address it, delete it from the store or re-create it in lower case",
					"domain", rec.Key, "account", d.Account)
				continue
			}
			claim, why := s.recheck(&d, name)
			if claim == d.Claim {
				if claim == "" {
					s.log.Warn("custom domain name is not routed: "+why, "domain", name, "account", d.Account)
				}
				continue
			}
			if claim == "" {
				s.log.Warn("custom domain name is no longer routed: "+why, "domain", name, "account", d.Account, "claim", d.Claim)
			} else {
				s.log.Info("custom domain name is routed again: the operator allows it", "domain", name, "account", d.Account)
			}
			d.Claim = claim
			if err := putJSON(tx, KindDomain, rec.Key, &d); err != nil {
				return err
			}
		}
		return nil
	})
	return err
}

// recheck returns the claim d holds under the current policy ("" for none)
// and, when none, why.
func (s *Service) recheck(d *DomainRecord, name string) (string, string) {
	fix := fmt.Sprintf("allow it with --domain-names %s=%s, or delete it and re-create it with a certificate", d.Account, name)
	switch d.Claim {
	case ClaimOperator:
		if s.domains != nil && d.Account == s.domains.Operator {
			return ClaimOperator, ""
		}
	case ClaimCertificate:
		err := s.domains.reverify(name, d.Certificate, s.now())
		if err == nil {
			return ClaimCertificate, ""
		}
		if s.domains.Allowed(d.Account, name) {
			return ClaimAllowed, ""
		}
		return "", "its certificate no longer verifies (" + err.Error() + "); " + fix
	}
	if s.domains.Allowed(d.Account, name) {
		return ClaimAllowed, ""
	}
	if d.Claim == "" {
		return "", "it was created before gatehouse checked who may claim a domain name; " + fix
	}
	return "", "the operator no longer allows it; " + fix
}
