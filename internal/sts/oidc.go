package sts

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
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
func (o *oidcCache) key(ctx context.Context, issuer, kid string) (*jose.JSONWebKey, error) {
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
		ks, err := o.fetch(ctx, issuer)
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

func (o *oidcCache) fetch(ctx context.Context, issuer string) (*jose.JSONWebKeySet, error) {
	var disc struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	if err := o.getJSON(ctx, strings.TrimSuffix(issuer, "/")+"/.well-known/openid-configuration", &disc); err != nil {
		return nil, err
	}
	if !strings.HasPrefix(disc.JWKSURI, "https://") {
		return nil, fmt.Errorf("discovery document of %s has no https jwks_uri", issuer)
	}
	var ks jose.JSONWebKeySet
	if err := o.getJSON(ctx, disc.JWKSURI, &ks); err != nil {
		return nil, err
	}
	return &ks, nil
}

func (o *oidcCache) getJSON(ctx context.Context, url string, v any) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := o.client.Do(req)
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
