package archtest

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/app"
	"github.com/gatehouse-dev/gatehouse/internal/server"
)

// surfaceOf maps the packages that name operations to their surface.
var surfaceOf = map[string]string{
	"internal/iam":     server.SurfaceIAM,
	"internal/sts":     server.SurfaceSTS,
	"internal/apigw":   server.SurfaceAPIGateway,
	"internal/lambda":  server.SurfaceLambda,
	"internal/gateway": server.SurfaceExecuteAPI,
	"internal/server":  server.SurfaceGatehouse,
	"internal/s3":      server.SurfaceS3,
	"internal/ssm":     server.SurfaceSSM,
	"internal/ecr":     server.SurfaceECR,
	"internal/cfn":     server.SurfaceCloudFormation,
}

// TestOperationLabelsAreRegistered: every operation name written in code
// (an argument of awsproto.SetOperation, a name returned by a router, a
// case of IAM's action switch) is in its surface's registered set
// (app.Operations), so it is not recorded as "unknown"; and only the
// packages above name operations at all. The metrics layer maps anything
// unregistered to "unknown" regardless (issue #12 item 7); this keeps the
// registered sets complete.
func TestOperationLabelsAreRegistered(t *testing.T) {
	registered := map[string]map[string]bool{}
	for surface, ops := range app.Operations() {
		registered[surface] = map[string]bool{}
		for _, op := range ops {
			registered[surface][op] = true
		}
	}
	for _, p := range listPackages(t) {
		top := strings.SplitN(p.ImportPath, "/", 2)[0]
		if top != "internal" && top != "cmd" && top != "pkg" || p.ImportPath == "internal/awsproto" ||
			// pipeline's JSON 1.1 frame labels a call only with a name
			// from the table its service handed it (JSON11.Ops).
			p.ImportPath == "internal/pipeline" {
			continue
		}
		surface, names := surfaceOf[p.ImportPath]
		for _, name := range p.GoFiles {
			fset := token.NewFileSet()
			f, err := parser.ParseFile(fset, filepath.Join(p.Dir, name), nil, parser.SkipObjectResolution)
			if err != nil {
				t.Fatal(err)
			}
			for _, op := range operationNames(fset, f) {
				switch {
				case !names:
					t.Errorf("%s: %s names an operation but is not a surface's package (add it to surfaceOf and app.Operations)", op.pos, p.ImportPath)
				case op.name != "" && !registered[surface][op.name]:
					t.Errorf("%s: operation %q is not in app.Operations()[%q]", op.pos, op.name, surface)
				}
			}
		}
	}
}

type opName struct{ pos, name string }

// operationNames lists the operation names f writes; a SetOperation call
// with a computed argument is listed with an empty name.
func operationNames(fset *token.FileSet, f *ast.File) []opName {
	var out []opName
	lit := func(e ast.Expr) (string, bool) {
		if bl, ok := e.(*ast.BasicLit); ok && bl.Kind == token.STRING {
			s, err := strconv.Unquote(bl.Value)
			return s, err == nil
		}
		return "", false
	}
	add := func(n ast.Node, name string) { out = append(out, opName{fset.Position(n.Pos()).String(), name}) }
	for _, d := range f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Body == nil {
			continue
		}
		router := strings.HasPrefix(fd.Name.Name, "route")
		ast.Inspect(fd.Body, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.FuncLit:
				return !router // handlers inside a router are not its answers
			case *ast.CallExpr:
				if sel, ok := n.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "SetOperation" && len(n.Args) == 2 {
					if x, ok := sel.X.(*ast.Ident); ok && x.Name == "awsproto" {
						s, _ := lit(n.Args[1])
						add(n, s)
					}
				}
			case *ast.ReturnStmt:
				if router && len(n.Results) > 0 {
					if s, ok := lit(n.Results[0]); ok && s != "" {
						add(n, s)
					}
				}
			case *ast.SwitchStmt:
				if id, ok := n.Tag.(*ast.Ident); ok && id.Name == "action" {
					for _, c := range n.Body.List {
						for _, e := range c.(*ast.CaseClause).List {
							if s, ok := lit(e); ok && s != "" {
								add(e, s)
							}
						}
					}
				}
			}
			return true
		})
	}
	return out
}
