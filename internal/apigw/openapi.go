package apigw

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync/atomic"

	"github.com/getkin/kin-openapi/openapi2"
	"github.com/getkin/kin-openapi/openapi2conv"
	"github.com/getkin/kin-openapi/openapi3"

	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

const extPrefix = "x-amazon-apigateway-"

// Import is the result of translating an OpenAPI definition.
type Import struct {
	Title, Description, Version string
	// Policy is the raw x-amazon-apigateway-policy JSON ("" if none).
	Policy           string
	APIKeySource     string
	BinaryMediaTypes []string
	EndpointTypes    []string
	MinCompression   *int
	// Paths maps resource paths to their methods.
	Paths    map[string]map[string]*Method
	Warnings []string
	// Authorizers are the Lambda authorizers of the security schemes, by
	// scheme name (authzimport.go).
	Authorizers map[string]*LambdaAuthorizer
	importExt
}

var verbs3 = []string{"GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH"}

// ParseDefinition reads an OpenAPI 3.0 or Swagger 2.0 document (JSON or
// YAML) with kin-openapi and translates it with the x-amazon-apigateway-*
// extensions (spec §9). Extensions gatehouse does not implement become
// warnings, never silent drops.
func ParseDefinition(ctx context.Context, body []byte) (*Import, error) {
	return parseDefinition(ctx, body, 0)
}

// importProgress, when set (tests), is called every progressEvery paths
// of a translation or an import, with the request's context.
var importProgress atomic.Pointer[func(ctx context.Context, done int)]

const progressEvery = 256

// checkpoint stops an import whose client has gone (its request context
// is done), every progressEvery paths: a large import does no work for
// nobody (issue #12 item 13).
func checkpoint(ctx context.Context, done int) error {
	if done%progressEvery != 0 {
		return nil
	}
	if f := importProgress.Load(); f != nil {
		(*f)(ctx, done)
	}
	return ctx.Err()
}

