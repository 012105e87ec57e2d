package e2e_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	agtypes "github.com/aws/aws-sdk-go-v2/service/apigateway/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/gatehouse-dev/gatehouse/internal/config"
	"github.com/gatehouse-dev/gatehouse/internal/gatehousetest"
	"github.com/gatehouse-dev/gatehouse/internal/gateway"
)

// mtlsCA is a CA that issues client certificates for the mTLS tests.
type mtlsCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pem  []byte
}

func newMTLSCA(t *testing.T, cn string) *mtlsCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageCertSign, BasicConstraintsValid: true, IsCA: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return &mtlsCA{cert: c, key: key, pem: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
}

// client issues a client certificate with common name cn.
func (ca *mtlsCA) client(t *testing.T, cn string, serial int64) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

const mtlsHost = "api.mtls.test"

// mtlsInvoker stands in for Lambda: it keeps the proxy event, and the
// REQUEST authorizer's event (function "authz", which allows).
type mtlsInvoker struct {
	mu        sync.Mutex
	event     gateway.ProxyEvent
	authzType string
	authz     gateway.ProxyEvent
}

func (f *mtlsInvoker) InvokeFromGateway(ctx context.Context, fn, src string, ev []byte) ([]byte, string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if strings.HasSuffix(fn, ":function:authz") {
		var typ struct {
			Type string `json:"type"`
		}
		if err := json.Unmarshal(ev, &typ); err != nil {
			return nil, "", err
		}
		f.authzType = typ.Type
		if err := json.Unmarshal(ev, &f.authz); err != nil {
			return nil, "", err
		}
		return []byte(`{"principalId":"cert-user","policyDocument":{"Version":"2012-10-17","Statement":[
			{"Action":"execute-api:Invoke","Effect":"Allow","Resource":"*"}]}}`), "", nil
	}
	if err := json.Unmarshal(ev, &f.event); err != nil {
		return nil, "", err
	}
	return []byte(`{"statusCode": 200, "body": "ok"}`), "", nil
}

