package server

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/metrics"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// TestStaleNodeRefusesEverySurface: past --max-staleness no surface's
// handler runs; each answers its own ServiceUnavailable, and gatehouse's
// own endpoints keep answering.
func TestStaleNodeRefusesEverySurface(t *testing.T) {
	ran := false
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { ran = true })
	s := New(Services{IAM: h, STS: h, APIGateway: h, Lambda: h, Gateway: h,
		Unavailable: func() error { return &store.StaleError{View: "iam"} },
		Health:      func() (bool, any) { return false, map[string]string{"status": "unavailable"} },
	}, slog.New(slog.NewTextHandler(io.Discard, nil)), metrics.New())
	auth := func(svc string) string {
		return "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260101/us-east-1/" + svc + "/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc"
	}
	tests := []struct {
		name, method, target, authz, body string
		wantType, wantBody                string
	}{
		{"iam", "POST", "/", auth("iam"), "Action=ListUsers&Version=2010-05-08", "", "<Code>ServiceUnavailable</Code>"},
		{"sts", "POST", "/", auth("sts"), "Action=GetCallerIdentity&Version=2011-06-15", "", "<Code>ServiceUnavailable</Code>"},
		{"sts web identity, unsigned", "POST", "/", "", "Action=AssumeRoleWithWebIdentity&Version=2011-06-15", "", "<Code>ServiceUnavailable</Code>"},
		{"apigateway", "GET", "/restapis", auth("apigateway"), "", "ServiceUnavailableException", `"message"`},
		{"lambda", "GET", "/2015-03-31/functions", auth("lambda"), "", "ServiceException", `"Type":"Service"`},
		{"execute-api NONE route", "GET", "/restapis/abc123defg/prod/_user_request_/pets", "", "", "ServiceUnavailableException", `{"message":"Service Unavailable"}`},
		{"execute-api signed", "GET", "/restapis/abc123defg/prod/_user_request_/pets", auth("execute-api"), "", "ServiceUnavailableException", `{"message":"Service Unavailable"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ran = false
			r := httptest.NewRequest(tc.method, tc.target, strings.NewReader(tc.body))
			if tc.body != "" {
				r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
			if tc.authz != "" {
				r.Header.Set("Authorization", tc.authz)
			}
			w := httptest.NewRecorder()
			s.ServeHTTP(w, r)
			if ran {
				t.Error("the surface's handler ran on a stale node")
			}
			if w.Code != 503 || w.Header().Get("x-amzn-ErrorType") != tc.wantType || !strings.Contains(w.Body.String(), tc.wantBody) {
				t.Errorf("got %d %q %s, want 503 %q containing %s", w.Code, w.Header().Get("x-amzn-ErrorType"), w.Body, tc.wantType, tc.wantBody)
			}
		})
	}
	w := httptest.NewRecorder()
	s.ServeHTTP(w, httptest.NewRequest("GET", "/_gatehouse/health", nil))
	if w.Code != 503 || !strings.Contains(w.Body.String(), `"unavailable"`) {
		t.Errorf("health = %d %s, want 503 with the report", w.Code, w.Body)
	}
	w = httptest.NewRecorder()
	s.ServeHTTP(w, httptest.NewRequest("GET", "/_gatehouse/metrics", nil))
	if w.Code != 200 {
		t.Errorf("metrics = %d, want 200 on a stale node", w.Code)
	}
}
