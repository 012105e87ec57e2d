package cfn

// The other resource types of the CDK's bootstrap stack:
// AWS::SSM::Parameter through gatehouse's Parameter Store, and
// AWS::ECR::Repository, AWS::KMS::Key and AWS::KMS::Alias as records kept
// in the stack only (gatehouse serves neither ECR nor KMS, so nothing
// reads their policies: a stack that needs images or customer keys to
// work gets names and ARNs but no repository or key behind them).

import (
	"context"
	"errors"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsssm "github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/gatehouse-dev/gatehouse/internal/arn"
	"github.com/gatehouse-dev/gatehouse/internal/awserr"
)

func init() {
	providers["AWS::SSM::Parameter"] = provider{create: createParameter, update: updateParameter, delete: deleteParameter,
		replaceOn: []string{"Name"}, name: "Name"}
	providers["AWS::ECR::Repository"] = provider{create: createRepository, update: updateRecordKeepAttrs, delete: deleteRecordOnly,
		replaceOn: []string{"RepositoryName"}, name: "RepositoryName"}
	providers["AWS::KMS::Key"] = provider{create: createKey, update: updateRecordKeepAttrs, delete: deleteRecordOnly}
	providers["AWS::KMS::Alias"] = provider{create: createAlias, delete: deleteRecordOnly}
}

var parameterProps = map[string]bool{"Name": true, "Type": true, "Value": true, "Description": true, "Tier": true,
	"AllowedPattern": true, "DataType": true, "Tags": true}

func putParameter(ctx context.Context, cl *clients, name string, p map[string]any, overwrite bool) error {
	if err := unsupported("AWS::SSM::Parameter", p, parameterProps); err != nil {
		return err
	}
	typ, err := preq(p, "Type")
	if err != nil {
		return err
	}
	if typ != "String" && typ != "StringList" {
		// CloudFormation's schema allows only these two.
		return errf("Properties validation failed for resource with message: #/Type: %s is not a valid enum value", typ)
	}
	val, err := preq(p, "Value")
	if err != nil {
		return err
	}
	desc, _ := pstr(p, "Description")
	tier, _ := pstr(p, "Tier")
	pattern, _ := pstr(p, "AllowedPattern")
	dataType, _ := pstr(p, "DataType")
	in := &awsssm.PutParameterInput{Name: aws.String(name), Type: ssmtypes.ParameterType(typ), Value: aws.String(val),
		Description: optional(desc), AllowedPattern: optional(pattern), DataType: optional(dataType), Tier: ssmtypes.ParameterTier(tier)}
	if overwrite {
		in.Overwrite = aws.Bool(true)
	} else {
		tags, err := ptags(p)
		if err != nil {
			return err
		}
		for _, k := range sortedKeys(tags) {
			in.Tags = append(in.Tags, ssmtypes.Tag{Key: aws.String(k), Value: aws.String(tags[k])})
		}
	}
	_, err = cl.ssm.PutParameter(ctx, in)
	return sdkError(err)
}

func parameterResult(name string, p map[string]any) result {
	typ, _ := pstr(p, "Type")
	val, _ := pstr(p, "Value")
	return result{PhysicalID: name, Attributes: map[string]any{"Type": typ, "Value": val}}
}

func createParameter(ctx context.Context, cl *clients, rc resCtx, p map[string]any) (result, error) {
	name, err := pstr(p, "Name")
	if err != nil {
		return result{}, err
	}
	if name == "" {
		name = "CFN-" + physicalName(rc, 128)
	}
	if err := putParameter(ctx, cl, name, p, false); err != nil {
		return result{}, err
	}
	return parameterResult(name, p), nil
}

func updateParameter(ctx context.Context, cl *clients, rc resCtx, old *resourceState, p map[string]any) (result, error) {
	if err := putParameter(ctx, cl, old.PhysicalID, p, true); err != nil {
		return result{}, err
	}
	return parameterResult(old.PhysicalID, p), nil
}

func deleteParameter(ctx context.Context, cl *clients, rc resCtx, r *resourceState) error {
	_, err := cl.ssm.DeleteParameter(ctx, &awsssm.DeleteParameterInput{Name: aws.String(r.PhysicalID)})
	if err = sdkError(err); isNotFound(err) || isCode(err, "ParameterNotFound") {
		return nil
	}
	return err
}

// updateRecordKeepAttrs updates a record-only resource in place.
func updateRecordKeepAttrs(ctx context.Context, cl *clients, rc resCtx, old *resourceState, p map[string]any) (result, error) {
	return result{PhysicalID: old.PhysicalID, Attributes: old.Attributes}, nil
}

func createRepository(ctx context.Context, cl *clients, rc resCtx, p map[string]any) (result, error) {
	name, err := pstr(p, "RepositoryName")
	if err != nil {
		return result{}, err
	}
	if name == "" {
		name = strings.ToLower(physicalName(rc, 256))
	}
	return result{PhysicalID: name, Attributes: map[string]any{
		"Arn":           arn.ECRRepository(rc.Region, rc.Account, name),
		"RepositoryUri": rc.Account + ".dkr.ecr." + rc.Region + ".amazonaws.com/" + name,
	}}, nil
}

func createKey(ctx context.Context, cl *clients, rc resCtx, p map[string]any) (result, error) {
	id := newUUID()
	return result{PhysicalID: id, Attributes: map[string]any{
		"Arn": arn.KMSKey(rc.Region, rc.Account, id), "KeyId": id}}, nil
}

func createAlias(ctx context.Context, cl *clients, rc resCtx, p map[string]any) (result, error) {
	name, err := preq(p, "AliasName")
	if err != nil {
		return result{}, err
	}
	return result{PhysicalID: name}, nil
}

func isCode(err error, code string) bool {
	var e *awserr.Error
	return errors.As(err, &e) && e.Code == code
}
