package apigw

import (
	"sort"
	"strconv"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

var validVerbs = map[string]bool{"GET": true, "POST": true, "PUT": true, "PATCH": true, "DELETE": true, "HEAD": true, "OPTIONS": true, "ANY": true}

var validAuthTypes = map[string]bool{"NONE": true, "AWS_IAM": true, "CUSTOM": true, "COGNITO_USER_POOLS": true}

// authType returns the canonical (upper-case) form of an authorizationType.
// AWS accepts the value in any case (tools such as Zappa have long sent
// "none"); gatehouse stores the canonical form so that the data plane, which
// compares against "AWS_IAM" and "CUSTOM", can never read "aws_iam" as an
// open method.
func authType(v string) (string, bool) {
	u := strings.ToUpper(v)
	return u, validAuthTypes[u]
}

// methodOf finds the path's resource and method.
func methodOf(a *APIRecord, c *call) (*Resource, *Method, error) {
	r := a.Resources[c.path.Resource]
	if r == nil {
		return nil, nil, errResource
	}
	m := r.ResourceMethods[strings.ToUpper(c.path.Verb)]
	if m == nil {
		return r, nil, errMethod
	}
	return r, m, nil
}

type putMethodIn struct {
	AuthorizationType   string            `json:"authorizationType"`
	AuthorizerID        string            `json:"authorizerId"`
	APIKeyRequired      bool              `json:"apiKeyRequired"`
	OperationName       string            `json:"operationName"`
	RequestParameters   map[string]bool   `json:"requestParameters"`
	RequestModels       map[string]string `json:"requestModels"`
	RequestValidatorID  string            `json:"requestValidatorId"`
	AuthorizationScopes []string          `json:"authorizationScopes"`
}

func (s *Service) putMethod(c *call, req *jsonIn[putMethodIn]) (*PutMethodOutput, error) {
	in := req.Body
	verb := strings.ToUpper(c.path.Verb)
	if !validVerbs[verb] {
		return nil, awserr.BadRequestException.New("Invalid HttpMethod specified. Valid options are ANY,DELETE,GET,HEAD,OPTIONS,PATCH,POST,PUT")
	}
	var ok bool
	if in.AuthorizationType, ok = authType(in.AuthorizationType); !ok {
		return nil, awserr.BadRequestException.Errorf("Invalid authorization type specified. Valid options are NONE,AWS_IAM,CUSTOM,COGNITO_USER_POOLS")
	}
	if err := validateRequestParameters(in.RequestParameters); err != nil {
		return nil, err
	}
	m := &Method{HTTPMethod: verb, AuthorizationType: in.AuthorizationType, AuthorizerID: in.AuthorizerID,
		APIKeyRequired: in.APIKeyRequired, OperationName: in.OperationName, RequestParameters: in.RequestParameters,
		RequestModels: in.RequestModels, RequestValidatorID: in.RequestValidatorID, AuthorizationScopes: in.AuthorizationScopes}
	err := s.updateAPI(c, func(tx store.Tx, a *APIRecord) error {
		if err := checkMethodRefs(a, m); err != nil {
			return err
		}
		r := a.Resources[c.path.Resource]
		if r == nil {
			return errResource
		}
		if r.ResourceMethods[verb] != nil {
			return awserr.ConflictException.New("Method already exists for this resource")
		}
		if err := checkAuthorizerRef(tx, a, m); err != nil {
			return err
		}
		if r.ResourceMethods == nil {
			r.ResourceMethods = map[string]*Method{}
		}
		r.ResourceMethods[verb] = m
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &PutMethodOutput{m}, nil
}

func validateRequestParameters(p map[string]bool) error {
	for k := range p {
		if !strings.HasPrefix(k, "method.request.path.") && !strings.HasPrefix(k, "method.request.querystring.") &&
			!strings.HasPrefix(k, "method.request.header.") && !strings.HasPrefix(k, "method.request.multivaluequerystring.") &&
			!strings.HasPrefix(k, "method.request.multivalueheader.") {
			return awserr.BadRequestException.Errorf("Invalid method request parameter name specified: %s", k)
		}
	}
	return nil
}

func (s *Service) getMethod(c *call, _ *noIn) (*GetMethodOutput, error) {
	var out *Method
	err := s.viewAPI(c, func(a *APIRecord) error {
		_, m, err := methodOf(a, c)
		out = m
		return err
	})
	if err != nil {
		return nil, err
	}
	return &GetMethodOutput{out}, nil
}

func (s *Service) updateMethod(c *call, in *patchIn) (*UpdateMethodOutput, error) {
	ops := in.Ops
	var err error
	var out *Method
	err = s.updateAPI(c, func(tx store.Tx, a *APIRecord) error {
		_, m, err := methodOf(a, c)
		if err != nil {
			return err
		}
		for _, op := range ops {
			switch {
			case op.Path == "/authorizationType" && isSet(op):
				v, ok := authType(op.Value)
				if !ok {
					return awserr.BadRequestException.New("Invalid authorization type specified. Valid options are NONE,AWS_IAM,CUSTOM,COGNITO_USER_POOLS")
				}
				m.AuthorizationType = v
			case op.Path == "/apiKeyRequired":
				m.APIKeyRequired = op.Value == "true"
			case op.Path == "/operationName":
				m.OperationName = valueOrEmpty(op)
			case op.Path == "/authorizerId":
				m.AuthorizerID = valueOrEmpty(op)
			case op.Path == "/requestValidatorId", strings.HasPrefix(op.Path, "/requestModels/"):
				if err := patchMethodRefs(a, m, op); err != nil {
					return err
				}
			case strings.HasPrefix(op.Path, "/requestParameters/"):
				k := unescapePointer(strings.TrimPrefix(op.Path, "/requestParameters/"))
				if m.RequestParameters == nil {
					m.RequestParameters = map[string]bool{}
				}
				if op.Op == "remove" {
					delete(m.RequestParameters, k)
				} else {
					if err := validateRequestParameters(map[string]bool{k: true}); err != nil {
						return err
					}
					m.RequestParameters[k] = op.Value == "true"
				}
			default:
				return badPatch(op)
			}
		}
		out = m
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &UpdateMethodOutput{out}, nil
}

func (s *Service) deleteMethod(c *call, _ *noIn) (*DeleteMethodOutput, error) {
	err := s.updateAPI(c, func(tx store.Tx, a *APIRecord) error {
		r, _, err := methodOf(a, c)
		if err != nil {
			return err
		}
		delete(r.ResourceMethods, strings.ToUpper(c.path.Verb))
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &DeleteMethodOutput{}, nil
}

func (s *Service) putMethodResponse(c *call, req *jsonIn[MethodResponse]) (*PutMethodResponseOutput, error) {
	in := req.Body
	in.StatusCode = c.path.Status
	if err := validStatus(in.StatusCode); err != nil {
		return nil, err
	}
	err := s.updateAPI(c, func(tx store.Tx, a *APIRecord) error {
		_, m, err := methodOf(a, c)
		if err != nil {
			return err
		}
		if m.MethodResponses == nil {
			m.MethodResponses = map[string]*MethodResponse{}
		}
		m.MethodResponses[in.StatusCode] = &in
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &PutMethodResponseOutput{in}, nil
}

func validStatus(s string) error {
	n, err := strconv.Atoi(s)
	if err != nil || n < 100 || n > 599 {
		return awserr.BadRequestException.New("Invalid status code specified")
	}
	return nil
}

func (s *Service) getMethodResponse(c *call, _ *noIn) (*GetMethodResponseOutput, error) {
	out, err := getResponse(s, c, methodResponses)
	if err != nil {
		return nil, err
	}
	return &GetMethodResponseOutput{out}, nil
}

func (s *Service) deleteMethodResponse(c *call, _ *noIn) (*DeleteMethodResponseOutput, error) {
	if err := deleteResponse(s, c, methodResponses); err != nil {
		return nil, err
	}
	return &DeleteMethodResponseOutput{}, nil
}

// methodResponses is the method response map a call addresses, and the
// status code in its path.
func methodResponses(a *APIRecord, c *call) (map[string]*MethodResponse, string, error) {
	_, m, err := methodOf(a, c)
	if err != nil {
		return nil, "", err
	}
	return m.MethodResponses, c.path.Status, nil
}

// getResponse and deleteResponse serve the method- and integration-response
// operations, which differ only in where the status-code map lives.
func getResponse[T any](s *Service, c *call, of func(*APIRecord, *call) (map[string]*T, string, error)) (*T, error) {
	var out *T
	err := s.viewAPI(c, func(a *APIRecord) error {
		rs, code, err := of(a, c)
		if err != nil {
			return err
		}
		if out = rs[code]; out == nil {
			return errResponse
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func deleteResponse[T any](s *Service, c *call, of func(*APIRecord, *call) (map[string]*T, string, error)) error {
	err := s.updateAPI(c, func(tx store.Tx, a *APIRecord) error {
		rs, code, err := of(a, c)
		if err != nil {
			return err
		}
		if rs[code] == nil {
			return errResponse
		}
		delete(rs, code)
		return nil
	})
	return err
}

var validIntegrationTypes = map[string]bool{"HTTP": true, "HTTP_PROXY": true, "AWS": true, "AWS_PROXY": true, "MOCK": true}

// validateIntegration applies AWS's put-integration checks.
func validateIntegration(in *Integration) error {
	in.Type = strings.ToUpper(in.Type)
	if !validIntegrationTypes[in.Type] {
		return awserr.BadRequestException.New("Invalid integration type specified. Valid options are HTTP,HTTP_PROXY,AWS,AWS_PROXY,MOCK")
	}
	in.HTTPMethod = strings.ToUpper(in.HTTPMethod)
	in.PassthroughBehavior = strings.ToUpper(in.PassthroughBehavior)
	switch in.Type {
	case "HTTP", "HTTP_PROXY":
		if in.HTTPMethod == "" {
			return awserr.BadRequestException.New("Enumeration value for HttpMethod must be non-empty")
		}
		if !strings.HasPrefix(in.URI, "http://") && !strings.HasPrefix(in.URI, "https://") {
			return awserr.BadRequestException.New("Invalid HTTP endpoint specified for URI")
		}
	case "AWS", "AWS_PROXY":
		if in.HTTPMethod == "" {
			return awserr.BadRequestException.New("Enumeration value for HttpMethod must be non-empty")
		}
		if err := validateAWSIntegrationURI(in.Type, in.URI); err != nil {
			return err
		}
		if err := requireAWSRole(in); err != nil {
			return err
		}
	}
	if in.TimeoutInMillis != 0 && (in.TimeoutInMillis < 50 || in.TimeoutInMillis > 29000) {
		return awserr.BadRequestException.New("Timeout should be between 50 ms and 29000 ms")
	}
	if in.TimeoutInMillis == 0 {
		in.TimeoutInMillis = 29000
	}
	if in.PassthroughBehavior == "" {
		in.PassthroughBehavior = "WHEN_NO_MATCH"
	}
	if in.ConnectionType == "" && in.Type != "MOCK" {
		in.ConnectionType = "INTERNET"
	}
	if in.CacheNamespace == "" {
		in.CacheNamespace = ""
	}
	return nil
}

func (s *Service) putIntegration(c *call, req *jsonIn[Integration]) (*PutIntegrationOutput, error) {
	in := req.Body
	in.IntegrationResponses = nil
	if err := validateIntegrationEnums(&in); err != nil {
		return nil, err
	}
	if err := validateIntegrationCredentials(&in, c.caller.Account); err != nil {
		return nil, err
	}
	if err := validateIntegration(&in); err != nil {
		return nil, err
	}
	err := s.updateAPI(c, func(tx store.Tx, a *APIRecord) error {
		r, m, err := methodOf(a, c)
		if err != nil {
			return err
		}
		if in.CacheNamespace == "" {
			// AWS: "By default, API Gateway uses the resource ID as the
			// cacheNamespace."
			in.CacheNamespace = r.ID
		}
		if m.MethodIntegration != nil {
			in.IntegrationResponses = m.MethodIntegration.IntegrationResponses
		}
		m.MethodIntegration = &in
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &PutIntegrationOutput{in}, nil
}

func integrationOf(a *APIRecord, c *call) (*Method, *Integration, error) {
	_, m, err := methodOf(a, c)
	if err != nil {
		return nil, nil, err
	}
	if m.MethodIntegration == nil {
		return m, nil, errIntegration
	}
	return m, m.MethodIntegration, nil
}

func (s *Service) getIntegration(c *call, _ *noIn) (*GetIntegrationOutput, error) {
	var out *Integration
	err := s.viewAPI(c, func(a *APIRecord) error {
		_, in, err := integrationOf(a, c)
		out = in
		return err
	})
	if err != nil {
		return nil, err
	}
	return &GetIntegrationOutput{out}, nil
}

func (s *Service) updateIntegration(c *call, in *patchIn) (*UpdateIntegrationOutput, error) {
	ops := in.Ops
	var err error
	var out *Integration
	err = s.updateAPI(c, func(tx store.Tx, a *APIRecord) error {
		_, in, err := integrationOf(a, c)
		if err != nil {
			return err
		}
		for _, op := range ops {
			switch {
			case op.Path == "/uri":
				in.URI = op.Value
			case op.Path == "/httpMethod":
				in.HTTPMethod = op.Value
			case op.Path == "/type":
				in.Type = op.Value
			case op.Path == "/timeoutInMillis":
				n, err := strconv.Atoi(op.Value)
				if err != nil {
					return awserr.BadRequestException.New("Timeout should be between 50 ms and 29000 ms")
				}
				in.TimeoutInMillis = n
			case op.Path == "/passthroughBehavior":
				in.PassthroughBehavior = op.Value
			case op.Path == "/contentHandling", op.Path == "/connectionType", op.Path == "/connectionId",
				op.Path == "/credentials", op.Path == "/cacheNamespace",
				strings.HasPrefix(op.Path, "/cacheKeyParameters/"), strings.HasPrefix(op.Path, "/tlsConfig/"):
				if err := patchIntegrationSettings(in, op); err != nil {
					return err
				}
			case strings.HasPrefix(op.Path, "/requestParameters/"):
				k := unescapePointer(strings.TrimPrefix(op.Path, "/requestParameters/"))
				if in.RequestParameters == nil {
					in.RequestParameters = map[string]string{}
				}
				if op.Op == "remove" {
					delete(in.RequestParameters, k)
				} else {
					in.RequestParameters[k] = op.Value
				}
			case strings.HasPrefix(op.Path, "/requestTemplates/"):
				k := unescapePointer(strings.TrimPrefix(op.Path, "/requestTemplates/"))
				if in.RequestTemplates == nil {
					in.RequestTemplates = map[string]string{}
				}
				if op.Op == "remove" {
					delete(in.RequestTemplates, k)
				} else {
					in.RequestTemplates[k] = op.Value
				}
			default:
				return badPatch(op)
			}
		}
		if err := validateIntegrationCredentials(in, c.caller.Account); err != nil {
			return err
		}
		if err := validateIntegration(in); err != nil {
			return err
		}
		out = in
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &UpdateIntegrationOutput{out}, nil
}

func (s *Service) deleteIntegration(c *call, _ *noIn) (*DeleteIntegrationOutput, error) {
	err := s.updateAPI(c, func(tx store.Tx, a *APIRecord) error {
		m, _, err := integrationOf(a, c)
		if err != nil {
			return err
		}
		m.MethodIntegration = nil
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &DeleteIntegrationOutput{}, nil
}

func (s *Service) putIntegrationResponse(c *call, req *jsonIn[IntegrationResponse]) (*PutIntegrationResponseOutput, error) {
	in := req.Body
	in.StatusCode = c.path.Status
	if err := validStatus(in.StatusCode); err != nil {
		return nil, err
	}
	err := s.updateAPI(c, func(tx store.Tx, a *APIRecord) error {
		_, ig, err := integrationOf(a, c)
		if err != nil {
			return err
		}
		if ig.IntegrationResponses == nil {
			ig.IntegrationResponses = map[string]*IntegrationResponse{}
		}
		ig.IntegrationResponses[in.StatusCode] = &in
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &PutIntegrationResponseOutput{in}, nil
}

func (s *Service) getIntegrationResponse(c *call, _ *noIn) (*GetIntegrationResponseOutput, error) {
	out, err := getResponse(s, c, integrationResponses)
	if err != nil {
		return nil, err
	}
	return &GetIntegrationResponseOutput{out}, nil
}

func (s *Service) deleteIntegrationResponse(c *call, _ *noIn) (*DeleteIntegrationResponseOutput, error) {
	if err := deleteResponse(s, c, integrationResponses); err != nil {
		return nil, err
	}
	return &DeleteIntegrationResponseOutput{}, nil
}

// integrationResponses is the integration response map a call addresses,
// and the status code in its path.
func integrationResponses(a *APIRecord, c *call) (map[string]*IntegrationResponse, string, error) {
	_, ig, err := integrationOf(a, c)
	if err != nil {
		return nil, "", err
	}
	return ig.IntegrationResponses, c.path.Status, nil
}
