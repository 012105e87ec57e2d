package iam

import (
	"strconv"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/awserr"
)

// IAM temporary delegation (delegation requests). A request is created by
// an AWS partner with CreateDelegationRequest — "not available for general
// use": only callers onboarded through AWS's partner process may call it
// (IAM API Reference, CreateDelegationRequest; IAM User Guide, "Temporary
// delegation"). The customer side (Associate, Get, List, Update, Accept,
// Reject, SendDelegationToken) acts on requests a partner created.
//
// gatehouse has no partner onboarding, so no delegation request can ever
// exist in a gatehouse account: after validating the input as AWS's model
// and authorizing iam:<operation>, CreateDelegationRequest is refused with
// AccessDenied (the caller is not an onboarded partner), every operation
// naming a request answers NoSuchEntity, and ListDelegationRequests answers
// an empty list. [unconfirmed] AWS's wording for a caller that is not
// onboarded; the codes are those its model names. The operations authorize
// on "*": the Service Authorization Reference's resource for them was not
// confirmed, and "*" is what an Allow on every resource matches.

// delegationRequestID validates DelegationRequestId: length 16–128,
// pattern [\w-]+.
func delegationRequestID(c *call) (string, error) {
	id := c.get("DelegationRequestId")
	if id == "" {
		return "", validation(id, "delegationRequestId", "Member must not be null")
	}
	if len(id) < 16 || len(id) > 128 {
		return "", validation(id, "delegationRequestId", "Member must have length between 16 and 128")
	}
	if !nameLikeRE(id, "-") {
		return "", validation(id, "delegationRequestId", `Member must satisfy regular expression pattern: [\w-]+`)
	}
	return id, nil
}

// nameLikeRE reports whether s is made of word characters and extra.
func nameLikeRE(s, extra string) bool {
	for _, r := range s {
		if !(r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || strings.ContainsRune(extra, r)) {
			return false
		}
	}
	return true
}

// delegationText reports whether s matches the model's free-text pattern
// [\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]*.
func delegationText(s string) bool {
	for _, r := range s {
		if !(r == '\t' || r == '\n' || r == '\r' || r >= 0x20 && r <= 0x7e || r >= 0xa1 && r <= 0xff) {
			return false
		}
	}
	return true
}

const delegationTextPattern = `Member must satisfy regular expression pattern: [\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]*`

// checkDelegationText validates an optional free-text member of at most
// max characters (min 0) or, when min > 0, a required one.
func checkDelegationText(c *call, param, member string, min, max int) *violation {
	v, set := c.get(param), c.has(param)
	n := len([]rune(v))
	switch {
	case min > 0 && !set:
		return &violation{v, member, "Member must not be null"}
	case min > 0 && (n < min || n > max):
		return &violation{v, member, "Member must have length between " + strconv.Itoa(min) + " and " + strconv.Itoa(max)}
	case n > max:
		return &violation{v, member, "Member must have length less than or equal to " + strconv.Itoa(max)}
	case !delegationText(v):
		pattern := delegationTextPattern
		if min > 0 {
			pattern = strings.TrimSuffix(pattern, "*") + "+"
		}
		return &violation{v, member, pattern}
	}
	return nil
}

func noSuchDelegationRequest(id string) error {
	return awserr.NoSuchEntity.Errorf("Delegation request %s not found.", id)
}

func opCreateDelegationRequest(c *call) (any, error) {
	var vs []violation
	add := func(v *violation) {
		if v != nil {
			vs = append(vs, *v)
		}
	}
	if v := c.get("OwnerAccountId"); c.has("OwnerAccountId") && !accountIDPattern(v) {
		add(&violation{v, "ownerAccountId", `Member must satisfy regular expression pattern: \d{12}`})
	}
	if !c.has("Description") {
		add(&violation{"null", "description", "Member must not be null"})
	} else {
		add(checkDelegationText(c, "Description", "description", 0, 1000))
	}
	if !c.hasPrefix("Permissions.") {
		add(&violation{"null", "permissions", "Member must not be null"})
	}
	add(checkDelegationText(c, "RequestMessage", "requestMessage", 0, 200))
	add(checkDelegationText(c, "RequestorWorkflowId", "requestorWorkflowId", 5, 400))
	if v := c.get("RedirectUrl"); c.has("RedirectUrl") && (len(v) < 1 || len(v) > 255) {
		add(&violation{v, "redirectUrl", "Member must have length between 1 and 255"})
	}
	if v := c.get("NotificationChannel"); !c.has("NotificationChannel") {
		add(&violation{"null", "notificationChannel", "Member must not be null"})
	} else if len(v) < 2 || len(v) > 400 {
		add(&violation{v, "notificationChannel", "Member must have length between 2 and 400"})
	} else if !nameLikeRE(v, ":.-") {
		add(&violation{v, "notificationChannel", "Member must satisfy regular expression pattern: ^[a-zA-Z0-9:_.-]+$"})
	}
	if v := c.get("SessionDuration"); !c.has("SessionDuration") {
		add(&violation{"null", "sessionDuration", "Member must not be null"})
	} else if n, err := strconv.Atoi(v); err != nil || n < 300 || n > 43200 {
		add(&violation{v, "sessionDuration", "Member must have value between 300 and 43200"})
	}
	if err := validations(vs); err != nil {
		return nil, err
	}
	if err := c.allow("*", nil); err != nil {
		return nil, err
	}
	return nil, awserr.AccessDenied.Errorf("User: %s is not authorized to perform: iam:CreateDelegationRequest: the account is not onboarded as an IAM temporary delegation partner.", c.p.ARN)
}

func accountIDPattern(s string) bool {
	if len(s) != 12 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// opDelegationRequest answers the operations naming one delegation
// request (Accept, Associate, Get, Reject, SendDelegationToken, Update):
// none exists.
func opDelegationRequest(c *call) (any, error) {
	id, err := delegationRequestID(c)
	if err != nil {
		return nil, err
	}
	if c.action == "RejectDelegationRequest" || c.action == "UpdateDelegationRequest" {
		if err := validations(nilViolations(checkDelegationText(c, "Notes", "notes", 0, 500))); err != nil {
			return nil, err
		}
	}
	if err := c.allow("*", nil); err != nil {
		return nil, err
	}
	return nil, noSuchDelegationRequest(id)
}

func nilViolations(v *violation) []violation {
	if v == nil {
		return nil
	}
	return []violation{*v}
}

func opListDelegationRequests(c *call) (any, error) {
	if v := c.get("OwnerId"); c.has("OwnerId") {
		if len(v) < 20 || len(v) > 2048 {
			return nil, validation(v, "ownerId", "Member must have length between 20 and 2048")
		}
		if !nameLikeRE(v, ":/+=,.@-") {
			return nil, validation(v, "ownerId", "Member must satisfy regular expression pattern: ^[a-zA-Z0-9:/+=,.@_-]+$")
		}
	}
	if _, _, err := pageParams(c); err != nil {
		return nil, err
	}
	if err := c.allow("*", nil); err != nil {
		return nil, err
	}
	return struct {
		DelegationRequests *members[struct{}]
		IsTruncated        bool `xml:"isTruncated"`
	}{list([]struct{}{}), false}, nil
}

// hasPrefix reports whether a parameter under prefix (a structure's
// members, "Permissions.") is present.
func (c *call) hasPrefix(prefix string) bool {
	for k := range c.params {
		if strings.HasPrefix(k, prefix) {
			return true
		}
	}
	return false
}
