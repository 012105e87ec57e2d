package lambda

import (
	"crypto/tls"
	"errors"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/lambda/runtime"
)

// Functions and gatehouse's TLS listener.
//
// With a TLS listener (gatehouse serve --tls-listen), a function gets:
//   - AWS_ENDPOINT_URL on it (https), so that its SDK calls carry
//     aws:SecureTransport=true as on AWS;
//   - the CA that issued the listener's certificate: NODE_EXTRA_CA_CERTS
//     (the CA alone; Node adds it to its roots) and SSL_CERT_FILE,
//     AWS_CA_BUNDLE and REQUESTS_CA_BUNDLE (a bundle of the CA and the
//     host's roots, since these replace the default roots). Both files are
//     copies in the runtime dir (/var/runtime in a sandbox): certificates
//     only, never a key — the CA's key stays in DATA-DIR/tls, which no
//     sandbox binds;
//   - in a sandbox, gatehouse over TLS on the listener's port of the
//     sandbox's loopback, and in its /etc/hosts the names of the URLs
//     gatehouse gives out ({api}.execute-api.{region}.{domain} of every
//     deployed API, {id}.lambda-url.{region}.{domain} of every function
//     URL) on that loopback, so that an invoke URL from CloudFormation
//     (https://{api}.execute-api.{region}.localhost:4567/prod/) works
//     unchanged from function code.
//
// Without isolation (--lambda-isolation=none) functions share the host's
// resolver: the names resolve only if the host resolves them.

// Files in the runtime dir.
const (
	caCertFile   = "gatehouse-ca.pem"
	caBundleFile = "gatehouse-ca-bundle.pem"
)

// tlsState is what SetTLS gave.
type tlsState struct {
	url    string // https://HOST:PORT of the TLS listener
	caCert bool   // the CA files are in the runtime dir
}

// hostRoots are the system bundles appended to the CA bundle, the first
// that exists.
var hostRoots = []string{
	"/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/ca-bundle.pem",
	"/etc/pki/tls/cacert.pem", "/etc/ssl/cert.pem",
}

// SetTLS tells the service about the server's TLS listener: url is its
// https URL, caPEM the certificate of the CA functions must trust (nil
// when the operator's certificate chains to roots functions already
// trust), cfg the listener's configuration, served inside sandboxes too.
// Instances started from now on use it.
func (s *Service) SetTLS(url string, caPEM []byte, cfg *tls.Config) error {
	st := &tlsState{url: url}
	if len(caPEM) > 0 {
		bundle := append([]byte{}, caPEM...)
		for _, p := range hostRoots {
			if b, err := os.ReadFile(p); err == nil {
				bundle = append(append(bundle, '\n'), b...)
				break
			}
		}
		for name, b := range map[string][]byte{caCertFile: caPEM, caBundleFile: bundle} {
			p := filepath.Join(s.runtimeDir, name)
			if err := os.WriteFile(p+".tmp", b, 0o644); err != nil {
				return err
			}
			if err := os.Rename(p+".tmp", p); err != nil {
				return err
			}
		}
		st.caCert = true
	} else {
		for _, name := range []string{caCertFile, caBundleFile} {
			if err := os.Remove(filepath.Join(s.runtimeDir, name)); err != nil && !errors.Is(err, os.ErrNotExist) {
				return err
			}
		}
	}
	s.tls.Store(st)
	s.mgr.SetTLS(cfg)
	return nil
}

// SetURLSuffix sets the domain of the URLs the service gives out
// (function URLs: https://{id}.lambda-url.{region}.{domain}/), with its
// port if any; "" or amazonaws.com keep AWS's on.aws.
func (s *Service) SetURLSuffix(suffix string) { s.urlSuffix.Store(&suffix) }

// urlDomain is the domain (and port) of function URLs.
func (s *Service) urlDomain() string {
	if p := s.urlSuffix.Load(); p != nil && *p != "" && *p != "amazonaws.com" {
		return *p
	}
	return "on.aws"
}

// SetHostNames gives the names, besides function URL hosts (which the
// service knows), that resolve to gatehouse inside sandboxes once a TLS
// listener is set: the API Gateway invoke hosts.
func (s *Service) SetHostNames(names func() []string) {
	s.mgr.SetHosts(func() []string {
		if s.tls.Load() == nil {
			return nil
		}
		var out []string
		if names != nil {
			out = names()
		}
		domain := s.urlDomain()
		if h, _, err := net.SplitHostPort(domain); err == nil {
			domain = h
		}
		if domain != "on.aws" {
			for id, t := range s.view.Load().urls {
				out = append(out, id+".lambda-url."+t.fn.fn.Region+"."+domain)
			}
		}
		for k := range out {
			out[k] = strings.ToLower(out[k])
		}
		sort.Strings(out)
		return out
	})
}

// tlsEnv adds the TLS variables of a function's environment (after the
// user's: a function may bring its own bundle).
func (s *Service) tlsEnv(add func(k, v string), lay runtime.Layout) {
	st := s.tls.Load()
	if st == nil {
		return
	}
	ep := st.url
	if lay.Sandboxed {
		ep = runtime.SandboxEndpoint(ep)
	}
	if ep != "" {
		add("AWS_ENDPOINT_URL", ep)
	}
	if !st.caCert {
		return
	}
	dir := s.runtimeDir
	if lay.Sandboxed {
		dir = lay.RuntimeDir
	}
	add("NODE_EXTRA_CA_CERTS", dir+"/"+caCertFile)
	for _, k := range []string{"SSL_CERT_FILE", "AWS_CA_BUNDLE", "REQUESTS_CA_BUNDLE"} {
		add(k, dir+"/"+caBundleFile)
	}
}

// tlsURL is the TLS listener's URL, "" when there is none.
func (s *Service) tlsURL() string {
	if st := s.tls.Load(); st != nil {
		return st.url
	}
	return ""
}
