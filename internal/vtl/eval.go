package vtl

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strings"
)

// Limits bound one evaluation: a template comes from the API owner, but
// the data it walks comes from the caller.
type Limits struct {
	MaxSteps     int // nodes and expressions evaluated
	MaxOutput    int // bytes written
	MaxBytes     int // bytes of strings built (concatenation, string methods)
	MaxIteration int // iterations of one #foreach (API Gateway: 1000)
	MaxRange     int // elements of one [a..b] range
}

// DefaultLimits: API Gateway's #foreach limit, a 10 MB payload.
var DefaultLimits = Limits{MaxSteps: 1_000_000, MaxOutput: 10 << 20, MaxBytes: 32 << 20, MaxIteration: 1000, MaxRange: 10000}

// ErrBudget: the template exceeded a Limits budget.
var ErrBudget = errors.New("template evaluation exceeded its budget")

// EvalError is a failure while evaluating (a method that throws in Java:
// a bad index, bad JSON for $util.parseJson, an invalid regex...).
type EvalError struct{ Msg string }

func (e *EvalError) Error() string { return "template evaluation error: " + e.Msg }

func evalErr(format string, a ...any) error { return &EvalError{Msg: fmt.Sprintf(format, a...)} }

var (
	errBreak = errors.New("#break")
	errStop  = errors.New("#stop")
)

type evaluator struct {
	vars  map[string]any
	out   strings.Builder
	lim   Limits
	steps int
	bytes int
	res   map[string]*regexp.Regexp
	calls int
}

func (ev *evaluator) step() error {
	ev.steps++
	if ev.steps > ev.lim.MaxSteps {
		return fmt.Errorf("%w: more than %d steps", ErrBudget, ev.lim.MaxSteps)
	}
	return nil
}

// charge accounts n bytes of newly built strings.
func (ev *evaluator) charge(n int) error {
	ev.bytes += n
	if ev.bytes > ev.lim.MaxBytes {
		return fmt.Errorf("%w: more than %d bytes of strings", ErrBudget, ev.lim.MaxBytes)
	}
	return nil
}

// remaining is what is left of the string budget.
func (ev *evaluator) remaining() int { return max(ev.lim.MaxBytes-ev.bytes, 0) }

func (ev *evaluator) write(s string) error {
	if ev.out.Len()+len(s) > ev.lim.MaxOutput {
		return fmt.Errorf("%w: output over %d bytes", ErrBudget, ev.lim.MaxOutput)
	}
	ev.out.WriteString(s)
	return nil
}

// Execute renders t with vars as the top-level references. Values in vars
// (maps in particular) may be changed by #set.
func (t *Template) Execute(vars map[string]any, lim Limits) (string, error) {
	if lim.MaxSteps == 0 {
		lim = DefaultLimits
	}
	ev := &evaluator{vars: vars, lim: lim}
	err := ev.nodes(t.nodes)
	if errors.Is(err, errStop) || errors.Is(err, errBreak) {
		err = nil
	}
	if err != nil {
		return "", err
	}
	return ev.out.String(), nil
}

func (ev *evaluator) nodes(ns []node) error {
	for _, n := range ns {
		if err := ev.node(n); err != nil {
			return err
		}
	}
	return nil
}

func (ev *evaluator) node(n node) error {
	if err := ev.step(); err != nil {
		return err
	}
	switch n := n.(type) {
	case *textNode:
		return ev.write(n.s)
	case *refNode:
		v, err := ev.ref(n.ref)
		if err != nil {
			return err
		}
		// API Gateway renders a null reference as nothing (quiet or not).
		s := toString(v)
		if err := ev.charge(len(s)); err != nil {
			return err
		}
		return ev.write(s)
	case *setNode:
		v, err := ev.expr(n.val)
		if err != nil {
			return err
		}
		if v == nil {
			return nil // Velocity 1.7: #set of a null leaves the reference as it was
		}
		return ev.assign(n.target, v)
	case *ifNode:
		for i, c := range n.conds {
			v, err := ev.expr(c)
			if err != nil {
				return err
			}
			if truthy(v) {
				return ev.nodes(n.bodies[i])
			}
		}
		return ev.nodes(n.els)
	case *foreachNode:
		return ev.foreach(n)
	case *breakNode:
		return errBreak
	case *stopNode:
		return errStop
	case *macroCall:
		return ev.macro(n)
	}
	return nil
}

