package apigw

import (
	"bytes"
	"encoding/json"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/arn"
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
	var buf bytes.Buffer
	if err := json.Compact(&buf, []byte(doc)); err != nil {
		return "", errPolicy
	}
	var probe map[string]json.RawMessage
	if json.Unmarshal(buf.Bytes(), &probe) != nil {
		return "", errPolicy
	}
	// Expanding by text keeps the document's own member order, as AWS does.
	out := strings.ReplaceAll(buf.String(), `"`+arn.ExecuteAPIShorthand, `"`+arn.ExecuteAPIPrefix(region, account, apiID))
	if len(out) > MaxPolicyLength {
		return "", awserr.BadRequestException.Errorf("Policy document exceeds the maximum length of %d characters", MaxPolicyLength)
	}
	if _, err := policy.Parse([]byte(out), policy.ParseOptions{Type: policy.TypeResource, AllowSidSpaces: true}); err != nil {
		return "", errPolicy.WithCause(err)
	}
	return out, nil
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
