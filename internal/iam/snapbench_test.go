package iam

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// BenchmarkSnapshotWrite measures, in process, one IAM write (a user with
// an inline policy and an access key, in one transaction) and the
// incremental snapshot step it causes, with the account holding n users
// already; and the full build of the same state (start-up). Issue #17 asks
// for write latency at 100,000 users within 1.5x of that at 1,000.
//
//	go test ./internal/iam -run '^$' -bench SnapshotWrite -benchtime 2000x
func BenchmarkSnapshotWrite(b *testing.B) {
	for _, n := range []int{1000, 10000, 100000} {
		s, _ := newDiffService(b)
		ctx := context.Background()
		acct := dAccounts[0]
		put := func(tx store.Tx, name string) error {
			u := &User{Account: acct, Name: name, Path: "/", ID: "AIDA" + name, Created: time.Now().UTC(),
				Inline: []InlinePolicy{{Name: "self", Document: dDocs[3]}}}
			if err := createJSON(tx, kindUser, entityKey(acct, name), u); err != nil {
				return err
			}
			id := fmt.Sprintf("AKIA%016s", name)
			return createKey(tx, &AccessKey{ID: id, Account: acct, User: name, Status: "Active", Created: u.Created,
				Secret: s.box.Seal("secret-"+name, id)})
		}
		for i := 0; i < n; i += 1000 {
			if _, err := s.store.Update(ctx, func(tx store.Tx) error {
				for j := i; j < min(i+1000, n); j++ {
					if err := put(tx, fmt.Sprintf("u%07d", j)); err != nil {
						return err
					}
				}
				return nil
			}); err != nil {
				b.Fatal(err)
			}
		}
		b.Run(fmt.Sprintf("write/users=%d", n), func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				if _, err := s.store.Update(ctx, func(tx store.Tx) error { return put(tx, fmt.Sprintf("w%d-%07d", n, i)) }); err != nil {
					b.Fatal(err)
				}
			}
		})
		// One full build (start-up), timed once: it is too slow to repeat
		// at every size.
		t0 := time.Now()
		fullBuild(b, s)
		b.Logf("full build with %d users and keys: %s", s.Snapshot().users.len(), time.Since(t0).Round(time.Millisecond))
	}
}
