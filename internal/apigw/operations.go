package apigw

import "github.com/gatehouse-dev/gatehouse/internal/pipeline"

// declare completes each route's Operation from the route: it authorizes
// apigateway:<HTTP method> on the resource its path names, adds
// aws:RequestTag/* and aws:TagKeys when it attaches tags (withTags), and
// aws:ResourceTag/* when it acts on a RestApi or domain name or anything
// under one (tag inheritance), a tag ARN, a VPC link or a client
// certificate. ImportRestApi (POST /restapis?mode=import) shares
// CreateRestApi's method but not its tags input.
func declare(rts []route) []route {
	for i := range rts {
		rt := &rts[i]
		rt.h.Actions = []string{"apigateway:" + rt.method}
		rt.h.Keys = nil
		if rt.tagging {
			rt.h.Keys = append(rt.h.Keys, pipeline.TaggingKeys...)
		}
		if len(rt.segs) >= 2 && (rt.segs[0].lit == "restapis" || rt.segs[0].lit == "domainnames" ||
			rt.segs[0].lit == "tags" || rt.segs[0].lit == "vpclinks" || rt.segs[0].lit == "clientcertificates") {
			rt.h.Keys = append(rt.h.Keys, pipeline.ResourceTagKeys...)
		}
	}
	return rts
}

// handlers is the control plane's one operation table: each route's
// entry, in the routes' order (the router dispatches to routes[i].h).
var handlers = func() pipeline.Handlers[*call] {
	hs := make(pipeline.Handlers[*call], len(routes))
	for i := range routes {
		hs[i] = routes[i].h
	}
	return hs
}()

// Table is the control-plane operations' metadata (handlers.Table()).
var Table = handlers.Table()

// Operations returns the names of the control-plane operations route can
// name, sorted: the closed set of operation labels of the apigateway
// surface's metrics. internal/archtest checks that route names no other.
func Operations() []string { return Table.Names() }
