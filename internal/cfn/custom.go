package cfn

// Custom resources (Custom::NAME and AWS::CloudFormation::CustomResource)
// backed by a Lambda function, through the cfn-response protocol: the
// stack invokes the function named by ServiceToken asynchronously with
// the request (Create, Update, Delete) and waits for the function to PUT
// its answer to the request's ResponseURL. AWS makes that URL a presigned
// S3 URL; gatehouse makes it a capability URL on its own endpoint,
// ENDPOINT/_cloudformation/custom-resource-response/TOKEN, where TOKEN is
// 256 random bits that exist only for that one pending request (held in
// memory, compared in constant time, answered once): like a presigned
// URL, whoever holds it may answer that request and nothing else.

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/gatehouse-dev/gatehouse/internal/arn"
	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/awsproto"
	"github.com/gatehouse-dev/gatehouse/internal/cfn/tmpl"
)

// ResponsePath is the path prefix of custom resources' ResponseURLs.
const ResponsePath = "/_cloudformation/custom-resource-response/"

const (
	// maxResponse is the largest response a function may PUT (AWS: 4096
	// bytes).
	maxResponse = 4096
	// defaultCustomTimeout is how long a stack waits for a response when
	// ServiceTimeout is not set (AWS: one hour).
	defaultCustomTimeout = time.Hour
)

var customProvider = provider{create: createCustom, update: updateCustom, delete: deleteCustom}

// providerOf returns the provider of typ: every Custom::NAME type is the
// custom resource provider.
func providerOf(typ string) (provider, bool) {
	if strings.HasPrefix(typ, "Custom::") || typ == "AWS::CloudFormation::CustomResource" {
		return customProvider, true
	}
	p, ok := providers[typ]
	return p, ok
}

// customResponse is what a function PUTs to its ResponseURL.
type customResponse struct {
	Status             string         `json:"Status"`
	Reason             string         `json:"Reason"`
	PhysicalResourceID string         `json:"PhysicalResourceId"`
	StackID            string         `json:"StackId"`
	RequestID          string         `json:"RequestId"`
	LogicalResourceID  string         `json:"LogicalResourceId"`
	NoEcho             bool           `json:"NoEcho"`
	Data               map[string]any `json:"Data"`
}

type pending struct {
	stackID, requestID, logical string
	done                        chan customResponse
}

// responder holds the pending requests of custom resources.
type responder struct {
	mu      sync.Mutex
	pending map[string]*pending // token -> request
	quit    chan struct{}
	once    sync.Once
}

func newResponder() *responder {
	return &responder{pending: map[string]*pending{}, quit: make(chan struct{})}
}

func (r *responder) close() { r.once.Do(func() { close(r.quit) }) }

func (r *responder) add(p *pending) string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	token := hex.EncodeToString(b)
	r.mu.Lock()
	r.pending[token] = p
	r.mu.Unlock()
	return token
}

func (r *responder) remove(token string) {
	r.mu.Lock()
	delete(r.pending, token)
	r.mu.Unlock()
}

// take finds and removes the pending request of token.
func (r *responder) take(token string) *pending {
	r.mu.Lock()
	defer r.mu.Unlock()
	for t, p := range r.pending {
		if subtle.ConstantTimeCompare([]byte(t), []byte(token)) == 1 {
			delete(r.pending, t)
			return p
		}
	}
	return nil
}

// serveResponse answers a PUT to a ResponseURL: the body must be a
// response to exactly the pending request the URL was made for.
func (s *Service) serveResponse(w http.ResponseWriter, r *http.Request) {
	deny := func() {
		awsproto.WriteS3Error(w, r, awserr.S3AccessDenied.New("Access Denied"))
	}
	token := strings.TrimPrefix(r.URL.Path, ResponsePath)
	if r.Method != http.MethodPut || len(token) != 64 {
		deny()
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxResponse+1))
	if err != nil || len(body) > maxResponse {
		awsproto.WriteS3Error(w, r, awserr.S3EntityTooLarge.New("Your proposed upload exceeds the maximum allowed size"))
		return
	}
	p := s.custom.take(token)
	if p == nil {
		deny()
		return
	}
	var resp customResponse
	if err := json.Unmarshal(body, &resp); err != nil {
		resp = customResponse{Status: "FAILED", Reason: "Invalid response object: " + err.Error()}
	} else if resp.RequestID != p.requestID || resp.StackID != p.stackID || resp.LogicalResourceID != p.logical {
		resp = customResponse{Status: "FAILED", Reason: "Invalid response object: the RequestId, StackId or LogicalResourceId does not match the request"}
	}
	p.done <- resp
	w.WriteHeader(http.StatusOK)
}

