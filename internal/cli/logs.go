package cli

import (
	"context"

	"github.com/gatehouse-dev/gatehouse/internal/lambda"
)

func init() {
	register("logs", "print (and follow) a function's logs", func(ctx context.Context, args []string, env Env) int {
		return lambda.LogsCommand(ctx, args, env.Stdout, env.Stderr, env.Getenv)
	})
}
