package apigw

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/oasdiff/yaml"

	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// ExportOptions says what GetExport puts into the document besides the
// plain OpenAPI description (the `extensions` parameter, a comma-separated
// combination of integrations, apigateway, authorizers and postman).
type ExportOptions struct {
	// OAS3: OpenAPI 3.0.1 (exportType oas30); else Swagger 2.0.
	OAS3 bool
	// Integrations: x-amazon-apigateway-integration on every operation
	// (extensions=integrations or apigateway).
	Integrations bool
	// Authorizers: x-amazon-apigateway-authorizer on the security schemes
	// of Lambda authorizers (extensions=authorizers or apigateway).
	Authorizers bool
	// APIGateway: also request validators and customized gateway
	// responses (extensions=apigateway).
	APIGateway bool
	// Domain is the invoke host's suffix ("amazonaws.com" on AWS).
	Domain string
	// AuthorizerByID are the API's Lambda authorizers.
	AuthorizerByID map[string]*LambdaAuthorizer
	// GatewayResponses are the API's customized gateway responses.
	GatewayResponses []GatewayResponse
	// NoDocumentation leaves the stage's documentation snapshot out: an
	// extensions parameter that does not name documentation.
	NoDocumentation bool
	// Documentation is the documentation version associated with the
	// stage, exported as x-amazon-apigateway-documentation.
	Documentation *DocVersionRecord
}

// ParseExportExtensions reads the extensions parameter of GetExport into
// o. Unknown names are ignored, as AWS ignores them; postman is accepted
// and adds nothing (doc/apigateway.md).
//
// Documentation parts are exported by default; an extensions parameter
// that lists other extensions but not documentation leaves them out (AWS's
// "Download a documentation snapshot associated with a stage": "By
// default, documentation parts are included ... To include details of
// integrations but not of authorizers, set
// extensions=integrations,documentation").
func (o *ExportOptions) ParseExportExtensions(v string) {
	o.NoDocumentation = strings.TrimSpace(v) != ""
	for _, e := range strings.Split(v, ",") {
		switch strings.ToLower(strings.Trim(strings.TrimSpace(e), `'"`)) {
		case "documentation":
			o.NoDocumentation = false
		case "integrations":
			o.Integrations = true
		case "authorizers":
			o.Authorizers = true
		case "apigateway":
			o.Integrations, o.Authorizers, o.APIGateway = true, true, true
		}
	}
}

// getExport renders the stage's deployment as OpenAPI 3 (oas30) or Swagger
// 2 (swagger), JSON or YAML by Accept, with the extensions asked for.
// getExportIn is GetExport's input beyond its path.
type getExportIn struct {
	Extensions string // ?extensions=
	Accept     string // the Accept header: the document's format
}

func (in *getExportIn) decodeFrom(q url.Values, h http.Header, _ []byte) error {
	in.Extensions, in.Accept = q.Get("extensions"), h.Get("Accept")
	return nil
}

func (s *Service) getExport(c *call, in *getExportIn) (*GetExportOutput, error) {
	kind := c.path.Export
	var doc map[string]any
	var created int64
	_, err := s.st.View(c.ctx, func(r store.Reader) error {
		a, err := loadAPI(r, c, c.path.API)
		if err != nil {
			return err
		}
		st, err := loadStage(r, a.API.ID, c.path.Stage)
		if err != nil {
			return err
		}
		// The API and stage are resolved before the export type is read.
		if kind != "oas30" && kind != "swagger" {
			return awserr.BadRequestException.Errorf("No API exporter for type '%s'", echo(kind))
		}
		d, err := loadDeployment(r, a.API.ID, st.Stage.DeploymentID)
		if err != nil {
			return err
		}
		o := ExportOptions{OAS3: kind == "oas30", Domain: s.domain()}
		o.ParseExportExtensions(in.Extensions)
		if o.AuthorizerByID, err = apiAuthorizers(r, a.API.ID); err != nil {
			return err
		}
		if o.APIGateway {
			if o.GatewayResponses, err = customGatewayResponses(r, a.API.ID); err != nil {
				return err
			}
		}
		if v := st.Stage.DocumentationVersion; v != "" && !o.NoDocumentation {
			dv, err := loadDocVersion(r, a.API.ID, v)
			if err != nil && !errors.Is(err, errDocVersion) {
				return err
			}
			o.Documentation = dv
		}
		doc = ExportDocument(a.API, d, st.Stage.StageName, o)
		created = d.Deployment.CreatedDate
		return nil
	})
	if err != nil {
		return nil, err
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, err
	}
	accept := in.Accept
	if strings.Contains(accept, "yaml") {
		y, err := yaml.JSONToYAML(b)
		if err != nil {
			return nil, err
		}
		return &GetExportOutput{rawOutput{ContentType: "application/yaml", ContentDisposition: exportDisposition(kind, created, "yaml"), Body: y}}, nil
	}
	disposition := exportDisposition(kind, created, "json")
	if !strings.Contains(accept, "application/json") {
		// Without an Accept naming a type, AWS sends the JSON document as
		// application/octet-stream (the AWS CLI's get-export output records
		// "contentType": "application/octet-stream" for such a request).
		return &GetExportOutput{rawOutput{ContentType: "application/octet-stream", ContentDisposition: disposition, Body: b}}, nil
	}
	return &GetExportOutput{rawOutput{ContentType: "application/json", ContentDisposition: disposition, Body: b}}, nil
}

