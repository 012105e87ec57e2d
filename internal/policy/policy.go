package policy

// Policy is a validated, compiled policy document. It is immutable and safe
// for concurrent use.
type Policy struct {
	doc        []byte
	typ        Type
	version    string
	id         string
	vars       bool // policy variables are substituted (Version 2012-10-17)
	statements []statement

	// Statements by action service prefix (lower case), and statements that
	// may match any service (NotAction, "*"), both in document order. Lets
	// Evaluate skip statements about other services without looking at them.
	bySvc map[string][]int32
	wild  []int32
}

func (p *Policy) index() {
	p.bySvc = map[string][]int32{}
	for i := range p.statements {
		st := &p.statements[i]
		anySvc := st.notAction
		seen := map[string]bool{}
		for _, a := range st.actions {
			if a.svc == "" {
				anySvc = true
			} else if !seen[a.svc] {
				seen[a.svc] = true
				p.bySvc[a.svc] = append(p.bySvc[a.svc], int32(i))
			}
		}
		if anySvc {
			p.wild = append(p.wild, int32(i))
			// Keep bySvc lists free of statements that are also in wild.
			for svc := range seen {
				l := p.bySvc[svc]
				p.bySvc[svc] = l[:len(l)-1]
			}
		}
	}
}

// Document returns the original JSON. It must not be modified.
func (p *Policy) Document() []byte { return p.doc }

// Type returns the type the policy was parsed as.
func (p *Policy) Type() Type { return p.typ }

// Version returns the Version element ("2012-10-17", "2008-10-17", or ""
// when absent, which AWS treats as 2008-10-17).
func (p *Policy) Version() string { return p.version }

// ID returns the Id element.
func (p *Policy) ID() string { return p.id }

// Statements describes the policy's statements in document order.
func (p *Policy) Statements() []StatementInfo {
	out := make([]StatementInfo, len(p.statements))
	for i := range p.statements {
		out[i] = p.statements[i].info
	}
	return out
}

// StatementInfo describes one statement for explanations and the simulate
// APIs.
type StatementInfo struct {
	Index  int    // position in the Statement array, from 0
	Sid    string // may be empty
	Effect string // "Allow" or "Deny"
	Start  Position
	End    Position
}

// Position is a place in a policy document; Line and Column count from 1,
// as IAM's simulator reports StartPosition/EndPosition.
type Position struct {
	Line, Column int
}
