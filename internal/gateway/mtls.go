package gateway

import (
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"strings"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/apigw"
	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// Mutual TLS on custom domain names (apigw/mtls.go). The TLS listener asks
// a client connecting with a mutual-TLS domain as its server name for a
// certificate (ClientCAs), and fails the handshake without one. The
// gateway then verifies the certificate against the domain's current
// truststore on every request to that host, whatever the connection's
// server name was (a Host header naming the domain over another server
// name, or the plaintext listener, gets no pass): a certificate that does
// not chain to it is 403 Forbidden, as AWS answers.

// loadMTLS fills t.mtls from the stored domains: every canonical domain
// name with a truststore, its pool (nil when none of it parses: every
// client is then refused).
func loadMTLS(r store.Reader, t *Table) error {
	recs, err := r.List(apigw.KindDomain, "")
	if err != nil {
		return err
	}
	for _, rec := range recs {
		var d apigw.DomainRecord
		if err := json.Unmarshal(rec.Value, &d); err != nil {
			return err
		}
		if d.Truststore == "" && d.Domain.MutualTLSAuthentication == nil {
			continue
		}
		if t.mtls == nil {
			t.mtls = map[string]*x509.CertPool{}
		}
		t.mtls[strings.ToLower(rec.Key)] = apigw.TruststorePool(d.Truststore)
	}
	return nil
}

// ClientCAs reports whether serverName (a TLS client's SNI) is a custom
// domain with mutual TLS, and its truststore. The TLS listener's
// GetConfigForClient requires a client certificate on such a connection.
func (g *Gateway) ClientCAs(serverName string) (*x509.CertPool, bool) {
	t := g.view.Load()
	if t == nil || t.mtls == nil {
		return nil, false
	}
	p, ok := t.mtls[strings.ToLower(strings.TrimSuffix(serverName, "."))]
	return p, ok
}

// hostName is host without its port.
func hostName(host string) string {
	h := host
	if i := strings.LastIndexByte(h, ':'); i >= 0 && !strings.Contains(h[i:], "]") {
		h = h[:i]
	}
	return strings.ToLower(h)
}

// checkMTLS verifies the client certificate of a request to a mutual-TLS
// host; false when it answered 403 Forbidden.
func (g *Gateway) checkMTLS(rq *request, t *Table) bool {
	if t.mtls == nil {
		return true
	}
	pool, ok := t.mtls[hostName(rq.r.Host)]
	if !ok {
		return true
	}
	cs := rq.r.TLS
	if pool == nil || cs == nil || len(cs.PeerCertificates) == 0 {
		g.fail(rq, awserr.GatewayForbidden.New(""))
		return false
	}
	leaf := cs.PeerCertificates[0]
	inter := x509.NewCertPool()
	for _, c := range cs.PeerCertificates[1:] {
		inter.AddCert(c)
	}
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: pool, Intermediates: inter, CurrentTime: rq.start,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
		g.fail(rq, awserr.GatewayForbidden.New("").WithCause(err))
		return false
	}
	rq.clientCert = leaf
	return true
}

// clientCertVar is $context.identity.clientCert.NAME of the verified
// client certificate.
func (rq *request) clientCertVar(name string) (string, bool) {
	c := rq.clientCert
	if c == nil {
		return "", false
	}
	switch name {
	case "clientCertPem":
		return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})), true
	case "subjectDN":
		return c.Subject.String(), true
	case "issuerDN":
		return c.Issuer.String(), true
	case "serialNumber":
		return c.SerialNumber.String(), true
	case "validity.notBefore":
		return certTime(c.NotBefore), true
	case "validity.notAfter":
		return certTime(c.NotAfter), true
	}
	return "", false
}

// certTime is AWS's form of a certificate validity date
// ("May 28 12:30:02 2019 GMT").
func certTime(t time.Time) string { return t.UTC().Format("Jan _2 15:04:05 2006 GMT") }

// ProxyClientCert is requestContext.identity.clientCert of a proxy or
// authorizer event.
type ProxyClientCert struct {
	ClientCertPem string            `json:"clientCertPem"`
	SubjectDN     string            `json:"subjectDN"`
	IssuerDN      string            `json:"issuerDN"`
	SerialNumber  string            `json:"serialNumber"`
	Validity      map[string]string `json:"validity"`
}

// proxyClientCert is the event's clientCert; nil without one.
func (rq *request) proxyClientCert() *ProxyClientCert {
	if rq.clientCert == nil {
		return nil
	}
	v := func(n string) string { s, _ := rq.clientCertVar(n); return s }
	return &ProxyClientCert{ClientCertPem: v("clientCertPem"), SubjectDN: v("subjectDN"), IssuerDN: v("issuerDN"),
		SerialNumber: v("serialNumber"), Validity: map[string]string{"notBefore": v("validity.notBefore"), "notAfter": v("validity.notAfter")}}
}
