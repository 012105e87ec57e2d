package awsmodel

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFirstSentence(t *testing.T) {
	tests := []struct{ doc, want string }{
		{"<p>Creates a new role for your account.</p> <p>For more information, see IAM.</p>", "Creates a new role for your account."},
		{"<p>Invokes a function. By default (i.e. the <code>RequestResponse</code> type) it waits.</p>", "Invokes a function."},
		{"<p>Uses a default, e.g. the <code>$LATEST</code> version.</p>", "Uses a default, e.g. the $LATEST version."},
		{"<p><note> <p>Use <a>Invoke</a>.</p> </note> <p>Invokes a function asynchronously.</p></p>", "Invokes a function asynchronously."},
		{"<note><p>Only a note.</p></note>", "Only a note."},
		{"<p>Quotes &quot;x&quot; &amp; y</p>", `Quotes "x" & y`},
		{"", ""},
	}
	for _, tt := range tests {
		if got := FirstSentence(tt.doc); got != tt.want {
			t.Errorf("FirstSentence(%q) = %q, want %q", tt.doc, got, tt.want)
		}
	}
}

func TestFromBotocore(t *testing.T) {
	raw := `{"metadata":{"apiVersion":"2015-03-31","protocol":"rest-json","serviceId":"Lambda","serviceFullName":"AWS Lambda"},
	"operations":{
	 "Invoke":{"name":"Invoke","http":{"method":"POST","requestUri":"/2015-03-31/functions/{FunctionName}/invocations"},"documentation":"<p>Invokes a Lambda function.</p>"},
	 "InvokeAsync":{"name":"InvokeAsync","http":{"method":"POST","requestUri":"/2014-11-13/functions/{FunctionName}/invoke-async"},"deprecated":true},
	 "AddPermission":{"name":"AddPermission","http":{"method":"POST","requestUri":"/2015-03-31/functions/{FunctionName}/policy"}}}}`
	m, err := FromBotocore("lambda", []byte(raw), "1.2.3", "botocore/data/lambda/2015-03-31/service-2.json.gz")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, op := range m.Operations {
		names = append(names, op.Name)
	}
	if got := strings.Join(names, ","); got != "AddPermission,Invoke,InvokeAsync" {
		t.Errorf("operations = %s, want sorted", got)
	}
	if !m.IsREST() || m.OperationCount != 3 || m.Botocore != "1.2.3" || m.FullName != "AWS Lambda" {
		t.Errorf("model = %+v", m)
	}
	if op := m.Operation("InvokeAsync"); op == nil || !op.Deprecated {
		t.Errorf("InvokeAsync = %+v, want deprecated", op)
	}
	if op := m.Operation("Invoke"); op == nil || op.Summary != "Invokes a Lambda function." || op.Method != "POST" {
		t.Errorf("Invoke = %+v", op)
	}
	if m.Has("InvokeFunction") {
		t.Error("Has(InvokeFunction) = true")
	}

	// What Marshal writes, Load reads back unchanged.
	dir := t.TempDir()
	b, err := m.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, Dir), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, Dir, "lambda.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	back, err := Load(dir, "lambda")
	if err != nil {
		t.Fatal(err)
	}
	b2, _ := back.Marshal()
	if string(b) != string(b2) {
		t.Errorf("round trip differs:\n%s\n%s", b, b2)
	}

	for _, bad := range []string{`{}`, `{"metadata":{"protocol":"query"},"operations":{}}`, `not json`,
		`{"metadata":{"protocol":"query"},"operations":{"A":{"name":"B"}}}`} {
		if _, err := FromBotocore("x", []byte(bad), "", "src"); err == nil {
			t.Errorf("FromBotocore(%s): no error", bad)
		}
	}
}

func TestLoadRejects(t *testing.T) {
	tests := []struct{ name, body string }{
		{"wrong service", `{"service":"iam","operationCount":1,"operations":[{"name":"A","method":"POST","requestUri":"/"}]}`},
		{"count mismatch", `{"service":"sts","operationCount":2,"operations":[{"name":"A","method":"POST","requestUri":"/"}]}`},
		{"unsorted", `{"service":"sts","operationCount":2,"operations":[{"name":"B","method":"POST","requestUri":"/"},{"name":"A","method":"POST","requestUri":"/"}]}`},
		{"duplicate", `{"service":"sts","operationCount":2,"operations":[{"name":"A","method":"POST","requestUri":"/"},{"name":"A","method":"POST","requestUri":"/"}]}`},
		{"incomplete", `{"service":"sts","operationCount":1,"operations":[{"name":"A"}]}`},
		{"unknown field", `{"service":"sts","operationCount":1,"bogus":1,"operations":[{"name":"A","method":"POST","requestUri":"/"}]}`},
		{"empty", `{"service":"sts","operationCount":0,"operations":[]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.MkdirAll(filepath.Join(dir, Dir), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, Dir, "sts.json"), []byte(tt.body), 0o644); err != nil {
				t.Fatal(err)
			}
			if _, err := Load(dir, "sts"); err == nil {
				t.Error("Load: no error")
			}
		})
	}
}

// TestCommittedModels: the committed files load, and their HTTP bindings
// are what their protocol implies.
func TestCommittedModels(t *testing.T) {
	for _, s := range Services {
		m, err := Load("../../..", s)
		if err != nil {
			t.Fatal(err)
		}
		if m.Botocore == "" || m.APIVersion == "" || !strings.HasPrefix(m.Source, "botocore/data/"+s+"/") {
			t.Errorf("%s: provenance missing: botocore %q api %q source %q", s, m.Botocore, m.APIVersion, m.Source)
		}
		for _, op := range m.Operations {
			switch {
			case m.IsREST() && !strings.HasPrefix(op.RequestURI, "/"):
				t.Errorf("%s %s: request URI %q", s, op.Name, op.RequestURI)
			case !m.IsREST() && (op.Method != "POST" || op.RequestURI != "/"):
				t.Errorf("%s %s: %s %s for a %s operation", s, op.Name, op.Method, op.RequestURI, m.Protocol)
			}
		}
	}
}
