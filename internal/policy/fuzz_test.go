package policy

import (
	"errors"
	"testing"
)

// FuzzParse checks that Parse never panics, that every failure is a
// *SyntaxError or *SizeError, that an accepted document keeps its bytes,
// reparses identically, and evaluates without panicking or allocating
// surprises for every policy type.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		allowAll, denyAll,
		`{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Allow","Action":["execute-api:Invoke","s3:Get*"],"Resource":"arn:aws:execute-api:*:*:api/*/GET/${aws:username}/*","Condition":{"ForAllValues:StringLike":{"aws:TagKeys":["a*","b?"]},"IpAddress":{"aws:SourceIp":["10.0.0.0/8","2001:db8::/32"]},"DateLessThan":{"aws:CurrentTime":"2030-01-01T00:00:00Z"},"NumericLessThanEqualsIfExists":{"aws:MultiFactorAuthAge":3600},"Bool":{"aws:SecureTransport":true},"Null":{"aws:TokenIssueTime":"false"}}}]}`,
		`{"Version":"2012-10-17","Statement":{"Effect":"Deny","NotPrincipal":{"AWS":["111122223333","arn:aws:iam::111122223333:role/r"]},"NotAction":"iam:*","NotResource":"arn:aws:s3:::b/*"}}`,
		`{"Version":"2008-10-17","Id":"x","Statement":{"Effect":"Allow","Principal":{"Federated":"accounts.google.com","Service":["a.amazonaws.com"]},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"accounts.google.com:aud":"x"}}}}`,
		`{"Statement":{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"ArnLike":{"aws:SourceArn":"arn:aws:sns:*:*:t"}}}}`,
		`{"Version":"2012-10-17","Statement":[]}`, `[]`, `{"a":"\u00e9\ud83d\ude00"}`, ``,
	} {
		f.Add([]byte(s), uint8(0))
	}
	in, ctx := benchInput(f)
	_ = in
	f.Fuzz(func(t *testing.T, doc []byte, typ uint8) {
		opts := ParseOptions{Type: Type(typ % 5), Managed: typ&0x80 != 0}
		p, err := Parse(doc, opts)
		if err != nil {
			var se *SyntaxError
			var ze *SizeError
			if !errors.As(err, &se) && !errors.As(err, &ze) {
				t.Fatalf("Parse error %T %v", err, err)
			}
			if se != nil && se.Msg == "" {
				t.Fatal("empty message")
			}
			return
		}
		if string(p.Document()) != string(doc) {
			t.Fatal("Document() differs from input")
		}
		if _, err := Parse(p.Document(), opts); err != nil {
			t.Fatalf("reparse: %v", err)
		}
		named := Named{Name: "fuzz", Policy: p}
		for _, who := range []Principal{pAlice, pSession, pAnon, pRoot, pWebID, pFederated} {
			for _, res := range []string{method, "*", "arn:aws:s3:::b/k"} {
				req := &Request{Principal: who, Action: invoke, Resource: res, Context: ctx}
				var input Input
				switch opts.Type {
				case TypeResource, TypeTrust:
					input = Input{ResourcePolicy: &named, RequireResourcePolicy: opts.Type == TypeTrust}
				case TypeBoundary:
					input = Input{Identity: []Named{{Policy: mustParse(t, TypeIdentity, allowAll)}}, Boundary: &named}
				default:
					input = Input{Identity: []Named{named}, Session: []Named{named}, SessionPolicies: opts.Type == TypeSession}
				}
				d := Evaluate(&input, req)
				if ex := Explain(&input, req); ex.Decision != d {
					t.Fatalf("Explain %+v != Evaluate %+v", ex.Decision, d)
				}
			}
		}
	})
}
