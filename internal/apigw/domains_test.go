package apigw_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"encoding/xml"
	"io"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"

	"github.com/gatehouse-dev/gatehouse/internal/apigw"
	"github.com/gatehouse-dev/gatehouse/internal/config"
	"github.com/gatehouse-dev/gatehouse/internal/gatehousetest"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// testCA issues certificates for the tests.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pem  string
}

func newKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func certPEM(der []byte) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

func keyPEM(t *testing.T, k *ecdsa.PrivateKey) string {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

var serial int64

func newCA(t *testing.T, name string, parent *testCA) *testCA {
	t.Helper()
	serial++
	k := newKey(t)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	signer, signerKey := tmpl, k
	if parent != nil {
		signer, signerKey = parent.cert, parent.key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, signer, &k.PublicKey, signerKey)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return &testCA{cert: c, key: k, pem: certPEM(der)}
}

// leaf issues a TLS server certificate for names, valid from nb to na,
// for key k.
func (ca *testCA) leaf(t *testing.T, k *ecdsa.PrivateKey, nb, na time.Time, names ...string) string {
	t.Helper()
	serial++
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: names[0]}, DNSNames: names,
		NotBefore: nb, NotAfter: na, KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &k.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	return certPEM(der)
}

// createAccount creates an account with gatehouse's CreateAccount action.
func createAccount(t *testing.T, s *gatehousetest.Server, id string) aws.Credentials {
	t.Helper()
	form := "Action=CreateAccount&Version=2010-05-08&AccountId=" + id
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/", strings.NewReader(form))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	sum := sha256.Sum256([]byte(form))
	if err := v4.NewSigner().SignHTTP(context.Background(), root, req, hex.EncodeToString(sum[:]), "iam", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out struct {
		Result struct {
			AccessKeyID     string `xml:"AccessKeyId"`
			SecretAccessKey string `xml:"SecretAccessKey"`
		} `xml:"CreateAccountResult"`
	}
	if err := xml.Unmarshal(b, &out); err != nil || out.Result.AccessKeyID == "" {
		t.Fatalf("create account: %d %s", resp.StatusCode, b)
	}
	return aws.Credentials{AccessKeyID: out.Result.AccessKeyID, SecretAccessKey: out.Result.SecretAccessKey}
}

// mockAPI imports a NONE-authorized MOCK API answering {"owner": owner} on
// GET /hi and deploys it to stage "live".
func mockAPI(t *testing.T, c *apigateway.Client, owner string) string {
	t.Helper()
	ctx := context.Background()
	doc := `{"openapi":"3.0.1","info":{"title":"m","version":"1"},"paths":{"/hi":{"get":{"responses":{"200":{"description":"ok"}},
		"x-amazon-apigateway-integration":{"type":"mock","requestTemplates":{"application/json":"{\"statusCode\": 200}"},
		"responses":{"default":{"statusCode":"200","responseTemplates":{"application/json":"{\"owner\":\"` + owner + `\"}"}}}}}}}}`
	api, err := c.ImportRestApi(ctx, &apigateway.ImportRestApiInput{Body: []byte(doc)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateDeployment(ctx, &apigateway.CreateDeploymentInput{RestApiId: api.Id, StageName: aws.String("live")}); err != nil {
		t.Fatal(err)
	}
	return *api.Id
}

// viaHost calls GET /hi on the custom domain host and returns the status
// and the owner the MOCK integration names.
func viaHost(t *testing.T, s *gatehousetest.Server, host string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.URL+"/hi", nil)
	req.Host = host
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct{ Owner string }
	b, _ := io.ReadAll(resp.Body)
	_ = json.Unmarshal(b, &out)
	return resp.StatusCode, out.Owner
}

const (
	acctA = "111111111111"
	acctB = "222222222222"
)

// TestDomainClaims is issue #12 item 10: a custom domain name is claimed
// by proving control (the operator's allowance, or a certificate from a
// CA the operator trusts), has one owner, and routes only to its owner's
// APIs.
func TestDomainClaims(t *testing.T) {
	root1 := newCA(t, "trusted root", nil)
	inter := newCA(t, "trusted intermediate", root1)
	rogue := newCA(t, "rogue root", nil)
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, []byte(root1.pem), 0o600); err != nil {
		t.Fatal(err)
	}
	s := gatehousetest.Start(t, func(c *config.Config) {
		c.DomainCA = caFile
		c.DomainNames = []string{acctA + "=a.example.com,*.a-corp.example"}
	})
	ctx := context.Background()
	a := client(s, "us-east-1", createAccount(t, s, acctA))
	b := client(s, "us-east-1", createAccount(t, s, acctB))

	now := time.Now()
	kB := newKey(t)
	good := func(names ...string) string {
		return root1.leaf(t, kB, now.Add(-time.Hour), now.Add(time.Hour), names...)
	}
	viaInter := inter.leaf(t, kB, now.Add(-time.Hour), now.Add(time.Hour), "chain.example.com")

	type claim struct {
		name, body, key, chain string
	}
	tests := []struct {
		what   string
		who    *apigateway.Client
		in     claim
		code   string // "" = success
		prefix string // of the error message
	}{
		{"B claims a name allowed only to A", b, claim{name: "a.example.com"}, "BadRequestException", "Domain name a.example.com is not allowed for account " + acctB},
		{"A claims its allowed name", a, claim{name: "a.example.com"}, "", ""},
		{"B claims A's name again", b, claim{name: "a.example.com"}, "BadRequestException", "Domain name a.example.com is not allowed"},
		{"B claims A's name with a trusted certificate", b, claim{name: "a.example.com", body: good("a.example.com"), key: keyPEM(t, kB)}, "BadRequestException", "The domain name you provided already exists."},
		{"B claims A's name in upper case", b, claim{name: "A.EXAMPLE.COM", body: good("a.example.com"), key: keyPEM(t, kB)}, "BadRequestException", "The domain name you provided already exists."},
		{"a trailing dot is not another name", b, claim{name: "a.example.com.", body: good("a.example.com"), key: keyPEM(t, kB)}, "BadRequestException", "Invalid domain name specified"},
		{"a Unicode look-alike is refused", b, claim{name: "\u212a.a-corp.example"}, "BadRequestException", "Invalid domain name specified"},
		{"B claims a name of A's wildcard", b, claim{name: "x.a-corp.example"}, "BadRequestException", "Domain name x.a-corp.example is not allowed"},
		{"A claims a name of its wildcard", a, claim{name: "x.a-corp.example"}, "", ""},
		{"a wildcard covers one label", a, claim{name: "y.x.a-corp.example"}, "BadRequestException", "Domain name y.x.a-corp.example is not allowed"},
		{"B claims its name with a trusted certificate", b, claim{name: "b.example.com", body: good("b.example.com"), key: keyPEM(t, kB)}, "", ""},
		{"a wildcard certificate covers one label", b, claim{name: "w.wild.example.com", body: good("*.wild.example.com"), key: keyPEM(t, kB)}, "", ""},
		{"a self-signed certificate is refused", b, claim{name: "self.example.com", body: rogue.leaf(t, kB, now.Add(-time.Hour), now.Add(time.Hour), "self.example.com"), key: keyPEM(t, kB)}, "BadRequestException", "Invalid certificate: x509: certificate signed by unknown authority"},
		{"a self-signed CA chain is refused", b, claim{name: "self.example.com", body: rogue.leaf(t, kB, now.Add(-time.Hour), now.Add(time.Hour), "self.example.com"), key: keyPEM(t, kB), chain: rogue.pem}, "BadRequestException", "Invalid certificate: x509: certificate signed by unknown authority"},
		{"a certificate for another name is refused", b, claim{name: "d.example.com", body: good("other.example.com"), key: keyPEM(t, kB)}, "BadRequestException", "Invalid certificate: x509: certificate is valid for other.example.com, not d.example.com"},
		{"a certificate without its key is refused", b, claim{name: "e.example.com", body: good("e.example.com"), key: keyPEM(t, newKey(t))}, "BadRequestException", "Invalid certificate: the private key does not match the certificate"},
		{"a certificate without a key is refused", b, claim{name: "e.example.com", body: good("e.example.com")}, "BadRequestException", "Invalid certificate: certificateBody and certificatePrivateKey are both required"},
		{"an expired certificate is refused", b, claim{name: "old.example.com", body: root1.leaf(t, kB, now.Add(-48*time.Hour), now.Add(-time.Hour), "old.example.com"), key: keyPEM(t, kB)}, "BadRequestException", "Invalid certificate: x509: certificate has expired"},
		{"an intermediate needs its chain", b, claim{name: "chain.example.com", body: viaInter, key: keyPEM(t, kB)}, "BadRequestException", "Invalid certificate: x509: certificate signed by unknown authority"},
		{"a chain through an intermediate", b, claim{name: "chain.example.com", body: viaInter, key: keyPEM(t, kB), chain: inter.pem}, "", ""},
		{"the CA itself is no leaf", b, claim{name: "ca.example.com", body: root1.pem, key: keyPEM(t, root1.key)}, "BadRequestException", "Invalid certificate: x509: certificate is not valid for any names"},
	}
	for _, tc := range tests {
		t.Run(tc.what, func(t *testing.T) {
			in := &apigateway.CreateDomainNameInput{DomainName: aws.String(tc.in.name)}
			if tc.in.body != "" {
				in.CertificateBody = aws.String(tc.in.body)
			}
			if tc.in.key != "" {
				in.CertificatePrivateKey = aws.String(tc.in.key)
			}
			if tc.in.chain != "" {
				in.CertificateChain = aws.String(tc.in.chain)
			}
			_, err := tc.who.CreateDomainName(ctx, in)
			if tc.code == "" {
				if err != nil {
					t.Fatalf("got %v, want success", err)
				}
				return
			}
			wantAPIErrorPrefix(t, err, tc.code, tc.prefix)
		})
	}

	// Routing: each name goes to its owner's API only.
	apiA, apiB := mockAPI(t, a, "A"), mockAPI(t, b, "B")
	if _, err := b.CreateBasePathMapping(ctx, &apigateway.CreateBasePathMappingInput{DomainName: aws.String("a.example.com"), RestApiId: aws.String(apiB), Stage: aws.String("live")}); err == nil {
		t.Fatal("B mapped its API on A's domain name")
	} else {
		wantAPIError(t, err, "NotFoundException", "Invalid domain name identifier specified")
	}
	if _, err := b.GetDomainName(ctx, &apigateway.GetDomainNameInput{DomainName: aws.String("a.example.com")}); err == nil {
		t.Fatal("B reads A's domain name")
	}
	for _, m := range []struct {
		c      *apigateway.Client
		domain string
		api    string
	}{{a, "a.example.com", apiA}, {b, "b.example.com", apiB}} {
		if _, err := m.c.CreateBasePathMapping(ctx, &apigateway.CreateBasePathMappingInput{DomainName: aws.String(m.domain), RestApiId: aws.String(m.api), Stage: aws.String("live")}); err != nil {
			t.Fatal(err)
		}
	}
	for host, want := range map[string]string{"a.example.com": "A", "A.Example.COM": "A", "b.example.com": "B"} {
		if st, owner := viaHost(t, s, host); st != 200 || owner != want {
			t.Errorf("GET /hi on %s: got %d owner %q, want 200 %q", host, st, owner, want)
		}
	}
	if st, _ := viaHost(t, s, "self.example.com"); st != 403 {
		t.Errorf("an unclaimed name routes: %d", st)
	}
}

func wantAPIErrorPrefix(t *testing.T, err error, code, prefix string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got success, want %s", code)
	}
	msg := err.Error()
	if !strings.Contains(msg, code) || !strings.Contains(msg, prefix) {
		t.Fatalf("got %v, want %s %q...", err, code, prefix)
	}
}

