package arn

import (
	"errors"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		want ARN
		err  error
	}{
		{"arn:aws:iam::123456789012:user/path/alice", ARN{"aws", "iam", "", "123456789012", "user/path/alice"}, nil},
		{"arn:aws:execute-api:us-east-1:123456789012:api/prod/GET/", ARN{"aws", "execute-api", "us-east-1", "123456789012", "api/prod/GET/"}, nil},
		{"arn:aws:s3:::bucket/key:with:colons", ARN{"aws", "s3", "", "", "bucket/key:with:colons"}, nil},
		{"arn:aws:sts::123456789012:assumed-role/R/S", ARN{"aws", "sts", "", "123456789012", "assumed-role/R/S"}, nil},
		{"arn:aws-cn:sqs:cn-north-1:1:q", ARN{"aws-cn", "sqs", "cn-north-1", "1", "q"}, nil},
		{"aws:iam::1:user/x", ARN{}, ErrNotARN},
		{"arn:aws:iam::1", ARN{}, ErrSegments},
		{"arn:aws:iam:1:user", ARN{}, ErrSegments},
		{"arn::iam::1:user/x", ARN{}, ErrEmptyPart},
		{"arn:aws:::1:user/x", ARN{}, ErrEmptyPart},
		{"arn:aws:iam::1:", ARN{}, ErrEmptyPart},
		{"arn:aws:iam::1:user/\x00", ARN{}, ErrInvalidChar},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := Parse(tt.in)
			if !errors.Is(err, tt.err) {
				t.Fatalf("Parse(%q) error = %v, want %v", tt.in, err, tt.err)
			}
			if got != tt.want {
				t.Fatalf("Parse(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
			if err == nil && got.String() != tt.in {
				t.Errorf("String() = %q, want %q", got.String(), tt.in)
			}
		})
	}
}

func TestMatch(t *testing.T) {
	tests := []struct {
		pattern, value string
		want           bool
	}{
		{"*", "arn:aws:s3:::b", true},
		{"*", "*", true},
		{"arn:aws:s3:::b/*/test/*", "arn:aws:s3:::b/1/2/test/3/x.jpg", true}, // UG-resource example
		{"arn:aws:s3:::b/*/test/*", "arn:aws:s3:::b/1/2/tes/3", false},
		// UG-condops ARN example: * does not cross the first five colons.
		{"arn:aws:svc:*:111122223333:finance/*", "arn:aws:svc:us-east-2:999999999999:store/abc:111122223333:finance/doc", false},
		{"arn:aws:svc:*:111122223333:finance/*", "arn:aws:svc:us-east-2:111122223333:finance/doc", true},
		{"arn:aws:execute-api:*:*:*", "arn:aws:execute-api:us-east-1:1:api/prod/GET/", true},
		{"arn:aws:execute-api:us-east-1:*:api1/*", "arn:aws:execute-api:us-east-1:1:api1/prod/GET/pets", true},
		{"arn:aws:execute-api:us-east-1:*:api1", "arn:aws:execute-api:us-east-1:1:api1/prod/GET/pets", false}, // bare api id
		{"arn:aws:execute-api:us-east-1:*:api1/*/GET/pets/?", "arn:aws:execute-api:us-east-1:1:api1/prod/GET/pets/7", true},
		{"arn:aws:execute-api:us-east-1:*:api1/*/GET/pets/?", "arn:aws:execute-api:us-east-1:1:api1/prod/GET/pets/17", false},
		{"arn:aws:iam::*:user/Alice", "arn:aws:iam::1:user/alice", false}, // case-sensitive
		{"arn:aws:iam::*:user/*", "arn:aws:iam::1:role/x", false},
		{"arn:aws:*:*:*:*", "arn:aws:sqs:r:1:q", true},
		{"arn:aws:s?s:*:*:*", "arn:aws:sqs:r:1:q", true},
		{"arn:aws:sqs:*:*:q", "not-an-arn", false},
		{"q*", "queue", true},
		{"arn:aws:sqs:*:*:*", "*", false},
		{"arn:aws:s3:::é?", "arn:aws:s3:::éü", true}, // ? is one character, not one byte
		{"", "", true},
		{"a**b", "ab", true},
		{"*a*b*c*", "xxaxxbxxcxx", true},
		{"*a*b*c*", "xxaxxcxxbxx", false},
	}
	for _, tt := range tests {
		if got := Match(tt.pattern, tt.value); got != tt.want {
			t.Errorf("Match(%q, %q) = %v, want %v", tt.pattern, tt.value, got, tt.want)
		}
	}
}

