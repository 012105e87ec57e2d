package callers

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go/logging"
)

// defaultRegion is used when neither a flag, the environment nor the profile
// names a region (gatehouse's own default).
const defaultRegion = "us-east-1"

// credFlags are the credential and signing flags curl and sign-proxy share.
type credFlags struct {
	service     string
	region      string
	profile     string
	assumeRole  string
	sessionName string
	externalID  string
	endpointURL string
}

func (c *credFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&c.service, "service", "execute-api", "")
	fs.StringVar(&c.region, "region", "", "")
	fs.StringVar(&c.profile, "profile", "", "")
	fs.StringVar(&c.assumeRole, "assume-role", "", "")
	fs.StringVar(&c.sessionName, "role-session-name", "", "")
	fs.StringVar(&c.externalID, "external-id", "", "")
	fs.StringVar(&c.endpointURL, "endpoint-url", "", "")
}

// credHelp documents credFlags; both commands' help include it verbatim.
const credHelp = `Signing and credentials:
  --service NAME           signing name in the credential scope (default execute-api)
  --region REGION          signing region; default: the REGION of an
                           *.execute-api.REGION.amazonaws.com URL (for curl, of the
                           -H Host name when given), then AWS_REGION /
                           AWS_DEFAULT_REGION, then the profile's region, then us-east-1
  --profile NAME           shared config/credentials profile (default: AWS_PROFILE or "default")
  --assume-role ARN        call sts:AssumeRole with the loaded credentials and sign
                           with the role's temporary credentials (refreshed before expiry)
  --role-session-name S    session name for --assume-role (default gatehouse-<command>-<time>)
  --external-id ID         external ID for --assume-role
  --endpoint-url URL       STS endpoint for --assume-role and for profiles that assume
                           roles (role_arn, web identity); default: AWS_ENDPOINT_URL_STS,
                           then AWS_ENDPOINT_URL, then AWS's STS

Credentials come from the standard AWS chain, loaded by aws-sdk-go-v2: environment
(AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), web identity
(AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE), shared files (AWS_CONFIG_FILE,
AWS_SHARED_CREDENTIALS_FILE) including profiles with role_arn + source_profile,
SSO and credential_process, container and instance metadata.
`

// loadCredentials resolves the signing region and a cached credentials
// provider. Nothing is fetched yet: providers are called on first use, so
// errors such as a missing token file surface at the first request.
func loadCredentials(ctx context.Context, cf credFlags, command string, cache func(*aws.CredentialsCacheOptions)) (aws.CredentialsProvider, string, error) {
	if cf.externalID != "" && cf.assumeRole == "" {
		return nil, "", errors.New("--external-id needs --assume-role")
	}
	if cf.sessionName != "" && cf.assumeRole == "" {
		return nil, "", errors.New("--role-session-name needs --assume-role")
	}
	// The SDK's own log ("WARN falling back to IMDSv1" off EC2) is noise
	// on a caller's terminal: a failure to get credentials is reported
	// by the caller, with explainCredentialsError.
	opts := []func(*config.LoadOptions) error{config.WithLogger(logging.Nop{})}
	if cf.profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(cf.profile))
	}
	if cf.region != "" {
		opts = append(opts, config.WithRegion(cf.region))
	}
	if cf.endpointURL != "" {
		// The loaded config is only used to build STS clients, so a base
		// endpoint here reaches exactly the STS calls of role_arn and
		// web-identity profiles (AWS_ENDPOINT_URL_STS still wins there, as
		// the SDK resolves it per service).
		opts = append(opts, config.WithBaseEndpoint(cf.endpointURL))
	}
	if cache != nil {
		opts = append(opts, config.WithCredentialsCacheOptions(cache))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, "", fmt.Errorf("load AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		// STS clients built from cfg (web identity, role_arn) need a region too.
		cfg, err = config.LoadDefaultConfig(ctx, append(opts, config.WithRegion(defaultRegion))...)
		if err != nil {
			return nil, "", fmt.Errorf("load AWS configuration: %w", err)
		}
	}
	if cfg.Credentials == nil {
		return nil, "", errors.New("no AWS credentials found (set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE)")
	}
	creds := cfg.Credentials
	if cf.assumeRole != "" {
		client := sts.NewFromConfig(cfg, func(o *sts.Options) {
			if cf.endpointURL != "" {
				o.BaseEndpoint = aws.String(cf.endpointURL)
			}
		})
		name := cf.sessionName
		if name == "" {
			name = fmt.Sprintf("gatehouse-%s-%d", command, time.Now().Unix())
		}
		provider := stscreds.NewAssumeRoleProvider(client, cf.assumeRole, func(o *stscreds.AssumeRoleOptions) {
			o.RoleSessionName = name
			if cf.externalID != "" {
				o.ExternalID = aws.String(cf.externalID)
			}
		})
		var copts []func(*aws.CredentialsCacheOptions)
		if cache != nil {
			copts = append(copts, cache)
		}
		creds = aws.NewCredentialsCache(provider, copts...)
	}
	return creds, cfg.Region, nil
}

// noSourceHint is added to a credentials error that came from the end of
// the default chain (instance metadata): off EC2 it only says that IMDS is
// unreachable, when the real problem is that nothing was configured.
const noSourceHint = " (no credentials in the environment, shared files or web identity settings: " +
	"set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE)"

func explainCredentialsError(err error) string {
	msg := err.Error()
	if strings.Contains(msg, "EC2 IMDS") || strings.Contains(msg, "ec2imds") {
		return msg + noSourceHint
	}
	return msg
}
