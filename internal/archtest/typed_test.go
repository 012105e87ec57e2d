package archtest

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/app"
	"github.com/gatehouse-dev/gatehouse/internal/server"
)

// typedServices are the services whose operations are one table of typed
// handlers (pipeline.Handlers, doc/architecture.md): the table is the only
// place their code names an operation.
var typedServices = map[string]string{
	"internal/ssm":    server.SurfaceSSM,
	"internal/ecr":    server.SurfaceECR,
	"internal/sts":    server.SurfaceSTS,
	"internal/iam":    server.SurfaceIAM,
	"internal/lambda": server.SurfaceLambda,
	"internal/apigw":  server.SurfaceAPIGateway,
	"internal/cfn":    server.SurfaceCloudFormation,
	"internal/s3":     server.SurfaceS3,
}

// TestTypedServicesDispatchByTable: in a typed service, every operation
// name written in code is the Name of exactly one pipeline.Handle or
// pipeline.HandleAuthorized entry (so every operation served has a typed
// handler, bound where it is declared), and no other code names an
// operation: no switch, map or comparison over operation names, no table
// entry written without its handler.
func TestTypedServicesDispatchByTable(t *testing.T) {
	all := app.Operations()
	seen := map[string]bool{}
	for _, p := range listPackages(t) {
		surface, ok := typedServices[p.ImportPath]
		if !ok {
			continue
		}
		seen[p.ImportPath] = true
		ops := map[string]bool{}
		for _, op := range all[surface] {
			ops[op] = true
		}
		bound := map[string]int{}
		for _, name := range p.GoFiles {
			fset := token.NewFileSet()
			f, err := parser.ParseFile(fset, filepath.Join(p.Dir, name), nil, parser.SkipObjectResolution)
			if err != nil {
				t.Fatal(err)
			}
			// The literals that are a Handle entry's Name.
			entry := map[*ast.BasicLit]bool{}
			ast.Inspect(f, func(n ast.Node) bool {
				if lit := handleName(n); lit != nil {
					entry[lit] = true
				}
				return true
			})
			ast.Inspect(f, func(n ast.Node) bool {
				bl, ok := n.(*ast.BasicLit)
				if !ok || bl.Kind != token.STRING {
					return true
				}
				s, err := strconv.Unquote(bl.Value)
				if err != nil || !ops[s] {
					return true
				}
				if entry[bl] {
					bound[s]++
				} else {
					t.Errorf("%s: operation %q named outside its pipeline.Handle entry (dispatch by the table, not by name)", fset.Position(bl.Pos()), s)
				}
				return true
			})
		}
		for op := range ops {
			if bound[op] != 1 {
				t.Errorf("%s: operation %s has %d pipeline.Handle entries, want 1", p.ImportPath, op, bound[op])
			}
		}
	}
	for p := range typedServices {
		if !seen[p] {
			t.Errorf("package %s not found", p)
		}
	}
}

// handleName returns the Name literal of pipeline.Handle(pipeline.Operation{Name: "…"}, …)
// or pipeline.HandleAuthorized(…), or nil.
func handleName(n ast.Node) *ast.BasicLit {
	call, ok := n.(*ast.CallExpr)
	if !ok || len(call.Args) < 2 {
		return nil
	}
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok || sel.Sel.Name != "Handle" && sel.Sel.Name != "HandleAuthorized" {
		return nil
	}
	if x, ok := sel.X.(*ast.Ident); !ok || x.Name != "pipeline" {
		return nil
	}
	op, ok := call.Args[0].(*ast.CompositeLit)
	if !ok {
		return nil
	}
	for _, e := range op.Elts {
		kv, ok := e.(*ast.KeyValueExpr)
		if !ok {
			continue
		}
		if k, ok := kv.Key.(*ast.Ident); ok && k.Name == "Name" {
			bl, _ := kv.Value.(*ast.BasicLit)
			return bl
		}
	}
	return nil
}
