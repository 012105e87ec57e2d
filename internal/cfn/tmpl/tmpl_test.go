package tmpl

import (
	"fmt"
	"strings"
	"testing"
)

// TestAliasBomb: nested aliases that would expand to a billion values are
// refused, not expanded.
func TestAliasBomb(t *testing.T) {
	var b strings.Builder
	b.WriteString("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i < 10; i++ {
		b.WriteString("a" + string(rune('0'+i)) + ": &a" + string(rune('0'+i)) + " [")
		for j := 0; j < 10; j++ {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString("*a" + string(rune('0'+i-1)))
		}
		b.WriteString("]\n")
	}
	if _, err := Parse([]byte(b.String())); err == nil || !strings.Contains(err.Error(), "too many values") {
		t.Fatalf("err = %v", err)
	}
}

func TestShortForms(t *testing.T) {
	tests := []struct{ in, want string }{
		{"v: !Ref X", `map[Ref:X]`},
		{"v: !GetAtt A.B.C", `map[Fn::GetAtt:[A B.C]]`},
		{"v: !GetAtt [A, B]", `map[Fn::GetAtt:[A B]]`},
		{"v: !Sub ['${a}', {a: 1}]", `map[Fn::Sub:[${a} map[a:1]]]`},
		{"v: !If [C, !Ref A, !Ref AWS::NoValue]", `map[Fn::If:[C map[Ref:A] map[Ref:AWS::NoValue]]]`},
		{"v: 2012-10-17", `2012-10-17`},
		{"v: 0x10", `16`},
	}
	for _, tt := range tests {
		m, err := Parse([]byte(tt.in))
		if err != nil {
			t.Fatalf("%s: %v", tt.in, err)
		}
		if got := strings.TrimSpace(sprint(m["v"])); got != tt.want {
			t.Errorf("%s: %s, want %s", tt.in, got, tt.want)
		}
	}
}

func sprint(v any) string {
	if s, ok := String(v); ok {
		return s
	}
	return fmt.Sprint(v)
}
