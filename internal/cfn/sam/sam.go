// Package sam expands the AWS::Serverless-2016-10-31 transform (the
// Serverless Application Model) into plain CloudFormation, as
// CloudFormation's SAM macro does server-side: functions with their
// execution roles and API events, explicit and implicit
// (ServerlessRestApi) REST APIs with their Swagger 2.0 bodies,
// deployments and stages, and Globals. The output matches the reference
// translator (the aws-sam-translator Python package) up to the hashes in
// deployment logical ids; sam_test.go compares the two where the package
// is installed.
package sam

import (
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/arn"
	"github.com/gatehouse-dev/gatehouse/internal/cfn/tmpl"
)

// Error is a transform failure; its text reads as CloudFormation's.
type Error struct{ msg string }

func (e *Error) Error() string { return e.msg }

func invalid(id, format string, args ...any) error {
	return &Error{fmt.Sprintf("Transform AWS::Serverless-2016-10-31 failed with: Invalid Serverless Application Specification document. Number of errors found: 1. Resource with id [%s] is invalid. %s", id, fmt.Sprintf(format, args...))}
}

func invalidDoc(format string, args ...any) error {
	return &Error{fmt.Sprintf("Transform AWS::Serverless-2016-10-31 failed with: Invalid Serverless Application Specification document. Number of errors found: 1. %s", fmt.Sprintf(format, args...))}
}

// serviceRolePolicies are the AWS managed policies that live under the
// /service-role/ path; every other AWS managed policy name is
// arn:aws:iam::aws:policy/NAME. (The translator asks IAM's ListPolicies;
// gatehouse resolves names without a call.)
var serviceRolePolicies = map[string]bool{
	"AWSLambdaBasicExecutionRole": true, "AWSLambdaVPCAccessExecutionRole": true, "AWSLambdaRole": true,
	"AWSLambdaKinesisExecutionRole": true, "AWSLambdaDynamoDBExecutionRole": true, "AWSLambdaSQSQueueExecutionRole": true,
	"AWSLambdaMSKExecutionRole": true, "AWSLambdaENIManagementAccess": true, "AWSLambdaBasicDurableExecutionRolePolicy": true,
	"AmazonAPIGatewayPushToCloudWatchLogs": true, "AWSConfigRole": true, "AmazonEC2RoleforSSM": true,
}

// ManagedPolicyARN returns the ARN of the AWS managed policy name.
func ManagedPolicyARN(name string) string {
	if serviceRolePolicies[name] {
		return arn.Policy("aws", "/service-role/", name)
	}
	return arn.Policy("aws", "/", name)
}

// Transform returns tpl with its serverless resources expanded. tpl is
// not modified.
func Transform(in tmpl.Template) (tmpl.Template, error) {
	tpl := tmpl.Clone(in).(map[string]any)
	delete(tpl, "Transform")
	globals, _ := tpl["Globals"].(map[string]any)
	delete(tpl, "Globals")
	for k := range globals {
		switch k {
		case "Function", "Api":
		default:
			return nil, invalidDoc("'Globals' section is invalid. '%s' is not supported by gatehouse's SAM transform (supported: Function, Api).", k)
		}
	}
	res, ok := tpl["Resources"].(map[string]any)
	if !ok {
		return nil, invalidDoc("'Resources' section is required")
	}
	t := &transformer{out: map[string]any{}, apis: map[string]*api{}}
	// Resources that are not serverless pass through.
	for id, r := range res {
		m, _ := r.(map[string]any)
		typ, _ := m["Type"].(string)
		if !strings.HasPrefix(typ, "AWS::Serverless::") {
			t.out[id] = r
		}
	}
	gf, _ := globals["Function"].(map[string]any)
	ga, _ := globals["Api"].(map[string]any)
	// APIs first: function events add paths to them.
	for _, id := range sortedKeys(res) {
		m, _ := res[id].(map[string]any)
		if m["Type"] != "AWS::Serverless::Api" {
			continue
		}
		props, _ := m["Properties"].(map[string]any)
		props = merge(ga, props)
		a, err := newAPI(id, props, m)
		if err != nil {
			return nil, err
		}
		t.apis[id] = a
	}
	for _, id := range sortedKeys(res) {
		m, _ := res[id].(map[string]any)
		typ, _ := m["Type"].(string)
		switch typ {
		case "AWS::Serverless::Function":
			props, _ := m["Properties"].(map[string]any)
			if err := t.function(id, m, merge(gf, props), ga); err != nil {
				return nil, err
			}
		case "AWS::Serverless::Api":
		default:
			if strings.HasPrefix(typ, "AWS::Serverless::") {
				return nil, invalid(id, "Resource type %s is not supported by gatehouse's SAM transform.", typ)
			}
		}
	}
	for _, id := range sortedKeys(t.apis) {
		if err := t.emitAPI(t.apis[id]); err != nil {
			return nil, err
		}
	}
	tpl["Resources"] = t.out
	return tpl, nil
}

