package cfn

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/cfn/tmpl"
)

// noValue is what Ref AWS::NoValue evaluates to: the property or list
// element holding it is removed.
type noValueT struct{}

var noValue = noValueT{}

// evaluator resolves intrinsic functions against one stack operation's
// state. Resources are looked up through res: a resource not (yet)
// created is an error, which the dependency order prevents.
type evaluator struct {
	params   map[string]paramValue
	pseudo   map[string]any
	conds    map[string]bool
	condDefs map[string]any
	mappings map[string]any
	res      func(logical string) (*resourceState, bool)
	imports  func(name string) (string, error)
	region   string
	// evaluating guards condition evaluation against cycles.
	evaluating map[string]bool
}

// paramValue is a parameter's resolved value: a string, or a list for
// List<...> and CommaDelimitedList types.
type paramValue struct {
	Value  any // string or []any of strings
	NoEcho bool
}

type evalError struct{ msg string }

func (e *evalError) Error() string { return e.msg }

func errf(format string, args ...any) error { return &evalError{fmt.Sprintf(format, args...)} }

// intrinsic returns the function of a one-key map naming an intrinsic.
func intrinsic(v any) (string, any, bool) {
	m, ok := v.(map[string]any)
	if !ok || len(m) != 1 {
		return "", nil, false
	}
	for k, a := range m {
		if k == "Ref" || k == "Condition" || strings.HasPrefix(k, "Fn::") {
			return k, a, true
		}
	}
	return "", nil, false
}

// eval resolves every intrinsic in v (a deep copy is returned).
func (e *evaluator) eval(v any) (any, error) {
	if fn, arg, ok := intrinsic(v); ok && fn != "Condition" {
		return e.call(fn, arg)
	}
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, c := range x {
			r, err := e.eval(c)
			if err != nil {
				return nil, err
			}
			if r == noValue {
				continue
			}
			out[k] = r
		}
		return out, nil
	case []any:
		out := make([]any, 0, len(x))
		for _, c := range x {
			r, err := e.eval(c)
			if err != nil {
				return nil, err
			}
			if r == noValue {
				continue
			}
			out = append(out, r)
		}
		return out, nil
	}
	return v, nil
}

func (e *evaluator) str(v any, fn string) (string, error) {
	r, err := e.eval(v)
	if err != nil {
		return "", err
	}
	s, ok := tmpl.String(r)
	if !ok {
		return "", errf("Template error: every %s argument must resolve to a string", fn)
	}
	return s, nil
}

func (e *evaluator) list(v any, fn string) ([]any, error) {
	r, err := e.eval(v)
	if err != nil {
		return nil, err
	}
	l, ok := r.([]any)
	if !ok {
		return nil, errf("Template error: %s requires a list argument", fn)
	}
	return l, nil
}

