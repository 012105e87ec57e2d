package gateway_test

import (
	"context"
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	apitypes "github.com/aws/aws-sdk-go-v2/service/apigateway/types"
)

// canaryAPI sends GET /v to the echo backend at a path naming the
// deployment's integration (d1) and the stage variable "tag", with
// $context.isCanaryRequest in a header.
const canaryAPI = `{"openapi": "3.0.1", "info": {"title": "canary", "version": "1"},
 "paths": {"/v": {"get": {
   "x-amazon-apigateway-integration": {"type": "http_proxy", "httpMethod": "GET", "uri": "BACKEND/d1/${stageVariables.tag}",
     "requestParameters": {"integration.request.header.X-Canary": "context.isCanaryRequest"}}}}}}`

// TestCanaryE2E: a canary deployment created with CreateDeployment's
// canarySettings takes its share of the stage's traffic with its variable
// overrides, is promoted with AWS's documented patch operations and removed.
func TestCanaryE2E(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	doc := strings.ReplaceAll(canaryAPI, "BACKEND", e.be.URL)
	imp, err := e.apig.ImportRestApi(ctx, &apigateway.ImportRestApiInput{Body: []byte(doc)})
	if err != nil {
		t.Fatal(err)
	}
	id := *imp.Id
	d1, err := e.apig.CreateDeployment(ctx, &apigateway.CreateDeploymentInput{RestApiId: aws.String(id), StageName: aws.String("prod"),
		Variables: map[string]string{"tag": "base"}})
	if err != nil {
		t.Fatal(err)
	}
	// A canary onto a stage that does not exist is refused.
	if _, err := e.apig.CreateDeployment(ctx, &apigateway.CreateDeploymentInput{RestApiId: aws.String(id), StageName: aws.String("nope"),
		CanarySettings: &apitypes.DeploymentCanarySettings{PercentTraffic: 30}}); err == nil {
		t.Fatal("canary deployment onto a missing stage accepted")
	}
	// The next version of the API: the integration goes to /d2.
	res, err := e.apig.GetResources(ctx, &apigateway.GetResourcesInput{RestApiId: aws.String(id)})
	if err != nil {
		t.Fatal(err)
	}
	var vID string
	for _, r := range res.Items {
		if aws.ToString(r.Path) == "/v" {
			vID = *r.Id
		}
	}
	if _, err := e.apig.UpdateIntegration(ctx, &apigateway.UpdateIntegrationInput{RestApiId: aws.String(id), ResourceId: aws.String(vID), HttpMethod: aws.String("GET"),
		PatchOperations: []apitypes.PatchOperation{{Op: apitypes.OpReplace, Path: aws.String("/uri"), Value: aws.String(e.be.URL + "/d2/${stageVariables.tag}")}}}); err != nil {
		t.Fatal(err)
	}
	d2, err := e.apig.CreateDeployment(ctx, &apigateway.CreateDeploymentInput{RestApiId: aws.String(id), StageName: aws.String("prod"),
		CanarySettings: &apitypes.DeploymentCanarySettings{PercentTraffic: 30, StageVariableOverrides: map[string]string{"tag": "canary"}}})
	if err != nil {
		t.Fatal(err)
	}
	// The canary's deployment is in use: it cannot be deleted.
	if _, err := e.apig.DeleteDeployment(ctx, &apigateway.DeleteDeploymentInput{RestApiId: aws.String(id), DeploymentId: d2.Id}); err == nil {
		t.Fatal("deleted the canary's deployment")
	}
	st, err := e.apig.GetStage(ctx, &apigateway.GetStageInput{RestApiId: aws.String(id), StageName: aws.String("prod")})
	if err != nil {
		t.Fatal(err)
	}
	if *st.DeploymentId != *d1.Id || st.CanarySettings == nil || aws.ToString(st.CanarySettings.DeploymentId) != *d2.Id ||
		st.CanarySettings.PercentTraffic != 30 || st.CanarySettings.StageVariableOverrides["tag"] != "canary" {
		t.Fatalf("stage after canary deployment: %+v canary %+v", st, st.CanarySettings)
	}

	split := func(n int) (base, canary int) {
		t.Helper()
		for i := 0; i < n; i++ {
			r := e.call("/restapis/"+id+"/prod/_user_request_/v", callOpt{})
			var got echoed
			if r.status != 200 || json.Unmarshal([]byte(r.body), &got) != nil {
				t.Fatalf("call %d: %d %s", i, r.status, r.body)
			}
			flag := strings.Join(got.Header["X-Canary"], ",")
			switch {
			case got.Path == "/d1/base" && flag == "false":
				base++
			case got.Path == "/d2/canary" && flag == "true":
				canary++
			default:
				t.Fatalf("call %d reached %s with X-Canary %q: base deployment and canary variables mixed", i, got.Path, flag)
			}
		}
		return base, canary
	}
	const n = 1000
	_, canary := split(n)
	// The selection is a low-discrepancy sequence (deterministic share);
	// the test holds it to the binomial bound AWS's random choice would
	// meet: 30% of 1000 ± 4.5σ (σ ≈ 14.5).
	sigma := math.Sqrt(n * 0.3 * 0.7)
	if d := math.Abs(float64(canary) - 0.3*n); d > 4.5*sigma {
		t.Fatalf("canary got %d of %d requests at 30%%", canary, n)
	}
	t.Logf("canary share at 30%%: %d of %d", canary, n)

	// Promote: copy the canary's deployment and variables onto the stage,
	// and set its traffic to 0 (developer guide, "Promote a canary release").
	_, err = e.apig.UpdateStage(ctx, &apigateway.UpdateStageInput{RestApiId: aws.String(id), StageName: aws.String("prod"),
		PatchOperations: []apitypes.PatchOperation{
			{Op: apitypes.OpReplace, Path: aws.String("/canarySettings/percentTraffic"), Value: aws.String("0.0")},
			{Op: apitypes.OpCopy, From: aws.String("/canarySettings/stageVariableOverrides"), Path: aws.String("/variables")},
			{Op: apitypes.OpCopy, From: aws.String("/canarySettings/deploymentId"), Path: aws.String("/deploymentId")},
		}})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 20; i++ {
		r := e.call("/restapis/"+id+"/prod/_user_request_/v", callOpt{})
		var got echoed
		_ = json.Unmarshal([]byte(r.body), &got)
		// Promoted: the stage serves d2 with tag=canary, and every request
		// is a base (non-canary) request.
		if got.Path != "/d2/canary" || strings.Join(got.Header["X-Canary"], ",") != "false" {
			t.Fatalf("after promotion: %d %s", r.status, r.body)
		}
	}
	// Remove the canary: $context.isCanaryRequest is then undefined.
	st2, err := e.apig.UpdateStage(ctx, &apigateway.UpdateStageInput{RestApiId: aws.String(id), StageName: aws.String("prod"),
		PatchOperations: []apitypes.PatchOperation{{Op: apitypes.OpRemove, Path: aws.String("/canarySettings")}}})
	if err != nil {
		t.Fatal(err)
	}
	if st2.CanarySettings != nil || *st2.DeploymentId != *d2.Id || st2.Variables["tag"] != "canary" {
		t.Fatalf("after removal: %+v", st2)
	}
	// Canary settings added by UpdateStage: 100% sends every request to
	// the canary deployment.
	_, err = e.apig.UpdateStage(ctx, &apigateway.UpdateStageInput{RestApiId: aws.String(id), StageName: aws.String("prod"),
		PatchOperations: []apitypes.PatchOperation{
			{Op: apitypes.OpReplace, Path: aws.String("/canarySettings/deploymentId"), Value: d1.Id},
			{Op: apitypes.OpReplace, Path: aws.String("/canarySettings/percentTraffic"), Value: aws.String("100")},
			{Op: apitypes.OpReplace, Path: aws.String("/canarySettings/stageVariableOverrides/tag"), Value: aws.String("old")},
		}})
	if err != nil {
		t.Fatal(err)
	}
	r := e.call("/restapis/"+id+"/prod/_user_request_/v", callOpt{})
	if !strings.Contains(r.body, `"path":"/d1/old"`) {
		t.Fatalf("100%% canary: %s", r.body)
	}
	// Invalid settings are refused.
	for _, op := range []apitypes.PatchOperation{
		{Op: apitypes.OpReplace, Path: aws.String("/canarySettings/percentTraffic"), Value: aws.String("100.5")},
		{Op: apitypes.OpReplace, Path: aws.String("/canarySettings/deploymentId"), Value: aws.String("nope")},
		{Op: apitypes.OpReplace, Path: aws.String("/canarySettings/bogus"), Value: aws.String("x")},
	} {
		if _, err := e.apig.UpdateStage(ctx, &apigateway.UpdateStageInput{RestApiId: aws.String(id), StageName: aws.String("prod"),
			PatchOperations: []apitypes.PatchOperation{op}}); err == nil {
			t.Errorf("%s accepted", *op.Path)
		}
	}
}
