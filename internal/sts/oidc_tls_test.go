package sts_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha1"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/json"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
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

// certSpec describes a test certificate.
type certSpec struct {
	name      string
	ca        bool
	ips       []net.IP
	dns       []string
	notBefore time.Time
	notAfter  time.Time
}

type testCert struct {
	cert *x509.Certificate
	key  crypto.Signer
}

var serial atomic.Int64

// issue makes a certificate for spec signed by parent (self-signed when
// parent is nil).
func issue(t *testing.T, spec certSpec, parent *testCert) *testCert {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if spec.notBefore.IsZero() {
		spec.notBefore = time.Now().Add(-time.Hour)
	}
	if spec.notAfter.IsZero() {
		spec.notAfter = time.Now().Add(24 * time.Hour)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(serial.Add(1)),
		Subject:               pkix.Name{CommonName: spec.name},
		NotBefore:             spec.notBefore,
		NotAfter:              spec.notAfter,
		BasicConstraintsValid: true,
		IsCA:                  spec.ca,
		IPAddresses:           spec.ips,
		DNSNames:              spec.dns,
	}
	if spec.ca {
		tmpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature
	} else {
		tmpl.KeyUsage = x509.KeyUsageDigitalSignature
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	}
	signer, parentCert := crypto.Signer(key), tmpl
	if parent != nil {
		signer, parentCert = parent.key, parent.cert
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parentCert, &key.PublicKey, signer)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &testCert{cert: c, key: key}
}

func thumbprint(c *testCert) string {
	sum := sha1.Sum(c.cert.Raw)
	return hex.EncodeToString(sum[:])
}

var loopback = []net.IP{net.IPv4(127, 0, 0, 1)}

// tlsIssuer is a fake OIDC issuer over HTTPS with a chosen chain.
type tlsIssuer struct {
	srv *httptest.Server
	mux *http.ServeMux
	// jwksURL, when set, is the jwks_uri the discovery document names.
	jwksURL string
	// redirects maps a path to where it redirects (set before use).
	redirects map[string]func() string
}

// startTLS serves mux over TLS with chain (leaf first) and the leaf's key.
func startTLS(t *testing.T, mux http.Handler, leaf *testCert, chain ...*testCert) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(mux)
	der := [][]byte{leaf.cert.Raw}
	for _, c := range chain {
		der = append(der, c.cert.Raw)
	}
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{{Certificate: der, PrivateKey: leaf.key}}}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}

func newTLSIssuer(t *testing.T, jwtKey *ecdsa.PrivateKey, leaf *testCert, chain ...*testCert) *tlsIssuer {
	is := &tlsIssuer{mux: http.NewServeMux(), redirects: map[string]func() string{}}
	is.mux.HandleFunc("/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		jwks := is.jwksURL
		if jwks == "" {
			jwks = is.srv.URL + "/keys"
		}
		_ = json.NewEncoder(w).Encode(map[string]string{"issuer": is.srv.URL, "jwks_uri": jwks})
	})
	is.mux.Handle("/keys", jwksHandler(jwtKey))
	is.srv = startTLS(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if to, ok := is.redirects[r.URL.Path]; ok {
			http.Redirect(w, r, to(), http.StatusFound)
			return
		}
		is.mux.ServeHTTP(w, r)
	}), leaf, chain...)
	return is
}

func jwksHandler(jwtKey *ecdsa.PrivateKey) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &jwtKey.PublicKey, KeyID: "k1", Algorithm: "ES256", Use: "sig"}}})
	})
}

