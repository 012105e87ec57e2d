package iam

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/gatehouse-dev/gatehouse/internal/authn"
	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// Outbound web identity federation (AWS, 2025): an account turns on JWT
// vending with EnableOutboundWebIdentityFederation; its principals then
// get tokens signed by the account's keys from STS GetWebIdentityToken, and
// anyone verifies them against the issuer's discovery document and JWKS,
// which gatehouse serves unauthenticated under OIDCPathPrefix.

// OIDCPathPrefix is the path under which gatehouse serves each account's
// issuer: {endpoint}/_gatehouse/oidc/{account-id} is the issuer URL, and
// its /.well-known/openid-configuration and /.well-known/jwks.json are
// public (no signature).
const OIDCPathPrefix = "/_gatehouse/oidc/"

const kindOutbound = "iam/outboundfederation"

// Errors of the IAM outbound federation switches (AWS's IAM model).
var (
	featureEnabled  = awserr.FeatureEnabled
	featureDisabled = awserr.FeatureDisabled
)

// ErrOutboundDisabled is what SignOutboundToken returns for an account
// whose outbound web identity federation is off.
var ErrOutboundDisabled = errors.New("iam: outbound web identity federation is disabled")

// outboundRecord is an account's outbound federation state. The private
// keys are PKCS#8, sealed with the master key: they never leave package iam
// and are never served; only their public halves are, in the JWKS.
type outboundRecord struct {
	Enabled bool      `json:"enabled"`
	Issuer  string    `json:"issuer"`
	RSA     string    `json:"rsa"` // sealed PKCS#8 RSA 2048
	EC      string    `json:"ec"`  // sealed PKCS#8 ECDSA P-384
	Created time.Time `json:"created"`
	// KeysCreated is when RSA and EC were generated (zero: Created).
	KeysCreated time.Time `json:"keys_created,omitzero"`
	// Retired are the keys rotation replaced, served in the JWKS (never
	// used to sign) until Until, when every token they signed has expired.
	Retired []retiredKey `json:"retired,omitempty"`
}

// retiredKey is a replaced signing key.
type retiredKey struct {
	Alg    string    `json:"alg"`
	Sealed string    `json:"key"`
	Until  time.Time `json:"until"`
}

// Key rotation. A token lives at most maxOutboundTokenLife
// (GetWebIdentityToken's DurationSeconds ≤ 3600), so a retired key is
// served for that long after its last signature, plus outboundSkew for
// relying parties whose clocks run behind.
const (
	maxOutboundTokenLife    = time.Hour
	outboundSkew            = 5 * time.Minute
	defaultOutboundRotation = 90 * 24 * time.Hour
)

func (rec *outboundRecord) keysCreated() time.Time {
	if rec.KeysCreated.IsZero() {
		return rec.Created
	}
	return rec.KeysCreated
}

func (s *Service) outboundRotation() time.Duration {
	if s.cfg.OIDCKeyRotation > 0 {
		return s.cfg.OIDCKeyRotation
	}
	return defaultOutboundRotation
}

// issuer is rec's issuer URL: under the configured public base URL when
// there is one, else the one recorded at the first enable.
func (s *Service) issuer(account string, rec *outboundRecord) string {
	if s.cfg.OIDCIssuerURL != "" {
		return s.cfg.OIDCIssuerURL + strings.TrimSuffix(OIDCPathPrefix, "/") + "/" + account
	}
	return rec.Issuer
}

// newOutboundKeys generates and seals a new RSA 2048 and ECDSA P-384 pair
// for account.
func (s *Service) newOutboundKeys(account string) (rsaSealed, ecSealed string, err error) {
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return "", "", err
	}
	ek, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		return "", "", err
	}
	rder, err := x509.MarshalPKCS8PrivateKey(rk)
	if err != nil {
		return "", "", err
	}
	eder, err := x509.MarshalPKCS8PrivateKey(ek)
	if err != nil {
		return "", "", err
	}
	return s.box.Seal(base64.StdEncoding.EncodeToString(rder), outboundLabel(account, "RS256")),
		s.box.Seal(base64.StdEncoding.EncodeToString(eder), outboundLabel(account, "ES384")), nil
}

