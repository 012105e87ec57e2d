package archtest

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// xmlWriter is the one package that writes XML (issue #12 item 15: a
// request id echoed into hand-built XML broke the document). Everything
// else hands results to it: XMLResult implementations call its escaping
// writer, other results are marshalled by encoding/xml inside it.
const xmlWriter = "internal/awsproto"

// xmlDecoding is what product code outside awsproto may use of
// encoding/xml: reading AWS responses (the CLI's clients), never writing.
var xmlDecoding = map[string]bool{
	"Unmarshal": true, "NewDecoder": true, "NewTokenDecoder": true, "Decoder": true, "TokenReader": true,
	"Token": true, "StartElement": true, "EndElement": true, "CharData": true, "Name": true, "Attr": true,
	"Unmarshaler": true, "UnmarshalerAttr": true, "SyntaxError": true, "UnmarshalError": true, "TagPathError": true,
}

// markup are pieces of XML that only a hand-built document contains:
// closing and self-closing tags, declarations, comments, CDATA, format
// verbs inside a tag, and entity references (hand-rolled escaping).
var markup = []string{"</", "/>", "<?", "<!", "<%", "&lt;", "&gt;", "&amp;", "&quot;", "&apos;", "&#"}

// readsXML are files whose markup-like literals read or name markup
// rather than write XML, each with the reason.
var readsXML = map[string]string{
	"internal/sts/samlassert.go":        "refuses a SAML response with a DOCTYPE or ENTITY (reading)",
	"internal/sts/samltest/samltest.go": "a test identity provider's signed SAML response (test fixture, not a gatehouse answer)",
	"internal/vtl/parse.go":             "Velocity's comparison operators",
	"internal/cfn/ssmparams.go":         "CloudFormation parameter type names (AWS::SSM::Parameter::Value<List<String>>)",
}

// TestOnlyAWSProtoWritesXML: no product package but awsproto builds XML
// text or uses encoding/xml's writing side.
func TestOnlyAWSProtoWritesXML(t *testing.T) {
	for _, p := range listPackages(t) {
		top := strings.SplitN(p.ImportPath, "/", 2)[0]
		if p.ImportPath == xmlWriter || p.ImportPath == "internal/archtest" || top != "internal" && top != "cmd" && top != "pkg" {
			continue
		}
		for _, name := range p.GoFiles {
			if _, ok := readsXML[p.ImportPath+"/"+name]; ok {
				continue
			}
			path := filepath.Join(p.Dir, name)
			fset := token.NewFileSet()
			f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range xmlViolations(fset, f) {
				t.Errorf("%s: XML is written only by %s (XMLWriter, XMLResult, WriteQuery)", v, xmlWriter)
			}
		}
	}
}

// xmlViolations lists the places in f that write XML.
func xmlViolations(fset *token.FileSet, f *ast.File) []string {
	var out []string
	report := func(n ast.Node, what string) {
		out = append(out, fset.Position(n.Pos()).String()+": "+what)
	}
	xmlName := ""
	for _, imp := range f.Imports {
		if imp.Path.Value == `"encoding/xml"` {
			xmlName = "xml"
			if imp.Name != nil {
				xmlName = imp.Name.Name
			}
			if xmlName == "_" || xmlName == "." {
				report(imp, "encoding/xml imported as "+xmlName)
			}
		}
	}
	var stack []ast.Node
	ast.Inspect(f, func(n ast.Node) bool {
		if n == nil {
			stack = stack[:len(stack)-1]
			return true
		}
		parent := ast.Node(nil)
		if len(stack) > 0 {
			parent = stack[len(stack)-1]
		}
		stack = append(stack, n)
		switch n := n.(type) {
		case *ast.SelectorExpr:
			if id, ok := n.X.(*ast.Ident); ok && xmlName != "" && id.Name == xmlName && !xmlDecoding[n.Sel.Name] {
				report(n, "uses "+xmlName+"."+n.Sel.Name)
			}
		case *ast.FuncDecl:
			if n.Recv != nil && (n.Name.Name == "MarshalXML" || n.Name.Name == "MarshalXMLAttr") {
				report(n, "declares "+n.Name.Name)
			}
		case *ast.Field:
			if n.Tag != nil {
				if tag, err := strconv.Unquote(n.Tag.Value); err == nil && strings.Contains(reflect.StructTag(tag).Get("xml"), "innerxml") {
					report(n, "an innerxml field is written unescaped")
				}
			}
		case *ast.BasicLit:
			if n.Kind != token.STRING && n.Kind != token.CHAR {
				break
			}
			s, err := strconv.Unquote(n.Value)
			if err != nil {
				break
			}
			for _, m := range markup {
				if strings.Contains(s, m) {
					report(n, "a literal holds markup "+strconv.Quote(m))
				}
			}
			// "<" + name + ">" and WriteByte('<'): a tag being built.
			if strings.HasSuffix(s, "<") && !isComparison(parent) {
				report(n, "a literal ends with \"<\" outside a comparison")
			}
		}
		return true
	})
	return out
}

