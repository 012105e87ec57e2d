package vtl

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzTemplate: no template and no body makes the parser or the
// evaluator panic, hang or exceed its budgets silently.
func FuzzTemplate(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "corpus", "*.vtl"))
	body, _ := os.ReadFile(filepath.Join("testdata", "corpus", "photos.body"))
	for _, file := range files {
		b, _ := os.ReadFile(file)
		f.Add(string(b), string(body))
	}
	f.Add("#foreach($i in [1..3])$i#end", `{"a":[1,2]}`)
	f.Add("$input.path('$..a[*]')$input.json('$[0:2]')", `[{"a":[1]},{"a":{"b":2}}]`)
	f.Add(`#set($s = "${x}$!{y.z('a', [1..2], {'k': $v})}")#macro(m $a)$a#m($a)#end#m(1)`, "")
	f.Add(`\\\$x \#if #[[raw]]# #* c *# ## l`, "{")
	lim := Limits{MaxSteps: 20000, MaxOutput: 1 << 16, MaxBytes: 1 << 18, MaxIteration: 1000, MaxRange: 1000}
	f.Fuzz(func(t *testing.T, tmpl, body string) {
		tm, err := Parse(tmpl)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("parse error of an unexpected type: %v", err)
			}
			return
		}
		in := &Input{Body: []byte(body), QueryString: NewMap()}
		in.QueryString.Set("q", body)
		out, err := tm.Render(Vars{Input: in}, lim)
		if err == nil && len(out) > lim.MaxOutput {
			t.Fatalf("output %d bytes over the budget", len(out))
		}
	})
}
