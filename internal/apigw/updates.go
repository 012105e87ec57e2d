package apigw

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// The Update* operations Terraform's day-2 use needs (issue #14).

func (s *Service) updateMethodResponse(c *call, in *patchIn) (*UpdateMethodResponseOutput, error) {
	ops := in.Ops
	var err error
	var out *MethodResponse
	err = s.updateAPI(c, func(tx store.Tx, a *APIRecord) error {
		_, m, err := methodOf(a, c)
		if err != nil {
			return err
		}
		mr := m.MethodResponses[c.path.Status]
		if mr == nil {
			return errResponse
		}
		for _, op := range ops {
			switch {
			case strings.HasPrefix(op.Path, "/responseParameters/"):
				k := unescapePointer(strings.TrimPrefix(op.Path, "/responseParameters/"))
				if !strings.HasPrefix(k, "method.response.header.") {
					return awserr.BadRequestException.Errorf("Invalid mapping expression specified: %s", echo(k))
				}
				if op.Op == "remove" {
					delete(mr.ResponseParameters, k)
					continue
				}
				if mr.ResponseParameters == nil {
					mr.ResponseParameters = map[string]bool{}
				}
				mr.ResponseParameters[k] = op.Value == "true"
			case strings.HasPrefix(op.Path, "/responseModels/"):
				k := unescapePointer(strings.TrimPrefix(op.Path, "/responseModels/"))
				if op.Op == "remove" {
					delete(mr.ResponseModels, k)
					continue
				}
				if _, ok := a.Models[op.Value]; !ok {
					return awserr.BadRequestException.Errorf("Invalid model identifier specified: %s", echo(op.Value))
				}
				if mr.ResponseModels == nil {
					mr.ResponseModels = map[string]string{}
				}
				mr.ResponseModels[k] = op.Value
			default:
				return badPatch(op)
			}
		}
		out = mr
		return nil
	})
	if err != nil {
		return nil, err
	}
	// botocore's model gives UpdateMethodResponse responseCode 201.
	return &UpdateMethodResponseOutput{out}, nil
}

