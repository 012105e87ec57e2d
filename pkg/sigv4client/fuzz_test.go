package sigv4client

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"testing"
)

func hexString(b []byte) string { return hex.EncodeToString(b) }

// FuzzHashBody checks, against crypto/sha256 as the oracle, that every body
// path (in memory, spooled to disk) hashes the exact bytes and hands back the
// same bytes to send.
func FuzzHashBody(f *testing.F) {
	f.Add([]byte(""), int64(0))
	f.Add([]byte("abc"), int64(3))
	f.Add([]byte("abcd"), int64(3))
	f.Add(bytes.Repeat([]byte("x"), 100), int64(-1))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte, threshold int64) {
		if threshold > 1<<20 {
			threshold = 1 << 20
		}
		req, _ := http.NewRequest("PUT", "http://x/", oneShot{bytes.NewReader(data)})
		hash, err := hashBody(req, threshold, dir)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(data)
		if hash != hexString(sum[:]) {
			t.Fatalf("hash %s, want %x", hash, sum)
		}
		got, err := io.ReadAll(req.Body)
		if err != nil {
			t.Fatal(err)
		}
		req.Body.Close()
		if !bytes.Equal(got, data) || req.ContentLength != int64(len(data)) {
			t.Fatalf("body %d bytes (ContentLength %d), want %d", len(got), req.ContentLength, len(data))
		}
	})
}
