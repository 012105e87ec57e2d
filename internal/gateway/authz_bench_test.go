package gateway

import (
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/apigw"
)

// BenchmarkAuthzCacheHit: cached authorizer results read from many
// goroutines (sharded locks, no global one).
func BenchmarkAuthzCacheHit(b *testing.B) {
	var c authzCache
	now := time.Now()
	keys := make([]string, 1024)
	for i := range keys {
		keys[i] = "api/prod\x00au\x00fp\x00" + strconv.Itoa(i)
		c.put(keys[i], &authzResult{principalID: "p"}, now.Add(time.Hour), now)
	}
	var n atomic.Int64
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := int(n.Add(1)) * 7919
		for pb.Next() {
			if c.get(keys[i%len(keys)], now) == nil {
				b.Fatal("miss")
			}
			i++
		}
	})
}

// BenchmarkUsageTake: quota counting for many keys in parallel.
func BenchmarkUsageTake(b *testing.B) {
	u := &usageCounters{now: time.Now, tbl: func() *Table { return nil }}
	q := &apigw.QuotaSettings{Limit: 1 << 30, Period: "DAY"}
	now := time.Now()
	var n atomic.Int64
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		key := strconv.Itoa(int(n.Add(1)))
		for pb.Next() {
			u.take("plan", key, q, now)
		}
	})
}
