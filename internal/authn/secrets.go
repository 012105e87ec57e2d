package authn

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// SecretBox encrypts long-term secrets at rest with the master key
// (AES-256-GCM). It is safe for concurrent use.
type SecretBox struct {
	aead cipher.AEAD
}

// NewSecretBox returns a SecretBox for a 32-byte master key.
func NewSecretBox(key []byte) (*SecretBox, error) {
	if len(key) != 32 {
		return nil, errors.New("authn: master key must be 32 bytes")
	}
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	g, err := cipher.NewGCM(b)
	if err != nil {
		return nil, err
	}
	return &SecretBox{aead: g}, nil
}

// Seal encrypts plain with label as additional data (e.g. the access key
// id, so a ciphertext cannot be moved to another record).
func (b *SecretBox) Seal(plain, label string) string {
	nonce := make([]byte, b.aead.NonceSize(), b.aead.NonceSize()+len(plain)+b.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		panic("authn: crypto/rand failed: " + err.Error())
	}
	return "v1:" + base64.StdEncoding.EncodeToString(b.aead.Seal(nonce, nonce, []byte(plain), []byte(label)))
}

// Open decrypts what Seal returned for the same label.
func (b *SecretBox) Open(sealed, label string) (string, error) {
	s, ok := strings.CutPrefix(sealed, "v1:")
	if !ok {
		return "", errors.New("authn: unknown secret format")
	}
	raw, err := base64.StdEncoding.DecodeString(s)
	ns := b.aead.NonceSize()
	if err != nil || len(raw) < ns {
		return "", errors.New("authn: malformed sealed secret")
	}
	plain, err := b.aead.Open(nil, raw[:ns], raw[ns:], []byte(label))
	if err != nil {
		return "", errors.New("authn: sealed secret does not open with this master key")
	}
	return string(plain), nil
}

// LoadMasterKey returns the master key: b64 (base64 of 32 bytes) when
// given, else the contents of dataDir/master.key, created (0600) with a
// random key on first use.
func LoadMasterKey(dataDir, b64 string) ([]byte, error) {
	if b64 != "" {
		k, err := base64.StdEncoding.DecodeString(strings.TrimSpace(b64))
		if err != nil || len(k) != 32 {
			return nil, errors.New("master key: must be base64 of 32 bytes")
		}
		return k, nil
	}
	path := filepath.Join(dataDir, "master.key")
	if data, err := os.ReadFile(path); err == nil {
		k, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(data)))
		if err != nil || len(k) != 32 {
			return nil, fmt.Errorf("master key %s: must hold base64 of 32 bytes", path)
		}
		return k, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("master key: %w", err)
	}
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("master key: %w", err)
	}
	if _, err := f.WriteString(base64.StdEncoding.EncodeToString(k) + "\n"); err != nil {
		f.Close()
		return nil, err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, err
	}
	if err := f.Close(); err != nil {
		return nil, err
	}
	return k, nil
}
