package app

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/apigw"
	"github.com/gatehouse-dev/gatehouse/internal/authn"
	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/config"
	"github.com/gatehouse-dev/gatehouse/internal/gateway"
	"github.com/gatehouse-dev/gatehouse/internal/iam"
	"github.com/gatehouse-dev/gatehouse/internal/policy"
)

// apigwParts are the API Gateway control plane and the execute-api gateway
// (owned by the API Gateway engineer).
type apigwParts struct {
	APIGW   *apigw.Service
	Gateway *gateway.Gateway
}

// wireAPIGateway builds the API Gateway service and the data-plane gateway
// and sets a.Services.APIGateway and a.Services.Gateway. The Lambda wiring
// (after this one) installs the AWS_PROXY invoker with
// a.apigwParts.Gateway.SetInvoker.
func (a *App) wireAPIGateway(ctx context.Context) error {
	if a.iamParts.IAM == nil || a.iamParts.Authn == nil {
		return fmt.Errorf("api gateway needs the IAM service and authenticator")
	}
	cp := &controlPlaneAuth{authn: a.iamParts.Authn, iam: a.iamParts.IAM}
	a.apigwParts.APIGW = apigw.New(apigw.Config{Store: a.Store, Auth: cp, Authz: cp, Log: a.Log})

	var dlog io.Writer
	switch a.Config.DecisionLog {
	case "":
	case "-":
		dlog = os.Stdout
	default:
		f, err := os.OpenFile(a.Config.DecisionLog, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
		if err != nil {
			return fmt.Errorf("decision log: %w", err)
		}
		a.onClose(f.Close)
		dlog = f
	}
	var transport http.RoundTripper // nil: gatehouse's client
	if a.Config.UpstreamClient == config.ImplNetHTTP {
		transport = gateway.NetHTTPTransport()
	}
	gw, err := gateway.New(ctx, a.Store, gateway.Config{
		Transport:          transport,
		Resolver:           a.iamParts.Authn,
		Authorizer:         a.iamParts.IAM,
		SigError:           authn.GatewayError,
		DecisionLog:        dlog,
		LegacyDenyMessages: a.Config.LegacyDenyMessages,
		HideCanonical:      a.Config.HideCanonical,
		Log:                a.Log,
		Now:                a.Config.Now,
	})
	if err != nil {
		return err
	}
	a.apigwParts.Gateway = gw
	a.Services.APIGateway = a.apigwParts.APIGW
	a.Services.Gateway = gw
	return nil
}

// controlPlaneAuth authenticates API Gateway control-plane calls through
// authn and authorizes apigateway:VERB on the resource ARN through IAM.
type controlPlaneAuth struct {
	authn *authn.Authenticator
	iam   *iam.Service
}

func (c *controlPlaneAuth) Authenticate(r *http.Request, body []byte) (apigw.Caller, error) {
	p, err := c.authn.Authenticate(r, body, "apigateway")
	if err != nil {
		return apigw.Caller{}, authn.JSONError(err)
	}
	return apigw.Caller{Account: p.AccountID, Region: scopeRegion(r), ARN: p.ARN, Identity: p}, nil
}

func (c *controlPlaneAuth) Authorize(r *http.Request, caller apigw.Caller, action, resource string) error {
	p, _ := caller.Identity.(*authn.Principal)
	if p == nil {
		return awserr.AccessDeniedException.New("")
	}
	var pc policy.Context
	pc.Set("aws:SourceIp", remoteIP(r))
	pc.Set("aws:SecureTransport", fmt.Sprint(r.TLS != nil))
	pc.Set("aws:RequestedRegion", caller.Region)
	d := c.iam.Authorize(p, iam.AuthzRequest{Action: action, Resource: resource, Context: &pc})
	if d.Effect == policy.Allowed {
		return nil
	}
	return awserr.AccessDeniedException.New(iam.AccessDeniedMessage(p, action, resource, d, false))
}

// scopeRegion is the region of the request's SigV4 credential scope.
func scopeRegion(r *http.Request) string {
	cred := ""
	if h := r.Header.Get("Authorization"); h != "" {
		if i := strings.Index(h, "Credential="); i >= 0 {
			cred = h[i+len("Credential="):]
		}
	} else {
		cred = r.URL.Query().Get("X-Amz-Credential")
	}
	if i := strings.IndexAny(cred, ", "); i >= 0 {
		cred = cred[:i]
	}
	parts := strings.Split(cred, "/")
	if len(parts) == 5 {
		return parts[2]
	}
	return ""
}

func remoteIP(r *http.Request) string {
	h := r.RemoteAddr
	if i := strings.LastIndexByte(h, ':'); i >= 0 {
		h = h[:i]
	}
	return strings.Trim(h, "[]")
}
