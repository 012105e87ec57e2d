// Package accountscli is the client side of "gatehouse accounts": it calls
// gatehouse's own CreateAccount / ListAccounts actions on the IAM endpoint,
// signed with credentials from the standard AWS chain (environment, shared
// profile, …) as any AWS CLI call would be.
package accountscli

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/gatehouse-dev/gatehouse/internal/clientcall"
)

const usage = `Usage:
  gatehouse accounts create [--account-id ID] [--name NAME] [--endpoint-url URL] [--data-dir DIR] [--profile P] [--region R]
  gatehouse accounts list [--endpoint-url URL] [--data-dir DIR] [--profile P] [--region R]

Creates or lists accounts of a running gatehouse, each its own IAM namespace.
Run it with the default account's root credentials (or a principal allowed
gatehouse:CreateAccount / gatehouse:ListAccounts), taken from the standard AWS
chain (environment, --profile, shared files), else from the root credentials
serve generated into DIR/credentials. create prints the new account's root
credentials as JSON: {"AccountId", "AccessKeyId", "SecretAccessKey"}.

The server is --endpoint-url, else AWS_ENDPOINT_URL_IAM, AWS_ENDPOINT_URL,
then http:// + GATEHOUSE_LISTEN (default 127.0.0.1:4566); DIR is --data-dir,
else GATEHOUSE_DATA_DIR, else ./.gatehouse: the same settings serve reads.
`

// AccountsCommand runs "gatehouse accounts ARGS" and returns the exit code.
func AccountsCommand(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "-help" || args[0] == "help") {
		fmt.Fprint(stdout, usage)
		return 0
	}
	if len(args) == 0 || (args[0] != "create" && args[0] != "list") {
		if len(args) > 0 {
			fmt.Fprintf(stderr, "gatehouse accounts: unknown subcommand %q (create or list)\n\n", args[0])
		}
		fmt.Fprint(stderr, usage)
		return 2
	}
	fs := flag.NewFlagSet("accounts "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	target := clientcall.Target{Stderr: stderr}
	clientcall.Flags(fs, &target, "iam", getenv)
	var accountID, name *string
	if args[0] == "create" {
		accountID = fs.String("account-id", "", "12-digit id of the new account (default: random)")
		name = fs.String("name", "", "account name")
	}
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	form := url.Values{"Version": {"2010-05-08"}}
	if args[0] == "create" {
		form.Set("Action", "CreateAccount")
		if *accountID != "" {
			form.Set("AccountId", *accountID)
		}
		if *name != "" {
			form.Set("Name", *name)
		}
	} else {
		form.Set("Action", "ListAccounts")
	}
	body, err := call(ctx, target, form)
	if err != nil {
		fmt.Fprintln(stderr, "gatehouse accounts:", err)
		return 1
	}
	var out any
	if args[0] == "create" {
		var r struct {
			Result struct {
				AccountId       string
				AccessKeyId     string
				SecretAccessKey string
			} `xml:"CreateAccountResult"`
		}
		if err := xml.Unmarshal(body, &r); err != nil {
			fmt.Fprintln(stderr, "gatehouse accounts: bad response:", err)
			return 1
		}
		out = r.Result
	} else {
		var r struct {
			Result struct {
				Accounts []struct {
					AccountId  string
					Name       string `json:",omitempty"`
					CreateDate string
				} `xml:"Accounts>member"`
			} `xml:"ListAccountsResult"`
		}
		if err := xml.Unmarshal(body, &r); err != nil {
			fmt.Fprintln(stderr, "gatehouse accounts: bad response:", err)
			return 1
		}
		out = map[string]any{"Accounts": r.Result.Accounts}
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "    ")
	if err := enc.Encode(out); err != nil {
		return 1
	}
	return 0
}

// call signs form for service iam and posts it to the target.
func call(ctx context.Context, t clientcall.Target, form url.Values) ([]byte, error) {
	creds, region, err := t.Resolve(ctx)
	if err != nil {
		return nil, err
	}
	resp, err := clientcall.Post(ctx, t.Endpoint, "iam", region, creds,
		map[string]string{"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}, []byte(form.Encode()))
	if err != nil {
		return nil, fmt.Errorf("%w (is gatehouse serving at %s?)", err, t.Endpoint)
	}
	if resp.Status != http.StatusOK {
		var e struct {
			Code    string `xml:"Error>Code"`
			Message string `xml:"Error>Message"`
		}
		if xml.Unmarshal(resp.Body, &e) == nil && e.Code != "" {
			return nil, fmt.Errorf("%s: %s", e.Code, e.Message)
		}
		return nil, fmt.Errorf("HTTP %d from %s", resp.Status, t.Endpoint)
	}
	return resp.Body, nil
}
