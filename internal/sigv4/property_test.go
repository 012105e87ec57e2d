package sigv4

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// The property test: requests signed by aws-sdk-go-v2 (the oracle) verify,
// and flipping any signed element makes verification fail.

const (
	propAKID   = "AKIAIOSFODNN7EXAMPLE"
	propSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	propRegion = "us-west-2"
	propSvc    = "execute-api"
)

var propNow = time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)

var (
	propMethods  = []string{"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "PURGE"}
	propSegments = []string{
		"a", "pets", "123", "ሴ", "é", "日本語", "😀", "sp ace", "a+b", "50%", "!$&'()*,;=:@",
		"~user", "x.y", ".", "..", "", "%2F", "-_.~", "[x]", "q?", "h#",
	}
	propKeys = []string{
		"a", "b", "A", "Param", "Param-3", "", "ሴ", "sp ace", "p+q", "x=y", "k&v", "~", "%", "é", "X-Amz-Foo",
	}
	propValues = []string{
		"", "1", "value", "a b", "a+b", "ሴ", "=", "&", "%41", "/path", "~.-_", "😀", "é", "a\u00a0b",
	}
	propHeaders = []string{"X-Custom", "X-Amz-Meta-Foo", "Content-Type", "Accept", "X-Multi", "X-Pad", "X-Api-Key"}
	propHVals   = []string{"value", "  padded  ", "a   b    c", "application/json", "x,y", "tab\there", "", "UPPER lower", "\tlead"}
)

type propCase struct {
	req       *http.Request
	body      []byte
	creds     aws.Credentials
	presigned bool
	signedAt  time.Time
}

func randPick[T any](r *rand.Rand, s []T) T { return s[r.IntN(len(s))] }

// genCase builds and signs one random request for host.
func genCase(t testing.TB, r *rand.Rand, host string) propCase {
	t.Helper()
	var path strings.Builder
	for n := r.IntN(6); n > 0; n-- {
		path.WriteByte('/')
		path.WriteString(url.PathEscape(randPick(r, propSegments)))
	}
	if path.Len() == 0 || r.IntN(4) == 0 {
		path.WriteByte('/')
	}
	var q []string
	for n := r.IntN(6); n > 0; n-- {
		q = append(q, url.QueryEscape(randPick(r, propKeys))+"="+url.QueryEscape(randPick(r, propValues)))
	}
	var body []byte
	method := randPick(r, propMethods)
	if r.IntN(2) == 0 {
		body = make([]byte, r.IntN(3000))
		for i := range body {
			body[i] = byte(r.UintN(256))
		}
	}
	u := "http://" + host + path.String()
	if len(q) > 0 {
		u += "?" + strings.Join(q, "&")
	}
	req, err := http.NewRequest(method, u, bytes.NewReader(body))
	if err != nil {
		t.Fatalf("NewRequest(%q): %v", u, err)
	}
	if len(body) == 0 {
		req.Body, req.ContentLength = http.NoBody, 0
	}
	for n := r.IntN(5); n > 0; n-- {
		name := randPick(r, propHeaders)
		req.Header.Add(name, randPick(r, propHVals))
		if r.IntN(3) == 0 {
			req.Header.Add(name, randPick(r, propHVals)) // multi-value
		}
	}
	sum := sha256.Sum256(body)
	payloadHash := hex.EncodeToString(sum[:])
	if r.IntN(4) == 0 {
		req.Header.Set("X-Amz-Content-Sha256", payloadHash) // as the JS SDK does
	}
	c := propCase{req: req, body: body, presigned: r.IntN(3) == 0}
	c.creds = aws.Credentials{AccessKeyID: propAKID, SecretAccessKey: propSecret}
	if r.IntN(3) == 0 {
		c.creds.SessionToken = fmt.Sprintf("token/%d+=", r.IntN(1000))
	}
	c.signedAt = propNow.Add(time.Duration(r.IntN(480)-240) * time.Second)
	signer := v4.NewSigner()
	if c.presigned {
		if r.IntN(2) == 0 {
			req.URL.RawQuery = appendQuery(req.URL.RawQuery, "X-Amz-Expires=900")
		}
		signedURL, _, err := signer.PresignHTTP(context.Background(), c.creds, req, payloadHash, propSvc, propRegion, c.signedAt)
		if err != nil {
			t.Fatal(err)
		}
		if req.URL, err = url.Parse(signedURL); err != nil {
			t.Fatal(err)
		}
	} else if err := signer.SignHTTP(context.Background(), c.creds, req, payloadHash, propSvc, propRegion, c.signedAt); err != nil {
		t.Fatal(err)
	}
	return c
}

func appendQuery(q, kv string) string {
	if q == "" {
		return kv
	}
	return q + "&" + kv
}

func propVerifier() *Verifier {
	return New(Config{
		Service: propSvc, Region: propRegion,
		Now: func() time.Time { return propNow },
		Resolver: ResolverFunc(func(akid, token string) (Credentials, error) {
			if akid != propAKID {
				return Credentials{}, ErrUnknownKey
			}
			return Credentials{SecretAccessKey: propSecret, Identity: token}, nil
		}),
	})
}

var propSeed = flag.Uint64("sigv4.seed", 0, "seed for the randomized SDK tests (0: time-based; failures log theirs)")

func seedFor(t *testing.T) uint64 {
	seed := *propSeed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	t.Logf("seed %d (rerun with -sigv4.seed=%d)", seed, seed)
	return seed
}

// mutations each change one signed element of a verified request.
var mutations = []struct {
	name  string
	apply func(r *rand.Rand, req *Request) bool // false: not applicable
}{
	{"method", func(r *rand.Rand, req *Request) bool {
		req.Method = map[bool]string{true: "PUT", false: "GET"}[req.Method == "GET"]
		return true
	}},
	{"path byte", func(r *rand.Rand, req *Request) bool {
		p := []byte(req.RawPath)
		i := r.IntN(len(p))
		if p[i] == 'z' {
			p[i] = 'y'
		} else {
			p[i] = 'z'
		}
		req.RawPath = string(p)
		return true
	}},
	{"query", func(r *rand.Rand, req *Request) bool {
		req.RawQuery = appendQuery(req.RawQuery, "extra=1")
		return true
	}},
	{"query byte", func(r *rand.Rand, req *Request) bool {
		// Any byte of a non-auth parameter; auth parameters have their own
		// checks (scope, date) and answers.
		var idx []int
		off := 0
		for _, piece := range strings.Split(req.RawQuery, "&") {
			if !strings.HasPrefix(piece, "X-Amz-") {
				for i := range len(piece) {
					idx = append(idx, off+i)
				}
			}
			off += len(piece) + 1
		}
		if len(idx) == 0 {
			return false
		}
		q := []byte(req.RawQuery)
		i := idx[r.IntN(len(idx))]
		if q[i] == 'z' {
			q[i] = 'y'
		} else {
			q[i] = 'z'
		}
		req.RawQuery = string(q)
		return true
	}},
	{"signed header", func(r *rand.Rand, req *Request) bool {
		var names []string
		for k := range req.Header {
			switch k {
			case "Authorization", "X-Amz-Date", "X-Amz-Security-Token", "X-Amz-Content-Sha256":
				continue
			}
			names = append(names, k)
		}
		if len(names) == 0 {
			req.Host += "x"
			return true
		}
		k := names[r.IntN(len(names))]
		vs := append([]string(nil), req.Header[k]...)
		vs[len(vs)-1] += "x"
		req.Header = req.Header.Clone()
		req.Header[k] = vs
		return true
	}},
	{"body byte", func(r *rand.Rand, req *Request) bool {
		if len(req.Body) == 0 {
			return false
		}
		b := append([]byte(nil), req.Body...)
		b[r.IntN(len(b))] ^= 1 << r.IntN(8)
		req.Body = b
		return true
	}},
	{"date", func(r *rand.Rand, req *Request) bool {
		if d := req.Header.Get("X-Amz-Date"); d != "" {
			t, _ := parseBasic(d)
			req.Header = req.Header.Clone()
			req.Header.Set("X-Amz-Date", formatBasic(t.Add(time.Second)))
			return true
		}
		q := req.RawQuery
		i := strings.Index(q, "X-Amz-Date=")
		if i < 0 {
			return false
		}
		d := q[i+11 : i+27]
		t, _ := parseBasic(d)
		req.RawQuery = q[:i+11] + formatBasic(t.Add(time.Second)) + q[i+27:]
		return true
	}},
}

func TestPropertySDKSigned(t *testing.T) {
	n := 3000
	if testing.Short() {
		n = 1000
	}
	seed := seedFor(t)
	r := rand.New(rand.NewPCG(seed, 1))
	v := propVerifier()
	counts := map[string]int{}
	for i := 0; i < n; i++ {
		c := genCase(t, r, "api.example.com")
		base := FromHTTP(c.req, c.body)
		req := base
		res, err := v.Verify(&req)
		if err != nil {
			t.Fatalf("case %d (presigned=%v) %s %s?%s headers=%q: %v", i, c.presigned, base.Method, base.RawPath, base.RawQuery, base.Header, err)
		}
		if res.AccessKeyID != propAKID || res.Region != propRegion || res.Service != propSvc ||
			!res.Date.Equal(c.signedAt) || res.Presigned != c.presigned || res.SessionToken != c.creds.SessionToken || res.Identity != c.creds.SessionToken {
			t.Fatalf("case %d: result %+v", i, res)
		}
		for _, m := range mutations {
			mreq := base
			if !m.apply(r, &mreq) {
				continue
			}
			counts[m.name]++
			_, err := v.Verify(&mreq)
			var e *Error
			if !errors.As(err, &e) || e.Kind != InvalidSignature && !(m.name == "query byte" && e.Kind == MalformedQuery) {
				t.Fatalf("case %d, mutation %q: err = %v, want InvalidSignature\nbefore: %s %s?%s\nafter:  %s %s?%s",
					i, m.name, err, base.Method, base.RawPath, base.RawQuery, mreq.Method, mreq.RawPath, mreq.RawQuery)
			}
		}
	}
	for _, m := range mutations {
		if counts[m.name] < n/10 {
			t.Errorf("mutation %q applied only %d times", m.name, counts[m.name])
		}
	}
}

// TestLoopbackSDKSigned sends SDK-signed requests over a real loopback
// connection, so the server side (RequestURI, header folding, Host) goes
// through FromHTTP as in production.
func TestLoopbackSDKSigned(t *testing.T) {
	v := propVerifier()
	type outcome struct {
		err error
	}
	results := make(chan outcome, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err == nil {
			req := FromHTTP(r, body)
			_, err = v.Verify(&req)
		}
		results <- outcome{err}
	}))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	seed := seedFor(t)
	r := rand.New(rand.NewPCG(seed, 2))
	n := 300
	if testing.Short() {
		n = 100
	}
	for i := 0; i < n; i++ {
		c := genCase(t, r, host)
		if c.req.Method == "HEAD" || c.req.Method == "OPTIONS" && len(c.body) > 0 {
			continue
		}
		resp, err := srv.Client().Do(c.req)
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		resp.Body.Close()
		if o := <-results; o.err != nil {
			t.Fatalf("case %d %s %s: %v", i, c.req.Method, c.req.URL, o.err)
		}
	}
}
