package apigw

import (
	"net/http"

	"github.com/gatehouse-dev/gatehouse/internal/awserr"
)

// authzRoutes are the operations of Lambda authorizers, gateway
// responses, API keys and usage plans (kept apart from routes.go's table
// so that the features' additions merge cleanly).
func authzRoutes() []route {
	const (
		api  = "/restapis/{api}"
		auth = api + "/authorizers/{authorizer}"
		gwr  = api + "/gatewayresponses/{gwtype}"
		key  = "/apikeys/{apikey}"
		plan = "/usageplans/{usageplan}"
	)
	createKey := r(http.MethodPost, "/apikeys", "CreateApiKey", (*Service).createAPIKey)
	createKey.mode, createKey.tagging = noImport, true
	importKeys := r(http.MethodPost, "/apikeys", "ImportApiKeys", (*Service).importAPIKeys)
	importKeys.mode = withImport
	return []route{
		r(http.MethodPost, api+"/authorizers", "CreateAuthorizer", (*Service).createAuthorizer),
		r(http.MethodGet, api+"/authorizers", "GetAuthorizers", (*Service).getAuthorizers),
		r(http.MethodGet, auth, "GetAuthorizer", (*Service).getAuthorizer),
		r(http.MethodPatch, auth, "UpdateAuthorizer", (*Service).updateAuthorizer),
		r(http.MethodDelete, auth, "DeleteAuthorizer", (*Service).deleteAuthorizer),
		r(http.MethodPost, auth, "TestInvokeAuthorizer", (*Service).testInvokeAuthorizer),
		r(http.MethodDelete, api+"/stages/{stage}/cache/authorizers", "FlushStageAuthorizersCache", (*Service).flushStageAuthorizersCache),
		r(http.MethodGet, api+"/gatewayresponses", "GetGatewayResponses", (*Service).getGatewayResponses),
		r(http.MethodPut, gwr, "PutGatewayResponse", (*Service).putGatewayResponse),
		r(http.MethodGet, gwr, "GetGatewayResponse", (*Service).getGatewayResponse),
		r(http.MethodPatch, gwr, "UpdateGatewayResponse", (*Service).updateGatewayResponse),
		r(http.MethodDelete, gwr, "DeleteGatewayResponse", (*Service).deleteGatewayResponse),
		createKey,
		importKeys,
		r(http.MethodGet, "/apikeys", "GetApiKeys", (*Service).getAPIKeys),
		r(http.MethodGet, key, "GetApiKey", (*Service).getAPIKey),
		r(http.MethodPatch, key, "UpdateApiKey", (*Service).updateAPIKey),
		r(http.MethodDelete, key, "DeleteApiKey", (*Service).deleteAPIKey),
		r(http.MethodPost, "/usageplans", "CreateUsagePlan", (*Service).createUsagePlan).withTags(),
		r(http.MethodGet, "/usageplans", "GetUsagePlans", (*Service).getUsagePlans),
		r(http.MethodGet, plan, "GetUsagePlan", (*Service).getUsagePlan),
		r(http.MethodPatch, plan, "UpdateUsagePlan", (*Service).updateUsagePlan),
		r(http.MethodDelete, plan, "DeleteUsagePlan", (*Service).deleteUsagePlan),
		r(http.MethodPost, plan+"/keys", "CreateUsagePlanKey", (*Service).createUsagePlanKey),
		r(http.MethodGet, plan+"/keys", "GetUsagePlanKeys", (*Service).getUsagePlanKeys),
		r(http.MethodGet, plan+"/keys/{apikey}", "GetUsagePlanKey", (*Service).getUsagePlanKey),
		r(http.MethodDelete, plan+"/keys/{apikey}", "DeleteUsagePlanKey", (*Service).deleteUsagePlanKey),
		r(http.MethodGet, plan+"/usage", "GetUsage", (*Service).getUsage),
		r(http.MethodPatch, plan+"/keys/{apikey}/usage", "UpdateUsage", (*Service).updateUsage),
	}
}

// authzParam validates the path parameters of authzRoutes.
func authzParam(kind paramKind, v string, valid bool) (string, error) {
	switch kind {
	case pAuthorizer:
		if valid && idRE.MatchString(v) {
			return v, nil
		}
		return "", errAuthorizer
	case pAPIKey:
		if valid && idRE.MatchString(v) {
			return v, nil
		}
		return "", errAPIKey
	case pUsagePlan:
		if valid && idRE.MatchString(v) {
			return v, nil
		}
		return "", errUsagePlan
	case pGatewayResponseType:
		if _, ok := GatewayResponseTypes[v]; valid && ok {
			return v, nil
		}
		return "", awserr.ValidationException.Errorf("1 validation error detected: Value '%s' at 'responseType' failed to satisfy constraint: Member must satisfy enum value set: [DEFAULT_4XX, DEFAULT_5XX, ACCESS_DENIED, API_CONFIGURATION_ERROR, AUTHORIZER_CONFIGURATION_ERROR, AUTHORIZER_FAILURE, BAD_REQUEST_PARAMETERS, BAD_REQUEST_BODY, EXPIRED_TOKEN, INTEGRATION_FAILURE, INTEGRATION_TIMEOUT, INVALID_API_KEY, INVALID_SIGNATURE, MISSING_AUTHENTICATION_TOKEN, QUOTA_EXCEEDED, REQUEST_TOO_LARGE, RESOURCE_NOT_FOUND, THROTTLED, UNAUTHORIZED, UNSUPPORTED_MEDIA_TYPE, WAF_FILTERED]", echo(v))
	}
	return "", awserr.UnknownOperation.New("")
}
