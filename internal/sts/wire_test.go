package sts_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/gatehouse-dev/gatehouse/internal/gatehousetest"
)

// post sends a form to the server, signed for service at signTime unless
// service is empty.
func post(t *testing.T, srvURL, service string, form url.Values, signTime time.Time) (int, string) {
	t.Helper()
	body := form.Encode()
	req, _ := http.NewRequest(http.MethodPost, srvURL+"/", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if service != "" {
		sum := sha256.Sum256([]byte(body))
		creds := aws.Credentials{AccessKeyID: gatehousetest.AccessKeyID, SecretAccessKey: gatehousetest.SecretAccessKey}
		if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), service, "eu-central-1", signTime); err != nil {
			t.Fatal(err)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestQueryWireErrors(t *testing.T) {
	srv := gatehousetest.Start(t)
	cases := []struct {
		name, service string
		form          url.Values
		at            time.Time
		status        int
		code          string
		msg           *regexp.Regexp
	}{
		{"unsigned STS call", "", url.Values{"Action": {"GetCallerIdentity"}, "Version": {"2011-06-15"}}, time.Now(), 403, "MissingAuthenticationToken", regexp.MustCompile(`^Request is missing Authentication Token$`)},
		{"expired signature", "sts", url.Values{"Action": {"GetCallerIdentity"}, "Version": {"2011-06-15"}}, time.Now().Add(-20 * time.Minute), 403, "SignatureDoesNotMatch",
			regexp.MustCompile(`^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 15 min\.\)$`)},
		{"future signature", "sts", url.Values{"Action": {"GetCallerIdentity"}, "Version": {"2011-06-15"}}, time.Now().Add(20 * time.Minute), 403, "SignatureDoesNotMatch",
			regexp.MustCompile(`^Signature not yet current: \d{8}T\d{6}Z is still later than \d{8}T\d{6}Z \(\d{8}T\d{6}Z \+ 15 min\.\)$`)},
		{"14 minutes of skew is fine", "sts", url.Values{"Action": {"GetCallerIdentity"}, "Version": {"2011-06-15"}}, time.Now().Add(-14 * time.Minute), 200, "", nil},
		{"unknown STS action", "sts", url.Values{"Action": {"Frobnicate"}, "Version": {"2011-06-15"}}, time.Now(), 400, "InvalidAction", regexp.MustCompile(`^Could not find operation Frobnicate for version 2011-06-15$`)},
		// The frame's order: a missing Action first, then a signed caller
		// for everything but the unsigned operations, then the action.
		{"missing STS action", "sts", url.Values{"Version": {"2011-06-15"}}, time.Now(), 400, "MissingAction", regexp.MustCompile(`.`)},
		{"unknown STS action, unsigned", "", url.Values{"Action": {"Frobnicate"}, "Version": {"2011-06-15"}}, time.Now(), 403, "MissingAuthenticationToken", regexp.MustCompile(`^Request is missing Authentication Token$`)},
		{"unsigned AssumeRole", "", url.Values{"Action": {"AssumeRole"}, "RoleArn": {"arn:aws:iam::000000000000:role/r"}, "RoleSessionName": {"s1"}}, time.Now(), 403, "MissingAuthenticationToken", regexp.MustCompile(`^Request is missing Authentication Token$`)},
		{"unsigned AssumeRoleWithWebIdentity is served", "", url.Values{"Action": {"AssumeRoleWithWebIdentity"}, "RoleArn": {"arn:aws:iam::000000000000:role/r"}, "RoleSessionName": {"s1"}, "WebIdentityToken": {"xx"}}, time.Now(), 400, "ValidationError", regexp.MustCompile(`webIdentityToken`)},
		{"unknown IAM action", "iam", url.Values{"Action": {"Frobnicate"}, "Version": {"2010-05-08"}}, time.Now(), 400, "InvalidAction", regexp.MustCompile(`Frobnicate`)},
		{"missing IAM action", "iam", url.Values{"Version": {"2010-05-08"}}, time.Now(), 400, "MissingAction", regexp.MustCompile(`.`)},
	}
	codeRE := regexp.MustCompile(`<Code>([^<]*)</Code>`)
	msgRE := regexp.MustCompile(`<Message>([^<]*)</Message>`)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, body := post(t, srv.URL, tc.service, tc.form, tc.at)
			if status != tc.status {
				t.Fatalf("status %d, want %d: %s", status, tc.status, body)
			}
			if tc.code == "" {
				return
			}
			c, m := codeRE.FindStringSubmatch(body), msgRE.FindStringSubmatch(body)
			if c == nil || c[1] != tc.code || m == nil || !tc.msg.MatchString(m[1]) {
				t.Fatalf("body %s", body)
			}
			if !strings.Contains(body, "<Type>Sender</Type>") || !strings.Contains(body, "</Error><RequestId>") {
				t.Fatalf("envelope %s", body)
			}
		})
	}
}
