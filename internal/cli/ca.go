package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/gatehouse-dev/gatehouse/internal/server"
)

func init() {
	register("ca", "print the local CA certificate that issues the TLS listener's certificate", caCmd)
}

// caCmd prints the path of DATA-DIR/tls/ca.pem, or with --pem its PEM, so
// that clients can trust the TLS listener (curl --cacert, AWS_CA_BUNDLE,
// NODE_EXTRA_CA_CERTS). It never prints or reads a key.
func caCmd(_ context.Context, args []string, env Env) int {
	fset := flag.NewFlagSet("gatehouse ca", flag.ContinueOnError)
	fset.SetOutput(env.Stderr)
	dataDir := "./.gatehouse"
	if v := env.Getenv("GATEHOUSE_DATA_DIR"); v != "" {
		dataDir = v
	}
	fset.StringVar(&dataDir, "data-dir", dataDir, "the server's data dir (env GATEHOUSE_DATA_DIR)")
	pemOut := fset.Bool("pem", false, "print the certificate (PEM) instead of its path")
	fset.Usage = func() {
		fmt.Fprint(fset.Output(), `Usage: gatehouse ca [--data-dir DIR] [--pem]

Prints the path of the local CA certificate that gatehouse serve
--tls-listen creates on first start (DATA-DIR/tls/ca.pem) and issues its
TLS certificate from; with --pem, the certificate itself. Trust it with
  curl --cacert "$(gatehouse ca)" ...
  AWS_CA_BUNDLE="$(gatehouse ca)" aws ... --endpoint-url https://localhost:4567
  NODE_EXTRA_CA_CERTS="$(gatehouse ca)" node ...
The CA's key never leaves the data dir. With --tls-cert there is no CA.

Flags:
`)
		fset.PrintDefaults()
	}
	if err := fset.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fset.SetOutput(env.Stdout)
			fset.Usage()
			return 0
		}
		return 2
	}
	if fset.NArg() > 0 {
		fmt.Fprintf(env.Stderr, "gatehouse ca: unexpected argument %q\n", fset.Arg(0))
		return 2
	}
	p := server.CACertPath(dataDir)
	if abs, err := filepath.Abs(p); err == nil {
		p = abs
	}
	b, err := os.ReadFile(p)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			fmt.Fprintf(env.Stderr, "gatehouse ca: no local CA in %s: start gatehouse serve --tls-listen ADDR with this data dir first\n", dataDir)
		} else {
			fmt.Fprintf(env.Stderr, "gatehouse ca: %v\n", err)
		}
		return 1
	}
	if *pemOut {
		_, _ = env.Stdout.Write(b)
		return 0
	}
	fmt.Fprintln(env.Stdout, p)
	return 0
}
