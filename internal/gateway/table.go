package gateway

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/apigw"
	"github.com/gatehouse-dev/gatehouse/internal/arn"
	"github.com/gatehouse-dev/gatehouse/internal/authn"
	"github.com/gatehouse-dev/gatehouse/internal/policy"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// Table is the compiled, immutable set of deployed stages and custom
// domains. It is replaced as a whole after every change.
type Table struct {
	apis    map[string]*apiEntry
	domains map[string]*domainEntry
	x       authzTable // API keys and usage plans (usage.go)
	// mtls: the custom domains with mutual TLS and their truststores
	// (mtls.go); nil when none.
	mtls map[string]*x509.CertPool
}

type apiEntry struct {
	id, account, region string
	stages              map[string]*stageEntry
	x                   *apiAuthz // authorizers, gateway responses (usage.go); nil when none
}

type domainEntry struct {
	name     string
	mappings map[string]*mapping // base path ("(none)" for the empty one)
}

type mapping struct {
	api, stage string
}

// stageEntry is one stage of one API, compiled from its deployment.
type stageEntry struct {
	api            *apiEntry
	name           string
	deploymentID   string
	variables      map[string]string
	root           *node
	policy         *policy.Policy // nil when the API has no resource policy
	policyBroken   bool           // the stored policy did not compile: deny
	disableDefault bool
	binaryTypes    []string
	apiKeySource   string // HEADER or AUTHORIZER
	// arnPrefix is "arn:aws:execute-api:REGION:ACCOUNT:API/STAGE/".
	arnPrefix arn.ExecuteAPIStage
	// srcPrefix is "arn:aws:execute-api:REGION:ACCOUNT:API/STAGE/" too, for
	// Lambda source ARNs (kept separate for clarity).
	srcPrefix arn.ExecuteAPIStage
	// resPolicyName is "api:{id}", the resource policy's name in
	// authorization requests.
	resPolicyName string
	// userAgent is "AmazonAPIGateway_{id}", the integration request's
	// User-Agent when the client sent none.
	userAgent string
	// canary is the stage's canary (canary.go): the entry compiled from
	// canarySettings.deploymentId with the variable overrides; nil when
	// the stage has no canary settings.
	canary *canaryEntry
	// hasCanary: the stage has canary settings ($context.isCanaryRequest
	// is defined); isCanary: this entry is the canary itself.
	hasCanary, isCanary bool
	// clientCert is presented to HTTPS backends (clientcert.go); nil for
	// none.
	clientCert *clientCert
	// cacheOn: the stage has a response cache (cacheClusterEnabled; for a
	// canary, with useStageCache) of cacheLimit bytes (cache.go).
	cacheOn    bool
	cacheLimit int64
	// cacheVariant is the deployment id and the stage variables, part of
	// every response cache key.
	cacheVariant string
}

func (s *stageEntry) integrationUserAgent() string {
	if s.userAgent != "" {
		return s.userAgent
	}
	return "AmazonAPIGateway_" + s.api.id
}

func (s *stageEntry) policyName() string {
	if s.resPolicyName != "" {
		return s.resPolicyName
	}
	return "api:" + s.api.id
}

// node is a resource of the tree.
type node struct {
	res     *apigw.Resource
	literal map[string]*node
	param   *node // {name}
	greedy  *node // {name+}
	name    string
	methods map[string]*methodEntry
}

// methodEntry is a compiled method of a stage.
type methodEntry struct {
	stage     *stageEntry
	res       *apigw.Resource
	m         *apigw.Method
	in        *apigw.Integration
	verb      string // the method's verb, ANY included
	iam       bool
	authType  string
	throttle  throttleSpec
	timeout   time.Duration
	proxy     *proxyTarget // HTTP_PROXY / HTTP with a static URL
	lambdaARN string       // AWS_PROXY function (may hold ${stageVariables.x})
	selectors []*selector  // integration responses (HTTP, MOCK)
	queryMaps bool         // the integration maps querystring parameters
	// mappedHeaders are the integration.request.header.* names: only the
	// gateway's value of these reaches the backend (copyRequestHeaders).
	mappedHeaders []string
	// check is the method's request validation; nil validates nothing.
	check *apigw.RequestCheck
	// cache is the method's response cache settings; nil when the method
	// is not cached (cache.go).
	cache *methodCache
}

