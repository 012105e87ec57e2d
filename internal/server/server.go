// Package server is gatehouse's one listener: it classifies each request by
// what it is (SigV4 credential scope, execute-api host or path form, an
// unsigned STS web-identity call, gatehouse's own endpoints) and hands it to
// that surface's handler, with a request id, a log line and metrics around
// it. It holds no domain logic.
package server

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/awsproto"
	"github.com/gatehouse-dev/gatehouse/internal/metrics"
)

// Services are the handlers of each surface. A nil control-plane handler
// answers every request with that service's unknown-operation error.
type Services struct {
	IAM        http.Handler // Query, credential scope service "iam"
	STS        http.Handler // Query, "sts", and unsigned AssumeRoleWithWebIdentity
	APIGateway http.Handler // REST-JSON, "apigateway"
	Lambda     http.Handler // REST-JSON, "lambda"
	// Gateway is the execute-api data plane: host form, path form, requests
	// signed for execute-api, and anything else (custom domains).
	Gateway http.Handler
	// Ready reports whether the store is open and every snapshot is loaded.
	Ready func() bool
}

// Server dispatches requests to Services.
type Server struct {
	svc     Services
	log     *slog.Logger
	metrics *metrics.Metrics
}

// New returns a Server. log and m must not be nil.
func New(svc Services, log *slog.Logger, m *metrics.Metrics) *Server {
	return &Server{svc: svc, log: log, metrics: m}
}

// Surface names used in Meta.Service, logs and metrics.
const (
	SurfaceIAM        = "iam"
	SurfaceSTS        = "sts"
	SurfaceAPIGateway = "apigateway"
	SurfaceLambda     = "lambda"
	SurfaceExecuteAPI = "execute-api"
	SurfaceGatehouse  = "gatehouse"
)

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	surface := Classify(r)
	if surface == "" {
		surface = s.unsignedSurface(r)
	}
	id := r.Header.Get("x-amzn-RequestId")
	if id == "" || len(id) > 64 {
		id = awsproto.NewRequestID()
	}
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
	default:
		s.serve(rec, r, SurfaceExecuteAPI, s.svc.Gateway)
	}
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request, surface string, h http.Handler) {
	if h == nil {
		s.writeError(w, r, surface, unknownOperation(surface, r))
		return
	}
	h.ServeHTTP(w, r)
}

func unknownOperation(surface string, r *http.Request) error {
	switch surface {
	case SurfaceIAM, SurfaceSTS:
		action := r.URL.Query().Get("Action")
		if action == "" {
			action = formValue(r, "Action")
		}
		if action == "" {
			return awserr.MissingAction.New("")
		}
		version := r.URL.Query().Get("Version")
		if version == "" {
			version = formValue(r, "Version")
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
	default:
		awsproto.WriteGatewayError(w, r, err)
	}
}

func (s *Server) serveOwn(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/_gatehouse/health":
		awsproto.SetOperation(r.Context(), "Health")
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
	if isExecuteAPIHost(r.Host) || strings.HasPrefix(p, "/restapis/") && strings.Contains(p, "/_user_request_/") ||
		strings.HasPrefix(p, "/restapis/") && strings.HasSuffix(p, "/_user_request_") {
		return SurfaceExecuteAPI
	}
	switch scopeService(r) {
	case "":
		return ""
	case "iam":
		return SurfaceIAM
	case "sts":
		return SurfaceSTS
	case "apigateway":
		return SurfaceAPIGateway
	case "lambda":
		return SurfaceLambda
	default:
		return SurfaceExecuteAPI
	}
}

// isExecuteAPIHost matches "{api-id}.execute-api.{anything}".
func isExecuteAPIHost(host string) bool {
	i := strings.IndexByte(host, '.')
	return i > 0 && strings.HasPrefix(host[i+1:], "execute-api.")
}

// scopeService returns the service of the request's SigV4 credential scope
// (".../date/region/SERVICE/aws4_request"), or "".
func scopeService(r *http.Request) string {
	cred := ""
	if a := r.Header.Get("Authorization"); a != "" {
		i := strings.Index(a, "Credential=")
		if i < 0 {
			return ""
		}
		cred = a[i+len("Credential="):]
		if j := strings.IndexAny(cred, ", "); j >= 0 {
			cred = cred[:j]
		}
	} else if strings.Contains(r.URL.RawQuery, "X-Amz-Credential=") {
		cred = r.URL.Query().Get("X-Amz-Credential")
	}
	parts := strings.Split(cred, "/")
	if len(parts) != 5 {
		return ""
	}
	return parts[3]
}

// unsignedSurface places a request with no SigV4 scope. The one unsigned
// AWS call gatehouse serves is STS AssumeRoleWithWebIdentity (and SAML), so
// a Query request with that Action goes to STS; a Query request with any
// other Action goes to the service its Version names, to be refused there
// for lack of a signature. Everything else is for the data plane (custom
// domains, base-path mappings, or a Missing Authentication Token).
func (s *Server) unsignedSurface(r *http.Request) string {
	action, version := r.URL.Query().Get("Action"), r.URL.Query().Get("Version")
	if action == "" && r.Method == http.MethodPost && r.URL.Path == "/" {
		action, version = formValue(r, "Action"), formValue(r, "Version")
	}
	switch {
	case action == "":
		return SurfaceExecuteAPI
	case version == "2010-05-08":
		return SurfaceIAM
	default:
		return SurfaceSTS
	}
}

// formValue peeks at a form-encoded body without consuming it: the body is
// read (bounded) and put back for the handler.
func formValue(r *http.Request, key string) string {
	if r.Body == nil || r.Body == http.NoBody {
		return ""
	}
	ct := r.Header.Get("Content-Type")
	if ct != "" && !strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
		return ""
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, awsproto.MaxQueryBody+1))
	r.Body = io.NopCloser(io.MultiReader(bytes.NewReader(body), r.Body))
	if err != nil || len(body) > awsproto.MaxQueryBody {
		return ""
	}
	v, err := url.ParseQuery(string(body))
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
	ln, err := listen(addr)
	if err != nil {
		return err
	}
	if ready != nil {
		ready(ln.Addr().String())
	}
	errc := make(chan error, 1)
	go func() { errc <- f.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), drain)
	defer cancel()
	return f.Shutdown(sctx)
}
