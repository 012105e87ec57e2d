package apigw

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/awsproto"
	"github.com/gatehouse-dev/gatehouse/internal/reqbody"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// Caller is the authenticated caller of a control-plane request.
type Caller struct {
	// Account is the caller's account; the APIs it sees are that account's.
	Account string
	// Region is the credential-scope region the request was signed for: APIs
	// live in the region their creating call was signed for.
	Region string
	// ARN names the caller in logs.
	ARN string
	// Identity is the authenticator's principal, handed back to Authorizer.
	Identity any
}

// Authenticator verifies a control-plane request's SigV4 signature (service
// "apigateway") and reads its body, at most limit bytes, the head before the
// body (authn.ReadVerified). It returns the caller and the body, which the
// Service releases when the request is done, or an error: reqbody.ErrTooLarge
// or a reqbody read error, which the Service words, or any other error to
// render as is.
type Authenticator interface {
	Authenticate(w http.ResponseWriter, r *http.Request, limit int64) (Caller, *reqbody.Body, error)
}

// Authorizer decides whether c may perform action ("apigateway:GET", ...) on
// resource ("arn:aws:apigateway:REGION::/restapis/ID"); nil error = allowed.
type Authorizer interface {
	Authorize(r *http.Request, c Caller, action, resource string) error
}

// Config configures a Service.
type Config struct {
	Store *store.Store
	Auth  Authenticator
	// Authz may be nil: every authenticated caller is then allowed.
	Authz Authorizer
	Log   *slog.Logger
	Now   func() time.Time
}

// Service is the API Gateway control plane. It implements http.Handler.
type Service struct {
	st    *store.Store
	auth  Authenticator
	authz Authorizer
	log   *slog.Logger
	now   func() time.Time
}

// New returns a Service.
func New(cfg Config) *Service {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Service{st: cfg.Store, auth: cfg.Auth, authz: cfg.Authz, log: cfg.Log, now: cfg.Now}
}

// MaxBody bounds control-plane request bodies (OpenAPI definitions are at
// most 6 MB on AWS, spec §9).
const MaxBody = 6 << 20

// Error messages AWS uses (as mirrored by LocalStack, spec §11).
func errAPI(account, id string) error {
	return awserr.NotFoundException.Errorf("Invalid API identifier specified %s:%s", account, id)
}

var (
	errResource    = awserr.NotFoundException.New("Invalid Resource identifier specified")
	errMethod      = awserr.NotFoundException.New("Invalid Method identifier specified")
	errIntegration = awserr.NotFoundException.New("Invalid Integration identifier specified")
	errStage       = awserr.NotFoundException.New("Invalid Stage identifier specified")
	errDeployment  = awserr.NotFoundException.New("Invalid Deployment identifier specified")
	errResponse    = awserr.NotFoundException.New("Invalid Response status code specified")
)

type call struct {
	w      http.ResponseWriter
	r      *http.Request
	ctx    context.Context
	caller Caller
	body   []byte
	seg    []string
}

// ServeHTTP authenticates, routes and runs one control-plane operation.
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.auth == nil {
		awsproto.WriteJSONError(w, r, awserr.MissingAuthenticationTokenException.New(""))
		return
	}
	caller, b, err := s.auth.Authenticate(w, r, MaxBody)
	switch {
	case errors.Is(err, reqbody.ErrTooLarge):
		awsproto.WriteJSONError(w, r, awserr.BadRequestException.New("Request body exceeds the maximum size of 6291456 bytes"))
		return
	case reqbody.IsReadError(err):
		awsproto.WriteJSONError(w, r, awserr.BadRequestException.New("Could not read request body"))
		return
	case err != nil:
		awsproto.WriteJSONError(w, r, err)
		return
	}
	defer b.Release()
	c := &call{w: w, r: r, ctx: r.Context(), body: b.Bytes(), caller: caller}
	if m := awsproto.MetaFrom(r.Context()); m != nil {
		m.Principal = c.caller.ARN
	}
	p := strings.Trim(r.URL.Path, "/")
	if p != "" {
		c.seg = strings.Split(p, "/")
	}
	op, fn := s.route(c)
	if fn == nil {
		awsproto.WriteJSONError(w, r, awserr.UnknownOperation.New(""))
		return
	}
	awsproto.SetOperation(r.Context(), op)
	if s.authz != nil {
		res := "arn:aws:apigateway:" + c.caller.Region + "::" + r.URL.Path
		if err := s.authz.Authorize(r, c.caller, "apigateway:"+r.Method, res); err != nil {
			awsproto.WriteJSONError(w, r, err)
			return
		}
	}
	status, v, err := fn(c)
	if err != nil {
		var ae *awserr.Error
		if !errors.As(err, &ae) {
			s.log.Error("apigateway operation failed", "operation", op, "err", err)
		}
		awsproto.WriteJSONError(w, r, err)
		return
	}
	if raw, ok := v.(rawBody); ok {
		w.Header().Set("Content-Type", raw.contentType)
		w.Header().Set("x-amzn-RequestId", awsproto.MetaFrom(r.Context()).RequestID)
		w.Header().Set("Content-Length", strconv.Itoa(len(raw.body)))
		w.WriteHeader(status)
		_, _ = w.Write(raw.body)
		return
	}
	if v == nil {
		w.Header().Set("x-amzn-RequestId", awsproto.MetaFrom(r.Context()).RequestID)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		return
	}
	awsproto.WriteJSON(w, r, status, v)
}

