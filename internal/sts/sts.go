package sts

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/authn"
	"github.com/gatehouse-dev/gatehouse/internal/iam"
)

// Config configures a Service.
type Config struct {
	IAM *iam.Service
	Log *slog.Logger
	// HTTPClient fetches OIDC discovery documents and JWKS. Default: a
	// client with a 10 s timeout trusting the system roots (on Linux also
	// SSL_CERT_FILE / SSL_CERT_DIR).
	HTTPClient *http.Client
	// Now is the clock (tests).
	Now func() time.Time
}

// Service is STS.
type Service struct {
	iam  *iam.Service
	auth *authn.Authenticator
	log  *slog.Logger
	now  func() time.Time
	oidc *oidcCache
}

// New returns an STS service over cfg.IAM.
func New(cfg Config) *Service {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	return &Service{iam: cfg.IAM, auth: cfg.IAM.Authenticator(), log: cfg.Log, now: cfg.Now,
		oidc: newOIDCCache(cfg.HTTPClient, cfg.Now)}
}

// Credentials are temporary credentials.
type Credentials struct {
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string
	Expiration      time.Time
}

// RoleCredentials issues temporary credentials for roleARN on behalf of the
// service principal lambda.amazonaws.com, which the role's trust policy
// must allow to sts:AssumeRole.
func (s *Service) RoleCredentials(ctx context.Context, roleARN, sessionName string, duration time.Duration) (Credentials, error) {
	return s.ServiceRoleCredentials(ctx, "lambda.amazonaws.com", roleARN, sessionName, duration)
}

// SetHTTPClient replaces the client used to fetch OIDC discovery documents
// and JWKS (tests, custom CA bundles). Cached keys are dropped.
func (s *Service) SetHTTPClient(c *http.Client) { s.oidc = newOIDCCache(c, s.now) }
