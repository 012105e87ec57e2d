package iam

import (
	"sync"

	"github.com/gatehouse-dev/gatehouse/internal/pipeline"
)

// entityTagKeys are the keys of an operation on a user, role or instance
// profile, which have tags.
var entityTagKeys = []string{"aws:ResourceTag/${TagKey}", "iam:ResourceTag/${TagKey}"}

var tableOnce = sync.OnceValue(func() pipeline.Table { return operations.Table() })

// Table returns the IAM operations gatehouse serves, with the actions each
// authorizes and the condition keys each adds (the input's tagging keys,
// added by the frame from the decoded input, and the resource's tags,
// added by authorize).
func Table() pipeline.Table { return tableOnce() }
