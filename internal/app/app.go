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
	cfnParts

	self      atomic.Pointer[selfRoute] // tls.go
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
		{"s3 and ssm", a.wireS3},
		{"ecr", a.wireECR},
		{"cloudformation", a.wireCloudFormation},
	}
	for _, s := range steps {
		if err := s.fn(ctx); err != nil {
			a.Close()
			return nil, fmt.Errorf("start %s: %w", s.name, err)
		}
	}
	a.Services.Ready = a.Ready
	a.Metrics.WatchStore(a.storeState, a.Config.MaxStaleness)
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
		a.Store = store.NewWithOptions(b, a.storeOptions())
		a.closers = append(a.closers, a.Store.Close)
		a.runStore()
		return nil
	default:
		if !strings.HasPrefix(a.Config.Store, "postgres://") && !strings.HasPrefix(a.Config.Store, "postgresql://") {
			return fmt.Errorf("--store %q: want empty (embedded SQLite in --data-dir) or a postgres:// URL", a.Config.Store)
		}
		b, err := postgres.OpenWithOptions(ctx, a.Config.Store, postgres.Options{Timeout: a.Config.StoreTimeout})
		if err != nil {
			return err
		}
		a.Store = store.NewWithOptions(b, a.storeOptions())
		a.closers = append(a.closers, a.Store.Close)
		// Other nodes write to the same database: Run follows their
		// changes. When the database goes away, views keep their last good
		// snapshot for up to --max-staleness.
		a.runStore()
		return nil
	}
}

func (a *App) storeOptions() store.Options {
	return store.Options{
		Timeout:      a.Config.StoreTimeout,
		PollInterval: pollInterval(a.Config.MaxStaleness),
		Now:          a.Config.Now,
		Log:          a.Log,
	}
}

// runStore keeps the snapshots current (polls, rebuild retries, write
// probes) until Close, and bounds fail-static: past --max-staleness every
// surface but gatehouse's own endpoints answers ServiceUnavailable.
func (a *App) runStore() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		a.Store.Run(ctx)
	}()
	a.closers = append(a.closers, func() error { cancel(); <-done; return nil })
	a.Services.Unavailable = func() error { return a.Store.Fresh(a.Config.MaxStaleness) }
	a.Services.Health = a.health
}

func (a *App) storeState() metrics.StoreState {
	h := a.Store.Health()
	st := metrics.StoreState{Writable: h.Writable, SyncStaleness: seconds(h.SyncStalenessSeconds)}
	for _, v := range h.Views {
		st.Views = append(st.Views, metrics.ViewState{Name: v.Name, Staleness: seconds(v.StalenessSeconds), Behind: v.Behind, FailedRebuilds: v.FailedRebuilds})
	}
	return st
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// Health is the body of /_gatehouse/health.
type Health struct {
	// Status is "ok", "starting", "degraded" (the store cannot write or a
	// snapshot is behind; reads are served from the last good snapshots)
	// or "unavailable" (snapshots staler than --max-staleness:
	// authenticated requests are refused). Anything but "ok" answers 503.
	Status              string       `json:"status"`
	Reasons             []string     `json:"reasons,omitempty"`
	MaxStalenessSeconds float64      `json:"maxStalenessSeconds"`
	Store               store.Health `json:"store"`
}

func (a *App) health() (bool, any) {
	h := Health{Status: "ok", MaxStalenessSeconds: a.Config.MaxStaleness.Seconds(), Store: a.Store.Health()}
	if !a.ready.Load() {
		h.Status = "starting"
		return false, h
	}
	// The reasons name no error text: health is unauthenticated and
	// database errors name hosts; the log has the details.
	if !h.Store.Writable {
		h.Reasons = append(h.Reasons, "store cannot write")
	}
	if !h.Store.Synced {
		h.Reasons = append(h.Reasons, "store change feed not synced")
	}
	for _, v := range h.Store.Views {
		if v.Behind {
			r := fmt.Sprintf("snapshot %s is behind the store", v.Name)
			if v.FailedRebuilds > 0 {
				r += fmt.Sprintf(" (%d failed rebuilds)", v.FailedRebuilds)
			}
			h.Reasons = append(h.Reasons, r)
		}
	}
	if err := a.Store.Fresh(a.Config.MaxStaleness); err != nil {
		h.Status = "unavailable"
		h.Reasons = append(h.Reasons, err.Error()+": authenticated requests are refused")
	} else if len(h.Reasons) > 0 {
		h.Status = "degraded"
	}
	return h.Status == "ok", h
}

// pollInterval is how often a node on a shared store looks for other
// nodes' changes: the upper bound of cross-node staleness while the store
// is reachable. Never more than a quarter of the staleness bound, so that
// a healthy node is always several polls inside it.
func pollInterval(maxStaleness time.Duration) time.Duration {
	return min(500*time.Millisecond, maxStaleness/4)
}

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
