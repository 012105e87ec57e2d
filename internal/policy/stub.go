package policy

type statement struct {
	info StatementInfo
}

// Parse validates and compiles a policy document.
func Parse(doc []byte, opts ParseOptions) (*Policy, error) {
	return nil, &SyntaxError{Msg: "Syntax errors in policy.", Offset: -1} // TODO
}

// Evaluate decides req against in. It allocates nothing in the common case.
func Evaluate(in *Input, req *Request) Decision {
	return Decision{} // TODO
}

// Explanation is a Decision with the evidence behind it.
type Explanation struct {
	Decision
	// Matched lists every statement that applied to the request, in
	// evaluation order.
	Matched []MatchedStatement
	// MissingContextKeys lists condition keys (and policy variables) the
	// request context did not have, deduplicated, in first-seen order.
	MissingContextKeys []string
	// Missing lists the policy types that lacked an allow.
	Missing []Type
}

// MatchedStatement is one statement that applied.
type MatchedStatement struct {
	Type   Type   // policy type of the source policy
	Policy string // Named.Name of the source policy
	StatementInfo
}

// Explain evaluates req against in like Evaluate and records the evidence.
// It allocates; use it for the simulate APIs, error logs and decision logs.
func Explain(in *Input, req *Request) *Explanation {
	return &Explanation{Decision: Evaluate(in, req)} // TODO
}