func signToken(t *testing.T, jwtKey *ecdsa.PrivateKey, iss string) string {
	t.Helper()
	sig, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: jwtKey}, (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", "k1"))
	if err != nil {
		t.Fatal(err)
	}
	tok, err := jwt.Signed(sig).Claims(jwt.Claims{Issuer: iss, Subject: "s", Audience: jwt.Audience{"sts.amazonaws.com"},
		Expiry: jwt.NewNumericDate(time.Now().Add(time.Hour)), IssuedAt: jwt.NewNumericDate(time.Now())}).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// TestWebIdentityVerifiesTheThumbprintedChain: with a provider that lists
// the thumbprint of a CA no system root trusts, a web identity token is
// honoured only when the issuer's TLS chain, on every connection
// (discovery and JWKS), verifies up to that CA for the issuer's host, and
// redirects never leave HTTPS on that host (issue #12 item 6: an issuer
// serving [attacker's self-signed leaf, registered CA] got credentials).
func TestWebIdentityVerifiesTheThumbprintedChain(t *testing.T) {
	srv := gatehousetest.Start(t)
	root := IAM(srv.URL, gatehousetest.AccessKeyID, gatehousetest.SecretAccessKey, "")
	anon := awssts.NewFromConfig(aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), RetryMaxAttempts: 1})
	jwtKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}

	regCA := issue(t, certSpec{name: "registered root CA", ca: true}, nil)
	regInter := issue(t, certSpec{name: "registered intermediate CA", ca: true}, regCA)
	evilCA := issue(t, certSpec{name: "attacker CA", ca: true}, nil)
	goodLeaf := func() *testCert { return issue(t, certSpec{name: "idp", ips: loopback}, regCA) }
	// A leaf the registered CA issued to someone else: not a CA.
	notCA := issue(t, certSpec{name: "other tenant", ips: loopback}, regCA)

	// plain serves the issuer's documents over HTTP (redirect targets).
	plainDocs := func(issuerURL string) *httptest.Server {
		mux := http.NewServeMux()
		mux.HandleFunc("/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
			_ = json.NewEncoder(w).Encode(map[string]string{"issuer": issuerURL, "jwks_uri": issuerURL + "/keys"})
		})
		mux.Handle("/keys", jwksHandler(jwtKey))
		s := httptest.NewServer(mux)
		t.Cleanup(s.Close)
		return s
	}
	redirect := func(is *tlsIssuer, path string, to func() string) { is.redirects[path] = to }

	tests := []struct {
		name        string
		issuer      func() *tlsIssuer
		thumbprints func() []*testCert
		ok          bool
	}{
		{"leaf signed by the registered CA", func() *tlsIssuer {
			return newTLSIssuer(t, jwtKey, goodLeaf(), regCA)
		}, func() []*testCert { return []*testCert{regCA} }, true},
		{"leaf, intermediate, thumbprinted root", func() *tlsIssuer {
			return newTLSIssuer(t, jwtKey, issue(t, certSpec{name: "idp", ips: loopback}, regInter), regInter, regCA)
		}, func() []*testCert { return []*testCert{regCA} }, true},
		{"leaf and thumbprinted top intermediate, root not sent", func() *tlsIssuer {
			return newTLSIssuer(t, jwtKey, issue(t, certSpec{name: "idp", ips: loopback}, regInter), regInter)
		}, func() []*testCert { return []*testCert{regInter} }, true},
		{"one of several thumbprints", func() *tlsIssuer {
			return newTLSIssuer(t, jwtKey, goodLeaf(), regCA)
		}, func() []*testCert { return []*testCert{evilCA, regCA} }, true},
		{"same-host https redirect", func() *tlsIssuer {
			is := newTLSIssuer(t, jwtKey, goodLeaf(), regCA)
			redirect(is, "/keys", func() string { return is.srv.URL + "/keys2" })
			is.mux.Handle("/keys2", jwksHandler(jwtKey))
			return is
		}, func() []*testCert { return []*testCert{regCA} }, true},

		{"attacker self-signed leaf before the registered CA", func() *tlsIssuer {
			return newTLSIssuer(t, jwtKey, issue(t, certSpec{name: "idp", ips: loopback}, nil), regCA)
		}, func() []*testCert { return []*testCert{regCA} }, false},
		{"leaf of another CA, its root, the registered CA appended", func() *tlsIssuer {
			return newTLSIssuer(t, jwtKey, issue(t, certSpec{name: "idp", ips: loopback}, evilCA), evilCA, regCA)
		}, func() []*testCert { return []*testCert{regCA} }, false},
		{"leaf of another CA, the registered CA appended", func() *tlsIssuer {
			return newTLSIssuer(t, jwtKey, issue(t, certSpec{name: "idp", ips: loopback}, evilCA), regCA)
		}, func() []*testCert { return []*testCert{regCA} }, false},
		{"leaf signed by a non-CA certificate of the registered CA", func() *tlsIssuer {
			return newTLSIssuer(t, jwtKey, issue(t, certSpec{name: "idp", ips: loopback}, notCA), notCA, regCA)
		}, func() []*testCert { return []*testCert{regCA} }, false},
		{"expired leaf", func() *tlsIssuer {
			return newTLSIssuer(t, jwtKey, issue(t, certSpec{name: "idp", ips: loopback, notBefore: time.Now().Add(-48 * time.Hour), notAfter: time.Now().Add(-time.Hour)}, regCA), regCA)
		}, func() []*testCert { return []*testCert{regCA} }, false},
		{"leaf not yet valid", func() *tlsIssuer {
			return newTLSIssuer(t, jwtKey, issue(t, certSpec{name: "idp", ips: loopback, notBefore: time.Now().Add(time.Hour), notAfter: time.Now().Add(48 * time.Hour)}, regCA), regCA)
		}, func() []*testCert { return []*testCert{regCA} }, false},
		{"leaf for another host name", func() *tlsIssuer {
			return newTLSIssuer(t, jwtKey, issue(t, certSpec{name: "idp", dns: []string{"other.example"}}, regCA), regCA)
		}, func() []*testCert { return []*testCert{regCA} }, false},
		{"no thumbprint matches", func() *tlsIssuer {
			return newTLSIssuer(t, jwtKey, goodLeaf(), regCA)
		}, func() []*testCert { return []*testCert{evilCA} }, false},
		{"thumbprinted CA not sent", func() *tlsIssuer {
			return newTLSIssuer(t, jwtKey, goodLeaf())
		}, func() []*testCert { return []*testCert{regCA} }, false},
		{"JWKS host serves the attacker chain", func() *tlsIssuer {
			is := newTLSIssuer(t, jwtKey, goodLeaf(), regCA)
			mux := http.NewServeMux()
			mux.Handle("/keys", jwksHandler(jwtKey))
			evil := startTLS(t, mux, issue(t, certSpec{name: "keys", ips: loopback}, nil), regCA)
			is.jwksURL = evil.URL + "/keys"
			return is
		}, func() []*testCert { return []*testCert{regCA} }, false},
		{"discovery redirected to http", func() *tlsIssuer {
			is := newTLSIssuer(t, jwtKey, goodLeaf(), regCA)
			redirect(is, "/.well-known/openid-configuration", func() string {
				return plainDocs(is.srv.URL).URL + "/.well-known/openid-configuration"
			})
			return is
		}, func() []*testCert { return []*testCert{regCA} }, false},
		{"JWKS redirected to http", func() *tlsIssuer {
			is := newTLSIssuer(t, jwtKey, goodLeaf(), regCA)
			redirect(is, "/keys", func() string { return plainDocs(is.srv.URL).URL + "/keys" })
			return is
		}, func() []*testCert { return []*testCert{regCA} }, false},
		{"JWKS redirected to another https host", func() *tlsIssuer {
			is := newTLSIssuer(t, jwtKey, goodLeaf(), regCA)
			mux := http.NewServeMux()
			mux.Handle("/keys", jwksHandler(jwtKey))
			other := startTLS(t, mux, goodLeaf(), regCA)
			redirect(is, "/keys", func() string { return other.URL + "/keys" })
			return is
		}, func() []*testCert { return []*testCert{regCA} }, false},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			is := tt.issuer()
			var tps []string
			for _, c := range tt.thumbprints() {
				tps = append(tps, thumbprint(c))
			}
			prov, err := root.CreateOpenIDConnectProvider(Ctx, &awsiam.CreateOpenIDConnectProviderInput{Url: aws.String(is.srv.URL),
				ClientIDList: []string{"sts.amazonaws.com"}, ThumbprintList: tps})
			if err != nil {
				t.Fatal(err)
			}
			trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"` + *prov.OpenIDConnectProviderArn +
				`"},"Action":"sts:AssumeRoleWithWebIdentity"}]}`
			role, err := root.CreateRole(Ctx, &awsiam.CreateRoleInput{RoleName: aws.String("tls-" + string(rune('a'+i))), AssumeRolePolicyDocument: aws.String(trust)})
			if err != nil {
				t.Fatal(err)
			}
			out, err := anon.AssumeRoleWithWebIdentity(Ctx, &awssts.AssumeRoleWithWebIdentityInput{RoleArn: role.Role.Arn,
				RoleSessionName: aws.String("sess"), WebIdentityToken: aws.String(signToken(t, jwtKey, is.srv.URL))})
			if tt.ok {
				if err != nil {
					t.Fatalf("got %v, want credentials", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("got credentials %s, want IDPCommunicationError", *out.AssumedRoleUser.Arn)
			}
			WantCode(t, err, "IDPCommunicationError")
		})
	}
}

