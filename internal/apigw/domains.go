package apigw

import (
	"encoding/json"
	"errors"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/arn"
	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

var (
	errDomain   = awserr.NotFoundException.New("Invalid domain name identifier specified")
	errBasePath = awserr.NotFoundException.New("Invalid base path mapping identifier specified")
)

func (s *Service) loadDomain(r store.Reader, c *call, name string) (*DomainRecord, error) {
	rec, err := r.Get(KindDomain, name)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errDomain
	}
	if err != nil {
		return nil, err
	}
	var d DomainRecord
	if err := json.Unmarshal(rec.Value, &d); err != nil {
		return nil, err
	}
	if d.Account != c.caller.Account {
		return nil, errDomain
	}
	return &d, nil
}

// createDomainIn is CreateDomainName's input. The certificate fields are
// AWS's legacy upload parameters; the private key is used to prove the
// claim and never stored.
type createDomainIn struct {
	DomainName              string                 `json:"domainName"`
	CertificateName         string                 `json:"certificateName"`
	CertificateBody         string                 `json:"certificateBody"`
	CertificatePrivateKey   string                 `json:"certificatePrivateKey"`
	CertificateChain        string                 `json:"certificateChain"`
	CertificateARN          string                 `json:"certificateArn"`
	RegionalCertificateName string                 `json:"regionalCertificateName"`
	RegionalCertificateARN  string                 `json:"regionalCertificateArn"`
	EndpointConfiguration   *EndpointConfiguration `json:"endpointConfiguration"`
	SecurityPolicy          string                 `json:"securityPolicy"`
	Tags                    map[string]string      `json:"tags"`
	MutualTLSAuthentication *MutualTLSInput        `json:"mutualTlsAuthentication"`

	OwnershipVerificationCertificateARN string `json:"ownershipVerificationCertificateArn"`
}

