package iam

import (
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

var thumbprintRE = regexp.MustCompile(`^[0-9A-Fa-f]{40}$`)

func oidcKey(account, u string) string { return account + "/" + strings.ToLower(u) }

// parseProviderURL validates a provider URL and returns it without scheme.
func parseProviderURL(raw string) (string, error) {
	bad := awserr.ValidationError.New("Invalid Open ID Connect Provider URL")
	if len(raw) < 1 || len(raw) > 255 || !strings.HasPrefix(raw, "https://") {
		return "", bad
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", bad
	}
	return strings.TrimSuffix(strings.TrimPrefix(raw, "https://"), "/"), nil
}

func (c *call) providerTarget(arn string) (*OIDCProvider, error) {
	if arn == "" {
		return nil, validation("", "openIDConnectProviderArn", "Member must not be null")
	}
	acct, res, ok := splitIAMARN(arn)
	if !ok || !strings.HasPrefix(res, "oidc-provider/") {
		return nil, awserr.InvalidInput.Errorf("ARN %s is not valid.", arn)
	}
	if err := c.allow(arn, nil); err != nil {
		return nil, err
	}
	p := c.snap.oidc.get(oidcKey(acct, strings.TrimPrefix(res, "oidc-provider/")))
	if p == nil || acct != c.account() {
		return nil, awserr.NoSuchEntity.Errorf("OpenIDConnect Provider not found for arn %s", arn)
	}
	return p, nil
}

func (c *call) modifyProvider(p *OIDCProvider, fn func(o *OIDCProvider) error) error {
	return c.update(func(tx store.Tx) error {
		key := oidcKey(p.Account, p.URL)
		o, err := getJSON[OIDCProvider](tx, kindOIDC, key)
		if err != nil || o == nil {
			return firstErr(err, awserr.NoSuchEntity.Errorf("OpenIDConnect Provider not found for arn %s", p.ARN()))
		}
		if err := fn(o); err != nil {
			return err
		}
		return putJSON(tx, kindOIDC, key, o)
	})
}

func checkThumbprints(tps []string) error {
	if len(tps) > 5 {
		return awserr.InvalidInput.New("Thumbprint list must contain fewer than 5 entries.")
	}
	for _, t := range tps {
		if !thumbprintRE.MatchString(t) {
			return validation(t, "thumbprintList.member", "Member must have length greater than or equal to 40")
		}
	}
	return nil
}

// oidcConstraints checks the model's length constraints of
// CreateOpenIDConnectProvider's input, all at once as AWS reports them,
// before the values' meaning is looked at.
func oidcConstraints(c *call, url string, thumbprints, clientIDs []string) error {
	var vs []violation
	if raw := url; len(raw) > 255 {
		vs = append(vs, violation{raw, "url", "Member must have length less than or equal to 255"})
	}
	if tps := thumbprints; slices.ContainsFunc(tps, func(t string) bool { return len(t) != 40 }) {
		vs = append(vs, violation{"[" + strings.Join(tps, ", ") + "]", "thumbprintList",
			listConstraint("Member must have length less than or equal to 40", "Member must have length greater than or equal to 40")})
	}
	if ids := clientIDs; slices.ContainsFunc(ids, func(id string) bool { return id == "" || len(id) > 255 }) {
		vs = append(vs, violation{"[" + strings.Join(ids, ", ") + "]", "clientIDList",
			listConstraint("Member must have length less than or equal to 255", "Member must have length greater than or equal to 1")})
	}
	if e := validations(vs); e != nil {
		return e
	}
	return nil
}

func opCreateOIDCProvider(c *call, in *createOIDCProviderIn) (*createOIDCProviderOut, error) {
	if err := oidcConstraints(c, in.Url, in.ThumbprintList, in.ClientIDList); err != nil {
		return nil, err
	}
	u, err := parseProviderURL(in.Url)
	if err != nil {
		return nil, err
	}
	tags, err := parseTags(in.Tags)
	if err != nil {
		return nil, err
	}
	p := &OIDCProvider{Account: c.account(), URL: u, ClientIDs: in.ClientIDList, Thumbprints: in.ThumbprintList,
		Created: c.s.now().UTC(), Tags: tags}
	if err := c.allow(p.ARN(), tagContext(tags)); err != nil {
		return nil, err
	}
	if len(p.ClientIDs) > 100 {
		return nil, awserr.LimitExceeded.New("Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: 100")
	}
	for _, id := range p.ClientIDs {
		if id == "" || len(id) > 255 {
			return nil, validation(id, "clientIDList.member", "Member must have length between 1 and 255")
		}
	}
	if err := checkThumbprints(p.Thumbprints); err != nil {
		return nil, err
	}
	n := 0
	for _, o := range c.snap.oidc.all() {
		if o.Account == c.account() {
			n++
		}
	}
	if n >= 100 {
		return nil, awserr.LimitExceeded.New("Cannot exceed quota for OpenIdConnectProvidersPerAccount: 100")
	}
	err = c.update(func(tx store.Tx) error {
		if err := createJSON(tx, kindOIDC, oidcKey(p.Account, u), p); err == store.ErrExists {
			return awserr.EntityAlreadyExists.Errorf("Provider with url %s already exists.", in.Url)
		} else {
			return err
		}
	})
	if err != nil {
		return nil, err
	}
	return &createOIDCProviderOut{p.ARN(), xmlTags(tags)}, nil
}

func opGetOIDCProvider(c *call, in *getOIDCProviderIn) (*getOIDCProviderOut, error) {
	p, err := c.providerTarget(in.OpenIDConnectProviderArn)
	if err != nil {
		return nil, err
	}
	return &getOIDCProviderOut{p.URL, list(p.ClientIDs), list(p.Thumbprints), isoTime(p.Created), xmlTags(p.Tags)}, nil
}

func opListOIDCProviders(c *call, in *listOIDCProvidersIn) (*listOIDCProvidersOut, error) {
	if err := c.allow("*", nil); err != nil {
		return nil, err
	}
	var out []xmlOIDCEntry
	for _, o := range c.snap.oidc.all() {
		if o.Account == c.account() {
			out = append(out, xmlOIDCEntry{o.ARN()})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Arn < out[j].Arn })
	return &listOIDCProvidersOut{list(out)}, nil
}

func opAddClientID(c *call, in *addClientIDIn) (*noOutput, error) {
	p, err := c.providerTarget(in.OpenIDConnectProviderArn)
	if err != nil {
		return done(err)
	}
	id := in.ClientID
	if id == "" || len(id) > 255 {
		return done(validation(id, "clientID", "Member must have length between 1 and 255"))
	}
	return done(c.modifyProvider(p, func(o *OIDCProvider) error {
		for _, x := range o.ClientIDs {
			if x == id {
				return nil
			}
		}
		if len(o.ClientIDs) >= 100 {
			return awserr.LimitExceeded.New("Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: 100")
		}
		o.ClientIDs = append(o.ClientIDs, id)
		return nil
	}))
}

func opRemoveClientID(c *call, in *removeClientIDIn) (*noOutput, error) {
	p, err := c.providerTarget(in.OpenIDConnectProviderArn)
	if err != nil {
		return done(err)
	}
	id := in.ClientID
	return done(c.modifyProvider(p, func(o *OIDCProvider) error {
		out := o.ClientIDs[:0]
		for _, x := range o.ClientIDs {
			if x != id {
				out = append(out, x)
			}
		}
		o.ClientIDs = out
		return nil
	}))
}

func opUpdateThumbprint(c *call, in *updateThumbprintIn) (*noOutput, error) {
	p, err := c.providerTarget(in.OpenIDConnectProviderArn)
	if err != nil {
		return done(err)
	}
	tps := in.ThumbprintList
	if err := checkThumbprints(tps); err != nil {
		return done(err)
	}
	return done(c.modifyProvider(p, func(o *OIDCProvider) error {
		o.Thumbprints = tps
		return nil
	}))
}

func opDeleteOIDCProvider(c *call, in *deleteOIDCProviderIn) (*noOutput, error) {
	arn := in.OpenIDConnectProviderArn
	if err := c.allow(arn, nil); err != nil {
		return done(err)
	}
	acct, res, ok := splitIAMARN(arn)
	if !ok || acct != c.account() || !strings.HasPrefix(res, "oidc-provider/") {
		return done(nil) // deleting a missing provider is not an error
	}
	return done(c.update(func(tx store.Tx) error {
		return ignoreNotFound(tx.Delete(kindOIDC, oidcKey(acct, strings.TrimPrefix(res, "oidc-provider/"))))
	}))
}

type createOIDCProviderOut struct {
	OpenIDConnectProviderArn string
	Tags                     *members[xmlTag] "xml:\",omitempty\""
}

type createOIDCProviderIn struct {
	requestTagsIn
	ClientIDList   []string
	ThumbprintList []string
	Url            string
}

type getOIDCProviderOut struct {
	Url            string
	ClientIDList   *members[string]
	ThumbprintList *members[string]
	CreateDate     string
	Tags           *members[xmlTag] "xml:\",omitempty\""
}

type getOIDCProviderIn struct {
	OpenIDConnectProviderArn string
}

type listOIDCProvidersOut struct {
	OpenIDConnectProviderList *members[xmlOIDCEntry]
}

type listOIDCProvidersIn struct{}

type addClientIDIn struct {
	ClientID                 string
	OpenIDConnectProviderArn string
}

type removeClientIDIn struct {
	ClientID                 string
	OpenIDConnectProviderArn string
}

type updateThumbprintIn struct {
	OpenIDConnectProviderArn string
	ThumbprintList           []string
}

type deleteOIDCProviderIn struct {
	OpenIDConnectProviderArn string
}

type xmlOIDCEntry struct{ Arn string }
