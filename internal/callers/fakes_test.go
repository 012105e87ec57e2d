package callers

// Fakes of what the caller tools talk to: an execute-api backend and an STS
// Query endpoint, both on loopback. Signatures are checked independently of
// pkg/sigv4client: the received request is rebuilt from the wire (only the
// headers the client says it signed) and signed again with aws-sdk-go-v2's v4
// signer, the known secret and the received X-Amz-Date, then compared.

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"io"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// keyStore is the fake account: access keys by id, with their owner.
type keyStore struct {
	mu   sync.Mutex
	keys map[string]storedKey
}

type storedKey struct {
	creds     aws.Credentials
	principal string
}

func newKeyStore() *keyStore { return &keyStore{keys: map[string]storedKey{}} }

func (k *keyStore) add(c aws.Credentials, principal string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.keys[c.AccessKeyID] = storedKey{c, principal}
}

func (k *keyStore) get(id string) (storedKey, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	s, ok := k.keys[id]
	return s, ok
}

// authError is a verification failure with the AWS error code to answer.
type authError struct{ code, msg string }

func (e *authError) Error() string { return e.code + ": " + e.msg }

type verifier struct {
	keys    *keyStore
	region  string // "" accepts any (STS is global)
	service string
}

type authParts struct{ credential, signedHeaders, signature string }

func parseAuthorization(v string) (authParts, error) {
	alg, rest, ok := strings.Cut(v, " ")
	if !ok || alg != "AWS4-HMAC-SHA256" {
		return authParts{}, &authError{"IncompleteSignatureException", "bad Authorization header"}
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
		return authParts{}, &authError{"IncompleteSignatureException", "incomplete Authorization header"}
	}
	return p, nil
}

func (v *verifier) lookup(credential string, at time.Time) (storedKey, error) {
	parts := strings.Split(credential, "/")
	if len(parts) != 5 {
		return storedKey{}, &authError{"IncompleteSignatureException", "credential needs 5 elements"}
	}
	if parts[1] != at.UTC().Format("20060102") || (v.region != "" && parts[2] != v.region) || parts[3] != v.service || parts[4] != "aws4_request" {
		return storedKey{}, &authError{"InvalidSignatureException", fmt.Sprintf("Credential should be scoped to %s/%s, not '%s'", v.region, v.service, credential)}
	}
	k, ok := v.keys.get(parts[0])
	if !ok {
		return storedKey{}, &authError{"UnrecognizedClientException", "The security token included in the request is invalid."}
	}
	if k.creds.CanExpire && time.Now().After(k.creds.Expires) {
		return storedKey{}, &authError{"ExpiredTokenException", "The security token included in the request is expired"}
	}
	return k, nil
}

func rebuild(r *http.Request, query string, signed []string) *http.Request {
	out := &http.Request{
		Method: r.Method,
		URL:    &url.URL{Scheme: "http", Host: r.Host, Path: r.URL.Path, RawPath: r.URL.RawPath, RawQuery: query},
		Host:   r.Host,
		Header: http.Header{},
	}
	for _, h := range signed {
		switch h {
		case "host", "x-amz-date", "x-amz-security-token":
		case "content-length":
			out.ContentLength = r.ContentLength
		default:
			out.Header[textproto.CanonicalMIMEHeaderKey(h)] = r.Header.Values(h)
		}
	}
	return out
}

