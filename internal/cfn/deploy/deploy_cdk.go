package deploy

// `gatehouse deploy` of a CDK cloud assembly (the cdk.out directory `cdk
// synth` writes): the stack's template with its file assets inlined
// instead of published to the bootstrap bucket, so no `cdk bootstrap` and
// no S3 are needed.

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/cfn/tmpl"
)

// isAssembly reports whether dir is a CDK cloud assembly.
func isAssembly(dir string) bool {
	fi, err := os.Stat(filepath.Join(dir, "manifest.json"))
	return err == nil && fi.Mode().IsRegular()
}

type assemblyArtifact struct {
	Type         string          `json:"type"`
	Properties   json.RawMessage `json:"properties"`
	Dependencies []string        `json:"dependencies"`
}

// maxAssemblyFile bounds what is read of the assembly's JSON files.
const maxAssemblyFile = 64 << 20

func readAssemblyJSON(path string, v any) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	if fi.Size() > maxAssemblyFile {
		return fmt.Errorf("%s is larger than %d bytes", path, maxAssemblyFile)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// inside resolves a path of the assembly, refusing one outside dir.
func inside(dir, rel string) (string, error) {
	p := filepath.Join(dir, rel)
	if r, err := filepath.Rel(dir, p); err != nil || r == ".." || strings.HasPrefix(r, ".."+string(filepath.Separator)) || filepath.IsAbs(rel) {
		return "", fmt.Errorf("assembly path %q is outside %s", rel, dir)
	}
	return p, nil
}

// packageAssembly returns the template of the assembly's stack named want
// (its artifact id or stack name; "" when the assembly has one stack)
// with every Lambda function's Code that names a file asset replaced by
// the asset, zipped inline, and the CDK's bootstrap version check (the
// BootstrapVersion SSM parameter and the rule on it) left out; and the
// stack's name. A template that still refers to an asset bucket after
// that (assets of other resource types) is refused.
func packageAssembly(dir, want string) (body, name string, err error) {
	var manifest struct {
		Artifacts map[string]assemblyArtifact `json:"artifacts"`
	}
	if err := readAssemblyJSON(filepath.Join(dir, "manifest.json"), &manifest); err != nil {
		return "", "", err
	}
	type stackProps struct {
		TemplateFile string `json:"templateFile"`
		StackName    string `json:"stackName"`
	}
	var ids []string
	props := map[string]stackProps{}
	for id, a := range manifest.Artifacts {
		if a.Type != "aws:cloudformation:stack" {
			continue
		}
		var p stackProps
		if err := json.Unmarshal(a.Properties, &p); err != nil || p.TemplateFile == "" {
			return "", "", fmt.Errorf("manifest.json: stack %s has no templateFile", id)
		}
		if p.StackName == "" {
			p.StackName = id
		}
		props[id] = p
		ids = append(ids, id)
	}
	sort.Strings(ids)
	id := ""
	for _, k := range ids {
		if want != "" && (k == want || props[k].StackName == want) || want == "" && len(ids) == 1 {
			id = k
		}
	}
	if id == "" {
		if want == "" {
			return "", "", fmt.Errorf("the assembly holds %d stacks (%s): choose one with --stack-name", len(ids), strings.Join(ids, ", "))
		}
		return "", "", fmt.Errorf("the assembly has no stack %s (it has %s)", want, strings.Join(ids, ", "))
	}
	tplPath, err := inside(dir, props[id].TemplateFile)
	if err != nil {
		return "", "", err
	}
	var tpl map[string]any
	if err := readAssemblyJSON(tplPath, &tpl); err != nil {
		return "", "", err
	}

	// The file assets of the stack's asset manifests, by destination.
	type dest struct{ bucket, key string }
	assets := map[dest]string{}
	buckets := map[string]bool{}
	var versionParam string
	for _, dep := range manifest.Artifacts[id].Dependencies {
		a, ok := manifest.Artifacts[dep]
		if !ok || a.Type != "cdk:asset-manifest" {
			continue
		}
		var ap struct {
			File         string `json:"file"`
			VersionParam string `json:"bootstrapStackVersionSsmParameter"`
		}
		if err := json.Unmarshal(a.Properties, &ap); err != nil {
			return "", "", fmt.Errorf("manifest.json: %s: %w", dep, err)
		}
		if ap.VersionParam != "" {
			versionParam = ap.VersionParam
		}
		p, err := inside(dir, ap.File)
		if err != nil {
			return "", "", err
		}
		var am struct {
			Files map[string]struct {
				Source struct {
					Path      string `json:"path"`
					Packaging string `json:"packaging"`
				} `json:"source"`
				Destinations map[string]struct {
					BucketName string `json:"bucketName"`
					ObjectKey  string `json:"objectKey"`
				} `json:"destinations"`
			} `json:"files"`
		}
		if err := readAssemblyJSON(p, &am); err != nil {
			return "", "", err
		}
		for _, f := range am.Files {
			src, err := inside(dir, f.Source.Path)
			if err != nil {
				return "", "", err
			}
			if f.Source.Packaging != "zip" && f.Source.Packaging != "file" {
				continue
			}
			for _, d := range f.Destinations {
				assets[dest{d.BucketName, d.ObjectKey}] = src
				buckets[d.BucketName] = true
			}
		}
	}

	res, _ := tpl["Resources"].(map[string]any)
	for _, rid := range slices.Sorted(maps.Keys(res)) {
		m, _ := res[rid].(map[string]any)
		if m["Type"] != "AWS::Lambda::Function" {
			continue
		}
		p, _ := m["Properties"].(map[string]any)
		code, _ := p["Code"].(map[string]any)
		key, _ := code["S3Key"].(string)
		bucket := ""
		switch b := code["S3Bucket"].(type) {
		case string:
			bucket = b
		case map[string]any:
			bucket, _ = b["Fn::Sub"].(string)
		}
		src, ok := assets[dest{bucket, key}]
		if !ok {
			continue
		}
		var z []byte
		if fi, err := os.Stat(src); err == nil && !fi.IsDir() && strings.HasSuffix(src, ".zip") {
			z, err = os.ReadFile(src)
			if err != nil {
				return "", "", err
			}
		} else if z, err = zipPath(src); err != nil {
			return "", "", fmt.Errorf("resource %s: %w", rid, err)
		}
		p["Code"] = map[string]any{"ZipBase64": base64.StdEncoding.EncodeToString(z)}
	}

	// The bootstrap version check reads an SSM parameter `cdk bootstrap`
	// writes; deploying without the bootstrap stack, it has no object.
	if params, _ := tpl["Parameters"].(map[string]any); params != nil && versionParam != "" {
		for pid, v := range params {
			if pm, _ := v.(map[string]any); pm != nil && pm["Default"] == versionParam {
				delete(params, pid)
				if rules, _ := tpl["Rules"].(map[string]any); rules != nil {
					for rid, r := range rules {
						b, _ := json.Marshal(r)
						if strings.Contains(string(b), `{"Ref":"`+pid+`"}`) {
							delete(rules, rid)
						}
					}
					if len(rules) == 0 {
						delete(tpl, "Rules")
					}
				}
			}
		}
		if len(params) == 0 {
			delete(tpl, "Parameters")
		}
	}
	body, err = tmpl.JSON(tpl)
	if err != nil {
		return "", "", err
	}
	for b := range buckets {
		if strings.Contains(body, b) {
			return "", "", fmt.Errorf("stack %s uses assets in the bootstrap bucket that gatehouse deploy cannot inline (only Lambda functions' code is): deploy it with cdk deploy", id)
		}
	}
	return body, props[id].StackName, nil
}
