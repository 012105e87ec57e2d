// Package server is gatehouse's one listener: it classifies each request by
// what it is (SigV4 credential scope, execute-api host or path form, an
// unsigned STS web-identity call, gatehouse's own endpoints) and hands it to
// that surface's handler, with a request id, a log line and metrics around
// it. It holds no domain logic.
package server

import (
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/awsproto"
	"github.com/gatehouse-dev/gatehouse/internal/metrics"
	"github.com/gatehouse-dev/gatehouse/internal/reqbody"
	"github.com/gatehouse-dev/gatehouse/internal/sigv4"
)

// Services are the handlers of each surface. A nil control-plane handler
// answers every request with that service's unknown-operation error.
type Services struct {
	IAM        http.Handler // Query, credential scope service "iam"
	STS        http.Handler // Query, "sts", and unsigned AssumeRoleWithWebIdentity
	APIGateway http.Handler // REST-JSON, "apigateway"
	Lambda     http.Handler // REST-JSON, "lambda"
	// Logs is the CloudWatch Logs subset that serves functions' logs
	// (JSON 1.1, "logs"); nil answers every call as an unimplemented service.
	Logs http.Handler
	// S3 is the Amazon S3 REST-XML API (credential scope "s3", and unsigned
	// requests to a virtual-host bucket name); SSM is Parameter Store
	// (JSON 1.1, "ssm"). Nil answers every call as an unimplemented service.
	S3  http.Handler
	SSM http.Handler
	// ECR is the Amazon ECR repository registry (JSON 1.1, "ecr"); nil
	// answers every call as an unimplemented service.
	ECR http.Handler
	// CloudFormation is the CloudFormation Query API ("cloudformation");
	// nil answers every call as an unimplemented service.
	CloudFormation http.Handler
	// Gateway is the execute-api data plane: host form, path form, requests
	// signed for execute-api, and anything else (custom domains).
	Gateway http.Handler
	// Ready reports whether the store is open and every snapshot is loaded.
	Ready func() bool
	// Bodies bounds the bodies the server reads itself (the form of an
	// unsigned Query request, to find its Action); it should be the
	// surfaces' Reader, so that one budget covers every buffered body.
	// Nil: a Reader of the server's own.
	Bodies *reqbody.Reader
	// OIDC serves the outbound web identity federation issuers' discovery
	// documents and JWKS under /_gatehouse/oidc/ (unsigned; package iam).
	OIDC http.Handler
	// Health, when set, answers /_gatehouse/health instead of Ready: the
	// body to render as JSON, and ok false for a 503.
	Health func() (ok bool, body any)
	// Unavailable, when set, is asked before every request to a surface
	// (everything but gatehouse's own endpoints): a non-nil error (the
	// snapshots are staler than --max-staleness) is answered with that
	// surface's ServiceUnavailable instead of serving the request.
	Unavailable func() error
}

// Server dispatches requests to Services.
type Server struct {
	svc     Services
	log     *slog.Logger
	metrics *metrics.Metrics
}

// New returns a Server. log and m must not be nil.
func New(svc Services, log *slog.Logger, m *metrics.Metrics) *Server {
	if svc.Bodies == nil {
		svc.Bodies = reqbody.New(reqbody.Limits{})
	}
	return &Server{svc: svc, log: log, metrics: m}
}

