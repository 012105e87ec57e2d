package lambda

import (
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/awserr"
)

func TestCompileFilter(t *testing.T) {
	tests := []struct {
		pattern string
		ok      bool
		match   []string
		miss    []string
	}{
		{"", true, []string{"anything", ""}, nil},
		{"ERROR", true, []string{"an ERROR here"}, []string{"an error here"}},
		{`ERROR "user alice"`, true, []string{"ERROR for user alice"}, []string{"ERROR for user bob", "user alice"}},
		{"REPORT -Init", true, []string{"REPORT Duration: 1 ms"}, []string{"REPORT Init Duration: 5 ms"}},
		{"?ERROR ?WARN", true, []string{"WARN x", "ERROR y"}, []string{"INFO z"}},
		{`"unterminated`, false, nil, nil},
		{`{ $.level = "error" }`, false, nil, nil},
		{"[ip, user]", false, nil, nil},
		{"%err.*%", false, nil, nil},
		{"?a b", false, nil, nil},
		{`""`, false, nil, nil},
		{strings.Repeat("a", 1025), false, nil, nil},
	}
	for _, tt := range tests {
		m, err := compileFilter(tt.pattern)
		if (err == nil) != tt.ok {
			t.Errorf("%.40q: err %v", tt.pattern, err)
			continue
		}
		if err != nil {
			var e *awserr.Error
			if !awserrAs(err, &e) || e.Status != 400 {
				t.Errorf("%.40q: not a 400 AWS error: %v", tt.pattern, err)
			}
			continue
		}
		for _, s := range tt.match {
			if !m(s) {
				t.Errorf("%q does not match %q", tt.pattern, s)
			}
		}
		for _, s := range tt.miss {
			if m(s) {
				t.Errorf("%q matches %q", tt.pattern, s)
			}
		}
	}
}

func awserrAs(err error, e **awserr.Error) bool {
	x, ok := err.(*awserr.Error)
	*e = x
	return ok
}

// FuzzLogsInput: no token, filter pattern or request body makes the
// parsers panic, and a token decodes only to a position that round-trips.
func FuzzLogsInput(f *testing.F) {
	for _, s := range []string{"", "ERROR", `"a b" -c`, "?x ?y", `"`, "-", "?", encodeToken("f", position{1, 2}), encodeToken("b", position{0, 0}), "Zi8xLzI", `{"logGroupName":"x"}`, `{"limit":-1}`, `[]`, `{"a":1}{}`, `{"logGroupName":"x","retentionInDays":2}`, `{"logGroupName":"x","tags":{"a":"b"},"kmsKeyId":"k"}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		_, _ = compileFilter(s)
		if kind, p, err := decodeToken(s); err == nil {
			if k2, p2, err := decodeToken(encodeToken(kind, p)); err != nil || k2 != kind || p2 != p || p.ts < 0 || p.n < 0 {
				t.Errorf("token %q decodes to %s %+v, which does not round-trip", s, kind, p)
			}
		}
		var in struct {
			LogGroupName *string `json:"logGroupName"`
			Limit        *int    `json:"limit"`
		}
		_ = decode([]byte(s), &in)
	})
}
