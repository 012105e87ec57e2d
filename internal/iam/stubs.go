package iam

import (
	"github.com/gatehouse-dev/gatehouse/internal/awsproto"
)

// gatehouse has no MFA devices, signing certificates,
// SSH keys, service-specific credentials or console passwords. Tools such
// as Terraform list them before deleting a user or role, so these
// operations answer with empty lists (after the usual authorization and
// existence checks) instead of InvalidAction.

// opEmptyForUser lists nothing for an existing user (UserName optional).
func opEmptyForUser(listName string) opFunc {
	return func(c *call) (any, error) {
		if c.get("UserName") != "" {
			if _, err := c.userTarget(true, nil); err != nil {
				return nil, err
			}
		} else if err := c.allow(c.p.ARN, nil); err != nil {
			return nil, err
		}
		return emptyResult(listName), nil
	}
}

func opEmptyForAccount(listName string) opFunc {
	return func(c *call) (any, error) {
		if err := c.allow("*", nil); err != nil {
			return nil, err
		}
		return emptyResult(listName), nil
	}
}

// emptyResult renders <listName/><IsTruncated>false</IsTruncated>.
func emptyResult(listName string) any {
	return emptyXML{name: listName}
}

type emptyXML struct{ name string }

// WriteXML implements awsproto.XMLResult.
func (e emptyXML) WriteXML(x *awsproto.XMLWriter) {
	x.Element(e.name, "")
	x.Element("IsTruncated", "false")
}
