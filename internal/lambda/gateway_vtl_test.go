package lambda_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/gatehouse-dev/gatehouse/internal/gatehousetest"
	"github.com/gatehouse-dev/gatehouse/pkg/sigv4client"
)

// TestLambdaNonProxyTemplates runs the gatehouse binary with a real
// function (testdata/echo returns its event) behind an AWS (non-proxy)
// integration: the request template builds the event with #foreach over
// $input.path('$.items'), the response template reshapes the function's
// answer, and $context.responseOverride sets the status.
func TestLambdaNonProxyTemplates(t *testing.T) {
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node not installed")
	}
	e, _ := setupBinary(t)
	ctx := context.Background()
	dir, _ := filepath.Abs("testdata/echo")
	if _, err := e.lc.CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String("echo"), Role: aws.String(e.role),
		Runtime: types.RuntimeNodejs20x, Handler: aws.String("index.handler"),
		Code: &types.FunctionCode{S3Bucket: aws.String("gatehouse-local-dir"), S3Key: aws.String(dir)}}); err != nil {
		t.Fatal(err)
	}
	reqTmpl := `#set($items = $input.path('$.items'))
{"do": "order", "customer": "$input.params('customer')", "caller": "$context.identity.userArn",
 "skus": [#foreach($i in $items)"$i.sku.toUpperCase()"#if($foreach.hasNext),#end#end],
 "total": #set($t = 0)#foreach($i in $items)#set($t = $t + $i.qty)#end$t}`
	respTmpl := `#set($r = $input.path('$'))
{"order": {"for": "$r.customer", "lines": $r.skus.size(), "skus": $input.json('$.skus'), "units": $r.total}}
#if($r.total > 5)#set($context.responseOverride.status = 202)#end`
	integ := map[string]any{"type": "aws", "httpMethod": "POST",
		"uri":              uri("arn:aws:lambda:us-east-1:000000000000:function:echo"),
		"requestTemplates": map[string]string{"application/json": reqTmpl},
		"responses":        map[string]any{"default": map[string]any{"statusCode": "200", "responseTemplates": map[string]string{"application/json": respTmpl}}}}
	doc, _ := json.Marshal(map[string]any{"openapi": "3.0.1", "info": map[string]string{"title": "vtl", "version": "1"},
		"paths": map[string]any{"/orders": map[string]any{"post": map[string]any{"security": []map[string][]string{{"sigv4": {}}},
			"x-amazon-apigateway-integration": integ}}},
		"components": map[string]any{"securitySchemes": map[string]any{"sigv4": map[string]string{"type": "apiKey", "name": "Authorization", "in": "header", "x-amazon-apigateway-authtype": "awsSigv4"}}}})
	apig := apigateway.NewFromConfig(awsConfig(e.url, gatehousetest.AccessKeyID, gatehousetest.SecretAccessKey, ""))
	api, err := apig.ImportRestApi(ctx, &apigateway.ImportRestApiInput{Body: doc})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := apig.CreateDeployment(ctx, &apigateway.CreateDeploymentInput{RestApiId: api.Id, StageName: aws.String("prod")}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.lc.AddPermission(ctx, &lambda.AddPermissionInput{FunctionName: aws.String("echo"), StatementId: aws.String("apigw"),
		Action: aws.String("lambda:InvokeFunction"), Principal: aws.String("apigateway.amazonaws.com"),
		SourceArn: aws.String("arn:aws:execute-api:us-east-1:000000000000:" + *api.Id + "/*/*/*")}); err != nil {
		t.Fatal(err)
	}
	tr, err := sigv4client.New(sigv4client.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider(gatehousetest.AccessKeyID, gatehousetest.SecretAccessKey, "")})
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Transport: tr}
	post := func(body string) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, e.url+"/restapis/"+*api.Id+"/prod/_user_request_/orders?customer=ann", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	status, body := post(`{"items": [{"sku": "a-1", "qty": 2}, {"sku": "b-2", "qty": 1}]}`)
	want := `{"order": {"for": "ann", "lines": 2, "skus": ["A-1","B-2"], "units": 3}}` + "\n"
	if status != 200 || body != want {
		t.Fatalf("%d %q\nwant %q", status, body, want)
	}
	status, body = post(`{"items": [{"sku": "c", "qty": 9}]}`)
	if status != 202 || !strings.Contains(body, `"units": 9`) {
		t.Fatalf("override: %d %s", status, body)
	}
}
