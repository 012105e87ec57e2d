package lambda_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/gatehouse-dev/gatehouse/internal/gatehousetest"
	intlambda "github.com/gatehouse-dev/gatehouse/internal/lambda"
	"github.com/gatehouse-dev/gatehouse/pkg/sigv4client"
)

const fnARNPrefix = "arn:aws:lambda:us-east-1:" + gatehousetest.AccountID + ":function:"

// publish2 creates name with version 1 (Timeout 3) and version 2
// (Timeout 5); each returns its version number.
func publish2(t *testing.T, e *env, name string) {
	t.Helper()
	ctx := context.Background()
	if _, err := e.lc.CreateFunction(ctx, &lambda.CreateFunctionInput{
		FunctionName: aws.String(name), Role: aws.String(e.role), Runtime: types.RuntimePython312,
		Handler: aws.String("index.handler"), Code: &types.FunctionCode{ZipFile: pyZip(t, `{"statusCode": 200, "body": "v1"}`)}, Publish: true,
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.lc.UpdateFunctionCode(ctx, &lambda.UpdateFunctionCodeInput{FunctionName: aws.String(name), ZipFile: pyZip(t, `{"statusCode": 200, "body": "v2"}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.lc.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{FunctionName: aws.String(name), Timeout: aws.Int32(5)}); err != nil {
		t.Fatal(err)
	}
	p, err := e.lc.PublishVersion(ctx, &lambda.PublishVersionInput{FunctionName: aws.String(name)})
	if err != nil || *p.Version != "2" {
		t.Fatalf("publish 2: %v %+v", err, p)
	}
}

// TestAliases: the alias operations, their validation and errors as
// Lambda answers them, and qualified names resolving through an alias.
func TestAliases(t *testing.T) {
	e := controlEnv(t)
	ctx := context.Background()
	publish2(t, e, "al")
	arn := fnARNPrefix + "al"

	c, err := e.lc.CreateAlias(ctx, &lambda.CreateAliasInput{FunctionName: aws.String("al"), Name: aws.String("live"), FunctionVersion: aws.String("1"), Description: aws.String("prod")})
	if err != nil || *c.AliasArn != arn+":live" || *c.FunctionVersion != "1" || *c.Description != "prod" || *c.RevisionId == "" || c.RoutingConfig != nil {
		t.Fatalf("create: %v %+v", err, c)
	}
	weights := func(w map[string]float64) *types.AliasRoutingConfiguration {
		return &types.AliasRoutingConfiguration{AdditionalVersionWeights: w}
	}
	for _, tc := range []struct {
		name, fn, alias, version string
		routing                  *types.AliasRoutingConfiguration
		code, msg                string
	}{
		{"exists", "al", "live", "1", nil, "ResourceConflictException", "Alias already exists: " + arn + ":live"},
		{"digits", "al", "123", "1", nil, "ValidationException", "1 validation error detected: Value '123' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: (?!^[0-9]+$)([a-zA-Z0-9-_]+)"},
		{"bad chars", "al", "a.b", "1", nil, "ValidationException", ""},
		{"no version", "al", "x", "9", nil, "ResourceNotFoundException", "Function not found: " + arn + ":9"},
		{"bad version", "al", "x", "v1", nil, "ValidationException", "1 validation error detected: Value 'v1' at 'functionVersion' failed to satisfy constraint: Member must satisfy regular expression pattern: (\\$LATEST|[0-9]+)"},
		{"two weights", "al", "x", "1", weights(map[string]float64{"2": 0.1, "3": 0.1}), "InvalidParameterValueException", "Number of items in AdditionalVersionWeights cannot be greater than 1"},
		{"latest weighted", "al", "x", "$LATEST", weights(map[string]float64{"2": 0.1}), "InvalidParameterValueException", "$LATEST is not supported for an alias pointing to more than 1 version"},
		{"same version", "al", "x", "1", weights(map[string]float64{"1": 0.5}), "InvalidParameterValueException", "Invalid function version 1. Function version 1 is already included in routing configuration."},
		{"weight range", "al", "x", "1", weights(map[string]float64{"2": 1.5}), "ValidationException", ""},
		{"weight version missing", "al", "x", "1", weights(map[string]float64{"7": 0.5}), "ResourceNotFoundException", "Function not found: " + arn + ":7"},
		{"no function", "nope", "x", "1", nil, "ResourceNotFoundException", "Function not found: " + fnARNPrefix + "nope"},
		{"qualified function", "al:1", "x", "1", nil, "InvalidParameterValueException", "Current operation does not support versions other than $LATEST. Please set the version to $LATEST or do not set a version in your request."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.lc.CreateAlias(ctx, &lambda.CreateAliasInput{FunctionName: aws.String(tc.fn), Name: aws.String(tc.alias), FunctionVersion: aws.String(tc.version), RoutingConfig: tc.routing})
			wantErr(t, err, tc.code, tc.msg)
		})
	}

	g, err := e.lc.GetAlias(ctx, &lambda.GetAliasInput{FunctionName: aws.String("al"), Name: aws.String("live")})
	if err != nil || *g.AliasArn != arn+":live" || *g.RevisionId != *c.RevisionId {
		t.Fatalf("get: %v %+v", err, g)
	}
	_, err = e.lc.GetAlias(ctx, &lambda.GetAliasInput{FunctionName: aws.String("al"), Name: aws.String("nope")})
	wantErr(t, err, "ResourceNotFoundException", "Cannot find alias arn: "+arn+":nope")

	// A weighted update; a stale RevisionId is refused.
	_, err = e.lc.UpdateAlias(ctx, &lambda.UpdateAliasInput{FunctionName: aws.String("al"), Name: aws.String("live"), RevisionId: aws.String("stale")})
	wantErr(t, err, "PreconditionFailedException", "")
	u, err := e.lc.UpdateAlias(ctx, &lambda.UpdateAliasInput{FunctionName: aws.String("al"), Name: aws.String("live"), RevisionId: c.RevisionId,
		RoutingConfig: weights(map[string]float64{"2": 0.25})})
	if err != nil || *u.FunctionVersion != "1" || u.RoutingConfig == nil || u.RoutingConfig.AdditionalVersionWeights["2"] != 0.25 || *u.Description != "prod" || *u.RevisionId == *c.RevisionId {
		t.Fatalf("update: %v %+v", err, u)
	}
	// A version an alias routes to cannot be deleted.
	_, err = e.lc.DeleteFunction(ctx, &lambda.DeleteFunctionInput{FunctionName: aws.String("al"), Qualifier: aws.String("2")})
	wantErr(t, err, "ResourceConflictException", "Unable to delete version because the following aliases reference it: [live]")

	// The alias resolves to its version for the qualified reads.
	for _, name := range []string{"al:live", arn + ":live"} {
		cfg, err := e.lc.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String(name)})
		if err != nil || *cfg.Version != "1" || *cfg.Timeout != 3 {
			t.Fatalf("configuration of %s: %v %+v", name, err, cfg)
		}
	}
	gf, err := e.lc.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("al"), Qualifier: aws.String("live")})
	if err != nil || *gf.Configuration.Version != "1" {
		t.Fatalf("get function live: %v %+v", err, gf)
	}

	// Listing: sorted by name, filtered by version, paged.
	if _, err := e.lc.CreateAlias(ctx, &lambda.CreateAliasInput{FunctionName: aws.String("al"), Name: aws.String("beta"), FunctionVersion: aws.String("2")}); err != nil {
		t.Fatal(err)
	}
	names := func(as []types.AliasConfiguration) string {
		var n []string
		for _, a := range as {
			n = append(n, *a.Name)
		}
		return strings.Join(n, ",")
	}
	l, err := e.lc.ListAliases(ctx, &lambda.ListAliasesInput{FunctionName: aws.String("al")})
	if err != nil || names(l.Aliases) != "beta,live" || l.NextMarker != nil {
		t.Fatalf("list: %v %+v", err, l)
	}
	l, err = e.lc.ListAliases(ctx, &lambda.ListAliasesInput{FunctionName: aws.String("al"), FunctionVersion: aws.String("2")})
	if err != nil || names(l.Aliases) != "beta" {
		t.Fatalf("list version 2: %v %+v", err, l)
	}
	l, err = e.lc.ListAliases(ctx, &lambda.ListAliasesInput{FunctionName: aws.String("al"), MaxItems: aws.Int32(1)})
	if err != nil || names(l.Aliases) != "beta" || l.NextMarker == nil {
		t.Fatalf("page 1: %v %+v", err, l)
	}
	l, err = e.lc.ListAliases(ctx, &lambda.ListAliasesInput{FunctionName: aws.String("al"), MaxItems: aws.Int32(1), Marker: l.NextMarker})
	if err != nil || names(l.Aliases) != "live" || l.NextMarker != nil {
		t.Fatalf("page 2: %v %+v", err, l)
	}

	// An empty RoutingConfig clears the weights.
	u, err = e.lc.UpdateAlias(ctx, &lambda.UpdateAliasInput{FunctionName: aws.String("al"), Name: aws.String("live"), RoutingConfig: weights(map[string]float64{})})
	if err != nil || u.RoutingConfig != nil {
		t.Fatalf("clear weights: %v %+v", err, u)
	}
	// DeleteAlias answers 204 whether or not the alias exists.
	for range 2 {
		if _, err := e.lc.DeleteAlias(ctx, &lambda.DeleteAliasInput{FunctionName: aws.String("al"), Name: aws.String("beta")}); err != nil {
			t.Fatal(err)
		}
	}
	l, err = e.lc.ListAliases(ctx, &lambda.ListAliasesInput{FunctionName: aws.String("al")})
	if err != nil || names(l.Aliases) != "live" {
		t.Fatalf("list after delete: %v %+v", err, l)
	}
}

// TestAliasWeightedRouting: an alias with AdditionalVersionWeights {"2":
// 0.3} sends exactly that share of invocations to version 2, measured over
// 200 invocations with an evenly spread source (a stratified draw
// (k+0.5)/200 in place of math/rand), so the count is exact and the test
// cannot flake. Each invocation reports the version that ran in
// X-Amz-Executed-Version and in its output.
func TestAliasWeightedRouting(t *testing.T) {
	srv := startServer(t)
	e := newEnv(t, srv.URL, srv.DataDir)
	ctx := context.Background()
	publish2(t, e, "wr")
	if _, err := e.lc.CreateAlias(ctx, &lambda.CreateAliasInput{FunctionName: aws.String("wr"), Name: aws.String("live"), FunctionVersion: aws.String("1"),
		RoutingConfig: &types.AliasRoutingConfiguration{AdditionalVersionWeights: map[string]float64{"2": 0.3}}}); err != nil {
		t.Fatal(err)
	}
	const n = 200
	k := 0
	intlambda.SetPick(srv.App.Lambda, func() float64 { // called from one invocation at a time here
		x := (float64(k%n) + 0.5) / n
		k++
		return x
	})
	counts := map[string]int{}
	for range n {
		out, err := e.lc.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("wr:live")})
		if err != nil || out.FunctionError != nil {
			t.Fatalf("invoke: %v %+v", err, out)
		}
		v := *out.ExecutedVersion
		if !strings.Contains(string(out.Payload), `"body": "v`+v+`"`) {
			t.Fatalf("version %s answered %s", v, out.Payload)
		}
		counts[v]++
	}
	if counts["1"] != 140 || counts["2"] != 60 {
		t.Fatalf("split %v, want 140 to version 1 and 60 to version 2", counts)
	}

	// Qualified names everywhere Invoke takes them.
	for _, tc := range []struct {
		name, qualifier, version string
	}{
		{"wr:1", "", "1"}, {"wr:2", "", "2"}, {"wr", "1", "1"}, {fnARNPrefix + "wr:2", "", "2"}, {"wr", "", "$LATEST"}, {"wr:$LATEST", "", "$LATEST"},
	} {
		in := &lambda.InvokeInput{FunctionName: aws.String(tc.name)}
		if tc.qualifier != "" {
			in.Qualifier = aws.String(tc.qualifier)
		}
		out, err := e.lc.Invoke(ctx, in)
		if err != nil || *out.ExecutedVersion != tc.version {
			t.Fatalf("invoke %s (%s): %v %+v", tc.name, tc.qualifier, err, out)
		}
	}
	_, err := e.lc.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("wr:9")})
	wantErr(t, err, "ResourceNotFoundException", "Function not found: "+fnARNPrefix+"wr:9")
	_, err = e.lc.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("wr:1"), Qualifier: aws.String("2")})
	wantErr(t, err, "InvalidParameterValueException", "The derived qualifier from the function name does not match the specified qualifier.")
}

// TestQualifiedPermissions: each version and alias has its own resource
// policy. A user with no identity policy whom the alias's policy allows
// invokes the alias and nothing else; API Gateway integrations naming
// function:alias and function:version are decided by that qualifier's
// policy, and run the alias's version.
func TestQualifiedPermissions(t *testing.T) {
	srv := startServer(t)
	e := newEnv(t, srv.URL, srv.DataDir)
	ctx := context.Background()
	publish2(t, e, "qp")
	if _, err := e.lc.CreateAlias(ctx, &lambda.CreateAliasInput{FunctionName: aws.String("qp"), Name: aws.String("live"), FunctionVersion: aws.String("2")}); err != nil {
		t.Fatal(err)
	}
	u, err := e.ic.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("bob")})
	if err != nil {
		t.Fatal(err)
	}
	k, err := e.ic.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("bob")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.lc.AddPermission(ctx, &lambda.AddPermissionInput{FunctionName: aws.String("qp"), Qualifier: aws.String("live"), StatementId: aws.String("bob"),
		Action: aws.String("lambda:InvokeFunction"), Principal: u.User.Arn}); err != nil {
		t.Fatal(err)
	}
	_, err = e.lc.AddPermission(ctx, &lambda.AddPermissionInput{FunctionName: aws.String("qp"), Qualifier: aws.String("nope"), StatementId: aws.String("x"),
		Action: aws.String("lambda:InvokeFunction"), Principal: u.User.Arn})
	wantErr(t, err, "ResourceNotFoundException", "Function not found: "+fnARNPrefix+"qp:nope")
	_, err = e.lc.AddPermission(ctx, &lambda.AddPermissionInput{FunctionName: aws.String("qp"), Qualifier: aws.String("$LATEST"), StatementId: aws.String("x"),
		Action: aws.String("lambda:InvokeFunction"), Principal: u.User.Arn})
	wantErr(t, err, "InvalidParameterValueException", "We currently do not support adding policies for $LATEST.")

	bob := lambda.NewFromConfig(awsConfig(e.url, *k.AccessKey.AccessKeyId, *k.AccessKey.SecretAccessKey, ""))
	for _, tc := range []struct {
		name string
		ok   bool
	}{{"qp:live", true}, {fnARNPrefix + "qp:live", true}, {"qp:2", false}, {"qp", false}, {"qp:1", false}} {
		out, err := bob.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String(tc.name)})
		switch {
		case tc.ok && (err != nil || *out.ExecutedVersion != "2"):
			t.Errorf("bob invokes %s: %v", tc.name, err)
		case !tc.ok:
			wantErr(t, err, "AccessDeniedException", "")
		}
	}

	// API Gateway: the alias's policy allows this API; the unqualified
	// function's does too, but that does not reach version 1.
	apig := apigateway.NewFromConfig(awsConfig(e.url, gatehousetest.AccessKeyID, gatehousetest.SecretAccessKey, ""))
	doc := `{"openapi": "3.0.1", "info": {"title": "q", "version": "1"}, "paths": {
	  "/live": {"get": {"x-amazon-apigateway-integration": {"type": "aws_proxy", "httpMethod": "POST", "uri": "` + uri(fnARNPrefix+"qp:live") + `"}}},
	  "/v1": {"get": {"x-amazon-apigateway-integration": {"type": "aws_proxy", "httpMethod": "POST", "uri": "` + uri(fnARNPrefix+"qp:1") + `"}}},
	  "/latest": {"get": {"x-amazon-apigateway-integration": {"type": "aws_proxy", "httpMethod": "POST", "uri": "` + uri(fnARNPrefix+"qp") + `"}}}}}`
	api, err := apig.ImportRestApi(ctx, &apigateway.ImportRestApiInput{Body: []byte(doc)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := apig.CreateDeployment(ctx, &apigateway.CreateDeploymentInput{RestApiId: api.Id, StageName: aws.String("prod")}); err != nil {
		t.Fatal(err)
	}
	source := "arn:aws:execute-api:us-east-1:" + gatehousetest.AccountID + ":" + *api.Id + "/*/*/*"
	for _, q := range []string{"live", ""} {
		in := &lambda.AddPermissionInput{FunctionName: aws.String("qp"), StatementId: aws.String("apigw"), Action: aws.String("lambda:InvokeFunction"),
			Principal: aws.String("apigateway.amazonaws.com"), SourceArn: aws.String(source)}
		if q != "" {
			in.Qualifier = aws.String(q)
		}
		if _, err := e.lc.AddPermission(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	tr, err := sigv4client.New(sigv4client.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider(gatehousetest.AccessKeyID, gatehousetest.SecretAccessKey, "")})
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Transport: tr}
	for _, tc := range []struct {
		path   string
		status int
		body   string
	}{
		{"/live", 200, "v2"},
		{"/latest", 200, "v2"}, // $LATEST has version 2's code
		{"/v1", 500, `{"message":"Internal server error"}`},
	} {
		resp, err := client.Get(e.url + "/restapis/" + *api.Id + "/prod/_user_request_" + tc.path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.status || string(b) != tc.body {
			t.Errorf("GET %s: %d %s, want %d %s", tc.path, resp.StatusCode, b, tc.status, tc.body)
		}
	}
}
