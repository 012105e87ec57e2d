package cfn

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestResponseURLOneRequest: a ResponseURL answers its own pending
// request once; a second PUT, an unknown token, another method or a
// response naming another request are refused or fail the request.
func TestResponseURLOneRequest(t *testing.T) {
	s := &Service{custom: newResponder()}
	p := &pending{stackID: "S", requestID: "R", logical: "L", done: make(chan customResponse, 1)}
	tok := s.custom.add(p)
	put := func(method, token, body string) int {
		w := httptest.NewRecorder()
		s.serveResponse(w, httptest.NewRequest(method, ResponsePath+token, strings.NewReader(body)))
		return w.Code
	}
	good := `{"Status":"SUCCESS","PhysicalResourceId":"x","StackId":"S","RequestId":"R","LogicalResourceId":"L"}`
	if c := put(http.MethodGet, tok, ""); c != 403 {
		t.Errorf("GET: %d", c)
	}
	if c := put(http.MethodPut, strings.Repeat("0", 64), good); c != 403 {
		t.Errorf("unknown token: %d", c)
	}
	if c := put(http.MethodPut, tok, good); c != 200 {
		t.Fatalf("answer: %d", c)
	}
	if r := <-p.done; r.Status != "SUCCESS" || r.PhysicalResourceID != "x" {
		t.Errorf("response %+v", r)
	}
	if c := put(http.MethodPut, tok, good); c != 403 {
		t.Errorf("second answer: %d", c)
	}
	p2 := &pending{stackID: "S", requestID: "R2", logical: "L", done: make(chan customResponse, 1)}
	tok2 := s.custom.add(p2)
	if c := put(http.MethodPut, tok2, good); c != 200 {
		t.Fatalf("answer: %d", c)
	}
	if r := <-p2.done; r.Status != "FAILED" || !strings.Contains(r.Reason, "does not match") {
		t.Errorf("response for another request: %+v", r)
	}
	if c := put(http.MethodPut, s.custom.add(p), strings.Repeat("x", maxResponse+1)); c != 400 {
		t.Errorf("oversized: %d", c)
	}
}
