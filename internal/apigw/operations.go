package apigw

import "github.com/gatehouse-dev/gatehouse/internal/pipeline"

// Table is the control-plane operations, built from the route table: each
// authorizes apigateway:<HTTP method> on the resource its path names,
// adds aws:RequestTag/* and aws:TagKeys when it attaches tags, and
// aws:ResourceTag/* when it acts on a RestApi or domain name or anything
// under one (tag inheritance). ImportRestApi (POST /restapis?mode=import)
// shares CreateRestApi's method but not its tags input.
var Table = func() pipeline.Table {
	var t pipeline.Table
	seen := map[string]bool{}
	for _, rt := range routes {
		if seen[rt.op] {
			continue
		}
		seen[rt.op] = true
		op := pipeline.Operation{Name: rt.op, Actions: []string{"apigateway:" + rt.method}}
		if rt.tagging {
			op.Keys = append(op.Keys, pipeline.TaggingKeys...)
		}
		if len(rt.segs) >= 2 && (rt.segs[0].lit == "restapis" || rt.segs[0].lit == "domainnames" ||
			rt.segs[0].lit == "tags" || rt.segs[0].lit == "vpclinks" || rt.segs[0].lit == "clientcertificates") {
			op.Keys = append(op.Keys, pipeline.ResourceTagKeys...)
		}
		t = append(t, op)
	}
	return t
}()

// Operations returns the names of the control-plane operations route can
// name, sorted: the closed set of operation labels of the apigateway
// surface's metrics. internal/archtest checks that route names no other.
func Operations() []string { return Table.Names() }
