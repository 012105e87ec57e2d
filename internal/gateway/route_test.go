package gateway

import (
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/apigw"
)

// tree builds a stage from "path VERB" pairs.
func tree(t testing.TB, routes ...string) *stageEntry {
	t.Helper()
	a := &apigw.APIRecord{API: apigw.RestAPI{ID: "abcdefghij", RootResourceID: "root"}, Resources: map[string]*apigw.Resource{
		"root": {ID: "root", Path: "/"}}}
	for i := 0; i < len(routes); i += 2 {
		r := a.Resources["root"]
		if routes[i] != "/" {
			r = ensure(t, a, routes[i])
		}
		if r.ResourceMethods == nil {
			r.ResourceMethods = map[string]*apigw.Method{}
		}
		r.ResourceMethods[routes[i+1]] = &apigw.Method{HTTPMethod: routes[i+1], AuthorizationType: "NONE",
			MethodIntegration: &apigw.Integration{Type: "MOCK"}}
	}
	api := &apiEntry{id: "abcdefghij", account: "123456789012", region: "us-east-1"}
	st := &apigw.StageRecord{Stage: apigw.Stage{StageName: "dev"}}
	d := &apigw.DeploymentRecord{Resources: a.Resources}
	return compileStage(api, st, d)
}

func ensure(t testing.TB, a *apigw.APIRecord, path string) *apigw.Resource {
	cur := a.Resources["root"]
	for _, part := range splitPath(path) {
		var next *apigw.Resource
		for _, r := range a.Resources {
			if r.ParentID == cur.ID && r.PathPart == part {
				next = r
			}
		}
		if next == nil {
			p := cur.Path + "/" + part
			if cur.Path == "/" {
				p = "/" + part
			}
			next = &apigw.Resource{ID: p, ParentID: cur.ID, PathPart: part, Path: p}
			a.Resources[p] = next
		}
		cur = next
	}
	return cur
}

func splitPath(p string) []string {
	var out []string
	cur := ""
	for _, c := range p[1:] {
		if c == '/' {
			out = append(out, cur)
			cur = ""
			continue
		}
		cur += string(c)
	}
	return append(out, cur)
}

// canon returns the canonical form of a path that must have one.
func canon(t testing.TB, raw string) reqPath {
	t.Helper()
	p, ok := canonicalPath(raw)
	if !ok {
		t.Fatalf("canonicalPath(%q) refused", raw)
	}
	return p
}

func TestMatchPrecedence(t *testing.T) {
	st := tree(t,
		"/", "GET",
		"/pets", "GET",
		"/pets/{id}", "GET",
		"/pets/{id}", "ANY",
		"/pets/mine", "GET",
		"/pets/mine/toys", "OPTIONS",
		"/{proxy+}", "ANY",
		"/files/{path+}", "GET",
		"/a/{b}/{rest+}", "POST",
	)
	for _, c := range []struct {
		verb, path, wantRes, wantVerb string
		params                        map[string]string
	}{
		{"GET", "/", "/", "GET", nil},
		{"GET", "", "/", "GET", nil},
		{"GET", "/pets", "/pets", "GET", nil},
		{"GET", "/pets/", "/pets", "GET", nil}, // trailing slash ignored
		{"GET", "/pets/mine", "/pets/mine", "GET", nil},
		{"GET", "/pets/42", "/pets/{id}", "GET", map[string]string{"id": "42"}},
		{"DELETE", "/pets/42", "/pets/{id}", "ANY", map[string]string{"id": "42"}},
		{"DELETE", "/pets/mine", "/pets/{id}", "ANY", map[string]string{"id": "mine"}}, // literal lacks the verb: falls back to {id}
		{"HEAD", "/pets", "/{proxy+}", "ANY", map[string]string{"proxy": "pets"}},      // HEAD is not implied by GET
		{"GET", "/pets/mine/toys", "/{proxy+}", "ANY", map[string]string{"proxy": "pets/mine/toys"}},
		{"GET", "/files/a/b%20c//d/", "/files/{path+}", "GET", map[string]string{"path": "a/b%20c/d"}},
		{"GET", "/p%65ts/%6d%69ne", "/pets/mine", "GET", nil}, // literals match decoded segments
		{"POST", "/files/a", "/{proxy+}", "ANY", map[string]string{"proxy": "files/a"}},
		{"POST", "/a/x/y/z", "/a/{b}/{rest+}", "POST", map[string]string{"b": "x", "rest": "y/z"}},
		{"GET", "/a/x/y/z", "/{proxy+}", "ANY", map[string]string{"proxy": "a/x/y/z"}},
		{"GET", "/pets/a%20b", "/pets/{id}", "GET", map[string]string{"id": "a%20b"}}, // values stay encoded
		{"GET", "/pets/a%3a%40%c3%a9", "/pets/{id}", "GET", map[string]string{"id": "a%3A%40%C3%A9"}},
		{"get", "/pets", "", "", nil}, // methods are case-sensitive tokens
		{"TRACE", "/pets/1", "", "", nil},
		{"FOO", "/", "", "", nil},
	} {
		var params []pathParam
		m := st.match(canon(t, c.path), c.verb, &params)
		if m == nil {
			if c.wantRes != "" {
				t.Errorf("%s %s: no match, want %s", c.verb, c.path, c.wantRes)
			}
			continue
		}
		if c.wantRes == "" {
			t.Errorf("%s %s: matched %s %s, want no match", c.verb, c.path, m.verb, m.res.Path)
			continue
		}
		if m.res.Path != c.wantRes || m.verb != c.wantVerb {
			t.Errorf("%s %s: got %s %s, want %s %s", c.verb, c.path, m.verb, m.res.Path, c.wantVerb, c.wantRes)
		}
		got := map[string]string{}
		for _, p := range params {
			got[p.name] = p.value
		}
		if len(got) != len(c.params) {
			t.Errorf("%s %s: params %v, want %v", c.verb, c.path, got, c.params)
		}
		for k, v := range c.params {
			if got[k] != v {
				t.Errorf("%s %s: param %s = %q, want %q", c.verb, c.path, k, got[k], v)
			}
		}
	}
}

