package lambda

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

// TestSelectRoute: the table routes every request URI of botocore-lambda
// to its operation as the hand-written router did before it (the same
// trailing-slash spellings, the same API versions, the query conditions),
// and nothing else.
func TestSelectRoute(t *testing.T) {
	cases := []struct {
		method, path, query, want string
		params                    map[string]string
	}{
		{"GET", "/2015-03-31/functions", "", "ListFunctions", nil},
		{"GET", "/2015-03-31/functions/", "", "ListFunctions", nil},
		{"POST", "/2015-03-31/functions", "", "CreateFunction", nil},
		{"POST", "/2015-03-31/functions/", "", "", nil},
		{"PUT", "/2015-03-31/functions/", "", "", nil},
		{"GET", "/2015-03-31/functions/f", "", "GetFunction", map[string]string{"FunctionName": "f"}},
		{"DELETE", "/2015-03-31/functions/f", "", "DeleteFunction", map[string]string{"FunctionName": "f"}},
		// The collection's trailing slash reaches DeleteFunction with an
		// empty name (its validation answers).
		{"DELETE", "/2015-03-31/functions/", "", "DeleteFunction", map[string]string{"FunctionName": ""}},
		{"PUT", "/2015-03-31/functions/f", "", "", nil},
		{"GET", "/2015-03-31/functions/f/configuration", "", "GetFunctionConfiguration", nil},
		{"PUT", "/2015-03-31/functions/f/configuration", "", "UpdateFunctionConfiguration", nil},
		{"PUT", "/2015-03-31/functions/f/code", "", "UpdateFunctionCode", nil},
		{"POST", "/2015-03-31/functions/f/invocations", "", "Invoke", nil},
		{"POST", "/2015-03-31/functions/f/policy", "", "AddPermission", nil},
		{"GET", "/2015-03-31/functions/f/policy", "", "GetPolicy", nil},
		{"DELETE", "/2015-03-31/functions/f/policy/s1", "", "RemovePermission", map[string]string{"FunctionName": "f", "StatementId": "s1"}},
		{"GET", "/2015-03-31/functions/f/code-location", "", "GetFunctionCodeLocation", nil},
		{"GET", "/2015-03-31/functions/f/versions", "", "ListVersionsByFunction", nil},
		{"POST", "/2015-03-31/functions/f/versions", "", "PublishVersion", nil},
		{"POST", "/2015-03-31/functions/f/aliases", "", "CreateAlias", nil},
		{"GET", "/2015-03-31/functions/f/aliases", "", "ListAliases", nil},
		{"GET", "/2015-03-31/functions/f/aliases/a", "", "GetAlias", map[string]string{"FunctionName": "f", "Name": "a"}},
		{"PUT", "/2015-03-31/functions/f/aliases/a", "", "UpdateAlias", nil},
		{"DELETE", "/2015-03-31/functions/f/aliases/a", "", "DeleteAlias", nil},
		{"POST", "/2015-03-31/event-source-mappings", "", "CreateEventSourceMapping", nil},
		{"POST", "/2015-03-31/event-source-mappings/", "", "CreateEventSourceMapping", nil},
		{"GET", "/2015-03-31/event-source-mappings/", "", "ListEventSourceMappings", nil},
		{"PUT", "/2015-03-31/event-source-mappings/", "", "", nil},
		{"GET", "/2015-03-31/event-source-mappings/u", "", "GetEventSourceMapping", map[string]string{"UUID": "u"}},
		{"PUT", "/2015-03-31/event-source-mappings/u", "", "UpdateEventSourceMapping", nil},
		{"DELETE", "/2015-03-31/event-source-mappings/u", "", "DeleteEventSourceMapping", nil},
		{"GET", "/2019-09-25/functions/f/event-invoke-config/list", "", "ListFunctionEventInvokeConfigs", nil},
		{"PUT", "/2019-09-25/functions/f/event-invoke-config/list", "", "", nil},
		{"PUT", "/2019-09-25/functions/f/event-invoke-config", "", "PutFunctionEventInvokeConfig", nil},
		{"POST", "/2019-09-25/functions/f/event-invoke-config", "", "UpdateFunctionEventInvokeConfig", nil},
		{"GET", "/2019-09-25/functions/f/event-invoke-config", "", "GetFunctionEventInvokeConfig", nil},
		{"DELETE", "/2019-09-25/functions/f/event-invoke-config", "", "DeleteFunctionEventInvokeConfig", nil},
		{"POST", "/2021-11-15/functions/f/response-streaming-invocations", "", "InvokeWithResponseStream", nil},
		{"GET", "/2024-08-31/functions/f/recursion-config", "", "GetFunctionRecursionConfig", nil},
		{"PUT", "/2024-08-31/functions/f/recursion-config", "", "PutFunctionRecursionConfig", nil},
		{"GET", "/2021-07-20/functions/f/runtime-management-config", "", "GetRuntimeManagementConfig", nil},
		{"PUT", "/2021-07-20/functions/f/runtime-management-config", "", "PutRuntimeManagementConfig", nil},
		{"POST", "/2020-04-22/code-signing-configs", "", "CreateCodeSigningConfig", nil},
		{"GET", "/2020-04-22/code-signing-configs/", "", "ListCodeSigningConfigs", nil},
		{"DELETE", "/2020-04-22/code-signing-configs/", "", "", nil},
		{"GET", "/2020-04-22/code-signing-configs/c", "", "GetCodeSigningConfig", map[string]string{"CodeSigningConfigArn": "c"}},
		{"PUT", "/2020-04-22/code-signing-configs/c", "", "UpdateCodeSigningConfig", nil},
		{"DELETE", "/2020-04-22/code-signing-configs/c", "", "DeleteCodeSigningConfig", nil},
		{"GET", "/2020-04-22/code-signing-configs/c/functions", "", "ListFunctionsByCodeSigningConfig", nil},
		{"GET", "/2020-06-30/functions/f/code-signing-config", "", "GetFunctionCodeSigningConfig", nil},
		{"PUT", "/2020-06-30/functions/f/code-signing-config", "", "PutFunctionCodeSigningConfig", nil},
		{"DELETE", "/2020-06-30/functions/f/code-signing-config", "", "DeleteFunctionCodeSigningConfig", nil},
		{"GET", "/2019-09-30/functions/f/provisioned-concurrency", "", "GetProvisionedConcurrencyConfig", nil},
		{"GET", "/2019-09-30/functions/f/provisioned-concurrency", "List=ALL", "ListProvisionedConcurrencyConfigs", nil},
		{"GET", "/2019-09-30/functions/f/provisioned-concurrency", "List=all", "GetProvisionedConcurrencyConfig", nil},
		{"PUT", "/2019-09-30/functions/f/provisioned-concurrency", "", "PutProvisionedConcurrencyConfig", nil},
		{"DELETE", "/2019-09-30/functions/f/provisioned-concurrency", "", "DeleteProvisionedConcurrencyConfig", nil},
		{"GET", "/2017-10-31/functions/f/provisioned-concurrency", "", "", nil},
		{"PUT", "/2017-10-31/functions/f/concurrency", "", "PutFunctionConcurrency", nil},
		{"DELETE", "/2017-10-31/functions/f/concurrency", "", "DeleteFunctionConcurrency", nil},
		{"GET", "/2019-09-30/functions/f/concurrency", "", "GetFunctionConcurrency", nil},
		{"GET", "/2017-10-31/functions/f/concurrency", "", "", nil},
		{"PUT", "/2019-09-30/functions/f/concurrency", "", "", nil},
		{"GET", "/2017-03-31/tags/arn", "", "ListTags", map[string]string{"ARN": "arn"}},
		{"POST", "/2017-03-31/tags/arn", "", "TagResource", nil},
		{"DELETE", "/2017-03-31/tags/arn", "", "UntagResource", nil},
		{"GET", "/2017-03-31/tags/", "", "ListTags", map[string]string{"ARN": ""}},
		{"POST", "/2021-10-31/functions/f/url", "", "CreateFunctionUrlConfig", nil},
		{"GET", "/2021-10-31/functions/f/url", "", "GetFunctionUrlConfig", nil},
		{"PUT", "/2021-10-31/functions/f/url", "", "UpdateFunctionUrlConfig", nil},
		{"DELETE", "/2021-10-31/functions/f/url", "", "DeleteFunctionUrlConfig", nil},
		{"GET", "/2021-10-31/functions/f/urls", "", "ListFunctionUrlConfigs", nil},
		{"GET", "/2018-10-31/layers", "", "ListLayers", nil},
		{"GET", "/2018-10-31/layers", "find=LayerVersion", "GetLayerVersionByArn", nil},
		{"GET", "/2018-10-31/layers", "find=Layer", "ListLayers", nil},
		{"GET", "/2018-10-31/layers/", "", "", nil},
		{"POST", "/2018-10-31/layers/l/versions", "", "PublishLayerVersion", nil},
		{"GET", "/2018-10-31/layers/l/versions", "", "ListLayerVersions", nil},
		{"GET", "/2018-10-31/layers/l/versions/1", "", "GetLayerVersion", map[string]string{"LayerName": "l", "VersionNumber": "1"}},
		{"DELETE", "/2018-10-31/layers/l/versions/1", "", "DeleteLayerVersion", nil},
		{"POST", "/2018-10-31/layers/l/versions/1/policy", "", "AddLayerVersionPermission", nil},
		{"GET", "/2018-10-31/layers/l/versions/1/policy", "", "GetLayerVersionPolicy", nil},
		{"DELETE", "/2018-10-31/layers/l/versions/1/policy/s", "", "RemoveLayerVersionPermission", nil},
		{"POST", "/2025-11-30/capacity-providers", "", "CreateCapacityProvider", nil},
		{"GET", "/2025-11-30/capacity-providers/", "", "ListCapacityProviders", nil},
		{"PUT", "/2025-11-30/capacity-providers/", "", "", nil},
		{"GET", "/2025-11-30/capacity-providers/c", "", "GetCapacityProvider", map[string]string{"CapacityProviderName": "c"}},
		{"PUT", "/2025-11-30/capacity-providers/c", "", "UpdateCapacityProvider", nil},
		{"DELETE", "/2025-11-30/capacity-providers/c", "", "DeleteCapacityProvider", nil},
		{"GET", "/2025-11-30/capacity-providers/c/function-versions", "", "ListFunctionVersionsByCapacityProvider", nil},
		{"GET", "/2025-11-30/functions/f/function-scaling-config", "", "GetFunctionScalingConfig", nil},
		{"PUT", "/2025-11-30/functions/f/function-scaling-config", "", "PutFunctionScalingConfig", nil},
		{"GET", "/2025-12-01/durable-executions/a", "", "GetDurableExecution", nil},
		{"GET", "/2025-12-01/durable-executions/", "", "GetDurableExecution", map[string]string{"DurableExecutionArn": ""}},
		{"GET", "/2025-12-01/durable-executions/a/history", "", "GetDurableExecutionHistory", nil},
		{"GET", "/2025-12-01/durable-executions/a/state", "", "GetDurableExecutionState", nil},
		{"POST", "/2025-12-01/durable-executions/a/checkpoint", "", "CheckpointDurableExecution", nil},
		{"POST", "/2025-12-01/durable-executions/a/stop", "", "StopDurableExecution", nil},
		{"POST", "/2025-12-01/durable-execution-callbacks/c/succeed", "", "SendDurableExecutionCallbackSuccess", nil},
		{"POST", "/2025-12-01/durable-execution-callbacks/c/fail", "", "SendDurableExecutionCallbackFailure", nil},
		{"POST", "/2025-12-01/durable-execution-callbacks/c/heartbeat", "", "SendDurableExecutionCallbackHeartbeat", nil},
		{"GET", "/2025-12-01/functions/f/durable-executions", "", "ListDurableExecutionsByFunction", nil},
		{"POST", "/2014-11-13/functions/f/invoke-async", "", "InvokeAsync", nil},
		{"POST", "/2014-11-13/functions/f/invoke-async/", "", "InvokeAsync", nil},
		{"GET", "/2016-08-19/account-settings", "", "GetAccountSettings", nil},
		{"POST", "/2016-08-19/account-settings", "", "", nil},
		{"GET", "/2015-03-31/nothing", "", "", nil},
		{"GET", "/2099-01-01/functions", "", "", nil},
	}
	routed := map[string]bool{}
	for _, c := range cases {
		segs, ok := splitPath(c.path)
		if !ok {
			t.Fatalf("%s: splitPath refused", c.path)
		}
		qs, _ := url.ParseQuery(c.query)
		rt, params := selectRoute(c.method, segs, qs)
		got := ""
		if rt != nil {
			got = rt.Name
			routed[got] = true
		}
		if got != c.want {
			t.Errorf("%s %s?%s: routed to %q, want %q", c.method, c.path, c.query, got, c.want)
		}
		if c.params != nil && !reflect.DeepEqual(params, c.params) {
			t.Errorf("%s %s: params %v, want %v", c.method, c.path, params, c.params)
		}
	}
	for _, r := range routes {
		if !r.functionURL && !routed[r.Name] {
			t.Errorf("%s: no case routes to it", r.Name)
		}
	}
}

