package pipeline_test

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/authn"
	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/pipeline"
	"github.com/gatehouse-dev/gatehouse/internal/policy"
)

func TestClientIP(t *testing.T) {
	for _, tc := range []struct{ remote, want string }{
		{"192.0.2.7:5123", "192.0.2.7"},
		{"[2001:db8::1]:443", "2001:db8::1"},
		{"[::1]", "::1"},
		{"192.0.2.7", "192.0.2.7"},
		{"", ""},
		{"@", ""},              // a Unix socket peer
		{"example.com:80", ""}, // never a name
		{"[fe80::1%eth0]:80", "fe80::1%eth0"},
		{"1.2.3.4:5:6", ""},
		{"[]:1", ""},
	} {
		r := &http.Request{RemoteAddr: tc.remote}
		if got := pipeline.ClientIP(r); got != tc.want {
			t.Errorf("ClientIP(%q) = %q, want %q", tc.remote, got, tc.want)
		}
	}
}

func FuzzClientIP(f *testing.F) {
	for _, s := range []string{"192.0.2.7:1", "[::1]:2", "[::1]", "", "@", "a:b:c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, remote string) {
		ip := pipeline.ClientIP(&http.Request{RemoteAddr: remote})
		if ip == "" {
			return
		}
		// Whatever it returns is an address an IpAddress condition parses,
		// and a part of what the peer said.
		if _, err := netip.ParseAddr(ip); err != nil {
			t.Fatalf("ClientIP(%q) = %q, not an address", remote, ip)
		}
		if !strings.Contains(remote, ip) {
			t.Fatalf("ClientIP(%q) = %q, not from RemoteAddr", remote, ip)
		}
	})
}

// keys returns the context as key → values.
func keys(c *policy.Context) map[string][]string {
	m := map[string][]string{}
	c.Range(func(k string, v []string, _ bool) { m[k] = append([]string(nil), v...) })
	return m
}

func TestFillRequest(t *testing.T) {
	now := time.Date(2026, 12, 5, 8, 30, 15, 999, time.FixedZone("x", 3600))
	base := map[string][]string{
		"aws:CurrentTime":     {"2026-12-05T07:30:15Z"},
		"aws:EpochTime":       {"1796455815"},
		"aws:SecureTransport": {"false"},
		"aws:SourceIp":        {"192.0.2.7"},
		"aws:ViaAWSService":   {"false"},
		"aws:RequestedRegion": {"eu-west-1"},
	}
	with := func(kv ...string) map[string][]string {
		m := map[string][]string{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] == "" {
				delete(m, kv[i])
			} else {
				m[kv[i]] = []string{kv[i+1]}
			}
		}
		return m
	}
	for _, tc := range []struct {
		name   string
		mod    func(r *http.Request)
		region string
		want   map[string][]string
	}{
		{"plain", func(r *http.Request) {}, "eu-west-1", base},
		{"user agent and referer as sent", func(r *http.Request) {
			r.Header.Set("User-Agent", "aws-cli/1.29 Python/3")
			r.Header.Set("Referer", "https://example.com/x")
		}, "eu-west-1", with("aws:UserAgent", "aws-cli/1.29 Python/3", "aws:Referer", "https://example.com/x")},
		{"tls", func(r *http.Request) { r.TLS = &tls.ConnectionState{} }, "eu-west-1", with("aws:SecureTransport", "true")},
		{"no peer address: no aws:SourceIp", func(r *http.Request) { r.RemoteAddr = "@" }, "eu-west-1", with("aws:SourceIp", "")},
		{"unsigned: no region", func(r *http.Request) {}, "", with("aws:RequestedRegion", "")},
		{"ipv6", func(r *http.Request) { r.RemoteAddr = "[2001:db8::5]:9" }, "eu-west-1", with("aws:SourceIp", "2001:db8::5")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = "192.0.2.7:5123"
			r.Header.Del("User-Agent")
			tc.mod(r)
			var c policy.Context
			pipeline.FillRequest(&c, r, now, tc.region)
			if got := keys(&c); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("keys =\n%v\nwant\n%v", got, tc.want)
			}
			// Keys AWS sets only for calls a service makes on a
			// principal's behalf are absent, not empty.
			for _, k := range []string{"aws:CalledVia", "aws:CalledViaFirst", "aws:CalledViaLast"} {
				if _, ok := c.Get(k); ok {
					t.Errorf("%s is set", k)
				}
			}
		})
	}
}

