package apigw

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// Model is the wire shape of a model: a JSON Schema (draft 4) for a
// content type.
type Model struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	Schema      string `json:"schema,omitempty"`
	ContentType string `json:"contentType"`
}

// RequestValidator is the wire shape of a request validator.
type RequestValidator struct {
	ID                        string `json:"id"`
	Name                      string `json:"name,omitempty"`
	ValidateRequestBody       bool   `json:"validateRequestBody"`
	ValidateRequestParameters bool   `json:"validateRequestParameters"`
}

// errBadSchema is AWS's answer to a model whose schema is not a JSON
// Schema it can use.
var errBadSchema = awserr.BadRequestException.New("Invalid model specified: Validation Result: warnings : [], errors : [Invalid model schema specified]")

func cloneModels(a *APIRecord) (map[string]*Model, map[string]*RequestValidator) {
	var ms map[string]*Model
	var vs map[string]*RequestValidator
	if len(a.Models) > 0 {
		ms = make(map[string]*Model, len(a.Models))
		for k, m := range a.Models {
			c := *m
			ms[k] = &c
		}
	}
	if len(a.Validators) > 0 {
		vs = make(map[string]*RequestValidator, len(a.Validators))
		for k, v := range a.Validators {
			c := *v
			vs[k] = &c
		}
	}
	return ms, vs
}

// modelURLRE is the URL by which a model's schema refers to another
// model of the same API ("$ref": "https://apigateway.amazonaws.com/
// restapis/{id}/models/{name}").
var modelURLRE = regexp.MustCompile(`^https://apigateway\.amazonaws\.com/restapis/[^/]+/models/([A-Za-z0-9]+)$`)

// modelLoader resolves model URLs to the API's models and nothing else:
// a schema never makes gatehouse fetch anything.
type modelLoader map[string]*Model

func (l modelLoader) Load(url string) (any, error) {
	m := modelURLRE.FindStringSubmatch(url)
	if m == nil {
		return nil, fmt.Errorf("schema reference %q is not a model of this API", url)
	}
	model := l[m[1]]
	if model == nil || model.Schema == "" {
		return nil, fmt.Errorf("schema reference to unknown model %q", m[1])
	}
	return jsonschema.UnmarshalJSON(strings.NewReader(model.Schema))
}

func modelURL(name string) string {
	return "https://apigateway.amazonaws.com/restapis/api/models/" + name
}

// CompileModel compiles model name of models as a draft-4 JSON Schema
// (the draft API Gateway uses), its references to other models resolved.
func CompileModel(models map[string]*Model, name string) (*jsonschema.Schema, error) {
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft4)
	c.UseLoader(modelLoader(models))
	return c.Compile(modelURL(name))
}

// checkSchema refuses a schema that is not JSON or not a schema.
func checkSchema(a *APIRecord, m *Model) error {
	if m.Schema == "" {
		return nil
	}
	if !json.Valid([]byte(m.Schema)) {
		return errBadSchema
	}
	models := map[string]*Model{}
	for k, v := range a.Models {
		models[k] = v
	}
	models[m.Name] = m
	if _, err := CompileModel(models, m.Name); err != nil {
		return errBadSchema
	}
	return nil
}

// defaultModels are the two models AWS creates with every REST API.
func defaultModels() map[string]*Model {
	return map[string]*Model{
		"Empty": {ID: newID(6), Name: "Empty", ContentType: "application/json", Description: "This is a default empty schema model",
			Schema: "{\n  \"$schema\": \"http://json-schema.org/draft-04/schema#\",\n  \"title\" : \"Empty Schema\",\n  \"type\" : \"object\"\n}"},
		"Error": {ID: newID(6), Name: "Error", ContentType: "application/json", Description: "This is a default error schema model",
			Schema: "{\n  \"$schema\" : \"http://json-schema.org/draft-04/schema#\",\n  \"title\" : \"Error Schema\",\n  \"type\" : \"object\",\n  \"properties\" : {\n    \"message\" : { \"type\" : \"string\" }\n  }\n}"},
	}
}

type createModelIn struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	Schema      string `json:"schema"`
	ContentType string `json:"contentType"`
}