// Surface names used in Meta.Service, logs and metrics.
const (
	SurfaceIAM        = "iam"
	SurfaceSTS        = "sts"
	SurfaceAPIGateway = "apigateway"
	SurfaceLambda     = "lambda"
	SurfaceLogs       = "logs"
	SurfaceS3         = "s3"
	SurfaceSSM        = "ssm"
	SurfaceECR        = "ecr"
	// SurfaceCloudFormation is the CloudFormation Query API.
	SurfaceCloudFormation = "cloudformation"
	// SurfaceUnimplemented is every AWS service gatehouse does not serve:
	// its calls get that service's own unknown-operation error.
	SurfaceUnimplemented = "unimplemented"
	SurfaceExecuteAPI    = "execute-api"
	SurfaceGatehouse     = "gatehouse"
)

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	surface := Classify(r)
	if surface == "" {
		var peeked *reqbody.Body
		surface, peeked = s.unsignedSurface(w, r)
		defer peeked.Release()
	}
	// The request id is always gatehouse's own: AWS's IAM, STS and Lambda
	// APIs generate theirs, and the id is written into XML, headers, the
	// decision log and Lambda invocation ids, so a client-chosen one could
	// break a body or pass for another request (issue #12 item 15).
	id := awsproto.NewRequestID()
	// One allocation for what the request needs from the server.
	st := &requestState{meta: awsproto.Meta{RequestID: id, Service: surface},
		rec: statusRecorder{ResponseWriter: w, status: http.StatusOK}, id: [1]string{id}}
	m, rec := &st.meta, &st.rec
	r = r.WithContext(awsproto.WithMeta(r.Context(), m))
	// Every response carries the request id, whichever handler writes it.
	w.Header()["X-Amzn-Requestid"] = st.id[:]

	defer func() {
		if v := recover(); v != nil {
			// A panic is a bug; the client still gets a well-formed AWS error.
			s.log.Error("panic serving request", "request_id", id, "service", surface, "panic", v)
			if !rec.wrote {
				s.writeError(rec, r, surface, awserr.InternalFailure.New(""))
			}
		}
		d := time.Since(start)
		op := m.Operation
		if op == "" {
			op = "unknown"
		}
		s.metrics.Observe(surface, op, rec.status, d)
		if surface != SurfaceGatehouse && s.log.Enabled(r.Context(), slog.LevelDebug) {
			s.log.Debug("request", "request_id", id, "service", surface, "operation", op,
				"method", r.Method, "path", r.URL.Path, "status", rec.status, "principal", m.Principal, "duration", d)
		}
	}()

	switch surface {
	case SurfaceGatehouse:
		s.serveOwn(rec, r)
	case SurfaceIAM:
		s.serve(rec, r, surface, s.svc.IAM)
	case SurfaceSTS:
		s.serve(rec, r, surface, s.svc.STS)
	case SurfaceAPIGateway:
		s.serve(rec, r, surface, s.svc.APIGateway)
	case SurfaceLambda:
		s.serve(rec, r, surface, s.svc.Lambda)
	case SurfaceLogs:
		if s.svc.Logs == nil {
			s.serveUnimplemented(rec, r)
			break
		}
		s.serve(rec, r, surface, s.svc.Logs)
	case SurfaceS3, SurfaceSSM:
		h := s.svc.S3
		if surface == SurfaceSSM {
			h = s.svc.SSM
		}
		if h == nil {
			s.serveUnimplemented(rec, r)
			break
		}
		s.serve(rec, r, surface, h)
	case SurfaceECR:
		if s.svc.ECR == nil {
			s.serveUnimplemented(rec, r)
			break
		}
		s.serve(rec, r, surface, s.svc.ECR)
	case SurfaceCloudFormation:
		if s.svc.CloudFormation == nil {
			s.serveUnimplemented(rec, r)
			break
		}
		s.serve(rec, r, surface, s.svc.CloudFormation)
	case SurfaceUnimplemented:
		s.serveUnimplemented(rec, r)
	default:
		s.serve(rec, r, SurfaceExecuteAPI, s.svc.Gateway)
	}
	if r.ContentLength != 0 && r.Body != nil && r.Body != http.NoBody {
		// The front discards a small body the handler left unread, to keep
		// the connection: it waits for it only until the body deadline.
		s.svc.Bodies.Unread(rec)
	}
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request, surface string, h http.Handler) {
	// Every surface decides from the snapshots (keys, policies, routes,
	// functions; NONE routes included, whose routes and authorization type
	// are snapshot state too), so a node that cannot vouch for them
	// refuses rather than honour a revoked key.
	if s.svc.Unavailable != nil {
		if err := s.svc.Unavailable(); err != nil {
			s.writeError(w, r, surface, err)
			return
		}
	}
	if h == nil {
		s.writeError(w, r, surface, s.unknownOperation(w, r, surface))
		return
	}
	h.ServeHTTP(w, r)
}

