package lambda_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

// TestArchitectureValidation: an unknown architecture is AWS's model
// error naming the list member's enum and null constraints.
func TestArchitectureValidation(t *testing.T) {
	e := controlEnv(t)
	_, err := e.lc.CreateFunction(context.Background(), &lambda.CreateFunctionInput{
		FunctionName: aws.String("arch"), Role: aws.String(e.role), Runtime: types.RuntimePython312,
		Handler: aws.String("index.handler"), Code: &types.FunctionCode{ZipFile: pyZip(t, `1`)},
		Architectures: []types.Architecture{"foo"},
	})
	wantErr(t, err, "ValidationException", "1 validation error detected: Value '[foo]' at 'architectures' failed to satisfy constraint: "+
		"Member must satisfy constraint: [Member must satisfy enum value set: [x86_64, arm64], Member must not be null]")
}

// TestCapacityProviders: capacity providers are stored resources with
// AWS's shapes, ARNs and errors; ListFunctionVersionsByCapacityProvider
// lists the (no) function versions that name one.
func TestCapacityProviders(t *testing.T) {
	e := controlEnv(t)
	ctx := context.Background()
	const cpARN = "arn:aws:lambda:us-east-1:000000000000:capacity-provider:"
	vpc := &types.CapacityProviderVpcConfig{SubnetIds: []string{"subnet-1"}, SecurityGroupIds: []string{"sg-1"}}
	perms := &types.CapacityProviderPermissionsConfig{CapacityProviderOperatorRoleArn: aws.String(e.role)}
	c, err := e.lc.CreateCapacityProvider(ctx, &lambda.CreateCapacityProviderInput{CapacityProviderName: aws.String("cp1"), VpcConfig: vpc, PermissionsConfig: perms,
		InstanceRequirements: &types.InstanceRequirements{Architectures: []types.Architecture{types.ArchitectureArm64}},
		Tags:                 map[string]string{"team": "a"}})
	if err != nil || aws.ToString(c.CapacityProvider.CapacityProviderArn) != cpARN+"cp1" || c.CapacityProvider.State != types.CapacityProviderStateActive ||
		c.CapacityProvider.VpcConfig.SubnetIds[0] != "subnet-1" || c.CapacityProvider.InstanceRequirements.Architectures[0] != types.ArchitectureArm64 {
		t.Fatalf("create: %v %+v", err, c)
	}
	g, err := e.lc.GetCapacityProvider(ctx, &lambda.GetCapacityProviderInput{CapacityProviderName: aws.String(cpARN + "cp1")})
	if err != nil || aws.ToString(g.CapacityProvider.PermissionsConfig.CapacityProviderOperatorRoleArn) != e.role {
		t.Fatalf("get by ARN: %v %+v", err, g)
	}
	u, err := e.lc.UpdateCapacityProvider(ctx, &lambda.UpdateCapacityProviderInput{CapacityProviderName: aws.String("cp1"),
		CapacityProviderScalingConfig: &types.CapacityProviderScalingConfig{MaxVCpuCount: aws.Int32(64), ScalingMode: types.CapacityProviderScalingModeManual,
			ScalingPolicies: []types.TargetTrackingScalingPolicy{{PredefinedMetricType: types.CapacityProviderPredefinedMetricTypeLambdaCapacityProviderAverageCPUUtilization, TargetValue: aws.Float64(50)}}}})
	if err != nil || aws.ToInt32(u.CapacityProvider.CapacityProviderScalingConfig.MaxVCpuCount) != 64 {
		t.Fatalf("update: %v %+v", err, u)
	}
	l, err := e.lc.ListCapacityProviders(ctx, &lambda.ListCapacityProvidersInput{State: types.CapacityProviderStateActive})
	if err != nil || len(l.CapacityProviders) != 1 {
		t.Fatalf("list: %v %+v", err, l)
	}
	fv, err := e.lc.ListFunctionVersionsByCapacityProvider(ctx, &lambda.ListFunctionVersionsByCapacityProviderInput{CapacityProviderName: aws.String("cp1")})
	if err != nil || aws.ToString(fv.CapacityProviderArn) != cpARN+"cp1" || len(fv.FunctionVersions) != 0 {
		t.Fatalf("function versions: %v %+v", err, fv)
	}

	tests := []struct {
		name      string
		call      func() error
		code, msg string
	}{
		{"duplicate", func() error {
			_, err := e.lc.CreateCapacityProvider(ctx, &lambda.CreateCapacityProviderInput{CapacityProviderName: aws.String("cp1"), VpcConfig: vpc, PermissionsConfig: perms})
			return err
		}, "ResourceConflictException", "Capacity provider already exists: " + cpARN + "cp1"},
		{"bad name", func() error {
			_, err := e.lc.GetCapacityProvider(ctx, &lambda.GetCapacityProviderInput{CapacityProviderName: aws.String("a.b")})
			return err
		}, "ValidationException", "1 validation error detected: Value 'a.b' at 'capacityProviderName' failed to satisfy constraint: Member must satisfy regular expression pattern: " + `(arn:aws[a-zA-Z-]*:lambda:[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:\d{12}:capacity-provider:[a-zA-Z0-9-_]+)|[a-zA-Z0-9-_]+`},
		{"bad role and vCPUs", func() error {
			_, err := e.lc.CreateCapacityProvider(ctx, &lambda.CreateCapacityProviderInput{CapacityProviderName: aws.String("cp2"), VpcConfig: vpc,
				PermissionsConfig:             &types.CapacityProviderPermissionsConfig{CapacityProviderOperatorRoleArn: aws.String("r")},
				CapacityProviderScalingConfig: &types.CapacityProviderScalingConfig{MaxVCpuCount: aws.Int32(1)}})
			return err
		}, "ValidationException", "2 validation errors detected: Value 'r' at 'permissionsConfig.capacityProviderOperatorRoleArn' failed to satisfy constraint: Member must satisfy regular expression pattern: " +
			`arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+; Value '1' at 'capacityProviderScalingConfig.maxVCpuCount' failed to satisfy constraint: Member must have value greater than or equal to 2`},
		{"no subnets", func() error {
			_, err := e.lc.CreateCapacityProvider(ctx, &lambda.CreateCapacityProviderInput{CapacityProviderName: aws.String("cp2"), PermissionsConfig: perms,
				VpcConfig: &types.CapacityProviderVpcConfig{SubnetIds: []string{}, SecurityGroupIds: []string{}}})
			return err
		}, "ValidationException", "1 validation error detected: Value '[]' at 'vpcConfig.subnetIds' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{"unknown", func() error {
			_, err := e.lc.GetCapacityProvider(ctx, &lambda.GetCapacityProviderInput{CapacityProviderName: aws.String("nope")})
			return err
		}, "ResourceNotFoundException", "Capacity provider not found: " + cpARN + "nope"},
		{"unknown versions", func() error {
			_, err := e.lc.ListFunctionVersionsByCapacityProvider(ctx, &lambda.ListFunctionVersionsByCapacityProviderInput{CapacityProviderName: aws.String("nope")})
			return err
		}, "ResourceNotFoundException", "Capacity provider not found: " + cpARN + "nope"},
		{"bad state", func() error {
			_, err := e.lc.ListCapacityProviders(ctx, &lambda.ListCapacityProvidersInput{State: "Gone"})
			return err
		}, "ValidationException", "1 validation error detected: Value 'Gone' at 'state' failed to satisfy constraint: Member must satisfy enum value set: [Pending, Active, Failed, Deleting]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { wantErr(t, tc.call(), tc.code, tc.msg) })
	}

	d, err := e.lc.DeleteCapacityProvider(ctx, &lambda.DeleteCapacityProviderInput{CapacityProviderName: aws.String("cp1")})
	if err != nil || d.CapacityProvider.State != types.CapacityProviderStateDeleting {
		t.Fatalf("delete: %v %+v", err, d)
	}
	_, err = e.lc.DeleteCapacityProvider(ctx, &lambda.DeleteCapacityProviderInput{CapacityProviderName: aws.String("cp1")})
	wantErr(t, err, "ResourceNotFoundException", "Capacity provider not found: "+cpARN+"cp1")
}

