package apigw

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"regexp"

	"github.com/gatehouse-dev/gatehouse/internal/arn"
	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// This file holds the rows of the operation table added by issue #14
// (tags, models, request validators, documentation, VPC links, client
// certificates, account, SDKs, the Update* operations Terraform needs), and
// the parameter kinds they use. They live apart from routes.go so that
// other parts of the issue add their own rows without touching these.

var (
	modelNameRE  = regexp.MustCompile(`^[A-Za-z0-9]{1,128}$`)
	docVersionRE = regexp.MustCompile(`^[A-Za-z0-9._\-]{1,64}$`)
	sdkTypeRE    = regexp.MustCompile(`^[a-z][a-z0-9\-]{0,31}$`)
)

var (
	errValidator  = awserr.NotFoundException.New("Invalid Request Validator identifier specified")
	errDocPart    = awserr.NotFoundException.New("Invalid Documentation part identifier specified")
	errDocVersion = awserr.NotFoundException.New("Invalid Documentation version specified")
	errVPCLink    = awserr.NotFoundException.New("Invalid Vpc Link identifier specified")
	errClientCert = awserr.NotFoundException.New("Invalid Client Certificate identifier specified")
	errSDKType    = awserr.NotFoundException.New("Invalid SDK type specified")
)

func errModel(name string) error {
	return awserr.NotFoundException.Errorf("Invalid model name specified: %s", echo(name))
}

// idCheck is a paramCheck for identifiers in gatehouse's ID charset.
func idCheck(notFound error) paramCheck {
	return func(v, _ string) (string, error) {
		if idRE.MatchString(v) {
			return v, nil
		}
		return "", notFound
	}
}

// extParams are the parameter kinds of this file's routes.
var extParams = map[string]paramCheck{
	"{model}": func(v, _ string) (string, error) {
		if modelNameRE.MatchString(v) {
			return v, nil
		}
		return "", errModel(v)
	},
	"{validator}":  idCheck(errValidator),
	"{docpart}":    idCheck(errDocPart),
	"{vpclink}":    idCheck(errVPCLink),
	"{clientcert}": idCheck(errClientCert),
	"{docversion}": func(v, _ string) (string, error) {
		if docVersionRE.MatchString(v) {
			return v, nil
		}
		return "", errDocVersion
	},
	"{sdktype}": func(v, _ string) (string, error) {
		if sdkTypeRE.MatchString(v) {
			return v, nil
		}
		return "", errSDKType
	},
	// The ARN of a domain name access association, canonical like
	// {tagarn}'s.
	"{assocarn}": func(v, _ string) (string, error) {
		if _, ok := assocKey(v); !ok || len(v) > 1600 {
			return "", errAccessAssoc
		}
		return url.QueryEscape(v), nil
	},
	// The ARN of a taggable resource, percent-encoded in one segment as the
	// SDKs send it. Its canonical form is the ARN encoded again with every
	// '/' and ':' escaped, the form of AWS's tagging resource
	// (arn:aws:apigateway:REGION::/tags/arn%3Aaws%3A...), so it adds no
	// segment to the authorization resource.
	"{tagarn}": func(v, _ string) (string, error) {
		a, err := arn.Parse(v)
		if err != nil || a.Service != "apigateway" || len(v) > 1600 {
			return "", awserr.BadRequestException.Errorf("Invalid ARN specified in the request: %s", echo(v))
		}
		return url.QueryEscape(v), nil
	},
}

