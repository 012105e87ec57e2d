// Command opsdoc writes doc/operations.md: every operation of each AWS
// service model gatehouse serves (the committed doc/aws-models files),
// whether gatehouse implements it (the operations its services register,
// app.Operations), and the IAM action a policy names to allow it.
//
//	go generate ./internal/tools/opsdoc   (or: make doc)
//	go run ./internal/tools/opsdoc -extract [-botocore DIR]   (or: make ops-models)
//
// -extract first re-extracts doc/aws-models from the botocore installed on
// this machine (located through python3 unless -botocore names its
// package directory), then writes the document. Nothing else reads
// botocore: the tests use the committed files.
package main

//go:generate go run . -root ../../..

import (
	"bytes"
	"compress/gzip"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/app"
	"github.com/gatehouse-dev/gatehouse/internal/tools/awsmodel"
)

// DocPath is the generated document, relative to the repository root.
const DocPath = "doc/operations.md"

func main() {
	root := flag.String("root", ".", "repository root")
	extract := flag.Bool("extract", false, "re-extract doc/aws-models from botocore first")
	botocore := flag.String("botocore", "", "botocore package directory (default: ask python3)")
	flag.Parse()
	if err := run(*root, *extract, *botocore); err != nil {
		fmt.Fprintln(os.Stderr, "opsdoc:", err)
		os.Exit(1)
	}
}

func run(root string, extract bool, botocore string) error {
	if extract {
		if err := extractModels(root, botocore); err != nil {
			return err
		}
	}
	models, err := loadModels(root)
	if err != nil {
		return err
	}
	out, err := Render(models, app.Operations())
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(root, DocPath), out, 0o644)
}

func loadModels(root string) (map[string]*awsmodel.Model, error) {
	models := map[string]*awsmodel.Model{}
	for _, s := range awsmodel.Services {
		m, err := awsmodel.Load(root, s)
		if err != nil {
			return nil, err
		}
		models[s] = m
	}
	return models, nil
}

// extractModels writes doc/aws-models/<service>.json from botocore's
// newest model of each service.
func extractModels(root, dir string) error {
	version := ""
	if dir == "" {
		out, err := exec.Command("python3", "-c",
			"import botocore,os;print(botocore.__version__);print(os.path.dirname(botocore.__file__))").Output()
		if err != nil {
			return fmt.Errorf("locating botocore with python3 (or pass -botocore DIR): %w", err)
		}
		lines := strings.Fields(string(out))
		if len(lines) != 2 {
			return fmt.Errorf("locating botocore: unexpected python3 output %q", out)
		}
		version, dir = lines[0], lines[1]
	} else {
		v, err := botocoreVersion(dir)
		if err != nil {
			return err
		}
		version = v
	}
	for _, s := range awsmodel.Services {
		rel, raw, err := readBotocoreModel(dir, s)
		if err != nil {
			return err
		}
		m, err := awsmodel.FromBotocore(s, raw, version, "botocore/"+rel)
		if err != nil {
			return err
		}
		b, err := m.Marshal()
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(root, awsmodel.Dir, s+".json"), b, 0o644); err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "%s: %d operations from botocore %s %s\n", s, len(m.Operations), version, rel)
	}
	return nil
}

var versionRE = regexp.MustCompile(`(?m)^__version__ = ['"]([^'"]+)['"]`)

func botocoreVersion(dir string) (string, error) {
	b, err := os.ReadFile(filepath.Join(dir, "__init__.py"))
	if err != nil {
		return "", fmt.Errorf("reading botocore version: %w", err)
	}
	m := versionRE.FindSubmatch(b)
	if m == nil {
		return "", errors.New("no __version__ in " + filepath.Join(dir, "__init__.py"))
	}
	return string(m[1]), nil
}

// readBotocoreModel returns the newest API version's service-2.json of
// service (botocore keeps older API versions, e.g. Lambda's 2014-11-11,
// beside the current one; the directories are dates, so the greatest
// name is the newest), gzipped or not.
func readBotocoreModel(dir, service string) (string, []byte, error) {
	versions, err := os.ReadDir(filepath.Join(dir, "data", service))
	if err != nil {
		return "", nil, err
	}
	var names []string
	for _, v := range versions {
		if v.IsDir() {
			names = append(names, v.Name())
		}
	}
	sort.Sort(sort.Reverse(sort.StringSlice(names)))
	for _, v := range names {
		rel := filepath.Join("data", service, v, "service-2.json")
		if b, err := os.ReadFile(filepath.Join(dir, rel)); err == nil {
			return rel, b, nil
		}
		f, err := os.Open(filepath.Join(dir, rel+".gz"))
		if err != nil {
			continue
		}
		defer f.Close()
		zr, err := gzip.NewReader(f)
		if err != nil {
			return "", nil, fmt.Errorf("%s.gz: %w", rel, err)
		}
		var buf bytes.Buffer
		if _, err := io.Copy(&buf, zr); err != nil {
			return "", nil, fmt.Errorf("%s.gz: %w", rel, err)
		}
		return rel + ".gz", buf.Bytes(), nil
	}
	return "", nil, fmt.Errorf("no service-2.json for %s under %s", service, dir)
}
