package cli

import (
	"context"
	"fmt"
	"runtime"
)

func init() {
	register("version", "print gatehouse's version", func(_ context.Context, args []string, env Env) int {
		if len(args) > 0 {
			if args[0] == "--help" || args[0] == "-h" {
				fmt.Fprintln(env.Stdout, "Usage: gatehouse version\n\nPrints the version of this gatehouse binary and the Go version it was built with.")
				return 0
			}
			fmt.Fprintf(env.Stderr, "gatehouse version: unexpected argument %q\n", args[0])
			return 2
		}
		fmt.Fprintf(env.Stdout, "gatehouse %s (%s %s/%s)\n", Version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
		return 0
	})
}
