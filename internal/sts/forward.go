package sts

import (
	"context"
	"errors"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/authn"
)

// ForwardCredentials issues short-lived credentials that act as p, with
// p's permissions and nothing more: what AWS calls a forward access
// session, which a service such as CloudFormation uses to make the calls
// a request asked for as the requester. A role session keeps its role,
// session name, tags and session policies; a user or root acts as itself.
func (s *Service) ForwardCredentials(ctx context.Context, p *authn.Principal, d time.Duration) (Credentials, error) {
	if p == nil {
		return Credentials{}, errors.New("sts: no principal to forward")
	}
	if d <= 0 || d > time.Hour {
		d = time.Hour
	}
	var sess authn.Session
	switch {
	case p.Session != nil:
		sess = *p.Session
		// The forwarded session ends no later than the caller's.
		if left := time.Until(time.Unix(p.Session.Expires, 0)); left < d {
			d = left
		}
		if d <= 0 {
			return Credentials{}, errors.New("sts: the caller's session has expired")
		}
	case p.Kind == authn.User:
		sess = authn.Session{Account: p.AccountID, Kind: authn.User, UserName: p.UserName, UserPath: p.Path, UserID: p.UniqueID}
	case p.Kind == authn.Root:
		sess = authn.Session{Account: p.AccountID, Kind: authn.Root}
	default:
		return Credentials{}, errors.New("sts: this principal cannot be forwarded")
	}
	return s.issue(&sess, d)
}