type foreachState struct {
	index int
	count int
	has   bool
}

func (ev *evaluator) foreach(n *foreachNode) error {
	it, err := ev.expr(n.iter)
	if err != nil {
		return err
	}
	var items []any
	switch x := it.(type) {
	case *List:
		items = x.items
	case *Map:
		for _, k := range x.keys {
			items = append(items, x.m[k])
		}
	case nil:
		return nil
	default:
		return nil // Velocity logs "not a valid collection" and skips
	}
	if len(items) > ev.lim.MaxIteration {
		items = items[:ev.lim.MaxIteration]
	}
	items = append([]any(nil), items...) // the body may change the list
	prevVar, hadVar := ev.vars[n.name]
	prevFE, hadFE := ev.vars["foreach"]
	prevVC, hadVC := ev.vars["velocityCount"]
	prevHN, hadHN := ev.vars["velocityHasNext"]
	defer func() {
		restore(ev.vars, n.name, prevVar, hadVar)
		restore(ev.vars, "foreach", prevFE, hadFE)
		restore(ev.vars, "velocityCount", prevVC, hadVC)
		restore(ev.vars, "velocityHasNext", prevHN, hadHN)
	}()
	for i, v := range items {
		st := &foreachState{index: i, count: i + 1, has: i+1 < len(items)}
		ev.vars["foreach"] = st
		ev.vars["velocityCount"] = int64(i + 1)
		ev.vars["velocityHasNext"] = st.has
		if v == nil {
			delete(ev.vars, n.name)
		} else {
			ev.vars[n.name] = v
		}
		err := ev.nodes(n.body)
		if errors.Is(err, errBreak) {
			return nil
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func restore(m map[string]any, k string, v any, had bool) {
	if had {
		m[k] = v
	} else {
		delete(m, k)
	}
}

func (ev *evaluator) macro(c *macroCall) error {
	ev.calls++
	if ev.calls > maxDepth {
		return evalErr("macro #%s: calls nested too deep", c.def.name)
	}
	defer func() { ev.calls-- }()
	type saved struct {
		v   any
		had bool
	}
	prev := make([]saved, len(c.def.params))
	for i, name := range c.def.params {
		v, had := ev.vars[name]
		prev[i] = saved{v, had}
		var a any
		if i < len(c.args) {
			var err error
			if a, err = ev.expr(c.args[i]); err != nil {
				return err
			}
		}
		if a == nil {
			delete(ev.vars, name)
		} else {
			ev.vars[name] = a
		}
	}
	err := ev.nodes(c.def.body)
	for i, name := range c.def.params {
		restore(ev.vars, name, prev[i].v, prev[i].had)
	}
	return err
}

// truthy is Velocity 1.7's #if: null and false are false, anything else true.
func truthy(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case bool:
		return x
	}
	return true
}

func (ev *evaluator) assign(r *refExpr, v any) error {
	if len(r.parts) == 0 {
		ev.vars[r.root] = v
		return nil
	}
	obj, err := ev.chain(r, len(r.parts)-1)
	if err != nil {
		return err
	}
	last := r.parts[len(r.parts)-1]
	switch last.kind {
	case partProp:
		if m, ok := obj.(*Map); ok {
			m.Set(last.name, v)
		}
		return nil
	case partIndex:
		k, err := ev.expr(last.idx)
		if err != nil {
			return err
		}
		switch x := obj.(type) {
		case *Map:
			x.Set(toString(k), v)
		case *List:
			i, ok := toIndex(k, len(x.items))
			if !ok {
				return evalErr("index %s out of bounds", toString(k))
			}
			x.items[i] = v
		}
	}
	return nil
}

func (ev *evaluator) ref(r *refExpr) (any, error) {
	return ev.chain(r, len(r.parts))
}

// chain evaluates r's root and its first n parts.
func (ev *evaluator) chain(r *refExpr, n int) (any, error) {
	if err := ev.step(); err != nil {
		return nil, err
	}
	v := ev.vars[r.root]
	for _, pt := range r.parts[:n] {
		if v == nil {
			return nil, nil
		}
		if err := ev.step(); err != nil {
			return nil, err
		}
		var err error
		switch pt.kind {
		case partProp:
			v, err = ev.property(v, pt.name)
		case partCall:
			args := make([]any, len(pt.args))
			for i, a := range pt.args {
				if args[i], err = ev.expr(a); err != nil {
					return nil, err
				}
			}
			v, err = ev.call(v, pt.name, args)
		case partIndex:
			var k any
			if k, err = ev.expr(pt.idx); err != nil {
				return nil, err
			}
			v, err = index(v, k)
		}
		if err != nil {
			return nil, err
		}
	}
	return v, nil
}

func index(v, k any) (any, error) {
	switch x := v.(type) {
	case *Map:
		r, _ := x.Get(toString(k))
		return r, nil
	case *List:
		i, ok := toIndex(k, len(x.items))
		if !ok {
			return nil, evalErr("index %s out of bounds for length %d", toString(k), len(x.items))
		}
		return x.items[i], nil
	}
	return nil, nil
}

// toIndex: an integer index into n elements, negative from the end.
func toIndex(k any, n int) (int, bool) {
	i, ok := k.(int64)
	if !ok {
		return 0, false
	}
	if i < 0 {
		i += int64(n)
	}
	return int(i), i >= 0 && i < int64(n)
}

// property is $v.name: a map entry, else the getter getName()/isName()/name().
func (ev *evaluator) property(v any, name string) (any, error) {
	switch x := v.(type) {
	case *Map:
		r, _ := x.Get(name)
		return r, nil
	case *foreachState:
		switch name {
		case "hasNext":
			return x.has, nil
		case "index":
			return int64(x.index), nil
		case "count":
			return int64(x.count), nil
		case "first":
			return x.index == 0, nil
		case "last":
			return !x.has, nil
		}
		return nil, nil
	case object:
		return x.call(ev, name, nil, true)
	}
	if name == "" {
		return nil, nil
	}
	title := strings.ToUpper(name[:1]) + name[1:]
	for _, m := range []string{"get" + title, "is" + title} {
		if r, err := ev.call(v, m, nil); err == nil && r != nil {
			return r, nil
		}
	}
	return nil, nil
}

// object is a built-in ($input, $util) with methods.
type object interface {
	name() string
	call(ev *evaluator, method string, args []any, property bool) (any, error)
}

func (ev *evaluator) expr(e expr) (any, error) {
	if err := ev.step(); err != nil {
		return nil, err
	}
	switch e := e.(type) {
	case *litExpr:
		return e.v, nil
	case *refExpr:
		return ev.ref(e)
	case *strExpr:
		sub := &evaluator{vars: ev.vars, lim: ev.lim, steps: ev.steps, bytes: ev.bytes, res: ev.res, calls: ev.calls}
		sub.lim.MaxOutput = ev.lim.MaxBytes - ev.bytes
		err := sub.nodes(e.nodes)
		ev.steps, ev.bytes, ev.res = sub.steps, sub.bytes, sub.res
		if err != nil && !errors.Is(err, errStop) {
			return nil, err
		}
		s := sub.out.String()
		return s, ev.charge(len(s))
	case *listExpr:
		l := &List{items: make([]any, 0, len(e.items))}
		for _, x := range e.items {
			v, err := ev.expr(x)
			if err != nil {
				return nil, err
			}
			l.items = append(l.items, v)
		}
		return l, nil
	case *rangeExpr:
		lo, err := ev.expr(e.lo)
		if err != nil {
			return nil, err
		}
		hi, err := ev.expr(e.hi)
		if err != nil {
			return nil, err
		}
		a, ok1 := toInt(lo)
		b, ok2 := toInt(hi)
		if !ok1 || !ok2 {
			return nil, nil
		}
		n := b - a
		if n < 0 {
			n = -n
		}
		if n >= int64(ev.lim.MaxRange) {
			return nil, fmt.Errorf("%w: range of %d elements", ErrBudget, n+1)
		}
		if err := ev.charge(int(n+1) * 8); err != nil {
			return nil, err
		}
		l := &List{items: make([]any, 0, n+1)}
		for i := a; ; {
			l.items = append(l.items, i)
			if i == b {
				break
			}
			if a < b {
				i++
			} else {
				i--
			}
		}
		return l, nil
	case *mapExpr:
		m := NewMap()
		for i := range e.keys {
			k, err := ev.expr(e.keys[i])
			if err != nil {
				return nil, err
			}
			v, err := ev.expr(e.vals[i])
			if err != nil {
				return nil, err
			}
			m.Set(toString(k), v)
		}
		return m, nil
	case *notExpr:
		v, err := ev.expr(e.x)
		if err != nil {
			return nil, err
		}
		return !truthy(v), nil
	case *binExpr:
		return ev.binary(e)
	}
	return nil, nil
}

func toInt(v any) (int64, bool) {
	switch x := v.(type) {
	case int64:
		return x, true
	case float64:
		if x >= math.MinInt64 && x <= math.MaxInt64 {
			return int64(x), true
		}
	case string:
		var i int64
		if _, err := fmt.Sscan(x, &i); err == nil {
			return i, true
		}
	}
	return 0, false
}

func (ev *evaluator) binary(e *binExpr) (any, error) {
	l, err := ev.expr(e.l)
	if err != nil {
		return nil, err
	}
	switch e.op {
	case "&&":
		if !truthy(l) {
			return false, nil
		}
		r, err := ev.expr(e.r)
		return truthy(r), err
	case "||":
		if truthy(l) {
			return true, nil
		}
		r, err := ev.expr(e.r)
		return truthy(r), err
	}
	r, err := ev.expr(e.r)
	if err != nil {
		return nil, err
	}
	switch e.op {
	case "==":
		return equal(l, r), nil
	case "!=":
		return !equal(l, r), nil
	case "<", ">", "<=", ">=":
		c, ok := compare(l, r)
		if !ok {
			return false, nil
		}
		switch e.op {
		case "<":
			return c < 0, nil
		case ">":
			return c > 0, nil
		case "<=":
			return c <= 0, nil
		}
		return c >= 0, nil
	case "+":
		if isNum(l) && isNum(r) {
			return arith(e.op, l, r)
		}
		if l == nil || r == nil {
			return nil, nil
		}
		// Velocity 1.7 concatenates when an operand is not a number.
		s := toString(l) + toString(r)
		return s, ev.charge(len(s))
	default:
		if !isNum(l) || !isNum(r) {
			return nil, nil
		}
		return arith(e.op, l, r)
	}
}

func isNum(v any) bool {
	switch v.(type) {
	case int64, float64:
		return true
	}
	return false
}

func toFloat(v any) float64 {
	switch x := v.(type) {
	case int64:
		return float64(x)
	case float64:
		return x
	}
	return 0
}

func arith(op string, l, r any) (any, error) {
	a, aok := l.(int64)
	b, bok := r.(int64)
	if aok && bok {
		switch op {
		case "+":
			return a + b, nil
		case "-":
			return a - b, nil
		case "*":
			return a * b, nil
		case "/", "%":
			if b == 0 {
				return nil, nil // Velocity: division by zero is null
			}
			if a == math.MinInt64 && b == -1 {
				if op == "/" {
					return a, nil
				}
				return int64(0), nil
			}
			if op == "/" {
				return a / b, nil
			}
			return a % b, nil
		}
	}
	x, y := toFloat(l), toFloat(r)
	switch op {
	case "+":
		return x + y, nil
	case "-":
		return x - y, nil
	case "*":
		return x * y, nil
	case "/":
		if y == 0 {
			return nil, nil
		}
		return x / y, nil
	case "%":
		if y == 0 {
			return nil, nil
		}
		return math.Mod(x, y), nil
	}
	return nil, nil
}

// equal is Velocity's ==: numbers by value, same kinds by equals, else
// by their string forms.
func equal(l, r any) bool {
	if l == nil || r == nil {
		return l == nil && r == nil
	}
	if isNum(l) && isNum(r) {
		if a, ok := l.(int64); ok {
			if b, ok := r.(int64); ok {
				return a == b
			}
		}
		return toFloat(l) == toFloat(r)
	}
	switch a := l.(type) {
	case string:
		if b, ok := r.(string); ok {
			return a == b
		}
	case bool:
		if b, ok := r.(bool); ok {
			return a == b
		}
	}
	return toString(l) == toString(r)
}

func compare(l, r any) (int, bool) {
	if isNum(l) && isNum(r) {
		if a, ok := l.(int64); ok {
			if b, ok := r.(int64); ok {
				switch {
				case a < b:
					return -1, true
				case a > b:
					return 1, true
				}
				return 0, true
			}
		}
		a, b := toFloat(l), toFloat(r)
		switch {
		case a < b:
			return -1, true
		case a > b:
			return 1, true
		}
		return 0, true
	}
	a, ok1 := l.(string)
	b, ok2 := r.(string)
	if ok1 && ok2 {
		return strings.Compare(a, b), true
	}
	return 0, false
}