// verify checks a header-form or presigned request; bodyHash is the hex
// SHA-256 of the body the server actually read. It returns the principal.
func (v *verifier) verify(r *http.Request, bodyHash string) (string, error) {
	if r.URL.Query().Has("X-Amz-Signature") {
		return v.verifyPresigned(r, bodyHash)
	}
	if r.Header.Get("Authorization") == "" {
		return "", &authError{"MissingAuthenticationTokenException", "Missing Authentication Token"}
	}
	p, err := parseAuthorization(r.Header.Get("Authorization"))
	if err != nil {
		return "", err
	}
	at, err := time.Parse("20060102T150405Z", r.Header.Get("X-Amz-Date"))
	if err != nil {
		return "", &authError{"IncompleteSignatureException", "bad X-Amz-Date"}
	}
	if d := time.Since(at); d > 5*time.Minute || d < -5*time.Minute {
		return "", &authError{"InvalidSignatureException", "Signature expired"}
	}
	k, err := v.lookup(p.credential, at)
	if err != nil {
		return "", err
	}
	if got := r.Header.Get("X-Amz-Security-Token"); got != k.creds.SessionToken {
		return "", &authError{"UnrecognizedClientException", "The security token included in the request is invalid."}
	}
	hash := r.Header.Get("X-Amz-Content-Sha256")
	if hash == "" {
		hash = bodyHash
	} else if hash != "UNSIGNED-PAYLOAD" && hash != bodyHash {
		return "", &authError{"InvalidSignatureException", "X-Amz-Content-Sha256 does not match the body"}
	}
	re := rebuild(r, r.URL.RawQuery, strings.Split(p.signedHeaders, ";"))
	if err := v4.NewSigner().SignHTTP(context.Background(), k.creds, re, hash, v.service, parseScopeRegion(p.credential), at); err != nil {
		return "", err
	}
	want, err := parseAuthorization(re.Header.Get("Authorization"))
	if err != nil {
		return "", err
	}
	if want != p {
		return "", &authError{"InvalidSignatureException", "The request signature we calculated does not match the signature you provided."}
	}
	return k.principal, nil
}

func parseScopeRegion(credential string) string {
	parts := strings.Split(credential, "/")
	if len(parts) < 3 {
		return ""
	}
	return parts[2]
}

func (v *verifier) verifyPresigned(r *http.Request, bodyHash string) (string, error) {
	q := r.URL.Query()
	at, err := time.Parse("20060102T150405Z", q.Get("X-Amz-Date"))
	if err != nil || q.Get("X-Amz-Algorithm") != "AWS4-HMAC-SHA256" {
		return "", &authError{"IncompleteSignatureException", "bad presigned query"}
	}
	exp, err := strconv.Atoi(q.Get("X-Amz-Expires"))
	if err != nil || exp <= 0 || exp > 604800 {
		return "", &authError{"IncompleteSignatureException", "bad X-Amz-Expires"}
	}
	if time.Now().After(at.Add(time.Duration(exp) * time.Second)) {
		return "", &authError{"InvalidSignatureException", "Signature expired"}
	}
	k, err := v.lookup(q.Get("X-Amz-Credential"), at)
	if err != nil {
		return "", err
	}
	if q.Get("X-Amz-Security-Token") != k.creds.SessionToken {
		return "", &authError{"UnrecognizedClientException", "The security token included in the request is invalid."}
	}
	got := q.Get("X-Amz-Signature")
	signed := strings.Split(q.Get("X-Amz-SignedHeaders"), ";")
	region := parseScopeRegion(q.Get("X-Amz-Credential"))
	for _, name := range []string{"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-SignedHeaders", "X-Amz-Signature", "X-Amz-Security-Token"} {
		q.Del(name)
	}
	re := rebuild(r, q.Encode(), signed)
	u, _, err := v4.NewSigner().PresignHTTP(context.Background(), k.creds, re, bodyHash, v.service, region, at)
	if err != nil {
		return "", err
	}
	pu, _ := url.Parse(u)
	if pu.Query().Get("X-Amz-Signature") != got {
		return "", &authError{"InvalidSignatureException", "The request signature we calculated does not match the signature you provided."}
	}
	return k.principal, nil
}

// apiCall is what the fake API saw.
type apiCall struct {
	Method    string      `json:"method"`
	Path      string      `json:"path"`
	Query     string      `json:"query"`
	Principal string      `json:"principal"`
	BodyLen   int64       `json:"bodyLen"`
	BodySHA   string      `json:"bodySha256"`
	Header    http.Header `json:"-"`
}

// fakeAPI is an execute-api stand-in. Paths under /prod/:
//
//	echo        200 with the apiCall as JSON (body hashed while streaming)
//	denied      403 {"Message": "User: ... is not authorized ..."}
//	boom        500 {"message": "Internal server error"}
//	queryerror  400 Query-style XML ErrorResponse
//	teapot      418 text/plain
//
// Failed verification answers 403 with x-amzn-ErrorType and {"message"}.
type fakeAPI struct {
	*httptest.Server
	v     *verifier
	mu    sync.Mutex
	calls []apiCall
}

