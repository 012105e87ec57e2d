package apigw

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

var errDomain = awserr.NotFoundException.New("Invalid domain name identifier specified")

func (s *Service) routeDomains(c *call) (string, opFunc) {
	n, m := len(c.seg), c.r.Method
	switch {
	case n == 1 && m == http.MethodPost:
		return "CreateDomainName", s.createDomain
	case n == 1 && m == http.MethodGet:
		return "GetDomainNames", s.getDomains
	case n == 2 && m == http.MethodGet:
		return "GetDomainName", s.getDomain
	case n == 2 && m == http.MethodDelete:
		return "DeleteDomainName", s.deleteDomain
	case n == 3 && c.seg[2] == "basepathmappings" && m == http.MethodPost:
		return "CreateBasePathMapping", s.createBasePath
	case n == 3 && c.seg[2] == "basepathmappings" && m == http.MethodGet:
		return "GetBasePathMappings", s.getBasePaths
	case n == 4 && c.seg[2] == "basepathmappings" && m == http.MethodDelete:
		return "DeleteBasePathMapping", s.deleteBasePath
	}
	return "", nil
}

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

func (s *Service) createDomain(c *call) (int, any, error) {
	var in DomainName
	if err := decode(c, &in); err != nil {
		return 0, nil, err
	}
	if in.DomainName == "" {
		return 0, nil, awserr.BadRequestException.New("Invalid domain name specified")
	}
	in.DomainNameStatus = "AVAILABLE"
	in.RegionalDomainName = in.DomainName
	d := DomainRecord{Domain: in, Account: c.caller.Account, Region: c.caller.Region}
	_, err := s.st.Update(c.ctx, func(tx store.Tx) error { return createJSON(tx, KindDomain, in.DomainName, d) })
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, in, nil
}

func (s *Service) getDomains(c *call) (int, any, error) {
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
		return 0, nil, err
	}
	return http.StatusOK, listOut[DomainName]{Item: out}, nil
}

func (s *Service) getDomain(c *call) (int, any, error) {
	var out DomainName
	_, err := s.st.View(c.ctx, func(r store.Reader) error {
		d, err := s.loadDomain(r, c, c.seg[1])
		if err == nil {
			out = d.Domain
		}
		return err
	})
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, out, nil
}

func (s *Service) deleteDomain(c *call) (int, any, error) {
	_, err := s.st.Update(c.ctx, func(tx store.Tx) error {
		if _, err := s.loadDomain(tx, c, c.seg[1]); err != nil {
			return err
		}
		recs, err := tx.List(KindBasePath, c.seg[1]+"/")
		if err != nil {
			return err
		}
		for _, r := range recs {
			if err := tx.Delete(KindBasePath, r.Key); err != nil {
				return err
			}
		}
		return tx.Delete(KindDomain, c.seg[1])
	})
	if err != nil {
		return 0, nil, err
	}
	return http.StatusAccepted, nil, nil
}

func (s *Service) createBasePath(c *call) (int, any, error) {
	var in BasePathMapping
	if err := decode(c, &in); err != nil {
		return 0, nil, err
	}
	if in.BasePath == "" {
		in.BasePath = "(none)"
	}
	_, err := s.st.Update(c.ctx, func(tx store.Tx) error {
		if _, err := s.loadDomain(tx, c, c.seg[1]); err != nil {
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
		return createJSON(tx, KindBasePath, c.seg[1]+"/"+in.BasePath, BasePathRecord{Domain: c.seg[1], Mapping: in})
	})
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, in, nil
}

func (s *Service) getBasePaths(c *call) (int, any, error) {
	out := []BasePathMapping{}
	_, err := s.st.View(c.ctx, func(r store.Reader) error {
		if _, err := s.loadDomain(r, c, c.seg[1]); err != nil {
			return err
		}
		recs, err := r.List(KindBasePath, c.seg[1]+"/")
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
		return 0, nil, err
	}
	return http.StatusOK, listOut[BasePathMapping]{Item: out}, nil
}

func (s *Service) deleteBasePath(c *call) (int, any, error) {
	_, err := s.st.Update(c.ctx, func(tx store.Tx) error {
		if _, err := s.loadDomain(tx, c, c.seg[1]); err != nil {
			return err
		}
		err := tx.Delete(KindBasePath, c.seg[1]+"/"+c.seg[3])
		if errors.Is(err, store.ErrNotFound) {
			return awserr.NotFoundException.New("Invalid base path mapping identifier specified")
		}
		return err
	})
	if err != nil {
		return 0, nil, err
	}
	return http.StatusAccepted, nil, nil
}