type transformer struct {
	out  map[string]any
	apis map[string]*api
}

// api is a REST API being built: explicit (AWS::Serverless::Api) or the
// implicit ServerlessRestApi.
type api struct {
	id        string
	props     map[string]any
	attrs     map[string]any // DependsOn, Condition, ... of the SAM resource
	body      map[string]any
	stage     string
	implicit  bool
	defAuth   string
	openAPI   string
	hasEvents bool
}

func newAPI(id string, props map[string]any, res map[string]any) (*api, error) {
	a := &api{id: id, props: props, attrs: res}
	stage, ok := props["StageName"]
	if !ok {
		return nil, invalid(id, "Missing required property 'StageName'.")
	}
	s, ok := stage.(string)
	if !ok {
		return nil, invalid(id, "Property 'StageName' must be a string.")
	}
	a.stage = s
	if body, ok := props["DefinitionBody"]; ok {
		b, ok := body.(map[string]any)
		if !ok {
			return nil, invalid(id, "Property 'DefinitionBody' must be a dictionary.")
		}
		a.body = b
	}
	if _, ok := props["DefinitionUri"]; ok {
		return nil, invalid(id, "DefinitionUri is not supported by gatehouse's SAM transform yet (no S3): inline the definition as DefinitionBody.")
	}
	if auth, ok := props["Auth"].(map[string]any); ok {
		for k := range auth {
			switch k {
			case "DefaultAuthorizer", "InvokeRole", "AddDefaultAuthorizerToCorsPreflight":
			default:
				return nil, invalid(id, "Auth property %s is not supported by gatehouse's SAM transform (supported: DefaultAuthorizer AWS_IAM, InvokeRole).", k)
			}
		}
		if d, ok := auth["DefaultAuthorizer"].(string); ok {
			if d != "AWS_IAM" {
				return nil, invalid(id, "Unable to set DefaultAuthorizer because '%s' was not defined in 'Authorizers'.", d)
			}
			a.defAuth = d
		}
	}
	if v, ok := props["OpenApiVersion"].(string); ok {
		a.openAPI = v
	}
	return a, nil
}

func (a *api) swagger() map[string]any {
	if a.body == nil {
		a.body = map[string]any{"swagger": "2.0", "info": map[string]any{"version": "1.0", "title": map[string]any{"Ref": "AWS::StackName"}},
			"paths": map[string]any{}}
	}
	if _, ok := a.body["paths"].(map[string]any); !ok {
		a.body["paths"] = map[string]any{}
	}
	return a.body
}

// merge applies Globals: keys the resource lacks come from the globals;
// maps merge recursively; lists are the globals' then the resource's;
// scalars are the resource's.
func merge(global, local map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range global {
		out[k] = tmpl.Clone(v)
	}
	for k, v := range local {
		g, ok := out[k]
		if !ok {
			out[k] = v
			continue
		}
		out[k] = mergeValue(g, v)
	}
	return out
}

func mergeValue(g, l any) any {
	gm, ok1 := g.(map[string]any)
	lm, ok2 := l.(map[string]any)
	if ok1 && ok2 && !isIntrinsic(gm) && !isIntrinsic(lm) {
		return merge(gm, lm)
	}
	gl, ok1 := g.([]any)
	ll, ok2 := l.([]any)
	if ok1 && ok2 {
		return append(append([]any{}, gl...), ll...)
	}
	return l
}

