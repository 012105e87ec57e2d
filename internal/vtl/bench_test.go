package vtl

import (
	"os"
	"path/filepath"
	"testing"
)

// simpleTemplate is what the former substitution handled: $context,
// $stageVariables and $input.params('x') in static text.
const simpleTemplate = `{"stage": "$context.stage", "env": "$stageVariables.env", "petId": "$input.params('petId')", "type": "$input.params('type')"}`

func benchRender(b *testing.B, src, body string) {
	tm, err := Parse(src)
	if err != nil {
		b.Fatal(err)
	}
	ctx := NewMap()
	ctx.Set("stage", "prod")
	sv := NewMap()
	sv.Set("env", "test")
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		in := &Input{Body: []byte(body), Path: NewMap(), QueryString: NewMap(), Header: NewMap()}
		in.Path.Set("petId", "42")
		in.QueryString.Set("type", "dog")
		if _, err := tm.Render(Vars{Input: in, Context: ctx, StageVariables: sv}, DefaultLimits); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSimpleTemplate(b *testing.B) { benchRender(b, simpleTemplate, "") }

func BenchmarkPhotosRequestTemplate(b *testing.B) {
	src, _ := os.ReadFile(filepath.Join("testdata", "corpus", "photos-request.vtl"))
	body, _ := os.ReadFile(filepath.Join("testdata", "corpus", "photos.body"))
	benchRender(b, string(src), string(body))
}

func BenchmarkPassthroughTemplate(b *testing.B) {
	src, _ := os.ReadFile(filepath.Join("testdata", "corpus", "method-request-passthrough.vtl"))
	benchRender(b, string(src), `{"name": "Fido", "tags": ["good", "dog"]}`)
}

func BenchmarkParsePassthrough(b *testing.B) {
	src, _ := os.ReadFile(filepath.Join("testdata", "corpus", "method-request-passthrough.vtl"))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(string(src)); err != nil {
			b.Fatal(err)
		}
	}
}