func (e *evaluator) call(fn string, arg any) (any, error) {
	switch fn {
	case "Ref":
		name, ok := arg.(string)
		if !ok {
			return nil, errf("Template format error: Every Ref object must have a single String value.")
		}
		return e.ref(name)
	case "Fn::GetAtt":
		var res, attr string
		switch a := arg.(type) {
		case string:
			r, at, ok := strings.Cut(a, ".")
			if !ok {
				return nil, errf("Template error: every Fn::GetAtt object requires two non-empty parameters")
			}
			res, attr = r, at
		case []any:
			if len(a) != 2 {
				return nil, errf("Template error: every Fn::GetAtt object requires two non-empty parameters")
			}
			r, ok := a[0].(string)
			if !ok {
				return nil, errf("Template error: every Fn::GetAtt object requires two non-empty parameters")
			}
			at, err := e.str(a[1], "Fn::GetAtt")
			if err != nil {
				return nil, err
			}
			res, attr = r, at
		default:
			return nil, errf("Template error: every Fn::GetAtt object requires two non-empty parameters")
		}
		return e.getAtt(res, attr)
	case "Fn::Sub":
		return e.sub(arg)
	case "Fn::Join":
		a, ok := arg.([]any)
		if !ok || len(a) != 2 {
			return nil, errf("Template error: every Fn::Join object requires two parameters, (1) a string delimiter and (2) a list of strings to be joined or a function that returns a list of strings (such as Fn::GetAZs) to be joined.")
		}
		sep, err := e.str(a[0], "Fn::Join")
		if err != nil {
			return nil, err
		}
		l, err := e.list(a[1], "Fn::Join")
		if err != nil {
			return nil, err
		}
		parts := make([]string, 0, len(l))
		for _, x := range l {
			s, ok := tmpl.String(x)
			if !ok {
				return nil, errf("Template error: every Fn::Join object requires two parameters, (1) a string delimiter and (2) a list of strings to be joined or a function that returns a list of strings (such as Fn::GetAZs) to be joined.")
			}
			parts = append(parts, s)
		}
		return strings.Join(parts, sep), nil
	case "Fn::Select":
		a, ok := arg.([]any)
		if !ok || len(a) != 2 {
			return nil, errf("Template error: Fn::Select requires a list argument with two elements: an integer index and a list")
		}
		is, err := e.str(a[0], "Fn::Select")
		if err != nil {
			return nil, err
		}
		i, err := strconv.Atoi(is)
		if err != nil {
			return nil, errf("Template error: Fn::Select requires a list argument with two elements: an integer index and a list")
		}
		l, err := e.list(a[1], "Fn::Select")
		if err != nil {
			return nil, err
		}
		if i < 0 || i >= len(l) {
			return nil, errf("Template error: Fn::Select cannot select nonexistent value at index %d", i)
		}
		return l[i], nil
	case "Fn::Split":
		a, ok := arg.([]any)
		if !ok || len(a) != 2 {
			return nil, errf("Template error: every Fn::Split object requires two parameters, (1) a string delimiter and (2) a string to be split or a function that returns a string to be split.")
		}
		sep, err := e.str(a[0], "Fn::Split")
		if err != nil {
			return nil, err
		}
		s, err := e.str(a[1], "Fn::Split")
		if err != nil {
			return nil, err
		}
		if sep == "" {
			return nil, errf("Template error: every Fn::Split object requires two parameters, (1) a string delimiter and (2) a string to be split or a function that returns a string to be split.")
		}
		var out []any
		for _, p := range strings.Split(s, sep) {
			out = append(out, p)
		}
		return out, nil
	case "Fn::If":
		a, ok := arg.([]any)
		if !ok || len(a) != 3 {
			return nil, errf("Template error: Fn::If requires a list argument with three elements")
		}
		name, ok := a[0].(string)
		if !ok {
			return nil, errf("Template error: Fn::If requires a list argument with the first element being a condition")
		}
		c, err := e.condition(name)
		if err != nil {
			return nil, err
		}
		if c {
			return e.eval(a[1])
		}
		return e.eval(a[2])
	case "Fn::Equals", "Fn::And", "Fn::Or", "Fn::Not", "Condition":
		return e.condExpr(map[string]any{fn: arg})
	case "Fn::FindInMap":
		a, ok := arg.([]any)
		if !ok || len(a) < 3 {
			return nil, errf("Template error: every Fn::FindInMap object requires three parameters, the map name, map key and the attribute for return value")
		}
		var keys [3]string
		for i := 0; i < 3; i++ {
			s, err := e.str(a[i], "Fn::FindInMap")
			if err != nil {
				return nil, err
			}
			keys[i] = s
		}
		m, _ := e.mappings[keys[0]].(map[string]any)
		if m == nil {
			return nil, errf("Template error: Unable to get mapping for %s::%s::%s", keys[0], keys[1], keys[2])
		}
		top, _ := m[keys[1]].(map[string]any)
		v, ok := top[keys[2]]
		if !ok {
			if len(a) == 4 { // AWS::LanguageExtensions DefaultValue
				if d, ok := a[3].(map[string]any); ok {
					if dv, ok := d["DefaultValue"]; ok {
						return e.eval(dv)
					}
				}
			}
			return nil, errf("Template error: Unable to get mapping for %s::%s::%s", keys[0], keys[1], keys[2])
		}
		return tmpl.Clone(v), nil
	case "Fn::GetAZs":
		r, err := e.str(arg, "Fn::GetAZs")
		if err != nil {
			return nil, err
		}
		if r == "" {
			r = e.region
		}
		// Gatehouse has no zones; it answers the three names every
		// region's first zones carry, so templates that spread over
		// Select 0..2 of them deploy.
		return []any{r + "a", r + "b", r + "c"}, nil
	case "Fn::Base64":
		s, err := e.str(arg, "Fn::Base64")
		if err != nil {
			return nil, err
		}
		return base64.StdEncoding.EncodeToString([]byte(s)), nil
	case "Fn::ImportValue":
		s, err := e.str(arg, "Fn::ImportValue")
		if err != nil {
			return nil, err
		}
		if e.imports == nil {
			return nil, errf("No export named %s found", s)
		}
		return e.imports(s)
	case "Fn::Length":
		l, err := e.list(arg, "Fn::Length")
		if err != nil {
			return nil, err
		}
		return float64(len(l)), nil
	case "Fn::ToJsonString":
		r, err := e.eval(arg)
		if err != nil {
			return nil, err
		}
		b, err := json.Marshal(r)
		if err != nil {
			return nil, errf("Template error: Fn::ToJsonString: %v", err)
		}
		return string(b), nil
	}
	return nil, errf("Template format error: Unrecognized intrinsic function %s", fn)
}