// exportDisposition is GetExport's Content-Disposition (the model's
// contentDisposition): an attachment named by the export type and the
// deployment's time, as AWS names it, e.g.
// attachment; filename="swagger_2020-01-13T13:15:44Z.json" (an AWS CLI
// get-export output recorded in a public walkthrough). The yaml extension
// for application/yaml follows the same pattern (no recorded example).
func exportDisposition(kind string, created int64, ext string) string {
	ts := time.Unix(created, 0).UTC().Format("2006-01-02T15:04:05Z")
	return fmt.Sprintf(`attachment; filename="%s_%s.%s"`, kind, ts, ext)
}

// apiAuthorizers reads the authorizers of API apiID by ID.
func apiAuthorizers(r store.Reader, apiID string) (map[string]*LambdaAuthorizer, error) {
	recs, err := r.List(KindAuthorizer, apiID+"/")
	if err != nil {
		return nil, err
	}
	out := make(map[string]*LambdaAuthorizer, len(recs))
	for _, rec := range recs {
		var o AuthorizerRecord
		if err := json.Unmarshal(rec.Value, &o); err != nil {
			return nil, err
		}
		az := o.Authorizer
		out[az.ID] = &az
	}
	return out, nil
}

// customGatewayResponses reads the customized gateway responses of API
// apiID, by response type.
func customGatewayResponses(r store.Reader, apiID string) ([]GatewayResponse, error) {
	recs, err := r.List(KindGatewayResponse, apiID+"/")
	if err != nil {
		return nil, err
	}
	out := make([]GatewayResponse, 0, len(recs))
	for _, rec := range recs {
		var g GatewayResponseRecord
		if err := json.Unmarshal(rec.Value, &g); err != nil {
			return nil, err
		}
		out = append(out, g.Response)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ResponseType < out[j].ResponseType })
	return out, nil
}

// exporter carries one export's state.
type exporter struct {
	o       ExportOptions
	d       *DeploymentRecord
	schemes map[string]any
	// modelRef is the prefix of a model reference in this document.
	modelRef string
}

