package lambda_test

import (
	"context"
	"errors"
	"os/exec"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	cwltypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/gatehouse-dev/gatehouse/internal/gatehousetest"
)

// TestLogGroupsWrite: CreateLogGroup, PutRetentionPolicy,
// DeleteRetentionPolicy and DeleteLogGroup with aws-sdk-go-v2's typed
// errors (ResourceAlreadyExistsException, ResourceNotFoundException,
// InvalidParameterException with AWS's enum message), DescribeLogGroups
// reporting created groups and their retention beside functions' groups,
// a function's group (it exists once the function logged) taking a
// retention, each call authorized as logs:<Action>; and the AWS CLI.
func TestLogGroupsWrite(t *testing.T) {
	e := setup(t)
	logsFunction(t, e, `{"do":"one"}`)
	ctx := context.Background()
	c := cloudwatchlogs.NewFromConfig(awsConfig(e.url, gatehousetest.AccessKeyID, gatehousetest.SecretAccessKey, ""))
	const name = "/my/app-logs"
	var (
		exists *cwltypes.ResourceAlreadyExistsException
		nf     *cwltypes.ResourceNotFoundException
		ipe    *cwltypes.InvalidParameterException
	)

	if _, err := c.PutRetentionPolicy(ctx, &cloudwatchlogs.PutRetentionPolicyInput{LogGroupName: aws.String(name), RetentionInDays: aws.Int32(1)}); !errors.As(err, &nf) {
		t.Errorf("PutRetentionPolicy of a missing group: %v", err)
	}
	if _, err := c.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String(name), Tags: map[string]string{"team": "a"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String(name)}); !errors.As(err, &exists) || *exists.Message != "The specified log group already exists" {
		t.Errorf("second CreateLogGroup: %v", err)
	}
	if _, err := c.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String("/aws/lambda/gofn")}); !errors.As(err, &exists) {
		t.Errorf("CreateLogGroup of a function's group that has events: %v", err)
	}
	_, err := c.PutRetentionPolicy(ctx, &cloudwatchlogs.PutRetentionPolicyInput{LogGroupName: aws.String(name), RetentionInDays: aws.Int32(2)})
	if !errors.As(err, &ipe) || !strings.Contains(*ipe.Message, "Value '2' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum value set: [1, 3, 5, 7, 14,") {
		t.Errorf("retention 2: %v", err)
	}
	for _, g := range []string{name, "/aws/lambda/gofn"} {
		if _, err := c.PutRetentionPolicy(ctx, &cloudwatchlogs.PutRetentionPolicyInput{LogGroupName: aws.String(g), RetentionInDays: aws.Int32(14)}); err != nil {
			t.Fatalf("PutRetentionPolicy %s: %v", g, err)
		}
	}
	retention := func() map[string]int32 {
		t.Helper()
		out, err := c.DescribeLogGroups(ctx, &cloudwatchlogs.DescribeLogGroupsInput{})
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]int32{}
		for _, g := range out.LogGroups {
			m[*g.LogGroupName] = aws.ToInt32(g.RetentionInDays)
			if *g.LogGroupName == name && (*g.LogGroupArn != "arn:aws:logs:us-east-1:000000000000:log-group:/my/app-logs" || aws.ToInt64(g.CreationTime) == 0) {
				t.Errorf("created group: %+v", g)
			}
		}
		return m
	}
	if got := retention(); len(got) != 2 || got[name] != 14 || got["/aws/lambda/gofn"] != 14 {
		t.Errorf("DescribeLogGroups retention: %v", got)
	}
	// A created group has no events yet; it reads as empty.
	if out, err := c.FilterLogEvents(ctx, &cloudwatchlogs.FilterLogEventsInput{LogGroupName: aws.String(name)}); err != nil || len(out.Events) != 0 {
		t.Errorf("FilterLogEvents of a created group: %v %+v", err, out)
	}
	if _, err := c.DeleteRetentionPolicy(ctx, &cloudwatchlogs.DeleteRetentionPolicyInput{LogGroupName: aws.String(name)}); err != nil {
		t.Fatal(err)
	}
	if got := retention(); got[name] != 0 || got["/aws/lambda/gofn"] != 14 {
		t.Errorf("after DeleteRetentionPolicy: %v", got)
	}

	// A user without logs:DeleteLogGroup is refused with the logs denial.
	ic := e.ic
	if _, err := ic.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("reader")}); err != nil {
		t.Fatal(err)
	}
	if _, err := ic.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("reader"), PolicyName: aws.String("p"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"logs:Describe*","Resource":"*"}]}`)}); err != nil {
		t.Fatal(err)
	}
	key, err := ic.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("reader")})
	if err != nil {
		t.Fatal(err)
	}
	rc := cloudwatchlogs.NewFromConfig(awsConfig(e.url, *key.AccessKey.AccessKeyId, *key.AccessKey.SecretAccessKey, ""))
	var denied *cwltypes.AccessDeniedException
	if _, err := rc.DeleteLogGroup(ctx, &cloudwatchlogs.DeleteLogGroupInput{LogGroupName: aws.String(name)}); !errors.As(err, &denied) ||
		!strings.Contains(*denied.Message, "is not authorized to perform: logs:DeleteLogGroup on resource: arn:aws:logs:us-east-1:000000000000:log-group:/my/app-logs") {
		t.Errorf("DeleteLogGroup without permission: %v", err)
	}
	if _, err := rc.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String("/other")}); !errors.As(err, &denied) {
		t.Errorf("CreateLogGroup without permission: %v", err)
	}

	if _, err := c.DeleteLogGroup(ctx, &cloudwatchlogs.DeleteLogGroupInput{LogGroupName: aws.String(name)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteLogGroup(ctx, &cloudwatchlogs.DeleteLogGroupInput{LogGroupName: aws.String(name)}); !errors.As(err, &nf) || *nf.Message != "The specified log group does not exist." {
		t.Errorf("second DeleteLogGroup: %v", err)
	}
	if _, err := c.DeleteRetentionPolicy(ctx, &cloudwatchlogs.DeleteRetentionPolicyInput{LogGroupName: aws.String(name)}); !errors.As(err, &nf) {
		t.Errorf("DeleteRetentionPolicy of a deleted group: %v", err)
	}
	if got := retention(); len(got) != 1 {
		t.Errorf("after DeleteLogGroup: %v", got)
	}

	// The AWS CLI, as a script would call it.
	if _, err := exec.LookPath("aws"); err != nil {
		t.Log("aws CLI not installed: not run")
		return
	}
	cli := func(args ...string) (string, error) {
		cmd := exec.Command("aws", append(args, "--endpoint-url", e.url)...)
		cmd.Env = e.cliEnv
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	for _, args := range [][]string{
		{"logs", "create-log-group", "--log-group-name", "cli-group"},
		{"logs", "put-retention-policy", "--log-group-name", "cli-group", "--retention-in-days", "30"},
	} {
		if out, err := cli(args...); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
	}
	if out, err := cli("logs", "describe-log-groups", "--log-group-name-prefix", "cli-", "--query", "logGroups[0].retentionInDays", "--output", "text"); err != nil || strings.TrimSpace(out) != "30" {
		t.Errorf("describe-log-groups: %v %s", err, out)
	}
	if out, err := cli("logs", "create-log-group", "--log-group-name", "cli-group"); err == nil || !strings.Contains(out, "ResourceAlreadyExistsException") {
		t.Errorf("create-log-group again: %v %s", err, out)
	}
	if out, err := cli("logs", "delete-log-group", "--log-group-name", "cli-group"); err != nil {
		t.Errorf("delete-log-group: %v %s", err, out)
	}
}
