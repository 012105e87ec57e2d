package policy

import (
	"math"
	"testing"
)

// Dates that only IAM's legacy parser accepts are stored, so they must also
// evaluate: each is compared against aws:CurrentTime like a documented one.
func TestLegacyDateEvaluates(t *testing.T) {
	tests := []struct {
		op, value string
		want      Effect
	}{
		{"DateGreaterThan", "2020-1-1t0", Allowed},                // 2020-01-01T00:00Z < now
		{"DateLessThan", "2020-1-1t0", ImplicitDeny},              // not before it
		{"DateLessThan", "2099-12-31t23:59:59.5+01", Allowed},     // far future, +01:00
		{"DateGreaterThan", "-292275054", Allowed},                // saturates at the earliest time
		{"DateLessThan", "-292275054", ImplicitDeny},              // nothing is earlier
		{"DateLessThan", "9223372036854775807", Allowed},          // epoch seconds, saturated
		{"DateGreaterThan", "2026-11-22T12:00:00Z", ImplicitDeny}, // documented form, equal
	}
	ctx := &Context{}
	ctx.Set("aws:CurrentTime", "2026-11-22T12:00:00Z")
	for _, tt := range tests {
		doc := `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"` + tt.op + `":{"aws:CurrentTime":"` + tt.value + `"}}}}`
		in := &Input{ResourceAccount: acct, Identity: []Named{{Name: "p", Policy: mustParse(t, TypeIdentity, doc)}}}
		d := Evaluate(in, &Request{Principal: pAlice, Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k", Context: ctx})
		if d.Effect != tt.want {
			t.Errorf("%s %q: %s, want %s", tt.op, tt.value, d.Effect, tt.want)
		}
	}
}

func TestLegacyDateValues(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"01T", math.MinInt64, true}, // year 1, before the int64 range
		{"2016-12-13t2:00:00.593194+23", (1481594400-23*3600)*1e9 + 593194000, true},
		{"1970-01-01t00:00:01z", 1e9, true},
		{"1970-01-01t00:00:00+05:30", -(5*3600 + 30*60) * 1e9, true},
		{"1700000000", 1700000000 * 1e9, true},
		{"292278993-1", math.MaxInt64, true},
		{"-292275054", math.MinInt64, true},
		{"2016-12-13t2:00z", 0, false}, // a zone only after seconds
		{"2016-12-13t24", 0, false},
		{"2016-13", 0, false},
		{"2016-12-32", 0, false},
		{"2016-12-13t2:00:00+1", 0, false},
		{"2016-12-13t2:00:00-05:00", 0, false},
		{"2016-12-13t2:00:00.", 0, false},
		{"t", 0, false},
		{"-", 0, false},
		{"12a", 0, false},
		{"", 0, false},
	}
	for _, tt := range tests {
		got, ok := legacyDate(tt.in)
		if ok != tt.ok || ok && got != tt.want {
			t.Errorf("legacyDate(%q) = %d, %v; want %d, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}
