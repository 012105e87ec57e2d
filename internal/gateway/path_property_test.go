package gateway_test

import (
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// safePieces and hostilePieces are segment material for generated paths:
// names and spellings that canonicalize, and the spellings of issue #12
// and their parts (dot segments, reserved and unsafe characters in both
// hex cases, double encoding, invalid UTF-8, compatibility characters).
var safePieces = []string{
	"admin", "pets", "1", "x", "fn", "legacy", "mock", "ADMIN", "secret.txt", ".x", "x.",
	"%69", "adm%69n", "%41", "%4a", "a%20b", "+", "%2B", "%7e", "~", "@", "%40", ":", "%3a",
	"!", "$", "&", "'", "(", ")", "*", ",", "=", "{", "}", "|", "^", "`", "[", "]", "%5B", "\"", "<", ">",
	"%25", "%c3%a9", "%C3%A9", "caf\xc3\xa9", "%e4%b8%ad",
}

var hostilePieces = []string{
	"..", ".", "...", "%2e", "%2E", "%2e%2e", ".%2e", "%2e.", "%252e", "%2525", "%25u002e",
	"%2f", "%2F", "%5c", "%5C", `\`, ";", ";x", "..;x", "..;", "%3b", "%3B",
	"%00", "%0a", "%0d%0a", "%09", "%7f", "%ff", "\xff", "%c0%ae", "%c0%af", "%e0%80%ae", "%c3",
	"%3F", "%23", "%3f", "%20", "%c2%a0", "%ef%bc%8e", "\xef\xbc\x8e", "%ef%bc%8f", "%c5%bf", "%e2%80%a5", "%c2%ad", "%e2%80%8b", "%cc%81", "%u002e", "%zz", "%",
}

var pathMethods = []string{"GET", "GET", "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "get", "Get", "FOO", "TRACE", "ANY"}

// randomTarget builds a request target from pathPieces and raw bytes.
func randomTarget(rnd *rand.Rand) string {
	var b strings.Builder
	b.WriteString([]string{"/prod", "/prod", "/prod", "/prod", "//prod", "/pr%6fd", "/prod/.", "/prod%2f"}[rnd.IntN(8)])
	for n := rnd.IntN(5); n >= 0; n-- {
		b.WriteString([]string{"/", "/", "/", "//"}[rnd.IntN(4)])
		for k := 1 + rnd.IntN(2); k > 0; k-- {
			switch rnd.IntN(16) {
			case 0:
				// Raw bytes, but none that would end the path or the
				// request line.
				for m := 1 + rnd.IntN(3); m > 0; m-- {
					c := byte(rnd.IntN(256))
					switch c {
					case ' ', '\r', '\n', '?', '#':
						c = '.'
					}
					b.WriteByte(c)
				}
			case 1:
				b.WriteString(hostilePieces[rnd.IntN(len(hostilePieces))])
			default:
				b.WriteString(safePieces[rnd.IntN(len(safePieces))])
			}
		}
	}
	switch rnd.IntN(6) {
	case 0:
		b.WriteString("/")
	case 1:
		b.WriteString("?q=1")
	}
	return b.String()
}

// TestPathProperty is the property of issue #12 items 2–3: for any path
// and method, the request an integration receives is covered by the ARN
// that was authorized — the backend's verb is the ARN's, its path decodes
// to the ARN's path and a normalizing backend resolves it to that path
// too; a Lambda event's path decodes to it — or the request was refused
// and nothing reached an integration. Generated requests are signed by the
// account root (allowed everything, so every routable request is decided
// and served) and, in a second API, sent anonymously to NONE methods
// under a resource policy that allows everyone.
func TestPathProperty(t *testing.T) {
	n := 600
	if testing.Short() {
		n = 150
	}
	for _, v := range []struct {
		name string
		auth string
	}{{"AWS_IAM", iamAuth}, {"NONE", ""}} {
		t.Run(v.name, func(t *testing.T) {
			pe := newPathEnv(t, v.auth)
			var creds *aws.Credentials
			if v.auth == "" {
				pe.setPolicy(pe.id, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*"}]}`)
				pe.deploy(pe.id, "prod")
			} else {
				creds = &pe.root
			}
			arnBase := "arn:aws:execute-api:us-east-1:000000000000:" + pe.id + "/prod/"
			rnd := rand.New(rand.NewPCG(12, uint64(len(v.name))))
			served, refused := 0, 0
			reasons := map[string]int{}
			for i := 0; i < n; i++ {
				method := pathMethods[rnd.IntN(len(pathMethods))]
				target := randomTarget(rnd)
				var extra http.Header
				if rnd.IntN(8) == 0 {
					name := []string{"X-HTTP-Method-Override", "X_Http_Method", "x-method-override"}[rnd.IntN(3)]
					extra = http.Header{name: {pathMethods[rnd.IntN(len(pathMethods))]}}
				}
				r := pe.raw(t, method, target, creds, extra)
				id := r.header.Get("x-amzn-RequestId")
				got, reached := pe.rec.take(id)
				line, decided := pe.decision(t, id)
				pe.inv.mu.Lock()
				ev := pe.inv.event
				pe.inv.mu.Unlock()
				invoked := id != "" && ev.RequestContext.RequestID == id
				if !decided {
					if reached || invoked {
						t.Fatalf("%s %q reached an integration without a decision: %+v", method, target, got)
					}
					refused++
					reasons[r.header.Get("x-amzn-ErrorType")+" "+strconv.Itoa(r.status)]++
					continue
				}
				arn, _ := line["methodArn"].(string)
				verb, path, ok := strings.Cut(strings.TrimPrefix(arn, arnBase), "/")
				if !ok || !strings.HasPrefix(arn, arnBase) || line["decision"] != "allowed" {
					t.Fatalf("%s %q: decision %v", method, target, line)
				}
				if verb != method {
					t.Fatalf("%s %q authorized as %s", method, target, arn)
				}
				if reached {
					served++
					checkServed(t, got, verb, "/"+path)
				}
				if invoked {
					d, err := url.PathUnescape(ev.Path)
					if err != nil || d != "/"+path || ev.HTTPMethod != verb {
						t.Fatalf("%s %q: event %s %q, authorized %s", method, target, ev.HTTPMethod, ev.Path, arn)
					}
				}
			}
			t.Logf("%d requests: %d served by the HTTP backend, %d refused %v", n, served, refused, reasons)
			if served == 0 || refused == 0 {
				t.Fatalf("the generator exercised only one side: %d served, %d refused", served, refused)
			}
		})
	}
}
