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
func delegationRequestID(c *call, delegationRequestID string) (string, error) {
	id := delegationRequestID
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
func checkDelegationText(p *string, member string, min, max int) *violation {
	v, set := str(p), p != nil
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

func opCreateDelegationRequest(c *call, in *createDelegationRequestIn) (*noOutput, error) {
	var vs []violation
	add := func(v *violation) {
		if v != nil {
			vs = append(vs, *v)
		}
	}
	if v := str(in.OwnerAccountId); in.OwnerAccountId != nil && !accountIDPattern(v) {
		add(&violation{v, "ownerAccountId", `Member must satisfy regular expression pattern: \d{12}`})
	}
	if in.Description == nil {
		add(&violation{"null", "description", "Member must not be null"})
	} else {
		add(checkDelegationText(in.Description, "description", 0, 1000))
	}
	if !in.Permissions {
		add(&violation{"null", "permissions", "Member must not be null"})
	}
	add(checkDelegationText(in.RequestMessage, "requestMessage", 0, 200))
	add(checkDelegationText(in.RequestorWorkflowId, "requestorWorkflowId", 5, 400))
	if v := str(in.RedirectUrl); in.RedirectUrl != nil && (len(v) < 1 || len(v) > 255) {
		add(&violation{v, "redirectUrl", "Member must have length between 1 and 255"})
	}
	if v := str(in.NotificationChannel); in.NotificationChannel == nil {
		add(&violation{"null", "notificationChannel", "Member must not be null"})
	} else if len(v) < 2 || len(v) > 400 {
		add(&violation{v, "notificationChannel", "Member must have length between 2 and 400"})
	} else if !nameLikeRE(v, ":.-") {
		add(&violation{v, "notificationChannel", "Member must satisfy regular expression pattern: ^[a-zA-Z0-9:_.-]+$"})
	}
	if v := str(in.SessionDuration); in.SessionDuration == nil {
		add(&violation{"null", "sessionDuration", "Member must not be null"})
	} else if n, err := strconv.Atoi(v); err != nil || n < 300 || n > 43200 {
		add(&violation{v, "sessionDuration", "Member must have value between 300 and 43200"})
	}
	if err := validations(vs); err != nil {
		return done(err)
	}
	if err := c.allow("*", nil); err != nil {
		return done(err)
	}
	return done(awserr.AccessDenied.Errorf("User: %s is not authorized to perform: iam:CreateDelegationRequest: the account is not onboarded as an IAM temporary delegation partner.", c.p.ARN))
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
func opDelegationRequest(notes bool) func(c *call, in *delegationRequestIn) (*noOutput, error) {
	return func(c *call, in *delegationRequestIn) (*noOutput, error) {
		id, err := delegationRequestID(c, in.DelegationRequestId)
		if err != nil {
			return done(err)
		}
		if notes {
			if err := validations(nilViolations(checkDelegationText(in.Notes, "notes", 0, 500))); err != nil {
				return done(err)
			}
		}
		if err := c.allow("*", nil); err != nil {
			return done(err)
		}
		return done(noSuchDelegationRequest(id))
	}
}

func nilViolations(v *violation) []violation {
	if v == nil {
		return nil
	}
	return []violation{*v}
}

func opListDelegationRequests(c *call, in *listDelegationRequestsIn) (*listDelegationRequestsOut, error) {
	if v := str(in.OwnerId); in.OwnerId != nil {
		if len(v) < 20 || len(v) > 2048 {
			return nil, validation(v, "ownerId", "Member must have length between 20 and 2048")
		}
		if !nameLikeRE(v, ":/+=,.@-") {
			return nil, validation(v, "ownerId", "Member must satisfy regular expression pattern: ^[a-zA-Z0-9:/+=,.@_-]+$")
		}
	}
	if _, _, err := pageParams(in.Marker, in.MaxItems); err != nil {
		return nil, err
	}
	if err := c.allow("*", nil); err != nil {
		return nil, err
	}
	return &listDelegationRequestsOut{list([]struct{}{}), false}, nil
}

type createDelegationRequestIn struct {
	Description         *string
	NotificationChannel *string
	OwnerAccountId      *string
	RedirectUrl         *string
	SessionDuration     *string
	RequestMessage      *string
	RequestorWorkflowId *string
	Permissions         bool `query:"Permissions.,prefix"`
}

type delegationRequestIn struct {
	DelegationRequestId string
	Notes               *string
}

type listDelegationRequestsOut struct {
	DelegationRequests *members[struct{}]
	IsTruncated        bool "xml:\"isTruncated\""
}

type listDelegationRequestsIn struct {
	Marker   string
	MaxItems string
	OwnerId  *string
}