// ExportDocument builds the OpenAPI 3.0.1 or Swagger 2.0 document of a
// deployment as AWS's GetExport shapes it.
func ExportDocument(api RestAPI, d *DeploymentRecord, stage string, o ExportOptions) map[string]any {
	if o.Domain == "" {
		o.Domain = "amazonaws.com"
	}
	e := &exporter{o: o, d: d, schemes: map[string]any{}}
	info := map[string]any{"title": api.Name, "version": api.Version}
	if api.Version == "" {
		info["version"] = "1.0"
	}
	if api.Description != "" {
		info["description"] = api.Description
	}
	doc := map[string]any{"info": info}
	host := api.ID + ".execute-api." + d.Region + "." + o.Domain
	if o.OAS3 {
		e.modelRef = componentRef
		doc["openapi"] = "3.0.1"
		doc["servers"] = []any{map[string]any{"url": "https://" + host + "/{basePath}",
			"variables": map[string]any{"basePath": map[string]any{"default": stage}}}}
	} else {
		e.modelRef = definitionRef
		doc["swagger"] = "2.0"
		doc["host"] = host
		doc["basePath"] = "/" + stage
		doc["schemes"] = []string{"https"}
	}
	paths := map[string]any{}
	usesKey := false
	for _, r := range d.Resources {
		item := map[string]any{}
		for verb, m := range r.ResourceMethods {
			op := e.operation(m)
			if m.APIKeyRequired {
				usesKey = true
			}
			if verb == "ANY" {
				item["x-amazon-apigateway-any-method"] = op
			} else {
				item[strings.ToLower(verb)] = op
			}
		}
		if len(item) > 0 {
			paths[r.Path] = item
		}
	}
	doc["paths"] = paths
	models := e.models()
	if o.OAS3 {
		comp := map[string]any{}
		if len(models) > 0 {
			comp["schemas"] = models
		}
		if len(e.schemes) > 0 {
			comp["securitySchemes"] = e.schemes
		}
		if len(comp) > 0 {
			doc["components"] = comp
		}
	} else {
		if len(models) > 0 {
			doc["definitions"] = models
		}
		if len(e.schemes) > 0 {
			doc["securityDefinitions"] = e.schemes
		}
	}
	if o.Documentation != nil {
		doc["x-amazon-apigateway-documentation"] = documentationExtension(o.Documentation)
	}
	if d.Policy != "" {
		var p any
		if json.Unmarshal([]byte(d.Policy), &p) == nil {
			doc["x-amazon-apigateway-policy"] = p
		}
	}
	if d.APIKeySource != "" && usesKey {
		doc["x-amazon-apigateway-api-key-source"] = d.APIKeySource
	}
	if len(d.BinaryMediaTypes) > 0 {
		doc["x-amazon-apigateway-binary-media-types"] = d.BinaryMediaTypes
	}
	if o.APIGateway {
		if vs := e.validators(); len(vs) > 0 {
			doc["x-amazon-apigateway-request-validators"] = vs
		}
		if len(o.GatewayResponses) > 0 {
			gr := map[string]any{}
			for _, g := range o.GatewayResponses {
				x := map[string]any{}
				if g.StatusCode != "" {
					x["statusCode"] = g.StatusCode
				}
				if len(g.ResponseParameters) > 0 {
					x["responseParameters"] = g.ResponseParameters
				}
				if len(g.ResponseTemplates) > 0 {
					x["responseTemplates"] = g.ResponseTemplates
				}
				gr[g.ResponseType] = x
			}
			doc["x-amazon-apigateway-gateway-responses"] = gr
		}
	}
	return doc
}

const definitionRef = "#/definitions/"

// stringType sets the document's schema for a plain string parameter or
// header.
func (e *exporter) stringType(into map[string]any) {
	if e.o.OAS3 {
		into["schema"] = map[string]any{"type": "string"}
	} else {
		into["type"] = "string"
	}
}

func (e *exporter) ref(model string) map[string]any {
	return map[string]any{"$ref": e.modelRef + model}
}

func (e *exporter) operation(m *Method) map[string]any {
	op := map[string]any{}
	if m.OperationName != "" {
		op["operationId"] = m.OperationName
	}
	var params []any
	for _, k := range sortedKeys(m.RequestParameters) {
		rest := strings.TrimPrefix(k, "method.request.")
		loc, name, ok := strings.Cut(rest, ".")
		if !ok {
			continue
		}
		if loc == "querystring" {
			loc = "query"
		}
		if loc != "path" && loc != "query" && loc != "header" {
			continue
		}
		p := map[string]any{"name": name, "in": loc, "required": m.RequestParameters[k] || loc == "path"}
		e.stringType(p)
		params = append(params, p)
	}
	if len(m.RequestModels) > 0 {
		cts := sortedKeys(m.RequestModels)
		if e.o.OAS3 {
			content := map[string]any{}
			for _, ct := range cts {
				content[ct] = map[string]any{"schema": e.ref(m.RequestModels[ct])}
			}
			op["requestBody"] = map[string]any{"content": content, "required": true}
		} else {
			op["consumes"] = cts
			// Swagger 2.0 has one body: the first content type's model.
			model := m.RequestModels[cts[0]]
			params = append(params, map[string]any{"in": "body", "name": model, "required": true, "schema": e.ref(model)})
		}
	}
	if params != nil {
		op["parameters"] = params
	}
	op["responses"] = e.responses(m)
	if !e.o.OAS3 {
		produces := map[string]bool{}
		for _, mr := range m.MethodResponses {
			for ct := range mr.ResponseModels {
				produces[ct] = true
			}
		}
		if len(produces) > 0 {
			op["produces"] = sortedKeys(produces)
		}
	}
	var sec []any
	switch m.AuthorizationType {
	case "AWS_IAM":
		sec = append(sec, map[string]any{"sigv4": []string{}})
		e.schemes["sigv4"] = map[string]any{"type": "apiKey", "name": "Authorization", "in": "header", "x-amazon-apigateway-authtype": "awsSigv4"}
	case "CUSTOM":
		if az := e.o.AuthorizerByID[m.AuthorizerID]; az != nil {
			scopes := m.AuthorizationScopes
			if scopes == nil {
				scopes = []string{}
			}
			sec = append(sec, map[string]any{az.Name: scopes})
			e.schemes[az.Name] = e.authorizerScheme(az)
		}
	}
	if m.APIKeyRequired {
		sec = append(sec, map[string]any{"api_key": []string{}})
		e.schemes["api_key"] = map[string]any{"type": "apiKey", "name": "x-api-key", "in": "header"}
	}
	if sec != nil {
		op["security"] = sec
	}
	if e.o.APIGateway && m.RequestValidatorID != "" {
		if v := e.d.Validators[m.RequestValidatorID]; v != nil {
			op["x-amazon-apigateway-request-validator"] = v.Name
		}
	}
	if e.o.Integrations && m.MethodIntegration != nil {
		op["x-amazon-apigateway-integration"] = integrationExtension(m.MethodIntegration)
	}
	return op
}

