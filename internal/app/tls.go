package app

import (
	"crypto/tls"
	"crypto/x509"
	"net"
	"net/http"
	"time"
)

// TLSListener describes the server's TLS listener to the services.
type TLSListener struct {
	// URL is https://HOST:PORT of the bound listener.
	URL string
	// CACert is the PEM certificate of the local CA that issued the
	// listener's certificate; nil with the operator's certificate.
	CACert []byte
	// Config is the listener's TLS configuration (also served inside
	// function sandboxes).
	Config *tls.Config
}

// SetTLS tells the services about the TLS listener, once it is bound:
// functions get it as AWS_ENDPOINT_URL with the CA to trust, and
// CloudFormation's resource providers call it (so that their S3 and other
// calls carry aws:SecureTransport=true, as AWS's own calls do).
//
// It also makes the listener ask for a client certificate on the host
// names of custom domains with mutual TLS (requireClientCerts).
func (a *App) SetTLS(t TLSListener) error {
	a.requireClientCerts(t.Config)
	if a.lambdaParts.Lambda != nil {
		if err := a.lambdaParts.Lambda.SetTLS(t.URL, t.CACert, t.Config); err != nil {
			return err
		}
	}
	if a.cfnParts.CloudFormation != nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.Proxy = nil // gatehouse's own endpoint, never through a proxy
		if len(t.CACert) > 0 {
			pool, err := x509.SystemCertPool()
			if err != nil || pool == nil {
				pool = x509.NewCertPool()
			}
			pool.AppendCertsFromPEM(t.CACert)
			tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
		}
		a.self.Store(&selfRoute{tr: tr})
		a.cfnParts.CloudFormation.SetEndpoint(t.URL)
	}
	return nil
}

// SetURLSuffix sets the domain of the URLs gatehouse gives out (with its
// port, if any): CloudFormation's AWS::URLSuffix, function URLs, and the
// names function sandboxes resolve to gatehouse.
func (a *App) SetURLSuffix(suffix string) {
	if a.cfnParts.CloudFormation != nil {
		a.cfnParts.CloudFormation.SetURLSuffix(suffix)
	}
	if a.apigwParts.APIGW != nil {
		a.apigwParts.APIGW.SetURLSuffix(suffix)
	}
	if fn := a.lambdaParts.Lambda; fn != nil {
		fn.SetURLSuffix(suffix)
		domain := suffix
		if h, _, err := net.SplitHostPort(suffix); err == nil {
			domain = h
		}
		gw := a.apigwParts.Gateway
		fn.SetHostNames(func() []string {
			if gw == nil {
				return nil
			}
			return gw.InvokeHosts(domain)
		})
	}
}

// selfRoute is how the server's own clients (CloudFormation's providers)
// reach it: plain HTTP until SetTLS, then the TLS listener.
type selfRoute struct{ tr *http.Transport }

// selfTransport sends through the current selfRoute.
type selfTransport struct{ a *App }

func (t selfTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if p := t.a.self.Load(); p != nil {
		return p.tr.RoundTrip(r)
	}
	return http.DefaultTransport.RoundTrip(r)
}

// selfClient is the HTTP client of the server's calls to itself.
func (a *App) selfClient() *http.Client {
	return &http.Client{Timeout: 2 * time.Minute, Transport: selfTransport{a}}
}

// requireClientCerts makes cfg require a client certificate from a client
// whose server name (SNI) is a custom domain with mutual TLS: without one
// the handshake fails. Any certificate completes the handshake; the
// gateway verifies it against the domain's truststore on every request
// and answers 403 Forbidden when it does not chain there, as AWS does
// (gateway/mtls.go). No CA names are sent: a client offers its
// certificate whatever its issuer, and gets AWS's answer. Other names
// are served as before.
func (a *App) requireClientCerts(cfg *tls.Config) {
	gw := a.apigwParts.Gateway
	if gw == nil || cfg == nil || cfg.GetConfigForClient != nil {
		return
	}
	mtls := cfg.Clone()
	mtls.ClientAuth = tls.RequireAnyClientCert
	cfg.GetConfigForClient = func(hello *tls.ClientHelloInfo) (*tls.Config, error) {
		if _, ok := gw.ClientCAs(hello.ServerName); !ok {
			return nil, nil
		}
		return mtls, nil
	}
}
