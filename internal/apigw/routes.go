package apigw

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/pipeline"

	"github.com/gatehouse-dev/gatehouse/internal/awserr"
)

// The control plane routes on one canonical form of the path and builds
// the authorization resource from the routed operation and its validated
// parameters (issue #12 item 4). The rules:
//
//   - The path is split on '/' as received (escaped). Empty segments (a
//     leading "//", a trailing '/', "a//b") match no route, so "." and ".."
//     and every other alternate spelling are refused rather than cleaned:
//     AWS's clients never send them. The one exception is GET /restapis/
//     (GetRestApi with an empty id), which AWS answers as GET /restapis.
//   - Literal segments ("restapis", "resources", ...) match byte for byte,
//     escapes included: "%72estapis" is not "restapis".
//   - A parameter segment is percent-decoded once and must then match its
//     kind's charset (IDs [a-z0-9], stage names [A-Za-z0-9_-], status codes
//     three digits, host names LDH labels, ...). None of these charsets
//     holds '/', '%', '.' alone, '*' or '?', so a decoded parameter can
//     neither add a segment to the ARN nor act as a wildcard in it.
//   - Two parameters are canonicalized: HTTP verbs to upper case (methods
//     are stored upper-case, so "get" and "GET" name one method) and domain
//     names to lower case (host names are case-insensitive).
//
// The ARN is arn:aws:apigateway:REGION::/ + the canonical segments, the
// resource paths of AWS's "Resource types defined by Amazon API Gateway
// Management" (…::/restapis/ID/resources/RID/methods/GET and so on).

type paramKind int

const (
	literal paramKind = iota
	pAPI
	pResource
	pVerb
	pStatus
	pDeployment
	pStage
	pExport
	pDomain
	pBasePath
	pAuthorizer
	pGatewayResponseType
	pAPIKey
	pUsagePlan
	pExt // a kind of extParams, checked by segSpec.check
)

var paramKinds = map[string]paramKind{
	"{api}": pAPI, "{resource}": pResource, "{verb}": pVerb, "{status}": pStatus,
	"{deployment}": pDeployment, "{stage}": pStage, "{export}": pExport,
	"{domain}": pDomain, "{basepath}": pBasePath,
	"{authorizer}": pAuthorizer, "{gwtype}": pGatewayResponseType, "{apikey}": pAPIKey, "{usageplan}": pUsagePlan,
}

type segSpec struct {
	kind paramKind
	lit  string
	// field is where the parameter's canonical value goes in pathIn.
	field func(*pathIn) *string
	// check validates and canonicalizes a parameter of a kind defined
	// outside this file (extParams); nil for the kinds above.
	check paramCheck
}

// paramCheck decodes-then-validates one parameter of an extension kind:
// the canonical value, or the NotFound (or BadRequest) error of its kind.
type paramCheck func(v, account string) (string, error)

// route is one control-plane operation.
type route struct {
	method string
	segs   []segSpec
	// status is the operation's success status: the botocore model's
	// "responseCode" (201 for Create*/Put*/Import*, 202 or 204 for
	// Delete*, ...), 200 where the model gives none.
	status int
	// h is the operation's table entry: its Operation (actions and keys
	// set by handlerTable) bound to its typed handler.
	h pipeline.Handler[*call]
	// mode: POST /restapis is CreateRestApi without ?mode=import and
	// ImportRestApi with it.
	mode importMode
	// tagging: the operation's input carries "tags", and its
	// authorization sees aws:RequestTag/<key> and aws:TagKeys (withTags).
	tagging bool
}

// withTags marks rt as an operation whose input carries "tags", as AWS's
// service authorization reference lists for CreateRestApi, CreateStage and
// CreateDomainName (apigateway:POST on the collection) and gatehouse for
// the other operations that attach tags.
func (rt route) withTags() route {
	rt.tagging = true
	return rt
}

type importMode int

const (
	anyMode importMode = iota
	noImport
	withImport
)

func r(method, pattern string, status int, h pipeline.Handler[*call]) route {
	rt := route{method: method, status: status, h: h}
	for _, s := range strings.Split(strings.TrimPrefix(pattern, "/"), "/") {
		if k, ok := paramKinds[s]; ok {
			rt.segs = append(rt.segs, segSpec{kind: k, field: paramField(s)})
		} else if ck, ok := extParams[s]; ok {
			rt.segs = append(rt.segs, segSpec{kind: pExt, check: ck, field: paramField(s)})
		} else {
			rt.segs = append(rt.segs, segSpec{lit: s})
		}
	}
	return rt
}

