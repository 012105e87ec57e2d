package gateway

import (
	"container/list"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/apigw"
	"github.com/gatehouse-dev/gatehouse/internal/authn"
	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/pipeline"
	"github.com/gatehouse-dev/gatehouse/internal/policy"
	"github.com/gatehouse-dev/gatehouse/internal/sigv4"
)

// The stage response cache (API Gateway's "API cache"). A stage with
// cacheClusterEnabled has one; a method is cached when its method
// setting says cachingEnabled with a TTL above 0 (the "*/*" setting
// applies to GET methods only: "When you enable caching for a stage, only
// GET methods have caching enabled by default").
//
// Security: the cache sits right before the integration. Routing,
// authentication, authorization (IAM, resource policy, Lambda
// authorizer), API key, throttle and request validation have all passed
// before it is read, so a caller that would be refused is refused, also
// when the response is cached, and a Deny added to a policy takes effect
// at once. What the cache holds is the integration's answer only: the
// gateway's own answers (errors, 403s) are never stored.
//
// Key (as AWS keys it): the stage, the method's verb, the integration's
// cacheNamespace (by default the resource id, so the resource path
// template, not the request path) and the values of the integration's
// cacheKeyParameters. Like AWS, two requests that differ only in a value
// that is not a cache key parameter share the entry (a path parameter
// must be listed to key by it). The key is hashed (SHA-256), so every
// entry's key has a fixed size whatever the request holds.
//
// Invalidation: a request with "Cache-Control: max-age=0" skips the
// lookup and replaces the entry, when the method does not require
// authorization for it, or the caller is allowed
// execute-api:InvalidateCache on the method ARN; otherwise the method's
// unauthorizedCacheControlHeaderStrategy decides (403, or the header is
// ignored with or without a Warning header).
//
// Memory: a stage's cache holds at most its cacheClusterSize, capped by
// Config.ResponseCacheBytes for all stages together (an in-process cache
// in an offline gateway); entries over 1 MB are not cached (AWS's limit),
// least recently used entries are evicted first, expired ones on access.
// FlushStageCache bumps a generation stored with the stage (store kind
// apigw/cacheflush): every node drops that stage's cache on its next
// request, without any node-to-node call.

// maxCachedResponse is AWS's largest cacheable response (1048576 bytes).
const maxCachedResponse = 1 << 20

// DefaultResponseCacheBytes bounds all stage caches together.
const DefaultResponseCacheBytes = 256 << 20

// entryOverhead approximates an entry's bookkeeping (list element, map
// slot, header map) in the byte accounting.
const entryOverhead = 256

// invalidateAction is the action a cache invalidation needs.
const invalidateAction = "execute-api:InvalidateCache"

// cacheWarning is the Warning header sent when an unauthorized
// invalidation is ignored under SUCCEED_WITH_RESPONSE_HEADER. AWS does not
// document its text [unconfirmed].
const cacheWarning = `199 - "Cache-control headers were ignored because the caller was unauthorized."`

// methodCache is a method's compiled cache settings; nil when the method
// is not cached.
type methodCache struct {
	ttl         time.Duration
	encrypt     bool
	requireAuth bool
	strategy    string // unauthorizedCacheControlHeaderStrategy
	ns          string
	params      []string // cacheKeyParameters, as configured
}

// compileMethodCache derives a method's cache settings from its stage
// record; nil when the stage cache is off or the method is not cached.
func compileMethodCache(st *apigw.StageRecord, r *apigw.Resource, verb string, in *apigw.Integration) *methodCache {
	if !st.Stage.CacheClusterEnabled || in == nil {
		return nil
	}
	ms, own := apigw.OwnMethodSetting(&st.Stage, r.Path, verb)
	if !own {
		wild, ok := st.Stage.MethodSettings["*/*"]
		if !ok || verb != http.MethodGet {
			return nil
		}
		ms = wild
	}
	if !ms.CachingEnabled || ms.CacheTTLInSeconds <= 0 {
		return nil
	}
	ttl := ms.CacheTTLInSeconds
	if ttl > 3600 {
		ttl = 3600
	}
	c := &methodCache{ttl: time.Duration(ttl) * time.Second, encrypt: ms.CacheDataEncrypted,
		requireAuth: ms.RequireAuthorizationForCacheControl, strategy: ms.UnauthorizedCacheControlHeaderStrategy,
		ns: in.CacheNamespace, params: in.CacheKeyParameters}
	if c.ns == "" {
		c.ns = r.ID
	}
	return c
}

