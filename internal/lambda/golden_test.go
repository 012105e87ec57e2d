package lambda_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/gatehouse-dev/gatehouse/internal/gatehousetest"
	"github.com/gatehouse-dev/gatehouse/internal/golden"
)

// goldenStep is one raw control-plane request of a golden transcript:
// ${name} in the path and body is a value saved from an earlier answer
// (save: variable → top-level key of that answer's JSON body, or
// "Code.Location").
type goldenStep struct {
	method, path, body string
	unsigned           bool
	header             map[string]string
	save               map[string]string
}

// goldenMasks replace what differs between runs (ids, dates, the code
// location's token) so that the rest of each answer is pinned byte for
// byte.
var goldenMasks = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`), "<uuid>"},
	{regexp.MustCompile(`\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?`), "<date>"},
	{regexp.MustCompile(`csc-[0-9a-z]{17}`), "csc-<id>"},
	{regexp.MustCompile(`":1\d{9}(\.\d+)?\b`), `":<epoch>`},
	{regexp.MustCompile(`[a-z0-9]{32}\.lambda-url`), "<urlid>.lambda-url"},
	{regexp.MustCompile(`code-location\?[^"]*`), "code-location?<token>"},
	{regexp.MustCompile(`127\.0\.0\.1:\d+`), "<host>"},
}

func goldenMask(s string) string {
	for _, m := range goldenMasks {
		s = m.re.ReplaceAllString(s, m.with)
	}
	return s
}