type rawBody struct {
	contentType string
	body        []byte
}

type opFunc func(c *call) (int, any, error)

// route maps method + path onto an operation (spec §11 table).
func (s *Service) route(c *call) (string, opFunc) {
	seg, m := c.seg, c.r.Method
	n := len(seg)
	if n == 0 {
		return "", nil
	}
	switch seg[0] {
	case "restapis":
	case "domainnames":
		return s.routeDomains(c)
	default:
		return "", nil
	}
	switch {
	case n == 1 && m == http.MethodPost:
		if c.r.URL.Query().Get("mode") == "import" {
			return "ImportRestApi", s.importRestAPI
		}
		return "CreateRestApi", s.createRestAPI
	case n == 1 && m == http.MethodGet:
		return "GetRestApis", s.getRestAPIs
	case n == 2 && m == http.MethodGet:
		return "GetRestApi", s.getRestAPI
	case n == 2 && m == http.MethodPut:
		return "PutRestApi", s.putRestAPI
	case n == 2 && m == http.MethodPatch:
		return "UpdateRestApi", s.updateRestAPI
	case n == 2 && m == http.MethodDelete:
		return "DeleteRestApi", s.deleteRestAPI
	case n == 3 && seg[2] == "resources" && m == http.MethodGet:
		return "GetResources", s.getResources
	case n == 4 && seg[2] == "resources":
		switch m {
		case http.MethodGet:
			return "GetResource", s.getResource
		case http.MethodPost:
			return "CreateResource", s.createResource
		case http.MethodPatch:
			return "UpdateResource", s.updateResource
		case http.MethodDelete:
			return "DeleteResource", s.deleteResource
		}
	case n == 6 && seg[2] == "resources" && seg[4] == "methods":
		switch m {
		case http.MethodPut:
			return "PutMethod", s.putMethod
		case http.MethodGet:
			return "GetMethod", s.getMethod
		case http.MethodPatch:
			return "UpdateMethod", s.updateMethod
		case http.MethodDelete:
			return "DeleteMethod", s.deleteMethod
		}
	case n == 8 && seg[2] == "resources" && seg[4] == "methods" && seg[6] == "responses":
		switch m {
		case http.MethodPut:
			return "PutMethodResponse", s.putMethodResponse
		case http.MethodGet:
			return "GetMethodResponse", s.getMethodResponse
		case http.MethodDelete:
			return "DeleteMethodResponse", s.deleteMethodResponse
		}
	case n == 7 && seg[2] == "resources" && seg[4] == "methods" && seg[6] == "integration":
		switch m {
		case http.MethodPut:
			return "PutIntegration", s.putIntegration
		case http.MethodGet:
			return "GetIntegration", s.getIntegration
		case http.MethodPatch:
			return "UpdateIntegration", s.updateIntegration
		case http.MethodDelete:
			return "DeleteIntegration", s.deleteIntegration
		}
	case n == 9 && seg[2] == "resources" && seg[4] == "methods" && seg[6] == "integration" && seg[7] == "responses":
		switch m {
		case http.MethodPut:
			return "PutIntegrationResponse", s.putIntegrationResponse
		case http.MethodGet:
			return "GetIntegrationResponse", s.getIntegrationResponse
		case http.MethodDelete:
			return "DeleteIntegrationResponse", s.deleteIntegrationResponse
		}
	case n == 3 && seg[2] == "deployments":
		switch m {
		case http.MethodPost:
			return "CreateDeployment", s.createDeployment
		case http.MethodGet:
			return "GetDeployments", s.getDeployments
		}
	case n == 4 && seg[2] == "deployments":
		switch m {
		case http.MethodGet:
			return "GetDeployment", s.getDeployment
		case http.MethodDelete:
			return "DeleteDeployment", s.deleteDeployment
		}
	case n == 3 && seg[2] == "stages":
		switch m {
		case http.MethodPost:
			return "CreateStage", s.createStage
		case http.MethodGet:
			return "GetStages", s.getStages
		}
	case n == 4 && seg[2] == "stages":
		switch m {
		case http.MethodGet:
			return "GetStage", s.getStage
		case http.MethodPatch:
			return "UpdateStage", s.updateStage
		case http.MethodDelete:
			return "DeleteStage", s.deleteStage
		}
	case n == 6 && seg[2] == "stages" && seg[4] == "exports" && m == http.MethodGet:
		return "GetExport", s.getExport
	}
	return "", nil
}

