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
	"strings"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// oidcCache fetches and caches each issuer's discovery document and JWKS.
// Keys are refreshed after keyTTL, or sooner when a token names an unknown
// kid (at most once per refreshGap, so bad tokens cannot hammer the IdP).
type oidcCache struct {
	client *http.Client
	now    func() time.Time

	mu      sync.Mutex
	issuers map[string]*issuerKeys
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
)

func newOIDCCache(c *http.Client, now func() time.Time) *oidcCache {
	return &oidcCache{client: c, now: now, issuers: map[string]*issuerKeys{}}
}

var errNoKey = errors.New("no verification key")

// key returns the issuer's key with kid (any key usable for signing
// verification when kid is empty and the set has exactly one).
func (o *oidcCache) key(ctx context.Context, issuer, kid string, thumbprints []string) (*jose.JSONWebKey, error) {
	o.mu.Lock()
	ik := o.issuers[issuer]
	if ik == nil {
		ik = &issuerKeys{}
		o.issuers[issuer] = ik
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

func (o *oidcCache) fetch(ctx context.Context, issuer string, thumbprints []string) (*jose.JSONWebKeySet, error) {
	ks, err := o.fetchWith(ctx, func(string) *http.Client { return o.client }, issuer)
	var unknownCA x509.UnknownAuthorityError
	var verr *tls.CertificateVerificationError
	if err != nil && len(thumbprints) > 0 && (errors.As(err, &unknownCA) || errors.As(err, &verr)) {
		// Not publicly trusted: fall back to the provider's thumbprints, as
		// IAM does for self-hosted identity providers.
		return o.fetchWith(ctx, func(u string) *http.Client { return thumbprintClient(o.client, thumbprints, u) }, issuer)
	}
	return ks, err
}

// thumbprintClient trusts a server whose certificate is valid for its host
// name and whose top certificate in the presented chain has one of the
// SHA-1 thumbprints.
func thumbprintClient(base *http.Client, thumbprints []string, rawURL string) *http.Client {
	host := rawURL
	if u, err := url.Parse(rawURL); err == nil {
		host = u.Hostname()
	}
	var tr *http.Transport
	if t, ok := base.Transport.(*http.Transport); ok && t != nil {
		tr = t.Clone()
	} else {
		tr = http.DefaultTransport.(*http.Transport).Clone()
	}
	tr.TLSClientConfig = &tls.Config{
		InsecureSkipVerify: true, // replaced by VerifyConnection below
		VerifyConnection: func(cs tls.ConnectionState) error {
			certs := cs.PeerCertificates
			if len(certs) == 0 {
				return errors.New("no server certificate")
			}
			if err := certs[0].VerifyHostname(host); err != nil {
				return err
			}
			now := time.Now()
			if now.Before(certs[0].NotBefore) || now.After(certs[0].NotAfter) {
				return errors.New("server certificate expired or not yet valid")
			}
			sum := sha1.Sum(certs[len(certs)-1].Raw)
			got := hex.EncodeToString(sum[:])
			for _, t := range thumbprints {
				if strings.EqualFold(t, got) {
					return nil
				}
			}
			return errors.New("server certificate chain matches no provider thumbprint")
		},
	}
	return &http.Client{Timeout: base.Timeout, Transport: tr}
}

func (o *oidcCache) fetchWith(ctx context.Context, client func(url string) *http.Client, issuer string) (*jose.JSONWebKeySet, error) {
	var disc struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	discURL := strings.TrimSuffix(issuer, "/") + "/.well-known/openid-configuration"
	if err := getJSON(ctx, client(discURL), discURL, &disc); err != nil {
		return nil, err
	}
	if strings.TrimSuffix(disc.Issuer, "/") != strings.TrimSuffix(issuer, "/") {
		return nil, fmt.Errorf("discovery document of %s names issuer %q", issuer, disc.Issuer)
	}
	if !strings.HasPrefix(disc.JWKSURI, "https://") {
		return nil, fmt.Errorf("discovery document of %s has no https jwks_uri", issuer)
	}
	var ks jose.JSONWebKeySet
	if err := getJSON(ctx, client(disc.JWKSURI), disc.JWKSURI, &ks); err != nil {
		return nil, err
	}
	return &ks, nil
}

func getJSON(ctx context.Context, client *http.Client, url string, v any) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
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
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxDocSize))
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}
