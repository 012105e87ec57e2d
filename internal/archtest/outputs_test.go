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

// frameRule is what one service whose handlers return typed outputs
// allows and checks.
type frameRule struct {
	// frame lists, with the reason, what may write a response: a whole
	// file ("frame.go") or one top-level declaration of a file
	// ("frame.go:serveHTTP").
	frame map[string]string
	// holders lists, with the reason, the struct types ("file.go:Type")
	// that may hold an http.ResponseWriter: the frame's own writers a
	// streamed body goes through. No other struct, in the frame or not,
	// holds one.
	holders map[string]string
	// outputs: every table entry binds a method ((*T).m, or wrapped as
	// on((*T).m) / run((*T).m)) returning (*<Operation>Output, error),
	// the operation's own output type as botocore names it.
	outputs bool
}

// frames are the services whose handlers return their operation's
// output. Outside its frame no code of such a package names
// http.ResponseWriter, calls awsproto.Write* or a WriteHeader method;
// nowhere in the package (its frame included) does a struct but the
// listed holders hold a ResponseWriter, so no handler can reach one and
// answer by itself.
var frames = map[string]frameRule{
	"internal/lambda": {outputs: true, frame: map[string]string{
		"frame.go":     "render: status, headers and body of every control-plane output",
		"service.go":   "ServeHTTP: the error answer",
		"outputs.go":   "the streamer output type's stream method, called by render",
		"stream.go":    "the event-stream writer InvokeWithResponseStream's output streams through",
		"urlserve.go":  "the function URL data plane (not a control-plane operation)",
		"urlstream.go": "the function URL data plane's streamed answers",
		"cwlogs.go":    "the CloudWatch Logs JSON 1.1 frame",
	}, holders: map[string]string{
		"stream.go:streamSink":       "the event stream of InvokeWithResponseStream, written as the function streams",
		"urlstream.go:urlStreamSink": "a function URL's RESPONSE_STREAM body, written as the function streams",
	}},
	"internal/apigw": {outputs: true, frame: map[string]string{
		"service.go": "ServeHTTP: renders every operation's output and error",
	}},
	"internal/cfn": {outputs: true, frame: map[string]string{
		"frame.go:serveHTTP":       "the Query API's frame: renders every output and error",
		"custom.go:serveResponse":  "the ResponseURL endpoint (custom resources' S3-style PUT, not an operation)",
		"service.go:Authenticator": "the interface the frame hands the request to",
	}},
	"internal/s3": {frame: map[string]string{
		"service.go": "ServeHTTP and serve: the frame",
		"render.go":  "the frame's renderer of the handlers' outputs",
	}},
}

// TestOnlyTheFrameWrites: in every service of frames only the frame
// writes a response and, where the rule says so, every operation returns
// its own output type.
func TestOnlyTheFrameWrites(t *testing.T) {
	seen := map[string]bool{}
	for _, p := range listPackages(t) {
		rule, ok := frames[p.ImportPath]
		if !ok {
			continue
		}
		seen[p.ImportPath] = true
		t.Run(p.ImportPath, func(t *testing.T) {
			var files []*ast.File
			fset := token.NewFileSet()
			for _, name := range p.GoFiles {
				f, err := parser.ParseFile(fset, filepath.Join(p.Dir, name), nil, parser.SkipObjectResolution)
				if err != nil {
					t.Fatal(err)
				}
				files = append(files, f)
				for _, v := range frameViolations(fset, f, name, rule) {
					t.Error(v)
				}
			}
			if rule.outputs {
				for _, v := range outputViolations(files) {
					t.Error(v)
				}
			}
		})
	}
	for path := range frames {
		if !seen[path] {
			t.Errorf("package %s not found", path)
		}
	}
}

// frameViolations returns, for the file base of a package with rule, each
// place that writes a response outside the frame and each struct field
// holding an http.ResponseWriter outside the holders.
func frameViolations(fset *token.FileSet, f *ast.File, base string, rule frameRule) []string {
	var out []string
	report := func(n ast.Node, what string) {
		out = append(out, fset.Position(n.Pos()).String()+": "+what)
	}
	for _, d := range f.Decls {
		allowed := rule.frame[base] != "" || rule.frame[base+":"+declName(d)] != ""
		holder := rule.holders[base+":"+declName(d)] != ""
		ast.Inspect(d, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.StructType:
				if holder {
					return true
				}
				for _, fld := range n.Fields.List {
					if isResponseWriter(fld.Type) {
						report(fld, "a struct holds an http.ResponseWriter: handlers return outputs, the frame writes them")
					}
				}
			case *ast.SelectorExpr:
				if allowed {
					return true
				}
				x, _ := n.X.(*ast.Ident)
				switch {
				case isResponseWriter(n),
					x != nil && x.Name == "awsproto" && strings.HasPrefix(n.Sel.Name, "Write"),
					n.Sel.Name == "WriteHeader":
					report(n, render(n)+" outside the frame: a handler returns its output, the frame writes it")
				}
			}
			return true
		})
	}
	return out
}

