package sts

import (
	"context"
	"crypto/sha1"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// oidcCache fetches and caches each issuer's discovery document and JWKS.
// Keys are refreshed after keyTTL, or sooner when a token names an unknown
// kid (at most once per refreshGap, so bad tokens cannot hammer the IdP).
//
// Trust follows IAM (spec/sts.md §4.2, IAM User Guide "Obtain the
// thumbprint for an OpenID Connect identity provider"): a connection is
// first verified against the client's roots (the system's, or a bundle the
// operator configured); only when no root vouches for the server does the
// provider's thumbprint list apply, and then the server's chain must verify
// (crypto/x509: signatures, validity, host name, key usage) up to a
// certificate with one of the thumbprints.
type oidcCache struct {
	base *http.Client // transport, roots and timeout; its redirect policy is replaced
	now  func() time.Time

	mu      sync.Mutex
	issuers map[string]*issuerKeys // by issuer and trust (cacheKey)
}

type issuerKeys struct {
	mu      sync.Mutex
	keys    *jose.JSONWebKeySet
	fetched time.Time
	tried   time.Time
}

const (
	keyTTL     = time.Hour
	refreshGap = 10 * time.Second
	maxDocSize = 1 << 20
	// fetchTimeout bounds one key retrieval: discovery and JWKS, with
	// the thumbprint retry. getJSON bounds each request to requestTimeout.
	fetchTimeout   = 15 * time.Second
	requestTimeout = 10 * time.Second
	// maxRedirects bounds the same-host redirects of one request.
	maxRedirects = 5
	// maxIssuers bounds the cache: entries are per provider and trust
	// list, which only authenticated IAM calls create, but a churn of
	// UpdateOpenIDConnectProviderThumbprint must not grow it for ever.
	maxIssuers = 4096
)

func newOIDCCache(c *http.Client, now func() time.Time) *oidcCache {
	return &oidcCache{base: c, now: now, issuers: map[string]*issuerKeys{}}
}

var errNoKey = errors.New("no verification key")

// cacheKey names what a key set was fetched for: the issuer and the trust
// it was fetched under. Keys fetched under one provider's thumbprints are
// never served to another provider of the same issuer that lists other
// thumbprints (another account's provider must not vouch for this one's).
func cacheKey(issuer string, thumbprints []string) string {
	tps := make([]string, len(thumbprints))
	for i, t := range thumbprints {
		tps[i] = strings.ToLower(t)
	}
	sort.Strings(tps)
	return canonicalIssuer(issuer) + "\x00" + strings.Join(tps, ",")
}

// canonicalIssuer lower-cases an issuer URL's host (host names are
// case-insensitive; paths are not) and drops trailing slashes.
func canonicalIssuer(issuer string) string {
	rest := strings.TrimRight(strings.TrimPrefix(issuer, "https://"), "/")
	host, path, _ := strings.Cut(rest, "/")
	if path != "" {
		path = "/" + path
	}
	return "https://" + strings.ToLower(host) + path
}

// sameIssuer reports whether two issuer URLs name the same issuer.
func sameIssuer(a, b string) bool { return canonicalIssuer(a) == canonicalIssuer(b) }

// key returns the issuer's key with kid (any key usable for signing
// verification when kid is empty and the set has exactly one). issuer is
// the provider's registered URL.
func (o *oidcCache) key(ctx context.Context, issuer, kid string, thumbprints []string) (*jose.JSONWebKey, error) {
	ck := cacheKey(issuer, thumbprints)
	o.mu.Lock()
	ik := o.issuers[ck]
	if ik == nil {
		if len(o.issuers) >= maxIssuers {
			for k := range o.issuers { // evict one at random
				delete(o.issuers, k)
				break
			}
		}
		ik = &issuerKeys{}
		o.issuers[ck] = ik
	}
	o.mu.Unlock()

	ik.mu.Lock()
	defer ik.mu.Unlock()
	now := o.now()
	if ik.keys != nil && now.Sub(ik.fetched) < keyTTL {
		if k := pick(ik.keys, kid); k != nil {
			return k, nil
		}
	}
	if ik.keys == nil || now.Sub(ik.tried) >= refreshGap {
		ik.tried = now
		ks, err := o.fetch(ctx, issuer, thumbprints)
		if err != nil {
			if ik.keys == nil {
				return nil, err
			}
		} else {
			ik.keys, ik.fetched = ks, now
		}
	}
	if ik.keys != nil {
		if k := pick(ik.keys, kid); k != nil {
			return k, nil
		}
	}
	return nil, errNoKey
}

func pick(ks *jose.JSONWebKeySet, kid string) *jose.JSONWebKey {
	if kid != "" {
		for i := range ks.Keys {
			if ks.Keys[i].KeyID == kid && ks.Keys[i].Use != "enc" {
				return &ks.Keys[i]
			}
		}
		return nil
	}
	if len(ks.Keys) == 1 {
		return &ks.Keys[0]
	}
	return nil
}

// fetch retrieves issuer's keys. Each connection (discovery, JWKS) is
// trusted on its own: if its chain verifies to the client's roots, or,
// failing that, to a certificate with one of the provider's thumbprints.
func (o *oidcCache) fetch(ctx context.Context, issuer string, thumbprints []string) (*jose.JSONWebKeySet, error) {
	ctx, cancel := context.WithTimeout(ctx, fetchTimeout)
	defer cancel()
	if len(thumbprints) == 0 {
		return o.fetchWith(ctx, o.rootsClient, issuer)
	}
	return o.fetchWith(ctx, func(u *url.URL) *http.Client { return o.pinnedClient(u, thumbprints) }, issuer)
}

// rootsClient is the base client with gatehouse's redirect policy:
// crypto/tls verifies against the client's roots.
func (o *oidcCache) rootsClient(*url.URL) *http.Client {
	return &http.Client{Transport: o.base.Transport, Timeout: o.base.Timeout, CheckRedirect: checkRedirect}
}

// pinnedClient returns a client for u's host that trusts a server whose
// chain verifies to the base client's roots (as rootsClient would) or,
// when none vouches for it, up to a sent certificate with one of the
// thumbprints, as IAM does for self-hosted identity providers. The host is
// fixed per client: checkRedirect keeps every request on it.
func (o *oidcCache) pinnedClient(u *url.URL, thumbprints []string) *http.Client {
	pins := map[[sha1.Size]byte]bool{}
	for _, t := range thumbprints {
		var sum [sha1.Size]byte
		if b, err := hex.DecodeString(t); err == nil && len(b) == sha1.Size {
			copy(sum[:], b)
			pins[sum] = true
		}
	}
	host := u.Hostname()
	var tr *http.Transport
	if t, ok := o.base.Transport.(*http.Transport); ok && t != nil {
		tr = t.Clone()
	} else {
		tr = http.DefaultTransport.(*http.Transport).Clone()
	}
	var roots *x509.CertPool // nil: the system's
	if tr.TLSClientConfig != nil {
		roots = tr.TLSClientConfig.RootCAs
	}
	// A throwaway transport: no idle connections left behind.
	tr.DisableKeepAlives = true
	tr.TLSClientConfig = &tls.Config{
		MinVersion: tls.VersionTLS12,
		// crypto/tls cannot verify against a set of hashes, so it skips
		// its own verification and VerifyConnection does all of it with
		// crypto/x509: no connection is used before it returns nil.
		InsecureSkipVerify: true,
		VerifyConnection: func(cs tls.ConnectionState) error {
			now := o.now()
			if verifyRoots(cs.PeerCertificates, host, roots, now) == nil {
				return nil
			}
			return verifyPinned(cs.PeerCertificates, host, pins, now)
		},
	}
	return &http.Client{Transport: tr, Timeout: o.base.Timeout, CheckRedirect: checkRedirect}
}

// verifyRoots verifies a server's chain for host at now against roots
// (nil: the system's), as crypto/tls does.
func verifyRoots(certs []*x509.Certificate, host string, roots *x509.CertPool, now time.Time) error {
	if len(certs) == 0 {
		return errors.New("no server certificate")
	}
	inter := x509.NewCertPool()
	for _, c := range certs[1:] {
		inter.AddCert(c)
	}
	_, err := certs[0].Verify(x509.VerifyOptions{DNSName: host, Roots: roots, Intermediates: inter, CurrentTime: now,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
	return err
}

var errNoThumbprint = errors.New("server certificate chain matches no provider thumbprint")

// verifyPinned verifies a server's chain (leaf first, as sent) for host at
// now, anchored at the sent certificates whose SHA-1 thumbprint is pinned:
// the leaf must chain to one of them through the other sent certificates,
// with valid signatures, validity periods, name constraints and key usage,
// and must be valid for host. A pinned certificate the leaf does not chain
// to vouches for nothing.
func verifyPinned(certs []*x509.Certificate, host string, pins map[[sha1.Size]byte]bool, now time.Time) error {
	if len(certs) == 0 {
		return errors.New("no server certificate")
	}
	roots, inter := x509.NewCertPool(), x509.NewCertPool()
	anchored := false
	for i, c := range certs {
		if pins[sha1.Sum(c.Raw)] {
			roots.AddCert(c)
			anchored = true
		} else if i > 0 {
			inter.AddCert(c)
		}
	}
	if !anchored {
		return errNoThumbprint
	}
	_, err := certs[0].Verify(x509.VerifyOptions{
		DNSName:       host,
		Roots:         roots,
		Intermediates: inter,
		CurrentTime:   now,
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	})
	if err != nil {
		return fmt.Errorf("%w: %w", errNoThumbprint, err)
	}
	return nil
}

// checkRedirect follows a redirect only to HTTPS on the same host and
// port, at most maxRedirects times. The discovery document and keys must
// come from the host the provider names (and the jwks_uri the discovery
// document names), verified as that host: a redirect elsewhere would let
// an open redirect on the issuer's site choose the keys. AWS documents no
// redirect behaviour.
func checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= maxRedirects {
		return fmt.Errorf("stopped after %d redirects", maxRedirects)
	}
	if req.URL.Scheme != "https" {
		return fmt.Errorf("redirect to %s refused: not HTTPS", req.URL.Redacted())
	}
	if origin(req.URL) != origin(via[0].URL) {
		return fmt.Errorf("redirect to %s refused: another host", req.URL.Redacted())
	}
	return nil
}

func origin(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = "443"
	}
	return strings.ToLower(u.Hostname()) + ":" + port
}

// httpsURL parses an https URL with a host and no user info.
func httpsURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, err
	}
	if u.Scheme != "https" || u.Host == "" || u.User != nil {
		return nil, fmt.Errorf("%q is not an https URL", raw)
	}
	return u, nil
}

