package apigw

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/arn"
	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/pipeline"
	"github.com/gatehouse-dev/gatehouse/internal/policy"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// tagTarget says where the tags of one taggable resource type live: the
// store kind and key its ARN's resource path names, and the field of the
// record holding the wire object whose "tags" they are. Every stored
// record of API Gateway has that shape ({"<field>": {..., "tags": {}},
// "account": ..., "region": ...}), so tagging edits the record without
// knowing its type and the resource's Get returns the tags, as on AWS.
type tagTarget struct {
	// locate maps the ARN's resource path, split on '/', to the record;
	// ok false when the path is not this type's.
	locate func(parts []string) (kind, key string, ok bool)
	field  string
}

// tagTargets are the taggable resource types. Parts of the issue that add
// taggable types (API keys, usage plans) append theirs.
var tagTargets = []tagTarget{
	{field: "api", locate: func(p []string) (string, string, bool) {
		return KindRestAPI, at(p, 1), len(p) == 2 && p[0] == "restapis"
	}},
	{field: "stage", locate: func(p []string) (string, string, bool) {
		return KindStage, at(p, 1) + "/" + at(p, 3), len(p) == 4 && p[0] == "restapis" && p[2] == "stages"
	}},
	{field: "domain", locate: func(p []string) (string, string, bool) {
		d, _ := CanonicalDomainName(at(p, 1))
		return KindDomain, d, len(p) == 2 && p[0] == "domainnames" && d != ""
	}},
	{field: "link", locate: func(p []string) (string, string, bool) {
		return KindVPCLink, at(p, 1), len(p) == 2 && p[0] == "vpclinks"
	}},
	{field: "cert", locate: func(p []string) (string, string, bool) {
		return KindClientCert, at(p, 1), len(p) == 2 && p[0] == "clientcertificates"
	}},
}

func at(p []string, i int) string {
	if i < len(p) {
		return p[i]
	}
	return ""
}

// errTagTarget is AWS's answer for an ARN that names nothing taggable of
// the caller's.
func errTagTarget(a string) error {
	return awserr.NotFoundException.Errorf("Invalid resource identifier specified: %s", echo(a))
}

// tagsOf opens the tags of the resource the call's ARN names, lets fn
// change them (when tx is a Tx) and writes the record back.
func (s *Service) editTags(c *call, write bool, fn func(tags map[string]string) error) error {
	raw, _ := url.QueryUnescape(c.path.TagARN)
	a, err := arn.Parse(raw)
	if err != nil {
		return errTagTarget(raw)
	}
	if a.Region != c.caller.Region || a.AccountID != "" {
		return errTagTarget(raw)
	}
	parts := strings.Split(strings.TrimPrefix(a.Resource, "/"), "/")
	if !strings.HasPrefix(a.Resource, "/") {
		return errTagTarget(raw)
	}
	var tgt *tagTarget
	var kind, key string
	for i := range tagTargets {
		if k, kk, ok := tagTargets[i].locate(parts); ok {
			tgt, kind, key = &tagTargets[i], k, kk
			break
		}
	}
	if tgt == nil {
		return errTagTarget(raw)
	}
	body := func(r store.Reader) (map[string]json.RawMessage, map[string]json.RawMessage, map[string]string, error) {
		rec, err := r.Get(kind, key)
		if errors.Is(err, store.ErrNotFound) {
			return nil, nil, nil, errTagTarget(raw)
		}
		if err != nil {
			return nil, nil, nil, err
		}
		var top, obj map[string]json.RawMessage
		if err := json.Unmarshal(rec.Value, &top); err != nil {
			return nil, nil, nil, err
		}
		var acct, region string
		_ = json.Unmarshal(top["account"], &acct)
		_ = json.Unmarshal(top["region"], &region)
		if acct != c.caller.Account || region != "" && region != c.caller.Region {
			return nil, nil, nil, errTagTarget(raw)
		}
		if err := json.Unmarshal(top[tgt.field], &obj); err != nil {
			return nil, nil, nil, err
		}
		tags := map[string]string{}
		if t, ok := obj["tags"]; ok {
			if err := json.Unmarshal(t, &tags); err != nil || tags == nil {
				tags = map[string]string{}
			}
		}
		return top, obj, tags, nil
	}
	if !write {
		_, err := s.st.View(c.ctx, func(r store.Reader) error {
			_, _, tags, err := body(r)
			if err != nil {
				return err
			}
			return fn(tags)
		})
		return err
	}
	_, err = s.st.Update(c.ctx, func(tx store.Tx) error {
		top, obj, tags, err := body(tx)
		if err != nil {
			return err
		}
		if err := fn(tags); err != nil {
			return err
		}
		if len(tags) == 0 {
			delete(obj, "tags")
		} else if obj["tags"], err = json.Marshal(tags); err != nil {
			return err
		}
		if top[tgt.field], err = json.Marshal(obj); err != nil {
			return err
		}
		return putJSON(tx, kind, key, top)
	})
	return err
}

