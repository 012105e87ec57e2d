package gateway

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// BenchmarkUpstream compares, in one run, gatehouse's upstream client (the
// HTTP_PROXY fast path and its RoundTripper face) with net/http's
// Transport (as tuned by NewTransport, and with the guard of
// --upstream-client=net/http), one request at a time to a small-JSON
// backend on loopback.
func BenchmarkUpstream(b *testing.B) {
	body := []byte(`{"id":1,"name":"gatehouse","tags":["a","b"],"ok":true}`)
	be := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}))
	defer be.Close()
	host := be.Listener.Addr().String()
	buf := make([]byte, 32<<10)
	b.Run("gatehouse-fast", func(b *testing.B) {
		u := newUpstream()
		h := http.Header{}
		hdr := http.Header{"Accept": {"application/json"}, "User-Agent": {"bench"}}
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			clear(h)
			var rh respHead
			req := upRequest{method: "GET", host: host, uri: "/data", header: hdr}
			pc, err := u.roundTrip(&req, time.Now().Add(29*time.Second), h, &rh)
			if err != nil {
				b.Fatal(err)
			}
			if err := u.finish(pc, io.Discard, &rh, buf); err != nil || rh.status != 200 {
				b.Fatal(rh.status, err)
			}
		}
	})
	rt := func(b *testing.B, t http.RoundTripper) {
		req, _ := http.NewRequest("GET", be.URL+"/data", nil)
		req.Header = http.Header{"Accept": {"application/json"}, "User-Agent": {"bench"}}
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			resp, err := t.RoundTrip(req)
			if err != nil {
				b.Fatal(err)
			}
			_, err = io.CopyBuffer(writerOnly{io.Discard}, resp.Body, buf)
			resp.Body.Close()
			if err != nil || resp.StatusCode != 200 {
				b.Fatal(resp.StatusCode, err)
			}
		}
	}
	b.Run("gatehouse-roundtripper", func(b *testing.B) { rt(b, newUpstream()) })
	b.Run("net-http", func(b *testing.B) { rt(b, NewTransport()) })
	b.Run("net-http-guarded", func(b *testing.B) { rt(b, NetHTTPTransport()) })
}
