package cli

import (
	"crypto/rand"
	"math/big"
)

const (
	upperAlnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	secretSet  = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
)

// NewAccessKeyID returns a long-term access key id shaped like AWS's:
// "AKIA" and 16 uppercase letters or digits.
func NewAccessKeyID() string { return "AKIA" + randomString(upperAlnum, 16) }

// NewSecretAccessKey returns a 40-character secret in AWS's alphabet.
func NewSecretAccessKey() string { return randomString(secretSet, 40) }

func randomString(alphabet string, n int) string {
	b := make([]byte, n)
	max := big.NewInt(int64(len(alphabet)))
	for i := range b {
		v, err := rand.Int(rand.Reader, max)
		if err != nil {
			panic("crypto/rand failed: " + err.Error()) // the OS has no entropy; nothing safe to do
		}
		b[i] = alphabet[v.Int64()]
	}
	return string(b)
}
