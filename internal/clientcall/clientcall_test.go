package clientcall

import (
	"context"
	"encoding/pem"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// The client commands read their settings as serve does: the environment
// gives the default, a flag overrides it.
func TestFlagsPrecedence(t *testing.T) {
	tests := []struct {
		name         string
		env          map[string]string
		args         []string
		endpoint, dd string
	}{
		{"defaults are serve's", nil, nil, "http://127.0.0.1:4566", "./.gatehouse"},
		{"GATEHOUSE_LISTEN", map[string]string{"GATEHOUSE_LISTEN": "127.0.0.1:9000", "GATEHOUSE_DATA_DIR": "/srv/gh"}, nil, "http://127.0.0.1:9000", "/srv/gh"},
		{"AWS_ENDPOINT_URL wins over GATEHOUSE_LISTEN", map[string]string{"GATEHOUSE_LISTEN": "127.0.0.1:9000", "AWS_ENDPOINT_URL": "http://gh:1"}, nil, "http://gh:1", "./.gatehouse"},
		{"the service's own variable wins", map[string]string{"AWS_ENDPOINT_URL": "http://gh:1", "AWS_ENDPOINT_URL_LOGS": "http://logs:2"}, nil, "http://logs:2", "./.gatehouse"},
		{"another service's variable does not", map[string]string{"AWS_ENDPOINT_URL_IAM": "http://iam:3"}, nil, "http://127.0.0.1:4566", "./.gatehouse"},
		{"flags win", map[string]string{"AWS_ENDPOINT_URL_LOGS": "http://logs:2", "GATEHOUSE_DATA_DIR": "/srv/gh"}, []string{"--endpoint-url", "http://flag:4", "--data-dir", "/d"}, "http://flag:4", "/d"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := flag.NewFlagSet("x", flag.ContinueOnError)
			var tg Target
			Flags(fs, &tg, "logs", func(k string) string { return tt.env[k] })
			if err := fs.Parse(tt.args); err != nil {
				t.Fatal(err)
			}
			if tg.Endpoint != tt.endpoint || tg.DataDir != tt.dd {
				t.Errorf("got %q %q, want %q %q", tg.Endpoint, tg.DataDir, tt.endpoint, tt.dd)
			}
		})
	}
}

// With no credentials anywhere in the AWS chain, the data dir's generated
// root credentials sign; with none there either, the error says where
// credentials may come from.
func TestResolveFallsBackToDataDir(t *testing.T) {
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"} {
		t.Setenv(k, "")
	}
	t.Setenv("AWS_CONFIG_FILE", "/dev/null")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_DEFAULT_REGION", "")
	dir := t.TempDir()
	var notice strings.Builder
	tg := Target{DataDir: dir, Stderr: &notice}
	if _, _, err := tg.Resolve(context.Background()); err == nil || !strings.Contains(err.Error(), filepath.Join(dir, "credentials")) {
		t.Fatalf("no credentials: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "credentials"), []byte("[default]\naws_access_key_id = AKIAEXAMPLEEXAMPLE00\naws_secret_access_key = "+strings.Repeat("s", 40)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	creds, region, err := tg.Resolve(context.Background())
	if err != nil || creds.AccessKeyID != "AKIAEXAMPLEEXAMPLE00" || region != "us-east-1" || !strings.Contains(notice.String(), "using the root credentials in") {
		t.Errorf("fallback: %v %q %q %q", err, creds.AccessKeyID, region, notice.String())
	}
	// Credentials in the environment come first.
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIAENVIRONMENT00000")
	t.Setenv("AWS_SECRET_ACCESS_KEY", strings.Repeat("e", 40))
	tg.Stderr = io.Discard
	if creds, _, err := tg.Resolve(context.Background()); err != nil || creds.AccessKeyID != "AKIAENVIRONMENT00000" {
		t.Errorf("environment: %v %q", err, creds.AccessKeyID)
	}
}

// TestPostTrustsCABundle: Post reaches a TLS server whose certificate only
// AWS_CA_BUNDLE vouches for, fails without it, and says which setting is
// wrong when the bundle is unreadable or holds no certificate.
func TestPostTrustsCABundle(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }))
	defer srv.Close()
	dir := t.TempDir()
	ca := filepath.Join(dir, "ca.pem")
	os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600)
	junk := filepath.Join(dir, "junk.pem")
	os.WriteFile(junk, []byte("not a certificate"), 0o600)
	creds := aws.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "secret"}
	post := func() (*Response, error) {
		return Post(context.Background(), srv.URL, "logs", "us-east-1", creds, nil, []byte("{}"))
	}

	t.Setenv("AWS_CA_BUNDLE", "")
	if _, err := post(); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("without the bundle: %v", err)
	}
	t.Setenv("AWS_CA_BUNDLE", ca)
	if r, err := post(); err != nil || r.Status != 200 || string(r.Body) != "ok" {
		t.Fatalf("with the bundle: %+v %v", r, err)
	}
	for _, bad := range []string{junk, filepath.Join(dir, "missing.pem")} {
		t.Setenv("AWS_CA_BUNDLE", bad)
		if _, err := post(); err == nil || !strings.HasPrefix(err.Error(), "AWS_CA_BUNDLE: ") {
			t.Fatalf("bundle %s: %v", bad, err)
		}
	}
}