// TestDecodeInput: path parameters, query values (first or all), headers
// and the payload fill their fields; the JSON body fills only body
// members and cannot set a wire field; an input without body members
// ignores the body.
func TestDecodeInput(t *testing.T) {
	r := httptest.NewRequest("POST", "/x?Qualifier=1&Qualifier=2&Marker=m&tagKeys=a", nil)
	r.Header.Set("X-Amz-Log-Type", "Tail")
	body := []byte(`{"FunctionName":"body","Qualifier":["9"],"Tags":{"k":"v"}}`)
	params := map[string]string{"FunctionName": "path", "ARN": "arn"}

	var inv invocationInput
	if err := decodeInput(&inv, r, params, body); err != nil {
		t.Fatal(err)
	}
	if inv.FunctionName != "path" || !reflect.DeepEqual(inv.Qualifier, []string{"1", "2"}) || inv.LogType != "Tail" || string(inv.Payload) != string(body) {
		t.Errorf("invocation input %+v", inv)
	}

	var tag tagResourceInput
	if err := decodeInput(&tag, r, params, body); err != nil {
		t.Fatal(err)
	}
	if tag.ARN != "arn" || tag.Tags["k"] != "v" {
		t.Errorf("tag input %+v", tag)
	}

	var list listVersionsInput
	if err := decodeInput(&list, r, params, []byte("not json")); err != nil {
		t.Errorf("an input without body members read the body: %v", err)
	}
	if list.Marker != "m" || list.MaxItems != nil || list.FunctionName != "path" {
		t.Errorf("list input %+v", list)
	}

	var up updateConfigurationInput
	err := decodeInput(&up, r, params, []byte(`{"Timeout":"x"}`))
	if err == nil || !strings.Contains(err.Error(), "Could not deserialize field 'Timeout'") {
		t.Errorf("type error: %v", err)
	}
	if err := decodeInput(&up, r, params, []byte(`{"FunctionName":5,"Qualifier":5}`)); err != nil {
		t.Errorf("wire names in the body: %v", err)
	}

	// A wire field the body could set is a declaration error: refused.
	var bad struct {
		Name string `uri:"Name"`
		Body string
	}
	if err := decodeInput(&bad, r, params, nil); err == nil {
		t.Error("a wire field without json:\"-\" was accepted")
	}
}

