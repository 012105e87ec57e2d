package policy_test

import (
	"fmt"

	"github.com/gatehouse-dev/gatehouse/internal/policy"
)

func Example() {
	identity, err := policy.Parse([]byte(`{
		"Version": "2012-10-17",
		"Statement": [{
			"Sid": "InvokeOwnPrefix",
			"Effect": "Allow",
			"Action": "execute-api:Invoke",
			"Resource": "arn:aws:execute-api:us-east-1:111122223333:api1/prod/GET/users/${aws:username}/*"
		}]
	}`), policy.ParseOptions{Type: policy.TypeIdentity})
	if err != nil {
		panic(err)
	}
	in := &policy.Input{
		Identity:        []policy.Named{{Name: "arn:aws:iam::111122223333:policy/invoke", Policy: identity}},
		ResourceAccount: "111122223333",
	}
	alice := policy.Principal{
		Kind:      policy.PrincipalUser,
		ARN:       "arn:aws:iam::111122223333:user/alice",
		AccountID: "111122223333",
		UserID:    "AIDAEXAMPLEALICE00001",
		Username:  "alice",
	}
	var ctx policy.Context // reuse across requests with ctx.Reset()
	ctx.SetPrincipal(alice)

	for _, res := range []string{
		"arn:aws:execute-api:us-east-1:111122223333:api1/prod/GET/users/alice/orders",
		"arn:aws:execute-api:us-east-1:111122223333:api1/prod/GET/users/bob/orders",
	} {
		req := &policy.Request{Principal: alice, Action: "execute-api:Invoke", Resource: res, Context: &ctx}
		d := policy.Evaluate(in, req)
		fmt.Printf("%s%s\n", d.Effect, d.Reason(req.Action))
	}
	// Output:
	// allowed
	// implicitDeny because no identity-based policy allows the execute-api:Invoke action
}
