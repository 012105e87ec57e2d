package lambda

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"regexp"
	"sort"

	"github.com/gatehouse-dev/gatehouse/internal/arn"
	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// Code signing configs (store kind "lambda/csc", key account/region/id)
// are stored and answered as AWS does, and attached to functions
// (Put/Get/DeleteFunctionCodeSigningConfig). gatehouse takes code only as
// a zip or a local directory, never as a package signed by AWS Signer, so
// it verifies no signature: the configuration is bookkeeping for tools
// (Terraform, CloudFormation) that manage it.

const kindCSC = "lambda/csc"

type cscPublishers struct {
	SigningProfileVersionArns []string `json:"SigningProfileVersionArns"`
}

type cscPolicies struct {
	UntrustedArtifactOnDeployment string `json:"UntrustedArtifactOnDeployment"`
}

// csc is the CodeSigningConfig shape, stored as answered.
type csc struct {
	CodeSigningConfigId  string            `json:"CodeSigningConfigId"`
	CodeSigningConfigArn string            `json:"CodeSigningConfigArn"`
	Description          string            `json:"Description"`
	AllowedPublishers    *cscPublishers    `json:"AllowedPublishers"`
	CodeSigningPolicies  *cscPolicies      `json:"CodeSigningPolicies"`
	LastModified         string            `json:"LastModified"`
	Tags                 map[string]string `json:"-"`
}

type cscInput struct {
	Description         *string        `json:"Description"`
	AllowedPublishers   *cscPublishers `json:"AllowedPublishers"`
	CodeSigningPolicies *cscPolicies   `json:"CodeSigningPolicies"`
}

var (
	cscARNRE       = regexp.MustCompile(`^arn:(aws[a-zA-Z-]*)?:lambda:([a-z]{2}((-gov)|(-iso(b?)))?-[a-z]+-\d{1}):(\d{12}):code-signing-config:(csc-[a-z0-9]{17})$`)
	signingARNRE   = regexp.MustCompile(`^arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\-])+:([a-z]{2}(-gov)?-[a-z]+-\d{1})?:(\d{12})?:(.*)$`)
	cscIDAlphabet  = "abcdefghijklmnopqrstuvwxyz0123456789"
	errCSCNotFound = errors.New("no such code signing config")
)

func newCSCID() string {
	b := make([]byte, 17)
	_, _ = rand.Read(b)
	for k := range b {
		b[k] = cscIDAlphabet[int(b[k])%len(cscIDAlphabet)]
	}
	return "csc-" + string(b)
}

func checkCSCInput(in *cscInput, create bool) error {
	var v validation
	if in.AllowedPublishers == nil && create {
		v.nullAt("allowedPublishers")
	}
	if p := in.AllowedPublishers; p != nil {
		switch n := len(p.SigningProfileVersionArns); {
		case n < 1:
			v.add("[]", "allowedPublishers.signingProfileVersionArns", "Member must have length greater than or equal to 1")
		case n > 20:
			v.add("["+joinComma(p.SigningProfileVersionArns)+"]", "allowedPublishers.signingProfileVersionArns", "Member must have length less than or equal to 20")
		}
		for _, a := range p.SigningProfileVersionArns {
			if !signingARNRE.MatchString(a) {
				v.add("["+joinComma(p.SigningProfileVersionArns)+"]", "allowedPublishers.signingProfileVersionArns", `Member must satisfy constraint: [Member must satisfy regular expression pattern: arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\-])+:([a-z]{2}(-gov)?-[a-z]+-\d{1})?:(\d{12})?:(.*)]`)
				break
			}
		}
	}
	if in.Description != nil && len(*in.Description) > 256 {
		v.add(*in.Description, "description", "Member must have length less than or equal to 256")
	}
	if p := in.CodeSigningPolicies; p != nil && p.UntrustedArtifactOnDeployment != "" && p.UntrustedArtifactOnDeployment != "Warn" && p.UntrustedArtifactOnDeployment != "Enforce" {
		v.add(p.UntrustedArtifactOnDeployment, "codeSigningPolicies.untrustedArtifactOnDeployment", "Member must satisfy enum value set: [Enforce, Warn]")
	}
	return v.err()
}

