package gateway

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/binary"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/authn"
	"github.com/gatehouse-dev/gatehouse/internal/policy"
	"github.com/gatehouse-dev/gatehouse/internal/reqbody"
)

// request is the per-request state, pooled.
type request struct {
	g       *Gateway
	w       http.ResponseWriter
	r       *http.Request
	start   time.Time
	reqID   string
	apigwID string
	traceID string
	rawPath string // the path as received (what a SigV4 signature covers)
	// clientCert is the verified client certificate of a mutual-TLS
	// custom domain (mtls.go); nil otherwise.
	clientCert *x509.Certificate
	tg         target
	stage      *stageEntry
	m          *methodEntry
	params     []pathParam
	methodARN  string
	caller     *authn.Principal // nil for anonymous callers
	body       []byte           // read body (AWS_IAM, AWS_PROXY), nil when streamed
	held       *reqbody.Body    // body's reservation in the server's budget, released with rq
	bodyRead   bool
	sigv4      bool // the Authorization header carried a verified SigV4 signature
	pctx       policy.Context
	hdr        http.Header // integration request headers, reused
	up         upRequest
	rh         respHead
	wo         writerOnly   // rq.w without ReaderFrom, addressable: no allocation per copy
	integ      [6]string    // values of the integration headers (addIntegrationHeaders)
	api        *apiEntry    // the addressed API, when it exists (gateway responses)
	authz      *authzResult // the Lambda authorizer's answer (CUSTOM methods)
	apiKey     *keyEntry    // the API key of an apiKeyRequired method
	respType   string       // gateway response type overriding responseType's inference
	flushGen   int64        // the stage's authorizer cache generation
	noStore    bool         // the gateway answered itself: nothing to cache
}

// outHeader returns the cleared, reusable integration header map.
func (rq *request) outHeader() http.Header {
	if rq.hdr == nil {
		rq.hdr = make(http.Header, 16)
	}
	return rq.hdr
}

var requestPool = sync.Pool{New: func() any { return &request{params: make([]pathParam, 0, 4)} }}

func getRequest() *request { return requestPool.Get().(*request) }

func putRequest(rq *request) {
	rq.held.Release()
	params := rq.params[:0]
	pctx := rq.pctx
	pctx.Reset()
	hdr := rq.hdr
	clear(hdr)
	*rq = request{params: params, pctx: pctx, hdr: hdr}
	requestPool.Put(rq)
}

// newIDs returns the x-amz-apigw-id and X-Amzn-Trace-Id of a request,
// built in one buffer and converted to one string (one allocation, not
// three).
func newIDs(now time.Time) (apigwID, traceID string) {
	var out [apigwIDLen + traceIDLen]byte
	b := appendAPIGWID(out[:0])
	b = appendTraceID(b, now)
	s := string(b)
	return s[:apigwIDLen], s[apigwIDLen:]
}

const (
	apigwIDLen = 16                 // base64 of 12 bytes
	traceIDLen = 7 + 8 + 1 + 16 + 8 // "Root=1-" epoch "-" 96 bits
)

// appendAPIGWID appends an x-amz-apigw-id-like value (16 chars of
// base64). These ids need to be unique, not secret: math/rand/v2 is enough.
func appendAPIGWID(dst []byte) []byte {
	var b [12]byte
	binary.LittleEndian.PutUint64(b[:8], rand.Uint64())
	binary.LittleEndian.PutUint32(b[8:], rand.Uint32())
	return base64.StdEncoding.AppendEncode(dst, b[:])
}

// appendTraceID appends an X-Amzn-Trace-Id value, Root=1-{epoch hex}-{96 bits}.
func appendTraceID(out []byte, now time.Time) []byte {
	out = append(out, "Root=1-"...)
	out = appendHex(out, uint64(now.Unix()), 8)
	out = append(out, '-')
	out = appendHex(out, rand.Uint64(), 16)
	out = appendHex(out, uint64(rand.Uint32()), 8)
	return out
}

func appendHex(b []byte, v uint64, digits int) []byte {
	const hexd = "0123456789abcdef"
	for i := digits - 1; i >= 0; i-- {
		b = append(b, hexd[(v>>(uint(i)*4))&0xf])
	}
	return b
}
