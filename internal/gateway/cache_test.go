package gateway

import (
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/apigw"
)

func testCache(limit, max int64) *stageCache {
	return &stageCache{limit: limit, global: new(atomic.Int64), max: max}
}

func entry(k byte, size int64, expires time.Time) *cached {
	return &cached{key: [32]byte{k}, status: 200, size: size, expires: expires}
}

// TestStageCacheLRU: the stage's byte limit evicts least recently used
// entries first; an entry over the limit is not stored; the global limit
// binds across stages; expired entries are not served and are removed;
// a dropped cache stores nothing more and returns its bytes.
func TestStageCacheLRU(t *testing.T) {
	now := time.Unix(1e9, 0)
	later := now.Add(time.Minute)
	c := testCache(300, 1<<30)
	c.put(entry(1, 100, later))
	c.put(entry(2, 100, later))
	c.put(entry(3, 100, later))
	if c.get([32]byte{1}, now) == nil { // 1 is now the most recent
		t.Fatal("entry 1 missing")
	}
	c.put(entry(4, 100, later)) // evicts 2, the least recently used
	if c.get([32]byte{2}, now) != nil || c.get([32]byte{1}, now) == nil || c.get([32]byte{4}, now) == nil {
		t.Errorf("LRU eviction: len %d", c.len())
	}
	c.put(entry(5, 301, later))
	if c.get([32]byte{5}, now) != nil {
		t.Error("entry over the stage limit stored")
	}
	if c.get([32]byte{1}, later) != nil || c.len() != 2 {
		t.Errorf("expired entry served or kept: len %d", c.len())
	}
	if c.global.Load() != 200 || c.bytes != 200 {
		t.Errorf("accounting: stage %d global %d", c.bytes, c.global.Load())
	}
	c.drop()
	c.put(entry(6, 10, later))
	if c.len() != 0 || c.global.Load() != 0 {
		t.Errorf("dropped cache: len %d global %d", c.len(), c.global.Load())
	}

	// Two stages share the global budget of 250 bytes.
	g := new(atomic.Int64)
	a := &stageCache{limit: 1000, global: g, max: 250}
	b := &stageCache{limit: 1000, global: g, max: 250}
	a.put(entry(1, 200, later))
	b.put(entry(2, 100, later)) // does not fit: b has nothing to evict
	if b.len() != 0 || g.Load() != 200 {
		t.Errorf("global limit: b len %d global %d", b.len(), g.Load())
	}
	a.put(entry(3, 100, later)) // a evicts its own entry to fit
	if a.len() != 1 || g.Load() != 100 {
		t.Errorf("global limit, own eviction: a len %d global %d", a.len(), g.Load())
	}
}

func TestWantsInvalidate(t *testing.T) {
	for v, want := range map[string]bool{
		"max-age=0": true, "MAX-AGE=0": true, "no-store, max-age=0": true, " max-age=0 ": true,
		"max-age=00": false, "max-age=10": false, "no-cache": false, "": false, "max-age=0x": false,
	} {
		h := http.Header{}
		if v != "" {
			h.Set("Cache-Control", v)
		}
		if got := wantsInvalidate(h); got != want {
			t.Errorf("%q: %v, want %v", v, got, want)
		}
	}
}

// FuzzWantsInvalidate: any header value parses without panicking, and
// max-age=0 is found only as a whole directive.
func FuzzWantsInvalidate(f *testing.F) {
	for _, s := range []string{"max-age=0", "no-cache,max-age=0", "max-age=0,", ",,,", "max-age=\x000"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		h := http.Header{"Cache-Control": {v}}
		got := wantsInvalidate(h)
		want := false
		for _, d := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(d), "max-age=0") {
				want = true
			}
		}
		if got != want {
			t.Fatalf("%q: %v", v, got)
		}
	})
}

// TestCompileMethodCache: "*/*" caches GET only; a method's own setting
// any verb; TTL 0 or a disabled stage cache none; the namespace defaults
// to the resource id.
func TestCompileMethodCache(t *testing.T) {
	in := &apigw.Integration{Type: "HTTP_PROXY", CacheKeyParameters: []string{"method.request.path.id"}}
	res := &apigw.Resource{ID: "r1", Path: "/pets/{id}"}
	st := &apigw.StageRecord{Stage: apigw.Stage{CacheClusterEnabled: true, MethodSettings: map[string]apigw.MethodSetting{
		"*/*":              {CachingEnabled: true, CacheTTLInSeconds: 60},
		"~1pets~1{id}/PUT": {CachingEnabled: true, CacheTTLInSeconds: 30},
	}}}
	if mc := compileMethodCache(st, res, "GET", in); mc == nil || mc.ttl != time.Minute || mc.ns != "r1" || len(mc.params) != 1 {
		t.Errorf("GET: %+v", mc)
	}
	if mc := compileMethodCache(st, res, "POST", in); mc != nil {
		t.Errorf("POST cached by */*: %+v", mc)
	}
	if mc := compileMethodCache(st, res, "PUT", in); mc == nil || mc.ttl != 30*time.Second {
		t.Errorf("PUT with its own setting: %+v", mc)
	}
	st.Stage.MethodSettings["~1pets~1{id}/GET"] = apigw.MethodSetting{CachingEnabled: true, CacheTTLInSeconds: 0}
	if mc := compileMethodCache(st, res, "GET", in); mc != nil {
		t.Errorf("ttl 0 cached: %+v", mc)
	}
	st.Stage.CacheClusterEnabled = false
	if mc := compileMethodCache(st, res, "PUT", in); mc != nil {
		t.Errorf("stage cache off: %+v", mc)
	}
	if got, gb := stageCacheLimit("1.6"), 1.6; got != int64(gb*(1<<30)) {
		t.Errorf("limit 1.6: %d", got)
	}
	if got := stageCacheLimit(""); got != 1<<29 {
		t.Errorf("limit default: %d", got)
	}
}

// TestCacheParamValue: multi-valued query strings and headers key by
// every value; an integration parameter keys by its mapped value.
func TestCacheParamValue(t *testing.T) {
	r, _ := http.NewRequest(http.MethodGet, "http://x/p?q=1&q=2", nil)
	r.Header.Add("X-A", "a")
	r.Header.Add("X-A", "b")
	rq := &request{r: r, m: &methodEntry{in: &apigw.Integration{RequestParameters: map[string]string{"integration.request.header.k": "method.request.querystring.q"}}}}
	for p, want := range map[string]string{
		"method.request.querystring.q": "1\x002", "method.request.header.X-A": "a\x00b",
		"integration.request.header.k": "1\x002",
	} {
		if v, ok := rq.cacheParamValue(p); !ok || v != want {
			t.Errorf("%s: %q %v", p, v, ok)
		}
	}
	if _, ok := rq.cacheParamValue("method.request.querystring.none"); ok {
		t.Error("absent parameter present")
	}
}
