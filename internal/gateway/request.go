package gateway

import (
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"sync"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/authn"
	"github.com/gatehouse-dev/gatehouse/internal/policy"
)

// request is the per-request state, pooled.
type request struct {
	g         *Gateway
	w         http.ResponseWriter
	r         *http.Request
	start     time.Time
	reqID     string
	apigwID   string
	tg        target
	stage     *stageEntry
	m         *methodEntry
	params    []pathParam
	methodARN string
	caller    *authn.Principal // nil for anonymous callers
	body      []byte           // read body (AWS_IAM, AWS_PROXY), nil when streamed
	bodyRead  bool
	sigv4     bool // the Authorization header carried a verified SigV4 signature
	pctx      policy.Context
}

var requestPool = sync.Pool{New: func() any { return &request{params: make([]pathParam, 0, 4)} }}

func getRequest() *request { return requestPool.Get().(*request) }

func putRequest(rq *request) {
	params := rq.params[:0]
	pctx := rq.pctx
	pctx.Reset()
	*rq = request{params: params, pctx: pctx}
	requestPool.Put(rq)
}

// newAPIGWID returns an x-amz-apigw-id-like value (16 chars of base64).
func newAPIGWID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return base64.StdEncoding.EncodeToString(b[:])
}
