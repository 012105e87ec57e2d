package app

import (
	"context"

	"github.com/gatehouse-dev/gatehouse/internal/authn"
	"github.com/gatehouse-dev/gatehouse/internal/s3"
	"github.com/gatehouse-dev/gatehouse/internal/ssm"
)

// wireS3 builds the S3 and SSM Parameter Store services (issue #16: the
// services deployment tooling needs) over the store, authorized by IAM.
func (a *App) wireS3(ctx context.Context) error {
	if a.iamParts.Authn == nil || a.iamParts.IAM == nil {
		return nil
	}
	svc, err := s3.New(s3.Config{
		Store:              a.Store,
		DataDir:            a.Config.DataDir,
		Authn:              a.iamParts.Authn,
		Authz:              a.iamParts.IAM,
		Log:                a.Log,
		Now:                a.Config.Now,
		LegacyDenyMessages: a.Config.LegacyDenyMessages,
	})
	if err != nil {
		return err
	}
	a.Services.S3 = svc
	// SecureString values are sealed with the master key, as IAM seals
	// access-key secrets (the same key file; loading it again reads it).
	key, err := authn.LoadMasterKey(a.Config.DataDir, a.Config.MasterKey)
	if err != nil {
		return err
	}
	p, err := ssm.New(ssm.Config{
		Store:              a.Store,
		Authn:              a.iamParts.Authn,
		Authz:              a.iamParts.IAM,
		MasterKey:          key,
		Log:                a.Log,
		Now:                a.Config.Now,
		LegacyDenyMessages: a.Config.LegacyDenyMessages,
	})
	if err != nil {
		return err
	}
	a.Services.SSM = p
	return nil
}