func newFakeAPI(t *testing.T, keys *keyStore, region string) *fakeAPI {
	t.Helper()
	a := &fakeAPI{v: &verifier{keys: keys, region: region, service: "execute-api"}}
	a.Server = httptest.NewServer(a)
	t.Cleanup(a.Close)
	return a
}

func (a *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := sha256.New()
	n, err := io.Copy(h, r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	sum := hex.EncodeToString(h.Sum(nil))
	principal, err := a.v.verify(r, sum)
	if err != nil {
		ae, ok := err.(*authError)
		if !ok {
			ae = &authError{"InternalFailure", err.Error()}
		}
		writeJSON(w, http.StatusForbidden, ae.code, map[string]string{"message": ae.msg})
		return
	}
	c := apiCall{r.Method, r.URL.EscapedPath(), r.URL.RawQuery, principal, n, sum, r.Header.Clone()}
	a.mu.Lock()
	a.calls = append(a.calls, c)
	a.mu.Unlock()
	switch strings.TrimPrefix(r.URL.Path, "/prod/") {
	case "denied":
		writeJSON(w, http.StatusForbidden, "AccessDeniedException", map[string]string{
			"Message": "User: " + principal + " is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:********0000:abc123/prod/GET/denied",
		})
	case "boom":
		writeJSON(w, http.StatusInternalServerError, "", map[string]string{"message": "Internal server error"})
	case "queryerror":
		w.Header().Set("Content-Type", "text/xml")
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, `<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type><Code>ValidationError</Code><Message>1 validation error detected</Message></Error><RequestId>r-1</RequestId></ErrorResponse>`)
	case "teapot":
		http.Error(w, "short and stout", http.StatusTeapot)
	default:
		w.Header().Set("X-Test-Principal", principal)
		writeJSON(w, http.StatusOK, "", c)
	}
}

func (a *fakeAPI) last() apiCall {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.calls) == 0 {
		return apiCall{}
	}
	return a.calls[len(a.calls)-1]
}

