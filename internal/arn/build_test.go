package arn

import (
	"testing"
)

// TestConstructors pins every constructor to the ARN format AWS documents
// for the resource type (Service Authorization Reference, "Resource types
// defined by ..." for IAM, STS, Lambda, API Gateway, execute-api, logs),
// and checks that each result parses back to the sections it was built
// from.
func TestConstructors(t *testing.T) {
	tests := []struct {
		name, got, want string
	}{
		{"root", Root("123456789012"), "arn:aws:iam::123456789012:root"},
		{"iam", IAM("123456789012", "user/*"), "arn:aws:iam::123456789012:user/*"},
		{"user", User("123456789012", "/", "alice"), "arn:aws:iam::123456789012:user/alice"},
		{"user path", User("123456789012", "/div/team/", "alice"), "arn:aws:iam::123456789012:user/div/team/alice"},
		{"group", Group("123456789012", "/", "admins"), "arn:aws:iam::123456789012:group/admins"},
		{"role", Role("123456789012", "/service-role/", "r"), "arn:aws:iam::123456789012:role/service-role/r"},
		{"policy", Policy("123456789012", "/", "p"), "arn:aws:iam::123456789012:policy/p"},
		{"instance profile", InstanceProfile("123456789012", "/", "ip"), "arn:aws:iam::123456789012:instance-profile/ip"},
		{"mfa", MFA("123456789012", "/", "dev"), "arn:aws:iam::123456789012:mfa/dev"},
		{"oidc", OIDCProvider("123456789012", "token.actions.githubusercontent.com"), "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"},
		{"saml", SAMLProvider("123456789012", "okta"), "arn:aws:iam::123456789012:saml-provider/okta"},
		{"assumed role", AssumedRole("123456789012", "r", "s@x"), "arn:aws:sts::123456789012:assumed-role/r/s@x"},
		{"federated", FederatedUser("123456789012", "bob"), "arn:aws:sts::123456789012:federated-user/bob"},
		{"function", Function("us-east-1", "123456789012", "f"), "arn:aws:lambda:us-east-1:123456789012:function:f"},
		{"function unqualified", FunctionQualified("us-east-1", "123456789012", "f", ""), "arn:aws:lambda:us-east-1:123456789012:function:f"},
		{"function version", FunctionQualified("us-east-1", "123456789012", "f", "$LATEST"), "arn:aws:lambda:us-east-1:123456789012:function:f:$LATEST"},
		{"function alias", FunctionQualified("us-east-1", "123456789012", "f", "live"), "arn:aws:lambda:us-east-1:123456789012:function:f:live"},
		{"layer", Layer("us-east-1", "123456789012", "l"), "arn:aws:lambda:us-east-1:123456789012:layer:l"},
		{"layer version", LayerVersion("us-east-1", "123456789012", "l", 7), "arn:aws:lambda:us-east-1:123456789012:layer:l:7"},
		{"event source mapping", EventSourceMapping("us-east-1", "123456789012", "a1b2"), "arn:aws:lambda:us-east-1:123456789012:event-source-mapping:a1b2"},
		{"runtime", RuntimeVersion("us-east-1", "abc"), "arn:aws:lambda:us-east-1::runtime:abc"},
		{"log group", LogGroup("us-east-1", "123456789012", "/aws/lambda/f"), "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/f"},
		{"log stream", LogStream("us-east-1", "123456789012", "/aws/lambda/f", "2026/12/05/[$LATEST]abc"), "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/f:log-stream:2026/12/05/[$LATEST]abc"},
		{"apigateway", APIGateway("us-east-1", "/restapis/a1/stages/prod"), "arn:aws:apigateway:us-east-1::/restapis/a1/stages/prod"},
		{"lambda integration", LambdaIntegrationURI("us-east-1", "arn:aws:lambda:us-east-1:123456789012:function:f"), "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:f/invocations"},
		{"execute-api", ExecuteAPI("us-east-1", "123456789012", "a1", "prod", "GET", "pets/1"), "arn:aws:execute-api:us-east-1:123456789012:a1/prod/GET/pets/1"},
		{"execute-api root", NewExecuteAPIStage("us-east-1", "123456789012", "a1", "prod").Method("GET", ""), "arn:aws:execute-api:us-east-1:123456789012:a1/prod/GET/"},
		{"execute-api stage", NewExecuteAPIStage("us-east-1", "123456789012", "a1", "prod").Method("POST", "a/b"), ExecuteAPI("us-east-1", "123456789012", "a1", "prod", "POST", "a/b")},
		{"execute-api prefix", ExecuteAPIPrefix("us-east-1", "123456789012", "a1") + "*", "arn:aws:execute-api:us-east-1:123456789012:a1/*"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Fatalf("got %q, want %q", tt.got, tt.want)
			}
			a, err := Parse(tt.got)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.got, err)
			}
			if a.Partition != Partition || a.String() != tt.got {
				t.Errorf("Parse(%q) = %+v", tt.got, a)
			}
		})
	}
}