type throttleSpec struct {
	key   string
	rate  float64
	burst int
}

type selector struct {
	re  *regexp.Regexp // nil = default
	ir  *apigw.IntegrationResponse
	def bool
}

// LoadTable builds the route table from the store. Stages whose deployment
// cannot be read are skipped (and logged by the caller's view).
func LoadTable(ctx context.Context, r store.Reader) (*Table, error) {
	return loadTable(ctx, r, nil)
}

// loadTable is LoadTable with the master key's box, which opens the
// stages' client certificate keys (nil: none is presented).
func loadTable(ctx context.Context, r store.Reader, box *authn.SecretBox) (*Table, error) {
	t := &Table{apis: map[string]*apiEntry{}, domains: map[string]*domainEntry{}}
	stages, err := r.List(apigw.KindStage, "")
	if err != nil {
		return nil, err
	}
	deps := map[string]*apigw.DeploymentRecord{}
	certs := map[string]*clientCert{}
	for _, rec := range stages {
		var st apigw.StageRecord
		if err := json.Unmarshal(rec.Value, &st); err != nil {
			return nil, err
		}
		key := st.APIID + "/" + st.Stage.DeploymentID
		d := deps[key]
		if d == nil {
			drec, err := r.Get(apigw.KindDeployment, key)
			if err != nil {
				continue
			}
			d = &apigw.DeploymentRecord{}
			if err := json.Unmarshal(drec.Value, d); err != nil {
				return nil, err
			}
			deps[key] = d
		}
		a := t.apis[st.APIID]
		if a == nil {
			a = &apiEntry{id: st.APIID, account: d.Account, region: d.Region, stages: map[string]*stageEntry{}}
			t.apis[st.APIID] = a
		}
		base := compileStage(a, &st, d)
		a.stages[st.Stage.StageName] = base
		if base.clientCert, err = loadClientCert(r, box, &st, certs); err != nil {
			return nil, err
		}
		if err := compileCanary(r, a, &st, base, deps); err != nil {
			return nil, err
		}
	}
	bps, err := r.List(apigw.KindBasePath, "")
	if err != nil {
		return nil, err
	}
	// Only claimed domain names route, each to its one owner's APIs
	// (issue #12 item 10): never one account's callers to another's API.
	owners, err := apigw.RoutableDomains(r)
	if err != nil {
		return nil, err
	}
	for _, rec := range bps {
		var b apigw.BasePathRecord
		if err := json.Unmarshal(rec.Value, &b); err != nil {
			return nil, err
		}
		if a := t.apis[b.Mapping.RestAPIID]; a == nil || owners[b.Domain] == "" || owners[b.Domain] != a.account {
			continue
		}
		name := strings.ToLower(b.Domain)
		d := t.domains[name]
		if d == nil {
			d = &domainEntry{name: name, mappings: map[string]*mapping{}}
			t.domains[name] = d
		}
		d.mappings[b.Mapping.BasePath] = &mapping{api: b.Mapping.RestAPIID, stage: b.Mapping.Stage}
	}
	if err := loadAuthz(r, t); err != nil {
		return nil, err
	}
	if err := loadMTLS(r, t); err != nil {
		return nil, err
	}
	return t, nil
}

