package sigv4client

import (
	"bytes"
	"net/http"
	"os"
	"testing"

	"github.com/aws/aws-sdk-go-v2/credentials"
)

// An *os.File body that is a pipe (stdin of `cmd | gatehouse curl -d @-`)
// implements io.Seeker but cannot seek: it must be spooled, not rejected.
func TestPipeFileBodyIsSpooled(t *testing.T) {
	srv, last := newVerifyingServer(t, "us-east-1", "execute-api")
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	data := bytes.Repeat([]byte("pipe"), 1000)
	go func() { pw.Write(data); pw.Close() }()
	tr, err := New(Config{Credentials: credentials.StaticCredentialsProvider{Value: longTerm}, Region: "us-east-1"})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/p", pr)
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	got := last()
	if resp.StatusCode != 200 || got.err != nil || !bytes.Equal(got.body, data) {
		t.Fatalf("status %d, verify error %v, body %d bytes", resp.StatusCode, got.err, len(got.body))
	}
}
