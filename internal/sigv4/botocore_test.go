package sigv4

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"os/exec"
	"strings"
	"testing"
)

// TestBotocoreSigned verifies requests signed by python3 botocore's
// SigV4Auth and SigV4QueryAuth (testdata/botocore_sign.py): an independent
// signer that normalizes paths and may sign a Date header (spec §15).
func TestBotocoreSigned(t *testing.T) {
	if testing.Short() {
		t.Skip("runs python3")
	}
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not installed")
	}
	out, err := exec.Command(py, "testdata/botocore_sign.py").Output()
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.ExitCode() == 3 {
		t.Skip("botocore not installed")
	}
	if err != nil {
		t.Fatalf("botocore_sign.py: %v", err)
	}
	var cases []struct {
		Name, Method, URL, Body, Token string
		Headers                        [][2]string
		Presigned                      bool
	}
	if err := json.Unmarshal(out, &cases); err != nil {
		t.Fatal(err)
	}
	if len(cases) < 10 {
		t.Fatalf("only %d cases", len(cases))
	}
	v := testVerifier(func(c *Config) {
		c.Resolver = ResolverFunc(func(akid, token string) (Credentials, error) {
			return Credentials{SecretAccessKey: propSecret}, nil
		})
	})
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			// The URL as sent on the wire, split without decoding.
			rest := c.URL[strings.Index(c.URL, "://")+3:]
			host, target := rest, "/"
			if i := strings.IndexByte(rest, '/'); i >= 0 {
				host, target = rest[:i], rest[i:]
			}
			path, query, _ := strings.Cut(target, "?")
			body, err := base64.StdEncoding.DecodeString(c.Body)
			if err != nil {
				t.Fatal(err)
			}
			h := http.Header{}
			for _, kv := range c.Headers {
				h.Add(kv[0], kv[1])
			}
			req := &Request{Method: c.Method, RawPath: path, RawQuery: query, Host: host, Header: h, Body: body}
			res, err := v.Verify(req)
			if err != nil {
				t.Fatalf("%s %s: %v", c.Method, c.URL, err)
			}
			if res.Presigned != c.Presigned || res.SessionToken != c.Token || res.Service != propSvc {
				t.Errorf("result %+v", res)
			}
			req.Method += "X"
			if _, err := v.Verify(req); err == nil {
				t.Error("changed method still verifies")
			}
		})
	}
}
