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
	"github.com/gatehouse-dev/gatehouse/internal/reqbody"
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
	var ca []byte
	if a.Config.DomainCA != "" {
		b, err := os.ReadFile(a.Config.DomainCA)
		if err != nil {
			return fmt.Errorf("--domain-ca: %w", err)
		}
		ca = b
	}
	domains, err := apigw.NewDomainPolicy(a.Config.AccountID, a.Config.DomainNames, ca)
	if err != nil {
		return err
	}
	cp := &controlPlaneAuth{authn: a.iamParts.Authn, iam: a.iamParts.IAM, operator: a.Config.AccountID}
	a.apigwParts.APIGW = apigw.New(apigw.Config{Store: a.Store, Auth: cp, Authz: cp, Log: a.Log, Now: a.Config.Now,
		MaxResources: a.Config.APIGWMaxResources, Domains: domains})
	// Before the gateway loads its routes: claims that no longer hold
	// (flags changed, certificate expired) are withdrawn from routing.
	if err := a.apigwParts.APIGW.ReconcileDomains(ctx); err != nil {
		return fmt.Errorf("custom domain names: %w", err)
	}

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
		Bodies:             a.Bodies,
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
	authn    *authn.Authenticator
	iam      *iam.Service
	operator string // the default account
}

func (c *controlPlaneAuth) Authenticate(w http.ResponseWriter, r *http.Request, limit int64) (apigw.Caller, *reqbody.Body, error) {
	p, _, b, err := c.authn.ReadRequest(w, r, "apigateway", limit)
	if err != nil {
		return apigw.Caller{}, nil, authn.JSONError(err)
	}
	return apigw.Caller{Account: p.AccountID, Region: scopeRegion(r), ARN: p.ARN, Identity: p,
		Operator: p.Kind == authn.Root && p.AccountID == c.operator}, b, nil
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