func (s *Service) createDomain(c *call, req *jsonIn[createDomainIn]) (*CreateDomainNameOutput, error) {
	in := req.Body
	name, ok := CanonicalDomainName(in.DomainName)
	if !ok {
		return nil, awserr.BadRequestException.New("Invalid domain name specified")
	}
	if in.EndpointConfiguration != nil {
		if err := validateEndpointTypes("createDomainNameInput.endpointConfiguration.types", in.EndpointConfiguration.Types); err != nil {
			return nil, err
		}
	}
	if in.SecurityPolicy != "" && in.SecurityPolicy != "TLS_1_0" && in.SecurityPolicy != "TLS_1_2" {
		return nil, validationEnum("createDomainNameInput.securityPolicy", in.SecurityPolicy, "[TLS_1_0, TLS_1_2]")
	}
	if err := validOwnershipCert(in.OwnershipVerificationCertificateARN); err != nil {
		return nil, err
	}
	claim, cert, err := s.claim(c, name, &in)
	if err != nil {
		return nil, err
	}
	var trust string
	var mtls *MutualTLSAuthentication
	if in.MutualTLSAuthentication != nil && in.MutualTLSAuthentication.TruststoreURI != "" {
		if trust, mtls, err = s.loadTruststore(c, in.MutualTLSAuthentication); err != nil {
			return nil, err
		}
	}
	out := DomainName{DomainName: name, CertificateARN: in.CertificateARN, CertificateName: in.CertificateName,
		RegionalCertificateARN: in.RegionalCertificateARN, RegionalCertificateName: in.RegionalCertificateName,
		RegionalDomainName: name, DomainNameStatus: "AVAILABLE", EndpointConfiguration: in.EndpointConfiguration,
		SecurityPolicy: in.SecurityPolicy, Tags: in.Tags, MutualTLSAuthentication: mtls,
		OwnershipVerificationCertificateARN: in.OwnershipVerificationCertificateARN}
	if cert != "" {
		out.CertificateUploadDate = s.now().Unix()
	}
	d := DomainRecord{Domain: out, Account: c.caller.Account, Region: c.caller.Region, Claim: claim, Certificate: cert, Truststore: trust}
	_, err = s.st.Update(c.ctx, func(tx store.Tx) error {
		b, err := json.Marshal(d)
		if err != nil {
			return err
		}
		// One owner per host name across every account: the second claim
		// fails, never shares or replaces the first.
		err = tx.Create(KindDomain, name, b)
		if errors.Is(err, store.ErrExists) {
			return awserr.BadRequestException.New("The domain name you provided already exists.")
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return &CreateDomainNameOutput{out}, nil
}

func (s *Service) getDomains(c *call, _ *noIn) (*GetDomainNamesOutput, error) {
	out := []DomainName{}
	_, err := s.st.View(c.ctx, func(r store.Reader) error {
		recs, err := r.List(KindDomain, "")
		if err != nil {
			return err
		}
		for _, rec := range recs {
			var d DomainRecord
			if json.Unmarshal(rec.Value, &d) == nil && d.Account == c.caller.Account {
				out = append(out, d.Domain)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &GetDomainNamesOutput{listOut[DomainName]{Item: out}}, nil
}

func (s *Service) getDomain(c *call, _ *noIn) (*GetDomainNameOutput, error) {
	var out DomainName
	_, err := s.st.View(c.ctx, func(r store.Reader) error {
		d, err := s.loadDomain(r, c, c.path.Domain)
		if err == nil {
			out = d.Domain
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return &GetDomainNameOutput{out}, nil
}

func (s *Service) deleteDomain(c *call, _ *noIn) (*DeleteDomainNameOutput, error) {
	_, err := s.st.Update(c.ctx, func(tx store.Tx) error {
		if _, err := s.loadDomain(tx, c, c.path.Domain); err != nil {
			return err
		}
		recs, err := tx.List(KindBasePath, c.path.Domain+"/")
		if err != nil {
			return err
		}
		for _, r := range recs {
			if err := tx.Delete(KindBasePath, r.Key); err != nil {
				return err
			}
		}
		return tx.Delete(KindDomain, c.path.Domain)
	})
	if err != nil {
		return nil, err
	}
	return &DeleteDomainNameOutput{}, nil
}

func (s *Service) createBasePath(c *call, req *jsonIn[BasePathMapping]) (*CreateBasePathMappingOutput, error) {
	in := req.Body
	if in.BasePath == "" {
		in.BasePath = "(none)"
	}
	if err := validateBasePath(in.BasePath); err != nil {
		return nil, err
	}
	_, err := s.st.Update(c.ctx, func(tx store.Tx) error {
		if _, err := s.loadDomain(tx, c, c.path.Domain); err != nil {
			return err
		}
		if _, err := loadAPI(tx, c, in.RestAPIID); err != nil {
			return err
		}
		if in.Stage != "" {
			if _, err := loadStage(tx, in.RestAPIID, in.Stage); err != nil {
				return err
			}
		}
		return createJSON(tx, KindBasePath, c.path.Domain+"/"+in.BasePath, BasePathRecord{Domain: c.path.Domain, Mapping: in})
	})
	if err != nil {
		return nil, err
	}
	return &CreateBasePathMappingOutput{in}, nil
}

func (s *Service) getBasePaths(c *call, _ *noIn) (*GetBasePathMappingsOutput, error) {
	out := []BasePathMapping{}
	_, err := s.st.View(c.ctx, func(r store.Reader) error {
		if _, err := s.loadDomain(r, c, c.path.Domain); err != nil {
			return err
		}
		recs, err := r.List(KindBasePath, c.path.Domain+"/")
		if err != nil {
			return err
		}
		for _, rec := range recs {
			var b BasePathRecord
			if json.Unmarshal(rec.Value, &b) == nil {
				out = append(out, b.Mapping)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &GetBasePathMappingsOutput{listOut[BasePathMapping]{Item: out}}, nil
}

func (s *Service) deleteBasePath(c *call, _ *noIn) (*DeleteBasePathMappingOutput, error) {
	_, err := s.st.Update(c.ctx, func(tx store.Tx) error {
		if _, err := s.loadDomain(tx, c, c.path.Domain); err != nil {
			return err
		}
		err := tx.Delete(KindBasePath, c.path.Domain+"/"+c.path.BasePath)
		if errors.Is(err, store.ErrNotFound) {
			return errBasePath
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return &DeleteBasePathMappingOutput{}, nil
}

// validOwnershipCert checks ownershipVerificationCertificateArn: empty, or
// the ARN of an ACM certificate (arn:PARTITION:acm:REGION:ACCOUNT:
// certificate/ID). AWS: "The ARN of the public certificate issued by ACM to
// validate ownership of your custom domain. Only required when configuring
// mutual TLS and using an ACM imported or private CA certificate ARN as the
// regionalCertificateArn." gatehouse has no ACM, so the certificate is
// stored and returned, not fetched. The message is gatehouse's: AWS's
// wording for a malformed ARN here is not on record.
func validOwnershipCert(v string) error {
	if v == "" {
		return nil
	}
	a, err := arn.Parse(v)
	if err != nil || a.Service != "acm" || a.Region == "" || a.AccountID == "" ||
		!strings.HasPrefix(a.Resource, "certificate/") || len(a.Resource) == len("certificate/") {
		return awserr.BadRequestException.Errorf("Invalid ownership verification certificate ARN specified: %s", echo(v))
	}
	return nil
}
