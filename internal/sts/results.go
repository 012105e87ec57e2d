package sts

import (
	"strconv"

	"github.com/gatehouse-dev/gatehouse/internal/awsproto"
)

// AssumeRole is the hot operation, so its result and its credentials write
// their own elements (awsproto.XMLResult) instead of going through
// encoding/xml's reflection, which was a tenth of the call's cost.
// awsproto's writer does the escaping; nothing here builds markup.

// WriteXML implements awsproto.XMLResult.
func (c xmlCredentials) WriteXML(x *awsproto.XMLWriter) {
	x.Start("Credentials")
	x.Element("AccessKeyId", c.AccessKeyId)
	x.Element("SecretAccessKey", c.SecretAccessKey)
	x.Element("SessionToken", c.SessionToken)
	x.Element("Expiration", c.Expiration)
	x.End("Credentials")
}

type assumeRoleResult struct {
	Credentials      xmlCredentials
	AssumedRoleUser  xmlAssumedRoleUser
	PackedPolicySize *int
	SourceIdentity   string
}

// maxTokenSize is gatehouse's session token budget, the 100% of
// SessionTokenUtilization (AWS does not publish its own).
const maxTokenSize = 8192

// tokenUsage returns SessionTokenSize and SessionTokenUtilization.
func tokenUsage(tok string) (size, pct int) {
	return len(tok), (len(tok)*100 + maxTokenSize - 1) / maxTokenSize
}

// WriteXML implements awsproto.XMLResult.
func (a *assumeRoleResult) WriteXML(x *awsproto.XMLWriter) {
	a.Credentials.WriteXML(x)
	x.Start("AssumedRoleUser")
	x.Element("AssumedRoleId", a.AssumedRoleUser.AssumedRoleId)
	x.Element("Arn", a.AssumedRoleUser.Arn)
	x.End("AssumedRoleUser")
	if a.PackedPolicySize != nil {
		x.Element("PackedPolicySize", strconv.Itoa(*a.PackedPolicySize))
	}
	if a.SourceIdentity != "" {
		x.Element("SourceIdentity", a.SourceIdentity)
	}
	size, pct := tokenUsage(a.Credentials.SessionToken)
	x.Element("SessionTokenSize", strconv.Itoa(size))
	x.Element("SessionTokenUtilization", strconv.Itoa(pct))
}
