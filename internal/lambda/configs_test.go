package lambda_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

// TestEventInvokeConfig: Put replaces, Update merges, per qualifier;
// Get/Delete of none; List; validation; destinations other than Lambda
// functions refused.
func TestEventInvokeConfig(t *testing.T) {
	e := controlEnv(t)
	ctx := context.Background()
	publish2(t, e, "ei")
	arn := fnARNPrefix + "ei"
	dest := &types.DestinationConfig{OnFailure: &types.OnFailure{Destination: aws.String(fnARNPrefix + "dlq")}}
	p, err := e.lc.PutFunctionEventInvokeConfig(ctx, &lambda.PutFunctionEventInvokeConfigInput{FunctionName: aws.String("ei"), MaximumRetryAttempts: aws.Int32(1), DestinationConfig: dest})
	if err != nil || *p.FunctionArn != arn+":$LATEST" || *p.MaximumRetryAttempts != 1 || p.MaximumEventAgeInSeconds != nil || *p.DestinationConfig.OnFailure.Destination != fnARNPrefix+"dlq" || p.LastModified == nil {
		t.Fatalf("put: %v %+v", err, p)
	}
	u, err := e.lc.UpdateFunctionEventInvokeConfig(ctx, &lambda.UpdateFunctionEventInvokeConfigInput{FunctionName: aws.String("ei"), MaximumEventAgeInSeconds: aws.Int32(120)})
	if err != nil || *u.MaximumRetryAttempts != 1 || *u.MaximumEventAgeInSeconds != 120 || u.DestinationConfig.OnFailure == nil {
		t.Fatalf("update merges: %v %+v", err, u)
	}
	p, err = e.lc.PutFunctionEventInvokeConfig(ctx, &lambda.PutFunctionEventInvokeConfigInput{FunctionName: aws.String("ei"), MaximumEventAgeInSeconds: aws.Int32(60)})
	if err != nil || p.MaximumRetryAttempts != nil || *p.MaximumEventAgeInSeconds != 60 || p.DestinationConfig.OnFailure != nil {
		t.Fatalf("put replaces: %v %+v", err, p)
	}
	if _, err := e.lc.PutFunctionEventInvokeConfig(ctx, &lambda.PutFunctionEventInvokeConfigInput{FunctionName: aws.String("ei"), Qualifier: aws.String("1"), MaximumRetryAttempts: aws.Int32(0)}); err != nil {
		t.Fatal(err)
	}
	g, err := e.lc.GetFunctionEventInvokeConfig(ctx, &lambda.GetFunctionEventInvokeConfigInput{FunctionName: aws.String("ei:1")})
	if err != nil || *g.FunctionArn != arn+":1" || *g.MaximumRetryAttempts != 0 {
		t.Fatalf("get :1: %v %+v", err, g)
	}
	l, err := e.lc.ListFunctionEventInvokeConfigs(ctx, &lambda.ListFunctionEventInvokeConfigsInput{FunctionName: aws.String("ei")})
	if err != nil || len(l.FunctionEventInvokeConfigs) != 2 || *l.FunctionEventInvokeConfigs[0].FunctionArn != arn+":$LATEST" || *l.FunctionEventInvokeConfigs[1].FunctionArn != arn+":1" {
		t.Fatalf("list: %v %+v", err, l)
	}
	for _, tc := range []struct {
		name string
		in   *lambda.PutFunctionEventInvokeConfigInput
		code string
		msg  string
	}{
		{"retries", &lambda.PutFunctionEventInvokeConfigInput{FunctionName: aws.String("ei"), MaximumRetryAttempts: aws.Int32(3)}, "ValidationException",
			"1 validation error detected: Value '3' at 'maximumRetryAttempts' failed to satisfy constraint: Member must have value less than or equal to 2"},
		{"age", &lambda.PutFunctionEventInvokeConfigInput{FunctionName: aws.String("ei"), MaximumEventAgeInSeconds: aws.Int32(59)}, "ValidationException",
			"1 validation error detected: Value '59' at 'maximumEventAgeInSeconds' failed to satisfy constraint: Member must have value greater than or equal to 60"},
		{"sqs destination", &lambda.PutFunctionEventInvokeConfigInput{FunctionName: aws.String("ei"), DestinationConfig: &types.DestinationConfig{OnSuccess: &types.OnSuccess{Destination: aws.String("arn:aws:sqs:us-east-1:000000000000:q")}}},
			"InvalidParameterValueException", ""},
		{"no version", &lambda.PutFunctionEventInvokeConfigInput{FunctionName: aws.String("ei"), Qualifier: aws.String("9")}, "ResourceNotFoundException", "Function not found: " + arn + ":9"},
	} {
		_, err := e.lc.PutFunctionEventInvokeConfig(ctx, tc.in)
		t.Run(tc.name, func(t *testing.T) { wantErr(t, err, tc.code, tc.msg) })
	}
	if _, err := e.lc.DeleteFunctionEventInvokeConfig(ctx, &lambda.DeleteFunctionEventInvokeConfigInput{FunctionName: aws.String("ei"), Qualifier: aws.String("1")}); err != nil {
		t.Fatal(err)
	}
	_, err = e.lc.GetFunctionEventInvokeConfig(ctx, &lambda.GetFunctionEventInvokeConfigInput{FunctionName: aws.String("ei"), Qualifier: aws.String("1")})
	wantErr(t, err, "ResourceNotFoundException", "The function "+arn+":1 doesn't have an EventInvokeConfig")
	_, err = e.lc.DeleteFunctionEventInvokeConfig(ctx, &lambda.DeleteFunctionEventInvokeConfigInput{FunctionName: aws.String("ei"), Qualifier: aws.String("1")})
	wantErr(t, err, "ResourceNotFoundException", "")
}