// cscRef parses a CodeSigningConfigArn of the caller's region.
func (s *Service) cscRef(q *request, a string) (account, id string, err error) {
	m := cscARNRE.FindStringSubmatch(a)
	if m == nil {
		return "", "", awserr.ValidationException.Errorf("1 validation error detected: Value '%s' at 'codeSigningConfigArn' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*)?:lambda:[a-z]{2}((-gov)|(-iso(b?)))?-[a-z]+-\\d{1}:\\d{12}:code-signing-config:csc-[a-z0-9]{17}", a)
	}
	if m[2] != q.region {
		return "", "", errNoCSC(a)
	}
	return m[7], m[8], nil
}

func errNoCSC(a string) error {
	return awserr.ResourceNotFoundException.Errorf("The code signing configuration cannot be found. Check that the provided configuration is not deleted: %s.", a)
}

func cscKey(account, region, id string) string { return account + "/" + region + "/" + id }

func (s *Service) getCSCRecord(q *request, account, id string) (*csc, error) {
	rec, err := s.store.Get(q.r.Context(), kindCSC, cscKey(account, q.region, id))
	if errors.Is(err, store.ErrNotFound) {
		return nil, errCSCNotFound
	}
	if err != nil {
		return nil, err
	}
	var c csc
	if err := json.Unmarshal(rec.Value, &c); err != nil {
		return nil, err
	}
	return &c, nil
}

func (s *Service) createCSC(q *request, in *createCSCInput) (*CreateCodeSigningConfigOutput, error) {
	if err := checkCSCInput(&in.cscInput, true); err != nil {
		return nil, err
	}
	if err := s.authorize(q, "lambda:CreateCodeSigningConfig", "*", nil, q.caller.AccountID); err != nil {
		return nil, err
	}
	id := newCSCID()
	c := &csc{CodeSigningConfigId: id, CodeSigningConfigArn: arn.CodeSigningConfig(q.region, q.caller.AccountID, id),
		AllowedPublishers: in.AllowedPublishers, CodeSigningPolicies: &cscPolicies{UntrustedArtifactOnDeployment: "Warn"}, LastModified: timestamp(s.now())}
	if in.Description != nil {
		c.Description = *in.Description
	}
	if in.CodeSigningPolicies != nil && in.CodeSigningPolicies.UntrustedArtifactOnDeployment != "" {
		c.CodeSigningPolicies = in.CodeSigningPolicies
	}
	b, _ := json.Marshal(c)
	if _, err := s.store.Update(q.r.Context(), func(tx store.Tx) error {
		return tx.Create(kindCSC, cscKey(q.caller.AccountID, q.region, id), b)
	}); err != nil {
		return nil, err
	}
	return &CreateCodeSigningConfigOutput{CodeSigningConfig: c}, nil
}

func (s *Service) getCSC(q *request, in *getCSCInput) (*GetCodeSigningConfigOutput, error) {
	a := in.CodeSigningConfigArn
	account, id, err := s.cscRef(q, a)
	if err != nil {
		return nil, err
	}
	if err := s.authorize(q, "lambda:GetCodeSigningConfig", a, nil, account); err != nil {
		return nil, err
	}
	c, err := s.getCSCRecord(q, account, id)
	if errors.Is(err, errCSCNotFound) {
		return nil, errNoCSC(a)
	}
	if err != nil {
		return nil, err
	}
	return &GetCodeSigningConfigOutput{CodeSigningConfig: c}, nil
}

