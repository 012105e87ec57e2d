package apigw

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/oasdiff/yaml"

	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// getExport renders the stage's deployment as OpenAPI 3 (oas30) or Swagger
// 2 (swagger), JSON or YAML by Accept, with the integration extensions when
// asked for (extensions=integrations|apigateway).
func (s *Service) getExport(c *call) (int, any, error) {
	kind := c.seg[5]
	var doc map[string]any
	_, err := s.st.View(c.ctx, func(r store.Reader) error {
		a, err := loadAPI(r, c, c.seg[1])
		if err != nil {
			return err
		}
		st, err := loadStage(r, a.API.ID, c.seg[3])
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
		ext := c.r.URL.Query().Get("extensions")
		doc = ExportWithDomain(a.API, d, st.Stage.StageName, kind == "oas30", strings.Contains(ext, "integrations") || strings.Contains(ext, "apigateway"), s.domain())
		return nil
	})
	if err != nil {
		return 0, nil, err
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return 0, nil, err
	}
	if strings.Contains(c.r.Header.Get("Accept"), "yaml") {
		y, err := yaml.JSONToYAML(b)
		if err != nil {
			return 0, nil, err
		}
		return http.StatusOK, rawBody{contentType: "application/yaml", body: y}, nil
	}
	return http.StatusOK, rawBody{contentType: "application/json", body: b}, nil
}

// Export builds the OpenAPI document of a deployment.
func Export(api RestAPI, d *DeploymentRecord, stage string, oas3, integrations bool) map[string]any {
	return ExportWithDomain(api, d, stage, oas3, integrations, "amazonaws.com")
}

// ExportWithDomain is Export with the invoke host under domain (the URL
// suffix, port included if any) instead of amazonaws.com.
func ExportWithDomain(api RestAPI, d *DeploymentRecord, stage string, oas3, integrations bool, domain string) map[string]any {
	info := map[string]any{"title": api.Name, "version": api.Version}
	if api.Version == "" {
		info["version"] = "1.0"
	}
	if api.Description != "" {
		info["description"] = api.Description
	}
	doc := map[string]any{"info": info}
	host := api.ID + ".execute-api." + d.Region + "." + domain
	if oas3 {
		doc["openapi"] = "3.0.1"
		doc["servers"] = []any{map[string]any{"url": "https://" + host + "/{basePath}",
			"variables": map[string]any{"basePath": map[string]any{"default": stage}}}}
	} else {
		doc["swagger"] = "2.0"
		doc["host"] = host
		doc["basePath"] = "/" + stage
		doc["schemes"] = []string{"https"}
	}
	paths := map[string]any{}
	usesIAM, usesKey := false, false
	for _, r := range d.Resources {
		item := map[string]any{}
		for verb, m := range r.ResourceMethods {
			op := map[string]any{}
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
				p := map[string]any{"name": name, "in": loc, "required": m.RequestParameters[k] || loc == "path"}
				if oas3 {
					p["schema"] = map[string]any{"type": "string"}
				} else {
					p["type"] = "string"
				}
				params = append(params, p)
			}
			if params != nil {
				op["parameters"] = params
			}
			resp := map[string]any{}
			for code := range m.MethodResponses {
				resp[code] = map[string]any{"description": code + " response"}
			}
			if len(resp) == 0 {
				resp["200"] = map[string]any{"description": "200 response"}
			}
			op["responses"] = resp
			var sec []any
			if m.AuthorizationType == "AWS_IAM" {
				sec = append(sec, map[string]any{"sigv4": []string{}})
				usesIAM = true
			}
			if m.APIKeyRequired {
				sec = append(sec, map[string]any{"api_key": []string{}})
				usesKey = true
			}
			if sec != nil {
				op["security"] = sec
			}
			if integrations && m.MethodIntegration != nil {
				in := m.MethodIntegration
				x := map[string]any{"type": strings.ToLower(in.Type), "passthroughBehavior": strings.ToLower(in.PassthroughBehavior)}
				if in.HTTPMethod != "" {
					x["httpMethod"] = in.HTTPMethod
				}
				if in.URI != "" {
					x["uri"] = in.URI
				}
				if in.RequestParameters != nil {
					x["requestParameters"] = in.RequestParameters
				}
				if in.RequestTemplates != nil {
					x["requestTemplates"] = in.RequestTemplates
				}
				if in.TimeoutInMillis != 0 {
					x["timeoutInMillis"] = in.TimeoutInMillis
				}
				if len(in.IntegrationResponses) > 0 {
					rs := map[string]any{}
					for code, ir := range in.IntegrationResponses {
						sel := ir.SelectionPattern
						if sel == "" {
							sel = "default"
						}
						e := map[string]any{"statusCode": code}
						if ir.ResponseParameters != nil {
							e["responseParameters"] = ir.ResponseParameters
						}
						if ir.ResponseTemplates != nil {
							e["responseTemplates"] = ir.ResponseTemplates
						}
						rs[sel] = e
					}
					x["responses"] = rs
				}
				op["x-amazon-apigateway-integration"] = x
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
	schemes := map[string]any{}
	if usesIAM {
		schemes["sigv4"] = map[string]any{"type": "apiKey", "name": "Authorization", "in": "header", "x-amazon-apigateway-authtype": "awsSigv4"}
	}
	if usesKey {
		schemes["api_key"] = map[string]any{"type": "apiKey", "name": "x-api-key", "in": "header"}
	}
	if len(schemes) > 0 {
		if oas3 {
			doc["components"] = map[string]any{"securitySchemes": schemes}
		} else {
			doc["securityDefinitions"] = schemes
		}
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
	return doc
}
