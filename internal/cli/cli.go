// Package cli is gatehouse's command line: it parses arguments and
// environment into a config.Config and runs a subcommand. main only calls
// Run; everything here is testable with buffers for stdout and stderr.
package cli

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
)

// Version is set at build time with -ldflags "-X .../internal/cli.Version=v1.2.3".
var Version = "dev"

type command struct {
	summary string
	run     func(ctx context.Context, args []string, env Env) int
}

// Env is what a command may touch of the outside world.
type Env struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Getenv         func(string) string
	// Process is set when Getenv is this process's own environment (main):
	// serve may then re-execute itself to drop secrets from it.
	Process bool
}

var commands = map[string]command{}

func register(name, summary string, run func(context.Context, []string, Env) int) {
	commands[name] = command{summary: summary, run: run}
}

// Run runs the subcommand named by args[0] and returns the process exit code.
func Run(ctx context.Context, args []string, env Env) int {
	if len(args) == 0 {
		usage(env.Stderr)
		return 2
	}
	name := args[0]
	switch name {
	case "-h", "--help", "-help", "help":
		if len(args) > 1 {
			if c, ok := commands[args[1]]; ok {
				return c.run(ctx, []string{"--help"}, env)
			}
		}
		usage(env.Stdout)
		return 0
	case "--version", "-version":
		name = "version"
	}
	c, ok := commands[name]
	if !ok {
		fmt.Fprintf(env.Stderr, "gatehouse: unknown command %q\n\n", name)
		usage(env.Stderr)
		return 2
	}
	return c.run(ctx, args[1:], env)
}

func usage(w io.Writer) {
	fmt.Fprint(w, `gatehouse runs AWS IAM authorization for internal HTTP APIs: SigV4, IAM
policies, STS, API Gateway and Lambda-style functions, in one binary.

Usage:
  gatehouse <command> [flags]

Commands:
`)
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-11s %s\n", n, commands[n].summary)
	}
	fmt.Fprint(w, `
Run "gatehouse <command> --help" for a command's flags.
`)
}

// envName is the GATEHOUSE_* variable that sets a flag: --data-dir → GATEHOUSE_DATA_DIR.
func envName(flag string) string {
	return "GATEHOUSE_" + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}
