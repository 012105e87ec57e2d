package iam

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
	"github.com/gatehouse-dev/gatehouse/internal/store"
	"github.com/gatehouse-dev/gatehouse/internal/store/sqlite"
)

// FuzzOperations feeds arbitrary Query parameters to every IAM operation as
// the root of the default account: no input may panic, and every failure
// must be an AWS error (never a Go error rendered as InternalFailure).
func FuzzOperations(f *testing.F) {
	for _, seed := range []string{
		"Action=CreateUser&UserName=bob&Path=/a/&Tags.member.1.Key=k&Tags.member.1.Value=v",
		"Action=CreateRole&RoleName=r&AssumeRolePolicyDocument=%7B%7D",
		"Action=CreatePolicy&PolicyName=p&PolicyDocument=%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%5D%7D",
		"Action=ListUsers&MaxItems=1&Marker=gh1.YWJj",
		"Action=SimulateCustomPolicy&PolicyInputList.member.1=%7B%7D&ActionNames.member.1=s3:GetObject&ContextEntries.member.1.ContextKeyName=aws:x",
		"Action=CreateOpenIDConnectProvider&Url=https://x.example.com&ThumbprintList.member.1=zz",
		"Action=PutUserPolicy&UserName=bob&PolicyName=p&PolicyDocument=x",
		"Action=GetAccountAuthorizationDetails&Filter.member.1=User",
		"Action=EnableOutboundWebIdentityFederation",
		"Action=GetOutboundWebIdentityFederationInfo",
		"Action=DisableOutboundWebIdentityFederation",
	} {
		f.Add(seed)
	}
	ctx := context.Background()
	b, err := sqlite.Open(ctx, filepath.Join(f.TempDir(), "db"))
	if err != nil {
		f.Fatal(err)
	}
	st := store.New(b)
	s, err := New(ctx, Config{Store: st, MasterKey: bytes.Repeat([]byte{1}, 32), DefaultAccount: "000000000000"})
	if err != nil {
		f.Fatal(err)
	}
	if err := s.Bootstrap(ctx, "000000000000", "", "", ""); err != nil {
		f.Fatal(err)
	}
	root := &authn.Principal{Kind: authn.Root, ARN: authn.RootARN("000000000000"), AccountID: "000000000000", UserID: "000000000000"}
	f.Fuzz(func(t *testing.T, form string) {
		params, err := url.ParseQuery(form)
		if err != nil {
			return
		}
		h := operationIndex()[params.Get("Action")]
		if h == nil {
			return
		}
		c := &call{s: s, ctx: ctx, r: httptest.NewRequest("POST", "/", nil), p: root, snap: s.view.Load(), op: &h.Operation, action: h.Name, region: iamRegion}
		if _, err := c.serve(h, params); err != nil {
			var ae *awserr.Error
			if !errors.As(err, &ae) || ae.Code == awserr.InternalFailure.Name {
				t.Fatalf("%s: non-AWS error %v", params.Get("Action"), err)
			}
		}
	})
}
