package authn

import (
	"errors"
	"fmt"
	"hash/maphash"
	"net/http"
	"sync"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/arn"
	"github.com/gatehouse-dev/gatehouse/internal/reqbody"
	"github.com/gatehouse-dev/gatehouse/internal/sigv4"
)

// KeyStore resolves long-term access keys. The IAM snapshot implements it.
type KeyStore interface {
	// LookupKey returns the secret and principal of an active long-term
	// access key; ok is false for unknown or inactive keys.
	LookupKey(accessKeyID string) (secret string, p *Principal, ok bool)
}

// SessionChecker, when the KeyStore also implements it, confirms that the
// user or role behind an opened session still exists (a deleted role's
// sessions stop working). It must answer from memory.
type SessionChecker interface {
	SessionValid(s *Session) bool
}

// Authenticator verifies requests and resolves their principals. It
// implements sigv4.Resolver.
type Authenticator struct {
	keys   KeyStore
	sealer *Sealer
	now    func() time.Time

	verifiers map[string]*sigv4.Verifier
	bodies    *reqbody.Reader

	seed   maphash.Seed
	shards [64]sessionShard
}

type sessionShard struct {
	mu sync.Mutex
	m  map[string]cachedSession
}

type cachedSession struct {
	token string
	p     *Principal
}

const shardCap = 2048

// Options configure an Authenticator.
type Options struct {
	// Now is the clock (tests); default time.Now.
	Now func() time.Time
	// HideCanonical drops the canonical request from mismatch messages.
	HideCanonical bool
}

// New returns an Authenticator over keys and sealer.
func New(keys KeyStore, sealer *Sealer, opts Options) *Authenticator {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	a := &Authenticator{keys: keys, sealer: sealer, now: opts.Now, seed: maphash.MakeSeed(), bodies: reqbody.New(reqbody.Limits{})}
	a.verifiers = map[string]*sigv4.Verifier{}
	for svc, skew := range map[string]time.Duration{
		"iam": 15 * time.Minute, "sts": 15 * time.Minute,
		"apigateway": 5 * time.Minute, "lambda": 5 * time.Minute, "logs": 5 * time.Minute,
		"ssm": 5 * time.Minute, "ecr": 5 * time.Minute,
		"cloudformation": 5 * time.Minute,
	} {
		a.verifiers[svc] = sigv4.New(sigv4.Config{Service: svc, Skew: skew, Now: opts.Now, Resolver: a, HideCanonical: opts.HideCanonical})
	}
	// S3 canonicalizes paths its own way, signs presigned URLs over
	// UNSIGNED-PAYLOAD, accepts unsigned and aws-chunked payloads, and
	// allows 15 minutes of skew (RequestTimeTooSkewed).
	a.verifiers["s3"] = sigv4.New(sigv4.Config{Service: "s3", Skew: 15 * time.Minute, Now: opts.Now, Resolver: a,
		HideCanonical: opts.HideCanonical, S3: true, AllowUnsignedPayload: true, AllowStreaming: true})
	return a
}

// Verifier returns the SigV4 verifier of service, or nil: for a surface
// that streams its body (S3) instead of buffering it through ReadRequest.
func (a *Authenticator) Verifier(service string) *sigv4.Verifier { return a.verifiers[service] }

// Sealer returns the session token sealer.
func (a *Authenticator) Sealer() *Sealer { return a.sealer }

// Resolve implements sigv4.Resolver: a long-term key from the KeyStore, or
// a temporary key whose session token opens, belongs to the key and has
// not expired.
func (a *Authenticator) Resolve(accessKeyID, sessionToken string) (sigv4.Credentials, error) {
	if sessionToken == "" {
		secret, p, ok := a.keys.LookupKey(accessKeyID)
		if !ok {
			return sigv4.Credentials{}, sigv4.ErrUnknownKey
		}
		return sigv4.Credentials{SecretAccessKey: secret, Identity: p}, nil
	}
	p, err := a.OpenSession(accessKeyID, sessionToken)
	if err != nil {
		return sigv4.Credentials{}, err
	}
	return sigv4.Credentials{SecretAccessKey: p.Session.Secret, Identity: p}, nil
}

