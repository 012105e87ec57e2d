package server

import (
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/metrics"
)

// A call to an AWS service gatehouse does not serve gets that service's
// unknown-operation error in its own protocol, naming service and operation
// (issue #13), instead of execute-api's Missing Authentication Token.
func TestUnimplementedServiceAnswersInItsProtocol(t *testing.T) {
	s := New(Services{}, slog.New(slog.NewTextHandler(io.Discard, nil)), metrics.New())
	auth := func(svc string) string {
		return "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260101/us-east-1/" + svc + "/aws4_request, SignedHeaders=host, Signature=00"
	}
	tests := []struct {
		name, method, target, authz, xAmzTarget, ctype, body string
		status                                               int
		wantCT, wantType                                     string
		wantBody                                             []string
	}{
		{"dynamodb json 1.0", "POST", "/", auth("dynamodb"), "DynamoDB_20120810.ListTables", "application/x-amz-json-1.0", "{}",
			400, "application/x-amz-json-1.0", "UnknownOperationException",
			[]string{`{"__type":"UnknownOperationException","message":"gatehouse does not implement Amazon DynamoDB (dynamodb): operation ListTables is unknown"}`}},
		{"sqs json unsigned", "POST", "/", "", "AmazonSQS.ListQueues", "application/x-amz-json-1.0", "{}",
			400, "application/x-amz-json-1.0", "UnknownOperationException",
			[]string{`Amazon Simple Queue Service (sqs): operation ListQueues`}},
		{"sns query", "POST", "/", auth("sns"), "", "application/x-www-form-urlencoded", "Action=ListTopics&Version=2010-03-31",
			400, "text/xml", "",
			[]string{`<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/">`, `<Type>Sender</Type><Code>InvalidAction</Code>`, `Amazon Simple Notification Service (sns): operation ListTopics is unknown`}},
		// An old client's Query call to a service now on JSON (AWS CLI 2.9's sqs).
		{"sqs query from an old client", "POST", "/", auth("sqs"), "", "application/x-www-form-urlencoded", "Action=ListQueues&Version=2012-11-05",
			400, "text/xml", "",
			[]string{`<Code>InvalidAction</Code>`, `Amazon Simple Queue Service (sqs): operation ListQueues is unknown`}},
		{"ec2", "POST", "/", auth("ec2"), "", "application/x-www-form-urlencoded", "Action=DescribeInstances&Version=2016-11-15",
			400, "application/xml", "",
			[]string{`<Response><Errors><Error><Code>InvalidAction</Code>`, `operation DescribeInstances is unknown`, `<RequestID>`}},
		{"s3 rest-xml", "GET", "/", auth("s3"), "", "", "",
			501, "application/xml", "",
			[]string{`<Error><Code>NotImplemented</Code><Message>gatehouse does not implement Amazon Simple Storage Service (s3)</Message>`}},
		{"ecs json 1.1", "POST", "/", auth("ecs"), "AmazonEC2ContainerServiceV20141113.ListClusters", "application/x-amz-json-1.1", "{}",
			400, "application/x-amz-json-1.1", "UnknownOperationException", []string{`operation ListClusters is unknown`}},
		{"rest-json", "GET", "/v1/apis", auth("appsync"), "", "", "",
			400, "application/json", "UnknownOperationException", []string{`AWS AppSync (appsync)`}},
		{"logs unserved", "POST", "/", auth("logs"), "Logs_20140328.DescribeLogGroups", "application/x-amz-json-1.1", "{}",
			400, "application/x-amz-json-1.1", "UnknownOperationException", []string{`Amazon CloudWatch Logs (logs)`}},
		{"operation name is not echoed raw", "POST", "/", auth("dynamodb"), "DynamoDB_20120810.<script>", "application/x-amz-json-1.0", "{}",
			400, "application/x-amz-json-1.0", "UnknownOperationException", []string{`"message":"gatehouse does not implement Amazon DynamoDB (dynamodb)"`}},
		// A scope naming no AWS service stays with the data plane.
		{"not a service", "GET", "/prod/x", auth("frobnicator"), "", "", "",
			403, "application/json", "MissingAuthenticationTokenException", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, tt.target, strings.NewReader(tt.body))
			if tt.ctype != "" {
				r.Header.Set("Content-Type", tt.ctype)
			}
			if tt.authz != "" {
				r.Header.Set("Authorization", tt.authz)
			}
			if tt.xAmzTarget != "" {
				r.Header.Set("X-Amz-Target", tt.xAmzTarget)
			}
			w := httptest.NewRecorder()
			s.ServeHTTP(w, r)
			if w.Code != tt.status || w.Header().Get("Content-Type") != tt.wantCT || w.Header().Get("x-amzn-ErrorType") != tt.wantType {
				t.Errorf("got %d %q %q, want %d %q %q", w.Code, w.Header().Get("Content-Type"), w.Header().Get("x-amzn-ErrorType"), tt.status, tt.wantCT, tt.wantType)
			}
			for _, want := range tt.wantBody {
				if !strings.Contains(w.Body.String(), want) {
					t.Errorf("body %s\nlacks %s", w.Body, want)
				}
			}
			if w.Header().Get("x-amzn-RequestId") == "" {
				t.Error("no request id")
			}
		})
	}
}