func TestTags(t *testing.T) {
	var c policy.Context
	tags := pipeline.TagsFromMap(map[string]string{"team": "a", "env": "prod"})
	pipeline.RequestTags(&c, tags)
	pipeline.ResourceTags(&c, []pipeline.Tag{{"owner", "x"}})
	want := map[string][]string{
		"aws:RequestTag/team":   {"a"},
		"aws:RequestTag/env":    {"prod"},
		"aws:TagKeys":           {"env", "team"},
		"aws:ResourceTag/owner": {"x"},
	}
	if got := keys(&c); !reflect.DeepEqual(got, want) {
		t.Errorf("keys = %v, want %v", got, want)
	}
	var empty policy.Context
	pipeline.RequestTags(&empty, nil)
	pipeline.TagKeys(&empty, nil)
	if empty.Len() != 0 {
		t.Errorf("no tags set %v", keys(&empty))
	}
}

// fakeAuthz records what it was asked and answers d.
type fakeAuthz struct {
	d     policy.Decision
	got   pipeline.AuthzRequest
	onAsk func(pipeline.AuthzRequest)
}

func (f *fakeAuthz) Authorize(p *authn.Principal, req pipeline.AuthzRequest) policy.Decision {
	f.got = req
	if f.onAsk != nil {
		f.onAsk(req)
	}
	return f.d
}

func TestSurfaceAuthorize(t *testing.T) {
	user := &authn.Principal{Kind: authn.User, ARN: "arn:aws:iam::111122223333:user/alice"}
	allow := policy.Decision{Effect: policy.Allowed}
	implicit := policy.Decision{Effect: policy.ImplicitDeny, Type: policy.TypeIdentity, Statement: -1}
	explicit := policy.Decision{Effect: policy.ExplicitDeny, Type: policy.TypeIdentity, Statement: 0}
	for _, tc := range []struct {
		name    string
		d       policy.Decision
		denied  awserr.Code
		legacy  bool
		caller  *authn.Principal
		wantErr string
	}{
		{"allowed", allow, awserr.AccessDenied, false, user, ""},
		{"implicit", implicit, awserr.AccessDenied, false, user,
			"User: arn:aws:iam::111122223333:user/alice is not authorized to perform: lambda:GetFunction on resource: arn:aws:lambda:eu-west-1:111122223333:function:f because no identity-based policy allows the lambda:GetFunction action"},
		{"explicit legacy", explicit, awserr.LambdaAccessDeniedException, true, user,
			"User: arn:aws:iam::111122223333:user/alice is not authorized to perform: lambda:GetFunction on resource: arn:aws:lambda:eu-west-1:111122223333:function:f with an explicit deny"},
		{"anonymous", implicit, awserr.AccessDeniedException, true, nil,
			"User: anonymous is not authorized to perform: lambda:GetFunction on resource: arn:aws:lambda:eu-west-1:111122223333:function:f"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fa := &fakeAuthz{d: tc.d}
			s := pipeline.Surface{Authz: fa, Denied: tc.denied, Legacy: tc.legacy,
				Now: func() time.Time { return time.Unix(1796455815, 0) }}
			r := httptest.NewRequest("GET", "/", nil)
			d, err := s.Authorize(&pipeline.Call{Request: r, Region: "eu-west-1", Caller: tc.caller,
				AuthzRequest: pipeline.AuthzRequest{Action: "lambda:GetFunction", Resource: "arn:aws:lambda:eu-west-1:111122223333:function:f"},
				Keys:         func(c *policy.Context) { c.Set("lambda:Principal", "x") }})
			if d.Effect != tc.d.Effect {
				t.Errorf("decision %v, want %v", d.Effect, tc.d.Effect)
			}
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("err = %v", err)
				}
			} else {
				ae, ok := err.(*awserr.Error)
				if !ok || !tc.denied.Is(err) || ae.Message != tc.wantErr {
					t.Fatalf("err = %#v, want %s %q", err, tc.denied.Name, tc.wantErr)
				}
			}
			c := fa.got.Context
			for k, want := range map[string]string{"aws:RequestedRegion": "eu-west-1", "aws:EpochTime": "1796455815", "lambda:Principal": "x", "aws:SourceIp": "192.0.2.1"} {
				if v, ok := c.Get(k); !ok || v[0] != want {
					t.Errorf("%s = %v, want %s", k, v, want)
				}
			}
		})
	}
}

