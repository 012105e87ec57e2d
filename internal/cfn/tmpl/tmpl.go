// Package tmpl reads CloudFormation templates, JSON or YAML, into plain Go
// values (map[string]any, []any, string, float64, bool, nil) with YAML's
// short-form intrinsic tags (!Ref, !Sub, !GetAtt, ...) expanded to their
// long form ({"Fn::Sub": ...}), as CloudFormation does before it reads a
// template. It knows nothing of resources or evaluation: the engine
// (internal/cfn), the SAM transform (internal/cfn/sam) and the deploy
// client (internal/cfn/deploy) share it, with the two facts of the API
// the server and its client both need: how a template is sent and stored
// as JSON (JSON) and which stack statuses are transitions (InProgress).
package tmpl

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	yaml "github.com/oasdiff/yaml3"
)

// Error is a template format error; its text is CloudFormation's.
type Error struct{ msg string }

func (e *Error) Error() string { return e.msg }

func formatError(msg string) error { return &Error{msg} }

func formatErrorf(format string, args ...any) error { return &Error{fmt.Sprintf(format, args...)} }

// Template is a parsed template: the top-level sections by name.
type Template = map[string]any

// shortTags maps YAML short-form tags to the long-form keys CloudFormation
// documents ("Intrinsic function reference", short form).
var shortTags = map[string]string{
	"!Ref": "Ref", "!Condition": "Condition",
	"!Base64": "Fn::Base64", "!Cidr": "Fn::Cidr", "!FindInMap": "Fn::FindInMap", "!GetAtt": "Fn::GetAtt",
	"!GetAZs": "Fn::GetAZs", "!ImportValue": "Fn::ImportValue", "!Join": "Fn::Join", "!Select": "Fn::Select",
	"!Split": "Fn::Split", "!Sub": "Fn::Sub", "!Transform": "Fn::Transform", "!And": "Fn::And",
	"!Equals": "Fn::Equals", "!If": "Fn::If", "!Not": "Fn::Not", "!Or": "Fn::Or", "!Length": "Fn::Length",
	"!ToJsonString": "Fn::ToJsonString", "!Contains": "Fn::Contains", "!EachMemberEquals": "Fn::EachMemberEquals",
	"!EachMemberIn": "Fn::EachMemberIn", "!RefAll": "Fn::RefAll", "!ValueOf": "Fn::ValueOf",
	"!ValueOfAll": "Fn::ValueOfAll", "!GetParam": "Fn::GetParam",
}

// Parse reads a template body. A body whose first non-blank character is
// "{" is JSON; anything else is YAML (JSON is YAML too, but JSON's
// numbers and escapes are read exactly by encoding/json). The result must
// be a mapping. Errors read as CloudFormation's "Template format error".
func Parse(body []byte) (Template, error) {
	trim := bytes.TrimSpace(body)
	if len(trim) == 0 {
		return nil, formatError("Template format error: unsupported structure.")
	}
	var v any
	if trim[0] == '{' {
		d := json.NewDecoder(bytes.NewReader(trim))
		d.UseNumber()
		if err := d.Decode(&v); err != nil {
			return nil, formatErrorf("Template format error: JSON not well-formed. (%v)", err)
		}
		if d.More() {
			return nil, formatError("Template format error: JSON not well-formed.")
		}
		v = numbers(v)
	} else {
		var doc yaml.Node
		if err := yaml.Unmarshal(body, &doc); err != nil {
			return nil, formatErrorf("Template format error: YAML not well-formed. (%v)", strings.TrimPrefix(err.Error(), "yaml: "))
		}
		if len(doc.Content) == 0 {
			return nil, formatError("Template format error: unsupported structure.")
		}
		var err error
		budget := maxNodes
		if v, err = convert(doc.Content[0], 0, &budget); err != nil {
			return nil, err
		}
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, formatError("Template format error: unsupported structure.")
	}
	return m, nil
}

// numbers turns json.Number into float64, the one number type of the
// value model.
func numbers(v any) any {
	switch x := v.(type) {
	case json.Number:
		f, err := x.Float64()
		if err != nil {
			return x.String()
		}
		return f
	case map[string]any:
		for k, e := range x {
			x[k] = numbers(e)
		}
	case []any:
		for i, e := range x {
			x[i] = numbers(e)
		}
	}
	return v
}

