package apigw

import (
	"context"
	"net/http"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/awserr"
)

// TestInvokeRequest is TestInvokeMethod's request, for the data plane.
type TestInvokeRequest struct {
	// ResourceID and Verb name the method tested; PathWithQuery is the
	// concrete request path ("/pets/1?x=y"), without a stage.
	ResourceID    string
	Verb          string
	PathWithQuery string
	Body          string
	Headers       http.Header
}

// TestInvokeResult is what the method answered.
type TestInvokeResult struct {
	Status    int
	Headers   http.Header
	Body      string
	Log       string
	LatencyMS int64
}

// TestInvoker runs one request through a method of an undeployed API,
// as the data plane would, without authorization (TestInvokeMethod's
// contract): the gateway implements it.
type TestInvoker interface {
	TestInvoke(ctx context.Context, d *DeploymentRecord, st *StageRecord, req TestInvokeRequest) (TestInvokeResult, error)
}

// TestInvokeStage is the stage name a test invocation runs in, as AWS
// names it in the method ARN and the Lambda source ARN.
const TestInvokeStage = "test-invoke-stage"

type testInvokerBox struct{ t TestInvoker }

// SetTestInvoker installs the data plane that TestInvokeMethod runs
// requests through (the gateway is built after the control plane).
func (s *Service) SetTestInvoker(t TestInvoker) { s.testInv.Store(&testInvokerBox{t}) }

type testInvokeIn struct {
	PathWithQueryString string              `json:"pathWithQueryString"`
	Body                string              `json:"body"`
	Headers             map[string]string   `json:"headers"`
	MultiValueHeaders   map[string][]string `json:"multiValueHeaders"`
	StageVariables      map[string]string   `json:"stageVariables"`
}

type testInvokeOut struct {
	Status            int                 `json:"status"`
	Body              string              `json:"body"`
	Headers           map[string]string   `json:"headers"`
	MultiValueHeaders map[string][]string `json:"multiValueHeaders"`
	Log               string              `json:"log"`
	Latency           int64               `json:"latency"`
}

// testInvokeMethod runs the request through the method as the API is now
// (its draft, not a deployment), in the stage "test-invoke-stage" with
// the given stage variables, skipping authorization, as AWS does.
func (s *Service) testInvokeMethod(c *call, req *jsonIn[testInvokeIn]) (*TestInvokeMethodOutput, error) {
	in := req.Body
	box := s.testInv.Load()
	if box == nil {
		return nil, awserr.BadRequestException.New("Test invocation is not available: no data plane is running")
	}
	if err := validateVariables(in.StageVariables); err != nil {
		return nil, err
	}
	var d *DeploymentRecord
	var st *StageRecord
	var path string
	err := s.viewAPI(c, func(a *APIRecord) error {
		r, m, err := methodOf(a, c)
		if err != nil {
			return err
		}
		if m.MethodIntegration == nil {
			return awserr.BadRequestException.New("No integration defined for method")
		}
		path = r.Path
		d = snapshot(a, Deployment{ID: "testinvoke", CreatedDate: s.now().Unix()})
		st = &StageRecord{Stage: Stage{StageName: TestInvokeStage, DeploymentID: d.Deployment.ID, Variables: in.StageVariables},
			APIID: a.API.ID, Account: a.Account, Region: a.Region}
		return nil
	})
	if err != nil {
		return nil, err
	}
	pq := in.PathWithQueryString
	if pq == "" {
		pq = path
	}
	if !strings.HasPrefix(pq, "/") {
		pq = "/" + pq
	}
	h := http.Header{}
	for k, v := range in.Headers {
		h.Set(k, v)
	}
	for k, vs := range in.MultiValueHeaders {
		for _, v := range vs {
			h.Add(k, v)
		}
	}
	res, err := box.t.TestInvoke(c.ctx, d, st, TestInvokeRequest{ResourceID: c.path.Resource, Verb: c.path.Verb,
		PathWithQuery: pq, Body: in.Body, Headers: h})
	if err != nil {
		return nil, err
	}
	out := testInvokeOut{Status: res.Status, Body: res.Body, Headers: map[string]string{}, MultiValueHeaders: map[string][]string{},
		Log: res.Log, Latency: res.LatencyMS}
	for k, vs := range res.Headers {
		out.MultiValueHeaders[k] = vs
		out.Headers[k] = vs[len(vs)-1]
	}
	return &TestInvokeMethodOutput{out}, nil
}
