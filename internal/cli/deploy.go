package cli

import (
	"context"

	"github.com/gatehouse-dev/gatehouse/internal/cfn/deploy"
)

func init() {
	register("deploy", "deploy a SAM or CloudFormation template as a stack (local code, no S3)", func(ctx context.Context, args []string, env Env) int {
		return deploy.DeployCommand(ctx, args, env.Stdout, env.Stderr, env.Getenv)
	})
	register("stacks", "list the CloudFormation stacks", func(ctx context.Context, args []string, env Env) int {
		return deploy.StacksCommand(ctx, args, env.Stdout, env.Stderr, env.Getenv)
	})
	register("delete", "delete a CloudFormation stack and its resources", func(ctx context.Context, args []string, env Env) int {
		return deploy.DeleteCommand(ctx, args, env.Stdout, env.Stderr, env.Getenv)
	})
}
