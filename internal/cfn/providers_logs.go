package cfn

// AWS::Logs::LogGroup: gatehouse's CloudWatch Logs serves the log group
// /aws/lambda/FUNCTION of every function without creating it (it has no
// CreateLogGroup yet), so a log group of that form is kept in the stack
// only; any other name is refused, never silently accepted.

import (
	"context"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/arn"
)

func init() {
	providers["AWS::Logs::LogGroup"] = provider{create: createLogGroup, update: updateLogGroup, delete: deleteRecordOnly,
		replaceOn: []string{"LogGroupName"}, name: "LogGroupName"}
}

var logGroupProps = map[string]bool{"LogGroupName": true, "RetentionInDays": true, "Tags": true}

func createLogGroup(ctx context.Context, cl *clients, rc resCtx, p map[string]any) (result, error) {
	name, err := logGroupName(p)
	if err != nil {
		return result{}, err
	}
	return result{PhysicalID: name, Attributes: map[string]any{
		"Arn": arn.LogGroup(rc.Region, rc.Account, name) + ":*"}}, nil
}

func updateLogGroup(ctx context.Context, cl *clients, rc resCtx, old *resourceState, p map[string]any) (result, error) {
	if _, err := logGroupName(p); err != nil {
		return result{}, err
	}
	return result{PhysicalID: old.PhysicalID, Attributes: old.Attributes}, nil
}

func logGroupName(p map[string]any) (string, error) {
	if err := unsupported("AWS::Logs::LogGroup", p, logGroupProps); err != nil {
		return "", err
	}
	name, err := pstr(p, "LogGroupName")
	if err != nil {
		return "", err
	}
	if !strings.HasPrefix(name, "/aws/lambda/") || len(name) == len("/aws/lambda/") || len(name) > 512 {
		return "", errf("gatehouse's CloudWatch Logs has no CreateLogGroup yet: only the log groups /aws/lambda/FUNCTION of functions can be declared (got %q)", name)
	}
	return name, nil
}
