package apigw_test

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/aws/aws-sdk-go-v2/service/apigateway/types"

	"github.com/gatehouse-dev/gatehouse/internal/gatehousetest"
)

// TestDocumentation: documentation parts (create, list with filters,
// update, import merge/overwrite, delete) and versions snapshotting them.
func TestDocumentation(t *testing.T) {
	s := gatehousetest.Start(t)
	ctx := context.Background()
	c := client(s, "us-east-1", root)
	api, _ := deployedAPI(t, c)

	p, err := c.CreateDocumentationPart(ctx, &apigateway.CreateDocumentationPartInput{RestApiId: api.Id,
		Location:   &types.DocumentationPartLocation{Type: types.DocumentationPartTypeMethod, Path: aws.String("/pets/{id}"), Method: aws.String("GET")},
		Properties: aws.String(`{"description":"Get a pet"}`)})
	if err != nil || p.Location.StatusCode != nil {
		t.Fatalf("create: %v %+v", err, p)
	}
	api2, err := c.CreateDocumentationPart(ctx, &apigateway.CreateDocumentationPartInput{RestApiId: api.Id,
		Location: &types.DocumentationPartLocation{Type: types.DocumentationPartTypeApi}, Properties: aws.String(`{"info":{"description":"pets"}}`)})
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []struct {
		loc   types.DocumentationPartLocation
		props string
		code  string
	}{
		{types.DocumentationPartLocation{Type: "NOPE"}, `{}`, "ValidationException"},
		{types.DocumentationPartLocation{Type: types.DocumentationPartTypeApi, Path: aws.String("/x")}, `{}`, "BadRequestException"},
		{types.DocumentationPartLocation{Type: types.DocumentationPartTypeQueryParameter, Path: aws.String("/pets")}, `{}`, "BadRequestException"},
		{types.DocumentationPartLocation{Type: types.DocumentationPartTypeResource, Path: aws.String("/pets")}, `not json`, "BadRequestException"},
		{types.DocumentationPartLocation{Type: types.DocumentationPartTypeMethod, Path: aws.String("/pets/{id}"), Method: aws.String("GET")}, `{}`, "ConflictException"},
	} {
		_, err := c.CreateDocumentationPart(ctx, &apigateway.CreateDocumentationPartInput{RestApiId: api.Id, Location: &bad.loc, Properties: aws.String(bad.props)})
		wantAPIError(t, err, bad.code, "")
	}
	list, err := c.GetDocumentationParts(ctx, &apigateway.GetDocumentationPartsInput{RestApiId: api.Id, Type: types.DocumentationPartTypeMethod})
	if err != nil || len(list.Items) != 1 || *list.Items[0].Id != *p.Id {
		t.Fatalf("list: %v %+v", err, list)
	}
	up, err := c.UpdateDocumentationPart(ctx, &apigateway.UpdateDocumentationPartInput{RestApiId: api.Id, DocumentationPartId: p.Id,
		PatchOperations: []types.PatchOperation{patch(types.OpReplace, "/properties", `{"description":"Fetch a pet"}`)}})
	if err != nil || *up.Properties != `{"description":"Fetch a pet"}` {
		t.Fatalf("update: %v %+v", err, up)
	}

	v1, err := c.CreateDocumentationVersion(ctx, &apigateway.CreateDocumentationVersionInput{RestApiId: api.Id, DocumentationVersion: aws.String("1.0"), StageName: aws.String("dev")})
	if err != nil || *v1.Version != "1.0" {
		t.Fatal(err)
	}
	st, err := c.GetStage(ctx, &apigateway.GetStageInput{RestApiId: api.Id, StageName: aws.String("dev")})
	if err != nil || aws.ToString(st.DocumentationVersion) != "1.0" {
		t.Fatalf("stage documentation version: %v %+v", err, st)
	}
	_, err = c.CreateDocumentationVersion(ctx, &apigateway.CreateDocumentationVersionInput{RestApiId: api.Id, DocumentationVersion: aws.String("1.0")})
	wantAPIError(t, err, "ConflictException", "")

	doc := `{"openapi":"3.0.1","info":{"title":"x","version":"1"},"paths":{},
	 "x-amazon-apigateway-documentation":{"version":"2","documentationParts":[
	  {"location":{"type":"METHOD","path":"/pets/{id}","method":"GET"},"properties":{"description":"Merged"}},
	  {"location":{"type":"RESOURCE","path":"/pets"},"properties":{"description":"Pets"}}]}}`
	imp, err := c.ImportDocumentationParts(ctx, &apigateway.ImportDocumentationPartsInput{RestApiId: api.Id, Body: []byte(doc)})
	if err != nil || len(imp.Ids) != 2 || imp.Ids[0] != *p.Id {
		t.Fatalf("import merge: %v %+v", err, imp)
	}
	got, err := c.GetDocumentationPart(ctx, &apigateway.GetDocumentationPartInput{RestApiId: api.Id, DocumentationPartId: p.Id})
	if err != nil || *got.Properties != `{"description":"Merged"}` {
		t.Fatalf("merged part: %v %+v", err, got)
	}
	if _, err := c.ImportDocumentationParts(ctx, &apigateway.ImportDocumentationPartsInput{RestApiId: api.Id, Body: []byte(doc), Mode: types.PutModeOverwrite}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetDocumentationPart(ctx, &apigateway.GetDocumentationPartInput{RestApiId: api.Id, DocumentationPartId: api2.Id})
	wantAPIError(t, err, "NotFoundException", "Invalid Documentation part identifier specified")
	all, err := c.GetDocumentationParts(ctx, &apigateway.GetDocumentationPartsInput{RestApiId: api.Id})
	if err != nil || len(all.Items) != 2 {
		t.Fatalf("after overwrite: %v %+v", err, all)
	}

	vs, err := c.GetDocumentationVersions(ctx, &apigateway.GetDocumentationVersionsInput{RestApiId: api.Id})
	if err != nil || len(vs.Items) != 1 {
		t.Fatal(err)
	}
	uv, err := c.UpdateDocumentationVersion(ctx, &apigateway.UpdateDocumentationVersionInput{RestApiId: api.Id, DocumentationVersion: aws.String("1.0"),
		PatchOperations: []types.PatchOperation{patch(types.OpReplace, "/description", "first")}})
	if err != nil || *uv.Description != "first" {
		t.Fatal(err)
	}
	if _, err := c.DeleteDocumentationVersion(ctx, &apigateway.DeleteDocumentationVersionInput{RestApiId: api.Id, DocumentationVersion: aws.String("1.0")}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetDocumentationVersion(ctx, &apigateway.GetDocumentationVersionInput{RestApiId: api.Id, DocumentationVersion: aws.String("1.0")})
	wantAPIError(t, err, "NotFoundException", "")
	if _, err := c.DeleteDocumentationPart(ctx, &apigateway.DeleteDocumentationPartInput{RestApiId: api.Id, DocumentationPartId: all.Items[0].Id}); err != nil {
		t.Fatal(err)
	}
}

// TestSdk: the SDK types as AWS lists them, and a generated JavaScript
// SDK holding one function per deployed method.
func TestSdk(t *testing.T) {
	s := gatehousetest.Start(t)
	ctx := context.Background()
	c := client(s, "us-east-1", root)
	api, _ := deployedAPI(t, c)
	types_, err := c.GetSdkTypes(ctx, &apigateway.GetSdkTypesInput{})
	if err != nil || len(types_.Items) != 6 {
		t.Fatalf("types: %v %+v", err, types_)
	}
	js, err := c.GetSdkType(ctx, &apigateway.GetSdkTypeInput{Id: aws.String("javascript")})
	if err != nil || *js.FriendlyName != "JavaScript" {
		t.Fatal(err)
	}
	_, err = c.GetSdkType(ctx, &apigateway.GetSdkTypeInput{Id: aws.String("cobol")})
	wantAPIError(t, err, "NotFoundException", "")
	out, err := c.GetSdk(ctx, &apigateway.GetSdkInput{RestApiId: api.Id, StageName: aws.String("dev"), SdkType: aws.String("javascript")})
	if err != nil || aws.ToString(out.ContentType) != "application/zip" || !strings.Contains(aws.ToString(out.ContentDisposition), "javascript.zip") {
		t.Fatalf("sdk: %v %+v", err, out)
	}
	zr, err := zip.NewReader(bytes.NewReader(out.Body), int64(len(out.Body)))
	if err != nil || len(zr.File) != 1 {
		t.Fatal(err)
	}
	f, _ := zr.File[0].Open()
	src, _ := io.ReadAll(f)
	if !strings.Contains(string(src), `apigClient.petsIdGet = function (params, body, extra) { return call("GET", "/pets/{id}", params, body, extra); };`) {
		t.Fatalf("apigClient.js:\n%s", src)
	}
	_, err = c.GetSdk(ctx, &apigateway.GetSdkInput{RestApiId: api.Id, StageName: aws.String("dev"), SdkType: aws.String("java")})
	wantAPIError(t, err, "BadRequestException", "")
	_, err = c.GetSdk(ctx, &apigateway.GetSdkInput{RestApiId: api.Id, StageName: aws.String("nope"), SdkType: aws.String("javascript")})
	wantAPIError(t, err, "NotFoundException", "")
}
