package apigw

import (
	"bytes"
	"encoding/json"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/policy"
)

// MaxPolicyLength is the resource-policy size limit (spec §6.2).
const MaxPolicyLength = 8192

var errPolicy = awserr.BadRequestException.New("Invalid policy document. Please check the policy syntax and try again.")

// NormalizePolicy turns a resource policy as a client sent it (plain JSON,
// or the escaped form AWS returns) into the stored form: minified JSON with
// the execute-api:/ shorthand expanded to full ARNs of this API (spec §6.2),
// validated as a resource-based policy.
func NormalizePolicy(doc, region, account, apiID string) (string, error) {
	doc = strings.TrimSpace(doc)
	if doc == "" {
		return "", nil
	}
	if strings.HasPrefix(doc, `{\"`) {
		doc = UnescapePolicy(doc)
	}
	var v any
	dec := json.NewDecoder(strings.NewReader(doc))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return "", errPolicy
	}
	m, ok := v.(map[string]any)
	if !ok {
		return "", errPolicy
	}
	prefix := "arn:aws:execute-api:" + region + ":" + account + ":" + apiID
	expand := func(x any) any {
		s, ok := x.(string)
		if ok && strings.HasPrefix(s, "execute-api:/") {
			return prefix + s[len("execute-api:"):]
		}
		return x
	}
	switch st := m["Statement"].(type) {
	case []any:
		for _, e := range st {
			expandStatement(e, expand)
		}
	case map[string]any:
		expandStatement(st, expand)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(m); err != nil {
		return "", errPolicy
	}
	out := strings.TrimSuffix(buf.String(), "\n")
	if len(out) > MaxPolicyLength {
		return "", awserr.BadRequestException.Errorf("Policy document exceeds the maximum length of %d characters", MaxPolicyLength)
	}
	if _, err := policy.Parse([]byte(out), policy.ParseOptions{Type: policy.TypeResource, AllowSidSpaces: true}); err != nil {
		return "", errPolicy.WithCause(err)
	}
	return out, nil
}

func expandStatement(e any, expand func(any) any) {
	st, ok := e.(map[string]any)
	if !ok {
		return
	}
	for _, k := range []string{"Resource", "NotResource"} {
		switch r := st[k].(type) {
		case string:
			st[k] = expand(r)
		case []any:
			for i := range r {
				r[i] = expand(r[i])
			}
		}
	}
}

// EscapePolicy renders a stored policy as AWS returns it: quotes and
// slashes backslash-escaped inside the JSON string (spec §6.2).
func EscapePolicy(s string) string {
	if s == "" {
		return ""
	}
	s = strings.ReplaceAll(s, `\`, `\\`)
	s = strings.ReplaceAll(s, `"`, `\"`)
	return strings.ReplaceAll(s, `/`, `\/`)
}

// UnescapePolicy undoes EscapePolicy.
func UnescapePolicy(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
