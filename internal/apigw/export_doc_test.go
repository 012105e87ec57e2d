package apigw_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/aws/aws-sdk-go-v2/service/apigateway/types"

	"github.com/gatehouse-dev/gatehouse/internal/gatehousetest"
	"github.com/gatehouse-dev/gatehouse/internal/golden"
)

// TestExportDocumentationAndDisposition: GetExport includes the stage's
// documentation snapshot as x-amazon-apigateway-documentation by default
// and with extensions naming documentation, not with extensions that leave
// it out; the answer carries AWS's Content-Disposition
// (attachment; filename="TYPE_DEPLOYMENTTIME.json") and, without an Accept
// type, application/octet-stream.
func TestExportDocumentationAndDisposition(t *testing.T) {
	s := gatehousetest.Start(t)
	ctx := context.Background()
	c := client(s, "us-east-1", root)
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	api, err := c.CreateRestApi(ctx, &apigateway.CreateRestApiInput{Name: aws.String("doc")})
	if err != nil {
		t.Fatal(err)
	}
	id := api.Id
	must(c.PutMethod(ctx, &apigateway.PutMethodInput{RestApiId: id, ResourceId: api.RootResourceId, HttpMethod: aws.String("GET"), AuthorizationType: aws.String("NONE")}))
	must(c.PutIntegration(ctx, &apigateway.PutIntegrationInput{RestApiId: id, ResourceId: api.RootResourceId, HttpMethod: aws.String("GET"), Type: types.IntegrationTypeMock}))
	must(c.CreateDocumentationPart(ctx, &apigateway.CreateDocumentationPartInput{RestApiId: id,
		Location:   &types.DocumentationPartLocation{Type: types.DocumentationPartTypeApi},
		Properties: aws.String(`{"description":"API description","x-bar":"API x-bar"}`)}))
	must(c.CreateDocumentationPart(ctx, &apigateway.CreateDocumentationPartInput{RestApiId: id,
		Location:   &types.DocumentationPartLocation{Type: types.DocumentationPartTypeMethod, Path: aws.String("/"), Method: aws.String("GET")},
		Properties: aws.String(`{"description":"Method description."}`)}))
	must(c.CreateDeployment(ctx, &apigateway.CreateDeploymentInput{RestApiId: id, StageName: aws.String("prod")}))
	must(c.CreateDocumentationVersion(ctx, &apigateway.CreateDocumentationVersionInput{RestApiId: id,
		DocumentationVersion: aws.String("1.0.0"), StageName: aws.String("prod")}))

	export := func(kind, ext, accept string) *apigateway.GetExportOutput {
		t.Helper()
		in := &apigateway.GetExportInput{RestApiId: id, StageName: aws.String("prod"), ExportType: aws.String(kind)}
		if accept != "" {
			in.Accepts = aws.String(accept)
		}
		if ext != "" {
			in.Parameters = map[string]string{"extensions": ext}
		}
		out, err := c.GetExport(ctx, in)
		if err != nil {
			t.Fatalf("export %s %q: %v", kind, ext, err)
		}
		return out
	}
	docExt := func(out *apigateway.GetExportOutput) any {
		t.Helper()
		var doc map[string]any
		if err := json.Unmarshal(out.Body, &doc); err != nil {
			t.Fatalf("export is not JSON: %v", err)
		}
		return doc["x-amazon-apigateway-documentation"]
	}
	created := regexp.MustCompile(`"createdDate": "\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"`)

	var swaggerDoc string // swagger's documentation extension: oas30's is the same
	for _, kind := range []string{"swagger", "oas30"} {
		out := export(kind, "", "application/json")
		disp := regexp.MustCompile(`^attachment; filename="` + kind + `_\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\.json"$`)
		if out.ContentDisposition == nil || !disp.MatchString(*out.ContentDisposition) {
			t.Errorf("%s Content-Disposition = %v, want %s", kind, aws.ToString(out.ContentDisposition), disp)
		}
		if got := aws.ToString(out.ContentType); got != "application/json" {
			t.Errorf("%s Content-Type = %q, want application/json", kind, got)
		}
		got, _ := json.MarshalIndent(docExt(out), "", "  ")
		got = created.ReplaceAll(got, []byte(`"createdDate": "DATE"`))
		if kind == "swagger" {
			swaggerDoc = string(got) + "\n"
			golden.Check(t, filepath.Join("testdata", "export-documentation.golden.json"), swaggerDoc)
		} else if d := golden.FirstDiff(swaggerDoc, string(got)+"\n"); d != "" {
			t.Errorf("%s documentation extension differs from swagger's: %s", kind, d)
		}
	}

	// aws-sdk-go-v2 sends Accept: application/json on every API Gateway
	// call, so the other Accept values go out as raw signed requests.
	raw := func(accept string) http.Header {
		t.Helper()
		req, err := http.NewRequest("GET", s.URL+"/restapis/"+*id+"/stages/prod/exports/swagger", nil)
		if err != nil {
			t.Fatal(err)
		}
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		sum := sha256.Sum256(nil)
		if err := v4.NewSigner().SignHTTP(ctx, root, req, hex.EncodeToString(sum[:]), "apigateway", "us-east-1", time.Now()); err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("export with Accept %q: status %d", accept, resp.StatusCode)
		}
		return resp.Header
	}
	if h := raw(""); h.Get("Content-Type") != "application/octet-stream" {
		t.Errorf("no Accept: Content-Type = %q, want application/octet-stream", h.Get("Content-Type"))
	}
	if h := raw("application/yaml"); h.Get("Content-Type") != "application/yaml" ||
		!regexp.MustCompile(`^attachment; filename="swagger_.*\.yaml"$`).MatchString(h.Get("Content-Disposition")) {
		t.Errorf("yaml: Content-Type %q, Content-Disposition %q", h.Get("Content-Type"), h.Get("Content-Disposition"))
	}
	if d := docExt(export("swagger", "integrations", "application/json")); d != nil {
		t.Errorf("extensions=integrations exported documentation %v; AWS leaves it out unless documentation is named", d)
	}
	if d := docExt(export("swagger", "integrations,documentation", "application/json")); d == nil {
		t.Error("extensions=integrations,documentation exported no documentation")
	}
}