// OpenSession returns the principal of a temporary key and its token. Errors
// wrap sigv4.ErrInvalidToken or sigv4.ErrExpiredToken.
func (a *Authenticator) OpenSession(accessKeyID, token string) (*Principal, error) {
	sh := &a.shards[maphash.String(a.seed, accessKeyID)%uint64(len(a.shards))]
	sh.mu.Lock()
	c, ok := sh.m[accessKeyID]
	sh.mu.Unlock()
	var p *Principal
	if ok && c.token == token {
		p = c.p
	} else {
		var err error
		if p, err = a.open(accessKeyID, token); err != nil {
			return nil, err
		}
		sh.mu.Lock()
		if sh.m == nil || len(sh.m) >= shardCap {
			sh.m = make(map[string]cachedSession, 64)
		}
		sh.m[accessKeyID] = cachedSession{token: token, p: p}
		sh.mu.Unlock()
	}
	if a.now().Unix() >= p.Session.Expires {
		return nil, sigv4.ErrExpiredToken
	}
	if sc, ok := a.keys.(SessionChecker); ok && !sc.SessionValid(p.Session) {
		return nil, fmt.Errorf("%w: principal no longer exists", sigv4.ErrInvalidToken)
	}
	return p, nil
}

// open opens and checks a token without the cache.
func (a *Authenticator) open(accessKeyID, token string) (*Principal, error) {
	sess, err := a.sealer.Open(token)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", sigv4.ErrInvalidToken, err)
	}
	if sess.AccessKeyID != accessKeyID {
		return nil, fmt.Errorf("%w: token belongs to another key", sigv4.ErrInvalidToken)
	}
	return SessionPrincipal(sess), nil
}

// SessionPrincipal builds the Principal a session token stands for.
func SessionPrincipal(s *Session) *Principal {
	p := &Principal{Kind: s.Kind, AccountID: s.Account, AccessKeyID: s.AccessKeyID, Session: s,
		FederatedProvider: s.FederatedProvider, sp: &sessionPolicy{},
		issueTime: time.Unix(s.Issued, 0).UTC().Format(time.RFC3339)}
	for _, t := range s.Tags {
		p.tagKeys = append(p.tagKeys, "aws:PrincipalTag/"+t.Key)
	}
	switch s.Kind {
	case AssumedRole:
		p.ARN = SessionARN(s.Account, s.RoleName, s.SessionName)
		p.UserID = s.RoleID + ":" + s.SessionName
		p.UniqueID = s.RoleID
		p.RoleName = s.RoleName
		p.SessionName = s.SessionName
		p.Path = s.RolePath
		p.RoleARN = arn.Role(s.Account, s.RolePath, s.RoleName)
	case User:
		p.ARN = arn.User(s.Account, s.UserPath, s.UserName)
		p.UserID = s.UserID
		p.UniqueID = s.UserID
		p.UserName = s.UserName
		p.Path = s.UserPath
	case Root:
		p.ARN = RootARN(s.Account)
		p.UserID = s.Account
	case FederatedUser:
		// SessionName is the federated user's name; the IAM user who
		// called GetFederationToken is kept for its permissions.
		p.ARN = arn.FederatedUser(s.Account, s.SessionName)
		p.UserID = s.Account + ":" + s.SessionName
		p.SessionName = s.SessionName
		p.UserName = s.UserName
		p.UniqueID = s.UserID
		p.RoleARN = arn.User(s.Account, s.UserPath, s.UserName)
		if s.UserName == "" {
			// Federated by the account's root user (AWS allows it).
			p.RoleARN = RootARN(s.Account)
		}
	}
	return p
}

// Authenticate verifies r (whose body has already been read into body) for
// service ("iam", "sts", "apigateway", "lambda") and returns the caller.
// A server reads the body with ReadRequest instead, which authenticates the
// head before it reads anything.
// Errors are *sigv4.Error; render them with QueryError or JSONError.
func (a *Authenticator) Authenticate(r *http.Request, body []byte, service string) (*Principal, error) {
	p, _, err := a.Verify(r, body, service)
	return p, err
}

// Verify is Authenticate that also returns the verification result
// (signing region, request time, presigned or not).
func (a *Authenticator) Verify(r *http.Request, body []byte, service string) (*Principal, *sigv4.Result, error) {
	v, ok := a.verifiers[service]
	if !ok {
		return nil, nil, errors.New("authn: unknown service " + service)
	}
	req := sigv4.FromHTTP(r, body)
	res, err := v.Verify(&req)
	if err != nil {
		return nil, nil, err
	}
	p, ok := res.Identity.(*Principal)
	if !ok || p == nil {
		return nil, nil, &sigv4.Error{Kind: sigv4.Internal, Message: "Internal server error"}
	}
	return p, res, nil
}
