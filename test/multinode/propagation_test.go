package multinode

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/gatehouse-dev/gatehouse/internal/config"
	"github.com/gatehouse-dev/gatehouse/internal/gatehousetest"
)

// TestKeyPropagatesUnderWriteLoad is issue #17's two-node check: while
// node A takes a steady stream of IAM writes (users and their access keys,
// aiming at 500 writes/s from 16 clients), a key created on A is accepted
// by B (a signed GetCallerIdentity succeeds) within 1 s. It samples keys
// through the run, polls B for each (with a deadline: B has no way to say
// when it caught up) and reports the p50/p99 propagation delay.
func TestKeyPropagatesUnderWriteLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("load test")
	}
	db := freshDB(t)
	onPG := func(c *config.Config) {
		c.Store = db
		c.MasterKey = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
	}
	a := gatehousetest.Start(t, onPG)
	b := gatehousetest.Start(t, onPG)
	ctx := context.Background()
	iamA, _ := clients(a.URL, gatehousetest.AccessKeyID, gatehousetest.SecretAccessKey, "")

	const (
		workers  = 16
		duration = 10 * time.Second
		rate     = 500 // writes/s, over all workers
		samples  = 40
	)
	var writes, failed atomic.Int64
	var mu sync.Mutex
	var delays []time.Duration
	var late []string
	stop := time.Now().Add(duration)
	tick := time.Second * workers / rate // each worker's pace per write
	var wg sync.WaitGroup
	var checks sync.WaitGroup
	sampleEvery := int64(rate * duration.Seconds() / 2 / samples) // users per sample
	var users atomic.Int64
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			next := time.Now()
			for i := 0; time.Now().Before(stop); i++ {
				name := fmt.Sprintf("load-%d-%d", w, i)
				if _, err := iamA.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name)}); err != nil {
					failed.Add(1)
					continue
				}
				writes.Add(1)
				next = next.Add(tick)
				time.Sleep(time.Until(next)) // pacing the load, not synchronization
				k, err := iamA.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(name)})
				if err != nil {
					failed.Add(1)
					continue
				}
				created := time.Now()
				writes.Add(1)
				if users.Add(1)%sampleEvery == 0 {
					checks.Add(1)
					go func() {
						defer checks.Done()
						_, stsB := clients(b.URL, *k.AccessKey.AccessKeyId, *k.AccessKey.SecretAccessKey, "")
						deadline := created.Add(5 * time.Second)
						for {
							_, err := stsB.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
							if err == nil {
								mu.Lock()
								delays = append(delays, time.Since(created))
								mu.Unlock()
								return
							}
							if time.Now().After(deadline) {
								mu.Lock()
								late = append(late, fmt.Sprintf("%s: %v", *k.AccessKey.AccessKeyId, err))
								mu.Unlock()
								return
							}
							time.Sleep(10 * time.Millisecond) // polling B with a deadline
						}
					}()
				}
				next = next.Add(tick)
				time.Sleep(time.Until(next))
			}
		}()
	}
	wg.Wait()
	checks.Wait()
	if len(late) > 0 {
		t.Fatalf("%d sampled keys never accepted by B within 5 s: %v", len(late), late)
	}
	if len(delays) == 0 {
		t.Fatal("no key sampled")
	}
	slices.Sort(delays)
	p50, p99 := delays[len(delays)/2], delays[min(len(delays)-1, len(delays)*99/100)]
	t.Logf("A: %d writes in %s (%.0f writes/s, %d failed); B accepted %d sampled keys after p50 %s, p99 %s, max %s",
		writes.Load(), duration, float64(writes.Load())/duration.Seconds(), failed.Load(), len(delays),
		p50.Round(time.Millisecond), p99.Round(time.Millisecond), delays[len(delays)-1].Round(time.Millisecond))
	if p99 > time.Second {
		t.Errorf("p99 propagation %s, want within 1 s", p99)
	}
}
