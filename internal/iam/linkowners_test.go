package iam

import (
	"fmt"
	"slices"
	"testing"
)

// TestLinkOwnersGroupsKeysWithoutOwners: keys whose owner is in no
// snapshot (here: an empty one) are grouped by owner all the same, in key
// order within each, on both halves of the parallel lookup, and point at
// no principal.
func TestLinkOwnersGroupsKeysWithoutOwners(t *testing.T) {
	l := newBaseLoader()
	want := map[string][]string{}
	for i := range 1001 {
		k := AccessKey{ID: fmt.Sprintf("AKIA%016d", i), Account: "123456789012", Status: "Active"}
		if i%4 != 0 {
			k.User = fmt.Sprintf("User%d", i%7) // upper case: the index is by lower-case name
		}
		if err := l.add([]byte(fmt.Sprintf(`{"id":%q,"account":%q,"user":%q,"secret":"s","status":"Active","created":"2026-01-02T03:04:05Z"}`, k.ID, k.Account, k.User))); err != nil {
			t.Fatal(err)
		}
		want[keyOwner(&k)] = append(want[keyOwner(&k)], k.ID)
	}
	base := l.done()
	ob := linkOwners(base, &Snapshot{})
	if len(ob.spans) != len(want) {
		t.Fatalf("%d owners indexed, want %d", len(ob.spans), len(want))
	}
	for owner, ids := range want {
		got := slices.Collect(ob.ids(owner))
		if !slices.Equal(got, ids) {
			t.Errorf("owner %s: %d keys %v…, want %d", owner, len(got), got[:min(3, len(got))], len(ids))
		}
	}
	for i := range base.n {
		if base.at(i).owner != nil {
			t.Fatalf("key %d points at a principal that is in no snapshot", i)
		}
	}
}