// TestFunctionSettings: recursion, runtime management and provisioned
// concurrency configs, stored and answered; event source mappings answer
// as for sources that do not exist.
func TestFunctionSettings(t *testing.T) {
	e := controlEnv(t)
	ctx := context.Background()
	publish2(t, e, "fs")
	arn := fnARNPrefix + "fs"

	r, err := e.lc.GetFunctionRecursionConfig(ctx, &lambda.GetFunctionRecursionConfigInput{FunctionName: aws.String("fs")})
	if err != nil || r.RecursiveLoop != types.RecursiveLoopTerminate {
		t.Fatalf("recursion default: %v %+v", err, r)
	}
	if _, err := e.lc.PutFunctionRecursionConfig(ctx, &lambda.PutFunctionRecursionConfigInput{FunctionName: aws.String("fs"), RecursiveLoop: types.RecursiveLoopAllow}); err != nil {
		t.Fatal(err)
	}
	r, err = e.lc.GetFunctionRecursionConfig(ctx, &lambda.GetFunctionRecursionConfigInput{FunctionName: aws.String("fs")})
	if err != nil || r.RecursiveLoop != types.RecursiveLoopAllow {
		t.Fatalf("recursion: %v %+v", err, r)
	}
	_, err = e.lc.PutFunctionRecursionConfig(ctx, &lambda.PutFunctionRecursionConfigInput{FunctionName: aws.String("fs"), RecursiveLoop: "Sometimes"})
	wantErr(t, err, "ValidationException", "1 validation error detected: Value 'Sometimes' at 'recursiveLoop' failed to satisfy constraint: Member must satisfy enum value set: [Terminate, Allow]")

	rm, err := e.lc.GetRuntimeManagementConfig(ctx, &lambda.GetRuntimeManagementConfigInput{FunctionName: aws.String("fs")})
	if err != nil || rm.UpdateRuntimeOn != types.UpdateRuntimeOnAuto || *rm.FunctionArn != arn {
		t.Fatalf("runtime default: %v %+v", err, rm)
	}
	rv := "arn:aws:lambda:us-east-1::runtime:0123456789abcdef"
	if _, err := e.lc.PutRuntimeManagementConfig(ctx, &lambda.PutRuntimeManagementConfigInput{FunctionName: aws.String("fs"), Qualifier: aws.String("1"), UpdateRuntimeOn: types.UpdateRuntimeOnManual, RuntimeVersionArn: aws.String(rv)}); err != nil {
		t.Fatal(err)
	}
	rm, err = e.lc.GetRuntimeManagementConfig(ctx, &lambda.GetRuntimeManagementConfigInput{FunctionName: aws.String("fs"), Qualifier: aws.String("1")})
	if err != nil || rm.UpdateRuntimeOn != types.UpdateRuntimeOnManual || *rm.RuntimeVersionArn != rv || *rm.FunctionArn != arn+":1" {
		t.Fatalf("runtime :1: %v %+v", err, rm)
	}
	_, err = e.lc.PutRuntimeManagementConfig(ctx, &lambda.PutRuntimeManagementConfigInput{FunctionName: aws.String("fs"), UpdateRuntimeOn: types.UpdateRuntimeOnManual})
	wantErr(t, err, "InvalidParameterValueException", "")

	// Provisioned concurrency: versions and aliases only.
	_, err = e.lc.PutProvisionedConcurrencyConfig(ctx, &lambda.PutProvisionedConcurrencyConfigInput{FunctionName: aws.String("fs"), Qualifier: aws.String("$LATEST"), ProvisionedConcurrentExecutions: aws.Int32(2)})
	wantErr(t, err, "InvalidParameterValueException", "Provisioned Concurrency Configs cannot be applied to unpublished function versions.")
	_, err = e.lc.GetProvisionedConcurrencyConfig(ctx, &lambda.GetProvisionedConcurrencyConfigInput{FunctionName: aws.String("fs"), Qualifier: aws.String("1")})
	wantErr(t, err, "ProvisionedConcurrencyConfigNotFoundException", "No Provisioned Concurrency Config found for this function")
	pc, err := e.lc.PutProvisionedConcurrencyConfig(ctx, &lambda.PutProvisionedConcurrencyConfigInput{FunctionName: aws.String("fs"), Qualifier: aws.String("1"), ProvisionedConcurrentExecutions: aws.Int32(2)})
	if err != nil || *pc.RequestedProvisionedConcurrentExecutions != 2 || pc.Status != types.ProvisionedConcurrencyStatusEnumInProgress {
		t.Fatalf("put provisioned: %v %+v", err, pc)
	}
	gp, err := e.lc.GetProvisionedConcurrencyConfig(ctx, &lambda.GetProvisionedConcurrencyConfigInput{FunctionName: aws.String("fs"), Qualifier: aws.String("1")})
	if err != nil || gp.Status != types.ProvisionedConcurrencyStatusEnumReady || *gp.AvailableProvisionedConcurrentExecutions != 2 {
		t.Fatalf("get provisioned: %v %+v", err, gp)
	}
	lp, err := e.lc.ListProvisionedConcurrencyConfigs(ctx, &lambda.ListProvisionedConcurrencyConfigsInput{FunctionName: aws.String("fs")})
	if err != nil || len(lp.ProvisionedConcurrencyConfigs) != 1 || *lp.ProvisionedConcurrencyConfigs[0].FunctionArn != arn+":1" {
		t.Fatalf("list provisioned: %v %+v", err, lp)
	}
	if _, err := e.lc.DeleteProvisionedConcurrencyConfig(ctx, &lambda.DeleteProvisionedConcurrencyConfigInput{FunctionName: aws.String("fs"), Qualifier: aws.String("1")}); err != nil {
		t.Fatal(err)
	}

	// Event source mappings: no source is hosted here.
	for _, tc := range []struct{ src, msg string }{
		{"arn:aws:sqs:us-east-1:000000000000:q", "Error occurred while ReceiveMessage. SQS Error Code: AWS.SimpleQueueService.NonExistentQueue. SQS Error Message: The specified queue does not exist."},
		{"arn:aws:kinesis:us-east-1:000000000000:stream/s", "Stream not found: arn:aws:kinesis:us-east-1:000000000000:stream/s"},
	} {
		_, err := e.lc.CreateEventSourceMapping(ctx, &lambda.CreateEventSourceMappingInput{FunctionName: aws.String("fs"), EventSourceArn: aws.String(tc.src)})
		wantErr(t, err, "InvalidParameterValueException", tc.msg)
	}
	_, err = e.lc.CreateEventSourceMapping(ctx, &lambda.CreateEventSourceMappingInput{FunctionName: aws.String("nope"), EventSourceArn: aws.String("arn:aws:sqs:us-east-1:000000000000:q")})
	wantErr(t, err, "ResourceNotFoundException", "")
	lm, err := e.lc.ListEventSourceMappings(ctx, &lambda.ListEventSourceMappingsInput{FunctionName: aws.String("fs")})
	if err != nil || len(lm.EventSourceMappings) != 0 {
		t.Fatalf("list mappings: %v %+v", err, lm)
	}
	_, err = e.lc.GetEventSourceMapping(ctx, &lambda.GetEventSourceMappingInput{UUID: aws.String("14e0db71-5d35-4eb5-b481-8945cf9d10c2")})
	wantErr(t, err, "ResourceNotFoundException", "The resource you requested does not exist.")
	_, err = e.lc.DeleteEventSourceMapping(ctx, &lambda.DeleteEventSourceMappingInput{UUID: aws.String("not-a-uuid")})
	wantErr(t, err, "ResourceNotFoundException", "The resource you requested does not exist.")
}

