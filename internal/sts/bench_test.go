package sts_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"testing"
	"time"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// BenchmarkAssumeRoleServer drives the real server over loopback HTTP with
// signed AssumeRole requests from parallel clients and reports calls/s.
// Client and server share the machine's CPUs.
func BenchmarkAssumeRoleServer(b *testing.B) {
	f := newFixture(b)
	roleARN := f.role(b, "bench", trustAWS(f.aliceARN), 0)
	form := url.Values{"Action": {"AssumeRole"}, "Version": {"2011-06-15"}, "RoleArn": {roleARN}, "RoleSessionName": {"bench"}}
	body := form.Encode()
	sum := sha256.Sum256([]byte(body))
	hash := hex.EncodeToString(sum[:])
	signer := v4.NewSigner()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	b.SetParallelism(8)
	b.ReportAllocs()
	cpu0 := cpuTime()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, _ := http.NewRequest(http.MethodPost, f.srv.URL+"/", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if err := signer.SignHTTP(context.Background(), f.aliceKey, req, hash, "sts", "us-east-1", time.Now()); err != nil {
				b.Fatal(err)
			}
			resp, err := client.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			out, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				b.Fatalf("status %d: %s", resp.StatusCode, out)
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "calls/s")
	// On a shared machine wall-clock throughput depends on the neighbours;
	// CPU time per call (client and server together, this process) does
	// not. 1e6/cpu-us is the calls per second one fully available core
	// sustains, load generator included.
	perCall := float64((cpuTime() - cpu0).Microseconds()) / float64(b.N)
	b.ReportMetric(perCall, "cpu-us/call")
	b.ReportMetric(1e6/perCall, "calls/cpu-s")
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