// isComparison reports whether n compares values (c == '<', case '<':).
func isComparison(n ast.Node) bool {
	switch n := n.(type) {
	case *ast.BinaryExpr:
		switch n.Op {
		case token.EQL, token.NEQ, token.LSS, token.GTR, token.LEQ, token.GEQ:
			return true
		}
	case *ast.CaseClause:
		return true
	}
	return false
}

// TestXMLViolations: the check catches the ways XML was and could be
// built outside awsproto, and lets decoding and ordinary text through.
func TestXMLViolations(t *testing.T) {
	tests := []struct {
		name, src string
		bad       bool
	}{
		{"tag concatenation", `b.WriteString("<" + op + "Response>")`, true},
		{"closing tag", `b.WriteString("</RequestId>")`, true},
		{"rune", `b.WriteByte('<')`, true},
		{"newline then tag", `s := "\n<" + op`, true},
		{"printf tag", `fmt.Fprintf(w, "<%s>", name)`, true},
		{"declaration", "s := `<?xml version=\"1.0\"?>`", true},
		{"hand escaping", `s = strings.ReplaceAll(s, "&", "&amp;")`, true},
		{"self-closing", `s := "<x/>"`, true},
		{"encoder", `e := xml.NewEncoder(w)`, true},
		{"marshal", `b, _ := xml.Marshal(v)`, true},
		{"escape", `xml.EscapeText(w, b)`, true},
		{"renamed import", `e := enc.NewEncoder(w)`, true},
		{"comparison", `ok := b[0] == '<'`, false},
		{"switch case", "switch c { case '<': }", false},
		{"decoding", `err := xml.Unmarshal(b, &v); d := xml.NewDecoder(r); _ = xml.StartElement{}`, false},
		{"usage text", `s := "run gatehouse <command> --help"`, false},
		{"less-than", `ok := a < b`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			imp := `"encoding/xml"`
			if tt.name == "renamed import" {
				imp = `enc "encoding/xml"`
			}
			src := "package p\nimport " + imp + "\nvar _ = xml.Unmarshal\nfunc f() {\n" + tt.src + "\n}\n"
			if tt.name == "renamed import" {
				src = strings.Replace(src, "var _ = xml.Unmarshal", "var _ = enc.Unmarshal", 1)
			}
			fset := token.NewFileSet()
			f, err := parser.ParseFile(fset, "p.go", src, parser.SkipObjectResolution)
			if err != nil {
				t.Fatal(err)
			}
			got := xmlViolations(fset, f)
			if (len(got) > 0) != tt.bad {
				t.Errorf("got violations %q, want bad=%v", got, tt.bad)
			}
		})
	}
	t.Run("MarshalXML method", func(t *testing.T) {
		src := "package p\nfunc (r T) MarshalXML() error { return nil }\n"
		fset := token.NewFileSet()
		f, _ := parser.ParseFile(fset, "p.go", src, 0)
		if got := xmlViolations(fset, f); len(got) != 1 {
			t.Errorf("got %q, want one violation", got)
		}
	})
	t.Run("innerxml tag", func(t *testing.T) {
		src := "package p\ntype T struct { Raw string `xml:\",innerxml\"` }\n"
		fset := token.NewFileSet()
		f, _ := parser.ParseFile(fset, "p.go", src, 0)
		if got := xmlViolations(fset, f); len(got) != 1 {
			t.Errorf("got %q, want one violation", got)
		}
	})
}
