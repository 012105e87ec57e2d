package cli

import (
	"context"

	"github.com/gatehouse-dev/gatehouse/internal/callers"
)

func init() {
	register("curl", "send a SigV4-signed HTTP request (an awscurl for gatehouse and AWS)", func(ctx context.Context, args []string, env Env) int {
		return callers.Curl(ctx, args, env.Stdin, env.Stdout, env.Stderr)
	})
	register("sign-proxy", "run a local proxy that signs every request it forwards (sidecar)", func(ctx context.Context, args []string, env Env) int {
		return callers.SignProxy(ctx, args, env.Stdout, env.Stderr)
	})
}
