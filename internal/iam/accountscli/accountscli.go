// Package accountscli is the client side of "gatehouse accounts": it calls
// gatehouse's own CreateAccount / ListAccounts actions on the IAM endpoint,
// signed with credentials from the standard AWS chain (environment, shared
// profile, …) as any AWS CLI call would be.
package accountscli

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/config"
)

const usage = `usage:
  gatehouse accounts create [--account-id ID] [--name NAME] --endpoint-url URL [--profile P] [--region R]
  gatehouse accounts list --endpoint-url URL [--profile P] [--region R]

Creates or lists accounts of a running gatehouse, each its own IAM namespace.
Run it with the default account's root credentials (or a principal allowed
gatehouse:CreateAccount / gatehouse:ListAccounts), taken from the standard AWS
chain (environment, --profile, shared files). create prints the new account's
root credentials as JSON: {"AccountId", "AccessKeyId", "SecretAccessKey"}.
`

// AccountsCommand runs "gatehouse accounts ARGS" and returns the exit code.
func AccountsCommand(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "-help" || args[0] == "help") {
		fmt.Fprint(stdout, usage)
		return 0
	}
	if len(args) == 0 || (args[0] != "create" && args[0] != "list") {
		fmt.Fprint(stderr, usage)
		return 2
	}
	fs := flag.NewFlagSet("accounts "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	endpoint := fs.String("endpoint-url", "", "gatehouse URL (required)")
	profile := fs.String("profile", "", "AWS shared config profile")
	region := fs.String("region", "", "signing region (default: from the AWS config, else us-east-1)")
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
	if *endpoint == "" {
		fmt.Fprintln(stderr, "gatehouse accounts: --endpoint-url is required")
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
	body, err := call(ctx, *endpoint, *profile, *region, form)
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

// call signs form for service iam and posts it to endpoint.
func call(ctx context.Context, endpoint, profile, region string, form url.Values) ([]byte, error) {
	var opts []func(*config.LoadOptions) error
	if profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(profile))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("load AWS config: %w", err)
	}
	if region == "" {
		region = cfg.Region
	}
	if region == "" {
		region = "us-east-1"
	}
	if cfg.Credentials == nil {
		return nil, fmt.Errorf("no AWS credentials found")
	}
	creds, err := cfg.Credentials.Retrieve(ctx)
	if err != nil {
		return nil, fmt.Errorf("no AWS credentials: %w", err)
	}
	payload := form.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(endpoint, "/")+"/", strings.NewReader(payload))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	sum := sha256.Sum256([]byte(payload))
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "iam", region, time.Now()); err != nil {
		return nil, err
	}
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Code    string `xml:"Error>Code"`
			Message string `xml:"Error>Message"`
		}
		if xml.Unmarshal(body, &e) == nil && e.Code != "" {
			return nil, fmt.Errorf("%s: %s", e.Code, e.Message)
		}
		return nil, fmt.Errorf("HTTP %s", resp.Status)
	}
	return body, nil
}
