package gateway

import (
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// TestCanonicalPath pins the rule of canonicalPath: one decoded path for
// every spelling of a resource, and a refusal for every spelling a backend
// could read as another resource.
func TestCanonicalPath(t *testing.T) {
	const refused = "REFUSED"
	for _, c := range []struct{ raw, dec, enc string }{
		// Already canonical: unchanged.
		{"/", "/", "/"},
		{"/prod/pets/1", "/prod/pets/1", "/prod/pets/1"},
		{"/prod/a:b@c!$&'()*+,=~_-.x", "/prod/a:b@c!$&'()*+,=~_-.x", "/prod/a:b@c!$&'()*+,=~_-.x"},
		{"/.well-known/x", "/.well-known/x", "/.well-known/x"},
		{"/a/...b/c..", "/a/...b/c..", "/a/...b/c.."},
		// Empty segments and a trailing slash.
		{"", "/", "/"},
		{"//", "/", "/"},
		{"/prod/admin/", "/prod/admin", "/prod/admin"},
		{"//prod//admin", "/prod/admin", "/prod/admin"},
		{"/prod/admin//", "/prod/admin", "/prod/admin"},
		// Percent-encoding: decoded once; unreserved characters stand for
		// themselves in enc, everything else as upper-case %XX.
		{"/prod/adm%69n", "/prod/admin", "/prod/admin"},
		{"/prod/ADM%49N", "/prod/ADMIN", "/prod/ADMIN"},
		{"/prod/a%20b", "/prod/a b", "/prod/a%20b"},
		{"/prod/%40x", "/prod/@x", "/prod/%40x"},
		{"/prod/a%3ab", "/prod/a:b", "/prod/a%3Ab"},
		{"/prod/caf%c3%a9", "/prod/café", "/prod/caf%C3%A9"},
		{"/prod/caf%C3%A9", "/prod/café", "/prod/caf%C3%A9"},
		{"/prod/café", "/prod/café", "/prod/caf%C3%A9"},
		{"/prod/a%20b%20c", "/prod/a b c", "/prod/a%20b%20c"},
		{"/prod/100%25", "/prod/100%", "/prod/100%25"},
		{"/prod/50%25off", "/prod/50%off", "/prod/50%25off"},
		{"/prod/{x}|^`\"<>[]", "/prod/{x}|^`\"<>[]", "/prod/%7Bx%7D%7C%5E%60%22%3C%3E%5B%5D"},
		{"/prod/%2Ehidden", "/prod/.hidden", "/prod/.hidden"},
		// Dot segments, in every encoding and in combination with ';'.
		{"/prod/pets/../admin", refused, ""},
		{"/prod/pets/./1", refused, ""},
		{"/prod/pets/%2e%2e/admin", refused, ""},
		{"/prod/pets/%2E%2E/admin", refused, ""},
		{"/prod/pets/.%2e/admin", refused, ""},
		{"/prod/pets/%2e./admin", refused, ""},
		{"/prod/pets/%2e/1", refused, ""},
		{"/prod/pets/x/../../admin", refused, ""},
		{"/prod/pets/..", refused, ""},
		{"/prod/pets/.", refused, ""},
		{"/..", refused, ""},
		{"/prod/pets/...", refused, ""},
		{"/prod/pets/%2e%2e%2e", refused, ""},
		{"/prod/pets/..%20", refused, ""},
		{"/prod/pets/.%20.", refused, ""},
		{"/prod/pets/1;/../../admin", refused, ""},
		{"/prod/pets/..;x/admin", refused, ""},
		{"/prod/admin;x/secret", refused, ""},
		{"/prod/admin;/secret", refused, ""},
		{"/prod/admin%3bx", refused, ""},
		{"/prod/admin%3B", refused, ""},
		// Encoded '/' and '\', raw '\'.
		{"/prod/pets/..%2fadmin", refused, ""},
		{"/prod/pets/..%2Fadmin", refused, ""},
		{"/prod/pets%2fadmin", refused, ""},
		{"/prod/pets/..%5cadmin", refused, ""},
		{"/prod/pets/..%5Cadmin", refused, ""},
		{"/prod/pets/..\\admin", refused, ""},
		{"/prod\\admin", refused, ""},
		// Double encoding: a second decoding would change the segment.
		{"/prod/pets/%252e%252e/admin", refused, ""},
		{"/prod/adm%2569n", refused, ""},
		{"/prod/%252F", refused, ""},
		{"/prod/%25u002e", refused, ""},
		// Delimiters a decode-first backend would split on; edge spaces.
		{"/prod/admin%3Fx", refused, ""},
		{"/prod/admin%3f", refused, ""},
		{"/prod/admin%23x", refused, ""},
		{"/prod/admin%20", refused, ""},
		{"/prod/%20admin", refused, ""},
		{"/prod/admin%c2%a0", refused, ""}, // NBSP: NFKC makes it a space
		// Malformed escapes.
		{"/prod/%", refused, ""},
		{"/prod/%2", refused, ""},
		{"/prod/%zz", refused, ""},
		{"/prod/%%32%65", refused, ""},
		// Control and format characters, invalid UTF-8, not NFKC.
		{"/prod/a%00b", refused, ""},
		{"/prod/a%0ab", refused, ""},
		{"/prod/a%0d%0aX-Injected:1", refused, ""},
		{"/prod/a%7fb", refused, ""},
		{"/prod/a%c2%85b", refused, ""},    // U+0085 NEL
		{"/prod/ad%c2%adm", refused, ""},   // U+00AD soft hyphen
		{"/prod/a%e2%80%8bb", refused, ""}, // U+200B zero-width space
		{"/prod/a%e2%80%aeb", refused, ""}, // U+202E bidi override
		{"/prod/%ff", refused, ""},
		{"/prod/%c0%ae%c0%ae/admin", refused, ""}, // overlong "."
		{"/prod/%c3", refused, ""},
		{"/prod/%ef%bc%8e%ef%bc%8e/admin", refused, ""}, // fullwidth "．．"
		{"/prod/a%ef%bc%8fb", refused, ""},              // fullwidth solidus
		{"/prod/%c5%bfecret", refused, ""},              // "ſecret"
		{"/prod/e%cc%81", refused, ""},                  // NFD "é"
		{"/prod/%e2%80%a5", refused, ""},                // "‥" two dot leader
		// Not a path.
		{"*", refused, ""},
		{"prod/x", refused, ""},
	} {
		t.Run(c.raw, func(t *testing.T) {
			p, ok := canonicalPath(c.raw)
			if c.dec == refused {
				if ok {
					t.Fatalf("canonicalPath(%q) = %q (%q), want refused", c.raw, p.dec, p.enc)
				}
				return
			}
			if !ok {
				t.Fatalf("canonicalPath(%q) refused, want %q", c.raw, c.dec)
			}
			if p.dec != c.dec || p.enc != c.enc {
				t.Fatalf("canonicalPath(%q) = %q, %q; want %q, %q", c.raw, p.dec, p.enc, c.dec, c.enc)
			}
			checkCanonical(t, c.raw, p)
		})
	}
}

// checkCanonical is the oracle of canonicalPath for an accepted raw path.
func checkCanonical(t *testing.T, raw string, p reqPath) {
	t.Helper()
	if p.dec == "" || p.dec[0] != '/' || p.enc == "" || p.enc[0] != '/' {
		t.Fatalf("%q: not absolute: %q %q", raw, p.dec, p.enc)
	}
	// decode(enc) == dec.
	d, err := url.PathUnescape(p.enc)
	if err != nil || d != p.dec {
		t.Fatalf("%q: decode(enc %q) = %q, %v; want dec %q", raw, p.enc, d, err, p.dec)
	}
	// Idempotence: enc is canonical and is its own encoding.
	q, ok := canonicalPath(p.enc)
	if !ok || q != p {
		t.Fatalf("%q: canonicalPath(enc %q) = %+v, %v; want %+v", raw, p.enc, q, ok, p)
	}
	if p.dec != "/" {
		// No empty, dot or otherwise ambiguous segment; same segment count.
		ds, es := strings.Split(p.dec[1:], "/"), strings.Split(p.enc[1:], "/")
		if len(ds) != len(es) {
			t.Fatalf("%q: %d decoded segments, %d encoded", raw, len(ds), len(es))
		}
		for _, s := range ds {
			if s == "" || strings.Trim(s, ". ") == "" || strings.ContainsAny(s, "\\;?#") || strings.TrimSpace(s) != s || !utf8.ValidString(s) || !norm.NFKC.IsNormalString(s) {
				t.Fatalf("%q: segment %q of %q", raw, s, p.dec)
			}
		}
		// decode(encode(x)) == x: every byte of dec percent-encoded names
		// the same resource (enc is a normal form of the client's spelling:
		// reserved characters it sent encoded stay encoded, so only dec is
		// unique).
		var all strings.Builder
		for i := 0; i < len(p.dec); i++ {
			if c := p.dec[i]; c == '/' {
				all.WriteByte('/')
			} else {
				all.WriteString("%" + strings.ToLower(string(upperHex[c>>4])+string(upperHex[c&15])))
			}
		}
		if q, ok := canonicalPath(all.String()); !ok || q.dec != p.dec {
			t.Fatalf("%q: canonicalPath(%q) = %+v, %v; want dec %q", raw, all.String(), q, ok, p.dec)
		}
	}
	// The raw path decoded once, empty segments dropped, is dec.
	if d, err := url.PathUnescape(raw); err == nil {
		var segs []string
		for _, s := range strings.Split(d, "/") {
			if s != "" {
				segs = append(segs, s)
			}
		}
		if got := "/" + strings.Join(segs, "/"); got != p.dec {
			t.Fatalf("%q: decoded raw %q, dec %q", raw, got, p.dec)
		}
	}
	// The fast path never disagrees with the full rule.
	if f, ok := canonicalFast(raw); ok {
		if s, ok := canonicalSlow(raw); !ok || s != f {
			t.Fatalf("%q: fast %+v, slow %+v %v", raw, f, s, ok)
		}
	}
}

// FuzzCanonicalPath checks canonicalPath's oracle (checkCanonical) on any
// input: accepted paths are idempotent, free of empty and dot segments,
// decode(enc) == dec and decode(encode(dec)) == dec; nothing panics.
func FuzzCanonicalPath(f *testing.F) {
	for _, s := range []string{
		"/", "", "//", "/prod/admin/", "//admin", "/admin//", "/adm%69n", "/pets/../admin",
		"/pets/%2e%2e/admin", "/pets/..%2fadmin", "/pets/x/../../admin", "/pets/.%2e/admin",
		"/pets/1;/../../admin", "/admin;x/secret", "/pets/..;x/admin", "/pets/..%5cadmin", "/pets/..\\admin",
		"/pets/%00", "/pets/%ff", "/pets/%c0%ae", "/pets/%252e%252e", "/pets/caf%C3%A9", "/pets/a%20b",
		"/pets/%ef%bc%8e%ef%bc%8e", "/x/%2F", "/x/%4a%4A", "*",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		p, ok := canonicalPath(raw)
		if !ok {
			if _, fok := canonicalFast(raw); fok {
				t.Fatalf("%q: fast path accepted what the rule refuses", raw)
			}
			return
		}
		checkCanonical(t, raw, p)
	})
}

