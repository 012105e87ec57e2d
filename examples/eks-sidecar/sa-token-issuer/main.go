// Command sa-token-issuer stands in for a Kubernetes cluster's
// service-account token issuer in the EKS sidecar example: it serves OIDC
// discovery and a JWKS over HTTPS on loopback (what gatehouse's STS fetches
// to verify tokens, as AWS STS fetches an EKS cluster's), and keeps a
// projected service-account token file fresh the way the kubelet does,
// rewriting it well before it expires.
//
//	sa-token-issuer --listen 127.0.0.1:0 --token-file /tmp/token \
//	    --ca-cert ca.pem --ca-key ca-key.pem \
//	    --sub system:serviceaccount:default:myclient-sa
//
// STS only fetches keys over HTTPS, so the issuer serves TLS with a
// certificate from a small CA: loaded from --ca-cert/--ca-key when both
// exist, otherwise created and written there (the server that verifies
// tokens must trust --ca-cert, e.g. through SSL_CERT_FILE). The token
// signing key is new on every start. It prints "issuer URL" once serving
// and stops on SIGINT/SIGTERM. It is a test fixture, not an identity provider.
package main

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "sa-token-issuer:", err)
		os.Exit(1)
	}
}

// issuer signs service-account tokens with one RSA key.
type issuer struct {
	url string
	key *rsa.PrivateKey
	kid string
	now func() time.Time
}

func newIssuer(url string) (*issuer, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(key.PublicKey.N.Bytes())
	return &issuer{url: strings.TrimSuffix(url, "/"), key: key, kid: b64(sum[:8]), now: time.Now}, nil
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// token returns a signed JWT shaped like a projected Kubernetes
// service-account token.
func (is *issuer) token(sub, aud string, ttl time.Duration) (string, error) {
	now := is.now().Unix()
	ns, sa := "default", sub
	if parts := strings.Split(sub, ":"); len(parts) == 4 && parts[0] == "system" && parts[1] == "serviceaccount" {
		ns, sa = parts[2], parts[3]
	}
	header, _ := json.Marshal(map[string]string{"alg": "RS256", "typ": "JWT", "kid": is.kid})
	claims, _ := json.Marshal(map[string]any{
		"iss": is.url, "sub": sub, "aud": []string{aud},
		"iat": now, "nbf": now, "exp": now + int64(ttl/time.Second),
		"kubernetes.io": map[string]any{"namespace": ns, "serviceaccount": map[string]string{"name": sa}},
	})
	signing := b64(header) + "." + b64(claims)
	digest := sha256.Sum256([]byte(signing))
	sig, err := rsa.SignPKCS1v15(rand.Reader, is.key, crypto.SHA256, digest[:])
	if err != nil {
		return "", err
	}
	return signing + "." + b64(sig), nil
}

func (is *issuer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var v any
	switch r.URL.Path {
	case "/.well-known/openid-configuration":
		v = map[string]any{
			"issuer":                                is.url,
			"jwks_uri":                              is.url + "/keys",
			"response_types_supported":              []string{"id_token"},
			"subject_types_supported":               []string{"public"},
			"id_token_signing_alg_values_supported": []string{"RS256"},
		}
	case "/keys":
		v = map[string]any{"keys": []map[string]string{{
			"kty": "RSA", "alg": "RS256", "use": "sig", "kid": is.kid,
			"n": b64(is.key.PublicKey.N.Bytes()),
			"e": b64(big.NewInt(int64(is.key.PublicKey.E)).Bytes()),
		}}}
	default:
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

// writeToken replaces the token file atomically, so a reader never sees a
// half-written token.
func writeToken(path, tok string) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".token-*")
	if err != nil {
		return err
	}
	if _, err := io.WriteString(tmp, tok); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), path)
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("sa-token-issuer", flag.ContinueOnError)
	listen := fs.String("listen", "127.0.0.1:0", "address to serve discovery and JWKS on")
	issuerURL := fs.String("issuer", "", "issuer URL put in tokens (default https://LISTEN-ADDRESS)")
	tokenFile := fs.String("token-file", "", "service-account token file to keep fresh (required)")
	caCert := fs.String("ca-cert", "", "CA certificate (PEM) of the HTTPS listener; created if missing (required)")
	caKey := fs.String("ca-key", "", "CA private key (PEM); created with --ca-cert if missing (required)")
	sub := fs.String("sub", "system:serviceaccount:default:myclient-sa", "token subject")
	aud := fs.String("aud", "sts.amazonaws.com", "token audience")
	ttl := fs.Duration("ttl", time.Hour, "token lifetime; the file is rewritten at 80% of it")
	initCA := fs.Bool("init-ca", false, "only create (or check) --ca-cert/--ca-key and exit")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *initCA {
		if *caCert == "" || *caKey == "" {
			return errors.New("--init-ca needs --ca-cert and --ca-key")
		}
		if _, _, err := loadOrCreateCA(*caCert, *caKey); err != nil {
			return fmt.Errorf("CA: %w", err)
		}
		fmt.Fprintln(stdout, "ca", *caCert)
		return nil
	}
	if *tokenFile == "" || *caCert == "" || *caKey == "" {
		return errors.New("--token-file, --ca-cert and --ca-key are required")
	}
	if *ttl < 10*time.Second {
		return errors.New("--ttl must be at least 10s")
	}
	ca, caPriv, err := loadOrCreateCA(*caCert, *caKey)
	if err != nil {
		return fmt.Errorf("CA: %w", err)
	}
	leaf, err := serverCert(ca, caPriv)
	if err != nil {
		return fmt.Errorf("server certificate: %w", err)
	}
	tcp, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	ln := tls.NewListener(tcp, &tls.Config{Certificates: []tls.Certificate{leaf}, MinVersion: tls.VersionTLS12})
	defer ln.Close()
	url := *issuerURL
	if url == "" {
		url = "https://" + tcp.Addr().String()
	}
	is, err := newIssuer(url)
	if err != nil {
		return err
	}
	refresh := func() error {
		tok, err := is.token(*sub, *aud, *ttl)
		if err != nil {
			return err
		}
		return writeToken(*tokenFile, tok)
	}
	if err := refresh(); err != nil {
		return fmt.Errorf("write token: %w", err)
	}
	srv := &http.Server{Handler: is, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	fmt.Fprintln(stdout, "issuer", is.url)

	tick := time.NewTicker(*ttl * 8 / 10)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			return srv.Shutdown(sctx)
		case <-tick.C:
			if err := refresh(); err != nil {
				fmt.Fprintln(os.Stderr, "sa-token-issuer: rotate token:", err)
			}
		}
	}
}
