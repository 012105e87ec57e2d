package iam

import (
	"crypto/rand"
	"encoding/base64"
	"strconv"
)

const b32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

func randB32(n int) string {
	buf := make([]byte, n)
	_, _ = rand.Read(buf)
	for i := range buf {
		buf[i] = b32[buf[i]&31]
	}
	return string(buf)
}

// accountPart encodes an account id into 9 characters the way the widely
// used (undocumented) AWS scheme does: base32 of account/2 + 2^39 over five
// bytes, then one character for the parity, so GetAccessKeyInfo can answer
// from the key id alone.
func accountPart(account string) string {
	n, err := strconv.ParseUint(account, 10, 64)
	if err != nil {
		return randB32(9)
	}
	v := n/2 + 549755813888
	var out [9]byte
	for i := 7; i >= 0; i-- {
		out[i] = b32[v&31]
		v >>= 5
	}
	r := make([]byte, 1)
	_, _ = rand.Read(r)
	if n%2 == 0 {
		out[8] = b32[r[0]&15]
	} else {
		out[8] = b32[16+r[0]&15]
	}
	return string(out[:])
}

// AccountFromKeyID decodes the account id from an access key id or unique
// id made by NewID; ok is false when the id does not carry one.
func AccountFromKeyID(id string) (string, bool) {
	if len(id) < 13 {
		return "", false
	}
	var v uint64
	for i := 4; i < 12; i++ {
		c := id[i]
		var d uint64
		switch {
		case c >= 'A' && c <= 'Z':
			d = uint64(c - 'A')
		case c >= '2' && c <= '7':
			d = uint64(c-'2') + 26
		default:
			return "", false
		}
		v = v<<5 | d
	}
	if v < 549755813888 {
		return "", false
	}
	n := (v - 549755813888) * 2
	p := id[12]
	idx := -1
	for i := 0; i < 32; i++ {
		if b32[i] == p {
			idx = i
		}
	}
	if idx >= 16 {
		n++
	}
	s := strconv.FormatUint(n, 10)
	for len(s) < 12 {
		s = "0" + s
	}
	if len(s) != 12 {
		return "", false
	}
	return s, true
}

// NewID returns a unique id or access key id: prefix (AIDA, AROA, AKIA,
// ASIA…), the encoded account, and random characters up to length.
func NewID(prefix, account string, length int) string {
	s := prefix + accountPart(account)
	return s + randB32(length-len(s))
}

// NewSecret returns a 40-character secret access key.
func NewSecret() string {
	b := make([]byte, 30)
	_, _ = rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}
