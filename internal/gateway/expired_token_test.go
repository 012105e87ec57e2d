package gateway_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	awssts "github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/gatehouse-dev/gatehouse/internal/gatehousetest"
)

// fakeClock is a settable server clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// TestExpiredSessionToken is spec sigv4.md §12.1 row 13 on the data plane:
// session credentials past their expiry, in a request signed at the
// server's (fake) now so the signature itself is current, get 403
// ExpiredTokenException. The same credentials on the STS Query surface get
// ExpiredToken through the same injected clock.
func TestExpiredSessionToken(t *testing.T) {
	clock := &fakeClock{t: time.Now()}
	e := newEnv(t, gatehousetest.WithClock(clock.Now))
	id := e.importAPI(authAPI, "dev")
	ctx := context.Background()

	caller := e.user(e.iam, "caller", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}`)
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:user/caller"},"Action":"sts:AssumeRole"}]}`
	role, err := e.iam.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String("invoker"), AssumeRolePolicyDocument: aws.String(trust)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.iam.PutRolePolicy(ctx, &awsiam.PutRolePolicyInput{RoleName: aws.String("invoker"), PolicyName: aws.String("invoke"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"*"}]}`)}); err != nil {
		t.Fatal(err)
	}
	stsc := awssts.NewFromConfig(awsConfig(caller), func(o *awssts.Options) { o.BaseEndpoint = aws.String(e.srv.URL) })
	out, err := stsc.AssumeRole(ctx, &awssts.AssumeRoleInput{RoleArn: role.Role.Arn, RoleSessionName: aws.String("expiry"), DurationSeconds: aws.Int32(900)})
	if err != nil {
		t.Fatal(err)
	}
	sess := aws.Credentials{AccessKeyID: *out.Credentials.AccessKeyId, SecretAccessKey: *out.Credentials.SecretAccessKey,
		SessionToken: *out.Credentials.SessionToken}
	expiry := *out.Credentials.Expiration
	if d := expiry.Sub(clock.Now()); d < 899*time.Second || d > 901*time.Second {
		t.Fatalf("expiration %v is %v after the server clock, want 900s", expiry, d)
	}

	path := "/restapis/" + id + "/dev/_user_request_/pets"
	get := func() reply { return e.call(path, callOpt{creds: &sess, when: clock.Now()}) }
	for _, at := range []time.Time{clock.Now(), expiry.Add(-time.Second)} {
		clock.Set(at)
		if r := get(); r.status != 200 {
			t.Fatalf("at %v (expiry %v): status %d: %s", at, expiry, r.status, r.body)
		}
	}

	const msg = "The security token included in the request is expired"
	for _, at := range []time.Time{expiry, expiry.Add(time.Hour)} {
		clock.Set(at)
		r := get()
		wantError(t, r, 403, "ExpiredTokenException", "message", msg)
		if r.body != `{"message":"`+msg+`"}` {
			t.Errorf("body bytes %q", r.body)
		}
		// Same request in the host form.
		r = e.call("/dev/pets", callOpt{creds: &sess, when: clock.Now(), host: id + ".execute-api.localhost"})
		wantError(t, r, 403, "ExpiredTokenException", "message", msg)
	}

	// STS Query surface, signed at the fake now (internal/sts covers the
	// wording with a real short session; this checks the clock plumbing).
	form := "Action=GetCallerIdentity&Version=2011-06-15"
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/", strings.NewReader(form))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	sum := sha256.Sum256([]byte(form))
	if err := v4.NewSigner().SignHTTP(ctx, sess, req, hex.EncodeToString(sum[:]), "sts", "us-east-1", clock.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 403 || !strings.Contains(string(b), "<Code>ExpiredToken</Code>") || !strings.Contains(string(b), "<Message>"+msg+"</Message>") {
		t.Fatalf("STS: %d %s", resp.StatusCode, b)
	}
}