// rotateOutbound replaces account's signing keys when they are older than
// the rotation period, retiring the old ones, and returns the record
// current afterwards. Keys are generated outside the transaction; a
// concurrent rotation (another request, another node) wins and this one's
// keys are dropped.
func (s *Service) rotateOutbound(ctx context.Context, account string, rec *outboundRecord) (*outboundRecord, error) {
	now := s.now().UTC()
	if now.Sub(rec.keysCreated()) < s.outboundRotation() {
		return rec, nil
	}
	rsaSealed, ecSealed, err := s.newOutboundKeys(account)
	if err != nil {
		return nil, err
	}
	var out *outboundRecord
	_, err = s.store.Update(ctx, func(tx store.Tx) error {
		cur, err := getJSON[outboundRecord](tx, kindOutbound, account)
		if err != nil {
			return err
		}
		out = cur
		if cur == nil || !cur.Enabled || now.Sub(cur.keysCreated()) < s.outboundRotation() {
			return nil // disabled meanwhile, or rotated by someone else
		}
		until := now.Add(maxOutboundTokenLife + outboundSkew)
		kept := cur.Retired[:0:0]
		for _, k := range cur.Retired {
			if k.Until.After(now) {
				kept = append(kept, k)
			}
		}
		cur.Retired = append(kept, retiredKey{"RS256", cur.RSA, until}, retiredKey{"ES384", cur.EC, until})
		cur.RSA, cur.EC, cur.KeysCreated = rsaSealed, ecSealed, now
		s.log.Info("outbound federation signing keys rotated", "account", account)
		return putJSON(tx, kindOutbound, account, cur)
	})
	if err != nil {
		return nil, err
	}
	if out == nil || !out.Enabled {
		return nil, ErrOutboundDisabled
	}
	return out, nil
}

func outboundLabel(account, alg string) string { return "outbound/" + account + "/" + alg }

// issuerFor is the issuer URL of account as reached through r: the
// scheme and host the caller used.
func issuerFor(r *http.Request, account string) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + strings.TrimSuffix(OIDCPathPrefix, "/") + "/" + account
}

func opEnableOutboundWebIdentityFederation(c *call, in *enableOutboundWebIdentityFederationIn) (*enableOutboundWebIdentityFederationOut, error) {
	if err := c.allow("*", nil); err != nil {
		return nil, err
	}
	acct := c.account()
	var cur *outboundRecord
	if err := c.view(func(r store.Reader) (err error) {
		cur, err = getJSON[outboundRecord](r, kindOutbound, acct)
		return err
	}); err != nil {
		return nil, err
	}
	if cur != nil && cur.Enabled {
		return nil, featureEnabled.New("Outbound web identity federation is already enabled for this account.")
	}
	rec := cur
	if rec == nil {
		// Keys are generated once, on the first enable, outside the
		// transaction (RSA generation is the slow part), and kept across
		// disable and enable so the issuer and its keys stay the same
		// (rotation replaces them when they age, rotateOutbound).
		rsaSealed, ecSealed, err := c.s.newOutboundKeys(acct)
		if err != nil {
			return nil, err
		}
		rec = &outboundRecord{Issuer: issuerFor(c.r, acct), Created: c.s.now().UTC(), RSA: rsaSealed, EC: ecSealed}
	}
	rec.Enabled = true
	err := c.update(func(tx store.Tx) error {
		now, err := getJSON[outboundRecord](tx, kindOutbound, acct)
		if err != nil {
			return err
		}
		if now != nil && now.Enabled {
			return featureEnabled.New("Outbound web identity federation is already enabled for this account.")
		}
		if now != nil {
			rec = now
			rec.Enabled = true
		}
		return putJSON(tx, kindOutbound, acct, rec)
	})
	if err != nil {
		return nil, err
	}
	return &enableOutboundWebIdentityFederationOut{c.s.issuer(acct, rec)}, nil
}

