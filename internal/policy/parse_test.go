package policy

import (
	"errors"
	"strings"
	"testing"
)

// Validation messages are AWS's MalformedPolicyDocument strings (spec
// iam-policy.md §2.2, recorded against AWS by moto's test-suite).
func TestParseErrors(t *testing.T) {
	const allow = `"Effect":"Allow","Action":"s3:GetObject","Resource":"*"`
	tests := []struct {
		name string
		typ  Type
		opts ParseOptions
		doc  string
		want string // "" = valid
	}{
		{"valid identity", TypeIdentity, ParseOptions{}, `{"Version":"2012-10-17","Statement":{` + allow + `}}`, ""},
		{"valid array", TypeIdentity, ParseOptions{}, `{"Version":"2012-10-17","Id":"x","Statement":[{"Sid":"A1",` + allow + `}]}`, ""},
		{"not json", TypeIdentity, ParseOptions{}, `{"Version":`, msgSyntax},
		{"not object", TypeIdentity, ParseOptions{}, `[]`, msgSyntax},
		{"extra top-level field", TypeIdentity, ParseOptions{}, `{"Version":"2012-10-17","Extra":1,"Statement":{` + allow + `}}`, msgSyntax},
		{"duplicate key", TypeIdentity, ParseOptions{}, `{"Version":"2012-10-17","Version":"2012-10-17","Statement":{` + allow + `}}`, msgSyntax},
		{"missing statement", TypeIdentity, ParseOptions{}, `{"Version":"2012-10-17"}`, msgSyntax},
		{"empty statement array", TypeIdentity, ParseOptions{}, `{"Version":"2012-10-17","Statement":[]}`, msgSyntax},
		{"statement not object", TypeIdentity, ParseOptions{}, `{"Version":"2012-10-17","Statement":["afd"]}`, msgSyntax},
		{"bad version", TypeIdentity, ParseOptions{}, `{"Version":"2013-10-17","Statement":{` + allow + `}}`, msgSyntax},
		{"non-string id", TypeIdentity, ParseOptions{}, `{"Version":"2012-10-17","Id":1,"Statement":{` + allow + `}}`, msgSyntax},
		{"unknown statement field", TypeIdentity, ParseOptions{}, `{"Version":"2012-10-17","Statement":{"Foo":1,` + allow + `}}`, msgSyntax},
		{"missing effect", TypeIdentity, ParseOptions{}, `{"Version":"2012-10-17","Statement":{"Action":"s3:*","Resource":"*"}}`, msgSyntax},
		{"bad effect", TypeIdentity, ParseOptions{}, `{"Version":"2012-10-17","Statement":{"Effect":"Permit","Action":"s3:*","Resource":"*"}}`, msgSyntax},
		{"effect wrong case", TypeIdentity, ParseOptions{}, `{"Version":"2012-10-17","Statement":{"Effect":"allow","Action":"s3:*","Resource":"*"}}`, msgLegacy},
		{"action and notaction", TypeIdentity, ParseOptions{}, `{"Version":"2012-10-17","Statement":{` + allow + `,"NotAction":"s3:*"}}`, msgSyntax},
		{"resource and notresource", TypeIdentity, ParseOptions{}, `{"Version":"2012-10-17","Statement":{` + allow + `,"NotResource":"*"}}`, msgSyntax},
		{"non-string action", TypeIdentity, ParseOptions{}, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":[1],"Resource":"*"}}`, msgSyntax},
		{"unknown operator", TypeIdentity, ParseOptions{}, `{"Version":"2012-10-17","Statement":{` + allow + `,"Condition":{"StringEqualz":{"a:b":"c"}}}}`, msgSyntax},
		{"condition value object", TypeIdentity, ParseOptions{}, `{"Version":"2012-10-17","Statement":{` + allow + `,"Condition":{"StringEquals":{"a:b":{"c":1}}}}}`, msgSyntax},
		{"Null with IfExists", TypeIdentity, ParseOptions{}, `{"Version":"2012-10-17","Statement":{` + allow + `,"Condition":{"NullIfExists":{"a:b":"true"}}}}`, msgSyntax},
		{"bad date", TypeIdentity, ParseOptions{}, `{"Version":"2012-10-17","Statement":{` + allow + `,"Condition":{"DateGreaterThan":{"aws:CurrentTime":"yesterday"}}}}`, msgLegacy},
		{"managed needs 2012", TypeIdentity, ParseOptions{Managed: true}, `{"Version":"2008-10-17","Statement":{` + allow + `}}`, msgVersion},
		{"managed missing version", TypeIdentity, ParseOptions{Managed: true}, `{"Statement":{` + allow + `}}`, msgVersion},
		{"inline 2008 ok", TypeIdentity, ParseOptions{}, `{"Version":"2008-10-17","Statement":{` + allow + `}}`, ""},
		{"duplicate sid", TypeIdentity, ParseOptions{}, `{"Version":"2012-10-17","Statement":[{"Sid":"a",` + allow + `},{"Sid":"a",` + allow + `}]}`, msgSidUnique},
		{"empty sids not unique-checked", TypeIdentity, ParseOptions{}, `{"Version":"2012-10-17","Statement":[{"Sid":"",` + allow + `},{"Sid":"",` + allow + `}]}`, ""},
		{"sid with space", TypeIdentity, ParseOptions{}, `{"Version":"2012-10-17","Statement":{"Sid":"a b",` + allow + `}}`, msgSidAlnum},
		{"sid with space in resource policy", TypeResource, ParseOptions{AllowSidSpaces: true}, `{"Version":"2012-10-17","Statement":{"Sid":"a b","Principal":"*",` + allow + `}}`, ""},
		{"principal in identity policy", TypeIdentity, ParseOptions{}, `{"Version":"2012-10-17","Statement":{"Principal":"*",` + allow + `}}`, msgNoPrincipal},
		{"principal in boundary", TypeBoundary, ParseOptions{}, `{"Version":"2012-10-17","Statement":{"NotPrincipal":{"AWS":"*"},` + allow + `}}`, msgNoPrincipal},
		{"trust without principal", TypeTrust, ParseOptions{}, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"sts:AssumeRole"}}`, msgTrustNoPrinc},
		{"trust with resource", TypeTrust, ParseOptions{}, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"sts:AssumeRole","Resource":"*"}}`, "Has prohibited field Resource"},
		{"trust 2008 ok", TypeTrust, ParseOptions{}, `{"Version":"2008-10-17","Statement":{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}}`, ""},
		{"resource policy without principal", TypeResource, ParseOptions{}, `{"Version":"2012-10-17","Statement":{` + allow + `}}`, msgMissingPrinc},
		{"partial wildcard principal", TypeResource, ParseOptions{}, `{"Version":"2012-10-17","Statement":{"Principal":{"AWS":"arn:aws:iam::1:user/*"},` + allow + `}}`, `Invalid principal in policy: "AWS":"arn:aws:iam::1:user/*"`},
		{"principal string not star", TypeResource, ParseOptions{}, `{"Version":"2012-10-17","Statement":{"Principal":"bob",` + allow + `}}`, msgSyntax},
		{"principal unknown key", TypeResource, ParseOptions{}, `{"Version":"2012-10-17","Statement":{"Principal":{"Group":"x"},` + allow + `}}`, msgSyntax},
		{"no actions", TypeIdentity, ParseOptions{}, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Resource":"*"}}`, msgNoActions},
		{"empty action list", TypeIdentity, ParseOptions{}, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":[],"Resource":"*"}}`, msgNoActions},
		{"no resources", TypeIdentity, ParseOptions{}, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*"}}`, msgNoResources},
		{"action without vendor", TypeIdentity, ParseOptions{}, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"invalid","Resource":"*"}}`, msgVendor},
		{"action two colons", TypeIdentity, ParseOptions{}, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:a:b","Resource":"*"}}`, msgOneColon},
		{"bad vendor", TypeIdentity, ParseOptions{}, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3_x:a","Resource":"*"}}`, "Vendor s3_x is not valid"},
		{"resource not arn", TypeIdentity, ParseOptions{}, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"bucket"}}`, `Resource bucket must be in ARN format or "*".`},
		{"resource unknown partition", TypeIdentity, ParseOptions{}, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws-x:s3:::b"}}`, `Partition "aws-x" is not valid for resource "arn:aws-x:s3:::b".`},
		{"resource no vendor", TypeIdentity, ParseOptions{}, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws"}}`, msgResourceVendor},
		{"five sections with empty", TypeIdentity, ParseOptions{}, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3::bucket"}}`, msgLegacy},
		{"iam resource with region", TypeIdentity, ParseOptions{}, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iam:*","Resource":"arn:aws:iam:us-east-1:1:user/x"}}`, "IAM resource arn:aws:iam:us-east-1:1:user/x cannot contain region information."},
		{"iam resource bad type", TypeIdentity, ParseOptions{}, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iam:*","Resource":"arn:aws:iam::1:thing/x"}}`, msgIAMResourcePath},
		{"partition read from a resource not starting arn", TypeIdentity, ParseOptions{}, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"a:b:cadfsdf"}}`, `Partition "b" is not valid for resource "arn:b:cadfsdf:*:*:*".`},
		{"partition quoted with six sections", TypeIdentity, ParseOptions{}, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"x:nowhere"}}`, `Partition "nowhere" is not valid for resource "arn:nowhere:*:*:*:*".`},
		{"partition of a long resource", TypeIdentity, ParseOptions{}, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"a:b:c:d:e:f:g:h"}}`, `Partition "b" is not valid for resource "arn:b:c:d:e:f:g:h".`},
		{"service taken for the partition", TypeIdentity, ParseOptions{}, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"aws:s3:::bucket"}}`, `Partition "s3" is not valid for resource "arn:s3:::bucket:*".`},
		{"partition error before legacy resource", TypeIdentity, ParseOptions{}, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":["arn:bad:s3:::b","arn:bad:s3::b"]}}`, `Partition "bad" is not valid for resource "arn:bad:s3:::b".`},
		{"legacy date before partition", TypeIdentity, ParseOptions{}, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"arn:bad:s3:::b","Condition":{"DateGreaterThan":{"a":"nope"}}}}`, msgLegacy},
		{"partition error after sid checks", TypeIdentity, ParseOptions{}, `{"Version":"2012-10-17","Statement":[{"Sid":"a","Effect":"Allow","Action":"s3:*","Resource":"arn:bad:s3:::b"},{"Sid":"a","Effect":"Allow","Action":"s3:*","Resource":"*"}]}`, msgSidUnique},
		{"empty service six sections", TypeIdentity, ParseOptions{}, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws::::bucket"}}`, msgLegacy},
		{"empty service short", TypeIdentity, ParseOptions{}, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws::fdsasf"}}`, msgLegacy},
		{"s3 bucket with region", TypeIdentity, ParseOptions{}, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:us-east-1::bucket"}}`, "Resource arn:aws:s3:us-east-1::bucket can not contain region information."},
		{"s3 access point with region", TypeIdentity, ParseOptions{}, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:us-west-2:111122223333:accesspoint/ap/object/*"}}`, ""},
		{"s3 batch job with region", TypeIdentity, ParseOptions{}, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:us-east-1:111122223333:job/*"}}`, ""},
		{"shorthand in a resource policy", TypeResource, ParseOptions{AllowSidSpaces: true}, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*"}}`, ""},
		{"unknown operator with empty block", TypeIdentity, ParseOptions{}, `{"Version":"2012-10-17","Statement":{` + allow + `,"Condition":{"a":{}}}}`, ""},
		{"two unknown operators with empty blocks", TypeIdentity, ParseOptions{}, `{"Version":"2012-10-17","Statement":{` + allow + `,"Condition":{"x":{},"y":{}}}}`, ""},
		{"legacy date year and t", TypeIdentity, ParseOptions{}, `{"Version":"2012-10-17","Statement":{` + allow + `,"Condition":{"DateGreaterThan":{"aws:CurrentTime":"01T"}}}}`, ""},
		{"legacy date single-digit hour and short zone", TypeIdentity, ParseOptions{}, `{"Version":"2012-10-17","Statement":{` + allow + `,"Condition":{"DateLessThanEquals":{"aws:CurrentTime":"2016-12-13t2:00:00.593194+23"}}}}`, ""},
		{"legacy date negative year", TypeIdentity, ParseOptions{}, `{"Version":"2012-10-17","Statement":{` + allow + `,"Condition":{"DateLessThan":{"aws:CurrentTime":"-292275054"}}}}`, ""},
		{"legacy date year too small", TypeIdentity, ParseOptions{}, `{"Version":"2012-10-17","Statement":{` + allow + `,"Condition":{"DateLessThan":{"aws:CurrentTime":"-292275055"}}}}`, msgLegacy},
		{"legacy date month 13", TypeIdentity, ParseOptions{}, `{"Version":"2012-10-17","Statement":{` + allow + `,"Condition":{"DateLessThanEquals":{"aws:CurrentTime":"234-13"}}}}`, msgLegacy},
		{"legacy date one-digit zone", TypeIdentity, ParseOptions{}, `{"Version":"2012-10-17","Statement":{` + allow + `,"Condition":{"DateLessThanEquals":{"aws:CurrentTime":"2016-12-13t2:00:00.593194+1"}}}}`, msgLegacy},
		{"legacy date ten fraction digits", TypeIdentity, ParseOptions{}, `{"Version":"2012-10-17","Statement":{` + allow + `,"Condition":{"DateLessThanEquals":{"aws:CurrentTime":"2016-12-13t2:00:00.1999999999+10:59"}}}}`, msgLegacy},
		{"epoch seconds over int64", TypeIdentity, ParseOptions{}, `{"Version":"2012-10-17","Statement":{` + allow + `,"Condition":{"DateLessThan":{"aws:CurrentTime":"9223372036854775808"}}}}`, msgLegacy},
		{"epoch seconds at int64", TypeIdentity, ParseOptions{}, `{"Version":"2012-10-17","Statement":{` + allow + `,"Condition":{"DateLessThan":{"aws:CurrentTime":"9223372036854775807"}}}}`, ""},
		{"bool condition values", TypeIdentity, ParseOptions{}, `{"Version":"2012-10-17","Statement":{` + allow + `,"Condition":{"Bool":{"aws:SecureTransport":true},"Null":{"aws:TokenIssueTime":false}}}}`, ""},
		{"control character", TypeIdentity, ParseOptions{}, "{\"Version\":\"2012-10-17\",\"Statement\":{\"Sid\":\"a\x01\"," + allow + "}}", msgSyntax},
		{"outside latin-1", TypeIdentity, ParseOptions{}, `{"Version":"2012-10-17","Statement":{"Sid":"☃",` + allow + `}}`, msgSyntax},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := tt.opts
			opts.Type = tt.typ
			p, err := Parse([]byte(tt.doc), opts)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Parse: %v", err)
				}
				if string(p.Document()) != tt.doc {
					t.Errorf("Document() = %s", p.Document())
				}
				return
			}
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Parse error = %v, want SyntaxError %q", err, tt.want)
			}
			if se.Error() != tt.want {
				t.Errorf("got %q, want %q", se.Error(), tt.want)
			}
		})
	}
}

func TestParseSize(t *testing.T) {
	doc := `{"Version": "2012-10-17",
	  "Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}}`
	if got, want := Size([]byte(doc)), len(strings.Join(strings.Fields(doc), "")); got != want {
		t.Fatalf("Size = %d, want %d (white space not counted)", got, want)
	}
	_, err := Parse([]byte(doc), ParseOptions{MaxSize: 20})
	var se *SizeError
	if !errors.As(err, &se) || se.Max != 20 || se.Error() != "Cannot exceed quota for PolicySize: 20" {
		t.Fatalf("err = %v", err)
	}
	if _, err := Parse([]byte(doc), ParseOptions{MaxSize: MaxManagedPolicySize}); err != nil {
		t.Fatal(err)
	}
}

func TestStatementPositions(t *testing.T) {
	doc := "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\"Sid\": \"One\", \"Effect\": \"Allow\", \"Action\": \"s3:*\", \"Resource\": \"*\"},\n    {\"Effect\": \"Deny\", \"Action\": \"s3:Delete*\", \"Resource\": \"*\"}\n  ]\n}"
	p, err := Parse([]byte(doc), ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got := p.Statements()
	want := []StatementInfo{
		{Index: 0, Sid: "One", Effect: "Allow", Start: Position{4, 5}, End: Position{4, 72}},
		{Index: 1, Effect: "Deny", Start: Position{5, 5}, End: Position{5, 63}},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d statements", len(got))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("statement %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestSyntaxErrorOffset(t *testing.T) {
	_, err := Parse([]byte(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Bogus":1}}`), ParseOptions{})
	var se *SyntaxError
	if !errors.As(err, &se) || se.Offset != 85 {
		t.Fatalf("err = %#v, want offset of \"Bogus\"", err)
	}
}
