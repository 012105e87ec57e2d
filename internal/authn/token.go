package authn

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"sync/atomic"
)

// Session is everything a session token carries: enough to verify the
// caller's signature (the secret) and to rebuild its permissions (role,
// session policies, tags) without a store lookup. Field names are short
// because every request carries them.
type Session struct {
	AccessKeyID string `json:"a"`
	Secret      string `json:"s"`
	Account     string `json:"acct"`
	Kind        Kind   `json:"t"`
	// For role sessions: the role's name, path and unique id.
	RoleName string `json:"rn,omitempty"`
	RolePath string `json:"rp,omitempty"`
	RoleID   string `json:"rid,omitempty"`
	// SessionName is the RoleSessionName.
	SessionName string `json:"sn,omitempty"`
	// For GetSessionToken sessions of users: the user's name, path, id.
	UserName string `json:"un,omitempty"`
	UserPath string `json:"up,omitempty"`
	UserID   string `json:"uid,omitempty"`
	// Issued and Expires are Unix seconds.
	Issued  int64 `json:"i"`
	Expires int64 `json:"e"`
	// SourceIdentity persists through role chaining.
	SourceIdentity string `json:"si,omitempty"`
	Tags           []Tag  `json:"tg,omitempty"`
	// TransitiveTagKeys are the keys of Tags that propagate when this
	// session assumes another role.
	TransitiveTagKeys []string `json:"tt,omitempty"`
	// Policy is the inline session policy; PolicyARNs the managed session
	// policies. HasPolicies is true when either was given (an empty
	// intersection then allows nothing).
	Policy      string   `json:"p,omitempty"`
	PolicyARNs  []string `json:"pa,omitempty"`
	HasPolicies bool     `json:"hp,omitempty"`
	MFA         bool     `json:"mfa,omitempty"`
	// Chained: issued to a role session (role chaining).
	Chained bool `json:"ch,omitempty"`
	// FederatedProvider is the OIDC provider ARN for web identity sessions.
	FederatedProvider string `json:"fp,omitempty"`
	// FromSessionToken marks GetSessionToken credentials.
	FromSessionToken bool `json:"gst,omitempty"`
}

// Errors from Sealer.Open.
var (
	ErrTokenMalformed = errors.New("authn: malformed session token")
	ErrTokenKey       = errors.New("authn: session token sealed with an unknown key")
)

// Token versions: 1 sealed JSON (still opened), 2 the binary record of
// codec.go (sealed now).
const (
	tokenVersionJSON   = 1
	tokenVersionBinary = 2
)

// TokenKey is one sealing key of a Sealer's keyring.
type TokenKey struct {
	ID  uint32
	Key []byte // 32 bytes
}

type keyring struct {
	current uint32
	aeads   map[uint32]cipher.AEAD
}

// Sealer seals and opens session tokens with AES-256-GCM. A token is
// base64(version | key id | nonce | ciphertext) with the version and key id
// as additional data, so keys can rotate: the newest key seals, every key in
// the ring opens.
type Sealer struct {
	ring atomic.Pointer[keyring]
}

// NewSealer returns a Sealer over keys; the key with the highest ID seals.
func NewSealer(keys []TokenKey) (*Sealer, error) {
	s := &Sealer{}
	if err := s.SetKeys(keys); err != nil {
		return nil, err
	}
	return s, nil
}

// SetKeys replaces the keyring (key rotation).
func (s *Sealer) SetKeys(keys []TokenKey) error {
	if len(keys) == 0 {
		return errors.New("authn: no token keys")
	}
	r := &keyring{aeads: make(map[uint32]cipher.AEAD, len(keys))}
	for i, k := range keys {
		if len(k.Key) != 32 {
			return errors.New("authn: token key must be 32 bytes")
		}
		b, err := aes.NewCipher(k.Key)
		if err != nil {
			return err
		}
		g, err := cipher.NewGCM(b)
		if err != nil {
			return err
		}
		r.aeads[k.ID] = g
		if i == 0 || k.ID > r.current {
			r.current = k.ID
		}
	}
	s.ring.Store(r)
	return nil
}

// Seal returns the token for sess.
func (s *Sealer) Seal(sess *Session) (string, error) {
	plain := encodeSession(make([]byte, 0, 256+len(sess.Policy)), sess)
	r := s.ring.Load()
	g := r.aeads[r.current]
	buf := make([]byte, 5+g.NonceSize(), 5+g.NonceSize()+len(plain)+g.Overhead())
	buf[0] = tokenVersionBinary
	binary.BigEndian.PutUint32(buf[1:5], r.current)
	if _, err := rand.Read(buf[5:]); err != nil {
		return "", err
	}
	out := g.Seal(buf, buf[5:], plain, buf[:5])
	return base64.StdEncoding.EncodeToString(out), nil
}

// Open authenticates and decrypts tok. It does not check expiry.
func (s *Sealer) Open(tok string) (*Session, error) {
	if len(tok) < 40 || len(tok) > 16384 {
		return nil, ErrTokenMalformed
	}
	raw, err := base64.StdEncoding.Strict().DecodeString(tok)
	if err != nil || len(raw) < 5+12+16 || raw[0] != tokenVersionBinary && raw[0] != tokenVersionJSON {
		return nil, ErrTokenMalformed
	}
	r := s.ring.Load()
	g, ok := r.aeads[binary.BigEndian.Uint32(raw[1:5])]
	if !ok {
		return nil, ErrTokenKey
	}
	ns := g.NonceSize()
	plain, err := g.Open(nil, raw[5:5+ns], raw[5+ns:], raw[:5])
	if err != nil {
		return nil, ErrTokenMalformed
	}
	if raw[0] == tokenVersionJSON {
		sess := &Session{}
		if err := json.Unmarshal(plain, sess); err != nil {
			return nil, ErrTokenMalformed
		}
		return sess, nil
	}
	sess, err := decodeSession(plain)
	if err != nil {
		return nil, ErrTokenMalformed
	}
	return sess, nil
}
