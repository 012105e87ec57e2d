package sts

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/awsproto"
)

// BenchmarkWriteAssumeRole measures rendering an AssumeRole response, the
// hot path of awsproto's XML writer.
func BenchmarkWriteAssumeRole(b *testing.B) {
	size := 42
	res := &assumeRoleResult{
		Credentials: credsXML(Credentials{AccessKeyID: "ASIAQAAAAAAAAEXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
			SessionToken: strings.Repeat("AQoDYXdzEJr//////////wEaoAK1wvxJY12r2IrDFT2IvAzTCn3zHoZ7YNtpiQLF0MqZye/qwjzP2iEXAMPLE", 2),
			Expiration:   time.Unix(1700000000, 0)}),
		AssumedRoleUser:  xmlAssumedRoleUser{AssumedRoleId: "AROAQAAAAAAAAEXAMPLE:bench", Arn: "arn:aws:sts::000000000000:assumed-role/bench/bench"},
		PackedPolicySize: &size,
	}
	r := httptest.NewRequest("POST", "/", nil)
	r = r.WithContext(awsproto.WithMeta(r.Context(), &awsproto.Meta{RequestID: "00000000-0000-4000-8000-000000000000"}))
	w := &discard{h: http.Header{}}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		awsproto.WriteQuery(w, r, awsproto.STSNamespace, "AssumeRole", res)
	}
}

type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(b []byte) (int, error) { return len(b), nil }
func (d *discard) WriteHeader(int)             {}
