package iam

import (
	"github.com/gatehouse-dev/gatehouse/internal/authn"
	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

func tagsResult(tags []xmlTag) any {
	return struct {
		Tags        *members[xmlTag]
		IsTruncated bool
	}{list(tags), false}
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
	pe, err := c.policyTarget()
	if err != nil {
		return nil, err
	}
	return nil, c.modifyPolicy(pe, func(_ store.Tx, p *ManagedPolicy) error {
		p.Tags = mergeTags(p.Tags, tags)
		if len(p.Tags) > 50 {
			return awserr.LimitExceeded.New("The number of tags has reached the maximum limit.")
		}
		return nil
	})
}

func opUntagPolicy(c *call) (any, error) {
	pe, err := c.policyTarget()
	if err != nil {
		return nil, err
	}
	keys := c.members("TagKeys")
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
	return tagsResult(toXMLTags(pe.Tags)), nil
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
		if len(o.Tags) > 50 {
			return awserr.LimitExceeded.New("The number of tags has reached the maximum limit.")
		}
		return nil
	})
}

func opUntagOIDCProvider(c *call) (any, error) {
	p, err := c.providerTarget()
	if err != nil {
		return nil, err
	}
	keys := c.members("TagKeys")
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
	return tagsResult(toXMLTags(p.Tags)), nil
}
