// Package app wires gatehouse together: it opens the store, builds every
// service over it and assembles the server's Services. It is the only
// place that names a concrete store backend. Each service's wiring lives in
// its own file (iam.go, apigateway.go, lambda.go), owned with that service.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/config"
	"github.com/gatehouse-dev/gatehouse/internal/metrics"
	"github.com/gatehouse-dev/gatehouse/internal/reqbody"
	"github.com/gatehouse-dev/gatehouse/internal/server"
	"github.com/gatehouse-dev/gatehouse/internal/store"
	"github.com/gatehouse-dev/gatehouse/internal/store/postgres"
	"github.com/gatehouse-dev/gatehouse/internal/store/sqlite"
)

// App is a wired gatehouse: store, services and the server handler.
type App struct {
	Config   config.Config
	Log      *slog.Logger
	Metrics  *metrics.Metrics
	Store    *store.Store
	Services server.Services
	Handler  *server.Server
	// Bodies reads every request body the surfaces buffer, under one byte
	// budget and read deadline.
	Bodies *reqbody.Reader

	// Each service's wiring keeps its parts here (see iam.go, apigateway.go,
	// lambda.go).
	iamParts
	apigwParts
	lambdaParts

	ready     atomic.Bool
	readies   []func() bool
	closers   []func() error
	endpoints []func(string)
}

// New opens the store and wires every service. The caller must Close the App.
func New(ctx context.Context, cfg config.Config, log *slog.Logger) (*App, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	a := &App{Config: cfg, Log: log, Metrics: metrics.New()}
	registerOperations(a.Metrics)
	a.wireBodies()
	if err := a.openStore(ctx); err != nil {
		return nil, err
	}
	steps := []struct {
		name string
		fn   func(context.Context) error
	}{
		{"iam", a.wireIAM},
		{"apigateway", a.wireAPIGateway},
		{"lambda", a.wireLambda},
	}
	for _, s := range steps {
		if err := s.fn(ctx); err != nil {
			a.Close()
			return nil, fmt.Errorf("start %s: %w", s.name, err)
		}
	}
	a.Services.Ready = a.Ready
	a.Handler = server.New(a.Services, log, a.Metrics)
	a.ready.Store(true)
	return a, nil
}

func (a *App) openStore(ctx context.Context) error {
	switch a.Config.Store {
	case "", "sqlite":
		if err := os.MkdirAll(a.Config.DataDir, 0o700); err != nil {
			return fmt.Errorf("create data dir: %w", err)
		}
		path := filepath.Join(a.Config.DataDir, "gatehouse.db")
		// Create the file 0600 first: SQLite gives its -wal and -shm files
		// the database's mode, and the store holds (encrypted) secrets.
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
		if err != nil {
			return fmt.Errorf("open store: %w", err)
		}
		f.Close()
		b, err := sqlite.Open(ctx, path)
		if err != nil {
			return err
		}
		a.Store = store.New(b)
		a.closers = append(a.closers, a.Store.Close)
		a.readies = append(a.readies, func() bool { return b.Ping(context.Background()) == nil })
		return nil
	default:
		if !strings.HasPrefix(a.Config.Store, "postgres://") && !strings.HasPrefix(a.Config.Store, "postgresql://") {
			return fmt.Errorf("--store %q: want empty (embedded SQLite in --data-dir) or a postgres:// URL", a.Config.Store)
		}
		b, err := postgres.Open(ctx, a.Config.Store)
		if err != nil {
			return err
		}
		a.Store = store.New(b)
		a.closers = append(a.closers, a.Store.Close)
		// Other nodes write to the same database: follow their changes.
		// When the database goes away, views keep their last good snapshot.
		pctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			defer close(done)
			t := time.NewTicker(pollInterval)
			defer t.Stop()
			failing := false
			for {
				select {
				case <-pctx.Done():
					return
				case <-t.C:
				}
				if err := a.Store.Poll(pctx); err != nil {
					if !failing && pctx.Err() == nil {
						a.Log.Error("store unreachable; serving the last good snapshot", "err", err)
					}
					failing = true
				} else if failing {
					a.Log.Info("store reachable again")
					failing = false
				}
			}
		}()
		a.closers = append(a.closers, func() error { cancel(); <-done; return nil })
		a.readies = append(a.readies, func() bool {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			return b.Ping(ctx) == nil
		})
		return nil
	}
}

// pollInterval is how often a node on a shared store looks for other
// nodes' changes: the upper bound of cross-node staleness.
const pollInterval = 500 * time.Millisecond

// Ready reports whether the store answers and every snapshot is loaded.
func (a *App) Ready() bool {
	if !a.ready.Load() {
		return false
	}
	for _, f := range a.readies {
		if !f() {
			return false
		}
	}
	return true
}

// Close stops every service and closes the store, in reverse order of start.
func (a *App) Close() error {
	var errs []error
	for i := len(a.closers) - 1; i >= 0; i-- {
		errs = append(errs, a.closers[i]())
	}
	a.closers = nil
	return errors.Join(errs...)
}

// SetEndpoint tells every service the URL the server is reachable at, once
// the listener is bound (functions get it as AWS_ENDPOINT_URL).
func (a *App) SetEndpoint(url string) {
	for _, f := range a.endpoints {
		f(url)
	}
}

func (a *App) onClose(f func() error)    { a.closers = append(a.closers, f) }
func (a *App) onEndpoint(f func(string)) { a.endpoints = append(a.endpoints, f) }
