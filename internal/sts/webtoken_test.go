package sts_test

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	awssts "github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
	"github.com/aws/smithy-go"
	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/gatehouse-dev/gatehouse/internal/config"
	"github.com/gatehouse-dev/gatehouse/internal/gatehousetest"
	. "github.com/gatehouse-dev/gatehouse/internal/iam/iamtest"
	"github.com/gatehouse-dev/gatehouse/pkg/sigv4client"
)

func apiCode(t *testing.T, err error) string {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("want an API error, got %v", err)
	}
	return ae.ErrorCode()
}

// getJSON fetches url unauthenticated, as a relying party would.
func getJSON(t *testing.T, url string, v any) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode == 200 && v != nil {
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatalf("%s: %v: %s", url, err, b)
		}
	}
	return resp.StatusCode
}

// TestGetWebIdentityToken drives outbound web identity federation with
// aws-sdk-go-v2 against the real server: the switches, a token for a user
// allowed by a policy conditioned on the audience, verified against the
// JWKS fetched over HTTP from the issuer's discovery document, the
// validation errors, and a denial.
func TestGetWebIdentityToken(t *testing.T) {
	f := newFixture(t)
	in := func(aud ...string) *awssts.GetWebIdentityTokenInput {
		return &awssts.GetWebIdentityTokenInput{Audience: aud, SigningAlgorithm: aws.String("RS256")}
	}
	// Off: every switch and the token say so.
	if _, err := f.rootSTS.GetWebIdentityToken(Ctx, in("https://api.example.com")); apiCode(t, err) != "OutboundWebIdentityFederationDisabledException" {
		t.Fatalf("disabled: %v", err)
	}
	if _, err := f.root.GetOutboundWebIdentityFederationInfo(Ctx, &awsiam.GetOutboundWebIdentityFederationInfoInput{}); apiCode(t, err) != "FeatureDisabled" {
		t.Fatalf("info before enable: %v", err)
	}
	if _, err := f.root.DisableOutboundWebIdentityFederation(Ctx, &awsiam.DisableOutboundWebIdentityFederationInput{}); apiCode(t, err) != "FeatureDisabled" {
		t.Fatalf("disable before enable: %v", err)
	}
	en, err := f.root.EnableOutboundWebIdentityFederation(Ctx, &awsiam.EnableOutboundWebIdentityFederationInput{})
	if err != nil {
		t.Fatal(err)
	}
	issuer := *en.IssuerIdentifier
	if issuer != f.srv.URL+"/_gatehouse/oidc/"+strings.Split(f.aliceARN, ":")[4] {
		t.Fatalf("issuer %q", issuer)
	}
	if _, err := f.root.EnableOutboundWebIdentityFederation(Ctx, &awsiam.EnableOutboundWebIdentityFederationInput{}); apiCode(t, err) != "FeatureEnabled" {
		t.Fatalf("enable twice: %v", err)
	}
	info, err := f.root.GetOutboundWebIdentityFederationInfo(Ctx, &awsiam.GetOutboundWebIdentityFederationInfoInput{})
	if err != nil || *info.IssuerIdentifier != issuer || !info.JwtVendingEnabled {
		t.Fatalf("info %+v %v", info, err)
	}

	// alice has no permission yet.
	if _, err := f.aliceSTS.GetWebIdentityToken(Ctx, in("https://api.example.com")); apiCode(t, err) != "AccessDenied" {
		t.Fatalf("no policy: %v", err)
	}
	_, err = f.root.PutUserPolicy(Ctx, &awsiam.PutUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("jwt"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:GetWebIdentityToken","Resource":"*",
		"Condition":{"ForAllValues:StringEquals":{"sts:IdentityTokenAudience":["https://api.example.com","other"]},"StringEquals":{"sts:SigningAlgorithm":"RS256"}}}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.aliceSTS.GetWebIdentityToken(Ctx, in("https://evil.example.com")); apiCode(t, err) != "AccessDenied" {
		t.Fatalf("audience outside the policy: %v", err)
	}
	es := in("https://api.example.com")
	es.SigningAlgorithm = aws.String("ES384")
	if _, err := f.aliceSTS.GetWebIdentityToken(Ctx, es); apiCode(t, err) != "AccessDenied" {
		t.Fatalf("algorithm outside the policy: %v", err)
	}
	if _, err := f.root.TagUser(Ctx, &awsiam.TagUserInput{UserName: aws.String("alice"), Tags: []iamtypes.Tag{{Key: aws.String("team"), Value: aws.String("blue")}}}); err != nil {
		t.Fatal(err)
	}
	req := in("https://api.example.com")
	req.DurationSeconds = aws.Int32(900)
	req.Tags = []ststypes.Tag{{Key: aws.String("job"), Value: aws.String("j-1")}}
	out, err := f.aliceSTS.GetWebIdentityToken(Ctx, req)
	if err != nil {
		t.Fatal(err)
	}

	// A relying party: discovery document, then its JWKS, over HTTP.
	var disc struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	if code := getJSON(t, issuer+"/.well-known/openid-configuration", &disc); code != 200 || disc.Issuer != issuer {
		t.Fatalf("discovery %d %+v", code, disc)
	}
	var set jose.JSONWebKeySet
	if code := getJSON(t, disc.JWKSURI, &set); code != 200 || len(set.Keys) != 2 {
		t.Fatalf("jwks %d %+v", code, set)
	}
	// Nothing else is served there, signed or not.
	acct := strings.Split(f.aliceARN, ":")[4]
	for _, u := range []string{"/_gatehouse/oidc/" + acct + "/.well-known/other", "/_gatehouse/oidc/" + acct,
		"/_gatehouse/oidc/123456789012/.well-known/jwks.json", "/_gatehouse/oidc/x/.well-known/jwks.json",
		"/_gatehouse/oidc/" + acct + "/.well-known/jwks.json/"} {
		if code := getJSON(t, f.srv.URL+u, nil); code != 404 {
			t.Errorf("%s: %d", u, code)
		}
	}
	if resp, err := http.Post(disc.JWKSURI, "application/json", nil); err != nil || resp.StatusCode != 404 {
		t.Errorf("POST JWKS: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
	for _, k := range set.Keys {
		if !k.IsPublic() {
			t.Fatalf("JWKS serves a private key: %s", k.KeyID)
		}
	}
	tok, err := jwt.ParseSigned(*out.WebIdentityToken, []jose.SignatureAlgorithm{jose.RS256, jose.ES384})
	if err != nil {
		t.Fatal(err)
	}
	keys := set.Key(tok.Headers[0].KeyID)
	if len(keys) != 1 {
		t.Fatalf("kid %q not in the JWKS", tok.Headers[0].KeyID)
	}
	var std jwt.Claims
	var ns struct {
		NS map[string]any `json:"https://sts.amazonaws.com/"`
	}
	if err := tok.Claims(keys[0].Key, &std, &ns); err != nil {
		t.Fatal(err)
	}
	if err := std.ValidateWithLeeway(jwt.Expected{Issuer: issuer, AnyAudience: jwt.Audience{"https://api.example.com"}, Subject: f.aliceARN, Time: time.Now()}, 0); err != nil {
		t.Fatal(err)
	}
	if std.Expiry.Time().Sub(std.IssuedAt.Time()) != 900*time.Second || !std.Expiry.Time().Equal(out.Expiration.UTC()) || std.ID == "" {
		t.Fatalf("claims %+v, Expiration %v", std, out.Expiration)
	}
	if ns.NS["aws_account"] != strings.Split(f.aliceARN, ":")[4] || ns.NS["principal_id"] != f.aliceARN ||
		ns.NS["principal_tags"].(map[string]any)["team"] != "blue" || ns.NS["request_tags"].(map[string]any)["job"] != "j-1" {
		t.Fatalf("aws claims %+v", ns.NS)
	}

	// ES384, by root (allowed everything).
	eo, err := f.rootSTS.GetWebIdentityToken(Ctx, es)
	if err != nil {
		t.Fatal(err)
	}
	et, err := jwt.ParseSigned(*eo.WebIdentityToken, []jose.SignatureAlgorithm{jose.ES384})
	if err != nil {
		t.Fatal(err)
	}
	if ks := set.Key(et.Headers[0].KeyID); len(ks) != 1 || et.Claims(ks[0].Key, &std) != nil || std.Expiry.Time().Sub(std.IssuedAt.Time()) != 300*time.Second {
		t.Fatalf("ES384 token does not verify, or default duration wrong: %+v", std)
	}

	// AWS's validation.
	for name, bad := range map[string]*awssts.GetWebIdentityTokenInput{
		"11 audiences":  in("1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11"),
		"long audience": in(strings.Repeat("a", 1001)),
		"duration 59":   {Audience: []string{"a"}, SigningAlgorithm: aws.String("RS256"), DurationSeconds: aws.Int32(59)},
		"duration 3601": {Audience: []string{"a"}, SigningAlgorithm: aws.String("RS256"), DurationSeconds: aws.Int32(3601)},
		"HS256":         {Audience: []string{"a"}, SigningAlgorithm: aws.String("HS256")},
	} {
		if _, err := f.rootSTS.GetWebIdentityToken(Ctx, bad); apiCode(t, err) != "ValidationError" {
			t.Errorf("%s: %v", name, err)
		}
	}

	// A role session cannot get a token outliving it.
	roleARN := f.role(t, "worker", trustAWS(f.aliceARN), 0)
	_, _ = f.root.PutRolePolicy(Ctx, &awsiam.PutRolePolicyInput{RoleName: aws.String("worker"), PolicyName: aws.String("jwt"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:GetWebIdentityToken","Resource":"*"}]}`)})
	_, err = f.root.PutUserPolicy(Ctx, &awsiam.PutUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("assume"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"` + roleARN + `"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	ar, err := f.aliceSTS.AssumeRole(Ctx, &awssts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("s1"), DurationSeconds: aws.Int32(900)})
	if err != nil {
		t.Fatal(err)
	}
	c := ar.Credentials
	roleSTS := STS(f.srv.URL, *c.AccessKeyId, *c.SecretAccessKey, *c.SessionToken)
	long := in("a")
	long.DurationSeconds = aws.Int32(3600)
	if _, err := roleSTS.GetWebIdentityToken(Ctx, long); apiCode(t, err) != "SessionDurationEscalationException" {
		t.Fatalf("escalation: %v", err)
	}
	ro, err := roleSTS.GetWebIdentityToken(Ctx, in("a"))
	if err != nil {
		t.Fatal(err)
	}
	rt, _ := jwt.ParseSigned(*ro.WebIdentityToken, []jose.SignatureAlgorithm{jose.RS256})
	if ks := set.Key(rt.Headers[0].KeyID); len(ks) != 1 || rt.Claims(ks[0].Key, &std) != nil || std.Subject != roleARN {
		t.Fatalf("role token sub %q, want %q", std.Subject, roleARN)
	}

	// Off again: no tokens, and the issuer no longer serves keys.
	if _, err := f.root.DisableOutboundWebIdentityFederation(Ctx, &awsiam.DisableOutboundWebIdentityFederationInput{}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.rootSTS.GetWebIdentityToken(Ctx, in("a")); apiCode(t, err) != "OutboundWebIdentityFederationDisabledException" {
		t.Fatalf("after disable: %v", err)
	}
	if code := getJSON(t, disc.JWKSURI, nil); code != 404 {
		t.Fatalf("JWKS after disable: %d", code)
	}
	info, err = f.root.GetOutboundWebIdentityFederationInfo(Ctx, &awsiam.GetOutboundWebIdentityFederationInfoInput{})
	if err != nil || info.JwtVendingEnabled || *info.IssuerIdentifier != issuer {
		t.Fatalf("info after disable %+v %v", info, err)
	}
}

// TestWebIdentityTokenKeyRotation: with a configured public issuer URL and
// a rotation period, a relying party that fetched the JWKS verifies a
// token signed before rotation (its key stays published, retired, until
// its tokens have expired) and one signed after (the new key); the
// retired key leaves the JWKS once every token it signed has expired.
func TestWebIdentityTokenKeyRotation(t *testing.T) {
	var offset atomic.Int64
	clock := func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	f := newFixture(t, gatehousetest.WithClock(clock), func(c *config.Config) {
		c.OIDCIssuerURL = "https://id.example.com/gh"
		c.OIDCKeyRotation = 24 * time.Hour
	})
	acct := strings.Split(f.aliceARN, ":")[4]
	en, err := f.root.EnableOutboundWebIdentityFederation(Ctx, &awsiam.EnableOutboundWebIdentityFederationInput{})
	if err != nil {
		t.Fatal(err)
	}
	issuer := "https://id.example.com/gh/_gatehouse/oidc/" + acct
	if *en.IssuerIdentifier != issuer {
		t.Fatalf("issuer %q, want %q", *en.IssuerIdentifier, issuer)
	}
	// The relying party reaches the issuer through the public URL; here
	// that is the server itself, under the issuer's path.
	local := f.srv.URL + "/_gatehouse/oidc/" + acct
	var disc struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	if code := getJSON(t, local+"/.well-known/openid-configuration", &disc); code != 200 || disc.Issuer != issuer || disc.JWKSURI != issuer+"/.well-known/jwks.json" {
		t.Fatalf("discovery %d %+v", code, disc)
	}
	// The SDK signs with the real clock; this client signs with the
	// server's, which the test moves days ahead.
	tr, err := sigv4client.New(sigv4client.Config{Credentials: credentials.NewStaticCredentialsProvider(gatehousetest.AccessKeyID, gatehousetest.SecretAccessKey, ""),
		Region: "us-east-1", Service: "sts", Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	rootSTS := awssts.New(awssts.Options{Region: "us-east-1", BaseEndpoint: aws.String(f.srv.URL), Credentials: aws.AnonymousCredentials{},
		HTTPClient: &http.Client{Transport: tr}})
	token := func() string {
		t.Helper()
		out, err := rootSTS.GetWebIdentityToken(Ctx, &awssts.GetWebIdentityTokenInput{Audience: []string{"rp"}, SigningAlgorithm: aws.String("RS256"), DurationSeconds: aws.Int32(3600)})
		if err != nil {
			t.Fatal(err)
		}
		return *out.WebIdentityToken
	}
	jwks := func() jose.JSONWebKeySet {
		t.Helper()
		var set jose.JSONWebKeySet
		if code := getJSON(t, local+"/.well-known/jwks.json", &set); code != 200 {
			t.Fatalf("jwks %d", code)
		}
		return set
	}
	verify := func(set jose.JSONWebKeySet, raw string) (string, error) {
		tok, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{jose.RS256})
		if err != nil {
			return "", err
		}
		kid := tok.Headers[0].KeyID
		ks := set.Key(kid)
		if len(ks) != 1 {
			return kid, errors.New("kid not in the JWKS")
		}
		var std jwt.Claims
		if err := tok.Claims(ks[0].Key, &std); err != nil {
			return kid, err
		}
		return kid, std.ValidateWithLeeway(jwt.Expected{Issuer: issuer, AnyAudience: jwt.Audience{"rp"}, Time: clock()}, 0)
	}

	// Half an hour before the keys are due, a token valid for an hour.
	offset.Store(int64(23*time.Hour + 30*time.Minute))
	before := token()
	kidBefore, err := verify(jwks(), before)
	if err != nil {
		t.Fatal(err)
	}
	// A day later the next token is signed with a new key; the JWKS
	// serves both, so both tokens verify.
	offset.Store(int64(24*time.Hour + time.Minute))
	after := token()
	set := jwks()
	if len(set.Keys) != 4 {
		t.Fatalf("JWKS after rotation: %d keys, want 4 (2 current, 2 retired)", len(set.Keys))
	}
	kidAfter, err := verify(set, after)
	if err != nil || kidAfter == kidBefore {
		t.Fatalf("token after rotation: kid %s (before %s) %v", kidAfter, kidBefore, err)
	}
	// The relying party, holding the JWKS fetched after rotation, still
	// verifies the token signed before it (unexpired).
	if kid, err := verify(set, before); err != nil || kid != kidBefore {
		t.Fatalf("token signed before rotation: %v", err)
	}
	// No second rotation within the period.
	if again := token(); func() string { k, _ := verify(jwks(), again); return k }() != kidAfter {
		t.Fatal("rotated twice within one period")
	}
	// Once every token the old key signed has expired, it is gone.
	offset.Store(int64(26 * time.Hour))
	if set := jwks(); len(set.Keys) != 2 || len(set.Key(kidBefore)) != 0 || len(set.Key(kidAfter)) != 1 {
		t.Fatalf("JWKS after retirement: %d keys", len(set.Keys))
	}
}