// runGolden sends steps to url and returns the transcript: each request,
// then the status, every response header but Date (the request id
// masked; Content-Length checked against the body), and the body.
func runGolden(t *testing.T, url string, vars map[string]string, steps []goldenStep) string {
	t.Helper()
	var out strings.Builder
	expand := func(s string) string {
		return os.Expand(s, func(k string) string {
			if v, ok := vars[k]; ok {
				return v
			}
			return "${" + k + "}"
		})
	}
	for _, st := range steps {
		path, body := expand(st.path), expand(st.body)
		target := path
		if !strings.HasPrefix(path, "http") {
			target = url + path
		}
		req, err := http.NewRequest(st.method, target, bytes.NewReader([]byte(body)))
		if err != nil {
			t.Fatal(err)
		}
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		for k, v := range st.header {
			req.Header.Set(k, v)
		}
		if !st.unsigned {
			gatehousetest.Sign(t, req, gatehousetest.RootCredentials, "lambda", []byte(body))
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		shown := st.path
		if len(shown) > 120 {
			shown = shown[:120] + "…"
		}
		fmt.Fprintf(&out, "== %s %s\n%d\n", st.method, goldenMask(shown), resp.StatusCode)
		var names []string
		for k := range resp.Header {
			if k != "Date" {
				names = append(names, k)
			}
		}
		slices.Sort(names)
		for _, k := range names {
			v := strings.Join(resp.Header[k], ",")
			switch k {
			case "X-Amzn-Requestid", "X-Amz-Apigw-Id", "X-Amzn-Trace-Id":
				v = "<" + strings.ToLower(k) + ">"
			case "X-Amz-Log-Result":
				// The log's durations vary: its shape is pinned.
				if l, err := base64.StdEncoding.DecodeString(v); err == nil && strings.HasPrefix(string(l), "START RequestId: ") && strings.Contains(string(l), "\nREPORT RequestId: ") {
					v = "<base64 START … REPORT log>"
				}
			case "Content-Length":
				if v == strconv.Itoa(len(b)) {
					v = "<body length>"
				}
			}
			fmt.Fprintf(&out, "%s: %s\n", k, goldenMask(v))
		}
		if utf8.Valid(b) && !bytes.ContainsFunc(b, func(r rune) bool { return r < ' ' && r != '\n' }) {
			fmt.Fprintf(&out, "%s\n", goldenMask(string(b)))
		} else {
			fmt.Fprintf(&out, "%s\n", strconv.Quote(string(b)))
		}
		if len(st.save) > 0 {
			var m map[string]any
			if err := json.Unmarshal(b, &m); err != nil {
				t.Fatalf("%s %s: %v", st.method, path, err)
			}
			for v, key := range st.save {
				if k, sub, ok := strings.Cut(key, "."); ok {
					vars[v], _ = m[k].(map[string]any)[sub].(string)
				} else {
					vars[v], _ = m[key].(string)
				}
			}
		}
	}
	return out.String()
}

// TestGoldenControlPlane pins the wire answers (status, headers, body
// bytes) of the control plane's operations, successes and errors,
// through the real server: the frame renders every operation's output,
// and this transcript must not change when the rendering moves.
func TestGoldenControlPlane(t *testing.T) {
	e := controlEnv(t)
	zip := base64.StdEncoding.EncodeToString(pyZip(t, `{"v": 1}`))
	vars := map[string]string{"role": e.role, "zip": zip}
	const fa = "arn:aws:lambda:us-east-1:000000000000:function:g1"
	steps := []goldenStep{
		{method: "GET", path: "/2016-08-19/account-settings"},
		{method: "POST", path: "/2015-03-31/functions", body: `{"FunctionName":"g1","Role":"${role}","Runtime":"python3.12","Handler":"index.handler","Code":{"ZipFile":"${zip}"},"Description":"d","Tags":{"a":"1"},"Environment":{"Variables":{"KEY1":"V"}}}`},
		{method: "POST", path: "/2015-03-31/functions", body: `{"FunctionName":"g1","Role":"${role}","Runtime":"python3.12","Handler":"index.handler","Code":{"ZipFile":"${zip}"}}`},
		{method: "POST", path: "/2015-03-31/functions", body: `{"FunctionName":"g1","Role":1}`},
		{method: "GET", path: "/2015-03-31/functions/g1", save: map[string]string{"loc": "Code.Location"}},
		{method: "GET", path: "${loc}", unsigned: true},
		{method: "GET", path: "/2015-03-31/functions/g1/code-location?token=bad", unsigned: true},
		{method: "GET", path: "/2015-03-31/functions/nope"},
		{method: "GET", path: "/2015-03-31/functions/g1/configuration"},
		{method: "PUT", path: "/2015-03-31/functions/g1/configuration", body: `{"Description":"d2","MemorySize":256}`},
		{method: "PUT", path: "/2015-03-31/functions/g1/code", body: `{"ZipFile":"${zip}"}`},
		{method: "GET", path: "/2015-03-31/functions/"},
		{method: "GET", path: "/2015-03-31/functions?MaxItems=1"},
		{method: "POST", path: "/2015-03-31/functions/g1/versions", body: `{"Description":"v1"}`},
		{method: "GET", path: "/2015-03-31/functions/g1/versions"},
		{method: "POST", path: "/2015-03-31/functions/g1/aliases", body: `{"Name":"live","FunctionVersion":"1","Description":"a"}`},
		{method: "GET", path: "/2015-03-31/functions/g1/aliases/live"},
		{method: "PUT", path: "/2015-03-31/functions/g1/aliases/live", body: `{"Description":"b"}`},
		{method: "GET", path: "/2015-03-31/functions/g1/aliases"},
		{method: "GET", path: "/2015-03-31/functions/g1:live"},
		{method: "POST", path: "/2015-03-31/functions/g1/policy", body: `{"StatementId":"s1","Action":"lambda:InvokeFunction","Principal":"s3.amazonaws.com","SourceArn":"arn:aws:s3:::b"}`},
		{method: "POST", path: "/2015-03-31/functions/g1/policy", body: `{"StatementId":"s1","Action":"lambda:InvokeFunction","Principal":"s3.amazonaws.com"}`},
		{method: "GET", path: "/2015-03-31/functions/g1/policy"},
		{method: "DELETE", path: "/2015-03-31/functions/g1/policy/s1"},
		{method: "GET", path: "/2015-03-31/functions/g1/policy"},
		{method: "PUT", path: "/2017-10-31/functions/g1/concurrency", body: `{"ReservedConcurrentExecutions":5}`},
		{method: "GET", path: "/2019-09-30/functions/g1/concurrency"},
		{method: "DELETE", path: "/2017-10-31/functions/g1/concurrency"},
		{method: "GET", path: "/2019-09-30/functions/g1/concurrency"},
		{method: "POST", path: "/2017-03-31/tags/" + fa, body: `{"Tags":{"b":"2"}}`},
		{method: "GET", path: "/2017-03-31/tags/" + fa},
		{method: "DELETE", path: "/2017-03-31/tags/" + fa + "?tagKeys=b"},
		{method: "POST", path: "/2021-10-31/functions/g1/url", body: `{"AuthType":"AWS_IAM","Cors":{"AllowOrigins":["https://x.example"]}}`},
		{method: "GET", path: "/2021-10-31/functions/g1/url"},
		{method: "PUT", path: "/2021-10-31/functions/g1/url", body: `{"AuthType":"NONE"}`},
		{method: "GET", path: "/2021-10-31/functions/g1/urls"},
		{method: "DELETE", path: "/2021-10-31/functions/g1/url"},
		{method: "GET", path: "/2021-10-31/functions/g1/url"},
		{method: "PUT", path: "/2019-09-25/functions/g1/event-invoke-config", body: `{"MaximumRetryAttempts":1}`},
		{method: "POST", path: "/2019-09-25/functions/g1/event-invoke-config", body: `{"MaximumEventAgeInSeconds":120}`},
		{method: "GET", path: "/2019-09-25/functions/g1/event-invoke-config"},
		{method: "GET", path: "/2019-09-25/functions/g1/event-invoke-config/list"},
		{method: "DELETE", path: "/2019-09-25/functions/g1/event-invoke-config"},
		{method: "GET", path: "/2024-08-31/functions/g1/recursion-config"},
		{method: "PUT", path: "/2024-08-31/functions/g1/recursion-config", body: `{"RecursiveLoop":"Allow"}`},
		{method: "GET", path: "/2021-07-20/functions/g1/runtime-management-config"},
		{method: "PUT", path: "/2021-07-20/functions/g1/runtime-management-config", body: `{"UpdateRuntimeOn":"FunctionUpdate"}`},
		{method: "PUT", path: "/2019-09-30/functions/g1/provisioned-concurrency?Qualifier=live", body: `{"ProvisionedConcurrentExecutions":1}`},
		{method: "GET", path: "/2019-09-30/functions/g1/provisioned-concurrency?Qualifier=live"},
		{method: "GET", path: "/2019-09-30/functions/g1/provisioned-concurrency?List=ALL"},
		{method: "DELETE", path: "/2019-09-30/functions/g1/provisioned-concurrency?Qualifier=live"},
		{method: "POST", path: "/2020-04-22/code-signing-configs/", body: `{"AllowedPublishers":{"SigningProfileVersionArns":["arn:aws:signer:us-east-1:000000000000:/signing-profiles/p/abcdefghij"]},"Description":"c"}`,
			save: map[string]string{"csc": "CodeSigningConfig.CodeSigningConfigArn"}},
		{method: "GET", path: "/2020-04-22/code-signing-configs/${csc}"},
		{method: "PUT", path: "/2020-04-22/code-signing-configs/${csc}", body: `{"Description":"c2"}`},
		{method: "GET", path: "/2020-04-22/code-signing-configs/"},
		{method: "PUT", path: "/2020-06-30/functions/g1/code-signing-config", body: `{"CodeSigningConfigArn":"${csc}"}`},
		{method: "GET", path: "/2020-06-30/functions/g1/code-signing-config"},
		{method: "GET", path: "/2020-04-22/code-signing-configs/${csc}/functions"},
		{method: "DELETE", path: "/2020-06-30/functions/g1/code-signing-config"},
		{method: "DELETE", path: "/2020-04-22/code-signing-configs/${csc}"},
		{method: "POST", path: "/2015-03-31/event-source-mappings/", body: `{"FunctionName":"g1","EventSourceArn":"arn:aws:sqs:us-east-1:000000000000:q"}`},
		{method: "GET", path: "/2015-03-31/event-source-mappings/"},
		{method: "GET", path: "/2015-03-31/event-source-mappings/00000000-0000-0000-0000-000000000000"},
		{method: "POST", path: "/2018-10-31/layers/l1/versions", body: `{"Content":{"ZipFile":"${zip}"},"CompatibleRuntimes":["python3.12"],"Description":"l"}`},
		{method: "GET", path: "/2018-10-31/layers/l1/versions/1"},
		{method: "GET", path: "/2018-10-31/layers?find=LayerVersion&Arn=arn:aws:lambda:us-east-1:000000000000:layer:l1:1"},
		{method: "GET", path: "/2018-10-31/layers"},
		{method: "GET", path: "/2018-10-31/layers/l1/versions"},
		{method: "POST", path: "/2018-10-31/layers/l1/versions/1/policy", body: `{"StatementId":"ls","Action":"lambda:GetLayerVersion","Principal":"*"}`},
		{method: "GET", path: "/2018-10-31/layers/l1/versions/1/policy"},
		{method: "DELETE", path: "/2018-10-31/layers/l1/versions/1/policy/ls"},
		{method: "GET", path: "/2018-10-31/layers/l1/versions/1/policy"},
		{method: "DELETE", path: "/2018-10-31/layers/l1/versions/1"},
		{method: "POST", path: "/2025-11-30/capacity-providers", body: `{"CapacityProviderName":"cp","VpcConfig":{"SubnetIds":["subnet-1"],"SecurityGroupIds":["sg-1"]},"PermissionsConfig":{"CapacityProviderOperatorRoleArn":"${role}"}}`},
		{method: "GET", path: "/2025-11-30/capacity-providers/cp"},
		{method: "PUT", path: "/2025-11-30/capacity-providers/cp", body: `{"CapacityProviderScalingConfig":{"MaxVCpuCount":8}}`},
		{method: "GET", path: "/2025-11-30/capacity-providers"},
		{method: "GET", path: "/2025-11-30/capacity-providers/cp/function-versions"},
		{method: "DELETE", path: "/2025-11-30/capacity-providers/cp"},
		{method: "PUT", path: "/2025-11-30/functions/g1/function-scaling-config?Qualifier=1", body: `{"FunctionScalingConfig":{"MinExecutionEnvironments":1,"MaxExecutionEnvironments":2}}`},
		{method: "GET", path: "/2025-11-30/functions/g1/function-scaling-config?Qualifier=1"},
		{method: "GET", path: "/2025-12-01/functions/g1/durable-executions"},
		{method: "GET", path: "/2025-12-01/durable-executions/" + fa + ":1/durable-execution/x/y"},
		{method: "POST", path: "/2015-03-31/functions/g1/invocations", body: `{}`},
		{method: "POST", path: "/2015-03-31/functions/nope/invocations", body: `{}`},
		{method: "POST", path: "/2014-11-13/functions/nope/invoke-async/", body: `{}`},
		{method: "POST", path: "/2021-11-15/functions/nope/response-streaming-invocations", body: `{}`},
		{method: "DELETE", path: "/2015-03-31/functions/g1/aliases/live"},
		{method: "DELETE", path: "/2015-03-31/functions/g1:1"},
		{method: "DELETE", path: "/2015-03-31/functions/g1"},
		{method: "DELETE", path: "/2015-03-31/functions/g1"},
		{method: "GET", path: "/2015-03-31/nothing"},
	}
	golden.Check(t, "testdata/golden/control.txt", runGolden(t, e.url, vars, steps))
}

// TestGoldenInvoke pins Invoke's answers (DryRun 204, Event 202, the
// payload with X-Amz-Executed-Version, a function error with
// X-Amz-Function-Error), InvokeAsync's 202 and a response stream's
// status and headers, where functions can run.
func TestGoldenInvoke(t *testing.T) {
	srv := startServer(t)
	e := newEnv(t, srv.URL, srv.DataDir)
	vars := map[string]string{"role": e.role,
		"zip": base64.StdEncoding.EncodeToString(pyZip(t, `{"v": 1}`)),
		"bad": base64.StdEncoding.EncodeToString(pyZip(t, `1/0`))}
	steps := []goldenStep{
		{method: "POST", path: "/2015-03-31/functions", body: `{"FunctionName":"gi","Role":"${role}","Runtime":"python3.12","Handler":"index.handler","Code":{"ZipFile":"${zip}"},"Publish":true}`},
		{method: "POST", path: "/2015-03-31/functions", body: `{"FunctionName":"gx","Role":"${role}","Runtime":"python3.12","Handler":"index.handler","Code":{"ZipFile":"${bad}"}}`},
		{method: "POST", path: "/2015-03-31/functions/gi/invocations", body: `{}`, header: map[string]string{"X-Amz-Invocation-Type": "DryRun"}},
		{method: "POST", path: "/2015-03-31/functions/gi/invocations", body: `{}`, header: map[string]string{"X-Amz-Invocation-Type": "Event"}},
		{method: "POST", path: "/2015-03-31/functions/gi/invocations", body: `{"a":1}`},
		{method: "POST", path: "/2015-03-31/functions/gi/invocations?Qualifier=1", body: `{"a":1}`, header: map[string]string{"X-Amz-Log-Type": "Tail"}},
		{method: "POST", path: "/2015-03-31/functions/gx/invocations", body: `{}`},
		{method: "POST", path: "/2015-03-31/functions/gi/invocations", body: `not json`},
		{method: "POST", path: "/2014-11-13/functions/gi/invoke-async/", body: `{"a":1}`},
		{method: "POST", path: "/2021-11-15/functions/gi/response-streaming-invocations", body: `{"a":1}`},
	}
	golden.Check(t, "testdata/golden/invoke.txt", runGolden(t, e.url, vars, steps))
}

// TestGoldenShapes pins the optional members and pagination of the
// answers whose shapes are declared field by field: markers (NextMarker
// sorts before some lists' members), layer versions with and without
// their optional members, destinations, function URL CORS and
// GetFunction's Concurrency and Tags.
func TestGoldenShapes(t *testing.T) {
	e := controlEnv(t)
	zip := base64.StdEncoding.EncodeToString(pyZip(t, `{"v": 1}`))
	vars := map[string]string{"role": e.role, "zip": zip}
	steps := []goldenStep{
		{method: "POST", path: "/2015-03-31/functions", body: `{"FunctionName":"s1","Role":"${role}","Runtime":"python3.12","Handler":"index.handler","Code":{"ZipFile":"${zip}"},"Publish":true,"Tags":{"t":"v"}}`},
		{method: "POST", path: "/2015-03-31/functions", body: `{"FunctionName":"s2","Role":"${role}","Runtime":"python3.12","Handler":"index.handler","Code":{"ZipFile":"${zip}"}}`},
		{method: "POST", path: "/2015-03-31/functions/s1/versions", body: `{}`},
		{method: "PUT", path: "/2015-03-31/functions/s1/code", body: `{"ZipFile":"${zip}","Publish":true}`},
		{method: "GET", path: "/2015-03-31/functions/s1/versions?MaxItems=1"},
		{method: "GET", path: "/2015-03-31/functions?MaxItems=1"},
		{method: "PUT", path: "/2017-10-31/functions/s1/concurrency", body: `{"ReservedConcurrentExecutions":10}`},
		{method: "GET", path: "/2015-03-31/functions/s1"},
		{method: "GET", path: "/2019-09-30/functions/s1/concurrency"},
		{method: "PUT", path: "/2017-10-31/functions/s2/concurrency", body: `{"ReservedConcurrentExecutions":0}`},
		{method: "GET", path: "/2015-03-31/functions/s2"},
		{method: "GET", path: "/2019-09-30/functions/s2/concurrency"},
		{method: "POST", path: "/2015-03-31/functions/s1/aliases", body: `{"Name":"a1","FunctionVersion":"1","RoutingConfig":{"AdditionalVersionWeights":{"2":0.5}}}`},
		{method: "POST", path: "/2015-03-31/functions/s1/aliases", body: `{"Name":"a2","FunctionVersion":"1"}`},
		{method: "GET", path: "/2015-03-31/functions/s1/aliases?MaxItems=1"},
		{method: "PUT", path: "/2019-09-30/functions/s1/provisioned-concurrency?Qualifier=1", body: `{"ProvisionedConcurrentExecutions":1}`},
		{method: "PUT", path: "/2019-09-30/functions/s1/provisioned-concurrency?Qualifier=2", body: `{"ProvisionedConcurrentExecutions":2}`},
		{method: "GET", path: "/2019-09-30/functions/s1/provisioned-concurrency?List=ALL&MaxItems=1"},
		{method: "PUT", path: "/2019-09-25/functions/s1/event-invoke-config", body: `{"MaximumEventAgeInSeconds":60,"DestinationConfig":{"OnFailure":{"Destination":"arn:aws:lambda:us-east-1:000000000000:function:s2"}}}`},
		{method: "PUT", path: "/2019-09-25/functions/s1/event-invoke-config?Qualifier=1", body: `{"MaximumRetryAttempts":0}`},
		{method: "GET", path: "/2019-09-25/functions/s1/event-invoke-config/list?MaxItems=1"},
		{method: "GET", path: "/2019-09-25/functions/s1/event-invoke-config/list"},
		{method: "POST", path: "/2021-10-31/functions/s1/url", body: `{"AuthType":"NONE","InvokeMode":"RESPONSE_STREAM","Cors":{"AllowCredentials":true,"AllowHeaders":["x"],"AllowMethods":["GET"],"AllowOrigins":["*"],"ExposeHeaders":["y"],"MaxAge":10}}`},
		{method: "POST", path: "/2021-10-31/functions/s1/url?Qualifier=a1", body: `{"AuthType":"AWS_IAM"}`},
		{method: "GET", path: "/2021-10-31/functions/s1/urls?MaxItems=1"},
		{method: "POST", path: "/2018-10-31/layers/l2/versions", body: `{"Content":{"ZipFile":"${zip}"},"CompatibleArchitectures":["arm64"],"LicenseInfo":"MIT"}`},
		{method: "POST", path: "/2018-10-31/layers/l2/versions", body: `{"Content":{"ZipFile":"${zip}"},"Description":"two","CompatibleRuntimes":["python3.12","python3.11"]}`},
		{method: "POST", path: "/2018-10-31/layers/l3/versions", body: `{"Content":{"ZipFile":"${zip}"}}`},
		{method: "GET", path: "/2018-10-31/layers/l2/versions/1"},
		{method: "GET", path: "/2018-10-31/layers/l2/versions"},
		{method: "GET", path: "/2018-10-31/layers/l2/versions?MaxItems=1"},
		{method: "GET", path: "/2018-10-31/layers?MaxItems=1"},
		{method: "GET", path: "/2018-10-31/layers?CompatibleRuntime=python3.11"},
		{method: "GET", path: "/2020-06-30/functions/s1/code-signing-config"},
		{method: "PUT", path: "/2021-07-20/functions/s1/runtime-management-config?Qualifier=1", body: `{"UpdateRuntimeOn":"Manual","RuntimeVersionArn":"arn:aws:lambda:us-east-1::runtime:0123456789abcdef"}`},
		{method: "GET", path: "/2021-07-20/functions/s1/runtime-management-config?Qualifier=1"},
		{method: "GET", path: "/2025-11-30/capacity-providers?MaxItems=1"},
	}
	golden.Check(t, "testdata/golden/shapes.txt", runGolden(t, e.url, vars, steps))
}