// cacheVariant encodes a deployment id and stage variables (sorted,
// length-prefixed) for the cache key.
func cacheVariant(deployment string, vars map[string]string) string {
	keys := make([]string, 0, len(vars))
	for k := range vars {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	add := func(s string) {
		b.WriteString(strconv.Itoa(len(s)))
		b.WriteByte(':')
		b.WriteString(s)
	}
	add(deployment)
	for _, k := range keys {
		add(k)
		add(vars[k])
	}
	return b.String()
}

// stageCacheLimit is the byte budget of a stage's cache: its
// cacheClusterSize (GB), 0.5 GB when unset.
func stageCacheLimit(size string) int64 {
	gb, err := strconv.ParseFloat(size, 64)
	if err != nil || gb <= 0 {
		gb = 0.5
	}
	return int64(gb * (1 << 30))
}

// cacheKey hashes what identifies a cached response.
func (rq *request) cacheKey(mc *methodCache) [32]byte {
	h := sha256.New()
	var n [4]byte
	put := func(s string) {
		binary.BigEndian.PutUint32(n[:], uint32(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	put(rq.stage.api.id)
	put(rq.stage.name)
	// The deployment and stage variables the answer was made under: a new
	// deployment (or a canary's) never serves another's cached answer.
	put(rq.stage.cacheVariant)
	put(rq.m.verb)
	put(mc.ns)
	for _, p := range mc.params {
		put(p)
		v, ok := rq.cacheParamValue(p)
		if !ok {
			h.Write([]byte{0})
			continue
		}
		h.Write([]byte{1})
		put(v)
	}
	var out [32]byte
	h.Sum(out[:0])
	return out
}

// cacheParamValue is the value of a cache key parameter: a method request
// parameter (every value of a multi-valued query string or header), or an
// integration request parameter through its mapping.
func (rq *request) cacheParamValue(p string) (string, bool) {
	if strings.HasPrefix(p, "integration.request.") {
		expr, ok := rq.m.in.RequestParameters[p]
		if !ok {
			return "", false
		}
		p = expr
	}
	switch {
	case strings.HasPrefix(p, "method.request.querystring."):
		v, ok := rq.r.URL.Query()[p[len("method.request.querystring."):]]
		return strings.Join(v, "\x00"), ok
	case strings.HasPrefix(p, "method.request.header."):
		v := rq.r.Header.Values(p[len("method.request.header."):])
		return strings.Join(v, "\x00"), len(v) > 0
	}
	return rq.value(p)
}

// wantsInvalidate reports a Cache-Control request header with max-age=0.
func wantsInvalidate(h http.Header) bool {
	for _, v := range h.Values("Cache-Control") {
		for _, d := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(d), "max-age=0") {
				return true
			}
		}
	}
	return false
}

// cached is one stored response.
type cached struct {
	key     [32]byte
	status  int
	header  http.Header
	body    []byte // sealed when the method encrypts its cache data
	sealed  bool
	expires time.Time
	size    int64
}

// stageCache is one stage's cache: an LRU list under a lock.
type stageCache struct {
	gen    int64
	limit  int64
	global *atomic.Int64 // bytes held by all stage caches
	max    int64         // Config.ResponseCacheBytes

	mu    sync.Mutex
	lru   list.List // front = most recent; values *cached
	byKey map[[32]byte]*list.Element
	bytes int64
	dead  bool // replaced (flush, resize): stores nothing more
}

func (c *stageCache) get(key [32]byte, now time.Time) *cached {
	c.mu.Lock()
	defer c.mu.Unlock()
	el := c.byKey[key]
	if el == nil {
		return nil
	}
	e := el.Value.(*cached)
	if !now.Before(e.expires) {
		c.removeLocked(el)
		return nil
	}
	c.lru.MoveToFront(el)
	return e
}

func (c *stageCache) removeLocked(el *list.Element) {
	e := c.lru.Remove(el).(*cached)
	delete(c.byKey, e.key)
	c.bytes -= e.size
	c.global.Add(-e.size)
}

// put stores e, evicting least recently used entries to stay within the
// stage's limit and the global one; an entry that does not fit is dropped.
func (c *stageCache) put(e *cached) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.dead || e.size > c.limit {
		return
	}
	if c.byKey == nil {
		c.byKey = map[[32]byte]*list.Element{}
	}
	if el := c.byKey[e.key]; el != nil {
		c.removeLocked(el)
	}
	for c.lru.Len() > 0 && (c.bytes+e.size > c.limit || c.global.Load()+e.size > c.max) {
		c.removeLocked(c.lru.Back())
	}
	if c.bytes+e.size > c.limit || c.global.Load()+e.size > c.max {
		return
	}
	c.byKey[e.key] = c.lru.PushFront(e)
	c.bytes += e.size
	c.global.Add(e.size)
}

// drop empties c for good (its stage was flushed, resized or removed).
func (c *stageCache) drop() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.dead = true
	for c.lru.Len() > 0 {
		c.removeLocked(c.lru.Back())
	}
}