// TestFunctionScalingConfig: stored per published version and validated.
func TestFunctionScalingConfig(t *testing.T) {
	e := controlEnv(t)
	ctx := context.Background()
	createPy(t, e, "sc", true)
	put, err := e.lc.PutFunctionScalingConfig(ctx, &lambda.PutFunctionScalingConfigInput{FunctionName: aws.String("sc"), Qualifier: aws.String("1"),
		FunctionScalingConfig: &types.FunctionScalingConfig{MinExecutionEnvironments: aws.Int32(1), MaxExecutionEnvironments: aws.Int32(4)}})
	if err != nil || put.FunctionState != types.StateActive {
		t.Fatalf("put: %v %+v", err, put)
	}
	g, err := e.lc.GetFunctionScalingConfig(ctx, &lambda.GetFunctionScalingConfigInput{FunctionName: aws.String("sc"), Qualifier: aws.String("1")})
	if err != nil || aws.ToString(g.FunctionArn) != "arn:aws:lambda:us-east-1:000000000000:function:sc:1" ||
		aws.ToInt32(g.RequestedFunctionScalingConfig.MaxExecutionEnvironments) != 4 || aws.ToInt32(g.AppliedFunctionScalingConfig.MinExecutionEnvironments) != 1 {
		t.Fatalf("get: %v %+v", err, g)
	}
	tests := []struct {
		name, fn, qual string
		cfg            *types.FunctionScalingConfig
		code, msg      string
	}{
		{"too many", "sc", "1", &types.FunctionScalingConfig{MaxExecutionEnvironments: aws.Int32(15001)}, "ValidationException",
			"1 validation error detected: Value '15001' at 'functionScalingConfig.maxExecutionEnvironments' failed to satisfy constraint: Member must have value less than or equal to 15000"},
		{"$LATEST", "sc", "$LATEST", nil, "ValidationException",
			`1 validation error detected: Value '$LATEST' at 'qualifier' failed to satisfy constraint: Member must satisfy regular expression pattern: (\$LATEST\.PUBLISHED|[0-9]+)`},
		{"qualified name", "sc:1", "1", nil, "ValidationException", ""},
		{"no version", "sc", "7", nil, "ResourceNotFoundException", "Function not found: arn:aws:lambda:us-east-1:000000000000:function:sc:7"},
		{"no function", "nope", "1", nil, "ResourceNotFoundException", "Function not found: arn:aws:lambda:us-east-1:000000000000:function:nope:1"},
		{"$LATEST.PUBLISHED", "sc", "$LATEST.PUBLISHED", nil, "ResourceNotFoundException", "Function not found: arn:aws:lambda:us-east-1:000000000000:function:sc:$LATEST.PUBLISHED"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.lc.PutFunctionScalingConfig(ctx, &lambda.PutFunctionScalingConfigInput{FunctionName: aws.String(tc.fn), Qualifier: aws.String(tc.qual), FunctionScalingConfig: tc.cfg})
			wantErr(t, err, tc.code, tc.msg)
		})
	}
}

