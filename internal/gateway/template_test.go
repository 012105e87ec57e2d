package gateway

import (
	"net/http"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/vtl"
)

func TestResponseOverride(t *testing.T) {
	for _, c := range []struct {
		tmpl string
		want int
		hdr  string
	}{
		{"", 200, ""},
		{"#set($context.responseOverride.status = 404)", 404, ""},
		{"#set($context.responseOverride.status = '201')", 201, ""},
		{"#set($context.responseOverride.status = 'abc')", 200, ""},
		{"#set($context.responseOverride.status = 99)", 200, ""},
		{"#set($context.responseOverride.header.X-A = 'v')", 200, "v"},
	} {
		ctx := vtl.NewMap()
		ro := vtl.NewMap()
		ro.Set("header", vtl.NewMap())
		ctx.Set("responseOverride", ro)
		tm, err := vtl.Parse(c.tmpl)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tm.Render(vtl.Vars{Context: ctx}, vtl.DefaultLimits); err != nil {
			t.Fatal(err)
		}
		h := http.Header{}
		if got := responseOverride(ctx, h, 200); got != c.want || h.Get("X-A") != c.hdr {
			t.Errorf("%q: status %d header %q", c.tmpl, got, h.Get("X-A"))
		}
	}
}

func TestConvertContent(t *testing.T) {
	if b, ok := convertContent("CONVERT_TO_TEXT", []byte{0xff, 0}, true); !ok || string(b) != "/wA=" {
		t.Errorf("to text: %q %v", b, ok)
	}
	if b, ok := convertContent("CONVERT_TO_BINARY", []byte(" aGk= \n"), false); !ok || string(b) != "hi" {
		t.Errorf("to binary: %q %v", b, ok)
	}
	if _, ok := convertContent("CONVERT_TO_BINARY", []byte("not base64!"), false); ok {
		t.Error("bad base64 accepted")
	}
	if b, _ := convertContent("CONVERT_TO_TEXT", []byte("text"), false); string(b) != "text" {
		t.Errorf("text payload changed: %q", b)
	}
}