func TestCanonicalPathAllocs(t *testing.T) {
	for _, raw := range []string{"/", "/prod/pets/42", "/restapis/abcdefghij/dev/_user_request_/a:b/c"} {
		if n := testing.AllocsPerRun(100, func() { _, _ = canonicalPath(raw) }); n != 0 {
			t.Errorf("canonicalPath(%q): %v allocations, want 0", raw, n)
		}
	}
}

func TestForwardQuery(t *testing.T) {
	for _, c := range []struct{ raw, want string }{
		{"", ""},
		{"a=1&b=2", "a=1&b=2"},
		{"a=%41&b=c+d", "a=%41&b=c+d"},
		{"X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AK%2F2026&X-Amz-Date=20260101T000000Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Signature=ab&X-Amz-Security-Token=tok", ""},
		{"type=dog&X-Amz-Signature=ab&x=1", "type=dog&x=1"},
		{"X-Amz-Signature=ab&type=dog", "type=dog"},
		{"type=dog;X-Amz-Security-Token=tok;x=1", "type=dog;x=1"},
		{"x-amz-signature=ab&X_Amz_Security_Token=t&keep=1", "keep=1"},
		{"%58-Amz-Signature=ab&keep=1", "keep=1"},
		{"X-Amz-Target=keep&X-Amz-Meta=1", "X-Amz-Target=keep&X-Amz-Meta=1"},
		{"X-Amz-Sig%zz=1&keep=1", "keep=1"},
	} {
		if got := forwardQuery(c.raw); got != c.want {
			t.Errorf("forwardQuery(%q) = %q, want %q", c.raw, got, c.want)
		}
	}
}

func TestHeaderEq(t *testing.T) {
	for _, c := range []struct {
		a, b string
		eq   bool
	}{
		{"X-Caller-Arn", "X-Caller-Arn", true},
		{"X_Caller_Arn", "X-Caller-Arn", true},
		{"x_caller-ARN", "X-Caller-Arn", true},
		{"X-Caller-Arn2", "X-Caller-Arn", false},
		{"X.Caller.Arn", "X-Caller-Arn", false},
	} {
		if got := headerEq(c.a, c.b); got != c.eq {
			t.Errorf("headerEq(%q, %q) = %v", c.a, c.b, got)
		}
	}
}

// BenchmarkCanonicalPath: an already canonical path costs one scan and no
// allocation; one that needs decoding or collapsing allocates its two forms.
func BenchmarkCanonicalPath(b *testing.B) {
	for _, raw := range []string{"/dev/users/42/items/7", "/restapis/abcdefghij/dev/_user_request_/pets/42", "/dev//users/4%32/items/7/", "/dev/pets/%2e%2e/admin"} {
		b.Run(raw, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_, _ = canonicalPath(raw)
			}
		})
	}
}
