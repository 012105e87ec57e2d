package archtest

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// frameOnly lists, per service, the files of its frame: the only code of
// the package that may write a response (name http.ResponseWriter or call
// awsproto.Write*). Every other file returns values (typed outputs and
// errors) that the frame renders.
var frameOnly = map[string][]string{
	"internal/apigw": {"service.go"},
}

// TestFrameAloneWritesResponses: in the services of frameOnly, no file but
// the frame's refers to http.ResponseWriter or calls an awsproto.Write*
// function.
func TestFrameAloneWritesResponses(t *testing.T) {
	seen := map[string]bool{}
	for _, p := range listPackages(t) {
		frame, ok := frameOnly[p.ImportPath]
		if !ok {
			continue
		}
		seen[p.ImportPath] = true
		for _, name := range p.GoFiles {
			if contains(frame, name) {
				continue
			}
			fset := token.NewFileSet()
			f, err := parser.ParseFile(fset, filepath.Join(p.Dir, name), nil, parser.SkipObjectResolution)
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range responseWrites(f) {
				t.Errorf("%s: %s outside the frame (%s): return an output for the frame to render", fset.Position(v.Pos()), render(v), strings.Join(frame, ", "))
			}
		}
	}
	for p := range frameOnly {
		if !seen[p] {
			t.Errorf("package %s not found", p)
		}
	}
}

// TestAPIGatewayOperationsReturnTheirOutput: every API Gateway table entry
// binds (on((*Service).m)) a method whose result is *<Name>Output, the
// operation's own output type: no shared wrapper of status and body.
func TestAPIGatewayOperationsReturnTheirOutput(t *testing.T) {
	for _, p := range listPackages(t) {
		if p.ImportPath != "internal/apigw" {
			continue
		}
		results := map[string]string{}  // method → its first result, as written
		bindings := map[string]string{} // operation → the method bound to it
		var positions []string
		for _, name := range p.GoFiles {
			fset := token.NewFileSet()
			f, err := parser.ParseFile(fset, filepath.Join(p.Dir, name), nil, parser.SkipObjectResolution)
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range f.Decls {
				fd, ok := d.(*ast.FuncDecl)
				if !ok || fd.Recv == nil || fd.Type.Results == nil || len(fd.Type.Results.List) == 0 {
					continue
				}
				results[fd.Name.Name] = render(fd.Type.Results.List[0].Type)
			}
			ast.Inspect(f, func(n ast.Node) bool {
				lit := handleName(n)
				if lit == nil {
					return true
				}
				op, _ := strconv.Unquote(lit.Value)
				call := n.(*ast.CallExpr)
				m := boundMethod(call.Args[len(call.Args)-1])
				if m == "" {
					t.Errorf("%s: %s is not bound with on((*Service).method)", fset.Position(call.Pos()), op)
				}
				bindings[op] = m
				positions = append(positions, op)
				return true
			})
		}
		if len(bindings) == 0 {
			t.Fatal("no API Gateway table entries found")
		}
		for _, op := range positions {
			m := bindings[op]
			if got, want := results[m], "*"+op+"Output"; m != "" && got != want {
				t.Errorf("%s is bound to %s, which returns %s, want %s", op, m, got, want)
			}
		}
		return
	}
	t.Fatal("package internal/apigw not found")
}

// boundMethod returns m of on((*Service).m), or "".
func boundMethod(e ast.Expr) string {
	call, ok := e.(*ast.CallExpr)
	if !ok || len(call.Args) != 1 {
		return ""
	}
	if id, ok := call.Fun.(*ast.Ident); !ok || id.Name != "on" {
		return ""
	}
	sel, ok := call.Args[0].(*ast.SelectorExpr)
	if !ok {
		return ""
	}
	return sel.Sel.Name
}

// responseWrites returns the references to http.ResponseWriter and the
// calls of awsproto.Write* in f.
func responseWrites(f *ast.File) []ast.Node {
	var out []ast.Node
	ast.Inspect(f, func(n ast.Node) bool {
		sel, ok := n.(*ast.SelectorExpr)
		if !ok {
			return true
		}
		x, ok := sel.X.(*ast.Ident)
		if !ok {
			return true
		}
		if x.Name == "http" && sel.Sel.Name == "ResponseWriter" ||
			x.Name == "awsproto" && strings.HasPrefix(sel.Sel.Name, "Write") {
			out = append(out, sel)
		}
		return true
	})
	return out
}

// render spells a small expression (a type, a selector) as written.
func render(e ast.Node) string {
	switch v := e.(type) {
	case *ast.Ident:
		return v.Name
	case *ast.StarExpr:
		return "*" + render(v.X)
	case *ast.SelectorExpr:
		return render(v.X) + "." + v.Sel.Name
	case *ast.IndexExpr:
		return render(v.X) + "[" + render(v.Index) + "]"
	case *ast.InterfaceType:
		return "interface{...}"
	}
	return "?"
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
