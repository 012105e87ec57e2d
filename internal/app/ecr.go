package app

import (
	"context"

	"github.com/gatehouse-dev/gatehouse/internal/ecr"
)

// wireECR builds the ECR repository registry over the store, authorized
// by IAM (issue #16: the CDK's bootstrap repository, `serverless remove`).
func (a *App) wireECR(ctx context.Context) error {
	if a.iamParts.Authn == nil || a.iamParts.IAM == nil {
		return nil
	}
	a.Services.ECR = ecr.New(ecr.Config{
		Store:              a.Store,
		Authn:              a.iamParts.Authn,
		Authz:              a.iamParts.IAM,
		Log:                a.Log,
		Now:                a.Config.Now,
		LegacyDenyMessages: a.Config.LegacyDenyMessages,
	})
	return nil
}
