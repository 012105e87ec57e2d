package apigw

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/arn"
	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// Domain name access associations let a VPC endpoint reach a private
// custom domain name. gatehouse has no VPC endpoints: an association is
// stored and listed (with AWS's checks: the domain name must exist and be
// PRIVATE, the source a VPC endpoint ID), and does not change routing.

// KindAccessAssoc is a domain name access association, keyed by its
// domain name and source ("{domain}/{vpce}").
const KindAccessAssoc = "apigw/accessassoc"

// DomainNameAccessAssociation is the wire shape of an association.
type DomainNameAccessAssociation struct {
	ARN                         string            `json:"domainNameAccessAssociationArn"`
	DomainNameARN               string            `json:"domainNameArn"`
	AccessAssociationSourceType string            `json:"accessAssociationSourceType"`
	AccessAssociationSource     string            `json:"accessAssociationSource"`
	Tags                        map[string]string `json:"tags,omitempty"`
}

// AccessAssocRecord is a stored association: Account made it, Owner owns
// the domain name.
type AccessAssocRecord struct {
	Assoc   DomainNameAccessAssociation `json:"assoc"`
	Account string                      `json:"account"`
	Owner   string                      `json:"owner"`
	Region  string                      `json:"region"`
}

var vpceRE = regexp.MustCompile(`^vpce-[0-9a-f]{8,17}$`)

var errAccessAssoc = awserr.NotFoundException.New("Invalid domain name access association identifier specified")

// domainOfARN returns the domain name a domainNameArn names
// (arn:aws:apigateway:REGION:ACCOUNT:/domainnames/NAME[+ID]).
func domainOfARN(s, region string) (string, bool) {
	a, err := arn.Parse(s)
	if err != nil || a.Service != "apigateway" || a.Region != region {
		return "", false
	}
	rest, ok := strings.CutPrefix(a.Resource, "/domainnames/")
	if !ok {
		return "", false
	}
	name, _, _ := strings.Cut(rest, "+")
	return CanonicalDomainName(name)
}

func assocARN(region, account, domain, vpce string) string {
	return arn.ARN{Partition: arn.Partition, Service: "apigateway", Region: region, AccountID: account,
		Resource: "/domainnameaccessassociations/domainname/" + domain + "/vpcesource/" + vpce}.String()
}

// createAccessAssocBody is the JSON body of createAccessAssoc.
type createAccessAssocBody struct {
	DomainNameARN               string            `json:"domainNameArn"`
	AccessAssociationSourceType string            `json:"accessAssociationSourceType"`
	AccessAssociationSource     string            `json:"accessAssociationSource"`
	Tags                        map[string]string `json:"tags"`
}

