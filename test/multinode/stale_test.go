package multinode

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	"github.com/jackc/pgx/v5"

	"github.com/gatehouse-dev/gatehouse/internal/config"
	"github.com/gatehouse-dev/gatehouse/internal/gatehousetest"
)

// node is a set of single-attempt clients for one gatehouse node.
type node struct {
	url    string
	iam    *iam.Client
	sts    *sts.Client
	apigw  *apigateway.Client
	lambda *lambda.Client
}

func newNode(url, key, secret string) node {
	cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider(key, secret, ""),
		// One attempt: the test looks at each answer, not at the SDK's retries.
		Retryer: func() aws.Retryer { return aws.NopRetryer{} }}
	return node{url: url,
		iam:    iam.NewFromConfig(cfg, func(o *iam.Options) { o.BaseEndpoint = aws.String(url) }),
		sts:    sts.NewFromConfig(cfg, func(o *sts.Options) { o.BaseEndpoint = aws.String(url) }),
		apigw:  apigateway.NewFromConfig(cfg, func(o *apigateway.Options) { o.BaseEndpoint = aws.String(url) }),
		lambda: lambda.NewFromConfig(cfg, func(o *lambda.Options) { o.BaseEndpoint = aws.String(url) }),
	}
}

// apiError returns the AWS error code and HTTP status of err ("", 200 for nil).
func apiError(err error) (string, int) {
	if err == nil {
		return "", 200
	}
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

func get(t *testing.T, url string) (int, http.Header, []byte) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}

type healthBody struct {
	Status  string   `json:"status"`
	Reasons []string `json:"reasons"`
	Store   struct {
		Writable bool `json:"writable"`
		Views    []struct {
			Name             string  `json:"name"`
			StalenessSeconds float64 `json:"stalenessSeconds"`
		} `json:"views"`
	} `json:"store"`
}

func health(t *testing.T, url string) (int, healthBody) {
	t.Helper()
	code, _, b := get(t, url+"/_gatehouse/health")
	// Health is unauthenticated: no database error text, hosts or ports.
	for _, leak := range []string{"deadline", "dial", "127.0.0.1", "postgres", "timeout:"} {
		if strings.Contains(string(b), leak) {
			t.Errorf("health body leaks %q: %s", leak, b)
		}
	}
	var h healthBody
	if err := json.Unmarshal(b, &h); err != nil {
		t.Fatalf("health body %s: %v", b, err)
	}
	return code, h
}

