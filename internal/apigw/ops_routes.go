package apigw

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"regexp"

	"github.com/gatehouse-dev/gatehouse/internal/pipeline"

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
		r(http.MethodPut, "/tags/{tagarn}", http.StatusNoContent, pipeline.Handle(pipeline.Operation{Name: "TagResource"}, on((*Service).tagResource))).withTags(),
		r(http.MethodDelete, "/tags/{tagarn}", http.StatusNoContent, pipeline.Handle(pipeline.Operation{Name: "UntagResource"}, on((*Service).untagResource))),
		r(http.MethodGet, "/tags/{tagarn}", http.StatusOK, pipeline.Handle(pipeline.Operation{Name: "GetTags"}, on((*Service).getTags))),

		r(http.MethodPatch, method+"/responses/{status}", http.StatusCreated, pipeline.Handle(pipeline.Operation{Name: "UpdateMethodResponse"}, on((*Service).updateMethodResponse))),
		r(http.MethodPatch, method+"/integration/responses/{status}", http.StatusOK, pipeline.Handle(pipeline.Operation{Name: "UpdateIntegrationResponse"}, on((*Service).updateIntegrationResponse))),
		r(http.MethodPost, method, http.StatusOK, pipeline.Handle(pipeline.Operation{Name: "TestInvokeMethod"}, on((*Service).testInvokeMethod))),
		r(http.MethodPatch, api+"/deployments/{deployment}", http.StatusOK, pipeline.Handle(pipeline.Operation{Name: "UpdateDeployment"}, on((*Service).updateDeployment))),
		r(http.MethodPatch, dom, http.StatusOK, pipeline.Handle(pipeline.Operation{Name: "UpdateDomainName"}, on((*Service).updateDomain))),
		r(http.MethodGet, dom+"/basepathmappings/{basepath}", http.StatusOK, pipeline.Handle(pipeline.Operation{Name: "GetBasePathMapping"}, on((*Service).getBasePath))),
		r(http.MethodPatch, dom+"/basepathmappings/{basepath}", http.StatusOK, pipeline.Handle(pipeline.Operation{Name: "UpdateBasePathMapping"}, on((*Service).updateBasePath))),

		r(http.MethodPost, api+"/models", http.StatusCreated, pipeline.Handle(pipeline.Operation{Name: "CreateModel"}, on((*Service).createModel))),
		r(http.MethodGet, api+"/models", http.StatusOK, pipeline.Handle(pipeline.Operation{Name: "GetModels"}, on((*Service).getModels))),
		r(http.MethodGet, api+"/models/{model}", http.StatusOK, pipeline.Handle(pipeline.Operation{Name: "GetModel"}, on((*Service).getModel))),
		r(http.MethodPatch, api+"/models/{model}", http.StatusOK, pipeline.Handle(pipeline.Operation{Name: "UpdateModel"}, on((*Service).updateModel))),
		r(http.MethodDelete, api+"/models/{model}", http.StatusAccepted, pipeline.Handle(pipeline.Operation{Name: "DeleteModel"}, on((*Service).deleteModel))),
		r(http.MethodGet, api+"/models/{model}/default_template", http.StatusOK, pipeline.Handle(pipeline.Operation{Name: "GetModelTemplate"}, on((*Service).getModelTemplate))),

		r(http.MethodPost, api+"/requestvalidators", http.StatusCreated, pipeline.Handle(pipeline.Operation{Name: "CreateRequestValidator"}, on((*Service).createValidator))),
		r(http.MethodGet, api+"/requestvalidators", http.StatusOK, pipeline.Handle(pipeline.Operation{Name: "GetRequestValidators"}, on((*Service).getValidators))),
		r(http.MethodGet, api+"/requestvalidators/{validator}", http.StatusOK, pipeline.Handle(pipeline.Operation{Name: "GetRequestValidator"}, on((*Service).getValidator))),
		r(http.MethodPatch, api+"/requestvalidators/{validator}", http.StatusOK, pipeline.Handle(pipeline.Operation{Name: "UpdateRequestValidator"}, on((*Service).updateValidator))),
		r(http.MethodDelete, api+"/requestvalidators/{validator}", http.StatusAccepted, pipeline.Handle(pipeline.Operation{Name: "DeleteRequestValidator"}, on((*Service).deleteValidator))),

		r(http.MethodPost, "/clientcertificates", http.StatusCreated, pipeline.Handle(pipeline.Operation{Name: "GenerateClientCertificate"}, on((*Service).generateClientCert))).withTags(),
		r(http.MethodGet, "/clientcertificates", http.StatusOK, pipeline.Handle(pipeline.Operation{Name: "GetClientCertificates"}, on((*Service).getClientCerts))),
		r(http.MethodGet, "/clientcertificates/{clientcert}", http.StatusOK, pipeline.Handle(pipeline.Operation{Name: "GetClientCertificate"}, on((*Service).getClientCert))),
		r(http.MethodPatch, "/clientcertificates/{clientcert}", http.StatusOK, pipeline.Handle(pipeline.Operation{Name: "UpdateClientCertificate"}, on((*Service).updateClientCert))),
		r(http.MethodDelete, "/clientcertificates/{clientcert}", http.StatusAccepted, pipeline.Handle(pipeline.Operation{Name: "DeleteClientCertificate"}, on((*Service).deleteClientCert))),

		r(http.MethodPost, "/vpclinks", http.StatusAccepted, pipeline.Handle(pipeline.Operation{Name: "CreateVpcLink"}, on((*Service).createVPCLink))).withTags(),
		r(http.MethodGet, "/vpclinks", http.StatusOK, pipeline.Handle(pipeline.Operation{Name: "GetVpcLinks"}, on((*Service).getVPCLinks))),
		r(http.MethodGet, "/vpclinks/{vpclink}", http.StatusOK, pipeline.Handle(pipeline.Operation{Name: "GetVpcLink"}, on((*Service).getVPCLink))),
		r(http.MethodPatch, "/vpclinks/{vpclink}", http.StatusOK, pipeline.Handle(pipeline.Operation{Name: "UpdateVpcLink"}, on((*Service).updateVPCLink))),
		r(http.MethodDelete, "/vpclinks/{vpclink}", http.StatusAccepted, pipeline.Handle(pipeline.Operation{Name: "DeleteVpcLink"}, on((*Service).deleteVPCLink))),

		r(http.MethodGet, "/account", http.StatusOK, pipeline.Handle(pipeline.Operation{Name: "GetAccount"}, on((*Service).getAccount))),
		r(http.MethodPatch, "/account", http.StatusOK, pipeline.Handle(pipeline.Operation{Name: "UpdateAccount"}, on((*Service).updateAccount))),

		r(http.MethodPost, api+"/documentation/parts", http.StatusCreated, pipeline.Handle(pipeline.Operation{Name: "CreateDocumentationPart"}, on((*Service).createDocPart))),
		r(http.MethodGet, api+"/documentation/parts", http.StatusOK, pipeline.Handle(pipeline.Operation{Name: "GetDocumentationParts"}, on((*Service).getDocParts))),
		r(http.MethodPut, api+"/documentation/parts", http.StatusOK, pipeline.Handle(pipeline.Operation{Name: "ImportDocumentationParts"}, on((*Service).importDocParts))),
		r(http.MethodGet, api+"/documentation/parts/{docpart}", http.StatusOK, pipeline.Handle(pipeline.Operation{Name: "GetDocumentationPart"}, on((*Service).getDocPart))),
		r(http.MethodPatch, api+"/documentation/parts/{docpart}", http.StatusOK, pipeline.Handle(pipeline.Operation{Name: "UpdateDocumentationPart"}, on((*Service).updateDocPart))),
		r(http.MethodDelete, api+"/documentation/parts/{docpart}", http.StatusAccepted, pipeline.Handle(pipeline.Operation{Name: "DeleteDocumentationPart"}, on((*Service).deleteDocPart))),
		r(http.MethodPost, api+"/documentation/versions", http.StatusCreated, pipeline.Handle(pipeline.Operation{Name: "CreateDocumentationVersion"}, on((*Service).createDocVersion))),
		r(http.MethodGet, api+"/documentation/versions", http.StatusOK, pipeline.Handle(pipeline.Operation{Name: "GetDocumentationVersions"}, on((*Service).getDocVersions))),
		r(http.MethodGet, api+"/documentation/versions/{docversion}", http.StatusOK, pipeline.Handle(pipeline.Operation{Name: "GetDocumentationVersion"}, on((*Service).getDocVersion))),
		r(http.MethodPatch, api+"/documentation/versions/{docversion}", http.StatusOK, pipeline.Handle(pipeline.Operation{Name: "UpdateDocumentationVersion"}, on((*Service).updateDocVersion))),
		r(http.MethodDelete, api+"/documentation/versions/{docversion}", http.StatusAccepted, pipeline.Handle(pipeline.Operation{Name: "DeleteDocumentationVersion"}, on((*Service).deleteDocVersion))),

		r(http.MethodGet, "/sdktypes", http.StatusOK, pipeline.Handle(pipeline.Operation{Name: "GetSdkTypes"}, on((*Service).getSdkTypes))),
		r(http.MethodGet, "/sdktypes/{sdktype}", http.StatusOK, pipeline.Handle(pipeline.Operation{Name: "GetSdkType"}, on((*Service).getSdkType))),
		r(http.MethodGet, stage+"/sdks/{sdktype}", http.StatusOK, pipeline.Handle(pipeline.Operation{Name: "GetSdk"}, on((*Service).getSdk))),

		r(http.MethodPost, "/domainnameaccessassociations", http.StatusCreated, pipeline.Handle(pipeline.Operation{Name: "CreateDomainNameAccessAssociation"}, on((*Service).createAccessAssoc))),
		r(http.MethodGet, "/domainnameaccessassociations", http.StatusOK, pipeline.Handle(pipeline.Operation{Name: "GetDomainNameAccessAssociations"}, on((*Service).getAccessAssocs))),
		r(http.MethodDelete, "/domainnameaccessassociations/{assocarn}", http.StatusAccepted, pipeline.Handle(pipeline.Operation{Name: "DeleteDomainNameAccessAssociation"}, on((*Service).deleteAccessAssoc))),
		r(http.MethodPost, "/rejectdomainnameaccessassociations", http.StatusAccepted, pipeline.Handle(pipeline.Operation{Name: "RejectDomainNameAccessAssociation"}, on((*Service).rejectAccessAssoc))),

		r(http.MethodDelete, stage+"/cache/data", http.StatusAccepted, pipeline.Handle(pipeline.Operation{Name: "FlushStageCache"}, on((*Service).flushStageCache))),
	}
}

// KindStageCacheFlush records, per stage ("{apiId}/{stage}"), how many
// times its response cache was flushed (FlushStageCache). The gateway
// drops a stage's cache when the generation changes, on every node.
const KindStageCacheFlush = "apigw/cacheflush"

// flushStageCache is FlushStageCache: 202, and the stage's response cache
// is emptied (its generation moves on).
func (s *Service) flushStageCache(c *call, _ *noIn) (*FlushStageCacheOutput, error) {
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
		return nil, err
	}
	return &FlushStageCacheOutput{}, nil
}