// len is the number of entries (tests).
func (c *stageCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lru.Len()
}

// responseCaches holds the gateway's stage caches by "apiId/stage".
type responseCaches struct {
	m      sync.Map // string -> *stageCache
	bytes  atomic.Int64
	max    int64
	aead   cipher.AEAD
	swept  atomic.Pointer[Table] // the table the last sweep ran for
	sweepM sync.Mutex
}

func newResponseCaches(max int64) *responseCaches {
	if max <= 0 {
		max = DefaultResponseCacheBytes
	}
	rc := &responseCaches{max: max}
	// cacheDataEncrypted: entries are sealed with a key that lives only in
	// this process's memory.
	var k [32]byte
	if _, err := rand.Read(k[:]); err == nil {
		if b, err := aes.NewCipher(k[:]); err == nil {
			rc.aead, _ = cipher.NewGCM(b)
		}
	}
	return rc
}

// stage returns the cache of rq's stage for the table's flush generation,
// replacing one of an older generation or another size.
func (rc *responseCaches) stage(tbl *Table, st *stageEntry) *stageCache {
	rc.sweep(tbl)
	id := st.api.id + "/" + st.name
	gen := tbl.x.cacheGen[id]
	v, ok := rc.m.Load(id)
	if ok {
		c := v.(*stageCache)
		if c.gen == gen && c.limit == st.cacheLimit {
			return c
		}
		nc := &stageCache{gen: gen, limit: st.cacheLimit, global: &rc.bytes, max: rc.max}
		if rc.m.CompareAndSwap(id, c, nc) {
			c.drop()
			return nc
		}
		v, _ = rc.m.Load(id)
		if v == nil {
			return nc // swept meanwhile: serve uncached
		}
		return v.(*stageCache)
	}
	nc := &stageCache{gen: gen, limit: st.cacheLimit, global: &rc.bytes, max: rc.max}
	v, _ = rc.m.LoadOrStore(id, nc)
	return v.(*stageCache)
}

// sweep drops the caches of stages that no longer have one, once per
// table.
func (rc *responseCaches) sweep(tbl *Table) {
	if rc.swept.Load() == tbl {
		return
	}
	rc.sweepM.Lock()
	defer rc.sweepM.Unlock()
	if rc.swept.Load() == tbl {
		return
	}
	rc.m.Range(func(k, v any) bool {
		id := k.(string)
		api, stage, _ := strings.Cut(id, "/")
		var st *stageEntry
		if a := tbl.apis[api]; a != nil {
			st = a.stages[stage]
		}
		if st == nil || !st.cacheOn {
			rc.m.Delete(id)
			v.(*stageCache).drop()
		}
		return true
	})
	rc.swept.Store(tbl)
}

// captureWriter passes the integration's answer through to the client
// and keeps a copy (status, headers, up to maxCachedResponse of body).
type captureWriter struct {
	w       http.ResponseWriter
	status  int
	header  http.Header
	body    []byte
	tooBig  bool
	written bool
}

func (cw *captureWriter) Header() http.Header { return cw.w.Header() }

func (cw *captureWriter) WriteHeader(code int) {
	if cw.written {
		return
	}
	cw.written = true
	cw.status = code
	cw.header = snapshotHeader(cw.w.Header())
	cw.w.WriteHeader(code)
}

func (cw *captureWriter) Write(p []byte) (int, error) {
	if !cw.written {
		cw.WriteHeader(http.StatusOK)
	}
	if !cw.tooBig {
		if len(cw.body)+len(p) > maxCachedResponse {
			cw.tooBig, cw.body = true, nil
		} else {
			cw.body = append(cw.body, p...)
		}
	}
	return cw.w.Write(p)
}