// stringify turns the scalars of v into strings, as CloudFormation passes
// a custom resource's properties.
func stringify(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = stringify(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = stringify(e)
		}
		return out
	case nil, string:
		return x
	default:
		s, _ := tmpl.String(x)
		return s
	}
}

func createCustom(ctx context.Context, cl *clients, rc resCtx, p map[string]any) (result, error) {
	return customRequest(ctx, cl, rc, "Create", "", p, nil)
}

func updateCustom(ctx context.Context, cl *clients, rc resCtx, old *resourceState, p map[string]any) (result, error) {
	if a, _ := pstr(p, "ServiceToken"); a != "" {
		if b, _ := pstr(old.Properties, "ServiceToken"); b != "" && a != b {
			return result{}, errf("Modifying service token is not allowed.")
		}
	}
	return customRequest(ctx, cl, rc, "Update", old.PhysicalID, p, old.Properties)
}

func deleteCustom(ctx context.Context, cl *clients, rc resCtx, r *resourceState) error {
	_, err := customRequest(ctx, cl, rc, "Delete", r.PhysicalID, r.Properties, nil)
	return err
}

// customRequest sends one request to the function and waits for its
// response, ServiceTimeout seconds at most (one hour by default).
func customRequest(ctx context.Context, cl *clients, rc resCtx, typ, physical string, p, old map[string]any) (result, error) {
	token, err := preq(p, "ServiceToken")
	if err != nil {
		return result{}, err
	}
	if a, err := arn.Parse(token); err != nil || a.Service != "lambda" {
		return result{}, errf("Invalid service token: gatehouse runs custom resources backed by Lambda functions only (got %q)", token)
	}
	timeout := defaultCustomTimeout
	if v, _ := pstr(p, "ServiceTimeout"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 3600 {
			return result{}, errf("Properties validation failed for resource %s with message: ServiceTimeout must be between 1 and 3600 seconds", rc.Logical)
		}
		timeout = time.Duration(n) * time.Second
	}
	if cl.custom == nil || cl.responseBase == "" {
		return result{}, errf("gatehouse cannot run custom resources: no endpoint for their responses")
	}
	pd := &pending{stackID: rc.StackID, requestID: newUUID(), logical: rc.Logical, done: make(chan customResponse, 1)}
	tok := cl.custom.add(pd)
	defer cl.custom.remove(tok)
	ev := map[string]any{
		"RequestType": typ, "ServiceToken": token, "ResponseURL": cl.responseBase + ResponsePath + tok,
		"StackId": rc.StackID, "RequestId": pd.requestID, "LogicalResourceId": rc.Logical, "ResourceType": rc.Type,
		"ResourceProperties": stringify(p),
	}
	if physical != "" {
		ev["PhysicalResourceId"] = physical
	}
	if old != nil {
		ev["OldResourceProperties"] = stringify(old)
	}
	payload, err := json.Marshal(ev)
	if err != nil {
		return result{}, err
	}
	if _, err := cl.lambda.Invoke(ctx, &awslambda.InvokeInput{FunctionName: aws.String(token),
		InvocationType: lambdatypes.InvocationTypeEvent, Payload: payload}); err != nil {
		return result{}, sdkError(err)
	}
	t := time.NewTimer(timeout)
	defer t.Stop()
	var resp customResponse
	select {
	case resp = <-pd.done:
	case <-t.C:
		return result{}, errf("CloudFormation did not receive a response from your Custom Resource. Please check your logs for requestId [%s]. If you are using the Python cfn-response module, you may need to update your Lambda function code so that CloudFormation can attach the updated version.", pd.requestID)
	case <-cl.custom.quit:
		return result{}, errf("gatehouse stopped while waiting for the custom resource's response (requestId [%s])", pd.requestID)
	case <-ctx.Done():
		return result{}, ctx.Err()
	}
	if resp.Status != "SUCCESS" {
		if resp.Status != "FAILED" {
			return result{}, errf("Invalid response object: Status must be SUCCESS or FAILED (got %q)", resp.Status)
		}
		return result{}, errf("Received response status [FAILED] from custom resource. Message returned: %s (RequestId: %s)", resp.Reason, pd.requestID)
	}
	id := resp.PhysicalResourceID
	if id == "" {
		id = physical
	}
	if id == "" {
		return result{}, errf("Invalid PhysicalResourceId")
	}
	if len(id) > 1024 {
		return result{}, errf("Invalid response object: PhysicalResourceId is longer than 1024 characters")
	}
	attrs := map[string]any{}
	keys := make([]string, 0, len(resp.Data))
	for k := range resp.Data {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		attrs[k] = stringify(resp.Data[k])
	}
	return result{PhysicalID: id, Attributes: attrs}, nil
}

// customOr returns the provider of typ (custom resources included).
func customOr(typ string) provider {
	p, _ := providerOf(typ)
	return p
}