func isIntrinsic(m map[string]any) bool {
	if len(m) != 1 {
		return false
	}
	for k := range m {
		return k == "Ref" || k == "Condition" || strings.HasPrefix(k, "Fn::")
	}
	return false
}

func withAttrs(src map[string]any, typ string, props map[string]any, attrs ...string) map[string]any {
	r := map[string]any{"Type": typ, "Properties": props}
	for _, a := range attrs {
		if v, ok := src[a]; ok {
			r[a] = tmpl.Clone(v)
		}
	}
	return r
}

// functionProps are the AWS::Serverless::Function properties that pass to
// AWS::Lambda::Function unchanged.
var functionProps = []string{"Handler", "Runtime", "MemorySize", "Timeout", "Environment", "Description", "FunctionName",
	"Architectures", "Layers", "ReservedConcurrentExecutions", "VpcConfig", "KmsKeyArn", "TracingConfig", "DeadLetterConfig",
	"EphemeralStorage", "FileSystemConfigs", "ImageConfig", "PackageType", "LoggingConfig", "RuntimeManagementConfig", "SnapStart"}

var knownFunctionProps = map[string]bool{"CodeUri": true, "InlineCode": true, "Role": true, "Policies": true, "Events": true,
	"Tags": true, "ImageUri": true, "PermissionsBoundary": true, "AssumeRolePolicyDocument": true, "RolePath": true}

