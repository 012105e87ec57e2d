package iam

import (
	"regexp"
	"testing"
)

func TestIDsCarryTheAccount(t *testing.T) {
	re := regexp.MustCompile(`^(AKIA|ASIA)[A-Z2-7]{16}$`)
	for _, acct := range []string{"000000000000", "000000000001", "123456789012", "999999999999", "111122223333"} {
		for _, prefix := range []string{"AKIA", "ASIA"} {
			id := NewID(prefix, acct, 20)
			if !re.MatchString(id) {
				t.Fatalf("%s: malformed %s", acct, id)
			}
			if got, ok := AccountFromKeyID(id); !ok || got != acct {
				t.Fatalf("%s: decoded %q %v from %s", acct, got, ok, id)
			}
		}
		if id := NewID("AIDA", acct, 21); len(id) != 21 {
			t.Fatalf("unique id %s", id)
		}
	}
	for _, bad := range []string{"", "AKIA", "AKIA00000000000000000", "AKIA!!!!!!!!!!!!!!!!"} {
		if _, ok := AccountFromKeyID(bad); ok {
			t.Fatalf("decoded %q", bad)
		}
	}
	if s := NewSecret(); len(s) != 40 {
		t.Fatalf("secret length %d", len(s))
	}
}

func TestEncodeDoc(t *testing.T) {
	cases := map[string]string{
		`{"a": "*"}`:  `%7B%22a%22%3A%20%22%2A%22%7D`,
		`a+b/c~d_e.f`: `a%2Bb%2Fc~d_e.f`,
	}
	for in, want := range cases {
		if got := encodeDoc(in); got != want {
			t.Errorf("encodeDoc(%q) = %q, want %q", in, got, want)
		}
	}
}
