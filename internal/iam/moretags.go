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
func tagsPage(marker, maxItems string, tags []authn.Tag) (*tagsPageOut, error) {
	sorted := append([]authn.Tag(nil), tags...)
	key := func(t authn.Tag) string { return strings.ToLower(t.Key) }
	sort.Slice(sorted, func(i, j int) bool { return key(sorted[i]) < key(sorted[j]) })
	pg, marker, trunc, err := page(marker, maxItems, sorted, key)
	if err != nil {
		return nil, err
	}
	return &tagsPageOut{list(toXMLTags(pg)), trunc, marker}, nil
}

func toXMLTags(tags []authn.Tag) []xmlTag {
	out := make([]xmlTag, len(tags))
	for i, t := range tags {
		out[i] = xmlTag{Key: t.Key, Value: t.Value}
	}
	return out
}

func opTagPolicy(c *call, in *tagPolicyIn) (*noOutput, error) {
	tags, err := parseTags(in.Tags)
	if err != nil {
		return done(err)
	}
	pe, err := c.ownPolicyTarget(in.PolicyArn)
	if err != nil {
		return done(err)
	}
	return done(c.modifyPolicy(pe, func(_ store.Tx, p *ManagedPolicy) error {
		p.Tags = mergeTags(p.Tags, tags)
		return tooManyTags(p.Tags)
	}))
}

func opUntagPolicy(c *call, in *untagPolicyIn) (*noOutput, error) {
	pe, err := c.ownPolicyTarget(in.PolicyArn)
	if err != nil {
		return done(err)
	}
	keys, err := checkTagKeys(in.TagKeys)
	if err != nil {
		return done(err)
	}
	return done(c.modifyPolicy(pe, func(_ store.Tx, p *ManagedPolicy) error {
		p.Tags = removeTags(p.Tags, keys)
		return nil
	}))
}

func opListPolicyTags(c *call, in *listPolicyTagsIn) (*tagsPageOut, error) {
	pe, err := c.policyTarget(in.PolicyArn)
	if err != nil {
		return nil, err
	}
	return tagsPage(in.Marker, in.MaxItems, pe.Tags)
}

func opTagOIDCProvider(c *call, in *tagOIDCProviderIn) (*noOutput, error) {
	tags, err := parseTags(in.Tags)
	if err != nil {
		return done(err)
	}
	p, err := c.providerTarget(in.OpenIDConnectProviderArn)
	if err != nil {
		return done(err)
	}
	return done(c.modifyProvider(p, func(o *OIDCProvider) error {
		o.Tags = mergeTags(o.Tags, tags)
		return tooManyTags(o.Tags)
	}))
}

func opUntagOIDCProvider(c *call, in *untagOIDCProviderIn) (*noOutput, error) {
	p, err := c.providerTarget(in.OpenIDConnectProviderArn)
	if err != nil {
		return done(err)
	}
	keys, err := checkTagKeys(in.TagKeys)
	if err != nil {
		return done(err)
	}
	return done(c.modifyProvider(p, func(o *OIDCProvider) error {
		o.Tags = removeTags(o.Tags, keys)
		return nil
	}))
}

func opListOIDCProviderTags(c *call, in *listOIDCProviderTagsIn) (*tagsPageOut, error) {
	p, err := c.providerTarget(in.OpenIDConnectProviderArn)
	if err != nil {
		return nil, err
	}
	return tagsPage(in.Marker, in.MaxItems, p.Tags)
}

type tagsPageOut struct {
	Tags        *members[xmlTag]
	IsTruncated bool
	Marker      string "xml:\",omitempty\""
}

type tagPolicyIn struct {
	requestTagsIn
	PolicyArn string
}

type untagPolicyIn struct {
	untagIn
	PolicyArn string
}

type listPolicyTagsIn struct {
	Marker    string
	MaxItems  string
	PolicyArn string
}

type tagOIDCProviderIn struct {
	requestTagsIn
	OpenIDConnectProviderArn string
}

type untagOIDCProviderIn struct {
	untagIn
	OpenIDConnectProviderArn string
}

type listOIDCProviderTagsIn struct {
	Marker                   string
	MaxItems                 string
	OpenIDConnectProviderArn string
}
