package iam_test

import (
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/gatehouse-dev/gatehouse/internal/gatehousetest"
	"github.com/gatehouse-dev/gatehouse/internal/golden"
)

// normalize replaces what changes between runs (ids, secrets, tokens,
// times, request ids) with placeholders.
func normalize(s string) string {
	for _, r := range []struct{ re, with string }{
		{`<RequestId>[^<]+</RequestId>`, `<RequestId>REQUEST-ID</RequestId>`},
		{`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ`, `2026-01-02T03:04:05Z`},
		{`(A[IKRSGN][A-Z]A)[A-Z2-7]{13,17}`, `${1}XXXXXXXXXXXXX`},
		{`<SecretAccessKey>[^<]+</SecretAccessKey>`, `<SecretAccessKey>SECRET</SecretAccessKey>`},
		{`<SessionToken>[^<]+</SessionToken>`, `<SessionToken>TOKEN</SessionToken>`},
	} {
		s = regexp.MustCompile(r.re).ReplaceAllString(s, r.with)
	}
	return s
}

func rawCall(t *testing.T, srvURL, service, key, secret string, form url.Values) string {
	t.Helper()
	body := form.Encode()
	req, _ := http.NewRequest(http.MethodPost, srvURL+"/", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	gatehousetest.Sign(t, req, aws.Credentials{AccessKeyID: key, SecretAccessKey: secret}, service, []byte(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.Status + "\n" + string(b) + "\n"
}

// TestWireGolden pins the exact XML of representative responses.
func TestWireGolden(t *testing.T) {
	srv := gatehousetest.Start(t)
	root := func(service string, kv ...string) string {
		form := url.Values{}
		for i := 0; i < len(kv); i += 2 {
			form.Set(kv[i], kv[i+1])
		}
		return rawCall(t, srv.URL, service, gatehousetest.AccessKeyID, gatehousetest.SecretAccessKey, form)
	}
	iamV, stsV := "2010-05-08", "2011-06-15"
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:user/path/Bob"},"Action":"sts:AssumeRole"}]}`
	var out strings.Builder
	steps := []struct{ name, body string }{
		{"CreateUser", root("iam", "Action", "CreateUser", "Version", iamV, "UserName", "Bob", "Path", "/path/", "Tags.member.1.Key", "team", "Tags.member.1.Value", "blue")},
		{"GetUser missing", root("iam", "Action", "GetUser", "Version", iamV, "UserName", "nobody")},
		{"CreateRole", root("iam", "Action", "CreateRole", "Version", iamV, "RoleName", "demo", "AssumeRolePolicyDocument", trust)},
		{"PutUserPolicy", root("iam", "Action", "PutUserPolicy", "Version", iamV, "UserName", "Bob", "PolicyName", "inv",
			"PolicyDocument", `{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}}`)},
		{"GetUserPolicy", root("iam", "Action", "GetUserPolicy", "Version", iamV, "UserName", "Bob", "PolicyName", "inv")},
		{"ListUsers", root("iam", "Action", "ListUsers", "Version", iamV)},
		{"GetCallerIdentity", root("sts", "Action", "GetCallerIdentity", "Version", stsV)},
		{"AssumeRole as root", root("sts", "Action", "AssumeRole", "Version", stsV, "RoleArn", "arn:aws:iam::000000000000:role/demo", "RoleSessionName", "s1")},
	}
	key := root("iam", "Action", "CreateAccessKey", "Version", iamV, "UserName", "Bob")
	m := regexp.MustCompile(`<AccessKeyId>([^<]+)</AccessKeyId><Status>Active</Status><SecretAccessKey>([^<]+)<`).FindStringSubmatch(key)
	if m == nil {
		t.Fatalf("CreateAccessKey: %s", key)
	}
	steps = append(steps, struct{ name, body string }{"CreateAccessKey", key},
		struct{ name, body string }{"AssumeRole", rawCall(t, srv.URL, "sts", m[1], m[2], url.Values{"Action": {"AssumeRole"}, "Version": {stsV},
			"RoleArn": {"arn:aws:iam::000000000000:role/demo"}, "RoleSessionName": {"s1"}})})
	for _, s := range steps {
		out.WriteString("== " + s.name + "\n" + normalize(s.body))
	}
	golden.Check(t, filepath.Join("testdata", "wire.golden"), out.String())
}
