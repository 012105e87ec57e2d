package vtl

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/golden"
)

// corpusCase reads NAME.json: {"base": file, "json": output must be JSON,
// "body": JSON value or string, "bodyFile": file, "path"/"querystring"/
// "header"/"context"/"stageVariables": objects (merged over the base)}.
func corpusCase(t *testing.T, dir, name string) (Vars, bool) {
	t.Helper()
	load := func(file string) *Map {
		b, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil {
			t.Fatal(err)
		}
		v, err := ParseJSON(b)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		return v.(*Map)
	}
	spec := load(name + ".json")
	merged := NewMap()
	if base, ok := spec.Get("base"); ok {
		b := load(base.(string))
		for _, k := range b.Keys() {
			v, _ := b.Get(k)
			merged.Set(k, v)
		}
	}
	for _, k := range spec.Keys() {
		v, _ := spec.Get(k)
		if old, ok := merged.Get(k); ok {
			if om, ok := old.(*Map); ok {
				if nm, ok := v.(*Map); ok {
					for _, kk := range nm.Keys() {
						vv, _ := nm.Get(kk)
						om.Set(kk, vv)
					}
					continue
				}
			}
		}
		merged.Set(k, v)
	}
	get := func(k string) *Map {
		if v, ok := merged.Get(k); ok {
			if m, ok := v.(*Map); ok {
				return m
			}
		}
		return NewMap()
	}
	in := &Input{Path: get("path"), QueryString: get("querystring"), Header: get("header")}
	if f, ok := merged.Get("bodyFile"); ok {
		b, err := os.ReadFile(filepath.Join(dir, f.(string)))
		if err != nil {
			t.Fatal(err)
		}
		in.Body = b
	} else if body, ok := merged.Get("body"); ok {
		if s, ok := body.(string); ok {
			in.Body = []byte(s)
		} else {
			var b strings.Builder
			toJSON(&b, body, 0)
			in.Body = []byte(b.String())
		}
	}
	isJSON, _ := merged.Get("json")
	return Vars{Input: in, Context: get("context"), StageVariables: get("stageVariables")}, isJSON == true
}

// TestCorpus renders AWS documentation mapping templates (the photos
// example, the PetStore templates, the console's "Method Request
// passthrough", $input.params() dumps, overrides) against golden files.
func TestCorpus(t *testing.T) {
	dir := filepath.Join("testdata", "corpus")
	files, err := filepath.Glob(filepath.Join(dir, "*.vtl"))
	if err != nil || len(files) == 0 {
		t.Fatal("no corpus", err)
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".vtl")
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			tm, err := Parse(string(src))
			if err != nil {
				t.Fatal(err)
			}
			vars, isJSON := corpusCase(t, dir, name)
			out, err := tm.Render(vars, DefaultLimits)
			if err != nil {
				t.Fatal(err)
			}
			// $util.escapeJavaScript turns ' into \' which JSON does not
			// allow (AWS documents this); the rest must be JSON.
			if isJSON && !json.Valid([]byte(strings.ReplaceAll(out, `\'`, "'"))) {
				t.Errorf("output is not JSON:\n%s", out)
			}
			// NAME.expect.json: the output AWS documents for the example,
			// compared as JSON.
			if want, err := os.ReadFile(filepath.Join(dir, name+".expect.json")); err == nil {
				var a, b any
				if err := json.Unmarshal([]byte(out), &a); err != nil {
					t.Fatalf("output is not JSON: %v\n%s", err, out)
				}
				if err := json.Unmarshal(want, &b); err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(a, b) {
					t.Errorf("output differs from AWS's documented output:\n%s", out)
				}
			}
			golden.Check(t, filepath.Join(dir, name+".golden"), out)
		})
	}
}