func opsRoutes() []route {
	const (
		api    = "/restapis/{api}"
		method = api + "/resources/{resource}/methods/{verb}"
		dom    = "/domainnames/{domain}"
		stage  = api + "/stages/{stage}"
	)
	return []route{
		r(http.MethodPut, "/tags/{tagarn}", "TagResource", (*Service).tagResource).withTags(),
		r(http.MethodDelete, "/tags/{tagarn}", "UntagResource", (*Service).untagResource),
		r(http.MethodGet, "/tags/{tagarn}", "GetTags", (*Service).getTags),

		r(http.MethodPatch, method+"/responses/{status}", "UpdateMethodResponse", (*Service).updateMethodResponse),
		r(http.MethodPatch, method+"/integration/responses/{status}", "UpdateIntegrationResponse", (*Service).updateIntegrationResponse),
		r(http.MethodPost, method, "TestInvokeMethod", (*Service).testInvokeMethod),
		r(http.MethodPatch, api+"/deployments/{deployment}", "UpdateDeployment", (*Service).updateDeployment),
		r(http.MethodPatch, dom, "UpdateDomainName", (*Service).updateDomain),
		r(http.MethodGet, dom+"/basepathmappings/{basepath}", "GetBasePathMapping", (*Service).getBasePath),
		r(http.MethodPatch, dom+"/basepathmappings/{basepath}", "UpdateBasePathMapping", (*Service).updateBasePath),

		r(http.MethodPost, api+"/models", "CreateModel", (*Service).createModel),
		r(http.MethodGet, api+"/models", "GetModels", (*Service).getModels),
		r(http.MethodGet, api+"/models/{model}", "GetModel", (*Service).getModel),
		r(http.MethodPatch, api+"/models/{model}", "UpdateModel", (*Service).updateModel),
		r(http.MethodDelete, api+"/models/{model}", "DeleteModel", (*Service).deleteModel),
		r(http.MethodGet, api+"/models/{model}/default_template", "GetModelTemplate", (*Service).getModelTemplate),

		r(http.MethodPost, api+"/requestvalidators", "CreateRequestValidator", (*Service).createValidator),
		r(http.MethodGet, api+"/requestvalidators", "GetRequestValidators", (*Service).getValidators),
		r(http.MethodGet, api+"/requestvalidators/{validator}", "GetRequestValidator", (*Service).getValidator),
		r(http.MethodPatch, api+"/requestvalidators/{validator}", "UpdateRequestValidator", (*Service).updateValidator),
		r(http.MethodDelete, api+"/requestvalidators/{validator}", "DeleteRequestValidator", (*Service).deleteValidator),

		r(http.MethodPost, "/clientcertificates", "GenerateClientCertificate", (*Service).generateClientCert).withTags(),
		r(http.MethodGet, "/clientcertificates", "GetClientCertificates", (*Service).getClientCerts),
		r(http.MethodGet, "/clientcertificates/{clientcert}", "GetClientCertificate", (*Service).getClientCert),
		r(http.MethodPatch, "/clientcertificates/{clientcert}", "UpdateClientCertificate", (*Service).updateClientCert),
		r(http.MethodDelete, "/clientcertificates/{clientcert}", "DeleteClientCertificate", (*Service).deleteClientCert),

		r(http.MethodPost, "/vpclinks", "CreateVpcLink", (*Service).createVPCLink).withTags(),
		r(http.MethodGet, "/vpclinks", "GetVpcLinks", (*Service).getVPCLinks),
		r(http.MethodGet, "/vpclinks/{vpclink}", "GetVpcLink", (*Service).getVPCLink),
		r(http.MethodPatch, "/vpclinks/{vpclink}", "UpdateVpcLink", (*Service).updateVPCLink),
		r(http.MethodDelete, "/vpclinks/{vpclink}", "DeleteVpcLink", (*Service).deleteVPCLink),

		r(http.MethodGet, "/account", "GetAccount", (*Service).getAccount),
		r(http.MethodPatch, "/account", "UpdateAccount", (*Service).updateAccount),

		r(http.MethodPost, api+"/documentation/parts", "CreateDocumentationPart", (*Service).createDocPart),
		r(http.MethodGet, api+"/documentation/parts", "GetDocumentationParts", (*Service).getDocParts),
		r(http.MethodPut, api+"/documentation/parts", "ImportDocumentationParts", (*Service).importDocParts),
		r(http.MethodGet, api+"/documentation/parts/{docpart}", "GetDocumentationPart", (*Service).getDocPart),
		r(http.MethodPatch, api+"/documentation/parts/{docpart}", "UpdateDocumentationPart", (*Service).updateDocPart),
		r(http.MethodDelete, api+"/documentation/parts/{docpart}", "DeleteDocumentationPart", (*Service).deleteDocPart),
		r(http.MethodPost, api+"/documentation/versions", "CreateDocumentationVersion", (*Service).createDocVersion),
		r(http.MethodGet, api+"/documentation/versions", "GetDocumentationVersions", (*Service).getDocVersions),
		r(http.MethodGet, api+"/documentation/versions/{docversion}", "GetDocumentationVersion", (*Service).getDocVersion),
		r(http.MethodPatch, api+"/documentation/versions/{docversion}", "UpdateDocumentationVersion", (*Service).updateDocVersion),
		r(http.MethodDelete, api+"/documentation/versions/{docversion}", "DeleteDocumentationVersion", (*Service).deleteDocVersion),

		r(http.MethodGet, "/sdktypes", "GetSdkTypes", (*Service).getSdkTypes),
		r(http.MethodGet, "/sdktypes/{sdktype}", "GetSdkType", (*Service).getSdkType),
		r(http.MethodGet, stage+"/sdks/{sdktype}", "GetSdk", (*Service).getSdk),

		r(http.MethodPost, "/domainnameaccessassociations", "CreateDomainNameAccessAssociation", (*Service).createAccessAssoc),
		r(http.MethodGet, "/domainnameaccessassociations", "GetDomainNameAccessAssociations", (*Service).getAccessAssocs),
		r(http.MethodDelete, "/domainnameaccessassociations/{assocarn}", "DeleteDomainNameAccessAssociation", (*Service).deleteAccessAssoc),
		r(http.MethodPost, "/rejectdomainnameaccessassociations", "RejectDomainNameAccessAssociation", (*Service).rejectAccessAssoc),

		r(http.MethodDelete, stage+"/cache/data", "FlushStageCache", (*Service).flushStageCache),
	}
}

// KindStageCacheFlush records, per stage ("{apiId}/{stage}"), how many
// times its response cache was flushed (FlushStageCache). The gateway
// drops a stage's cache when the generation changes, on every node.
const KindStageCacheFlush = "apigw/cacheflush"

// flushStageCache is FlushStageCache: 202, and the stage's response cache
// is emptied (its generation moves on).
func (s *Service) flushStageCache(c *call) (int, any, error) {
	_, err := s.st.Update(c.ctx, func(tx store.Tx) error {
		a, err := loadAPI(tx, c, c.path.API)
		if err != nil {
			return err
		}
		if _, err := loadStage(tx, a.API.ID, c.path.Stage); err != nil {
			return err
		}
		key := a.API.ID + "/" + c.path.Stage
		var f AuthorizerFlushRecord
		rec, err := tx.Get(KindStageCacheFlush, key)
		switch {
		case err == nil:
			if err := json.Unmarshal(rec.Value, &f); err != nil {
				return err
			}
		case !errors.Is(err, store.ErrNotFound):
			return err
		}
		f.Generation++
		return putJSON(tx, KindStageCacheFlush, key, f)
	})
	if err != nil {
		return 0, nil, err
	}
	return http.StatusAccepted, nil, nil
}
