package sigv4client

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// testVerifier checks a received request's SigV4 signature independently of
// the code under test: it rebuilds the request from what arrived on the wire
// (only the headers the client said it signed), signs that with
// aws-sdk-go-v2's signer, the known secret and the received X-Amz-Date, and
// compares.
type testVerifier struct {
	keys    map[string]aws.Credentials
	region  string
	service string
	now     func() time.Time
}

type authParts struct {
	credential, signedHeaders, signature string
}

func parseAuthorization(v string) (authParts, error) {
	alg, rest, ok := strings.Cut(v, " ")
	if !ok || alg != "AWS4-HMAC-SHA256" {
		return authParts{}, fmt.Errorf("bad algorithm in %q", v)
	}
	var p authParts
	for _, f := range strings.Split(rest, ",") {
		k, val, _ := strings.Cut(strings.TrimSpace(f), "=")
		switch k {
		case "Credential":
			p.credential = val
		case "SignedHeaders":
			p.signedHeaders = val
		case "Signature":
			p.signature = val
		}
	}
	if p.credential == "" || p.signedHeaders == "" || p.signature == "" {
		return authParts{}, fmt.Errorf("incomplete Authorization %q", v)
	}
	return p, nil
}

func (v *testVerifier) lookup(credential string, at time.Time) (aws.Credentials, error) {
	parts := strings.Split(credential, "/")
	if len(parts) != 5 {
		return aws.Credentials{}, fmt.Errorf("credential %q: want 5 elements", credential)
	}
	if parts[1] != at.UTC().Format("20060102") || parts[2] != v.region || parts[3] != v.service || parts[4] != "aws4_request" {
		return aws.Credentials{}, fmt.Errorf("credential scope %q does not match %s/%s/%s", credential, at.UTC().Format("20060102"), v.region, v.service)
	}
	c, ok := v.keys[parts[0]]
	if !ok {
		return aws.Credentials{}, fmt.Errorf("unknown access key %q", parts[0])
	}
	return c, nil
}

func (v *testVerifier) rebuild(r *http.Request, query string, signed []string) *http.Request {
	out := &http.Request{
		Method: r.Method,
		URL:    &url.URL{Scheme: "http", Host: r.Host, Path: r.URL.Path, RawPath: r.URL.RawPath, RawQuery: query},
		Host:   r.Host,
		Header: http.Header{},
	}
	for _, h := range signed {
		switch h {
		case "host", "x-amz-date", "x-amz-security-token":
			// The signer sets these itself from the host, time and credentials.
		case "content-length":
			out.ContentLength = r.ContentLength
		default:
			out.Header[textproto.CanonicalMIMEHeaderKey(h)] = r.Header.Values(h)
		}
	}
	return out
}

// verify checks the header form; body is what the server read.
func (v *testVerifier) verify(r *http.Request, body []byte) (string, error) {
	if r.URL.Query().Get("X-Amz-Signature") != "" {
		return v.verifyPresigned(r)
	}
	p, err := parseAuthorization(r.Header.Get("Authorization"))
	if err != nil {
		return "", err
	}
	at, err := time.Parse("20060102T150405Z", r.Header.Get("X-Amz-Date"))
	if err != nil {
		return "", fmt.Errorf("X-Amz-Date: %v", err)
	}
	if d := v.now().Sub(at); d > 5*time.Minute || d < -5*time.Minute {
		return "", fmt.Errorf("signature time %s too far from now", at)
	}
	c, err := v.lookup(p.credential, at)
	if err != nil {
		return "", err
	}
	if c.CanExpire && v.now().After(c.Expires) {
		return "", fmt.Errorf("credentials %s expired", c.AccessKeyID)
	}
	if got := r.Header.Get("X-Amz-Security-Token"); got != c.SessionToken {
		return "", fmt.Errorf("session token %q, want %q", got, c.SessionToken)
	}
	hash := r.Header.Get("X-Amz-Content-Sha256")
	if hash == "" {
		sum := sha256.Sum256(body)
		hash = hex.EncodeToString(sum[:])
	} else if hash != UnsignedPayload {
		sum := sha256.Sum256(body)
		if hash != hex.EncodeToString(sum[:]) {
			return "", fmt.Errorf("X-Amz-Content-Sha256 does not match body")
		}
	}
	re := v.rebuild(r, r.URL.RawQuery, strings.Split(p.signedHeaders, ";"))
	if err := v4.NewSigner().SignHTTP(context.Background(), c, re, hash, v.service, v.region, at); err != nil {
		return "", err
	}
	want, err := parseAuthorization(re.Header.Get("Authorization"))
	if err != nil {
		return "", err
	}
	if want != p {
		return "", fmt.Errorf("signature mismatch:\n got %+v\nwant %+v", p, want)
	}
	return c.AccessKeyID, nil
}

func (v *testVerifier) verifyPresigned(r *http.Request) (string, error) {
	q := r.URL.Query()
	if q.Get("X-Amz-Algorithm") != "AWS4-HMAC-SHA256" {
		return "", fmt.Errorf("X-Amz-Algorithm %q", q.Get("X-Amz-Algorithm"))
	}
	at, err := time.Parse("20060102T150405Z", q.Get("X-Amz-Date"))
	if err != nil {
		return "", fmt.Errorf("X-Amz-Date: %v", err)
	}
	exp, err := strconv.Atoi(q.Get("X-Amz-Expires"))
	if err != nil || exp <= 0 || exp > 604800 {
		return "", fmt.Errorf("X-Amz-Expires %q", q.Get("X-Amz-Expires"))
	}
	if v.now().After(at.Add(time.Duration(exp) * time.Second)) {
		return "", fmt.Errorf("presigned URL expired")
	}
	c, err := v.lookup(q.Get("X-Amz-Credential"), at)
	if err != nil {
		return "", err
	}
	if got := q.Get("X-Amz-Security-Token"); got != c.SessionToken {
		return "", fmt.Errorf("session token %q, want %q", got, c.SessionToken)
	}
	gotSig := q.Get("X-Amz-Signature")
	signed := strings.Split(q.Get("X-Amz-SignedHeaders"), ";")
	for _, k := range []string{"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-SignedHeaders", "X-Amz-Signature", "X-Amz-Security-Token"} {
		q.Del(k)
	}
	re := v.rebuild(r, q.Encode(), signed)
	u, _, err := v4.NewSigner().PresignHTTP(context.Background(), c, re, EmptyPayloadHash, v.service, v.region, at)
	if err != nil {
		return "", err
	}
	pu, err := url.Parse(u)
	if err != nil {
		return "", err
	}
	if want := pu.Query().Get("X-Amz-Signature"); want != gotSig {
		return "", fmt.Errorf("presigned signature %s, want %s", gotSig, want)
	}
	return c.AccessKeyID, nil
}
