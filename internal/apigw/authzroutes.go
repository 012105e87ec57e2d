package apigw

import (
	"net/http"

	"github.com/gatehouse-dev/gatehouse/internal/pipeline"

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
	createKey := r(http.MethodPost, "/apikeys", http.StatusCreated, pipeline.Handle(pipeline.Operation{Name: "CreateApiKey"}, on((*Service).createAPIKey)))
	createKey.mode, createKey.tagging = noImport, true
	importKeys := r(http.MethodPost, "/apikeys", http.StatusCreated, pipeline.Handle(pipeline.Operation{Name: "ImportApiKeys"}, on((*Service).importAPIKeys)))
	importKeys.mode = withImport
	return []route{
		r(http.MethodPost, api+"/authorizers", http.StatusCreated, pipeline.Handle(pipeline.Operation{Name: "CreateAuthorizer"}, on((*Service).createAuthorizer))),
		r(http.MethodGet, api+"/authorizers", http.StatusOK, pipeline.Handle(pipeline.Operation{Name: "GetAuthorizers"}, on((*Service).getAuthorizers))),
		r(http.MethodGet, auth, http.StatusOK, pipeline.Handle(pipeline.Operation{Name: "GetAuthorizer"}, on((*Service).getAuthorizer))),
		r(http.MethodPatch, auth, http.StatusOK, pipeline.Handle(pipeline.Operation{Name: "UpdateAuthorizer"}, on((*Service).updateAuthorizer))),
		r(http.MethodDelete, auth, http.StatusAccepted, pipeline.Handle(pipeline.Operation{Name: "DeleteAuthorizer"}, on((*Service).deleteAuthorizer))),
		r(http.MethodPost, auth, http.StatusOK, pipeline.Handle(pipeline.Operation{Name: "TestInvokeAuthorizer"}, on((*Service).testInvokeAuthorizer))),
		r(http.MethodDelete, api+"/stages/{stage}/cache/authorizers", http.StatusAccepted, pipeline.Handle(pipeline.Operation{Name: "FlushStageAuthorizersCache"}, on((*Service).flushStageAuthorizersCache))),
		r(http.MethodGet, api+"/gatewayresponses", http.StatusOK, pipeline.Handle(pipeline.Operation{Name: "GetGatewayResponses"}, on((*Service).getGatewayResponses))),
		r(http.MethodPut, gwr, http.StatusCreated, pipeline.Handle(pipeline.Operation{Name: "PutGatewayResponse"}, on((*Service).putGatewayResponse))),
		r(http.MethodGet, gwr, http.StatusOK, pipeline.Handle(pipeline.Operation{Name: "GetGatewayResponse"}, on((*Service).getGatewayResponse))),
		r(http.MethodPatch, gwr, http.StatusOK, pipeline.Handle(pipeline.Operation{Name: "UpdateGatewayResponse"}, on((*Service).updateGatewayResponse))),
		r(http.MethodDelete, gwr, http.StatusAccepted, pipeline.Handle(pipeline.Operation{Name: "DeleteGatewayResponse"}, on((*Service).deleteGatewayResponse))),
		createKey,
		importKeys,
		r(http.MethodGet, "/apikeys", http.StatusOK, pipeline.Handle(pipeline.Operation{Name: "GetApiKeys"}, on((*Service).getAPIKeys))),
		r(http.MethodGet, key, http.StatusOK, pipeline.Handle(pipeline.Operation{Name: "GetApiKey"}, on((*Service).getAPIKey))),
		r(http.MethodPatch, key, http.StatusOK, pipeline.Handle(pipeline.Operation{Name: "UpdateApiKey"}, on((*Service).updateAPIKey))),
		r(http.MethodDelete, key, http.StatusAccepted, pipeline.Handle(pipeline.Operation{Name: "DeleteApiKey"}, on((*Service).deleteAPIKey))),
		r(http.MethodPost, "/usageplans", http.StatusCreated, pipeline.Handle(pipeline.Operation{Name: "CreateUsagePlan"}, on((*Service).createUsagePlan))).withTags(),
		r(http.MethodGet, "/usageplans", http.StatusOK, pipeline.Handle(pipeline.Operation{Name: "GetUsagePlans"}, on((*Service).getUsagePlans))),
		r(http.MethodGet, plan, http.StatusOK, pipeline.Handle(pipeline.Operation{Name: "GetUsagePlan"}, on((*Service).getUsagePlan))),
		r(http.MethodPatch, plan, http.StatusOK, pipeline.Handle(pipeline.Operation{Name: "UpdateUsagePlan"}, on((*Service).updateUsagePlan))),
		r(http.MethodDelete, plan, http.StatusAccepted, pipeline.Handle(pipeline.Operation{Name: "DeleteUsagePlan"}, on((*Service).deleteUsagePlan))),
		r(http.MethodPost, plan+"/keys", http.StatusCreated, pipeline.Handle(pipeline.Operation{Name: "CreateUsagePlanKey"}, on((*Service).createUsagePlanKey))),
		r(http.MethodGet, plan+"/keys", http.StatusOK, pipeline.Handle(pipeline.Operation{Name: "GetUsagePlanKeys"}, on((*Service).getUsagePlanKeys))),
		r(http.MethodGet, plan+"/keys/{apikey}", http.StatusOK, pipeline.Handle(pipeline.Operation{Name: "GetUsagePlanKey"}, on((*Service).getUsagePlanKey))),
		r(http.MethodDelete, plan+"/keys/{apikey}", http.StatusAccepted, pipeline.Handle(pipeline.Operation{Name: "DeleteUsagePlanKey"}, on((*Service).deleteUsagePlanKey))),
		r(http.MethodGet, plan+"/usage", http.StatusOK, pipeline.Handle(pipeline.Operation{Name: "GetUsage"}, on((*Service).getUsage))),
		r(http.MethodPatch, plan+"/keys/{apikey}/usage", http.StatusOK, pipeline.Handle(pipeline.Operation{Name: "UpdateUsage"}, on((*Service).updateUsage))),
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
