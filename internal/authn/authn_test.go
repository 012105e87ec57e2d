package authn

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/sigv4"
)

func testKey(t testing.TB, id uint32) TokenKey {
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		t.Fatal(err)
	}
	return TokenKey{ID: id, Key: k}
}

func testSession() *Session {
	return &Session{AccessKeyID: "ASIAEXAMPLEEXAMPLE01", Secret: "secretsecretsecretsecretsecretsecret0000", Account: "123456789012",
		Kind: AssumedRole, RoleName: "demo", RolePath: "/", RoleID: "AROAEXAMPLEEXAMPLE001", SessionName: "s",
		Issued: 1000, Expires: time.Now().Add(time.Hour).Unix(), Tags: []Tag{{"k", "v"}}, SourceIdentity: "alice"}
}

func TestSealerRoundTripAndRotation(t *testing.T) {
	k1, k2 := testKey(t, 1), testKey(t, 2)
	s1, err := NewSealer([]TokenKey{k1})
	if err != nil {
		t.Fatal(err)
	}
	tok1, err := s1.Seal(testSession())
	if err != nil {
		t.Fatal(err)
	}
	// After rotation, old tokens still open and new ones use key 2.
	if err := s1.SetKeys([]TokenKey{k1, k2}); err != nil {
		t.Fatal(err)
	}
	tok2, _ := s1.Seal(testSession())
	for _, tok := range []string{tok1, tok2} {
		got, err := s1.Open(tok)
		if err != nil {
			t.Fatal(err)
		}
		if got.RoleName != "demo" || got.SourceIdentity != "alice" || len(got.Tags) != 1 {
			t.Fatalf("opened %+v", got)
		}
	}
	// A sealer without key 2 cannot open the new token.
	only1, _ := NewSealer([]TokenKey{k1})
	if _, err := only1.Open(tok2); !errors.Is(err, ErrTokenKey) {
		t.Fatalf("open with missing key: %v", err)
	}
}

func TestSealerRejectsTampering(t *testing.T) {
	s, _ := NewSealer([]TokenKey{testKey(t, 7)})
	tok, _ := s.Seal(testSession())
	cases := map[string]string{
		"empty":     "",
		"short":     "abc",
		"not b64":   strings.Repeat("!", 80),
		"truncated": tok[:len(tok)-8],
	}
	b := []byte(tok)
	for i := 0; i < len(b); i += 17 {
		c := append([]byte(nil), b...)
		if c[i] == 'A' {
			c[i] = 'B'
		} else {
			c[i] = 'A'
		}
		cases["flip"+string(rune('a'+i%26))+itoa(i)] = string(c)
	}
	for name, tc := range cases {
		if _, err := s.Open(tc); err == nil {
			t.Errorf("%s: opened a tampered token", name)
		}
	}
}

