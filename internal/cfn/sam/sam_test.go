package sam_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/cfn/sam"
	"github.com/gatehouse-dev/gatehouse/internal/cfn/tmpl"
)

// localCode is a CodeUri naming a local directory (what `gatehouse
// deploy` packs): the translator only takes S3 URIs, so the comparison
// gives both sides the same S3 URI instead.
var localCode = regexp.MustCompile(`(?m)^(\s*CodeUri:\s*)\./\S*$`)

// hashes are what the comparison ignores: the deployment's logical-id
// hash and the full hash in its description.
var (
	depID   = regexp.MustCompile(`Deployment[0-9a-f]{10}\b`)
	depHash = regexp.MustCompile(`RestApi deployment id: [0-9a-f]{40}`)
)

func normalize(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	s := depID.ReplaceAllString(string(b), "DeploymentHASH")
	s = depHash.ReplaceAllString(s, "RestApi deployment id: HASH")
	var out any
	if err := json.Unmarshal([]byte(s), &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestTransformMatchesTranslator expands each template under testdata with
// gatehouse's transform and with aws-sam-translator (skipped where the
// Python package is absent) and compares them up to deployment hashes.
func TestTransformMatchesTranslator(t *testing.T) {
	if err := exec.Command("python3", "-c", "import samtranslator").Run(); err != nil {
		t.Skip("aws-sam-translator (python3 samtranslator) not installed")
	}
	files, _ := filepath.Glob("testdata/*.yaml")
	if len(files) < 4 {
		t.Fatalf("corpus has %d templates", len(files))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			body := localCode.ReplaceAllString(string(raw), "${1}s3://artifacts/code.zip")
			in, err := tmpl.Parse([]byte(body))
			if err != nil {
				t.Fatal(err)
			}
			got, err := sam.Transform(in)
			if err != nil {
				t.Fatalf("gatehouse: %v", err)
			}
			cmd := exec.Command("python3", "testdata/translate.py")
			cmd.Stdin = strings.NewReader(body)
			cmd.Env = append(os.Environ(), "AWS_DEFAULT_REGION=us-east-1")
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("translator: %v", err)
			}
			var want map[string]any
			if err := json.Unmarshal(out, &want); err != nil {
				t.Fatal(err)
			}
			if e, ok := want["error"]; ok {
				t.Fatalf("translator refused the template: %v", e)
			}
			g, w := normalize(t, got), normalize(t, want)
			if !reflect.DeepEqual(g, w) {
				gb, _ := json.MarshalIndent(g, "", " ")
				wb, _ := json.MarshalIndent(w, "", " ")
				t.Errorf("gatehouse:\n%s\ntranslator:\n%s", gb, wb)
			}
		})
	}
}