func (s *Service) updateCSC(q *request, in *updateCSCInput) (*UpdateCodeSigningConfigOutput, error) {
	a := in.CodeSigningConfigArn
	if err := checkCSCInput(&in.cscInput, false); err != nil {
		return nil, err
	}
	account, id, err := s.cscRef(q, a)
	if err != nil {
		return nil, err
	}
	if err := s.authorize(q, "lambda:UpdateCodeSigningConfig", a, nil, account); err != nil {
		return nil, err
	}
	var out csc
	_, err = s.store.Update(q.r.Context(), func(tx store.Tx) error {
		rec, err := tx.Get(kindCSC, cscKey(account, q.region, id))
		if errors.Is(err, store.ErrNotFound) {
			return errNoCSC(a)
		}
		if err != nil {
			return err
		}
		if err := json.Unmarshal(rec.Value, &out); err != nil {
			return err
		}
		if in.Description != nil {
			out.Description = *in.Description
		}
		if in.AllowedPublishers != nil {
			out.AllowedPublishers = in.AllowedPublishers
		}
		if in.CodeSigningPolicies != nil && in.CodeSigningPolicies.UntrustedArtifactOnDeployment != "" {
			out.CodeSigningPolicies = in.CodeSigningPolicies
		}
		out.LastModified = timestamp(s.now())
		b, _ := json.Marshal(&out)
		return tx.Put(kindCSC, rec.Key, b)
	})
	if err != nil {
		return nil, err
	}
	return &UpdateCodeSigningConfigOutput{CodeSigningConfig: &out}, nil
}

// functionsUsing lists the functions (unqualified ARNs, sorted) that a
// code signing config is attached to.
func (s *Service) functionsUsing(a string) []string {
	var out []string
	for _, e := range s.view.Load().fns {
		if x := e.fn.Extra; x != nil && x.CodeSigning == a {
			out = append(out, e.fn.arn())
		}
	}
	sort.Strings(out)
	return out
}

func (s *Service) deleteCSC(q *request, in *deleteCSCInput) (*DeleteCodeSigningConfigOutput, error) {
	a := in.CodeSigningConfigArn
	account, id, err := s.cscRef(q, a)
	if err != nil {
		return nil, err
	}
	if err := s.authorize(q, "lambda:DeleteCodeSigningConfig", a, nil, account); err != nil {
		return nil, err
	}
	if len(s.functionsUsing(a)) > 0 {
		return nil, awserr.ResourceConflictException.New("The code signing configuration cannot be deleted because it is used by a function.")
	}
	_, err = s.store.Update(q.r.Context(), func(tx store.Tx) error { return tx.Delete(kindCSC, cscKey(account, q.region, id)) })
	if errors.Is(err, store.ErrNotFound) {
		return nil, errNoCSC(a)
	}
	if err != nil {
		return nil, err
	}
	return &DeleteCodeSigningConfigOutput{}, nil
}

// listCSCsInput is the input of listCSCs.
type listCSCsInput struct {
	pageInput
}

func (s *Service) listCSCs(q *request, in *listCSCsInput) (*ListCodeSigningConfigsOutput, error) {
	pg, err := parsePage(in.pageInput)
	if err != nil {
		return nil, err
	}
	if err := s.authorize(q, "lambda:ListCodeSigningConfigs", "*", nil, q.caller.AccountID); err != nil {
		return nil, err
	}
	recs, err := s.store.List(q.r.Context(), kindCSC, q.caller.AccountID+"/"+q.region+"/")
	if err != nil {
		return nil, err
	}
	items := []*csc{}
	var out ListCodeSigningConfigsOutput
	last := ""
	for _, rec := range recs {
		if pg.set && rec.Key <= pg.after {
			continue
		}
		if len(items) == pg.max {
			out.NextMarker = marker(last)
			break
		}
		var c csc
		if json.Unmarshal(rec.Value, &c) == nil {
			items = append(items, &c)
			last = rec.Key
		}
	}
	out.CodeSigningConfigs = items
	return &out, nil
}

func (s *Service) listFunctionsByCSC(q *request, in *listFunctionsByCSCInput) (*ListFunctionsByCodeSigningConfigOutput, error) {
	a := in.CodeSigningConfigArn
	pg, err := parsePage(in.pageInput)
	if err != nil {
		return nil, err
	}
	account, id, err := s.cscRef(q, a)
	if err != nil {
		return nil, err
	}
	if err := s.authorize(q, "lambda:ListFunctionsByCodeSigningConfig", a, nil, account); err != nil {
		return nil, err
	}
	if _, err := s.getCSCRecord(q, account, id); errors.Is(err, errCSCNotFound) {
		return nil, errNoCSC(a)
	} else if err != nil {
		return nil, err
	}
	items := []string{}
	var out ListFunctionsByCodeSigningConfigOutput
	for _, f := range s.functionsUsing(a) {
		if pg.set && f <= pg.after {
			continue
		}
		if len(items) == pg.max {
			out.NextMarker = marker(items[len(items)-1])
			break
		}
		items = append(items, f)
	}
	out.FunctionArns = items
	return &out, nil
}

