package cli

import (
	"context"

	"github.com/gatehouse-dev/gatehouse/internal/iam/accountscli"
)

func init() {
	register("accounts", "create and list accounts (each its own IAM namespace)", func(ctx context.Context, args []string, env Env) int {
		return accountscli.AccountsCommand(ctx, args, env.Stdout, env.Stderr, env.Getenv)
	})
}