func TestParseFunctionName(t *testing.T) {
	tests := []struct {
		in   string
		want FunctionRef
		ok   bool
	}{
		{"f", FunctionRef{Form: FormName, Name: "f"}, true},
		{"f:live", FunctionRef{Form: FormName, Name: "f", Qualifier: "live"}, true},
		{"123456789012:function:f", FunctionRef{Form: FormPartial, Account: "123456789012", Name: "f"}, true},
		{"123456789012:function:f:1", FunctionRef{Form: FormPartial, Account: "123456789012", Name: "f", Qualifier: "1"}, true},
		{"arn:aws:lambda:us-east-1:123456789012:function:f", FunctionRef{Form: FormARN, Partition: "aws", Region: "us-east-1", Account: "123456789012", Name: "f"}, true},
		{"arn:aws-cn:lambda:cn-north-1:123456789012:function:f:$LATEST", FunctionRef{Form: FormARN, Partition: "aws-cn", Region: "cn-north-1", Account: "123456789012", Name: "f", Qualifier: "$LATEST"}, true},
		{"", FunctionRef{Form: FormName}, true}, // the caller's name check rejects it
		{"a:b:c", FunctionRef{}, false},
		{"f:", FunctionRef{}, false},
		{"123456789012:function:f:", FunctionRef{}, false},
		{"arn:aws:lambda:us-east-1:123456789012:function:f:", FunctionRef{}, false},
		{"123456789012:function:f:1:2", FunctionRef{}, false},
		{"arn:aws:lambda:us-east-1:123456789012:function", FunctionRef{}, false},
		{"arn:aws:lambda:us-east-1:123456789012:layer:f", FunctionRef{}, false},
		{"arn:aws:s3:us-east-1:123456789012:function:f", FunctionRef{}, false},
		{"arn::lambda:us-east-1:123456789012:function:f", FunctionRef{}, false},
		{"arn:aws:lambda:us-east-1:123456789012:function:f:1:x", FunctionRef{}, false},
		{"arn:1", FunctionRef{}, false}, // "arn" first means a full ARN
	}
	for _, tt := range tests {
		got, ok := ParseFunctionName(tt.in)
		if ok != tt.ok || got != tt.want {
			t.Errorf("ParseFunctionName(%q) = %+v, %v; want %+v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
		if f, ok := ParseFunction(tt.in); ok != (tt.ok && tt.want.Form == FormARN) || ok && f != tt.want {
			t.Errorf("ParseFunction(%q) = %+v, %v", tt.in, f, ok)
		}
	}
}

func TestParseIAM(t *testing.T) {
	tests := []struct {
		in, account, resource string
		ok                    bool
	}{
		{"arn:aws:iam::123456789012:role/a/r", "123456789012", "role/a/r", true},
		{"arn:aws:iam::123456789012:root", "123456789012", "root", true},
		{"arn:aws:iam::aws:policy/ReadOnlyAccess", "aws", "policy/ReadOnlyAccess", true},
		{"arn:aws:iam:us-east-1:123456789012:role/r", "", "", false},
		{"arn:aws-cn:iam::123456789012:role/r", "", "", false}, // not gatehouse's partition
		{"arn:aws:sts::123456789012:assumed-role/r/s", "", "", false},
		{"arn:aws:iam::123456789012", "", "", false},
		{"role/r", "", "", false},
	}
	for _, tt := range tests {
		a, r, ok := ParseIAM(tt.in)
		if a != tt.account || r != tt.resource || ok != tt.ok {
			t.Errorf("ParseIAM(%q) = %q, %q, %v", tt.in, a, r, ok)
		}
	}
}

func TestHelpers(t *testing.T) {
	for in, want := range map[string]string{"arn:aws:iam::1:role/a/b/r": "r", "arn:aws:sts::1:assumed-role/r/s": "s", "user/u": "u", "root": "root"} {
		if got := Name(in); got != want {
			t.Errorf("Name(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{"arn:aws:execute-api:us-east-1:123456789012:a/b": "123456789012", "arn:aws:s3:::b": "", "x:y:z:w:v:u": "", "arn:aws:iam": ""} {
		if got := Account(in); got != want {
			t.Errorf("Account(%q) = %q, want %q", in, got, want)
		}
	}
	for _, tt := range []struct {
		in   string
		want [6]string
		n    int
	}{
		{"arn:aws:iam::1:user/a:b", [6]string{"arn", "aws", "iam", "", "1", "user/a:b"}, 6},
		{"arn:aws:iam::1", [6]string{"arn", "aws", "iam", "", "1"}, 5},
		{"execute-api:/*", [6]string{"execute-api", "/*"}, 2},
		{"*", [6]string{"*"}, 1},
	} {
		if got, n := Fields(tt.in); got != tt.want || n != tt.n {
			t.Errorf("Fields(%q) = %q, %d", tt.in, got, n)
		}
	}
	for _, tt := range []struct {
		uri, fn string
		ok      bool
	}{
		{LambdaIntegrationURI("us-east-1", "arn:aws:lambda:us-east-1:1:function:f"), "arn:aws:lambda:us-east-1:1:function:f", true},
		{"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:1:function:f:live/invocations", "arn:aws:lambda:us-east-1:1:function:f:live", true},
		{"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions//invocations", "", false},
		{"arn:aws:apigateway:us-east-1:s3:path/bucket/key", "", false},
		{"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/f", "", false},
		{"https://example.com/x", "", false},
	} {
		fn, ok := ParseLambdaIntegrationURI(tt.uri)
		if fn != tt.fn || ok != tt.ok {
			t.Errorf("ParseLambdaIntegrationURI(%q) = %q, %v", tt.uri, fn, ok)
		}
	}
}

// TestMethodAllocs: the gateway builds a method ARN per request; it must
// cost the one allocation of the string itself.
func TestMethodAllocs(t *testing.T) {
	st := NewExecuteAPIStage("us-east-1", "123456789012", "a1b2c3d4e5", "prod")
	path := "pets/123/toys"
	n := testing.AllocsPerRun(100, func() { sink = st.Method("GET", path) })
	if n != 1 {
		t.Errorf("Method allocates %v times, want 1", n)
	}
	n = testing.AllocsPerRun(100, func() { sink = User("123456789012", "/", "alice") })
	if n != 1 {
		t.Errorf("User allocates %v times, want 1", n)
	}
}

var sink string

// BenchmarkMethodARN compares the gateway's per-request method ARN before
// (a prefix string concatenated in gateway) and after (ExecuteAPIStage).
func BenchmarkMethodARN(b *testing.B) {
	region, account, api, stage := "us-east-1", "123456789012", "a1b2c3d4e5", "prod"
	path := "pets/123/toys"
	b.Run("concat", func(b *testing.B) {
		prefix := "arn:aws:execute-api:" + region + ":" + account + ":" + api + "/" + stage + "/"
		b.ReportAllocs()
		for b.Loop() {
			sink = prefix + "GET" + "/" + path
		}
	})
	b.Run("stage", func(b *testing.B) {
		st := NewExecuteAPIStage(region, account, api, stage)
		b.ReportAllocs()
		for b.Loop() {
			sink = st.Method("GET", path)
		}
	})
	b.Run("full", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			sink = ExecuteAPI(region, account, api, stage, "GET", path)
		}
	})
}

// FuzzParseFunctionName: never panics, and what it accepts as a full ARN
// rebuilds to its input.
func FuzzParseFunctionName(f *testing.F) {
	for _, s := range []string{"f", "f:1", "123456789012:function:f:1", "arn:aws:lambda:us-east-1:123456789012:function:f:live", "arn:1", ":::::::::"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, ok := ParseFunctionName(s)
		if !ok || r.Form != FormARN || r.Partition != Partition {
			return
		}
		if got := FunctionQualified(r.Region, r.Account, r.Name, r.Qualifier); got != s {
			t.Fatalf("rebuilt %q from %q", got, s)
		}
	})
}
