package gateway

import (
	"context"
	"encoding/json"
	"sort"
	"sync"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/apigw"
	"github.com/gatehouse-dev/gatehouse/internal/arn"
	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// API keys and usage plans on the data plane.
//
// A method with apiKeyRequired needs the value of an enabled API key of
// the API's account and region (from x-api-key, or from the authorizer's
// usageIdentifierKey when the API's apiKeySource is AUTHORIZER) that is a
// key of a usage plan including the stage; otherwise 403 Forbidden
// (INVALID_API_KEY). The plan's throttle (per key), its per-method
// throttle for the stage, then its quota apply: 429 Too Many Requests
// (THROTTLED), 429 Limit Exceeded (QUOTA_EXCEEDED).
//
// Counters live in memory on each node (documented in doc/apigateway.md):
// with several nodes behind a load balancer each enforces the full quota.
// Each key has its own lock; the request path takes no global lock.

// apiAuthz is an API's authorizers and customized gateway responses.
type apiAuthz struct {
	authorizers map[string]*authorizerEntry
	responses   map[string]*apigw.GatewayResponse
}

// authzTable is the part of the route table for keys and plans.
type authzTable struct {
	keys       map[string]*keyEntry    // by value
	plans      map[string]*planEntry   // by id
	stagePlans map[string][]*planEntry // "{api}/{stage}" → plans including it
	// flushGen is each stage's authorizer cache generation
	// (FlushStageAuthorizersCache), part of every cache key.
	flushGen map[string]int64
	// cacheGen is each stage's response cache generation
	// (FlushStageCache, cache.go).
	cacheGen map[string]int64
}

type keyEntry struct {
	id, value, account, region string
	enabled                    bool
	plans                      map[string]bool
}

type planEntry struct {
	id, account, region string
	throttle            *apigw.ThrottleSettings
	quota               *apigw.QuotaSettings
	methods             map[string]map[string]apigw.ThrottleSettings // "{api}/{stage}" → "/path/VERB" → limits
}

func (a *apiEntry) authorizer(id string) *authorizerEntry {
	if a == nil || a.x == nil {
		return nil
	}
	return a.x.authorizers[id]
}

// loadAuthz adds authorizers, gateway responses, keys and plans to t.
func loadAuthz(r store.Reader, t *Table) error {
	recs, err := r.List(apigw.KindAuthorizer, "")
	if err != nil {
		return err
	}
	ext := func(a *apiEntry) *apiAuthz {
		if a.x == nil {
			a.x = &apiAuthz{authorizers: map[string]*authorizerEntry{}, responses: map[string]*apigw.GatewayResponse{}}
		}
		return a.x
	}
	for _, rec := range recs {
		var ar apigw.AuthorizerRecord
		if err := json.Unmarshal(rec.Value, &ar); err != nil {
			return err
		}
		if a := t.apis[ar.APIID]; a != nil && a.account == ar.Account && a.region == ar.Region {
			ext(a).authorizers[ar.Authorizer.ID] = compileAuthorizer(a, &ar)
		}
	}
	if recs, err = r.List(apigw.KindGatewayResponse, ""); err != nil {
		return err
	}
	for _, rec := range recs {
		var gr apigw.GatewayResponseRecord
		if err := json.Unmarshal(rec.Value, &gr); err != nil {
			return err
		}
		if a := t.apis[gr.APIID]; a != nil && a.account == gr.Account && a.region == gr.Region {
			resp := gr.Response
			ext(a).responses[resp.ResponseType] = &resp
		}
	}
	t.x = authzTable{keys: map[string]*keyEntry{}, plans: map[string]*planEntry{}, stagePlans: map[string][]*planEntry{}, flushGen: map[string]int64{}, cacheGen: map[string]int64{}}
	if recs, err = r.List(apigw.KindStageCacheFlush, ""); err != nil {
		return err
	}
	for _, rec := range recs {
		var f apigw.AuthorizerFlushRecord
		if err := json.Unmarshal(rec.Value, &f); err != nil {
			return err
		}
		t.x.cacheGen[rec.Key] = f.Generation
	}
	if recs, err = r.List(apigw.KindAuthorizerFlush, ""); err != nil {
		return err
	}
	for _, rec := range recs {
		var f apigw.AuthorizerFlushRecord
		if err := json.Unmarshal(rec.Value, &f); err != nil {
			return err
		}
		t.x.flushGen[rec.Key] = f.Generation
	}
	if recs, err = r.List(apigw.KindAPIKey, ""); err != nil {
		return err
	}
	byID := map[string]*keyEntry{}
	for _, rec := range recs {
		var kr apigw.APIKeyRecord
		if err := json.Unmarshal(rec.Value, &kr); err != nil {
			return err
		}
		k := &keyEntry{id: kr.Key.ID, value: kr.Key.Value, account: kr.Account, region: kr.Region, enabled: kr.Key.Enabled, plans: map[string]bool{}}
		byID[k.id] = k
		if _, dup := t.x.keys[k.value]; dup {
			// Two keys with one value (only possible through a store
			// edited by hand): neither is usable, never a guess.
			t.x.keys[k.value] = &keyEntry{}
			continue
		}
		t.x.keys[k.value] = k
	}
	if recs, err = r.List(apigw.KindUsagePlan, ""); err != nil {
		return err
	}
	for _, rec := range recs {
		var pr apigw.UsagePlanRecord
		if err := json.Unmarshal(rec.Value, &pr); err != nil {
			return err
		}
		p := &planEntry{id: pr.Plan.ID, account: pr.Account, region: pr.Region, throttle: pr.Plan.Throttle, quota: pr.Plan.Quota,
			methods: map[string]map[string]apigw.ThrottleSettings{}}
		t.x.plans[p.id] = p
		for _, st := range pr.Plan.APIStages {
			k := st.APIID + "/" + st.Stage
			t.x.stagePlans[k] = append(t.x.stagePlans[k], p)
			p.methods[k] = st.Throttle
		}
	}
	if recs, err = r.List(apigw.KindUsagePlanKey, ""); err != nil {
		return err
	}
	for _, rec := range recs {
		var pk apigw.UsagePlanKeyRecord
		if err := json.Unmarshal(rec.Value, &pk); err != nil {
			return err
		}
		if k := byID[pk.KeyID]; k != nil && k.account == pk.Account && k.region == pk.Region {
			k.plans[pk.PlanID] = true
		}
	}
	for _, ps := range t.x.stagePlans {
		sort.Slice(ps, func(i, j int) bool { return ps[i].id < ps[j].id })
	}
	return nil
}

// checkAPIKey enforces apiKeyRequired; false = answered.
func (g *Gateway) checkAPIKey(rq *request, tbl *Table) bool {
	var value string
	if rq.stage.apiKeySource == "AUTHORIZER" {
		if rq.authz != nil {
			value = rq.authz.usageKey
		}
	} else {
		value = rq.r.Header.Get("X-Api-Key")
	}
	forbidden := func() bool {
		rq.respType = "INVALID_API_KEY"
		g.fail(rq, awserr.GatewayForbidden.New(""))
		return false
	}
	api := rq.stage.api
	k := tbl.x.keys[value]
	if value == "" || k == nil || !k.enabled || k.account != api.account || k.region != api.region {
		return forbidden()
	}
	var plan *planEntry
	stageKey := api.id + "/" + rq.stage.name
	for _, p := range tbl.x.stagePlans[stageKey] {
		if k.plans[p.id] && p.account == api.account && p.region == api.region {
			plan = p
			break
		}
	}
	if plan == nil {
		return forbidden()
	}
	rq.apiKey = k
	now := rq.start
	if t := plan.throttle; t != nil {
		if !g.allow(throttleSpec{key: "plan/" + plan.id + "/" + k.id, rate: t.RateLimit, burst: t.BurstLimit}, now) {
			g.fail(rq, awserr.GatewayThrottled.New(""))
			return false
		}
	}
	if mt, ok := plan.methods[stageKey][rq.m.res.Path+"/"+rq.m.verb]; ok {
		if !g.allow(throttleSpec{key: "plan/" + plan.id + "/" + k.id + "/" + stageKey + rq.m.res.Path + "/" + rq.m.verb,
			rate: mt.RateLimit, burst: mt.BurstLimit}, now) {
			g.fail(rq, awserr.GatewayThrottled.New(""))
			return false
		}
	}
	if q := plan.quota; q != nil {
		if !g.usage.take(plan.id, k.id, q, now) {
			g.fail(rq, errQuotaExceeded.New(""))
			return false
		}
	} else {
		g.usage.count(plan.id, k.id, now)
	}
	return true
}

var errQuotaExceeded = awserr.Code{Name: "LimitExceededException", Status: 429, DefaultMessage: "Limit Exceeded"}

// usageCounters counts requests per usage plan key.
type usageCounters struct {
	m   sync.Map // "{plan}/{key}" → *usageCell
	now func() time.Time
	tbl func() *Table
}

type usageCell struct {
	mu     sync.Mutex
	period time.Time // start of the current quota period
	first  bool      // the current period is the key's first (quota offset applies)
	used   int64
	days   map[string]int64
}

func (u *usageCounters) cell(plan, key string) *usageCell {
	k := plan + "/" + key
	if v, ok := u.m.Load(k); ok {
		return v.(*usageCell)
	}
	v, _ := u.m.LoadOrStore(k, &usageCell{first: true, days: map[string]int64{}})
	return v.(*usageCell)
}

// periodStart is the start of the quota period containing now (UTC;
// weeks start on Sunday, months on the 1st).
func periodStart(period string, now time.Time) time.Time {
	now = now.UTC()
	day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	switch period {
	case "WEEK":
		return day.AddDate(0, 0, -int(day.Weekday()))
	case "MONTH":
		return time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	}
	return day
}

// limit is the quota of the cell's current period: the plan's limit less
// its offset in the key's first period.
func (c *usageCell) limit(q *apigw.QuotaSettings) int64 {
	l := int64(q.Limit)
	if c.first {
		l -= int64(q.Offset)
	}
	return l
}

func (c *usageCell) roll(q *apigw.QuotaSettings, now time.Time) {
	if p := periodStart(q.Period, now); !p.Equal(c.period) {
		if !c.period.IsZero() {
			c.first = false
		}
		c.period, c.used = p, 0
	}
}

// take counts one request against the quota; false when none is left.
func (u *usageCounters) take(plan, key string, q *apigw.QuotaSettings, now time.Time) bool {
	c := u.cell(plan, key)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.roll(q, now)
	if c.used >= c.limit(q) {
		return false
	}
	c.used++
	c.days[now.UTC().Format("2006-01-02")]++
	return true
}

// count records a request of a plan without a quota.
func (u *usageCounters) count(plan, key string, now time.Time) {
	c := u.cell(plan, key)
	c.mu.Lock()
	c.days[now.UTC().Format("2006-01-02")]++
	c.mu.Unlock()
}

// Usage implements apigw.UsageCounter.
func (u *usageCounters) Usage(plan, key string) (map[string]int64, int64) {
	c := u.cell(plan, key)
	var q *apigw.QuotaSettings
	if t := u.tbl(); t != nil && t.x.plans[plan] != nil {
		q = t.x.plans[plan].quota
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	days := make(map[string]int64, len(c.days))
	for d, n := range c.days {
		days[d] = n
	}
	if q == nil {
		return days, -1
	}
	c.roll(q, u.now())
	return days, max(c.limit(q)-c.used, 0)
}

// SetRemaining implements apigw.UsageCounter.
func (u *usageCounters) SetRemaining(plan, key string, remaining int64) {
	var q *apigw.QuotaSettings
	if t := u.tbl(); t != nil && t.x.plans[plan] != nil {
		q = t.x.plans[plan].quota
	}
	if q == nil {
		return
	}
	c := u.cell(plan, key)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.roll(q, u.now())
	c.used = c.limit(q) - remaining
}

// UsageCounter returns the gateway's usage counters for GetUsage and
// UpdateUsage (wired by internal/app).
func (g *Gateway) UsageCounter() apigw.UsageCounter { return g.usage }

// TestAuthorizer implements apigw.AuthorizerTester: it runs the authorizer
// function once with the given request parts, without the cache.
func (g *Gateway) TestAuthorizer(ctx context.Context, rec *apigw.AuthorizerRecord, in *apigw.AuthorizerTest) (*apigw.AuthorizerTestResult, error) {
	start := g.cfg.Now()
	api := &apiEntry{id: rec.APIID, account: rec.Account, region: rec.Region}
	a := compileAuthorizer(api, rec)
	if a.broken != nil {
		return nil, awserr.BadRequestException.New("Invalid authorizer configuration: " + a.broken.Error())
	}
	out := &apigw.AuthorizerTestResult{}
	hdr := map[string][]string{}
	for k, v := range in.Headers {
		hdr[k] = []string{v}
	}
	for k, v := range in.MultiValueHeaders {
		hdr[k] = v
	}
	methodARN := arn.ExecuteAPIPrefix(rec.Region, rec.Account, rec.APIID) + "test-invoke-stage/GET/"
	var ev []byte
	var err error
	if a.typ == "TOKEN" {
		name := a.sources[0][len("method.request.header."):]
		var tok string
		for k, v := range hdr {
			if len(v) > 0 && equalFoldASCII(k, name) {
				tok = v[len(v)-1]
			}
		}
		if tok == "" || a.validation != nil && !a.validation.MatchString(tok) {
			out.ClientStatus = 401
			out.Log = "Unauthorized: the identity source is missing or invalid"
			return out, nil
		}
		ev, err = json.Marshal(tokenEvent{Type: "TOKEN", AuthorizationToken: tok, MethodARN: methodARN})
	} else {
		single := map[string]string{}
		for k, v := range hdr {
			if len(v) > 0 {
				single[k] = v[len(v)-1]
			}
		}
		ev, err = json.Marshal(requestEvent{Type: "REQUEST", MethodARN: methodARN, Path: in.PathWithQueryString, HTTPMethod: "GET",
			Headers: single, MultiValueHeaders: hdr, StageVariables: in.StageVariables,
			RequestContext: ProxyRequestContext{AccountID: rec.Account, APIID: rec.APIID, Stage: "test-invoke-stage", HTTPMethod: "GET"}})
	}
	if err != nil {
		return nil, err
	}
	res, rerr := g.runAuthorizer(ctx, a, ev)
	out.Latency = g.cfg.Now().Sub(start).Milliseconds()
	if rerr != nil {
		e := awserr.From(rerr)
		out.ClientStatus = e.Status
		out.Log = "Execution failed: " + e.Code
		return out, nil
	}
	out.ClientStatus = 200
	out.PrincipalID = res.principalID
	out.Policy = res.raw
	out.Log = "Authorizer returned a policy for principal " + res.principalID
	return out, nil
}

func equalFoldASCII(a, b string) bool { return headerEq(a, b) }
