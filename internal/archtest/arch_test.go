package archtest

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

const module = "github.com/gatehouse-dev/gatehouse/"

// layer ranks packages: a package may import only packages of a lower
// layer (or its own sub-packages' layer for store backends). Pure
// vocabulary at the bottom, wiring and commands at the top.
var layer = map[string]int{
	"internal/arn":     0,
	"internal/awserr":  0,
	"internal/config":  0,
	"internal/metrics": 0,
	"internal/store":   0,
	// Committed AWS service models (doc/aws-models): data, no imports.
	"internal/tools/awsmodel": 0,
	// Tests' golden files (compare or -update): imported by services'
	// in-package tests, so it imports no gatehouse package.
	"internal/golden": 0,

	"internal/policy":   1,
	"internal/sigv4":    1,
	"internal/reqbody":  1,
	"internal/awsproto": 1,
	// The writers' queue both SQL backends share, below them.
	"internal/store/groupcommit": 1,
	// CloudFormation templates as plain values (YAML short tags expanded)
	// and the SAM transform over them: pure, no servers or storage.
	"internal/cfn/tmpl":       1,
	"internal/cfn/sam":        2,
	"internal/lambda/runtime": 1,
	"pkg/sigv4client":         1,

	"internal/authn":      2,
	"internal/clientcall": 2,

	"internal/store/sqlite":    2,
	"internal/store/postgres":  2,
	"internal/store/storetest": 2,

	// The shared request pipeline: between authentication and the
	// services, and below iam, which it asks through an interface.
	"internal/pipeline": 3,

	"internal/iam": 4,
	"internal/sts": 5,

	"internal/apigw": 6,
	// S3 and Parameter Store: services over the pipeline and the store,
	// beside API Gateway; CloudFormation calls them over HTTP, never
	// imports them.
	"internal/s3":      6,
	"internal/ssm":     6,
	"internal/ecr":     6,
	"internal/gateway": 7,
	// Velocity mapping templates: pure, used by the gateway.
	"internal/vtl":     2,
	"internal/lambda":  7,
	"internal/server":  7,
	"internal/callers": 7,
	// CloudFormation: its providers call IAM, Lambda and API Gateway
	// over HTTP with the SDK, never their packages; it sits beside them.
	"internal/cfn": 7,
	// gatehouse deploy / stacks / delete: a client of the CloudFormation
	// API over HTTP (it sends operations, never serves them).
	"internal/cfn/deploy": 7,

	"internal/app":           8,
	"internal/gatehousetest": 9,
	"internal/cli":           9,
	"cmd/gatehouse":          10,
	"internal/tools":         10, // developer tools (the test summary, doc/operations.md)
}

// pure packages know nothing of servers or storage (DESIGN.md).
var pure = map[string][]string{
	"internal/policy": {"net/http", "database/sql"},
	"internal/sigv4":  {"database/sql"},
	"internal/arn":    {"net/http", "database/sql"},
	"internal/golden": {"net/http", "database/sql"},
}

type pkg struct {
	ImportPath string
	Imports    []string
	Doc        string
	Name       string
	GoFiles    []string
	Dir        string
}

func listPackages(t *testing.T) []pkg {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..", "..")
	cmd := exec.Command("go", "list", "-json", "./...")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var pkgs []pkg
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for dec.More() {
		var p pkg
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		p.ImportPath = strings.TrimPrefix(p.ImportPath, module)
		pkgs = append(pkgs, p)
	}
	return pkgs
}

func rankOf(path string) (int, bool) {
	for p := path; p != "." && p != ""; p = filepath.Dir(p) {
		if r, ok := layer[p]; ok {
			return r, true
		}
	}
	return 0, false
}

func TestImportsPointDown(t *testing.T) {
	for _, p := range listPackages(t) {
		// Examples, benchmarks and whole-system tests sit outside the layers:
		// they may use anything, and nothing uses them.
		top := strings.SplitN(p.ImportPath, "/", 2)[0]
		if top == "examples" || top == "bench" || top == "test" || p.ImportPath == "internal/archtest" {
			continue
		}
		r, ok := rankOf(p.ImportPath)
		if !ok {
			t.Errorf("%s has no layer: add it to the table in arch_test.go", p.ImportPath)
			continue
		}
		for _, imp := range p.Imports {
			if !strings.HasPrefix(imp, module) {
				for _, banned := range pure[p.ImportPath] {
					if imp == banned {
						t.Errorf("%s must stay pure but imports %s", p.ImportPath, imp)
					}
				}
				continue
			}
			imp = strings.TrimPrefix(imp, module)
			ir, ok := rankOf(imp)
			if !ok {
				continue // reported as its own package
			}
			if strings.HasPrefix(imp, p.ImportPath+"/") {
				continue // a package may use its own sub-packages
			}
			if ir >= r {
				t.Errorf("%s (layer %d) imports %s (layer %d): imports must point down", p.ImportPath, r, imp, ir)
			}
		}
	}
}

func TestEveryPackageHasADocComment(t *testing.T) {
	for _, p := range listPackages(t) {
		if len(p.GoFiles) == 0 {
			continue
		}
		if p.Name == "main" {
			if !strings.HasPrefix(p.Doc, "Command ") && !strings.HasPrefix(p.Doc, "Program ") {
				if p.Doc == "" {
					t.Errorf("%s: command has no doc comment", p.ImportPath)
				}
			}
			continue
		}
		if !strings.HasPrefix(p.Doc, "Package "+p.Name+" ") {
			t.Errorf("%s: package doc should start %q, got %q", p.ImportPath, "Package "+p.Name+" ", p.Doc)
		}
	}
}
