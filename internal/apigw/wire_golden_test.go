package apigw_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/gatehousetest"
	"github.com/gatehouse-dev/gatehouse/internal/golden"
)

// TestWireGolden pins the control plane's answers byte for byte: a
// scripted session through the real server that calls every operation of
// the table (and a few failing calls), each answer recorded as its status,
// the headers the control plane sets and its body, in
// testdata/wire.golden. Generated ids, dates, request ids and secrets are
// masked (an id by the name the script saved it under). The golden was
// generated before handlers returned typed outputs; the output types and
// the frame that renders them must not change a byte of it.
func TestWireGolden(t *testing.T) {
	s := gatehousetest.Start(t)
	vars := map[string]string{}
	var order []string // var names, longest value first when masking
	save := func(name, v string) {
		if v == "" {
			t.Fatalf("save %s: empty", name)
		}
		if _, ok := vars[name]; !ok {
			order = append(order, name)
		}
		vars[name] = v
	}
	expand := func(s string) string {
		return wireVar.ReplaceAllStringFunc(s, func(m string) string {
			k := m[2 : len(m)-1]
			if strings.HasPrefix(k, "q:") {
				return url.PathEscape(vars[k[2:]])
			}
			if strings.HasPrefix(k, "qq:") {
				return url.QueryEscape(vars[k[3:]])
			}
			v, ok := vars[k]
			if !ok {
				t.Fatalf("no var %s", k)
			}
			return v
		})
	}
	var out strings.Builder
	for _, st := range wireSteps {
		target, body := expand(st.path), expand(st.body)
		req, err := http.NewRequest(st.method, s.URL+target, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		ct := st.contentType
		if ct == "" {
			ct = "application/json"
		}
		req.Header.Set("Content-Type", ct)
		if st.accept != "" {
			req.Header.Set("Accept", st.accept)
		}
		gatehousetest.Sign(t, req, root, "apigateway", []byte(body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if len(st.save) > 0 {
			var m map[string]any
			if err := json.Unmarshal(b, &m); err != nil {
				t.Fatalf("%s %s: %d %s", st.method, target, resp.StatusCode, b)
			}
			for name, field := range st.save {
				v := m
				parts := strings.Split(field, ".")
				for _, p := range parts[:len(parts)-1] {
					if p == "item0" {
						v = v["item"].([]any)[0].(map[string]any)
						continue
					}
					v, _ = v[p].(map[string]any)
				}
				sv, _ := v[parts[len(parts)-1]].(string)
				if sv == "" {
					t.Fatalf("%s %s: no %s in %d %s", st.method, target, field, resp.StatusCode, b)
				}
				save(name, sv)
			}
		}
		fmt.Fprintf(&out, "== %s %s %s\n%d\n", st.op, st.method, st.path, resp.StatusCode)
		var hk []string
		for k := range resp.Header {
			hk = append(hk, k)
		}
		sort.Strings(hk)
		for _, k := range hk {
			switch k {
			case "Date":
				continue
			case "X-Amzn-Requestid":
				fmt.Fprintf(&out, "%s: <request-id>\n", k)
				continue
			}
			v := strings.Join(resp.Header[k], ", ")
			if k == "Content-Length" && st.rawLength {
				v = "<n>"
			}
			fmt.Fprintf(&out, "%s: %s\n", k, v)
		}
		switch {
		case st.rawLength:
			fmt.Fprintf(&out, "<%s body>\n", resp.Header.Get("Content-Type"))
		default:
			out.Write(b)
			out.WriteByte('\n')
		}
	}
	got := out.String()
	// Mask the saved values, longest first (an id inside an ARN).
	sort.SliceStable(order, func(i, j int) bool { return len(vars[order[i]]) > len(vars[order[j]]) })
	for _, name := range order {
		got = strings.ReplaceAll(got, vars[name], "${"+name+"}")
		got = strings.ReplaceAll(got, url.PathEscape(vars[name]), "${q:"+name+"}")
	}
	for _, m := range wireMasks {
		got = m.re.ReplaceAllString(got, m.with)
	}
	golden.Check(t, "testdata/wire.golden", got)
}

// wireVar is a ${name} of the script (${q:name}: path-escaped, ${qq:name}: query-escaped).
var wireVar = regexp.MustCompile(`\$\{[a-z0-9:]+\}`)

var wireMasks = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`("(?:createdDate|lastUpdatedDate|expirationDate|startDate|endDate|latency)":)[0-9.eE+]+`), "$1<n>"},
	{regexp.MustCompile(`("value":")[A-Za-z0-9]{30,}(")`), "$1<key>$2"},
	{regexp.MustCompile(`("pemEncodedCertificate":")[^"]*(")`), "$1<pem>$2"},
	{regexp.MustCompile(`(Date: |"(?:date|Date)":")[^"\n]*`), "$1<date>"},
	{regexp.MustCompile(`(Latency: |latency":)[0-9]+`), "$1<n>"},
	{regexp.MustCompile(`(x-amzn-RequestId|X-Amzn-Requestid|"requestId")(":"|: |=)[A-Za-z0-9-]+`), "$1$2<request-id>"},
	{regexp.MustCompile(`(created|Created)[^"\n]{0,20}[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9:.Z+-]+`), "$1 <time>"},
	{regexp.MustCompile(`"id":"[a-z0-9]{6}","name":"(Empty|Error)"`), `"id":"<model>","name":"$1"`},
	{regexp.MustCompile(`"ids":\["[a-z0-9]+"\]`), `"ids":["<id>"]`},
	{regexp.MustCompile(`[A-Z][a-z]{2} [A-Z][a-z]{2} [0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} UTC [0-9]{4}`), "<time>"},
	{regexp.MustCompile(`[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?Z?`), "<time>"},
}