// TestDomainsFromBeforeClaims: a domain name stored before claims were
// checked routes only while the operator allows it to its owner, and a
// claim the operator withdraws stops routing at the next start.
func TestDomainsFromBeforeClaims(t *testing.T) {
	dir := t.TempDir()
	s := gatehousetest.Start(t, gatehousetest.WithDataDir(dir))
	ctx := context.Background()
	b := client(s, "us-east-1", createAccount(t, s, acctB))
	apiB := mockAPI(t, b, "B")
	// What CreateDomainName and CreateBasePathMapping stored before.
	legacy := apigw.DomainRecord{Domain: apigw.DomainName{DomainName: "legacy.example.com", DomainNameStatus: "AVAILABLE"}, Account: acctB, Region: "us-east-1"}
	mapping := apigw.BasePathRecord{Domain: "legacy.example.com", Mapping: apigw.BasePathMapping{BasePath: "(none)", RestAPIID: apiB, Stage: "live"}}
	if _, err := s.App.Store.Update(ctx, func(tx store.Tx) error {
		d, _ := json.Marshal(legacy)
		m, _ := json.Marshal(mapping)
		if err := tx.Put(apigw.KindDomain, "legacy.example.com", d); err != nil {
			return err
		}
		return tx.Put(apigw.KindBasePath, "legacy.example.com/(none)", m)
	}); err != nil {
		t.Fatal(err)
	}
	s.Close()

	for _, step := range []struct {
		what  string
		allow []string
		want  int
	}{
		{"not allowed: not routed", nil, 403},
		{"allowed at start: routed", []string{acctB + "=legacy.example.com"}, 200},
		{"allowance removed: not routed", []string{acctA + "=legacy.example.com"}, 403},
	} {
		s := gatehousetest.Start(t, gatehousetest.WithDataDir(dir), func(c *config.Config) { c.DomainNames = step.allow })
		if st, _ := viaHost(t, s, "legacy.example.com"); st != step.want {
			t.Errorf("%s: got %d, want %d", step.what, st, step.want)
		}
		s.Close()
	}
}
