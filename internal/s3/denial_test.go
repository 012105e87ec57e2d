package s3_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/gatehouse-dev/gatehouse/internal/gatehousetest"
)

// TestDenialCarriesNoObjectHeaders: the frame sets the headers of an
// output an error carries (GetObject's ETag and Last-Modified on a failed
// precondition), so a caller denied s3:GetObject must get a bare
// AccessDenied whatever the request's conditions and range: no ETag,
// Last-Modified, metadata, range or object bytes — nothing that tells it
// the object exists or what it holds. The allowed caller gets the
// headers, which shows the requests reach the object.
func TestDenialCarriesNoObjectHeaders(t *testing.T) {
	srv := gatehousetest.Start(t)
	ctx := context.Background()
	root := rootS3(srv)
	if _, err := root.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("vault")}); err != nil {
		t.Fatal(err)
	}
	put, err := root.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("vault"), Key: aws.String("k"),
		Body: strings.NewReader("the secret"), Metadata: map[string]string{"owner": "alice"}})
	if err != nil {
		t.Fatal(err)
	}
	etag := *put.ETag
	nk, ns := user(t, srv, "nobody", "")
	nobody := aws.Credentials{AccessKeyID: nk, SecretAccessKey: ns}
	ak, as := user(t, srv, "reader", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`)
	reader := aws.Credentials{AccessKeyID: ak, SecretAccessKey: as}
	leaks := []string{"ETag", "Last-Modified", "X-Amz-Meta-Owner", "Content-Range", "Accept-Ranges"}
	for _, method := range []string{http.MethodGet, http.MethodHead} {
		for name, hdr := range map[string]map[string]string{
			"plain":                  nil,
			"If-Match wrong":         {"If-Match": `"0123"`},
			"If-None-Match its ETag": {"If-None-Match": etag},
			"If-Modified-Since":      {"If-Modified-Since": "Sat, 01 Jan 2000 00:00:00 GMT"},
			"Range":                  {"Range": "bytes=0-3"},
		} {
			send := func(creds aws.Credentials) (*http.Response, string) {
				req, err := http.NewRequest(method, srv.URL+"/vault/k", http.NoBody)
				if err != nil {
					t.Fatal(err)
				}
				for k, v := range hdr {
					req.Header.Set(k, v)
				}
				sum := sha256.Sum256(nil)
				req.Header.Set("X-Amz-Content-Sha256", hex.EncodeToString(sum[:]))
				gatehousetest.Sign(t, req, creds, "s3", nil)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				b, _ := io.ReadAll(resp.Body)
				return resp, string(b)
			}
			resp, body := send(nobody)
			if resp.StatusCode != http.StatusForbidden {
				t.Errorf("%s %s denied caller: status %d, want 403", method, name, resp.StatusCode)
			}
			for _, h := range leaks {
				if v := resp.Header.Get(h); v != "" {
					t.Errorf("%s %s denied caller: header %s: %s", method, name, h, v)
				}
			}
			if strings.Contains(body, "secret") || strings.Contains(body, "alice") {
				t.Errorf("%s %s denied caller: body %q", method, name, body)
			}
			if resp, _ := send(reader); resp.Header.Get("ETag") != etag {
				t.Errorf("%s %s allowed caller: status %d, ETag %q, want %s", method, name, resp.StatusCode, resp.Header.Get("ETag"), etag)
			}
		}
	}
}
