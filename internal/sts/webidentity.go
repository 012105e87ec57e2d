package sts

import "github.com/gatehouse-dev/gatehouse/internal/awserr"

func (c *call) assumeRoleWithWebIdentity() (any, error) {
	return nil, awserr.InvalidIdentityToken.New("not implemented yet")
}
