package apigw

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/gatehouse-dev/gatehouse/internal/pipeline"
	"github.com/gatehouse-dev/gatehouse/internal/policy"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// operationKeys returns the condition keys the routed operation adds, read
// from its body; nil when it adds none (only a tagging route adds any). A body that is not the operation's JSON
// adds none: the operation itself then refuses it, after authorization,
// with its own validation error, as AWS does.
func operationKeys(rt *route, body []byte) func(*policy.Context) {
	if !rt.tagging || len(body) == 0 {
		return nil
	}
	var in struct {
		Tags map[string]string `json:"tags"`
	}
	if json.Unmarshal(body, &in) != nil || len(in.Tags) == 0 {
		return nil
	}
	tags := pipeline.TagsFromMap(in.Tags)
	return func(c *policy.Context) { pipeline.RequestTags(c, tags) }
}

// withKeys runs a then b (either may be nil).
func withKeys(a, b func(*policy.Context)) func(*policy.Context) {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	}
	return func(c *policy.Context) { a(c); b(c) }
}

// resourceTagKeys returns aws:ResourceTag/<key> for the resource the
// routed path seg names, with API Gateway's tag inheritance for
// attribute-based access control: everything under /restapis/ID has the
// RestApi's tags, a stage's own tags win over them, and everything under
// /domainnames/NAME has the domain name's. A resource that does not exist
// (or belongs to another account or region) has no tags; the operation
// answers NotFound after authorization, as before. Only a store failure is
// an error.
func (s *Service) resourceTagKeys(ctx context.Context, caller Caller, seg []string) (func(*policy.Context), error) {
	// The tagging operations act on the resource their ARN names: its
	// tags are the resource tags (issue #14).
	if seg = taggedPath(seg); len(seg) >= 2 && (seg[0] == "vpclinks" || seg[0] == "clientcertificates") {
		return s.ownTagKeys(ctx, caller, seg)
	}
	if len(seg) < 2 || (seg[0] != "restapis" && seg[0] != "domainnames") {
		return nil, nil
	}
	tags := map[string]string{}
	_, err := s.st.View(ctx, func(r store.Reader) error {
		owned := func(kind, key string, v any, account, region *string) (bool, error) {
			rec, err := r.Get(kind, key)
			if errors.Is(err, store.ErrNotFound) {
				return false, nil
			}
			if err != nil {
				return false, err
			}
			if json.Unmarshal(rec.Value, v) != nil {
				return false, nil
			}
			return *account == caller.Account && *region == caller.Region, nil
		}
		if seg[0] == "domainnames" {
			var d struct {
				Domain struct {
					Tags map[string]string `json:"tags"`
				} `json:"domain"`
				Account, Region string
			}
			ok, err := owned(KindDomain, seg[1], &d, &d.Account, &d.Region)
			if ok {
				tags = d.Domain.Tags
			}
			return err
		}
		var a struct {
			API struct {
				Tags map[string]string `json:"tags"`
			} `json:"api"`
			Account, Region string
		}
		ok, err := owned(KindRestAPI, seg[1], &a, &a.Account, &a.Region)
		if !ok || err != nil {
			return err
		}
		for k, v := range a.API.Tags {
			tags[k] = v
		}
		if len(seg) >= 4 && seg[2] == "stages" {
			var st struct {
				Stage struct {
					Tags map[string]string `json:"tags"`
				} `json:"stage"`
				Account, Region string
			}
			ok, err := owned(KindStage, seg[1]+"/"+seg[3], &st, &st.Account, &st.Region)
			if ok {
				for k, v := range st.Stage.Tags {
					tags[k] = v
				}
			}
			return err
		}
		return nil
	})
	if err != nil || len(tags) == 0 {
		return nil, err
	}
	list := pipeline.TagsFromMap(tags)
	return func(c *policy.Context) { pipeline.ResourceTags(c, list) }, nil
}
