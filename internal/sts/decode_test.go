package sts_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsapigw "github.com/aws/aws-sdk-go-v2/service/apigateway"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	awssts "github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
	"github.com/gatehouse-dev/gatehouse/internal/config"
	. "github.com/gatehouse-dev/gatehouse/internal/iam/iamtest"
)

type decoded struct {
	Allowed           bool `json:"allowed"`
	ExplicitDeny      bool `json:"explicitDeny"`
	MatchedStatements struct {
		Items []struct {
			StatementID string `json:"statementId"`
			Effect      string `json:"effect"`
			Actions     struct {
				Items []struct{ Value string } `json:"items"`
			} `json:"actions"`
		} `json:"items"`
	} `json:"matchedStatements"`
	Failures struct {
		Items []any `json:"items"`
	} `json:"failures"`
	Context struct {
		Principal  struct{ ID, Name, ARN string } `json:"principal"`
		Action     string                         `json:"action"`
		Resource   string                         `json:"resource"`
		Conditions struct {
			Items []struct {
				Key    string `json:"key"`
				Values struct {
					Items []struct{ Value string } `json:"items"`
				} `json:"values"`
			} `json:"items"`
		} `json:"conditions"`
	} `json:"context"`
}

// With --encode-denials, a control-plane denial carries an encoded
// authorization message that the caller cannot read and that decodes,
// for a principal allowed sts:DecodeAuthorizationMessage in the same
// account, to the engine's evidence; altered messages are refused.
func TestDecodeAuthorizationMessage(t *testing.T) {
	f := newFixture(t, func(c *config.Config) { c.EncodeDenials = true })
	_, err := f.root.PutUserPolicy(Ctx, &awsiam.PutUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("p"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[
{"Sid":"NoUsers","Effect":"Deny","Action":"iam:CreateUser","Resource":"*","Condition":{"StringEquals":{"aws:RequestedRegion":"us-east-1"}}},
{"Effect":"Allow","Action":"iam:*","Resource":"*"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	aliceIAM := IAM(f.srv.URL, f.aliceKey.AccessKeyID, f.aliceKey.SecretAccessKey, "")
	_, err = aliceIAM.CreateUser(Ctx, &awsiam.CreateUserInput{UserName: aws.String("bob")})
	msg := WantCode(t, err, "AccessDenied")
	const marker = " Encoded authorization failure message: "
	i := strings.Index(msg, marker)
	if i < 0 || !strings.HasPrefix(msg, "User: "+f.aliceARN+" is not authorized to perform: iam:CreateUser on resource: ") {
		t.Fatalf("denial %q", msg)
	}
	enc := msg[i+len(marker):]
	if strings.Contains(enc, "iam:CreateUser") || strings.ContainsAny(enc, " +/=") {
		t.Fatalf("encoded message is not opaque: %q", enc)
	}

	// alice has no sts:DecodeAuthorizationMessage: refused (with a
	// message of its own).
	_, err = f.aliceSTS.DecodeAuthorizationMessage(Ctx, &awssts.DecodeAuthorizationMessageInput{EncodedMessage: aws.String(enc)})
	if m := WantCode(t, err, "AccessDenied"); !strings.Contains(m, "sts:DecodeAuthorizationMessage on resource: *") {
		t.Fatalf("msg %q", m)
	}
	// The account's root may.
	out, err := f.rootSTS.DecodeAuthorizationMessage(Ctx, &awssts.DecodeAuthorizationMessageInput{EncodedMessage: aws.String(enc)})
	if err != nil {
		t.Fatal(err)
	}
	var d decoded
	if err := json.Unmarshal([]byte(aws.ToString(out.DecodedMessage)), &d); err != nil {
		t.Fatalf("%v: %s", err, aws.ToString(out.DecodedMessage))
	}
	if d.Allowed || !d.ExplicitDeny || d.Context.Action != "iam:CreateUser" || d.Context.Principal.ARN != f.aliceARN ||
		d.Context.Principal.Name != "alice" || !strings.HasPrefix(d.Context.Principal.ID, "AIDA") ||
		d.Context.Resource != "arn:aws:iam::000000000000:user/bob" || d.Failures.Items == nil {
		t.Fatalf("decoded %+v", d)
	}
	var deny bool
	for _, st := range d.MatchedStatements.Items {
		if st.StatementID == "NoUsers" && st.Effect == "DENY" && len(st.Actions.Items) == 1 && st.Actions.Items[0].Value == "iam:CreateUser" {
			deny = true
		}
	}
	if !deny {
		t.Fatalf("matched statements %+v", d.MatchedStatements)
	}
	var region bool
	for _, c := range d.Context.Conditions.Items {
		if c.Key == "aws:RequestedRegion" && len(c.Values.Items) == 1 && c.Values.Items[0].Value == "us-east-1" {
			region = true
		}
	}
	if !region {
		t.Fatalf("conditions %+v", d.Context.Conditions)
	}

	// Altered, truncated or foreign messages do not open.
	b := []byte(enc)
	if b[20] == 'A' {
		b[20] = 'B'
	} else {
		b[20] = 'A'
	}
	for _, bad := range []string{string(b), enc[:len(enc)-4], "not-a-message"} {
		_, err = f.rootSTS.DecodeAuthorizationMessage(Ctx, &awssts.DecodeAuthorizationMessageInput{EncodedMessage: aws.String(bad)})
		WantCode(t, err, "InvalidAuthorizationMessageException")
	}
	_, err = f.rootSTS.DecodeAuthorizationMessage(Ctx, &awssts.DecodeAuthorizationMessageInput{EncodedMessage: aws.String(strings.Repeat("a", 10241))})
	WantCode(t, err, "ValidationError")
}

// Without the switch (the default, as AWS's IAM), denials carry no
// encoded message.
func TestDenialsNotEncodedByDefault(t *testing.T) {
	f := newFixture(t)
	aliceIAM := IAM(f.srv.URL, f.aliceKey.AccessKeyID, f.aliceKey.SecretAccessKey, "")
	_, err := aliceIAM.CreateUser(Ctx, &awsiam.CreateUserInput{UserName: aws.String("bob")})
	if msg := WantCode(t, err, "AccessDenied"); strings.Contains(msg, "Encoded") {
		t.Fatalf("msg %q", msg)
	}
}

// TestEveryDenialDecodes: with --encode-denials, a denial on every
// control-plane surface — IAM, STS (a role's trust, a role that does not
// exist, AssumeRoot), API Gateway, Lambda — carries an encoded
// authorization message that DecodeAuthorizationMessage opens to the
// engine's explanation of that decision.
func TestEveryDenialDecodes(t *testing.T) {
	f := newFixture(t, func(c *config.Config) { c.EncodeDenials = true })
	_, err := f.root.PutUserPolicy(Ctx, &awsiam.PutUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("p"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[
{"Sid":"NoLambda","Effect":"Deny","Action":"lambda:ListFunctions","Resource":"*"},
{"Effect":"Allow","Action":"sts:GetCallerIdentity","Resource":"*"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	lockedARN := f.role(t, "locked", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`, 0)
	cfg := Config(f.srv.URL, f.aliceKey.AccessKeyID, f.aliceKey.SecretAccessKey, "")
	cfg.Region = "us-east-1"
	aliceIAM, aliceLambda, aliceAPIGW := awsiam.NewFromConfig(cfg), awslambda.NewFromConfig(cfg), awsapigw.NewFromConfig(cfg)
	missing := "arn:aws:iam::000000000000:role/missing"
	for _, tc := range []struct {
		name, code, action, resource string
		explicit                     bool
		call                         func() error
	}{
		{"IAM ListUsers", "AccessDenied", "iam:ListUsers", "arn:aws:iam::000000000000:user/", false, func() error {
			_, err := aliceIAM.ListUsers(Ctx, &awsiam.ListUsersInput{})
			return err
		}},
		{"STS AssumeRole, trust", "AccessDenied", "sts:AssumeRole", lockedARN, false, func() error {
			_, err := f.aliceSTS.AssumeRole(Ctx, &awssts.AssumeRoleInput{RoleArn: aws.String(lockedARN), RoleSessionName: aws.String("s1")})
			return err
		}},
		{"STS AssumeRole, missing role", "AccessDenied", "sts:AssumeRole", missing, false, func() error {
			_, err := f.aliceSTS.AssumeRole(Ctx, &awssts.AssumeRoleInput{RoleArn: aws.String(missing), RoleSessionName: aws.String("s1")})
			return err
		}},
		{"STS AssumeRoot", "AccessDenied", "sts:AssumeRoot", "arn:aws:iam::111122223333:root", false, func() error {
			_, err := f.aliceSTS.AssumeRoot(Ctx, &awssts.AssumeRootInput{TargetPrincipal: aws.String("111122223333"),
				TaskPolicyArn: &ststypes.PolicyDescriptorType{Arn: aws.String("arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials")}})
			return err
		}},
		{"API Gateway GetRestApis", "AccessDeniedException", "apigateway:GET", "arn:aws:apigateway:us-east-1::/restapis", false, func() error {
			_, err := aliceAPIGW.GetRestApis(Ctx, &awsapigw.GetRestApisInput{})
			return err
		}},
		{"Lambda ListFunctions", "AccessDeniedException", "lambda:ListFunctions", "*", true, func() error {
			_, err := aliceLambda.ListFunctions(Ctx, &awslambda.ListFunctionsInput{})
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			msg := WantCode(t, tc.call(), tc.code)
			const marker = " Encoded authorization failure message: "
			i := strings.Index(msg, marker)
			if i < 0 || !strings.Contains(msg[:i], tc.action) {
				t.Fatalf("denial without an encoded message: %q", msg)
			}
			out, err := f.rootSTS.DecodeAuthorizationMessage(Ctx, &awssts.DecodeAuthorizationMessageInput{EncodedMessage: aws.String(msg[i+len(marker):])})
			if err != nil {
				t.Fatal(err)
			}
			var d decoded
			if err := json.Unmarshal([]byte(aws.ToString(out.DecodedMessage)), &d); err != nil {
				t.Fatal(err)
			}
			if d.Allowed || d.ExplicitDeny != tc.explicit || d.Context.Action != tc.action || d.Context.Resource != tc.resource ||
				d.Context.Principal.ARN != f.aliceARN {
				t.Fatalf("decoded %s", aws.ToString(out.DecodedMessage))
			}
			if tc.explicit && (len(d.MatchedStatements.Items) == 0 || d.MatchedStatements.Items[0].StatementID != "NoLambda") {
				t.Fatalf("explicit deny without its statement: %s", aws.ToString(out.DecodedMessage))
			}
		})
	}
}