func opDisableOutboundWebIdentityFederation(c *call, in *disableOutboundWebIdentityFederationIn) (*noOutput, error) {
	if err := c.allow("*", nil); err != nil {
		return done(err)
	}
	acct := c.account()
	return done(c.update(func(tx store.Tx) error {
		rec, err := getJSON[outboundRecord](tx, kindOutbound, acct)
		if err != nil {
			return err
		}
		if rec == nil || !rec.Enabled {
			return featureDisabled.New("Outbound web identity federation is already disabled for this account.")
		}
		rec.Enabled = false
		return putJSON(tx, kindOutbound, acct, rec)
	}))
}

func opGetOutboundWebIdentityFederationInfo(c *call, in *getOutboundWebIdentityFederationInfoIn) (*getOutboundWebIdentityFederationInfoOut, error) {
	if err := c.allow("*", nil); err != nil {
		return nil, err
	}
	var rec *outboundRecord
	if err := c.view(func(r store.Reader) (err error) {
		rec, err = getJSON[outboundRecord](r, kindOutbound, c.account())
		return err
	}); err != nil {
		return nil, err
	}
	if rec == nil {
		// Never enabled: there is no issuer to describe (FeatureDisabled
		// is the operation's one modeled error).
		return nil, featureDisabled.New("Outbound web identity federation is not enabled for this account.")
	}
	return &getOutboundWebIdentityFederationInfoOut{c.s.issuer(c.account(), rec), rec.Enabled}, nil
}

func (s *Service) outbound(ctx context.Context, account string) (*outboundRecord, error) {
	var rec *outboundRecord
	_, err := s.store.View(ctx, func(r store.Reader) (err error) {
		rec, err = getJSON[outboundRecord](r, kindOutbound, account)
		return err
	})
	return rec, err
}

func (s *Service) openOutboundKey(account, alg, sealed string) (crypto.Signer, error) {
	if k, ok := s.outboundKeys.Load(sealed); ok {
		return k.(crypto.Signer), nil
	}
	plain, err := s.box.Open(sealed, outboundLabel(account, alg))
	if err != nil {
		return nil, err
	}
	der, err := base64.StdEncoding.DecodeString(plain)
	if err != nil {
		return nil, err
	}
	k, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, err
	}
	sg, ok := k.(crypto.Signer)
	if !ok {
		return nil, errors.New("iam: outbound key is not a signer")
	}
	s.outboundKeys.Store(sealed, sg)
	return sg, nil
}

// keyID is a key's JWKS kid: the base64url SHA-256 of its public key
// (SubjectPublicKeyInfo DER), stable for the life of the key.
func keyID(pub crypto.PublicKey) string {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return ""
	}
	sum := sha256.Sum256(der)
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// OutboundIssuer returns account's issuer URL when its outbound web
// identity federation is enabled, and ErrOutboundDisabled otherwise.
func (s *Service) OutboundIssuer(ctx context.Context, account string) (string, error) {
	rec, err := s.outbound(ctx, account)
	if err != nil {
		return "", err
	}
	if rec == nil || !rec.Enabled {
		return "", ErrOutboundDisabled
	}
	return s.issuer(account, rec), nil
}

// SignOutboundToken signs claims (a JSON object) as a compact JWS with
// account's key for alg ("RS256" or "ES384"). It returns
// ErrOutboundDisabled when the account's federation is off.
func (s *Service) SignOutboundToken(ctx context.Context, account, alg string, claims []byte) (string, error) {
	rec, err := s.outbound(ctx, account)
	if err != nil {
		return "", err
	}
	if rec == nil || !rec.Enabled {
		return "", ErrOutboundDisabled
	}
	if rec, err = s.rotateOutbound(ctx, account, rec); err != nil {
		return "", err
	}
	var sealed string
	var ja jose.SignatureAlgorithm
	switch alg {
	case "RS256":
		sealed, ja = rec.RSA, jose.RS256
	case "ES384":
		sealed, ja = rec.EC, jose.ES384
	default:
		return "", errors.New("iam: unsupported signing algorithm")
	}
	key, err := s.openOutboundKey(account, alg, sealed)
	if err != nil {
		return "", err
	}
	opts := (&jose.SignerOptions{}).WithType("JWT").WithHeader(jose.HeaderKey("kid"), keyID(key.Public()))
	sg, err := jose.NewSigner(jose.SigningKey{Algorithm: ja, Key: key}, opts)
	if err != nil {
		return "", err
	}
	jws, err := sg.Sign(claims)
	if err != nil {
		return "", err
	}
	return jws.CompactSerialize()
}

