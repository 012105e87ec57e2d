package lambda_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/gatehouse-dev/gatehouse/internal/gatehousetest"
	"github.com/gatehouse-dev/gatehouse/pkg/sigv4client"
)

// percentiles reports p50 and p99 of ds as benchmark metrics.
func percentiles(b *testing.B, ds []time.Duration) {
	if len(ds) == 0 {
		return
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	at := func(p float64) float64 {
		return float64(ds[min(len(ds)-1, int(float64(len(ds))*p))].Microseconds())
	}
	b.ReportMetric(at(0.50), "p50-µs")
	b.ReportMetric(at(0.99), "p99-µs")
}

func get(b *testing.B, c *http.Client, url string) {
	resp, err := c.Get(url)
	if err != nil {
		b.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		b.Fatalf("%d %s", resp.StatusCode, body)
	}
}

// BenchmarkProxyWarm: a SigV4-signed GET through an AWS_IAM method and the
// AWS_PROXY integration to a warm aws-lambda-go function.
func BenchmarkProxyWarm(b *testing.B) {
	srv := startServer(b)
	ctx := context.Background()
	cfg := awsConfig(srv.URL, gatehousetest.AccessKeyID, gatehousetest.SecretAccessKey, "")
	lc := lambda.NewFromConfig(cfg)
	role := benchRole(b, srv)
	dir := buildGoDir(b, "./testdata/whoami")
	if _, err := lc.CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String("whoami"), Role: aws.String(role),
		Runtime: types.RuntimeProvidedal2023, Handler: aws.String("bootstrap"),
		Code: &types.FunctionCode{S3Bucket: aws.String("gatehouse-local-dir"), S3Key: aws.String(dir)}}); err != nil {
		b.Fatal(err)
	}
	apig := apigateway.NewFromConfig(cfg)
	doc := strings.ReplaceAll(proxyAPI, "URI_WHOAMI", uri("arn:aws:lambda:us-east-1:000000000000:function:whoami"))
	doc = strings.ReplaceAll(doc, "URI_NOPERM", uri("arn:aws:lambda:us-east-1:000000000000:function:whoami"))
	api, err := apig.ImportRestApi(ctx, &apigateway.ImportRestApiInput{Body: []byte(doc)})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := apig.CreateDeployment(ctx, &apigateway.CreateDeploymentInput{RestApiId: api.Id, StageName: aws.String("prod")}); err != nil {
		b.Fatal(err)
	}
	if _, err := lc.AddPermission(ctx, &lambda.AddPermissionInput{FunctionName: aws.String("whoami"), StatementId: aws.String("apigw"),
		Action: aws.String("lambda:InvokeFunction"), Principal: aws.String("apigateway.amazonaws.com"),
		SourceArn: aws.String("arn:aws:execute-api:us-east-1:000000000000:" + *api.Id + "/*/*/*")}); err != nil {
		b.Fatal(err)
	}
	tr, _ := sigv4client.New(sigv4client.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider(gatehousetest.AccessKeyID, gatehousetest.SecretAccessKey, "")})
	c := &http.Client{Transport: tr}
	url := srv.URL + "/restapis/" + *api.Id + "/prod/_user_request_/whoami"
	get(b, c, url) // cold start outside the measurement
	ds := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		get(b, c, url)
		ds = append(ds, time.Since(t0))
	}
	b.StopTimer()
	percentiles(b, ds)
}

// BenchmarkPlainHTTP is the baseline: the same handler logic served by a
// plain net/http server, called with the same signing client.
func BenchmarkPlainHTTP(b *testing.B) {
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := json.Marshal(map[string]any{"userArn": "arn:aws:iam::000000000000:root", "caller": "000000000000", "resource": "/whoami",
			"query": nil, "body": "", "base64": false})
		w.Header().Set("X-Fn", "whoami")
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}))
	defer hs.Close()
	tr, _ := sigv4client.New(sigv4client.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider(gatehousetest.AccessKeyID, gatehousetest.SecretAccessKey, "")})
	c := &http.Client{Transport: tr}
	get(b, c, hs.URL+"/whoami")
	ds := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		get(b, c, hs.URL+"/whoami")
		ds = append(ds, time.Since(t0))
	}
	b.StopTimer()
	percentiles(b, ds)
}

// BenchmarkInvokeWarm: the Invoke API (aws-sdk-go-v2) on a warm Go function.
func BenchmarkInvokeWarm(b *testing.B) {
	srv := startServer(b)
	ctx := context.Background()
	lc := lambda.NewFromConfig(awsConfig(srv.URL, gatehousetest.AccessKeyID, gatehousetest.SecretAccessKey, ""))
	dir := buildGoDir(b, "./runtime/testdata/gofn")
	if _, err := lc.CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String("gofn"), Role: aws.String(benchRole(b, srv)),
		Runtime: types.RuntimeProvidedal2023, Handler: aws.String("bootstrap"),
		Code: &types.FunctionCode{S3Bucket: aws.String("gatehouse-local-dir"), S3Key: aws.String(dir)}}); err != nil {
		b.Fatal(err)
	}
	if _, err := lc.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("gofn")}); err != nil {
		b.Fatal(err)
	}
	ds := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		if _, err := lc.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("gofn"), Payload: []byte(`{}`)}); err != nil {
			b.Fatal(err)
		}
		ds = append(ds, time.Since(t0))
	}
	b.StopTimer()
	percentiles(b, ds)
}

// BenchmarkColdStart: Invoke right after a configuration change, so every
// invocation starts a new instance (process, Runtime API, credentials).
func BenchmarkColdStart(b *testing.B) {
	for _, tc := range []struct{ name, runtime, handler, code string }{
		{"go", "provided.al2023", "bootstrap", ""},
		{"node", "nodejs20.x", "index.handler", "testdata/hello"},
		{"python", "python3.12", "app.handler", "runtime/testdata/python"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			srv := startServer(b)
			ctx := context.Background()
			lc := lambda.NewFromConfig(awsConfig(srv.URL, gatehousetest.AccessKeyID, gatehousetest.SecretAccessKey, ""))
			dir := tc.code
			if dir == "" {
				dir = buildGoDir(b, "./runtime/testdata/gofn")
			} else {
				dir = absPath(b, dir)
			}
			if _, err := lc.CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String("fn"), Role: aws.String(benchRole(b, srv)),
				Runtime: types.Runtime(tc.runtime), Handler: aws.String(tc.handler),
				Code: &types.FunctionCode{S3Bucket: aws.String("gatehouse-local-dir"), S3Key: aws.String(dir)}}); err != nil {
				b.Fatal(err)
			}
			ds := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				if _, err := lc.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{FunctionName: aws.String("fn"),
					Description: aws.String(time.Now().String())}); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				t0 := time.Now()
				out, err := lc.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("fn"), Payload: []byte(`{"x":1}`)})
				if err != nil || out.FunctionError != nil {
					b.Fatalf("%v %s", err, out.Payload)
				}
				ds = append(ds, time.Since(t0))
			}
			b.StopTimer()
			percentiles(b, ds)
		})
	}
}
