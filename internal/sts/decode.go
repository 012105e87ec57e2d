package sts

import (
	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/iam"
)

// decodeAuthorizationMessage answers DecodeAuthorizationMessage: the
// caller needs sts:DecodeAuthorizationMessage (resource "*", as the
// Service Authorization Reference lists it), and the message must have
// been sealed by this gatehouse for the caller's account (iam/authmsg.go).
// A message that does not open is InvalidAuthorizationMessageException
// (the model's error); its wording is [unconfirmed].
type decodeMessageOut struct{ DecodedMessage string }

func (c *call) decodeAuthorizationMessage(in *decodeMessageIn) (*decodeMessageOut, error) {
	msg := in.EncodedMessage
	if msg == "" {
		return nil, validation(msg, "encodedMessage", "Member must have length greater than or equal to 1")
	}
	if len(msg) > iam.MaxAuthorizationMessage {
		return nil, validation("...", "encodedMessage", "Member must have length less than or equal to 10240")
	}
	if _, err := c.authorize(c.p, iam.AuthzRequest{Action: "sts:DecodeAuthorizationMessage", Resource: "*", Context: c.requestContext()}); err != nil {
		return nil, err
	}
	decoded, err := c.s.iam.DecodeAuthorizationMessage(c.p.AccountID, msg)
	if err != nil {
		return nil, awserr.InvalidAuthorizationMessage.New("The encoded authorization message is invalid.")
	}
	return &decodeMessageOut{decoded}, nil
}
