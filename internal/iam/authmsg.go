package iam

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"sort"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/authn"
	"github.com/gatehouse-dev/gatehouse/internal/policy"
)

// Encoded authorization messages (sts:DecodeAuthorizationMessage).
//
// AWS appends "Encoded authorization failure message: …" to some denials
// (EC2's UnauthorizedOperation); the message is opaque to the caller and
// decodes, for a principal allowed sts:DecodeAuthorizationMessage in the
// same account, to the evaluation's evidence. gatehouse seals the decoded
// JSON with the master key (authn.SecretBox, AES-256-GCM) under a label
// that names the account, so a message can be neither read nor altered by
// the caller, nor decoded from another account. Denials carry one only when
// Config.EncodeDenials is set (gatehouse serve --encode-denials): AWS's
// IAM, STS, Lambda, API Gateway, S3, SSM and CloudFormation denials carry
// none, and a per-request message in every denial would break clients that
// compare error messages (reconciliation loops in controllers, golden
// tests).

// MaxAuthorizationMessage is the longest EncodedMessage DecodeAuthorizationMessage
// accepts (the API's length constraint).
const MaxAuthorizationMessage = 10240

// ErrAuthorizationMessage is DecodeAuthorizationMessage's answer to a
// message that does not open: malformed, altered, sealed by another
// gatehouse (master key) or for another account.
var ErrAuthorizationMessage = errors.New("iam: invalid authorization message")

type msgItems[T any] struct {
	Items []T `json:"items"`
}

type msgValue struct {
	Value string `json:"value"`
}

type msgCondition struct {
	Key    string             `json:"key"`
	Values msgItems[msgValue] `json:"values"`
}

type msgStatement struct {
	StatementID     string                 `json:"statementId,omitempty"`
	Effect          string                 `json:"effect"`
	Principals      msgItems[msgValue]     `json:"principals"`
	PrincipalGroups msgItems[msgValue]     `json:"principalGroups"`
	Actions         msgItems[msgValue]     `json:"actions"`
	Resources       msgItems[msgValue]     `json:"resources"`
	Conditions      msgItems[msgCondition] `json:"conditions"`
}

type msgPrincipal struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
	ARN  string `json:"arn"`
}

type msgContext struct {
	Principal  msgPrincipal           `json:"principal"`
	Action     string                 `json:"action"`
	Resource   string                 `json:"resource"`
	Conditions msgItems[msgCondition] `json:"conditions"`
}

// authMessage is the decoded message, in AWS's shape: allowed,
// explicitDeny, matchedStatements, failures, context.
type authMessage struct {
	Allowed           bool                   `json:"allowed"`
	ExplicitDeny      bool                   `json:"explicitDeny"`
	MatchedStatements msgItems[msgStatement] `json:"matchedStatements"`
	Failures          msgItems[msgValue]     `json:"failures"`
	Context           msgContext             `json:"context"`
}

func authMessageLabel(account string) string { return "sts:DecodeAuthorizationMessage:" + account }

// EncodeDenial is the pipeline's DenialEncoder: the encoded authorization
// message for a denied request when Config.EncodeDenials is set, else "".
func (s *Service) EncodeDenial(p *authn.Principal, req AuthzRequest) string {
	if !s.cfg.EncodeDenials || p == nil || p.AccountID == "" {
		return ""
	}
	return s.EncodeAuthorizationMessage(p, req)
}

// EncodeAuthorizationMessage evaluates req for p again with the evidence
// and returns it sealed for p's account.
func (s *Service) EncodeAuthorizationMessage(p *authn.Principal, req AuthzRequest) string {
	if p == nil {
		p = anonymous
	}
	snap := s.view.Load()
	var in policy.Input
	var preq policy.Request
	ex := &policy.Explanation{Decision: policy.Decision{Effect: policy.ImplicitDeny, Type: policy.TypeIdentity, Statement: -1}}
	if s.prepare(snap, p, &req, &in, &preq) {
		ex = policy.Explain(&in, &preq)
	}
	m := authMessage{
		Allowed:      ex.Effect == policy.Allowed,
		ExplicitDeny: ex.Effect == policy.ExplicitDeny,
		Context: msgContext{
			Principal: msgPrincipal{ID: p.UserID, Name: p.UserName, ARN: p.ARN},
			Action:    req.Action,
			Resource:  req.Resource,
		},
	}
	m.MatchedStatements.Items = []msgStatement{}
	m.Failures.Items = []msgValue{}
	m.Context.Conditions.Items = []msgCondition{}
	if req.Context != nil {
		req.Context.Range(func(key string, values []string, _ bool) {
			c := msgCondition{Key: key}
			for _, v := range values {
				c.Values.Items = append(c.Values.Items, msgValue{v})
			}
			if c.Values.Items == nil {
				c.Values.Items = []msgValue{}
			}
			m.Context.Conditions.Items = append(m.Context.Conditions.Items, c)
		})
	}
	who := p.UniqueID
	if who == "" {
		who = p.AccountID
	}
	for _, ms := range ex.Matched {
		st := msgStatement{StatementID: ms.Sid, Effect: strings.ToUpper(ms.Effect)}
		st.Principals.Items = []msgValue{}
		if who != "" && ms.Type != policy.TypeResource {
			st.Principals.Items = append(st.Principals.Items, msgValue{who})
		}
		st.PrincipalGroups.Items = []msgValue{}
		if doc := namedDocument(&in, ms.Type, ms.Policy); doc != nil {
			fillStatement(&st, doc, ms.StatementInfo)
		}
		if st.Actions.Items == nil {
			st.Actions.Items = []msgValue{}
		}
		if st.Resources.Items == nil {
			st.Resources.Items = []msgValue{}
		}
		if st.Conditions.Items == nil {
			st.Conditions.Items = []msgCondition{}
		}
		m.MatchedStatements.Items = append(m.MatchedStatements.Items, st)
	}
	// The message must fit DecodeAuthorizationMessage's input: drop the
	// context's keys, then the statements' details, when it would not.
	for attempt := 0; ; attempt++ {
		b, err := json.Marshal(m)
		if err != nil {
			return ""
		}
		enc := s.sealAuthMessage(p.AccountID, b)
		if len(enc) <= MaxAuthorizationMessage || attempt == 2 {
			return enc
		}
		if attempt == 0 {
			m.Context.Conditions.Items = []msgCondition{}
		} else {
			m.MatchedStatements.Items = []msgStatement{}
		}
	}
}