// TestDurableExecutions: gatehouse runs no durable functions, so every
// execution and callback is unknown; listing a function's answers none.
func TestDurableExecutions(t *testing.T) {
	e := controlEnv(t)
	ctx := context.Background()
	createPy(t, e, "dur", false)
	const exec = "arn:aws:lambda:us-east-1:000000000000:function:dur:$LATEST/durable-execution/run1/0123abcd"
	const notFound = "The resource you requested does not exist."
	l, err := e.lc.ListDurableExecutionsByFunction(ctx, &lambda.ListDurableExecutionsByFunctionInput{FunctionName: aws.String("dur")})
	if err != nil || l.DurableExecutions == nil || len(l.DurableExecutions) != 0 {
		t.Fatalf("list: %v %+v", err, l)
	}
	tests := []struct {
		name      string
		call      func() error
		code, msg string
	}{
		{"list unknown function", func() error {
			_, err := e.lc.ListDurableExecutionsByFunction(ctx, &lambda.ListDurableExecutionsByFunctionInput{FunctionName: aws.String("nope")})
			return err
		}, "ResourceNotFoundException", "Function not found: arn:aws:lambda:us-east-1:000000000000:function:nope"},
		{"list bad status", func() error {
			_, err := e.lc.ListDurableExecutionsByFunction(ctx, &lambda.ListDurableExecutionsByFunctionInput{FunctionName: aws.String("dur"), Statuses: []types.ExecutionStatus{"DONE"}})
			return err
		}, "ValidationException", "1 validation error detected: Value '[DONE]' at 'statuses' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [RUNNING, SUCCEEDED, FAILED, TIMED_OUT, STOPPED], Member must not be null]"},
		{"get", func() error {
			_, err := e.lc.GetDurableExecution(ctx, &lambda.GetDurableExecutionInput{DurableExecutionArn: aws.String(exec)})
			return err
		}, "ResourceNotFoundException", notFound},
		{"get bad ARN", func() error {
			_, err := e.lc.GetDurableExecution(ctx, &lambda.GetDurableExecutionInput{DurableExecutionArn: aws.String("arn:aws:lambda:us-east-1:000000000000:function:dur")})
			return err
		}, "ValidationException", ""},
		{"history", func() error {
			_, err := e.lc.GetDurableExecutionHistory(ctx, &lambda.GetDurableExecutionHistoryInput{DurableExecutionArn: aws.String(exec)})
			return err
		}, "ResourceNotFoundException", notFound},
		{"state", func() error {
			_, err := e.lc.GetDurableExecutionState(ctx, &lambda.GetDurableExecutionStateInput{DurableExecutionArn: aws.String(exec), CheckpointToken: aws.String("dG9r")})
			return err
		}, "ResourceNotFoundException", notFound},
		{"state bad token", func() error {
			_, err := e.lc.GetDurableExecutionState(ctx, &lambda.GetDurableExecutionStateInput{DurableExecutionArn: aws.String(exec), CheckpointToken: aws.String("not a token")})
			return err
		}, "ValidationException", "1 validation error detected: Value 'not a token' at 'checkpointToken' failed to satisfy constraint: Member must satisfy regular expression pattern: [A-Za-z0-9+/]+={0,2}"},
		{"checkpoint", func() error {
			_, err := e.lc.CheckpointDurableExecution(ctx, &lambda.CheckpointDurableExecutionInput{DurableExecutionArn: aws.String(exec), CheckpointToken: aws.String("dG9r")})
			return err
		}, "ResourceNotFoundException", notFound},
		{"stop", func() error {
			_, err := e.lc.StopDurableExecution(ctx, &lambda.StopDurableExecutionInput{DurableExecutionArn: aws.String(exec)})
			return err
		}, "ResourceNotFoundException", notFound},
		{"callback success", func() error {
			_, err := e.lc.SendDurableExecutionCallbackSuccess(ctx, &lambda.SendDurableExecutionCallbackSuccessInput{CallbackId: aws.String("Y2I="), Result: []byte(`{"ok":true}`)})
			return err
		}, "ResourceNotFoundException", notFound},
		{"callback failure", func() error {
			_, err := e.lc.SendDurableExecutionCallbackFailure(ctx, &lambda.SendDurableExecutionCallbackFailureInput{CallbackId: aws.String("Y2I="), Error: &types.ErrorObject{ErrorMessage: aws.String("x")}})
			return err
		}, "ResourceNotFoundException", notFound},
		{"callback heartbeat", func() error {
			_, err := e.lc.SendDurableExecutionCallbackHeartbeat(ctx, &lambda.SendDurableExecutionCallbackHeartbeatInput{CallbackId: aws.String("Y2I=")})
			return err
		}, "ResourceNotFoundException", notFound},
		{"callback bad id", func() error {
			_, err := e.lc.SendDurableExecutionCallbackHeartbeat(ctx, &lambda.SendDurableExecutionCallbackHeartbeatInput{CallbackId: aws.String("no-dashes")})
			return err
		}, "ValidationException", "1 validation error detected: Value 'no-dashes' at 'callbackId' failed to satisfy constraint: Member must satisfy regular expression pattern: [A-Za-z0-9+/]+={0,2}"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { wantErr(t, tc.call(), tc.code, tc.msg) })
	}
}

