// Command gatehouse runs AWS IAM authorization for internal HTTP APIs. See
// README.md, or run "gatehouse --help".
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/gatehouse-dev/gatehouse/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args[1:], cli.Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv, Process: true})
	stop()
	os.Exit(code)
}
