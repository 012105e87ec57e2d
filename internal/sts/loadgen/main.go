// Command loadgen measures AssumeRole throughput of a running gatehouse:
// with the root credentials from the environment it creates a user, an
// access key and a role that trusts the user, then sends signed AssumeRole
// requests from -c concurrent workers for -d and prints calls/s and
// latency percentiles.
//
//	AWS_ACCESS_KEY_ID=... AWS_SECRET_ACCESS_KEY=... go run ./internal/sts/loadgen -endpoint http://127.0.0.1:4566
package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
)

func main() {
	endpoint := flag.String("endpoint", "http://127.0.0.1:4566", "gatehouse URL")
	conc := flag.Int("c", 16, "concurrent workers")
	dur := flag.Duration("d", 10*time.Second, "duration")
	flag.Parse()
	if err := run(*endpoint, *conc, *dur); err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
}

func run(endpoint string, conc int, dur time.Duration) error {
	ctx := context.Background()
	root := iam.NewFromConfig(aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(endpoint),
		Credentials: credentials.NewStaticCredentialsProvider(os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY"), "")})
	name := "loadgen-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	u, err := root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name)})
	if err != nil {
		return err
	}
	k, err := root.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(name)})
	if err != nil {
		return err
	}
	r, err := root.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + *u.User.Arn + `"},"Action":"sts:AssumeRole"}]}`)})
	if err != nil {
		return err
	}
	creds := aws.Credentials{AccessKeyID: *k.AccessKey.AccessKeyId, SecretAccessKey: *k.AccessKey.SecretAccessKey}
	body := url.Values{"Action": {"AssumeRole"}, "Version": {"2011-06-15"}, "RoleArn": {*r.Role.Arn}, "RoleSessionName": {"load"}}.Encode()
	sum := sha256.Sum256([]byte(body))
	hash := hex.EncodeToString(sum[:])
	signer := v4.NewSigner()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: conc * 2}}

	var ok, failed atomic.Int64
	lat := make([][]time.Duration, conc)
	deadline := time.Now().Add(dur)
	start := time.Now()
	var wg sync.WaitGroup
	for w := 0; w < conc; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for time.Now().Before(deadline) {
				t0 := time.Now()
				req, _ := http.NewRequest(http.MethodPost, strings.TrimRight(endpoint, "/")+"/", strings.NewReader(body))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				_ = signer.SignHTTP(ctx, creds, req, hash, "sts", "us-east-1", t0)
				resp, err := client.Do(req)
				if err != nil {
					failed.Add(1)
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					failed.Add(1)
					continue
				}
				ok.Add(1)
				lat[w] = append(lat[w], time.Since(t0))
			}
		}(w)
	}
	wg.Wait()
	elapsed := time.Since(start)
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	pct := func(p float64) time.Duration {
		if len(all) == 0 {
			return 0
		}
		return all[int(float64(len(all)-1)*p)]
	}
	fmt.Printf("AssumeRole: %d ok, %d failed in %v with %d workers: %.0f calls/s, p50 %v, p99 %v\n",
		ok.Load(), failed.Load(), elapsed.Round(time.Millisecond), conc, float64(ok.Load())/elapsed.Seconds(), pct(0.5), pct(0.99))
	return nil
}