// serveUnimplemented answers a call to an AWS service gatehouse does not
// serve with that service's unknown-operation error, in its wire format and
// naming it, so that a client pointed at gatehouse learns what is missing
// instead of failing authentication (a signature error or execute-api's
// Missing Authentication Token) for a service it never reached.
func (s *Server) serveUnimplemented(w http.ResponseWriter, r *http.Request) {
	scope := scopeService(r)
	svc := awsproto.ServiceOf(r)
	if svc == nil && scope != "" {
		svc = awsproto.ServiceBySigningName(scope)
	}
	action := ""
	if r.Method == http.MethodPost && r.URL.Query().Get("Action") == "" && r.Header.Get("X-Amz-Target") == "" {
		// A Query call names its Action in the form body: read it
		// (bounded, as every body the server reads) to name the operation.
		form := reqbody.Replayed(r)
		if form == nil {
			if f, err := s.peekForm(w, r); err == nil {
				form = f
				defer form.Release()
			}
		}
		action = formValue(form, "Action")
	}
	awsproto.WriteUnknownService(w, r, svc, scope, action)
}

func (s *Server) unknownOperation(w http.ResponseWriter, r *http.Request, surface string) error {
	switch surface {
	case SurfaceIAM, SurfaceSTS:
		form := reqbody.Replayed(r)
		if form == nil {
			var err error
			if form, err = s.peekForm(w, r); err == nil {
				defer form.Release()
			}
		}
		action := r.URL.Query().Get("Action")
		if action == "" {
			action = formValue(form, "Action")
		}
		if action == "" {
			return awserr.MissingAction.New("")
		}
		version := r.URL.Query().Get("Version")
		if version == "" {
			version = formValue(form, "Version")
		}
		return awserr.InvalidAction.Errorf("Could not find operation %s for version %s", action, version)
	case SurfaceExecuteAPI:
		return awserr.GatewayMissingAuthenticationToken.New("")
	default:
		return awserr.UnknownOperation.New("")
	}
}

func (s *Server) writeError(w http.ResponseWriter, r *http.Request, surface string, err error) {
	switch surface {
	case SurfaceIAM:
		awsproto.WriteQueryError(w, r, awsproto.IAMNamespace, err)
	case SurfaceSTS:
		awsproto.WriteQueryError(w, r, awsproto.STSNamespace, err)
	case SurfaceAPIGateway, SurfaceLambda, SurfaceGatehouse:
		awsproto.WriteJSONError(w, r, err)
	case SurfaceLogs, SurfaceSSM, SurfaceECR:
		awsproto.WriteAWSJSONError(w, r, "1.1", err)
	case SurfaceS3:
		awsproto.WriteS3Error(w, r, err)
	case SurfaceCloudFormation:
		awsproto.WriteQueryError(w, r, "http://cloudformation.amazonaws.com/doc/2010-05-15/", err)
	default:
		awsproto.WriteGatewayError(w, r, err)
	}
}

func (s *Server) serveOwn(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/_gatehouse/oidc/") && s.svc.OIDC != nil {
		awsproto.SetOperation(r.Context(), "OIDC")
		s.svc.OIDC.ServeHTTP(w, r)
		return
	}
	switch r.URL.Path {
	case "/_gatehouse/health":
		awsproto.SetOperation(r.Context(), "Health")
		if s.svc.Health != nil {
			status := http.StatusOK
			ok, body := s.svc.Health()
			if !ok {
				status = http.StatusServiceUnavailable
			}
			awsproto.WriteJSON(w, r, status, body)
			return
		}
		if s.svc.Ready != nil && !s.svc.Ready() {
			awsproto.WriteJSON(w, r, http.StatusServiceUnavailable, map[string]string{"status": "starting"})
			return
		}
		awsproto.WriteJSON(w, r, http.StatusOK, map[string]string{"status": "ok"})
	case "/_gatehouse/metrics":
		awsproto.SetOperation(r.Context(), "Metrics")
		s.metrics.Handler().ServeHTTP(w, r)
	default:
		s.writeError(w, r, SurfaceGatehouse, awserr.UnknownOperation.New(""))
	}
}