func (s *Service) updateIntegrationResponse(c *call, in *patchIn) (*UpdateIntegrationResponseOutput, error) {
	ops := in.Ops
	var err error
	var out *IntegrationResponse
	err = s.updateAPI(c, func(tx store.Tx, a *APIRecord) error {
		_, ig, err := integrationOf(a, c)
		if err != nil {
			return err
		}
		ir := ig.IntegrationResponses[c.path.Status]
		if ir == nil {
			return errResponse
		}
		for _, op := range ops {
			switch {
			case op.Path == "/selectionPattern":
				ir.SelectionPattern = valueOrEmpty(op)
			case op.Path == "/contentHandling":
				v := valueOrEmpty(op)
				if v != "" && v != "CONVERT_TO_BINARY" && v != "CONVERT_TO_TEXT" {
					return validationEnum("contentHandling", v, "[CONVERT_TO_BINARY, CONVERT_TO_TEXT]")
				}
				ir.ContentHandling = v
			case strings.HasPrefix(op.Path, "/responseParameters/"):
				k := unescapePointer(strings.TrimPrefix(op.Path, "/responseParameters/"))
				if op.Op == "remove" {
					delete(ir.ResponseParameters, k)
					continue
				}
				if ir.ResponseParameters == nil {
					ir.ResponseParameters = map[string]string{}
				}
				ir.ResponseParameters[k] = op.Value
			case strings.HasPrefix(op.Path, "/responseTemplates/"):
				k := unescapePointer(strings.TrimPrefix(op.Path, "/responseTemplates/"))
				if op.Op == "remove" {
					delete(ir.ResponseTemplates, k)
					continue
				}
				if ir.ResponseTemplates == nil {
					ir.ResponseTemplates = map[string]string{}
				}
				ir.ResponseTemplates[k] = op.Value
			default:
				return badPatch(op)
			}
		}
		out = ir
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &UpdateIntegrationResponseOutput{out}, nil
}

func (s *Service) updateDeployment(c *call, in *patchIn) (*UpdateDeploymentOutput, error) {
	ops := in.Ops
	var err error
	var out Deployment
	_, err = s.st.Update(c.ctx, func(tx store.Tx) error {
		if _, err := loadAPI(tx, c, c.path.API); err != nil {
			return err
		}
		d, err := loadDeployment(tx, c.path.API, c.path.Deployment)
		if err != nil {
			return err
		}
		for _, op := range ops {
			// Only the description of a deployment can change: its
			// snapshot is immutable, as on AWS.
			if op.Path != "/description" {
				return badPatch(op)
			}
			d.Deployment.Description = valueOrEmpty(op)
		}
		out = d.Deployment
		out.APISummary = nil
		return putJSON(tx, KindDeployment, c.path.API+"/"+c.path.Deployment, d)
	})
	if err != nil {
		return nil, err
	}
	return &UpdateDeploymentOutput{out}, nil
}

func (s *Service) updateDomain(c *call, in *patchIn) (*UpdateDomainNameOutput, error) {
	ops := in.Ops
	var err error
	// A new truststore is read from S3 before the update (never inside the
	// store's transaction); the update applies it only if the domain's
	// mutual TLS is still what it was read against.
	var before *MutualTLSAuthentication
	_, err = s.st.View(c.ctx, func(r store.Reader) error {
		d, err := s.loadDomain(r, c, c.path.Domain)
		if err == nil {
			before = d.Domain.MutualTLSAuthentication
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	var want MutualTLSInput
	if before != nil {
		want = MutualTLSInput{TruststoreURI: before.TruststoreURI, TruststoreVersion: before.TruststoreVersion}
	}
	mtlsChanged := false
	for _, op := range ops {
		switch op.Path {
		case "/mutualTlsAuthentication/truststoreUri", "/mutualTlsAuthentication/truststoreVersion":
			if op.Op != "replace" {
				return nil, badPatch(op)
			}
			if op.Path == "/mutualTlsAuthentication/truststoreUri" {
				want.TruststoreURI = valueOrEmpty(op)
			} else {
				want.TruststoreVersion = valueOrEmpty(op)
			}
			mtlsChanged = true
		}
	}
	var trust string
	var mtls *MutualTLSAuthentication
	if mtlsChanged && want.TruststoreURI != "" {
		if trust, mtls, err = s.loadTruststore(c, &want); err != nil {
			return nil, err
		}
	}
	var out DomainName
	_, err = s.st.Update(c.ctx, func(tx store.Tx) error {
		d, err := s.loadDomain(tx, c, c.path.Domain)
		if err != nil {
			return err
		}
		dn := &d.Domain
		if mtlsChanged {
			if !sameMTLS(dn.MutualTLSAuthentication, before) {
				return awserr.ConflictException.New("The domain name's mutual TLS authentication changed during the update; retry it.")
			}
			dn.MutualTLSAuthentication, d.Truststore = mtls, trust
		}
		for _, op := range ops {
			v := valueOrEmpty(op)
			switch op.Path {
			case "/mutualTlsAuthentication/truststoreUri", "/mutualTlsAuthentication/truststoreVersion":
				// applied above
			case "/certificateName":
				dn.CertificateName = v
			case "/certificateArn":
				dn.CertificateARN = v
			case "/regionalCertificateName":
				dn.RegionalCertificateName = v
			case "/regionalCertificateArn":
				dn.RegionalCertificateARN = v
			case "/ownershipVerificationCertificateArn":
				if op.Op != "replace" {
					return badPatch(op)
				}
				if err := validOwnershipCert(v); err != nil {
					return err
				}
				dn.OwnershipVerificationCertificateARN = v
			case "/securityPolicy":
				if v != "TLS_1_0" && v != "TLS_1_2" {
					return validationEnum("securityPolicy", v, "[TLS_1_0, TLS_1_2]")
				}
				dn.SecurityPolicy = v
			case "/endpointConfiguration/types/0", "/endpointConfiguration/types/EDGE",
				"/endpointConfiguration/types/REGIONAL", "/endpointConfiguration/types/PRIVATE":
				if op.Op != "replace" {
					return badPatch(op)
				}
				if !validEndpointTypes[v] {
					return validationEnum("endpointConfiguration.types", v, "[REGIONAL, EDGE, PRIVATE]")
				}
				if dn.EndpointConfiguration == nil {
					dn.EndpointConfiguration = &EndpointConfiguration{}
				}
				dn.EndpointConfiguration.Types = []string{v}
			default:
				return badPatch(op)
			}
		}
		out = d.Domain
		return putJSON(tx, KindDomain, c.path.Domain, d)
	})
	if err != nil {
		return nil, err
	}
	return &UpdateDomainNameOutput{out}, nil
}

func loadBasePath(r store.Reader, domain, base string) (*BasePathRecord, error) {
	rec, err := r.Get(KindBasePath, domain+"/"+base)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errBasePath
	}
	if err != nil {
		return nil, err
	}
	var b BasePathRecord
	return &b, json.Unmarshal(rec.Value, &b)
}

func (s *Service) getBasePath(c *call, _ *noIn) (*GetBasePathMappingOutput, error) {
	var out BasePathMapping
	_, err := s.st.View(c.ctx, func(r store.Reader) error {
		if _, err := s.loadDomain(r, c, c.path.Domain); err != nil {
			return err
		}
		b, err := loadBasePath(r, c.path.Domain, c.path.BasePath)
		if err == nil {
			out = b.Mapping
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return &GetBasePathMappingOutput{out}, nil
}

func (s *Service) updateBasePath(c *call, in *patchIn) (*UpdateBasePathMappingOutput, error) {
	ops := in.Ops
	var err error
	var out BasePathMapping
	_, err = s.st.Update(c.ctx, func(tx store.Tx) error {
		if _, err := s.loadDomain(tx, c, c.path.Domain); err != nil {
			return err
		}
		b, err := loadBasePath(tx, c.path.Domain, c.path.BasePath)
		if err != nil {
			return err
		}
		m := b.Mapping
		for _, op := range ops {
			if op.Op != "replace" {
				return badPatch(op)
			}
			switch op.Path {
			case "/basePath":
				m.BasePath = op.Value
				if m.BasePath == "" {
					m.BasePath = "(none)"
				}
				if err := validateBasePath(m.BasePath); err != nil {
					return err
				}
			case "/restapiId":
				m.RestAPIID = op.Value
			case "/stage":
				m.Stage = op.Value
			default:
				return badPatch(op)
			}
		}
		if _, err := loadAPI(tx, c, m.RestAPIID); err != nil {
			return err
		}
		if m.Stage != "" {
			if _, err := loadStage(tx, m.RestAPIID, m.Stage); err != nil {
				return err
			}
		}
		if m.BasePath != b.Mapping.BasePath {
			if err := tx.Delete(KindBasePath, c.path.Domain+"/"+b.Mapping.BasePath); err != nil {
				return err
			}
			if err := createJSON(tx, KindBasePath, c.path.Domain+"/"+m.BasePath, BasePathRecord{Domain: c.path.Domain, Mapping: m}); err != nil {
				if awserr.ConflictException.Is(err) {
					return awserr.ConflictException.New("Base path already exists for this domain name")
				}
				return err
			}
		} else if err := putJSON(tx, KindBasePath, c.path.Domain+"/"+m.BasePath, BasePathRecord{Domain: c.path.Domain, Mapping: m}); err != nil {
			return err
		}
		out = m
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &UpdateBasePathMappingOutput{out}, nil
}

// patchIntegrationSettings applies the UpdateIntegration paths Terraform
// sends on day 2 besides the URI, method, type and mappings.
func patchIntegrationSettings(in *Integration, op PatchOp) error {
	v := valueOrEmpty(op)
	switch {
	case op.Path == "/contentHandling":
		if v != "" && v != "CONVERT_TO_BINARY" && v != "CONVERT_TO_TEXT" {
			return validationEnum("updateIntegrationInput.contentHandling", v, "[CONVERT_TO_BINARY, CONVERT_TO_TEXT]")
		}
		in.ContentHandling = v
	case op.Path == "/connectionType":
		if v != "" && v != "INTERNET" && v != "VPC_LINK" {
			return validationEnum("updateIntegrationInput.connectionType", v, "[INTERNET, VPC_LINK]")
		}
		in.ConnectionType = v
	case op.Path == "/connectionId":
		in.ConnectionID = v
	case op.Path == "/credentials":
		in.Credentials = v
	case op.Path == "/cacheNamespace":
		in.CacheNamespace = v
	case strings.HasPrefix(op.Path, "/cacheKeyParameters/"):
		k := unescapePointer(strings.TrimPrefix(op.Path, "/cacheKeyParameters/"))
		list := in.CacheKeyParameters[:0:0]
		for _, x := range in.CacheKeyParameters {
			if x != k {
				list = append(list, x)
			}
		}
		if op.Op != "remove" {
			list = append(list, k)
		}
		in.CacheKeyParameters = list
	case op.Path == "/tlsConfig/insecureSkipVerification":
		b, err := strconv.ParseBool(v)
		if err != nil && v != "" {
			return awserr.BadRequestException.Errorf("Invalid value for insecureSkipVerification: %s", echo(v))
		}
		if in.TLSConfig == nil {
			in.TLSConfig = map[string]any{}
		}
		in.TLSConfig["insecureSkipVerification"] = b
	default:
		return badPatch(op)
	}
	return nil
}

func sameMTLS(a, b *MutualTLSAuthentication) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.TruststoreURI == b.TruststoreURI && a.TruststoreVersion == b.TruststoreVersion
}
