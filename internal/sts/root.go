package sts

import (
	"regexp"

	arnpkg "github.com/gatehouse-dev/gatehouse/internal/arn"
	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/iam"
	"github.com/gatehouse-dev/gatehouse/internal/policy"
)

// AssumeRoot and GetDelegatedAccessToken exist for AWS Organizations
// (centralized root access) and IAM delegation requests. No gatehouse
// account belongs to an organization and gatehouse issues no trade-in
// tokens, so after validating the input and authorizing the action these
// refuse: AssumeRoot with AccessDenied (the caller is not the management
// account of an organization that holds the target), GetDelegatedAccessToken
// with ExpiredTradeInTokenException. [unconfirmed] AWS's exact wording for
// an account outside any organization; the codes are the ones its model
// and its documentation name.

var accountIDRE = regexp.MustCompile(`^\d{12}$`)

// noOutput is the output of an operation that always refuses here.
type noOutput struct{}

func (c *call) assumeRoot(in *assumeRootIn) (*noOutput, error) {
	target := in.TargetPrincipal
	if len(target) < 12 || len(target) > 2048 {
		return nil, validation(target, "targetPrincipal", "Member must have length between 12 and 2048")
	}
	task := in.TaskPolicyArn
	if len(task) < 20 || len(task) > 2048 {
		return nil, validation(task, "taskPolicyArn.arn", "Member must have length between 20 and 2048")
	}
	if _, err := parseDuration(in.DurationSeconds, 900, 0, 900); err != nil {
		return nil, err
	}
	if !accountIDRE.MatchString(target) {
		return nil, awserr.ValidationError.New("TargetPrincipal must be an AWS account ID.")
	}
	res := arnpkg.IAM(target, "root")
	req := iam.AuthzRequest{Action: "sts:AssumeRoot", Resource: res, Context: c.requestContext()}
	d := c.s.iam.Authorize(c.p, req)
	if d.Effect != policy.Allowed {
		return nil, c.s.iam.Denied(c.p, req, d)
	}
	return nil, awserr.AccessDenied.Errorf("Cannot call AssumeRoot: account %s is not in an organization with centralized root access enabled, and %s is not its management account.", target, c.p.AccountID)
}

func (c *call) getDelegatedAccessToken(in *delegatedIn) (*noOutput, error) {
	tok := in.TradeInToken
	if tok == "" || len(tok) > 2048 {
		return nil, validation(tok, "tradeInToken", "Member must have length between 1 and 2048")
	}
	return nil, awserr.ExpiredTradeInToken.New("The trade-in token is invalid or has expired.")
}
