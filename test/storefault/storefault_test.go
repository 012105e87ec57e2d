// Package storefault drives a real gatehouse whose embedded SQLite store
// cannot write (another process holds the writers' lock, as a backup tool
// or a stuck sqlite3 shell would) and checks that writes fail fast with
// each surface's ServiceUnavailable, never commit later, and that health
// says so.
package storefault

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/smithy-go"

	"github.com/gatehouse-dev/gatehouse/internal/config"
	"github.com/gatehouse-dev/gatehouse/internal/gatehousetest"

	_ "modernc.org/sqlite"
)

func awsConfig() aws.Config {
	return aws.Config{Region: gatehousetest.Region,
		Credentials: credentials.NewStaticCredentialsProvider(gatehousetest.AccessKeyID, gatehousetest.SecretAccessKey, ""),
		// One attempt: the test looks at the answer, not at the SDK's retries.
		Retryer: func() aws.Retryer { return aws.NopRetryer{} }}
}

// apiError returns the AWS error code and HTTP status of err.
func apiError(err error) (string, int) {
	var ae smithy.APIError
	var re *awshttp.ResponseError
	code, status := "", 0
	if errors.As(err, &ae) {
		code = ae.ErrorCode()
	}
	if errors.As(err, &re) {
		status = re.HTTPStatusCode()
	}
	return code, status
}

// health returns /_gatehouse/health's status code and body.
func health(t *testing.T, url string) (int, map[string]any) {
	t.Helper()
	resp, err := http.Get(url + "/_gatehouse/health")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("health body %s: %v", b, err)
	}
	return resp.StatusCode, m
}

func TestWritesFailFastAndNeverCommitLaterWhenSQLiteCannotWrite(t *testing.T) {
	srv := gatehousetest.Start(t, func(c *config.Config) { c.StoreTimeout = time.Second })
	ctx := context.Background()
	cfg := awsConfig()
	iamc := iam.NewFromConfig(cfg, func(o *iam.Options) { o.BaseEndpoint = aws.String(srv.URL) })
	apig := apigateway.NewFromConfig(cfg, func(o *apigateway.Options) { o.BaseEndpoint = aws.String(srv.URL) })

	// Another process takes the writers' lock and keeps it.
	db, err := sql.Open("sqlite", "file:"+filepath.Join(srv.DataDir, "gatehouse.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	lock, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	if _, err := lock.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	locked := true
	release := func() {
		if locked {
			locked = false
			if _, err := lock.ExecContext(ctx, "ROLLBACK"); err != nil {
				t.Fatal(err)
			}
		}
	}
	defer release()

	writes := []struct {
		name       string
		call       func() error
		wantCode   string
		wantStatus int
	}{
		{"iam CreateUser", func() error {
			_, err := iamc.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("ghost")})
			return err
		}, "ServiceUnavailable", 503},
		{"apigateway CreateRestApi", func() error {
			_, err := apig.CreateRestApi(ctx, &apigateway.CreateRestApiInput{Name: aws.String("ghost")})
			return err
		}, "ServiceUnavailableException", 503},
	}
	for _, w := range writes {
		t.Run(w.name, func(t *testing.T) {
			start := time.Now()
			err := w.call()
			code, status := apiError(err)
			if code != w.wantCode || status != w.wantStatus {
				t.Errorf("write while the store cannot write = %s %d (%v), want %s %d", code, status, err, w.wantCode, w.wantStatus)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("write took %s with --store-timeout 1s: it hung", d)
			}
		})
	}

	status, h := health(t, srv.URL)
	st, _ := h["store"].(map[string]any)
	if status != 503 || h["status"] != "degraded" || st["writable"] != false || !strings.Contains(strings.Join(reasons(h), "\n"), "store cannot write") {
		t.Errorf("health while the store cannot write = %d %v, want 503 degraded, writable false, a reason", status, h)
	}
	// Reads are served from the snapshots meanwhile.
	if _, err := iamc.ListUsers(ctx, &iam.ListUsersInput{}); err != nil {
		t.Errorf("ListUsers while writes fail = %v, want served", err)
	}

	release()
	if _, err := iamc.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("after")}); err != nil {
		t.Fatalf("CreateUser after the lock is released = %v", err)
	}
	if status, h := health(t, srv.URL); status != 200 || h["status"] != "ok" {
		t.Errorf("health after recovery = %d %v, want 200 ok", status, h)
	}
	// The writes answered 503 did not commit later.
	if _, err := iamc.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("ghost")}); err == nil {
		t.Error("user ghost exists: a write answered ServiceUnavailable committed later")
	} else if code, _ := apiError(err); code != "NoSuchEntity" {
		t.Errorf("GetUser ghost = %v, want NoSuchEntity", err)
	}
	apis, err := apig.GetRestApis(ctx, &apigateway.GetRestApisInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(apis.Items) != 0 {
		t.Errorf("REST APIs = %d, want 0: a write answered ServiceUnavailable committed later", len(apis.Items))
	}
}

func reasons(h map[string]any) []string {
	var out []string
	rs, _ := h["reasons"].([]any)
	for _, r := range rs {
		s, _ := r.(string)
		out = append(out, s)
	}
	return out
}
