package iam

import (
	"context"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// TestMFALegacyKey: a device that an earlier version stored under its
// name alone, though its path is not "/", is still found by its serial,
// with the key its record (and its sealed seed) uses.
func TestMFALegacyKey(t *testing.T) {
	s, _ := newDiffService(t)
	const acct = "111111111111"
	d := &MFADevice{Account: acct, Name: "Dev", Path: "/team/", Seed: "sealed"}
	legacy := entityKey(acct, "Dev")
	if _, err := s.store.Update(context.Background(), func(tx store.Tx) error { return putJSON(tx, kindMFA, legacy, d) }); err != nil {
		t.Fatal(err)
	}
	serial := d.Serial()
	key := mfaKeyOf(acct, "mfa/team/Dev")
	if key == legacy {
		t.Fatal("path keys must differ from the legacy key")
	}
	_, err := s.store.View(context.Background(), func(r store.Reader) error {
		got, err := getMFA(r, &key, serial)
		if err != nil {
			return err
		}
		if got.Path != "/team/" || key != legacy {
			t.Errorf("got %+v under key %q, want the legacy key %q", got, key, legacy)
		}
		// Another path's serial does not find it.
		other := mfaKeyOf(acct, "mfa/x/Dev")
		if _, err := getMFA(r, &other, "arn:aws:iam::"+acct+":mfa/x/Dev"); err == nil {
			t.Error("a serial under another path found the legacy device")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
