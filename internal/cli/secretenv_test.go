package cli

import (
	"strings"
	"testing"
)

func TestParseSecrets(t *testing.T) {
	tests := []struct {
		name, in string
		want     map[string]string
		err      bool
	}{
		{"empty", "", map[string]string{}, false},
		{"two", "GATEHOUSE_MASTER_KEY=a=b\x00GATEHOUSE_STORE=postgres://u:p@h/d\x00", map[string]string{"GATEHOUSE_MASTER_KEY": "a=b", "GATEHOUSE_STORE": "postgres://u:p@h/d"}, false},
		{"first wins", "GATEHOUSE_MASTER_KEY=1\x00GATEHOUSE_MASTER_KEY=2\x00", map[string]string{"GATEHOUSE_MASTER_KEY": "1"}, false},
		{"not a secret", "PATH=/bin\x00", nil, true},
		{"no equals", "GATEHOUSE_MASTER_KEY\x00", nil, true},
		{"too large", "GATEHOUSE_MASTER_KEY=" + strings.Repeat("a", maxSecrets), nil, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseSecrets([]byte(tc.in))
			if (err != nil) != tc.err {
				t.Fatalf("err = %v, want error %v", err, tc.err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			for k, v := range tc.want {
				if got[k] != v {
					t.Errorf("%s = %q, want %q", k, got[k], v)
				}
			}
		})
	}
}

// FuzzParseSecrets: never panics, and what it accepts are secret
// variables only.
func FuzzParseSecrets(f *testing.F) {
	f.Add([]byte("GATEHOUSE_MASTER_KEY=abc\x00GATEHOUSE_ROOT_SECRET_ACCESS_KEY=x\x00"))
	f.Add([]byte("AWS_SESSION_TOKEN==\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := parseSecrets(b)
		if err != nil {
			return
		}
		for k := range m {
			if !isSecretEnv(k) {
				t.Fatalf("accepted %q", k)
			}
		}
	})
}
