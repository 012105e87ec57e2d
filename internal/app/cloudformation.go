package app

import (
	"context"
	"fmt"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/authn"
	"github.com/gatehouse-dev/gatehouse/internal/cfn"
	"github.com/gatehouse-dev/gatehouse/internal/sts"
)

// cfnParts is the CloudFormation service (issue #16).
type cfnParts struct {
	CloudFormation *cfn.Service
}

// wireCloudFormation builds CloudFormation over the store; its resource
// providers call gatehouse's own endpoint (SetEndpoint) with credentials
// STS issues for the stack's role or the caller.
func (a *App) wireCloudFormation(ctx context.Context) error {
	if a.iamParts.STS == nil || a.iamParts.Authn == nil {
		return fmt.Errorf("cloudformation needs STS and the authenticator")
	}
	svc, err := cfn.New(ctx, cfn.Config{
		Store:  a.Store,
		Log:    a.Log,
		Authn:  a.iamParts.Authn,
		Authz:  a.iamParts.IAM,
		Creds:  cfnCreds{a.iamParts.STS},
		Now:    a.Config.Now,
		Legacy: a.Config.LegacyDenyMessages,
		// Plain HTTP to the server's own listener until SetTLS, then TLS.
		HTTPClient: a.selfClient(),
	})
	if err != nil {
		return err
	}
	a.cfnParts.CloudFormation = svc
	a.Services.CloudFormation = svc.Handler()
	a.onEndpoint(svc.SetEndpoint)
	a.onClose(svc.Close)
	return nil
}

// cfnCreds adapts STS to the credentials a stack acts with.
type cfnCreds struct{ s *sts.Service }

func (c cfnCreds) RoleCredentials(ctx context.Context, roleARN, session string) (cfn.Credentials, error) {
	cr, err := c.s.ServiceRoleCredentials(ctx, "cloudformation.amazonaws.com", roleARN, session, time.Hour)
	if err != nil {
		return cfn.Credentials{}, err
	}
	return cfn.Credentials{AccessKeyID: cr.AccessKeyID, SecretAccessKey: cr.SecretAccessKey, SessionToken: cr.SessionToken}, nil
}

func (c cfnCreds) CallerCredentials(ctx context.Context, p *authn.Principal) (cfn.Credentials, error) {
	cr, err := c.s.ForwardCredentials(ctx, p, time.Hour)
	if err != nil {
		return cfn.Credentials{}, err
	}
	return cfn.Credentials{AccessKeyID: cr.AccessKeyID, SecretAccessKey: cr.SecretAccessKey, SessionToken: cr.SessionToken}, nil
}
