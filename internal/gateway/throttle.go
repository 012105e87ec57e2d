package gateway

import (
	"sync"
	"sync/atomic"
	"time"
)

// bucket is a token bucket (rate tokens/s, capacity burst).
type bucket struct {
	mu     sync.Mutex
	tokens float64
	last   time.Time
	rate   float64
	burst  float64
}

// allow takes one token from the bucket of spec, creating it full.
func (g *Gateway) allow(spec throttleSpec, now time.Time) bool {
	v, ok := g.throttles.Load(spec.key)
	if !ok {
		v, _ = g.throttles.LoadOrStore(spec.key, &bucket{tokens: float64(spec.burst), last: now})
	}
	b := v.(*bucket)
	b.mu.Lock()
	defer b.mu.Unlock()
	b.rate, b.burst = spec.rate, float64(spec.burst)
	if el := now.Sub(b.last).Seconds(); el > 0 {
		b.tokens += el * b.rate
		b.last = now
	}
	if b.tokens > b.burst {
		b.tokens = b.burst
	}
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

type invokerBox struct{ inv FunctionInvoker }

type atomicInvoker struct{ p atomic.Pointer[invokerBox] }

func (a *atomicInvoker) set(inv FunctionInvoker) { a.p.Store(&invokerBox{inv: inv}) }

func (a *atomicInvoker) get() FunctionInvoker {
	if b := a.p.Load(); b != nil {
		return b.inv
	}
	return nil
}
