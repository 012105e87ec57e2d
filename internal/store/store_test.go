package store_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/store"
	"github.com/gatehouse-dev/gatehouse/internal/store/sqlite"
)

// BenchmarkFresh is the per-request cost of the staleness bound.
func BenchmarkFresh(b *testing.B) {
	ctx := context.Background()
	bk, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "db"))
	if err != nil {
		b.Fatal(err)
	}
	s := store.New(bk)
	defer s.Close()
	type snap struct{}
	for _, name := range []string{"iam", "gateway-routes", "lambda"} {
		if _, err := store.NewView(ctx, s, name, []string{name + "/"}, nil, func(context.Context, store.Reader) (*snap, error) { return &snap{}, nil }); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := s.Fresh(30e9); err != nil {
			b.Fatal(err)
		}
	}
}
