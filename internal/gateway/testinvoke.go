package gateway

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/apigw"
	"github.com/gatehouse-dev/gatehouse/internal/awserr"
)

// TestInvoke runs one request through a method of d (a snapshot of an
// API's draft) in stage st, as ServeHTTP would after authorization:
// request validation, then the integration. TestInvokeMethod skips
// authorization by contract (the caller was authorized for
// apigateway:POST on the method).
func (g *Gateway) TestInvoke(ctx context.Context, d *apigw.DeploymentRecord, st *apigw.StageRecord, in apigw.TestInvokeRequest) (apigw.TestInvokeResult, error) {
	start := g.cfg.Now()
	a := &apiEntry{id: d.APIID, account: d.Account, region: d.Region, stages: map[string]*stageEntry{}}
	se := compileStage(a, st, d)
	a.stages[st.Stage.StageName] = se
	path, query, _ := strings.Cut(in.PathWithQuery, "?")
	p, ok := canonicalPath(path)
	if !ok {
		return apigw.TestInvokeResult{}, awserr.BadRequestException.Errorf("Invalid path specified: %s", path)
	}
	rq := getRequest()
	defer putRequest(rq)
	m := se.matchStrict(p, in.Verb, &rq.params)
	if m == nil || m.res.ID != in.ResourceID {
		return apigw.TestInvokeResult{}, awserr.BadRequestException.Errorf("The path %s does not match the method's resource", path)
	}
	url := "/" + st.Stage.StageName + path
	if query != "" {
		url += "?" + query
	}
	r := httptest.NewRequest(in.Verb, url, strings.NewReader(in.Body)).WithContext(ctx)
	r.Header = in.Headers.Clone()
	if r.Header == nil {
		r.Header = http.Header{}
	}
	r.Host = d.APIID + ".execute-api." + d.Region + ".amazonaws.com"
	w := httptest.NewRecorder()
	rq.g, rq.w, rq.r, rq.start, rq.reqID = g, w, r, start, "test-invoke-request"
	rq.apigwID, rq.traceID = newIDs(start)
	rq.rawPath = path
	rq.tg = target{apiID: d.APIID, stage: st.Stage.StageName, rest: p}
	rq.stage, rq.m = se, m
	if m.check == nil || g.validateRequest(rq) {
		g.integrate(rq)
	}
	res := w.Result()
	body := w.Body.String()
	lat := g.cfg.Now().Sub(start).Milliseconds()
	log := fmt.Sprintf("Execution log for request test-invoke-request\n%s : Starting execution for request: test-invoke-request\n"+
		"%s : HTTP Method: %s, Resource Path: %s\n%s : Method completed with status: %d\n",
		start.UTC().Format("Mon Jan 02 15:04:05 UTC 2006"), start.UTC().Format("Mon Jan 02 15:04:05 UTC 2006"), in.Verb, path,
		start.UTC().Format("Mon Jan 02 15:04:05 UTC 2006"), res.StatusCode)
	return apigw.TestInvokeResult{Status: res.StatusCode, Headers: res.Header, Body: body, Log: log, LatencyMS: lat}, nil
}
