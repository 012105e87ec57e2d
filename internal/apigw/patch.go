package apigw

import (
	"strconv"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/awsproto"
)

// PatchOp is one JSON-Patch-like operation of the Update* calls.
type PatchOp struct {
	Op    string `json:"op"`
	Path  string `json:"path"`
	Value string `json:"value"`
	From  string `json:"from"`
}

func patchOps(c *call) ([]PatchOp, error) {
	var in struct {
		PatchOperations []PatchOp `json:"patchOperations"`
	}
	if err := decode(c, &in); err != nil {
		return nil, err
	}
	for i, op := range in.PatchOperations {
		switch op.Op {
		case "add", "remove", "replace", "move", "copy", "test":
		default:
			// The op is an enum of the service model: AWS's model
			// validation answers ValidationException, naming the member
			// as "{operation}Input.patchOperations.{n}.member.op".
			member := "patchOperations." + strconv.Itoa(i+1) + ".member.op"
			if m := awsproto.MetaFrom(c.ctx); m != nil && m.Operation != "" {
				member = strings.ToLower(m.Operation[:1]) + m.Operation[1:] + "Input." + member
			}
			return nil, validationEnum(member, op.Op, "[add, remove, move, test, replace, copy]")
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