// ---- helpers ----

const idChars = "abcdefghijklmnopqrstuvwxyz0123456789"

// newID returns n random lowercase alphanumerics.
func newID(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = idChars[int(b[i])%len(idChars)]
	}
	return string(b)
}

func decode(c *call, v any) error {
	if len(c.body) == 0 {
		return nil
	}
	if err := json.Unmarshal(c.body, v); err != nil {
		return awserr.BadRequestException.New("Invalid JSON in request body")
	}
	return nil
}

// loadAPI reads an API of the caller's account and region.
func loadAPI(r store.Reader, c *call, id string) (*APIRecord, error) {
	rec, err := r.Get(KindRestAPI, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errAPI(c.caller.Account, id)
	}
	if err != nil {
		return nil, err
	}
	var a APIRecord
	if err := json.Unmarshal(rec.Value, &a); err != nil {
		return nil, fmt.Errorf("decode api %s: %w", id, err)
	}
	if a.Account != c.caller.Account || a.Region != c.caller.Region {
		return nil, errAPI(c.caller.Account, id)
	}
	if a.Resources == nil {
		a.Resources = map[string]*Resource{}
	}
	return &a, nil
}

func putJSON(tx store.Tx, kind, key string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return tx.Put(kind, key, b)
}

// viewAPI runs fn over the caller's API read-only.
func (s *Service) viewAPI(c *call, fn func(a *APIRecord) error) error {
	_, err := s.st.View(c.ctx, func(r store.Reader) error {
		a, err := loadAPI(r, c, c.seg[1])
		if err != nil {
			return err
		}
		return fn(a)
	})
	return err
}

// updateAPI runs fn over the caller's API and stores the result.
func (s *Service) updateAPI(c *call, fn func(tx store.Tx, a *APIRecord) error) error {
	_, err := s.st.Update(c.ctx, func(tx store.Tx) error {
		a, err := loadAPI(tx, c, c.seg[1])
		if err != nil {
			return err
		}
		if err := fn(tx, a); err != nil {
			return err
		}
		return putJSON(tx, KindRestAPI, a.API.ID, a)
	})
	return err
}

// paging applies limit/position to a sorted list.
func paging[T any](c *call, items []T) ([]T, string, error) {
	q := c.r.URL.Query()
	limit := 25
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			return nil, "", awserr.BadRequestException.New("Invalid limit value")
		}
		limit = n
	}
	start := 0
	if v := q.Get("position"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return nil, "", awserr.BadRequestException.New("Invalid position value")
		}
		start = n
	}
	if start > len(items) {
		start = len(items)
	}
	end := start + limit
	pos := ""
	if end < len(items) {
		pos = strconv.Itoa(end)
	} else {
		end = len(items)
	}
	return items[start:end], pos, nil
}

type listOut[T any] struct {
	Item     []T    `json:"item"`
	Position string `json:"position,omitempty"`
}

func sortedResources(a *APIRecord) []*Resource {
	out := make([]*Resource, 0, len(a.Resources))
	for _, r := range a.Resources {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Path != out[j].Path {
			return out[i].Path < out[j].Path
		}
		return out[i].ID < out[j].ID
	})
	return out
}
