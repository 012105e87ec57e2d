// Package deploy is the gatehouse deploy, stacks and delete commands: a
// client of gatehouse's CloudFormation API (package cfn) over HTTP, with
// the caller's credentials, never a server of it.
package deploy

import (
	"encoding/json"
	"strings"
)

// jsonString renders a template as JSON.
func jsonString(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// inProgress reports whether a stack status is a transition.
func inProgress(status string) bool { return strings.HasSuffix(status, "_IN_PROGRESS") }