// perRequestHeaders are set by the gateway for each request, never
// replayed from the cache.
var perRequestHeaders = map[string]bool{"X-Amzn-Requestid": true, "X-Amz-Apigw-Id": true, "X-Amzn-Trace-Id": true,
	"Warning": true}

func snapshotHeader(h http.Header) http.Header {
	out := make(http.Header, len(h))
	for k, vv := range h {
		if perRequestHeaders[k] {
			continue
		}
		out[k] = append([]string(nil), vv...)
	}
	return out
}

func headerSize(h http.Header) int64 {
	var n int64
	for k, vv := range h {
		n += int64(len(k))
		for _, v := range vv {
			n += int64(len(v)) + 16
		}
	}
	return n
}

// serveCached runs the integration through the stage cache; false when
// caching does not apply to the request (the caller integrates). It runs
// only after every authorization step has passed.
func (g *Gateway) serveCached(rq *request, tbl *Table) bool {
	mc := rq.m.cache
	if mc == nil || !rq.stage.cacheOn || g.rcache == nil {
		return false
	}
	c := g.rcache.stage(tbl, rq.stage)
	key := rq.cacheKey(mc)
	now := g.cfg.Now()
	invalidate := wantsInvalidate(rq.r.Header)
	allowed := false
	if invalidate && mc.requireAuth {
		var answered bool
		if allowed, answered = g.mayInvalidate(rq); answered {
			return true
		}
	}
	if invalidate && mc.requireAuth && !allowed {
		switch mc.strategy {
		case "FAIL_WITH_403":
			g.denyInvalidate(rq)
			return true
		case "SUCCEED_WITHOUT_RESPONSE_HEADER":
		default: // SUCCEED_WITH_RESPONSE_HEADER, AWS's default
			rq.w.Header().Set("Warning", cacheWarning)
		}
		invalidate = false
	}
	if !invalidate {
		if e := c.get(key, now); e != nil {
			if body, ok := g.open(e); ok {
				g.replay(rq, e, body)
				return true
			}
		}
	}
	orig := rq.w
	cw := &captureWriter{w: orig}
	rq.w = cw
	g.integrate(rq)
	rq.w = orig
	if !cw.written || cw.tooBig || rq.noStore {
		return true
	}
	e := &cached{key: key, status: cw.status, header: cw.header, expires: now.Add(mc.ttl)}
	e.body = cw.body
	if mc.encrypt {
		if g.rcache.aead == nil {
			return true
		}
		nonce := make([]byte, g.rcache.aead.NonceSize(), g.rcache.aead.NonceSize()+len(cw.body)+g.rcache.aead.Overhead())
		if _, err := rand.Read(nonce); err != nil {
			return true
		}
		e.body, e.sealed = g.rcache.aead.Seal(nonce, nonce, cw.body, key[:]), true
	}
	e.size = int64(len(e.body)) + headerSize(e.header) + entryOverhead
	c.put(e)
	return true
}

// open returns e's body, unsealing it when it was stored encrypted.
func (g *Gateway) open(e *cached) ([]byte, bool) {
	if !e.sealed {
		return e.body, true
	}
	a := g.rcache.aead
	ns := a.NonceSize()
	if len(e.body) < ns {
		return nil, false
	}
	b, err := a.Open(nil, e.body[:ns], e.body[ns:], e.key[:])
	return b, err == nil
}

// replay writes a cached response with this request's own ids.
func (g *Gateway) replay(rq *request, e *cached, body []byte) {
	h := rq.w.Header()
	for k, vv := range e.header {
		h[k] = vv
	}
	rq.w.WriteHeader(e.status)
	if rq.r.Method != http.MethodHead {
		_, _ = rq.w.Write(body)
	}
}

