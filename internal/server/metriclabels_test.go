package server_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/gatehousetest"
)

// TestMetricLabelsAreBounded floods every surface with requests whose
// operation-bearing parts (Action, Version, path, credential scope) are
// random, unsigned or wrongly signed, and checks that the metrics page
// gains no series and none of the random values (issue #12 item 7: 300
// unsigned requests took the server from 34 to 202 MiB and the page to
// 1.26 GB).
func TestMetricLabelsAreBounded(t *testing.T) {
	srv := gatehousetest.Start(t)
	client := &http.Client{Timeout: 30 * time.Second}
	rng := rand.New(rand.NewPCG(1, 2))
	token := func() string { return fmt.Sprintf("Zq%016x", rng.Uint64()) }
	scope := func(service string) string {
		return "AWS4-HMAC-SHA256 Credential=AKIAGATEHOUSETEST001/20260101/us-east-1/" + service +
			"/aws4_request, SignedHeaders=host;x-amz-date, Signature=" + strings.Repeat("0", 64)
	}
	send := func(method, target, body, authz string) {
		t.Helper()
		var rd io.Reader
		if body != "" {
			rd = strings.NewReader(body)
		}
		r, err := http.NewRequest(method, srv.URL+target, rd)
		if err != nil {
			t.Fatal(err)
		}
		if body != "" {
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		if authz != "" {
			r.Header.Set("Authorization", authz)
			r.Header.Set("X-Amz-Date", "20260101T000000Z")
		}
		resp, err := client.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	form := func(kv ...string) string {
		v := url.Values{}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v.Encode()
	}
	// Each kind of request, with fresh random values every call.
	kinds := []func(){
		func() { send("POST", "/", form("Action", token(), "Version", "2010-05-08"), "") },           // unsigned IAM
		func() { send("POST", "/", form("Action", token(), "Version", "2011-06-15"), "") },           // unsigned STS
		func() { send("POST", "/", form("Action", token(), "Version", token()), "") },                // unsigned, any version
		func() { send("GET", "/?"+form("Action", token(), "Version", "2011-06-15"), "", "") },        // query string
		func() { send("POST", "/", form("Action", token(), "Version", "2010-05-08"), scope("iam")) }, // bad signature, IAM
		func() { send("POST", "/", form("Action", token(), "Version", "2011-06-15"), scope("sts")) }, // bad signature, STS
		func() { send("GET", "/restapis/"+token()+"/"+token(), "", scope("apigateway")) },            // API Gateway
		func() { send("GET", "/2015-03-31/functions/"+token()+"/"+token(), "", scope("lambda")) },    // Lambda
		func() { send("GET", "/"+token()+"/"+token(), "", scope(token())) },                          // unknown scope service
		func() { send("GET", "/"+token(), "", "") },                                                  // data plane
		func() { send("GET", "/restapis/"+token()+"/"+token()+"/_user_request_/"+token(), "", "") },  // data plane path form
		func() { send("GET", "/_gatehouse/"+token(), "", "") },                                       // gatehouse
		func() { send(token()[:8], "/_gatehouse/health", "", "") },                                   // any method
	}
	scrape := func() (series map[string]bool, size int) {
		t.Helper()
		resp, err := client.Get(srv.URL + "/_gatehouse/metrics")
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(body, []byte("Zq")) {
			i := bytes.Index(body, []byte("Zq"))
			t.Fatalf("a request's random value became a label: %s", body[max(0, i-200):i+20])
		}
		series = map[string]bool{}
		sc := bufio.NewScanner(bytes.NewReader(body))
		for sc.Scan() {
			line := sc.Text()
			if !strings.HasPrefix(line, "gatehouse_") {
				continue
			}
			series[line[:strings.LastIndexByte(line, ' ')]] = true
		}
		return series, len(body)
	}
	// Warm up: every kind a few times, so every label combination the
	// flood can reach exists (the scrape itself is a request too).
	for i := 0; i < 5; i++ {
		for _, k := range kinds {
			k()
		}
	}
	scrape()
	before, sizeBefore := scrape()
	const flood = 3000
	for i := 0; i < flood; i++ {
		kinds[i%len(kinds)]()
	}
	after, sizeAfter := scrape()
	for s := range after {
		if !before[s] {
			t.Errorf("got a new series after the flood: %s", s)
		}
	}
	// Counters gain digits; nothing else grows.
	if sizeAfter > sizeBefore+4096 {
		t.Errorf("got a metrics page of %d bytes after %d requests, %d before", sizeAfter, flood, sizeBefore)
	}
	if len(after) > 400 {
		t.Errorf("got %d gatehouse series, want a small bounded set", len(after))
	}
}