func (t *transformer) function(id string, res, props map[string]any, ga map[string]any) error {
	for k := range props {
		if !knownFunctionProps[k] && !contains(functionProps, k) {
			return invalid(id, "property %s not defined for resource of type AWS::Serverless::Function (gatehouse's SAM transform).", k)
		}
	}
	fp := map[string]any{}
	for _, k := range functionProps {
		if v, ok := props[k]; ok {
			fp[k] = v
		}
	}
	code, err := codeOf(id, props)
	if err != nil {
		return err
	}
	fp["Code"] = code
	tags := []any{map[string]any{"Key": "lambda:createdBy", "Value": "SAM"}}
	if tm, ok := props["Tags"].(map[string]any); ok {
		for _, k := range sortedKeys(tm) {
			tags = append(tags, map[string]any{"Key": k, "Value": tm[k]})
		}
	}
	fp["Tags"] = tags
	fnAttrs := []string{"Condition", "DependsOn", "DeletionPolicy", "UpdateReplacePolicy", "Metadata"}
	if role, ok := props["Role"]; ok {
		fp["Role"] = role
	} else {
		roleID := id + "Role"
		fp["Role"] = map[string]any{"Fn::GetAtt": []any{roleID, "Arn"}}
		rp, err := roleProps(id, roleID, props, tags)
		if err != nil {
			return err
		}
		t.out[roleID] = withAttrs(res, "AWS::IAM::Role", rp, "Condition")
	}
	t.out[id] = withAttrs(res, "AWS::Lambda::Function", fp, fnAttrs...)
	events, _ := props["Events"].(map[string]any)
	for _, ev := range sortedKeys(events) {
		e, ok := events[ev].(map[string]any)
		if !ok {
			return invalid(id, "Event '%s' must be a dictionary.", ev)
		}
		typ, _ := e["Type"].(string)
		if typ != "Api" {
			return invalid(id, "Event '%s': event type %s is not supported by gatehouse's SAM transform (supported: Api).", ev, typ)
		}
		ep, _ := e["Properties"].(map[string]any)
		if err := t.apiEvent(id, res, ev, ep, ga); err != nil {
			return err
		}
	}
	return nil
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// codeOf maps CodeUri / InlineCode to AWS::Lambda::Function's Code.
// Besides s3:// URIs and {Bucket, Key, Version}, CodeUri may carry
// gatehouse's {ZipBase64} (what `gatehouse deploy` packs a local path
// into).
func codeOf(id string, props map[string]any) (map[string]any, error) {
	if src, ok := props["InlineCode"]; ok {
		if _, both := props["CodeUri"]; both {
			return nil, invalid(id, "Specify either 'CodeUri' or 'InlineCode'.")
		}
		return map[string]any{"ZipFile": src}, nil
	}
	uri, ok := props["CodeUri"]
	if !ok {
		return nil, invalid(id, "Only one of 'ImageUri', 'CodeUri', 'InlineCode' should be specified, and at least one is required.")
	}
	switch u := uri.(type) {
	case string:
		rest, ok := strings.CutPrefix(u, "s3://")
		bucket, key, ok2 := strings.Cut(rest, "/")
		if !ok || !ok2 || bucket == "" || key == "" {
			return nil, invalid(id, "'CodeUri' is not a valid S3 Uri of the form 's3://bucket/key' with optional versionId query parameter.")
		}
		code := map[string]any{"S3Bucket": bucket, "S3Key": key}
		if k, v, ok := strings.Cut(key, "?versionId="); ok {
			code["S3Key"], code["S3ObjectVersion"] = k, v
		}
		return code, nil
	case map[string]any:
		if z, ok := u["ZipBase64"]; ok {
			return map[string]any{"ZipBase64": z}, nil
		}
		b, ok1 := u["Bucket"]
		k, ok2 := u["Key"]
		if !ok1 || !ok2 {
			return nil, invalid(id, "'CodeUri' requires Bucket and Key properties to be specified.")
		}
		code := map[string]any{"S3Bucket": b, "S3Key": k}
		if v, ok := u["Version"]; ok {
			code["S3ObjectVersion"] = v
		}
		return code, nil
	}
	return nil, invalid(id, "'CodeUri' must be a string or a dictionary.")
}

func roleProps(fnID, roleID string, props map[string]any, tags []any) (map[string]any, error) {
	trust := props["AssumeRolePolicyDocument"]
	if trust == nil {
		trust = map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{
			"Action": []any{"sts:AssumeRole"}, "Effect": "Allow",
			"Principal": map[string]any{"Service": []any{"lambda.amazonaws.com"}}}}}
	}
	managed := []any{ManagedPolicyARN("AWSLambdaBasicExecutionRole")}
	var inline []any
	var policies []any
	switch p := props["Policies"].(type) {
	case nil:
	case string:
		policies = []any{p}
	case []any:
		policies = p
	case map[string]any:
		policies = []any{p}
	default:
		return nil, invalid(fnID, "Type of property 'Policies' is invalid.")
	}
	for i, p := range policies {
		switch x := p.(type) {
		case string:
			if strings.HasPrefix(x, "arn:") {
				managed = append(managed, x)
			} else {
				managed = append(managed, ManagedPolicyARN(x))
			}
		case map[string]any:
			if _, ok := x["Statement"]; ok {
				inline = append(inline, map[string]any{"PolicyName": fmt.Sprintf("%sPolicy%d", roleID, i), "PolicyDocument": x})
				continue
			}
			if isIntrinsic(x) {
				managed = append(managed, x)
				continue
			}
			return nil, invalid(fnID, "SAM policy templates are not supported by gatehouse's SAM transform yet: write the statements inline.")
		default:
			return nil, invalid(fnID, "Type of property 'Policies' is invalid.")
		}
	}
	rp := map[string]any{"AssumeRolePolicyDocument": trust, "ManagedPolicyArns": managed, "Tags": tmpl.Clone(tags)}
	if len(inline) > 0 {
		rp["Policies"] = inline
	}
	if b, ok := props["PermissionsBoundary"]; ok {
		rp["PermissionsBoundary"] = b
	}
	if p, ok := props["RolePath"]; ok {
		rp["Path"] = p
	}
	return rp, nil
}

