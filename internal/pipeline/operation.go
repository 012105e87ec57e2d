package pipeline

import "sort"

// Operation is one API operation as authorization sees it: the IAM actions
// it is authorized as and the condition keys it adds beyond the request's
// global keys (FillRequest) and the principal's. Keys name tag keys with
// AWS's placeholder, e.g. "aws:RequestTag/${TagKey}".
type Operation struct {
	Name string
	// Actions are the IAM actions the operation may authorize, its own
	// first (iam:PassRole for an operation that passes a role, …). None:
	// the operation authorizes nothing itself (GetCallerIdentity).
	Actions []string
	// Keys are the service and tag condition keys the operation adds,
	// when its input or resource has them.
	Keys []string
}

// Table is a service's operations: the closed set its metrics label
// requests with, the actions each may authorize, and their keys.
type Table []Operation

// Names returns the operation names, sorted.
func (t Table) Names() []string {
	out := make([]string, len(t))
	for i, op := range t {
		out[i] = op.Name
	}
	sort.Strings(out)
	return out
}

// Lookup returns the operation named name.
func (t Table) Lookup(name string) (Operation, bool) {
	for _, op := range t {
		if op.Name == name {
			return op, true
		}
	}
	return Operation{}, false
}

// Index returns the table keyed by name, for services that look operations
// up per request.
func (t Table) Index() map[string]*Operation {
	m := make(map[string]*Operation, len(t))
	for i := range t {
		m[t[i].Name] = &t[i]
	}
	return m
}

// Authorizes reports whether action is one of op's actions.
func (op *Operation) Authorizes(action string) bool {
	for _, a := range op.Actions {
		if a == action {
			return true
		}
	}
	return false
}

// Keys of tagging operations, as AWS's service authorization reference
// spells them.
var (
	// TaggingKeys are added by an operation that attaches tags.
	TaggingKeys = []string{KeyRequestTag + "${TagKey}", KeyTagKeys}
	// ResourceTagKeys are added by an operation on a resource with tags.
	ResourceTagKeys = []string{KeyResourceTag + "${TagKey}"}
)
