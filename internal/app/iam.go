package app

import (
	"context"
	"fmt"

	"github.com/gatehouse-dev/gatehouse/internal/authn"
	"github.com/gatehouse-dev/gatehouse/internal/iam"
	"github.com/gatehouse-dev/gatehouse/internal/sts"
)

// iamParts are the IAM, STS and authentication services (owned by the
// IAM/STS engineer).
type iamParts struct {
	IAM   *iam.Service
	STS   *sts.Service
	Authn *authn.Authenticator
}

// wireIAM builds IAM, STS and the authenticator over a.Store, bootstraps the
// default account and its root credentials (a.Config.RootAccessKeyID /
// RootSecretAccessKey, always set by the CLI before New), and sets
// a.Services.IAM and a.Services.STS.
func (a *App) wireIAM(ctx context.Context) error {
	key, err := authn.LoadMasterKey(a.Config.DataDir, a.Config.MasterKey)
	if err != nil {
		return err
	}
	svc, err := iam.New(ctx, iam.Config{
		Store:              a.Store,
		Log:                a.Log,
		MasterKey:          key,
		DefaultAccount:     a.Config.AccountID,
		LegacyDenyMessages: a.Config.LegacyDenyMessages,
		EncodeDenials:      a.Config.EncodeDenials,
		HideCanonical:      a.Config.HideCanonical,
		Now:                a.Config.Now,
		OIDCIssuerURL:      a.Config.OIDCIssuerURL,
		OIDCKeyRotation:    a.Config.OIDCKeyRotation,
	})
	if err != nil {
		return err
	}
	if err := svc.Bootstrap(ctx, a.Config.AccountID, "default", a.Config.RootAccessKeyID, a.Config.RootSecretAccessKey); err != nil {
		return fmt.Errorf("bootstrap account %s: %w", a.Config.AccountID, err)
	}
	svc.Authenticator().UseBodies(a.Bodies)
	a.iamParts = iamParts{IAM: svc, STS: sts.New(sts.Config{IAM: svc, Log: a.Log, Now: a.Config.Now}), Authn: svc.Authenticator()}
	a.Services.IAM = svc.Handler()
	a.Services.STS = a.iamParts.STS.Handler()
	a.Services.OIDC = svc.OIDCHandler()
	return nil
}