// TestManagedInstancesAuthorization: the new operations are decided by
// the pipeline on their resource ARNs, before anything is looked up.
func TestManagedInstancesAuthorization(t *testing.T) {
	e := controlEnv(t)
	ctx := context.Background()
	if _, err := e.ic.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("ops")}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.ic.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("ops"), PolicyName: aws.String("p"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[
			{"Effect":"Allow","Action":"lambda:GetCapacityProvider","Resource":"arn:aws:lambda:us-east-1:000000000000:capacity-provider:mine"}]}`)}); err != nil {
		t.Fatal(err)
	}
	k, err := e.ic.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("ops")})
	if err != nil {
		t.Fatal(err)
	}
	cfg := awsConfig(e.url, *k.AccessKey.AccessKeyId, *k.AccessKey.SecretAccessKey, "")
	cfg.Credentials = credentials.NewStaticCredentialsProvider(*k.AccessKey.AccessKeyId, *k.AccessKey.SecretAccessKey, "")
	ops := lambda.NewFromConfig(cfg)
	_, err = ops.GetCapacityProvider(ctx, &lambda.GetCapacityProviderInput{CapacityProviderName: aws.String("mine")})
	wantErr(t, err, "ResourceNotFoundException", "Capacity provider not found: arn:aws:lambda:us-east-1:000000000000:capacity-provider:mine")
	_, err = ops.GetCapacityProvider(ctx, &lambda.GetCapacityProviderInput{CapacityProviderName: aws.String("theirs")})
	wantErr(t, err, "AccessDeniedException", "")
	_, err = ops.GetDurableExecution(ctx, &lambda.GetDurableExecutionInput{DurableExecutionArn: aws.String("arn:aws:lambda:us-east-1:000000000000:function:f:1/durable-execution/r/1")})
	wantErr(t, err, "AccessDeniedException", "")
	_, err = ops.SendDurableExecutionCallbackHeartbeat(ctx, &lambda.SendDurableExecutionCallbackHeartbeatInput{CallbackId: aws.String("Y2I=")})
	wantErr(t, err, "AccessDeniedException", "")
}
