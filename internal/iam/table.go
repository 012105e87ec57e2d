package iam

import (
	"strings"
	"sync"

	"github.com/gatehouse-dev/gatehouse/internal/pipeline"
)

// createsWithTags are the Create operations whose input has Tags (in AWS's
// IAM model, among those gatehouse serves).
var createsWithTags = map[string]bool{"CreateUser": true, "CreateRole": true, "CreatePolicy": true, "CreateOpenIDConnectProvider": true,
	"CreateInstanceProfile": true}

// entityTagKeys are the keys of an operation on a user or role with tags.
var entityTagKeys = []string{"aws:ResourceTag/${TagKey}", "iam:ResourceTag/${TagKey}"}

var tableOnce = sync.OnceValue(func() pipeline.Table {
	t := make(pipeline.Table, 0, len(ops))
	for name := range ops {
		op := pipeline.Operation{Name: name, Actions: []string{"iam:" + name}}
		if name == "CreateAccount" || name == "ListAccounts" {
			// gatehouse's own account administration.
			op.Actions = []string{"gatehouse:" + name}
		}
		switch {
		case strings.HasPrefix(name, "Untag"):
			op.Keys = append(op.Keys, pipeline.KeyTagKeys)
		case strings.HasPrefix(name, "Tag") || createsWithTags[name]:
			op.Keys = append(op.Keys, pipeline.TaggingKeys...)
		}
		if strings.Contains(name, "User") || strings.Contains(name, "Role") || strings.Contains(name, "InstanceProfile") {
			op.Keys = append(op.Keys, entityTagKeys...)
		}
		if name == "AddRoleToInstanceProfile" {
			// The caller must be allowed to pass the role to EC2.
			op.Actions = append(op.Actions, "iam:PassRole")
			op.Keys = append(op.Keys, "iam:PassedToService", "iam:AssociatedResourceArn")
		}
		t = append(t, op)
	}
	return t
})

var tableIndex = sync.OnceValue(func() map[string]*pipeline.Operation { return Table().Index() })

// Table returns the IAM operations gatehouse serves, with the actions each
// authorizes and the condition keys each adds (operationKeys adds the
// tagging ones from the input, authorize the resource's tags).
func Table() pipeline.Table { return tableOnce() }
