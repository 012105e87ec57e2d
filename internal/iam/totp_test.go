package iam

import (
	"encoding/base32"
	"testing"
	"time"
)

// TestTOTPVectors checks the TOTP configuration against RFC 6238
// Appendix B (SHA-1 seed "12345678901234567890"), whose 8-digit values end
// in the 6-digit codes AWS's virtual devices show.
func TestTOTPVectors(t *testing.T) {
	seed := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString([]byte("12345678901234567890"))
	for _, tc := range []struct {
		unix int64
		code string // last 6 digits of the RFC's 8-digit value
	}{
		{59, "287082"},
		{1111111109, "081804"},
		{1111111111, "050471"},
		{1234567890, "005924"},
		{2000000000, "279037"},
		{20000000000, "353130"},
	} {
		step := stepOf(time.Unix(tc.unix, 0))
		if got := totpStep(seed, tc.code, step, step); got != step {
			t.Errorf("T=%d: code %s not accepted at step %d", tc.unix, tc.code, step)
		}
		if got := totpStep(seed, tc.code, step+1, step+2); got != -1 {
			t.Errorf("T=%d: code accepted at a later step %d", tc.unix, got)
		}
	}
}