// TestMutualTLSDomain: a custom domain with mutualTlsAuthentication (its
// truststore in gatehouse's S3) requires a client certificate on the TLS
// listener for its host name: without one the handshake fails, one from
// another CA gets 403 Forbidden, one from the truststore's CA reaches the
// method, which sees it in $context.identity.clientCert. Other host
// names on the listener need none. Also: a bad truststore is a
// BadRequestException; aws CLI v1 create-domain-name
// --mutual-tls-authentication.
func TestMutualTLSDomain(t *testing.T) {
	t.Parallel()
	srv := gatehousetest.Start(t, gatehousetest.WithTLS(), func(c *config.Config) { c.TLSHostnames = []string{mtlsHost, "cli.mtls.test"} })
	ctx := context.Background()
	cfg := sdkConfig(t, srv.TLSURL, srv.CACert, gatehousetest.AccessKeyID, gatehousetest.SecretAccessKey)
	s3c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	ag := apigateway.NewFromConfig(cfg)

	trusted, other := newMTLSCA(t, "trusted CA"), newMTLSCA(t, "other CA")
	if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("truststores")}); err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string][]byte{"ok.pem": trusted.pem, "bad.pem": []byte("not a certificate"),
		"key.pem": []byte("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")} {
		if _, err := s3c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("truststores"), Key: aws.String(k), Body: bytes.NewReader(v)}); err != nil {
			t.Fatal(err)
		}
	}

	// An API whose MOCK method echoes the client certificate.
	api, err := ag.CreateRestApi(ctx, &apigateway.CreateRestApiInput{Name: aws.String("mtls")})
	if err != nil {
		t.Fatal(err)
	}
	root := *api.RootResourceId
	fnRes, err := ag.CreateResource(ctx, &apigateway.CreateResourceInput{RestApiId: api.Id, ParentId: &root, PathPart: aws.String("fn")})
	if err != nil {
		t.Fatal(err)
	}
	inv := &mtlsInvoker{}
	srv.App.Services.Gateway.(*gateway.Gateway).SetInvoker(inv)
	// /authz: a REQUEST authorizer (no cache) in front of the function.
	authzRes, err := ag.CreateResource(ctx, &apigateway.CreateResourceInput{RestApiId: api.Id, ParentId: &root, PathPart: aws.String("authz")})
	if err != nil {
		t.Fatal(err)
	}
	authorizer, err := ag.CreateAuthorizer(ctx, &apigateway.CreateAuthorizerInput{RestApiId: api.Id, Name: aws.String("cert"),
		Type: agtypes.AuthorizerTypeRequest, IdentitySource: aws.String("method.request.header.X-Who"), AuthorizerResultTtlInSeconds: aws.Int32(0),
		AuthorizerUri: aws.String("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:authz/invocations")})
	if err != nil {
		t.Fatal(err)
	}
	steps := []func() error{
		func() error {
			_, err := ag.PutMethod(ctx, &apigateway.PutMethodInput{RestApiId: api.Id, ResourceId: authzRes.Id, HttpMethod: aws.String("GET"),
				AuthorizationType: aws.String("CUSTOM"), AuthorizerId: authorizer.Id})
			return err
		},
		func() error {
			_, err := ag.PutIntegration(ctx, &apigateway.PutIntegrationInput{RestApiId: api.Id, ResourceId: authzRes.Id, HttpMethod: aws.String("GET"),
				Type: agtypes.IntegrationTypeAwsProxy, IntegrationHttpMethod: aws.String("POST"),
				Uri: aws.String("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:hello/invocations")})
			return err
		},
		func() error {
			_, err := ag.PutMethod(ctx, &apigateway.PutMethodInput{RestApiId: api.Id, ResourceId: fnRes.Id, HttpMethod: aws.String("GET"), AuthorizationType: aws.String("NONE")})
			return err
		},
		func() error {
			_, err := ag.PutIntegration(ctx, &apigateway.PutIntegrationInput{RestApiId: api.Id, ResourceId: fnRes.Id, HttpMethod: aws.String("GET"),
				Type: agtypes.IntegrationTypeAwsProxy, IntegrationHttpMethod: aws.String("POST"),
				Uri: aws.String("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:hello/invocations")})
			return err
		},
		func() error {
			_, err := ag.PutMethod(ctx, &apigateway.PutMethodInput{RestApiId: api.Id, ResourceId: &root, HttpMethod: aws.String("GET"), AuthorizationType: aws.String("NONE")})
			return err
		},
		func() error {
			_, err := ag.PutIntegration(ctx, &apigateway.PutIntegrationInput{RestApiId: api.Id, ResourceId: &root, HttpMethod: aws.String("GET"),
				Type: agtypes.IntegrationTypeMock, RequestTemplates: map[string]string{"application/json": `{"statusCode": 200}`}})
			return err
		},
		func() error {
			_, err := ag.PutMethodResponse(ctx, &apigateway.PutMethodResponseInput{RestApiId: api.Id, ResourceId: &root, HttpMethod: aws.String("GET"), StatusCode: aws.String("200")})
			return err
		},
		func() error {
			_, err := ag.PutIntegrationResponse(ctx, &apigateway.PutIntegrationResponseInput{RestApiId: api.Id, ResourceId: &root, HttpMethod: aws.String("GET"),
				StatusCode: aws.String("200"), ResponseTemplates: map[string]string{"application/json": `$context.identity.clientCert.subjectDN|$context.identity.clientCert.issuerDN|$context.identity.clientCert.serialNumber|$context.identity.clientCert.validity.notBefore`}})
			return err
		},
		func() error {
			_, err := ag.CreateDeployment(ctx, &apigateway.CreateDeploymentInput{RestApiId: api.Id, StageName: aws.String("prod")})
			return err
		},
	}
	for _, s := range steps {
		if err := s(); err != nil {
			t.Fatal(err)
		}
	}

	// Bad truststores.
	for _, tc := range []struct{ uri, want string }{
		{"https://example.com/x.pem", "not a valid S3 uri"},
		{"s3://truststores/missing.pem", "Unable to download truststore"},
		{"s3://truststores/bad.pem", "The truststore is invalid"},
		{"s3://truststores/key.pem", "The truststore is invalid"},
	} {
		_, err := ag.CreateDomainName(ctx, &apigateway.CreateDomainNameInput{DomainName: aws.String("bad.mtls.test"),
			MutualTlsAuthentication: &agtypes.MutualTlsAuthenticationInput{TruststoreUri: aws.String(tc.uri)}})
		if err == nil || !strings.Contains(err.Error(), "BadRequestException") || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("truststore %s: %v, want BadRequestException %q", tc.uri, err, tc.want)
		}
	}

	// ownershipVerificationCertificateArn must be an ACM certificate ARN.
	for _, bad := range []string{"not-an-arn", "arn:aws:iam::000000000000:server-certificate/x",
		"arn:aws:acm:us-east-1:000000000000:certificate/", "arn:aws:acm:::certificate/abc"} {
		_, err := ag.CreateDomainName(ctx, &apigateway.CreateDomainNameInput{DomainName: aws.String("owner.mtls.test"),
			OwnershipVerificationCertificateArn: aws.String(bad)})
		if err == nil || !strings.Contains(err.Error(), "BadRequestException") {
			t.Errorf("ownershipVerificationCertificateArn %q: %v, want BadRequestException", bad, err)
		}
	}
	ownerCert := "arn:aws:acm:us-east-1:000000000000:certificate/0f5e4a8c-1b2d-4e6f-8a9b-0c1d2e3f4a5b"
	dn, err := ag.CreateDomainName(ctx, &apigateway.CreateDomainNameInput{DomainName: aws.String(mtlsHost),
		EndpointConfiguration:               &agtypes.EndpointConfiguration{Types: []agtypes.EndpointType{"REGIONAL"}},
		MutualTlsAuthentication:             &agtypes.MutualTlsAuthenticationInput{TruststoreUri: aws.String("s3://truststores/ok.pem")},
		OwnershipVerificationCertificateArn: aws.String(ownerCert)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(dn.OwnershipVerificationCertificateArn) != ownerCert {
		t.Errorf("CreateDomainName ownershipVerificationCertificateArn = %q", aws.ToString(dn.OwnershipVerificationCertificateArn))
	}
	if m := dn.MutualTlsAuthentication; m == nil || aws.ToString(m.TruststoreUri) != "s3://truststores/ok.pem" || len(m.TruststoreWarnings) != 0 {
		t.Fatalf("mutualTlsAuthentication %+v", m)
	}
	got, err := ag.GetDomainName(ctx, &apigateway.GetDomainNameInput{DomainName: aws.String(mtlsHost)})
	if err != nil || got.MutualTlsAuthentication == nil || aws.ToString(got.MutualTlsAuthentication.TruststoreUri) != "s3://truststores/ok.pem" ||
		aws.ToString(got.OwnershipVerificationCertificateArn) != ownerCert {
		t.Fatalf("GetDomainName: %+v %v", got, err)
	}
	ownerCert2 := "arn:aws:acm:us-east-1:000000000000:certificate/1a2b3c4d-0000-4000-8000-000000000002"
	if up, err := ag.UpdateDomainName(ctx, &apigateway.UpdateDomainNameInput{DomainName: aws.String(mtlsHost),
		PatchOperations: []agtypes.PatchOperation{{Op: agtypes.OpReplace, Path: aws.String("/ownershipVerificationCertificateArn"), Value: aws.String(ownerCert2)}}}); err != nil ||
		aws.ToString(up.OwnershipVerificationCertificateArn) != ownerCert2 {
		t.Errorf("UpdateDomainName ownershipVerificationCertificateArn: %+v %v", up, err)
	}
	if _, err := ag.UpdateDomainName(ctx, &apigateway.UpdateDomainNameInput{DomainName: aws.String(mtlsHost),
		PatchOperations: []agtypes.PatchOperation{{Op: agtypes.OpReplace, Path: aws.String("/ownershipVerificationCertificateArn"), Value: aws.String("arn:aws:s3:::bucket/cert")}}}); err == nil ||
		!strings.Contains(err.Error(), "BadRequestException") {
		t.Errorf("UpdateDomainName with an S3 ARN as ownershipVerificationCertificateArn: %v, want BadRequestException", err)
	}
	if _, err := ag.CreateBasePathMapping(ctx, &apigateway.CreateBasePathMappingInput{DomainName: aws.String(mtlsHost),
		RestApiId: api.Id, Stage: aws.String("prod")}); err != nil {
		t.Fatal(err)
	}

	caPEM, err := os.ReadFile(srv.CACert)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(caPEM)
	addr := strings.TrimPrefix(srv.TLSURL, "https://")
	_, port, _ := net.SplitHostPort(addr)
	var getPath func(host, path string, certs ...tls.Certificate) (int, string, error)
	get := func(host string, certs ...tls.Certificate) (int, string, error) {
		return getPath(host, "/", certs...)
	}
	getPath = func(host, path string, certs ...tls.Certificate) (int, string, error) {
		tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots, ServerName: host, Certificates: certs},
			DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
				return (&net.Dialer{}).DialContext(ctx, network, addr)
			}}
		defer tr.CloseIdleConnections()
		resp, err := (&http.Client{Transport: tr}).Get("https://" + host + ":" + port + path)
		if err != nil {
			return 0, "", err
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), nil
	}

	// Without a client certificate: the handshake fails.
	if st, body, err := get(mtlsHost); err == nil {
		t.Errorf("no client certificate: %d %s, want a failed handshake", st, body)
	} else if !strings.Contains(err.Error(), "certificate required") && !strings.Contains(err.Error(), "handshake") {
		t.Errorf("no client certificate: %v, want a failed handshake", err)
	}
	// A certificate from another CA: 403 Forbidden.
	if st, body, err := get(mtlsHost, other.client(t, "mallory", 9)); err != nil || st != 403 || !strings.Contains(body, `"Forbidden"`) {
		t.Errorf("other CA: %d %s %v, want 403 Forbidden", st, body, err)
	}
	// The truststore's CA: the method runs and sees the certificate.
	st, body, err := get(mtlsHost, trusted.client(t, "alice", 42))
	if err != nil || st != 200 {
		t.Fatalf("trusted certificate: %d %s %v", st, body, err)
	}
	parts := strings.Split(body, "|")
	if len(parts) != 4 || parts[0] != "CN=alice" || parts[1] != "CN=trusted CA" || parts[2] != "42" || !strings.HasSuffix(parts[3], " GMT") {
		t.Errorf("clientCert in $context: %q", body)
	}
	// AWS_PROXY: requestContext.identity.clientCert.
	if st, body, err := getPath(mtlsHost, "/fn", trusted.client(t, "carol", 7)); err != nil || st != 200 {
		t.Fatalf("AWS_PROXY: %d %s %v", st, body, err)
	}
	inv.mu.Lock()
	cc := inv.event.RequestContext.Identity.ClientCert
	inv.mu.Unlock()
	if cc == nil || cc.SubjectDN != "CN=carol" || cc.IssuerDN != "CN=trusted CA" || cc.SerialNumber != "7" ||
		!strings.HasPrefix(cc.ClientCertPem, "-----BEGIN CERTIFICATE-----") || cc.Validity["notAfter"] == "" {
		t.Errorf("requestContext.identity.clientCert %+v", cc)
	}
	// A REQUEST authorizer's event carries requestContext.identity.clientCert.
	authzGet := func(certs ...tls.Certificate) (int, string, error) {
		tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots, ServerName: mtlsHost, Certificates: certs},
			DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
				return (&net.Dialer{}).DialContext(ctx, network, addr)
			}}
		defer tr.CloseIdleConnections()
		req, _ := http.NewRequest("GET", "https://"+mtlsHost+":"+port+"/authz", nil)
		req.Header.Set("X-Who", "erin")
		resp, err := (&http.Client{Transport: tr}).Do(req)
		if err != nil {
			return 0, "", err
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), nil
	}
	if st, body, err := authzGet(trusted.client(t, "erin", 11)); err != nil || st != 200 {
		t.Fatalf("REQUEST authorizer on the mTLS domain: %d %s %v", st, body, err)
	}
	inv.mu.Lock()
	atyp, acc := inv.authzType, inv.authz.RequestContext.Identity.ClientCert
	inv.mu.Unlock()
	if atyp != "REQUEST" || acc == nil || acc.SubjectDN != "CN=erin" || acc.IssuerDN != "CN=trusted CA" || acc.SerialNumber != "11" ||
		!strings.HasPrefix(acc.ClientCertPem, "-----BEGIN CERTIFICATE-----") || acc.Validity["notBefore"] == "" {
		t.Errorf("authorizer event (%s) requestContext.identity.clientCert %+v", atyp, acc)
	}
	// curl with --cert/--key, and without.
	if _, err := exec.LookPath("curl"); err == nil {
		dir := t.TempDir()
		c := trusted.client(t, "dave", 8)
		kder, err := x509.MarshalPKCS8PrivateKey(c.PrivateKey)
		if err != nil {
			t.Fatal(err)
		}
		certFile, keyFile := dir+"/c.pem", dir+"/k.pem"
		if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Certificate[0]}), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
			t.Fatal(err)
		}
		resolve := mtlsHost + ":" + port + ":127.0.0.1"
		url := "https://" + mtlsHost + ":" + port + "/"
		out, err := exec.Command("curl", "-sS", "--cacert", srv.CACert, "--resolve", resolve, "--cert", certFile, "--key", keyFile, url).CombinedOutput()
		if err != nil || !strings.HasPrefix(string(out), "CN=dave|CN=trusted CA|8|") {
			t.Errorf("curl --cert: %v\n%s", err, out)
		}
		if out, err := exec.Command("curl", "-sS", "--cacert", srv.CACert, "--resolve", resolve, url).CombinedOutput(); err == nil {
			t.Errorf("curl without --cert: %s, want a failed handshake", out)
		}
	}
	// Another host name on the same listener needs no client certificate.
	if st, _, err := get("localhost"); err != nil || st != 403 {
		t.Errorf("localhost without a certificate: %d %v, want the gateway's 403 (no route)", st, err)
	}
	// The domain's Host header over another server name gets no pass.
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots, ServerName: "localhost"}}
	req, _ := http.NewRequest("GET", srv.TLSURL+"/", nil)
	req.Host = mtlsHost + ":" + port
	if resp, err := (&http.Client{Transport: tr}).Do(req); err != nil || resp.StatusCode != 403 {
		t.Errorf("Host %s over SNI localhost: %v %v, want 403", mtlsHost, resp, err)
	} else {
		resp.Body.Close()
	}
	tr.CloseIdleConnections()
	// Nor over the plaintext listener.
	req, _ = http.NewRequest("GET", srv.URL+"/", nil)
	req.Host = mtlsHost
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 403 {
		t.Errorf("Host %s over plain HTTP: %v %v, want 403", mtlsHost, resp, err)
	} else {
		resp.Body.Close()
	}

	// UpdateDomainName to the other CA's truststore: alice is refused now.
	if _, err := s3c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("truststores"), Key: aws.String("other.pem"), Body: bytes.NewReader(other.pem)}); err != nil {
		t.Fatal(err)
	}
	up, err := ag.UpdateDomainName(ctx, &apigateway.UpdateDomainNameInput{DomainName: aws.String(mtlsHost),
		PatchOperations: []agtypes.PatchOperation{{Op: agtypes.OpReplace, Path: aws.String("/mutualTlsAuthentication/truststoreUri"), Value: aws.String("s3://truststores/other.pem")}}})
	if err != nil || up.MutualTlsAuthentication == nil || aws.ToString(up.MutualTlsAuthentication.TruststoreUri) != "s3://truststores/other.pem" {
		t.Fatalf("UpdateDomainName: %+v %v", up, err)
	}
	if st, _, err := get(mtlsHost, trusted.client(t, "alice", 43)); err != nil || st != 403 {
		t.Errorf("after the update, the old CA: %d %v, want 403", st, err)
	}
	if st, body, err := get(mtlsHost, other.client(t, "bob", 44)); err != nil || st != 200 || !strings.HasPrefix(body, "CN=bob|") {
		t.Errorf("after the update, the new CA: %d %s %v", st, body, err)
	}

	// An empty truststoreUri turns mutual TLS off: no certificate needed.
	off, err := ag.UpdateDomainName(ctx, &apigateway.UpdateDomainNameInput{DomainName: aws.String(mtlsHost),
		PatchOperations: []agtypes.PatchOperation{{Op: agtypes.OpReplace, Path: aws.String("/mutualTlsAuthentication/truststoreUri"), Value: aws.String("")}}})
	if err != nil || off.MutualTlsAuthentication != nil {
		t.Fatalf("UpdateDomainName off: %+v %v", off, err)
	}
	if st, body, err := get(mtlsHost); err != nil || st != 200 || body != "|||" {
		t.Errorf("mutual TLS off, no certificate: %d %q %v", st, body, err)
	}

	// aws CLI v1.
	if _, err := exec.LookPath("aws"); err != nil {
		t.Log("aws CLI not installed: not run")
		return
	}
	cmd := exec.Command("aws", "apigateway", "create-domain-name", "--domain-name", "cli.mtls.test",
		"--regional-certificate-arn", "arn:aws:acm:us-east-1:000000000000:certificate/x", "--endpoint-configuration", "types=REGIONAL",
		"--mutual-tls-authentication", "truststoreUri=s3://truststores/ok.pem", "--output", "json")
	cmd.Env = append(gatehousetest.ClientEnv(srv.TLSURL, gatehousetest.AccessKeyID, gatehousetest.SecretAccessKey), "AWS_CA_BUNDLE="+srv.CACert)
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if errors.As(err, &ee) || err != nil || !strings.Contains(string(out), `"truststoreUri": "s3://truststores/ok.pem"`) {
		t.Errorf("aws apigateway create-domain-name --mutual-tls-authentication: %v\n%s", err, out)
	}
}
