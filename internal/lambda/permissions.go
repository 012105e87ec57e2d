package lambda

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/arn"
	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/policy"
)

// maxPolicy is the size limit of a function policy.
const maxPolicy = 20480

var (
	accountRE = regexp.MustCompile(`^\d{12}$`)
	serviceRE = regexp.MustCompile(`^[a-z0-9.-]+\.amazonaws\.com(\.cn)?$|^[a-z0-9-]+\.[a-z0-9.-]+$`)
)

type statement struct {
	Sid       string          `json:"Sid"`
	Effect    string          `json:"Effect"`
	Principal json.RawMessage `json:"Principal"`
	Action    string          `json:"Action"`
	Resource  string          `json:"Resource"`
	Condition *condition      `json:"Condition,omitempty"`
}

type condition struct {
	StringEquals map[string]string `json:"StringEquals,omitempty"`
	ArnLike      map[string]string `json:"ArnLike,omitempty"`
	Bool         map[string]string `json:"Bool,omitempty"`
}

func compact(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

// policyDocument renders a resource policy's statements as GetPolicy
// returns them.
func policyDocument(stmts []json.RawMessage) []byte {
	var b bytes.Buffer
	b.WriteString(`{"Version":"2012-10-17","Id":"default","Statement":[`)
	for k, st := range stmts {
		if k > 0 {
			b.WriteByte(',')
		}
		b.Write(st)
	}
	b.WriteString("]}")
	return b.Bytes()
}

// evalDocument is the policy as evaluated: without Sids, which Lambda
// allows to contain '-' and '_' ([a-zA-Z0-9-_]+) but the IAM grammar of
// package policy does not ([0-9A-Za-z]*). Sids play no part in decisions.
func evalDocument(stmts []json.RawMessage) []byte {
	out := make([]json.RawMessage, len(stmts))
	for k, st := range stmts {
		var m map[string]json.RawMessage
		if json.Unmarshal(st, &m) != nil {
			out[k] = st
			continue
		}
		delete(m, "Sid")
		out[k] = compact(m)
	}
	return policyDocument(out)
}

// principalARN reports whether p is an IAM or STS principal ARN of
// gatehouse's partition (global services: no region).
func principalARN(p string) bool {
	a, err := arn.Parse(p)
	return err == nil && a.Partition == arn.Partition && (a.Service == "iam" || a.Service == "sts") && a.Region == ""
}

func principalJSON(p string) (json.RawMessage, bool) {
	switch {
	case p == "*":
		return json.RawMessage(`"*"`), true
	case accountRE.MatchString(p):
		return compact(map[string]string{"AWS": arn.Root(p)}), true
	case principalARN(p):
		return compact(map[string]string{"AWS": p}), true
	case serviceRE.MatchString(p) && !strings.HasPrefix(p, "arn:"):
		return compact(map[string]string{"Service": p}), true
	}
	return nil, false
}

type addPermissionBody struct {
	StatementId         string `json:"StatementId"`
	Action              string `json:"Action"`
	Principal           string `json:"Principal"`
	SourceArn           string `json:"SourceArn"`
	SourceAccount       string `json:"SourceAccount"`
	PrincipalOrgID      string `json:"PrincipalOrgID"`
	EventSourceToken    string `json:"EventSourceToken"`
	FunctionUrlAuthType string `json:"FunctionUrlAuthType"`
	// InvokedViaFunctionUrl limits a lambda:InvokeFunction grant to calls
	// through a function URL (the second permission AWS requires of a
	// URL's callers since October 2025).
	InvokedViaFunctionUrl *bool  `json:"InvokedViaFunctionUrl"`
	RevisionId            string `json:"RevisionId"`
}

func (s *Service) addPermission(q *request, in *addPermissionInput) (*AddPermissionOutput, error) {
	raw := in.FunctionName
	res, err := s.resolveName(q, raw, true)
	if err != nil {
		return nil, err
	}
	var v validation
	if in.StatementId == "" || !sidRE.MatchString(in.StatementId) || len(in.StatementId) > 100 {
		v.add(in.StatementId, "statementId", "Member must satisfy regular expression pattern: ([a-zA-Z0-9-_]+)")
	}
	if in.Action == "" {
		v.add(in.Action, "action", "Member must not be null")
	}
	if in.Principal == "" {
		v.add(in.Principal, "principal", "Member must not be null")
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	if res.qualifier == "$LATEST" {
		return nil, awserr.InvalidParameterValueException.New("We currently do not support adding policies for $LATEST.")
	}
	e := s.named(res)
	// Lambda's condition keys of AddPermission: the principal being
	// granted and, for function URLs, the auth type.
	q.addKeys("lambda:AddPermission", func(c *policy.Context) {
		c.Set("lambda:Principal", in.Principal)
		if in.FunctionUrlAuthType != "" {
			c.Set("lambda:FunctionUrlAuthType", in.FunctionUrlAuthType)
		}
	})
	if err := s.authorize(q, "lambda:AddPermission", res.arn(), e, res.account); err != nil {
		return nil, err
	}
	if e == nil || e.base.qualified(res.qualifier) == nil {
		return nil, awserr.ResourceNotFoundException.New("Function not found: " + res.arn())
	}
	pj, ok := principalJSON(in.Principal)
	if !ok {
		return nil, awserr.InvalidParameterValueException.New("The provided principal was invalid. Please check the principal and try again.")
	}
	// A version's or alias's policy is its own, on its qualified ARN.
	st := statement{Sid: in.StatementId, Effect: "Allow", Principal: pj, Action: in.Action, Resource: res.arn()}
	c := &condition{}
	add := func(m *map[string]string, k, v string) {
		if v == "" {
			return
		}
		if *m == nil {
			*m = map[string]string{}
		}
		(*m)[k] = v
	}
	add(&c.StringEquals, "AWS:SourceAccount", in.SourceAccount)
	add(&c.StringEquals, "aws:PrincipalOrgID", in.PrincipalOrgID)
	add(&c.StringEquals, "lambda:EventSourceToken", in.EventSourceToken)
	add(&c.StringEquals, "lambda:FunctionUrlAuthType", in.FunctionUrlAuthType)
	add(&c.ArnLike, "AWS:SourceArn", in.SourceArn)
	if in.InvokedViaFunctionUrl != nil && *in.InvokedViaFunctionUrl {
		add(&c.Bool, "lambda:InvokedViaFunctionUrl", "true")
	}
	if c.StringEquals != nil || c.ArnLike != nil || c.Bool != nil {
		st.Condition = c
	}
	stJSON := compact(st)
	_, err = s.modify(q.r.Context(), res, "", func(f *function) error {
		stmts, err := policyOf(f, res, in.RevisionId)
		if err != nil {
			return err
		}
		for _, old := range *stmts {
			var o struct{ Sid string }
			_ = json.Unmarshal(old, &o)
			if o.Sid == in.StatementId {
				return awserr.ResourceConflictException.Errorf("The statement id (%s) provided already exists. Please provide a new statement id, or remove the existing statement.", in.StatementId)
			}
		}
		*stmts = append(*stmts, stJSON)
		if n := len(policyDocument(*stmts)); n > maxPolicy {
			return awserr.PolicyLengthExceededException.Errorf("The final policy size (%d) is bigger than the limit (%d).", n, maxPolicy)
		}
		return nil
	})
	if err != nil {
		if awserr.PreconditionFailedException.Is(err) {
			return nil, awserr.PreconditionFailedException.New("The Revision Id provided does not match the latest Revision Id. Call the GetPolicy API to retrieve the latest Revision Id")
		}
		return nil, err
	}
	return &AddPermissionOutput{Statement: string(stJSON)}, nil
}

// policyOf returns the statements of the resource policy res names in
// f: the function's (unqualified), a published version's or an alias's,
// each a policy of its own. revision, when set, must be that resource's
// RevisionId.
func policyOf(f *function, res resolved, revision string) (*[]json.RawMessage, error) {
	stmts, rev := &f.Policy, f.RevisionID
	if res.qualifier != "" {
		if v := f.version(res.qualifier); v != nil {
			stmts, rev = &v.Policy, v.RevisionID
		} else if a := f.alias(res.qualifier); a != nil {
			stmts, rev = &a.Policy, a.RevisionID
		} else {
			return nil, awserr.ResourceNotFoundException.New("Function not found: " + res.arn())
		}
	}
	if revision != "" && revision != rev {
		return nil, awserr.PreconditionFailedException.New("The Revision Id provided does not match the latest Revision Id. Call the GetPolicy API to retrieve the latest Revision Id")
	}
	return stmts, nil
}

func (s *Service) getPolicy(q *request, in *getPolicyInput) (*GetPolicyOutput, error) {
	raw := in.FunctionName
	res, err := s.resolveName(q, raw, true)
	if err != nil {
		return nil, err
	}
	e := s.named(res)
	if err := s.authorizeNamed(q, "lambda:GetPolicy", res, e); err != nil {
		return nil, err
	}
	var stmts []json.RawMessage
	rev := ""
	if e != nil {
		switch t := e.base.qualified(res.qualifier); {
		case t == nil:
		case t.alias != nil:
			stmts, rev = t.alias.Policy, t.alias.RevisionID
		default:
			stmts, rev = t.fn.Policy, t.fn.RevisionID
		}
	}
	if len(stmts) == 0 {
		return nil, awserr.ResourceNotFoundException.New("The resource you requested does not exist.")
	}
	return &GetPolicyOutput{Policy: string(policyDocument(stmts)), RevisionId: rev}, nil
}

func (s *Service) removePermission(q *request, in *removePermissionInput) (*RemovePermissionOutput, error) {
	raw := in.FunctionName
	sid := in.StatementId
	res, err := s.resolveName(q, raw, true)
	if err != nil {
		return nil, err
	}
	e := s.named(res)
	if err := s.authorizeNamed(q, "lambda:RemovePermission", res, e); err != nil {
		return nil, err
	}
	if e == nil || res.qualifier == "$LATEST" || e.base.qualified(res.qualifier) == nil {
		return nil, awserr.ResourceNotFoundException.New("No policy found for: " + res.arn())
	}
	_, err = s.modify(q.r.Context(), res, "", func(f *function) error {
		stmts, err := policyOf(f, res, in.RevisionId)
		if err != nil {
			return err
		}
		if len(*stmts) == 0 {
			return awserr.ResourceNotFoundException.New("No policy is associated with the given resource.")
		}
		for k, old := range *stmts {
			var o struct{ Sid string }
			_ = json.Unmarshal(old, &o)
			if o.Sid == sid {
				*stmts = append((*stmts)[:k:k], (*stmts)[k+1:]...)
				return nil
			}
		}
		return awserr.ResourceNotFoundException.Errorf("Statement %s is not found in resource policy.", sid)
	})
	if err != nil {
		if awserr.PreconditionFailedException.Is(err) {
			return nil, awserr.PreconditionFailedException.New("The Revision Id provided does not match the latest Revision Id. Call the GetPolicy API to retrieve the latest Revision Id")
		}
		return nil, err
	}
	return &RemovePermissionOutput{}, nil
}

// addPermissionInput is the input of addPermission.
type addPermissionInput struct {
	fnInput
	addPermissionBody
}

// getPolicyInput is the input of getPolicy.
type getPolicyInput struct {
	fnInput
}

// removePermissionInput is the input of removePermission.
type removePermissionInput struct {
	RevisionId string `query:"RevisionId" json:"-"`
	fnInput
	StatementId string `uri:"StatementId" json:"-"`
}
