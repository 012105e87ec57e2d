package sts

import (
	"bytes"
	"context"
	"errors"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/authn"
	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/iam"
	"github.com/gatehouse-dev/gatehouse/internal/store"
	"github.com/gatehouse-dev/gatehouse/internal/store/sqlite"
)

// FuzzOperations feeds arbitrary parameters to the STS operations (the
// web-identity one parses untrusted JWTs): no panics, AWS errors only.
func FuzzOperations(f *testing.F) {
	for _, seed := range []string{
		"Action=AssumeRole&RoleArn=arn:aws:iam::000000000000:role/r&RoleSessionName=s1&DurationSeconds=900&Tags.member.1.Key=k",
		"Action=AssumeRole&RoleArn=arn:aws:iam::000000000000:role/r&RoleSessionName=s1&Policy=%7B%7D&PolicyArns.member.1.arn=x",
		"Action=AssumeRoleWithWebIdentity&RoleArn=arn:aws:iam::000000000000:role/r&RoleSessionName=s1&WebIdentityToken=eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJodHRwczovL3gifQ.c2ln",
		"Action=GetSessionToken&DurationSeconds=1000",
		"Action=GetAccessKeyInfo&AccessKeyId=AKIAQAAAAAAAIGBVT4ZN",
	} {
		f.Add(seed)
	}
	ctx := context.Background()
	b, err := sqlite.Open(ctx, filepath.Join(f.TempDir(), "db"))
	if err != nil {
		f.Fatal(err)
	}
	is, err := iam.New(ctx, iam.Config{Store: store.New(b), MasterKey: bytes.Repeat([]byte{1}, 32), DefaultAccount: "000000000000"})
	if err != nil {
		f.Fatal(err)
	}
	s := New(Config{IAM: is})
	user := &authn.Principal{Kind: authn.User, ARN: "arn:aws:iam::000000000000:user/u", AccountID: "000000000000", UserID: "AIDAX", UniqueID: "AIDAX", UserName: "u"}
	f.Fuzz(func(t *testing.T, form string) {
		params, err := url.ParseQuery(form)
		if err != nil {
			return
		}
		c := &call{s: s, ctx: ctx, r: httptest.NewRequest("POST", "/", nil), p: user, snap: is.Snapshot()}
		defer c.release()
		// Each handler gets its input as the frame decodes it.
		switch params.Get("Action") {
		case "AssumeRole":
			var in assumeRoleIn
			in.fromQuery(params)
			_, err = c.assumeRole(&in)
		case "AssumeRoleWithWebIdentity":
			var in webIdentityIn
			in.fromQuery(params)
			_, err = c.assumeRoleWithWebIdentity(&in)
		case "GetSessionToken":
			var in sessionTokenIn
			in.fromQuery(params)
			_, err = c.getSessionToken(&in)
		case "GetAccessKeyInfo":
			var in accessKeyInfoIn
			in.fromQuery(params)
			_, err = c.getAccessKeyInfo(&in)
		default:
			return
		}
		if err != nil {
			var ae *awserr.Error
			if !errors.As(err, &ae) || ae.Code == awserr.InternalFailure.Name {
				t.Fatalf("non-AWS error %v", err)
			}
		}
	})
}

// FuzzDecodeAuthorizationMessage feeds arbitrary messages to
// DecodeAuthorizationMessage as the account's root (allowed to decode):
// a message gatehouse did not seal never opens, and nothing panics.
func FuzzDecodeAuthorizationMessage(f *testing.F) {
	ctx := context.Background()
	b, err := sqlite.Open(ctx, filepath.Join(f.TempDir(), "db"))
	if err != nil {
		f.Fatal(err)
	}
	is, err := iam.New(ctx, iam.Config{Store: store.New(b), MasterKey: bytes.Repeat([]byte{1}, 32), DefaultAccount: "000000000000"})
	if err != nil {
		f.Fatal(err)
	}
	if err := is.Bootstrap(ctx, "000000000000", "default", "AKIAFUZZFUZZFUZZFUZZ", "fuzzsecretfuzzsecretfuzzsecretfuzzsecret"); err != nil {
		f.Fatal(err)
	}
	s := New(Config{IAM: is})
	root := &authn.Principal{Kind: authn.Root, ARN: "arn:aws:iam::000000000000:root", AccountID: "000000000000", UserID: "000000000000"}
	valid := is.EncodeAuthorizationMessage(root, iam.AuthzRequest{Action: "iam:CreateUser", Resource: "arn:aws:iam::000000000000:user/x"})
	// Each fuzz worker seals its own copy (random nonce); what any of them
	// sealed opens to this plaintext, and nothing else opens at all.
	plain, err := is.DecodeAuthorizationMessage("000000000000", valid)
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range []string{valid, valid[:len(valid)-1], "", "AAAA", "v1:AAAA", "%%%"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, msg string) {
		c := &call{s: s, ctx: ctx, r: httptest.NewRequest("POST", "/", nil), p: root, snap: is.Snapshot()}
		defer c.release()
		var in decodeMessageIn
		in.fromQuery(url.Values{"EncodedMessage": {msg}})
		res, err := c.decodeAuthorizationMessage(&in)
		if err != nil {
			var ae *awserr.Error
			if !errors.As(err, &ae) || ae.Code == awserr.InternalFailure.Name {
				t.Fatalf("non-AWS error %v", err)
			}
			return
		}
		if res.DecodedMessage != plain {
			t.Fatalf("a message gatehouse did not seal opened: %q -> %v", msg, res)
		}
	})
}
