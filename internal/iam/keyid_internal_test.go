package iam

import (
	"context"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// TestCreateFreshKeyChecksTheStore: a snapshot that does not know an id
// yet (another node took it since) still never leads to a key stored over
// another's: the store's create refuses it, and another id is drawn.
func TestCreateFreshKeyChecksTheStore(t *testing.T) {
	s, _ := newDiffService(t)
	ctx := context.Background()
	acct := dAccounts[0]
	taken := NewID("AKIA", acct, 20)
	other := &AccessKey{ID: taken, Account: acct, Status: "Active", Created: time.Now().UTC(), Secret: s.box.Seal("theirs", taken)}
	if _, err := s.store.Update(ctx, func(tx store.Tx) error { return createKey(tx, other) }); err != nil {
		t.Fatal(err)
	}
	fresh := NewID("AKIA", acct, 20)
	seq := []string{taken, fresh}
	defer SetAccessKeyIDSource(func(string) string { id := seq[0]; seq = seq[1:]; return id })()
	k := &AccessKey{Account: acct, Status: "Active", Created: time.Now().UTC()}
	s.drawKeyID(nil, k, "mine") // no snapshot: the id is drawn blind
	if k.ID != taken {
		t.Fatalf("first draw %s", k.ID)
	}
	if _, err := s.store.Update(ctx, func(tx store.Tx) error { return s.createFreshKey(tx, nil, k, "mine") }); err != nil {
		t.Fatal(err)
	}
	if k.ID != fresh {
		t.Fatalf("stored as %s, want %s", k.ID, fresh)
	}
	snap := s.Snapshot()
	for id, want := range map[string]string{taken: "theirs", fresh: "mine"} {
		e := snap.keys.get(id)
		if e == nil {
			t.Fatalf("%s not in the snapshot", id)
		}
		if got, err := s.box.Open(e.Secret, id); err != nil || got != want {
			t.Fatalf("%s: secret %q %v, want %q", id, got, err, want)
		}
	}
}
