package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"hash"
	"strings"
	"sync"
)

// keyCache holds derived signing keys (§9) so that steady-state
// verification costs one canonical-request hash and one HMAC. It is bounded
// and sharded to keep lock contention low.
//
// An entry records the secret it was derived from; a lookup with a
// different secret (rotated key) misses, so a stale derived key is never
// used.
type keyCache struct {
	shards   []cacheShard
	perShard int
}

type cacheKey struct{ akid, date, region, service string }

type cacheEntry struct {
	secret string
	key    [32]byte
}

type cacheShard struct {
	mu sync.RWMutex
	m  map[cacheKey]cacheEntry
}

const cacheShards = 16

func newKeyCache(size int) *keyCache {
	if size < 0 {
		return nil
	}
	per := (size + cacheShards - 1) / cacheShards
	if per < 1 {
		per = 1
	}
	c := &keyCache{shards: make([]cacheShard, cacheShards), perShard: per}
	for i := range c.shards {
		c.shards[i].m = make(map[cacheKey]cacheEntry)
	}
	return c
}

func (c *keyCache) shard(k *cacheKey) *cacheShard {
	// FNV-1a over the key id and date: cheap and allocation-free.
	h := uint32(2166136261)
	for i := 0; i < len(k.akid); i++ {
		h = (h ^ uint32(k.akid[i])) * 16777619
	}
	for i := 0; i < len(k.date); i++ {
		h = (h ^ uint32(k.date[i])) * 16777619
	}
	return &c.shards[h%cacheShards]
}

// signingKey returns the derived key for (secret, date, region, service),
// from the cache when possible.
func (c *keyCache) signingKey(akid, secret, date, region, service string) [32]byte {
	if c == nil {
		return deriveKey(secret, date, region, service)
	}
	k := cacheKey{akid, date, region, service}
	s := c.shard(&k)
	s.mu.RLock()
	e, ok := s.m[k]
	s.mu.RUnlock()
	// Both secrets come from the server's own resolver, never from the
	// request, so a plain comparison leaks nothing to the client.
	if ok && e.secret == secret {
		return e.key
	}
	key := deriveKey(secret, date, region, service)
	// Clone: the strings may point into a request that must not be pinned.
	k = cacheKey{strings.Clone(akid), strings.Clone(date), strings.Clone(region), strings.Clone(service)}
	s.mu.Lock()
	if _, exists := s.m[k]; !exists && len(s.m) >= c.perShard {
		for old := range s.m { // evict an arbitrary entry
			delete(s.m, old)
			break
		}
	}
	s.m[k] = cacheEntry{secret: secret, key: key}
	s.mu.Unlock()
	return key
}

// deriveKey is §9's kSigning.
func deriveKey(secret, date, region, service string) [32]byte {
	kb := make([]byte, 0, 4+len(secret))
	kb = append(append(kb, "AWS4"...), secret...)
	k := hmacSum(kb, date)
	k = hmacSum(k, region)
	k = hmacSum(k, service)
	k = hmacSum(k, "aws4_request")
	clear(kb)
	var out [32]byte
	copy(out[:], k)
	return out
}

func hmacSum(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

// hmacState computes HMAC-SHA256 with a 32-byte key without allocating,
// reusing two SHA-256 states (RFC 2104 written out).
type hmacState struct {
	inner, outer hash.Hash
	pad          [64]byte
	sum, out     [32]byte
}

func newHMACState() hmacState {
	return hmacState{inner: sha256.New(), outer: sha256.New()}
}

func (h *hmacState) sumTo(key *[32]byte, msg []byte) [32]byte {
	for i := range h.pad {
		h.pad[i] = 0x36
	}
	for i, b := range key {
		h.pad[i] ^= b
	}
	h.inner.Reset()
	h.inner.Write(h.pad[:])
	h.inner.Write(msg)
	inner := h.inner.Sum(h.sum[:0])
	for i := range h.pad {
		h.pad[i] = 0x5c
	}
	for i, b := range key {
		h.pad[i] ^= b
	}
	h.outer.Reset()
	h.outer.Write(h.pad[:])
	h.outer.Write(inner)
	h.outer.Sum(h.out[:0])
	return h.out
}