// TestCodeSigningConfigs: create, get, update, list, attach to a
// function (which then reports it), refuse deleting one in use, detach,
// delete.
func TestCodeSigningConfigs(t *testing.T) {
	e := controlEnv(t)
	ctx := context.Background()
	createPy(t, e, "cs", false)
	profile := "arn:aws:signer:us-east-1:000000000000:/signing-profiles/p/abc"
	c, err := e.lc.CreateCodeSigningConfig(ctx, &lambda.CreateCodeSigningConfigInput{Description: aws.String("d"),
		AllowedPublishers: &types.AllowedPublishers{SigningProfileVersionArns: []string{profile}}})
	if err != nil || c.CodeSigningConfig.CodeSigningPolicies.UntrustedArtifactOnDeployment != types.CodeSigningPolicyWarn || *c.CodeSigningConfig.Description != "d" {
		t.Fatalf("create: %v %+v", err, c)
	}
	a := *c.CodeSigningConfig.CodeSigningConfigArn
	if a != "arn:aws:lambda:us-east-1:000000000000:code-signing-config:"+*c.CodeSigningConfig.CodeSigningConfigId {
		t.Fatalf("arn %s", a)
	}
	u, err := e.lc.UpdateCodeSigningConfig(ctx, &lambda.UpdateCodeSigningConfigInput{CodeSigningConfigArn: aws.String(a),
		CodeSigningPolicies: &types.CodeSigningPolicies{UntrustedArtifactOnDeployment: types.CodeSigningPolicyEnforce}})
	if err != nil || u.CodeSigningConfig.CodeSigningPolicies.UntrustedArtifactOnDeployment != types.CodeSigningPolicyEnforce || *u.CodeSigningConfig.Description != "d" {
		t.Fatalf("update: %v %+v", err, u)
	}
	l, err := e.lc.ListCodeSigningConfigs(ctx, &lambda.ListCodeSigningConfigsInput{})
	if err != nil || len(l.CodeSigningConfigs) != 1 {
		t.Fatalf("list: %v %+v", err, l)
	}
	if _, err := e.lc.PutFunctionCodeSigningConfig(ctx, &lambda.PutFunctionCodeSigningConfigInput{FunctionName: aws.String("cs"), CodeSigningConfigArn: aws.String(a)}); err != nil {
		t.Fatal(err)
	}
	g, err := e.lc.GetFunctionCodeSigningConfig(ctx, &lambda.GetFunctionCodeSigningConfigInput{FunctionName: aws.String("cs")})
	if err != nil || *g.CodeSigningConfigArn != a || *g.FunctionName != "cs" {
		t.Fatalf("get function csc: %v %+v", err, g)
	}
	lf, err := e.lc.ListFunctionsByCodeSigningConfig(ctx, &lambda.ListFunctionsByCodeSigningConfigInput{CodeSigningConfigArn: aws.String(a)})
	if err != nil || len(lf.FunctionArns) != 1 || lf.FunctionArns[0] != fnARNPrefix+"cs" {
		t.Fatalf("functions by csc: %v %+v", err, lf)
	}
	_, err = e.lc.DeleteCodeSigningConfig(ctx, &lambda.DeleteCodeSigningConfigInput{CodeSigningConfigArn: aws.String(a)})
	wantErr(t, err, "ResourceConflictException", "")
	if _, err := e.lc.DeleteFunctionCodeSigningConfig(ctx, &lambda.DeleteFunctionCodeSigningConfigInput{FunctionName: aws.String("cs")}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.lc.DeleteCodeSigningConfig(ctx, &lambda.DeleteCodeSigningConfigInput{CodeSigningConfigArn: aws.String(a)}); err != nil {
		t.Fatal(err)
	}
	_, err = e.lc.GetCodeSigningConfig(ctx, &lambda.GetCodeSigningConfigInput{CodeSigningConfigArn: aws.String(a)})
	wantErr(t, err, "ResourceNotFoundException", "The code signing configuration cannot be found. Check that the provided configuration is not deleted: "+a+".")
	_, err = e.lc.PutFunctionCodeSigningConfig(ctx, &lambda.PutFunctionCodeSigningConfigInput{FunctionName: aws.String("cs"), CodeSigningConfigArn: aws.String(a)})
	wantErr(t, err, "ResourceNotFoundException", "")
	_, err = e.lc.GetCodeSigningConfig(ctx, &lambda.GetCodeSigningConfigInput{CodeSigningConfigArn: aws.String("csc-1")})
	wantErr(t, err, "ValidationException", "")
}