func compileStage(a *apiEntry, st *apigw.StageRecord, d *apigw.DeploymentRecord) *stageEntry {
	s := &stageEntry{api: a, name: st.Stage.StageName, deploymentID: d.Deployment.ID, variables: st.Stage.Variables,
		disableDefault: d.DisableDefault, binaryTypes: d.BinaryMediaTypes, apiKeySource: d.APIKeySource}
	s.arnPrefix = arn.NewExecuteAPIStage(a.region, a.account, a.id, s.name)
	s.srcPrefix = s.arnPrefix
	s.resPolicyName = "api:" + a.id
	s.userAgent = "AmazonAPIGateway_" + a.id
	s.cacheOn = st.Stage.CacheClusterEnabled
	s.cacheLimit = stageCacheLimit(st.Stage.CacheClusterSize)
	s.cacheVariant = cacheVariant(d.Deployment.ID, st.Stage.Variables)
	if d.Policy != "" {
		p, err := policy.Parse([]byte(d.Policy), policy.ParseOptions{Type: policy.TypeResource, AllowSidSpaces: true})
		if err != nil {
			s.policyBroken = true // fail closed
		} else {
			s.policy = p
		}
	}
	// Build the tree: parents before children (sorted by path depth).
	res := make([]*apigw.Resource, 0, len(d.Resources))
	for _, r := range d.Resources {
		res = append(res, r)
	}
	sort.Slice(res, func(i, j int) bool {
		di, dj := strings.Count(res[i].Path, "/"), strings.Count(res[j].Path, "/")
		if res[i].Path == "/" {
			di = 0
		}
		if res[j].Path == "/" {
			dj = 0
		}
		if di != dj {
			return di < dj
		}
		return res[i].Path < res[j].Path
	})
	byID := map[string]*node{}
	for _, r := range res {
		n := &node{res: r}
		byID[r.ID] = n
		if r.Path == "/" {
			s.root = n
		} else if p := byID[r.ParentID]; p != nil {
			part := r.PathPart
			switch {
			case strings.HasPrefix(part, "{") && strings.HasSuffix(part, "+}"):
				n.name = part[1 : len(part)-2]
				p.greedy = n
			case strings.HasPrefix(part, "{") && strings.HasSuffix(part, "}"):
				n.name = part[1 : len(part)-1]
				p.param = n
			default:
				if p.literal == nil {
					p.literal = map[string]*node{}
				}
				p.literal[part] = n
			}
		}
		for verb, m := range r.ResourceMethods {
			if n.methods == nil {
				n.methods = map[string]*methodEntry{}
			}
			e := compileMethod(s, st, r, verb, m)
			e.check = apigw.CompileRequestCheck(d, m)
			n.methods[verb] = e
		}
	}
	if s.root == nil {
		s.root = &node{res: &apigw.Resource{Path: "/"}}
	}
	return s
}

