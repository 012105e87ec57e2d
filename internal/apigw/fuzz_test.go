package apigw

import (
	"context"
	"os"
	"testing"
	"time"
)

// FuzzParseDefinition: any input is either refused with an error or
// translated into methods whose integrations passed validation.
func FuzzParseDefinition(f *testing.F) {
	for _, p := range []string{"testdata/terraform.json", "testdata/swagger.yaml"} {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"openapi":"3.0.1","info":{"title":"x","version":"1"},"paths":{"/{a+}":{"x-amazon-apigateway-any-method":{}}}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		type res struct {
			im  *Import
			err error
		}
		done := make(chan res, 1)
		go func() {
			im, err := ParseDefinition(context.Background(), b)
			done <- res{im, err}
		}()
		var r res
		select {
		case r = <-done:
		case <-time.After(5 * time.Second):
			t.Fatalf("ParseDefinition hangs on %q", b)
		}
		im, err := r.im, r.err
		if err != nil {
			return
		}
		for p, ms := range im.Paths {
			for verb, m := range ms {
				if m.HTTPMethod != verb {
					t.Fatalf("%s %s: method %q", verb, p, m.HTTPMethod)
				}
				if in := m.MethodIntegration; in != nil && !validIntegrationTypes[in.Type] {
					t.Fatalf("%s %s: integration type %q", verb, p, in.Type)
				}
			}
		}
	})
}

// FuzzNormalizePolicy: a normalized policy normalizes to itself.
func FuzzNormalizePolicy(f *testing.F) {
	f.Add(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*"}]}`)
	f.Add(`{\"Version\":\"2012-10-17\",\"Statement\":[]}`)
	f.Fuzz(func(t *testing.T, s string) {
		out, err := NormalizePolicy(s, "us-east-1", "123456789012", "abcdefghij")
		if err != nil || out == "" {
			return
		}
		again, err := NormalizePolicy(out, "us-east-1", "123456789012", "abcdefghij")
		if err != nil || again != out {
			t.Fatalf("not idempotent: %q -> %q (%v)", out, again, err)
		}
		back, err := NormalizePolicy(EscapePolicy(out), "us-east-1", "123456789012", "abcdefghij")
		if err != nil || back != out {
			t.Fatalf("escaped form does not round-trip: %q -> %q (%v)", out, back, err)
		}
	})
}
