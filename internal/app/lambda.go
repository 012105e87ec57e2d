package app

import (
	"context"
	"net/http"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/authn"
	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/config"
	"github.com/gatehouse-dev/gatehouse/internal/lambda"
	"github.com/gatehouse-dev/gatehouse/internal/lambda/runtime"
	"github.com/gatehouse-dev/gatehouse/internal/s3"
	"github.com/gatehouse-dev/gatehouse/internal/sts"
)

// lambdaParts are the Lambda control plane and function runtime (owned by
// the Lambda engineer).
type lambdaParts struct {
	Lambda *lambda.Service
}

// wireLambda builds the Lambda service and sets a.Services.Lambda; it also
// gives the gateway its AWS_PROXY invoker.
func (a *App) wireLambda(ctx context.Context) error {
	if tightened, err := config.PrivateDir(a.Config.DataDir); err != nil {
		return err
	} else if tightened {
		a.Log.Warn("data dir was readable by others: its mode is now 0700", "data_dir", a.Config.DataDir)
	}
	cfg := lambda.Config{
		Store:              a.Store,
		DataDir:            a.Config.DataDir,
		Log:                a.Log,
		Endpoint:           "http://" + a.Config.Listen,
		LegacyDenyMessages: a.Config.LegacyDenyMessages,
		Now:                a.Config.Now,
		Sandbox: lambda.SandboxConfig{
			Isolation: a.Config.LambdaIsolation,
			UID:       a.Config.LambdaSandboxUID,
			CodeRoots: a.Config.LambdaCodeRoots,
			// a.Handler is built after the services; functions only call
			// it once the server serves.
			Gatehouse: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { a.Handler.ServeHTTP(w, r) }),
		},
	}
	if a.iamParts.Authn != nil {
		cfg.Authn = a.iamParts.Authn
	}
	if a.iamParts.IAM != nil {
		cfg.Authz = a.iamParts.IAM
	}
	if a.iamParts.STS != nil {
		cfg.Roles = stsRoles{a.iamParts.STS}
	}
	// Packages named by S3 location are read from the S3 service, wired
	// after this one: looked up at call time.
	cfg.Objects = s3Objects{a}
	svc, err := lambda.New(ctx, cfg)
	if err != nil {
		return err
	}
	a.lambdaParts.Lambda = svc
	a.Services.Lambda = svc
	// Functions' logs are served through the CloudWatch Logs API.
	a.Services.Logs = svc.Logs()
	a.onClose(svc.Close)
	a.onEndpoint(svc.SetEndpoint)
	if a.apigwParts.Gateway != nil {
		a.apigwParts.Gateway.SetInvoker(svc)
		a.apigwParts.Gateway.SetRoleInvoker(gatewayRoleInvoker{a: a, fn: svc})
	}
	return nil
}

// stsRoles adapts STS's execution-role credentials to the Lambda runtime's.
type stsRoles struct{ s *sts.Service }

func (r stsRoles) RoleCredentials(ctx context.Context, roleARN, sessionName string, d time.Duration) (runtime.Credentials, error) {
	c, err := r.s.RoleCredentials(ctx, roleARN, sessionName, d)
	if err != nil {
		return runtime.Credentials{}, err
	}
	return runtime.Credentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken, Expiration: c.Expiration}, nil
}

// s3Objects reads Lambda's S3 code locations from the S3 service as the
// caller.
type s3Objects struct{ a *App }

func (o s3Objects) ReadObjectAs(r *http.Request, caller *authn.Principal, region, bucket, key, version string, max int64) ([]byte, error) {
	svc, _ := o.a.Services.S3.(*s3.Service)
	if svc == nil {
		return nil, awserr.S3NoSuchBucket.New("")
	}
	return svc.ReadObjectAs(r, caller, region, bucket, key, version, max)
}

// LambdaIsolation reports how functions run and, when err is set, why they
// cannot run on this host.
func (a *App) LambdaIsolation() (mode string, err error) {
	if a.lambdaParts.Lambda == nil {
		return "", nil
	}
	return a.lambdaParts.Lambda.Isolation()
}