func TestMatchStrict(t *testing.T) {
	st := tree(t, "/pets", "GET", "/pets/{id}", "ANY", "/pets/mine", "OPTIONS", "/{proxy+}", "ANY")
	for _, c := range []struct{ verb, path, want string }{
		{"GET", "/pets", "/pets"},
		{"POST", "/pets", ""},     // /pets exists without POST: no fall-through to {proxy+}
		{"GET", "/pets/mine", ""}, // the literal wins and has only OPTIONS
		{"GET", "/pets/7", "/pets/{id}"},
		{"GET", "/pets/7/x", "/{proxy+}"}, // no deeper resource under {id}: the greedy sibling tree
		{"GET", "/other", "/{proxy+}"},
	} {
		var params []pathParam
		m := st.matchStrict(canon(t, c.path), c.verb, &params)
		got := ""
		if m != nil {
			got = m.res.Path
		}
		if got != c.want {
			t.Errorf("%s %s: got %q, want %q", c.verb, c.path, got, c.want)
		}
	}
}

func TestNoMatch(t *testing.T) {
	st := tree(t, "/pets", "GET", "/pets/{id}", "GET")
	for _, c := range []struct{ verb, path string }{
		{"POST", "/pets"}, {"GET", "/dogs"}, {"GET", "/pets/1/2"}, {"HEAD", "/pets"}, {"GET", "/"},
	} {
		var params []pathParam
		if m := st.match(canon(t, c.path), c.verb, &params); m != nil {
			t.Errorf("%s %s matched %s", c.verb, c.path, m.res.Path)
		}
	}
}

func TestResolve(t *testing.T) {
	tbl := &Table{apis: map[string]*apiEntry{}, domains: map[string]*domainEntry{
		"api.internal": {name: "api.internal", mappings: map[string]*mapping{"users": {api: "u", stage: "prod"}, "(none)": {api: "r", stage: "live"}}},
	}}
	for _, c := range []struct {
		host, path, api, stage, rest string
		ok                           bool
	}{
		{"abcdefghij.execute-api.us-east-1.amazonaws.com", "/dev/pets/1", "abcdefghij", "dev", "/pets/1", true},
		{"abcdefghij.execute-api.localhost:4566", "/dev", "abcdefghij", "dev", "/", true},
		{"localhost:4566", "/restapis/abcdefghij/dev/_user_request_/pets", "abcdefghij", "dev", "/pets", true},
		{"localhost:4566", "/restapis/abcdefghij/dev/_user_request_", "abcdefghij", "dev", "/", true},
		{"localhost:4566", "/_aws/execute-api/abcdefghij/dev/x/y", "abcdefghij", "dev", "/x/y", true},
		{"localhost:4566", "//restapis//abcdefghij/d%65v/_user_request_//x/", "abcdefghij", "dev", "/x", true},
		{"localhost:4566", "/restapis/abcdefghij/dev/_user_request_x/pets", "", "", "", false},
		{"localhost:4566", "/restapis/abcdefghij/dev", "", "", "", false},
		{"abcdefghij.execute-api.localhost", "/", "", "", "", false},
		{"api.internal", "/users/user/1", "u", "prod", "/user/1", true},
		{"API.internal:443", "/other/x", "r", "live", "/other/x", true},
		{"localhost", "/pets", "", "", "", false},
	} {
		tg, ok := tbl.resolve(c.host, canon(t, c.path))
		if ok != c.ok || ok && (tg.apiID != c.api || tg.stage != c.stage || tg.rest.dec != c.rest) {
			t.Errorf("%s %s: got %+v %v", c.host, c.path, tg, ok)
		}
	}
}

