// Command scale is the IAM control-plane load generator of issue #17: it
// creates N users through a real gatehouse server, each with an inline
// policy and an access key (CreateUser, PutUserPolicy, CreateAccessKey:
// three writes), from a number of concurrent workers, and prints for each
// thousand users the writes per second and the p50/p99 latency of a write.
// When it started the server itself (-bin) it also prints the server's
// resident memory at the end, restarts it on the same data and prints the
// time until /_gatehouse/health answers 200 and the memory after that, and
// checks that the last key created still signs a request.
//
// Usage:
//
//	go run ./bench/scale -bin ./gatehouse -n 3000            # start a server in a temporary data dir
//	go run ./bench/scale -endpoint http://127.0.0.1:8080 -n 1000  # target a running one (root keys from the environment)
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	iamsvc "github.com/gatehouse-dev/gatehouse/internal/iam"
)

const (
	rootKeyID  = "AKIASCALEBENCHROOT01"
	rootSecret = "scalebenchscalebenchscalebenchscalebench"
	// policyDoc lets each user read itself, so that the key check after
	// the restart exercises SigV4 and authorization.
	policyDoc = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetUser","Resource":"*"}]}`
)

func main() {
	bin := flag.String("bin", "", "gatehouse binary to start (in -data-dir, or a temporary directory)")
	endpoint := flag.String("endpoint", "", "URL of a running gatehouse (instead of -bin); root keys from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY")
	dataDir := flag.String("data-dir", "", "data directory of the started server (default: a temporary one, removed at the end)")
	n := flag.Int("n", 3000, "users to create")
	workers := flag.Int("workers", 8, "concurrent clients")
	every := flag.Int("every", 1000, "report every this many users")
	prefix := flag.String("prefix", "scale", "user name prefix (run again against the same data with another prefix)")
	restart := flag.Bool("restart", true, "with -bin: restart the server at the end and measure the time to healthy")
	seedUsers := flag.Int("seed-users", 0, "with -bin: instead of creating users through the API, seed this many straight into the store (and a one-user reference), then measure start-up, RSS and signed-request p50 against both")
	seedKeys := flag.Int("seed-keys-per-user", 10, "with -seed-users: access keys per user")
	seedRoles := flag.Int("seed-roles", 0, "with -seed-users: roles")
	seedPolicies := flag.Int("seed-policies", 1000, "with -seed-users: managed policies, attached round-robin (every user and role also has an inline one)")
	reuse := flag.Bool("seed-reuse", false, "with -seed-users and -data-dir: start the directories an earlier -seed run left there (no seeding; requests signed with the root key)")
	rounds := flag.Int("rounds", 10, "with -seed-users: alternating latency rounds")
	perRound := flag.Int("per-round", 200, "with -seed-users: signed requests per server per round")
	flag.Parse()
	if *seedUsers > 0 {
		if *bin == "" {
			log.Fatal("scale: -seed-users needs -bin")
		}
		seedRun(*bin, iamsvc.SeedSpec{Account: "000000000000", Prefix: *prefix, Users: *seedUsers, KeysPerUser: *seedKeys,
			Roles: *seedRoles, ManagedPolicies: *seedPolicies, Batch: 1000}, *rounds, *perRound, *dataDir, *reuse)
		return
	}
	if (*bin == "") == (*endpoint == "") {
		log.Fatal("scale: give exactly one of -bin and -endpoint")
	}
	if *n <= 0 || *workers <= 0 || *every <= 0 {
		log.Fatal("scale: -n, -workers and -every must be positive")
	}

	keyID, secret := rootKeyID, rootSecret
	var srv *server
	if *bin != "" {
		dir := *dataDir
		if dir == "" {
			d, err := os.MkdirTemp("", "gatehouse-scale-")
			if err != nil {
				log.Fatal(err)
			}
			defer os.RemoveAll(d)
			dir = d
		}
		srv = &server{bin: *bin, dir: dir}
		took, err := srv.start()
		if err != nil {
			log.Fatal(err)
		}
		defer srv.stop()
		fmt.Printf("server %s started, healthy after %s\n", *bin, took.Round(time.Millisecond))
		*endpoint = srv.url
	} else {
		keyID, secret = os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY")
		if keyID == "" || secret == "" {
			log.Fatal("scale: -endpoint needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (the account's root or an admin)")
		}
	}

	client := newClient(*endpoint, keyID, secret, *workers)
	res := run(client, *n, *workers, *every, *prefix)
	if res.failed > 0 {
		fmt.Printf("%d users failed; first error: %v\n", res.failed, res.firstErr)
	}
	if srv == nil {
		return
	}
	fmt.Printf("RSS at the end: %s\n", mib(srv.rss()))
	if !*restart {
		return
	}
	srv.stop()
	took, err := srv.start()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("restart with %d users: healthy after %s, RSS %s\n", *n, took.Round(time.Millisecond), mib(srv.rss()))
	if res.lastKey != nil {
		uc := newClient(srv.url, *res.lastKey.AccessKeyId, *res.lastKey.SecretAccessKey, 1)
		if _, err := uc.GetUser(context.Background(), &iam.GetUserInput{}); err != nil {
			log.Fatalf("scale: the last key created does not work after the restart: %v", err)
		}
		fmt.Println("the last key created signs a request after the restart")
	}
}

