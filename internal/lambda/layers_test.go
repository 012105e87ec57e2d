package lambda_test

import (
	"archive/zip"
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

func zipFiles(t *testing.T, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range files {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(body))
	}
	zw.Close()
	return buf.Bytes()
}

const layerARNPrefix = "arn:aws:lambda:us-east-1:000000000000:layer:"

// TestLayers: publish, get (by name and ARN), list, permissions, delete,
// and a function's Layers parameter and configuration.
func TestLayers(t *testing.T) {
	e := controlEnv(t)
	ctx := context.Background()
	p, err := e.lc.PublishLayerVersion(ctx, &lambda.PublishLayerVersionInput{LayerName: aws.String("lib"), Description: aws.String("one"),
		Content:            &types.LayerVersionContentInput{ZipFile: zipFiles(t, map[string]string{"python/lib.py": "X = 1\n"})},
		CompatibleRuntimes: []types.Runtime{types.RuntimePython312}, LicenseInfo: aws.String("MIT")})
	if err != nil || *p.LayerVersionArn != layerARNPrefix+"lib:1" || *p.LayerArn != layerARNPrefix+"lib" || p.Version != 1 || *p.Content.CodeSha256 == "" || p.Content.CodeSize == 0 {
		t.Fatalf("publish: %v %+v", err, p)
	}
	p2, err := e.lc.PublishLayerVersion(ctx, &lambda.PublishLayerVersionInput{LayerName: aws.String("lib"),
		Content: &types.LayerVersionContentInput{ZipFile: zipFiles(t, map[string]string{"python/lib.py": "X = 2\n"})}, CompatibleArchitectures: []types.Architecture{types.ArchitectureArm64}})
	if err != nil || p2.Version != 2 {
		t.Fatalf("publish 2: %v %+v", err, p2)
	}
	g, err := e.lc.GetLayerVersion(ctx, &lambda.GetLayerVersionInput{LayerName: aws.String(layerARNPrefix + "lib"), VersionNumber: aws.Int64(1)})
	if err != nil || *g.Description != "one" || *g.LicenseInfo != "MIT" || g.CompatibleRuntimes[0] != types.RuntimePython312 {
		t.Fatalf("get: %v %+v", err, g)
	}
	ga, err := e.lc.GetLayerVersionByArn(ctx, &lambda.GetLayerVersionByArnInput{Arn: aws.String(layerARNPrefix + "lib:2")})
	if err != nil || ga.Version != 2 {
		t.Fatalf("get by arn: %v %+v", err, ga)
	}
	_, err = e.lc.GetLayerVersion(ctx, &lambda.GetLayerVersionInput{LayerName: aws.String("lib"), VersionNumber: aws.Int64(9)})
	wantErr(t, err, "ResourceNotFoundException", "The resource you requested does not exist.")
	_, err = e.lc.GetLayerVersionByArn(ctx, &lambda.GetLayerVersionByArnInput{Arn: aws.String("arn:aws:lambda:us-east-1:000000000000:layer:lib")})
	wantErr(t, err, "ValidationException", "")

	ll, err := e.lc.ListLayers(ctx, &lambda.ListLayersInput{})
	if err != nil || len(ll.Layers) != 1 || ll.Layers[0].LatestMatchingVersion.Version != 2 {
		t.Fatalf("list layers: %v %+v", err, ll)
	}
	ll, err = e.lc.ListLayers(ctx, &lambda.ListLayersInput{CompatibleRuntime: types.RuntimePython312})
	if err != nil || len(ll.Layers) != 1 || ll.Layers[0].LatestMatchingVersion.Version != 1 {
		t.Fatalf("list layers python3.12: %v %+v", err, ll)
	}
	lv, err := e.lc.ListLayerVersions(ctx, &lambda.ListLayerVersionsInput{LayerName: aws.String("lib"), MaxItems: aws.Int32(1)})
	if err != nil || len(lv.LayerVersions) != 1 || lv.LayerVersions[0].Version != 2 || lv.NextMarker == nil || lv.LayerVersions[0].Description != nil {
		t.Fatalf("versions page 1: %v %+v", err, lv)
	}
	lv, err = e.lc.ListLayerVersions(ctx, &lambda.ListLayerVersionsInput{LayerName: aws.String("lib"), MaxItems: aws.Int32(1), Marker: lv.NextMarker})
	if err != nil || len(lv.LayerVersions) != 1 || lv.LayerVersions[0].Version != 1 || lv.NextMarker != nil || aws.ToString(lv.LayerVersions[0].Description) != "one" {
		t.Fatalf("versions page 2: %v %+v", err, lv)
	}

	// Permissions.
	_, err = e.lc.GetLayerVersionPolicy(ctx, &lambda.GetLayerVersionPolicyInput{LayerName: aws.String("lib"), VersionNumber: aws.Int64(1)})
	wantErr(t, err, "ResourceNotFoundException", "The resource you requested does not exist.")
	ap, err := e.lc.AddLayerVersionPermission(ctx, &lambda.AddLayerVersionPermissionInput{LayerName: aws.String("lib"), VersionNumber: aws.Int64(1),
		StatementId: aws.String("all"), Action: aws.String("lambda:GetLayerVersion"), Principal: aws.String("111122223333")})
	if err != nil || !strings.Contains(*ap.Statement, `"Principal":{"AWS":"arn:aws:iam::111122223333:root"}`) || *ap.RevisionId == "" {
		t.Fatalf("add permission: %v %+v", err, ap)
	}
	_, err = e.lc.AddLayerVersionPermission(ctx, &lambda.AddLayerVersionPermissionInput{LayerName: aws.String("lib"), VersionNumber: aws.Int64(1),
		StatementId: aws.String("all"), Action: aws.String("lambda:GetLayerVersion"), Principal: aws.String("*")})
	wantErr(t, err, "ResourceConflictException", "")
	_, err = e.lc.AddLayerVersionPermission(ctx, &lambda.AddLayerVersionPermissionInput{LayerName: aws.String("lib"), VersionNumber: aws.Int64(1),
		StatementId: aws.String("x"), Action: aws.String("lambda:InvokeFunction"), Principal: aws.String("*")})
	wantErr(t, err, "ValidationException", "1 validation error detected: Value 'lambda:InvokeFunction' at 'action' failed to satisfy constraint: Member must satisfy regular expression pattern: lambda:GetLayerVersion")
	gp, err := e.lc.GetLayerVersionPolicy(ctx, &lambda.GetLayerVersionPolicyInput{LayerName: aws.String("lib"), VersionNumber: aws.Int64(1)})
	if err != nil || !strings.Contains(*gp.Policy, `"Resource":"`+layerARNPrefix+`lib:1"`) || *gp.RevisionId != *ap.RevisionId {
		t.Fatalf("get policy: %v %+v", err, gp)
	}
	_, err = e.lc.RemoveLayerVersionPermission(ctx, &lambda.RemoveLayerVersionPermissionInput{LayerName: aws.String("lib"), VersionNumber: aws.Int64(1), StatementId: aws.String("all"), RevisionId: aws.String("stale")})
	wantErr(t, err, "PreconditionFailedException", "")
	if _, err := e.lc.RemoveLayerVersionPermission(ctx, &lambda.RemoveLayerVersionPermissionInput{LayerName: aws.String("lib"), VersionNumber: aws.Int64(1), StatementId: aws.String("all")}); err != nil {
		t.Fatal(err)
	}
	_, err = e.lc.GetLayerVersionPolicy(ctx, &lambda.GetLayerVersionPolicyInput{LayerName: aws.String("lib"), VersionNumber: aws.Int64(1)})
	wantErr(t, err, "ResourceNotFoundException", "The resource you requested does not exist.")

	// A function's layers.
	c, err := e.lc.CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String("withlayers"), Role: aws.String(e.role), Runtime: types.RuntimePython312,
		Handler: aws.String("index.handler"), Code: &types.FunctionCode{ZipFile: pyZip(t, "1")}, Layers: []string{layerARNPrefix + "lib:1"}})
	if err != nil || len(c.Layers) != 1 || *c.Layers[0].Arn != layerARNPrefix+"lib:1" || c.Layers[0].CodeSize != p.Content.CodeSize {
		t.Fatalf("create with layers: %v %+v", err, c)
	}
	for _, tc := range []struct {
		layers    []string
		code, msg string
	}{
		{[]string{layerARNPrefix + "lib:1", layerARNPrefix + "lib:2"}, "InvalidParameterValueException",
			"Two different versions of the same layer are not allowed to be referenced in the same function. " + layerARNPrefix + "lib:1 and " + layerARNPrefix + "lib:2 are versions of the same layer."},
		{[]string{layerARNPrefix + "lib:7"}, "InvalidParameterValueException", "Layer version " + layerARNPrefix + "lib:7 does not exist."},
		{[]string{"lib:1"}, "ValidationException", ""},
		{[]string{layerARNPrefix + "a:1", layerARNPrefix + "b:1", layerARNPrefix + "c:1", layerARNPrefix + "d:1", layerARNPrefix + "e:1", layerARNPrefix + "f:1"}, "ValidationException", ""},
	} {
		_, err := e.lc.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{FunctionName: aws.String("withlayers"), Layers: tc.layers})
		wantErr(t, err, tc.code, tc.msg)
	}
	// A deleted layer version stays usable by the functions that have it.
	if _, err := e.lc.DeleteLayerVersion(ctx, &lambda.DeleteLayerVersionInput{LayerName: aws.String("lib"), VersionNumber: aws.Int64(1)}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.lc.DeleteLayerVersion(ctx, &lambda.DeleteLayerVersionInput{LayerName: aws.String("lib"), VersionNumber: aws.Int64(1)}); err != nil {
		t.Fatal(err)
	}
	gc, err := e.lc.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String("withlayers")})
	if err != nil || len(gc.Layers) != 1 {
		t.Fatalf("function layers after delete: %v %+v", err, gc)
	}
	u, err := e.lc.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{FunctionName: aws.String("withlayers"), Layers: []string{}})
	if err != nil || len(u.Layers) != 0 {
		t.Fatalf("remove layers: %v %+v", err, u)
	}
}

