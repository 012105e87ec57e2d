package cfn

// SSM-typed parameters (AWS::SSM::Parameter::Value<String>, …<List<…>>):
// the parameter's value names a Parameter Store parameter, which
// CloudFormation reads with the caller's permissions when it resolves
// the template (ssm:GetParameters on it); the stack shows the name as
// the parameter's value and the parameter's value as ResolvedValue.

import (
	"context"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsssm "github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/gatehouse-dev/gatehouse/internal/authn"
	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/cfn/tmpl"
)

// ssmResolver reads Parameter Store values by name.
type ssmResolver func(ctx context.Context, names []string) (map[string]string, error)

type ssmResolverKey struct{}

func withSSMResolver(ctx context.Context, r ssmResolver) context.Context {
	return context.WithValue(ctx, ssmResolverKey{}, r)
}

// callerSSM resolves with credentials forwarding the caller's identity.
func (s *Service) callerSSM(p *authn.Principal, region string) ssmResolver {
	return func(ctx context.Context, names []string) (map[string]string, error) {
		if s.creds == nil || p == nil {
			return nil, awserr.ValidationError.New("SSM parameters cannot be resolved here")
		}
		cr, err := s.creds.CallerCredentials(ctx, p)
		if err != nil {
			return nil, err
		}
		out, err := s.clientsFor(cr, region).ssm.GetParameters(ctx, &awsssm.GetParametersInput{Names: names})
		if err != nil {
			if _, ok := sdkError(err).(*awserr.Error); ok {
				// A denial reads as a missing parameter, as on AWS.
				return nil, awserr.ValidationError.Errorf("Unable to fetch parameters [%s] from parameter store for this account.", strings.Join(names, ","))
			}
			return nil, err
		}
		vals := map[string]string{}
		for _, p := range out.Parameters {
			vals[aws.ToString(p.Name)] = aws.ToString(p.Value)
		}
		return vals, nil
	}
}

// resolveSSMParams replaces the value of each SSM-typed parameter with
// the Parameter Store value it names.
func resolveSSMParams(ctx context.Context, tpl tmpl.Template, values map[string]paramValue, stackPar []Parameter) error {
	defs, _ := tpl["Parameters"].(map[string]any)
	var names []string
	for i := range stackPar {
		d, _ := defs[stackPar[i].Key].(map[string]any)
		if typ, _ := d["Type"].(string); strings.HasPrefix(typ, ssmParamType) {
			names = append(names, stackPar[i].Value)
		}
	}
	if len(names) == 0 {
		return nil
	}
	r, _ := ctx.Value(ssmResolverKey{}).(ssmResolver)
	if r == nil {
		return awserr.ValidationError.New("SSM parameters cannot be resolved here")
	}
	got, err := r(ctx, names)
	if err != nil {
		return err
	}
	for i := range stackPar {
		d, _ := defs[stackPar[i].Key].(map[string]any)
		typ, _ := d["Type"].(string)
		if !strings.HasPrefix(typ, ssmParamType) {
			continue
		}
		v, ok := got[stackPar[i].Value]
		if !ok {
			// AWS's text for a missing parameter.
			return awserr.ValidationError.Errorf("Unable to fetch parameters [%s] from parameter store for this account.", stackPar[i].Value)
		}
		stackPar[i].ResolvedValue = v
		pv := values[stackPar[i].Key]
		if strings.Contains(typ, "<List<") || strings.HasSuffix(typ, "<CommaDelimitedList>") {
			var l []any
			for _, x := range strings.Split(v, ",") {
				l = append(l, x)
			}
			pv.Value = l
		} else {
			pv.Value = v
		}
		values[stackPar[i].Key] = pv
	}
	return nil
}
