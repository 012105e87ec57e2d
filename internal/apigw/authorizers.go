package apigw

import (
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/arn"
	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// Record kinds of Lambda authorizers and gateway responses, both keyed
// "{apiId}/{id or type}". The data plane reads them live (not from the
// deployment snapshot): a change takes effect without a redeployment, a
// documented difference from AWS (doc/apigateway.md).
const (
	KindAuthorizer      = "apigw/authorizer"
	KindGatewayResponse = "apigw/gwresponse"
)

// LambdaAuthorizer is the wire shape of an authorizer (botocore Authorizer).
type LambdaAuthorizer struct {
	ID                           string   `json:"id"`
	Name                         string   `json:"name"`
	Type                         string   `json:"type"`
	ProviderARNs                 []string `json:"providerARNs,omitempty"`
	AuthType                     string   `json:"authType,omitempty"`
	AuthorizerURI                string   `json:"authorizerUri,omitempty"`
	AuthorizerCredentials        string   `json:"authorizerCredentials,omitempty"`
	IdentitySource               string   `json:"identitySource,omitempty"`
	IdentityValidationExpression string   `json:"identityValidationExpression,omitempty"`
	AuthorizerResultTTLInSeconds *int     `json:"authorizerResultTtlInSeconds,omitempty"`
}

// AuthorizerRecord is a stored authorizer.
type AuthorizerRecord struct {
	Authorizer LambdaAuthorizer `json:"authorizer"`
	APIID      string           `json:"apiId"`
	Account    string           `json:"account"`
	Region     string           `json:"region"`
}

// DefaultAuthorizerTTL is AWS's default authorizerResultTtlInSeconds.
const DefaultAuthorizerTTL = 300

var errAuthorizer = awserr.NotFoundException.New("Invalid Authorizer identifier specified")

// identitySourceRE is one identity source expression: a request header,
// query string parameter, stage variable or context variable.
var identitySourceRE = regexp.MustCompile(`^(method\.request\.(header|querystring|multivalueheader|multivaluequerystring)\.[^\s,]+|stageVariables\.[A-Za-z0-9_]+|context\.[A-Za-z0-9_.]+)$`)

// ParseIdentitySources splits an identitySource ("a, b") into its
// expressions; ok=false when one is not a valid expression.
func ParseIdentitySources(s string) ([]string, bool) {
	if strings.TrimSpace(s) == "" {
		return nil, true
	}
	var out []string
	for _, p := range strings.Split(s, ",") {
		p = strings.TrimSpace(p)
		if !identitySourceRE.MatchString(p) {
			return nil, false
		}
		out = append(out, p)
	}
	return out, true
}

// validateAuthorizer checks an authorizer as AWS does on create and update.
// COGNITO_USER_POOLS is refused: gatehouse has no Cognito, and mapping a
// user pool onto an OIDC issuer would verify tokens no Cognito ever issued
// under an ARN that promises it did (doc/apigateway.md).
func validateAuthorizer(a *LambdaAuthorizer) error {
	switch a.Type {
	case "TOKEN", "REQUEST":
	case "COGNITO_USER_POOLS":
		return awserr.BadRequestException.New("Authorizer type COGNITO_USER_POOLS is not supported by gatehouse (there is no Cognito to verify user-pool tokens); use a TOKEN or REQUEST Lambda authorizer")
	case "":
		return awserr.BadRequestException.New("Authorizer type is required")
	default:
		return awserr.BadRequestException.Errorf("Invalid authorizer type specified: %s. Valid options are TOKEN,REQUEST,COGNITO_USER_POOLS", echo(a.Type))
	}
	if strings.TrimSpace(a.Name) == "" {
		return awserr.BadRequestException.New("Authorizer name is required")
	}
	if a.AuthorizerURI == "" {
		return awserr.BadRequestException.New("Authorizer URI is required for authorizer of type " + a.Type)
	}
	if _, ok := arn.ParseLambdaIntegrationURI(a.AuthorizerURI); !ok {
		return awserr.BadRequestException.Errorf("Invalid Authorizer URI: %s. Authorizer URI should be a valid API Gateway ARN that represents a Lambda function invocation.", echo(a.AuthorizerURI))
	}
	if a.AuthorizerCredentials != "" {
		if _, res, ok := arn.ParseIAM(a.AuthorizerCredentials); !ok || !strings.HasPrefix(res, "role/") {
			return awserr.BadRequestException.Errorf("Invalid Authorizer Credentials: %s. Credentials must be an IAM role ARN.", echo(a.AuthorizerCredentials))
		}
	}
	ttl := DefaultAuthorizerTTL
	if a.AuthorizerResultTTLInSeconds != nil {
		ttl = *a.AuthorizerResultTTLInSeconds
	}
	if ttl < 0 || ttl > 3600 {
		return awserr.BadRequestException.New("Authorizer result TTL must be between 0 and 3600 seconds")
	}
	srcs, ok := ParseIdentitySources(a.IdentitySource)
	if !ok {
		return awserr.BadRequestException.Errorf("Invalid identity source specified: %s", echo(a.IdentitySource))
	}
	switch a.Type {
	case "TOKEN":
		if len(srcs) != 1 || !strings.HasPrefix(srcs[0], "method.request.header.") {
			return awserr.BadRequestException.New("Identity source for TOKEN authorizer must be a single request header: method.request.header.<name>")
		}
		if a.IdentityValidationExpression != "" {
			if _, err := regexp.Compile(a.IdentityValidationExpression); err != nil {
				return awserr.BadRequestException.Errorf("Invalid identity validation expression specified: %s", echo(a.IdentityValidationExpression))
			}
		}
	case "REQUEST":
		if ttl > 0 && len(srcs) == 0 {
			return awserr.BadRequestException.New("Identity source is required for REQUEST authorizer when authorization caching is enabled")
		}
	}
	return nil
}

func loadAuthorizer(r store.Reader, c *call, apiID, id string) (*AuthorizerRecord, error) {
	rec, err := r.Get(KindAuthorizer, apiID+"/"+id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errAuthorizer
	}
	if err != nil {
		return nil, err
	}
	var a AuthorizerRecord
	if err := json.Unmarshal(rec.Value, &a); err != nil {
		return nil, err
	}
	if a.Account != c.caller.Account || a.Region != c.caller.Region {
		return nil, errAuthorizer
	}
	return &a, nil
}

func (s *Service) createAuthorizer(c *call, req *jsonIn[LambdaAuthorizer]) (*CreateAuthorizerOutput, error) {
	in := req.Body
	in.ID = newID(6)
	if err := validateAuthorizer(&in); err != nil {
		return nil, err
	}
	if in.AuthorizerResultTTLInSeconds == nil {
		in.AuthorizerResultTTLInSeconds = intp(DefaultAuthorizerTTL)
	}
	_, err := s.st.Update(c.ctx, func(tx store.Tx) error {
		a, err := loadAPI(tx, c, c.path.API)
		if err != nil {
			return err
		}
		existing, err := tx.List(KindAuthorizer, a.API.ID+"/")
		if err != nil {
			return err
		}
		for _, rec := range existing {
			var o AuthorizerRecord
			if json.Unmarshal(rec.Value, &o) == nil && o.Authorizer.Name == in.Name {
				return awserr.ConflictException.Errorf("Authorizer name already exists: %s", echo(in.Name))
			}
		}
		if len(existing) >= 10 {
			// AWS's default quota: 10 authorizers per API.
			return awserr.LimitExceededException.New("Maximum number of authorizers for this API has been reached")
		}
		return createJSON(tx, KindAuthorizer, a.API.ID+"/"+in.ID, AuthorizerRecord{Authorizer: in, APIID: a.API.ID, Account: a.Account, Region: a.Region})
	})
	if err != nil {
		return nil, err
	}
	return &CreateAuthorizerOutput{in}, nil
}

func intp(n int) *int { return &n }

func (s *Service) getAuthorizers(c *call, in *pageIn) (*GetAuthorizersOutput, error) {
	var out []LambdaAuthorizer
	err := s.viewAPI(c, func(a *APIRecord) error {
		_, err := s.st.View(c.ctx, func(r store.Reader) error {
			recs, err := r.List(KindAuthorizer, a.API.ID+"/")
			if err != nil {
				return err
			}
			for _, rec := range recs {
				var o AuthorizerRecord
				if err := json.Unmarshal(rec.Value, &o); err != nil {
					return err
				}
				out = append(out, o.Authorizer)
			}
			return nil
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	page, pos, err := paging(in, out)
	if err != nil {
		return nil, err
	}
	if page == nil {
		page = []LambdaAuthorizer{}
	}
	return &GetAuthorizersOutput{listOut[LambdaAuthorizer]{Item: page, Position: pos}}, nil
}

func (s *Service) getAuthorizer(c *call, _ *noIn) (*GetAuthorizerOutput, error) {
	var out *AuthorizerRecord
	_, err := s.st.View(c.ctx, func(r store.Reader) error {
		if _, err := loadAPI(r, c, c.path.API); err != nil {
			return err
		}
		var err error
		out, err = loadAuthorizer(r, c, c.path.API, c.path.Authorizer)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &GetAuthorizerOutput{out.Authorizer}, nil
}

func (s *Service) updateAuthorizer(c *call, in *patchIn) (*UpdateAuthorizerOutput, error) {
	ops := in.Ops
	var err error
	var out LambdaAuthorizer
	_, err = s.st.Update(c.ctx, func(tx store.Tx) error {
		if _, err := loadAPI(tx, c, c.path.API); err != nil {
			return err
		}
		rec, err := loadAuthorizer(tx, c, c.path.API, c.path.Authorizer)
		if err != nil {
			return err
		}
		a := &rec.Authorizer
		for _, op := range ops {
			if op.Op != "replace" && !(op.Op == "add" && op.Path == "/providerARNs") && !(op.Op == "remove" && op.Path == "/providerARNs") {
				return badPatch(op)
			}
			switch op.Path {
			case "/name":
				a.Name = op.Value
			case "/type":
				a.Type = op.Value
			case "/authorizerUri":
				a.AuthorizerURI = op.Value
			case "/authorizerCredentials":
				a.AuthorizerCredentials = op.Value
			case "/identitySource":
				a.IdentitySource = op.Value
			case "/identityValidationExpression":
				a.IdentityValidationExpression = op.Value
			case "/authType":
				a.AuthType = op.Value
			case "/authorizerResultTtlInSeconds":
				n, err := strconv.Atoi(op.Value)
				if err != nil {
					return awserr.BadRequestException.Errorf("Invalid TTL value: %s", echo(op.Value))
				}
				a.AuthorizerResultTTLInSeconds = &n
			case "/providerARNs":
				// COGNITO_USER_POOLS only, which validateAuthorizer refuses.
				return badPatch(op)
			default:
				return badPatch(op)
			}
		}
		if err := validateAuthorizer(a); err != nil {
			return err
		}
		out = *a
		return putJSON(tx, KindAuthorizer, rec.APIID+"/"+a.ID, rec)
	})
	if err != nil {
		return nil, err
	}
	return &UpdateAuthorizerOutput{out}, nil
}

func (s *Service) deleteAuthorizer(c *call, _ *noIn) (*DeleteAuthorizerOutput, error) {
	_, err := s.st.Update(c.ctx, func(tx store.Tx) error {
		a, err := loadAPI(tx, c, c.path.API)
		if err != nil {
			return err
		}
		rec, err := loadAuthorizer(tx, c, c.path.API, c.path.Authorizer)
		if err != nil {
			return err
		}
		// AWS refuses to delete an authorizer a method still uses.
		for _, r := range a.Resources {
			for _, m := range r.ResourceMethods {
				if m.AuthorizerID == rec.Authorizer.ID {
					return awserr.ConflictException.New("Cannot delete authorizer '" + rec.Authorizer.Name + "', is referenced in method: " + m.HTTPMethod + ":" + r.Path)
				}
			}
		}
		return tx.Delete(KindAuthorizer, c.path.API+"/"+c.path.Authorizer)
	})
	if err != nil {
		return nil, err
	}
	return &DeleteAuthorizerOutput{}, nil
}

// AuthorizerTest is the input of TestInvokeAuthorizer.
type AuthorizerTest struct {
	Headers             map[string]string   `json:"headers"`
	MultiValueHeaders   map[string][]string `json:"multiValueHeaders"`
	PathWithQueryString string              `json:"pathWithQueryString"`
	Body                string              `json:"body"`
	StageVariables      map[string]string   `json:"stageVariables"`
	AdditionalContext   map[string]string   `json:"additionalContext"`
}

// AuthorizerTestResult is TestInvokeAuthorizer's answer.
type AuthorizerTestResult struct {
	ClientStatus  int                 `json:"clientStatus"`
	Log           string              `json:"log"`
	Latency       int64               `json:"latency"`
	PrincipalID   string              `json:"principalId,omitempty"`
	Policy        string              `json:"policy,omitempty"`
	Authorization map[string][]string `json:"authorization,omitempty"`
	Claims        map[string]string   `json:"claims,omitempty"`
}

// AuthorizerTester runs an authorizer for TestInvokeAuthorizer: the data
// plane (internal/gateway) implements it, wired by internal/app.
type AuthorizerTester interface {
	TestAuthorizer(ctx context.Context, rec *AuthorizerRecord, in *AuthorizerTest) (*AuthorizerTestResult, error)
}

// SetAuthorizerTester installs the data plane's authorizer runner.
func (s *Service) SetAuthorizerTester(t AuthorizerTester) { s.ext().tester.Store(&t) }

func (s *Service) testInvokeAuthorizer(c *call, req *jsonIn[AuthorizerTest]) (*TestInvokeAuthorizerOutput, error) {
	in := req.Body
	var rec *AuthorizerRecord
	_, err := s.st.View(c.ctx, func(r store.Reader) error {
		if _, err := loadAPI(r, c, c.path.API); err != nil {
			return err
		}
		var err error
		rec, err = loadAuthorizer(r, c, c.path.API, c.path.Authorizer)
		return err
	})
	if err != nil {
		return nil, err
	}
	t := s.ext().tester.Load()
	if t == nil || *t == nil {
		return nil, awserr.BadRequestException.New("TestInvokeAuthorizer is not available: no Lambda service is running")
	}
	out, err := (*t).TestAuthorizer(c.ctx, rec, &in)
	if err != nil {
		return nil, err
	}
	return &TestInvokeAuthorizerOutput{out}, nil
}

// KindAuthorizerFlush records, per stage ("{apiId}/{stage}"), how many
// times its authorizer cache was flushed. The generation is part of every
// cache key on every node, so a flush empties the cache cluster-wide
// without any node-to-node call.
const KindAuthorizerFlush = "apigw/authzflush"

// AuthorizerFlushRecord is a stage's authorizer cache generation.
type AuthorizerFlushRecord struct {
	Generation int64 `json:"generation"`
}

// flushStageAuthorizersCache is FlushStageAuthorizersCache.
func (s *Service) flushStageAuthorizersCache(c *call, _ *noIn) (*FlushStageAuthorizersCacheOutput, error) {
	_, err := s.st.Update(c.ctx, func(tx store.Tx) error {
		a, err := loadAPI(tx, c, c.path.API)
		if err != nil {
			return err
		}
		if _, err := loadStage(tx, a.API.ID, c.path.Stage); err != nil {
			return err
		}
		key := a.API.ID + "/" + c.path.Stage
		var f AuthorizerFlushRecord
		rec, err := tx.Get(KindAuthorizerFlush, key)
		switch {
		case err == nil:
			if err := json.Unmarshal(rec.Value, &f); err != nil {
				return err
			}
		case !errors.Is(err, store.ErrNotFound):
			return err
		}
		f.Generation++
		return putJSON(tx, KindAuthorizerFlush, key, f)
	})
	if err != nil {
		return nil, err
	}
	return &FlushStageAuthorizersCacheOutput{}, nil
}
