package iam

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/authn"
	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/pipeline"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// Config configures a Service.
type Config struct {
	Store *store.Store
	Log   *slog.Logger
	// MasterKey (32 bytes) encrypts secrets at rest.
	MasterKey []byte
	// DefaultAccount is the bootstrap account; its root (or a policy
	// allowing gatehouse:CreateAccount) manages accounts.
	DefaultAccount string
	// LegacyDenyMessages drops the "because no … policy allows" suffix.
	LegacyDenyMessages bool
	// EncodeDenials appends an encoded authorization message (authmsg.go)
	// to the denials of every surface this service authorizes.
	EncodeDenials bool
	// HideCanonical drops canonical requests from signature mismatch
	// messages.
	HideCanonical bool
	// Now is the clock (tests).
	Now func() time.Time
	// OIDCIssuerURL is the public base URL of the outbound federation
	// issuers ("" : from the request that enabled the account's).
	OIDCIssuerURL string
	// OIDCKeyRotation is the age at which outbound federation signing
	// keys are replaced (0: 90 days).
	OIDCKeyRotation time.Duration
}

// Service is IAM over a store.
type Service struct {
	cfg   Config
	store *store.Store
	log   *slog.Logger
	box   *authn.SecretBox
	view  *store.View[Snapshot]
	auth  *authn.Authenticator
	now   func() time.Time
	// surface authorizes IAM operations through the shared pipeline.
	surface pipeline.Surface
	// access records the allowed requests for access advisor.
	access accessLog
	// outboundKeys caches the opened outbound federation signing keys
	// by their sealed form (outbound.go).
	outboundKeys sync.Map
}

// New opens the IAM state in cfg.Store, loads (or creates) the session
// token keys and builds the first snapshot.
func New(ctx context.Context, cfg Config) (*Service, error) {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	box, err := authn.NewSecretBox(cfg.MasterKey)
	if err != nil {
		return nil, err
	}
	s := &Service{cfg: cfg, store: cfg.Store, log: cfg.Log, box: box, now: cfg.Now}
	s.surface = pipeline.Surface{Authz: s, Now: cfg.Now, Denied: awserr.AccessDenied, Legacy: cfg.LegacyDenyMessages}
	keys, err := s.tokenKeys(ctx)
	if err != nil {
		return nil, err
	}
	sealer, err := authn.NewSealer(keys)
	if err != nil {
		return nil, err
	}
	if err := s.ensureKeyIndex(ctx); err != nil {
		return nil, err
	}
	s.view, err = store.NewIncrementalView(ctx, cfg.Store, "iam", []string{"iam/"}, cfg.Log, s.buildSnapshot, s.applyDiff)
	if err != nil {
		return nil, err
	}
	s.auth = authn.New(snapshotKeys{s.view}, sealer, authn.Options{Now: cfg.Now, HideCanonical: cfg.HideCanonical})
	// Keys added by RotateTokenKey (on this node or another sharing the
	// store) reach the sealer with the next snapshot.
	s.view.OnSwap(func(snap *Snapshot) {
		if len(snap.tokenKeys) > 0 {
			if err := sealer.SetKeys(snap.tokenKeys); err != nil {
				s.log.Error("session token keyring not updated", "err", err)
			}
		}
	})
	return s, nil
}

// snapshotKeys resolves keys from whatever snapshot is current.
type snapshotKeys struct{ v *store.View[Snapshot] }

func (k snapshotKeys) LookupKey(id string) (string, *authn.Principal, bool) {
	return k.v.Load().LookupKey(id)
}
func (k snapshotKeys) SessionValid(s *authn.Session) bool { return k.v.Load().SessionValid(s) }

// Authenticator returns the request authenticator (a sigv4.Resolver).
func (s *Service) Authenticator() *authn.Authenticator { return s.auth }

// Snapshot returns the current IAM snapshot.
func (s *Service) Snapshot() *Snapshot { return s.view.Load() }

// DefaultAccount returns the bootstrap account id.
func (s *Service) DefaultAccount() string { return s.cfg.DefaultAccount }

// Now returns the service clock's time.
func (s *Service) Now() time.Time { return s.now() }

// RotateTokenKey adds a new session token key, which seals every token
// from now on; tokens sealed with older keys keep opening until they
// expire.
func (s *Service) RotateTokenKey(ctx context.Context) error {
	_, err := s.store.Update(ctx, func(tx store.Tx) error { return s.addTokenKey(tx, false) })
	return err
}

// addTokenKey stores a new random key whose id is above every existing one.
func (s *Service) addTokenKey(tx store.Tx, first bool) error {
	recs, err := tx.List(kindTokenKey, "")
	if err != nil {
		return err
	}
	if first && len(recs) > 0 {
		return nil
	}
	var max uint32
	for _, rec := range recs {
		var tk tokenKeyRecord
		if err := json.Unmarshal(rec.Value, &tk); err != nil {
			return err
		}
		if tk.ID > max {
			max = tk.ID
		}
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return err
	}
	id := max + 1
	key := keyIDString(id)
	rec := tokenKeyRecord{ID: id, Key: s.box.Seal(string(raw), "tokenkey/"+key), Created: s.now().UTC()}
	b, _ := json.Marshal(rec)
	return tx.Create(kindTokenKey, key, b)
}

// loadTokenKeys opens every stored session token key.
func (s *Service) loadTokenKeys(r store.Reader) ([]authn.TokenKey, error) {
	recs, err := r.List(kindTokenKey, "")
	if err != nil {
		return nil, err
	}
	var out []authn.TokenKey
	for _, rec := range recs {
		var tk tokenKeyRecord
		if err := json.Unmarshal(rec.Value, &tk); err != nil {
			return nil, err
		}
		k, err := s.box.Open(tk.Key, "tokenkey/"+rec.Key)
		if err != nil {
			return nil, errors.New("session token key does not open with the master key (wrong master key?)")
		}
		out = append(out, authn.TokenKey{ID: tk.ID, Key: []byte(k)})
	}
	return out, nil
}

// tokenKeys loads the session token keyring, creating the first key.
func (s *Service) tokenKeys(ctx context.Context) ([]authn.TokenKey, error) {
	var keys []authn.TokenKey
	_, err := s.store.Update(ctx, func(tx store.Tx) error {
		if err := s.addTokenKey(tx, true); err != nil {
			return err
		}
		var err error
		keys, err = s.loadTokenKeys(tx)
		return err
	})
	return keys, err
}

func keyIDString(id uint32) string {
	const hexd = "0123456789abcdef"
	var b [8]byte
	for i := 7; i >= 0; i-- {
		b[i] = hexd[id&15]
		id >>= 4
	}
	return string(b[:])
}

// Surface is the Query surface IAM and STS share: the same Authorizer, clock,
// AccessDenied code and denial message for both, so that STS's operations
// decide through the one pipeline too.
func (s *Service) Surface() *pipeline.Surface { return &s.surface }
