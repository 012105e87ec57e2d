package gateway

import (
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/awserr"
)

// validateRequest applies the method's request validator after
// authorization and before the integration, as AWS does: required
// parameters first, then the body against the request model. It answers
// the client itself on failure (400 BadRequestException with AWS's
// messages); false = answered.
func (g *Gateway) validateRequest(rq *request) bool {
	c := rq.m.check
	if miss := c.MissingParams(rq.r.URL.Query(), rq.r.Header); len(miss) > 0 {
		g.fail(rq, awserr.GatewayBadRequestParameters.New("Missing required request parameters: ["+strings.Join(miss, ", ")+"]"))
		return false
	}
	if !c.ValidatesBody() {
		return true
	}
	if !g.readBody(rq) {
		return false
	}
	if !c.ValidBody(rq.r.Header.Get("Content-Type"), rq.body) {
		g.fail(rq, awserr.GatewayBadRequestBody.New(""))
		return false
	}
	return true
}
