package policy

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestMinimizeDisagreement shrinks one disagreeing differential case to a
// small reproduction that known differences do not explain (set
// IAMSIM_RAW=1 to keep any disagreement). Debugging aid, not a check:
//
//	IAMSIM_SEED=1 IAMSIM_MIN=2565 go test -run MinimizeDisagreement -v ./internal/policy
func TestMinimizeDisagreement(t *testing.T) {
	var id int
	if _, err := fmt.Sscan(os.Getenv("IAMSIM_MIN"), &id); err != nil {
		t.Skip("set IAMSIM_MIN to a case id")
	}
	var seed uint64 = 20261122
	fmt.Sscan(os.Getenv("IAMSIM_SEED"), &seed)
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	var c simCase
	for i := 0; i <= id; i++ {
		c = genCase(r, i)
	}
	root := repoRoot(t)
	oracle := func(cs []simCase) []string {
		var in bytes.Buffer
		for i := range cs {
			cs[i].ID = i
			in.Write(mustJSON(&cs[i]))
			in.WriteByte('\n')
		}
		cmd := exec.Command("node", filepath.Join(root, "test/iamsim/run.mjs"))
		cmd.Dir = filepath.Join(root, "test/iamsim")
		cmd.Stdin = &in
		out, err := cmd.Output()
		if err != nil {
			t.Fatal(err)
		}
		res := make([]string, len(cs))
		sc := bufio.NewScanner(bytes.NewReader(out))
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			var x struct {
				ID     int
				Result string
			}
			json.Unmarshal(sc.Bytes(), &x)
			res[x.ID] = x.Result
		}
		return res
	}
	disagrees := func(cs []simCase) []bool {
		res := oracle(cs)
		out := make([]bool, len(cs))
		for i := range cs {
			theirs, ok := simEffect(res[i])
			ours, err := goDecide(t, &cs[i])
			out[i] = ok && err == nil && ours != theirs && (os.Getenv("IAMSIM_RAW") != "" || explain(t, &cs[i], ours, theirs) == nil)
		}
		return out
	}
	if !disagrees([]simCase{c})[0] {
		t.Fatal("case does not disagree")
	}
	// Candidates: drop a policy, a statement, a condition key, or a context key.
	for changed := true; changed; {
		changed = false
		cands := variants(c)
		if len(cands) == 0 {
			break
		}
		d := disagrees(cands)
		for i, ok := range d {
			if ok {
				c = cands[i]
				changed = true
				break
			}
		}
	}
	ours, _ := goDecide(t, &c)
	t.Logf("gatehouse %s, iam-simulate %s\n%s", ours, oracle([]simCase{c})[0], mustJSON(&c))
}

func clone(c simCase) simCase {
	b := mustJSON(&c)
	var n simCase
	json.Unmarshal(b, &n)
	n.who = c.who
	// JSON round trip turns []string context values into []any.
	for k, v := range n.Context {
		if l, ok := v.([]any); ok {
			s := make([]string, len(l))
			for i := range l {
				s[i] = l[i].(string)
			}
			n.Context[k] = s
		}
	}
	return n
}

func variants(c simCase) []simCase {
	var out []simCase
	for i := range c.Identity {
		n := clone(c)
		n.Identity = append(n.Identity[:i:i], n.Identity[i+1:]...)
		out = append(out, n)
	}
	if c.ResourcePolicy != nil {
		n := clone(c)
		n.ResourcePolicy = nil
		out = append(out, n)
	}
	if c.Boundary != nil {
		n := clone(c)
		n.Boundary = nil
		out = append(out, n)
	}
	if c.Session != nil {
		n := clone(c)
		n.Session = nil
		out = append(out, n)
	}
	for k := range c.Context {
		n := clone(c)
		delete(n.Context, k)
		out = append(out, n)
	}
	// Shrink inside each policy document.
	docs := func(n *simCase) []*json.RawMessage {
		var d []*json.RawMessage
		for i := range n.Identity {
			d = append(d, &n.Identity[i])
		}
		for _, p := range []*json.RawMessage{&n.ResourcePolicy, &n.Boundary, &n.Session} {
			if *p != nil {
				d = append(d, p)
			}
		}
		return d
	}
	for di := range docs(&c) {
		var pol map[string]any
		json.Unmarshal(*docs(&c)[di], &pol)
		stmts, _ := pol["Statement"].([]any)
		for si := range stmts {
			if len(stmts) > 1 {
				n := clone(c)
				var p map[string]any
				json.Unmarshal(*docs(&n)[di], &p)
				s := p["Statement"].([]any)
				p["Statement"] = append(s[:si:si], s[si+1:]...)
				*docs(&n)[di] = mustJSON(p)
				out = append(out, n)
			}
			st := stmts[si].(map[string]any)
			for field, v := range st {
				if cond, ok := v.(map[string]any); ok && field == "Condition" {
					for op, kv := range cond {
						for key := range kv.(map[string]any) {
							n := clone(c)
							var p map[string]any
							json.Unmarshal(*docs(&n)[di], &p)
							ns := p["Statement"].([]any)[si].(map[string]any)
							nc := ns["Condition"].(map[string]any)
							delete(nc[op].(map[string]any), key)
							if len(nc[op].(map[string]any)) == 0 {
								delete(nc, op)
							}
							if len(nc) == 0 {
								delete(ns, "Condition")
							}
							*docs(&n)[di] = mustJSON(p)
							out = append(out, n)
						}
					}
				}
				if l, ok := v.([]any); ok && len(l) > 1 {
					for li := range l {
						n := clone(c)
						var p map[string]any
						json.Unmarshal(*docs(&n)[di], &p)
						ns := p["Statement"].([]any)[si].(map[string]any)
						nl := ns[field].([]any)
						ns[field] = append(nl[:li:li], nl[li+1:]...)
						*docs(&n)[di] = mustJSON(p)
						out = append(out, n)
					}
				}
			}
		}
	}
	return out
}