func (s *Service) createModel(c *call, req *jsonIn[createModelIn]) (*CreateModelOutput, error) {
	in := req.Body
	if in.Name == "" {
		return nil, awserr.BadRequestException.New("Model name must be non-empty")
	}
	if !modelNameRE.MatchString(in.Name) {
		return nil, awserr.BadRequestException.New("Model name must be alphanumeric")
	}
	if in.ContentType == "" {
		return nil, awserr.BadRequestException.New("Content type must be non-empty")
	}
	m := &Model{ID: newID(6), Name: in.Name, Description: in.Description, Schema: in.Schema, ContentType: in.ContentType}
	err := s.updateAPI(c, func(tx store.Tx, a *APIRecord) error {
		if a.Models[in.Name] != nil {
			return awserr.ConflictException.New("Model name already exists for this REST API")
		}
		if err := checkSchema(a, m); err != nil {
			return err
		}
		if a.Models == nil {
			a.Models = map[string]*Model{}
		}
		a.Models[m.Name] = m
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &CreateModelOutput{m}, nil
}

func (s *Service) getModels(c *call, in *pageIn) (*GetModelsOutput, error) {
	var all []*Model
	err := s.viewAPI(c, func(a *APIRecord) error {
		for _, k := range sortedKeys(a.Models) {
			all = append(all, a.Models[k])
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	items, pos, err := paging(in, all)
	if err != nil {
		return nil, err
	}
	if items == nil {
		items = []*Model{}
	}
	return &GetModelsOutput{listOut[*Model]{Item: items, Position: pos}}, nil
}

func (s *Service) getModel(c *call, _ *noIn) (*GetModelOutput, error) {
	var out *Model
	err := s.viewAPI(c, func(a *APIRecord) error {
		if out = a.Models[c.path.Model]; out == nil {
			return errModel(c.path.Model)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &GetModelOutput{out}, nil
}

func (s *Service) updateModel(c *call, in *patchIn) (*UpdateModelOutput, error) {
	ops := in.Ops
	var err error
	var out *Model
	err = s.updateAPI(c, func(tx store.Tx, a *APIRecord) error {
		m := a.Models[c.path.Model]
		if m == nil {
			return errModel(c.path.Model)
		}
		n := *m
		for _, op := range ops {
			switch op.Path {
			case "/description":
				n.Description = valueOrEmpty(op)
			case "/schema":
				if !isSet(op) {
					return badPatch(op)
				}
				n.Schema = op.Value
			default:
				return badPatch(op)
			}
		}
		if err := checkSchema(a, &n); err != nil {
			return err
		}
		*m = n
		out = m
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &UpdateModelOutput{out}, nil
}

// modelUse names the first method of a that uses model name, "" if none.
func modelUse(a *APIRecord, name string) string {
	for _, r := range sortedResources(a) {
		for _, verb := range sortedKeys(r.ResourceMethods) {
			m := r.ResourceMethods[verb]
			for _, v := range m.RequestModels {
				if v == name {
					return r.Path + "/" + verb
				}
			}
			for _, mr := range m.MethodResponses {
				for _, v := range mr.ResponseModels {
					if v == name {
						return r.Path + "/" + verb
					}
				}
			}
		}
	}
	return ""
}

func (s *Service) deleteModel(c *call, _ *noIn) (*DeleteModelOutput, error) {
	err := s.updateAPI(c, func(tx store.Tx, a *APIRecord) error {
		if a.Models[c.path.Model] == nil {
			return errModel(c.path.Model)
		}
		if use := modelUse(a, c.path.Model); use != "" {
			return awserr.ConflictException.Errorf("Cannot delete model '%s', is referenced in method request: %s", c.path.Model, use)
		}
		delete(a.Models, c.path.Model)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &DeleteModelOutput{}, nil
}

// getModelTemplate generates a mapping template from a model, as the
// console's "Generate template" does: every property of the schema as
// "$inputRoot.name", arrays with #foreach.
func (s *Service) getModelTemplate(c *call, _ *noIn) (*GetModelTemplateOutput, error) {
	var out string
	err := s.viewAPI(c, func(a *APIRecord) error {
		m := a.Models[c.path.Model]
		if m == nil {
			return errModel(c.path.Model)
		}
		var schema map[string]any
		if m.Schema == "" || json.Unmarshal([]byte(m.Schema), &schema) != nil {
			return awserr.BadRequestException.New("Model schema is not a JSON object")
		}
		var b bytes.Buffer
		b.WriteString("#set($inputRoot = $input.path('$'))\n")
		writeTemplate(&b, a.Models, schema, "$inputRoot", "", 0)
		out = b.String()
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &GetModelTemplateOutput{out}, nil
}

// writeTemplate writes the template fragment of one schema node.
func writeTemplate(b *bytes.Buffer, models map[string]*Model, schema map[string]any, expr, indent string, depth int) {
	if ref, _ := schema["$ref"].(string); ref != "" && depth < 8 {
		if m := modelURLRE.FindStringSubmatch(ref); m != nil && models[m[1]] != nil {
			var sub map[string]any
			if json.Unmarshal([]byte(models[m[1]].Schema), &sub) == nil {
				writeTemplate(b, models, sub, expr, indent, depth+1)
				return
			}
		}
	}
	typ, _ := schema["type"].(string)
	switch typ {
	case "object":
		props, _ := schema["properties"].(map[string]any)
		names := sortedKeys(props)
		b.WriteString("{\n")
		for i, n := range names {
			fmt.Fprintf(b, "%s  \"%s\" : ", indent, n)
			sub, _ := props[n].(map[string]any)
			writeTemplate(b, models, sub, expr+"."+n, indent+"  ", depth+1)
			if i < len(names)-1 {
				b.WriteString(",")
			}
			b.WriteString("\n")
		}
		b.WriteString(indent + "}")
	case "array":
		item, _ := schema["items"].(map[string]any)
		v := fmt.Sprintf("$elem%d", depth)
		fmt.Fprintf(b, "[\n%s#foreach(%s in %s)\n%s  ", indent, v, expr, indent)
		writeTemplate(b, models, item, v, indent+"  ", depth+1)
		fmt.Fprintf(b, "#if($foreach.hasNext),#end\n%s#end\n%s]", indent, indent)
	case "number", "integer", "boolean":
		b.WriteString(expr)
	default:
		fmt.Fprintf(b, "\"%s\"", expr)
	}
}

// ---- request validators ----

type validatorIn struct {
	Name                      string `json:"name"`
	ValidateRequestBody       bool   `json:"validateRequestBody"`
	ValidateRequestParameters bool   `json:"validateRequestParameters"`
}

func (s *Service) createValidator(c *call, req *jsonIn[validatorIn]) (*CreateRequestValidatorOutput, error) {
	in := req.Body
	v := &RequestValidator{ID: newID(6), Name: in.Name, ValidateRequestBody: in.ValidateRequestBody,
		ValidateRequestParameters: in.ValidateRequestParameters}
	err := s.updateAPI(c, func(tx store.Tx, a *APIRecord) error {
		for _, o := range a.Validators {
			if in.Name != "" && o.Name == in.Name {
				return awserr.ConflictException.New("Validator with the same name already exists")
			}
		}
		if a.Validators == nil {
			a.Validators = map[string]*RequestValidator{}
		}
		a.Validators[v.ID] = v
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &CreateRequestValidatorOutput{v}, nil
}

func (s *Service) getValidators(c *call, in *pageIn) (*GetRequestValidatorsOutput, error) {
	var all []*RequestValidator
	err := s.viewAPI(c, func(a *APIRecord) error {
		for _, v := range a.Validators {
			all = append(all, v)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(all, func(i, j int) bool { return all[i].Name+all[i].ID < all[j].Name+all[j].ID })
	items, pos, err := paging(in, all)
	if err != nil {
		return nil, err
	}
	if items == nil {
		items = []*RequestValidator{}
	}
	return &GetRequestValidatorsOutput{listOut[*RequestValidator]{Item: items, Position: pos}}, nil
}

func (s *Service) getValidator(c *call, _ *noIn) (*GetRequestValidatorOutput, error) {
	var out *RequestValidator
	err := s.viewAPI(c, func(a *APIRecord) error {
		if out = a.Validators[c.path.Validator]; out == nil {
			return errValidator
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &GetRequestValidatorOutput{out}, nil
}

func (s *Service) updateValidator(c *call, in *patchIn) (*UpdateRequestValidatorOutput, error) {
	ops := in.Ops
	var err error
	var out *RequestValidator
	err = s.updateAPI(c, func(tx store.Tx, a *APIRecord) error {
		v := a.Validators[c.path.Validator]
		if v == nil {
			return errValidator
		}
		for _, op := range ops {
			if op.Op != "replace" {
				return badPatch(op)
			}
			switch op.Path {
			case "/name":
				v.Name = op.Value
			case "/validateRequestBody":
				v.ValidateRequestBody = op.Value == "true"
			case "/validateRequestParameters":
				v.ValidateRequestParameters = op.Value == "true"
			default:
				return badPatch(op)
			}
		}
		out = v
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &UpdateRequestValidatorOutput{out}, nil
}

func (s *Service) deleteValidator(c *call, _ *noIn) (*DeleteRequestValidatorOutput, error) {
	err := s.updateAPI(c, func(tx store.Tx, a *APIRecord) error {
		if a.Validators[c.path.Validator] == nil {
			return errValidator
		}
		delete(a.Validators, c.path.Validator)
		// Methods that named it no longer validate, as on AWS.
		for _, r := range a.Resources {
			for _, m := range r.ResourceMethods {
				if m.RequestValidatorID == c.path.Validator {
					m.RequestValidatorID = ""
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &DeleteRequestValidatorOutput{}, nil
}

// checkMethodRefs refuses a method naming a request validator or a
// request model the API does not have, as AWS does.
func checkMethodRefs(a *APIRecord, m *Method) error {
	if m.RequestValidatorID != "" && a.Validators[m.RequestValidatorID] == nil {
		return awserr.BadRequestException.New("Invalid Request Validator identifier specified")
	}
	for _, name := range m.RequestModels {
		if a.Models[name] == nil {
			return awserr.BadRequestException.Errorf("Invalid model identifier specified: %s", echo(name))
		}
	}
	return nil
}

// patchMethodRefs applies UpdateMethod's /requestValidatorId and
// /requestModels/{content type} operations.
func patchMethodRefs(a *APIRecord, m *Method, op PatchOp) error {
	if op.Path == "/requestValidatorId" {
		m.RequestValidatorID = valueOrEmpty(op)
		return checkMethodRefs(a, &Method{RequestValidatorID: m.RequestValidatorID})
	}
	ct := unescapePointer(strings.TrimPrefix(op.Path, "/requestModels/"))
	if op.Op == "remove" {
		delete(m.RequestModels, ct)
		return nil
	}
	if a.Models[op.Value] == nil {
		return awserr.BadRequestException.Errorf("Invalid model identifier specified: %s", echo(op.Value))
	}
	if m.RequestModels == nil {
		m.RequestModels = map[string]string{}
	}
	m.RequestModels[ct] = op.Value
	return nil
}
