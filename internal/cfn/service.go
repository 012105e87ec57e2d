// Package cfn is gatehouse's CloudFormation: the Query API (stacks, change
// sets, events, resources, exports), the engine that turns a template into
// resources in dependency order with rollback, and resource providers
// that create those resources by calling gatehouse's own IAM, Lambda and
// API Gateway endpoints with signed requests as the stack's role or the
// caller — so a stack can do exactly what its credentials may do with the
// AWS CLI, through the same authorization. Stacks, resources and events
// live in the store.
package cfn

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/authn"
	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/pipeline"
	"github.com/gatehouse-dev/gatehouse/internal/reqbody"
	"github.com/gatehouse-dev/gatehouse/internal/sigv4"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// Namespace is CloudFormation's Query XML namespace.
const Namespace = "http://cloudformation.amazonaws.com/doc/2010-05-15/"

// MaxBody bounds a CloudFormation request. AWS takes TemplateBody up to
// 51,200 bytes; gatehouse takes more because `gatehouse deploy` inlines
// function code (zipped, base64) into the template it sends.
const MaxBody = 16 << 20

// Authenticator verifies a request and reads its body.
type Authenticator interface {
	ReadRequest(w http.ResponseWriter, r *http.Request, service string, limit int64) (*authn.Principal, *sigv4.Result, *reqbody.Body, error)
}

// CredentialSource issues the credentials a stack acts with.
type CredentialSource interface {
	// RoleCredentials assumes roleARN as cloudformation.amazonaws.com
	// (the role's trust policy must allow that service).
	RoleCredentials(ctx context.Context, roleARN, sessionName string) (Credentials, error)
	// CallerCredentials issues a session that acts as p (CloudFormation's
	// forward access session, when a stack has no RoleARN).
	CallerCredentials(ctx context.Context, p *authn.Principal) (Credentials, error)
}

// Config configures the service.
type Config struct {
	Store     *store.Store
	Log       *slog.Logger
	Authn     Authenticator
	Authz     pipeline.Authorizer
	Creds     CredentialSource
	Artifacts Artifacts // nil: no S3 yet
	Now       func() time.Time
	// Legacy drops the reason suffix of denials (--legacy-deny-messages).
	Legacy bool
	// HTTPClient makes the providers' calls; nil: a default client.
	HTTPClient *http.Client
	// SyncWait is how long a call that starts a stack operation waits for
	// it to finish before answering (default 5s), so that a client's
	// first poll usually sees the final status. Zero uses the default;
	// negative answers at once.
	SyncWait time.Duration
}

// Service is the CloudFormation service.
type Service struct {
	store    *store.Store
	log      *slog.Logger
	auth     Authenticator
	surface  pipeline.Surface
	creds    CredentialSource
	art      Artifacts
	now      func() time.Time
	hc       *http.Client
	syncWait time.Duration

	mu        sync.Mutex
	endpoint  string
	urlSuffix string                   // AWS::URLSuffix; "" is amazonaws.com
	running   map[string]chan struct{} // stack UUID -> done
	custom    *responder
	wg        sync.WaitGroup
	// opMu serializes the start of operations, so that two calls cannot
	// both find a stack idle and start on it.
	opMu sync.Mutex
}

// New returns the service. It marks operations that were in progress when
// the process stopped as failed (their goroutines are gone).
func New(ctx context.Context, cfg Config) (*Service, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: providerTimeout}
	}
	if cfg.SyncWait == 0 {
		cfg.SyncWait = 5 * time.Second
	}
	s := &Service{store: cfg.Store, log: cfg.Log, auth: cfg.Authn, creds: cfg.Creds, art: cfg.Artifacts, now: cfg.Now,
		hc: cfg.HTTPClient, syncWait: cfg.SyncWait, running: map[string]chan struct{}{}, custom: newResponder(),
		surface: pipeline.Surface{Authz: cfg.Authz, Now: cfg.Now, Denied: awserr.AccessDenied, Legacy: cfg.Legacy}}
	if err := s.recover(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// SetEndpoint tells the providers the URL of gatehouse's own endpoint.
func (s *Service) SetEndpoint(url string) {
	s.mu.Lock()
	s.endpoint = url
	s.mu.Unlock()
}

// SetURLSuffix sets the AWS::URLSuffix pseudo parameter of templates
// processed from now on: the domain of the URLs gatehouse serves
// (config.Config.URLSuffix). Empty means amazonaws.com, as on AWS.
func (s *Service) SetURLSuffix(suffix string) {
	s.mu.Lock()
	s.urlSuffix = suffix
	s.mu.Unlock()
}

// URLSuffix is the AWS::URLSuffix pseudo parameter's value.
func (s *Service) URLSuffix() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.urlSuffix == "" {
		return "amazonaws.com"
	}
	return s.urlSuffix
}

func (s *Service) endpointURL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.endpoint
}

// Close waits for running stack operations to finish.
func (s *Service) Close() error {
	s.custom.close()
	s.wg.Wait()
	return nil
}

// recover ends operations a previous process left in progress: nothing
// runs them any more, so they are marked failed with a reason saying so.
func (s *Service) recover(ctx context.Context) error {
	recs, err := s.store.List(ctx, kindStack, "")
	if err != nil {
		return err
	}
	final := map[string]string{
		"CREATE_IN_PROGRESS": "CREATE_FAILED", "ROLLBACK_IN_PROGRESS": "ROLLBACK_FAILED", "DELETE_IN_PROGRESS": "DELETE_FAILED",
		"UPDATE_IN_PROGRESS": "UPDATE_ROLLBACK_FAILED", "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS": "UPDATE_COMPLETE",
		"UPDATE_ROLLBACK_IN_PROGRESS": "UPDATE_ROLLBACK_FAILED", "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS": "UPDATE_ROLLBACK_COMPLETE",
	}
	for _, r := range recs {
		st, err := decodeStack(r)
		if err != nil {
			return err
		}
		to, ok := final[st.Status]
		if !ok {
			continue
		}
		o := &op{s: s, st: st}
		o.stackStatus(to, "gatehouse stopped while the stack operation ran; the operation did not finish")
	}
	return nil
}

// start runs fn as the stack's operation in the background.
func (s *Service) start(st *Stack, fn func()) {
	done := make(chan struct{})
	s.mu.Lock()
	s.running[st.UUID] = done
	s.mu.Unlock()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer func() {
			s.mu.Lock()
			delete(s.running, st.UUID)
			s.mu.Unlock()
			close(done)
		}()
		defer func() {
			if v := recover(); v != nil {
				s.log.Error("cloudformation: stack operation panicked", "stack", st.ID, "panic", v)
			}
		}()
		fn()
	}()
}

// await waits up to SyncWait for the stack's operation, so that the
// caller's first poll usually sees the final status.
func (s *Service) await(stackUUID string) {
	s.mu.Lock()
	done := s.running[stackUUID]
	s.mu.Unlock()
	if done == nil || s.syncWait <= 0 {
		return
	}
	t := time.NewTimer(s.syncWait)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
	}
}

// Wait blocks until the stack's running operation (if any) ends; for
// tests and `gatehouse deploy` in-process callers.
func (s *Service) Wait(stackUUID string) {
	s.mu.Lock()
	done := s.running[stackUUID]
	s.mu.Unlock()
	if done != nil {
		<-done
	}
}

func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
