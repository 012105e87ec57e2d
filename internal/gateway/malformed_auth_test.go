package gateway_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// authAPI has one AWS_IAM method and one NONE method, both HTTP_PROXY to
// the echo backend, and no greedy resource (unknown paths stay unrouted).
const authAPI = `{"openapi": "3.0.1", "info": {"title": "auth", "version": "1"},
 "paths": {
  "/pets": {"get": {"security": [{"sigv4": []}],
   "x-amazon-apigateway-integration": {"type": "http_proxy", "httpMethod": "GET", "uri": "BACKEND/pets"}}},
  "/open": {"get": {
   "x-amazon-apigateway-integration": {"type": "http_proxy", "httpMethod": "GET", "uri": "BACKEND/open"}}}},
 "components": {"securitySchemes": {"sigv4": {"type": "apiKey", "name": "Authorization", "in": "header", "x-amazon-apigateway-authtype": "awsSigv4"}}}}`

// TestMalformedAuthorization is spec sigv4.md §12.1 rows 1–4 through the
// real server: every §2 parse failure answers IncompleteSignatureException
// with its exact text on an AWS_IAM method and on every kind of unmatched
// route; an unmatched route with no header or a well-formed one answers
// Missing Authentication Token; a NONE method never parses the header.
func TestMalformedAuthorization(t *testing.T) {
	e := newEnv(t)
	id := e.importAPI(authAPI, "dev")
	const (
		incomplete = "IncompleteSignatureException"
		missing    = "MissingAuthenticationTokenException"
		mat        = "Missing Authentication Token"
		amzDate    = "20260314T120000Z"
		cred       = "Credential=AKIDEXAMPLE/20260314/us-east-1/execute-api/aws4_request"
		sig        = "Signature=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
		jwt        = "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"
		needCred   = "Authorization header requires 'Credential' parameter. "
		needSig    = "Authorization header requires 'Signature' parameter. "
		needSH     = "Authorization header requires 'SignedHeaders' parameter. "
		needDate   = "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
	)
	noEq := func(piece, whole string) string {
		return "'" + piece + "' not a valid key=value pair (missing equal-sign) in Authorization header: '" + whole + "'."
	}
	spapi := "Authorization: AWS4-HMAC-SHA256 " + cred + ", SignedHeaders=host;x-amz-date, " + sig
	noSig := "AWS4-HMAC-SHA256 " + cred + ", SignedHeaders=host;x-amz-date"
	tight := "AWS4-HMAC-SHA256 " + cred + ",SignedHeaders=host;x-amz-date"
	full := "AWS4-HMAC-SHA256 " + cred + ", SignedHeaders=host;x-amz-date, " + sig
	sigv4a := "AWS4-ECDSA-P256-SHA256 " + cred + ", SignedHeaders=host;x-amz-date, " + sig

	malformed := []struct {
		name   string
		header map[string]string
		msg    string
	}{
		{"bearer", map[string]string{"Authorization": "Bearer x"}, noEq("x", "Bearer x")},
		{"bearer padded", map[string]string{"Authorization": "  Bearer x  "}, noEq("x", "Bearer x")},
		{"basic", map[string]string{"Authorization": "Basic dXNlcjpwYXNz"}, noEq("dXNlcjpwYXNz", "Basic dXNlcjpwYXNz")},
		{"bare jwt", map[string]string{"Authorization": jwt}, needCred + needSig + needSH + needDate + "Authorization=" + jwt},
		{"header name in value", map[string]string{"Authorization": spapi, "X-Amz-Date": amzDate}, noEq("AWS4-HMAC-SHA256", spapi)},
		{"algorithm only", map[string]string{"Authorization": "AWS4-HMAC-SHA256"}, needCred + needSig + needSH + needDate + "Authorization=AWS4-HMAC-SHA256"},
		{"no signature", map[string]string{"Authorization": noSig, "X-Amz-Date": amzDate}, needSig + "Authorization=" + noSig},
		{"no signature no date", map[string]string{"Authorization": noSig}, needSig + needDate + "Authorization=" + noSig},
		{"comma without space", map[string]string{"Authorization": tight, "Date": "Sat, 14 Mar 2026 12:00:00 GMT"}, needSig + "Authorization=" + tight},
		{"no date header", map[string]string{"Authorization": full}, needDate + "Authorization=" + full},
		{"unsupported algorithm", map[string]string{"Authorization": sigv4a, "X-Amz-Date": amzDate}, "Unsupported AWS 'algorithm': 'AWS4-ECDSA-P256-SHA256' (only AWS4-HMAC-SHA256 for now). "},
	}

	base := "/restapis/" + id + "/dev/_user_request_"
	type target struct {
		name, path, method, host string
	}
	unrouted := []target{
		{"unknown path", base + "/nothere/x", "", ""},
		{"unsupported verb", base + "/pets", "DELETE", ""},
		{"unknown stage", "/restapis/" + id + "/prod/_user_request_/pets", "", ""},
		{"unknown api path form", "/restapis/zzzzzzzzzz/dev/_user_request_/pets", "", ""},
		{"unknown api host form", "/dev/pets", "", "zzzzzzzzzz.execute-api.localhost"},
		{"unknown path host form", "/dev/nothere", "", id + ".execute-api.localhost"},
	}
	iamMethod := []target{
		{"iam method path form", base + "/pets", "", ""},
		{"iam method host form", "/dev/pets", "", id + ".execute-api.localhost"},
	}

	for _, c := range malformed {
		for _, tg := range append(append([]target{}, iamMethod...), unrouted...) {
			t.Run(c.name+"/"+tg.name, func(t *testing.T) {
				r := e.call(tg.path, callOpt{method: tg.method, host: tg.host, header: c.header})
				wantError(t, r, 403, incomplete, "message", c.msg)
				if want, _ := json.Marshal(map[string]string{"message": c.msg}); r.body != string(want) {
					t.Errorf("body bytes %q, want %q", r.body, want)
				}
				if ct := r.header.Get("Content-Type"); ct != "application/json" {
					t.Errorf("Content-Type = %q", ct)
				}
			})
		}
		// NONE method: the header is not parsed and reaches the backend
		// unless it looks like SigV4 (spec apigw-notes: dropped then).
		t.Run(c.name+"/none method", func(t *testing.T) {
			r := e.call(base+"/open", callOpt{header: c.header})
			if r.status != 200 || r.header.Get("x-amzn-ErrorType") != "" {
				t.Fatalf("status %d type %q body %s", r.status, r.header.Get("x-amzn-ErrorType"), r.body)
			}
			var got echoed
			if err := json.Unmarshal([]byte(r.body), &got); err != nil {
				t.Fatalf("backend body %q: %v", r.body, err)
			}
			sent := strings.TrimSpace(c.header["Authorization"])
			want := []string{sent}
			if strings.HasPrefix(sent, "AWS4-") {
				want = nil
			}
			if g := got.Header["Authorization"]; strings.Join(g, "|") != strings.Join(want, "|") {
				t.Errorf("backend Authorization = %q, want %q", g, want)
			}
			if got.Path != "/open" {
				t.Errorf("backend path %q", got.Path)
			}
		})
	}

	// Not malformed: no header, an empty one, a well-formed SigV4 header
	// (valid, or with a bad date, a short credential or an unknown key: §2
	// parses them, later steps would fail) — row 1 on every unmatched route.
	rootSigned := e.root
	// A current date, so that the short credential is what a full
	// verification would trip on (not the clock skew).
	now := time.Now().UTC().Format("20060102T150405Z")
	notMalformed := []struct {
		name   string
		header map[string]string
		signed bool
	}{
		{"no header", nil, false},
		{"blank header", map[string]string{"Authorization": " "}, false},
		{"signed", nil, true},
		{"bad date", map[string]string{"Authorization": full, "X-Amz-Date": "yesterday"}, false},
		{"short credential", map[string]string{"Authorization": "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260314, SignedHeaders=host;x-amz-date, " + sig, "X-Amz-Date": now}, false},
		{"unknown key", map[string]string{"Authorization": full, "X-Amz-Date": now}, false},
	}
	for _, c := range notMalformed {
		for _, tg := range unrouted {
			t.Run(c.name+"/"+tg.name, func(t *testing.T) {
				o := callOpt{method: tg.method, host: tg.host, header: c.header}
				if c.signed {
					o.creds = &rootSigned
				}
				wantError(t, e.call(tg.path, o), 403, missing, "message", mat)
			})
		}
	}

	// On the AWS_IAM method those same headers go through the whole
	// pipeline (spec sigv4.md §14): the later steps answer.
	t.Run("iam method/bad date", func(t *testing.T) {
		r := e.call(base+"/pets", callOpt{header: map[string]string{"Authorization": full, "X-Amz-Date": "yesterday"}})
		wantError(t, r, 403, incomplete, "message", "Date must be in ISO-8601 'basic format'. Got 'yesterday'. See http://en.wikipedia.org/wiki/ISO_8601")
	})
	t.Run("iam method/no header", func(t *testing.T) {
		wantError(t, e.call(base+"/pets", callOpt{}), 403, missing, "message", mat)
	})
	t.Run("iam method/signed", func(t *testing.T) {
		if r := e.call(base+"/pets", callOpt{creds: &rootSigned}); r.status != 200 {
			t.Fatalf("status %d: %s", r.status, r.body)
		}
	})
}