func (s *Service) createAccessAssoc(c *call, req *jsonIn[createAccessAssocBody]) (*CreateDomainNameAccessAssociationOutput, error) {
	in := req.Body
	if in.AccessAssociationSourceType != "VPCE" {
		return nil, validationEnum("createDomainNameAccessAssociationInput.accessAssociationSourceType", in.AccessAssociationSourceType, "[VPCE]")
	}
	if !vpceRE.MatchString(in.AccessAssociationSource) {
		return nil, awserr.BadRequestException.Errorf("Invalid VPC endpoint identifier specified: %s", echo(in.AccessAssociationSource))
	}
	if err := validateTags(in.Tags); err != nil {
		return nil, err
	}
	name, ok := domainOfARN(in.DomainNameARN, c.caller.Region)
	if !ok {
		return nil, awserr.BadRequestException.Errorf("Invalid domain name ARN specified: %s", echo(in.DomainNameARN))
	}
	var out DomainNameAccessAssociation
	_, err := s.st.Update(c.ctx, func(tx store.Tx) error {
		rec, err := tx.Get(KindDomain, name)
		if errors.Is(err, store.ErrNotFound) {
			return errDomain
		}
		if err != nil {
			return err
		}
		var d DomainRecord
		if err := json.Unmarshal(rec.Value, &d); err != nil {
			return err
		}
		private := d.Domain.EndpointConfiguration != nil && len(d.Domain.EndpointConfiguration.Types) == 1 &&
			d.Domain.EndpointConfiguration.Types[0] == "PRIVATE"
		if !private {
			return awserr.BadRequestException.New("Domain name access associations can only be created for private custom domain names")
		}
		out = DomainNameAccessAssociation{ARN: assocARN(c.caller.Region, c.caller.Account, name, in.AccessAssociationSource),
			DomainNameARN: in.DomainNameARN, AccessAssociationSourceType: "VPCE", AccessAssociationSource: in.AccessAssociationSource, Tags: in.Tags}
		r := AccessAssocRecord{Assoc: out, Account: c.caller.Account, Owner: d.Account, Region: c.caller.Region}
		if err := createJSON(tx, KindAccessAssoc, name+"/"+in.AccessAssociationSource, r); err != nil {
			if awserr.ConflictException.Is(err) {
				return awserr.ConflictException.New("A domain name access association already exists for this domain name and VPC endpoint")
			}
			return err
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &CreateDomainNameAccessAssociationOutput{out}, nil
}

// getAccessAssocsIn is GetDomainNameAccessAssociations' input.
type getAccessAssocsIn struct {
	pageIn
	ResourceOwner string // ?resourceOwner=
}

func (in *getAccessAssocsIn) decodeFrom(q url.Values, _ http.Header, b []byte) error {
	_ = in.pageIn.decodeFrom(q, nil, b)
	in.ResourceOwner = q.Get("resourceOwner")
	return nil
}

func (s *Service) getAccessAssocs(c *call, in *getAccessAssocsIn) (*GetDomainNameAccessAssociationsOutput, error) {
	owner := in.ResourceOwner
	if owner == "" {
		owner = "SELF"
	}
	if owner != "SELF" && owner != "OTHER_ACCOUNTS" {
		return nil, validationEnum("getDomainNameAccessAssociationsInput.resourceOwner", owner, "[SELF, OTHER_ACCOUNTS]")
	}
	var all []DomainNameAccessAssociation
	_, err := s.st.View(c.ctx, func(r store.Reader) error {
		recs, err := r.List(KindAccessAssoc, "")
		if err != nil {
			return err
		}
		for _, rec := range recs {
			var a AccessAssocRecord
			if json.Unmarshal(rec.Value, &a) != nil || a.Region != c.caller.Region {
				continue
			}
			// SELF: the caller's own associations; OTHER_ACCOUNTS: other
			// accounts' associations with the caller's domain names.
			if owner == "SELF" && a.Account == c.caller.Account ||
				owner == "OTHER_ACCOUNTS" && a.Owner == c.caller.Account && a.Account != c.caller.Account {
				all = append(all, a.Assoc)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(all, func(i, j int) bool { return all[i].ARN < all[j].ARN })
	items, pos, err := paging(&in.pageIn, all)
	if err != nil {
		return nil, err
	}
	if items == nil {
		items = []DomainNameAccessAssociation{}
	}
	return &GetDomainNameAccessAssociationsOutput{listOut[DomainNameAccessAssociation]{Item: items, Position: pos}}, nil
}

// assocKey maps an association ARN to its store key.
func assocKey(s string) (string, bool) {
	a, err := arn.Parse(s)
	if err != nil || a.Service != "apigateway" {
		return "", false
	}
	rest, ok := strings.CutPrefix(a.Resource, "/domainnameaccessassociations/domainname/")
	if !ok {
		return "", false
	}
	domain, vpce, ok := strings.Cut(rest, "/vpcesource/")
	if !ok || !vpceRE.MatchString(vpce) {
		return "", false
	}
	return domain + "/" + vpce, true
}

// removeAccessAssoc deletes the association named by arnStr if may
// allows the caller to.
func (s *Service) removeAccessAssoc(c *call, arnStr string, may func(a *AccessAssocRecord) bool) error {
	key, ok := assocKey(arnStr)
	if !ok {
		return errAccessAssoc
	}
	_, err := s.st.Update(c.ctx, func(tx store.Tx) error {
		rec, err := tx.Get(KindAccessAssoc, key)
		if errors.Is(err, store.ErrNotFound) {
			return errAccessAssoc
		}
		if err != nil {
			return err
		}
		var a AccessAssocRecord
		if err := json.Unmarshal(rec.Value, &a); err != nil {
			return err
		}
		if a.Region != c.caller.Region || a.Assoc.ARN != arnStr || !may(&a) {
			return errAccessAssoc
		}
		return tx.Delete(KindAccessAssoc, key)
	})
	return err
}

// deleteAccessAssoc: the account that made the association deletes it.
func (s *Service) deleteAccessAssoc(c *call, _ *noIn) (*DeleteDomainNameAccessAssociationOutput, error) {
	raw, _ := url.QueryUnescape(c.path.AssocARN)
	err := s.removeAccessAssoc(c, raw, func(a *AccessAssocRecord) bool { return a.Account == c.caller.Account })
	if err != nil {
		return nil, err
	}
	return &DeleteDomainNameAccessAssociationOutput{}, nil
}

// rejectAccessAssoc: the domain name's owner rejects another account's
// association with it.
// rejectAccessAssocIn is RejectDomainNameAccessAssociation's input.
type rejectAccessAssocIn struct {
	AssocARN  string // ?domainNameAccessAssociationArn=
	DomainARN string // ?domainNameArn=
}

func (in *rejectAccessAssocIn) decodeFrom(q url.Values, _ http.Header, b []byte) error {
	in.AssocARN = q.Get("domainNameAccessAssociationArn")
	in.DomainARN = q.Get("domainNameArn")
	return nil
}

func (s *Service) rejectAccessAssoc(c *call, in *rejectAccessAssocIn) (*RejectDomainNameAccessAssociationOutput, error) {
	assoc, domainARN := in.AssocARN, in.DomainARN
	if assoc == "" || domainARN == "" {
		return nil, awserr.BadRequestException.New("domainNameAccessAssociationArn and domainNameArn must be specified")
	}
	err := s.removeAccessAssoc(c, assoc, func(a *AccessAssocRecord) bool {
		return a.Owner == c.caller.Account && a.Assoc.DomainNameARN == domainARN
	})
	if err != nil {
		return nil, err
	}
	return &RejectDomainNameAccessAssociationOutput{}, nil
}