// FuzzSelectRoute: any method, path and query select at most one route
// and never panic, and a selected route's template matches the path.
func FuzzSelectRoute(f *testing.F) {
	for _, s := range []string{"/2015-03-31/functions/", "/2018-10-31/layers?find=LayerVersion", "/2015-03-31/functions/f/aliases/a", "/2014-11-13/functions/f/invoke-async/", "//", "/2017-03-31/tags/%2F"} {
		f.Add(http.MethodGet, s)
	}
	f.Fuzz(func(t *testing.T, method, target string) {
		p, q, _ := strings.Cut(target, "?")
		segs, ok := splitPath(p)
		if !ok {
			return
		}
		qs, _ := url.ParseQuery(q)
		rt, _ := selectRoute(method, segs, qs)
		if rt == nil {
			return
		}
		if rt.method != method {
			t.Fatalf("%s %s routed to %s (%s)", method, target, rt.Name, rt.method)
		}
		matched := false
		for _, tp := range rt.paths {
			if _, _, ok := template(tp).match(segs); ok {
				matched = true
			}
		}
		if !matched {
			t.Fatalf("%s %s routed to %s, whose templates do not match", method, target, rt.Name)
		}
	})
}

// TestDecodeTypeErrorField: a type error names the member as decoding
// into the operation's body type did (the input's embedding of that type
// adds nothing to the path; the body type's own embeddings stay).
func TestDecodeTypeErrorField(t *testing.T) {
	r := httptest.NewRequest("PUT", "/x", nil)
	for _, c := range []struct {
		in   any
		body string
		want string
	}{
		{&updateConfigurationInput{}, `{"Timeout":"x"}`, "Timeout"},
		{&updateConfigurationInput{}, `{"Environment":{"Variables":{"a":1}}}`, "Environment.Variables"},
		{&createFunctionInput{}, `{"Code":{"ZipFile":5}}`, "Code.ZipFile"},
		{&updateCodeInput{}, `{"ZipFile":5}`, "codeInput.ZipFile"},
		{&updateCodeInput{}, `{"Publish":"x"}`, "Publish"},
		{&putConcurrencyInput{}, `{"ReservedConcurrentExecutions":"x"}`, "ReservedConcurrentExecutions"},
		{&updateAliasInput{}, `{"Name":5}`, "Name"},
	} {
		err := decodeInput(c.in, r, nil, []byte(c.body))
		want := "Could not deserialize field '" + c.want + "'"
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%T %s: %v, want %s", c.in, c.body, err, want)
		}
	}
}
