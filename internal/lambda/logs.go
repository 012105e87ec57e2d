package lambda

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/arn"
	"github.com/gatehouse-dev/gatehouse/internal/lambda/runtime"
)

// LogsCommand implements `gatehouse logs FUNCTION`: it prints the
// function's log (its output and Lambda's START/END/REPORT lines) from the
// data dir and follows new lines until ctx ends. FUNCTION is a name or a
// function ARN (which selects the account and region). It returns the
// process exit code.
//
//	gatehouse logs [--data-dir DIR] [--region R] [--account-id A] [--no-follow] FUNCTION
func LogsCommand(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fset := flag.NewFlagSet("logs", flag.ContinueOnError)
	fset.SetOutput(stderr)
	dataDir := fset.String("data-dir", "./.gatehouse", "gatehouse data directory (as given to serve)")
	region := fset.String("region", "us-east-1", "the function's region")
	account := fset.String("account-id", "000000000000", "the function's account")
	noFollow := fset.Bool("no-follow", false, "print the current log and exit instead of following new lines")
	fset.Usage = func() {
		fmt.Fprintln(stderr, "usage: gatehouse logs [--data-dir DIR] [--region R] [--account-id A] [--no-follow] FUNCTION")
		fset.PrintDefaults()
	}
	// Flags may come after the function name too.
	var pos []string
	rest := args
	for {
		if err := fset.Parse(rest); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return 0
			}
			return 2
		}
		if fset.NArg() == 0 {
			break
		}
		pos = append(pos, fset.Arg(0))
		rest = fset.Args()[1:]
	}
	if len(pos) != 1 {
		fset.Usage()
		return 2
	}
	name := pos[0]
	if strings.HasPrefix(name, "arn:") {
		ref, ok := arn.ParseFunction(name)
		if !ok {
			fmt.Fprintf(stderr, "gatehouse logs: %s is not a function ARN\n", name)
			return 2
		}
		*region, *account, name = ref.Region, ref.Account, ref.Name
	}
	if err := validateName(name); err != nil {
		fmt.Fprintf(stderr, "gatehouse logs: invalid function name %q\n", name)
		return 2
	}
	path := LogPath(*dataDir, *account, *region, name)
	err := runtime.Follow(ctx, path, !*noFollow, stdout)
	if errors.Is(err, fs.ErrNotExist) {
		fmt.Fprintf(stderr, "gatehouse logs: no log for function %s in %s (account %s, region %s)\n", name, *dataDir, *account, *region)
		return 1
	}
	if err != nil {
		fmt.Fprintf(stderr, "gatehouse logs: %v\n", err)
		return 1
	}
	return 0
}