func TestSecretBox(t *testing.T) {
	k := testKey(t, 0).Key
	b, _ := NewSecretBox(k)
	sealed := b.Seal("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "AKIA1")
	if strings.Contains(sealed, "wJalr") {
		t.Fatal("secret visible")
	}
	if got, err := b.Open(sealed, "AKIA1"); err != nil || got != "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" {
		t.Fatalf("open %q %v", got, err)
	}
	if _, err := b.Open(sealed, "AKIA2"); err == nil {
		t.Fatal("opened under another label")
	}
}

func TestLoadMasterKey(t *testing.T) {
	dir := t.TempDir()
	k1, err := LoadMasterKey(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	k2, err := LoadMasterKey(dir, "")
	if err != nil || !bytes.Equal(k1, k2) {
		t.Fatalf("reload: %v", err)
	}
	if _, err := LoadMasterKey(dir, "bm90IDMyIGJ5dGVz"); err == nil {
		t.Fatal("accepted a short key")
	}
}

type keys map[string]*Principal

func (k keys) LookupKey(id string) (string, *Principal, bool) {
	p, ok := k[id]
	return "secret", p, ok
}

func TestResolve(t *testing.T) {
	s, _ := NewSealer([]TokenKey{testKey(t, 1)})
	now := time.Now()
	a := New(keys{"AKIAUSER": {Kind: User, ARN: "arn:aws:iam::123456789012:user/u"}}, s, Options{Now: func() time.Time { return now }})
	if c, err := a.Resolve("AKIAUSER", ""); err != nil || c.Identity.(*Principal).Kind != User {
		t.Fatalf("user key: %+v %v", c, err)
	}
	if _, err := a.Resolve("AKIANONE", ""); !errors.Is(err, sigv4.ErrUnknownKey) {
		t.Fatalf("unknown key: %v", err)
	}
	sess := testSession()
	tok, _ := s.Seal(sess)
	c, err := a.Resolve(sess.AccessKeyID, tok)
	if err != nil {
		t.Fatal(err)
	}
	p := c.Identity.(*Principal)
	if p.ARN != "arn:aws:sts::123456789012:assumed-role/demo/s" || p.UserID != "AROAEXAMPLEEXAMPLE001:s" || p.RoleARN != "arn:aws:iam::123456789012:role/demo" {
		t.Fatalf("principal %+v", p)
	}
	if _, err := a.Resolve("ASIAOTHER00000000000", tok); !errors.Is(err, sigv4.ErrInvalidToken) {
		t.Fatalf("token of another key: %v", err)
	}
	now = now.Add(2 * time.Hour)
	if _, err := a.Resolve(sess.AccessKeyID, tok); !errors.Is(err, sigv4.ErrExpiredToken) {
		t.Fatalf("expired: %v", err)
	}
}

func TestErrorTable(t *testing.T) {
	rt := time.Date(2022, 1, 27, 0, 14, 27, 0, time.UTC)
	st := time.Date(2022, 1, 27, 1, 59, 28, 0, time.UTC)
	cases := []struct {
		kind            sigv4.Kind
		query, json, gw string
		queryMsg        string
	}{
		{sigv4.MissingAuthenticationToken, "MissingAuthenticationToken", "MissingAuthenticationTokenException", "MissingAuthenticationTokenException", "Request is missing Authentication Token"},
		{sigv4.IncompleteSignature, "IncompleteSignature", "IncompleteSignatureException", "IncompleteSignatureException", "m"},
		{sigv4.SignatureExpired, "SignatureDoesNotMatch", "InvalidSignatureException", "InvalidSignatureException",
			"Signature expired: 20220127T001427Z is now earlier than 20220127T014428Z (20220127T015928Z - 15 min.)"},
		{sigv4.UnknownAccessKey, "InvalidClientTokenId", "UnrecognizedClientException", "AccessDeniedException", "The security token included in the request is invalid."},
		{sigv4.InvalidToken, "InvalidClientTokenId", "UnrecognizedClientException", "AccessDeniedException", "The security token included in the request is invalid."},
		{sigv4.ExpiredToken, "ExpiredToken", "ExpiredTokenException", "ExpiredTokenException", "The security token included in the request is expired"},
		{sigv4.InvalidSignature, "SignatureDoesNotMatch", "InvalidSignatureException", "InvalidSignatureException",
			"The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."},
		{sigv4.Internal, "InternalFailure", "InternalFailure", "InternalServerErrorException", "The request processing has failed because of an unknown error, exception or failure."},
	}
	for _, tc := range cases {
		se := &sigv4.Error{Kind: tc.kind, Message: "m", RequestTime: rt, ServerTime: st, Window: 15 * time.Minute}
		q, j, g := awserr.From(QueryError(se)), awserr.From(JSONError(se)), awserr.From(GatewayError(se))
		if q.Code != tc.query || j.Code != tc.json || g.Code != tc.gw || q.Message != tc.queryMsg {
			t.Errorf("%v: query %s %q, json %s, gateway %s", tc.kind, q.Code, q.Message, j.Code, g.Code)
		}
	}
}

func FuzzOpen(f *testing.F) {
	s, _ := NewSealer([]TokenKey{{ID: 1, Key: bytes.Repeat([]byte{7}, 32)}})
	tok, _ := s.Seal(testSession())
	f.Add(tok)
	f.Add("AQAAAAE=")
	f.Fuzz(func(t *testing.T, in string) {
		sess, err := s.Open(in)
		if err == nil && sess == nil {
			t.Fatal("nil session without error")
		}
	})
}

func BenchmarkTokenOpen(b *testing.B) {
	s, _ := NewSealer([]TokenKey{testKey(b, 1)})
	tok, _ := s.Seal(testSession())
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Open(tok); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkResolveSession is open+verify as the request path sees it:
// token opened (first time) or found in the per-key cache, key match and
// expiry checked.
func BenchmarkResolveSession(b *testing.B) {
	s, _ := NewSealer([]TokenKey{testKey(b, 1)})
	sess := testSession()
	tok, _ := s.Seal(sess)
	b.Run("cold", func(b *testing.B) {
		// First sight of a token: open, check, build the principal.
		a := New(keys{}, s, Options{})
		b.ReportAllocs()
		for b.Loop() {
			if _, err := a.open(sess.AccessKeyID, tok); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("cached", func(b *testing.B) {
		a := New(keys{}, s, Options{})
		b.ReportAllocs()
		for b.Loop() {
			if _, err := a.Resolve(sess.AccessKeyID, tok); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func TestCodecRoundTrip(t *testing.T) {
	full := testSession()
	full.TransitiveTagKeys = []string{"k"}
	full.Policy = `{"Version":"2012-10-17"}`
	full.PolicyARNs = []string{"arn:aws:iam::123456789012:policy/p"}
	full.HasPolicies, full.MFA, full.Chained, full.FromSessionToken = true, true, true, true
	full.FederatedProvider = "arn:aws:iam::123456789012:oidc-provider/x"
	full.UserName, full.UserPath, full.UserID = "u", "/p/", "AIDA"
	for _, s := range []*Session{{}, testSession(), full} {
		got, err := decodeSession(encodeSession(nil, s))
		if err != nil {
			t.Fatal(err)
		}
		a, _ := json.Marshal(s)
		b, _ := json.Marshal(got)
		if string(a) != string(b) {
			t.Fatalf("round trip\n%s\n%s", a, b)
		}
	}
	enc := encodeSession(nil, full)
	for i := range enc {
		if _, err := decodeSession(enc[:i]); err == nil {
			t.Fatalf("decoded a record truncated at %d", i)
		}
	}
}

func FuzzDecodeSession(f *testing.F) {
	f.Add(encodeSession(nil, testSession()))
	f.Add([]byte{0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := decodeSession(b)
		if err == nil {
			// What decodes must survive a round trip unchanged (the bytes
			// may differ: varints have non-canonical forms).
			s2, err := decodeSession(encodeSession(nil, s))
			a, _ := json.Marshal(s)
			c, _ := json.Marshal(s2)
			if err != nil || string(a) != string(c) {
				t.Fatalf("round trip differs: %v", err)
			}
		}
	})
}
