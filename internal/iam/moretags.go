package iam

import (
	"sort"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/authn"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// tagsPage answers a List*Tags call: one page of tags (MaxItems,
// Marker), ordered by key case-insensitively (keys are unique that way),
// <Tags/> when there are none.
func tagsPage(c *call, tags []authn.Tag) (any, error) {
	sorted := append([]authn.Tag(nil), tags...)
	key := func(t authn.Tag) string { return strings.ToLower(t.Key) }
	sort.Slice(sorted, func(i, j int) bool { return key(sorted[i]) < key(sorted[j]) })
	pg, marker, trunc, err := page(c, sorted, key)
	if err != nil {
		return nil, err
	}
	return struct {
		Tags        *members[xmlTag]
		IsTruncated bool
		Marker      string `xml:",omitempty"`
	}{list(toXMLTags(pg)), trunc, marker}, nil
}

func toXMLTags(tags []authn.Tag) []xmlTag {
	out := make([]xmlTag, len(tags))
	for i, t := range tags {
		out[i] = xmlTag{Key: t.Key, Value: t.Value}
	}
	return out
}

func opTagPolicy(c *call) (any, error) {
	tags, err := parseTags(c, "Tags")
	if err != nil {
		return nil, err
	}
	pe, err := c.ownPolicyTarget()
	if err != nil {
		return nil, err
	}
	return nil, c.modifyPolicy(pe, func(_ store.Tx, p *ManagedPolicy) error {
		p.Tags = mergeTags(p.Tags, tags)
		return tooManyTags(p.Tags)
	})
}

func opUntagPolicy(c *call) (any, error) {
	pe, err := c.ownPolicyTarget()
	if err != nil {
		return nil, err
	}
	keys, err := c.tagKeys()
	if err != nil {
		return nil, err
	}
	return nil, c.modifyPolicy(pe, func(_ store.Tx, p *ManagedPolicy) error {
		p.Tags = removeTags(p.Tags, keys)
		return nil
	})
}

func opListPolicyTags(c *call) (any, error) {
	pe, err := c.policyTarget()
	if err != nil {
		return nil, err
	}
	return tagsPage(c, pe.Tags)
}

func opTagOIDCProvider(c *call) (any, error) {
	tags, err := parseTags(c, "Tags")
	if err != nil {
		return nil, err
	}
	p, err := c.providerTarget()
	if err != nil {
		return nil, err
	}
	return nil, c.modifyProvider(p, func(o *OIDCProvider) error {
		o.Tags = mergeTags(o.Tags, tags)
		return tooManyTags(o.Tags)
	})
}

func opUntagOIDCProvider(c *call) (any, error) {
	p, err := c.providerTarget()
	if err != nil {
		return nil, err
	}
	keys, err := c.tagKeys()
	if err != nil {
		return nil, err
	}
	return nil, c.modifyProvider(p, func(o *OIDCProvider) error {
		o.Tags = removeTags(o.Tags, keys)
		return nil
	})
}

func opListOIDCProviderTags(c *call) (any, error) {
	p, err := c.providerTarget()
	if err != nil {
		return nil, err
	}
	return tagsPage(c, p.Tags)
}
