package awsproto

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// TestStoreUnavailablePerSurface: a store failure that reaches a writer
// unconverted is each surface's AWS ServiceUnavailable, never a 500, and
// never leaks the cause.
func TestStoreUnavailablePerSurface(t *testing.T) {
	cause := fmt.Errorf("write: %w: %w", store.ErrUnavailable, errors.New("dial tcp 10.0.0.5:5432: i/o timeout"))
	stale := &store.StaleError{View: "iam"}
	tests := []struct {
		service, wantType string
		write             func(w http.ResponseWriter, r *http.Request, err error)
		wantBody          string
	}{
		{"iam", "", func(w http.ResponseWriter, r *http.Request, err error) { WriteQueryError(w, r, IAMNamespace, err) },
			`<Type>Receiver</Type><Code>ServiceUnavailable</Code><Message>The request has failed due to a temporary failure of the server.</Message>`},
		{"sts", "", func(w http.ResponseWriter, r *http.Request, err error) { WriteQueryError(w, r, STSNamespace, err) },
			`<Code>ServiceUnavailable</Code>`},
		{"apigateway", "ServiceUnavailableException", WriteJSONError,
			`{"message":"The request has failed due to a temporary failure of the server."}`},
		{"lambda", "ServiceException", WriteJSONError,
			`{"Type":"Service","Message":"The request has failed due to a temporary failure of the server."}`},
		{"execute-api", "ServiceUnavailableException", WriteGatewayError, `{"message":"Service Unavailable"}`},
	}
	for _, tc := range tests {
		for name, err := range map[string]error{"store failure": cause, "stale snapshots": stale} {
			t.Run(tc.service+"/"+name, func(t *testing.T) {
				r := httptest.NewRequest("POST", "/", nil)
				r = r.WithContext(WithMeta(r.Context(), &Meta{RequestID: "rid", Service: tc.service}))
				rec := httptest.NewRecorder()
				tc.write(rec, r, err)
				if rec.Code != http.StatusServiceUnavailable {
					t.Errorf("status = %d, want 503", rec.Code)
				}
				if got := rec.Header().Get("x-amzn-ErrorType"); got != tc.wantType {
					t.Errorf("x-amzn-ErrorType = %q, want %q", got, tc.wantType)
				}
				body := rec.Body.String()
				if !strings.Contains(body, tc.wantBody) {
					t.Errorf("body = %s, want it to contain %s", body, tc.wantBody)
				}
				if strings.Contains(body, "10.0.0.5") || strings.Contains(body, "iam") && tc.service == "execute-api" {
					t.Errorf("body leaks the cause: %s", body)
				}
			})
		}
	}
	// An error a handler already chose stays as it is.
	r := httptest.NewRequest("POST", "/", nil)
	r = r.WithContext(WithMeta(r.Context(), &Meta{Service: "iam"}))
	if e := errorOf(r, awserr.NoSuchEntity.New("x").WithCause(cause)); e.Code != "NoSuchEntity" {
		t.Errorf("catalogued error with a store cause became %s", e.Code)
	}
	if e := errorOf(r, errors.New("bug")); e.Code != "InternalFailure" {
		t.Errorf("other error = %s, want InternalFailure", e.Code)
	}
}
