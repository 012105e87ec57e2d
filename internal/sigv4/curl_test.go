package sigv4

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"testing"
	"time"
)

// TestCurlSigned verifies requests signed by curl --aws-sigv4 over
// loopback (spec §15). curl reads the real clock, so this verifier does too.
// curl before 8.14 signs the path without encoding it again, so only paths
// without '%' are used, and curl 7.x signs the query as sent (unsorted),
// so queries are already in canonical order.
func TestCurlSigned(t *testing.T) {
	if testing.Short() {
		t.Skip("runs curl")
	}
	curl, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("curl not installed")
	}
	v := New(Config{
		Service: propSvc, Region: propRegion,
		Now: time.Now,
		Resolver: ResolverFunc(func(akid, token string) (Credentials, error) {
			if akid != propAKID {
				return Credentials{}, ErrUnknownKey
			}
			return Credentials{SecretAccessKey: propSecret, Identity: token}, nil
		}),
	})
	results := make(chan error, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err == nil {
			req := FromHTTP(r, body)
			_, err = v.Verify(&req)
		}
		results <- err
	}))
	defer srv.Close()
	tests := []struct {
		name string
		args []string
	}{
		{"get", []string{srv.URL + "/dev/pets"}},
		{"sorted query", []string{srv.URL + "/dev/pets?a=1&b=x~y&limit=10"}},
		{"post body", []string{"-X", "POST", "-H", "Content-Type: application/json", "--data", `{"name":"rex"}`, srv.URL + "/dev/pets"}},
		{"extra headers", []string{"-H", "X-Custom:   padded   value  ", "-H", "X-Amz-Security-Token: tok123", srv.URL + "/dev/me"}},
		{"put", []string{"-X", "PUT", "--data-binary", "x", srv.URL + "/dev/pets/1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"-s", "-o", "/dev/null", "--aws-sigv4", "aws:amz:" + propRegion + ":" + propSvc,
				"--user", propAKID + ":" + propSecret}, tt.args...)
			out, err := exec.Command(curl, args...).CombinedOutput()
			if err != nil {
				t.Fatalf("curl: %v\n%s", err, out)
			}
			select {
			case err := <-results:
				if err != nil {
					t.Fatal(err)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("no request received")
			}
		})
	}
}
