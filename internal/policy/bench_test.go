package policy

import (
	"fmt"
	"strings"
	"testing"
)

// benchInput is a user with 10 attached policies of 10 statements each,
// mixing wildcards, NotAction, policy variables and conditions of every
// common type; the execute-api allow sits in the last policy. The ARNs
// carry regions, so no service among them is S3, whose bucket ARNs may not.
func benchInput(tb testing.TB) (*Input, *Context) {
	services := []string{"sqs", "sns", "dynamodb", "states", "kms", "lambda", "logs", "ec2", "ssm", "secretsmanager"}
	conds := []string{
		`,"Condition":{"StringEquals":{"aws:PrincipalTag/team":"blue"}}`,
		`,"Condition":{"IpAddress":{"aws:SourceIp":["10.0.0.0/8","192.168.0.0/16"]}}`,
		`,"Condition":{"Bool":{"aws:SecureTransport":"true"}}`,
		`,"Condition":{"DateLessThan":{"aws:CurrentTime":"2030-01-01T00:00:00Z"}}`,
		`,"Condition":{"StringLike":{"aws:userid":"AIDA*"},"NumericLessThan":{"aws:MultiFactorAuthAge":"3600"}}`,
		``,
	}
	in := &Input{ResourceAccount: acct}
	for p := 0; p < 10; p++ {
		var stmts []string
		for s := 0; s < 10; s++ {
			svc := services[(p+s)%len(services)]
			action := fmt.Sprintf(`"%s:Get*","%s:List*"`, svc, svc)
			res := fmt.Sprintf(`"arn:aws:%s:*:%s:thing-%d/*","arn:aws:%s:us-east-1:*:home/${aws:username}/*"`, svc, acct, s, svc)
			effect := "Allow"
			if s == 9 {
				effect = "Deny"
			}
			stmts = append(stmts, fmt.Sprintf(`{"Sid":"S%d","Effect":"%s","Action":[%s],"Resource":[%s]%s}`, s, effect, action, res, conds[(p*10+s)%len(conds)]))
		}
		if p == 9 {
			stmts[0] = `{"Sid":"Invoke","Effect":"Allow","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:us-east-1:` + acct + `:api1/*/GET/*","Condition":{"StringEquals":{"aws:PrincipalTag/team":"blue"},"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}`
			stmts[9] = `{"Sid":"NoDelete","Effect":"Deny","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:*:*:api1/*/DELETE/*"}`
		}
		doc := `{"Version":"2012-10-17","Statement":[` + strings.Join(stmts, ",") + `]}`
		in.Identity = append(in.Identity, Named{Name: fmt.Sprintf("arn:aws:iam::%s:policy/p%d", acct, p), Policy: mustParse(tb, TypeIdentity, doc)})
	}
	ctx := &Context{}
	ctx.SetPrincipal(pAlice)
	ctx.Set("aws:PrincipalTag/team", "blue")
	ctx.Set("aws:SourceIp", "10.1.2.3")
	ctx.Set("aws:SecureTransport", "true")
	ctx.Set("aws:CurrentTime", "2026-11-22T12:00:00Z")
	ctx.Set("aws:EpochTime", "1795348800")
	ctx.Set("aws:MultiFactorAuthAge", "60")
	return in, ctx
}

var benchRequests = []struct {
	name     string
	resource string
	want     Effect
}{
	{"allowed", "arn:aws:execute-api:us-east-1:" + acct + ":api1/prod/GET/pets/1", Allowed},
	{"implicitDeny", "arn:aws:execute-api:us-east-1:" + acct + ":api1/prod/POST/pets", ImplicitDeny},
	{"explicitDeny", "arn:aws:execute-api:us-east-1:" + acct + ":api1/prod/DELETE/pets/1", ExplicitDeny},
}

func BenchmarkEvaluate(b *testing.B) {
	in, ctx := benchInput(b)
	for _, br := range benchRequests {
		b.Run(br.name, func(b *testing.B) {
			req := &Request{Principal: pAlice, Action: invoke, Resource: br.resource, Context: ctx}
			if d := Evaluate(in, req); d.Effect != br.want {
				b.Fatalf("Effect = %s, want %s", d.Effect, br.want)
			}
			b.ReportAllocs()
			for b.Loop() {
				Evaluate(in, req)
			}
		})
	}
}

// TestEvaluateAllocs is the allocation budget of the hot path: zero.
func TestEvaluateAllocs(t *testing.T) {
	in, ctx := benchInput(t)
	for _, br := range benchRequests {
		req := &Request{Principal: pAlice, Action: invoke, Resource: br.resource, Context: ctx}
		if d := Evaluate(in, req); d.Effect != br.want {
			t.Fatalf("%s: Effect = %s, want %s", br.name, d.Effect, br.want)
		}
		if n := testing.AllocsPerRun(50, func() { Evaluate(in, req) }); n != 0 {
			t.Errorf("%s: Evaluate allocates %v times per call, want 0", br.name, n)
		}
	}
	// Variables and a resource policy too.
	c := evalCase{who: pAlice, resource: "arn:aws:execute-api:us-east-1:" + acct + ":api1/prod/GET/home/alice",
		identity:  []string{`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"arn:aws:execute-api:*:*:api1/*/GET/home/${aws:username}","Condition":{"StringEquals":{"aws:PrincipalArn":"arn:aws:iam::${aws:PrincipalAccount}:user/division/${aws:username}"}}}}`},
		resPolicy: rp("Allow", `{"AWS":"`+acct+`"}`, `,"Condition":{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*:user/*/${aws:username}"}}`)}
	in2, req2 := c.run(t)
	if d := Evaluate(in2, req2); d.Effect != Allowed {
		t.Fatalf("variables: %s", d.Effect)
	}
	if n := testing.AllocsPerRun(50, func() { Evaluate(in2, req2) }); n != 0 {
		t.Errorf("variables: Evaluate allocates %v times per call, want 0", n)
	}
	// Filling a reused Context allocates nothing either.
	if n := testing.AllocsPerRun(50, func() {
		ctx.Reset()
		ctx.SetPrincipal(pAlice)
		ctx.Set("aws:SourceIp", "10.1.2.3")
		ctx.SetMulti("aws:TagKeys", "a", "b")
	}); n != 0 {
		t.Errorf("Context refill allocates %v times, want 0", n)
	}
}

func BenchmarkParse(b *testing.B) {
	in, _ := benchInput(b)
	doc := in.Identity[9].Policy.Document()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(doc, ParseOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}
