package apigw

import (
	"errors"

	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// checkAuthorizerRef refuses a CUSTOM method without an existing
// authorizer of its API, as AWS does.
func checkAuthorizerRef(r store.Reader, a *APIRecord, m *Method) error {
	if m.AuthorizationType != "CUSTOM" && m.AuthorizationType != "COGNITO_USER_POOLS" {
		return nil
	}
	bad := awserr.BadRequestException.New("Invalid authorizer ID specified. Setting the authorization type to CUSTOM or COGNITO_USER_POOLS requires a valid authorizer.")
	if m.AuthorizerID == "" || !idRE.MatchString(m.AuthorizerID) {
		return bad
	}
	_, err := r.Get(KindAuthorizer, a.API.ID+"/"+m.AuthorizerID)
	if errors.Is(err, store.ErrNotFound) {
		return bad
	}
	return err
}