func writeJSON(w http.ResponseWriter, status int, errType string, v any) {
	w.Header().Set("Content-Type", "application/json")
	if errType != "" {
		w.Header().Set("X-Amzn-ErrorType", errType)
	}
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// stsCall is what the fake STS saw.
type stsCall struct {
	Action, RoleARN, SessionName, ExternalID, Caller, Token string
}

// fakeSTS answers AssumeRole (signed, verified) and AssumeRoleWithWebIdentity
// (unsigned, token checked) in the STS Query protocol, issuing temporary
// credentials with the given lifetime into keys.
type fakeSTS struct {
	*httptest.Server
	keys     *keyStore
	v        *verifier
	lifetime time.Duration
	mu       sync.Mutex
	calls    []stsCall
	tokens   map[string]bool // accepted web identity tokens
	issued   int
}

func newFakeSTS(t *testing.T, keys *keyStore, lifetime time.Duration) *fakeSTS {
	t.Helper()
	s := &fakeSTS{keys: keys, v: &verifier{keys: keys, service: "sts"}, lifetime: lifetime, tokens: map[string]bool{}}
	s.Server = httptest.NewServer(s)
	t.Cleanup(s.Close)
	return s
}

func (s *fakeSTS) acceptToken(tok string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens[tok] = true
}

func (s *fakeSTS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		stsError(w, 400, "InvalidRequest", "unreadable body")
		return
	}
	sum := sha256.Sum256(body)
	form, err := url.ParseQuery(string(body))
	if err != nil || r.Method != http.MethodPost {
		stsError(w, 400, "InvalidRequest", "want a POSTed form")
		return
	}
	action := form.Get("Action")
	c := stsCall{Action: action, RoleARN: form.Get("RoleArn"), SessionName: form.Get("RoleSessionName"), ExternalID: form.Get("ExternalId")}
	switch action {
	case "AssumeRole":
		caller, err := s.v.verify(r, hex.EncodeToString(sum[:]))
		if err != nil {
			ae, _ := err.(*authError)
			if ae == nil {
				ae = &authError{"InternalFailure", err.Error()}
			}
			stsError(w, 403, ae.code, ae.msg)
			return
		}
		c.Caller = caller
		if strings.HasSuffix(c.RoleARN, "/Forbidden") {
			stsError(w, 403, "AccessDenied", "User: "+caller+" is not authorized to perform: sts:AssumeRole on resource: "+c.RoleARN)
			return
		}
	case "AssumeRoleWithWebIdentity":
		c.Token = form.Get("WebIdentityToken")
		s.mu.Lock()
		ok := s.tokens[c.Token]
		s.mu.Unlock()
		if !ok {
			stsError(w, 400, "InvalidIdentityToken", "Incorrect token audience")
			return
		}
	default:
		stsError(w, 400, "InvalidAction", "Could not find operation "+action)
		return
	}
	s.mu.Lock()
	s.issued++
	n := s.issued
	s.calls = append(s.calls, c)
	s.mu.Unlock()

	role := c.RoleARN[strings.LastIndexByte(c.RoleARN, '/')+1:]
	principal := fmt.Sprintf("arn:aws:sts::000000000000:assumed-role/%s/%s", role, c.SessionName)
	creds := aws.Credentials{
		AccessKeyID:     fmt.Sprintf("ASIAFAKE%08d", n),
		SecretAccessKey: randHex(20),
		SessionToken:    randHex(32),
		CanExpire:       true,
		Expires:         time.Now().Add(s.lifetime).UTC().Truncate(time.Second),
	}
	s.keys.add(creds, principal)
	w.Header().Set("Content-Type", "text/xml")
	fmt.Fprintf(w, `<%[1]sResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <%[1]sResult>
    <Credentials>
      <AccessKeyId>%[2]s</AccessKeyId>
      <SecretAccessKey>%[3]s</SecretAccessKey>
      <SessionToken>%[4]s</SessionToken>
      <Expiration>%[5]s</Expiration>
    </Credentials>
    <AssumedRoleUser><Arn>%[6]s</Arn><AssumedRoleId>AROAFAKE:%[7]s</AssumedRoleId></AssumedRoleUser>
  </%[1]sResult>
  <ResponseMetadata><RequestId>req-%[8]d</RequestId></ResponseMetadata>
</%[1]sResponse>`, action, creds.AccessKeyID, creds.SecretAccessKey, creds.SessionToken,
		creds.Expires.Format(time.RFC3339), principal, c.SessionName, n)
}

func (s *fakeSTS) callList() []stsCall {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]stsCall(nil), s.calls...)
}

func stsError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(status)
	fmt.Fprintf(w, `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error><RequestId>r</RequestId></ErrorResponse>`, code, msg)
}

func randHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// isolateEnv clears every AWS setting the SDK would read and points the
// shared files at an empty temp dir, so tests see only what they set (and
// never reach instance metadata). Returns that dir.
func isolateEnv(t *testing.T) string {
	t.Helper()
	for _, k := range []string{
		"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_ACCESS_KEY", "AWS_SECRET_KEY",
		"AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION",
		"AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_SESSION_NAME",
		"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_STS", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
		"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_AUTHORIZATION_TOKEN",
		"AWS_STS_REGIONAL_ENDPOINTS", "AWS_SDK_LOAD_CONFIG", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
	} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	dir := t.TempDir()
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	return dir
}

// syncBuffer is an io.Writer safe for a command goroutine and a test reader.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// patternReader yields n deterministic bytes without holding them, hashing
// what it hands out.
type patternReader struct {
	left int64
	off  int
	h    hash.Hash
}

var patternBlock = func() []byte {
	b := make([]byte, 4093) // prime length: chunk borders drift over it
	for i := range b {
		b[i] = 'a' + byte(i%26)
	}
	return b
}()

func newPatternReader(n int64) *patternReader { return &patternReader{left: n, h: sha256.New()} }

func (p *patternReader) Read(b []byte) (int, error) {
	if p.left == 0 {
		return 0, io.EOF
	}
	if int64(len(b)) > p.left {
		b = b[:p.left]
	}
	n := 0
	for n < len(b) {
		c := copy(b[n:], patternBlock[p.off:])
		n += c
		p.off = (p.off + c) % len(patternBlock)
	}
	p.left -= int64(n)
	p.h.Write(b)
	return n, nil
}

func (p *patternReader) sum() string { return hex.EncodeToString(p.h.Sum(nil)) }