// mayInvalidate decides execute-api:InvalidateCache on the method ARN for
// this (already authorized) caller: the IAM engine for an AWS_IAM method;
// on a NONE or CUSTOM method, the IAM engine for a SigV4-signed request
// (its signature verified here, as the method itself does not), else the
// Lambda authorizer's policy for a CUSTOM one; for every method the API's
// resource policy, whose explicit Deny wins. An unsigned caller of a NONE
// method needs the resource policy's explicit Allow. answered: a body
// read for the signature failed and its error was sent.
func (g *Gateway) mayInvalidate(rq *request) (ok, answered bool) {
	if rq.methodARN == "" {
		rq.methodARN = rq.stage.arnPrefix.Method(rq.r.Method, rq.tg.rest.dec[1:])
	}
	if rq.stage.policyBroken {
		return false, false
	}
	g.fillContext(rq)
	switch {
	case rq.m.iam:
		return g.callerMayInvalidate(rq, rq.caller), false
	case signedRequest(rq.r):
		if !g.readBody(rq) {
			return false, true
		}
		p := g.verifyInvalidator(rq)
		if p == nil {
			return false, false
		}
		return g.callerMayInvalidate(rq, p), false
	case rq.m.authType == "CUSTOM" && rq.authz != nil && rq.authz.policy != nil:
		in := policy.Input{Identity: []policy.Named{{Name: "authorizer", Policy: rq.authz.policy}}, ResourceAccount: rq.stage.api.account}
		preq := policy.Request{Principal: policy.Principal{Kind: policy.PrincipalUser, AccountID: rq.stage.api.account},
			Action: invalidateAction, Resource: rq.methodARN, Context: &rq.pctx}
		if policy.Evaluate(&in, &preq).Effect != policy.Allowed {
			return false, false
		}
		return rq.stage.policy == nil || g.resourcePolicyOn(rq, invalidateAction).Effect != policy.ExplicitDeny, false
	}
	if rq.stage.policy == nil {
		return false, false
	}
	return g.resourcePolicyOn(rq, invalidateAction).Effect == policy.Allowed, false
}

// callerMayInvalidate asks the IAM engine (identity and resource policy)
// for execute-api:InvalidateCache on the method ARN for caller p.
func (g *Gateway) callerMayInvalidate(rq *request, p *authn.Principal) bool {
	if p == nil || g.cfg.Authorizer == nil {
		return false
	}
	d := g.cfg.Authorizer.Authorize(p, pipeline.AuthzRequest{Action: invalidateAction, Resource: rq.methodARN,
		ResourcePolicy: rq.stage.policy, ResourcePolicyName: rq.stage.policyName(), ResourceAccount: rq.stage.api.account,
		Context: &rq.pctx})
	return d.Effect == policy.Allowed
}

// signedRequest reports a SigV4 Authorization header or presigned query.
func signedRequest(r *http.Request) bool {
	return strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 ") || r.URL.Query().Has("X-Amz-Algorithm")
}

// verifyInvalidator verifies the SigV4 signature of a request to a method
// that does not authenticate (its body already read); nil when it does
// not verify: the invalidation is then unauthorized, never an error of
// the request itself.
func (g *Gateway) verifyInvalidator(rq *request) *authn.Principal {
	if g.cfg.Resolver == nil {
		return nil
	}
	req := sigv4.FromHTTP(rq.r, nil)
	req.PayloadHash = rq.held.Hash()
	res, err := g.verifier(rq.stage.api.region).Verify(&req)
	if err != nil || res == nil {
		return nil
	}
	p, _ := res.Identity.(*authn.Principal)
	return p
}

// resourcePolicyOn evaluates the API's resource policy alone for the
// anonymous caller.
func (g *Gateway) resourcePolicyOn(rq *request, action string) policy.Decision {
	in := policy.Input{ResourcePolicy: &policy.Named{Name: rq.stage.policyName(), Policy: rq.stage.policy}, ResourceAccount: rq.stage.api.account}
	preq := policy.Request{Principal: policy.Principal{Kind: policy.PrincipalAnonymous}, Action: action, Resource: rq.methodARN, Context: &rq.pctx}
	return policy.Evaluate(&in, &preq)
}

// denyInvalidate is FAIL_WITH_403: AWS's 403 for the refused
// invalidation.
func (g *Gateway) denyInvalidate(rq *request) {
	d := policy.Decision{Effect: policy.ImplicitDeny, Type: policy.TypeIdentity, Statement: -1}
	if rq.caller == nil {
		d.Type = policy.TypeResource
	}
	msg := pipeline.DenyMessage(rq.caller, invalidateAction, rq.methodARN, d, g.cfg.LegacyDenyMessages)
	g.fail(rq, awserr.GatewayAccessDenied.New(msg))
}
