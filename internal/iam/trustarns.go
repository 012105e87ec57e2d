package iam

import "encoding/json"

// trustARNs returns the "AWS" principal strings of a trust policy that are
// ARNs. The document has already been validated by the policy package.
func trustARNs(doc string) []string {
	var d struct {
		Statement json.RawMessage
	}
	if json.Unmarshal([]byte(doc), &d) != nil {
		return nil
	}
	var stmts []map[string]json.RawMessage
	if json.Unmarshal(d.Statement, &stmts) != nil {
		var one map[string]json.RawMessage
		if json.Unmarshal(d.Statement, &one) != nil {
			return nil
		}
		stmts = append(stmts, one)
	}
	var out []string
	for _, st := range stmts {
		var pr map[string]json.RawMessage
		if json.Unmarshal(st["Principal"], &pr) != nil {
			continue
		}
		raw, ok := pr["AWS"]
		if !ok {
			continue
		}
		var many []string
		if json.Unmarshal(raw, &many) != nil {
			var s string
			if json.Unmarshal(raw, &s) != nil {
				continue
			}
			many = []string{s}
		}
		for _, s := range many {
			if len(s) > 4 && s[:4] == "arn:" {
				out = append(out, s)
			}
		}
	}
	return out
}
