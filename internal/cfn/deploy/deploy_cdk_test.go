package deploy

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeAssembly writes a cloud assembly shaped like cdk synth's: one
// stack whose function code is a zip asset, the bootstrap version
// parameter and rule, and extra resources.
func writeAssembly(t *testing.T, extra map[string]any, stacks ...string) string {
	t.Helper()
	dir := t.TempDir()
	write := func(name string, v any) {
		b, _ := json.Marshal(v)
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	os.MkdirAll(filepath.Join(dir, "asset.abc"), 0o755)
	os.WriteFile(filepath.Join(dir, "asset.abc", "index.js"), []byte("exports.handler=async()=>1"), 0o644)
	const bucket = "cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}"
	arts := map[string]any{}
	for _, s := range stacks {
		res := map[string]any{"Fn": map[string]any{"Type": "AWS::Lambda::Function", "Properties": map[string]any{
			"Code": map[string]any{"S3Bucket": map[string]any{"Fn::Sub": bucket}, "S3Key": "abc.zip"}}}}
		for k, v := range extra {
			res[k] = v
		}
		write(s+".template.json", map[string]any{
			"Parameters": map[string]any{"BootstrapVersion": map[string]any{"Type": "AWS::SSM::Parameter::Value<String>", "Default": "/cdk-bootstrap/hnb659fds/version"}},
			"Rules": map[string]any{"CheckBootstrapVersion": map[string]any{"Assertions": []any{map[string]any{"Assert": map[string]any{
				"Fn::Not": []any{map[string]any{"Fn::Contains": []any{[]any{"1"}, map[string]any{"Ref": "BootstrapVersion"}}}}}}}}},
			"Resources": res,
		})
		write(s+".assets.json", map[string]any{"files": map[string]any{"abc": map[string]any{
			"source":       map[string]any{"path": "asset.abc", "packaging": "zip"},
			"destinations": map[string]any{"d": map[string]any{"bucketName": bucket, "objectKey": "abc.zip"}}}}})
		arts[s+".assets"] = map[string]any{"type": "cdk:asset-manifest", "properties": map[string]any{"file": s + ".assets.json",
			"bootstrapStackVersionSsmParameter": "/cdk-bootstrap/hnb659fds/version"}}
		arts[s] = map[string]any{"type": "aws:cloudformation:stack", "properties": map[string]any{"templateFile": s + ".template.json"},
			"dependencies": []string{s + ".assets"}}
	}
	write("manifest.json", map[string]any{"version": "48.0.0", "artifacts": arts})
	return dir
}

func TestPackageAssembly(t *testing.T) {
	dir := writeAssembly(t, nil, "AppStack")
	if !isAssembly(dir) || isAssembly(t.TempDir()) {
		t.Fatal("isAssembly")
	}
	body, name, err := packageAssembly(dir, "")
	if err != nil || name != "AppStack" {
		t.Fatalf("%v %q", err, name)
	}
	if !strings.Contains(body, `"Code":{"ZipBase64":"`) || strings.Contains(body, "cdk-hnb659fds-assets") ||
		strings.Contains(body, "BootstrapVersion") || strings.Contains(body, "Rules") {
		t.Errorf("packaged template: %s", body)
	}

	// Assets other resources use cannot be inlined: refused, not dropped.
	dir = writeAssembly(t, map[string]any{"Layer": map[string]any{"Type": "AWS::Lambda::LayerVersion", "Properties": map[string]any{
		"Content": map[string]any{"S3Bucket": map[string]any{"Fn::Sub": "cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}"}, "S3Key": "abc.zip"}}}}, "AppStack")
	if _, _, err := packageAssembly(dir, ""); err == nil || !strings.Contains(err.Error(), "cannot inline") {
		t.Errorf("asset of a layer: %v", err)
	}

	dir = writeAssembly(t, nil, "A", "B")
	if _, _, err := packageAssembly(dir, ""); err == nil || !strings.Contains(err.Error(), "choose one with --stack-name") {
		t.Errorf("two stacks: %v", err)
	}
	if _, name, err := packageAssembly(dir, "B"); err != nil || name != "B" {
		t.Errorf("--stack-name B: %v %q", err, name)
	}
	if _, _, err := packageAssembly(dir, "C"); err == nil {
		t.Error("a missing stack was chosen")
	}

	// Paths leave the assembly nowhere.
	dir = writeAssembly(t, nil, "AppStack")
	b, _ := os.ReadFile(filepath.Join(dir, "manifest.json"))
	os.WriteFile(filepath.Join(dir, "manifest.json"), []byte(strings.Replace(string(b), `"templateFile":"AppStack.template.json"`, `"templateFile":"../../etc/passwd"`, 1)), 0o644)
	if _, _, err := packageAssembly(dir, ""); err == nil || !strings.Contains(err.Error(), "outside") {
		t.Errorf("templateFile outside the assembly: %v", err)
	}
}