// ref resolves Ref: a parameter, a pseudo parameter or a resource.
func (e *evaluator) ref(name string) (any, error) {
	if p, ok := e.params[name]; ok {
		return tmpl.Clone(p.Value), nil
	}
	if name == "AWS::NoValue" {
		return noValue, nil
	}
	if v, ok := e.pseudo[name]; ok {
		return v, nil
	}
	if e.res != nil {
		if r, ok := e.res(name); ok {
			return r.PhysicalID, nil
		}
	}
	return nil, errf("Template format error: Unresolved resource dependencies [%s] in the Resources block of the template", name)
}

func (e *evaluator) getAtt(res, attr string) (any, error) {
	if e.res != nil {
		if r, ok := e.res(res); ok {
			v, ok := r.Attributes[attr]
			if !ok {
				return nil, errf("Template error: resource %s does not support attribute type %s in Fn::GetAtt", res, attr)
			}
			return tmpl.Clone(v), nil
		}
	}
	return nil, errf("Template error: instance of Fn::GetAtt references undefined resource %s", res)
}

// sub implements Fn::Sub in both forms: a string, or [string, {vars}].
func (e *evaluator) sub(arg any) (any, error) {
	var s string
	vars := map[string]any{}
	switch a := arg.(type) {
	case string:
		s = a
	case []any:
		if len(a) != 2 {
			return nil, errf("Template error: One or more Fn::Sub intrinsic functions don't specify expected arguments. Specify a string as first argument, and an optional second argument to specify a mapping of values to replace in the string")
		}
		str, ok := a[0].(string)
		m, ok2 := a[1].(map[string]any)
		if !ok || !ok2 {
			return nil, errf("Template error: One or more Fn::Sub intrinsic functions don't specify expected arguments. Specify a string as first argument, and an optional second argument to specify a mapping of values to replace in the string")
		}
		s = str
		for k, v := range m {
			r, err := e.eval(v)
			if err != nil {
				return nil, err
			}
			vars[k] = r
		}
	default:
		return nil, errf("Template error: One or more Fn::Sub intrinsic functions don't specify expected arguments. Specify a string as first argument, and an optional second argument to specify a mapping of values to replace in the string")
	}
	var b strings.Builder
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			b.WriteString(s)
			break
		}
		b.WriteString(s[:i])
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			b.WriteString(s[i:])
			break
		}
		name := s[i+2 : i+j]
		s = s[i+j+1:]
		if strings.HasPrefix(name, "!") {
			b.WriteString("${" + name[1:] + "}")
			continue
		}
		name = strings.TrimSpace(name)
		var v any
		var err error
		if x, ok := vars[name]; ok {
			v = x
		} else if res, attr, ok := strings.Cut(name, "."); ok && !strings.HasPrefix(name, "AWS::") {
			v, err = e.getAtt(res, attr)
		} else {
			v, err = e.ref(name)
		}
		if err != nil {
			return nil, err
		}
		str, ok := tmpl.String(v)
		if !ok {
			return nil, errf("Template error: variable %s in Fn::Sub expression does not resolve to a string", name)
		}
		b.WriteString(str)
	}
	return b.String(), nil
}

// condition evaluates a named condition (memoized).
func (e *evaluator) condition(name string) (bool, error) {
	if v, ok := e.conds[name]; ok {
		return v, nil
	}
	def, ok := e.condDefs[name]
	if !ok {
		return false, errf("Template format error: Unresolved condition dependency %s in Fn::If", name)
	}
	if e.evaluating[name] {
		return false, errf("Template error: Circular dependency between conditions: %s", name)
	}
	if e.evaluating == nil {
		e.evaluating = map[string]bool{}
	}
	e.evaluating[name] = true
	v, err := e.condExpr(def)
	delete(e.evaluating, name)
	if err != nil {
		return false, err
	}
	b, ok := v.(bool)
	if !ok {
		return false, errf("Template format error: Conditions can only be boolean operations on parameters and other conditions")
	}
	if e.conds == nil {
		e.conds = map[string]bool{}
	}
	e.conds[name] = b
	return b, nil
}