// apiEvent adds an Api event: the path and method to its API's Swagger
// body and the permission that lets API Gateway invoke the function.
func (t *transformer) apiEvent(fnID string, res map[string]any, ev string, ep map[string]any, ga map[string]any) error {
	path, ok1 := ep["Path"].(string)
	method, ok2 := ep["Method"].(string)
	if !ok1 || !ok2 {
		return invalid(fnID, "Event with id [%s] is invalid. Event is missing key 'Path' or 'Method'.", ev)
	}
	var a *api
	if ref, ok := ep["RestApiId"]; ok {
		name := ""
		if m, ok := ref.(map[string]any); ok {
			name, _ = m["Ref"].(string)
		} else if s, ok := ref.(string); ok {
			name = s
		}
		a = t.apis[name]
		if a == nil {
			return invalid(fnID, "Event with id [%s] is invalid. RestApiId must be a valid reference to an 'AWS::Serverless::Api' resource in same template.", ev)
		}
	} else {
		a = t.apis["ServerlessRestApi"]
		if a == nil {
			props := merge(ga, map[string]any{"StageName": "Prod"})
			var err error
			if a, err = newAPI("ServerlessRestApi", props, map[string]any{}); err != nil {
				return err
			}
			a.implicit = true
			t.apis["ServerlessRestApi"] = a
		}
	}
	a.hasEvents = true
	verb := strings.ToLower(method)
	swaggerVerb := verb
	if verb == "any" {
		swaggerVerb = "x-amazon-apigateway-any-method"
	}
	paths := a.swagger()["paths"].(map[string]any)
	pm, _ := paths[path].(map[string]any)
	if pm == nil {
		pm = map[string]any{}
		paths[path] = pm
	}
	if _, dup := pm[swaggerVerb]; dup {
		return invalid(fnID, "Event with id [%s] is invalid. API method \"%s\" defined multiple times for path \"%s\".", ev, verb, path)
	}
	integ := map[string]any{"type": "aws_proxy", "httpMethod": "POST",
		"uri": map[string]any{"Fn::Sub": arn.LambdaIntegrationURI("${AWS::Region}", "${"+fnID+".Arn}")}}
	op := map[string]any{"responses": map[string]any{}, "x-amazon-apigateway-integration": integ}
	authorizer := a.defAuth
	invokeRole := ""
	if auth, ok := ep["Auth"].(map[string]any); ok {
		for k := range auth {
			if k != "Authorizer" && k != "InvokeRole" {
				return invalid(fnID, "Event with id [%s] is invalid. Auth property %s is not supported by gatehouse's SAM transform.", ev, k)
			}
		}
		if s, ok := auth["Authorizer"].(string); ok {
			authorizer = s
		}
		if s, ok := auth["InvokeRole"].(string); ok {
			invokeRole = s
		}
	}
	if invokeRole == "" {
		if aa, ok := a.props["Auth"].(map[string]any); ok {
			invokeRole, _ = aa["InvokeRole"].(string)
		}
	}
	switch authorizer {
	case "":
	case "AWS_IAM":
		op["security"] = []any{map[string]any{"AWS_IAM": []any{}}}
		defs, _ := a.body["securityDefinitions"].(map[string]any)
		if defs == nil {
			defs = map[string]any{}
			a.body["securityDefinitions"] = defs
		}
		defs["AWS_IAM"] = map[string]any{"x-amazon-apigateway-authtype": "awsSigv4", "type": "apiKey", "name": "Authorization", "in": "header"}
		// API Gateway calls the function with the caller's credentials
		// unless InvokeRole says otherwise.
		switch invokeRole {
		case "", "CALLER_CREDENTIALS":
			integ["credentials"] = arn.User("*", "/", "*")
		case "NONE":
		default:
			integ["credentials"] = invokeRole
		}
	case "NONE":
		if a.defAuth == "" {
			return invalid(fnID, "Event with id [%s] is invalid. Unable to set Authorizer on API method [%s] for path [%s] because 'NONE' is only a valid value when a DefaultAuthorizer on the API is specified.", ev, verb, path)
		}
		op["security"] = []any{map[string]any{"NONE": []any{}}}
	default:
		return invalid(fnID, "Event with id [%s] is invalid. Unable to set Authorizer [%s] on API method [%s] for path [%s] because it wasn't defined in the API's Authorizers (gatehouse's SAM transform supports AWS_IAM).", ev, authorizer, verb, path)
	}
	pm[swaggerVerb] = op

	// The permission's source ARN: the method and path, with path
	// parameters as wildcards, for every stage.
	arnMethod := strings.ToUpper(verb)
	if verb == "any" {
		arnMethod = "*"
	}
	var segs []string
	for _, s := range strings.Split(strings.TrimPrefix(path, "/"), "/") {
		if strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") {
			s = "*"
		}
		segs = append(segs, s)
	}
	src := arn.ExecuteAPI("${AWS::Region}", "${AWS::AccountId}", "${__ApiId__}", "${__Stage__}", arnMethod, strings.Join(segs, "/"))
	perm := map[string]any{"Action": "lambda:InvokeFunction", "FunctionName": map[string]any{"Ref": fnID},
		"Principal": "apigateway.amazonaws.com",
		"SourceArn": map[string]any{"Fn::Sub": []any{src, map[string]any{"__ApiId__": map[string]any{"Ref": a.id}, "__Stage__": "*"}}}}
	t.out[fnID+ev+"Permission"+stageSuffix(a.stage)] = withAttrs(res, "AWS::Lambda::Permission", perm, "Condition")
	return nil
}

