package apigw

import (
	"encoding/json"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// Lambda authorizers in OpenAPI: a security scheme with
// x-amazon-apigateway-authorizer ({type: token|request, authorizerUri,
// authorizerCredentials, identitySource, identityValidationExpression,
// authorizerResultTtlInSeconds}) becomes an authorizer named after the
// scheme, and the methods that require the scheme CUSTOM methods using it.

// authorizerRefPrefix marks, in an imported method's AuthorizerID, the
// scheme whose authorizer id is assigned when the import is stored.
const authorizerRefPrefix = "scheme:"

type xAuthorizer struct {
	Type                         string `json:"type"`
	AuthorizerURI                string `json:"authorizerUri"`
	AuthorizerCredentials        string `json:"authorizerCredentials"`
	IdentitySource               string `json:"identitySource"`
	IdentityValidationExpression string `json:"identityValidationExpression"`
	AuthorizerResultTTLInSeconds *int   `json:"authorizerResultTtlInSeconds"`
}

// lambdaAuthorizer reads the scheme's authorizer; ok=false when it is not
// a Lambda authorizer (the caller then warns, as before).
func (im *Import) lambdaAuthorizer(name string, ss *openapi3.SecurityScheme) (bool, error) {
	raw, has := ss.Extensions[extPrefix+"authorizer"]
	if !has {
		return false, nil
	}
	b, err := json.Marshal(raw)
	if err != nil {
		return false, nil
	}
	var x xAuthorizer
	if json.Unmarshal(b, &x) != nil {
		return false, awserr.BadRequestException.Errorf("Invalid OpenAPI input: x-amazon-apigateway-authorizer of scheme %s is malformed", name)
	}
	typ := strings.ToUpper(x.Type)
	if typ != "TOKEN" && typ != "REQUEST" {
		return false, nil
	}
	a := &LambdaAuthorizer{Name: name, Type: typ, AuthorizerURI: x.AuthorizerURI, AuthorizerCredentials: x.AuthorizerCredentials,
		IdentitySource: x.IdentitySource, IdentityValidationExpression: x.IdentityValidationExpression,
		AuthorizerResultTTLInSeconds: x.AuthorizerResultTTLInSeconds, AuthType: "custom"}
	if at, _ := ss.Extensions[extPrefix+"authtype"].(string); at != "" {
		a.AuthType = at
	}
	if typ == "TOKEN" && a.IdentitySource == "" && ss.In == "header" && ss.Name != "" {
		// The scheme's header is the token's source.
		a.IdentitySource = "method.request.header." + ss.Name
	}
	if a.AuthorizerResultTTLInSeconds == nil {
		a.AuthorizerResultTTLInSeconds = intp(DefaultAuthorizerTTL)
	}
	if err := validateAuthorizer(a); err != nil {
		e := awserr.From(err)
		return false, awserr.BadRequestException.Errorf("Errors found during import:\n\tUnable to create authorizer '%s': %s", name, e.Message)
	}
	if im.Authorizers == nil {
		im.Authorizers = map[string]*LambdaAuthorizer{}
	}
	im.Authorizers[name] = a
	return true, nil
}

// storeAuthorizers creates or updates (by name) the imported authorizers
// of API a and points its CUSTOM methods at them.
func (im *Import) storeAuthorizers(tx store.Tx, a *APIRecord) error {
	if len(im.Authorizers) == 0 {
		return nil
	}
	recs, err := tx.List(KindAuthorizer, a.API.ID+"/")
	if err != nil {
		return err
	}
	byName := map[string]string{}
	for _, rec := range recs {
		var o AuthorizerRecord
		if json.Unmarshal(rec.Value, &o) == nil {
			byName[o.Authorizer.Name] = o.Authorizer.ID
		}
	}
	names := make([]string, 0, len(im.Authorizers))
	for n := range im.Authorizers {
		names = append(names, n)
	}
	sort.Strings(names)
	ids := map[string]string{}
	for _, n := range names {
		az := *im.Authorizers[n]
		az.ID = byName[n]
		if az.ID == "" {
			if len(byName) >= 10 {
				return awserr.LimitExceededException.New("Maximum number of authorizers for this API has been reached")
			}
			az.ID = newID(6)
			byName[n] = az.ID
		}
		ids[n] = az.ID
		if err := putJSON(tx, KindAuthorizer, a.API.ID+"/"+az.ID, AuthorizerRecord{Authorizer: az, APIID: a.API.ID, Account: a.Account, Region: a.Region}); err != nil {
			return err
		}
	}
	for _, r := range a.Resources {
		for _, m := range r.ResourceMethods {
			if n, ok := strings.CutPrefix(m.AuthorizerID, authorizerRefPrefix); ok {
				m.AuthorizerID = ids[n]
			}
		}
	}
	return nil
}
