package server

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/metrics"
)

func TestClassify(t *testing.T) {
	auth := func(svc string) string {
		return "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260101/us-west-2/" + svc + "/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc"
	}
	tests := []struct {
		name, method, target, host, authz, want string
	}{
		{"health", "GET", "/_gatehouse/health", "localhost", "", SurfaceGatehouse},
		{"iam", "POST", "/", "localhost", auth("iam"), SurfaceIAM},
		{"sts", "POST", "/", "localhost", auth("sts"), SurfaceSTS},
		{"apigateway", "GET", "/restapis", "localhost", auth("apigateway"), SurfaceAPIGateway},
		{"lambda", "GET", "/2015-03-31/functions", "localhost", auth("lambda"), SurfaceLambda},
		{"execute-api signed", "GET", "/prod/pets", "api.internal", auth("execute-api"), SurfaceExecuteAPI},
		{"host form wins over scope", "GET", "/prod/x", "abc123defg.execute-api.us-east-1.amazonaws.com", auth("iam"), SurfaceExecuteAPI},
		{"host form with port", "GET", "/prod/x", "abc123defg.execute-api.localhost:4566", "", SurfaceExecuteAPI},
		{"path form", "GET", "/restapis/abc123defg/prod/_user_request_/pets", "localhost", auth("execute-api"), SurfaceExecuteAPI},
		{"function URL host", "GET", "/x", "abcdefghijklmnopqrstuvwxyz012345.lambda-url.us-east-1.on.aws", "", SurfaceLambda},
		{"function URL host signed", "POST", "/", "abcdefghijklmnopqrstuvwxyz012345.lambda-url.us-east-1.localhost:4566", auth("execute-api"), SurfaceLambda},
		{"function URL path form", "GET", "/_lambda_url/abcdefghijklmnopqrstuvwxyz012345/x", "localhost", "", SurfaceLambda},
		{"path form root", "GET", "/restapis/abc123defg/prod/_user_request_", "localhost", "", SurfaceExecuteAPI},
		{"presigned query", "GET", "/?Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20260101%2Fus-east-1%2Fsts%2Faws4_request", "localhost", "", SurfaceSTS},
		{"unsigned", "GET", "/prod/pets", "api.internal", "", ""},
		{"s3 path style", "GET", "/bucket/key", "127.0.0.1:4566", auth("s3"), SurfaceS3},
		{"s3 virtual host signed", "GET", "/key", "bucket.localhost:4566", auth("s3"), SurfaceS3},
		{"s3 virtual host unsigned", "GET", "/key", "my.bucket.s3.localhost:4566", "", SurfaceS3},
		{"s3 regional host unsigned", "GET", "/key", "b.s3.us-west-2.amazonaws.com", "", SurfaceS3},
		{"s3 presigned", "GET", "/b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20260101%2Fus-east-1%2Fs3%2Faws4_request", "localhost", "", SurfaceS3},
		{"unsigned path style stays the data plane's", "GET", "/bucket/key", "localhost:4566", "", ""},
		{"execute-api host is never a bucket", "GET", "/prod/x", "abc123defg.execute-api.localhost", "", SurfaceExecuteAPI},
		{"ssm", "POST", "/", "localhost", auth("ssm"), SurfaceSSM},
		{"malformed authorization", "GET", "/prod/pets", "api.internal", "Bearer x", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, tt.target, nil)
			r.Host = tt.host
			if tt.authz != "" {
				r.Header.Set("Authorization", tt.authz)
			}
			if got := Classify(r); got != tt.want {
				t.Errorf("Classify = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestUnsignedQueryRouting(t *testing.T) {
	var got []string
	mark := func(name string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			got = append(got, name+":"+string(body))
		})
	}
	s := New(Services{IAM: mark("iam"), STS: mark("sts"), Gateway: mark("gw")}, slog.New(slog.NewTextHandler(io.Discard, nil)), metrics.New())
	send := func(body string) {
		r := httptest.NewRequest("POST", "/", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		s.ServeHTTP(httptest.NewRecorder(), r)
	}
	send("Action=AssumeRoleWithWebIdentity&Version=2011-06-15&WebIdentityToken=x")
	send("Action=ListUsers&Version=2010-05-08")
	send(`{"not":"a form"}`)
	want := []string{
		"sts:Action=AssumeRoleWithWebIdentity&Version=2011-06-15&WebIdentityToken=x", // body handed on intact
		"iam:Action=ListUsers&Version=2010-05-08",
		`gw:{"not":"a form"}`,
	}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

func TestNilServiceAnswersUnknownOperationPerProtocol(t *testing.T) {
	s := New(Services{}, slog.New(slog.NewTextHandler(io.Discard, nil)), metrics.New())
	tests := []struct {
		name, target, authz, body, wantType, wantBody string
		status                                        int
	}{
		{"iam", "/", "iam", "Action=Frobnicate&Version=2010-05-08", "", "<Code>InvalidAction</Code><Message>Could not find operation Frobnicate for version 2010-05-08</Message>", 400},
		{"lambda", "/2015-03-31/nothing", "lambda", "", "UnknownOperationException", `{"message":"Unknown operation"}`, 400},
		{"gateway", "/prod/x", "", "", "MissingAuthenticationTokenException", `{"message":"Missing Authentication Token"}`, 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", tt.target, strings.NewReader(tt.body))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if tt.authz != "" {
				r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260101/us-east-1/"+tt.authz+"/aws4_request, SignedHeaders=host, Signature=00")
			}
			w := httptest.NewRecorder()
			s.ServeHTTP(w, r)
			if w.Code != tt.status || !strings.Contains(w.Body.String(), tt.wantBody) || w.Header().Get("x-amzn-ErrorType") != tt.wantType {
				t.Errorf("got %d %q %q", w.Code, w.Header().Get("x-amzn-ErrorType"), w.Body)
			}
			if w.Header().Get("x-amzn-RequestId") == "" {
				t.Errorf("no request id")
			}
		})
	}
}

func TestPanicBecomesInternalFailure(t *testing.T) {
	s := New(Services{Lambda: http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") })},
		slog.New(slog.NewTextHandler(io.Discard, nil)), metrics.New())
	r := httptest.NewRequest("GET", "/2015-03-31/functions", nil)
	r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260101/us-east-1/lambda/aws4_request, SignedHeaders=host, Signature=00")
	w := httptest.NewRecorder()
	s.ServeHTTP(w, r)
	if w.Code != 500 || strings.Contains(w.Body.String(), "boom") || w.Header().Get("x-amzn-ErrorType") != "InternalFailure" {
		t.Errorf("got %d %q", w.Code, w.Body)
	}
}