// responses are the method responses: headers from responseParameters,
// bodies from responseModels.
func (e *exporter) responses(m *Method) map[string]any {
	resp := map[string]any{}
	for code, mr := range m.MethodResponses {
		x := map[string]any{"description": code + " response"}
		headers := map[string]any{}
		for k := range mr.ResponseParameters {
			if h, ok := strings.CutPrefix(k, "method.response.header."); ok {
				hv := map[string]any{}
				e.stringType(hv)
				headers[h] = hv
			}
		}
		if len(headers) > 0 {
			x["headers"] = headers
		}
		if len(mr.ResponseModels) > 0 {
			cts := sortedKeys(mr.ResponseModels)
			if e.o.OAS3 {
				content := map[string]any{}
				for _, ct := range cts {
					content[ct] = map[string]any{"schema": e.ref(mr.ResponseModels[ct])}
				}
				x["content"] = content
			} else {
				x["schema"] = e.ref(mr.ResponseModels[cts[0]])
			}
		}
		resp[code] = x
	}
	if len(resp) == 0 {
		resp["200"] = map[string]any{"description": "200 response"}
	}
	return resp
}

// authorizerScheme is the security scheme of a Lambda authorizer: an
// apiKey scheme naming the token header (TOKEN) or the one header source
// ("Unused" otherwise) with x-amazon-apigateway-authtype, and with the
// authorizers extension its x-amazon-apigateway-authorizer object.
func (e *exporter) authorizerScheme(az *LambdaAuthorizer) map[string]any {
	name := "Unused"
	srcs, _ := ParseIdentitySources(az.IdentitySource)
	if len(srcs) == 1 {
		if h, ok := strings.CutPrefix(srcs[0], "method.request.header."); ok {
			name = h
		}
	}
	authtype := az.AuthType
	if authtype == "" {
		authtype = "custom"
	}
	s := map[string]any{"type": "apiKey", "name": name, "in": "header", "x-amazon-apigateway-authtype": authtype}
	if !e.o.Authorizers {
		return s
	}
	x := map[string]any{"type": strings.ToLower(az.Type), "authorizerUri": az.AuthorizerURI}
	if az.AuthorizerCredentials != "" {
		x["authorizerCredentials"] = az.AuthorizerCredentials
	}
	if az.AuthorizerResultTTLInSeconds != nil {
		x["authorizerResultTtlInSeconds"] = *az.AuthorizerResultTTLInSeconds
	}
	if az.Type == "REQUEST" && az.IdentitySource != "" {
		x["identitySource"] = az.IdentitySource
	}
	if az.IdentityValidationExpression != "" {
		x["identityValidationExpression"] = az.IdentityValidationExpression
	}
	s["x-amazon-apigateway-authorizer"] = x
	return s
}

// models are the deployment's models as document schemas, their model
// URL references rewritten to document references.
func (e *exporter) models() map[string]any {
	out := map[string]any{}
	for name, m := range e.d.Models {
		if m.Schema == "" {
			continue
		}
		var tree any
		if json.Unmarshal([]byte(m.Schema), &tree) != nil {
			continue
		}
		obj, ok := tree.(map[string]any)
		if !ok {
			continue
		}
		delete(obj, "$schema")
		e.rewriteModelRefs(obj)
		out[name] = obj
	}
	return out
}