func newClient(url, keyID, secret string, conns int) *iam.Client {
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns}}
	return iam.New(iam.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(url),
		Credentials:  credentials.NewStaticCredentialsProvider(keyID, secret, ""),
		HTTPClient:   hc,
		// A failed write is counted, not retried: retries would hide latency.
		RetryMaxAttempts: 1,
	})
}

type result struct {
	failed   int64
	firstErr error
	lastKey  *iamAccessKey
}

type iamAccessKey struct{ AccessKeyId, SecretAccessKey *string }

// run creates n users from workers goroutines and prints one line per
// `every` users: the writes per second over the time it took to complete
// that many more users, the p50/p99 of every write of those users and how
// many of them failed (a failed user's later writes are not attempted, so
// a bucket with failures shows more writes/s than were made).
func run(c *iam.Client, n, workers, every int, prefix string) result {
	buckets := (n + every - 1) / every
	lat := make([][]time.Duration, buckets) // per bucket: every write's latency
	var latMu sync.Mutex
	var next, done atomic.Int64
	marks := make([]time.Time, buckets) // when the done count reached each bucket's end
	var markMu sync.Mutex
	var res result
	var resMu sync.Mutex
	start := time.Now()
	fails := make([]atomic.Int64, buckets)
	fmt.Printf("%-14s %10s %10s %10s %10s %8s\n", "users", "writes/s", "p50", "p99", "max", "failed")
	var printed int
	report := func() { // under markMu
		for printed < buckets && !marks[printed].IsZero() {
			b := printed
			from := start
			if b > 0 {
				from = marks[b-1]
			}
			latMu.Lock()
			ls := slices.Clone(lat[b])
			latMu.Unlock()
			slices.Sort(ls)
			users := min((b+1)*every, n) - b*every
			secs := marks[b].Sub(from).Seconds()
			fmt.Printf("%-14s %10.0f %10s %10s %10s %8d\n", fmt.Sprintf("%d-%d", b*every+1, b*every+users),
				float64(3*users)/secs, pct(ls, 50), pct(ls, 99), pct(ls, 100), fails[b].Load())
			printed++
		}
	}
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx := context.Background()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				name := fmt.Sprintf("%s%07d", prefix, i)
				var ds [3]time.Duration
				t0 := time.Now()
				_, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: &name})
				t1 := time.Now()
				ds[0] = t1.Sub(t0)
				if err == nil {
					_, err = c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: &name, PolicyName: aws.String("self"), PolicyDocument: aws.String(policyDoc)})
					t2 := time.Now()
					ds[1] = t2.Sub(t1)
					if err == nil {
						var out *iam.CreateAccessKeyOutput
						out, err = c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: &name})
						ds[2] = time.Since(t2)
						if err == nil && i == n-1 {
							resMu.Lock()
							res.lastKey = &iamAccessKey{out.AccessKey.AccessKeyId, out.AccessKey.SecretAccessKey}
							resMu.Unlock()
						}
					}
				}
				b := i / every
				latMu.Lock()
				for _, d := range ds {
					if d > 0 {
						lat[b] = append(lat[b], d)
					}
				}
				latMu.Unlock()
				if err != nil {
					fails[b].Add(1)
					resMu.Lock()
					if res.failed++; res.firstErr == nil {
						res.firstErr = fmt.Errorf("%s: %w", name, err)
					}
					resMu.Unlock()
				}
				d := int(done.Add(1))
				if d%every == 0 || d == n {
					markMu.Lock()
					marks[(d-1)/every] = time.Now()
					report()
					markMu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	total := time.Since(start)
	fmt.Printf("total: %d users, %d writes in %s: %.0f writes/s\n", n, 3*n, total.Round(time.Millisecond), float64(3*n)/total.Seconds())
	return res
}

