package cli

import (
	"context"

	"github.com/gatehouse-dev/gatehouse/internal/lambda"
)

func init() {
	register("runtimes", "install the AWS SDK into the functions' runtime (node, python)", func(ctx context.Context, args []string, env Env) int {
		return lambda.RuntimesCommand(ctx, args, env.Stdout, env.Stderr, env.Getenv)
	})
}
