package apigw

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/authn"
	"github.com/gatehouse-dev/gatehouse/internal/awserr"
)

// Mutual TLS on custom domain names: the domain's truststore is a PEM
// bundle of CA certificates in S3 (truststoreUri s3://bucket/key and an
// optional truststoreVersion), read once from gatehouse's own S3 as the
// caller when the domain is created or updated, validated, and stored
// with the domain. The TLS listener then asks for a client certificate
// on that host name (SNI) and the gateway verifies it against the
// truststore on every request (gateway/mtls.go).

// MaxTruststore bounds the truststore object read from S3 (AWS's quota:
// a truststore of at most 1 MB).
const MaxTruststore = 1 << 20

// maxTruststoreCerts bounds the certificates of one truststore (AWS's
// quota: 1,000 certificates).
const maxTruststoreCerts = 1000

// MutualTLSAuthentication is DomainName.mutualTlsAuthentication.
type MutualTLSAuthentication struct {
	TruststoreURI      string   `json:"truststoreUri,omitempty"`
	TruststoreVersion  string   `json:"truststoreVersion,omitempty"`
	TruststoreWarnings []string `json:"truststoreWarnings,omitempty"`
}

// MutualTLSInput is CreateDomainName's mutualTlsAuthentication.
type MutualTLSInput struct {
	TruststoreURI     string `json:"truststoreUri"`
	TruststoreVersion string `json:"truststoreVersion"`
}

// ObjectReader reads an object from gatehouse's own S3 as the caller
// (the caller needs s3:GetObject on it). Errors are S3's.
type ObjectReader interface {
	ReadObjectAs(r *http.Request, caller *authn.Principal, region, bucket, key, versionID string, max int64) ([]byte, error)
}

// parseS3URI splits s3://bucket/key.
func parseS3URI(uri string) (bucket, key string, ok bool) {
	rest, ok := strings.CutPrefix(uri, "s3://")
	if !ok {
		return "", "", false
	}
	bucket, key, ok = strings.Cut(rest, "/")
	return bucket, key, ok && bucket != "" && key != ""
}

// loadTruststore reads and validates the truststore of in as the caller:
// the stored PEM bundle (its certificates only, re-encoded) and
// AWS's warnings about it.
func (s *Service) loadTruststore(c *call, in *MutualTLSInput) (string, *MutualTLSAuthentication, error) {
	bucket, key, ok := parseS3URI(in.TruststoreURI)
	if !ok {
		return "", nil, awserr.BadRequestException.Errorf("Truststore uri %s is not a valid S3 uri. Expected format: s3://bucket-name/key-name", echo(in.TruststoreURI))
	}
	p, _ := c.caller.Identity.(*authn.Principal)
	if s.objects == nil || p == nil {
		return "", nil, awserr.BadRequestException.Errorf("Unable to download truststore from %s. Please ensure the object exists and that you have permission to read it.", echo(in.TruststoreURI))
	}
	b, err := s.objects.ReadObjectAs(c.r, p, c.caller.Region, bucket, key, in.TruststoreVersion, MaxTruststore)
	if err != nil {
		var ae *awserr.Error
		if errors.As(err, &ae) && ae.Code == "EntityTooLarge" {
			return "", nil, awserr.BadRequestException.Errorf("Truststore %s is larger than the maximum size of %d bytes.", echo(in.TruststoreURI), MaxTruststore)
		}
		if errors.As(err, &ae) {
			return "", nil, awserr.BadRequestException.Errorf("Unable to download truststore from %s. Please ensure the object exists and that you have permission to read it.", echo(in.TruststoreURI))
		}
		return "", nil, err
	}
	pemOut, warnings, err := ParseTruststore(b, s.now())
	if err != nil {
		return "", nil, err
	}
	return pemOut, &MutualTLSAuthentication{TruststoreURI: in.TruststoreURI, TruststoreVersion: in.TruststoreVersion,
		TruststoreWarnings: warnings}, nil
}

// ParseTruststore validates a truststore: PEM CERTIFICATE blocks only, at
// least one, every one a parseable X.509 certificate, at most 1,000. It
// returns the bundle re-encoded (nothing but the certificates) and
// warnings for certificates that cannot anchor a chain (expired, not yet
// valid, not a CA); a bundle with anything else is a BadRequestException.
func ParseTruststore(b []byte, now time.Time) (string, []string, error) {
	invalid := awserr.BadRequestException.New("The truststore is invalid: it must be a PEM-encoded bundle of X.509 certificates.")
	var out bytes.Buffer
	var warnings []string
	n := 0
	rest := b
	for {
		var blk *pem.Block
		blk, rest = pem.Decode(rest)
		if blk == nil {
			break
		}
		if blk.Type != "CERTIFICATE" || len(blk.Headers) > 0 {
			return "", nil, invalid
		}
		cert, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			return "", nil, invalid
		}
		n++
		if n > maxTruststoreCerts {
			return "", nil, awserr.BadRequestException.Errorf("The truststore has more than %d certificates.", maxTruststoreCerts)
		}
		subject := cert.Subject.String()
		switch {
		case now.After(cert.NotAfter):
			warnings = append(warnings, "Certificate "+subject+" has expired.")
		case now.Before(cert.NotBefore):
			warnings = append(warnings, "Certificate "+subject+" is not yet valid.")
		}
		if !cert.IsCA || !cert.BasicConstraintsValid {
			warnings = append(warnings, "Certificate "+subject+" is not a CA certificate.")
		}
		_ = pem.Encode(&out, &pem.Block{Type: "CERTIFICATE", Bytes: blk.Bytes})
	}
	if n == 0 || len(bytes.TrimSpace(rest)) > 0 {
		return "", nil, invalid
	}
	return out.String(), warnings, nil
}

// TruststorePool is the certificate pool of a stored truststore; nil when
// it holds no certificate (the gateway then refuses every client: fail
// closed).
func TruststorePool(pemBundle string) *x509.CertPool {
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM([]byte(pemBundle)) {
		return nil
	}
	return pool
}