func TestParseProxyResponse(t *testing.T) {
	for _, c := range []struct {
		in     string
		ok     bool
		status int
		body   string
	}{
		{`{}`, true, 200, ""},
		{`{"statusCode":201,"body":"x"}`, true, 201, "x"},
		{`{"statusCode":"404"}`, true, 404, ""},
		{`{"statusCode":200,"headers":{"a":1,"b":false},"multiValueHeaders":{"c":["1","2"]},"isBase64Encoded":false}`, true, 200, ""},
		{`{"statusCode":200,"headers":null,"body":null}`, true, 200, ""},
		{`{"statusCode":200,"other":1}`, false, 0, ""},
		{`{"statusCode":2.5}`, false, 0, ""},
		{`{"statusCode":999}`, false, 0, ""},
		{`{"headers":{"a":{"b":1}}}`, false, 0, ""},
		{`{"multiValueHeaders":{"a":"b"}}`, false, 0, ""},
		{`{"body":{"a":1}}`, false, 0, ""},
		{`[1]`, false, 0, ""},
		{`null`, false, 0, ""},
		{`not json`, false, 0, ""},
	} {
		r, err := ParseProxyResponse([]byte(c.in))
		if (err == nil) != c.ok {
			t.Errorf("%s: err %v, want ok=%v", c.in, err, c.ok)
			continue
		}
		if c.ok && (r.StatusCode != c.status || r.Body != c.body) {
			t.Errorf("%s: got %d %q", c.in, r.StatusCode, r.Body)
		}
	}
}

func FuzzParseProxyResponse(f *testing.F) {
	for _, s := range []string{`{}`, `{"statusCode":201,"body":"x"}`, `{"headers":{"a":true}}`, `[`, `{"multiValueHeaders":{"a":["b"]}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ParseProxyResponse(b)
		if err == nil && (r.StatusCode < 100 || r.StatusCode > 599) {
			t.Fatalf("accepted status %d", r.StatusCode)
		}
	})
}

func FuzzMatch(f *testing.F) {
	st := tree(f, "/pets", "GET", "/pets/{id}", "ANY", "/{proxy+}", "GET", "/a/{b}/{c+}", "POST")
	for _, s := range []string{"/pets", "/pets/1", "/a/b/c/d", "//", "/%2F/x", ""} {
		f.Add(s, "GET")
	}
	f.Fuzz(func(t *testing.T, path, verb string) {
		p, ok := canonicalPath(path)
		if !ok {
			return
		}
		var params []pathParam
		m := st.match(p, verb, &params)
		if m != nil && m.verb != verb && m.verb != "ANY" {
			t.Fatalf("%s %s matched verb %s", verb, path, m.verb)
		}
		if m != nil && !standardMethod(verb) {
			t.Fatalf("non-standard method %q matched %s", verb, m.res.Path)
		}
	})
}

func BenchmarkMatch(b *testing.B) {
	st := tree(b, "/pets", "GET", "/pets/{id}", "GET", "/pets/{id}/toys/{toy}", "GET", "/users/{proxy+}", "ANY", "/{proxy+}", "ANY")
	var paths []reqPath
	for _, s := range []string{"/pets", "/pets/42", "/pets/42/toys/ball", "/users/a/b/c", "/x/y"} {
		paths = append(paths, canon(b, s))
	}
	params := make([]pathParam, 0, 4)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		params = params[:0]
		if st.match(paths[i%len(paths)], "GET", &params) == nil {
			b.Fatal("no match")
		}
	}
}

func TestJSONPath(t *testing.T) {
	body := []byte(`{"a":{"b":"x","n":3,"l":[{"id":"first"},{"id":"second"}]}}`)
	for _, c := range []struct {
		path, want string
		ok         bool
	}{
		{"a.b", "x", true}, {"$.a.b", "x", true}, {"a.n", "3", true}, {"a.l.1.id", "second", true},
		{"a.l", `[{"id":"first"},{"id":"second"}]`, true}, {"a.missing", "", false}, {"a.l.9", "", false}, {"a.b.c", "", false},
	} {
		got, ok := jsonPath(body, c.path)
		if got != c.want || ok != c.ok {
			t.Errorf("%s: got %q %v, want %q %v", c.path, got, ok, c.want, c.ok)
		}
	}
}
