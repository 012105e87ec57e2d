package apigw

import (
	"encoding/json"
	"errors"
	"sort"
	"strconv"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// wireAPI is a RestApi as sent to clients (policy in AWS's escaped form).
func wireAPI(a *APIRecord) RestAPI {
	out := a.API
	out.Policy = EscapePolicy(a.API.Policy)
	return out
}

type createRestAPIIn struct {
	Name                      string                 `json:"name"`
	Description               string                 `json:"description"`
	Version                   string                 `json:"version"`
	CloneFrom                 string                 `json:"cloneFrom"`
	BinaryMediaTypes          []string               `json:"binaryMediaTypes"`
	MinimumCompressionSize    *int                   `json:"minimumCompressionSize"`
	APIKeySource              string                 `json:"apiKeySource"`
	EndpointConfiguration     *EndpointConfiguration `json:"endpointConfiguration"`
	Policy                    string                 `json:"policy"`
	Tags                      map[string]string      `json:"tags"`
	DisableExecuteAPIEndpoint bool                   `json:"disableExecuteApiEndpoint"`
}

func (s *Service) newAPIRecord(c *call) *APIRecord {
	id := newID(10)
	root := &Resource{ID: newID(10), Path: "/"}
	return &APIRecord{
		API: RestAPI{ID: id, CreatedDate: s.now().Unix(), APIKeySource: "HEADER",
			EndpointConfiguration: &EndpointConfiguration{Types: []string{"EDGE"}}, RootResourceID: root.ID},
		Account:   c.caller.Account,
		Region:    c.caller.Region,
		Resources: map[string]*Resource{root.ID: root},
		Models:    defaultModels(),
	}
}

func validAPIKeySource(s string) bool { return s == "" || s == "HEADER" || s == "AUTHORIZER" }

func (s *Service) createRestAPI(c *call, req *jsonIn[createRestAPIIn]) (*CreateRestApiOutput, error) {
	in := req.Body
	if in.Name == "" {
		return nil, awserr.BadRequestException.New("Invalid REST API name specified")
	}
	if err := validateAPIKeySource(in.APIKeySource); err != nil {
		return nil, err
	}
	if in.EndpointConfiguration != nil {
		if err := validateEndpointTypes("createRestApiInput.endpointConfiguration.types", in.EndpointConfiguration.Types); err != nil {
			return nil, err
		}
	}
	a := s.newAPIRecord(c)
	a.API.Name, a.API.Description, a.API.Version = in.Name, in.Description, in.Version
	a.API.BinaryMediaTypes = in.BinaryMediaTypes
	a.API.MinimumCompressionSize = in.MinimumCompressionSize
	if in.APIKeySource != "" {
		a.API.APIKeySource = in.APIKeySource
	}
	if in.EndpointConfiguration != nil && len(in.EndpointConfiguration.Types) > 0 {
		a.API.EndpointConfiguration = in.EndpointConfiguration
	}
	a.API.Tags = in.Tags
	a.API.DisableExecuteAPIEndpoint = in.DisableExecuteAPIEndpoint
	pol, err := NormalizePolicy(in.Policy, a.Region, a.Account, a.API.ID)
	if err != nil {
		return nil, err
	}
	a.API.Policy = pol
	_, err = s.st.Update(c.ctx, func(tx store.Tx) error {
		if in.CloneFrom != "" {
			src, err := loadAPI(tx, c, in.CloneFrom)
			if err != nil {
				return err
			}
			a.Resources = cloneResources(src.Resources)
			for _, r := range a.Resources {
				if r.Path == "/" {
					a.API.RootResourceID = r.ID
				}
			}
		}
		return createJSON(tx, KindRestAPI, a.API.ID, a)
	})
	if err != nil {
		return nil, err
	}
	return &CreateRestApiOutput{wireAPI(a)}, nil
}

func createJSON(tx store.Tx, kind, key string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	err = tx.Create(kind, key, b)
	if errors.Is(err, store.ErrExists) {
		return awserr.ConflictException.New("Resource already exists")
	}
	return err
}

func cloneResources(in map[string]*Resource) map[string]*Resource {
	b, _ := json.Marshal(in)
	out := map[string]*Resource{}
	_ = json.Unmarshal(b, &out)
	return out
}

func (s *Service) getRestAPIs(c *call, in *pageIn) (*GetRestApisOutput, error) {
	var all []RestAPI
	_, err := s.st.View(c.ctx, func(r store.Reader) error {
		recs, err := r.List(KindRestAPI, "")
		if err != nil {
			return err
		}
		for _, rec := range recs {
			var a APIRecord
			if err := json.Unmarshal(rec.Value, &a); err != nil {
				return err
			}
			if a.Account == c.caller.Account && a.Region == c.caller.Region {
				all = append(all, wireAPI(&a))
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].CreatedDate != all[j].CreatedDate {
			return all[i].CreatedDate < all[j].CreatedDate
		}
		return all[i].ID < all[j].ID
	})
	items, pos, err := paging(in, all)
	if err != nil {
		return nil, err
	}
	if items == nil {
		items = []RestAPI{}
	}
	return &GetRestApisOutput{listOut[RestAPI]{Item: items, Position: pos}}, nil
}

func (s *Service) getRestAPI(c *call, _ *noIn) (*GetRestApiOutput, error) {
	var out RestAPI
	err := s.viewAPI(c, func(a *APIRecord) error { out = wireAPI(a); return nil })
	if err != nil {
		return nil, err
	}
	return &GetRestApiOutput{out}, nil
}

func (s *Service) deleteRestAPI(c *call, _ *noIn) (*DeleteRestApiOutput, error) {
	_, err := s.st.Update(c.ctx, func(tx store.Tx) error {
		a, err := loadAPI(tx, c, c.path.API)
		if err != nil {
			return err
		}
		for _, kind := range append([]string{KindDeployment, KindStage, KindAuthorizer, KindGatewayResponse, KindAuthorizerFlush, KindStageCacheFlush}, apiScopedKinds...) {
			recs, err := tx.List(kind, a.API.ID+"/")
			if err != nil {
				return err
			}
			for _, r := range recs {
				if err := tx.Delete(kind, r.Key); err != nil {
					return err
				}
			}
		}
		return tx.Delete(KindRestAPI, a.API.ID)
	})
	if err != nil {
		return nil, err
	}
	return &DeleteRestApiOutput{}, nil
}

func (s *Service) updateRestAPI(c *call, in *patchIn) (*UpdateRestApiOutput, error) {
	ops := in.Ops
	var err error
	var out RestAPI
	err = s.updateAPI(c, func(tx store.Tx, a *APIRecord) error {
		for _, op := range ops {
			if err := applyAPIPatch(a, op); err != nil {
				return err
			}
		}
		out = wireAPI(a)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &UpdateRestApiOutput{out}, nil
}

func applyAPIPatch(a *APIRecord, op PatchOp) error {
	switch {
	case op.Path == "/name" && isSet(op):
		a.API.Name = op.Value
	case op.Path == "/description":
		a.API.Description = valueOrEmpty(op)
	case op.Path == "/version":
		a.API.Version = valueOrEmpty(op)
	case op.Path == "/policy":
		if !isSet(op) {
			a.API.Policy = ""
			return nil
		}
		pol, err := NormalizePolicy(op.Value, a.Region, a.Account, a.API.ID)
		if err != nil {
			return err
		}
		a.API.Policy = pol
	case op.Path == "/apiKeySource" && isSet(op):
		if err := validateAPIKeySource(op.Value); err != nil {
			return err
		}
		a.API.APIKeySource = op.Value
	case op.Path == "/disableExecuteApiEndpoint":
		a.API.DisableExecuteAPIEndpoint = op.Value == "true"
	case op.Path == "/minimumCompressionSize":
		if op.Value == "" || op.Op == "remove" {
			a.API.MinimumCompressionSize = nil
			return nil
		}
		n, err := strconv.Atoi(op.Value)
		if err != nil {
			return awserr.BadRequestException.New("Invalid minimum compression size, must be between 0 and 10485760")
		}
		a.API.MinimumCompressionSize = &n
	case op.Path == "/binaryMediaTypes" && op.Value != "":
		// The type as the value (what moto's and some SDK users' patches
		// send) rather than in the path: add/remove that one type,
		// replace the list with it.
		list := a.API.BinaryMediaTypes[:0:0]
		if op.Op != "replace" {
			for _, x := range a.API.BinaryMediaTypes {
				if x != op.Value {
					list = append(list, x)
				}
			}
		}
		if op.Op != "remove" {
			list = append(list, op.Value)
		}
		a.API.BinaryMediaTypes = list
	case strings.HasPrefix(op.Path, "/binaryMediaTypes/"):
		t := unescapePointer(strings.TrimPrefix(op.Path, "/binaryMediaTypes/"))
		list := a.API.BinaryMediaTypes[:0:0]
		for _, x := range a.API.BinaryMediaTypes {
			if x != t {
				list = append(list, x)
			}
		}
		if op.Op != "remove" {
			list = append(list, t)
		}
		a.API.BinaryMediaTypes = list
	case strings.HasPrefix(op.Path, "/endpointConfiguration/types/"):
		if isSet(op) {
			if err := validateEndpointTypes("updateRestApiInput.endpointConfiguration.types", []string{op.Value}); err != nil {
				return err
			}
			a.API.EndpointConfiguration = &EndpointConfiguration{Types: []string{op.Value}}
		}
	default:
		return badPatch(op)
	}
	return nil
}