func TestGlobFold(t *testing.T) {
	if !GlobFold("iam:*accesskey*", "IAM:ListAccessKeys") {
		t.Error("GlobFold should ignore ASCII case")
	}
	if Glob("iam:*accesskey*", "IAM:ListAccessKeys") {
		t.Error("Glob must be case-sensitive")
	}
}

func TestMask(t *testing.T) {
	tests := []struct{ in, want string }{
		{"arn:aws:execute-api:us-west-2:123456782543:vd2gh6uqw3/api/GET/", "arn:aws:execute-api:us-west-2:********2543:vd2gh6uqw3/api/GET/"},
		{"arn:aws:s3:::bucket", "arn:aws:s3:::bucket"},
		{"anonymous", "anonymous"},
	}
	for _, tt := range tests {
		if got := MaskARN(tt.in); got != tt.want {
			t.Errorf("MaskARN(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got := MaskAccount("123456789012"); got != "********9012" {
		t.Errorf("MaskAccount = %q", got)
	}
}

func TestMatchAllocs(t *testing.T) {
	n := testing.AllocsPerRun(100, func() {
		Match("arn:aws:execute-api:us-east-1:*:api1/*/GET/pets/*", "arn:aws:execute-api:us-east-1:123456789012:api1/prod/GET/pets/1")
	})
	if n != 0 {
		t.Errorf("Match allocates %v times, want 0", n)
	}
}

// FuzzParse checks that Parse never panics, that a parsed ARN formats back
// to its input, and that a parsed ARN matches itself.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"arn:aws:iam::123456789012:user/alice", "arn:aws:s3:::b/k:x", "arn:aws:execute-api:us-east-1:1:a/b/GET/", "arn:::::", "arn:a:b:c:d:e*?"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := Parse(s)
		if err != nil {
			return
		}
		if a.String() != s {
			t.Fatalf("String() = %q, want %q", a.String(), s)
		}
		if !Match("*", s) {
			t.Fatal("* must match every ARN")
		}
		// A value always matches itself when it holds no wildcards.
		plain := true
		for i := 0; i < len(s); i++ {
			if s[i] == '*' || s[i] == '?' {
				plain = false
			}
		}
		if plain && !Match(s, s) {
			t.Fatalf("Match(%q, itself) = false", s)
		}
	})
}

// FuzzMatch compares Match with a simple recursive reference matcher.
func FuzzMatch(f *testing.F) {
	f.Add("arn:aws:s3:::b/*/test/*", "arn:aws:s3:::b/1/2/test/3/x.jpg")
	f.Add("*a?b*", "xxaybxx")
	f.Add("arn:aws:svc:*:1:f/*", "arn:aws:svc:r:9:s/a:1:f/d")
	f.Fuzz(func(t *testing.T, p, v string) {
		if len(p) > 64 || len(v) > 64 {
			return
		}
		got := Glob(p, v)
		if want := refGlob(p, v); got != want {
			t.Fatalf("Glob(%q, %q) = %v, reference %v", p, v, got, want)
		}
		Match(p, v)
	})
}

// refGlob is a memoised recursive reference matcher ("*" consumes whole
// characters, "?" one character).
func refGlob(p, v string) bool {
	memo := map[[2]int]bool{}
	var rec func(pi, vi int) bool
	rec = func(pi, vi int) bool {
		key := [2]int{pi, vi}
		if r, ok := memo[key]; ok {
			return r
		}
		var r bool
		switch {
		case pi == len(p):
			r = vi == len(v)
		case p[pi] == '*':
			for i := vi; ; i += runeLen(v, i) {
				if rec(pi+1, i) {
					r = true
					break
				}
				if i >= len(v) {
					break
				}
			}
		case p[pi] == '?':
			r = vi < len(v) && rec(pi+1, vi+runeLen(v, vi))
		default:
			r = vi < len(v) && p[pi] == v[vi] && rec(pi+1, vi+1)
		}
		memo[key] = r
		return r
	}
	return rec(0, 0)
}

func BenchmarkMatch(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		Match("arn:aws:execute-api:us-east-1:*:api1/*/GET/pets/*", "arn:aws:execute-api:us-east-1:123456789012:api1/prod/GET/pets/1")
	}
}
