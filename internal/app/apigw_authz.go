package app

import (
	"context"
	"errors"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/arn"
	"github.com/gatehouse-dev/gatehouse/internal/lambda"
	"github.com/gatehouse-dev/gatehouse/internal/pipeline"
	"github.com/gatehouse-dev/gatehouse/internal/policy"
)

// gatewayRoleInvoker invokes Lambda authorizers that have
// authorizerCredentials, and AWS_PROXY integrations that have credentials,
// as API Gateway does: it assumes the role as the
// service principal apigateway.amazonaws.com (the role's trust policy must
// allow it), then the role session must be allowed lambda:InvokeFunction
// on the function. Only then is the function run, without consulting its
// resource policy. Functions of another account are refused: their
// resource policy would have to allow the role too.
type gatewayRoleInvoker struct {
	a  *App
	fn *lambda.Service
}

func (g gatewayRoleInvoker) InvokeAsRole(ctx context.Context, roleARN, functionARN string, event []byte) ([]byte, string, error) {
	ip := g.a.iamParts
	if ip.STS == nil || ip.IAM == nil || ip.Authn == nil {
		return nil, "", errors.New("credentials: IAM/STS not wired")
	}
	if arn.Account(roleARN) != arn.Account(functionARN) {
		return nil, "", errors.New("credentials: cross-account functions are not supported")
	}
	creds, err := ip.STS.ServiceRoleCredentials(ctx, "apigateway.amazonaws.com", roleARN, "apigateway-authorizer", 15*time.Minute)
	if err != nil {
		return nil, "", err
	}
	p, err := ip.Authn.OpenSession(creds.AccessKeyID, creds.SessionToken)
	if err != nil {
		return nil, "", err
	}
	d := ip.IAM.Authorize(p, pipeline.AuthzRequest{Action: "lambda:InvokeFunction", Resource: functionARN, ResourceAccount: arn.Account(functionARN)})
	if d.Effect != policy.Allowed {
		return nil, "", errors.New("credentials: the role may not lambda:InvokeFunction " + functionARN)
	}
	return g.fn.InvokeAuthorized(ctx, functionARN, event)
}

// wireAPIGatewayAuthz connects the control plane's TestInvokeAuthorizer
// and GetUsage/UpdateUsage to the data plane.
func (a *App) wireAPIGatewayAuthz() {
	if a.apigwParts.APIGW == nil || a.apigwParts.Gateway == nil {
		return
	}
	a.apigwParts.APIGW.SetAuthorizerTester(a.apigwParts.Gateway)
	a.apigwParts.APIGW.SetUsageCounter(a.apigwParts.Gateway.UsageCounter())
}

func (g gatewayRoleInvoker) InvokeAuthorized(ctx context.Context, functionARN string, event []byte) ([]byte, string, error) {
	return g.fn.InvokeAuthorized(ctx, functionARN, event)
}