// TestLayersUnderOpt: a function's layers are merged under /opt in
// order, the later layer's file replacing the earlier one's, and Python
// imports from /opt/python as on AWS.
func TestLayersUnderOpt(t *testing.T) {
	srv := startServer(t)
	e := newEnv(t, srv.URL, srv.DataDir)
	ctx := context.Background()
	var arns []string
	for _, files := range []map[string]string{
		{"python/shared.py": "WHO = 'first'\n", "python/only_first.py": "X = 'kept'\n", "bin/tool": "#!/bin/sh\n"},
		{"python/shared.py": "WHO = 'second'\n"},
	} {
		p, err := e.lc.PublishLayerVersion(ctx, &lambda.PublishLayerVersionInput{LayerName: aws.String("l" + string(rune('0'+len(arns)))),
			Content: &types.LayerVersionContentInput{ZipFile: zipFiles(t, files)}})
		if err != nil {
			t.Fatal(err)
		}
		arns = append(arns, *p.LayerVersionArn)
	}
	code := zipFiles(t, map[string]string{"index.py": "import os, shared, only_first\n" +
		"def handler(event, context):\n    return {'who': shared.WHO, 'kept': only_first.X, 'bin': sorted(os.listdir('/opt/bin')), 'file': shared.__file__}\n"})
	if _, err := e.lc.CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String("opt"), Role: aws.String(e.role), Runtime: types.RuntimePython312,
		Handler: aws.String("index.handler"), Code: &types.FunctionCode{ZipFile: code}, Layers: arns}); err != nil {
		t.Fatal(err)
	}
	out, err := e.lc.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("opt")})
	if err != nil || out.FunctionError != nil || string(out.Payload) != `{"who": "second", "kept": "kept", "bin": ["tool"], "file": "/opt/python/shared.py"}` {
		t.Fatalf("invoke: %v %+v %s", err, out, out.Payload)
	}
}