// maxDepth bounds nesting (aliases included), so a hostile document cannot
// exhaust the stack.
const maxDepth = 200

// maxNodes bounds the values a YAML document expands to: aliases are
// expanded, so a few lines of nested aliases could otherwise stand for
// billions of values.
const maxNodes = 1 << 20

func convert(n *yaml.Node, depth int, budget *int) (any, error) {
	if depth > maxDepth {
		return nil, formatError("Template format error: YAML not well-formed. (nesting too deep)")
	}
	if *budget--; *budget < 0 {
		return nil, formatError("Template format error: YAML not well-formed. (too many values; aliases expand to more than 1048576)")
	}
	if n.Kind == yaml.AliasNode {
		return convert(n.Alias, depth+1, budget)
	}
	if long, ok := shortTags[n.Tag]; ok {
		inner := *n
		inner.Tag = ""
		var v any
		var err error
		switch inner.Kind {
		case yaml.ScalarNode:
			v = inner.Value
			if long == "Fn::GetAtt" {
				// !GetAtt Resource.Attribute: the attribute may itself
				// contain dots (Outputs.X of a nested stack).
				res, attr, ok := strings.Cut(inner.Value, ".")
				if !ok {
					return nil, formatErrorf("Template error: every Fn::GetAtt object requires two non-empty parameters")
				}
				v = []any{res, attr}
			}
		default:
			v, err = convert(&inner, depth+1, budget)
			if err != nil {
				return nil, err
			}
		}
		return map[string]any{long: v}, nil
	}
	if strings.HasPrefix(n.Tag, "!") && !strings.HasPrefix(n.Tag, "!!") {
		return nil, formatErrorf("Template format error: YAML not well-formed. (unknown tag %s at line %d)", n.Tag, n.Line)
	}
	switch n.Kind {
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind == yaml.AliasNode {
				k = k.Alias
			}
			if k.Kind != yaml.ScalarNode {
				return nil, formatErrorf("Template format error: YAML not well-formed. (line %d: keys must be scalars)", k.Line)
			}
			if k.Tag == "!!merge" {
				return nil, formatErrorf("Template format error: YAML not well-formed. (line %d: merge keys are not supported)", k.Line)
			}
			if _, dup := m[k.Value]; dup {
				return nil, formatErrorf("Template format error: YAML not well-formed. (line %d: duplicate key %s)", k.Line, k.Value)
			}
			v, err := convert(n.Content[i+1], depth+1, budget)
			if err != nil {
				return nil, err
			}
			m[k.Value] = v
		}
		return m, nil
	case yaml.SequenceNode:
		l := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := convert(c, depth+1, budget)
			if err != nil {
				return nil, err
			}
			l = append(l, v)
		}
		return l, nil
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!null":
			return nil, nil
		case "!!bool":
			b, err := strconv.ParseBool(strings.ToLower(n.Value))
			if err != nil {
				return n.Value, nil
			}
			return b, nil
		case "!!int":
			if i, err := strconv.ParseInt(n.Value, 0, 64); err == nil {
				return float64(i), nil
			}
			return n.Value, nil
		case "!!float":
			f, err := strconv.ParseFloat(n.Value, 64)
			if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
				return n.Value, nil
			}
			return f, nil
		default:
			return n.Value, nil
		}
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return convert(n.Content[0], depth+1, budget)
	}
	return nil, formatErrorf("Template format error: YAML not well-formed. (line %d)", n.Line)
}

// String renders a scalar value as CloudFormation passes it to a
// resource: numbers without a trailing ".0", booleans as true/false.
func String(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1e15 {
			return strconv.FormatInt(int64(x), 10), true
		}
		return strconv.FormatFloat(x, 'f', -1, 64), true
	case bool:
		return strconv.FormatBool(x), true
	}
	return "", false
}

// Clone deep-copies a value of the model.
func Clone(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = Clone(e)
		}
		return m
	case []any:
		l := make([]any, len(x))
		for i, e := range x {
			l[i] = Clone(e)
		}
		return l
	}
	return v
}

// JSON renders a template (or a value of one) as JSON: how CloudFormation
// stores a processed template, and how gatehouse deploy sends one.
func JSON(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// InProgress reports whether a stack status is a transition
// (CREATE_IN_PROGRESS, UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS, …).
func InProgress(status string) bool { return strings.HasSuffix(status, "_IN_PROGRESS") }