// condExpr evaluates a condition function (Equals, And, Or, Not,
// Condition).
func (e *evaluator) condExpr(v any) (any, error) {
	fn, arg, ok := intrinsic(v)
	if !ok {
		if b, ok := v.(bool); ok {
			return b, nil
		}
		if s, ok := v.(string); ok && (s == "true" || s == "false") {
			return s == "true", nil
		}
		return nil, errf("Template format error: Conditions can only be boolean operations on parameters and other conditions")
	}
	switch fn {
	case "Condition":
		name, ok := arg.(string)
		if !ok {
			return nil, errf("Template format error: Condition must be a string")
		}
		return e.condition(name)
	case "Fn::Equals":
		a, ok := arg.([]any)
		if !ok || len(a) != 2 {
			return nil, errf("Template error: Fn::Equals requires a list argument with two elements")
		}
		x, err := e.eval(a[0])
		if err != nil {
			return nil, err
		}
		y, err := e.eval(a[1])
		if err != nil {
			return nil, err
		}
		return equalValues(x, y), nil
	case "Fn::Not":
		a, ok := arg.([]any)
		if !ok || len(a) != 1 {
			return nil, errf("Template error: Fn::Not requires a list argument with one function token")
		}
		r, err := e.condExpr(a[0])
		if err != nil {
			return nil, err
		}
		return !r.(bool), nil
	case "Fn::And", "Fn::Or":
		a, ok := arg.([]any)
		if !ok || len(a) < 2 || len(a) > 10 {
			return nil, errf("Template error: %s requires a list argument with between 2 and 10 function tokens", fn)
		}
		and := fn == "Fn::And"
		for _, c := range a {
			r, err := e.condExpr(c)
			if err != nil {
				return nil, err
			}
			if r.(bool) != and {
				return !and, nil
			}
		}
		return and, nil
	case "Fn::Contains":
		a, ok := arg.([]any)
		if !ok || len(a) != 2 {
			return nil, errf("Template error: Fn::Contains requires a list argument with two elements")
		}
		l, err := e.list(a[0], "Fn::Contains")
		if err != nil {
			return nil, err
		}
		x, err := e.eval(a[1])
		if err != nil {
			return nil, err
		}
		for _, y := range l {
			if equalValues(x, y) {
				return true, nil
			}
		}
		return false, nil
	}
	r, err := e.call(fn, arg)
	if err != nil {
		return nil, err
	}
	return e.condExpr(r)
}

// equalValues compares as CloudFormation does: scalars by their string
// form (a Number parameter equals "3").
func equalValues(x, y any) bool {
	xs, ok1 := tmpl.String(x)
	ys, ok2 := tmpl.String(y)
	if ok1 && ok2 {
		return xs == ys
	}
	bx, _ := json.Marshal(x)
	by, _ := json.Marshal(y)
	return string(bx) == string(by)
}

// refs lists the logical ids v depends on through Ref, Fn::GetAtt and
// Fn::Sub (parameters and pseudo parameters included; the caller filters).
func refs(v any, out map[string]bool) {
	if fn, arg, ok := intrinsic(v); ok {
		switch fn {
		case "Ref":
			if s, ok := arg.(string); ok {
				out[s] = true
			}
			return
		case "Fn::GetAtt":
			switch a := arg.(type) {
			case string:
				r, _, _ := strings.Cut(a, ".")
				out[r] = true
			case []any:
				if len(a) > 0 {
					if s, ok := a[0].(string); ok {
						out[s] = true
					}
				}
				if len(a) > 1 {
					refs(a[1], out)
				}
			}
			return
		case "Fn::Sub":
			var s string
			vars := map[string]any{}
			switch a := arg.(type) {
			case string:
				s = a
			case []any:
				if len(a) > 0 {
					s, _ = a[0].(string)
				}
				if len(a) > 1 {
					vars, _ = a[1].(map[string]any)
					refs(a[1], out)
				}
			}
			for _, name := range subVars(s) {
				if _, ok := vars[name]; ok {
					continue
				}
				r, _, _ := strings.Cut(name, ".")
				if strings.HasPrefix(name, "AWS::") {
					r = name
				}
				out[r] = true
			}
			return
		}
	}
	switch x := v.(type) {
	case map[string]any:
		for _, c := range x {
			refs(c, out)
		}
	case []any:
		for _, c := range x {
			refs(c, out)
		}
	}
}

// subVars returns the ${...} names of a Fn::Sub string (not ${!...}).
func subVars(s string) []string {
	var out []string
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			return out
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			return out
		}
		name := s[i+2 : i+j]
		s = s[i+j+1:]
		if !strings.HasPrefix(name, "!") {
			out = append(out, strings.TrimSpace(name))
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