// TestCutNodeServesStaleThenRefuses: node B loses the database (a network
// partition, through a proxy the test cuts) while node A revokes a key.
// B keeps serving from its last good snapshots (fail-static) up to
// --max-staleness, then answers ServiceUnavailable on every surface; its
// writes fail within --store-timeout and never commit later; once the
// network heals, B applies the revocation before it serves again.
func TestCutNodeServesStaleThenRefuses(t *testing.T) {
	base := freshDB(t)
	proxy := newCutProxy(t, base)
	pg := func(url string) gatehousetest.Option {
		return func(c *config.Config) {
			c.Store = url
			c.MasterKey = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
		}
	}
	// B's clock runs ahead on demand, so crossing the 30 s default bound
	// takes no waiting (signatures stay within their skew windows).
	var ahead atomic.Int64
	clock := func() time.Time { return time.Now().Add(time.Duration(ahead.Load())) }
	a := gatehousetest.Start(t, pg(base))
	b := gatehousetest.Start(t, pg(proxy.url(t, base)), gatehousetest.WithClock(clock),
		// Short enough to keep the test quick, long enough for a loaded
		// machine running the race detector to connect and commit.
		func(c *config.Config) { c.StoreTimeout = 2 * time.Second })
	if b.Config.MaxStaleness != 30*time.Second {
		t.Fatalf("default --max-staleness = %s, want 30s", b.Config.MaxStaleness)
	}
	ctx := context.Background()
	rootA := newNode(a.URL, gatehousetest.AccessKeyID, gatehousetest.SecretAccessKey)
	rootB := newNode(b.URL, gatehousetest.AccessKeyID, gatehousetest.SecretAccessKey)

	if _, err := rootA.iam.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("alice")}); err != nil {
		t.Fatal(err)
	}
	key, err := rootA.iam.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("alice")})
	if err != nil {
		t.Fatal(err)
	}
	aliceB := newNode(b.URL, *key.AccessKey.AccessKeyId, *key.AccessKey.SecretAccessKey)
	eventually(t, "node B recognises alice's key", func() error {
		_, err := aliceB.sts.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		return err
	})

	proxy.Cut()
	if _, err := rootA.iam.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: aws.String("alice"), AccessKeyId: key.AccessKey.AccessKeyId}); err != nil {
		t.Fatal(err)
	}

	// Within the bound: fail-static. B cannot know of the revocation.
	if _, err := aliceB.sts.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatalf("cut node B within --max-staleness refused alice's key: %v (fail-static serves the last good snapshot)", err)
	}
	// Writes fail within --store-timeout and are not committed later.
	start := time.Now()
	_, err = rootB.iam.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("ghost")})
	if code, status := apiError(err); code != "ServiceUnavailable" || status != 503 {
		t.Errorf("CreateUser on the cut node = %s %d (%v), want ServiceUnavailable 503", code, status, err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("CreateUser on the cut node took %s with --store-timeout 2s: it hung", d)
	}
	if code, h := health(t, b.URL); code != 503 || h.Status != "degraded" || h.Store.Writable {
		t.Errorf("health of the cut node = %d %+v, want 503 degraded, not writable", code, h)
	}

	// Past the bound every surface refuses, with its own error.
	ahead.Store(int64(31 * time.Second))
	refusals := []struct {
		name       string
		call       func() error
		wantCode   string
		wantStatus int
	}{
		{"sts GetCallerIdentity with the revoked key", func() error {
			_, err := aliceB.sts.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
			return err
		}, "ServiceUnavailable", 503},
		{"sts GetCallerIdentity as root", func() error {
			_, err := rootB.sts.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
			return err
		}, "ServiceUnavailable", 503},
		{"sts AssumeRoleWithWebIdentity (unsigned)", func() error {
			_, err := rootB.sts.AssumeRoleWithWebIdentity(ctx, &sts.AssumeRoleWithWebIdentityInput{
				RoleArn: aws.String("arn:aws:iam::000000000000:role/r"), RoleSessionName: aws.String("s"), WebIdentityToken: aws.String("x.y.z")})
			return err
		}, "ServiceUnavailable", 503},
		{"iam ListUsers", func() error {
			_, err := rootB.iam.ListUsers(ctx, &iam.ListUsersInput{})
			return err
		}, "ServiceUnavailable", 503},
		{"apigateway GetRestApis", func() error {
			_, err := rootB.apigw.GetRestApis(ctx, &apigateway.GetRestApisInput{})
			return err
		}, "ServiceUnavailableException", 503},
		{"lambda ListFunctions", func() error {
			_, err := rootB.lambda.ListFunctions(ctx, &lambda.ListFunctionsInput{})
			return err
		}, "ServiceException", 503},
	}
	for _, r := range refusals {
		if code, status := apiError(r.call()); code != r.wantCode || status != r.wantStatus {
			t.Errorf("%s past --max-staleness = %s %d, want %s %d", r.name, code, status, r.wantCode, r.wantStatus)
		}
	}
	// execute-api too, NONE routes included: routes are snapshot state.
	status, hdr, body := get(t, b.URL+"/restapis/abcdef1234/prod/_user_request_/pets")
	if status != 503 || hdr.Get("x-amzn-ErrorType") != "ServiceUnavailableException" || string(body) != `{"message":"Service Unavailable"}` {
		t.Errorf("execute-api past --max-staleness = %d %s %s, want 503 ServiceUnavailableException", status, hdr.Get("x-amzn-ErrorType"), body)
	}
	code, h := health(t, b.URL)
	if code != 503 || h.Status != "unavailable" || len(h.Store.Views) == 0 {
		t.Errorf("health past --max-staleness = %d %+v, want 503 unavailable with views", code, h)
	}
	for _, v := range h.Store.Views {
		if v.StalenessSeconds < 31 {
			t.Errorf("health: view %s staleness %.1fs, want at least 31s", v.Name, v.StalenessSeconds)
		}
	}
	_, _, metrics := get(t, b.URL+"/_gatehouse/metrics")
	m := regexp.MustCompile(`(?m)^gatehouse_snapshot_staleness_seconds\{view="iam"\} (\S+)$`).FindSubmatch(metrics)
	if m == nil {
		t.Errorf("metrics have no iam staleness gauge")
	} else if v, _ := strconv.ParseFloat(string(m[1]), 64); v < 31 {
		t.Errorf("metrics: iam staleness %v, want at least 31", v)
	}

	// The network heals: B syncs, applies the revocation, and only then
	// serves again. The revoked key is never accepted on the way.
	proxy.Restore()
	eventually(t, "node B refuses the revoked key after reconnecting", func() error {
		_, err := aliceB.sts.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		switch code, status := apiError(err); {
		case status == 200:
			t.Fatal("node B accepted the key revoked during the cut after reconnecting")
		case code == "ServiceUnavailable":
			return err // not synced yet
		case code != "InvalidClientTokenId":
			t.Fatalf("revoked key on the reconnected node = %s %d, want InvalidClientTokenId", code, status)
		}
		return nil
	})
	if _, err := rootB.sts.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
		t.Errorf("root on the reconnected node = %v, want served", err)
	}
	if code, h := health(t, b.URL); code != 200 || h.Status != "ok" {
		// The write probe may not have run yet; a successful write proves it.
		if _, err := rootB.iam.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("after")}); err != nil {
			t.Errorf("CreateUser on the reconnected node = %v", err)
		}
		if code, h = health(t, b.URL); code != 200 || h.Status != "ok" {
			t.Errorf("health after reconnecting = %d %+v, want 200 ok", code, h)
		}
	}

	// The write answered 503 never commits: wait until no transaction is
	// open on the database (none can commit afterwards), then look.
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	eventually(t, "no transaction left open on the database", func() error {
		var n int
		err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
			AND pid <> pg_backend_pid() AND xact_start IS NOT NULL`).Scan(&n)
		if err == nil && n > 0 {
			err = errors.New(strconv.Itoa(n) + " open transactions")
		}
		return err
	})
	for _, n := range []node{rootA, rootB} {
		_, err := n.iam.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("ghost")})
		if code, _ := apiError(err); code != "NoSuchEntity" {
			t.Errorf("GetUser ghost on %s = %v, want NoSuchEntity: a write answered ServiceUnavailable committed later", n.url, err)
		}
	}
}