func TestNoAuthorizerDenies(t *testing.T) {
	s := pipeline.Surface{Denied: awserr.AccessDenied}
	_, err := s.Authorize(&pipeline.Call{Request: httptest.NewRequest("GET", "/", nil),
		AuthzRequest: pipeline.AuthzRequest{Action: "iam:ListUsers", Resource: "*"}})
	if !awserr.AccessDenied.Is(err) {
		t.Fatalf("err = %v, want AccessDenied", err)
	}
}

func BenchmarkFillRequest(b *testing.B) {
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("User-Agent", "bench")
	var c policy.Context
	now := time.Now()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		c.Reset()
		pipeline.FillRequest(&c, r, now, "us-east-1")
	}
}

func TestTable(t *testing.T) {
	tab := pipeline.Table{
		{Name: "TagResource", Actions: []string{"lambda:TagResource"}, Keys: pipeline.TaggingKeys},
		{Name: "CreateFunction", Actions: []string{"lambda:CreateFunction", "iam:PassRole"}},
	}
	if got := tab.Names(); !reflect.DeepEqual(got, []string{"CreateFunction", "TagResource"}) {
		t.Errorf("Names = %v", got)
	}
	op, ok := tab.Lookup("CreateFunction")
	if !ok || !op.Authorizes("iam:PassRole") || op.Authorizes("lambda:TagResource") {
		t.Errorf("Lookup/Authorizes wrong: %+v", op)
	}
	if _, ok := tab.Lookup("Nope"); ok {
		t.Error("Lookup found Nope")
	}
	// An action the operation does not list is refused before any
	// decision, whatever the policies say.
	s := pipeline.Surface{Authz: &fakeAuthz{d: policy.Decision{Effect: policy.Allowed}}, Denied: awserr.AccessDenied}
	_, err := s.Authorize(&pipeline.Call{Request: httptest.NewRequest("GET", "/", nil), Op: &tab[0],
		AuthzRequest: pipeline.AuthzRequest{Action: "lambda:DeleteFunction", Resource: "*"}})
	if !awserr.InternalFailure.Is(err) {
		t.Errorf("err = %v, want InternalFailure", err)
	}
	if _, err := s.Authorize(&pipeline.Call{Request: httptest.NewRequest("GET", "/", nil), Op: &tab[0],
		AuthzRequest: pipeline.AuthzRequest{Action: "lambda:TagResource", Resource: "*"}}); err != nil {
		t.Errorf("listed action: %v", err)
	}
}

// TestResourceAccountKey: aws:ResourceAccount is the resource's owner as
// the service names it, else the account in the resource's ARN, else the
// caller's; a service's own key wins.
func TestResourceAccountKey(t *testing.T) {
	var s pipeline.Surface
	caller := &authn.Principal{AccountID: "111111111111"}
	for _, tc := range []struct {
		req  pipeline.AuthzRequest
		keys func(*policy.Context)
		want string
	}{
		{pipeline.AuthzRequest{Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k", ResourceAccount: "222222222222"}, nil, "222222222222"},
		{pipeline.AuthzRequest{Action: "lambda:InvokeFunction", Resource: "arn:aws:lambda:us-east-1:333333333333:function:f"}, nil, "333333333333"},
		{pipeline.AuthzRequest{Action: "s3:CreateBucket", Resource: "arn:aws:s3:::b"}, nil, "111111111111"},
		{pipeline.AuthzRequest{Action: "iam:ListRoles", Resource: "*"}, nil, "111111111111"},
		{pipeline.AuthzRequest{Action: "x:Y", Resource: "*"}, func(c *policy.Context) { c.Set("aws:ResourceAccount", "444444444444") }, "444444444444"},
	} {
		pc := s.Context(&pipeline.Call{Caller: caller, AuthzRequest: tc.req, Keys: tc.keys})
		if v, _ := pc.Get("aws:ResourceAccount"); len(v) != 1 || v[0] != tc.want {
			t.Errorf("%s %s: aws:ResourceAccount = %v, want %s", tc.req.Action, tc.req.Resource, v, tc.want)
		}
	}
}