// outputViolations returns each table entry (pipeline.Handle) of files
// that is not bound to a method returning (*<Operation>Output, error).
func outputViolations(files []*ast.File) []string {
	methods := map[string]*ast.FuncDecl{} // "T.m" → its declaration
	type entry struct{ op, method string }
	var entries []entry
	var out []string
	for _, f := range files {
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv != nil && len(fd.Recv.List) == 1 {
				methods[strings.TrimPrefix(render(fd.Recv.List[0].Type), "*")+"."+fd.Name.Name] = fd
			}
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
				out = append(out, op+": not bound to a method ((*T).m, on((*T).m) or run((*T).m))")
				return true
			}
			entries = append(entries, entry{op, m})
			return true
		})
	}
	if len(entries) == 0 {
		return append(out, "no pipeline.Handle entries found")
	}
	for _, e := range entries {
		fd := methods[e.method]
		if fd == nil {
			out = append(out, e.op+": method "+e.method+" not found")
			continue
		}
		got := "()"
		if res := fd.Type.Results; res != nil {
			var types []string
			for _, r := range res.List {
				types = append(types, render(r.Type))
			}
			got = "(" + strings.Join(types, ", ") + ")"
		}
		if want := "(*" + e.op + "Output, error)"; got != want {
			out = append(out, e.op+": bound to "+e.method+", which returns "+got+", want "+want+" (its own output type, named as AWS's)")
		}
	}
	return out
}

// boundMethod returns "T.m" of (*T).m or of f((*T).m), or "".
func boundMethod(e ast.Expr) string {
	if call, ok := e.(*ast.CallExpr); ok {
		if _, ok := call.Fun.(*ast.Ident); !ok || len(call.Args) != 1 {
			return ""
		}
		e = call.Args[0]
	}
	sel, ok := e.(*ast.SelectorExpr)
	if !ok {
		return ""
	}
	paren, ok := sel.X.(*ast.ParenExpr)
	if !ok {
		return ""
	}
	star, ok := paren.X.(*ast.StarExpr)
	if !ok {
		return ""
	}
	recv, ok := star.X.(*ast.Ident)
	if !ok {
		return ""
	}
	return recv.Name + "." + sel.Sel.Name
}

// declName is the name of a function or of a single-spec type declaration.
func declName(d ast.Decl) string {
	switch d := d.(type) {
	case *ast.FuncDecl:
		return d.Name.Name
	case *ast.GenDecl:
		if len(d.Specs) == 1 {
			if ts, ok := d.Specs[0].(*ast.TypeSpec); ok {
				return ts.Name.Name
			}
		}
	}
	return ""
}

func isResponseWriter(e ast.Expr) bool {
	sel, ok := e.(*ast.SelectorExpr)
	if !ok || sel.Sel.Name != "ResponseWriter" {
		return false
	}
	x, ok := sel.X.(*ast.Ident)
	return ok && x.Name == "http"
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

// TestFrameViolations: the checks above find each kind of violation they
// forbid (so they cannot pass by finding nothing), and a frame file or
// declaration is let through.
func TestFrameViolations(t *testing.T) {
	const handlers = `package p
type call struct{ w http.ResponseWriter }
func (s *Service) h(c *call, w http.ResponseWriter) error {
	awsproto.WriteXMLDocument(c.w, c.r, 200, "R", "", nil)
	c.w.WriteHeader(204)
	return nil
}
func serveHTTP(w http.ResponseWriter) {}
`
	for _, tt := range []struct {
		name string
		rule frameRule
		want int
	}{
		// The struct field and its type, the parameter's type, the
		// awsproto call, the WriteHeader call, serveHTTP's parameter.
		{"handler file", frameRule{}, 6},
		// In a frame file only the struct field.
		{"frame file", frameRule{frame: map[string]string{"x.go": "frame"}}, 1},
		// A listed holder lets through its field, not its field's type.
		{"holder", frameRule{holders: map[string]string{"x.go:call": "writer"}}, 5},
		// A frame file whose struct is a listed holder: nothing.
		{"frame file and holder", frameRule{frame: map[string]string{"x.go": "frame"}, holders: map[string]string{"x.go:call": "writer"}}, 0},
		// A frame declaration lets through only its own parameter.
		{"frame declaration", frameRule{frame: map[string]string{"x.go:serveHTTP": "frame"}}, 5},
	} {
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, "x.go", handlers, 0)
		if err != nil {
			t.Fatal(err)
		}
		if got := frameViolations(fset, f, "x.go", tt.rule); len(got) != tt.want {
			t.Errorf("%s: %d violations, want %d:\n%s", tt.name, len(got), tt.want, strings.Join(got, "\n"))
		}
	}

	const table = `package p
var ops = []any{
	pipeline.Handle(pipeline.Operation{Name: "GetThing"}, on((*Service).getThing)),
	pipeline.Handle(pipeline.Operation{Name: "PutThing"}, (*call).putThing),
	pipeline.Handle(pipeline.Operation{Name: "ListThings"}, (*call).listThings),
	pipeline.Handle(pipeline.Operation{Name: "DeleteThing"}, run((*Service).deleteThing)),
	pipeline.Handle(pipeline.Operation{Name: "TagThing"}, tagThing),
	pipeline.Handle(pipeline.Operation{Name: "UntagThing"}, (*call).gone),
}
func (s *Service) getThing(c *call) (*GetThingOutput, error) { return nil, nil }
func (c *call) putThing() (*PutThingOutput, error)          { return nil, nil }
func (c *call) listThings() (*Output, error)                 { return nil, nil }
func (s *Service) deleteThing(c *call) *DeleteThingOutput    { return nil }
`
	f, err := parser.ParseFile(token.NewFileSet(), "t.go", table, 0)
	if err != nil {
		t.Fatal(err)
	}
	got := outputViolations([]*ast.File{f})
	// ListThings (a shared type), DeleteThing (no error), TagThing (not
	// a method), UntagThing (no such method).
	wantOps := []string{"TagThing", "ListThings", "DeleteThing", "UntagThing"}
	if len(got) != len(wantOps) {
		t.Fatalf("%d output violations, want %d:\n%s", len(got), len(wantOps), strings.Join(got, "\n"))
	}
	for i, op := range wantOps {
		if !strings.HasPrefix(got[i], op+":") {
			t.Errorf("violation %d = %q, want one about %s", i, got[i], op)
		}
	}
}
