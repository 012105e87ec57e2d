package apigw

import (
	"context"
	"testing"
)

// TestImportDocumentationExtension: x-amazon-apigateway-documentation in
// an API definition becomes documentation parts (properties as an object
// or as a string holding one); merge keeps other parts and replaces the
// properties of a known location; overwrite replaces every part; a part
// with a bad location or properties fails the import.
func TestImportDocumentationExtension(t *testing.T) {
	doc := `{"openapi":"3.0.1","info":{"title":"x","version":"1"},"paths":{"/":{"get":{}}},
	 "x-amazon-apigateway-documentation":{"version":"1.0.3","documentationParts":[
	  {"location":{"type":"API"},"properties":{"description":"API description"}},
	  {"location":{"type":"METHOD","method":"GET"},"properties":"{\"description\":\"m\"}"}]}}`
	im, err := ParseDefinition(context.Background(), []byte(doc))
	if err != nil || len(im.Warnings) != 0 || len(im.DocParts) != 2 {
		t.Fatalf("parse: %v %v %+v", err, im.Warnings, im.DocParts)
	}
	a := &APIRecord{}
	if _, err := addDocPart(a, DocumentationPartLocation{Type: "MODEL", Name: "Empty"}, `{"title":"t"}`); err != nil {
		t.Fatal(err)
	}
	if _, err := addDocPart(a, DocumentationPartLocation{Type: "API"}, `{"description":"old"}`); err != nil {
		t.Fatal(err)
	}
	if err := applyDocParts(a, im.DocParts, false); err != nil {
		t.Fatal(err)
	}
	byType := map[string]string{}
	for _, p := range a.DocParts {
		byType[p.Location.Type] = p.Properties
	}
	if len(a.DocParts) != 3 || byType["API"] != `{"description":"API description"}` || byType["METHOD"] != `{"description":"m"}` || byType["MODEL"] == "" {
		t.Errorf("merge: %v", byType)
	}
	if err := applyDocParts(a, im.DocParts, true); err != nil || len(a.DocParts) != 2 {
		t.Errorf("overwrite: %v %d", err, len(a.DocParts))
	}
	for name, bad := range map[string]string{
		"unknown type":   `{"location":{"type":"NOPE"},"properties":{}}`,
		"not an object":  `{"location":{"type":"API"},"properties":[1]}`,
		"parts not list": ``,
	} {
		ext := `{"documentationParts":[` + bad + `]}`
		if bad == "" {
			ext = `{"documentationParts":{"a":1}}`
		}
		d := `{"openapi":"3.0.1","info":{"title":"x","version":"1"},"paths":{},"x-amazon-apigateway-documentation":` + ext + `}`
		if _, err := ParseDefinition(context.Background(), []byte(d)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
