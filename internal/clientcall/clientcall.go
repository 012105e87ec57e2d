// Package clientcall is what gatehouse's own client commands (`gatehouse
// accounts`, `gatehouse logs`) share: where the server is, which
// credentials to sign with, and one signed call. Every setting is read the
// same way as for `serve` and `curl`: the environment gives the default,
// a flag overrides it.
package clientcall

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/smithy-go/logging"
)

// DefaultListen is serve's default --listen (config.Default).
const DefaultListen = "127.0.0.1:4566"

// Target is where and as whom a client command calls gatehouse.
type Target struct {
	Endpoint string // gatehouse URL
	Region   string // signing region; "" is the AWS config's, else us-east-1
	Profile  string // AWS shared-config profile; "" is the default chain
	DataDir  string // serve's data dir: its generated root credentials are the last resort
	// Stderr receives the one-line notice printed when the data dir's
	// root credentials are used.
	Stderr io.Writer
}

// Flags binds the client flags to fs, with defaults from the environment:
//
//	--endpoint-url  AWS_ENDPOINT_URL_<SERVICE>, then AWS_ENDPOINT_URL, then
//	                http://$GATEHOUSE_LISTEN, then http://127.0.0.1:4566
//	--data-dir      GATEHOUSE_DATA_DIR, then ./.gatehouse
//	--profile       (the AWS SDK reads AWS_PROFILE itself)
//	--region        (the AWS SDK reads AWS_REGION / AWS_DEFAULT_REGION)
//
// service is the AWS service identifier of the calls ("iam", "logs"), as
// in AWS_ENDPOINT_URL_IAM.
func Flags(fs *flag.FlagSet, t *Target, service string, getenv func(string) string) {
	envVar := "AWS_ENDPOINT_URL_" + strings.ToUpper(strings.ReplaceAll(service, "-", "_"))
	t.Endpoint = Endpoint(service, getenv)
	t.DataDir = DataDir(getenv)
	fs.StringVar(&t.Endpoint, "endpoint-url", t.Endpoint, "gatehouse URL (env "+envVar+", AWS_ENDPOINT_URL; else http:// + GATEHOUSE_LISTEN)")
	fs.StringVar(&t.DataDir, "data-dir", t.DataDir, "serve's data directory: its generated root credentials are used when the AWS chain has none (env GATEHOUSE_DATA_DIR)")
	fs.StringVar(&t.Profile, "profile", "", "AWS shared config profile (env AWS_PROFILE)")
	fs.StringVar(&t.Region, "region", "", "signing region (env AWS_REGION, AWS_DEFAULT_REGION; else us-east-1)")
}

// Endpoint is the default gatehouse URL for calls to service.
func Endpoint(service string, getenv func(string) string) string {
	if v := getenv("AWS_ENDPOINT_URL_" + strings.ToUpper(strings.ReplaceAll(service, "-", "_"))); v != "" {
		return v
	}
	if v := getenv("AWS_ENDPOINT_URL"); v != "" {
		return v
	}
	listen := getenv("GATEHOUSE_LISTEN")
	if listen == "" {
		listen = DefaultListen
	}
	return "http://" + listen
}

// DataDir is the default data directory, as serve's.
func DataDir(getenv func(string) string) string {
	if v := getenv("GATEHOUSE_DATA_DIR"); v != "" {
		return v
	}
	return "./.gatehouse"
}

// Resolve returns the signing credentials and region for t: the standard
// AWS chain (environment, profile, shared files, ...), or, when it has
// none, the root credentials serve generated into DataDir/credentials.
func (t Target) Resolve(ctx context.Context) (aws.Credentials, string, error) {
	// The SDK's own log (IMDS fallbacks on a laptop) is noise here: a
	// failure to find credentials is reported below.
	opts := []func(*config.LoadOptions) error{config.WithLogger(logging.Nop{})}
	if t.Profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(t.Profile))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Credentials{}, "", fmt.Errorf("load AWS config: %w", err)
	}
	region := t.Region
	if region == "" {
		region = cfg.Region
	}
	if region == "" {
		region = "us-east-1"
	}
	var creds aws.Credentials
	if cfg.Credentials != nil {
		creds, err = cfg.Credentials.Retrieve(ctx)
	}
	if cfg.Credentials != nil && err == nil {
		return creds, region, nil
	}
	if t.Profile == "" && t.DataDir != "" {
		path := filepath.Join(t.DataDir, "credentials")
		if _, serr := os.Stat(path); serr == nil {
			c, ferr := config.LoadDefaultConfig(ctx, config.WithLogger(logging.Nop{}), config.WithSharedCredentialsFiles([]string{path}), config.WithSharedConfigProfile("default"))
			if ferr == nil && c.Credentials != nil {
				if creds, ferr = c.Credentials.Retrieve(ctx); ferr == nil {
					if t.Stderr != nil {
						fmt.Fprintf(t.Stderr, "(no AWS credentials configured: using the root credentials in %s)\n", path)
					}
					return creds, region, nil
				}
			}
		}
	}
	if t.Profile != "" {
		return aws.Credentials{}, "", fmt.Errorf("no AWS credentials in profile %s: %w", t.Profile, err)
	}
	// The SDK's chain error ends with its last provider (IMDS), which
	// says nothing useful on a laptop: say where credentials may come from.
	return aws.Credentials{}, "", fmt.Errorf("no AWS credentials: none in the environment (AWS_ACCESS_KEY_ID, AWS_PROFILE, AWS_SHARED_CREDENTIALS_FILE, ~/.aws), and no %s (the root credentials serve generates; point --data-dir or GATEHOUSE_DATA_DIR at serve's data dir)",
		filepath.Join(t.DataDir, "credentials"))
}

// Response is a call's answer.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// httpClient is the client of Post: the system's roots, and those of
// bundle (a PEM file) when set, as the AWS CLI and SDKs read
// AWS_CA_BUNDLE, so the commands reach a TLS listener whose certificate
// comes from gatehouse's local CA (`gatehouse ca`).
func httpClient(bundle string) (*http.Client, error) {
	c := &http.Client{Timeout: 30 * time.Second}
	if bundle == "" {
		return c, nil
	}
	pem, err := os.ReadFile(bundle)
	if err != nil {
		return nil, fmt.Errorf("AWS_CA_BUNDLE: %w", err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("AWS_CA_BUNDLE: no PEM certificate in %s", bundle)
	}
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	c.Transport = t
	return c, nil
}

// maxResponse bounds a response body read into memory (CloudWatch Logs
// pages are at most 1 MB of events, plus JSON framing).
const maxResponse = 4 << 20

// Post sends body to t's endpoint, path "/", signed for service with
// creds, and returns the response. header adds request headers.
func Post(ctx context.Context, endpoint, service, region string, creds aws.Credentials, header map[string]string, body []byte) (*Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(endpoint, "/")+"/", strings.NewReader(string(body)))
	if err != nil {
		return nil, err
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), service, region, time.Now()); err != nil {
		return nil, err
	}
	client, err := httpClient(os.Getenv("AWS_CA_BUNDLE"))
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxResponse {
		return nil, fmt.Errorf("response larger than %d bytes", maxResponse)
	}
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: b}, nil
}