// Classify names the surface of r from what it carries, without reading
// its body: gatehouse's own endpoints, the execute-api host and path forms,
// then the service of a SigV4 credential scope (Authorization header or
// X-Amz-Credential query parameter). It returns "" for an unsigned request
// that matches none of these.
func Classify(r *http.Request) string {
	p := r.URL.Path
	if strings.HasPrefix(p, "/_gatehouse/") {
		return SurfaceGatehouse
	}
	// Function URLs (package lambda, urlserve.go): the host form
	// {url-id}.lambda-url.{region}.{anything} and the path form
	// /_lambda_url/{url-id}/…, signed or not, are Lambda's.
	if isLambdaURLHost(r.Host) || strings.HasPrefix(p, "/_lambda_url/") {
		return SurfaceLambda
	}
	// A custom resource's ResponseURL (package cfn, custom.go): a
	// capability URL the function PUTs its answer to, unsigned.
	if strings.HasPrefix(p, "/_cloudformation/") {
		return SurfaceCloudFormation
	}
	if isExecuteAPIHost(r.Host) || strings.HasPrefix(p, "/restapis/") && strings.Contains(p, "/_user_request_/") ||
		strings.HasPrefix(p, "/restapis/") && strings.HasSuffix(p, "/_user_request_") {
		return SurfaceExecuteAPI
	}
	scope := scopeService(r)
	switch scope {
	case "":
		if IsS3Host(r.Host) {
			// An unsigned request to a virtual-hosted bucket: S3's, which
			// evaluates it as anonymous against the bucket policy.
			return SurfaceS3
		}
		return ""
	case "iam":
		return SurfaceIAM
	case "sts":
		return SurfaceSTS
	case "apigateway":
		return SurfaceAPIGateway
	case "lambda":
		return SurfaceLambda
	case "logs":
		return SurfaceLogs
	case "s3":
		return SurfaceS3
	case "ssm":
		return SurfaceSSM
	case "ecr":
		return SurfaceECR
	case "cloudformation":
		return SurfaceCloudFormation
	case "execute-api":
		return SurfaceExecuteAPI
	default:
		// Signed for a service gatehouse does not serve. A scope that names
		// no AWS service at all stays with the data plane, which answers it
		// as API Gateway does.
		if awsproto.ServiceBySigningName(scope) != nil {
			return SurfaceUnimplemented
		}
		return SurfaceExecuteAPI
	}
}

// IsS3Host reports whether host names an S3 bucket in virtual-host style:
// "{bucket}.s3.{anything}" or "{bucket}.s3-{region}.{anything}" (AWS's
// forms, and "bucket.s3.localhost"), or "{bucket}.localhost", the host the
// SDKs build from an endpoint of http://localhost:PORT. The port is
// ignored; an IP address never is a bucket host.
func IsS3Host(host string) bool {
	b, _ := awsproto.SplitS3Host(host)
	return b != "" && !isExecuteAPIHost(host)
}

// isExecuteAPIHost matches "{api-id}.execute-api.{anything}".
func isExecuteAPIHost(host string) bool {
	i := strings.IndexByte(host, '.')
	return i > 0 && strings.HasPrefix(host[i+1:], "execute-api.")
}

// isLambdaURLHost matches "{url-id}.lambda-url.{anything}".
func isLambdaURLHost(host string) bool {
	i := strings.IndexByte(host, '.')
	return i > 0 && strings.HasPrefix(host[i+1:], "lambda-url.")
}

