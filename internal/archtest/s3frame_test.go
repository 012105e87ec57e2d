package archtest

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// s3FrameFiles are the files of internal/s3 that write responses: the
// frame (ServeHTTP, serve) and its renderer of the handlers' outputs.
var s3FrameFiles = map[string]bool{"service.go": true, "render.go": true}

// TestS3HandlersReturnOutputs: S3's handlers return their operation's
// output and the frame alone writes the answer. Outside the frame files
// no code of internal/s3 names http.ResponseWriter, calls an
// awsproto.Write* function or a WriteHeader method; no struct (the
// per-call value included) holds a ResponseWriter.
func TestS3HandlersReturnOutputs(t *testing.T) {
	_, file, _, _ := runtime.Caller(0)
	dir := filepath.Join(filepath.Dir(file), "..", "s3")
	names, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil || len(names) == 0 {
		t.Fatalf("internal/s3: %v", err)
	}
	for _, path := range names {
		base := filepath.Base(path)
		if strings.HasSuffix(base, "_test.go") {
			continue
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(base, func(t *testing.T) {
			for _, v := range s3ResponseWrites(f, s3FrameFiles[base]) {
				t.Errorf("%s: %s", fset.Position(v.Pos()), describeS3Write(v))
			}
		})
	}
}

// s3ResponseWrites returns the nodes of f that write a response: in a
// frame file only a struct field of type http.ResponseWriter counts.
func s3ResponseWrites(f *ast.File, frame bool) []ast.Node {
	var out []ast.Node
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.StructType:
			for _, fld := range n.Fields.List {
				if isResponseWriter(fld.Type) {
					out = append(out, fld)
				}
			}
		case *ast.SelectorExpr:
			if frame {
				return true
			}
			if isResponseWriter(n) {
				out = append(out, n)
			}
			if x, ok := n.X.(*ast.Ident); ok && x.Name == "awsproto" && strings.HasPrefix(n.Sel.Name, "Write") {
				out = append(out, n)
			}
			if n.Sel.Name == "WriteHeader" {
				out = append(out, n)
			}
		}
		return true
	})
	return out
}

func isResponseWriter(e ast.Expr) bool {
	sel, ok := e.(*ast.SelectorExpr)
	if !ok || sel.Sel.Name != "ResponseWriter" {
		return false
	}
	x, ok := sel.X.(*ast.Ident)
	return ok && x.Name == "http"
}

func describeS3Write(n ast.Node) string {
	switch n := n.(type) {
	case *ast.Field:
		return "a struct holds an http.ResponseWriter: handlers return outputs, the frame writes them"
	case *ast.SelectorExpr:
		if x, ok := n.X.(*ast.Ident); ok {
			return x.Name + "." + n.Sel.Name + " outside the S3 frame: return the operation's output instead"
		}
		return "." + n.Sel.Name + " outside the S3 frame: return the operation's output instead"
	}
	return "writes a response"
}

// TestS3ResponseWritesDetected: the check above finds each kind of write
// it forbids (so it cannot pass by finding nothing).
func TestS3ResponseWritesDetected(t *testing.T) {
	src := `package s3
type call struct{ w http.ResponseWriter }
func (s *Service) h(c *call, w http.ResponseWriter) error {
	awsproto.WriteXMLDocument(c.w, c.r, 200, "R", "", nil)
	c.w.WriteHeader(204)
	return nil
}`
	f, err := parser.ParseFile(token.NewFileSet(), "x.go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	// The struct field and its type, the parameter's type, the awsproto
	// call and the WriteHeader call.
	if got := len(s3ResponseWrites(f, false)); got != 5 {
		t.Errorf("handler file: %d writes found, want 5", got)
	}
	// In a frame file, only the struct field.
	if got := len(s3ResponseWrites(f, true)); got != 1 {
		t.Errorf("frame file: %d writes found, want 1", got)
	}
}