// codeSigningConfig serves GetFunctionCodeSigningConfig: the attached
// config, or 200 with neither member for a function without one.
func (s *Service) codeSigningConfig(q *request, in *codeSigningConfigInput) (*GetFunctionCodeSigningConfigOutput, error) {
	raw := in.FunctionName
	_, e, err := s.findLatest(q, raw, "lambda:GetFunctionCodeSigningConfig")
	if err != nil {
		return nil, err
	}
	out := &GetFunctionCodeSigningConfigOutput{}
	if x := e.fn.Extra; x != nil && x.CodeSigning != "" {
		out.CodeSigningConfigArn, out.FunctionName = x.CodeSigning, e.fn.Name
	}
	return out, nil
}

func (s *Service) putFunctionCSC(q *request, in *putFunctionCSCInput) (*PutFunctionCodeSigningConfigOutput, error) {
	raw := in.FunctionName
	if in.CodeSigningConfigArn == nil {
		return nil, awserr.ValidationException.New("1 validation error detected: Value null at 'codeSigningConfigArn' failed to satisfy constraint: Member must not be null")
	}
	a := *in.CodeSigningConfigArn
	account, id, err := s.cscRef(q, a)
	if err != nil {
		return nil, err
	}
	res, _, err := s.findLatest(q, raw, "lambda:PutFunctionCodeSigningConfig")
	if err != nil {
		return nil, err
	}
	if account != res.account {
		return nil, errNoCSC(a)
	}
	if _, err := s.getCSCRecord(q, account, id); errors.Is(err, errCSCNotFound) {
		return nil, errNoCSC(a)
	} else if err != nil {
		return nil, err
	}
	if _, err := s.modify(q.r.Context(), res, "", func(f *function) error {
		f.extra().CodeSigning = a
		return nil
	}); err != nil {
		return nil, err
	}
	return &PutFunctionCodeSigningConfigOutput{CodeSigningConfigArn: a, FunctionName: res.name}, nil
}

func (s *Service) deleteFunctionCSC(q *request, in *deleteFunctionCSCInput) (*DeleteFunctionCodeSigningConfigOutput, error) {
	raw := in.FunctionName
	res, _, err := s.findLatest(q, raw, "lambda:DeleteFunctionCodeSigningConfig")
	if err != nil {
		return nil, err
	}
	_, err = s.modify(q.r.Context(), res, "", func(f *function) error {
		if f.Extra == nil || f.Extra.CodeSigning == "" {
			return errUnchanged
		}
		f.Extra.CodeSigning = ""
		return nil
	})
	if err != nil && !isUnchanged(err) {
		return nil, err
	}
	return &DeleteFunctionCodeSigningConfigOutput{}, nil
}

// createCSCInput is the input of createCSC.
type createCSCInput struct {
	cscInput
}

// getCSCInput is the input of getCSC.
type getCSCInput struct {
	CodeSigningConfigArn string `uri:"CodeSigningConfigArn" json:"-"`
}

// updateCSCInput is the input of updateCSC.
type updateCSCInput struct {
	CodeSigningConfigArn string `uri:"CodeSigningConfigArn" json:"-"`
	cscInput
}

// deleteCSCInput is the input of deleteCSC.
type deleteCSCInput struct {
	CodeSigningConfigArn string `uri:"CodeSigningConfigArn" json:"-"`
}

// listFunctionsByCSCInput is the input of listFunctionsByCSC.
type listFunctionsByCSCInput struct {
	pageInput
	CodeSigningConfigArn string `uri:"CodeSigningConfigArn" json:"-"`
}

// codeSigningConfigInput is the input of codeSigningConfig.
type codeSigningConfigInput struct {
	fnInput
}

// putFunctionCSCInput is the input of putFunctionCSC.
type putFunctionCSCInput struct {
	fnInput
	CodeSigningConfigArn *string `json:"CodeSigningConfigArn"`
}

// deleteFunctionCSCInput is the input of deleteFunctionCSC.
type deleteFunctionCSCInput struct {
	fnInput
}
