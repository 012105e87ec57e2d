package archtest

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// cfnWriters are the only declarations of internal/cfn that may name
// http.ResponseWriter or call awsproto.Write*: the Query API's frame, the
// ResponseURL endpoint (custom resources' S3-style PUT, not an operation)
// and the Authenticator interface the frame hands the request to.
var cfnWriters = map[string]bool{
	"frame.go:serveHTTP":       true,
	"custom.go:serveResponse":  true,
	"service.go:Authenticator": true,
}

// TestCFNOnlyFrameWrites: in internal/cfn no operation handler writes the
// response. Every handler in the table returns its operation's own output
// type (*<Operation>Output, as botocore names it) and only the frame
// renders it: no other declaration refers to http.ResponseWriter or
// calls awsproto.Write*.
func TestCFNOnlyFrameWrites(t *testing.T) {
	_, file, _, _ := runtime.Caller(0)
	dir := filepath.Join(filepath.Dir(file), "..", "cfn")
	names, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil || len(names) == 0 {
		t.Fatalf("no Go files in %s: %v", dir, err)
	}
	methods := map[string]*ast.FuncDecl{} // (*call) methods by name
	var entries [][2]string               // operation name, handler method
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, name, src, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		base := filepath.Base(name)
		for _, d := range f.Decls {
			declName := ""
			switch d := d.(type) {
			case *ast.FuncDecl:
				declName = d.Name.Name
				if d.Recv != nil && len(d.Recv.List) == 1 {
					if st, ok := d.Recv.List[0].Type.(*ast.StarExpr); ok {
						if id, ok := st.X.(*ast.Ident); ok && id.Name == "call" {
							methods[declName] = d
						}
					}
				}
			case *ast.GenDecl:
				if len(d.Specs) == 1 {
					if ts, ok := d.Specs[0].(*ast.TypeSpec); ok {
						declName = ts.Name.Name
					}
				}
			}
			allowed := cfnWriters[base+":"+declName]
			ast.Inspect(d, func(n ast.Node) bool {
				if e := cfnHandleEntry(n); e[0] != "" {
					entries = append(entries, e)
				}
				sel, ok := n.(*ast.SelectorExpr)
				if !ok {
					return true
				}
				x, ok := sel.X.(*ast.Ident)
				if !ok {
					return true
				}
				writes := x.Name == "http" && sel.Sel.Name == "ResponseWriter" ||
					x.Name == "awsproto" && strings.HasPrefix(sel.Sel.Name, "Write")
				if writes && !allowed {
					t.Errorf("%s: %s.%s outside the frame: a handler returns its output and the frame writes the response",
						fset.Position(sel.Pos()), x.Name, sel.Sel.Name)
				}
				return true
			})
		}
	}
	if len(entries) == 0 {
		t.Fatal("no pipeline.Handle entries found in internal/cfn")
	}
	for _, e := range entries {
		op, method := e[0], e[1]
		fd := methods[method]
		if fd == nil {
			t.Errorf("operation %s: handler (*call).%s not found", op, method)
			continue
		}
		res := fd.Type.Results
		want := op + "Output"
		got := ""
		if res != nil && len(res.List) == 2 {
			if st, ok := res.List[0].Type.(*ast.StarExpr); ok {
				if id, ok := st.X.(*ast.Ident); ok {
					got = id.Name
				}
			}
		}
		if got != want {
			t.Errorf("operation %s: handler (*call).%s returns *%s, want *%s (its own output type, named as AWS's)", op, method, got, want)
		}
	}
}

// cfnHandleEntry returns the Name literal and the (*call) method of a
// pipeline.Handle(pipeline.Operation{Name: "…"}, (*call).method) entry.
func cfnHandleEntry(n ast.Node) [2]string {
	lit := handleName(n)
	if lit == nil {
		return [2]string{}
	}
	name, err := strconv.Unquote(lit.Value)
	if err != nil {
		return [2]string{}
	}
	call := n.(*ast.CallExpr)
	sel, ok := call.Args[len(call.Args)-1].(*ast.SelectorExpr)
	if !ok {
		return [2]string{name, "?"}
	}
	return [2]string{name, sel.Sel.Name}
}
