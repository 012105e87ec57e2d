package pipeline

import (
	"sort"

	"github.com/gatehouse-dev/gatehouse/internal/policy"
)

// Tag is one key/value tag of a request or a resource.
type Tag struct {
	Key, Value string
}

// TagsFromMap returns m's tags sorted by key (maps have no order; the
// sort keeps aws:TagKeys stable between requests).
func TagsFromMap(m map[string]string) []Tag {
	if len(m) == 0 {
		return nil
	}
	out := make([]Tag, 0, len(m))
	for k, v := range m {
		out = append(out, Tag{k, v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

// RequestTags sets the keys of an operation that attaches tags: one
// aws:RequestTag/<key> per tag and the multivalued aws:TagKeys. With no
// tags it sets nothing: AWS includes these keys only when the request
// carries tags.
func RequestTags(c *policy.Context, tags []Tag) {
	if len(tags) == 0 {
		return
	}
	keys := make([]string, len(tags))
	for i, t := range tags {
		c.Set(KeyRequestTag+t.Key, t.Value)
		keys[i] = t.Key
	}
	c.SetMulti(KeyTagKeys, keys...)
}

// TagKeys sets aws:TagKeys alone, for an operation that names tag keys
// without values (UntagResource).
func TagKeys(c *policy.Context, keys []string) {
	if len(keys) == 0 {
		return
	}
	c.SetMulti(KeyTagKeys, keys...)
}

// ResourceTags sets aws:ResourceTag/<key> for each tag of the resource the
// operation acts on. A resource without tags sets nothing.
func ResourceTags(c *policy.Context, tags []Tag) {
	for _, t := range tags {
		c.Set(KeyResourceTag+t.Key, t.Value)
	}
}