func pct(sorted []time.Duration, p int) string {
	if len(sorted) == 0 {
		return "-"
	}
	i := min(len(sorted)*p/100, len(sorted)-1)
	return sorted[i].Round(10 * time.Microsecond).String()
}

func mib(b int64) string {
	if b < 0 {
		return "?"
	}
	return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20))
}

// server is a gatehouse process this command started.
type server struct {
	bin, dir, url string
	cmd           *exec.Cmd
	exited        chan struct{} // closed when cmd has exited
}

func (s *server) start() (time.Duration, error) {
	port, err := freePort()
	if err != nil {
		return 0, err
	}
	s.url = "http://127.0.0.1:" + strconv.Itoa(port)
	logf, err := os.OpenFile(filepath.Join(s.dir, "scale-server.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return 0, err
	}
	defer logf.Close()
	s.cmd = exec.Command(s.bin, "serve", "--listen", "127.0.0.1:"+strconv.Itoa(port), "--data-dir", s.dir, "--log-level", "warn")
	s.cmd.Env = append(os.Environ(), "GATEHOUSE_ROOT_ACCESS_KEY_ID="+rootKeyID, "GATEHOUSE_ROOT_SECRET_ACCESS_KEY="+rootSecret)
	s.cmd.Stdout, s.cmd.Stderr = logf, logf
	t0 := time.Now()
	if err := s.cmd.Start(); err != nil {
		return 0, err
	}
	s.exited = make(chan struct{})
	go func(cmd *exec.Cmd, exited chan struct{}) { _ = cmd.Wait(); close(exited) }(s.cmd, s.exited)
	// Poll health: the time to healthy is what is measured, so the poll
	// interval is short.
	for time.Since(t0) < 5*time.Minute {
		resp, err := http.Get(s.url + "/_gatehouse/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return time.Since(t0), nil
			}
		}
		select {
		case <-s.exited:
			return 0, errors.New("scale: the server exited; see " + filepath.Join(s.dir, "scale-server.log"))
		case <-time.After(5 * time.Millisecond):
		}
	}
	s.stop()
	return 0, errors.New("scale: the server did not become healthy; see " + filepath.Join(s.dir, "scale-server.log"))
}

func (s *server) stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
	}
	s.cmd = nil
}

// rss is the server's resident set size from /proc (Linux), or -1.
// cpu returns the user and system CPU time the server has used so far (from
// /proc), or -1: on a machine shared with other work, the CPU a start-up
// takes is steadier than its wall time.
func (s *server) cpu() time.Duration {
	if s.cmd == nil || s.cmd.Process == nil {
		return -1
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", s.cmd.Process.Pid))
	if err != nil {
		return -1
	}
	// Fields after the command (which may hold spaces) start after ") ";
	// utime and stime are the 14th and 15th fields, in clock ticks (100/s).
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return -1
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return -1
	}
	u, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return -1
	}
	return time.Duration(u+st) * 10 * time.Millisecond
}

func (s *server) rss() int64 {
	if s.cmd == nil || s.cmd.Process == nil {
		return -1
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				return -1
			}
			return kb << 10
		}
	}
	return -1
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