// stageSuffix is the stage name as a logical-id suffix (alphanumerics).
func stageSuffix(s string) string {
	var b strings.Builder
	for _, c := range s {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
			b.WriteRune(c)
		}
	}
	return b.String()
}

// passAPIProps are AWS::Serverless::Api properties that pass to
// AWS::ApiGateway::RestApi.
var passAPIProps = []string{"Name", "Description", "EndpointConfiguration", "BinaryMediaTypes", "MinimumCompressionSize",
	"Mode", "ApiKeySourceType", "DisableExecuteApiEndpoint", "FailOnWarnings"}

var knownAPIProps = map[string]bool{"StageName": true, "DefinitionBody": true, "DefinitionUri": true, "Auth": true,
	"OpenApiVersion": true, "Variables": true, "Tags": true, "TracingEnabled": true, "MethodSettings": true,
	"CacheClusterEnabled": true, "CacheClusterSize": true}

func (t *transformer) emitAPI(a *api) error {
	for k := range a.props {
		if !knownAPIProps[k] && !contains(passAPIProps, k) {
			return invalid(a.id, "property %s not defined for resource of type AWS::Serverless::Api (gatehouse's SAM transform).", k)
		}
	}
	rp := map[string]any{"Body": a.swagger()}
	for _, k := range passAPIProps {
		if v, ok := a.props[k]; ok {
			rp[k] = v
		}
	}
	if ec, ok := rp["EndpointConfiguration"].(string); ok {
		rp["EndpointConfiguration"] = map[string]any{"Types": []any{ec}}
		if rp["Parameters"] == nil && ec != "EDGE" {
			rp["Parameters"] = map[string]any{"endpointConfigurationTypes": ec}
		}
	}
	t.out[a.id] = withAttrs(a.attrs, "AWS::ApiGateway::RestApi", rp, "Condition", "DependsOn", "DeletionPolicy", "UpdateReplacePolicy", "Metadata")
	// The deployment's logical id carries a hash of the body, so a changed
	// API gets a new deployment (CloudFormation replaces it) and the stage
	// moves to it.
	b, err := json.Marshal(rp["Body"])
	if err != nil {
		return invalid(a.id, "DefinitionBody cannot be serialized: %v", err)
	}
	sum := sha1.Sum(b)
	h := hex.EncodeToString(sum[:])
	depID := a.id + "Deployment" + h[:10]
	dp := map[string]any{"RestApiId": map[string]any{"Ref": a.id}, "Description": "RestApi deployment id: " + h}
	if a.openAPI == "" {
		// Without OpenApiVersion, SAM's deployments also create the
		// stage named "Stage" (a long-standing SAM behaviour it keeps for
		// compatibility).
		dp["StageName"] = "Stage"
	}
	t.out[depID] = withAttrs(a.attrs, "AWS::ApiGateway::Deployment", dp, "Condition")
	sp := map[string]any{"RestApiId": map[string]any{"Ref": a.id}, "DeploymentId": map[string]any{"Ref": depID}, "StageName": a.stage}
	for _, k := range []string{"Variables", "TracingEnabled", "MethodSettings", "CacheClusterEnabled", "CacheClusterSize"} {
		if v, ok := a.props[k]; ok {
			sp[k] = v
		}
	}
	if tags, ok := a.props["Tags"].(map[string]any); ok {
		var l []any
		for _, k := range sortedKeys(tags) {
			l = append(l, map[string]any{"Key": k, "Value": tags[k]})
		}
		sp["Tags"] = l
	}
	t.out[a.id+stageSuffix(a.stage)+"Stage"] = withAttrs(a.attrs, "AWS::ApiGateway::Stage", sp, "Condition")
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
