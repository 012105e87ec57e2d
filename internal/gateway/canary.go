package gateway

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"sync/atomic"

	"github.com/gatehouse-dev/gatehouse/internal/apigw"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// canaryEntry is a stage's canary release: the share of requests served
// by another deployment of the same stage (same stage name, method ARNs,
// throttles and resource policy of that deployment), with the stage's
// variables overridden by canarySettings.stageVariableOverrides.
type canaryEntry struct {
	entry *stageEntry
	// threshold: a request goes to the canary when its draw is below it
	// (percentTraffic of 2^64); always is percentTraffic 100.
	threshold uint64
	always    bool
	// useStageCache: canary requests read and fill the stage cache.
	useStageCache bool
	// seq and offset make the draw: AWS picks at random; gatehouse takes
	// the golden-ratio (Weyl) sequence offset+n·φ⁻¹ mod 2^64 from a random
	// start, so that over any run of N consecutive requests the canary
	// gets percentTraffic·N of them within a few requests (a low
	// discrepancy sequence), and a test of the split is never flaky.
	seq    *atomic.Uint64
	offset uint64
}

// golden is 2^64/φ, the Weyl increment.
const golden = 0x9E3779B97F4A7C15

// pick returns the entry that serves this request: the canary's for its
// share of requests, else s.
func (s *stageEntry) pick() *stageEntry {
	c := s.canary
	if c == nil {
		return s
	}
	if c.always {
		return c.entry
	}
	if c.threshold == 0 {
		return s
	}
	if c.offset+c.seq.Add(1)*golden < c.threshold {
		return c.entry
	}
	return s
}

// compileCanary compiles st's canary settings onto base. A canary whose
// deployment cannot be read serves nothing (the base takes all traffic).
func compileCanary(r store.Reader, a *apiEntry, st *apigw.StageRecord, base *stageEntry, deps map[string]*apigw.DeploymentRecord) error {
	cs := st.Stage.CanarySettings
	if cs == nil {
		return nil
	}
	base.hasCanary = true
	if cs.DeploymentID == "" {
		return nil
	}
	key := st.APIID + "/" + cs.DeploymentID
	d := deps[key]
	if d == nil {
		rec, err := r.Get(apigw.KindDeployment, key)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		d = &apigw.DeploymentRecord{}
		if err := json.Unmarshal(rec.Value, d); err != nil {
			return err
		}
		deps[key] = d
	}
	cst := *st
	vars := make(map[string]string, len(st.Stage.Variables)+len(cs.StageVariableOverrides))
	for k, v := range st.Stage.Variables {
		vars[k] = v
	}
	for k, v := range cs.StageVariableOverrides {
		vars[k] = v
	}
	cst.Stage.Variables = vars
	ce := compileStage(a, &cst, d)
	ce.hasCanary, ce.isCanary = true, true
	// A canary reads and fills the stage cache only with useStageCache.
	ce.cacheOn = ce.cacheOn && cs.UseStageCache
	ce.clientCert = base.clientCert
	c := &canaryEntry{entry: ce, useStageCache: cs.UseStageCache, seq: new(atomic.Uint64)}
	switch p := cs.PercentTraffic; {
	case p >= 100:
		c.always = true
	case p > 0:
		c.threshold = uint64(p / 100 * math.Exp2(64))
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	c.offset = binary.LittleEndian.Uint64(b[:])
	base.canary = c
	return nil
}