// scopeService returns the service of the request's SigV4 credential scope
// (".../date/region/SERVICE/aws4_request"), or "": sigv4.RoutingScope,
// which reads it even from an otherwise malformed header.
func scopeService(r *http.Request) string {
	c, ok := sigv4.RoutingScope(r)
	if !ok {
		return ""
	}
	return c.Service
}

// unsignedSurface places a request with no SigV4 scope. The one unsigned
// AWS call gatehouse serves is STS AssumeRoleWithWebIdentity (and SAML), so
// a Query request with that Action goes to STS; a Query request with any
// other Action goes to the service its Version names, to be refused there
// for lack of a signature. Everything else is for the data plane (custom
// domains, base-path mappings, or a Missing Authentication Token). A body
// read to find the Action is returned, to be released when the request is
// done.
func (s *Server) unsignedSurface(w http.ResponseWriter, r *http.Request) (string, *reqbody.Body) {
	var peeked *reqbody.Body
	q := r.URL.Query()
	action, version := q.Get("Action"), q.Get("Version")
	// Only a request that claims no signature is read before it is
	// authenticated: one with an Authorization header that names no scope
	// fails authentication wherever it goes, and gets no "100 Continue".
	unsigned := strings.TrimSpace(r.Header.Get("Authorization")) == "" && !q.Has("X-Amz-Algorithm")
	if action == "" && unsigned && r.Method == http.MethodPost && r.URL.Path == "/" {
		var err error
		peeked, err = s.peekForm(w, r)
		if errors.Is(err, reqbody.ErrBusy) {
			// No room to look: the only unsigned form POST AWS serves is
			// STS's, whose answer (ServiceUnavailable) the client retries.
			return SurfaceSTS, nil
		}
		action, version = formValue(peeked, "Action"), formValue(peeked, "Version")
	}
	// An unsigned AWS JSON-protocol call (POST / with an X-Amz-Target of a
	// known service) is no API's: it is for that service.
	if unsigned && r.Method == http.MethodPost && r.URL.Path == "/" && r.Header.Get("X-Amz-Target") != "" {
		if svc := awsproto.ServiceOf(r); svc != nil {
			if svc.SigningName == "logs" {
				return SurfaceLogs, peeked
			}
			if svc.SigningName == "ssm" {
				return SurfaceSSM, peeked
			}
			if svc.SigningName == "ecr" {
				return SurfaceECR, peeked
			}
			return SurfaceUnimplemented, peeked
		}
	}
	switch {
	case action == "":
		return SurfaceExecuteAPI, peeked
	case version == "2010-05-08":
		return SurfaceIAM, peeked
	default:
		return SurfaceSTS, peeked
	}
}

// peekForm reads the form-encoded body of an unsigned request and puts it
// back for the handler (reqbody.Replay), bounded as every body the server
// buffers: a declared length of at most awsproto.MaxQueryBody (a body of
// unknown length is not read), the anonymous share of the byte budget and
// the read deadline. A read that fails part-way leaves a body that fails.
func (s *Server) peekForm(w http.ResponseWriter, r *http.Request) (*reqbody.Body, error) {
	if r.Body == nil || r.Body == http.NoBody || r.ContentLength <= 0 || r.ContentLength > awsproto.MaxQueryBody {
		return nil, nil
	}
	ct := r.Header.Get("Content-Type")
	if ct != "" && !strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
		return nil, nil
	}
	b, err := s.svc.Bodies.ReadAnonymous(w, r, awsproto.MaxQueryBody)
	switch {
	case err == nil:
		reqbody.Replay(r, b)
	case reqbody.IsReadError(err):
		reqbody.Failed(r, err)
	}
	return b, err
}

// formValue returns key's value in a form-encoded body, or "".
func formValue(b *reqbody.Body, key string) string {
	if b.Len() == 0 {
		return ""
	}
	v, err := url.ParseQuery(string(b.Bytes()))
	if err != nil {
		return ""
	}
	return v.Get(key)
}