func (s *Service) sealAuthMessage(account string, plain []byte) string {
	sealed := s.box.Seal(string(plain), authMessageLabel(account))
	raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(sealed, "v1:"))
	if err != nil {
		return ""
	}
	return base64.RawURLEncoding.EncodeToString(raw)
}

// DecodeAuthorizationMessage opens msg for a caller in account: the
// decoded JSON, or ErrAuthorizationMessage.
func (s *Service) DecodeAuthorizationMessage(account, msg string) (string, error) {
	if msg == "" || len(msg) > MaxAuthorizationMessage {
		return "", ErrAuthorizationMessage
	}
	raw, err := base64.RawURLEncoding.Strict().DecodeString(msg)
	if err != nil {
		return "", ErrAuthorizationMessage
	}
	plain, err := s.box.Open("v1:"+base64.StdEncoding.EncodeToString(raw), authMessageLabel(account))
	if err != nil {
		return "", ErrAuthorizationMessage
	}
	return plain, nil
}

// namedDocument finds the policy named name of type t among in's.
func namedDocument(in *policy.Input, t policy.Type, name string) []byte {
	find := func(ns []policy.Named) []byte {
		for i := range ns {
			if ns[i].Name == name && ns[i].Policy != nil {
				return ns[i].Policy.Document()
			}
		}
		return nil
	}
	switch t {
	case policy.TypeIdentity:
		return find(in.Identity)
	case policy.TypeSession:
		return find(in.Session)
	case policy.TypeResource:
		if in.ResourcePolicy != nil && in.ResourcePolicy.Name == name && in.ResourcePolicy.Policy != nil {
			return in.ResourcePolicy.Policy.Document()
		}
	case policy.TypeBoundary:
		if in.Boundary != nil && in.Boundary.Name == name && in.Boundary.Policy != nil {
			return in.Boundary.Policy.Document()
		}
	}
	return nil
}

// offset turns a 1-based line and column into a byte offset of doc.
func offset(doc []byte, pos policy.Position) int {
	if pos.Line < 1 || pos.Column < 1 {
		return -1
	}
	i := 0
	for line := 1; line < pos.Line; line++ {
		j := bytes.IndexByte(doc[i:], '\n')
		if j < 0 {
			return -1
		}
		i += j + 1
	}
	i += pos.Column - 1
	if i > len(doc) {
		return -1
	}
	return i
}

// fillStatement reads the statement's actions, resources and conditions
// from its text in the policy document (the engine keeps them compiled).
func fillStatement(st *msgStatement, doc []byte, info policy.StatementInfo) {
	a, b := offset(doc, info.Start), offset(doc, info.End)
	if a < 0 || b <= a {
		return
	}
	// End is the position of the closing brace or just past it.
	if b < len(doc) && doc[b] == '}' {
		b++
	}
	var raw struct {
		Action, NotAction, Resource, NotResource json.RawMessage
		Condition                                map[string]map[string]json.RawMessage
	}
	if json.Unmarshal(doc[a:b], &raw) != nil {
		return
	}
	for _, v := range stringList(raw.Action, raw.NotAction) {
		st.Actions.Items = append(st.Actions.Items, msgValue{v})
	}
	for _, v := range stringList(raw.Resource, raw.NotResource) {
		st.Resources.Items = append(st.Resources.Items, msgValue{v})
	}
	ops := make([]string, 0, len(raw.Condition))
	for op := range raw.Condition {
		ops = append(ops, op)
	}
	sort.Strings(ops)
	for _, op := range ops {
		keys := make([]string, 0, len(raw.Condition[op]))
		for k := range raw.Condition[op] {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			c := msgCondition{Key: op + ":" + k}
			for _, v := range stringList(raw.Condition[op][k]) {
				c.Values.Items = append(c.Values.Items, msgValue{v})
			}
			if c.Values.Items == nil {
				c.Values.Items = []msgValue{}
			}
			st.Conditions.Items = append(st.Conditions.Items, c)
		}
	}
}

// stringList reads the first present of raws as a string or a list of
// strings (numbers and booleans as their text).
func stringList(raws ...json.RawMessage) []string {
	for _, r := range raws {
		if len(r) == 0 {
			continue
		}
		var one any
		if json.Unmarshal(r, &one) != nil {
			return nil
		}
		var out []string
		add := func(v any) {
			switch x := v.(type) {
			case string:
				out = append(out, x)
			case nil:
			default:
				b, _ := json.Marshal(x)
				out = append(out, string(b))
			}
		}
		if l, ok := one.([]any); ok {
			for _, v := range l {
				add(v)
			}
		} else {
			add(one)
		}
		return out
	}
	return nil
}
