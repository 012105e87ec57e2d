package sts_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	awssts "github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/gatehouse-dev/gatehouse/internal/gatehousetest"
	. "github.com/gatehouse-dev/gatehouse/internal/iam/iamtest"
)

// issuer is a test OIDC issuer served over HTTPS.
type issuer struct {
	srv *httptest.Server
	key *rsa.PrivateKey
	sig jose.Signer
}

func newIssuer(t *testing.T) *issuer {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	is := &issuer{key: key}
	mux := http.NewServeMux()
	mux.HandleFunc("/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]string{"issuer": is.srv.URL, "jwks_uri": is.srv.URL + "/keys"})
	})
	mux.HandleFunc("/keys", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}})
	})
	is.srv = httptest.NewTLSServer(mux)
	t.Cleanup(is.srv.Close)
	is.sig, err = jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key}, (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", "k1"))
	if err != nil {
		t.Fatal(err)
	}
	return is
}

func (is *issuer) token(t *testing.T, sub, aud string, exp time.Time, extra map[string]any) string {
	cl := jwt.Claims{Issuer: is.srv.URL, Subject: sub, Audience: jwt.Audience{aud}, Expiry: jwt.NewNumericDate(exp), IssuedAt: jwt.NewNumericDate(time.Now())}
	b := jwt.Signed(is.sig).Claims(cl)
	if extra != nil {
		b = b.Claims(extra)
	}
	s, err := b.Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestAssumeRoleWithWebIdentity(t *testing.T) {
	srv := gatehousetest.Start(t)
	is := newIssuer(t)
	srv.App.STS.SetHTTPClient(is.srv.Client())
	root := IAM(srv.URL, gatehousetest.AccessKeyID, gatehousetest.SecretAccessKey, "")
	prov, err := root.CreateOpenIDConnectProvider(Ctx, &awsiam.CreateOpenIDConnectProviderInput{Url: aws.String(is.srv.URL), ClientIDList: []string{"sts.amazonaws.com"}})
	if err != nil {
		t.Fatal(err)
	}
	host := strings.TrimPrefix(is.srv.URL, "https://")
	if *prov.OpenIDConnectProviderArn != "arn:aws:iam::000000000000:oidc-provider/"+host {
		t.Fatalf("arn %s", *prov.OpenIDConnectProviderArn)
	}
	gp, err := root.GetOpenIDConnectProvider(Ctx, &awsiam.GetOpenIDConnectProviderInput{OpenIDConnectProviderArn: prov.OpenIDConnectProviderArn})
	if err != nil || *gp.Url != host || gp.ClientIDList[0] != "sts.amazonaws.com" {
		t.Fatalf("get provider %+v %v", gp, err)
	}
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"` + *prov.OpenIDConnectProviderArn +
		`"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"` + host + `:sub":"system:serviceaccount:default:app","` + host + `:aud":"sts.amazonaws.com"}}}]}`
	r, err := root.CreateRole(Ctx, &awsiam.CreateRoleInput{RoleName: aws.String("app"), AssumeRolePolicyDocument: aws.String(trust)})
	if err != nil {
		t.Fatal(err)
	}
	anon := awssts.NewFromConfig(aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), RetryMaxAttempts: 1})
	call := func(tok string) (*awssts.AssumeRoleWithWebIdentityOutput, error) {
		return anon.AssumeRoleWithWebIdentity(Ctx, &awssts.AssumeRoleWithWebIdentityInput{RoleArn: r.Role.Arn,
			RoleSessionName: aws.String("pod-1"), WebIdentityToken: aws.String(tok)})
	}
	out, err := call(is.token(t, "system:serviceaccount:default:app", "sts.amazonaws.com", time.Now().Add(time.Hour), nil))
	if err != nil {
		t.Fatal(err)
	}
	if *out.AssumedRoleUser.Arn != "arn:aws:sts::000000000000:assumed-role/app/pod-1" || *out.SubjectFromWebIdentityToken != "system:serviceaccount:default:app" || *out.Audience != "sts.amazonaws.com" {
		t.Fatalf("out %+v", out)
	}
	c := out.Credentials
	id, err := STS(srv.URL, *c.AccessKeyId, *c.SecretAccessKey, *c.SessionToken).GetCallerIdentity(Ctx, &awssts.GetCallerIdentityInput{})
	if err != nil || *id.Arn != "arn:aws:sts::000000000000:assumed-role/app/pod-1" {
		t.Fatalf("identity %+v %v", id, err)
	}
	cases := []struct {
		name, tok, code string
	}{
		{"wrong sub", is.token(t, "system:serviceaccount:default:other", "sts.amazonaws.com", time.Now().Add(time.Hour), nil), "AccessDenied"},
		{"wrong aud", is.token(t, "system:serviceaccount:default:app", "other", time.Now().Add(time.Hour), nil), "InvalidIdentityToken"},
		{"expired", is.token(t, "system:serviceaccount:default:app", "sts.amazonaws.com", time.Now().Add(-time.Hour), nil), "ExpiredTokenException"},
		{"garbage", "not.a.jwt", "InvalidIdentityToken"},
		{"tampered", is.token(t, "system:serviceaccount:default:app", "sts.amazonaws.com", time.Now().Add(time.Hour), nil) + "x", "InvalidIdentityToken"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := call(tc.tok)
			WantCode(t, err, tc.code)
		})
	}
	// :amr is multi-valued: ForAnyValue conditions see every entry.
	amrTrust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"` + *prov.OpenIDConnectProviderArn +
		`"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"ForAnyValue:StringEquals":{"` + host + `:amr":"authenticated"}}}]}`
	amrRole, err := root.CreateRole(Ctx, &awsiam.CreateRoleInput{RoleName: aws.String("amr"), AssumeRolePolicyDocument: aws.String(amrTrust)})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		amr  any
		code string
	}{{[]string{"pwd", "authenticated"}, ""}, {"unauthenticated", "AccessDenied"}, {nil, "AccessDenied"}} {
		extra := map[string]any{}
		if tc.amr != nil {
			extra["amr"] = tc.amr
		}
		_, err := anon.AssumeRoleWithWebIdentity(Ctx, &awssts.AssumeRoleWithWebIdentityInput{RoleArn: amrRole.Role.Arn, RoleSessionName: aws.String("amr"),
			WebIdentityToken: aws.String(is.token(t, "u", "sts.amazonaws.com", time.Now().Add(time.Hour), extra))})
		if code, _ := Code(err); code != tc.code {
			t.Fatalf("amr %v: code %q (%v), want %q", tc.amr, code, err, tc.code)
		}
	}
	// Another issuer's token (not registered) is refused.
	other := newIssuer(t)
	_, err = call(other.token(t, "x", "sts.amazonaws.com", time.Now().Add(time.Hour), nil))
	if msg := WantCode(t, err, "InvalidIdentityToken"); !strings.HasPrefix(msg, "No OpenIDConnect provider found in your account for https://") {
		t.Fatalf("msg %q", msg)
	}
}