// requestState is the server's per-request state, allocated as one
// object. It is not pooled: handlers may keep the request's context (and
// so its Meta) after they return.
type requestState struct {
	meta awsproto.Meta
	rec  statusRecorder
	id   [1]string // the X-Amzn-Requestid header value
}

type statusRecorder struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (s *statusRecorder) WriteHeader(code int) {
	if !s.wrote {
		s.status = code
		s.wrote = true
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	s.wrote = true
	return s.ResponseWriter.Write(b)
}

// Flush lets streaming handlers (the HTTP proxy) flush through the recorder.
func (s *statusRecorder) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// HTTPServer is the configuration of gatehouse's listener (the Front
// takes its timeouts and error log; net/http serves handed-off
// connections with it).
func HTTPServer(addr string, h http.Handler, log *slog.Logger) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

// Frontend serves a listener: the Front or a plain *http.Server.
type Frontend interface {
	Serve(net.Listener) error
	Shutdown(context.Context) error
}

// NewFrontend returns what serves srv's handler by impl: "net/http" is srv
// itself, anything else (config.ImplGatehouse) the Front over it.
func NewFrontend(impl string, srv *http.Server) Frontend {
	if impl == "net/http" {
		return srv
	}
	return NewFront(srv)
}

// ListenAndServe serves f on addr until ctx ends, then drains in-flight
// requests for up to drain before closing. ready is called once the
// listener is bound.
func ListenAndServe(ctx context.Context, f Frontend, addr string, drain time.Duration, ready func(addr string)) error {
	ln, err := Listen(addr)
	if err != nil {
		return err
	}
	if ready != nil {
		ready(ln.Addr().String())
	}
	return ServeAll(ctx, drain, Bound{f, ln})
}

// Listen binds a TCP listener on addr.
func Listen(addr string) (net.Listener, error) { return listen(addr) }

// Bound is a frontend with the listener it serves.
type Bound struct {
	Frontend Frontend
	Listener net.Listener
}

// ServeAll serves every frontend on its listener until ctx ends or one of
// them fails, then shuts them all down, draining in-flight requests for up
// to drain. It returns the first failure.
func ServeAll(ctx context.Context, drain time.Duration, bs ...Bound) error {
	errc := make(chan error, len(bs))
	for _, b := range bs {
		go func() { errc <- b.Frontend.Serve(b.Listener) }()
	}
	var first error
	select {
	case first = <-errc:
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), drain)
	defer cancel()
	errs := make(chan error, len(bs))
	for _, b := range bs {
		go func() { errs <- b.Frontend.Shutdown(sctx) }()
	}
	for range bs {
		if err := <-errs; first == nil {
			first = err
		}
	}
	return first
}

// TLSFrontend serves TLS connections with net/http (HTTP/1.1, and h2 by
// ALPN): its handler sees r.TLS set from the connection, which is the one
// source of aws:SecureTransport (pipeline.FillRequest). The plaintext
// Front's fast path is not used for TLS: the handshake and record layer
// cost more than what it saves, and net/http knows the connection is TLS
// for every request it serves, handed-off or not.
type TLSFrontend struct {
	srv *http.Server
}

// NewTLSFrontend serves srv's handler over TLS with cfg; srv must be an
// *http.Server of its own (not the plaintext listener's).
func NewTLSFrontend(srv *http.Server, cfg *tls.Config) *TLSFrontend {
	srv.TLSConfig = cfg
	return &TLSFrontend{srv: srv}
}

// Serve accepts TLS connections on ln (a plain TCP listener).
func (t *TLSFrontend) Serve(ln net.Listener) error {
	err := t.srv.ServeTLS(ln, "", "")
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// Shutdown drains and closes, as http.Server.Shutdown.
func (t *TLSFrontend) Shutdown(ctx context.Context) error { return t.srv.Shutdown(ctx) }
