package apigw

import (
	"encoding/json"
	"errors"
	"regexp"
	"sort"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// GatewayResponse is the wire shape of a gateway response.
type GatewayResponse struct {
	ResponseType       string            `json:"responseType"`
	StatusCode         string            `json:"statusCode,omitempty"`
	ResponseParameters map[string]string `json:"responseParameters"`
	ResponseTemplates  map[string]string `json:"responseTemplates"`
	DefaultResponse    bool              `json:"defaultResponse"`
}

// GatewayResponseRecord is a stored (customized) gateway response.
type GatewayResponseRecord struct {
	Response GatewayResponse `json:"response"`
	APIID    string          `json:"apiId"`
	Account  string          `json:"account"`
	Region   string          `json:"region"`
}

// GatewayResponseTypes are AWS's response types with their default status
// codes ("" for the DEFAULT_4XX/DEFAULT_5XX fallbacks, which have none).
var GatewayResponseTypes = map[string]string{
	"DEFAULT_4XX": "", "DEFAULT_5XX": "",
	"ACCESS_DENIED": "403", "API_CONFIGURATION_ERROR": "500", "AUTHORIZER_CONFIGURATION_ERROR": "500",
	"AUTHORIZER_FAILURE": "500", "BAD_REQUEST_PARAMETERS": "400", "BAD_REQUEST_BODY": "400",
	"EXPIRED_TOKEN": "403", "INTEGRATION_FAILURE": "504", "INTEGRATION_TIMEOUT": "504",
	"INVALID_API_KEY": "403", "INVALID_SIGNATURE": "403", "MISSING_AUTHENTICATION_TOKEN": "403",
	"QUOTA_EXCEEDED": "429", "REQUEST_TOO_LARGE": "413", "RESOURCE_NOT_FOUND": "404",
	"THROTTLED": "429", "UNAUTHORIZED": "401", "UNSUPPORTED_MEDIA_TYPE": "415", "WAF_FILTERED": "403",
}

// DefaultGatewayResponseTemplate is the body template of every
// uncustomized gateway response.
const DefaultGatewayResponseTemplate = `{"message":$context.error.messageString}`

// DefaultGatewayResponse is what GetGatewayResponse answers for a type
// that was never customized.
func DefaultGatewayResponse(t string) GatewayResponse {
	return GatewayResponse{ResponseType: t, StatusCode: GatewayResponseTypes[t], ResponseParameters: map[string]string{},
		ResponseTemplates: map[string]string{"application/json": DefaultGatewayResponseTemplate}, DefaultResponse: true}
}

var (
	gwStatusRE = regexp.MustCompile(`^[1-5]\d\d$`)
	// A gateway response may set headers only, from a static value or the
	// method request / stage variables / context.
	gwParamNameRE = regexp.MustCompile(`^gatewayresponse\.header\.[A-Za-z0-9!#$%&'*+.^_` + "`" + `|~-]+$`)
	gwParamValRE  = regexp.MustCompile(`^('[^']*'|method\.request\.(header|querystring|path|multivalueheader|multivaluequerystring)\.[^\s]+|stageVariables\.[A-Za-z0-9_]+|context\.[A-Za-z0-9_.]+)$`)
)

func validateGatewayResponse(r *GatewayResponse) error {
	if r.StatusCode != "" && !gwStatusRE.MatchString(r.StatusCode) {
		return awserr.BadRequestException.Errorf("Invalid status code specified: %s", echo(r.StatusCode))
	}
	for k, v := range r.ResponseParameters {
		if !gwParamNameRE.MatchString(k) {
			return awserr.BadRequestException.Errorf("Invalid mapping expression specified: Validation Result: warnings : [], errors : [Invalid mapping expression specified: %s]", echo(k))
		}
		if !gwParamValRE.MatchString(v) {
			return awserr.BadRequestException.Errorf("Invalid mapping expression specified: Validation Result: warnings : [], errors : [Invalid mapping expression parameter specified: %s]", echo(v))
		}
	}
	for ct := range r.ResponseTemplates {
		if !strings.Contains(ct, "/") {
			return awserr.BadRequestException.Errorf("Invalid content type specified: %s", echo(ct))
		}
	}
	return nil
}

func (s *Service) gatewayResponseOf(r store.Reader, c *call, t string) (*GatewayResponseRecord, error) {
	rec, err := r.Get(KindGatewayResponse, c.path.API+"/"+t)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var g GatewayResponseRecord
	if err := json.Unmarshal(rec.Value, &g); err != nil {
		return nil, err
	}
	return &g, nil
}

func (s *Service) putGatewayResponse(c *call, req *jsonIn[GatewayResponse]) (*PutGatewayResponseOutput, error) {
	in := req.Body
	in.ResponseType = c.path.ResponseType
	in.DefaultResponse = false
	if in.ResponseParameters == nil {
		in.ResponseParameters = map[string]string{}
	}
	if in.ResponseTemplates == nil {
		in.ResponseTemplates = map[string]string{}
	}
	if err := validateGatewayResponse(&in); err != nil {
		return nil, err
	}
	_, err := s.st.Update(c.ctx, func(tx store.Tx) error {
		a, err := loadAPI(tx, c, c.path.API)
		if err != nil {
			return err
		}
		return putJSON(tx, KindGatewayResponse, a.API.ID+"/"+in.ResponseType,
			GatewayResponseRecord{Response: in, APIID: a.API.ID, Account: a.Account, Region: a.Region})
	})
	if err != nil {
		return nil, err
	}
	return &PutGatewayResponseOutput{in}, nil
}

func (s *Service) getGatewayResponse(c *call, _ *noIn) (*GetGatewayResponseOutput, error) {
	out := DefaultGatewayResponse(c.path.ResponseType)
	_, err := s.st.View(c.ctx, func(r store.Reader) error {
		if _, err := loadAPI(r, c, c.path.API); err != nil {
			return err
		}
		g, err := s.gatewayResponseOf(r, c, c.path.ResponseType)
		if g != nil {
			out = g.Response
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return &GetGatewayResponseOutput{out}, nil
}

// getGatewayResponses lists every type, customized or default, as AWS
// does.
func (s *Service) getGatewayResponses(c *call, in *pageIn) (*GetGatewayResponsesOutput, error) {
	types := make([]string, 0, len(GatewayResponseTypes))
	for t := range GatewayResponseTypes {
		types = append(types, t)
	}
	sort.Strings(types)
	out := make([]GatewayResponse, 0, len(types))
	_, err := s.st.View(c.ctx, func(r store.Reader) error {
		if _, err := loadAPI(r, c, c.path.API); err != nil {
			return err
		}
		for _, t := range types {
			g, err := s.gatewayResponseOf(r, c, t)
			if err != nil {
				return err
			}
			if g != nil {
				out = append(out, g.Response)
			} else {
				out = append(out, DefaultGatewayResponse(t))
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	page, pos, err := paging(in, out)
	if err != nil {
		return nil, err
	}
	return &GetGatewayResponsesOutput{listOut[GatewayResponse]{Item: page, Position: pos}}, nil
}

func (s *Service) updateGatewayResponse(c *call, in *patchIn) (*UpdateGatewayResponseOutput, error) {
	ops := in.Ops
	var err error
	var out GatewayResponse
	_, err = s.st.Update(c.ctx, func(tx store.Tx) error {
		a, err := loadAPI(tx, c, c.path.API)
		if err != nil {
			return err
		}
		g, err := s.gatewayResponseOf(tx, c, c.path.ResponseType)
		if err != nil {
			return err
		}
		r := DefaultGatewayResponse(c.path.ResponseType)
		if g != nil {
			r = g.Response
		}
		r.DefaultResponse = false
		for _, op := range ops {
			switch {
			case op.Path == "/statusCode" && (op.Op == "replace" || op.Op == "add"):
				r.StatusCode = op.Value
			case op.Path == "/statusCode" && op.Op == "remove":
				r.StatusCode = GatewayResponseTypes[r.ResponseType]
			case strings.HasPrefix(op.Path, "/responseParameters/"):
				k := unescapePointer(op.Path[len("/responseParameters/"):])
				if isSet(op) {
					r.ResponseParameters[k] = op.Value
				} else if op.Op == "remove" {
					delete(r.ResponseParameters, k)
				} else {
					return badPatch(op)
				}
			case strings.HasPrefix(op.Path, "/responseTemplates/"):
				k := unescapePointer(op.Path[len("/responseTemplates/"):])
				if isSet(op) {
					r.ResponseTemplates[k] = op.Value
				} else if op.Op == "remove" {
					delete(r.ResponseTemplates, k)
				} else {
					return badPatch(op)
				}
			default:
				return badPatch(op)
			}
		}
		if err := validateGatewayResponse(&r); err != nil {
			return err
		}
		out = r
		return putJSON(tx, KindGatewayResponse, a.API.ID+"/"+r.ResponseType,
			GatewayResponseRecord{Response: r, APIID: a.API.ID, Account: a.Account, Region: a.Region})
	})
	if err != nil {
		return nil, err
	}
	return &UpdateGatewayResponseOutput{out}, nil
}

func (s *Service) deleteGatewayResponse(c *call, _ *noIn) (*DeleteGatewayResponseOutput, error) {
	_, err := s.st.Update(c.ctx, func(tx store.Tx) error {
		a, err := loadAPI(tx, c, c.path.API)
		if err != nil {
			return err
		}
		g, err := s.gatewayResponseOf(tx, c, c.path.ResponseType)
		if err != nil {
			return err
		}
		if g == nil {
			return awserr.NotFoundException.New("Gateway response type not defined on api")
		}
		return tx.Delete(KindGatewayResponse, a.API.ID+"/"+c.path.ResponseType)
	})
	if err != nil {
		return nil, err
	}
	return &DeleteGatewayResponseOutput{}, nil
}
