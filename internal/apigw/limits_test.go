package apigw_test

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/reqbody"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/aws/aws-sdk-go-v2/service/apigateway/types"

	"github.com/gatehouse-dev/gatehouse/internal/apigw"
	"github.com/gatehouse-dev/gatehouse/internal/config"
	"github.com/gatehouse-dev/gatehouse/internal/gatehousetest"
	"github.com/gatehouse-dev/gatehouse/internal/store"
	"github.com/gatehouse-dev/gatehouse/internal/store/sqlite"
)

// definition is an OpenAPI document of n single-segment paths /p0…/pN-1.
func definition(n int) []byte {
	var b strings.Builder
	b.WriteString(`{"openapi":"3.0.1","info":{"title":"n","version":"1"},"paths":{`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"/p%d":{"get":{"x-amazon-apigateway-integration":{"type":"mock"}}}`, i)
	}
	b.WriteString(`}}`)
	return []byte(b.String())
}

const tooMany = "Maximum number of Resources for this API has been reached.  Please contact AWS if you need additional Resources."

// TestResourceQuota: an API has at most --apigw-max-resources resources,
// root included (AWS's default quota, 300), by import, merge or
// CreateResource, with AWS's LimitExceededException.
func TestResourceQuota(t *testing.T) {
	s := gatehousetest.Start(t)
	ctx := context.Background()
	// LimitExceededException is a 429, which SDKs retry with back-off.
	c := apigateway.New(apigateway.Options{Region: "us-east-1", BaseEndpoint: aws.String(s.URL), RetryMaxAttempts: 1,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) { return root, nil })})

	full, err := c.ImportRestApi(ctx, &apigateway.ImportRestApiInput{Body: definition(299)})
	if err != nil {
		t.Fatalf("299 paths + root: %v", err)
	}
	_, err = c.ImportRestApi(ctx, &apigateway.ImportRestApiInput{Body: definition(300)})
	wantAPIError(t, err, "LimitExceededException", tooMany)
	// Nested paths need their intermediate resources: 150 × 2 + root.
	var nested strings.Builder
	nested.WriteString(`{"openapi":"3.0.1","info":{"title":"n","version":"1"},"paths":{`)
	for i := range 150 {
		if i > 0 {
			nested.WriteByte(',')
		}
		fmt.Fprintf(&nested, `"/a%d/b":{"get":{}}`, i)
	}
	nested.WriteString(`}}`)
	_, err = c.ImportRestApi(ctx, &apigateway.ImportRestApiInput{Body: []byte(nested.String())})
	wantAPIError(t, err, "LimitExceededException", tooMany)

	_, err = c.CreateResource(ctx, &apigateway.CreateResourceInput{RestApiId: full.Id, ParentId: full.RootResourceId, PathPart: aws.String("one-more")})
	wantAPIError(t, err, "LimitExceededException", tooMany)
	_, err = c.PutRestApi(ctx, &apigateway.PutRestApiInput{RestApiId: full.Id, Mode: types.PutModeMerge,
		Body: []byte(`{"openapi":"3.0.1","info":{"title":"n","version":"1"},"paths":{"/new":{"get":{}}}}`)})
	wantAPIError(t, err, "LimitExceededException", tooMany)
	res, err := c.GetResources(ctx, &apigateway.GetResourcesInput{RestApiId: full.Id, Limit: aws.Int32(500)})
	if err != nil || len(res.Items) != 300 {
		t.Fatalf("resources after the refusals: %v %d, want 300", err, len(res.Items))
	}
	// Overwriting replaces the tree, so a full API can be re-imported.
	if _, err := c.PutRestApi(ctx, &apigateway.PutRestApiInput{RestApiId: full.Id, Mode: types.PutModeOverwrite, Body: definition(299)}); err != nil {
		t.Fatalf("overwrite with 299 paths: %v", err)
	}
}

// TestImportManyPaths: with the quota raised (serve --apigw-max-resources),
// 4,000 paths import through the real server.
func TestImportManyPaths(t *testing.T) {
	s := gatehousetest.Start(t, func(c *config.Config) { c.APIGWMaxResources = 10000 })
	ctx := context.Background()
	c := client(s, "us-east-1", root)
	start := time.Now()
	api, err := c.ImportRestApi(ctx, &apigateway.ImportRestApiInput{Body: definition(4000)})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("ImportRestApi of 4,000 paths: %v", time.Since(start))
	res, err := c.GetResources(ctx, &apigateway.GetResourcesInput{RestApiId: api.Id, Limit: aws.Int32(500), Position: aws.String("3800")})
	if err != nil || len(res.Items) != 201 || res.Position != nil {
		t.Fatalf("last page: %v %d items", err, len(res.Items))
	}
}

// TestImportStopsWhenClientGoes: the request context of an import ends
// when its client closes the connection, and the import stops. The body is
// sent chunked, as net/http (which the front hands such requests to)
// cancels a request's context when its connection closes.
func TestImportStopsWhenClientGoes(t *testing.T) {
	s := gatehousetest.Start(t, func(c *config.Config) { c.APIGWMaxResources = 10000 })
	started, cancelled := make(chan struct{}), make(chan struct{})
	defer apigw.SetImportProgress(func(ctx context.Context, done int) {
		if done != 0 {
			return
		}
		close(started)
		select {
		case <-ctx.Done():
			close(cancelled)
		case <-time.After(20 * time.Second): // a guard, not a synchronization
		}
	})()

	body := definition(3000)
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/restapis?mode=import", nil)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Transfer-Encoding", "chunked")
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(context.Background(), root, req, hex.EncodeToString(sum[:]), "apigateway", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("tcp", strings.TrimPrefix(s.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(conn)
	fmt.Fprintf(w, "POST /restapis?mode=import HTTP/1.1\r\nHost: %s\r\nTransfer-Encoding: chunked\r\n", req.Host)
	for _, h := range []string{"Authorization", "X-Amz-Date", "Content-Type"} {
		fmt.Fprintf(w, "%s: %s\r\n", h, req.Header.Get(h))
	}
	fmt.Fprintf(w, "\r\n%x\r\n%s\r\n0\r\n\r\n", len(body), body)
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-started:
	case <-time.After(20 * time.Second):
		t.Fatal("the import did not start")
	}
	conn.Close()
	select {
	case <-cancelled:
	case <-time.After(20 * time.Second):
		t.Fatal("the import's context did not end when its client went")
	}
}

// TestNoAuthorizerDenies is issue #12 item 17: a control plane built
// without an authorizer denies every operation instead of allowing every
// authenticated caller.
func TestNoAuthorizerDenies(t *testing.T) {
	ctx := context.Background()
	b, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "store.db"))
	if err != nil {
		t.Fatal(err)
	}
	st := store.New(b)
	defer st.Close()
	svc := apigw.New(apigw.Config{Store: st, Auth: anyCaller{}})
	for _, tc := range []struct{ method, path, body string }{
		{"GET", "/restapis", ""},
		{"POST", "/restapis", `{"name":"x"}`},
		{"POST", "/restapis?mode=import", string(definition(1))},
		{"PATCH", "/restapis/abcdefghij", `{"patchOperations":[]}`},
		{"POST", "/domainnames", `{"domainName":"api.example.com"}`},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			w := &recorder{header: http.Header{}}
			r, _ := http.NewRequestWithContext(ctx, tc.method, "http://gatehouse"+tc.path, strings.NewReader(tc.body))
			svc.ServeHTTP(w, r)
			if w.status != 403 || w.header.Get("X-Amzn-Errortype") != "AccessDeniedException" {
				t.Fatalf("got %d %s %s, want 403 AccessDeniedException", w.status, w.header.Get("X-Amzn-Errortype"), w.body.String())
			}
		})
	}
	recs, err := st.List(ctx, apigw.KindRestAPI, "")
	if err != nil || len(recs) != 0 {
		t.Fatalf("stored APIs: %v %d, want none", err, len(recs))
	}
}

type anyCaller struct{}

func (anyCaller) Authenticate(w http.ResponseWriter, r *http.Request, limit int64) (apigw.Caller, *reqbody.Body, error) {
	b, err := reqbody.New(reqbody.Limits{}).Read(w, r, limit)
	return apigw.Caller{Account: "000000000000", Region: "us-east-1", ARN: "arn:aws:iam::000000000000:user/u"}, b, err
}

type recorder struct {
	header http.Header
	status int
	body   strings.Builder
}

func (r *recorder) Header() http.Header { return r.header }
func (r *recorder) WriteHeader(s int) {
	if r.status == 0 {
		r.status = s
	}
}
func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = 200
	}
	return r.body.Write(b)
}