// OIDCHandler serves the issuers' discovery documents and JWKS, without
// authentication: GET {OIDCPathPrefix}{account}/.well-known/openid-configuration
// and .../.well-known/jwks.json. Only public keys are served, and only for
// an account whose outbound federation is enabled; anything else is 404.
func (s *Service) OIDCHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rest, ok := strings.CutPrefix(r.URL.Path, OIDCPathPrefix)
		account, doc, ok2 := strings.Cut(rest, "/")
		if !ok || !ok2 || !accountIDRE.MatchString(account) || r.Method != http.MethodGet && r.Method != http.MethodHead {
			http.NotFound(w, r)
			return
		}
		if doc != ".well-known/openid-configuration" && doc != ".well-known/jwks.json" {
			http.NotFound(w, r)
			return
		}
		rec, err := s.outbound(r.Context(), account)
		if err != nil {
			s.log.Error("outbound federation record", "account", account, "err", err)
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		if rec == nil || !rec.Enabled {
			http.NotFound(w, r)
			return
		}
		var body any
		if doc == ".well-known/jwks.json" {
			set := jose.JSONWebKeySet{}
			keys := []struct{ alg, sealed string }{{"RS256", rec.RSA}, {"ES384", rec.EC}}
			now := s.now()
			for _, k := range rec.Retired {
				if k.Until.After(now) {
					keys = append(keys, struct{ alg, sealed string }{k.Alg, k.Sealed})
				}
			}
			for _, k := range keys {
				key, err := s.openOutboundKey(account, k.alg, k.sealed)
				if err != nil {
					s.log.Error("outbound federation key", "account", account, "err", err)
					http.Error(w, "internal error", http.StatusInternalServerError)
					return
				}
				set.Keys = append(set.Keys, jose.JSONWebKey{Key: key.Public(), KeyID: keyID(key.Public()), Algorithm: k.alg, Use: "sig"})
			}
			body = set
		} else {
			body = map[string]any{
				"issuer":                                s.issuer(account, rec),
				"jwks_uri":                              s.issuer(account, rec) + "/.well-known/jwks.json",
				"response_types_supported":              []string{"id_token"},
				"subject_types_supported":               []string{"public"},
				"id_token_signing_alg_values_supported": []string{"RS256", "ES384"},
				"claims_supported":                      []string{"iss", "sub", "aud", "iat", "exp", "jti", "https://sts.amazonaws.com/"},
			}
		}
		b, err := json.Marshal(body)
		if err != nil {
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "max-age=300")
		_, _ = w.Write(b)
	})
}

// PrincipalTags returns p's principal tags as aws:PrincipalTag sees them:
// an IAM user's tags, or a role session's role tags, its session tags
// winning; nil when there are none.
func (s *Snapshot) PrincipalTags(p *authn.Principal) map[string]string {
	var tags []authn.Tag
	switch p.Kind {
	case authn.User:
		if u := s.users.get(entityKey(p.AccountID, p.UserName)); u != nil && u.ID == p.UniqueID {
			tags = u.Tags
		}
	case authn.AssumedRole:
		if r := s.roles.get(entityKey(p.AccountID, p.RoleName)); r != nil && r.ID == p.UniqueID {
			tags = r.Tags
		}
	}
	tags = append(tags[:len(tags):len(tags)], p.SessionTags()...)
	if len(tags) == 0 {
		return nil
	}
	m := make(map[string]string, len(tags))
	for _, t := range tags {
		for k := range m {
			if strings.EqualFold(k, t.Key) {
				delete(m, k) // tag keys are case-insensitive; the later one wins
			}
		}
		m[t.Key] = t.Value
	}
	return m
}

type enableOutboundWebIdentityFederationOut struct {
	IssuerIdentifier string
}

type enableOutboundWebIdentityFederationIn struct{}

type disableOutboundWebIdentityFederationIn struct{}

type getOutboundWebIdentityFederationInfoOut struct {
	IssuerIdentifier  string
	JwtVendingEnabled bool
}

type getOutboundWebIdentityFederationInfoIn struct{}