func (e *exporter) rewriteModelRefs(v any) {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			if s, ok := x.(string); ok && k == "$ref" {
				if m := modelURLRE.FindStringSubmatch(s); m != nil {
					t[k] = e.modelRef + m[1]
				}
				continue
			}
			e.rewriteModelRefs(x)
		}
	case []any:
		for _, x := range t {
			e.rewriteModelRefs(x)
		}
	}
}

// validators are the deployment's request validators by name.
func (e *exporter) validators() map[string]any {
	out := map[string]any{}
	for _, v := range e.d.Validators {
		if v.Name == "" {
			continue
		}
		out[v.Name] = map[string]any{"validateRequestBody": v.ValidateRequestBody, "validateRequestParameters": v.ValidateRequestParameters}
	}
	return out
}

// integrationExtension is x-amazon-apigateway-integration of in.
func integrationExtension(in *Integration) map[string]any {
	x := map[string]any{"type": strings.ToLower(in.Type)}
	if in.PassthroughBehavior != "" {
		x["passthroughBehavior"] = strings.ToLower(in.PassthroughBehavior)
	}
	if in.HTTPMethod != "" {
		x["httpMethod"] = in.HTTPMethod
	}
	if in.URI != "" {
		x["uri"] = in.URI
	}
	if in.Credentials != "" {
		x["credentials"] = in.Credentials
	}
	if in.ConnectionType != "" && in.ConnectionType != "INTERNET" {
		x["connectionType"] = in.ConnectionType
	}
	if in.ConnectionID != "" {
		x["connectionId"] = in.ConnectionID
	}
	if in.ContentHandling != "" {
		x["contentHandling"] = in.ContentHandling
	}
	if len(in.RequestParameters) > 0 {
		x["requestParameters"] = in.RequestParameters
	}
	if len(in.RequestTemplates) > 0 {
		x["requestTemplates"] = in.RequestTemplates
	}
	if in.TimeoutInMillis != 0 {
		x["timeoutInMillis"] = in.TimeoutInMillis
	}
	if len(in.CacheKeyParameters) > 0 {
		x["cacheKeyParameters"] = in.CacheKeyParameters
	}
	if len(in.TLSConfig) > 0 {
		x["tlsConfig"] = in.TLSConfig
	}
	if len(in.IntegrationResponses) > 0 {
		rs := map[string]any{}
		for code, ir := range in.IntegrationResponses {
			sel := ir.SelectionPattern
			if sel == "" {
				sel = "default"
			}
			r := map[string]any{"statusCode": code}
			if len(ir.ResponseParameters) > 0 {
				r["responseParameters"] = ir.ResponseParameters
			}
			if len(ir.ResponseTemplates) > 0 {
				r["responseTemplates"] = ir.ResponseTemplates
			}
			if ir.ContentHandling != "" {
				r["contentHandling"] = ir.ContentHandling
			}
			rs[sel] = r
		}
		x["responses"] = rs
	}
	return x
}

// documentationExtension renders a documentation snapshot as AWS's export
// does: {version, createdDate, documentationParts: [{location,
// properties}]}, the properties as JSON, a location's default path "/"
// left out (the developer guide's export example). Parts are ordered by
// location for a stable document.
func documentationExtension(dv *DocVersionRecord) map[string]any {
	parts := make([]*DocumentationPart, 0, len(dv.Parts))
	for _, p := range dv.Parts {
		parts = append(parts, p)
	}
	key := func(p *DocumentationPart) string {
		l := p.Location
		return l.Type + "\x00" + l.Path + "\x00" + l.Method + "\x00" + l.StatusCode + "\x00" + l.Name + "\x00" + p.ID
	}
	sort.Slice(parts, func(i, j int) bool { return key(parts[i]) < key(parts[j]) })
	out := make([]any, 0, len(parts))
	for _, p := range parts {
		loc := p.Location
		if loc.Path == "/" {
			loc.Path = ""
		}
		var props any = p.Properties
		var v any
		if json.Unmarshal([]byte(p.Properties), &v) == nil {
			props = v
		}
		out = append(out, map[string]any{"location": loc, "properties": props})
	}
	return map[string]any{
		"version":            dv.Version.Version,
		"createdDate":        time.Unix(dv.Version.CreatedDate, 0).UTC().Format("2006-01-02T15:04:05Z"),
		"documentationParts": out,
	}
}
