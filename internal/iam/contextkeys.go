package iam

import (
	"encoding/json"
	"regexp"
	"sort"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/arn"
	"github.com/gatehouse-dev/gatehouse/internal/awserr"
)

var policyVarRE = regexp.MustCompile(`\$\{([^}*?$]+)\}`)

// contextKeys adds to seen every condition key and policy variable a
// document references.
func contextKeys(doc string, seen map[string]string) error {
	var d struct {
		Statement json.RawMessage
	}
	if err := json.Unmarshal([]byte(doc), &d); err != nil {
		return awserr.MalformedPolicyDocument.New("Syntax errors in policy.")
	}
	var stmts []map[string]json.RawMessage
	if json.Unmarshal(d.Statement, &stmts) != nil {
		var one map[string]json.RawMessage
		if json.Unmarshal(d.Statement, &one) != nil {
			return awserr.MalformedPolicyDocument.New("Syntax errors in policy.")
		}
		stmts = []map[string]json.RawMessage{one}
	}
	add := func(k string) {
		if _, ok := seen[strings.ToLower(k)]; !ok {
			seen[strings.ToLower(k)] = k
		}
	}
	for _, st := range stmts {
		var cond map[string]map[string]json.RawMessage
		if c, ok := st["Condition"]; ok && json.Unmarshal(c, &cond) == nil {
			for _, kv := range cond {
				for k := range kv {
					add(k)
				}
			}
		}
		for _, m := range policyVarRE.FindAllStringSubmatch(string(st["Resource"])+string(st["NotResource"])+string(st["Condition"]), -1) {
			add(m[1])
		}
	}
	return nil
}

type contextKeysOut struct{ ContextKeyNames *members[string] }

func contextKeysResult(seen map[string]string) *contextKeysOut {
	out := make([]string, 0, len(seen))
	for _, k := range seen {
		out = append(out, k)
	}
	sort.Strings(out)
	return &contextKeysOut{list(out)}
}

func opGetContextKeysForCustomPolicy(c *call, in *getContextKeysForCustomPolicyIn) (*contextKeysOut, error) {
	if err := c.allow("*", nil); err != nil {
		return nil, err
	}
	docs := in.PolicyInputList
	if len(docs) == 0 {
		return nil, validation("", "policyInputList", "Member must not be null")
	}
	seen := map[string]string{}
	for _, d := range docs {
		if err := contextKeys(d, seen); err != nil {
			return nil, err
		}
	}
	return contextKeysResult(seen), nil
}

func opGetContextKeysForPrincipalPolicy(c *call, in *getContextKeysForPrincipalPolicyIn) (*contextKeysOut, error) {
	src := in.PolicySourceArn
	if err := c.allow(src, nil); err != nil {
		return nil, err
	}
	acct, res, ok := splitIAMARN(src)
	if !ok {
		return nil, awserr.InvalidInput.Errorf("Invalid ARN: %s", src)
	}
	name := arn.Name(res)
	var inline []InlinePolicy
	var attached []string
	switch {
	case strings.HasPrefix(res, "user/"):
		u := c.snap.User(acct, name)
		if u == nil || u.arn != src {
			return nil, awserr.NoSuchEntity.Errorf("PolicySourceArn %s not found.", src)
		}
		inline, attached = u.Inline, u.Attached
		for _, gn := range u.Groups {
			if g := c.snap.groups.get(entityKey(acct, gn)); g != nil {
				inline = append(append([]InlinePolicy(nil), inline...), g.Inline...)
				attached = append(append([]string(nil), attached...), g.Attached...)
			}
		}
	case strings.HasPrefix(res, "role/"):
		r := c.snap.Role(acct, name)
		if r == nil || r.arn != src {
			return nil, awserr.NoSuchEntity.Errorf("PolicySourceArn %s not found.", src)
		}
		inline, attached = r.Inline, r.Attached
	case strings.HasPrefix(res, "group/"):
		g := c.snap.groups.get(entityKey(acct, name))
		if g == nil || g.arn != src {
			return nil, awserr.NoSuchEntity.Errorf("PolicySourceArn %s not found.", src)
		}
		inline, attached = g.Inline, g.Attached
	default:
		return nil, awserr.InvalidInput.Errorf("Invalid ARN: %s", src)
	}
	seen := map[string]string{}
	docs := in.PolicyInputList
	for _, ip := range inline {
		docs = append(docs, ip.Document)
	}
	for _, a := range attached {
		if _, d := c.managedDoc(a); d != "" {
			docs = append(docs, d)
		}
	}
	for _, d := range docs {
		if err := contextKeys(d, seen); err != nil {
			return nil, err
		}
	}
	return contextKeysResult(seen), nil
}

type getContextKeysForCustomPolicyIn struct {
	PolicyInputList []string
}

type getContextKeysForPrincipalPolicyIn struct {
	PolicyInputList []string
	PolicySourceArn string
}
