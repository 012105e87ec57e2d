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

// arnPackage is the one package that builds and splits ARNs (issue #13:
// ARNs were concatenated at 33 sites and split with strings.Split at 8,
// and the copies disagreed on partitions, qualifiers and empty sections).
// Everything else calls its typed constructors (arn.User, arn.Function,
// ExecuteAPIStage.Method, ...) and parsers (arn.Parse, ParseIAM,
// ParseFunctionName, Fields).
const arnPackage = "internal/arn"

// arnFragments are pieces of ARNs that only an ARN being assembled
// contains: a literal starting with "arn:" or holding one of these, joined
// to something with "+" or written by a builder, is an ARN concatenation.
var arnFragments = []string{":function:", ":assumed-role/", ":federated-user/", ":oidc-provider/", ":saml-provider/",
	":log-group:", ":layer:", ":event-source-mapping:", "::runtime:", ":execute-api:", ":apigateway:"}

// printers are the fmt functions that format a string: an ARN built with
// one of them has "arn:" and a verb in its format.
var printers = map[string]bool{"Sprintf": true, "Sprint": true, "Fprintf": true, "Fprint": true, "Appendf": true, "Append": true, "Printf": true, "Errorf": true}

// splitters are the strings functions that split on a separator.
var splitters = map[string]bool{"Split": true, "SplitN": true, "SplitAfter": true, "SplitAfterN": true}

// TestOnlyARNBuildsARNs: no product package but internal/arn builds an
// ARN from pieces or splits one on ":".
func TestOnlyARNBuildsARNs(t *testing.T) {
	n := 0
	for _, p := range listPackages(t) {
		top := strings.SplitN(p.ImportPath, "/", 2)[0]
		if p.ImportPath == arnPackage || p.ImportPath == "internal/archtest" || top != "internal" && top != "cmd" && top != "pkg" {
			continue
		}
		for _, name := range p.GoFiles {
			path := filepath.Join(p.Dir, name)
			fset := token.NewFileSet()
			f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range arnViolations(fset, f) {
				n++
				t.Errorf("%s: ARNs are built and split only by %s (typed constructors, Parse, ParseIAM, ParseFunctionName, Fields)", v, arnPackage)
			}
		}
	}
	if n > 0 {
		t.Logf("%d ARN violations", n)
	}
}

// arnLiteral reports whether s is text of an ARN under construction.
func arnLiteral(s string) bool {
	if strings.HasPrefix(s, "arn:") || strings.HasSuffix(s, ":root") { // "…:root": the account principal
		return true
	}
	for _, f := range arnFragments {
		if strings.Contains(s, f) {
			return true
		}
	}
	return false
}

func stringLit(e ast.Expr) (string, bool) {
	l, ok := e.(*ast.BasicLit)
	if !ok || l.Kind != token.STRING {
		return "", false
	}
	s, err := strconv.Unquote(l.Value)
	return s, err == nil
}

// constText reports whether e is made of string literals only.
func constText(e ast.Expr) bool { _, ok := constValue(e); return ok }

// constValue is the text of an expression made of string literals only.
func constValue(e ast.Expr) (string, bool) {
	switch e := e.(type) {
	case *ast.BasicLit:
		return stringLit(e)
	case *ast.ParenExpr:
		return constValue(e.X)
	case *ast.BinaryExpr:
		if e.Op != token.ADD {
			return "", false
		}
		x, ok1 := constValue(e.X)
		y, ok2 := constValue(e.Y)
		return x + y, ok1 && ok2
	}
	return "", false
}