type wireStep struct {
	op, method, path, body string
	contentType, accept    string
	save                   map[string]string // var name → JSON field of the answer
	rawLength              bool              // the body is binary: record its type only
}

const (
	wAPI = "/restapis/${api}"
	wRes = wAPI + "/resources/${res}"
	wM   = wRes + "/methods/GET"
	wInt = wM + "/integration"
)

var wireSteps = []wireStep{
	{op: "CreateRestApi", method: "POST", path: "/restapis", body: `{"name":"golden","description":"d","tags":{"team":"a"}}`, save: map[string]string{"api": "id", "root": "rootResourceId"}},
	{op: "GetRestApis", method: "GET", path: "/restapis?limit=1"},
	{op: "GetRestApis", method: "GET", path: "/restapis/"},
	{op: "GetRestApi", method: "GET", path: wAPI},
	{op: "GetRestApi", method: "GET", path: "/restapis/nope"},
	{op: "UpdateRestApi", method: "PATCH", path: wAPI, body: `{"patchOperations":[{"op":"replace","path":"/description","value":"e"}]}`},
	{op: "CreateResource", method: "POST", path: "/restapis/${api}/resources/${root}", body: `{"pathPart":"pets"}`, save: map[string]string{"pets": "id"}},
	{op: "CreateResource", method: "POST", path: "/restapis/${api}/resources/${pets}", body: `{"pathPart":"{id}"}`, save: map[string]string{"res": "id"}},
	{op: "CreateResource", method: "POST", path: "/restapis/${api}/resources/${root}", body: `{"pathPart":"tmp"}`, save: map[string]string{"tmp": "id"}},
	{op: "GetResources", method: "GET", path: wAPI + "/resources?embed=methods"},
	{op: "GetResource", method: "GET", path: wRes},
	{op: "UpdateResource", method: "PATCH", path: "/restapis/${api}/resources/${tmp}", body: `{"patchOperations":[{"op":"replace","path":"/pathPart","value":"tmp2"}]}`},
	{op: "CreateModel", method: "POST", path: wAPI + "/models", body: `{"name":"Pet","contentType":"application/json","schema":"{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\"}}}"}`, save: map[string]string{"model": "id"}},
	{op: "GetModels", method: "GET", path: wAPI + "/models"},
	{op: "GetModel", method: "GET", path: wAPI + "/models/Pet"},
	{op: "UpdateModel", method: "PATCH", path: wAPI + "/models/Pet", body: `{"patchOperations":[{"op":"replace","path":"/description","value":"pets"}]}`},
	{op: "GetModelTemplate", method: "GET", path: wAPI + "/models/Pet/default_template"},
	{op: "CreateRequestValidator", method: "POST", path: wAPI + "/requestvalidators", body: `{"name":"body","validateRequestBody":true}`, save: map[string]string{"validator": "id"}},
	{op: "GetRequestValidators", method: "GET", path: wAPI + "/requestvalidators"},
	{op: "GetRequestValidator", method: "GET", path: wAPI + "/requestvalidators/${validator}"},
	{op: "UpdateRequestValidator", method: "PATCH", path: wAPI + "/requestvalidators/${validator}", body: `{"patchOperations":[{"op":"replace","path":"/validateRequestParameters","value":"true"}]}`},
	{op: "CreateAuthorizer", method: "POST", path: wAPI + "/authorizers", body: `{"name":"auth","type":"TOKEN","authorizerUri":"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:auth/invocations","identitySource":"method.request.header.Authorization"}`, save: map[string]string{"authorizer": "id"}},
	{op: "GetAuthorizers", method: "GET", path: wAPI + "/authorizers"},
	{op: "GetAuthorizer", method: "GET", path: wAPI + "/authorizers/${authorizer}"},
	{op: "UpdateAuthorizer", method: "PATCH", path: wAPI + "/authorizers/${authorizer}", body: `{"patchOperations":[{"op":"replace","path":"/authorizerResultTtlInSeconds","value":"60"}]}`},
	{op: "TestInvokeAuthorizer", method: "POST", path: wAPI + "/authorizers/${authorizer}", body: `{"headers":{"Authorization":"allow"}}`},
	{op: "PutMethod", method: "PUT", path: wM, body: `{"authorizationType":"NONE","requestParameters":{"method.request.path.id":true},"requestValidatorId":"${validator}"}`},
	{op: "GetMethod", method: "GET", path: wM},
	{op: "UpdateMethod", method: "PATCH", path: wM, body: `{"patchOperations":[{"op":"replace","path":"/apiKeyRequired","value":"false"}]}`},
	{op: "PutMethodResponse", method: "PUT", path: wM + "/responses/200", body: `{"responseModels":{"application/json":"Pet"},"responseParameters":{"method.response.header.X-A":false}}`},
	{op: "GetMethodResponse", method: "GET", path: wM + "/responses/200"},
	{op: "UpdateMethodResponse", method: "PATCH", path: wM + "/responses/200", body: `{"patchOperations":[{"op":"add","path":"/responseParameters/method.response.header.X-B","value":"true"}]}`},
	{op: "PutIntegration", method: "PUT", path: wInt, body: `{"type":"MOCK","requestTemplates":{"application/json":"{\"statusCode\": 200}"}}`},
	{op: "GetIntegration", method: "GET", path: wInt},
	{op: "UpdateIntegration", method: "PATCH", path: wInt, body: `{"patchOperations":[{"op":"replace","path":"/timeoutInMillis","value":"1000"}]}`},
	{op: "PutIntegrationResponse", method: "PUT", path: wInt + "/responses/200", body: `{"selectionPattern":"","responseTemplates":{"application/json":"{\"ok\":true}"}}`},
	{op: "GetIntegrationResponse", method: "GET", path: wInt + "/responses/200"},
	{op: "UpdateIntegrationResponse", method: "PATCH", path: wInt + "/responses/200", body: `{"patchOperations":[{"op":"replace","path":"/contentHandling","value":"CONVERT_TO_TEXT"}]}`},
	{op: "TestInvokeMethod", method: "POST", path: wM, body: `{"pathWithQueryString":"/pets/1"}`},
	{op: "PutGatewayResponse", method: "PUT", path: wAPI + "/gatewayresponses/DEFAULT_4XX", body: `{"statusCode":"400","responseTemplates":{"application/json":"{\"m\":$context.error.messageString}"}}`},
	{op: "GetGatewayResponse", method: "GET", path: wAPI + "/gatewayresponses/DEFAULT_4XX"},
	{op: "GetGatewayResponses", method: "GET", path: wAPI + "/gatewayresponses?limit=3"},
	{op: "UpdateGatewayResponse", method: "PATCH", path: wAPI + "/gatewayresponses/DEFAULT_4XX", body: `{"patchOperations":[{"op":"replace","path":"/statusCode","value":"401"}]}`},
	{op: "CreateDocumentationPart", method: "POST", path: wAPI + "/documentation/parts", body: `{"location":{"type":"API"},"properties":"{\"description\":\"pets\"}"}`, save: map[string]string{"docpart": "id"}},
	{op: "GetDocumentationParts", method: "GET", path: wAPI + "/documentation/parts"},
	{op: "GetDocumentationPart", method: "GET", path: wAPI + "/documentation/parts/${docpart}"},
	{op: "UpdateDocumentationPart", method: "PATCH", path: wAPI + "/documentation/parts/${docpart}", body: `{"patchOperations":[{"op":"replace","path":"/properties","value":"{\"description\":\"more pets\"}"}]}`},
	{op: "ImportDocumentationParts", method: "PUT", path: wAPI + "/documentation/parts?mode=merge", body: `{"openapi":"3.0.1","info":{"title":"x","version":"1"},"paths":{},"x-amazon-apigateway-documentation":{"documentationParts":[{"location":{"type":"RESOURCE","path":"/pets"},"properties":{"description":"all"}}]}}`},
	{op: "CreateDeployment", method: "POST", path: wAPI + "/deployments", body: `{"stageName":"dev","description":"first","variables":{"v":"1"}}`, save: map[string]string{"deployment": "id"}},
	{op: "GetDeployments", method: "GET", path: wAPI + "/deployments"},
	{op: "GetDeployment", method: "GET", path: wAPI + "/deployments/${deployment}?embed=apisummary"},
	{op: "UpdateDeployment", method: "PATCH", path: wAPI + "/deployments/${deployment}", body: `{"patchOperations":[{"op":"replace","path":"/description","value":"second"}]}`},
	{op: "CreateStage", method: "POST", path: wAPI + "/stages", body: `{"stageName":"prod","deploymentId":"${deployment}","tags":{"env":"prod"}}`},
	{op: "GetStages", method: "GET", path: wAPI + "/stages"},
	{op: "GetStage", method: "GET", path: wAPI + "/stages/dev"},
	{op: "UpdateStage", method: "PATCH", path: wAPI + "/stages/prod", body: `{"patchOperations":[{"op":"replace","path":"/*/*/throttling/rateLimit","value":"5"},{"op":"replace","path":"/variables/x","value":"y"}]}`},
	{op: "CreateDocumentationVersion", method: "POST", path: wAPI + "/documentation/versions", body: `{"documentationVersion":"v1","stageName":"dev","description":"d"}`},
	{op: "GetDocumentationVersions", method: "GET", path: wAPI + "/documentation/versions"},
	{op: "GetDocumentationVersion", method: "GET", path: wAPI + "/documentation/versions/v1"},
	{op: "UpdateDocumentationVersion", method: "PATCH", path: wAPI + "/documentation/versions/v1", body: `{"patchOperations":[{"op":"replace","path":"/description","value":"e"}]}`},
	{op: "GetExport", method: "GET", path: wAPI + "/stages/dev/exports/oas30?extensions=apigateway", accept: "application/json"},
	{op: "GetExport", method: "GET", path: wAPI + "/stages/dev/exports/swagger", accept: "application/yaml"},
	{op: "GetExport", method: "GET", path: wAPI + "/stages/dev/exports/swagger?extensions=documentation", accept: "application/octet-stream"},
	{op: "GetExport", method: "GET", path: wAPI + "/stages/dev/exports/nope"},
	{op: "GetSdkTypes", method: "GET", path: "/sdktypes"},
	{op: "GetSdkType", method: "GET", path: "/sdktypes/javascript"},
	{op: "GetSdk", method: "GET", path: wAPI + "/stages/dev/sdks/javascript", rawLength: true},
	{op: "FlushStageCache", method: "DELETE", path: wAPI + "/stages/dev/cache/data"},
	{op: "FlushStageAuthorizersCache", method: "DELETE", path: wAPI + "/stages/dev/cache/authorizers"},
	{op: "GenerateClientCertificate", method: "POST", path: "/clientcertificates", body: `{"description":"c","tags":{"k":"v"}}`, save: map[string]string{"cert": "clientCertificateId"}},
	{op: "GetClientCertificates", method: "GET", path: "/clientcertificates"},
	{op: "GetClientCertificate", method: "GET", path: "/clientcertificates/${cert}"},
	{op: "UpdateClientCertificate", method: "PATCH", path: "/clientcertificates/${cert}", body: `{"patchOperations":[{"op":"replace","path":"/description","value":"d"}]}`},
	{op: "CreateVpcLink", method: "POST", path: "/vpclinks", body: `{"name":"link","targetArns":["arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer/net/nlb/0123456789abcdef"]}`, save: map[string]string{"vpclink": "id"}},
	{op: "GetVpcLinks", method: "GET", path: "/vpclinks"},
	{op: "GetVpcLink", method: "GET", path: "/vpclinks/${vpclink}"},
	{op: "UpdateVpcLink", method: "PATCH", path: "/vpclinks/${vpclink}", body: `{"patchOperations":[{"op":"replace","path":"/description","value":"d"}]}`},
	{op: "GetAccount", method: "GET", path: "/account"},
	{op: "UpdateAccount", method: "PATCH", path: "/account", body: `{"patchOperations":[{"op":"replace","path":"/cloudwatchRoleArn","value":"arn:aws:iam::000000000000:role/logs"}]}`},
	{op: "CreateApiKey", method: "POST", path: "/apikeys", body: `{"name":"k1","enabled":true,"tags":{"a":"b"}}`, save: map[string]string{"key": "id", "keyvalue": "value"}},
	{op: "GetApiKeys", method: "GET", path: "/apikeys?includeValues=true&nameQuery=k"},
	{op: "ImportApiKeys", method: "POST", path: "/apikeys?mode=import&format=csv", contentType: "text/csv", body: "name,key,enabled\nimported,abcdefghijklmnopqrstuvwxyz0123456789,true\n"},
	{op: "GetApiKey", method: "GET", path: "/apikeys/${key}?includeValue=true"},
	{op: "UpdateApiKey", method: "PATCH", path: "/apikeys/${key}", body: `{"patchOperations":[{"op":"replace","path":"/description","value":"d"}]}`},
	{op: "CreateUsagePlan", method: "POST", path: "/usageplans", body: `{"name":"plan","apiStages":[{"apiId":"${api}","stage":"dev"}],"throttle":{"rateLimit":10,"burstLimit":5},"quota":{"limit":100,"period":"DAY"}}`, save: map[string]string{"plan": "id"}},
	{op: "GetUsagePlans", method: "GET", path: "/usageplans"},
	{op: "GetUsagePlan", method: "GET", path: "/usageplans/${plan}"},
	{op: "UpdateUsagePlan", method: "PATCH", path: "/usageplans/${plan}", body: `{"patchOperations":[{"op":"replace","path":"/description","value":"d"}]}`},
	{op: "CreateUsagePlanKey", method: "POST", path: "/usageplans/${plan}/keys", body: `{"keyId":"${key}","keyType":"API_KEY"}`},
	{op: "GetUsagePlanKeys", method: "GET", path: "/usageplans/${plan}/keys"},
	{op: "GetUsagePlanKey", method: "GET", path: "/usageplans/${plan}/keys/${key}"},
	{op: "GetUsage", method: "GET", path: "/usageplans/${plan}/usage?startDate=2026-01-01&endDate=2026-01-02"},
	{op: "UpdateUsage", method: "PATCH", path: "/usageplans/${plan}/keys/${key}/usage", body: `{"patchOperations":[{"op":"replace","path":"/remaining","value":"50"}]}`},
	{op: "CreateDomainName", method: "POST", path: "/domainnames", body: `{"domainName":"api.example.test","regionalCertificateArn":"arn:aws:acm:us-east-1:000000000000:certificate/abc","endpointConfiguration":{"types":["REGIONAL"]},"tags":{"d":"1"}}`},
	{op: "CreateDomainName", method: "POST", path: "/domainnames", body: `{"domainName":"private.example.test","endpointConfiguration":{"types":["PRIVATE"]}}`},
	{op: "GetDomainNames", method: "GET", path: "/domainnames"},
	{op: "GetDomainName", method: "GET", path: "/domainnames/api.example.test"},
	{op: "UpdateDomainName", method: "PATCH", path: "/domainnames/api.example.test", body: `{"patchOperations":[{"op":"replace","path":"/securityPolicy","value":"TLS_1_2"}]}`},
	{op: "CreateBasePathMapping", method: "POST", path: "/domainnames/api.example.test/basepathmappings", body: `{"basePath":"v1","restApiId":"${api}","stage":"dev"}`},
	{op: "GetBasePathMappings", method: "GET", path: "/domainnames/api.example.test/basepathmappings"},
	{op: "GetBasePathMapping", method: "GET", path: "/domainnames/api.example.test/basepathmappings/v1"},
	{op: "UpdateBasePathMapping", method: "PATCH", path: "/domainnames/api.example.test/basepathmappings/v1", body: `{"patchOperations":[{"op":"replace","path":"/stage","value":"prod"}]}`},
	{op: "CreateDomainNameAccessAssociation", method: "POST", path: "/domainnameaccessassociations", body: `{"domainNameArn":"arn:aws:apigateway:us-east-1:000000000000:/domainnames/private.example.test+abc123","accessAssociationSourceType":"VPCE","accessAssociationSource":"vpce-0123456789abcdef0"}`, save: map[string]string{"assoc": "domainNameAccessAssociationArn"}},
	{op: "GetDomainNameAccessAssociations", method: "GET", path: "/domainnameaccessassociations"},
	{op: "RejectDomainNameAccessAssociation", method: "POST", path: "/rejectdomainnameaccessassociations?domainNameAccessAssociationArn=${qq:assoc}&domainNameArn=arn%3Aaws%3Aapigateway%3Aus-east-1%3A000000000000%3A%2Fdomainnames%2Fprivate.example.test%2Babc123"},
	{op: "CreateDomainNameAccessAssociation", method: "POST", path: "/domainnameaccessassociations", body: `{"domainNameArn":"arn:aws:apigateway:us-east-1:000000000000:/domainnames/private.example.test+abc123","accessAssociationSourceType":"VPCE","accessAssociationSource":"vpce-0123456789abcdef0"}`},
	{op: "DeleteDomainNameAccessAssociation", method: "DELETE", path: "/domainnameaccessassociations/${q:assoc}"},
	{op: "TagResource", method: "PUT", path: "/tags/arn%3Aaws%3Aapigateway%3Aus-east-1%3A%3A%2Frestapis%2F${api}", body: `{"tags":{"x":"1","y":"2"}}`},
	{op: "GetTags", method: "GET", path: "/tags/arn%3Aaws%3Aapigateway%3Aus-east-1%3A%3A%2Frestapis%2F${api}"},
	{op: "UntagResource", method: "DELETE", path: "/tags/arn%3Aaws%3Aapigateway%3Aus-east-1%3A%3A%2Frestapis%2F${api}?tagKeys=y"},
	{op: "CreateRestApi", method: "POST", path: "/restapis", body: `{"name":"second","endpointConfiguration":{"types":["REGIONAL"]}}`, save: map[string]string{"api2": "id", "root2": "rootResourceId"}},
	{op: "PutRestApi", method: "PUT", path: "/restapis/${api2}?mode=merge", body: `{"openapi":"3.0.1","info":{"title":"second","version":"1"},"paths":{"/a":{"get":{"x-amazon-apigateway-integration":{"type":"mock"}}}}}`},
	{op: "ImportRestApi", method: "POST", path: "/restapis?mode=import", body: `{"openapi":"3.0.1","info":{"title":"imported","version":"1"},"paths":{"/b":{"get":{"x-amazon-apigateway-integration":{"type":"mock"}}}}}`, save: map[string]string{"api3": "id", "root3": "rootResourceId"}},
	{op: "CreateUsagePlanKey", method: "POST", path: "/usageplans/${plan}/keys", body: `{"keyId":"nope","keyType":"API_KEY"}`},
	{op: "DeleteUsagePlanKey", method: "DELETE", path: "/usageplans/${plan}/keys/${key}"},
	{op: "DeleteUsagePlan", method: "DELETE", path: "/usageplans/${plan}"},
	{op: "DeleteApiKey", method: "DELETE", path: "/apikeys/${key}"},
	{op: "DeleteBasePathMapping", method: "DELETE", path: "/domainnames/api.example.test/basepathmappings/v1"},
	{op: "DeleteDomainName", method: "DELETE", path: "/domainnames/api.example.test"},
	{op: "DeleteVpcLink", method: "DELETE", path: "/vpclinks/${vpclink}"},
	{op: "DeleteClientCertificate", method: "DELETE", path: "/clientcertificates/${cert}"},
	{op: "DeleteDocumentationVersion", method: "DELETE", path: wAPI + "/documentation/versions/v1"},
	{op: "DeleteDocumentationPart", method: "DELETE", path: wAPI + "/documentation/parts/${docpart}"},
	{op: "DeleteStage", method: "DELETE", path: wAPI + "/stages/prod"},
	{op: "DeleteStage", method: "DELETE", path: wAPI + "/stages/dev"},
	{op: "DeleteDeployment", method: "DELETE", path: wAPI + "/deployments/${deployment}"},
	{op: "DeleteGatewayResponse", method: "DELETE", path: wAPI + "/gatewayresponses/DEFAULT_4XX"},
	{op: "DeleteIntegrationResponse", method: "DELETE", path: wInt + "/responses/200"},
	{op: "DeleteIntegration", method: "DELETE", path: wInt},
	{op: "DeleteMethodResponse", method: "DELETE", path: wM + "/responses/200"},
	{op: "DeleteMethod", method: "DELETE", path: wM},
	{op: "DeleteMethod", method: "DELETE", path: wM},
	{op: "DeleteAuthorizer", method: "DELETE", path: wAPI + "/authorizers/${authorizer}"},
	{op: "DeleteRequestValidator", method: "DELETE", path: wAPI + "/requestvalidators/${validator}"},
	{op: "DeleteModel", method: "DELETE", path: wAPI + "/models/Pet"},
	{op: "DeleteResource", method: "DELETE", path: "/restapis/${api}/resources/${tmp}"},
	{op: "DeleteRestApi", method: "DELETE", path: "/restapis/${api3}"},
	{op: "DeleteRestApi", method: "DELETE", path: "/restapis/${api2}"},
	{op: "DeleteRestApi", method: "DELETE", path: wAPI},
	{op: "DeleteRestApi", method: "DELETE", path: wAPI},
	{op: "Unknown", method: "POST", path: "/nothing"},
}