// routes is spec §11's operation table.
var routes = declare(append(func() []route {
	const (
		api    = "/restapis/{api}"
		res    = api + "/resources/{resource}"
		method = res + "/methods/{verb}"
		integ  = method + "/integration"
		dom    = "/domainnames/{domain}"
	)
	create := r(http.MethodPost, "/restapis", http.StatusCreated, pipeline.Handle(pipeline.Operation{Name: "CreateRestApi"}, on((*Service).createRestAPI)))
	create.mode, create.tagging = noImport, true
	imp := r(http.MethodPost, "/restapis", http.StatusCreated, pipeline.Handle(pipeline.Operation{Name: "ImportRestApi"}, on((*Service).importRestAPI)))
	imp.mode = withImport
	return append([]route{
		create,
		imp,
		r(http.MethodGet, "/restapis", http.StatusOK, pipeline.Handle(pipeline.Operation{Name: "GetRestApis"}, on((*Service).getRestAPIs))),
		r(http.MethodGet, api, http.StatusOK, pipeline.Handle(pipeline.Operation{Name: "GetRestApi"}, on((*Service).getRestAPI))),
		r(http.MethodPut, api, http.StatusOK, pipeline.Handle(pipeline.Operation{Name: "PutRestApi"}, on((*Service).putRestAPI))),
		r(http.MethodPatch, api, http.StatusOK, pipeline.Handle(pipeline.Operation{Name: "UpdateRestApi"}, on((*Service).updateRestAPI))),
		r(http.MethodDelete, api, http.StatusAccepted, pipeline.Handle(pipeline.Operation{Name: "DeleteRestApi"}, on((*Service).deleteRestAPI))),
		r(http.MethodGet, api+"/resources", http.StatusOK, pipeline.Handle(pipeline.Operation{Name: "GetResources"}, on((*Service).getResources))),
		r(http.MethodGet, res, http.StatusOK, pipeline.Handle(pipeline.Operation{Name: "GetResource"}, on((*Service).getResource))),
		r(http.MethodPost, res, http.StatusCreated, pipeline.Handle(pipeline.Operation{Name: "CreateResource"}, on((*Service).createResource))),
		r(http.MethodPatch, res, http.StatusOK, pipeline.Handle(pipeline.Operation{Name: "UpdateResource"}, on((*Service).updateResource))),
		r(http.MethodDelete, res, http.StatusAccepted, pipeline.Handle(pipeline.Operation{Name: "DeleteResource"}, on((*Service).deleteResource))),
		r(http.MethodPut, method, http.StatusCreated, pipeline.Handle(pipeline.Operation{Name: "PutMethod"}, on((*Service).putMethod))),
		r(http.MethodGet, method, http.StatusOK, pipeline.Handle(pipeline.Operation{Name: "GetMethod"}, on((*Service).getMethod))),
		r(http.MethodPatch, method, http.StatusOK, pipeline.Handle(pipeline.Operation{Name: "UpdateMethod"}, on((*Service).updateMethod))),
		r(http.MethodDelete, method, http.StatusNoContent, pipeline.Handle(pipeline.Operation{Name: "DeleteMethod"}, on((*Service).deleteMethod))),
		r(http.MethodPut, method+"/responses/{status}", http.StatusCreated, pipeline.Handle(pipeline.Operation{Name: "PutMethodResponse"}, on((*Service).putMethodResponse))),
		r(http.MethodGet, method+"/responses/{status}", http.StatusOK, pipeline.Handle(pipeline.Operation{Name: "GetMethodResponse"}, on((*Service).getMethodResponse))),
		r(http.MethodDelete, method+"/responses/{status}", http.StatusNoContent, pipeline.Handle(pipeline.Operation{Name: "DeleteMethodResponse"}, on((*Service).deleteMethodResponse))),
		r(http.MethodPut, integ, http.StatusCreated, pipeline.Handle(pipeline.Operation{Name: "PutIntegration"}, on((*Service).putIntegration))),
		r(http.MethodGet, integ, http.StatusOK, pipeline.Handle(pipeline.Operation{Name: "GetIntegration"}, on((*Service).getIntegration))),
		r(http.MethodPatch, integ, http.StatusOK, pipeline.Handle(pipeline.Operation{Name: "UpdateIntegration"}, on((*Service).updateIntegration))),
		r(http.MethodDelete, integ, http.StatusNoContent, pipeline.Handle(pipeline.Operation{Name: "DeleteIntegration"}, on((*Service).deleteIntegration))),
		r(http.MethodPut, integ+"/responses/{status}", http.StatusCreated, pipeline.Handle(pipeline.Operation{Name: "PutIntegrationResponse"}, on((*Service).putIntegrationResponse))),
		r(http.MethodGet, integ+"/responses/{status}", http.StatusOK, pipeline.Handle(pipeline.Operation{Name: "GetIntegrationResponse"}, on((*Service).getIntegrationResponse))),
		r(http.MethodDelete, integ+"/responses/{status}", http.StatusNoContent, pipeline.Handle(pipeline.Operation{Name: "DeleteIntegrationResponse"}, on((*Service).deleteIntegrationResponse))),
		r(http.MethodPost, api+"/deployments", http.StatusCreated, pipeline.Handle(pipeline.Operation{Name: "CreateDeployment"}, on((*Service).createDeployment))),
		r(http.MethodGet, api+"/deployments", http.StatusOK, pipeline.Handle(pipeline.Operation{Name: "GetDeployments"}, on((*Service).getDeployments))),
		r(http.MethodGet, api+"/deployments/{deployment}", http.StatusOK, pipeline.Handle(pipeline.Operation{Name: "GetDeployment"}, on((*Service).getDeployment))),
		r(http.MethodDelete, api+"/deployments/{deployment}", http.StatusAccepted, pipeline.Handle(pipeline.Operation{Name: "DeleteDeployment"}, on((*Service).deleteDeployment))),
		r(http.MethodPost, api+"/stages", http.StatusCreated, pipeline.Handle(pipeline.Operation{Name: "CreateStage"}, on((*Service).createStage))).withTags(),
		r(http.MethodGet, api+"/stages", http.StatusOK, pipeline.Handle(pipeline.Operation{Name: "GetStages"}, on((*Service).getStages))),
		r(http.MethodGet, api+"/stages/{stage}", http.StatusOK, pipeline.Handle(pipeline.Operation{Name: "GetStage"}, on((*Service).getStage))),
		r(http.MethodPatch, api+"/stages/{stage}", http.StatusOK, pipeline.Handle(pipeline.Operation{Name: "UpdateStage"}, on((*Service).updateStage))),
		r(http.MethodDelete, api+"/stages/{stage}", http.StatusAccepted, pipeline.Handle(pipeline.Operation{Name: "DeleteStage"}, on((*Service).deleteStage))),
		r(http.MethodGet, api+"/stages/{stage}/exports/{export}", http.StatusOK, pipeline.Handle(pipeline.Operation{Name: "GetExport"}, on((*Service).getExport))),
		r(http.MethodPost, "/domainnames", http.StatusCreated, pipeline.Handle(pipeline.Operation{Name: "CreateDomainName"}, on((*Service).createDomain))).withTags(),
		r(http.MethodGet, "/domainnames", http.StatusOK, pipeline.Handle(pipeline.Operation{Name: "GetDomainNames"}, on((*Service).getDomains))),
		r(http.MethodGet, dom, http.StatusOK, pipeline.Handle(pipeline.Operation{Name: "GetDomainName"}, on((*Service).getDomain))),
		r(http.MethodDelete, dom, http.StatusAccepted, pipeline.Handle(pipeline.Operation{Name: "DeleteDomainName"}, on((*Service).deleteDomain))),
		r(http.MethodPost, dom+"/basepathmappings", http.StatusCreated, pipeline.Handle(pipeline.Operation{Name: "CreateBasePathMapping"}, on((*Service).createBasePath))),
		r(http.MethodGet, dom+"/basepathmappings", http.StatusOK, pipeline.Handle(pipeline.Operation{Name: "GetBasePathMappings"}, on((*Service).getBasePaths))),
		r(http.MethodDelete, dom+"/basepathmappings/{basepath}", http.StatusAccepted, pipeline.Handle(pipeline.Operation{Name: "DeleteBasePathMapping"}, on((*Service).deleteBasePath))),
	}, authzRoutes()...)
}(), opsRoutes()...))

