package apigw

import (
	"encoding/json"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// OpenAPI import of models and request validators (issue #14):
// components.schemas (Swagger 2.0 definitions, converted) become models
// of content type application/json, their "#/components/schemas/X"
// references rewritten to model URLs; a method's requestBody content
// schemas that reference a component become its requestModels;
// x-amazon-apigateway-request-validators declares validators by name and
// x-amazon-apigateway-request-validator (document-wide default, or per
// operation) names the one a method uses.

// importValidator is one entry of x-amazon-apigateway-request-validators.
type importValidator struct {
	ValidateRequestBody       bool `json:"validateRequestBody"`
	ValidateRequestParameters bool `json:"validateRequestParameters"`
}

// importExt holds what the import of models and validators collects;
// Import embeds it.
type importExt struct {
	// Models maps a model name to its schema (JSON).
	Models map[string]string
	// Validators maps a validator name to its flags.
	Validators map[string]importValidator
	// DefaultValidator is the document-wide validator name.
	DefaultValidator string
	// DocParts are the x-amazon-apigateway-documentation parts.
	DocParts []importDocPart
	// GatewayResponses are x-amazon-apigateway-gateway-responses, by type.
	GatewayResponses map[string]*GatewayResponse
}

// importDocPart is one documentation part of an imported document.
type importDocPart struct {
	Location   DocumentationPartLocation
	Properties string
}

// parseDocExtension reads x-amazon-apigateway-documentation: {version,
// documentationParts: [{location, properties}]}. Properties arrive as an
// object (a string holding the object is accepted too).
func parseDocExtension(v any) ([]importDocPart, error) {
	b, _ := json.Marshal(v)
	var doc struct {
		Parts []struct {
			Location   DocumentationPartLocation `json:"location"`
			Properties json.RawMessage           `json:"properties"`
		} `json:"documentationParts"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, errParse("x-amazon-apigateway-documentation is not a documentation object")
	}
	out := make([]importDocPart, 0, len(doc.Parts))
	for _, p := range doc.Parts {
		props := string(p.Properties)
		var str string
		if json.Unmarshal(p.Properties, &str) == nil {
			props = str
		}
		loc := p.Location
		if err := normalizeLocation(&loc); err != nil {
			return nil, err
		}
		if err := validProperties(props); err != nil {
			return nil, err
		}
		out = append(out, importDocPart{Location: loc, Properties: props})
	}
	return out, nil
}

// applyDocParts merges the imported parts into a (overwrite replaces all
// parts first): a known location gets the new properties, a new one a
// new part.
func applyDocParts(a *APIRecord, parts []importDocPart, overwrite bool) error {
	if overwrite {
		a.DocParts = nil
	}
	for _, in := range parts {
		var existing *DocumentationPart
		for _, p := range a.DocParts {
			if p.Location == in.Location {
				existing = p
			}
		}
		if existing != nil {
			existing.Properties = in.Properties
			continue
		}
		if _, err := addDocPart(a, in.Location, in.Properties); err != nil {
			return err
		}
	}
	return nil
}

// validatorRef marks a method's RequestValidatorID as a validator name
// still to be resolved to an ID by apply.
const validatorRef = "name:"

const componentRef = "#/components/schemas/"

// rootExtension handles the root-level extensions of this file; false
// when k is not one of them.
func (im *Import) rootExtension(k string, v any) (bool, error) {
	switch k {
	case extPrefix + "request-validators":
		b, _ := json.Marshal(v)
		var vs map[string]importValidator
		if err := json.Unmarshal(b, &vs); err != nil {
			return true, errParse("x-amazon-apigateway-request-validators is not a map of validators")
		}
		im.Validators = vs
		return true, nil
	case extPrefix + "request-validator":
		s, ok := v.(string)
		if !ok {
			return true, errParse("x-amazon-apigateway-request-validator is not a string")
		}
		im.DefaultValidator = s
		return true, nil
	case extPrefix + "gateway-responses":
		return true, im.gatewayResponses(v)
	}
	return false, nil
}

// gatewayResponses reads x-amazon-apigateway-gateway-responses: {TYPE:
// {statusCode, responseParameters, responseTemplates}}, each checked as
// PutGatewayResponse checks it.
func (im *Import) gatewayResponses(v any) error {
	b, _ := json.Marshal(v)
	var in map[string]struct {
		// StatusCode is a string; YAML documents often give a number.
		StatusCode         json.Number       `json:"statusCode"`
		ResponseParameters map[string]string `json:"responseParameters"`
		ResponseTemplates  map[string]string `json:"responseTemplates"`
	}
	if err := json.Unmarshal(b, &in); err != nil {
		return errParse("x-amazon-apigateway-gateway-responses is not a map of gateway responses")
	}
	for _, t := range sortedKeys(in) {
		if _, ok := GatewayResponseTypes[t]; !ok {
			return awserr.BadRequestException.Errorf("Errors found during import:\n\tInvalid gateway response type specified: %s", echo(t))
		}
		x := in[t]
		g := &GatewayResponse{ResponseType: t, StatusCode: string(x.StatusCode), ResponseParameters: x.ResponseParameters, ResponseTemplates: x.ResponseTemplates}
		if g.ResponseParameters == nil {
			g.ResponseParameters = map[string]string{}
		}
		if g.ResponseTemplates == nil {
			g.ResponseTemplates = map[string]string{}
		}
		if err := validateGatewayResponse(g); err != nil {
			e := awserr.From(err)
			return awserr.BadRequestException.Errorf("Errors found during import:\n\tUnable to put gateway response %s: %s", t, e.Message)
		}
		if im.GatewayResponses == nil {
			im.GatewayResponses = map[string]*GatewayResponse{}
		}
		im.GatewayResponses[t] = g
	}
	return nil
}

// storeGatewayResponses writes the imported gateway responses of API a
// (overwrite: the API's other customizations are removed first).
func (im *Import) storeGatewayResponses(tx store.Tx, a *APIRecord, overwrite bool) error {
	if overwrite {
		recs, err := tx.List(KindGatewayResponse, a.API.ID+"/")
		if err != nil {
			return err
		}
		for _, rec := range recs {
			if err := tx.Delete(KindGatewayResponse, rec.Key); err != nil {
				return err
			}
		}
	}
	for _, t := range sortedKeys(im.GatewayResponses) {
		if err := putJSON(tx, KindGatewayResponse, a.API.ID+"/"+t,
			GatewayResponseRecord{Response: *im.GatewayResponses[t], APIID: a.API.ID, Account: a.Account, Region: a.Region}); err != nil {
			return err
		}
	}
	return nil
}

// importModels reads the document's component schemas as models.
func (im *Import) importModels(doc *openapi3.T) error {
	if doc.Components == nil {
		return nil
	}
	for _, name := range sortedKeys(doc.Components.Schemas) {
		ref := doc.Components.Schemas[name]
		if ref == nil || ref.Value == nil {
			continue
		}
		if !modelNameRE.MatchString(name) {
			return awserr.BadRequestException.Errorf("Errors found during import:\n\tModel name must be alphanumeric: %s", echo(name))
		}
		b, err := json.Marshal(ref.Value)
		if err != nil {
			return errParse("schema " + name + " cannot be serialized")
		}
		var tree any
		if err := json.Unmarshal(b, &tree); err != nil {
			return errParse("schema " + name + " cannot be serialized")
		}
		rewriteRefs(tree)
		if m, ok := tree.(map[string]any); ok {
			m["$schema"] = "http://json-schema.org/draft-04/schema#"
			if _, has := m["title"]; !has {
				m["title"] = name
			}
		}
		out, _ := json.Marshal(tree)
		if im.Models == nil {
			im.Models = map[string]string{}
		}
		im.Models[name] = string(out)
	}
	return nil
}

// rewriteRefs turns "#/components/schemas/X" references into model URLs.
func rewriteRefs(v any) {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			if s, ok := x.(string); ok && k == "$ref" && strings.HasPrefix(s, componentRef) {
				t[k] = modelURL(strings.TrimPrefix(s, componentRef))
				continue
			}
			rewriteRefs(x)
		}
	case []any:
		for _, x := range t {
			rewriteRefs(x)
		}
	}
}

// methodModels sets m's request models from op's request body and its
// validator from the operation's extension (or the document's default).
func (im *Import) methodModels(op *openapi3.Operation, m *Method) error {
	if op.RequestBody != nil && op.RequestBody.Value != nil {
		for _, mt := range sortedKeys(op.RequestBody.Value.Content) {
			c := op.RequestBody.Value.Content[mt]
			if c == nil || c.Schema == nil || !strings.HasPrefix(c.Schema.Ref, componentRef) {
				continue
			}
			if m.RequestModels == nil {
				m.RequestModels = map[string]string{}
			}
			m.RequestModels[mt] = strings.TrimPrefix(c.Schema.Ref, componentRef)
		}
	}
	name := im.DefaultValidator
	if v, ok := op.Extensions[extPrefix+"request-validator"]; ok {
		s, isStr := v.(string)
		if !isStr {
			return errParse("x-amazon-apigateway-request-validator is not a string")
		}
		name = s
	}
	if name != "" {
		m.RequestValidatorID = validatorRef + name
	}
	return nil
}

// applyModels writes the import's models and validators into a and
// resolves the methods' validator names (overwrite: they replace the
// API's; merge: same names are updated, others kept).
func (im *Import) applyModels(a *APIRecord, overwrite bool) error {
	if overwrite {
		a.Models, a.Validators = defaultModels(), nil
	}
	if a.Models == nil {
		a.Models = map[string]*Model{}
	}
	for _, name := range sortedKeys(im.Models) {
		if m := a.Models[name]; m != nil {
			m.Schema = im.Models[name]
			continue
		}
		a.Models[name] = &Model{ID: newID(6), Name: name, ContentType: "application/json", Schema: im.Models[name]}
	}
	for _, name := range sortedKeys(im.Models) {
		if _, err := CompileModel(a.Models, name); err != nil {
			return awserr.BadRequestException.Errorf("Errors found during import:\n\tInvalid model schema specified for model %s", name)
		}
	}
	byName := map[string]string{}
	for id, v := range a.Validators {
		byName[v.Name] = id
	}
	for _, name := range sortedKeys(im.Validators) {
		f := im.Validators[name]
		if id, ok := byName[name]; ok {
			a.Validators[id].ValidateRequestBody, a.Validators[id].ValidateRequestParameters = f.ValidateRequestBody, f.ValidateRequestParameters
			continue
		}
		if a.Validators == nil {
			a.Validators = map[string]*RequestValidator{}
		}
		v := &RequestValidator{ID: newID(6), Name: name, ValidateRequestBody: f.ValidateRequestBody, ValidateRequestParameters: f.ValidateRequestParameters}
		a.Validators[v.ID] = v
		byName[name] = v.ID
	}
	for _, r := range a.Resources {
		for verb, m := range r.ResourceMethods {
			for _, model := range m.RequestModels {
				if a.Models[model] == nil {
					return awserr.BadRequestException.Errorf("Errors found during import:\n\tInvalid model identifier specified: %s on %s %s", echo(model), verb, r.Path)
				}
			}
			for _, mr := range m.MethodResponses {
				for _, model := range mr.ResponseModels {
					if a.Models[model] == nil {
						return awserr.BadRequestException.Errorf("Errors found during import:\n\tInvalid model identifier specified: %s on %s %s response %s", echo(model), verb, r.Path, mr.StatusCode)
					}
				}
			}
			name, ok := strings.CutPrefix(m.RequestValidatorID, validatorRef)
			if !ok {
				continue
			}
			id, known := byName[name]
			if !known {
				return awserr.BadRequestException.Errorf("Errors found during import:\n\tInvalid request validator %s on %s %s", echo(name), verb, r.Path)
			}
			m.RequestValidatorID = id
		}
	}
	return nil
}
