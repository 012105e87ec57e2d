package server

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/metrics"
)

// BenchmarkDispatchOverhead measures what the listener adds in front of the
// execute-api gateway: classification, request id, metrics and the status
// recorder, against calling the same handler directly.
func BenchmarkDispatchOverhead(b *testing.B) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(200) })
	s := New(Services{Gateway: ok}, slog.New(slog.NewTextHandler(io.Discard, nil)), metrics.New())
	r := httptest.NewRequest("GET", "/restapis/abc123defg/prod/_user_request_/pets", nil)
	r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260101/us-east-1/execute-api/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc")
	w := httptest.NewRecorder()
	b.Run("server", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			s.ServeHTTP(w, r)
		}
	})
	b.Run("direct", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			ok.ServeHTTP(w, r)
		}
	})
}