// validateTags applies AWS's tag rules: at most 50 per resource, keys of 1
// to 128 characters not starting with "aws:", values of at most 256.
func validateTags(tags map[string]string) error {
	for k, v := range tags {
		if len(k) == 0 || len(k) > 128 {
			return awserr.BadRequestException.New("Tag keys must be between 1 and 128 characters")
		}
		if strings.HasPrefix(strings.ToLower(k), "aws:") {
			return awserr.BadRequestException.New("Tag keys cannot start with the reserved prefix 'aws:'")
		}
		if len(v) > 256 {
			return awserr.BadRequestException.New("Tag values must be at most 256 characters")
		}
	}
	if len(tags) > 50 {
		return awserr.BadRequestException.New("A resource can have at most 50 tags")
	}
	return nil
}

// tagResourceBody is the JSON body of tagResource.
type tagResourceBody struct {
	Tags map[string]string `json:"tags"`
}

func (s *Service) tagResource(c *call, req *jsonIn[tagResourceBody]) (*TagResourceOutput, error) {
	in := req.Body
	if in.Tags == nil {
		return nil, awserr.BadRequestException.New("Tags must not be null")
	}
	if err := validateTags(in.Tags); err != nil {
		return nil, err
	}
	err := s.editTags(c, true, func(tags map[string]string) error {
		for k, v := range in.Tags {
			tags[k] = v
		}
		return validateTags(tags)
	})
	if err != nil {
		return nil, err
	}
	return &TagResourceOutput{}, nil
}

// untagResourceIn is UntagResource's input: ?tagKeys=, repeated.
type untagResourceIn struct {
	TagKeys    []string
	HasTagKeys bool // the query names tagKeys (even with no value)
}

func (in *untagResourceIn) decodeFrom(q url.Values, _ http.Header, _ []byte) error {
	in.TagKeys, in.HasTagKeys = q["tagKeys"]
	return nil
}

func (s *Service) untagResource(c *call, in *untagResourceIn) (*UntagResourceOutput, error) {
	keys, ok := in.TagKeys, in.HasTagKeys
	if !ok {
		return nil, awserr.BadRequestException.New("tagKeys must not be null")
	}
	err := s.editTags(c, true, func(tags map[string]string) error {
		for _, k := range keys {
			delete(tags, k)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &UntagResourceOutput{}, nil
}

func (s *Service) getTags(c *call, _ *noIn) (*GetTagsOutput, error) {
	out := map[string]string{}
	err := s.editTags(c, false, func(tags map[string]string) error {
		out = tags
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &GetTagsOutput{out}, nil
}

// taggedPath maps the routed path of a tagging operation (["tags",
// escaped ARN]) to the path of the resource its ARN names, for
// aws:ResourceTag; any other path is returned as is.
func taggedPath(seg []string) []string {
	if len(seg) != 2 || seg[0] != "tags" {
		return seg
	}
	raw, err := url.QueryUnescape(seg[1])
	if err != nil {
		return nil
	}
	a, err := arn.Parse(raw)
	if err != nil || !strings.HasPrefix(a.Resource, "/") {
		return nil
	}
	return strings.Split(strings.TrimPrefix(a.Resource, "/"), "/")
}

// ownTagKeys returns aws:ResourceTag/<key> of an account-level resource
// of tagTargets (VPC links, client certificates) the caller owns; a
// resource that does not exist or is another's has none.
func (s *Service) ownTagKeys(ctx context.Context, caller Caller, seg []string) (func(*policy.Context), error) {
	var tgt *tagTarget
	var kind, key string
	for i := range tagTargets {
		if k, kk, ok := tagTargets[i].locate(seg); ok {
			tgt, kind, key = &tagTargets[i], k, kk
			break
		}
	}
	if tgt == nil {
		return nil, nil
	}
	var tags map[string]string
	_, err := s.st.View(ctx, func(r store.Reader) error {
		rec, err := r.Get(kind, key)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		var top map[string]json.RawMessage
		if json.Unmarshal(rec.Value, &top) != nil {
			return nil
		}
		var acct, region string
		_ = json.Unmarshal(top["account"], &acct)
		_ = json.Unmarshal(top["region"], &region)
		if acct != caller.Account || region != caller.Region {
			return nil
		}
		var obj struct {
			Tags map[string]string `json:"tags"`
		}
		_ = json.Unmarshal(top[tgt.field], &obj)
		tags = obj.Tags
		return nil
	})
	if err != nil || len(tags) == 0 {
		return nil, err
	}
	list := pipeline.TagsFromMap(tags)
	return func(c *policy.Context) { pipeline.ResourceTags(c, list) }, nil
}