func compileMethod(s *stageEntry, st *apigw.StageRecord, r *apigw.Resource, verb string, m *apigw.Method) *methodEntry {
	e := &methodEntry{stage: s, res: r, m: m, in: m.MethodIntegration, verb: verb, authType: m.AuthorizationType,
		iam: m.AuthorizationType == "AWS_IAM"}
	e.throttle = throttleSpec{key: s.api.id + "/" + s.name + r.Path + "/" + verb, rate: apigw.DefaultRateLimit, burst: apigw.DefaultBurstLimit}
	e.throttle.rate, e.throttle.burst = apigw.ThrottleFor(&st.Stage, r.Path, verb)
	if e.in == nil {
		return e
	}
	e.cache = compileMethodCache(st, r, verb, e.in)
	e.timeout = 29 * time.Second
	if e.in.TimeoutInMillis > 0 {
		e.timeout = time.Duration(e.in.TimeoutInMillis) * time.Millisecond
	}
	e.queryMaps = hasQueryMappings(e.in)
	for k := range e.in.RequestParameters {
		if name, ok := strings.CutPrefix(k, "integration.request.header."); ok {
			e.mappedHeaders = append(e.mappedHeaders, http.CanonicalHeaderKey(name))
		}
	}
	sort.Strings(e.mappedHeaders)
	switch e.in.Type {
	case "HTTP_PROXY", "HTTP":
		e.proxy = compileTarget(e.in.URI)
	case "AWS_PROXY", "AWS":
		e.lambdaARN = lambdaFunctionARN(e.in.URI) // "" for AWS services other than Lambda

	}
	codes := make([]string, 0, len(e.in.IntegrationResponses))
	for c := range e.in.IntegrationResponses {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	for _, c := range codes {
		ir := e.in.IntegrationResponses[c]
		sel := &selector{ir: ir}
		if ir.SelectionPattern == "" || ir.SelectionPattern == "default" {
			sel.def = true
		} else if re, err := regexp.Compile("^(?:" + ir.SelectionPattern + ")$"); err == nil {
			sel.re = re
		} else {
			continue
		}
		e.selectors = append(e.selectors, sel)
	}
	return e
}

// lambdaFunctionARN extracts the function ARN from an AWS_PROXY uri
// "arn:aws:apigateway:REGION:lambda:path/2015-03-31/functions/ARN/invocations".
func lambdaFunctionARN(uri string) string {
	fn, _ := arn.ParseLambdaIntegrationURI(uri)
	return fn
}

// match finds the method for verb at p (canonical: see canonicalPath),
// with AWS's precedence literal > {param} > {param+} at each level and,
// when the most specific resource lacks the verb, backtracking to the next
// less specific candidate (spec §3.5, the recommended default). Literal
// resources match decoded segments (the form the method ARN holds);
// parameter values are the encoded segments (spec §3.7: values reach the
// integration percent-encoded), which decode to exactly what matched. Only
// the standard methods route (standardMethod).
func (s *stageEntry) match(p reqPath, verb string, params *[]pathParam) *methodEntry {
	if !standardMethod(verb) {
		return nil
	}
	if p.isRoot() {
		return s.root.method(verb)
	}
	return s.root.walk(p.dec[1:], p.enc[1:], verb, params)
}

// matchStrict is match without fall-through: the most specific resource
// that exists for p is chosen first, and it must have the verb (or ANY);
// the developer guide's reading of spec §3.5, behind Config.NoFallthrough.
func (s *stageEntry) matchStrict(p reqPath, verb string, params *[]pathParam) *methodEntry {
	if !standardMethod(verb) {
		return nil
	}
	n := s.root
	if !p.isRoot() {
		if n = s.root.find(p.dec[1:], p.enc[1:], params); n == nil {
			return nil
		}
	}
	return n.method(verb)
}

// find returns the most specific resource for the path dec (encoded enc),
// without its leading slash, ignoring methods.
func (n *node) find(dec, enc string, params *[]pathParam) *node {
	seg, dtail, more := strings.Cut(dec, "/")
	eseg, etail, _ := strings.Cut(enc, "/")
	mark := len(*params)
	if c := n.literal[seg]; c != nil {
		if !more {
			return c
		}
		if r := c.find(dtail, etail, params); r != nil {
			return r
		}
		*params = (*params)[:mark]
	}
	if c := n.param; c != nil {
		*params = append(*params, pathParam{c.name, eseg})
		if !more {
			return c
		}
		if r := c.find(dtail, etail, params); r != nil {
			return r
		}
		*params = (*params)[:mark]
	}
	if c := n.greedy; c != nil {
		*params = append(*params, pathParam{c.name, enc})
		return c
	}
	return nil
}

// pathParam is a matched path parameter; value is percent-encoded in the
// form of reqPath.enc (a greedy value holds its segments' "/").
type pathParam struct{ name, value string }

func (n *node) method(verb string) *methodEntry {
	if m := n.methods[verb]; m != nil {
		return m
	}
	return n.methods["ANY"]
}

// walk matches the path dec (encoded enc), without its leading slash and
// not empty, below n.
func (n *node) walk(dec, enc, verb string, params *[]pathParam) *methodEntry {
	seg, dtail, more := strings.Cut(dec, "/")
	eseg, etail, _ := strings.Cut(enc, "/")
	mark := len(*params)
	if c := n.literal[seg]; c != nil {
		if m := c.next(dtail, etail, more, verb, params); m != nil {
			return m
		}
		*params = (*params)[:mark]
	}
	if c := n.param; c != nil {
		*params = append(*params, pathParam{c.name, eseg})
		if m := c.next(dtail, etail, more, verb, params); m != nil {
			return m
		}
		*params = (*params)[:mark]
	}
	if c := n.greedy; c != nil {
		if m := c.method(verb); m != nil {
			*params = append(*params, pathParam{c.name, enc})
			return m
		}
	}
	return nil
}

func (n *node) next(dtail, etail string, more bool, verb string, params *[]pathParam) *methodEntry {
	if !more {
		return n.method(verb)
	}
	return n.walk(dtail, etail, verb, params)
}

// InvokeHosts returns the invoke host, {api}.execute-api.{region}.{domain},
// of every API with a deployed stage (function sandboxes resolve them to
// gatehouse).
func (g *Gateway) InvokeHosts(domain string) []string {
	if g.view == nil {
		return nil
	}
	tbl := g.view.Load()
	if tbl == nil {
		return nil
	}
	out := make([]string, 0, len(tbl.apis))
	for _, a := range tbl.apis {
		out = append(out, a.id+".execute-api."+a.region+"."+domain)
	}
	return out
}
