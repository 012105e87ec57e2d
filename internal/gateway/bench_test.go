package gateway_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	apitypes "github.com/aws/aws-sdk-go-v2/service/apigateway/types"
)

const benchAPI = `{"openapi": "3.0.1", "info": {"title": "bench", "version": "1"},
 "paths": {
  "/open": {"get": {"x-amazon-apigateway-integration": {"type": "http_proxy", "httpMethod": "GET", "uri": "BACKEND/data"}}},
  "/iam": {"get": {"security": [{"sigv4": []}], "x-amazon-apigateway-integration": {"type": "http_proxy", "httpMethod": "GET", "uri": "BACKEND/data"}}},
  "/users/{id}/items/{item}": {"get": {"x-amazon-apigateway-integration": {"type": "mock", "requestTemplates": {"application/json": "{\"statusCode\": 200}"}, "responses": {"default": {"statusCode": "200"}}}}},
  "/{proxy+}": {"x-amazon-apigateway-any-method": {"x-amazon-apigateway-integration": {"type": "mock"}}}
 },
 "components": {"securitySchemes": {"sigv4": {"type": "apiKey", "name": "Authorization", "in": "header", "x-amazon-apigateway-authtype": "awsSigv4"}}}}`

// benchBackend answers a small JSON document, like bench/backend.
func benchBackend() *httptest.Server {
	body := []byte(`{"id":1,"name":"gatehouse","ok":true}`)
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}))
}

type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(b []byte) (int, error) { return len(b), nil }
func (d *discard) WriteHeader(c int) {
	if c != 200 {
		nonOK.Add(1)
	}
}

var nonOK atomic.Int64

func benchServe(b *testing.B, h http.Handler, mk func() *http.Request) {
	b.ReportAllocs()
	nonOK.Store(0)
	b.Cleanup(func() {
		if n := nonOK.Load(); n > 0 {
			b.Errorf("%d responses were not 200", n)
		}
	})
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		w := &discard{h: http.Header{}}
		for pb.Next() {
			clear(w.h)
			h.ServeHTTP(w, mk())
		}
	})
}

// BenchmarkGateway compares, in one run, the whole server handler on a
// NONE route, on an AWS_IAM route with a signed request (signed once and
// replayed), and a plain httputil.ReverseProxy to the same backend.
func BenchmarkGateway(b *testing.B) {
	e := newEnv(b)
	be := benchBackend()
	defer be.Close()
	e.be.Close()
	e.be = be
	id := e.importAPI(benchAPI, "dev")
	// AWS's default throttle (10,000 rps) would cut a benchmark short.
	_, err := e.apig.UpdateStage(context.Background(), &apigateway.UpdateStageInput{RestApiId: aws.String(id), StageName: aws.String("dev"),
		PatchOperations: []apitypes.PatchOperation{
			{Op: apitypes.OpReplace, Path: aws.String("/*/*/throttling/rateLimit"), Value: aws.String("1000000")},
			{Op: apitypes.OpReplace, Path: aws.String("/*/*/throttling/burstLimit"), Value: aws.String("1000000")}}})
	if err != nil {
		b.Fatal(err)
	}
	h := e.srv.App.Handler
	base := "http://" + id + ".execute-api.localhost/dev"

	b.Run("none", func(b *testing.B) {
		benchServe(b, h, func() *http.Request {
			r := httptest.NewRequest(http.MethodGet, base+"/open", nil)
			return r
		})
	})
	b.Run("none_noncanonical_path", func(b *testing.B) {
		// The slow path of canonicalPath: "//" and a trailing "/"
		// collapsed, "%65" decoded (still /open).
		benchServe(b, h, func() *http.Request {
			return httptest.NewRequest(http.MethodGet, base+"//op%65n/", nil)
		})
	})
	b.Run("aws_iam", func(b *testing.B) {
		signed := httptest.NewRequest(http.MethodGet, base+"/iam", nil)
		if err := v4.NewSigner().SignHTTP(context.Background(), e.root, signed, emptyHash, "execute-api", "us-east-1", time.Now()); err != nil {
			b.Fatal(err)
		}
		hdr := signed.Header.Clone()
		r0 := httptest.NewRecorder()
		rq := httptest.NewRequest(http.MethodGet, base+"/iam", nil)
		rq.Header = hdr.Clone()
		h.ServeHTTP(r0, rq)
		if r0.Code != 200 {
			b.Fatalf("signed request: %d %s", r0.Code, r0.Body)
		}
		benchServe(b, h, func() *http.Request {
			r := httptest.NewRequest(http.MethodGet, base+"/iam", nil)
			r.Header = hdr.Clone()
			return r
		})
	})
	b.Run("reverseproxy", func(b *testing.B) {
		u, _ := url.Parse(be.URL)
		rp := httputil.NewSingleHostReverseProxy(u)
		benchServe(b, rp, func() *http.Request {
			return httptest.NewRequest(http.MethodGet, "http://localhost/data", nil)
		})
	})
	b.Run("mock_route_params", func(b *testing.B) {
		benchServe(b, h, func() *http.Request {
			return httptest.NewRequest(http.MethodGet, base+"/users/42/items/7", nil)
		})
	})
}

const emptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
