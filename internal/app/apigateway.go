package app

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"

	"github.com/gatehouse-dev/gatehouse/internal/apigw"
	"github.com/gatehouse-dev/gatehouse/internal/authn"
	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/config"
	"github.com/gatehouse-dev/gatehouse/internal/gateway"
	"github.com/gatehouse-dev/gatehouse/internal/pipeline"
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
	// The control plane has always sent the current denial message
	// (LegacyDenyMessages is for the Query APIs and the gateway).
	cp := &controlPlaneAuth{authn: a.iamParts.Authn, operator: a.Config.AccountID,
		surface: pipeline.Surface{Authz: a.iamParts.IAM, Now: a.Config.Now, Denied: awserr.AccessDeniedException}}
	// Client certificate keys are sealed under the master key, as IAM's
	// secrets are.
	mkey, err := authn.LoadMasterKey(a.Config.DataDir, a.Config.MasterKey)
	if err != nil {
		return err
	}
	secrets, err := authn.NewSecretBox(mkey)
	if err != nil {
		return err
	}
	a.apigwParts.APIGW = apigw.New(apigw.Config{Store: a.Store, Auth: cp, Authz: cp, Log: a.Log, Now: a.Config.Now,
		MaxResources: a.Config.APIGWMaxResources, Domains: domains, Secrets: secrets, Objects: s3Objects{a}})
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
		Secrets:            secrets,
		Log:                a.Log,
		Now:                a.Config.Now,
	})
	if err != nil {
		return err
	}
	a.apigwParts.Gateway = gw
	a.wireAPIGatewayAuthz()
	a.apigwParts.APIGW.SetTestInvoker(gw) // TestInvokeMethod runs through the data plane
	a.Services.APIGateway = a.apigwParts.APIGW
	a.Services.Gateway = gw
	return nil
}

// controlPlaneAuth authenticates API Gateway control-plane calls through
// authn and authorizes apigateway:VERB on the resource ARN through the
// shared pipeline.
type controlPlaneAuth struct {
	authn    *authn.Authenticator
	surface  pipeline.Surface
	operator string // the default account
}

func (c *controlPlaneAuth) Authenticate(w http.ResponseWriter, r *http.Request, limit int64) (apigw.Caller, *reqbody.Body, error) {
	p, vr, b, err := c.authn.ReadRequest(w, r, "apigateway", limit)
	if err != nil {
		return apigw.Caller{}, nil, authn.JSONError(err)
	}
	return apigw.Caller{Account: p.AccountID, Region: vr.Region, ARN: p.ARN, Identity: p,
		Operator: p.Kind == authn.Root && p.AccountID == c.operator}, b, nil
}

func (c *controlPlaneAuth) Authorize(r *http.Request, caller apigw.Caller, action, resource string, keys func(*policy.Context)) error {
	p, _ := caller.Identity.(*authn.Principal)
	if p == nil {
		return awserr.AccessDeniedException.New("")
	}
	_, err := c.surface.Authorize(&pipeline.Call{Request: r, Region: caller.Region, Caller: p,
		AuthzRequest: pipeline.AuthzRequest{Action: action, Resource: resource}, Keys: keys})
	return err
}
