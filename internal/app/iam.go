package app

import "context"

// iamParts are the IAM, STS and authentication services (owned by the
// IAM/STS engineer).
type iamParts struct{}

// wireIAM builds IAM, STS and the authenticator over a.Store, bootstraps the
// default account and its root credentials (a.Config.RootAccessKeyID /
// RootSecretAccessKey, always set by the CLI before New), and sets
// a.Services.IAM and a.Services.STS.
func (a *App) wireIAM(ctx context.Context) error { return nil }