// TestWebIdentityTrustedRoots: a chain the configured roots trust needs no
// thumbprint (and a stale thumbprint list does not stand in its way);
// each connection is trusted on its own, so a publicly trusted discovery
// host may name a JWKS host trusted by thumbprint; and a trusted issuer
// still may not redirect to plain HTTP.
func TestWebIdentityTrustedRoots(t *testing.T) {
	srv := gatehousetest.Start(t)
	root := IAM(srv.URL, gatehousetest.AccessKeyID, gatehousetest.SecretAccessKey, "")
	anon := awssts.NewFromConfig(aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), RetryMaxAttempts: 1})
	jwtKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ca := issue(t, certSpec{name: "operator-trusted CA", ca: true}, nil)
	privateCA := issue(t, certSpec{name: "private CA", ca: true}, nil)
	pool := x509.NewCertPool()
	pool.AddCert(ca.cert)
	srv.App.STS.SetHTTPClient(&http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}})

	plain := httptest.NewServer(jwksHandler(jwtKey))
	t.Cleanup(plain.Close)
	tests := []struct {
		name        string
		setup       func(is *tlsIssuer)
		thumbprints []string
		ok          bool
	}{
		{"trusted, no thumbprints", nil, nil, true},
		{"trusted, stale thumbprint", nil, []string{strings.Repeat("0", 40)}, true},
		{"trusted discovery, JWKS host by thumbprint", func(is *tlsIssuer) {
			mux := http.NewServeMux()
			mux.Handle("/keys", jwksHandler(jwtKey))
			keys := startTLS(t, mux, issue(t, certSpec{name: "keys", ips: loopback}, privateCA), privateCA)
			is.jwksURL = keys.URL + "/keys"
		}, []string{thumbprint(privateCA)}, true},
		{"trusted discovery, JWKS host trusted by nothing", func(is *tlsIssuer) {
			mux := http.NewServeMux()
			mux.Handle("/keys", jwksHandler(jwtKey))
			keys := startTLS(t, mux, issue(t, certSpec{name: "keys", ips: loopback}, privateCA), privateCA)
			is.jwksURL = keys.URL + "/keys"
		}, []string{strings.Repeat("0", 40)}, false},
		{"trusted, JWKS redirected to http", func(is *tlsIssuer) {
			is.jwksURL = is.srv.URL + "/moved"
			is.redirects["/moved"] = func() string { return plain.URL + "/keys" }
		}, nil, false},
		{"trusted with thumbprints, JWKS redirected to http", func(is *tlsIssuer) {
			is.jwksURL = is.srv.URL + "/moved"
			is.redirects["/moved"] = func() string { return plain.URL + "/keys" }
		}, []string{thumbprint(ca)}, false},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			is := newTLSIssuer(t, jwtKey, issue(t, certSpec{name: "idp", ips: loopback}, ca), ca)
			if tt.setup != nil {
				tt.setup(is)
			}
			prov, err := root.CreateOpenIDConnectProvider(Ctx, &awsiam.CreateOpenIDConnectProviderInput{Url: aws.String(is.srv.URL),
				ClientIDList: []string{"sts.amazonaws.com"}, ThumbprintList: tt.thumbprints})
			if err != nil {
				t.Fatal(err)
			}
			trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"` + *prov.OpenIDConnectProviderArn +
				`"},"Action":"sts:AssumeRoleWithWebIdentity"}]}`
			role, err := root.CreateRole(Ctx, &awsiam.CreateRoleInput{RoleName: aws.String("roots-" + string(rune('a'+i))), AssumeRolePolicyDocument: aws.String(trust)})
			if err != nil {
				t.Fatal(err)
			}
			_, err = anon.AssumeRoleWithWebIdentity(Ctx, &awssts.AssumeRoleWithWebIdentityInput{RoleArn: role.Role.Arn,
				RoleSessionName: aws.String("sess"), WebIdentityToken: aws.String(signToken(t, jwtKey, is.srv.URL))})
			if tt.ok {
				if err != nil {
					t.Fatalf("got %v, want credentials", err)
				}
				return
			}
			WantCode(t, err, "IDPCommunicationError")
		})
	}
}