func (o *oidcCache) fetchWith(ctx context.Context, client func(*url.URL) *http.Client, issuer string) (*jose.JSONWebKeySet, error) {
	var disc struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	discURL, err := httpsURL(strings.TrimSuffix(issuer, "/") + "/.well-known/openid-configuration")
	if err != nil {
		return nil, err
	}
	if err := getJSON(ctx, client(discURL), discURL, &disc); err != nil {
		return nil, err
	}
	if !sameIssuer(disc.Issuer, issuer) || !strings.HasPrefix(disc.Issuer, "https://") {
		return nil, fmt.Errorf("discovery document of %s names issuer %q", issuer, disc.Issuer)
	}
	jwksURL, err := httpsURL(disc.JWKSURI)
	if err != nil {
		return nil, fmt.Errorf("discovery document of %s has no https jwks_uri: %w", issuer, err)
	}
	var ks jose.JSONWebKeySet
	if err := getJSON(ctx, client(jwksURL), jwksURL, &ks); err != nil {
		return nil, err
	}
	return &ks, nil
}

func getJSON(ctx context.Context, client *http.Client, u *url.URL, v any) error {
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", u.Redacted(), resp.Status)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxDocSize+1))
	if err != nil {
		return err
	}
	if len(b) > maxDocSize {
		return fmt.Errorf("GET %s: document larger than %d bytes", u.Redacted(), maxDocSize)
	}
	return json.Unmarshal(b, v)
}