// arnViolations lists the places in f that build or split an ARN.
func arnViolations(fset *token.FileSet, f *ast.File) []string {
	var out []string
	report := func(n ast.Node, what string) {
		out = append(out, fset.Position(n.Pos()).String()+": "+what)
	}
	pkgName := func(want string) string { // the file's name for an imported package, "" if not imported
		for _, imp := range f.Imports {
			if imp.Path.Value == strconv.Quote(want) {
				if imp.Name != nil {
					return imp.Name.Name
				}
				return want[strings.LastIndexByte(want, '/')+1:]
			}
		}
		return ""
	}
	fmtName, stringsName := pkgName("fmt"), pkgName("strings")
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.BinaryExpr:
			if n.Op != token.ADD || constText(n) {
				break // text split over lines ("…" + "…") builds nothing
			}
			for _, e := range []ast.Expr{n.X, n.Y} {
				if s, ok := constValue(e); ok && arnLiteral(s) {
					report(e, "concatenates "+strconv.Quote(s))
				}
			}
		case *ast.CallExpr:
			var pkg, fn string
			switch f := n.Fun.(type) {
			case *ast.SelectorExpr:
				fn = f.Sel.Name
				if id, ok := f.X.(*ast.Ident); ok {
					pkg = id.Name
				}
			case *ast.Ident:
				fn = f.Name
			}
			switch {
			case pkg != "" && pkg == fmtName && printers[fn]:
				for _, a := range n.Args {
					if s, ok := stringLit(a); ok && strings.Contains(s, "arn:") && strings.Contains(s[strings.Index(s, "arn:"):], "%") {
						report(a, "formats an ARN with "+pkg+"."+fn)
					}
				}
			case pkg != "" && pkg == stringsName && splitters[fn] && len(n.Args) >= 2:
				if s, ok := stringLit(n.Args[1]); ok && s == ":" {
					report(n, "splits on \":\" with "+pkg+"."+fn+" (arn.Parse, arn.Fields, arn.ParseFunctionName)")
				}
			case fn == "WriteString" || fn == "append" && n.Ellipsis.IsValid():
				for _, a := range n.Args {
					if s, ok := stringLit(a); ok && arnLiteral(s) {
						report(a, "writes "+strconv.Quote(s)+" into a buffer")
					}
				}
			}
		}
		return true
	})
	return out
}

// TestARNViolations: the check catches the ways ARNs were built and split
// outside internal/arn, and lets prefix tests and ordinary text through.
func TestARNViolations(t *testing.T) {
	tests := []struct {
		name, src string
		bad       bool
	}{
		{"iam concatenation", `s := "arn:aws:iam::" + acct + ":root"`, true},
		{"lambda concatenation", `s := "arn:aws:lambda:" + r + ":" + a + ":function:" + n`, true},
		{"fragment only", `s := prefix + ":function:" + n`, true},
		{"session", `s := base + ":assumed-role/" + r + "/" + s`, true},
		{"sprintf", `s := fmt.Sprintf("arn:aws:iam::%s:user/%s", a, n)`, true},
		{"sprintf partition", `s := fmt.Sprintf("arn:%s:iam::%s:root", p, a)`, true},
		{"builder", `b.WriteString("arn:aws:execute-api:")`, true},
		{"append", `b = append(b, "arn:aws:sts::"...)`, true},
		{"root", `s := "arn:aws:iam::" + a + ":root"`, true},
		{"root suffix", `s := prefix + a + ":root"`, true},
		{"passwd line", `s := "root:x:0:0:root:/root:/sbin/nologin\n" + rest`, false},
		{"split", `p := strings.Split(arn, ":")`, true},
		{"splitn", `p := strings.SplitN(arn, ":", 6)`, true},
		{"documentation text", "s := \"authorized on \" +\n\"`arn:aws:execute-api:REGION:ACCOUNT:API_ID/STAGE/METHOD/PATH`.\"", false},
		{"literal then value", `s := "arn:aws:" + "iam::" + acct`, true},
		{"prefix test", `ok := strings.HasPrefix(s, "arn:")`, false},
		{"comparison", `ok := s[:4] == "arn:"`, false},
		{"split on slash", `p := strings.Split(path, "/")`, false},
		{"message", `err := fmt.Errorf("ARN %s is not valid", s)`, false},
		{"pattern text", `err := errors.New("Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?")`, false},
		{"constructor", `s := arn.Function(r, a, n)`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := "package p\nimport (\n\"fmt\"\n\"strings\"\n)\nvar _ = fmt.Sprint\nvar _ = strings.Split\nfunc f() {\n" + tt.src + "\n}\n"
			fset := token.NewFileSet()
			f, err := parser.ParseFile(fset, "p.go", src, parser.SkipObjectResolution)
			if err != nil {
				t.Fatal(err)
			}
			got := arnViolations(fset, f)
			if (len(got) > 0) != tt.bad {
				t.Errorf("got violations %q, want bad=%v", got, tt.bad)
			}
		})
	}
}
