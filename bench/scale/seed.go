package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/gatehouse-dev/gatehouse/internal/authn"
	iamsvc "github.com/gatehouse-dev/gatehouse/internal/iam"
	"github.com/gatehouse-dev/gatehouse/internal/store"
	"github.com/gatehouse-dev/gatehouse/internal/store/sqlite"
)

// seedRun is -seed: two data directories, a reference with one user and
// keysPerUser keys and the large one of spec, each seeded through the
// store API (not HTTP: a million keys through the API would take hours).
// It then starts the real binary on each, prints the time to healthy and
// the RSS after it, and measures the p50 of a signed IAM GetUser (SigV4
// verification, key lookup, authorization) against both servers in
// alternating rounds, so that the machine's load falls on both alike.
//
// With reuse, the directories of an earlier -seed run under keep are
// started as they are and the requests are signed with the root key.
func seedRun(bin string, spec iamsvc.SeedSpec, rounds, perRound int, keep string, reuse bool) {
	root := keep
	if root == "" {
		d, err := os.MkdirTemp("", "gatehouse-seed-")
		if err != nil {
			fatal(err)
		}
		defer os.RemoveAll(d)
		root = d
	}
	small := spec
	small.Users, small.Roles, small.ManagedPolicies = 1, 0, 1
	type target struct {
		name string
		spec iamsvc.SeedSpec
		srv  *server
		key  iamsvc.SeedKey
		lat  []time.Duration
	}
	ts := []*target{{name: "large", spec: spec}, {name: "reference", spec: small}}
	for _, t := range ts {
		dir := filepath.Join(root, t.name)
		if err := os.MkdirAll(dir, 0o700); err != nil {
			fatal(err)
		}
		t.srv = &server{bin: bin, dir: dir}
		if reuse {
			t.key = iamsvc.SeedKey{ID: rootKeyID, Secret: rootSecret}
			continue
		}
		// The server creates the database, the master key and the
		// account; seeding happens with it stopped.
		if _, err := t.srv.start(); err != nil {
			fatal(err)
		}
		t.srv.stop()
		t0 := time.Now()
		k, err := seed(dir, t.spec)
		if err != nil {
			fatal(err)
		}
		t.key = k
		fmt.Printf("%s: seeded %d users × %d keys, %d roles, %d managed policies in %s\n", t.name, t.spec.Users, t.spec.KeysPerUser,
			t.spec.Roles, t.spec.ManagedPolicies, time.Since(t0).Round(time.Millisecond))
	}
	for _, t := range ts {
		took, err := t.srv.start()
		if err != nil {
			fatal(err)
		}
		defer t.srv.stop()
		fmt.Printf("%s: healthy after %s (CPU %s, load %s), RSS %s\n", t.name, took.Round(time.Millisecond), t.srv.cpu(), loadavg(), mib(t.srv.rss()))
	}
	ctx := context.Background()
	clients := make([]*iam.Client, len(ts))
	for i, t := range ts {
		clients[i] = newClient(t.srv.url, t.key.ID, t.key.Secret, 1)
		// Warm up: the first use of a key opens its secret.
		for range 50 {
			if _, err := clients[i].GetUser(ctx, &iam.GetUserInput{}); err != nil {
				fatal(fmt.Errorf("%s: GetUser with the seeded key: %w", t.name, err))
			}
		}
	}
	for r := 0; r < rounds; r++ {
		for i, t := range ts {
			for range perRound {
				t0 := time.Now()
				if _, err := clients[i].GetUser(ctx, &iam.GetUserInput{}); err != nil {
					fatal(err)
				}
				t.lat = append(t.lat, time.Since(t0))
			}
		}
	}
	p50 := func(ls []time.Duration) time.Duration { s := slices.Clone(ls); slices.Sort(s); return s[len(s)/2] }
	for _, t := range ts {
		fmt.Printf("%s: signed GetUser p50 %s over %d requests, RSS %s\n", t.name, p50(t.lat).Round(time.Microsecond), len(t.lat), mib(t.srv.rss()))
	}
	fmt.Printf("p50 large / reference: %.3f\n", float64(p50(ts[0].lat))/float64(p50(ts[1].lat)))
	// The data plane: execute-api with AWS_IAM authorization (issue #17:
	// at 1M keys within 1.1x of 10 keys).
	var names, urls []string
	var keys [][2]string
	for _, t := range ts {
		names, urls, keys = append(names, t.name), append(urls, t.srv.url), append(keys, [2]string{t.key.ID, t.key.Secret})
	}
	if err := executeAPIRounds(ctx, names, urls, keys, rounds, perRound); err != nil {
		fatal(err)
	}
}

// seed opens dir's store as the server does and writes spec.
func seed(dir string, spec iamsvc.SeedSpec) (iamsvc.SeedKey, error) {
	ctx := context.Background()
	b, err := sqlite.Open(ctx, filepath.Join(dir, "gatehouse.db"))
	if err != nil {
		return iamsvc.SeedKey{}, err
	}
	st := store.NewWithOptions(b, store.Options{Timeout: 10 * time.Minute})
	defer st.Close()
	mk, err := authn.LoadMasterKey(dir, "")
	if err != nil {
		return iamsvc.SeedKey{}, err
	}
	quiet := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	svc, err := iamsvc.New(ctx, iamsvc.Config{Store: st, Log: quiet, MasterKey: mk, DefaultAccount: spec.Account})
	if err != nil {
		return iamsvc.SeedKey{}, err
	}
	last := time.Now()
	return svc.Seed(ctx, spec, func(kind string, done int) {
		if time.Since(last) > 10*time.Second {
			last = time.Now()
			fmt.Printf("  … %d %s\n", done, kind)
		}
	})
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "scale:", err)
	os.Exit(1)
}

// loadavg is the machine's one-minute load average, as /proc has it.
func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return "?"
	}
	return f[0]
}