// TestWebIdentityThumbprint: an issuer whose certificate no root trusts is
// accepted when the provider lists the thumbprint of its certificate chain.
func TestWebIdentityThumbprint(t *testing.T) {
	srv := gatehousetest.Start(t)
	is := newIssuer(t) // httptest's self-signed certificate, not trusted by default
	root := IAM(srv.URL, gatehousetest.AccessKeyID, gatehousetest.SecretAccessKey, "")
	sum := sha1.Sum(is.srv.Certificate().Raw)
	host := strings.TrimPrefix(is.srv.URL, "https://")
	prov, err := root.CreateOpenIDConnectProvider(Ctx, &awsiam.CreateOpenIDConnectProviderInput{Url: aws.String(is.srv.URL),
		ClientIDList: []string{"sts.amazonaws.com"}, ThumbprintList: []string{strings.Repeat("0", 40)}})
	if err != nil {
		t.Fatal(err)
	}
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"` + *prov.OpenIDConnectProviderArn +
		`"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"` + host + `:aud":"sts.amazonaws.com"}}}]}`
	r, err := root.CreateRole(Ctx, &awsiam.CreateRoleInput{RoleName: aws.String("tp"), AssumeRolePolicyDocument: aws.String(trust)})
	if err != nil {
		t.Fatal(err)
	}
	anon := awssts.NewFromConfig(aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), RetryMaxAttempts: 1})
	call := func() error {
		_, err := anon.AssumeRoleWithWebIdentity(Ctx, &awssts.AssumeRoleWithWebIdentityInput{RoleArn: r.Role.Arn, RoleSessionName: aws.String("tp"),
			WebIdentityToken: aws.String(is.token(t, "s", "sts.amazonaws.com", time.Now().Add(time.Hour), nil))})
		return err
	}
	if code, _ := Code(call()); code != "IDPCommunicationError" && code != "InvalidIdentityToken" {
		t.Fatalf("wrong thumbprint: %q", code)
	}
	if _, err := root.UpdateOpenIDConnectProviderThumbprint(Ctx, &awsiam.UpdateOpenIDConnectProviderThumbprintInput{
		OpenIDConnectProviderArn: prov.OpenIDConnectProviderArn, ThumbprintList: []string{hex.EncodeToString(sum[:])}}); err != nil {
		t.Fatal(err)
	}
	srv.App.STS.SetHTTPClient(&http.Client{Timeout: 5 * time.Second}) // drop the cached failure
	if err := call(); err != nil {
		t.Fatal(err)
	}
}