// maxSegments bounds the split of a path: no route has more.
const maxSegments = 10

// extParam percent-decodes one escaped parameter of an extension kind and
// hands it to its check; a bad escape is checked as received, so the kind
// reports it with its own error.
func extParam(check paramCheck, raw, account string) (string, error) {
	v, err := url.PathUnescape(raw)
	if err != nil {
		v = "\x00" + raw // matches no kind's charset
	}
	return check(v, account)
}

var (
	idRE       = regexp.MustCompile(`^[a-z0-9]{1,32}$`)
	verbRE     = regexp.MustCompile(`^[A-Za-z]{1,16}$`)
	statusRE   = regexp.MustCompile(`^[0-9]{3}$`)
	exportRE   = regexp.MustCompile(`^[A-Za-z0-9]{1,16}$`)
	basePathRE = regexp.MustCompile(`^(\(none\)|[A-Za-z0-9._~\-]{1,128})$`)
)

// matchRoute finds the operation for method and the escaped path and
// returns it with the canonical segments (see the rules above) and the
// same parameters by name. An unknown
// path or method is UnknownOperationException; a parameter that cannot
// name anything is the NotFoundException of its kind, decided before
// authorization because no such resource can exist.
func matchRoute(method, escaped string, importMode bool, account string) (*route, []string, pathIn, error) {
	unknown := awserr.UnknownOperation.New("")
	if method == http.MethodGet && escaped == "/restapis/" {
		// The one trailing '/' AWS's clients send: GetRestApi with an
		// empty restApiId. AWS serves it as the collection, GetRestApis
		// (aws/aws-cli#2534; getmoto/moto#7978 records the 200 answer), so
		// it is routed, and authorized, exactly as GET /restapis.
		escaped = "/restapis"
	}
	if len(escaped) < 2 || escaped[0] != '/' {
		return nil, nil, pathIn{}, unknown
	}
	raw := strings.SplitN(escaped[1:], "/", maxSegments+1)
	if len(raw) > maxSegments {
		return nil, nil, pathIn{}, unknown
	}
	for _, s := range raw {
		if s == "" {
			return nil, nil, pathIn{}, unknown
		}
	}
	for i := range routes {
		rt := &routes[i]
		if rt.method != method || len(rt.segs) != len(raw) ||
			rt.mode == noImport && importMode || rt.mode == withImport && !importMode {
			continue
		}
		ok := true
		for k, sp := range rt.segs {
			if sp.kind == literal && sp.lit != raw[k] {
				ok = false
				break
			}
		}
		if !ok {
			continue
		}
		seg := make([]string, len(raw))
		var p pathIn
		for k, sp := range rt.segs {
			if sp.kind == literal {
				seg[k] = sp.lit
				continue
			}
			var v string
			var err error
			if sp.check != nil {
				v, err = extParam(sp.check, raw[k], account)
			} else {
				v, err = canonicalParam(sp.kind, raw[k], account)
			}
			if err != nil {
				return nil, nil, pathIn{}, err
			}
			seg[k] = v
			*sp.field(&p) = v
		}
		return rt, seg, p, nil
	}
	return nil, nil, pathIn{}, unknown
}