// TestWebIdentityKeysAreCachedPerTrust: keys fetched under one provider's
// thumbprints are not served to another provider of the same issuer. Here
// the network answers for the issuer with an attacker's chain and keys;
// account B's provider pins the attacker's CA (B's own choice), account
// A's pins the real CA. B's successful fetch must not let the attacker's
// tokens into A's roles.
func TestWebIdentityKeysAreCachedPerTrust(t *testing.T) {
	srv := gatehousetest.Start(t)
	anon := awssts.NewFromConfig(aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), RetryMaxAttempts: 1})
	attackerKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	realCA := issue(t, certSpec{name: "real CA", ca: true}, nil)
	evilCA := issue(t, certSpec{name: "attacker CA", ca: true}, nil)
	is := newTLSIssuer(t, attackerKey, issue(t, certSpec{name: "idp", ips: loopback}, evilCA), evilCA)

	b, err := srv.App.IAM.CreateAccount(Ctx, "", "tenant-b")
	if err != nil {
		t.Fatal(err)
	}
	roleFor := func(client *awsiam.Client, name string, ca *testCert) *string {
		t.Helper()
		prov, err := client.CreateOpenIDConnectProvider(Ctx, &awsiam.CreateOpenIDConnectProviderInput{Url: aws.String(is.srv.URL),
			ClientIDList: []string{"sts.amazonaws.com"}, ThumbprintList: []string{thumbprint(ca)}})
		if err != nil {
			t.Fatal(err)
		}
		trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"` + *prov.OpenIDConnectProviderArn +
			`"},"Action":"sts:AssumeRoleWithWebIdentity"}]}`
		role, err := client.CreateRole(Ctx, &awsiam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(trust)})
		if err != nil {
			t.Fatal(err)
		}
		return role.Role.Arn
	}
	roleA := roleFor(IAM(srv.URL, gatehousetest.AccessKeyID, gatehousetest.SecretAccessKey, ""), "a", realCA)
	roleB := roleFor(IAM(srv.URL, b.AccessKeyID, b.SecretAccessKey, ""), "b", evilCA)
	assume := func(role *string) error {
		_, err := anon.AssumeRoleWithWebIdentity(Ctx, &awssts.AssumeRoleWithWebIdentityInput{RoleArn: role,
			RoleSessionName: aws.String("sess"), WebIdentityToken: aws.String(signToken(t, attackerKey, is.srv.URL))})
		return err
	}
	if err := assume(roleB); err != nil {
		t.Fatalf("account B, which pins the attacker's CA: got %v, want credentials", err)
	}
	err = assume(roleA)
	if err == nil {
		t.Fatal("account A, which pins the real CA: got credentials from keys fetched under B's thumbprints")
	}
	WantCode(t, err, "IDPCommunicationError")
}
