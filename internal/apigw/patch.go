package apigw

import (
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/awserr"
)

// PatchOp is one JSON-Patch-like operation of the Update* calls.
type PatchOp struct {
	Op    string `json:"op"`
	Path  string `json:"path"`
	Value string `json:"value"`
	From  string `json:"from"`
}

// parsePatchOps reads an Update* body's patch operations.
func parsePatchOps(body []byte) ([]PatchOp, error) {
	var in struct {
		PatchOperations []PatchOp `json:"patchOperations"`
	}
	if err := decodeJSON(body, &in); err != nil {
		return nil, err
	}
	for _, op := range in.PatchOperations {
		switch op.Op {
		case "add", "remove", "replace", "move", "copy", "test":
		default:
			// The op is an enum of the service model: ValidationException,
			// in the short form AWS uses for patch operations (as moto's
			// suite records it), not the "1 validation error detected"
			// form of other members.
			return nil, awserr.ValidationException.New("Member must satisfy enum value set: [add, remove, move, test, replace, copy]")
		}
	}
	return in.PatchOperations, nil
}

func isSet(op PatchOp) bool { return op.Op == "add" || op.Op == "replace" }

func valueOrEmpty(op PatchOp) string {
	if op.Op == "remove" {
		return ""
	}
	return op.Value
}

func badPatch(op PatchOp) error {
	return awserr.BadRequestException.Errorf("Invalid patch path  '%s' specified for op '%s'. Must be one of: []", op.Path, op.Op)
}

// unescapePointer undoes JSON-pointer escaping (~1 = '/', ~0 = '~').
func unescapePointer(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~1", "/"), "~0", "~")
}