// parseDefinition is ParseDefinition for an API of at most maxResources
// resources (0: no limit): a document with more paths is refused before
// its operations are translated.
func parseDefinition(ctx context.Context, body []byte, maxResources int) (*Import, error) {
	js, err := definitionJSON(body)
	if awserr.BadRequestException.Is(err) {
		return nil, err
	}
	if err != nil {
		return nil, awserr.BadRequestException.Errorf("Invalid OpenAPI input: %s", firstLine(err.Error()))
	}
	var probe struct {
		Swagger string          `json:"swagger"`
		OpenAPI string          `json:"openapi"`
		Paths   json.RawMessage `json:"paths"`
		Info    json.RawMessage `json:"info"`
	}
	_ = json.Unmarshal(js, &probe)
	// A document that is not an OpenAPI document fails to parse, as on
	// AWS, rather than importing as an empty API with warnings.
	if probe.Swagger != "" || probe.OpenAPI != "" {
		switch {
		case probe.Paths == nil:
			return nil, errParse("'paths' is a required property")
		case probe.Paths[0] != '{':
			return nil, errParse("'paths' is not an object")
		case probe.Info == nil:
			return nil, errParse("'info' is a required property")
		case probe.OpenAPI != "" && !strings.HasPrefix(probe.OpenAPI, "3."):
			return nil, errParse(fmt.Sprintf("unsupported OpenAPI version %q", echo(probe.OpenAPI)))
		case probe.Swagger != "" && probe.Swagger != "2.0":
			return nil, errParse(fmt.Sprintf("unsupported Swagger version %q", echo(probe.Swagger)))
		}
	}
	var doc *openapi3.T
	switch {
	case probe.Swagger != "":
		var d2 openapi2.T
		if err := json.Unmarshal(js, &d2); err != nil {
			return nil, awserr.BadRequestException.Errorf("Invalid OpenAPI input: %s", firstLine(err.Error()))
		}
		if doc, err = openapi2conv.ToV3(&d2); err != nil {
			return nil, awserr.BadRequestException.Errorf("Invalid OpenAPI input: %s", firstLine(err.Error()))
		}
	case probe.OpenAPI != "":
		loader := openapi3.NewLoader()
		loader.Context = ctx
		if doc, err = loader.LoadFromData(js); err != nil {
			return nil, awserr.BadRequestException.Errorf("Invalid OpenAPI input: %s", firstLine(err.Error()))
		}
	default:
		return nil, awserr.BadRequestException.New("Invalid OpenAPI input: neither 'openapi' nor 'swagger' is specified")
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return translate(ctx, doc, maxResources)
}

// errParse is the failure of a document that is not a valid OpenAPI
// document (the wording AWS's importer uses).
func errParse(cause string) error {
	return awserr.BadRequestException.Errorf("Failed to parse the uploaded OpenAPI document due to: %s", echoLong(cause))
}

// echoLong bounds a parser's message quoted back to the client.
func echoLong(v string) string {
	if len(v) > 512 {
		return v[:512] + "..."
	}
	return v
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

func translate(ctx context.Context, doc *openapi3.T, maxResources int) (*Import, error) {
	im := &Import{Paths: map[string]map[string]*Method{}}
	if doc.Info != nil {
		im.Title, im.Description, im.Version = doc.Info.Title, doc.Info.Description, doc.Info.Version
	}
	for _, k := range sortedKeys(doc.Extensions) {
		v := doc.Extensions[k]
		switch k {
		case extPrefix + "policy":
			b, err := json.Marshal(v)
			if err != nil {
				return nil, errPolicy
			}
			if s, ok := v.(string); ok {
				b = []byte(s)
			}
			im.Policy = string(b)
		case extPrefix + "api-key-source":
			s, _ := v.(string)
			s = strings.ToUpper(s)
			if !validAPIKeySource(s) {
				return nil, awserr.BadRequestException.Errorf("Invalid API Key Source: %v", v)
			}
			im.APIKeySource = s
		case extPrefix + "binary-media-types":
			for _, x := range asList(v) {
				if s, ok := x.(string); ok {
					im.BinaryMediaTypes = append(im.BinaryMediaTypes, s)
				}
			}
		case extPrefix + "endpoint-configuration":
			if m, ok := v.(map[string]any); ok {
				for _, t := range asList(m["types"]) {
					if s, ok := t.(string); ok {
						im.EndpointTypes = append(im.EndpointTypes, strings.ToUpper(s))
					}
				}
			}
		case extPrefix + "minimum-compression-size":
			if f, ok := v.(float64); ok {
				n := int(f)
				im.MinCompression = &n
			}
		case extPrefix + "importexport-version":
		case extPrefix + "documentation":
			parts, err := parseDocExtension(v)
			if err != nil {
				return nil, err
			}
			im.DocParts = parts
		case extPrefix + "request-validators", extPrefix + "request-validator", extPrefix + "gateway-responses":
			if _, err := im.rootExtension(k, v); err != nil {
				return nil, err
			}
		default:
			if strings.HasPrefix(k, extPrefix) {
				im.warn("Unsupported extension %s at the document root was ignored", k)
			}
		}
	}
	if err := im.importModels(doc); err != nil {
		return nil, err
	}
	if doc.Paths == nil {
		return im, nil
	}
	paths := doc.Paths.Map()
	// Every path but "/" is a resource of its own, besides the root: more
	// paths than the quota can never be imported.
	if maxResources > 0 && len(paths) >= maxResources {
		distinct := make(map[string]bool, len(paths))
		for p := range paths {
			if np := normalizePath(p); np != "/" {
				distinct[np] = true
			}
		}
		if len(distinct)+1 > maxResources {
			return nil, errTooManyResources
		}
	}
	for k, p := range sortedKeys(paths) {
		if err := checkpoint(ctx, k); err != nil {
			return nil, err
		}
		item := paths[p]
		if item == nil {
			continue
		}
		methods := map[string]*Method{}
		ops := map[string]*openapi3.Operation{}
		for _, verb := range verbs3 {
			if op := item.GetOperation(verb); op != nil {
				ops[verb] = op
			}
		}
		for _, k := range sortedKeys(item.Extensions) {
			switch {
			case k == extPrefix+"any-method":
				b, _ := json.Marshal(item.Extensions[k])
				var op openapi3.Operation
				if err := op.UnmarshalJSON(b); err != nil {
					return nil, awserr.BadRequestException.Errorf("Invalid OpenAPI input: %s %s: %s", p, k, firstLine(err.Error()))
				}
				ops["ANY"] = &op
			case strings.HasPrefix(k, extPrefix):
				im.warn("Unsupported extension %s on path %s was ignored", k, p)
			}
		}
		if item.Trace != nil || item.Connect != nil {
			im.warn("Unsupported HTTP method on path %s was ignored", p)
		}
		for _, verb := range sortedKeys(ops) {
			m, err := im.method(doc, p, verb, item, ops[verb])
			if err != nil {
				return nil, err
			}
			methods[verb] = m
		}
		im.Paths[normalizePath(p)] = methods
	}
	return im, nil
}

func normalizePath(p string) string {
	p = "/" + strings.Trim(p, "/")
	return p
}

func asList(v any) []any {
	if l, ok := v.([]any); ok {
		return l
	}
	return nil
}

func (im *Import) warn(format string, args ...any) {
	im.Warnings = append(im.Warnings, fmt.Sprintf(format, args...))
}

func (im *Import) method(doc *openapi3.T, path, verb string, item *openapi3.PathItem, op *openapi3.Operation) (*Method, error) {
	where := verb + " " + path
	m := &Method{HTTPMethod: verb, AuthorizationType: "NONE", OperationName: op.OperationID}
	params := append(openapi3.Parameters{}, item.Parameters...)
	params = append(params, op.Parameters...)
	for _, pr := range params {
		if pr == nil || pr.Value == nil {
			continue
		}
		loc := pr.Value.In
		if loc == "query" {
			loc = "querystring"
		}
		switch loc {
		case "path", "querystring", "header":
			if m.RequestParameters == nil {
				m.RequestParameters = map[string]bool{}
			}
			m.RequestParameters["method.request."+loc+"."+pr.Value.Name] = pr.Value.Required
		}
	}
	if op.Security != nil {
		for _, req := range *op.Security {
			for _, name := range sortedKeys(req) {
				if err := im.security(doc, where, name, m); err != nil {
					return nil, err
				}
			}
		}
	}
	for _, k := range sortedKeys(op.Extensions) {
		v := op.Extensions[k]
		switch k {
		case extPrefix + "integration":
			in, err := im.integration(where, v)
			if err != nil {
				return nil, err
			}
			m.MethodIntegration = in
		case extPrefix + "auth":
			// The older form: {"type": "aws_iam"}.
			if mm, ok := v.(map[string]any); ok {
				if t, _ := mm["type"].(string); strings.EqualFold(t, "aws_iam") {
					m.AuthorizationType = "AWS_IAM"
				} else if !strings.EqualFold(t, "none") {
					im.warn("Unsupported authorization type %v on %s; the method denies every request", t, where)
					m.AuthorizationType = "CUSTOM"
				}
			}
		case extPrefix + "request-validator":
			// methodModels, below.
		case extPrefix + "api-key-source":
			im.warn("Unsupported extension %s on %s was ignored", k, where)
		default:
			if strings.HasPrefix(k, extPrefix) {
				im.warn("Unsupported extension %s on %s was ignored", k, where)
			}
		}
	}
	if err := im.methodModels(op, m); err != nil {
		return nil, err
	}
	// A method without x-amazon-apigateway-integration imports without a
	// warning, as on AWS; CreateDeployment refuses it ("No integration
	// defined for method") until one is set.
	if op.Responses != nil {
		for code := range op.Responses.Map() {
			if validStatus(code) == nil {
				if m.MethodResponses == nil {
					m.MethodResponses = map[string]*MethodResponse{}
				}
				m.MethodResponses[code] = methodResponse(code, op.Responses.Value(code).Value)
			}
		}
	}
	return m, nil
}

// methodResponse is the method response of status code from the
// operation's response r: its headers become response parameters (not
// required), its content schemas that reference a component the response
// models.
func methodResponse(code string, r *openapi3.Response) *MethodResponse {
	mr := &MethodResponse{StatusCode: code}
	if r == nil {
		return mr
	}
	for _, h := range sortedKeys(r.Headers) {
		if mr.ResponseParameters == nil {
			mr.ResponseParameters = map[string]bool{}
		}
		mr.ResponseParameters["method.response.header."+h] = false
	}
	for _, ct := range sortedKeys(r.Content) {
		c := r.Content[ct]
		if c == nil || c.Schema == nil || !strings.HasPrefix(c.Schema.Ref, componentRef) {
			continue
		}
		if mr.ResponseModels == nil {
			mr.ResponseModels = map[string]string{}
		}
		mr.ResponseModels[ct] = strings.TrimPrefix(c.Schema.Ref, componentRef)
	}
	return mr
}

// security applies one security requirement to m.
func (im *Import) security(doc *openapi3.T, where, name string, m *Method) error {
	var ss *openapi3.SecurityScheme
	if doc.Components != nil {
		if ref := doc.Components.SecuritySchemes[name]; ref != nil {
			ss = ref.Value
		}
	}
	if ss == nil {
		return awserr.BadRequestException.Errorf("Invalid OpenAPI input: security scheme %s used by %s is not defined", name, where)
	}
	authtype, _ := ss.Extensions[extPrefix+"authtype"].(string)
	_, hasAuthorizer := ss.Extensions[extPrefix+"authorizer"]
	if hasAuthorizer && !strings.EqualFold(authtype, "cognito_user_pools") {
		ok, err := im.lambdaAuthorizer(name, ss)
		if err != nil {
			return err
		}
		if ok {
			m.AuthorizationType = "CUSTOM"
			m.AuthorizerID = authorizerRefPrefix + name
			return nil
		}
	}
	switch {
	case strings.EqualFold(authtype, "awsSigv4"):
		m.AuthorizationType = "AWS_IAM"
	case ss.Type == "apiKey" && strings.EqualFold(ss.Name, "x-api-key") && ss.In == "header" && authtype == "" && !hasAuthorizer:
		m.APIKeyRequired = true
	case strings.EqualFold(authtype, "cognito_user_pools"):
		im.warn("Unsupported authorizer type cognito_user_pools (scheme %s) on %s; the method denies every request", name, where)
		m.AuthorizationType = "COGNITO_USER_POOLS"
	case hasAuthorizer || authtype != "":
		im.warn("Unsupported Lambda authorizer (scheme %s) on %s; the method denies every request", name, where)
		m.AuthorizationType = "CUSTOM"
	default:
		im.warn("Unsupported security scheme %s (type %s) on %s was ignored", name, ss.Type, where)
	}
	return nil
}

type xResponse struct {
	StatusCode         string            `json:"statusCode"`
	ResponseParameters map[string]string `json:"responseParameters"`
	ResponseTemplates  map[string]string `json:"responseTemplates"`
	ContentHandling    string            `json:"contentHandling"`
}

type xIntegration struct {
	Type                string               `json:"type"`
	HTTPMethod          string               `json:"httpMethod"`
	URI                 string               `json:"uri"`
	Credentials         string               `json:"credentials"`
	RequestParameters   map[string]string    `json:"requestParameters"`
	RequestTemplates    map[string]string    `json:"requestTemplates"`
	PassthroughBehavior string               `json:"passthroughBehavior"`
	ContentHandling     string               `json:"contentHandling"`
	TimeoutInMillis     int                  `json:"timeoutInMillis"`
	CacheNamespace      string               `json:"cacheNamespace"`
	CacheKeyParameters  []string             `json:"cacheKeyParameters"`
	ConnectionType      string               `json:"connectionType"`
	ConnectionID        string               `json:"connectionId"`
	TLSConfig           map[string]any       `json:"tlsConfig"`
	Responses           map[string]xResponse `json:"responses"`
}

var knownIntegrationKeys = map[string]bool{"type": true, "httpMethod": true, "uri": true, "credentials": true,
	"requestParameters": true, "requestTemplates": true, "passthroughBehavior": true, "contentHandling": true,
	"timeoutInMillis": true, "cacheNamespace": true, "cacheKeyParameters": true, "connectionType": true,
	"connectionId": true, "tlsConfig": true, "responses": true}

func (im *Import) integration(where string, v any) (*Integration, error) {
	raw, ok := v.(map[string]any)
	if !ok {
		return nil, awserr.BadRequestException.Errorf("Invalid OpenAPI input: x-amazon-apigateway-integration on %s is not an object", where)
	}
	for _, k := range sortedKeys(raw) {
		if !knownIntegrationKeys[k] {
			im.warn("Unsupported integration property %s on %s was ignored (HTTP APIs only)", k, where)
		}
	}
	b, _ := json.Marshal(raw)
	var x xIntegration
	if err := json.Unmarshal(b, &x); err != nil {
		return nil, awserr.BadRequestException.Errorf("Invalid OpenAPI input: x-amazon-apigateway-integration on %s: %s", where, firstLine(err.Error()))
	}
	in := &Integration{Type: x.Type, HTTPMethod: x.HTTPMethod, URI: x.URI, Credentials: x.Credentials,
		RequestParameters: x.RequestParameters, RequestTemplates: x.RequestTemplates,
		PassthroughBehavior: x.PassthroughBehavior, ContentHandling: x.ContentHandling,
		TimeoutInMillis: x.TimeoutInMillis, CacheNamespace: x.CacheNamespace, CacheKeyParameters: x.CacheKeyParameters,
		ConnectionType: strings.ToUpper(x.ConnectionType), ConnectionID: x.ConnectionID, TLSConfig: x.TLSConfig}
	if err := validateIntegration(in); err != nil {
		e := awserr.From(err)
		return nil, awserr.BadRequestException.Errorf("Errors found during import:\n\tUnable to put integration on '%s': %s", where, e.Message)
	}
	// connectionType VPC_LINK imports as PutIntegration stores it: AWS's
	// import accepts it (x-amazon-apigateway-integration documents
	// connectionType and connectionId), and gatehouse, having no VPC, calls
	// the uri directly for both (doc/apigateway.md, VPC links).
	for sel, r := range x.Responses {
		if validStatus(r.StatusCode) != nil {
			return nil, awserr.BadRequestException.Errorf("Errors found during import:\n\tInvalid status code in integration response %q on %s", sel, where)
		}
		if in.IntegrationResponses == nil {
			in.IntegrationResponses = map[string]*IntegrationResponse{}
		}
		ir := &IntegrationResponse{StatusCode: r.StatusCode, ResponseParameters: r.ResponseParameters,
			ResponseTemplates: r.ResponseTemplates, ContentHandling: r.ContentHandling}
		if sel != "default" {
			ir.SelectionPattern = sel
		}
		in.IntegrationResponses[r.StatusCode] = ir
	}
	return in, nil
}

// apply writes an import into a (overwrite replaces the resource tree),
// creating at most maxResources resources in all, in time linear in the
// number of paths and resources.
func (im *Import) apply(ctx context.Context, a *APIRecord, overwrite bool, maxResources int) error {
	if overwrite {
		root := a.Resources[a.API.RootResourceID]
		root.ResourceMethods = nil
		a.Resources = map[string]*Resource{root.ID: root}
		a.API.Policy = ""
	}
	if im.Title != "" {
		a.API.Name = im.Title
	}
	if im.Description != "" || overwrite {
		a.API.Description = im.Description
	}
	if im.Version != "" || overwrite {
		a.API.Version = im.Version
	}
	if im.APIKeySource != "" {
		a.API.APIKeySource = im.APIKeySource
	}
	if im.BinaryMediaTypes != nil || overwrite {
		a.API.BinaryMediaTypes = im.BinaryMediaTypes
	}
	if im.MinCompression != nil || overwrite {
		a.API.MinimumCompressionSize = im.MinCompression
	}
	if im.DocParts != nil || overwrite {
		if err := applyDocParts(a, im.DocParts, overwrite); err != nil {
			return err
		}
	}
	if len(im.EndpointTypes) > 0 {
		a.API.EndpointConfiguration = &EndpointConfiguration{Types: im.EndpointTypes}
	}
	if im.Policy != "" {
		pol, err := NormalizePolicy(im.Policy, a.Region, a.Account, a.API.ID)
		if err != nil {
			return err
		}
		a.API.Policy = pol
	}
	paths := make([]string, 0, len(im.Paths))
	for p := range im.Paths {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	t := newTree(a, maxResources)
	for k, p := range paths {
		if err := checkpoint(ctx, k); err != nil {
			return err
		}
		r, err := t.ensurePath(p)
		if errors.Is(err, errTooManyResources) {
			return err
		}
		if err != nil {
			e := awserr.From(err)
			return awserr.BadRequestException.Errorf("Errors found during import:\n\tUnable to create resource at path '%s': %s", p, e.Message)
		}
		for verb, m := range im.Paths[p] {
			if m.MethodIntegration != nil {
				if err := validateIntegrationCredentials(m.MethodIntegration, a.Account); err != nil {
					return err
				}
				m.MethodIntegration.CacheNamespace = r.ID
			}
			if r.ResourceMethods == nil {
				r.ResourceMethods = map[string]*Method{}
			}
			r.ResourceMethods[verb] = m
		}
	}
	if err := im.applyModels(a, overwrite); err != nil {
		return err
	}
	a.API.Warnings = im.Warnings
	return nil
}

// failOnWarnings reports AWS's failure for failonwarnings=true.
func failOnWarnings(in *openAPIIn, im *Import) error {
	if in.FailOnWarnings != "true" || len(im.Warnings) == 0 {
		return nil
	}
	return awserr.BadRequestException.Errorf("Warnings found during import:\n\t%s", strings.Join(im.Warnings, "\n\t"))
}

func checkBasePath(in *openAPIIn, im *Import) {
	switch bp := in.BasePath; bp {
	case "", "ignore":
	default:
		im.warn("Unsupported import parameter basepath=%s; base paths are ignored", bp)
	}
}

// openAPIIn is the input of ImportRestApi and PutRestApi: the definition
// and the import's query parameters.
type openAPIIn struct {
	Body                       []byte // the OpenAPI definition
	Mode                       string // ?mode= (PutRestApi: merge or overwrite)
	FailOnWarnings             string // ?failonwarnings=
	BasePath                   string // ?basepath=
	EndpointConfigurationTypes string // ?endpointConfigurationTypes= (ImportRestApi)
}

func (in *openAPIIn) decodeFrom(q url.Values, _ http.Header, b []byte) error {
	in.Body, in.Mode, in.FailOnWarnings = b, q.Get("mode"), q.Get("failonwarnings")
	in.BasePath, in.EndpointConfigurationTypes = q.Get("basepath"), q.Get("endpointConfigurationTypes")
	return nil
}

func (s *Service) importRestAPI(c *call, in *openAPIIn) (*ImportRestApiOutput, error) {
	im, err := parseDefinition(c.ctx, in.Body, s.maxResources)
	if err != nil {
		return nil, err
	}
	checkBasePath(in, im)
	if err := failOnWarnings(in, im); err != nil {
		return nil, err
	}
	if im.Title == "" {
		return nil, awserr.BadRequestException.New("Invalid OpenAPI input: info.title is required for the API name")
	}
	a := s.newAPIRecord(c)
	if t := in.EndpointConfigurationTypes; t != "" {
		a.API.EndpointConfiguration = &EndpointConfiguration{Types: []string{strings.ToUpper(t)}}
	}
	if err := im.apply(c.ctx, a, true, s.maxResources); err != nil {
		return nil, err
	}
	_, err = s.st.Update(c.ctx, func(tx store.Tx) error {
		if err := im.storeAuthorizers(tx, a); err != nil {
			return err
		}
		if err := im.storeGatewayResponses(tx, a, true); err != nil {
			return err
		}
		return createJSON(tx, KindRestAPI, a.API.ID, a)
	})
	if err != nil {
		return nil, err
	}
	return &ImportRestApiOutput{wireAPI(a)}, nil
}

func (s *Service) putRestAPI(c *call, in *openAPIIn) (*PutRestApiOutput, error) {
	im, err := parseDefinition(c.ctx, in.Body, s.maxResources)
	if err != nil {
		return nil, err
	}
	checkBasePath(in, im)
	if err := failOnWarnings(in, im); err != nil {
		return nil, err
	}
	mode := in.Mode
	if mode == "" {
		mode = "merge"
	}
	if mode != "merge" && mode != "overwrite" {
		return nil, awserr.BadRequestException.New(`Enumeration value of OpenAPI import mode must be "overwrite" or "merge"`)
	}
	var out RestAPI
	err = s.updateAPI(c, func(tx store.Tx, a *APIRecord) error {
		if err := im.apply(c.ctx, a, mode == "overwrite", s.maxResources); err != nil {
			return err
		}
		if err := im.storeAuthorizers(tx, a); err != nil {
			return err
		}
		if err := im.storeGatewayResponses(tx, a, mode == "overwrite"); err != nil {
			return err
		}
		out = wireAPI(a)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &PutRestApiOutput{out}, nil
}