// canonicalParam decodes one escaped path parameter and validates it.
func canonicalParam(kind paramKind, raw, account string) (string, error) {
	v, err := url.PathUnescape(raw)
	if err != nil {
		v = raw // reported below with the kind's error
	}
	valid := err == nil
	switch kind {
	case pAPI:
		if valid && idRE.MatchString(v) {
			return v, nil
		}
		return "", errAPI(account, echo(v))
	case pResource:
		if valid && idRE.MatchString(v) {
			return v, nil
		}
		return "", errResource
	case pVerb:
		if valid && verbRE.MatchString(v) {
			return strings.ToUpper(v), nil
		}
		return "", errMethod
	case pStatus:
		if valid && statusRE.MatchString(v) {
			return v, nil
		}
		return "", errResponse
	case pDeployment:
		if valid && idRE.MatchString(v) {
			return v, nil
		}
		return "", errDeployment
	case pStage:
		if valid && stageNameRE.MatchString(v) {
			return v, nil
		}
		return "", errStage
	case pExport:
		if valid && exportRE.MatchString(v) {
			return v, nil
		}
		return "", awserr.BadRequestException.Errorf("Invalid export type specified: %s", echo(v))
	case pDomain:
		if d, ok := CanonicalDomainName(v); valid && ok {
			return d, nil
		}
		return "", errDomain
	case pBasePath:
		if valid && basePathRE.MatchString(v) {
			return v, nil
		}
		return "", errBasePath
	case pAuthorizer, pAPIKey, pUsagePlan, pGatewayResponseType:
		return authzParam(kind, v, valid)
	}
	return "", awserr.UnknownOperation.New("")
}

// echo bounds a client-supplied value quoted back in an error message.
func echo(v string) string {
	if len(v) > 64 {
		return v[:64] + "..."
	}
	return v
}
