package callers

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestAWSError(t *testing.T) {
	tests := []struct {
		name   string
		header http.Header
		body   string
		want   string
	}{
		{"execute-api missing token", http.Header{"X-Amzn-Errortype": {"MissingAuthenticationTokenException"}}, `{"message":"Missing Authentication Token"}`,
			"MissingAuthenticationTokenException: Missing Authentication Token"},
		{"execute-api denial uses Message", http.Header{"X-Amzn-Errortype": {"AccessDeniedException"}}, `{"Message":"User: anonymous is not authorized"}`,
			"AccessDeniedException: User: anonymous is not authorized"},
		{"error type with URL suffix", http.Header{"X-Amzn-Errortype": {"InvalidSignatureException:http://internal.amazon.com/coral/com.amazon.coral.service/"}}, `{"message":"Signature expired"}`,
			"InvalidSignatureException: Signature expired"},
		{"REST-JSON __type with namespace", nil, `{"__type":"com.amazonaws.lambda#ResourceNotFoundException","Message":"Function not found"}`,
			"ResourceNotFoundException: Function not found"},
		{"message without code", nil, `{"message":"Internal server error"}`, "Internal server error"},
		{"empty message keeps the code", http.Header{"X-Amzn-Errortype": {"ThrottlingException"}}, `{"message":""}`, "ThrottlingException"},
		{"Query XML", nil, `<?xml version="1.0"?><ErrorResponse><Error><Type>Sender</Type><Code>NoSuchEntity</Code><Message>The role with name x cannot be found.</Message></Error><RequestId>1</RequestId></ErrorResponse>`,
			"NoSuchEntity: The role with name x cannot be found."},
		{"S3 style XML", nil, "<Error>\n  <Code>AccessDenied</Code>\n  <Message>Access Denied</Message>\n</Error>", "AccessDenied: Access Denied"},
		{"HTML is not an AWS error", nil, `<html><body>Bad gateway</body></html>`, ""},
		{"plain text", nil, "oops", ""},
		{"broken JSON", nil, `{"message":`, ""},
		{"empty", nil, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := awsError(tc.header, []byte(tc.body)); got != tc.want {
				t.Errorf("awsError = %q, want %q", got, tc.want)
			}
		})
	}
}

// FuzzAWSError: any response body must give a message without panicking,
// and a JSON body's message must come back verbatim.
func FuzzAWSError(f *testing.F) {
	f.Add("", `{"message":"Missing Authentication Token"}`)
	f.Add("X:y", `<ErrorResponse><Error><Code>C</Code><Message>M</Message></Error></ErrorResponse>`)
	f.Add("", `<Error><Code>`)
	f.Fuzz(func(t *testing.T, errType, body string) {
		h := http.Header{}
		if utf8.ValidString(errType) && !strings.ContainsAny(errType, "\r\n") {
			h.Set("X-Amzn-ErrorType", errType)
		}
		got := awsError(h, []byte(body))
		if json.Valid([]byte(body)) && len(body) >= len(`{"message":""}`) && strings.HasPrefix(body, `{"message":"`) && strings.HasSuffix(body, `"}`) {
			msg := strings.TrimSuffix(strings.TrimPrefix(body, `{"message":"`), `"}`)
			if !strings.ContainsAny(msg, "\"\\") && utf8.ValidString(msg) && msg != "" && !strings.HasSuffix(got, msg) {
				t.Errorf("awsError(%q) = %q, want it to end with %q", body, got, msg)
			}
		}
	})
}
