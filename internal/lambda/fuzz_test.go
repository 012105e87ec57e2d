package lambda

import (
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/authn"
)

// FuzzResolveName: a FunctionName that resolves names one function by a
// canonical ARN whose parts all match their patterns, and that ARN
// resolves to the same function (issue #12 item 4).
func FuzzResolveName(f *testing.F) {
	for _, s := range []string{"f", "f:$LATEST", "f:1", "000000000000:function:f", "000000000000:function:f:prod",
		"arn:aws:lambda:us-east-1:000000000000:function:f", "arn:aws:lambda:us-east-1:000000000000:function:f:$LATEST",
		"arn:aws-cn:lambda:us-east-1:000000000000:function:f", "f/../g", "f:", "function:f", "us-east-1:1"} {
		f.Add(s, "")
	}
	f.Add("f", "$LATEST")
	f.Add("f:1", "2")
	s := &Service{}
	q := func(qual string) *request {
		u := "/x"
		if qual != "" {
			u += "?Qualifier=" + url.QueryEscape(qual)
		}
		return &request{r: httptest.NewRequest("GET", u, nil), caller: &authn.Principal{AccountID: "000000000000"}, region: "us-east-1"}
	}
	f.Fuzz(func(t *testing.T, raw, qual string) {
		res, err := s.resolveName(q(qual), raw, true)
		if err != nil {
			return
		}
		if !nameRE.MatchString(res.name) || len(res.name) > 64 || !accountIDRE.MatchString(res.account) || res.region != "us-east-1" ||
			res.qualifier != "" && !qualifierRE.MatchString(res.qualifier) {
			t.Fatalf("%q ?Qualifier=%q: resolved %+v", raw, qual, res)
		}
		again, err := s.resolveName(q(""), res.arn(), true)
		if err != nil || again != res {
			t.Fatalf("%q ?Qualifier=%q: %+v, its ARN %s resolves to %+v (%v)", raw, qual, res, res.arn(), again, err)
		}
	})
}

// FuzzSplitPath: the segments of a path that splits re-join, each escaped
// again, into a path that splits into the same segments.
func FuzzSplitPath(f *testing.F) {
	for _, s := range []string{"/2015-03-31/functions/f/configuration", "/2015-03-31/functions/", "//2015-03-31/functions/f",
		"/2015-03-31/functions/f%2F..%2Fg/configuration", "/2015-03-31/functions/f/configuration/", "/2017-03-31/tags/arn:aws:lambda:us-east-1:000000000000:function:f",
		"/2015-03-31/functions/f%3A%24LATEST/invocations", "/2015-03-31/functions/%zz"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		segs, ok := splitPath(p)
		if !ok {
			return
		}
		esc := make([]string, len(segs))
		for k, s := range segs {
			if s == "" && k != len(segs)-1 {
				t.Fatalf("%q: empty segment %d", p, k)
			}
			esc[k] = url.PathEscape(s)
		}
		again, ok := splitPath("/" + strings.Join(esc, "/"))
		if !ok || strings.Join(again, "\x00") != strings.Join(segs, "\x00") {
			t.Fatalf("%q: %q, re-escaped: %q %v", p, segs, again, ok)
		}
	})
}
