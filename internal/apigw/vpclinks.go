package apigw

import (
	"encoding/json"
	"errors"
	"sort"

	"github.com/gatehouse-dev/gatehouse/internal/arn"
	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// VPCLink is the wire shape of a VPC link. gatehouse has no VPC: a link
// is stored with its target ARNs and is AVAILABLE at once; integrations
// with connectionType VPC_LINK still go to their URI (see
// doc/apigateway.md).
type VPCLink struct {
	ID            string            `json:"id"`
	Name          string            `json:"name"`
	Description   string            `json:"description,omitempty"`
	TargetARNs    []string          `json:"targetArns"`
	Status        string            `json:"status"`
	StatusMessage string            `json:"statusMessage,omitempty"`
	Tags          map[string]string `json:"tags,omitempty"`
}

// VPCLinkRecord is a stored VPC link.
type VPCLinkRecord struct {
	Link    VPCLink `json:"link"`
	Account string  `json:"account"`
	Region  string  `json:"region"`
}

func (s *Service) loadVPCLink(r store.Reader, c *call, id string) (*VPCLinkRecord, error) {
	rec, err := r.Get(KindVPCLink, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errVPCLink
	}
	if err != nil {
		return nil, err
	}
	var l VPCLinkRecord
	if err := json.Unmarshal(rec.Value, &l); err != nil {
		return nil, err
	}
	if l.Account != c.caller.Account || l.Region != c.caller.Region {
		return nil, errVPCLink
	}
	return &l, nil
}

// createVPCLinkBody is the JSON body of createVPCLink.
type createVPCLinkBody struct {
	Name        string            `json:"name"`
	Description string            `json:"description"`
	TargetARNs  []string          `json:"targetArns"`
	Tags        map[string]string `json:"tags"`
}

func (s *Service) createVPCLink(c *call, req *jsonIn[createVPCLinkBody]) (*CreateVpcLinkOutput, error) {
	in := req.Body
	if in.Name == "" {
		return nil, awserr.BadRequestException.New("Name must be non-empty")
	}
	// A REST API's VPC link targets exactly one Network Load Balancer.
	if len(in.TargetARNs) != 1 {
		return nil, awserr.BadRequestException.New("A VPC link must have exactly one target ARN")
	}
	if err := validateTags(in.Tags); err != nil {
		return nil, err
	}
	l := VPCLinkRecord{Link: VPCLink{ID: newID(6), Name: in.Name, Description: in.Description, TargetARNs: in.TargetARNs,
		Status: "AVAILABLE", Tags: in.Tags}, Account: c.caller.Account, Region: c.caller.Region}
	// AWS accepts the request (202) and sets the link up asynchronously; a
	// target that is not a load balancer ARN leaves the link FAILED with
	// this status message [unconfirmed wording].
	if a, err := arn.Parse(in.TargetARNs[0]); err != nil || a.Service != "elasticloadbalancing" {
		l.Link.Status, l.Link.StatusMessage = "FAILED", "NLB ARN is malformed."
	}
	_, err := s.st.Update(c.ctx, func(tx store.Tx) error { return createJSON(tx, KindVPCLink, l.Link.ID, l) })
	if err != nil {
		return nil, err
	}
	return &CreateVpcLinkOutput{l.Link}, nil
}

func (s *Service) getVPCLinks(c *call, in *pageIn) (*GetVpcLinksOutput, error) {
	var all []VPCLink
	_, err := s.st.View(c.ctx, func(r store.Reader) error {
		recs, err := r.List(KindVPCLink, "")
		if err != nil {
			return err
		}
		for _, rec := range recs {
			var l VPCLinkRecord
			if json.Unmarshal(rec.Value, &l) == nil && l.Account == c.caller.Account && l.Region == c.caller.Region {
				all = append(all, l.Link)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(all, func(i, j int) bool { return all[i].Name+all[i].ID < all[j].Name+all[j].ID })
	items, pos, err := paging(in, all)
	if err != nil {
		return nil, err
	}
	if items == nil {
		items = []VPCLink{}
	}
	return &GetVpcLinksOutput{listOut[VPCLink]{Item: items, Position: pos}}, nil
}

func (s *Service) getVPCLink(c *call, _ *noIn) (*GetVpcLinkOutput, error) {
	var out VPCLink
	_, err := s.st.View(c.ctx, func(r store.Reader) error {
		l, err := s.loadVPCLink(r, c, c.path.VPCLink)
		if err == nil {
			out = l.Link
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return &GetVpcLinkOutput{out}, nil
}

func (s *Service) updateVPCLink(c *call, in *patchIn) (*UpdateVpcLinkOutput, error) {
	ops := in.Ops
	var err error
	var out VPCLink
	_, err = s.st.Update(c.ctx, func(tx store.Tx) error {
		l, err := s.loadVPCLink(tx, c, c.path.VPCLink)
		if err != nil {
			return err
		}
		for _, op := range ops {
			switch op.Path {
			case "/name":
				if !isSet(op) || op.Value == "" {
					return badPatch(op)
				}
				l.Link.Name = op.Value
			case "/description":
				l.Link.Description = valueOrEmpty(op)
			default:
				return badPatch(op)
			}
		}
		out = l.Link
		return putJSON(tx, KindVPCLink, c.path.VPCLink, l)
	})
	if err != nil {
		return nil, err
	}
	return &UpdateVpcLinkOutput{out}, nil
}

func (s *Service) deleteVPCLink(c *call, _ *noIn) (*DeleteVpcLinkOutput, error) {
	_, err := s.st.Update(c.ctx, func(tx store.Tx) error {
		if _, err := s.loadVPCLink(tx, c, c.path.VPCLink); err != nil {
			return err
		}
		return tx.Delete(KindVPCLink, c.path.VPCLink)
	})
	if err != nil {
		return nil, err
	}
	return &DeleteVpcLinkOutput{}, nil
}

// ---- account ----

// Account is the wire shape of GetAccount's answer.
type Account struct {
	CloudwatchRoleARN string            `json:"cloudwatchRoleArn,omitempty"`
	ThrottleSettings  *ThrottleSettings `json:"throttleSettings"`
	Features          []string          `json:"features"`
	APIKeyVersion     string            `json:"apiKeyVersion"`
}

func (s *Service) loadAccount(r store.Reader, c *call) (*Account, error) {
	a := &Account{ThrottleSettings: &ThrottleSettings{BurstLimit: DefaultBurstLimit, RateLimit: DefaultRateLimit},
		Features: []string{"UsagePlans"}, APIKeyVersion: "4"}
	rec, err := r.Get(KindAccount, c.caller.Account+"/"+c.caller.Region)
	if errors.Is(err, store.ErrNotFound) {
		return a, nil
	}
	if err != nil {
		return nil, err
	}
	var stored struct {
		CloudwatchRoleARN string `json:"cloudwatchRoleArn"`
	}
	if err := json.Unmarshal(rec.Value, &stored); err != nil {
		return nil, err
	}
	a.CloudwatchRoleARN = stored.CloudwatchRoleARN
	return a, nil
}

func (s *Service) getAccount(c *call, _ *noIn) (*GetAccountOutput, error) {
	var out *Account
	_, err := s.st.View(c.ctx, func(r store.Reader) error {
		a, err := s.loadAccount(r, c)
		out = a
		return err
	})
	if err != nil {
		return nil, err
	}
	return &GetAccountOutput{out}, nil
}

// updateAccount sets the CloudWatch role (the one setting of an account
// that UpdateAccount changes; the throttle is AWS's quota, not a patch
// path).
func (s *Service) updateAccount(c *call, in *patchIn) (*UpdateAccountOutput, error) {
	ops := in.Ops
	var err error
	var out *Account
	_, err = s.st.Update(c.ctx, func(tx store.Tx) error {
		a, err := s.loadAccount(tx, c)
		if err != nil {
			return err
		}
		for _, op := range ops {
			if op.Path == "/features" {
				// Usage plans are always on (the one feature).
				if op.Op == "remove" && op.Value == "UsagePlans" {
					return awserr.BadRequestException.New("Usage Plans cannot be disabled once enabled")
				}
				if op.Op == "add" && op.Value == "UsagePlans" {
					continue
				}
				return badPatch(op)
			}
			if op.Path != "/cloudwatchRoleArn" {
				return badPatch(op)
			}
			v := valueOrEmpty(op)
			if v != "" {
				if p, err := arn.Parse(v); err != nil || p.Service != "iam" {
					return awserr.BadRequestException.New("The role ARN is not well formed")
				}
			}
			a.CloudwatchRoleARN = v
		}
		out = a
		return putJSON(tx, KindAccount, c.caller.Account+"/"+c.caller.Region, struct {
			CloudwatchRoleARN string `json:"cloudwatchRoleArn,omitempty"`
		}{a.CloudwatchRoleARN})
	})
	if err != nil {
		return nil, err
	}
	return &UpdateAccountOutput{out}, nil
}
