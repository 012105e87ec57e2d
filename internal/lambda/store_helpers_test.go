package lambda

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/store"
	"github.com/gatehouse-dev/gatehouse/internal/store/sqlite"
)

func storeForTest(t *testing.T) *store.Store {
	t.Helper()
	b, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	s := store.New(b)
	t.Cleanup(func() { s.Close() })
	return s
}

func putFunction(t *testing.T, s *store.Store, f *function) {
	t.Helper()
	b, _ := json.Marshal(f)
	if _, err := s.Update(context.Background(), func(tx store.Tx) error { return tx.Put(kindFunction, f.key(), b) }); err != nil {
		t.Fatal(err)
	}
}
