package config

import (
	"strings"
	"testing"
	"time"
)

func TestStalenessBounds(t *testing.T) {
	tests := []struct {
		name          string
		max, timeout  time.Duration
		wantErrSubstr string
	}{
		{"defaults", 30 * time.Second, 5 * time.Second, ""},
		{"tight but valid", 2 * time.Second, time.Second, ""},
		{"zero bound", 0, 5 * time.Second, "--max-staleness"},
		{"under a second", 500 * time.Millisecond, 100 * time.Millisecond, "--max-staleness"},
		{"not longer than the store timeout", 5 * time.Second, 5 * time.Second, "--max-staleness"},
		{"zero store timeout", 30 * time.Second, 0, "--store-timeout"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := Default()
			c.MaxStaleness, c.StoreTimeout = tc.max, tc.timeout
			err := c.Validate()
			switch {
			case tc.wantErrSubstr == "" && err != nil:
				t.Errorf("Validate = %v, want nil", err)
			case tc.wantErrSubstr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErrSubstr)):
				t.Errorf("Validate = %v, want an error about %s", err, tc.wantErrSubstr)
			}
		})
	}
	if d := Default(); d.MaxStaleness != 30*time.Second || d.StoreTimeout != 5*time.Second {
		t.Errorf("defaults = %s, %s; want 30s, 5s", d.MaxStaleness, d.StoreTimeout)
	}
}
